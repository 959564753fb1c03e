"""Checking submitted answers against a key, with marks and errors carried forward.

The reference is a problem file (solved here) or a key written by `render --json`
or `exam`. Submitted answers are a YAML mapping from answer names to numbers or
expressions, read by the project's own parser. A value agrees with the key when
it is exactly equal or, by default, equal to 3 significant figures (`--sig-figs`
or `--tolerance` choose another rule). Where an answer is wrong, each later wrong
answer is recomputed from the student's own earlier values: if it follows from
them it is marked consistent (error carried forward) and earns its marks.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import sympy

from .answers import compute
from .draws import seed_of
from .errors import ProblemError
from .expr import Where, parse
from .files import read_text
from .kinds import KINDS
from .problem import Problem
from .reader import Reader
from .spec import loads, random_spec
from .variants import solve_variant
from .yamlio import load_yaml

DEFAULT_SIG_FIGS = 3


@dataclass(frozen=True)
class Rule:
    """How close a submitted value must be: tolerance (relative) or significant figures."""

    tolerance: float | None = None
    sig_figs: int | None = None

    def agrees(self, got, want) -> bool:
        if isinstance(got, (list, tuple)) or isinstance(want, (list, tuple)):  # a shape [w, h, d], a list of values
            return (isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)) and len(got) == len(want)
                    and all(self.agrees(a, b) for a, b in zip(got, want)))
        if isinstance(got, sympy.MatrixBase) or isinstance(want, sympy.MatrixBase):
            return (isinstance(got, sympy.MatrixBase) and isinstance(want, sympy.MatrixBase)
                    and got.shape == want.shape and all(self.agrees(a, b) for a, b in zip(got, want)))
        if isinstance(got, str) or isinstance(want, str):  # a symbolic matrix form: as the key spells it
            return _spelled(got) == _spelled(want)
        if got.free_symbols or want.free_symbols:
            return _same_function(got, want)
        try:
            if sympy.simplify(got - want) == 0:
                return True
            g, w = sympy.N(got, 40), sympy.N(want, 40)
        except (TypeError, ValueError):  # pragma: no cover
            return False
        if not (g.is_real and w.is_real):
            return False
        if self.tolerance is not None:
            return abs(g - w) <= self.tolerance * max(1, abs(w))
        n = self.sig_figs or DEFAULT_SIG_FIGS
        return _rounded(g, n) == _rounded(w, n)


def _spelled(v) -> str:
    return "".join(str(v).split())


def read_value(text: str, where: Where, what: str):
    """An answer as written: a matrix in the form a kind spells it (Matrix([[...]])), or an expression."""
    for kind in KINDS.values():
        v = kind.read_answer(text)
        if v is not None:
            return v
    s = text.strip()
    if s.startswith("[") and s.endswith("]"):  # a list answer, such as a shape [31, 31, 5]
        items = [t for t in s[1:-1].split(",") if t.strip()]
        if items and len(items) <= 64 and "[" not in s[1:-1]:
            return [parse(t, where, None, what).value for t in items]
    return parse(text, where, None, what).value


def _rounded(v, n: int) -> str:
    import mpmath

    with mpmath.workdps(50):
        return mpmath.nstr(mpmath.mpf(sympy.Float(v, 50)._mpf_), n, strip_zeros=False, min_fixed=-30, max_fixed=30)


def _same_function(a, b) -> bool:
    """Symbolic answers agree if they agree at a few random points (and simplify alike)."""
    names = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = random.Random(0)
    for _ in range(4):
        point = {s: sympy.Rational(rng.randint(1, 97), rng.randint(7, 31)) for s in names}
        try:
            d = sympy.N((a - b).subs(point), 30)
            scale = max(1, abs(sympy.N(b.subs(point), 30)))
        except (TypeError, ValueError, ZeroDivisionError):  # pragma: no cover
            return False
        if not d.is_number or abs(d) > 1e-20 * scale:
            return False
    return True


@dataclass(frozen=True)
class Line:
    """One answer's verdict."""

    name: str
    submitted: str | None
    expected: str
    verdict: str  # right, consistent, wrong, missing
    marks: sympy.Rational | None
    earned: sympy.Rational | None


@dataclass(frozen=True)
class Report:
    lines: tuple[Line, ...]
    extra: tuple[str, ...]  # submitted names the key does not have
    total: sympy.Rational | None
    earned: sympy.Rational | None

    @property
    def all_right(self) -> bool:
        return all(line.verdict == "right" for line in self.lines)


@dataclass(frozen=True)
class Reference:
    """What to check against: expected values by name, marks by name, and (if known) the problems."""

    expected: dict[str, sympy.Expr]  # by name (Q<n>.name in an exam key)
    marks: dict[str, sympy.Rational]
    problems: dict[str, Problem]  # prefix ("" or "Q1.") -> the problem, for errors carried forward
    graded: tuple[str, ...] = ()  # what the parts ask for; empty: every answer


def reference(path: str | Path, variant: str | None = None) -> Reference:
    """The reference from a problem file or a JSON key."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    if path.suffix == ".json":
        return _from_key(text, file)
    problem = _problem(text, file, variant, None)
    return _from_problem(problem, "")


def _problem(text: str, file: str, variant: str | None, draws: dict | None) -> Problem:
    if random_spec(text, file) is None:
        return loads(text, file)
    if draws is not None:
        return loads(text, file, draws)
    try:
        seed = seed_of(variant) if variant else 0
    except ValueError as exc:
        raise ProblemError(str(exc), file) from None
    return solve_variant(text, file, seed)[0]


def _from_problem(problem: Problem, prefix: str) -> Reference:
    _, answers = compute(problem)
    expected = {prefix + k: _comparable(problem, v) for k, v in answers.values.items()}
    marks: dict[str, sympy.Rational] = {}
    graded: list[str] = []
    for part, asked in zip(problem.parts, answers.asked):
        graded.extend(prefix + q for q in asked)
        if part.marks is not None and asked:
            for q in asked:
                marks[prefix + q] = part.marks / len(asked)
    return Reference(expected, marks, {prefix: problem}, tuple(dict.fromkeys(graded)))


def _from_key(text: str, file: str) -> Reference:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError(f"invalid JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), dict):
        raise ProblemError("a key is the JSON that render --json or exam writes, with an answers mapping", file)
    if "questions" in doc:  # an exam key: every question carries its problem
        expected, marks, problems, graded = {}, {}, {}, []
        for q in doc["questions"]:
            prefix = f"Q{q['number']}."
            if "source" in q:
                draws = _read_draws(q.get("draws"), file)
                ref = _from_problem(_problem(q["source"], q.get("file", file), None, draws), prefix)
                expected.update(ref.expected)
                marks.update(ref.marks)
                problems.update(ref.problems)
                graded.extend(ref.graded)
        if expected:
            return Reference(expected, marks, problems, tuple(graded))
    where = Where(file)
    expected = {k: read_value(str(v), where, f"the key's answer {k}") for k, v in doc["answers"].items()}
    marks, graded = {}, []
    for part in doc.get("parts", []):
        qs = part.get("quantities") or []
        graded.extend(qs)
        if part.get("marks") and qs:
            for q in qs:
                marks[q] = sympy.Rational(part["marks"]) / len(qs)
    return Reference(expected, marks, {}, tuple(dict.fromkeys(graded)))


def _read_draws(draws, file):
    if draws is None:
        return None

    def one(v):
        return [one(x) for x in v] if isinstance(v, list) else parse(str(v), Where(file), set(), "a drawn value").value

    return {k: one(v) for k, v in draws.items()}


def read_answers(path: str | Path) -> dict[str, sympy.Expr]:
    """A student's answers: name -> number or expression."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    docs = load_yaml(text, file)
    if not docs:
        raise ProblemError("the answers file is empty; write one line per answer, such as z2_1: -1", file)
    r = Reader(file)
    out = {}
    for name, y in r.mapping(docs[0], "the answers").items():
        if isinstance(y.value, list):
            out[name] = [r.expr(v, f"the answer {name}").value for v in y.value]
        elif isinstance(y.value, str):
            out[name] = read_value(y.value, r.where(y), f"the answer {name}")
        else:
            out[name] = r.expr(y, f"the answer {name}").value
    return out


def check(ref: Reference, submitted: dict[str, sympy.Expr], rule: Rule = Rule()) -> Report:
    """Every expected answer judged: right, consistent (error carried forward), wrong or missing."""
    shown = list(ref.graded or ref.expected)
    shown += [n for n in submitted if n in ref.expected and n not in shown]  # unasked but given: judged, no marks
    verdicts: dict[str, str] = {}
    for name in ref.expected:
        if name not in submitted:
            verdicts[name] = "missing"
        else:
            verdicts[name] = "right" if rule.agrees(submitted[name], ref.expected[name]) else "wrong"
    for prefix, problem in ref.problems.items():
        names = sorted((n for n in ref.expected if n.startswith(prefix) and n in submitted),
                       key=lambda n: problem.kind.working_order(problem, n[len(prefix):]))
        wrong_before: dict[str, sympy.Expr] = {}
        for name in names:
            if verdicts[name] == "wrong":
                if wrong_before and _follows(problem, prefix, name, wrong_before, submitted[name], rule):
                    verdicts[name] = "consistent"
                wrong_before[name[len(prefix):]] = submitted[name]
    lines = []
    for name in shown:
        want = ref.expected[name]
        m = ref.marks.get(name)
        earned = None if m is None else (m if verdicts[name] in ("right", "consistent") else sympy.S.Zero)
        lines.append(Line(name, _show(submitted.get(name)), _show(want), verdicts[name], m, earned))
    extra = tuple(n for n in submitted if n not in ref.expected)
    total = sum(ref.marks.values()) if ref.marks else None
    earned = sum(line.earned for line in lines if line.earned is not None) if ref.marks else None
    return Report(tuple(lines), extra, total, earned)


def _comparable(problem: Problem, v):
    """A value check can compare: a SymPy number, expression or Matrix; a symbolic matrix form as its spelling."""
    if isinstance(v, (list, tuple)):
        return [_comparable(problem, x) for x in v]
    return v if isinstance(v, (sympy.Basic, sympy.MatrixBase)) else problem.kind.answer_string(v)


def _follows(problem: Problem, prefix: str, name: str, pins: dict, got, rule: Rule) -> bool:
    """Whether `got` is what the working gives once the student's earlier wrong values are taken as given."""
    try:
        values = compute(problem, pins=dict(pins))[1].values
    except ProblemError:
        return False
    want = values.get(name[len(prefix):])
    return want is not None and rule.agrees(got, want)


def _show(v) -> str | None:
    if v is None:
        return None
    if isinstance(v, str):
        return v
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, sympy.MatrixBase):
        return "Matrix([" + ", ".join("[" + ", ".join(_show(x) for x in v.row(i)) + "]" for i in range(v.rows)) + "])"
    if v.is_Rational or v.free_symbols:
        return sympy.sstr(v)
    return sympy.sstr(sympy.N(v, 6))

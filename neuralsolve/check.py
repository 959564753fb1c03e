"""Checking submitted answers against a key, with marks, errors carried forward and common mistakes.

The reference is a problem file (solved here) or a key written by `render --json`
or `exam` (read with located errors). Submitted answers are a YAML mapping from
answer names to numbers or expressions, read by the project's own parser and
refused when too large to compare. A number agrees with the key when it is exactly
equal or lies within half a unit of its own last significant figure (at least 3
figures, `--sig-figs`), or within `--tolerance` (relative) / `--abs-tolerance`.
Where an answer is wrong, each later wrong answer is recomputed from the student's
own earlier values: if it follows from them it is marked consistent (error carried
forward) and earns its marks. A wrong answer that a common mistake gives (a dropped
1/2, a left-out activation derivative, ...) is marked as that mistake, for a share
of its marks.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import sympy

from .answers import KEYED, bare_name, compute, same_function
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
DEFAULT_MISTAKE_CREDIT = sympy.Rational(1, 2)
MAX_DIGITS = 1_000  # a submitted number with more digits, or beyond 10^MAX_DIGITS, is refused
_EXP_LIMIT = 2_303  # exp(x) for x above this exceeds 10^1000
_DECIMAL = re.compile(r"\s*[+-]?(\d*)(?:\.(\d*))?(?:[eE][+-]?\d+)?\s*")


@dataclass(frozen=True)
class Rule:
    """How close a submitted value must be.

    By default (or with `sig_figs`), a number is right when it lies within half a unit of
    its own last significant figure of the exact value, counting at least `sig_figs`
    figures: 0.4875 against 0.487503 at 4 figures. `tolerance` (relative) and
    `abs_tolerance` instead accept |got - want| <= max(tolerance |want|, abs_tolerance).
    Exactly equal values always agree; a wrong sign never does (unless both are zero
    within the absolute tolerance).
    """

    tolerance: float | None = None
    sig_figs: int | None = None
    abs_tolerance: float | None = None

    def agrees(self, got, want, figures: int | None = None) -> bool:
        if isinstance(got, (list, tuple)) or isinstance(want, (list, tuple)):  # a shape [w, h, d], a list of values
            return (isinstance(got, (list, tuple)) and isinstance(want, (list, tuple)) and len(got) == len(want)
                    and all(self.agrees(a, b) for a, b in zip(got, want)))
        if isinstance(got, sympy.MatrixBase) or isinstance(want, sympy.MatrixBase):
            return (isinstance(got, sympy.MatrixBase) and isinstance(want, sympy.MatrixBase)
                    and got.shape == want.shape and all(self.agrees(a, b) for a, b in zip(got, want)))
        if isinstance(got, str) or isinstance(want, str):  # a symbolic matrix form: as the key spells it
            return _spelled(got) == _spelled(want)
        if got.free_symbols or want.free_symbols:
            return same_function(got, want)
        if got.is_Rational and want.is_Rational:
            if got == want:
                return True
            g, w = got, want
        else:
            try:
                g, w = sympy.N(got, 60), sympy.N(want, 60)
            except (TypeError, ValueError):  # pragma: no cover
                return False
            if not (g.is_real and w.is_real and g.is_finite and w.is_finite):
                return False
            if abs(g - w) <= sympy.Float("1e-45", 60) * max(abs(w), sympy.Float("1e-300", 60)):
                return True  # exactly equal, as far as 60 digits can tell
        if self.tolerance is not None or self.abs_tolerance is not None:
            a = sympy.Float(self.abs_tolerance or 0, 60)
            if g * w < 0 or (g == 0) != (w == 0):  # a wrong sign (or zero against non-zero) passes only near zero
                return abs(g) <= a and abs(w) <= a
            return abs(g - w) <= max(sympy.Float(self.tolerance or 0, 60) * abs(w), a)
        return _within_last_figure(g, w, self.sig_figs or DEFAULT_SIG_FIGS, figures)


def _within_last_figure(g, w, n: int, figures: int | None) -> bool:
    """Whether w lies within half a unit of g's last significant figure, g read to at least n figures."""
    if g == 0:
        return False
    g = g if g.is_Rational else sympy.Rational(g)
    m = max(n, figures or 0)
    e = _exponent(abs(g))
    half = sympy.Rational(1, 2) * sympy.Rational(10) ** (e - m + 1)
    if w.is_Rational:
        return abs(g - w) <= half
    return abs(sympy.N(g - w, 60)) <= half


def _exponent(a: sympy.Rational) -> int:
    """floor(log10 a) for a positive rational, exactly."""
    import mpmath

    with mpmath.workdps(30):
        e = int(mpmath.floor(mpmath.log10(mpmath.mpf(a.p) / a.q)))
    while sympy.Rational(10) ** e > a:
        e -= 1
    while sympy.Rational(10) ** (e + 1) <= a:
        e += 1
    return e


def figures_written(text: str) -> int | None:
    """Significant figures of a decimal as written (0.48750: 5; 4800: 2), None when it is not a decimal."""
    m = _DECIMAL.fullmatch(text)
    if not m or not (m.group(1) or m.group(2)):
        return None
    whole, frac = m.group(1) or "", m.group(2)
    digits = (whole + (frac or "")).lstrip("0")
    if frac is None:
        digits = digits.rstrip("0")
    return len(digits) or None


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
            return [bounded(parse(t, where, None, what).value, where, what) for t in items]
    return bounded(parse(text, where, None, what).value, where, what)


def bounded(v, where: Where, what: str):
    """`v` if it is a number check can compare, else a located error (no more than MAX_DIGITS digits, no
    intermediate value beyond 10^MAX_DIGITS: exp(exp(exp(100))) is refused before it is evaluated)."""
    if isinstance(v, (list, tuple)):
        return [bounded(x, where, what) for x in v]
    if isinstance(v, sympy.MatrixBase):
        for x in v:
            bounded(x, where, what)
        return v
    if not isinstance(v, sympy.Basic):
        return v
    problem = _too_large(v)
    if problem:
        raise ProblemError(f"{what} {problem}; give a number of at most {MAX_DIGITS} digits", where.file, where.line,
                           where.col)
    return v


def _too_large(v) -> str | None:
    """Why `v` is too large to compare, or None; evaluated from the leaves up at low precision."""
    import mpmath

    limit = mpmath.mpf(10) ** MAX_DIGITS

    def size(e):
        if e.is_Rational:
            if max(e.p.bit_length(), e.q.bit_length()) > MAX_DIGITS * 3.33:
                raise _Refused(f"has more than {MAX_DIGITS} digits")
            return mpmath.mpf(e.p) / e.q
        if e.is_Float:
            return mpmath.mpf(e._mpf_)
        if e.free_symbols or not e.args:
            x = e.evalf(20) if not e.free_symbols else None
            return mpmath.mpf(x) if x is not None and x.is_real else mpmath.mpf(1)
        args = [size(a) for a in e.args]
        big = (isinstance(e, (sympy.exp, sympy.cosh, sympy.sinh)) and abs(args[0]) > _EXP_LIMIT) or (
            e.is_Pow and args[0] != 0 and abs(args[1]) * abs(mpmath.log10(abs(args[0]))) > MAX_DIGITS)
        if big:
            raise _Refused(f"exceeds 10^{MAX_DIGITS}")
        if e.free_symbols:
            return mpmath.mpf(1)
        x = e.evalf(20)
        if not x.is_number or not x.is_finite:
            return mpmath.mpf(1)
        x = abs(x)
        if not x.is_real:
            return mpmath.mpf(1)
        m = mpmath.mpf(sympy.Float(x, 20)._mpf_)
        if m > limit:
            raise _Refused(f"exceeds 10^{MAX_DIGITS}")
        return m

    with mpmath.workdps(20):
        try:
            size(v)
        except _Refused as exc:
            return str(exc)
    return None


class _Refused(Exception):
    pass


@dataclass(frozen=True)
class Line:
    """One answer's verdict."""

    name: str
    submitted: str | None
    expected: str
    verdict: str  # right, consistent, mistake, wrong, missing
    marks: sympy.Rational | None
    earned: sympy.Rational | None
    mistake: str | None = None  # the recognised mistake ("leaving out σ'(z2)")


@dataclass(frozen=True)
class Report:
    lines: tuple[Line, ...]
    extra: tuple[str, ...]  # submitted names the key does not have
    total: sympy.Rational | None
    earned: sympy.Rational | None
    ambiguous: tuple[tuple[str, tuple[str, ...]], ...] = ()  # a bare name answered in several parts, and its keys
    by_hand: sympy.Rational = sympy.S.Zero  # the marks of parts that answer no quantity (drawings, prose)

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
    credit: dict[str, sympy.Rational] = field(default_factory=dict)  # a recognised mistake's share, per name
    aliases: dict[str, str] = field(default_factory=dict)  # (2).w' -> (ii).w' when part 2 is labelled ii
    by_hand: sympy.Rational = sympy.S.Zero  # marks of parts with no quantity to check: the marker gives them


@dataclass(frozen=True)
class Submission:
    """A student's answers: values by name, the figures each decimal was written with, and where each stands."""

    values: dict
    figures: dict[str, int] = field(default_factory=dict)
    where: dict[str, Where] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    unread: dict[str, ProblemError] = field(default_factory=dict)  # text only a spelled (symbolic) key answer takes


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




def _aliases(prefix: str, labels: list, names) -> dict[str, str]:
    """The other spelling of each part-keyed name: (2).w' for (ii).w' when the second part is labelled ii."""
    out = {}
    for n in names:
        m = KEYED.fullmatch(n[len(prefix):]) if n.startswith(prefix) else None
        if not m:
            continue
        part = m.group("part")
        if part in labels:
            out[f"{prefix}({labels.index(part) + 1}).{m.group('name')}"] = n
        elif part.isdigit() and 0 < int(part) <= len(labels) and labels[int(part) - 1]:
            out[f"{prefix}({labels[int(part) - 1]}).{m.group('name')}"] = n
    return {k: v for k, v in out.items() if k not in names}


def _from_problem(problem: Problem, prefix: str, credit: dict | None = None) -> Reference:
    _, answers = compute(problem)
    expected = {prefix + k: _comparable(problem, v) for k, v in answers.values.items()}
    marks: dict[str, sympy.Rational] = {}
    graded: list[str] = []
    by_hand = sympy.S.Zero
    for part, asked in zip(problem.parts, answers.asked):
        graded.extend(prefix + q for q in asked)
        if part.marks is not None and not asked:  # a drawing, or an answer in words
            by_hand += part.marks
        if part.marks is not None and asked:
            for q in asked:
                marks[prefix + q] = part.marks / len(asked)
                if part.mistake_marks is not None and part.marks:  # the author's share for a recognised mistake
                    credit = dict(credit or {})
                    credit.setdefault(prefix + q, part.mistake_marks / part.marks)
    aliases = _aliases(prefix, [p.label for p in problem.parts], expected)
    return Reference(expected, marks, {prefix: problem}, tuple(dict.fromkeys(graded)), dict(credit or {}), aliases,
                     by_hand)


def _from_key(text: str, file: str) -> Reference:
    key = _Key(text, file)
    doc = key.doc
    if "questions" in doc:  # an exam key: every question carries its problem
        from .exam import scaled_marks

        refs = []
        for i, q in enumerate(key.seq(("questions",), "questions")):
            at = ("questions", i)
            key.obj(at, "a question")
            number = key.number(at + ("number",), "the question's number", whole=True, required=True)
            if "source" not in q:
                continue
            source = key.string(at + ("source",), "the question's source")
            qfile = key.string(at + ("file",), "the question's file") if "file" in q else file
            draws = _read_draws(key.obj(at + ("draws",), "the draws"), key, at + ("draws",)) if "draws" in q else None
            total = key.number(at + ("marks",), "the question's marks") if q.get("marks") is not None else None
            problem = scaled_marks(_problem(source, qfile, None, draws), total)
            refs.append(_from_problem(problem, f"Q{number}.", _credits(key, at, f"Q{number}.")))
        if refs:
            return _merged(refs)
    expected = {}
    for k in key.obj(("answers",), "answers", required=True):
        v = doc["answers"][k]
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            if not (isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v)):
                key.fail(("answers", k), f"the key's answer {k} must be a string or a number, not {_json_kind(v)}")
        try:
            expected[k] = key.located(("answers", k), lambda w: read_value(_json_text(v), w, f"the key's answer {k}"))
        except ProblemError:
            if not isinstance(v, str) or len(v) > 20_000:
                raise
            expected[k] = v  # a symbolic form only its kind spells (Transpose(W)*X): compared as spelled
    marks, graded, labels, by_hand = {}, [], [], sympy.S.Zero
    for i, part in enumerate(key.seq(("parts",), "parts") if "parts" in doc else []):
        at = ("parts", i)
        key.obj(at, "a part")
        labels.append(key.string(at + ("label",), "a part's label") if part.get("label") is not None else None)
        qs = [key.string(at + ("quantities", j), "a quantity")
              for j in range(len(key.seq(at + ("quantities",), "quantities")))] if part.get("quantities") else []
        graded.extend(qs)
        right, _ = _part_marks(key, at)
        if right and qs:
            for q in qs:
                marks[q] = right / len(qs)
        elif right:
            by_hand += right
    credit = _credits(key, (), "")
    return Reference(expected, marks, {}, tuple(dict.fromkeys(graded)), credit, _aliases("", labels, expected),
                     by_hand)


def _merged(refs: list[Reference]) -> Reference:
    out = Reference({}, {}, {}, (), {}, {})
    graded: list[str] = []
    by_hand = sympy.S.Zero
    for r in refs:
        by_hand += r.by_hand
        out.expected.update(r.expected)
        out.marks.update(r.marks)
        out.problems.update(r.problems)
        out.credit.update(r.credit)
        out.aliases.update(r.aliases)
        graded.extend(r.graded)
    return Reference(out.expected, out.marks, out.problems, tuple(graded), out.credit, out.aliases, by_hand)


def _part_marks(key: "_Key", at: tuple) -> tuple[sympy.Rational | None, sympy.Rational | None]:
    """A part's marks: a number, or {right: R, mistakes: M} (M for an answer showing a recognised mistake)."""
    part = key.get(at)
    if part.get("marks") is None:
        return None, None
    if isinstance(part["marks"], dict):
        key.obj(at + ("marks",), "a part's marks")
        right = key.number(at + ("marks", "right"), "the marks for a right answer", required=True)
        mistakes = key.number(at + ("marks", "mistakes"), "the marks for a recognised mistake") \
            if "mistakes" in part["marks"] else None
        return right, mistakes
    return key.number(at + ("marks",), "a part's marks"), None


def _credits(key: "_Key", at: tuple, prefix: str) -> dict[str, sympy.Rational]:
    """Each part's share for a recognised mistake, by answer name, where the key sets it."""
    out = {}
    container = key.get(at)
    if not isinstance(container.get("parts"), list):
        return out
    for i, part in enumerate(container["parts"]):
        if not isinstance(part, dict):
            continue
        right, mistakes = _part_marks(key, at + ("parts", i))
        if right and mistakes is not None and isinstance(part.get("quantities"), list):
            for q in part["quantities"]:
                if isinstance(q, str):
                    out[prefix + q] = min(mistakes / right, sympy.S.One)
    return out


def _json_kind(v) -> str:
    return {dict: "a mapping", list: "a list", bool: "a boolean", type(None): "null"}.get(type(v), "a number")


def _json_text(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_json_text(x) for x in v) + "]"
    return repr(v) if isinstance(v, float) else str(v)


class _Key:
    """A JSON key, read with located errors (FILE:LINE:COL) for every value that is not what a key holds."""

    MAX_DEPTH = 64

    def __init__(self, text: str, file: str):
        self.text, self.file, self._tree = text, file, None
        self._depth_check()
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProblemError(f"invalid JSON: {exc.msg}", file, exc.lineno, exc.colno) from None
        except (RecursionError, ValueError) as exc:  # pragma: no cover - bounded by the depth check
            raise ProblemError(f"invalid JSON: {exc}", file) from None
        if not isinstance(doc, dict):
            raise ProblemError(f"a key is the JSON object that render --json or exam writes, not {_json_kind(doc)}",
                               file, *self._position(()))
        if not isinstance(doc.get("answers"), dict):
            self.fail(("answers",) if "answers" in doc else (),
                      "a key is the JSON that render --json or exam writes, with an answers mapping")
        self.doc = doc

    def _depth_check(self) -> None:
        depth, line, col, in_string, escaped = 0, 1, 0, False, False
        for ch in self.text:
            col += 1
            if ch == "\n":
                line, col = line + 1, 0
            if in_string:
                if escaped:
                    escaped = False
                elif ch == "\\":
                    escaped = True
                elif ch == '"':
                    in_string = False
            elif ch == '"':
                in_string = True
            elif ch in "[{":
                depth += 1
                if depth > self.MAX_DEPTH:
                    raise ProblemError(f"the key nests lists or mappings more than {self.MAX_DEPTH} deep",
                                       self.file, line, col)
            elif ch in "]}":
                depth -= 1

    def get(self, path: tuple):
        v = self.doc
        for p in path:
            v = v[p]
        return v

    def _position(self, path: tuple) -> tuple[int, int]:
        """Where the value at `path` starts (found through YAML's node marks: JSON is YAML)."""
        import yaml

        try:
            if self._tree is None:
                self._tree = yaml.compose(self.text, Loader=yaml.SafeLoader)
            node = self._tree
            for p in path:
                if isinstance(node, yaml.MappingNode):
                    node = next(v for k, v in node.value if k.value == p)
                else:
                    node = node.value[p]
            return node.start_mark.line + 1, node.start_mark.column + 1
        except Exception:  # noqa: BLE001 - a position is a courtesy; the message stands without it
            return 1, 1

    def located(self, path: tuple, read):
        """read(where) of the value at `path`; its position is looked up only when it fails."""
        try:
            return read(Where(self.file))
        except ProblemError:
            return read(self.where(path))

    def where(self, path: tuple) -> Where:
        line, col = self._position(path)
        return Where(self.file, line, col + 1 if isinstance(self.get(path), str) else col)

    def fail(self, path: tuple, message: str):
        raise ProblemError(message, self.file, *self._position(path))

    def obj(self, path: tuple, what: str, required: bool = False) -> dict:
        try:
            v = self.get(path)
        except (KeyError, IndexError):
            self.fail(path[:-1], f"{what} is missing")
        if not isinstance(v, dict):
            self.fail(path, f"{what} must be a mapping, not {_json_kind(v)}")
        return v

    def seq(self, path: tuple, what: str) -> list:
        v = self.get(path)
        if not isinstance(v, list):
            self.fail(path, f"{what} must be a list, not {_json_kind(v)}")
        return v

    def string(self, path: tuple, what: str) -> str:
        v = self.get(path)
        if not isinstance(v, str):
            self.fail(path, f"{what} must be a string, not {_json_kind(v)}")
        return v

    def number(self, path: tuple, what: str, whole: bool = False, required: bool = False):
        try:
            v = self.get(path)
        except (KeyError, IndexError):
            self.fail(path[:-1], f"{what} is missing; a key from render --json or exam has it")
        try:
            if isinstance(v, bool) or not isinstance(v, (int, float, str)) or len(str(v)) > 40:
                raise ValueError
            n = sympy.Rational(Fraction(str(v)).limit_denominator(1000))  # marks as written: 6.66667 is 20/3
        except (ValueError, ZeroDivisionError):
            self.fail(path, f"{what} must be a number, not {_json_kind(v) if not isinstance(v, str) else repr(v)}")
        if n <= 0 or (whole and not n.is_integer):
            self.fail(path, f"{what} must be a positive {'whole ' if whole else ''}number, not {v}")
        return n


def _read_draws(draws, key: _Key, at: tuple):
    def one(v, path):
        if isinstance(v, list):
            return [one(x, path + (i,)) for i, x in enumerate(v)]
        if not isinstance(v, (str, int, float)) or isinstance(v, bool):
            key.fail(path, f"a drawn value must be a number, not {_json_kind(v)}")
        return key.located(path, lambda w: bounded(parse(str(v), w, set(), "a drawn value").value, w, "a drawn value"))

    return {k: one(v, at + (k,)) for k, v in draws.items()}


def read_submission(path: str | Path) -> Submission:
    """A student's answers: name -> number or expression, with the figures and place of each."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    _refuse_huge_literals(text, file)
    docs = load_yaml(text, file)
    if not docs:
        raise ProblemError("the answers file is empty; write one line per answer, such as z2_1: -1", file)
    r = Reader(file)
    out, figures, where, texts, unread = {}, {}, {}, {}, {}
    for name, y in r.mapping(docs[0], "the answers").items():
        what = f"the answer {name}"
        where[name] = r.where(y)
        if isinstance(y.value, list):
            out[name] = [bounded(r.expr(v, what).value, r.where(v), what) for v in y.value]
        elif isinstance(y.value, str):
            try:
                out[name] = read_value(y.value, r.where(y), what)
            except ProblemError as exc:
                if len(y.value) > 20_000 or "too large" in exc.message or "digits" in exc.message:
                    raise
                out[name], unread[name] = y.value, exc
        else:
            out[name] = bounded(r.expr(y, what).value, r.where(y), what)
        if isinstance(y.value, (str, sympy.Rational)) and not isinstance(y.value, bool):
            written = y.text or str(y.value)
            texts[name] = written.strip()
            f = figures_written(written)
            if f is not None:
                figures[name] = f
    return Submission(out, figures, where, texts, unread)


def read_answers(path: str | Path) -> dict[str, sympy.Expr]:
    """A student's answers: name -> number or expression."""
    return read_submission(path).values


_LITERAL = re.compile(r"\d{%d,}|[eE][+-]?\d{5,}" % (MAX_DIGITS + 1))


def _refuse_huge_literals(text: str, file: str) -> None:
    """A number of more than MAX_DIGITS digits, or with a huge exponent, is refused before it is built."""
    for m in _LITERAL.finditer(text):
        if m.group(0)[0] in "eE" and int(m.group(0)[1:].lstrip("+-")) <= MAX_DIGITS:
            continue
        line = text.count("\n", 0, m.start()) + 1
        col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
        what = "an exponent" if m.group(0)[0] in "eE" else "a number"
        raise ProblemError(f"{what} too large: at most {MAX_DIGITS} digits and 10^{MAX_DIGITS}", file, line, col)


def check(ref: Reference, submitted, rule: Rule = Rule(), mistake_credit=DEFAULT_MISTAKE_CREDIT) -> Report:
    """Every expected answer judged: right, consistent (error carried forward), mistake, wrong or missing."""
    sub = submitted if isinstance(submitted, Submission) else Submission(dict(submitted))
    values, figures, texts = {}, {}, {}
    for n, v in sub.values.items():
        canon = ref.aliases.get(n, n)
        values[canon] = v
        if n in sub.figures:
            figures[canon] = sub.figures[n]
        if n in sub.texts:
            texts[canon] = sub.texts[n]
        if n in sub.unread and not isinstance(ref.expected.get(canon), str):
            raise sub.unread[n]  # unreadable, and not a symbolic form the key spells
        _refuse_shape(canon, v, ref.expected, sub.where.get(n))
    shown = list(ref.graded or ref.expected)
    shown += [n for n in values if n in ref.expected and n not in shown]  # unasked but given: judged, no marks
    verdicts: dict[str, str] = {}
    named: dict[str, str] = {}
    for name in ref.expected:
        if name not in values:
            verdicts[name] = "missing"
        else:
            right = rule.agrees(values[name], ref.expected[name], figures.get(name))
            verdicts[name] = "right" if right else "wrong"
    for prefix, problem in ref.problems.items():
        names = sorted((n for n in ref.expected if n.startswith(prefix) and n in values),
                       key=lambda n: problem.kind.working_order(problem, bare_name(n[len(prefix):])))
        wrong_before: dict[str, sympy.Expr] = {}
        for name in names:
            if verdicts[name] == "wrong":
                if wrong_before and _follows(problem, prefix, name, wrong_before, values[name], rule):
                    verdicts[name] = "consistent"
                if not KEYED.fullmatch(name[len(prefix):]):
                    wrong_before[name[len(prefix):]] = values[name]
        wrong = [n for n in names if verdicts[n] == "wrong"]
        if wrong:
            for mistake in problem.kind.mistakes(problem):
                for name in wrong:
                    alt = mistake.values.get(name[len(prefix):])
                    if name not in named and alt is not None and rule.agrees(values[name], alt, figures.get(name)):
                        verdicts[name], named[name] = "mistake", mistake.name
    lines = []
    for name in shown:
        want = ref.expected[name]
        m = ref.marks.get(name)
        earned = None
        if m is not None:
            share = {"right": 1, "consistent": 1, "mistake": ref.credit.get(name, mistake_credit)}
            earned = m * sympy.Rational(share.get(verdicts[name], 0))
        got = texts.get(name) or _show(values.get(name))
        lines.append(Line(name, got, _show(want), verdicts[name], m, earned, named.get(name)))
    ambiguous, extra = [], []
    for n in sub.values:
        if ref.aliases.get(n, n) in ref.expected:
            continue
        keyed = tuple(k for k in ref.expected
                      if KEYED.fullmatch(_unprefixed(k)) and bare_name(_unprefixed(k)) == _unprefixed(n)
                      and k.startswith(n[: len(n) - len(_unprefixed(n))]))
        if keyed:
            ambiguous.append((n, keyed))
        else:
            extra.append(n)
    total = sum(ref.marks.values()) if ref.marks else None
    earned = sum(line.earned for line in lines if line.earned is not None) if ref.marks else None
    return Report(tuple(lines), tuple(extra), total, earned, tuple(ambiguous), ref.by_hand)


def _unprefixed(name: str) -> str:
    m = re.match(r"Q\d+\.", name)
    return name[m.end():] if m else name


def _refuse_shape(name, got, expected, where: Where | None) -> None:
    """A list or matrix where the key has a number (or the other way round) is the answers file's error."""
    want = expected.get(name)
    if want is None or where is None:
        return

    def shape(v):
        if isinstance(v, (list, tuple)):
            return "a list"
        if isinstance(v, sympy.MatrixBase):
            return "a matrix"
        return "a number"

    if shape(got) != shape(want) and not isinstance(want, str):
        raise ProblemError(f"the answer {name} must be {shape(want)}, not {shape(got)}", where.file, where.line,
                           where.col)


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
    own = name[len(prefix):]
    want = values.get(own)
    if want is None:  # pinned values may make parts agree, and their answers unkeyed
        want = values.get(bare_name(own))
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


# -- a class's marks as a gradebook CSV --------------------------------------------------------------------
ANSWER_FILES = ("*.yaml", "*.yml", "*.json")
_QUESTION = re.compile(r"(Q\d+)\.")


def gradebook_columns(ref: Reference) -> list[str]:
    """One column per exam question (Q1, Q2, ...), or per answer of a single problem's key."""
    names = list(ref.marks) if ref.marks else list(ref.graded or ref.expected)
    groups = [m.group(1) for n in names if (m := _QUESTION.match(n))]
    return list(dict.fromkeys(groups)) if groups and len(groups) == len(names) else names


def gradebook_row(ref: Reference, report: Report, columns: list[str]) -> dict[str, str]:
    """A student's marks per column, the total and the notes (carried forward, mistakes, missing)."""
    earned = {c: sympy.S.Zero for c in columns}
    for line in report.lines:
        m = _QUESTION.match(line.name)
        col = m.group(1) if m and m.group(1) in earned else line.name
        if col in earned and line.earned is not None:
            earned[col] += line.earned
    notes = [f"{line.name}: {line.verdict}" + (f" ({line.mistake})" if line.mistake else "")
             for line in report.lines if line.verdict in ("consistent", "mistake", "missing")]
    row = {c: mark_text(earned[c]) for c in columns}
    row["total"] = mark_text(report.earned) if report.earned is not None else ""
    row["out_of"] = mark_text(report.total) if report.total is not None else ""
    if report.by_hand:
        notes.append(by_hand_note(report.by_hand))
    row["notes"] = "; ".join(notes)
    return row


def mark_text(m) -> str:
    """A mark as the check report and the gradebook print it: 3, 1.5, 0.33."""
    return str(m) if m.is_Integer else f"{float(m):.2f}".rstrip("0").rstrip(".")


def by_hand_note(m) -> str:
    """What the report and the gradebook say of the marks check leaves to the marker."""
    return f"{mark_text(m)} more marks (drawings, answers in words) to be marked by hand"


def answer_files(folder: Path) -> list[Path]:
    """The answer files of a folder, one per student, in name order (the file name is the student's id)."""
    return sorted({p for pattern in ANSWER_FILES for p in folder.glob(pattern) if p.is_file()}, key=lambda p: p.name)

"""load: a YAML file becomes a validated Problem (its kind already lowered to the kind's model).

All validation lives here and in the kinds' lowering and ask readers, which it
calls; every error names the file, line and column.
"""

from __future__ import annotations

import re
from pathlib import Path

import sympy

from .errors import ProblemError
from .expr import suggest
from .files import read_text
from .kinds import KINDS
from .problem import DEFAULT_PRECISION, MAX_PRECISION, Ask, Part, Problem
from .randomspec import RandomSpec, apply_draws, read_random
from .reader import Reader, read_approximations
from .yamlio import Y, load_yaml

__all__ = ["Ask", "Part", "Problem", "Reader", "load", "loads", "random_spec"]


def load(path: str | Path) -> Problem:
    """Read and validate one problem file."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    return loads(text, file)


def loads(text: str, file: str = "<input>", draws: dict | None = None) -> Problem:
    """Validate one problem given as YAML text (with `draws`, one variant of a randomized problem)."""
    docs = load_yaml(text, file)
    r = Reader(file, draws)
    if not docs:
        raise ProblemError("the file is empty; a problem needs a title, a kind block and parts", file)
    if len(docs) > 1:
        r.fail(docs[1], "one problem per file: remove the second YAML document ('---')")
    top = docs[0]
    if isinstance(top.value, dict) and "exam" in top.value:
        r.fail(top, "this is an exam file, not a problem: build its sheets and keys with "
                    "neuralsolve exam FILE -o OUT/ (--variant CODE for one variant)", "exam")
    allowed = ("title", "notation", "parts", "precision", "approximations", "random") + tuple(KINDS)
    body = r.mapping(top, "the problem", allowed)
    kinds = [k for k in body if k in KINDS]
    if not kinds:
        r.fail(top, f"the problem needs a kind block: one of {', '.join(KINDS)}")
    if len(kinds) > 1:
        r.fail(top, f"one kind per problem, but found {kinds[0]!r} and {kinds[1]!r}", kinds[1])
    spec = read_random(r, body.get("random"))
    if spec is not None and draws is None:
        r.fail(body["random"], "this problem is randomized: solve it through neuralsolve.solve, which draws a variant")
    if draws:  # drawn names stand for values in the kind block only (a part labelled c stays c)
        body = {k: (apply_draws(v, draws) if k in KINDS else v) for k, v in body.items()}
    title = r.text(body["title"], "title") if "title" in body else Path(file).stem
    notation = body["notation"] if "notation" in body else None
    precision = r.integer(body["precision"], "precision", 1, MAX_PRECISION) if "precision" in body else DEFAULT_PRECISION
    approximations = read_approximations(r, body.get("approximations"))
    kind = KINDS[kinds[0]]
    model = kind.lower(r, body[kinds[0]], notation)
    parts = _parts(r, body.get("parts"), kind, model, precision)
    problem = Problem(file, title, kind, model, parts, precision, _uses_decimals(top), approximations, random=spec,
                      draws=dict(draws or {}), statement=body[kinds[0]])
    if spec is not None:
        _check_condition_names(problem, spec)
    return problem


def _check_condition_names(problem: Problem, spec: RandomSpec) -> None:
    """Every answer a `where:` condition reads is one the problem has (a located error otherwise)."""
    known = problem.kind.answer_names(problem)
    if known is None:
        return
    for c in spec.conditions:
        for name in c.names:
            if name not in known:
                w = c.where
                raise ProblemError(f"the condition {c.text!r} reads {name!r}, which is not an answer of this problem; "
                                   f"{suggest(name, sorted(known))}", w.file, w.line, w.col)


def random_spec(text: str, file: str = "<input>") -> RandomSpec | None:
    """The RandomSpec of a problem's text, or None when it is not randomized."""
    docs = load_yaml(text, file)
    if not docs or not isinstance(docs[0].value, dict):
        return None
    return read_random(Reader(file), docs[0].value.get("random"))


_DECIMAL = re.compile(r"\d\.\d|\.\d")


def _uses_decimals(y: Y) -> bool:
    if isinstance(y.value, dict):
        return any(_uses_decimals(v) for v in y.value.values())
    if isinstance(y.value, list):
        return any(_uses_decimals(v) for v in y.value)
    if isinstance(y.value, sympy.Rational):
        return "." in y.text
    return False


def _parts(r: Reader, y: Y | None, kind, model, precision: int) -> tuple[Part, ...]:
    if y is None:
        return (Part(None, None, None, kind.default_asks(model), None, precision),)
    parts = []
    for item in r.seq(y, "parts"):
        m = r.mapping(item, "a part", ("label", "marks", "question", "ask", "answer", "precision"))
        if "ask" not in m and "answer" not in m:
            r.fail(item, "a part needs an 'ask' (such as forward, or gradients: [w2_1_1]) or an 'answer'")
        label = r.text(m["label"], "label") if "label" in m else None
        marks = mistake_marks = None
        if "marks" in m:
            marks, mistake_marks = _marks(r, m["marks"])
        question = r.text(m["question"], "question") if "question" in m else None
        answer = r.text(m["answer"], "answer") if "answer" in m else None
        prec = r.integer(m["precision"], "precision", 1, MAX_PRECISION) if "precision" in m else precision
        asks = ()
        if "ask" in m:
            ay = m["ask"]
            asks = tuple(kind.read_ask(r, item, model) for item in (ay.value if isinstance(ay.value, list) else [ay]))
        parts.append(Part(label, marks, question, asks, answer, prec, mistake_marks))
    return tuple(parts)


def _marks(r: Reader, y: Y):
    """A part's marks: a number, or {right: R, mistakes: M} (M for an answer showing a recognised mistake)."""
    if isinstance(y.value, dict):
        m = r.mapping(y, "marks", ("right", "mistakes"), ("right",))
        right, _ = _marks(r, m["right"])
        mistakes = _marks(r, m["mistakes"])[0] if "mistakes" in m else None
        if mistakes is not None and mistakes > right:
            r.fail(m["mistakes"], f"the marks for a recognised mistake ({mistakes}) exceed those for the right "
                                  f"answer ({right})")
        return right, mistakes
    if not isinstance(y.value, sympy.Rational) or y.value < 0:
        r.fail(y, "marks must be a number of marks such as 3, or {right: 3, mistakes: 1}")
    return y.value, None

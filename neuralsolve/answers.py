"""answers: the JSON answers contract, computed from a kind's computation alone (no view, no rendering).

`check`, `where:` conditions, exams and `--verify` read answers here; the view
only lays them out.
"""

from __future__ import annotations

from typing import Any

from .kind import Answers
from .problem import Problem


def compute(problem: Problem, pins: dict | None = None) -> tuple[Any, Answers]:
    """The kind's computation and the answers it gives (`pins`: a student's values taken as given)."""
    kind = problem.kind
    comp = kind.compute(problem, pins)
    return comp, answers_of(problem, comp)


def answers_of(problem: Problem, comp) -> Answers:
    """Every ask's answers, part by part, then every other computed quantity."""
    kind = problem.kind
    values: dict[str, Any] = {}
    asked: list[tuple[str, ...]] = []
    for part in problem.parts:
        names: list[str] = []
        for ask in part.asks:
            entry = kind.asks[ask.what]
            got = entry.answers(comp, ask)
            values.update(got)
            names += entry.asked(comp, ask) if entry.asked is not None else list(got)
        asked.append(tuple(dict.fromkeys(n for n in names if n in values)))
    for name, v in kind.extra_answers(comp).items():
        values.setdefault(name, v)
    strings = {name: kind.answer_string(v) for name, v in values.items()}
    return Answers(values, strings, tuple(asked))


def values(problem: Problem, pins: dict | None = None) -> dict[str, Any]:
    """The answers as values (what `where:` conditions and `check` compare)."""
    return compute(problem, pins)[1].values

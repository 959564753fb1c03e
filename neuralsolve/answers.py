"""answers: the JSON answers contract, computed from a kind's computation alone (no view, no rendering).

`check`, `where:` conditions, exams and `--verify` read answers here; the view
only lays them out. When parts give one answer name different values (one update
step at three learning rates), each part's value is keyed by its part, `(i).w1'`
for the part labelled i and `(2).w1'` for the second part when it has no label,
and the bare name is left out: no part's answer overwrites another's.
"""

from __future__ import annotations

import random
import re
from typing import Any

import sympy

from .kind import Answers
from .problem import Problem


def compute(problem: Problem, pins: dict | None = None) -> tuple[Any, Answers]:
    """The kind's computation and the answers it gives (`pins`: a student's values taken as given)."""
    kind = problem.kind
    comp = kind.compute(problem, pins)
    return comp, answers_of(problem, comp)


def part_key(problem: Problem, index: int) -> str:
    """How answers of the part at `index` (from 0) are keyed when parts collide: (label), else (position)."""
    label = problem.parts[index].label
    return f"({label})." if label else f"({index + 1})."


def answers_of(problem: Problem, comp) -> Answers:
    """Every ask's answers, part by part, then every other computed quantity."""
    kind = problem.kind
    per_part: list[tuple[dict[str, Any], list[str]]] = []
    for part in problem.parts:
        got_part: dict[str, Any] = {}
        names: list[str] = []
        for ask in part.asks:
            entry = kind.asks[ask.what]
            got = entry.answers(comp, ask)
            got_part.update(got)
            names += entry.asked(comp, ask) if entry.asked is not None else list(got)
        per_part.append((got_part, names))
    memo: dict[int, str] = {}  # spelling a long symbolic answer is costly: once per value

    def spell(v) -> str:
        if id(v) not in memo:
            memo[id(v)] = kind.answer_string(v)
        return memo[id(v)]

    parts_of: dict[str, int] = {}
    for got_part, _ in per_part:
        for name in got_part:
            parts_of[name] = parts_of.get(name, 0) + 1
    spelled: dict[str, set[str]] = {}
    for got_part, _ in per_part:  # only a name answered in several parts can collide
        for name, v in got_part.items():
            if parts_of[name] > 1:
                spelled.setdefault(name, set()).add(spell(v))
    keyed = {name for name, forms in spelled.items() if len(forms) > 1}
    values: dict[str, Any] = {}
    asked: list[tuple[str, ...]] = []
    for i, (got_part, names) in enumerate(per_part):
        key = part_key(problem, i) if keyed else ""
        for name, v in got_part.items():
            values.setdefault(key + name if name in keyed else name, v)
        asked.append(tuple(dict.fromkeys((key + n if n in keyed else n) for n in names
                                         if n in got_part or n in values)))
    for name, v in kind.extra_answers(comp).items():
        if name not in keyed:
            values.setdefault(name, v)
    strings = {name: spell(v) for name, v in values.items()}
    return Answers(values, strings, tuple(asked))


def values(problem: Problem, pins: dict | None = None) -> dict[str, Any]:
    """The answers as values (what `where:` conditions and `check` compare)."""
    return compute(problem, pins)[1].values


KEYED = re.compile(r"\((?P<part>[^()]*)\)\.(?P<name>.+)")  # a part-keyed answer name: (ii).w'


def bare_name(name: str) -> str:
    """The answer's own name, without the part key: (ii).w' -> w'."""
    m = KEYED.fullmatch(name)
    return m.group("name") if m else name


def same_function(a, b) -> bool:
    """Symbolic answers agree if they agree at a few random points of both signs (a function given by cases,
    relu or a limit split by the sign of x, differs on one side only) where the right answer is a real number."""
    names = sorted(a.free_symbols | b.free_symbols, key=lambda s: s.name)
    rng = random.Random(0)
    tried = 0
    for _ in range(16):
        point = {s: sympy.Rational(rng.choice((-1, 1)) * rng.randint(1, 97), rng.randint(7, 31)) for s in names}
        try:
            want = sympy.N(b.subs(point), 30)
            if not (want.is_number and want.is_real and want.is_finite):
                continue  # outside the right answer's domain (log of a negative number): another point
            d = sympy.N((a - b).subs(point), 30)
        except (TypeError, ValueError, ZeroDivisionError):  # pragma: no cover
            return False
        if not (d.is_number and d.is_real) or abs(d) > 1e-20 * max(1, abs(want)):
            return False
        tried += 1
        if tried == 6:
            return True
    return tried > 0

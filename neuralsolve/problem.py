"""The loaded problem: what `spec` hands every later stage (plain frozen data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy

from .expr import Where
from .yamlio import Y

DEFAULT_PRECISION = 4
MAX_PRECISION = 50


@dataclass(frozen=True)
class Ask:
    """One thing a part asks for: the ask's word and its argument, as its kind's ask table read it."""

    what: str  # the ask's word (forward, gradients, shapes, ...)
    arg: Any = None  # what the kind's reader made of the ask's arguments (None for a bare word)
    where: Where = Where()


@dataclass(frozen=True)
class Part:
    label: str | None
    marks: sympy.Rational | None
    question: str | None
    asks: tuple[Ask, ...]
    answer: str | None  # author's prose answer, printed verbatim
    precision: int
    mistake_marks: sympy.Rational | None = None  # marks for an answer showing a recognised mistake (check)


@dataclass(frozen=True)
class Problem:
    """A validated problem: title, its kind and what the kind lowered, parts and presentation settings."""

    file: str
    title: str
    kind: Any  # the Kind that read it (neuralsolve.kind.Kind; not imported here, as kind.py builds on this module)
    model: Any  # what the kind lowered its block to (a graph of named quantities, matrix equations, layers, ...)
    parts: tuple[Part, ...]
    precision: int
    decimals: bool  # show terminating fractions as decimals (the problem was written in decimals)
    approximations: tuple[tuple[sympy.Expr, sympy.Expr], ...] = ()
    random: object = None  # the RandomSpec of a randomized problem
    draws: dict = field(default_factory=dict)  # the values drawn for this variant
    statement: Y | None = None  # the kind block as written (after draws), for the question sheet

    @property
    def asks(self) -> tuple[Ask, ...]:
        """Every ask of every part, in order."""
        return tuple(a for p in self.parts for a in p.asks)

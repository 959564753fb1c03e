"""The Solution: what the view hands the templates, strings only."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from .functions import standard
from .latex import tex_escape


@dataclass(frozen=True)
class Form:
    """One side of an equation chain: `= ...` or `≈ ...`."""

    rel: str  # "=" or "approx"
    tex: str
    text: str


@dataclass(frozen=True)
class Equation:
    """lhs = form = form ..."""

    lhs_tex: str
    lhs_text: str
    forms: tuple[Form, ...]

    @property
    def inline(self) -> bool:
        """Whether the chain fits on one printed line (else one form per line)."""
        return _width(self.lhs_tex) + sum(_width(f.tex) + 2 for f in self.forms) <= INLINE_WIDTH


INLINE_WIDTH = 62  # rough characters of a printed line of display math


def _width(tex: str) -> int:
    """A rough printed width of LaTeX: matrices count their widest row, commands count little."""
    def matrix(m):
        rows = m.group(1).split(r"\\")
        return "M" * max(_width(r.replace("&", "  ")) for r in rows)

    tex = re.sub(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", matrix, tex)
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: "F" * max(len(m.group(1)), len(m.group(2))), tex)
    tex = re.sub(r"\\(left|right|mathbf|boldsymbol|operatorname|mathrm)", "", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "X", tex)
    tex = re.sub(r"[{}^_ ]", "", tex)
    return len(tex)


@dataclass(frozen=True)
class Step:
    """What one step computes, an optional prose line (text and LaTeX), and its equations."""

    quantity: str
    prose: str
    equations: tuple[Equation, ...]
    prose_tex: str = ""

    def __post_init__(self):
        if self.prose and not self.prose_tex:
            object.__setattr__(self, "prose_tex", tex_escape(self.prose))


@dataclass(frozen=True)
class PartView:
    label: str | None
    marks: str | None
    question: str | None
    answer: str | None
    steps: tuple[Step, ...]
    quantities: tuple[str, ...] = ()  # the answers this part computed (what its marks are for)


@dataclass(frozen=True)
class Solution:
    """The rendered-ready answer: strings only, plus the JSON answers."""

    title: str
    parts: tuple[PartView, ...]
    answers: dict[str, str]
    notes: tuple[str, ...]
    total_marks: str | None
    variant: str | None = None  # the code of a randomized problem's variant
    draws: dict | None = None  # what was drawn for it, as strings


def answer_string(v: sympy.Expr) -> str:
    """A value as a string sympy.sympify reads: exact, or 30 significant digits."""
    if v.is_Rational:
        return str(v)
    if v.is_Float:
        return str(sympy.Float(v, 30))
    return sympy.sstr(standard(v))


def marks_text(m) -> str | None:
    if m is None:
        return None
    return str(m) if m.is_Integer else str(sympy.Float(m, 6)).rstrip("0")

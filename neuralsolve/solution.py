"""The Solution: what the view hands the templates, typed blocks made of strings only.

A part's answer is a list of blocks, each with a `type` the templates lay out:
"steps" (a prose line and an equation chain), "prose", "table" and "figure".
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import ClassVar

import sympy
from sympy.printing.str import StrPrinter

from .functions import standard
from .latex import short_exact, tex_escape


@dataclass(frozen=True)
class Form:
    """One side of an equation chain: `= ...`, `≈ ...`, an inequality, or (rel "") the continued row of the form
    before it (a long sum broken before a +), so that no form's LaTeX carries alignment (&, \\\\) of its own."""

    rel: str  # "=", "approx", "<", ">", "<=", ">=", or "" for a continuation
    tex: str
    text: str

    @property
    def rel_tex(self) -> str:
        return _REL_TEX[self.rel]

    @property
    def rel_text(self) -> str:
        return _REL_TEXT[self.rel]


_REL_TEX = {"=": "=", "approx": r"\approx", "<": "<", ">": ">", "<=": r"\leq", ">=": r"\geq", "": r"\quad"}
_REL_TEXT = {"=": "=", "approx": "≈", "<": "<", ">": ">", "<=": "≤", ">=": "≥", "": " "}


@dataclass(frozen=True)
class Equation:
    """lhs = form = form ..."""

    lhs_tex: str
    lhs_text: str
    forms: tuple[Form, ...]

    @property
    def text_fits(self) -> bool:
        """Whether the chain fits on one terminal line (else one form per line, aligned under the first =)."""
        return len(self.lhs_text) + sum(len(f.text) + 3 for f in self.forms) <= TEXT_WIDTH

    @property
    def text_indent(self) -> str:
        return " " * len(self.lhs_text)

    @property
    def inline(self) -> bool:
        """Whether the chain fits on one printed line (else one form per line)."""
        return _width(self.lhs_tex) + sum(_width(f.tex) + 2 for f in self.forms) <= INLINE_WIDTH


INLINE_WIDTH = 62  # rough characters of a printed line of display math
TEXT_WIDTH = 76  # characters of a terminal line (80 columns, less the indent)


def _width(tex: str) -> int:
    """A rough printed width of LaTeX: matrices count their widest row, commands count little."""
    def matrix(m):  # its widest row, a column gap per & (not a space: spaces are not counted), and its brackets
        rows = m.group(1).split(r"\\")
        return "M" * (max(_width(r.replace("&", "MM")) for r in rows) + 2)

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
    type: ClassVar[str] = "steps"

    def __post_init__(self):
        if self.prose and not self.prose_tex:
            object.__setattr__(self, "prose_tex", tex_escape(self.prose))


@dataclass(frozen=True)
class Prose:
    """A paragraph: plain text (escaped by each medium) and its LaTeX (math already in $...$)."""

    text: str
    tex: str = ""
    type: ClassVar[str] = "prose"

    def __post_init__(self):
        if not self.tex:
            object.__setattr__(self, "tex", tex_escape(self.text))


@dataclass(frozen=True)
class Cell:
    """One table cell: its text (terminal, JSON), and its LaTeX math if it is math (else the text, escaped)."""

    text: str
    math: str = ""  # LaTeX math, set in $...$ by LaTeX and Markdown

    @staticmethod
    def of(value) -> "Cell":
        return Cell(str(value), str(value)) if isinstance(value, int) else Cell(str(value))


@dataclass(frozen=True)
class Table:
    """A table with a header row; `prose` is the line that introduces it."""

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    prose: str = ""
    prose_tex: str = ""
    quantity: str = "table"
    type: ClassVar[str] = "table"

    def __post_init__(self):
        if self.prose and not self.prose_tex:
            object.__setattr__(self, "prose_tex", tex_escape(self.prose))
        if any(len(r) != len(self.header) for r in self.rows):
            raise ValueError("every row of a table has one cell per header cell")


@dataclass(frozen=True)
class Figure:
    """A picture the project drew (picture.Picture): TikZ for LaTeX, SVG for Markdown (a file beside it) and
    HTML (inline), and its caption. `file` is the SVG's name, unique in its Solution (view.solution_of)."""

    name: str  # what it shows, the stem of its file: diagram, regions, plot
    caption: str
    tikz: str
    svg: str
    caption_tex: str = ""
    file: str = ""
    nodes: int = 0  # what it holds (diagrams), as the JSON answer reports it
    edges: int = 0
    type: ClassVar[str] = "figure"

    @property
    def alt(self) -> str:
        """A short alternative text: the caption up to its first colon."""
        return self.caption.split(":")[0].rstrip(".")

    def __post_init__(self):
        if not self.caption_tex:
            object.__setattr__(self, "caption_tex", tex_escape(self.caption))
        if not self.file:
            object.__setattr__(self, "file", f"{self.name}.svg")


Block = Step | Prose | Table | Figure


@dataclass(frozen=True)
class PartView:
    label: str | None
    marks: str | None
    question: str | None
    answer: str | None
    blocks: tuple[Block, ...]
    quantities: tuple[str, ...] = ()  # the answers this part computed (what its marks are for)
    question_tex: str = ""  # the question in LaTeX with the problem's names (else the template escapes it)
    question_md: str = ""  # the same for Markdown


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
    given: object = None  # the problem's data as its question sheet states it (a statement.Statement)


def answer_string(v) -> str:
    """A value as a string sympy.sympify reads: exact, or 30 significant digits; a list as [a, b, c]."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(answer_string(x) for x in v) + "]"
    if v.is_Rational:
        return str(v)
    if v.is_Float:
        return str(sympy.Float(v, 30))
    if not v.free_symbols and not short_exact(v):  # exp(2)/(e + exp(2) + exp(3)): its value, to 30 digits
        return str(sympy.Float(v.evalf(40), 30))
    return _AnswerPrinter().doprint(standard(v))


class _AnswerPrinter(StrPrinter):
    """SymPy's own spelling, except in two ways.

    Euler's number is exp(1), so an answer's E is always a name (dE/dx). Sums keep SymPy's canonical term
    order, positive terms before negative ones and a number after its kind (x + 1, 1 - x, x - 1), instead of the printer's polynomial
    ordering, which costs about a millisecond a sum and was most of the time of a long symbolic answer.
    """

    def __init__(self):
        super().__init__({"order": "none"})

    def _as_ordered_terms(self, expr, order=None):
        def rank(t):  # x + 1, 1 - x, x - 1
            return 2 * t.could_extract_minus_sign() + bool(t.is_Number)

        return sorted(expr.args, key=rank)

    def _print_Exp1(self, expr):
        return "exp(1)"

    def _print_Symbol(self, expr):
        return answer_name(expr.name)


def answer_name(name: str) -> str:
    """A name as an answer string spells it: Symbol('lambda') for a Python keyword, which sympify cannot read
    bare (the 2022 exam's lambda_rec is fine as it is; lambda alone, as in ridge regression, is not)."""
    return f"Symbol('{name}')" if keyword.iskeyword(name) else name


def and_list(items: list[str]) -> str:
    """Items as prose lists them: a, b and c (one item alone; none, the empty string)."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def marks_text(m) -> str | None:
    if m is None:
        return None
    return str(m) if m.is_Integer else str(sympy.Float(m, 6)).rstrip("0")

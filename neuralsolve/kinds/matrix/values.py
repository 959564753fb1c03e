"""A matrix kind's numbers as the solution prints them: a pmatrix in LaTeX, [a, b; c, d] in plain text."""

from __future__ import annotations

import sympy

from ...writer import pmatrix


def tex_value(v: sympy.Matrix, precision: int) -> str:
    from ...latex import TexPrinter

    p = TexPrinter({"precision": precision})
    if v.shape == (1, 1):
        return p.doprint(v[0, 0])
    return pmatrix([[p.doprint(x) for x in v.row(i)] for i in range(v.rows)])


def text_value(v: sympy.Matrix, precision: int) -> str:
    from ...latex import TextPrinter

    p = TextPrinter({"precision": precision})
    if v.shape == (1, 1):
        return p.doprint(v[0, 0])
    return "[" + "; ".join(", ".join(p.doprint(x) for x in v.row(i)) for i in range(v.rows)) + "]"

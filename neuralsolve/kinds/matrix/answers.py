"""Reading matrix answers as the JSON contract spells them: Matrix([[1/8, 1/8], [-3/4, -3/4]])."""

from __future__ import annotations

import ast

import sympy

from ...expr import Where, parse

MAX_ENTRIES = 400


def read_matrix(text: str, where: Where = Where()):
    """A sympy.Matrix from `Matrix([[...], ...])`, each entry through the whitelist parser; None if not that form."""
    s = text.strip()
    if not (s.startswith("Matrix(") and s.endswith(")")):
        return None
    try:
        tree = ast.parse(s[len("Matrix("):-1], mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, ast.List) or not tree.elts or len(tree.elts) > MAX_ENTRIES:
        return None
    rows = []
    for row in tree.elts:
        if not isinstance(row, ast.List) or not row.elts or len(row.elts) > MAX_ENTRIES:
            return None
        rows.append([parse(ast.get_source_segment(s[len("Matrix("):-1], c), where, None, "a matrix entry").value
                     for c in row.elts])
    if len({len(r) for r in rows}) != 1:
        return None
    return sympy.Matrix(rows)

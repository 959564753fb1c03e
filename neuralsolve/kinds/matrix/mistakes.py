"""Common mistakes of matrix problems, recomputed from the key: the transposed gradient, W for Wᵀ.

check compares a wrong answer with these and names the mistake in its verdict. Each is worked
on its own: the key's matrix transposed (compared exactly), and the backward chain again with
a square weight matrix W standing where Wᵀ stood.
"""

from __future__ import annotations

import sympy

from ...answers import compute
from ...errors import ProblemError
from ...kind import Mistake
from ...problem import Problem
from . import ir
from .calculus import evaluate, names_in
from .view import MatrixComputation, sympy_text


def mistakes(problem: Problem) -> list[Mistake]:
    """The answers a student gets by transposing a gradient, or by using W where Wᵀ belongs in the backward pass."""
    try:
        comp, answers = compute(problem)
    except ProblemError:  # pragma: no cover - the reference computed it once already
        return []
    right = {k: v for k, v in answers.values.items() if k.startswith("d") and "/d" in k}
    out = [Mistake("giving the transpose of the gradient (numerator layout)", _transposed(right))]
    out += _untransposed(comp, right)
    return [m for m in out if m.values]


def _transposed(right: dict) -> dict:
    """Each gradient that is a matrix (not a vector), transposed, unless it is symmetric."""
    out = {}
    for name, v in right.items():
        if isinstance(v, sympy.MatrixBase) and 1 not in v.shape:
            t = v.T
            if t != v:
                out[name] = t
        elif isinstance(v, ir.E) and 1 not in v.shape:
            t = sympy_text(ir.simp(ir.T(v)))
            if t != sympy_text(v):
                out[name] = t
    return out


def _untransposed(comp: MatrixComputation, right: dict) -> list[Mistake]:
    """For each square matrix that a gradient's chain uses transposed, the gradients with it untransposed."""
    g = comp.model
    closed = {}  # answer name -> closed form of that gradient
    for loss, grads in (comp.by_loss or {}).items():
        for n, gr in grads.items():
            if f"d{loss}/d{n}" in right:
                closed[f"d{loss}/d{n}"] = gr.closed
    square = [n for n in g.shapes if n not in g.equations and len(g.shapes[n]) == 2
              and g.shapes[n][0] == g.shapes[n][1] and g.shapes[n] != ir.ONE]
    out = []
    for w in square:
        values = {}
        for name, e in closed.items():
            if not _has_transpose_of(e, w):
                continue
            wrong = ir.simp(_untranspose(e, w))
            if comp.numeric:
                try:
                    v = evaluate(wrong, dict(comp.numeric), g.dims)
                except (ValueError, KeyError, TypeError):
                    continue
                v = v[0, 0] if v.shape == (1, 1) else v
            else:
                v = sympy_text(wrong)
            if not _same(v, right[name]):
                values[name] = v
        if values:
            out.append(Mistake(f"using {ir.text(ir.var(w, g.shapes[w]))} where "
                               f"{ir.text(ir.T(ir.var(w, g.shapes[w])))} belongs", values))
    return out


def _has_transpose_of(e: ir.E, w: str) -> bool:
    if e.op == "T" and e.args[0].op == "var" and e.args[0].name == w:
        return True
    if e.op == "inv" and e.args[0].op == "T" and e.args[0].args[0].op == "var" and e.args[0].args[0].name == w:
        return True
    return any(_has_transpose_of(a, w) for a in e.args)


def _untranspose(e: ir.E, w: str) -> ir.E:
    """e with every Wᵀ written W (and W⁻ᵀ written W⁻¹): the backward pass without its transposes of W."""
    if e.op == "T" and e.args[0].op == "var" and e.args[0].name == w:
        return e.args[0]
    if not e.args or w not in names_in(e):
        return e
    return ir.E(e.op, tuple(_untranspose(a, w) for a in e.args), e.shape, e.name, e.num, e.symmetric)


def _same(a, b) -> bool:
    """Whether a mistake's value is the right one anyway (then it names nothing)."""
    if isinstance(a, str) or isinstance(b, ir.E):
        return isinstance(b, ir.E) and a == sympy_text(b)
    if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
        return isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase) and a.shape == b.shape \
            and all(sympy.simplify(x - y) == 0 for x, y in zip(a, b))
    return sympy.simplify(a - b) == 0

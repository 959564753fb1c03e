"""Numerical self-check: each closed-form gradient against element-wise differentiation.

Symbolic sizes become small numbers, every input a random exact matrix; the
loss is built entry by entry as one SymPy expression of the parameter's entries
and differentiated with sympy.diff. An unspecified loss L(o, y) is checked with
L = 1/2 ||o - y||^2 standing in for it (so dL/do = o - y).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import sympy

from . import ir
from .calculus import evaluate, names_in, reverse


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    error: float
    sizes: str
    loss: str = ""


def _stand_in(equations: dict[str, ir.E]) -> dict[str, ir.E]:
    out = {}
    for name, e in equations.items():
        if e.op == "loss":
            o, y = e.args
            d = ir.add(o, ir.neg(y))
            e = ir.scale(ir.num(sympy.Rational(1, 2)), ir.matmul(ir.T(d), d))
        out[name] = e
    return out


def verify(graph, names=None, seed: int = 0, loss: str | None = None) -> list[Check]:
    """Check the gradients of `loss` (default: the output) for `names` (default: the parameters) at one
    random exact instance, as the answers compute them (with K^-1 and X X^T named)."""
    loss = loss or graph.output
    rng = random.Random(seed)
    names = list(names or graph.parameters)
    dims: dict = {}
    for shape in graph.shapes.values():
        for d in shape:
            if not isinstance(d, int) and d not in dims:
                dims[d] = 2 + len(dims) % 2  # 2, 3, 2, ...: small, and not all equal
    env: dict[str, sympy.Matrix] = {}

    def rand_matrix(shape):
        r, c = (dims.get(d, d) for d in shape)
        return sympy.Matrix(r, c, lambda i, j: sympy.Rational(rng.randint(-9, 9) or 1, rng.randint(2, 5)))

    scalars = set()
    for e in graph.equations.values():
        scalars |= {n for n in names_in(e) if n not in graph.shapes}
    targets = {e.args[1].name for e in graph.equations.values() if e.op == "ce" and e.args[1].op == "var"}
    for name in graph.inputs:
        env[name] = rand_matrix(graph.shapes[name])
        if name in targets:  # cross-entropy's target is one-hot
            hot = rng.randrange(env[name].rows)
            env[name] = sympy.Matrix(env[name].rows, 1, lambda i, j: 1 if i == hot else 0)
    for name in scalars:  # positive scalars keep alpha X X^T + I/beta positive definite
        dim = next((v for d, v in dims.items() if str(d) == name), None)
        env[name] = sympy.Matrix([[dim if dim is not None else sympy.Rational(rng.randint(1, 9), rng.randint(1, 4))]])
    equations = _stand_in(graph.equations)
    grads = reverse(equations, graph.shapes, loss, names, named=True)
    loss_args = {e.args[0].name: e.args[1] for e in graph.equations.values() if e.op == "loss"}
    sizes = ", ".join(f"{d} = {v}" for d, v in dims.items())
    checks = []
    for name in names:
        shape = graph.shapes[name]
        r, c = (dims.get(d, d) for d in shape)
        entries = sympy.Matrix(r, c, lambda i, j: sympy.Symbol(f"_p{i}_{j}"))
        sym_env = dict(env)
        sym_env[name] = entries
        for eq, expr in equations.items():
            sym_env[eq] = evaluate(expr, sym_env, dims)
        L = sym_env[loss][0, 0]
        point = {entries[i, j]: env[name][i, j] for i in range(r) for j in range(c)}
        truth = sympy.Matrix(r, c, lambda i, j: sympy.diff(L, entries[i, j]).subs(point))
        num_env = dict(env)
        for eq, expr in equations.items():
            num_env[eq] = evaluate(expr, num_env, dims)
        for o, y in loss_args.items():
            num_env[f"d{graph.output}/d{o}"] = num_env[o] - evaluate(y, num_env, dims)
        got = evaluate(grads[name].closed, num_env, dims)
        err = max((abs(sympy.N(a - b, 30)) for a, b in zip(got, truth)), default=0)
        checks.append(Check(name, bool(err < 1e-20), float(err), sizes, loss))
    return checks

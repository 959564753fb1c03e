"""`--verify`: check a problem's gradients independently of the worked solution, and say so in it.

Matrix problems: each closed form against element-wise sympy.diff at a random
exact instance (matrix/verify.py). Network and graph problems: each gradient
against sympy.diff of the whole loss expression, at the problem's values (and
random exact values for any name left symbolic).
"""

from __future__ import annotations

import dataclasses
import random

import sympy

from .spec import Problem
from .solution import Solution

MAX_NODES = 400  # larger scalar problems are checked by the test suite's oracle instead


def verify(problem: Problem, solution: Solution) -> tuple[Solution, bool]:
    """The solution with a note on the check, and whether every gradient agreed."""
    if problem.kind == "matrix":
        from .matrix.verify import verify as verify_matrix

        names = [k.split("/d", 1)[1] for k in solution.answers if k.startswith(f"d{problem.graph.output}/d")]
        names = [n for n in names if n in problem.graph.shapes and n not in problem.graph.equations] or None
        checks = verify_matrix(problem.graph, names)
        ok = all(c.ok for c in checks)
        sizes = checks[0].sizes if checks else ""
        listed = ", ".join(f"∂{problem.graph.output}/∂{c.name}" + ("" if c.ok else " (DISAGREES)") for c in checks)
        verb = ("agrees" if len(checks) == 1 else "agree") if ok else "do not all agree"
        note = (f"Verified numerically: {listed} {verb} with element-wise "
                f"differentiation at a random exact instance ({sizes}).")
    else:
        ok, note = _verify_scalar(problem, solution)
    return dataclasses.replace(solution, notes=solution.notes + (note,)), ok


def _verify_scalar(problem: Problem, solution: Solution) -> tuple[bool, str]:
    from .functions import standard
    from .view import build_with_values

    g = problem.graph
    if len(g.nodes) > MAX_NODES or not g.has_loss:
        return True, "Not verified: the problem is too large, or has no loss, for the whole-expression check."
    rng = random.Random(0)
    point: dict[sympy.Symbol, sympy.Expr] = {}
    symbolic = False
    for n in g.nodes:
        if n.is_leaf:
            v = g.values.get(n.name)
            if v is None or v.free_symbols:
                symbolic = True
                v = sympy.Rational(rng.randint(1, 9), rng.randint(2, 7))
            point[n.symbol] = v
    # the tool's answers at that point (every leaf a number), and the true derivatives
    pinned = dataclasses.replace(problem, graph=dataclasses.replace(g, values={s.name: v for s, v in point.items()}))
    _, values = build_with_values(pinned)
    prefix = f"d{g.output}/d"
    bad, count = [], 0
    for key, got in values.items():
        if not key.startswith(prefix) or got.free_symbols:
            continue
        name = key[len(prefix):]
        loss, at = _loss_of(g, name, point)
        truth = sympy.diff(loss, sympy.Symbol(name)).xreplace(at)
        count += 1
        if abs(sympy.N(standard(got) - truth, 30)) > 1e-20:
            bad.append(key)
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: they differ from sympy.diff of the whole expression."
    where = " (at random values for the names left symbolic)" if symbolic else ""
    return True, f"Verified: all {count} gradients agree with sympy.diff of the whole loss expression{where}."


def _loss_of(g, name: str, point: dict):
    """The loss as one expression in the leaves and in `name` (cut off from its own definition), and where to
    evaluate its derivative."""
    from .functions import standard

    sym = sympy.Symbol(name)
    cut: dict[sympy.Symbol, sympy.Expr] = {}
    full: dict[sympy.Symbol, sympy.Expr] = {}
    for n in g.nodes:
        if n.is_leaf:
            continue
        full[n.symbol] = n.expr.xreplace(full)
        cut[n.symbol] = sym if n.name == name else n.expr.xreplace(cut)
    at = dict(point)
    if sym in full:
        at[sym] = full[sym].xreplace(point)
    return standard(cut[sympy.Symbol(g.output)]), at

"""Derivatives written out as a model answer derives them: the chain rule, one factor per layer of nesting.

`chain(expr, x)` gives d expr/dx as an unevaluated product, outermost function first,
each factor the function's own derivative before any simplification:
log(cosh(y - t)) gives 1/cosh(y - t) . sinh(y - t) . 1, which the caller then shows
equal to its textbook form tanh(y - t).
"""

from __future__ import annotations

import sympy

from . import functions as fn


def _outer(f: sympy.Function, u: sympy.Expr) -> sympy.Expr | None:
    """f'(u) as a first course writes it, for the functions exams nest (None: no plain form)."""
    with sympy.evaluate(False):
        table = {
            sympy.log: lambda: sympy.Mul(1, sympy.Pow(u, -1)),  # kept as its own fraction: 1/u
            sympy.cosh: lambda: sympy.sinh(u),
            sympy.sinh: lambda: sympy.cosh(u),
            sympy.exp: lambda: sympy.exp(u),
            sympy.tanh: lambda: sympy.Add(1, sympy.Mul(-1, sympy.Pow(sympy.tanh(u), 2))),
            fn.sigmoid: lambda: sympy.Mul(fn.sigmoid(u), sympy.Add(1, sympy.Mul(-1, fn.sigmoid(u)))),
            sympy.sin: lambda: sympy.cos(u),
            sympy.cos: lambda: sympy.Mul(-1, sympy.sin(u)),
        }
        rule = table.get(type(f))
        return rule() if rule else None


def chain(expr: sympy.Expr, x: sympy.Symbol) -> sympy.Expr | None:
    """d expr/dx by the chain rule, factor by factor (unevaluated); None where there is no nesting to show."""
    factors = _factors(expr, x)
    if factors is None or len(factors) < 3:  # f(x) alone: the rule itself is the whole story
        return None
    with sympy.evaluate(False):
        return sympy.Mul(*factors)


def _factors(e: sympy.Expr, x: sympy.Symbol) -> list | None:
    if e == x:
        return [sympy.S.One]
    if isinstance(e, sympy.Function) and len(e.args) == 1 and e.args[0].has(x):
        u = e.args[0]
        outer = _outer(e, u)
        inner = _factors(u, x)
        if outer is None or inner is None:
            return None
        return [outer] + inner
    if e.is_Mul and e.has(x):  # c u: the constant, then u's own factors
        having = [f for f in e.args if f.has(x)]
        coeff = sympy.Mul(*[f for f in e.args if not f.has(x)])
        if len(having) == 1:
            inner = _factors(having[0], x)
            if inner is not None:
                return [coeff] if inner == [sympy.S.One] else [coeff] + inner
        return None
    if e.is_Add and e.has(x):  # d(y - t)/dy: only the terms with x, each of degree one
        terms = [t for t in e.args if t.has(x)]
        if len(terms) == 1 and (terms[0] == x or (terms[0].is_Mul and x in terms[0].args)):
            coeff = sympy.Mul(*[a for a in terms[0].args if a != x]) if terms[0].is_Mul else sympy.S.One
            return [coeff]
    return None

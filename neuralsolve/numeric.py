"""Plain-float evaluation of a SymPy expression, for sampling plots: the tree compiled into nested closures.

No code is generated or executed (lambdify would print the expression to Python source and exec it); the
expression's operations map to Python's math functions one by one. Anything not in the table raises
ValueError, and a sample that overflows or leaves the domain is NaN (the plot leaves a gap).
"""

from __future__ import annotations

import math
from typing import Callable

import sympy

from . import functions as fns


def _sigmoid(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _softplus(x):
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


_UNARY: dict[type, Callable[[float], float]] = {
    sympy.exp: math.exp, sympy.log: math.log, sympy.tanh: math.tanh, sympy.sinh: math.sinh, sympy.cosh: math.cosh,
    sympy.sin: math.sin, sympy.cos: math.cos, sympy.tan: math.tan, sympy.Abs: abs, sympy.atan: math.atan,
    sympy.sign: lambda x: (x > 0) - (x < 0), sympy.erf: math.erf,
    fns.sigmoid: _sigmoid, fns.relu: lambda x: x if x > 0 else 0.0, fns.relu_prime: lambda x: 1.0 if x > 0 else 0.0,
    fns.step: lambda x: 1.0 if x >= 0 else 0.0, fns.softplus: _softplus,
    fns.swish: lambda x: x * _sigmoid(x),
}


def compile_float(expr: sympy.Expr, names: tuple[str, ...]) -> Callable[..., float]:
    """A function of len(names) floats giving expr's value as a float (NaN outside its domain)."""
    index = {n: i for i, n in enumerate(names)}
    node = _compile(expr, index)

    def f(*args):
        try:
            return float(node(args))
        except (OverflowError, ValueError, ZeroDivisionError, TypeError):
            return float("nan")

    return f


def _compile(e, index):
    if isinstance(e, sympy.Symbol):
        if e.name not in index:
            raise ValueError(f"{e.name} has no value to plot with")
        i = index[e.name]
        return lambda a: a[i]
    if e.is_Number or e is sympy.pi or e is sympy.E:
        v = float(e)
        return lambda a: v
    parts = [_compile(x, index) for x in e.args]
    if isinstance(e, sympy.Add):
        return lambda a: sum(p(a) for p in parts)
    if isinstance(e, sympy.Mul):
        def mul(a):
            out = 1.0
            for p in parts:
                out *= p(a)
            return out
        return mul
    if isinstance(e, sympy.Pow):
        base, ex = parts
        return lambda a: base(a) ** ex(a)
    if isinstance(e, (sympy.Max, sympy.Min)):
        pick = max if isinstance(e, sympy.Max) else min
        return lambda a: pick(p(a) for p in parts)
    fn = _UNARY.get(type(e))
    if fn is None:
        for cls, g in _UNARY.items():
            if isinstance(e, cls):
                fn = g
                break
    if fn is None or len(parts) != 1:
        raise ValueError(f"cannot plot {type(e).__name__}")
    (p,) = parts
    return lambda a: fn(p(a))

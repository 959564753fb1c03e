"""SymPy functions the exam uses that SymPy lacks, each with its textbook derivative."""

from __future__ import annotations

import sympy
from mpmath.libmp import prec_to_dps
from sympy import S


class UndefinedStep(ArithmeticError):
    """A value or derivative that does not exist at these numbers."""


def _numeric(x) -> bool:
    return bool(getattr(x, "is_number", False)) and x.is_comparable


def _decided(x):
    """x itself when its sign can be told (0 when it is provably zero), None for a symbolic x; a number whose
    sign evaluation cannot tell (log(8) - 3 log(2)) is an undefined step, not a function left unevaluated."""
    if _numeric(x):
        return x
    if not getattr(x, "is_number", False) or x.has(sympy.I):
        return None
    if x.equals(0):
        return S.Zero
    shown = sympy.sstr(x)
    shown = shown if len(shown) <= 60 else shown[:57] + "..."
    raise UndefinedStep(f"the sign of {shown} cannot be decided at working precision (is it exactly 0?); "
                        "write the input in a simpler form")


class sigmoid(sympy.Function):
    """The logistic function 1/(1 + e^-x); sigmoid' = sigmoid (1 - sigmoid)."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Half
        if x.is_Float:
            return 1 / (1 + sympy.exp(-x))
        return None

    def fdiff(self, argindex=1):
        s = sigmoid(self.args[0])
        return sympy.Mul(s, 1 - s, evaluate=False)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return 1 / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec):
        return (1 / (1 + sympy.exp(-self.args[0]))).evalf(prec_to_dps(prec))


class relu_prime(sympy.Function):
    """relu'(x): 1 for x > 0, 0 for x < 0, and by convention 0 at x = 0."""

    @classmethod
    def eval(cls, x):
        x = _decided(x)
        if x is not None:
            return S.One if x > 0 else S.Zero
        return None

    def fdiff(self, argindex=1):
        return S.Zero


class relu(sympy.Function):
    """max(0, x)."""

    @classmethod
    def eval(cls, x):
        x = _decided(x)
        if x is not None:
            return x if x > 0 else S.Zero
        return None

    def fdiff(self, argindex=1):
        return relu_prime(self.args[0])

    def _eval_rewrite_as_Max(self, x, **kwargs):
        return sympy.Max(0, x)


class step_prime(sympy.Function):
    """step'(x): 0 away from 0, undefined at 0."""

    @classmethod
    def eval(cls, x):
        if _numeric(x):
            if x == 0:
                raise UndefinedStep("the step function has no derivative at 0")
            return S.Zero
        return None

    def fdiff(self, argindex=1):
        return S.Zero


class step(sympy.Function):
    """The threshold unit: 0 for x < 0, 1 for x >= 0."""

    @classmethod
    def eval(cls, x):
        x = _decided(x)
        if x is not None:
            return S.One if x >= 0 else S.Zero
        return None

    def fdiff(self, argindex=1):
        return step_prime(self.args[0])

    def _eval_rewrite_as_Heaviside(self, x, **kwargs):
        return sympy.Heaviside(x, 1)


class softplus(sympy.Function):
    """log(1 + e^x); softplus' = sigmoid."""

    @classmethod
    def eval(cls, x):
        if x.is_Float:
            return sympy.log(1 + sympy.exp(x))
        return None

    def fdiff(self, argindex=1):
        return sigmoid(self.args[0])

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return sympy.log(1 + sympy.exp(x))

    def _eval_evalf(self, prec):
        return sympy.log(1 + sympy.exp(self.args[0])).evalf(prec_to_dps(prec))


class swish(sympy.Function):
    """x sigmoid(x); swish' = sigmoid(x) + x sigmoid(x) (1 - sigmoid(x))."""

    @classmethod
    def eval(cls, x):
        if x.is_zero:
            return S.Zero
        if x.is_Float:
            return x / (1 + sympy.exp(-x))
        return None

    def fdiff(self, argindex=1):
        x = self.args[0]
        s = sigmoid(x)
        return sympy.Add(s, sympy.Mul(x, s, 1 - s, evaluate=False), evaluate=False)

    def _eval_rewrite_as_exp(self, x, **kwargs):
        return x / (1 + sympy.exp(-x))

    def _eval_evalf(self, prec):
        x = self.args[0]
        return (x / (1 + sympy.exp(-x))).evalf(prec_to_dps(prec))


CUSTOM = (sigmoid, relu, relu_prime, step, step_prime, softplus, swish)


def standard(expr):
    """The same value in functions plain SymPy knows (for answers others sympify)."""
    if not expr.has(*CUSTOM):  # a search is cheaper than a rebuild of a long expression
        return expr
    return expr.replace(
        lambda e: isinstance(e, CUSTOM),
        lambda e: _standard_one(e),
    )


def _standard_one(e):
    x = e.args[0]
    if isinstance(e, sigmoid):
        return 1 / (1 + sympy.exp(-x))
    if isinstance(e, softplus):
        return sympy.log(1 + sympy.exp(x))
    if isinstance(e, swish):
        return x / (1 + sympy.exp(-x))
    if isinstance(e, relu):
        return sympy.Max(0, x)
    if isinstance(e, step):
        return sympy.Heaviside(x, 1)
    if isinstance(e, relu_prime):
        return sympy.Heaviside(x, 0)
    return sympy.DiracDelta(x)


def textbook(expr):
    """Rewrite a derivative into the form exams print: sinh(u)/cosh(u) becomes tanh(u).

    (SymPy's -tanh(t - y) is turned back into tanh(y - t) by the printer, not here:
    an unevaluated form would not survive SymPy's caches, and answers must not
    depend on what ran before.)
    """
    if not expr.has(sympy.sinh):
        return expr

    def fold(e):
        if not e.is_Mul:
            return e
        args = list(e.args)
        for f in args:
            if isinstance(f, sympy.sinh):
                inv = sympy.Pow(sympy.cosh(f.args[0]), -1)
                if inv in args:
                    args.remove(inv)
                    args[args.index(f)] = sympy.tanh(f.args[0])
                    return sympy.Mul(*args)
        return e

    return expr.replace(lambda e: e.is_Mul, fold)

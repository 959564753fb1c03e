"""The activation and loss catalogue: one line per entry, forward rule and derivative rule.

Adding an activation: add a line to ACTIVATIONS (forward rule in x, derivative
rule in x, LaTeX of its name); if it needs a new SymPy function, define it in
`functions.py` with its `fdiff`. tests/test_compute_catalog.py checks every derivative
rule against sympy.diff of the forward rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import sympy

from . import functions as fn
from .expr import replaced

x = sympy.Symbol("x")


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: forward rule and derivative rule in x."""

    name: str
    forward: sympy.Expr
    derivative: sympy.Expr
    tex: str          # LaTeX of sigma itself, e.g. \sigma
    convention: str = ""  # what the answer states when a value sits on a kink
    text: str = ""    # how the terminal names it (default: the name)
    cases: tuple[str, str] = ("", "")  # the derivative by cases (LaTeX, text), for functions with a kink at 0

    def __post_init__(self):
        if not self.text:
            object.__setattr__(self, "text", self.name)

    def apply(self, z: sympy.Expr, evaluate: bool = True) -> sympy.Expr:
        if not evaluate:  # the rule as written, z in place of x
            return replaced(self.forward, {x: z})
        return self.forward.xreplace({x: z})


_RELU_CASES = (r"\begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}\quad\text{(taken as 0 at } x = 0)",
               "1 for x > 0, 0 for x < 0 (taken as 0 at x = 0)")
_STEP_CASES = (r"0 \quad (x \neq 0;\ \text{undefined at } x = 0)", "0 for x ≠ 0 (undefined at x = 0)")

# fmt: off
ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    #          name        forward              derivative                                  LaTeX name
    Activation("identity", x,                   sympy.S.One,                                r"\operatorname{id}"),
    Activation("relu",     fn.relu(x),          fn.relu_prime(x),                           r"\operatorname{relu}",
               "A ReLU unit's input is exactly 0 here; its derivative there is taken as relu'(0) = 0.",
               cases=_RELU_CASES),
    Activation("sigmoid",  fn.sigmoid(x),       sympy.Mul(fn.sigmoid(x), 1 - fn.sigmoid(x), evaluate=False), r"\sigma", text="σ"),
    Activation("tanh",     sympy.tanh(x),       1 - sympy.tanh(x) ** 2,                     r"\tanh"),
    Activation("step",     fn.step(x),          fn.step_prime(x),                           r"\operatorname{step}",
               "A threshold unit's input is exactly 0 here; step(0) = 1, as step(x) = 1 for x >= 0.",
               cases=_STEP_CASES),
    Activation("softplus", fn.softplus(x),      fn.sigmoid(x),                              r"\operatorname{softplus}"),
    Activation("swish",    fn.swish(x),         fn.swish(x).fdiff(),                        r"\operatorname{swish}"),
    Activation("square",   x ** 2,              2 * x,                                      r"\sigma", text="σ"),
    Activation("exp",      sympy.exp(x),        sympy.exp(x),                               r"\exp"),
    Activation("log",      sympy.log(x),        1 / x,                                      r"\log"),
)}
# fmt: on

# softmax acts on a whole layer; it is lowered specially by the network kind.
LAYER_ACTIVATIONS = ("softmax",)


@lru_cache(maxsize=256)  # a randomized problem lowers the same activation for every draw
def custom_activation(forward: sympy.Expr) -> Activation:
    """An activation written as an expression in x; its derivative by sympy.diff."""
    return Activation("custom", forward, fn.textbook(sympy.diff(forward, x)), r"\sigma", text="σ")


@dataclass(frozen=True)
class Loss:
    """A loss over outputs a_1..a_n and targets y_1..y_n."""

    name: str
    build: Callable[[list, list], sympy.Expr]
    description: str


def _half_squared(a, y):
    return sympy.Rational(1, 2) * sympy.Add(*[(ai - yi) ** 2 for ai, yi in zip(a, y)])


def _cross_entropy(a, y):
    return -sympy.Add(*[yi * sympy.log(ai) for ai, yi in zip(a, y) if yi != 0])


# fmt: off
LOSSES: dict[str, Loss] = {l.name: l for l in (
    Loss("half_squared", _half_squared,                                                          "1/2 sum (a - y)^2"),
    Loss("squared",      lambda a, y: sympy.Add(*[(ai - yi) ** 2 for ai, yi in zip(a, y)]),      "sum (a - y)^2"),
    Loss("mse",          lambda a, y: sympy.Add(*[(ai - yi) ** 2 for ai, yi in zip(a, y)]) / len(a), "1/n sum (a - y)^2"),
    Loss("cross_entropy", _cross_entropy,                                                        "-sum y log a"),
    Loss("binary_cross_entropy",
         lambda a, y: -sympy.Add(*[yi * sympy.log(ai) + (1 - yi) * sympy.log(1 - ai) for ai, yi in zip(a, y)]),
         "-(y log a + (1 - y) log(1 - a))"),
    Loss("log_cosh",     lambda a, y: sympy.Add(*[sympy.log(sympy.cosh(ai - yi)) for ai, yi in zip(a, y)]), "sum log cosh(a - y)"),
)}
# fmt: on


def convention(kink: str) -> str:
    """What an answer states when a value sits on a kink (kink: the function met at 0, e.g. relu_prime)."""
    owner = {"relu_prime": "relu", "step": "step"}.get(kink)  # relu(0) = 0 needs no word
    return ACTIVATIONS[owner].convention if owner else ""

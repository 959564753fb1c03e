"""Optimiser update rules, one table shared by every kind that takes steps: gd, momentum, nesterov, rmsprop, adam.

Each rule is a list of assignments applied in order to one coordinate, as PyTorch's optimisers apply them
(a name on the right means its newest value: one assigned earlier in the same step, else the previous step's).
Values stay exact while they are rational; anything else is carried at 40 significant digits.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .expr import suggest
from .reader import Reader
from .yamlio import Y

CARRY_DIGITS = 40
S = sympy.Symbol
W, G, ETA, T = S("w"), S("g"), S("eta"), S("t")
R = sympy.Rational


@dataclass(frozen=True)
class Spec:
    """One optimiser: its settings (with PyTorch's defaults), its state (starting at 0) and its update rule."""

    name: str
    title: str
    settings: tuple[tuple[str, sympy.Rational], ...]
    state: tuple[str, ...]
    rule: tuple[tuple[str, sympy.Expr], ...]  # (assigned name, expression), in order; the last assigns w
    note: str  # one clause of prose; $...$ is math


def _rules():
    beta, b1, b2, eps, alpha = S("beta"), S("beta1"), S("beta2"), S("eps"), S("alpha")
    m, v, mh, vh = S("m"), S("v"), S("m_hat"), S("v_hat")
    with sympy.evaluate(False):
        # fmt: off
        return (
            Spec("gd", "gradient descent", (), (),
                 (("w", W - ETA * G),), "each coordinate moves against its partial derivative"),
            Spec("momentum", "gradient descent with momentum", (("beta", R(9, 10)),), ("v",),
                 (("v", beta * v + G), ("w", W - ETA * v)),
                 "as in PyTorch's SGD, the velocity $v$ starts at 0 and adds up past gradients"),
            Spec("nesterov", "Nesterov momentum", (("beta", R(9, 10)),), ("v",),
                 (("v", beta * v + G), ("w", W - ETA * (G + beta * v))),
                 "as in PyTorch's SGD with nesterov=True, the velocity $v$ starts at 0 and the step looks ahead "
                 "along it"),
            Spec("rmsprop", "RMSprop", (("alpha", R(99, 100)), ("eps", R(1, 10**8))), ("v",),
                 (("v", alpha * v + (1 - alpha) * G**2), ("w", W - ETA * G / (sympy.sqrt(v) + eps))),
                 "as in PyTorch, $v$ is a running mean of squared gradients starting at 0"),
            Spec("adam", "Adam", (("beta1", R(9, 10)), ("beta2", R(999, 1000)), ("eps", R(1, 10**8))), ("m", "v"),
                 (("m", b1 * m + (1 - b1) * G), ("v", b2 * v + (1 - b2) * G**2),
                  ("m_hat", m / (1 - b1**T)), ("v_hat", v / (1 - b2**T)),
                  ("w", W - ETA * mh / (sympy.sqrt(vh) + eps))),
                 "as in PyTorch and Keras, the moments $m$ and $v$ start at 0, and dividing them by "
                 "$1 - beta^t$ undoes that start"),
        )
        # fmt: on


OPTIMIZERS = {spec.name: spec for spec in _rules()}


@dataclass(frozen=True)
class Optimizer:
    """An optimiser with its settings chosen."""

    spec: Spec
    settings: tuple[tuple[str, sympy.Rational], ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def setting(self, name: str) -> sympy.Rational:
        return dict(self.settings)[name]


def read_optimizer(r: Reader, y: Y | None) -> Optimizer:
    """`gd`, `adam`, or a one-key mapping such as {momentum: {beta: 0.9}} (settings default to PyTorch's)."""
    if y is None:
        return Optimizer(OPTIMIZERS["gd"], ())
    if isinstance(y.value, str):
        word, arg = y.value.strip(), None
    elif isinstance(y.value, dict) and len(y.value) == 1:
        ((word, arg),) = y.value.items()
    else:
        r.fail(y, "optimizer is a name such as gd or adam, or one mapping such as {momentum: {beta: 0.9}}")
    spec = OPTIMIZERS.get(word)
    if spec is None:
        r.fail(y, f"unknown optimizer {word!r}; {suggest(word, list(OPTIMIZERS))}", word if arg else None)
    settings = dict(spec.settings)
    if arg is not None and arg.value is not None:
        if not spec.settings:
            r.fail(arg, f"{word} takes no settings; write it as the word {word}")
        for key, val in r.mapping(arg, f"the {word} settings", tuple(settings)).items():
            v = r.expr(val, f"{word} {key}").value
            if not (v.is_number and v.is_real):
                r.fail(val, f"{word} {key} must be a number")
            if key == "eps" and not v > 0:
                r.fail(val, f"{word} eps must be above 0, such as 1e-8")
            if key != "eps" and not 0 <= v < 1:
                r.fail(val, f"{word} {key} must be at least 0 and below 1, such as 0.9")
            settings[key] = v
    return Optimizer(spec, tuple(settings.items()))


def carry(v: sympy.Expr) -> sympy.Expr:
    """A value as it is carried to the next step: exact while rational, else 40 significant digits."""
    v = sympy.sympify(v)
    if v.is_Rational:
        return v
    if v.is_number:
        return sympy.Float(sympy.N(v, CARRY_DIGITS + 5), CARRY_DIGITS)
    return v


@dataclass(frozen=True)
class Update:
    """One coordinate's update at step t: the gradient, then each assigned value in the rule's order."""

    t: int
    before: dict  # name -> value before the step: w, and each state name
    gradient: sympy.Expr
    assigned: tuple[tuple[str, sympy.Expr], ...]

    @property
    def w(self) -> sympy.Expr:
        return self.assigned[-1][1]


def update(opt: Optimizer, t: int, w, g, eta, state: dict) -> Update:
    """One step of `opt` on one coordinate (t counts from 1; `state` holds the previous step's values)."""
    env = {W: w, G: g, ETA: eta, T: sympy.Integer(t)} | {S(k): v for k, v in opt.settings}
    env |= {S(k): state.get(k, sympy.Integer(0)) for k in opt.spec.state}
    before = {"w": w} | {k: state.get(k, sympy.Integer(0)) for k in opt.spec.state}
    assigned = []
    for name, expr in opt.spec.rule:
        value = carry(expr.xreplace(env).doit())
        env[S(name) if name != "w" else W] = value
        assigned.append((name, value))
    return Update(t, before, g, tuple(assigned))


def new_state(opt: Optimizer, u: Update) -> dict:
    """What the next step starts from: each state name's newest value."""
    return {k: v for k, v in u.assigned if k in opt.spec.state}

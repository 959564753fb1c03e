"""compute: derivatives written out by the chain rule equal sympy.diff of the whole expression."""

from __future__ import annotations

import random

import pytest
import sympy

import neuralsolve
from neuralsolve.derive import chain
from neuralsolve.expr import parse
from neuralsolve.functions import standard

from .conftest import ROOT

x, t = sympy.symbols("x t")
NESTED = ["log(cosh(x - t))", "exp(tanh(2*x))", "log(sigmoid(x))", "tanh(sinh(x + t))", "cos(exp(x))",
          "sigmoid(log(cosh(3*x)))"]


@pytest.mark.parametrize("text", NESTED)
def test_the_chain_of_factors_is_the_derivative(text):
    e = parse(text).display
    written = chain(e, x)
    assert written is not None
    truth = sympy.diff(standard(parse(text).value), x)
    rng = random.Random(text)
    for _ in range(3):
        point = {x: sympy.Rational(rng.randint(-9, 9), 7), t: sympy.Rational(rng.randint(-9, 9), 5)}
        assert abs(sympy.N(standard(written).subs(point) - truth.subs(point), 30)) < 1e-25


def test_a_single_function_needs_no_chain():
    assert chain(parse("tanh(x)").display, x) is None


def test_log_cosh_is_derived_as_the_seed_derives_it():
    md = neuralsolve.solve(ROOT / "problems" / "log-cosh.yaml").markdown()
    assert (r"\frac{\partial E}{\partial y} &= \frac{1}{\cosh\left(y - t\right)} \sinh\left(y - t\right) \cdot 1 "
            r"= \tanh\left(y - t\right)") in md

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


SHEET4 = """title: Softmax regression, problem sheet 4 Q1 with numbers
matrix:
  shapes: {x: [D], W: [C, D], b: [C], e_y: [C]}
  equations:
    z: W @ x + b
    a: softmax(z)
    l: cross_entropy(a, e_y)
  parameters: [W, b]
  values:
    x: [1, 1]
    W: [[0, 0], ["log(2)", 0], [0, "log(5)"]]
    b: [0, 0, 0]
    e_y: [0, 1, 0]
parts:
  - ask: forward
  - ask: {gradients: [a, z, W, b]}
"""


def test_softmax_regression_goes_through_dl_da_and_the_jacobian_as_sheet_4_does(write):
    w = neuralsolve.solve(write(SHEET4))
    md = w.markdown()
    assert r"\frac{1}{1 + 2 + 5} \begin{pmatrix} 1 \\ 2 \\ 5 \end{pmatrix}" in md  # e^{z_i} / sum e^{z_l}
    assert r"a_{j} \left(1 - a_{j}\right) & i = j \\ -a_{i} a_{j} & i \neq j" in md
    assert md.index(r"\frac{\partial l}{\partial a_{j}}") < md.index(r"\frac{\partial l}{\partial \mathbf{z}}")
    answers = {k: sympy.sympify(v) for k, v in w.answers.items()}
    # independently: l = -log a_y with a = softmax(z); dl/da_j = -[j = y] / a_j
    z = sympy.Matrix([0, sympy.log(2), sympy.log(5)])
    a = z.applyfunc(sympy.exp) / sum(z.applyfunc(sympy.exp))
    assert answers["dl/da"] == sympy.Matrix([0, -1 / a[1], 0])
    zs = sympy.symbols("z0:3")
    loss = -sympy.log(sympy.exp(zs[1]) / sum(sympy.exp(s) for s in zs))
    grad = sympy.Matrix([sympy.diff(loss, s) for s in zs]).subs(dict(zip(zs, z)))
    assert sympy.simplify(answers["dl/dz"] - grad) == sympy.zeros(3, 1)


def test_a_network_softmax_layer_writes_its_quotient_with_numbers():
    md = neuralsolve.solve(ROOT / "problems" / "softmax-regression.yaml").markdown()
    assert r"\frac{1}{1 + 2 + 5} \begin{pmatrix} 1 \\ 2 \\ 5 \end{pmatrix}" in md

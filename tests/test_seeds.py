"""The problems in problems/, pinned to the seed documents' own numbers and forms."""

from __future__ import annotations

import sympy

import neuralsolve

from .conftest import ROOT


def answers(name):
    return {k: sympy.sympify(v) for k, v in neuralsolve.solve(ROOT / "problems" / f"{name}.yaml").answers.items()}


def test_square_network_matches_exam_2022_q1():
    a = answers("square-network")
    assert a["parameter_count"] == 9
    assert (a["z2_1"], a["z2_2"], a["a2_1"], a["a2_2"]) == (-1, 2, 1, 4)
    assert (a["z3_1"], a["a3_1"]) == (2, 4)
    assert a["C"] == sympy.Rational(9, 2)
    assert a["dC/dz3_1"] == 12
    assert (a["dC/dz2_1"], a["dC/dz2_2"]) == (-24, 48)
    assert (a["dC/dw3_1_1"], a["dC/dw3_1_2"]) == (12, 48)


def test_square_network_renders_the_seed_steps():
    md = neuralsolve.solve(ROOT / "problems" / "square-network.yaml").markdown()
    # z^2 = W^2 a^1 + b^2 with the matrices written out, as the model answer shows it
    assert r"\begin{pmatrix} 1 & -1 \\ -1 & 1 \end{pmatrix} \begin{pmatrix} 1 \\ 2 \end{pmatrix}" in md
    assert r"\sigma'\left(x\right) &= 2 x" in md
    assert r"\boldsymbol{\delta}^{2}" in md and r"\odot" in md


def test_tanh_graph_backward_chain_is_spelled_with_named_deltas():
    w = neuralsolve.solve(ROOT / "problems" / "tanh-graph.yaml")
    md = w.markdown()
    # dE/dy = tanh(y - t), in the author's orientation
    assert r"\frac{\partial E}{\partial y} &= \frac{1}{\cosh\left(y - t\right)} \sinh\left(y - t\right) \cdot 1 = \tanh\left(y - t\right)" in md
    # dE/da3 collects both paths in one step
    assert (r"\frac{\partial E}{\partial z_{5}} \cdot \frac{\partial z_{5}}{\partial a_{3}} + "
            r"\frac{\partial E}{\partial z_{6}} \cdot \frac{\partial z_{6}}{\partial a_{3}}") in md
    # dE/dw13 = dE/dz3 x1, with dE/dz3 = dE/da3 (1 - a3^2), tanh' in the node's own name as the seed's
    # 1 - tanh^2 z3 is; then the whole expression, as the seed ends
    assert r"\frac{\partial E}{\partial z_{3}} \cdot x_{1}" in md
    assert r"\frac{\partial E}{\partial a_{3}} \cdot \left(1 - a_{3}^{2}\right)" in md
    assert (r"x_{1} \left(1 - a_{3}^{2}\right) \left(w_{35} w_{57} \left(1 - a_{5}^{2}\right) \tanh\left(y - t\right) + "
            r"w_{36} w_{67} \left(1 - a_{6}^{2}\right) \tanh\left(y - t\right)\right)") in md
    assert r"\tanh^{2}" not in md  # one form of tanh' throughout


def test_shared_parameter_matches_exercise_sheet_2_ex4():
    a = answers("shared-parameter")
    y, t, x1, x2, z3, z4, v = sympy.symbols("y t x1 x2 z3 z4 v")
    assert sympy.simplify(a["dE/dw13"] - 2 * (y - t) * z3 * x1) == 0
    assert sympy.simplify(a["dE/dw24"] - 2 * (y - t) * z4 * x2) == 0
    seed = 2 * (y - t) * x1 * z3 * sympy.exp(v) / (1 + sympy.exp(v)) + 2 * (y - t) * x2 * z4 * sympy.exp(-v) / (
        1 + sympy.exp(-v))
    assert sympy.simplify(a["dE/dv"] - seed) == 0


def test_log_cosh_gradient_is_tanh():
    a = answers("log-cosh")
    y, t = sympy.symbols("y t")
    assert a["dE/dy"] == sympy.tanh(y - t)
    md = neuralsolve.solve(ROOT / "problems" / "log-cosh.yaml").markdown()
    assert r"\tanh\left(y - t\right)" in md


def test_relu_network_at_two_points_matches_problem_sheet_4():
    a = answers("relu-two-points")
    assert a["a3_0@x=3"] == 0
    assert a["a3_0@x=4"] == 1
    assert (a["z2_0@x=4"], a["z2_1@x=4"]) == (1, 0)


def test_softmax_regression_gradient_is_a_minus_e_y():
    a = answers("softmax-regression")
    assert [a[f"a2_{j}"] for j in (1, 2, 3)] == [sympy.Rational(1, 8), sympy.Rational(1, 4), sympy.Rational(5, 8)]
    assert a["l"] == sympy.log(4)
    assert [a[f"dl/dz2_{j}"] for j in (1, 2, 3)] == [sympy.Rational(1, 8), sympy.Rational(-3, 4), sympy.Rational(5, 8)]
    assert a["dl/dw2_2_1"] == sympy.Rational(-3, 4) and a["dl/db2_3"] == sympy.Rational(5, 8)
    md = neuralsolve.solve(ROOT / "problems" / "softmax-regression.yaml").markdown()
    assert r"\mathbf{a}^{2} - \mathbf{e}_y" in md


def test_sigmoid_network_is_carried_at_high_precision_and_shown_rounded():
    w = neuralsolve.solve(ROOT / "problems" / "sigmoid-network.yaml")
    z31 = sympy.Rational(1, 5) + sympy.Rational(1, 2) / (1 + sympy.exp(sympy.Rational(1, 20))) - sympy.Rational(
        1, 2) / (1 + sympy.exp(sympy.Rational(9, 20)))
    a31 = 1 / (1 + sympy.exp(-z31))
    got = sympy.sympify(w.answers["a3_1"])
    assert abs(got - sympy.N(a31, 40)) < 1e-28
    assert len(w.answers["a3_1"].replace("0.", "")) >= 30  # at least 30 significant digits
    # shown to precision: 5 significant digits
    assert r"\approx 0.56195" in w.markdown()
    # one step of gradient descent from the unchanged parameters
    # (the gradient by hand: dL/dw3_1_1 = (a3_1 - y) sigma'(z3_1) a2_1, with a2_1 = sigma(-1/20))
    lr = sympy.Rational(1, 2)
    a21 = 1 / (1 + sympy.exp(sympy.Rational(1, 20)))
    grad = (a31 - 1) * a31 * (1 - a31) * a21
    new = sympy.sympify(w.answers["w3_1_1'"])
    assert abs(new - sympy.N(sympy.Rational(1, 2) - lr * grad, 40)) < 1e-28

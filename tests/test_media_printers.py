"""The printers: author order, bracketed substituted negatives, exam notation."""

from __future__ import annotations

import sympy

from neuralsolve.expr import parse
from neuralsolve.latex import Value, rounded, tex, text
from neuralsolve.notation import name_tex


def d(s):
    return parse(s).display


def test_author_order_is_kept():
    assert tex(d("x1*w13 + x2*w23")) == r"x_{1} w_{13} + x_{2} w_{23}"
    assert tex(d("log(cosh(y - t))")) == r"\log\left(\cosh\left(y - t\right)\right)"
    assert tex(d("1/2*(a - y)^2")) == r"\frac{1}{2} \left(a - y\right)^{2}"


def test_substituted_negative_numbers_are_bracketed():
    v1, v2 = Value("#1"), Value("#2")
    e = sympy.Add(sympy.Mul(v1, v2, evaluate=False), v2, evaluate=False)
    assert tex(e, values={v1: sympy.Integer(-1), v2: sympy.Rational(-1, 4)}, decimals=True) == \
        r"\left(-1\right) \cdot \left(-0.25\right) + \left(-0.25\right)"
    assert text(e, values={v1: sympy.Integer(2), v2: sympy.Rational(1, 4)}) == "2·1/4 + 1/4"


def test_a_subtracted_negative_value_is_bracketed():
    v = Value("#1")
    e = sympy.Add(sympy.Symbol("a"), sympy.Mul(-1, v, evaluate=False), evaluate=False)
    assert tex(e, values={v: sympy.Integer(-3)}) == r"a - \left(-3\right)"


def test_powers_of_functions_print_as_exams_do():
    assert tex(d("1 - tanh(z5)^2")) == r"1 - \tanh^{2}\left(z_{5}\right)"
    assert tex(d("sigmoid(x)*(1 - sigmoid(x))")) == r"\sigma\left(x\right) \left(1 - \sigma\left(x\right)\right)"


def test_names_print_as_a_mathematician_writes_them():
    assert name_tex("w13") == "w_{13}"
    assert name_tex("alpha") == r"\alpha"
    assert name_tex("x_t") == "x_{t}"
    assert name_tex("sigma2") == r"\sigma_{2}"
    assert name_tex("yhat") == r"\hat{y}"


def test_rounding_to_significant_digits():
    assert rounded(sympy.Rational(2, 3), 4) == "0.6667"
    assert rounded(sympy.Float("0.00012345678", 30), 3) == "0.000123"
    assert rounded(sympy.Float("123456.7", 30), 4) == "123500"
    assert rounded(sympy.Float("1.234e-9", 30), 3) == "1.23e-9"
    assert tex(sympy.Float("1.234e-9", 30), precision=3) == r"1.23 \times 10^{-9}"

"""The catalogue: every derivative rule against sympy.diff of its forward rule."""

from __future__ import annotations

import pytest
import sympy

from neuralsolve.catalog import ACTIVATIONS, LOSSES, x
from neuralsolve.functions import UndefinedStep, standard, step_prime


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_derivative_rule_matches_sympy_diff(name):
    act = ACTIVATIONS[name]
    forward = standard(act.forward)
    rule = standard(act.derivative)
    truth = sympy.diff(forward, x)
    for point in [sympy.Rational(-7, 3), sympy.Rational(-1, 2), sympy.Rational(1, 5), sympy.Rational(5, 2)]:
        got = rule.subs(x, point).evalf(40, chop=True)
        want = truth.subs(x, point).replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: 0).evalf(40)
        assert abs(got - want) < 1e-30, (name, point)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_custom_function_fdiff_is_the_catalogue_rule(name):
    act = ACTIVATIONS[name]
    assert sympy.simplify(standard(sympy.diff(act.forward, x) - act.derivative)) == 0


def test_relu_derivative_at_zero_is_the_stated_convention():
    assert ACTIVATIONS["relu"].derivative.subs(x, 0) == 0
    assert "relu'(0)" in ACTIVATIONS["relu"].convention


def test_step_derivative_at_zero_is_undefined():
    with pytest.raises(UndefinedStep):
        step_prime(sympy.S.Zero)


def test_step_is_one_at_zero():
    assert ACTIVATIONS["step"].forward.subs(x, 0) == 1


# each catalogue loss at a = (1/4, 3/5), y = (0, 1), computed by hand
_A, _Y = [sympy.Rational(1, 4), sympy.Rational(3, 5)], [sympy.S.Zero, sympy.S.One]
EXPECTED_LOSS = {
    "half_squared": (sympy.Rational(1, 16) + sympy.Rational(4, 25)) / 2,
    "squared": sympy.Rational(1, 16) + sympy.Rational(4, 25),
    "mse": (sympy.Rational(1, 16) + sympy.Rational(4, 25)) / 2,
    "cross_entropy": -sympy.log(sympy.Rational(3, 5)),
    "binary_cross_entropy": -sympy.log(sympy.Rational(3, 4)) - sympy.log(sympy.Rational(3, 5)),
    "log_cosh": sympy.log(sympy.cosh(sympy.Rational(1, 4))) + sympy.log(sympy.cosh(sympy.Rational(2, 5))),
}


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_match_their_formulas(name):
    got = LOSSES[name].build(_A, _Y)
    assert abs(sympy.N(got - EXPECTED_LOSS[name], 40)) < 1e-35

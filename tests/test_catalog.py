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


@pytest.mark.parametrize("name", list(LOSSES))
def test_losses_build_from_outputs_and_targets(name):
    a = sympy.symbols("a1 a2", positive=True)
    y = [sympy.S.Zero, sympy.S.One]
    assert LOSSES[name].build(list(a), y).free_symbols <= set(a)

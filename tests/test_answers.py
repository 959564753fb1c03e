"""answers: the JSON contract computed from a kind's computation alone, never from the view."""

from __future__ import annotations

import sympy

from neuralsolve.answers import compute
from neuralsolve.check import Rule, check, reference
from neuralsolve.spec import load
from neuralsolve.variants import solve_variant

from .conftest import ROOT


def _no_view(monkeypatch):
    """Make every kind's view fail: whatever still works does not go through it."""
    from neuralsolve.kinds import KINDS

    def refuse(*args, **kwargs):
        raise AssertionError("the view was asked for")

    for kind in KINDS.values():
        monkeypatch.setattr(type(kind), "view", refuse)


def test_answers_and_what_each_part_asks_without_the_view(monkeypatch):
    _no_view(monkeypatch)
    problem = load(ROOT / "problems" / "square-network.yaml")
    _, answers = compute(problem)
    v = answers.values
    # independent: the seed's numbers (exam 2022 Q1), by hand
    assert v["parameter_count"] == 9 and v["C"] == sympy.Rational(9, 2)
    assert (v["dC/dz2_1"], v["dC/dz2_2"], v["dC/dw3_1_2"]) == (-24, 48, 48)
    assert answers.asked[0] == ("parameter_count",)
    assert set(answers.asked[2]) == {"dC/dz3_1", "dC/dz2_1", "dC/dz2_2", "dC/dw3_1_1", "dC/dw3_1_2"}
    assert answers.strings["C"] == "9/2"


def test_check_marks_without_the_view(monkeypatch):
    _no_view(monkeypatch)
    ref = reference(ROOT / "problems" / "square-network.yaml")
    report = check(ref, {"C": sympy.Rational(9, 2), "dC/dz3_1": sympy.Integer(13)}, Rule())
    verdicts = {line.name: line.verdict for line in report.lines}
    assert verdicts["C"] == "right" and verdicts["dC/dz3_1"] == "wrong"


def test_variants_are_judged_without_the_view(monkeypatch):
    _no_view(monkeypatch)
    path = ROOT / "problems" / "square-network-random.yaml"
    problem, comp, answers = solve_variant(path.read_text(encoding="utf-8"), str(path), 12345)
    assert answers.values["a3_1"] != 0 and answers.values["C"] <= 50


def test_matrix_answers_are_matrices_and_their_json_spelling():
    problem = load(ROOT / "problems" / "matrix-softmax-regression.yaml")
    _, answers = compute(problem)
    assert answers.values["dl/db"] == sympy.Matrix([sympy.Rational(1, 8), sympy.Rational(-3, 4), sympy.Rational(5, 8)])
    assert answers.strings["dl/db"] == "Matrix([[1/8], [-3/4], [5/8]])"
    assert sympy.sympify(answers.strings["dl/dW"]) == answers.values["dl/dW"]

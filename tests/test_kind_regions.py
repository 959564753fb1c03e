"""The regions and design asks of the graph and network kinds: answers, steps, errors, rendering."""

from __future__ import annotations

import json
import random

import pytest
import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli

from .conftest import ROOT, assert_located
from .test_media_render import compile_tex

PROBLEMS = ROOT / "problems"
NEW = ("relu-decision-boundary", "relu-ramp-design", "relu-two-points")


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], env={"COLUMNS": "80"})


def answers(name: str) -> dict:
    doc = json.loads(neuralsolve.solve(PROBLEMS / f"{name}.yaml").json())
    names = {n: sympy.Symbol(n) for n in doc["symbols"]}
    return {k: sympy.sympify(v, locals=names) for k, v in doc["answers"].items()}, doc


def test_problem_sheet_4_function_is_exactly_the_seeds():
    a, doc = answers("relu-two-points")
    assert doc["answers"]["regions_a3_0"] == "Piecewise((0, x < 3), (x - 3, x <= 4), (1, True))"
    assert a["a3_0@x=3"] == 0 and a["a3_0@x=4"] == 1  # the earlier part is unchanged
    text = neuralsolve.solve(PROBLEMS / "relu-two-points.yaml").markdown()
    assert r"\operatorname{relu}\left(x - 3\right) - \operatorname{relu}\left(x - 4\right)" in text
    assert r"\begin{cases} 0 & \text{if } x < 3 \\ x - 3 & \text{if } 3 \leq x \leq 4 \\ 1 & \text{if } x > 4" \
        r" \end{cases}" in text


def test_exercise_sheet_2_cases_classes_and_boundary():
    a, doc = answers("relu-decision-boundary")
    x1, x2 = sympy.symbols("x1 x2")
    pw = a["regions_y"]
    for point, value in (((-1, 3), 0), ((-3, 1), 0), ((-2, -5), 1), ((4, 4), 1), ((-sympy.Rational(1, 2), 2),
                                                                                 sympy.Rational(1, 2))):
        assert pw.subs({x1: point[0], x2: point[1]}) == value
    boundary = a["boundary_y"]
    assert {eq for eq, _ in boundary} == {sympy.Eq(x1, -1), sympy.Eq(x2, 1), sympy.Eq(x1, 1), sympy.Eq(x2, -1)}
    md = neuralsolve.solve(PROBLEMS / "relu-decision-boundary.yaml").markdown()
    # the seed's case x1 < 0, x2 > 0, x1 + x2 > 0: y = 1 - 0 - x2 + (x1 + x2) = 1 + x1, class 1 for x1 < -1
    assert "Case 3: $x_{1} < 0$, $x_{2} > 0$ and $x_{1} + x_{2} > 0$." in md
    assert r"y &= 1 - 0 - x_{2} + \left(x_{1} + x_{2}\right) = 1 + x_{1}" in md
    assert r"\iff x_{1} < -1\quad(\text{class 1})" in md
    assert "The function is symmetric" in md and "By symmetry" in md


def test_design_reproduces_the_ramp_for_any_c_below_d():
    a, doc = answers("relu-ramp-design")
    assert doc["answers"]["w3_0_0"] == "1/(d - c)" and doc["answers"]["b2_1"] == "-d"
    c, d, x = sympy.symbols("c d x")
    rng = random.Random(4)
    for _ in range(20):
        lo = sympy.Rational(rng.randint(-50, 50), rng.randint(1, 5))
        hi = lo + sympy.Rational(rng.randint(1, 40), rng.randint(1, 5))
        at = {c: lo, d: hi}
        w = {k: v.xreplace(at) for k, v in a.items() if k[0] in "wb"}
        for _ in range(50):
            t = sympy.Rational(rng.randint(-2000, 2000), 20)
            hidden = [max(w[f"w2_{j}_0"] * t + w[f"b2_{j}"], 0) for j in (0, 1)]
            out = w["w3_0_0"] * hidden[0] + w["w3_0_1"] * hidden[1] + w["b3_0"]
            target = 0 if t < lo else 1 if t > hi else (t - lo) / (hi - lo)
            assert out == target


def test_design_with_slopes_and_spare_units(write):
    path = write(NETWORK.format(units=4) + "parts:\n  - ask: {design: {points: {x: [-1, 0, 2], y: [1, 0, 0]}, "
                                          "slopes: {left: 2, right: 1}}}\n")
    doc = json.loads(neuralsolve.solve(path).json())
    w = {k: sympy.sympify(v) for k, v in doc["answers"].items() if k[0] in "wb" and "_" in k}

    def target(t):
        if t < -1:
            return 1 + 2 * (t + 1)
        if t <= 0:
            return -t
        return 0 if t <= 2 else t - 2

    for k in range(-80, 80):
        t = sympy.Rational(k, 8)
        hidden = [max(w[f"w2_{j}_1"] * t + w[f"b2_{j}"], 0) for j in (1, 2, 3, 4)]
        assert sum(w[f"w3_1_{j}"] * h for j, h in zip((1, 2, 3, 4), hidden)) + w["b3_1"] == target(t)
    assert "the target's pieces at these values" in neuralsolve.solve(path).markdown()


NETWORK = """title: t
network:
  input: x
  layers:
    - {{weights: W2, units: {units}, biases: b2, activation: relu}}
    - {{weights: W3, units: 1, biases: b3}}
"""

GRAPH = "title: t\ngraph:\n  equations:\n    y: {y}\n{values}parts:\n  - ask: {ask}\n"

ERRORS = {
    "not piecewise linear": (GRAPH.format(y="1 - relu(x1) + tanh(x2)", values="", ask="regions"),
                             "6:10: regions needs a piecewise-linear function of one or two inputs: y uses tanh, "
                             "which is not piecewise linear"),
    "three inputs": (GRAPH.format(y="relu(x1) + relu(x2) + x3", values="", ask="regions"),
                     "6:10: regions needs a piecewise-linear function of one or two inputs: y depends on 3 names "
                     "without values (x1, x2, x3); regions are for one or two inputs, so give values to the others"),
    "product": (GRAPH.format(y="x1*relu(x2)", values="", ask="regions"),
                "6:10: regions needs a piecewise-linear function of one or two inputs: y multiplies two quantities "
                "that vary with the inputs"),
    "too many relus": (GRAPH.format(y=" + ".join(f"relu(x - {k})" for k in range(13)), values="", ask="regions"),
                       "6:10: regions needs a piecewise-linear function of one or two inputs: more than 12 relus; "
                       "the regions of a larger function are no worked answer"),
    "classes of one input": (GRAPH.format(y="relu(x)", values="", ask="{regions: {classes: true}}"),
                             "6:20: classes: true needs a function of two inputs (a decision boundary in the plane)"),
    "unknown output": (GRAPH.format(y="relu(x)", values="", ask="{regions: {output: z}}"),
                       "6:29: no quantity named 'z' is computed; expected one of: y"),
    "sigmoid network": ("title: t\nnetwork:\n  input: x\n  layers:\n    - {weights: [[1], [2]], activation: sigmoid}\n"
                        "    - {weights: [[1, 1]]}\nparts:\n  - ask: regions\n",
                        "8:10: regions needs a piecewise-linear function of one or two inputs: a2_1 uses sigmoid, "
                        "which is not piecewise linear"),
    "numeric input": ("title: t\nnetwork:\n  input: [1]\n  layers:\n    - {weights: [[1]], activation: relu}\n"
                      "parts:\n  - ask: regions\n",
                      "7:10: regions needs a piecewise-linear function of one or two inputs: a2_1 has no input left "
                      "without a value; write the inputs as names (such as input: x, or no value for x1)"),
    "design too few units": (NETWORK.format(units=1) + "parts:\n  - ask: {design: {points: {x: [c, d], y: [0, 1]}, "
                                                       "symbols: [c, d]}}\n",
                             "8:10: the target needs 2 hidden relu units (one per kink), but the hidden layer has 1"),
    "design on a graph": (GRAPH.format(y="relu(x)", values="", ask="{design: {points: {x: [0], y: [0]}}}"),
                          "6:10: design is for network problems (a network kind with one input, a relu hidden layer "
                          "and an identity output)"),
    "design undeclared name": (NETWORK.format(units=2) + "parts:\n  - ask: {design: {points: {x: [c, 1], y: [0, 1]}}}\n",
                               "8:33: unknown name 'c' in a breakpoint; the names allowed here are: none"),
    "design decreasing": (NETWORK.format(units=2) + "parts:\n  - ask: {design: {points: {x: [2, 1], y: [0, 1]}}}\n",
                          "8:36: points x must increase (each breakpoint after the one before)"),
    "design given weights": ("title: t\nnetwork:\n  input: x\n  layers:\n"
                             "    - {weights: [[1], [1]], biases: b2, activation: relu}\n"
                             "    - {weights: W3, units: 1, biases: b3}\n"
                             "parts:\n  - ask: {design: {points: {x: [0, 1], y: [0, 1]}}}\n",
                             "8:10: design finds the weights and biases, so the network must leave them as names "
                             "(weights: W2 with units: 2, biases: b2); w2_1_1 has a value"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_is_located_and_exact(case, write):
    text, message = ERRORS[case]
    path = write(text)
    assert_located(run("solve", path), path, message)


@pytest.mark.parametrize("name", NEW)
def test_new_problems_render_to_the_terminal(name):
    r = run("solve", PROBLEMS / f"{name}.yaml")
    assert r.exit_code == 0, r.output
    assert "Piece by piece" in r.output or "Check:" in r.output


def test_regions_figure_and_geometry():
    from neuralsolve.kinds.graph.regions_ask import regions_figure

    problem = neuralsolve.load(PROBLEMS / "relu-decision-boundary.yaml")
    comp = problem.kind.compute(problem)
    ask = next(a for a in problem.asks if a.what == "regions")
    assert regions_figure(comp, ask).name == "regions"
    assert regions_figure(comp, next(a for a in problem.asks if a.what == "diagram")) is None
    reg = comp.regions[ask]
    assert reg.view == (-2, 2, -2, 2) and len(reg.boundary) == 4 and reg.classes
    problem = neuralsolve.load(PROBLEMS / "relu-two-points.yaml")
    comp = problem.kind.compute(problem)
    reg = comp.regions[problem.asks[-1]]
    assert reg.breakpoints == (3, 4) and reg.values == (0, 1) and reg.view[0] < 3 and reg.view[1] > 4


@pytest.mark.slow
@pytest.mark.parametrize("name", NEW)
def test_new_problems_compile(name, tmp_path):
    compile_tex(neuralsolve.solve(PROBLEMS / f"{name}.yaml").latex(), tmp_path)


def test_verify_runs_the_designed_network_and_catches_a_wrong_weight():
    import dataclasses

    from neuralsolve.answers import compute
    from neuralsolve.kinds.graph.regions_ask import verify_design

    problem = neuralsolve.load(PROBLEMS / "relu-ramp-design.yaml")
    _, got = compute(problem)
    (ask,) = problem.asks
    ok, note = verify_design(problem, ask, got)
    assert ok and note.startswith("Verified"), note
    wrong = dataclasses.replace(got, values={**got.values, "b2_1": -sympy.Symbol("c")})
    ok, note = verify_design(problem, ask, wrong)
    assert not ok and note.startswith("Verification FAILED")

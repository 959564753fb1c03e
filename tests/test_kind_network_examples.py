"""Several training examples in the network kind (issue 10, item 5): `inputs`, `targets`, `over_examples`.

The gradients are checked against a plain-float backpropagation written here, example by example and summed
(or averaged); nothing is taken from the tool."""

from __future__ import annotations

import json
import math

import pytest
import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli

from .conftest import ROOT

TWO = ROOT / "problems" / "network-two-examples.yaml"

W2 = [[0.1, -0.2], [0.4, 0.3]]
B2 = [0.05, -0.1]
W3 = [[0.6, -0.7]]
B3 = [0.2]
XS = [[0.05, 0.10], [0.5, -1]]
YS = [0.9, 0.1]


def problem(over: str | None = None, extra: str = "") -> str:
    return ("title: Two examples\nnetwork:\n"
            f"  inputs: {json.dumps(XS)}\n"
            "  layers:\n"
            f"    - weights: {json.dumps(W2)}\n      biases: {json.dumps(B2)}\n      activation: sigmoid\n"
            f"    - weights: {json.dumps(W3)}\n      biases: {json.dumps(B3)}\n      activation: sigmoid\n"
            f"  targets: {json.dumps(YS)}\n  loss: half_squared\n"
            + (f"  over_examples: {over}\n" if over else "") + extra
            + "parts:\n  - ask: [forward, loss]\n  - ask: backward\n")


def sig(v: float) -> float:
    return 1 / (1 + math.exp(-v))


def plain(over: str = "sum"):
    """Forward, per-example backpropagation, summed (or the mean): the loss, per-example losses, gradients."""
    grads = {}
    losses = []
    for x, y in zip(XS, YS):
        z2 = [sum(W2[j][k] * x[k] for k in range(2)) + B2[j] for j in range(2)]
        a2 = [sig(v) for v in z2]
        z3 = sum(W3[0][k] * a2[k] for k in range(2)) + B3[0]
        a3 = sig(z3)
        losses.append(0.5 * (a3 - y) ** 2)
        d3 = (a3 - y) * a3 * (1 - a3)
        d2 = [a2[j] * (1 - a2[j]) * W3[0][j] * d3 for j in range(2)]
        contrib = {"w3_1_1": d3 * a2[0], "w3_1_2": d3 * a2[1], "b3_1": d3}
        for j in range(2):
            contrib[f"b2_{j + 1}"] = d2[j]
            for k in range(2):
                contrib[f"w2_{j + 1}_{k + 1}"] = d2[j] * x[k]
        for name, v in contrib.items():
            grads[name] = grads.get(name, 0.0) + v
    scale = 1 / len(XS) if over == "mean" else 1
    return sum(losses) * scale, losses, {k: v * scale for k, v in grads.items()}


def answers(path) -> dict[str, float]:
    r = CliRunner().invoke(cli, ["render", str(path), "--json"])
    assert r.exit_code == 0, r.output
    return {k: float(sympy.sympify(v)) for k, v in json.loads(r.output)["answers"].items()}


@pytest.mark.parametrize("over", [None, "sum", "mean"])
def test_gradients_are_the_sum_or_mean_over_the_examples(write, over):
    got = answers(write(problem(over)))
    loss, losses, grads = plain(over or "sum")
    assert got["L"] == pytest.approx(loss, rel=1e-12)
    assert got["L@1"] == pytest.approx(losses[0], rel=1e-12)
    assert got["L@2"] == pytest.approx(losses[1], rel=1e-12)
    for name, v in grads.items():
        assert got[f"dL/d{name}"] == pytest.approx(v, rel=1e-10, abs=1e-15), name
    # per-example forward quantities are named with the example after @
    x = XS[1]
    assert got["z2_1@2"] == pytest.approx(W2[0][0] * x[0] + W2[0][1] * x[1] + B2[0])


def test_update_steps_on_the_total_gradient(write):
    text = problem().replace("  - ask: backward\n", "  - ask: {update: {learning_rate: 0.5}}\n")
    got = answers(write(text))
    _, _, grads = plain()
    assert got["w2_1_2'"] == pytest.approx(W2[0][1] - 0.5 * grads["w2_1_2"], rel=1e-12)
    assert got["b3_1'"] == pytest.approx(B3[0] - 0.5 * grads["b3_1"], rel=1e-12)


def test_the_worked_answer_shows_each_example_and_the_sum():
    r = CliRunner().invoke(cli, ["solve", str(TWO)])
    assert r.exit_code == 0, r.output
    out = r.output
    assert "Example 1:" in out and "Example 2:" in out
    assert out.count("Example 1:") == 2  # the forward pass, then the deltas
    assert "L = L@1 + L@2" in out
    assert "∂L/∂W2 = δ2@1·a1@1ᵀ + δ2@2·a1@2ᵀ" in out


def test_single_example_answers_keep_their_names(write):
    text = problem().replace(f"  inputs: {json.dumps(XS)}\n", f"  input: {json.dumps(XS[0])}\n") \
                    .replace(f"  targets: {json.dumps(YS)}\n", f"  target: {YS[0]}\n")
    got = answers(write(text))
    assert "z2_1" in got and "L" in got and not any("@" in k for k in got)


def test_check_marks_a_right_and_a_wrong_gradient(write):
    _, _, grads = plain()
    right, wrong = f"{grads['w2_1_1']:.4g}", f"{-grads['w3_1_2']:.4g}"
    r = CliRunner().invoke(cli, ["check", str(write(problem())),
                                 str(write(f"'dL/dw2_1_1': {right}\n'dL/dw3_1_2': {wrong}\n", "answers.yaml"))])
    rows = {}
    for line in r.output.splitlines():
        if "│" in line:
            cells = [c.strip() for c in line.split("│")]
            rows[cells[0]] = cells[1:]
    assert rows["dL/dw2_1_1"][2] == "right", r.output
    assert rows["dL/dw3_1_2"][2].startswith("wrong"), r.output


ERRORS = {
    "lengths": (problem().replace(f"  targets: {json.dumps(YS)}\n", "  targets: [0.9]\n"),
                "targets has 1 example but inputs has 2; give one target per example"),
    "width": (problem().replace(f"  inputs: {json.dumps(XS)}\n", "  inputs: [[0.05, 0.10], [0.5]]\n"),
              "example 2 has 1 input value but example 1 has 2; give every example the same number"),
    "both": (problem().replace("  layers:\n", "  input: [1, 2]\n  layers:\n"),
             "give either 'input' (one example) or 'inputs' (one list per example), not both"),
    "over": (problem("median"), "over_examples must be sum or mean, not 'median'"),
    "target width": (problem().replace(f"  targets: {json.dumps(YS)}\n", "  targets: [0.9, [0.1, 0.2]]\n"),
                     "target of example 2 has 2 values but the output layer has 1 unit"),
    "target with inputs": (problem().replace("  targets:", "  target:"),
                           "with 'inputs' (several examples) give 'targets', one per example"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_located_one_line_errors(write, case):
    text, message = ERRORS[case]
    path = write(text)
    r = CliRunner().invoke(cli, ["validate", str(path)])
    assert r.exit_code == 2, r.output
    err = r.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"{path}:") and err.endswith(message), err


def test_softmax_cross_entropy_mean_over_three_examples(write):
    xs, ys = [[1, 2], [0, -1], [2, 0]], [1, 2, 1]  # class indices, counted from 1
    w2, w3 = [[0.5, -0.5], [0.25, 0.75]], [[1, -1], [0.5, 0.5]]
    text = ("title: CE\nnetwork:\n"
            f"  inputs: {json.dumps(xs)}\n  layers:\n"
            f"    - weights: {json.dumps(w2)}\n      activation: relu\n"
            f"    - weights: {json.dumps(w3)}\n      activation: softmax\n"
            f"  targets: {json.dumps(ys)}\n  loss: cross_entropy\n  over_examples: mean\n"
            "parts:\n  - ask: backward\n")
    got = answers(write(text))
    grads = {f"w{l}_{j}_{k}": 0.0 for l in (2, 3) for j in (1, 2) for k in (1, 2)}
    loss = 0.0
    for x, y in zip(xs, ys):
        z2 = [sum(w2[j][k] * x[k] for k in range(2)) for j in range(2)]
        a2 = [max(v, 0.0) for v in z2]
        z3 = [sum(w3[j][k] * a2[k] for k in range(2)) for j in range(2)]
        e = [math.exp(v) for v in z3]
        a3 = [v / sum(e) for v in e]
        loss += -math.log(a3[y - 1]) / 3
        d3 = [(a3[j] - (1 if j == y - 1 else 0)) / 3 for j in range(2)]
        d2 = [(1 if z2[k] > 0 else 0) * sum(w3[j][k] * d3[j] for j in range(2)) for k in range(2)]
        for j in range(2):
            for k in range(2):
                grads[f"w3_{j + 1}_{k + 1}"] += d3[j] * a2[k]
                grads[f"w2_{j + 1}_{k + 1}"] += d2[j] * x[k]
    assert got["L"] == pytest.approx(loss, rel=1e-12)
    for name, v in grads.items():
        assert got[f"dL/d{name}"] == pytest.approx(v, rel=1e-10, abs=1e-15), name


def test_one_asked_gradient_shows_the_deltas_of_every_example(write):
    text = problem().replace("  - ask: backward\n", "  - ask: {gradients: [w2_1_1]}\n")
    r = CliRunner().invoke(cli, ["solve", str(write(text))])
    assert r.exit_code == 0, r.output
    assert "δ2@1 =" in r.output and "δ2@2 =" in r.output  # each example's delta the gradient sums
    assert "∂L/∂w2_1_1 = ∂L/∂z2_1@1·a1_1@1 + ∂L/∂z2_1@2·a1_1@2" in r.output


def test_the_forward_pass_before_the_gradients_keeps_its_example_heading(write):
    text = problem().replace("  - ask: [forward, loss]\n", "")
    r = CliRunner().invoke(cli, ["solve", str(write(text))])
    assert r.exit_code == 0, r.output
    assert "The forward pass gives the values the gradients use. Example 1:" in r.output


def test_a_randomized_batch_draws_its_inputs(write):
    """inputs drawn per variant: the total loss is the sum of the examples' losses for the drawn numbers."""
    path = write("title: t\nrandom:\n  draw:\n    p: {integers: [1, 3]}\nnetwork:\n  inputs: [[p], [2]]\n"
                 "  layers:\n    - weights: [[1]]\n      biases: [0]\n      activation: identity\n"
                 "  targets: [0, 1]\n  loss: half_squared\nparts:\n  - ask: [forward, loss]\n")
    for code in ("AAAAAA", "BCDEFG"):
        w = neuralsolve.solve(path, variant=code)
        p = int(w.solution.draws["p"])
        total = 0.5 * (p - 0) ** 2 + 0.5 * (2 - 1) ** 2
        assert math.isclose(float(sympy.sympify(w.answers["L"])), total)


def test_a_sum_weight_of_one_takes_a_dot_before_its_bracket():
    """dL/dL(1) = 1 times (a - y): 1 (0.60904 - 1) would read as a slip of the pen."""
    latex = neuralsolve.solve(TWO).latex()
    assert r"&= 1 \cdot \left(0.60904 - 1\right)" in latex and r"1 \left(" not in latex


def test_a_symbolic_delta_is_equal_not_approximately_equal(write):
    """σ'(z) ⊙ (Wᵀ δ) with symbols is exact: only rounded numbers earn ≈."""
    text = ("title: sym\nnetwork:\n  input: [x1, x2]\n  layers:\n"
            "    - weights: [[1, 2], [3, 4]]\n      activation: sigmoid\n"
            "    - weights: [[1, -1]]\n      activation: sigmoid\n"
            "  target: 1\n  loss: half_squared\nparts:\n  - ask: backward\n")
    latex = neuralsolve.solve(write(text)).latex()
    assert r"\approx" not in latex


@pytest.mark.parametrize("text, message", [
    ("title: t\nnetwork:\n  layers:\n    - weights: [[1]]\nparts:\n  - ask: forward\n",
     "network needs an 'input' key (or 'inputs', one list per example)"),
    ("title: t\nnetwork:\n  input: [1]\nparts:\n  - ask: forward\n", "network needs a 'layers' key"),
])
def test_a_network_without_its_input_or_layers_is_a_located_error(write, text, message):
    r = CliRunner().invoke(cli, ["render", str(write(text)), "--json"])
    assert r.exit_code == 2 and r.output.strip().endswith(message), r.output

"""The optimize kind (issue 10, item 1): seed numbers, optimisers against plain floats, Hessians, errors, workflows."""

from __future__ import annotations

import json
import math

import pytest
import sympy

import neuralsolve

from .conftest import ROOT, answers, assert_located, run

STEP_SIZES = ROOT / "problems" / "optimize-step-sizes.yaml"
MOMENTUM = ROOT / "problems" / "optimize-momentum.yaml"
ADAM = ROOT / "problems" / "optimize-adam.yaml"


def problem(block: str, parts: str = "") -> str:
    return "title: t\noptimize:\n" + block + parts


# -- the seed (2023 Q5): f = y^2 + (y - x)^2 from (1, 1), one step at 0.01, 0.1 and 10 -------------------------------
def test_seed_iterates_distances_and_minimum():
    a = answers(neuralsolve.solve(STEP_SIZES))
    assert [(a[f"x[1]@s={s}"], a[f"y[1]@s={s}"]) for s in ("0.01", "0.1", "10")] == \
        [(1, sympy.Rational(98, 100)), (1, sympy.Rational(8, 10)), (1, -19)]
    assert [round(float(a[f"distance[1]@s={s}"]), 2) for s in ("0.01", "0.1", "10")] == [1.40, 1.28, 19.03]
    assert a["distance[1]@s=0.01"] == sympy.sqrt(sympy.Rational("1.9604"))  # exact, not 1.40
    assert a["stationary_point_1"] == [0, 0] and str(a["stationary_point_1_type"]) == "minimum"
    x, y = sympy.symbols("x y")
    assert sympy.expand(a["df/dx"] - sympy.diff(y**2 + (y - x) ** 2, x)) == 0
    assert sympy.expand(a["df/dy"] - sympy.diff(y**2 + (y - x) ** 2, y)) == 0
    assert [str(a[f"behaviour@s={s}"]) for s in ("0.01", "0.1", "10")] == ["converging", "converging", "diverging"]


def test_seed_steps_are_written_as_a_model_answer_writes_them():
    w = neuralsolve.solve(STEP_SIZES)
    md = w.markdown()
    assert r"y_{1} &= y_{0} - \eta \left(2 \left(2 y_{0} - x_{0}\right)\right) = " \
           r"1 - 0.01 \left(2 \left(2 \cdot 1 - 1\right)\right) = 0.98" in md
    assert r"\sqrt{1.9604} \approx 1.400" in md and r"\sqrt{362} \approx 19.03" in md
    assert r"\lambda &= 3 - \sqrt{5}, 3 + \sqrt{5} \approx 0.7639, 5.236" in md
    table = [b for b in w.solution.parts[1].blocks if b.type == "table"][0]
    assert [c.text for c in table.header] == ["η", "k", "x_k", "y_k", "distance"]
    assert [c.text for c in table.rows[-1]] == ["10", "1", "1", "-19", "19.03"]
    reading = w.solution.parts[2].blocks[-1].text
    assert "η = 0.01 lowers the loss steadily (converging), but slowly" in reading
    assert "η = 10 raises the loss: the step overshoots and the iterates diverge" in reading


# -- optimisers against an independent plain-float implementation -----------------------------------------------------
def plain(name: str, grad, start, eta, steps, **s):
    """PyTorch's rules, written out again in floats: every iterate, step by step."""
    w, v, m, out = list(start), [0.0] * len(start), [0.0] * len(start), []
    for t in range(1, steps + 1):
        g = grad(*w)
        for i in range(len(w)):
            if name == "momentum":
                v[i] = s["beta"] * v[i] + g[i]
                w[i] -= eta * v[i]
            elif name == "nesterov":
                v[i] = s["beta"] * v[i] + g[i]
                w[i] -= eta * (g[i] + s["beta"] * v[i])
            elif name == "rmsprop":
                v[i] = s["alpha"] * v[i] + (1 - s["alpha"]) * g[i] ** 2
                w[i] -= eta * g[i] / (math.sqrt(v[i]) + s["eps"])
            elif name == "adam":
                m[i] = s["beta1"] * m[i] + (1 - s["beta1"]) * g[i]
                v[i] = s["beta2"] * v[i] + (1 - s["beta2"]) * g[i] ** 2
                mh, vh = m[i] / (1 - s["beta1"] ** t), v[i] / (1 - s["beta2"] ** t)
                w[i] -= eta * mh / (math.sqrt(vh) + s["eps"])
            else:
                w[i] -= eta * g[i]
        out.append(list(w))
    return out


CASES = {
    "gd": ("gd", {}),
    "momentum": ("{momentum: {beta: 0.9}}", {"beta": 0.9}),
    "momentum default": ("momentum", {"beta": 0.9}),
    "nesterov": ("{nesterov: {beta: 0.5}}", {"beta": 0.5}),
    "rmsprop": ("rmsprop", {"alpha": 0.99, "eps": 1e-8}),
    "adam": ("{adam: {beta1: 0.9, beta2: 0.999, eps: 1e-8}}", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
    "adam default": ("adam", {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_optimiser_steps_agree_with_plain_floats(case, write):
    optimizer, settings = CASES[case]
    text = problem(f"  function: x^2 + 3*x*y + 5*y^2 - x\n  start: {{x: 2, y: -1}}\n  step_size: 0.05\n"
                   f"  steps: 5\n  optimizer: {optimizer}\n", "parts:\n  - ask: [steps, loss]\n")
    a = answers(neuralsolve.solve(write(text)))
    want = plain(optimizer.strip("{").split(":")[0], lambda x, y: [2 * x + 3 * y - 1, 3 * x + 10 * y], [2.0, -1.0],
                 0.05, 5, **settings)
    for k, (x, y) in enumerate(want, 1):
        assert float(a[f"x[{k}]"]) == pytest.approx(x, rel=1e-9, abs=1e-12)
        assert float(a[f"y[{k}]"]) == pytest.approx(y, rel=1e-9, abs=1e-12)
        assert float(a[f"f[{k}]"]) == pytest.approx(x * x + 3 * x * y + 5 * y * y - x, rel=1e-9, abs=1e-12)


def test_momentum_example_and_its_state_table():
    w = neuralsolve.solve(MOMENTUM)
    a = answers(w)
    want = plain("momentum", lambda x, y: [2 * x, 10 * y], [2.0, 1.0], 0.1, 3, beta=0.5)
    got = [float(a[f"{v}[{k}]"]) for k in (1, 2, 3) for v in "xy"]
    assert got == pytest.approx([c for p in want for c in p])
    assert a["x[3]"] == sympy.Rational("0.604")  # rational in, rational out
    table = [b for b in w.solution.parts[1].blocks if b.type == "table"][0]
    assert [c.text for c in table.header] == ["k", "x_k", "y_k", "v_x", "v_y", "f"]
    assert [c.text for c in table.rows[3]] == ["3", "0.604", "-0.25", "4.76", "-2.5", "0.677316"]
    text = "\n".join(e.lhs_text + " = " + " = ".join(f.text for f in e.forms)
                     for b in w.solution.parts[1].blocks if b.type == "steps" for e in b.equations)
    assert "v_t = β·v_(t-1) + g_t" in text and "w_t = w_(t-1) - η·v_t" in text
    assert "v_y,3 = β·v_y,2 + g_y,3 = 0.5·5 + (-5) = -2.5" in text


def test_adam_shows_the_bias_correction_step_by_step():
    w = neuralsolve.solve(ADAM)
    a = answers(w)
    want = plain("adam", lambda x: [2 * (x - 3)], [1.0], 0.5, 2, beta1=0.9, beta2=0.999, eps=1e-8)
    assert [float(a["w[1]"]), float(a["w[2]"])] == pytest.approx([p[0] for p in want], rel=1e-12)
    assert a["w[1]"] == sympy.Rational(1) + sympy.Rational(1, 2) * 4 / (4 + sympy.Rational(1, 10**8))  # exact
    md = w.markdown()
    assert r"\hat{m}_{t} &= \frac{m_{t}}{1 - \beta_{1}^{t}}" in md
    assert r"\hat{v}_{1} &= \frac{v_{1}}{1 - \beta_{2}^{1}} = \frac{0.016}{1 - 0.999^{1}} = 16" in md
    assert r"\sqrt{16} + 10^{-8}" in md


# -- stationary points, classified by the Hessian --------------------------------------------------------------------
HESSIANS = {
    "x^2 + y^2": ["minimum"],
    "x^2 - y^2": ["saddle"],
    "-x^2 - 2*y^2 + x*y": ["maximum"],
    "x^4 + y^2": ["undecided"],
    "x^3 - 3*x + y^2": ["saddle", "minimum"],  # at x = -1 and x = 1
}


@pytest.mark.parametrize("function", list(HESSIANS))
def test_stationary_points_are_classified_by_the_hessians_eigenvalues(function, write):
    text = problem(f"  function: {function}\n  start: {{x: 1, y: 1}}\n  step_size: 0.1\n",
                   "parts:\n  - ask: stationary_points\n")
    a = answers(neuralsolve.solve(write(text)))
    x, y = sympy.symbols("x y")
    f = sympy.sympify(function.replace("^", "**"))
    H = sympy.hessian(f, (x, y))
    types = []
    for i in range(1, len(HESSIANS[function]) + 1):
        px, py = a[f"stationary_point_{i}"]
        assert sympy.diff(f, x).subs({x: px, y: py}) == 0 and sympy.diff(f, y).subs({x: px, y: py}) == 0
        eig = [float(e) for e in H.subs({x: px, y: py}).eigenvals(multiple=True)]
        want = "minimum" if min(eig) > 0 else "maximum" if max(eig) < 0 else \
            "saddle" if min(eig) < 0 < max(eig) else "undecided"
        assert str(a[f"stationary_point_{i}_type"]) == want
        types.append(want)
    assert types == HESSIANS[function] and f"stationary_point_{len(types) + 1}" not in a


def test_distance_to_a_given_point(write):
    text = problem("  function: x^2 - y^2\n  start: {x: 3, y: 4}\n  step_size: 0.1\n",
                   "parts:\n  - ask: [steps, {distance: {to: {x: 0, y: 0}}}]\n")
    a = answers(neuralsolve.solve(write(text)))
    assert a["x[1]"] == sympy.Rational("2.4") and a["y[1]"] == sympy.Rational("4.8")
    assert a["distance[1]"] == sympy.sqrt(sympy.Rational("2.4") ** 2 + sympy.Rational("4.8") ** 2)


# -- located errors -------------------------------------------------------------------------------------------------
ONE = "  function: x^2\n  start: {x: 1}\n  step_size: 0.1\n"
ERRORS = {
    "optimizer typo": (problem(ONE + "  optimizer: adma\n"), "6:14: unknown optimizer 'adma'; did you mean 'adam'?"),
    "optimizer mapping typo": (problem(ONE + "  optimizer: {momentom: {beta: 0.9}}\n"),
                               "6:15: unknown optimizer 'momentom'; did you mean 'momentum'?"),
    "setting typo": (problem(ONE + "  optimizer: {adam: {beta: 0.9}}\n"),
                     "6:22: unknown key 'beta' in the adam settings; did you mean 'beta2'?"),
    "beta out of range": (problem(ONE + "  optimizer: {momentum: {beta: 1.5}}\n"),
                          "6:32: momentum beta must be at least 0 and below 1, such as 0.9"),
    "gd with settings": (problem(ONE + "  optimizer: {gd: {beta: 0.5}}\n"),
                         "6:19: gd takes no settings; write it as the word gd"),
    "step size not a number": (problem("  function: x^2\n  start: {x: 1}\n  step_sizes: [0.1, fast]\n"),
                               "5:21: a step size must be a number such as 0.1, not 'fast'"),
    "negative step size": (problem("  function: x^2\n  start: {x: 1}\n  step_sizes: [-0.1]\n"),
                           "5:16: a step size must be above 0, not -0.1"),
    "no steps": (problem(ONE + "  steps: 0\n"), "6:10: steps must be a whole number from 1 to 1000"),
    "too many steps": (problem(ONE + "  steps: 1001\n"), "6:10: steps must be a whole number from 1 to 1000"),
    "variable without a start": (problem("  function: x^2 + y^2\n  start: {x: 1}\n  step_size: 0.1\n"),
                                 "4:10: the function uses y, which has no start value; add y: <number> to start"),
    "start of an unused name": (problem("  function: x^2\n  start: {x: 1, z: 2}\n  step_size: 0.1\n"),
                                "4:17: start gives z, which the function does not use; its variables are x"),
    "no step size": (problem("  function: x^2\n  start: {x: 1}\n"),
                     "3:3: optimize needs a step size: step_sizes: [0.01, 0.1] or step_size: 0.1"),
    "key typo": (problem(ONE + "  stpes: 3\n"), "6:3: unknown key 'stpes' in optimize; did you mean 'steps'?"),
    "unknown ask": (problem(ONE, "parts:\n  - ask: gradients\n"),
                    "7:10: unknown ask 'gradients'; did you mean 'gradient'?"),
    "distance without a minimum": (problem("  function: x^2 - y^2\n  start: {x: 1, y: 1}\n  step_size: 0.1\n",
                                           "parts:\n  - ask: distance\n"),
                                   "7:10: distance: the function has no minimum; say which point to measure to, "
                                   "as in distance: {to: {x: 0, y: 0}}"),
    "a line of stationary points": (problem("  function: (x - y)^2\n  start: {x: 1, y: 0}\n  step_size: 0.1\n",
                                            "parts:\n  - ask: stationary_points\n"),
                                    "7:10: grad f = 0 holds on a whole curve or line of points, not at isolated "
                                    "points; classify isolated stationary points only"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_is_located_and_exact(case, write):
    text, message = ERRORS[case]
    path = write(text)
    assert_located(run("solve", path), path, message)


# -- question sheet, check, verify, exams, variants -----------------------------------------------------------------
def test_the_question_sheet_states_the_problem_and_asks_each_part():
    from neuralsolve.statement import statement

    st = statement(neuralsolve.load(STEP_SIZES))
    assert st.rows[0][0].lhs_text == "f(x, y)" and st.rows[0][0].forms[0].text == "y^2 + (y - x)^2"
    assert st.questions[0].text == ("Find the gradient of f, each partial derivative written out. Find every "
                                    "stationary point of f, where the gradient is zero, and say whether each is a "
                                    "minimum, a maximum or a saddle point.")
    assert st.questions[1].text == ("Starting from (x_0, y_0) = (1, 1), take one step of gradient descent with each "
                                    "step size η = 0.01, 0.1 and 10, giving each iterate (x_k, y_k). Give the L2 "
                                    "distance of each iterate from the minimum of f.")
    assert st.questions[2].text == "Say whether the iterates converge, oscillate or diverge, for each step size."


def test_check_marks_a_right_and_a_wrong_answer(write, tmp_path):
    submitted = write('"y[1]@s=0.1": 0.8\n"y[1]@s=10": 19\n"distance[1]@s=0.01": 1.40\n'
                      "stationary_point_1_type: minimum\n", "answers.yaml")
    key = tmp_path / "key.json"
    assert run("render", STEP_SIZES, "--json", "-o", key).exit_code == 0
    for reference in (STEP_SIZES, key):
        r = run("check", reference, submitted, "--sig-figs", 3)
        assert r.exit_code == 1, r.output
        lines = {line.split("│")[0].strip(): line for line in r.output.splitlines() if "│" in line}
        assert "right" in lines["y[1]@s=0.1"] and "right" in lines["distance[1]@s=0.01"]
        assert "right" in lines["stationary_point_1_type"]
        assert "wrong" in lines["y[1]@s=10"] and "-19" in lines["y[1]@s=10"]


@pytest.mark.parametrize("path", [STEP_SIZES, MOMENTUM, ADAM], ids=lambda p: p.stem)
def test_verify_agrees(path):
    r = run("render", path, "--json", "--verify")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["notes"][-1].startswith("Verified: all")


def test_verify_reruns_a_function_of_the_catalogues_activations(write):
    text = problem("  function: softplus(x) + relu(y - 1) + y^2\n  start: {x: 1, y: 2}\n  step_size: 0.1\n"
                   "  steps: 2\n", "parts:\n  - ask: [steps, loss]\n")
    r = run("render", write(text), "--json", "--verify")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["notes"][-1].startswith("Verified: all 6 answers agree")


def test_verify_detects_a_wrong_iterate():
    from neuralsolve.answers import compute
    from neuralsolve.kinds.optimize import verify

    p = neuralsolve.load(MOMENTUM)
    values = dict(compute(p)[1].values)
    values["y[2]"] = values["y[2]"] + sympy.Rational(1, 100)
    ok, note = verify(p, values)
    assert not ok and note == "Verification FAILED for y[2]: recomputed another way, they differ."


@pytest.mark.slow
def test_an_exam_with_an_optimize_question_builds_and_its_key_marks(tmp_path, write):
    exam = write(f"exam:\n  title: T\n  questions:\n    - {STEP_SIZES}\n    - {{file: {MOMENTUM}, marks: 6}}\n",
                 "exam.yaml")
    r = run("exam", exam, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    doc = json.loads((folder / "answers.json").read_text())
    assert doc["answers"]["Q1.y[1]@s=10"] == "-19" and doc["answers"]["Q2.x[3]"] == "151/250"
    sheet, key = (folder / "questions.tex").read_text(), (folder / "key.tex").read_text()
    assert "step size" in sheet and r"\sqrt{362}" not in sheet and r"\sqrt{362}" in key
    sub = write('"Q1.y[1]@s=0.1": 0.8\n"Q2.x[3]": 0.605\n', "sub.yaml")
    r = run("check", folder / "answers.json", sub)
    lines = {line.split("│")[0].strip(): line for line in r.output.splitlines() if "│" in line}
    assert "right" in lines["Q1.y[1]@s=0.1"] and "wrong" in lines["Q2.x[3]"]


RANDOM = """title: A randomized gradient step
random:
  draw:
    a: {integers: [1, 3]}
    x0: {integers: [-2, 2], exclude: [0]}
    eta: {choice: [0.1, 0.2]}
  where:
    - f[2] < f[1]
optimize:
  function: a*x^2 + (y - 1)^2
  start: {x: x0, y: 0}
  step_size: eta
  steps: 2
parts:
  - ask: [steps, loss]
"""


@pytest.mark.parametrize("code", ["000000", "000001", "3K7Q0M"])
def test_randomized_variants(code, write):
    w = neuralsolve.solve(write(RANDOM), variant=code)
    a_, x0, eta = (sympy.sympify(w.solution.draws[k]) for k in ("a", "x0", "eta"))
    got = answers(w)
    x1 = x0 - eta * 2 * a_ * x0
    assert got["x[1]"] == x1 and got["x[2]"] == x1 - eta * 2 * a_ * x1
    assert got["y[1]"] == 2 * eta and got["f[2]"] < got["f[1]"]


def test_a_condition_may_read_an_answer_of_one_step_size(write):
    """x[1]@s=0.1 in a where: condition (the answer names of a run at several step sizes)."""
    path = write("title: random start\nrandom:\n  draw:\n    a: {integers: [1, 3]}\n  where:\n"
                 "    - f[1]@s=0.1 < f[1]@s=10\noptimize:\n  function: (x - a)^2 + y^2\n  start: {x: 0, y: 1}\n"
                 "  step_sizes: [0.1, 10]\n  steps: 1\nparts:\n  - ask: [steps, loss]\n")
    a = neuralsolve.solve(path).answers
    assert sympy.sympify(a["f[1]@s=0.1"]) < sympy.sympify(a["f[1]@s=10"])

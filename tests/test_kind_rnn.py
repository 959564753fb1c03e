"""The rnn kind: the seed's numbers (exam 2022 Q2), BPTT against sympy.diff, designs, errors, and the workflows."""

from __future__ import annotations

import json
import random

import pytest
import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli
from neuralsolve.errors import ProblemError

from .conftest import ROOT

PROBLEMS = ROOT / "problems"
SEED = """title: t
rnn:
  equations:
    h[t]: f(w1*x[t] + w2*h[t-1] + b2)
    y[t]: g(w3*h[t] + b3)
  functions: {f: step, g: identity}
  values: {w1: 1, w2: -3, w3: 5, b2: 1, b3: 3}
  initial: {h: 0}
  inputs: {x: [5, 3, 1]}
"""


def answers(source) -> dict:
    w = neuralsolve.solve(source) if not isinstance(source, str) else neuralsolve.solve_text(source)
    return {k: sympy.sympify(v) for k, v in w.answers.items()}


def doc(name: str) -> dict:
    return json.loads(neuralsolve.solve(PROBLEMS / f"{name}.yaml").json())


def blocks(d: dict) -> list[dict]:
    return [b for p in d["parts"] for b in p["steps"]]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# -- exam 2022, question 2 -------------------------------------------------------------
def test_forward_matches_exam_2022_q2c():
    a = answers(PROBLEMS / "rnn-threshold-forward.yaml")
    assert [a[f"y[{t}]"] for t in (1, 2, 3)] == [8, 8, 3]
    assert [a[f"h[{t}]"] for t in (1, 2, 3)] == [1, 1, 0]


def test_forward_is_written_step_by_step_as_the_seed_writes_it():
    md = neuralsolve.solve(PROBLEMS / "rnn-threshold-forward.yaml").markdown()
    # h_1 = f(w1 x1 + w2 h0 + b2) = f((1 x 5) + (-3 x 0) + 1) = 1, and y_1 = g(w3 h1 + b3) = g((5 x 1) + 3) = 8
    assert (r"h_{1} &= f{\left(w_{1} x_{1} + w_{2} h_{0} + b_{2}\right)} = "
            r"f{\left(1 \cdot 5 + \left(-3\right) \cdot 0 + 1\right)} = 1") in md
    assert r"y_{1} &= g{\left(w_{3} h_{1} + b_{3}\right)} = g{\left(5 \cdot 1 + 3\right)} = 8" in md
    assert r"h_{3} &= f{\left(w_{1} x_{3} + w_{2} h_{2} + b_{2}\right)} = " \
           r"f{\left(1 \cdot 1 + \left(-3\right) \cdot 1 + 1\right)} = 0" in md
    table = next(b["table"] for b in blocks(doc("rnn-threshold-forward")) if "table" in b)
    assert table["header"] == ["t", "x[t]", "h[t]", "y[t]"]
    assert table["rows"] == [["0", "", "0", ""], ["1", "5", "1", "8"], ["2", "3", "1", "8"], ["3", "1", "0", "3"]]


def test_hidden_state_is_the_inner_part_of_the_equation_exam_2022_q2a():
    md = neuralsolve.solve(PROBLEMS / "rnn-threshold-forward.yaml").markdown()
    assert r"h_{t} &= f{\left(w_{1} x_{t} + w_{2} h_{t-1} + b_{2}\right)}" in md
    # and where it sits in the seed's equation (1), y_t = g(w3 f(w1 x_t + w2 h_(t-1) + b2) + b3)
    assert r"g{\left(w_{3} f{\left(w_{1} x_{t} + w_{2} h_{t-1} + b_{2}\right)} + b_{3}\right)}" in md


W1, W2, W3, B2, B3 = sympy.symbols("w1 w2 w3 b2 b3")
SEED_X = [0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0]
SEED_Y = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1]


def simulate_threshold(weights, xs):
    """The seed's network run by hand: h_t = step(w1 x_t + w2 h_(t-1) + b2), y_t = w3 h_t + b3, h_0 = 0."""
    h, out = 0, []
    for x in xs:
        h = 1 if weights[W1] * x + weights[W2] * h + weights[B2] >= 0 else 0
        out.append(weights[W3] * h + weights[B3])
    return out


def test_design_matches_exam_2022_q2d_and_its_weights_work():
    a = answers(PROBLEMS / "rnn-threshold-design.yaml")
    constraints = a["constraints"]
    assert set(constraints) == {sympy.Eq(W3, 1), sympy.Eq(B3, 0), B2 < 0, W1 + B2 >= 0, W2 + B2 >= 0}
    weights = {s: a[s.name] for s in (W1, W2, W3, B2, B3)}
    assert weights == {W1: 1, W2: 1, W3: 1, B2: -1, B3: 0}  # the smallest integers that do
    assert all(c.subs(weights) == sympy.true for c in constraints)
    assert simulate_threshold(weights, SEED_X) == SEED_Y


def test_design_says_the_case_the_seed_misses_is_implied():
    """The seed's answer drops (h_(t-1), x_t) = (1, 1); it is reached at t = 9, and w1 + w2 + b2 >= 0 follows."""
    d = doc("rnn-threshold-design")
    prose = [b.get("prose", "") for b in blocks(d)]
    assert ("The case h[t-1] = 1, x[t] = 1 (t = 9) needs w1 + w2 + b2 ≥ 0, but the other constraints already "
            "imply it:") in prose
    proof = next(b for b in blocks(d) if b.get("quantity", "").startswith("implied"))
    assert proof["text"] == ["w1 + w2 + b2 = (w1 + b2) + (w2 + b2) + (-b2)"]
    # and the proof is right: the identity holds and each bracket is >= 0 (> 0) under the stated constraints
    assert sympy.expand((W1 + B2) + (W2 + B2) + (-B2) - (W1 + W2 + B2)) == 0
    cases = next(b["table"] for b in blocks(d) if b.get("quantity") == "cases h")
    assert cases["rows"][-1][:3] == ["1", "1", "1"] and cases["rows"][-1][4] == "w1 + w2 + b2 ≥ 0"


def test_design_names_the_cases_the_examples_never_reach(write):
    text = SEED.replace("  values: {w1: 1, w2: -3, w3: 5, b2: 1, b3: 3}\n", "") + """parts:
  - ask:
      design:
        unknowns: [w1, w2, w3, b2, b3]
        examples:
          - {x: [0, 1, 0], h: [0, 1, 1], y: [0, 1, 1]}
"""
    w = neuralsolve.solve(write(text))
    out = json.loads(w.json())
    prose = [b.get("prose", "") for b in blocks(out)]
    assert "The examples never reach (h[t-1], x[t]) = (1, 1), so nothing is required there." in prose
    a = {k: sympy.sympify(v) for k, v in w.answers.items()}
    weights = {s: a[s.name] for s in (W1, W2, W3, B2, B3)}
    assert simulate_threshold(weights, [0, 1, 0]) == [0, 1, 1]


def test_design_that_no_weights_can_meet_says_so(write):
    text = SEED.replace("  values: {w1: 1, w2: -3, w3: 5, b2: 1, b3: 3}\n", "") + """parts:
  - ask:
      design:
        unknowns: [w1, w2, w3, b2, b3]
        examples:
          - {x: [0, 0], h: [0, 1], y: [0, 1]}
"""
    w = neuralsolve.solve(write(text))
    assert "No weights satisfy all of these constraints together" in w.markdown()
    assert "w1" not in w.answers  # no weights are chosen


# -- backpropagation through time ------------------------------------------------------
def bptt_loss(u, v, w, cut=None, H=None):
    """The rnn-bptt problem's loss, written out by hand: h_t = tanh(u x_t + v h_(t-1)), y_t = w h_t + 1/2."""
    xs, ys = [1, 2, -1], [1, 1, 0]
    h, loss = sympy.S.Zero, sympy.S.Zero
    for t, (x, y) in enumerate(zip(xs, ys), start=1):
        h = H if t == cut else sympy.tanh(u * x + v * h)
        loss += (w * h + sympy.Rational(1, 2) - y) ** 2 / 2
    return loss


def test_bptt_gradients_agree_with_sympy_diff_of_the_whole_unrolled_loss():
    a = answers(PROBLEMS / "rnn-bptt.yaml")
    u, v, w = sympy.symbols("u v w")
    # the point u = 1/2, v = -1, w = 2 at 60 digits, so that the nested tanh is evaluated as it is built
    at = {u: sympy.Float("0.5", 60), v: sympy.Float(-1, 60), w: sympy.Float(2, 60)}
    for name, sym in (("u", u), ("v", v), ("w", w)):
        others = {k: val for k, val in at.items() if k != sym}
        truth = sympy.diff(bptt_loss(u, v, w).xreplace(others), sym).xreplace(at)
        assert abs(sympy.N(a[f"dL/d{name}"] - truth, 40)) < 1e-25, name
    H = sympy.Symbol("H")
    point = list(at.values())
    for t in (1, 2, 3):  # dL/dh_t: the loss with h_t cut loose from its own definition
        truth = sympy.diff(bptt_loss(*point, cut=t, H=H), H).subs(H, a[f"h[{t}]"])
        assert abs(sympy.N(a[f"dL/dh[{t}]"] - truth, 40)) < 1e-25, t
    assert abs(sympy.N(a["L"] - bptt_loss(*point), 40)) < 1e-25


def test_bptt_shows_each_state_gradient_as_its_two_contributions():
    d = doc("rnn-bptt")
    lines = [line for b in blocks(d) for line in b.get("text", [])]

    def line(lhs):
        return next(x for x in lines if x.startswith(lhs + " = "))

    # dL/dh_1 = dL/dy_1 dy_1/dh_1 + dL/dh_2 dh_2/dh_1: through y_1 and through the next state h_2
    assert line("∂L/∂h[1]").startswith(
        "∂L/∂h[1] = ∂L/∂y[1]·∂y[1]/∂h[1] + ∂L/∂h[2]·∂h[2]/∂h[1] = ∂L/∂y[1]·w + ∂L/∂h[2]·(1 - h[2]^2)·v = "
        "0.4242·2 + 1.830·(1 - 0.4914^2)·(-1) ≈ -0.5397")
    assert line("∂L/∂h[3]") == "∂L/∂h[3] = ∂L/∂y[3]·∂y[3]/∂h[3] = ∂L/∂y[3]·w = (-1.016)·2 ≈ -2.032"
    # a shared weight collects one term per time step
    assert line("∂L/∂u").startswith("∂L/∂u = ∂L/∂h[1]·∂h[1]/∂u + ∂L/∂h[2]·∂h[2]/∂u + ∂L/∂h[3]·∂h[3]/∂u = "
                                    "∂L/∂h[1]·(1 - h[1]^2)·x[1] + ")
    # backward through time: the last step first, the parameters last
    order = [x.split(" = ")[0] for x in lines if x.startswith("∂L/∂")]
    assert order == ["∂L/∂y[3]", "∂L/∂h[3]", "∂L/∂y[2]", "∂L/∂h[2]", "∂L/∂y[1]", "∂L/∂h[1]", "∂L/∂u", "∂L/∂v",
                     "∂L/∂w"]


def random_linear_rnn(seed: int) -> tuple[str, dict]:
    """A random identity RNN with rational weights and a custom loss, and its numbers."""
    rng = random.Random(seed)
    steps = rng.randint(1, 4)
    num = lambda: sympy.Rational(rng.randint(-4, 4), rng.choice([1, 2, 3]))  # noqa: E731
    p = {n: num() for n in ("a", "b", "c", "d")}
    xs, ys, h0 = [num() for _ in range(steps)], [num() for _ in range(steps)], num()
    text = f"""title: oracle
rnn:
  equations:
    h[t]: a*x[t] + b*h[t-1] + c
    y[t]: d*h[t]^2
  values: {{{', '.join(f'{k}: "{v}"' for k, v in p.items())}}}
  initial: {{h: "{h0}"}}
  inputs: {{x: [{', '.join(f'"{x}"' for x in xs)}]}}
  targets: {{y: [{', '.join(f'"{y}"' for y in ys)}]}}
  loss: (y[t] - target[t])^2 + y[t]
"""
    return text, {"p": p, "xs": xs, "ys": ys, "h0": h0}


@pytest.mark.parametrize("seed", range(8))
def test_oracle_exact_gradients_of_random_linear_rnns(seed):
    text, n = random_linear_rnn(seed)
    a = answers(text)
    s = {k: sympy.Symbol(k) for k in n["p"]}
    h, loss = n["h0"], 0
    for x, y in zip(n["xs"], n["ys"]):
        h = s["a"] * x + s["b"] * h + s["c"]
        out = s["d"] * h ** 2
        loss += (out - y) ** 2 + out
    point = {s[k]: v for k, v in n["p"].items()}
    for k in n["p"]:
        assert a[f"dL/d{k}"] == sympy.diff(loss, s[k]).xreplace(point), k  # exact: rationals stay rationals


def test_randomized_rnn_variants_redraw_and_compute_what_was_drawn():
    text = """title: randomized
random:
  draw:
    p: {integers: [-2, 2]}
    X: {integers: [-1, 2], shape: [3]}
  where:
    - dL/dw2 != 0
rnn:
  equations:
    h[t]: w1*x[t] + w2*h[t-1]
    y[t]: w3*h[t]
  values: {w1: 1, w2: p, w3: 2}
  initial: {h: 0}
  inputs: {x: X}
  targets: {y: [1, 0, 1]}
parts:
  - ask: forward
  - ask: {gradients: [w1, w2, w3]}
"""
    for code in ("000000", "3K7Q0M", "ZZZZZZ"):
        w = neuralsolve.solve_text(text, "rand.yaml", variant=code)
        a = {k: sympy.sympify(v) for k, v in w.answers.items()}
        p = sympy.Rational(w.solution.draws["p"])
        xs = [sympy.Rational(x) for x in w.solution.draws["X"]]
        h, hs = 0, []
        for x in xs:
            h = x + p * h
            hs.append(h)
        assert [a[f"h[{t}]"] for t in (1, 2, 3)] == hs
        assert a["dL/dw2"] != 0


def test_symbolic_values_give_answers_in_the_problems_own_names(write):
    text = """title: symbolic
rnn:
  equations:
    h[t]: a*x[t] + b*h[t-1]
    y[t]: c*h[t]
  values: {a: 1, b: r}
  initial: {h: h0}
  inputs: {x: [1, 2]}
  targets: {y: [0, 1]}
parts:
  - ask: {gradients: [a, b, c]}
"""
    a = answers(write(text))
    r, c, h0, b = sympy.symbols("r c h0 b")
    h1 = 1 + b * h0
    loss = (c * h1) ** 2 / 2 + (c * (2 + b * h1) - 1) ** 2 / 2
    assert sympy.simplify(a["dL/db"] - sympy.diff(loss, b).subs(b, r)) == 0
    assert sympy.simplify(a["h[2]"] - (2 + r * (1 + r * h0))) == 0


def test_the_loss_is_summed_over_time_steps_by_default_as_half_squared():
    a = answers(SEED + "  targets: {y: [8, 7, 0]}\n")
    assert a["L"] == sympy.Rational(0 + 1 + 9, 2)  # y = 8, 8, 3 against 8, 7, 0


# -- located errors ----------------------------------------------------------------------
ERRORS = [
    ("w2*h[t-1]", "w2*z[t-1]", "4:24: z[t] is not defined: 'z' is neither an equation (z[t]: ...) nor an input "
                               "(inputs: {z: [...]})"),
    ("h[t-1]", "h[t+1]", "4:26: h[t+1] looks ahead in time; an equation at step t may read only [t] and [t-1], "
                         "as in h[t-1]"),
    ("h[t-1]", "h[t-2]", "4:26: h[t-2] reaches back more than one step; only [t] and [t-1] are supported"),
    ("g(w3", "k(w3", "5:11: the function 'k' is not given; name it under functions, as in functions: {k: tanh}"),
    ("inputs: {x: [5, 3, 1]}", "inputs: {x: [5, 3, 1], u: [1, 2]}",
     "9:29: inputs: u has 2 values but x has 3; every input sequence needs one value per time step"),
    ("  initial: {h: 0}\n", "", "4:24: h[t-1] at t = 1 needs a starting value h[0]: give initial: {h: 0}"),
    ("f: step", "f: stepp", "6:18: unknown function 'stepp' for f (give a catalogue name or an expression in x); "
                            "did you mean 'step'?"),
    ("w1: 1,", "w1: [1, 2],", "4:11: the equation for h[t] computes a 2-vector, but h[0] is a scalar"),
    ("w3*h[t]", "w3*h", "5:14: h is a sequence; write h[t] or h[t-1]"),
    ("y[t]:", "y[t-1]:", "5:5: an equation defines a quantity at step t, written like h[t], not 'y[t-1]'"),
    ("w1*x[t]", "w1*x[t-1]", "4:14: x is an input, given for t = 1 to 3; read it as x[t] (at t = 1, x[t-1] would "
                             "need x[0])"),
    ("w2*h[t-1]", "w2*y[t]", "4:5: the equations at step t form a cycle through h[t]; read one of them at t-1"),
    ("g(w3*h[t] + b3)", "g(w3*h[t], b3)", "5:11: g takes one argument, as in g(w1*x[t] + b)"),
    ("w3*h[t] + b3", "w3*h[t] + + * b3", "5:25: cannot read the equation for y[t] 'w3*h[t] + + * b3': invalid syntax"),
    ("b3: 3}", "b3: 3, w9: 2}", "7:48: 'w9' is not used by any equation; expected one of: b2, b3, w1, w2, w3"),
]


@pytest.mark.parametrize("old, new, message", ERRORS, ids=[e[2].split(": ", 1)[1][:40] for e in ERRORS])
def test_each_error_is_located_and_says_what_would_be_right(write, old, new, message):
    assert old in SEED
    path = write(SEED.replace(old, new, 1))
    with pytest.raises(ProblemError) as exc:
        neuralsolve.solve(path)
    assert str(exc.value) == f"{path}:{message}"


PART_ERRORS = [
    ("  targets: {y: [1, 2]}\n", "10:16: targets: y has 2 values, but the inputs have 3 time steps"),
    ("  targets: {y: [1, 2, 3]}\n  loss: (y[t] - target[t])^2 + w1\n",
     "11:32: the loss may use only y[t] and target[t]; 'w1' is neither"),
    ("  loss: half_squared\n", "10:9: a loss needs targets: give targets: {y: [...]}, one per time step"),
    ("parts:\n  - ask: {gradients: [w1]}\n",
     "11:10: gradients needs a loss: give the rnn block targets: {y: [...]} (and a loss, default half_squared)"),
    ("parts:\n  - ask:\n      design:\n        unknowns: [w1, q]\n        examples:\n"
     "          - {x: [0, 1], h: [0, 1]}\n",
     "13:24: 'q' is not a parameter of the equations; expected one of: b2, b3, w1, w2, w3"),
    ("parts:\n  - ask:\n      design:\n        unknowns: [w1, w2, w3, b2, b3]\n        examples:\n"
     "          - {x: [0, 1], y: [0, 1]}\n",
     "15:13: the example gives y but not h, which y[t] reads; give the wanted h: [...] too (for an output equal to "
     "the hidden state, give the same values)"),
    ("parts:\n  - ask:\n      design:\n        unknowns: [w1, w2, w3, b2, b3]\n        examples:\n"
     "          - {x: [0, 1], h: [0, 1, 1]}\n",
     "15:28: the example's h has 3 values but its x has 2; give one value per time step"),
]


@pytest.mark.parametrize("tail, message", PART_ERRORS, ids=[e[1].split(": ", 1)[1][:40] for e in PART_ERRORS])
def test_errors_in_targets_loss_and_asks_are_located(write, tail, message):
    path = write(SEED + tail)
    with pytest.raises(ProblemError) as exc:
        neuralsolve.solve(path)
    assert str(exc.value) == f"{path}:{message}"


def test_forward_without_inputs_is_an_error_and_the_cli_says_it_in_one_line(write):
    path = write(SEED.replace("  inputs: {x: [5, 3, 1]}\n", "") + "parts:\n  - ask: forward\n")
    r = run("solve", path)
    assert r.exit_code == 2
    assert r.stderr == f"{path}:10:10: forward needs the input sequences: give inputs: {{x: [...]}} in the rnn block\n"


# -- answers, check, verify, exams --------------------------------------------------------
@pytest.mark.parametrize("name", ["rnn-threshold-forward", "rnn-threshold-design", "rnn-bptt"])
def test_json_answers_read_back_with_sympify(name):
    for key, value in doc(name)["answers"].items():
        v = sympy.sympify(value)
        assert v is not None, key
        if key == "constraints":
            assert isinstance(v, list) and all(isinstance(c, sympy.core.relational.Relational) for c in v)


def test_check_marks_one_right_and_one_wrong_answer(tmp_path):
    answers_file = tmp_path / "a.yaml"
    answers_file.write_text("y[1]: 8\ny[3]: 5\n", encoding="utf-8")
    r = run("check", PROBLEMS / "rnn-threshold-forward.yaml", answers_file)
    assert r.exit_code == 1
    lines = {line.split()[0]: line for line in r.output.splitlines() if line.strip().startswith(("y[", "h["))}
    assert "right" in lines["y[1]"] and "wrong" in lines["y[3]"] and " 3 " in lines["y[3]"]
    assert "missing" in lines["h[2]"]


@pytest.mark.slow
def test_verify_checks_gradients_forward_values_and_designs():
    for name, needle in (("rnn-bptt", "Verified: all 9 gradients agree with sympy.diff of the whole loss expression."),
                         ("rnn-threshold-forward", "Verified: re-running the recurrence by direct substitution gives "
                                                   "the same 6 values."),
                         ("rnn-threshold-design", "Verified: the weights satisfy all 5 constraints, and re-running the "
                                                  "recurrence with them reproduces the wanted values of the example.")):
        r = run("render", PROBLEMS / f"{name}.yaml", "--markdown", "--verify")
        assert r.exit_code == 0, r.output
        assert needle in r.output


def test_an_exam_with_rnn_questions_builds(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"""exam:
  title: Recurrent networks
  questions:
    - {PROBLEMS / 'rnn-threshold-forward.yaml'}
    - {{file: {PROBLEMS / 'rnn-threshold-design.yaml'}, marks: 10}}
    - {PROBLEMS / 'rnn-bptt.yaml'}
""", encoding="utf-8")
    r = run("exam", exam, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    key = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    assert key["answers"]["Q1.y[3]"] == "3"
    assert sympy.sympify(key["answers"]["Q2.constraints"])[0] == sympy.Eq(W3, 1)
    sheet = (folder / "questions.tex").read_text(encoding="utf-8")
    assert r"h_{t} &= f{\left(w_{1} x_{t} + w_{2} h_{t-1} + b_{2}\right)}" in sheet
    assert "Which part of the equations defines the current hidden state $h_{t}$?" in sheet
    assert "the input $x$ = 00001000100 must give $h$ = 00001111111 and $y$ = 00001111111" in sheet


# -- names ------------------------------------------------------------------------------
def test_indexed_names_print_with_their_time_as_a_subscript():
    from neuralsolve.kinds.rnn.model import indexed_tex

    assert indexed_tex("h", "1") == "h_{1}"
    assert indexed_tex("h_{2}", "t-1") == "h_{2,t-1}"  # a layer's own digit and the time, side by side
    assert indexed_tex("y", "3", star=True) == r"y^{\ast}_{3}"
    w = neuralsolve.solve_text(SEED.replace("h[", "h2[").replace("initial: {h:", "initial: {h2:"))
    assert r"h_{2,1} &= f{\left(w_{1} x_{1} + w_{2} h_{2,0} + b_{2}\right)}" in w.markdown()
    assert w.answers["h2[1]"] == "1"


# -- vector and matrix recurrences ---------------------------------------------------------
VECTOR = """title: v
rnn:
  equations:
    h[t]: tanh(W @ x[t] + U @ h[t-1] + b)
    y[t]: V @ h[t] + c
  values: {W: [[1, -2, 0.5], [0.5, 1, -1]], U: [[0.5, -1], [0.25, 0.5]], b: [0.1, -0.2], V: [[1, 2], [-1, 0.5]],
           c: [0, 0.5]}
  initial: {h: [0.5, -0.5]}
  inputs: {x: [[1, 0, 2], [0, 1, -1], [1, 1, 1]]}
  targets: {y: [[1, 0], [0, 1], [1, 1]]}
parts:
  - ask: [forward, loss, {gradients: [W, U, b, V, c]}]
"""
VECTOR_VALUES = {"W": [[1, -2, 0.5], [0.5, 1, -1]], "U": [[0.5, -1], [0.25, 0.5]], "b": [0.1, -0.2],
                 "V": [[1, 2], [-1, 0.5]], "c": [0, 0.5]}


def _vector_run(p: dict) -> tuple[list, list, float]:
    """The recurrence in plain floats: h_t = tanh(W x_t + U h_(t-1) + b), y_t = V h_t + c, L = sum 1/2 |y - y*|^2."""
    import math

    def mv(m, v):
        return [sum(a * b for a, b in zip(row, v)) for row in m]

    xs, ts = [[1, 0, 2], [0, 1, -1], [1, 1, 1]], [[1, 0], [0, 1], [1, 1]]
    h, hs, ys, loss = [0.5, -0.5], [], [], 0.0
    for x, t in zip(xs, ts):
        h = [math.tanh(a + b + c) for a, b, c in zip(mv(p["W"], x), mv(p["U"], h), p["b"])]
        y = [a + c for a, c in zip(mv(p["V"], h), p["c"])]
        hs.append(h)
        ys.append(y)
        loss += sum(0.5 * (a - b) ** 2 for a, b in zip(y, t))
    return hs, ys, loss


def test_vector_forward_matches_plain_floats():
    got = answers(VECTOR)
    hs, ys, loss = _vector_run(VECTOR_VALUES)
    for t in range(3):
        for i in range(2):
            assert float(got[f"h[{t + 1}]_{i + 1}"]) == pytest.approx(hs[t][i], abs=1e-12)
            assert float(got[f"y[{t + 1}]_{i + 1}"]) == pytest.approx(ys[t][i], abs=1e-12)
    assert float(got["L"]) == pytest.approx(loss, abs=1e-12)


def test_vector_bptt_gradients_match_finite_differences():
    import copy

    got = answers(VECTOR)
    count = 0
    for name, value in VECTOR_VALUES.items():
        rows = value if isinstance(value[0], list) else [value]
        for i, row in enumerate(rows):
            for j in range(len(row)):
                def at(d):
                    p = copy.deepcopy(VECTOR_VALUES)
                    if isinstance(value[0], list):
                        p[name][i][j] += d
                    else:
                        p[name][j] += d
                    return _vector_run(p)[2]
                key = f"dL/d{name}_{i + 1}_{j + 1}" if isinstance(value[0], list) else f"dL/d{name}_{j + 1}"
                numeric = (at(1e-6) - at(-1e-6)) / 2e-6
                assert float(got[key]) == pytest.approx(numeric, abs=1e-6), key
                count += 1
    assert count == 6 + 4 + 2 + 4 + 2


def test_vector_problem_file_forward_and_answers_per_unit():
    d = doc("rnn-vector")
    a = d["answers"]
    assert sympy.sympify(a["h[1]_1"]) == sympy.tanh(1) and sympy.sympify(a["h[1]_2"]) == 0
    import math
    h2 = [math.tanh(0.5 * math.tanh(1)), math.tanh(1)]
    assert float(sympy.sympify(a["h[2]_1"])) == pytest.approx(h2[0], abs=1e-12)
    assert float(sympy.sympify(a["y[2]_1"])) == pytest.approx(sum(h2), abs=1e-12)
    assert {"dL/dU_1_2", "dL/dV_1_1", "dL/dV_1_2"} <= set(a)
    text = neuralsolve.solve(PROBLEMS / "rnn-vector.yaml").markdown()
    assert (r"\mathbf{h}_{1} &= \tanh\left(\mathbf{W} \mathbf{x}_{1} + \mathbf{U} \mathbf{h}_{0} + "
            r"\mathbf{b}\right)") in text
    assert r"\tanh\left(\begin{pmatrix} 1 \\ 0 \end{pmatrix}\right)" in text
    assert r"starting from $\mathbf{h}_{0} = \begin{pmatrix} 0 \\ 0 \end{pmatrix}$" in text


def test_vector_with_a_named_function_and_a_scalar_weight():
    src = VECTOR.replace("tanh(W @ x[t]", "f(W @ x[t]").replace("  values:", "  functions: {f: tanh}\n  values:")
    src = src.replace("V @ h[t] + c", "2 * (V @ h[t]) + c")
    got = answers(src)
    hs, _, _ = _vector_run(VECTOR_VALUES)
    assert float(got["h[3]_2"]) == pytest.approx(hs[2][1], abs=1e-12)
    v = VECTOR_VALUES["V"]
    assert float(got["y[3]_1"]) == pytest.approx(2 * (v[0][0] * hs[2][0] + v[0][1] * hs[2][1]), abs=1e-12)


VECTOR_ERRORS = [
    ("W: [[1, -2, 0.5], [0.5, 1, -1]]", "W: [[1, -2], [0.5, 1]]",
     "4:11: the equation for h[t]: a 2x2 matrix @ a 3-vector: the matrix needs 2 columns to match the vector's "
     "3 entries"),
    ("b: [0.1, -0.2]", "b: [0.1, -0.2, 0]",
     "4:11: the equation for h[t]: cannot add b, a 3-vector, and U*h[t-1], a 2-vector"),
    ("initial: {h: [0.5, -0.5]}", "initial: {h: [0.5, -0.5, 1]}",
     "4:11: the equation for h[t]: a 2x2 matrix @ a 3-vector: the matrix needs 2 columns to match the vector's "
     "3 entries"),
    ("targets: {y: [[1, 0], [0, 1], [1, 1]]}", "targets: {y: [[1], [0], [1]]}",
     "10:16: targets: y gives a 1-vector per step, but y[t] is a 2-vector"),
    ("[1, 1, 1]]}", "[1, 1]]}", "9:39: inputs: x: every step needs the same shape, a 3-vector, not a 2-vector"),
    ("U: [[0.5, -1], [0.25, 0.5]]", "U: [[0.5, -1], [0.25]]",
     "6:60: the value of U: every row of a matrix needs the same number of entries (2)"),
    ("U @ h[t-1]", "U @ W", "4:11: the equation for h[t]: U*W: a product may be a matrix @ a vector, or a number "
                            "times a vector; not a 2x2 matrix times a 2x3 matrix"),
]


@pytest.mark.parametrize("old, new, message", VECTOR_ERRORS,
                         ids=[e[2].split(": ", 1)[1][:40] for e in VECTOR_ERRORS])
def test_vector_shape_errors_are_located_and_name_the_equation(write, old, new, message):
    assert old in VECTOR
    path = write(VECTOR.replace(old, new, 1))
    with pytest.raises(ProblemError) as exc:
        neuralsolve.solve(path)
    assert str(exc.value) == f"{path}:{message}"


def test_vector_one_unit_output_takes_numbers_as_targets_and_design_is_scalar_only(write):
    src = VECTOR.replace("V: [[1, 2], [-1, 0.5]],", "V: [[1, 2]],").replace("c: [0, 0.5]", "c: [0]")
    src = src.replace("targets: {y: [[1, 0], [0, 1], [1, 1]]}", "targets: {y: [1, 0, 1]}")
    got = answers(src)
    hs, _, _ = _vector_run(VECTOR_VALUES)
    y = [hs[t][0] + 2 * hs[t][1] for t in range(3)]
    assert float(got["L"]) == pytest.approx(sum(0.5 * (a - b) ** 2 for a, b in zip(y, [1, 0, 1])), abs=1e-12)
    path = write(src.replace("  - ask: [forward, loss, {gradients: [W, U, b, V, c]}]",
                             "  - ask: {design: {unknowns: [c], examples: [{x: [1, 0, 1], y: [1, 0, 1]}]}}"))
    with pytest.raises(ProblemError, match="design works on scalar recurrences only"):
        neuralsolve.solve(path)


# -- the examiner's review of the rendered pages ----------------------------------------------
def latex(name: str) -> str:
    return neuralsolve.solve(PROBLEMS / f"{name}.yaml").latex()


def terminal(name: str) -> str:
    result = CliRunner().invoke(cli, ["solve", str(PROBLEMS / f"{name}.yaml")], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    return result.output


def test_a_rounded_number_is_never_set_equal_to_an_exact_form():
    import re

    bptt, vector = latex("rnn-bptt"), latex("rnn-vector")
    assert r"y_{1} &= w h_{1} + c = 2 \cdot 0.4621 + 0.5 \approx 1.424" in bptt
    assert r"y_{1} - y^{\ast}_{1} = 1.424 - 1 \approx 0.4242" in bptt
    assert r"y_{1} - y^{\ast}_{1} = 0.7616 - 1 \approx -0.2384" in vector
    for tex in (bptt, vector):  # no form after one with a rounded decimal is an exact one, with = before it
        for row in tex.splitlines():
            forms = re.split(r" (=|\\approx) ", row)
            for i in range(2, len(forms), 2):
                rounded = re.search(r"\d\.\d{3,}", forms[i - 2])
                assert not (rounded and forms[i - 1] == "=" and r"\tanh" in forms[i]), row


def test_vector_notation_is_the_network_problems_one_in_every_medium():
    tex, md, text = latex("rnn-vector"), neuralsolve.solve(PROBLEMS / "rnn-vector.yaml").markdown(), terminal(
        "rnn-vector")
    for doc_ in (tex, md):
        assert "bmatrix" not in doc_ and "^{(1)}" not in doc_ and "^{(2)}" not in doc_
        assert (r"\mathbf{h}_{1} &= \tanh\left(\mathbf{W} \mathbf{x}_{1} + \mathbf{U} \mathbf{h}_{0} + "
                r"\mathbf{b}\right)") in doc_
        assert r"\left(1 - h_{3,1}^{2}\right) U_{12}" in doc_  # component 1 of h at step 3, squared
        assert r"0.5 \left(y_{1} - y^{\ast}_{1}\right)^{2}" in doc_  # the one output is a scalar y_t
    assert "$h_{3,2}$ is computed at the last step, so it reaches $L$ only through $y_{3}$:" in tex
    assert r"\frac{\partial L}{\partial h_{3,2}} &= \frac{\partial L}{\partial y_{3}} \cdot" in tex
    assert "h[3]_2 is computed at the last step, so it reaches L only through y[3]:" in text  # step, then component
    assert "∂L/∂h[3]_2 = ∂L/∂y[3]·∂y[3]/∂h[3]_2" in text
    assert "x[t]_1   x[t]_2   h[t]_1   h[t]_2   y[t]" in text and "y[3]_1" not in text
    assert "h[0] = (0, 0)ᵀ" in text and "[[" not in text


def test_a_long_line_of_numbers_is_broken_before_a_plus_sign():
    tex = latex("rnn-bptt")
    assert (r"&= \left(-0.5397\right) \left(1 - 0.4621^{2}\right) \cdot 0 + 1.830 \left(1 - 0.4914^{2}\right) "
            "\\cdot 0.4621 \\\\*\n &\\quad + \\left(-2.032\\right) \\left(1 - \\left(-0.7580\\right)^{2}\\right) \\cdot 0.4914"
            ) in tex  # the continued row is a form of its own (rel ""), no alignment inside a form's LaTeX
    from neuralsolve.kinds.rnn.layout import broken_tex

    assert broken_tex("x", "a + b") == ["a + b"]  # what fits is left alone


def test_design_constraints_are_aligned_on_their_signs_and_g_is_the_identity():
    tex = latex("rnn-threshold-design")
    conclusion = tex[tex.index("In conclusion"):tex.index("One choice")]
    for row in (r"w_{3} &= 1", r"b_{3} &= 0", r"b_{2} &< 0", r"w_{1} + b_{2} &\geq 0", r"w_{2} + b_{2} &\geq 0"):
        assert row in conclusion
    assert r"$g$ is the identity, $g{\left(x\right)} = x$, so each case gives one equation" in tex
    assert "is linear" not in tex


def test_hidden_state_answer_says_what_the_state_is_for_and_few_steps_are_listed():
    tex = latex("rnn-threshold-forward")
    assert "is the current hidden state $h_{t}$." not in tex  # f(...) is h_t, after h_t = f(...), said nothing
    assert ("So $h_{t}$ is the network's memory: a summary of everything it has read up to step $t$, updated at "
            "each step from the new input $x_{t}$ and the previous state $h_{t-1}$") in tex
    for name in ("rnn-threshold-forward", "rnn-bptt", "rnn-vector"):
        assert r"Unrolling the recurrence over $t = 1, 2, 3$" in latex(name)
    long = neuralsolve.solve_text(SEED.replace("x: [5, 3, 1]", "x: [5, 3, 1, 0, 1, 2]")).latex()
    assert r"Unrolling the recurrence over $t = 1, \ldots, 6$" in long


def test_each_gradient_sits_under_its_own_sentence_and_the_target_is_defined_first():
    tex = latex("rnn-bptt")
    assert ("The term of step $2$ gives $\\partial L/\\partial y_{2}$:\n\\begin{align*}\n"
            r"\frac{\partial L}{\partial y_{2}} &= y_{2} - y^{\ast}_{2}") in tex
    assert ("Likewise, $h_{1}$ reaches $L$ through $y_{1}$ at step $1$ and through $h_{2}$ at step $2$:\n"
            "\\begin{align*}\n\\frac{\\partial L}{\\partial h_{1}} &=") in tex
    defined = tex.index(r"where $y^{\ast}_{t}$ is the target, the value wanted of $y_{t}$ at step $t$:")
    assert defined < tex.index(r"y^{\ast}_{1}")


@pytest.mark.parametrize("name", ["rnn-vector", "rnn-bptt"])
def test_terminal_lines_fit_80_columns_and_never_break_inside_a_vector_or_bracket(name):
    import re

    text = terminal(name)
    lines = text.splitlines()
    assert max(len(line) for line in lines) <= 80
    for line in (ln for ln in lines if ln.startswith("  ")):  # (0, | 0)ᵀ or (1 - | (-0.7580)^2): split brackets
        assert not re.search(r"(,| -|\()$", line.rstrip()), line
    whole = "+ (0, 0)ᵀ)" if name == "rnn-vector" else "(1 - (-0.7580)^2)"
    assert whole in text

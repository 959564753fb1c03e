"""Checking answers (issue 9, marking): figures, tolerances, exam marks, part-keyed answers, common mistakes,
and malformed keys and answers. Expected numbers are worked here in plain Python, not taken from the tool."""

from __future__ import annotations

import json
import time
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
import yaml
from click.testing import CliRunner

from neuralsolve.cli import cli
from neuralsolve.draws import code_of, variant_seed

from .conftest import PROBLEMS, ROOT

SQUARE = ROOT / "problems" / "square-network.yaml"
EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(output: str) -> dict[str, list[str]]:
    """The table's rows by answer name: [submitted, expected, verdict, marks]."""
    out = {}
    for line in output.splitlines():
        if "│" in line:
            cells = [c.strip() for c in line.split("│")]
            out[cells[0]] = cells[1:]
    return out


def one_value(write, value: str, name: str = "value.yaml"):
    """A problem whose only answer, y, is `value` exactly."""
    return write(f"title: One value\ngraph:\n  equations:\n    y: {value}*x\n  values: {{x: 1}}\n"
                 "parts:\n  - ask: forward\n    marks: 2\n", name)


# -- 1. rounding once: the student's number against the exact value ------------------------------------------


@pytest.mark.parametrize("given, verdict", [
    ("0.4875", "right"),   # 0.487451 correctly rounded to 4 figures
    ("0.48745", "right"),  # 5 figures, each right: rounding it again to 4 (0.4874) must not make it wrong
    ("0.4874", "wrong"),
    ("0.48750", "wrong"),  # 5 figures as written; the fifth is wrong (0.48745)
])
def test_a_number_is_right_within_half_a_unit_of_its_last_figure(write, given, verdict):
    exact = Decimal("0.487451")
    figures = len(given.split(".")[1])  # all after a leading 0.
    rounded = exact.quantize(Decimal(1).scaleb(-figures), ROUND_HALF_UP)
    assert (str(rounded) == given) == (verdict == "right")
    half = Decimal(1).scaleb(-figures) / 2
    assert (abs(Decimal(given) - exact) <= half) == (verdict == "right")
    r = run("check", one_value(write, "0.487451"), write(f"y: {given}\n", "answers.yaml"), "--sig-figs", 4)
    assert rows(r.output)["y"][2] == verdict, r.output
    assert r.exit_code == (0 if verdict == "right" else 1)


@pytest.mark.parametrize("given, verdict", [("0.4875", "right"), ("0.4876", "wrong")])
def test_the_issue_example_at_four_figures(write, given, verdict):
    assert (round(0.487503, 4) == float(given)) == (verdict == "right")
    r = run("check", one_value(write, "0.487503"), write(f"y: {given}\n", "answers.yaml"), "--sig-figs", 4)
    assert rows(r.output)["y"][2] == verdict


def test_exact_values_and_fractions_always_agree(write):
    problem = write("title: A third\ngraph:\n  equations:\n    y: x/3\n  values: {x: 1}\nparts:\n  - ask: forward\n")
    assert run("check", problem, write("y: 1/3\n", "answers.yaml"), "--sig-figs", 30).exit_code == 0
    assert run("check", problem, write("y: '2/6'\n", "answers.yaml"), "--sig-figs", 30).exit_code == 0
    assert run("check", problem, write("y: 0.333\n", "answers.yaml")).exit_code == 0  # 3 figures by default
    assert rows(run("check", problem, write("y: 0.334\n", "answers.yaml")).output)["y"][2] == "wrong"
    answers = write("y: 0.3334\n", "answers.yaml")
    assert rows(run("check", problem, answers).output)["y"][2] == "wrong"  # a wrong fourth figure


# -- 2. tolerances ------------------------------------------------------------------------------------


@pytest.mark.parametrize("given, options, verdict", [
    ("0.003", ["--tolerance", "0.01"], "wrong"),     # |0.003 + 0.00673529| = 0.0097 > 0.01 * 0.00673529
    ("-0.0067", ["--tolerance", "0.01"], "right"),   # 3.5e-5 <= 6.7e-5
    ("-0.0066", ["--tolerance", "0.01"], "wrong"),   # 1.35e-4 > 6.7e-5
    ("0.003", ["--tolerance", "2"], "wrong"),        # 0.0097 <= 2 * 0.0067, but the wrong sign
    ("0.003", ["--abs-tolerance", "0.01"], "right"),  # both are zero within 0.01
    ("-0.0001", ["--abs-tolerance", "0.01"], "right"),
    ("-0.0001", ["--tolerance", "0.01", "--abs-tolerance", "0.01"], "right"),
    ("-0.0001", ["--abs-tolerance", "0.001"], "wrong"),
])
def test_tolerance_is_relative_and_abs_tolerance_absolute(write, given, options, verdict):
    want, got = -0.00673529, float(given)
    t = float(options[options.index("--tolerance") + 1]) if "--tolerance" in options else 0.0
    a = float(options[options.index("--abs-tolerance") + 1]) if "--abs-tolerance" in options else 0.0
    same_sign = got * want > 0 or (abs(got) <= a and abs(want) <= a)
    independent = same_sign and abs(got - want) <= max(t * abs(want), a)
    assert independent == (verdict == "right")
    r = run("check", one_value(write, "-0.00673529"), write(f"y: {given}\n", "answers.yaml"), *options)
    assert rows(r.output)["y"][2] == verdict, r.output


def test_zero_agrees_with_a_wrong_signed_small_number_only_within_the_absolute_tolerance(write):
    problem = write("title: Zero\ngraph:\n  equations:\n    y: 0*x\n  values: {x: 1}\nparts:\n  - ask: forward\n")
    answers = write("y: -0.0001\n", "answers.yaml")
    assert rows(run("check", problem, answers, "--abs-tolerance", "0.001").output)["y"][2] == "right"
    assert rows(run("check", problem, answers, "--tolerance", "0.5").output)["y"][2] == "wrong"


@pytest.mark.parametrize("option, value", [("--tolerance", "nan"), ("--tolerance", "inf"), ("--tolerance", "-0.1"),
                                           ("--abs-tolerance", "nan"), ("--abs-tolerance", "-1")])
def test_a_tolerance_that_is_not_a_finite_number_is_refused(write, option, value):
    r = run("check", SQUARE, write("C: 4.5\n", "answers.yaml"), option, value)
    assert r.exit_code == 2
    assert f"Error: Invalid value for '{option}': must be a finite number, at least 0, not {value}" in r.output


def test_sig_figs_and_a_tolerance_together_are_refused(write):
    r = run("check", SQUARE, write("C: 4.5\n", "answers.yaml"), "--sig-figs", 3, "--abs-tolerance", "0.1")
    assert r.exit_code == 2 and "give --tolerance (or --abs-tolerance) or --sig-figs, not both" in r.output


# -- 3. the exam's marks override ------------------------------------------------------------------------


def test_check_against_an_exam_key_honours_the_marks_override(tmp_path, write):
    out = tmp_path / "exam"
    assert run("exam", EXAM, "-o", out, "--no-pdf", "--seed", 4).exit_code == 0
    code = code_of(variant_seed(4, 0))
    exam = yaml.safe_load(EXAM.read_text())["exam"]["questions"]
    totals = []
    for q in exam:  # each question's total: its override, else the sum of its part marks
        if isinstance(q, dict):
            totals.append(q["marks"])
        else:
            parts = yaml.safe_load((EXAM.parent / q).read_text())["parts"]
            totals.append(sum(p.get("marks", 0) for p in parts))
    assert totals[1] == 20 and sum(totals) == 44
    assert f"Total: {sum(totals)} marks" in (out / code / "questions.md").read_text()
    r = run("check", out / code / "answers.json", write("Q2.dE/dw13: 1\n", "answers.yaml"))
    assert r.exit_code == 1
    assert f"0 of {sum(totals)} marks" in r.output
    q2 = [cells[3] for name, cells in rows(r.output).items() if name.startswith("Q2.")]
    assert q2 == ["0/20"]


# -- 4. answers of several parts are keyed by part -----------------------------------------------------------

THREE_STEPS = """title: One step at three learning rates
graph:
  equations:
    y: w*x
    E: 1/2*(y - t)^2
  values: {w: 1, x: 2, t: 1}
  parameters: [w]
parts:
  - label: i
    ask: {update: {learning_rate: 0.01}}
    marks: 2
  - label: ii
    ask: {update: {learning_rate: 0.1}}
    marks: 2
  - ask: {update: {learning_rate: 10}}
    marks: 2
"""


def test_parts_do_not_overwrite_each_others_answers(tmp_path, write):
    problem = write(THREE_STEPS)
    grad = (1 * 2 - 1) * 2  # dE/dw = (w x - t) x
    steps = [Fraction(1) - Fraction(eta) * grad for eta in ("0.01", "0.1", "10")]
    assert steps == [Fraction(49, 50), Fraction(4, 5), -19]
    key = tmp_path / "key.json"
    assert run("render", problem, "--json", "-o", key).exit_code == 0
    doc = json.loads(key.read_text())
    assert {k: Fraction(v) for k, v in doc["answers"].items() if k.endswith("w'")} == {
        "(i).w'": steps[0], "(ii).w'": steps[1], "(3).w'": steps[2]}
    assert [p["quantities"] for p in doc["parts"]] == [["(i).w'"], ["(ii).w'"], ["(3).w'"]]
    assert doc["answers"]["dE/dw"] == "2" and "y" in doc["answers"]  # names without a collision are unchanged
    answers = write("(i).w': 0.98\n(2).w': 0.8\n(3).w': -19\n", "answers.yaml")  # (2) is part ii by position
    for reference in (problem, key):
        r = run("check", reference, answers)
        assert r.exit_code == 0, r.output
        assert "6 of 6 marks; 3 right" in r.output
    r = run("check", problem, write("w': 0.98\n", "answers.yaml"))
    assert "w' is answered in several parts, ignored: write (i).w' or (ii).w' or (3).w'" in r.output


# -- 5. common mistakes -------------------------------------------------------------------------------------

# square-network.yaml worked by hand: z2 = (-1, 2), a2 = (1, 4), z3 = 2, a3 = 4, C = (4 - 1)^2 / 2 = 9/2;
# dC/da3 = 3, dC/dz3 = 3 * 2 z3 = 12, dC/dz2_1 = 12 * w3_1_1 * 2 z2_1 = -24, dC/dz2_2 = 12 * 1 * 4 = 48.
SQUARE_WORKED = {"C": 4.5, "dC/dz3_1": 12, "dC/dz2_1": -24, "dC/dz2_2": 48}


@pytest.mark.parametrize("name, given, mistake", [
    ("C", 2 * 4.5, "dropping the 1/2 in the loss"),
    ("dC/dz3_1", 2 * 12, "dropping the 1/2 in the loss"),
    ("dC/dz3_1", 3, "leaving out every activation derivative σ'(z)"),  # dC/da3 alone
    ("dC/dz2_1", 12 * 1, "leaving out σ'(z2)"),                         # dC/dz3 * w3_1_1, no 2 z2_1
])
def test_a_common_mistake_is_named_and_earns_part_of_the_marks(write, name, given, mistake):
    assert given != SQUARE_WORKED[name]
    r = run("check", SQUARE, write(f"'{name}': {given}\n", "answers.yaml"))
    assert r.exit_code == 1
    cells = rows(r.output)[name]
    assert cells[2] == f"mistake: consistent with {mistake}"
    marks = {"C": 1, "dC/dz3_1": 2, "dC/dz2_1": 2}[name]  # part b: 7 marks for 7 answers; part c: 10 for 5
    assert cells[3] == f"{marks / 2:g}/{marks}"


def test_the_mistake_credit_is_an_option(write):
    r = run("check", SQUARE, write("C: 9\n", "answers.yaml"), "--mistake-credit", "0.25")
    assert rows(r.output)["C"][3] == "0.25/1"
    r = run("check", SQUARE, write("C: 9\n", "answers.yaml"), "--mistake-credit", "2")
    assert r.exit_code == 2 and "must be a fraction from 0 to 1, not 2" in r.output


def test_a_keys_part_sets_its_mistake_marks(tmp_path, write):
    key = {"title": "t", "answers": {}, "questions": [{
        "number": 1, "source": SQUARE.read_text(), "file": str(SQUARE),
        "parts": [{"label": "b", "marks": {"right": 7, "mistakes": 7}, "quantities": ["C"]}]}]}
    path = tmp_path / "key.json"
    path.write_text(json.dumps(key, indent=2))
    r = run("check", path, write("Q1.C: 9\n", "answers.yaml"))
    assert rows(r.output)["Q1.C"][2:] == ["mistake: consistent with dropping the 1/2 in the loss", "1/1"]


MEAN = """title: Two outputs
graph:
  equations:
    y1: w*x
    y2: 2*w*x
    E: 1/2*((y1 - 1)^2 + (y2 - 1)^2)
  values: {w: 1, x: 1}
  parameters: [w]
parts:
  - ask: {gradients: [w]}
    marks: 2
  - ask: {update: {learning_rate: 0.1}}
    marks: 2
"""


def test_a_mean_for_a_sum_and_the_sign_of_a_gradient_step(write):
    w, x, eta = 1, 1, 0.1
    grad = (w * x - 1) * x + (2 * w * x - 1) * 2 * x  # = 2
    answers = write(f"'dE/dw': {grad / 2}\n\"w'\": {w + eta * grad}\n", "answers.yaml")  # the mean; w + eta g
    r = run("check", write(MEAN), answers)
    got = rows(r.output)
    assert got["dE/dw"][2] == "mistake: consistent with taking the mean over the 2 outputs instead of the sum"
    assert got["w'"][2] == "mistake: consistent with stepping up the gradient (w + η ∂L/∂w)"
    assert "2 of 4 marks; 2 mistakes" in r.output


TRANSPOSE = """title: A square weight matrix
network:
  input: [1, 2]
  layers:
    - {weights: [[1, 2], [0, 1]], biases: [0, 0], activation: identity}
    - {weights: [[1, 2], [3, 4]], biases: [0, 0], activation: identity}
    - {weights: [[1, 1]], biases: [0], activation: identity}
  target: 0
  loss: half_squared
parts:
  - ask: {gradients: [z2]}
    marks: 2
"""


def test_w_instead_of_w_transposed(write):
    x = [1, 2]
    w2, w3, w4 = [[1, 2], [0, 1]], [[1, 2], [3, 4]], [[1, 1]]
    z2 = [sum(w2[j][k] * x[k] for k in range(2)) for j in range(2)]
    z3 = [sum(w3[j][k] * z2[k] for k in range(2)) for j in range(2)]
    z4 = sum(w4[0][k] * z3[k] for k in range(2))
    d3 = [z4 * w4[0][j] for j in range(2)]
    right = [sum(w3[k][j] * d3[k] for k in range(2)) for j in range(2)]  # W3^T d3
    wrong = [sum(w3[j][k] * d3[k] for k in range(2)) for j in range(2)]  # W3 d3
    assert right == [128, 192] and wrong == [96, 224]
    r = run("check", write(TRANSPOSE), write(f"'dL/dz2_1': {wrong[0]}\n'dL/dz2_2': {wrong[1]}\n", "answers.yaml"))
    got = rows(r.output)
    for name in ("dL/dz2_1", "dL/dz2_2"):
        assert got[name][2] == "mistake: consistent with using W3 instead of W3ᵀ"


def test_errors_carried_forward_still_earn_full_marks(write):
    answers = write("z2_1: -1\nz2_2: 2\na2_1: 1\na2_2: 5\nz3_1: 3\na3_1: 9\nC: 32\n", "answers.yaml")
    got = rows(run("check", SQUARE, answers).output)
    assert got["a2_2"][2] == "wrong"
    assert got["C"][2:] == ["consistent (carried forward)", "1/1"]  # (9 - 1)^2 / 2 = 32


# -- 6. malformed keys and answers ------------------------------------------------------------------------


def _at(text: str, needle: str, offset: int = 0) -> str:
    """LINE:COL of `needle` (plus `offset` characters) in `text`, worked out independently."""
    i = text.index(needle) + offset
    return f"{text.count(chr(10), 0, i) + 1}:{i - text.rfind(chr(10), 0, i)}"


def timed(*args):
    start = time.perf_counter()
    r = run(*args)
    return r, time.perf_counter() - start


def test_malformed_keys_are_located_one_line_errors(tmp_path, write):
    key = tmp_path / "key.json"
    assert run("render", SQUARE, "--json", "-o", key).exit_code == 0
    doc = json.loads(key.read_text())
    cases = []
    text = json.dumps(dict(doc, parts=5), indent=2)
    parts = '"parts": '
    cases.append((text, _at(text, parts, len(parts)) + ": parts must be a list, not a number"))
    text = json.dumps({"title": "t", "answers": {}, "questions": [{"source": SQUARE.read_text()}]}, indent=2)
    question = text.index("{", text.index('"questions"'))  # the question's own mapping
    cases.append((text, _at(text, "{", question) + ": the question's number is missing; a key from render --json "
                        "or exam has it"))
    head = '{"answers": {}, "x": '
    text = head + "[" * 200 + "]" * 200 + "}"
    cases.append((text, f"1:{len(head) + 64}: the key nests lists or mappings more than 64 deep"))
    cases.append(("[1, 2]", "1:1: a key is the JSON object that render --json or exam writes, not a list"))
    text = json.dumps({"answers": {"C": {"x": 1}}}, indent=2)
    c = '"C": '
    cases.append((text, _at(text, c, len(c)) + ": the key's answer C must be a string or a number, not a mapping"))
    for i, (text, message) in enumerate(cases):
        path = tmp_path / f"bad{i}.json"
        path.write_text(text)
        r, seconds = timed("check", path, write("C: 4.5\n", "answers.yaml"))
        assert r.exit_code == 2, (message, r.output)
        assert r.stderr == f"{path}:{message}\n"
        assert seconds < 1


@pytest.mark.parametrize("answer, message", [
    ("exp(exp(exp(100)))", "1:4: the answer C exceeds 10^1000; give a number of at most 1000 digits"),
    ("'exp(exp(exp(100)))'", "1:5: the answer C exceeds 10^1000; give a number of at most 1000 digits"),
    ("9" * 5000, "1:4: a number too large: at most 1000 digits and 10^1000"),
    ("1e99999", "1:5: an exponent too large: at most 1000 digits and 10^1000"),
    ("[1, 2]", "1:4: the answer C must be a number, not a list"),
    ("{x: 1}", "1:4: the answer C must be a number or an expression, not a mapping"),
], ids=["exp-exp-exp", "exp-exp-exp-quoted", "5000-digits", "huge-exponent", "list", "mapping"])
def test_malformed_answers_are_located_one_line_errors(write, answer, message):
    path = write(f"C: {answer}\n", "answers.yaml")
    r, seconds = timed("check", SQUARE, path)
    assert r.exit_code == 2, r.output
    assert r.stderr == f"{path}:{message}\n"
    assert seconds < 1


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.stem for p in PROBLEMS])
def test_every_key_marks_its_own_answers_right(tmp_path, problem):
    """A key written by render --json reads back, symbolic matrix forms (Transpose(W)*X) included."""
    key = tmp_path / "key.json"
    assert run("render", problem, "--json", "-o", key).exit_code == 0
    answers = tmp_path / "answers.yaml"
    answers.write_text(json.dumps(json.loads(key.read_text())["answers"]))  # JSON is YAML
    r = run("check", key, answers)
    assert r.exit_code == 0, r.output + r.stderr


MISTAKE_MARKS = """title: Marks for a recognised mistake
network:
  input: [1, 2]
  layers:
    - {weights: [[1, -1], [-1, 1]], biases: [0, 1], activation: x^2}
    - {weights: [[1, 1]], biases: [-3], activation: x^2}
  target: 1
  loss: 1/2*(a - y)^2
notation: {loss: C}
parts:
  - label: b
    ask: loss
    marks: {right: 4, mistakes: 1}
"""


def test_a_problem_file_sets_the_marks_for_a_recognised_mistake_per_part(write):
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    problem = write(MISTAKE_MARKS)
    answers = write("C: 9\n", "answers.yaml")  # (4 - 1)^2 = 9: the loss without its 1/2 (right: 9/2)
    r = CliRunner().invoke(cli, ["check", str(problem), str(answers)])
    assert r.exit_code == 1
    line = next(li for li in r.stdout.splitlines() if li.strip().startswith("C "))
    assert "mistake: consistent with dropping the 1/2 in the loss" in line and "1/4" in line
    assert "1 of 4 marks" in r.stdout


def test_mistake_marks_may_not_exceed_the_right_answers_marks(write):
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    path = write("title: t\ngraph:\n  equations:\n    y: 2*x\nparts:\n  - ask: forward\n    marks: {right: 1, mistakes: 2}\n")
    r = CliRunner().invoke(cli, ["validate", str(path)])
    assert r.exit_code == 2
    assert r.stderr.strip().endswith(":7:33: the marks for a recognised mistake (2) exceed those for the right "
                                     "answer (1)")


def test_an_exam_override_scales_the_mistake_marks_too():
    import sympy

    from neuralsolve.exam import scaled_marks
    from neuralsolve.spec import loads

    problem = scaled_marks(loads(MISTAKE_MARKS), sympy.Integer(8))
    assert (problem.parts[0].marks, problem.parts[0].mistake_marks) == (8, 2)


def test_a_delta_from_the_wrong_layer_is_recognised(write):
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    # exam 2022 Q1: dC/dw3_1_k = delta3_1 a2_k = 12 (1, 4); with delta2_1 = -24 instead: -24 (1, 4)
    answers = write('"dC/dw3_1_1": -24\n"dC/dw3_1_2": -96\n', "answers.yaml")
    r = CliRunner().invoke(cli, ["check", str(ROOT / "problems" / "square-network.yaml"), str(answers)])
    lines = [li for li in r.stdout.splitlines() if li.strip().startswith("dC/dw3")]
    assert len(lines) == 2 and all("mistake: consistent with using the delta of the layer below" in li
                                   for li in lines), r.stdout


def test_a_class_is_marked_into_one_csv_row_per_student(tmp_path):
    """check --csv over a folder of answer files: id, marks per exam question, total, out_of, notes; an
    unreadable file is a row with a note, not the end of the class."""
    import csv

    exam = ROOT / "problems" / "exams" / "neural-computation.yaml"
    r = CliRunner().invoke(cli, ["exam", str(exam), "--variants", "1", "--seed", "1", "-o", str(tmp_path / "out"),
                                 "--no-pdf"])
    assert r.exit_code == 0, r.output
    (key,) = (tmp_path / "out").glob("*/answers.json")
    answers = json.loads(key.read_text(encoding="utf-8"))["answers"]
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "s001.json").write_text(json.dumps(answers), encoding="utf-8")
    (folder / "s002.json").write_text(json.dumps({k: v for k, v in answers.items() if k.startswith("Q1.")}),
                                      encoding="utf-8")
    (folder / "s003.yaml").write_text("not: [valid\n", encoding="utf-8")
    out = tmp_path / "marks.csv"
    r = CliRunner().invoke(cli, ["check", str(key), str(folder), "--csv", str(out)])
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    assert list(rows[0]) == ["id", "Q1", "Q2", "Q3", "total", "out_of", "notes"]
    assert [r["id"] for r in rows] == ["s001", "s002", "s003"]
    assert (rows[0]["Q1"], rows[0]["Q2"], rows[0]["Q3"], rows[0]["total"], rows[0]["out_of"]) == \
        ("20", "20", "4", "44", "44")  # the exam's marks override: Q2 is 20 marks
    assert rows[1]["total"] == "20" and "Q2.dE/dw13: missing" in rows[1]["notes"]
    assert rows[2]["total"] == "" and rows[2]["notes"].startswith("not marked:") and "s003.yaml:2:1" in rows[2]["notes"]
    r = CliRunner().invoke(cli, ["check", str(key), str(folder)])
    assert r.exit_code == 2 and "--csv" in r.output  # a folder needs --csv

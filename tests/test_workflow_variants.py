"""workflows: randomized questions in exams: codes that rebuild them, sheets that state the givens, good draws."""

from __future__ import annotations

import json

import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli

from .conftest import ROOT

EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_question_code_on_the_sheet_rebuilds_that_question_with_solve(tmp_path):
    r = run("exam", EXAM, "--variants", 2, "--seed", 3, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 0, r.output
    for key in tmp_path.glob("*/answers.json"):
        q1 = json.loads(key.read_text(encoding="utf-8"))["questions"][0]
        sheet = (key.parent / "questions.md").read_text(encoding="utf-8")
        assert f"## Question 1 (variant `{q1['code']}`)" in sheet
        alone = neuralsolve.solve(ROOT / "problems" / "square-network-random.yaml", q1["code"])
        assert alone.answers == q1["answers"]  # the same draws, the same answers


def test_the_sheet_states_the_approximations_a_student_needs(tmp_path):
    r = run("exam", EXAM, "--variants", 1, "--seed", 3, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 0
    (sheet,) = tmp_path.glob("*/questions.md")
    assert r"*Use $\log\left(0.1\right) \approx -2.3$ and $\log\left(0.3\right) \approx -1.2$.*" in sheet.read_text(encoding="utf-8")


def test_a_sheet_states_conventions_and_the_precision(write):
    from neuralsolve.answers import compute
    from neuralsolve.spec import load
    from neuralsolve.statement import statement

    path = write("title: t\ngraph:\n  equations:\n    h: relu(w*x)\n    E: sigmoid(h)\n"
                 "  values: {w: 1, x: 2}\n  parameters: [w]\n")
    problem = load(path)
    notes = statement(problem, compute(problem)[1]).notes
    assert notes == ("Convention: relu'(0) is taken as 0.", "Give decimal answers to 4 significant figures.")


def test_nondegenerate_rejects_zero_weight_rows_and_zero_asked_gradients(tmp_path):
    text = (ROOT / "problems" / "square-network-random.yaml").read_text(encoding="utf-8")
    assert "- nondegenerate" in text
    r = run("exam", EXAM, "--variants", 12, "--seed", 11, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 0 and "draws rejected by the where: conditions" in r.output
    for key in tmp_path.glob("*/answers.json"):
        q1 = json.loads(key.read_text(encoding="utf-8"))["questions"][0]
        W = [[sympy.Rational(v) for v in row] for row in q1["draws"]["W"]]
        assert all(any(v != 0 for v in row) for row in W), W  # independently: no all-zero weight row
        asked = [n for p in q1["parts"] for n in p["quantities"] if n.startswith("dC/d")]
        assert all(sympy.sympify(q1["answers"][n]) != 0 for n in asked)


def test_a_parameter_with_no_path_to_the_loss_has_gradient_zero_and_says_so(write):
    path = write("title: t\ngraph:\n  equations:\n    h: w1*x\n    u: w2*x\n    E: (h - 1)^2\n"
                 "  values: {x: 2, w1: 1, w2: 3}\n  parameters: [w1, w2]\nparts:\n  - ask: {gradients: all}\n"
                 "  - ask: {update: {learning_rate: 0.5}}\n")
    w = neuralsolve.solve(path)
    assert w.answers["dE/dw2"] == "0" and w.answers["w2'"] == "3"
    assert w.answers["dE/dw1"] == "4"  # 2 (w1 x - 1) x at w1 = 1, x = 2
    assert "$w_{2}$ is used by no equation on the way to $E$, so its gradient is 0:" in w.markdown()


def test_a_fixed_question_is_computed_once_per_process(monkeypatch):
    import neuralsolve.exam as exam_module
    from neuralsolve.exam import build_variant, load_exam

    calls = []
    real = exam_module.compute
    monkeypatch.setattr(exam_module, "compute", lambda p: calls.append(p.file) or real(p))
    monkeypatch.setattr(exam_module, "_FIXED", {})
    exam = load_exam(EXAM)
    for seed in (1, 2, 3):
        build_variant(exam, seed)
    assert sorted(set(calls)) == sorted(calls)  # each fixed question once, for three variants


def test_a_second_run_into_a_locked_folder_is_refused(tmp_path):
    import os

    from neuralsolve.batch import LOCK

    (tmp_path / LOCK).write_text(str(os.getppid()), encoding="ascii")  # a live process holds it
    r = run("exam", EXAM, "--variants", 1, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 2
    assert r.stderr.strip() == (f"{tmp_path}:1:1: another neuralsolve exam (process {os.getppid()}) is writing "
                                "into this folder; wait for it, or choose another -o")
    (tmp_path / LOCK).write_text("999999999", encoding="ascii")  # left by a killed run: taken over
    assert run("exam", EXAM, "--variants", 1, "-o", tmp_path, "--no-pdf").exit_code == 0
    assert not (tmp_path / LOCK).exists()


def test_a_variant_folder_is_replaced_whole_and_a_failure_leaves_the_old_one(tmp_path, monkeypatch):
    import neuralsolve.batch as batch
    from neuralsolve.draws import code_of, variant_seed

    code = code_of(variant_seed(0, 0))
    old = tmp_path / code
    old.mkdir()
    (old / "stale.txt").write_text("from an earlier run", encoding="utf-8")
    assert run("exam", EXAM, "--variants", 1, "--seed", 0, "-o", tmp_path, "--no-pdf").exit_code == 0
    assert sorted(p.name for p in old.iterdir()) == ["answers.json", "key.md", "key.tex", "questions.md",
                                                     "questions.tex"]  # no file of two runs mixed
    before = (old / "key.tex").read_text(encoding="utf-8")

    real = batch.write_atomic

    def broken(path, text):  # the disk fills up while the variant's files are written (index.csv still fits)
        from neuralsolve.errors import ProblemError

        if ".tmp-" in str(path):
            raise ProblemError("cannot write the file: No space left on device", str(path))
        real(path, text)

    monkeypatch.setattr(batch, "write_atomic", broken)
    r = run("exam", EXAM, "--variants", 1, "--seed", 0, "-o", tmp_path, "--no-pdf", "-j", 1)
    assert r.exit_code == 1 and "No space left on device" in r.stderr
    assert (old / "key.tex").read_text(encoding="utf-8") == before  # the old variant stays whole
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder, no lock


def test_a_pool_gives_each_variant_one_of_its_files_reproducibly(tmp_path):
    exam = tmp_path / "exam.yaml"
    a, b = ROOT / "problems" / "log-cosh.yaml", ROOT / "problems" / "vae-regulariser.yaml"
    exam.write_text(f"exam:\n  title: Pools\n  questions:\n    - {{choose: 1, from: [{a}, {b}], marks: 10}}\n",
                    encoding="utf-8")
    r = run("exam", exam, "--variants", 8, "--seed", 1, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output + r.stderr
    files = [json.loads(k.read_text(encoding="utf-8"))["questions"][0]["file"]
             for k in sorted((tmp_path / "out").glob("*/answers.json"))]
    assert set(files) == {str(a), str(b)}  # both drawn among 8 variants
    again = tmp_path / "again"
    assert run("exam", exam, "--variants", 8, "--seed", 1, "-o", again, "--no-pdf").exit_code == 0
    assert files == [json.loads(k.read_text(encoding="utf-8"))["questions"][0]["file"]
                     for k in sorted(again.glob("*/answers.json"))]
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"exam:\n  title: Pools\n  questions:\n    - {{choose: 2, from: [{a}, {b}]}}\n", encoding="utf-8")
    r = run("exam", bad, "-o", tmp_path / "o2", "--no-pdf")
    assert r.exit_code == 2 and r.stderr.strip().endswith(
        "4:16: choose: 1 draws one question from the pool; for more, list several pools")


def test_a_matrix_question_sheet_states_the_layout():
    from neuralsolve.spec import load
    from neuralsolve.statement import statement

    notes = statement(load(ROOT / "problems" / "matrix-gplvm.yaml")).notes
    assert notes == ("Give every gradient in the shape of what it is taken with respect to.",)


def test_degenerate_names_an_all_zero_weight_row_and_a_zero_asked_gradient(write):
    from neuralsolve.answers import compute
    from neuralsolve.spec import load

    zero_row = load(write("title: t\nnetwork:\n  input: [1, 2]\n  layers:\n    - {weights: [[0, 0], [1, 1]], "
                          "activation: x^2}\n    - {weights: [[1, 1]]}\n  target: 1\n"))
    assert zero_row.kind.degenerate(zero_row, compute(zero_row)[1]) == \
        "row 1 of the weights of layer 2 is all zero"
    flat = load(write("title: t\ngraph:\n  equations:\n    y: w*x\n    E: (y - 1)^2\n  values: {w: 1, x: 1}\n"
                      "  parameters: [w]\nparts:\n  - ask: {gradients: [w]}\n", "g.yaml"))
    assert flat.kind.degenerate(flat, compute(flat)[1]) == "dE/dw is 0"  # 2 (w x - 1) x = 0 at w = x = 1
    fine = load(ROOT / "problems" / "square-network.yaml")
    assert fine.kind.degenerate(fine, compute(fine)[1]) is None


def test_the_latex_sheet_states_an_approximation_as_math(tmp_path):
    r = run("exam", EXAM, "--variants", 1, "--seed", 3, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 0
    (sheet,) = tmp_path.glob("*/questions.tex")
    assert r"Use $\log\left(0.1\right) \approx -2.3$ and $\log\left(0.3\right) \approx -1.2$." in sheet.read_text(encoding="utf-8")

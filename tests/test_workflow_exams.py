"""Randomized variants, exams (sheets, keys, batches) and checking answers (issue 3)."""

from __future__ import annotations

import csv
import json
import subprocess

import pytest
import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli
from neuralsolve.errors import ProblemError
from neuralsolve.draws import code_of, seed_of, variant_seed

from .conftest import ROOT
from .test_media_render import compile_tex, pdflatex

RANDOM = ROOT / "problems" / "square-network-random.yaml"
EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_variant_codes_round_trip():
    for seed in (0, 1, 12345, 2**30 - 1, variant_seed(2026, 7)):
        assert seed_of(code_of(seed)) == seed
        assert len(code_of(seed)) == 6
    assert seed_of("7k2m9q") == seed_of("7K2M9Q")
    with pytest.raises(ValueError):
        seed_of("ABC")


@pytest.mark.parametrize("index", [i if i < 5 else pytest.param(i, marks=pytest.mark.slow) for i in range(25)])
def test_every_variant_satisfies_its_conditions_and_ranges(index):
    code = code_of(variant_seed(99, index))
    w = neuralsolve.solve(RANDOM, variant=code)
    a = {k: sympy.sympify(v) for k, v in w.answers.items()}
    # the where: conditions, checked here independently of the tool's own condition evaluator
    assert a["a3_1"] != 0 and a["C"] <= 50 and a["dC/dz3_1"] != 0 and a["dC/dw3_1_1"].is_integer
    draws = w.solution.draws
    assert all(-2 <= sympy.Rational(v) <= 2 for row in draws["W"] for v in row)
    assert all(sympy.Rational(v) in (1, 2, 3) for v in draws["x"])
    c = sympy.Rational(draws["c"])
    assert c in (sympy.Rational(-1), sympy.Rational(-1, 2), sympy.Rational(1, 2), 1)
    # and the answers are right for what was drawn: recompute the forward pass by hand
    W = [[sympy.Rational(v) for v in row] for row in draws["W"]]
    x = [sympy.Rational(v) for v in draws["x"]]
    z2 = [W[0][0] * x[0] + W[0][1] * x[1], W[1][0] * x[0] + W[1][1] * x[1] + 1]
    z3 = z2[0] ** 2 + c * z2[1] ** 2 - 3
    assert a["z3_1"] == z3 and a["C"] == (z3**2 - 1) ** 2 / 2


def test_the_same_code_gives_the_same_bytes():
    a = neuralsolve.solve(RANDOM, variant="3K7Q0M")
    b = neuralsolve.solve(RANDOM, variant="3K7Q0M")
    assert a.latex() == b.latex() and a.json() == b.json()
    assert "Variant 3K7Q0M" in a.latex()


@pytest.mark.slow
def test_an_unsatisfiable_condition_names_itself(write):
    text = RANDOM.read_text().replace("- C <= 50", "- C < 0")
    path = write(text)
    with pytest.raises(ProblemError) as exc:
        neuralsolve.solve(path)
    assert str(exc.value).endswith("no draw in 1000 tries gave a usable variant: the condition 'C < 0' failed "
                                   "982 times (the condition 'a3_1 != 0' failed 18 times); widen the ranges of "
                                   "the draws or relax the condition")
    assert (exc.value.line, exc.value.col) == (11, 7)  # the condition's own place


def test_a_condition_on_an_unknown_answer_is_an_error(write):
    path = write(RANDOM.read_text().replace("- C <= 50", "- D <= 50"))
    r = run("solve", path)
    assert r.exit_code == 2
    assert ":11:7: the condition 'D <= 50' reads 'D', which is not an answer of this problem; expected one of: C, " \
        in r.stderr


def test_drawn_names_do_not_leak_outside_the_kind_block():
    w = neuralsolve.solve(RANDOM, variant="000001")
    assert [p.label for p in w.solution.parts] == ["a", "b", "c"]  # part c is not the drawn c


def test_exam_sheet_has_no_answers_and_the_key_has_them():
    from neuralsolve import render
    from neuralsolve.exam import build_variant, load_exam

    v = build_variant(load_exam(EXAM), variant_seed(1, 0))
    sheet = render.exam_document(v, "sheet", "latex")
    key = render.exam_document(v, "key", "latex")
    q1 = v.questions[0].solution.answers
    assert r"\frac{\partial C}{\partial \mathbf{z}^{2}}" in sheet  # what is asked
    assert r"\boldsymbol{\delta}^{2}" not in sheet and r"\boldsymbol{\delta}^{2}" in key
    assert "2.68" not in sheet and "2.68" in key  # the VAE regulariser's value
    assert f"Variant \\texttt{{{v.code}}}" in sheet
    assert "Question 2 \\hfill [20 marks]" in sheet  # the marks override
    assert q1["parameter_count"] == "9"


def test_marks_override_scales_part_marks():
    from neuralsolve.exam import build_variant, load_exam

    v = build_variant(load_exam(EXAM), 5)
    assert v.questions[1].marks == "20" and v.questions[1].statement.questions[0].marks == "20"
    assert v.total_marks == str(20 + 20 + 4)


@pytest.mark.slow
def test_exam_sheet_and_key_compile(tmp_path):
    from neuralsolve import render
    from neuralsolve.exam import build_variant, load_exam

    v = build_variant(load_exam(EXAM), 11)
    for mode in ("sheet", "key"):
        folder = tmp_path / mode
        folder.mkdir()
        compile_tex(render.exam_document(v, mode, "latex"), folder)


@pytest.mark.slow
def test_batch_is_reproducible_with_pdfs(tmp_path):
    pdflatex()
    outs = []
    for name in ("one", "two"):
        r = run("exam", EXAM, "--variants", 2, "--seed", 2026, "-o", tmp_path / name, "--jobs", 2)
        assert r.exit_code == 0, r.output
        outs.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                     for p in sorted((tmp_path / name).rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    rows = list(csv.DictReader((tmp_path / "one" / "index.csv").read_text().splitlines()))
    assert [r["code"] for r in rows] == [code_of(variant_seed(2026, i)) for i in range(2)]
    assert all(r["status"] == "ok" for r in rows)
    files = rows[0]["files"].split()
    assert {f.split("/")[1] for f in files} == {"questions.tex", "questions.pdf", "key.tex", "key.pdf",
                                                "questions.md", "key.md", "answers.json"}
    # one variant alone, from its code, gives the same sources and the same pages; the PDF bytes differ, since
    # a batch's documents share their fonts' subsets (README: reproducible for the same exam command)
    code = rows[1]["code"]
    r = run("exam", EXAM, "--variant", code, "-o", tmp_path / "again")
    assert r.exit_code == 0
    for f in ("questions.tex", "key.tex", "answers.json", "key.md"):
        assert (tmp_path / "again" / code / f).read_bytes() == outs[0][f"{code}/{f}"]
    for f in ("questions.pdf", "key.pdf"):
        alone = subprocess.run(["pdftotext", "-layout", str(tmp_path / "again" / code / f), "-"],
                               capture_output=True, text=True, check=True).stdout
        batched = subprocess.run(["pdftotext", "-layout", str(tmp_path / "one" / code / f), "-"],
                                 capture_output=True, text=True, check=True).stdout
        assert alone == batched and code in alone


def test_a_failing_variant_does_not_stop_the_others(tmp_path, monkeypatch):
    import neuralsolve.exam as exam_module

    real = exam_module.build_variant
    bad = variant_seed(3, 1)

    def flaky(exam, seed):
        if seed == bad:
            raise ProblemError("computing z2_1: division by zero", "q.yaml", 3, 4)
        return real(exam, seed)

    monkeypatch.setattr(exam_module, "build_variant", flaky)
    r = run("exam", EXAM, "--variants", 3, "--seed", 3, "-o", tmp_path, "--no-pdf", "--jobs", 1)
    assert r.exit_code == 1
    assert f"variant {code_of(bad)}: q.yaml:3:4: computing z2_1: division by zero" in r.stderr
    rows = list(csv.DictReader((tmp_path / "index.csv").read_text().splitlines()))
    assert [row["status"] for row in rows] == ["ok", "failed", "ok"]
    assert not (tmp_path / code_of(bad)).exists()
    assert (tmp_path / rows[2]["code"] / "answers.json").exists()


def test_exam_without_pdflatex_says_what_to_install(tmp_path, monkeypatch):
    import shutil

    monkeypatch.setattr(shutil, "which", lambda name: None)
    r = run("exam", EXAM, "-o", tmp_path)
    assert r.exit_code == 2
    assert r.stderr.strip() == ("neuralsolve: pdflatex is not installed: install TeX Live (on Debian or Ubuntu: "
                                "apt-get install texlive-latex-base texlive-latex-recommended), or pass --no-pdf")


def test_exam_file_errors_are_located(write, tmp_path):
    path = write("exam:\n  title: T\n  questions:\n    - nope.yaml\n", "exam.yaml")
    r = run("exam", path, "-o", tmp_path / "o", "--no-pdf")
    assert r.exit_code == 2
    assert r.stderr.strip().startswith(f"{path}:4:7: question file 'nope.yaml' not found")


def test_render_batches_a_folder(tmp_path):
    r = run("render", ROOT / "problems", "--json", "-o", tmp_path)
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "square-network.json" in names and "square-network-random.json" in names


# -- check --------------------------------------------------------------------

SQUARE = ROOT / "problems" / "square-network.yaml"


def test_check_marks_right_wrong_missing_and_carried_forward(write):
    answers = write("parameter_count: 9\nz2_1: -1\nz2_2: 2\na2_1: 1\na2_2: 5\nz3_1: 3\na3_1: 9\nC: 32\n"
                    "'dC/dz3_1': 48\n'dC/dz2_1': -24\n", "answers.yaml")
    r = run("check", SQUARE, answers)
    assert r.exit_code == 1
    lines = {line.split("│")[0].strip(): line for line in r.output.splitlines() if "│" in line}
    assert "wrong" in lines["a2_2"] and "4" in lines["a2_2"]  # the expected value is shown
    for name in ("z3_1", "a3_1", "C", "dC/dz3_1"):
        assert "consistent" in lines[name], name  # each follows from a2_2 = 5 (dC/dz3_1 = 2*3*(9-1) = 48)
    assert "right" in lines["dC/dz2_1"] and "missing" in lines["dC/dw3_1_1"]
    assert "13 of 20 marks; 5 right, 4 consistent, 1 wrong, 3 missing" in r.output


def test_check_all_right_exits_0(write):
    answers = write("parameter_count: 9\nz2_1: -1\nz2_2: 2\na2_1: 1\na2_2: 4\nz3_1: 2\na3_1: 4\nC: 4.5\n"
                    "'dC/dz3_1': 12\n'dC/dz2_1': -24\n'dC/dz2_2': 48\n'dC/dw3_1_1': 12\n'dC/dw3_1_2': 48\n")
    r = run("check", SQUARE, answers)
    assert r.exit_code == 0, r.output
    assert "20 of 20 marks" in r.output


def test_check_significant_figures_and_tolerance(write):
    sig = ROOT / "problems" / "sigmoid-network.yaml"
    answers = write("a3_1: 0.562\n")
    assert "right" in run("check", sig, answers, "--sig-figs", 3).output.split("a3_1")[1].splitlines()[0]
    assert "wrong" in run("check", sig, answers, "--sig-figs", 5).output.split("a3_1")[1].splitlines()[0]
    assert "right" in run("check", sig, answers, "--tolerance", "1e-3").output.split("a3_1")[1].splitlines()[0]
    assert "wrong" in run("check", sig, answers, "--tolerance", "1e-6").output.split("a3_1")[1].splitlines()[0]


def test_check_against_a_json_key_and_an_exam_key(tmp_path, write):
    key = tmp_path / "key.json"
    assert run("render", SQUARE, "--json", "-o", key).exit_code == 0
    r = run("check", key, write("C: 9/2\n'dC/dw3_1_2': 47\n"))
    assert r.exit_code == 1
    assert "right" in r.output.split("C ")[1].splitlines()[0]
    assert "wrong" in r.output.split("dC/dw3_1_2")[1].splitlines()[0]
    out = tmp_path / "exam"
    assert run("exam", EXAM, "-o", out, "--no-pdf", "--seed", 4).exit_code == 0
    code = code_of(variant_seed(4, 0))
    doc = json.loads((out / code / "answers.json").read_text())
    submitted = {k: v for k, v in doc["answers"].items() if k.startswith("Q3.")}
    r = run("check", out / code / "answers.json", write(json.dumps(submitted)))  # JSON is YAML
    assert "Q3.Lreg" in r.output and "right" in r.output.split("Q3.Lreg")[1].splitlines()[0]


def test_check_symbolic_answers_by_value(write):
    r = run("check", ROOT / "problems" / "log-cosh.yaml", write("'dE/dy': tanh(y - t)\n"))
    assert r.exit_code == 0, r.output
    r = run("check", ROOT / "problems" / "log-cosh.yaml", write("'dE/dy': tanh(t - y)\n"))
    assert r.exit_code == 1


def test_check_bad_answers_file_is_located(write):
    r = run("check", SQUARE, write("C: [1, 2\n"))
    assert r.exit_code == 2 and ":2:1: invalid YAML" in r.stderr


@pytest.mark.parametrize("name", ["square-network", "sigmoid-network", "softmax-regression", "matrix-gplvm"])
def test_the_written_solution_carries_the_answers_stage_unchanged(name):
    """Draws are judged on the answers stage (no solution written); the solution's JSON is exactly those answers."""
    from neuralsolve.answers import compute
    from neuralsolve.spec import load
    from neuralsolve.view import build

    problem = load(ROOT / "problems" / f"{name}.yaml")
    assert build(problem).answers == compute(problem)[1].strings


@pytest.mark.slow
def test_an_interrupted_exam_leaves_no_workers_no_temporary_folders_and_no_lock(tmp_path):
    """Ctrl-C (SIGINT to the process group) in the middle of a batch with PDFs."""
    import os
    import signal
    import sys
    import time

    pdflatex()
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, "-m", "neuralsolve", "exam", str(EXAM), "--variants", "40", "-o", str(out),
                             "--jobs", "2"], start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob(".*.tmp-*")):  # a variant being written
        time.sleep(0.05)
    assert list(out.glob(".*.tmp-*")), "the batch never started"
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no process of the run is left: workers and pdflatex included
    assert not list(out.glob(".*.tmp-*")) and not list(out.glob(".*.old-*"))
    assert not (out / ".neuralsolve-exam.lock").exists()
    for folder in (p for p in out.iterdir() if p.is_dir()):  # what was written is whole
        assert {f.name for f in folder.iterdir()} >= {"questions.tex", "key.tex", "answers.json"}


def test_a_one_part_question_shows_no_lone_part_label(tmp_path):
    """The shipped exam's Q2 and Q3 come from problems whose only part is (b) and (ii) in their sources."""
    r = run("exam", EXAM, "--variants", 1, "--seed", 1, "-o", tmp_path, "--no-pdf")
    assert r.exit_code == 0, r.output
    (md,) = tmp_path.glob("*/questions.md")
    text = md.read_text(encoding="utf-8")
    assert "**(b)** Give the backward" not in text and "**Task** Give the backward computations" in text
    assert "**(ii)**" not in text and "**(a)** How many trainable parameters" in text  # several parts keep theirs
    doc = json.loads(next(tmp_path.glob("*/answers.json")).read_text(encoding="utf-8"))
    assert "Q2.dE/dw13" in doc["answers"]

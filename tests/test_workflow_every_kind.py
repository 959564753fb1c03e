"""Workflows through the kind interface: render --verify, exams, check and randomized variants, for every kind."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import sympy
from click.testing import CliRunner

from neuralsolve.cli import cli
from neuralsolve.kinds import KINDS

from .conftest import ROOT

# one numeric problem per kind (every registered kind must have one here)
EXAMPLES = {
    "network": "square-network.yaml",
    "graph": "shared-parameter.yaml",
    "matrix": "matrix-softmax-regression.yaml",
    "cnn": "cnn-architecture.yaml",
    "rnn": "rnn-bptt.yaml",
    "evaluate": "evaluate-vae-regulariser.yaml",
    "optimize": "optimize-step-sizes.yaml",
    "calculus": "calculus-swish-limits.yaml",
}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_every_registered_kind_has_an_example_here():
    assert set(EXAMPLES) == set(KINDS)


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_render_verify_agrees(kind):
    r = run("render", ROOT / "problems" / EXAMPLES[kind], "--json", "--verify")
    assert r.exit_code == 0, r.output + r.stderr
    notes = json.loads(r.stdout)["notes"]
    assert any(n.startswith("Verified") for n in notes), notes


@pytest.mark.parametrize("kind", sorted(EXAMPLES))
def test_an_exam_with_a_question_of_each_kind_builds_and_its_key_marks_answers(kind, tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: Every kind\n  questions:\n    - {ROOT / 'problems' / EXAMPLES[kind]}\n",
                    encoding="utf-8")
    r = run("exam", exam, "--variants", 1, "--seed", 5, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output + r.stderr
    (key,) = (tmp_path / "out").glob("*/answers.json")
    doc = json.loads(key.read_text(encoding="utf-8"))
    graded = [q for p in doc["questions"][0]["parts"] for q in p["quantities"]]
    assert graded, "the key asks for nothing"
    answers = doc["answers"]
    # every graded answer right but one, which is made wrong: check says which, and exits 1
    name = f"Q1.{graded[-1]}"
    right = {f"Q1.{q}": answers[f"Q1.{q}"] for q in graded}
    right[name] = _wrong(answers[name])
    sub = tmp_path / "answers.yaml"
    sub.write_text("".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in right.items()), encoding="utf-8")
    r = run("check", key, sub)
    assert r.exit_code == 1, r.output + r.stderr
    verdicts = {line.split()[0]: line for line in r.stdout.splitlines() if line.strip().startswith("Q1.")}
    assert "wrong" in verdicts[name] and all("right" in v for k, v in verdicts.items() if k != name), r.stdout
    del right[name]
    right[name] = answers[name]
    sub.write_text("".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in right.items()), encoding="utf-8")
    assert run("check", key, sub).exit_code == 0


def _wrong(spelled: str) -> str:
    """An answer changed in its first number (a matrix's first entry, a scalar's value)."""
    if spelled.startswith("Matrix("):
        m = sympy.sympify(spelled)
        m[0] = m[0] + 1
        return "Matrix([" + ", ".join("[" + ", ".join(str(x) for x in m.row(i)) + "]" for i in range(m.rows)) + "])"
    if spelled.startswith("["):
        items = spelled[1:-1].split(",")
        return "[" + ", ".join([str(sympy.sympify(items[0]) + 1)] + [i.strip() for i in items[1:]]) + "]"
    return str(sympy.sympify(spelled) + 1)


RANDOM_MATRIX = """title: Softmax regression with drawn weights
random:
  draw:
    B: {integers: [-2, 2], shape: [3, 2]}
  where:
    - dl/db != 0
    - integer(z)
matrix:
  shapes: {W: [C, D], x: [D], b: [C], y: [C]}
  equations:
    z: W @ x + b
    a: softmax(z)
    l: cross_entropy(a, y)
  parameters: [W, b]
  values: {W: B, x: [1, 2], b: [0, 0, 0], y: [0, 1, 0]}
"""


def test_a_randomized_matrix_problem_draws_and_judges_matrix_answers(write):
    path = write(RANDOM_MATRIX)
    r = run("render", path, "--json", "--variant", "3K7Q0M")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    W = sympy.Matrix([[sympy.Integer(x) for x in row] for row in doc["draws"]["B"]])
    z = sympy.sympify(doc["answers"]["z"])
    assert z == W * sympy.Matrix([1, 2])  # the drawn weights, used as drawn


def test_a_condition_may_not_order_a_matrix(write):
    path = write(RANDOM_MATRIX.replace("dl/db != 0", "z > 0"))
    r = run("render", path, "--json")
    assert r.exit_code == 2
    assert r.stderr.strip().endswith("the condition 'z > 0' orders a matrix or list; compare it with == or !=, "
                                     "or use integer(...)")


def test_a_condition_naming_no_answer_is_an_error_where_it_is_written(write):
    text = ("title: t\nrandom:\n  draw:\n    c: {integers: [1, 3]}\n  where:\n    - dC/dw9_1_1 > 0\n"
            "network:\n  input: [1, c]\n  layers:\n    - {weights: [[1, 1]], activation: x^2}\n  target: 1\n")
    r = run("validate", write(text))
    assert r.exit_code == 2
    assert r.stderr.strip().endswith(":6:7: the condition 'dC/dw9_1_1 > 0' reads 'dC/dw9_1_1', which is not an "
                                     "answer of this problem; did you mean 'dL/dw2_1_1'?")


TWO_SYMMETRIC = """title: Two symmetric matrices
matrix:
  shapes: {X: [n, q], Y: [n, d]}
  equations:
    K: X @ X.T + I
    M: Y @ Y.T
    L: trace(inv(K) @ M @ inv(K) @ K @ M)
  parameters: [X, Y]
"""


@pytest.mark.slow
def test_matrix_prose_does_not_depend_on_the_hash_seed(write):
    path = write(TWO_SYMMETRIC)
    outs = set()
    for seed in ("1", "2", "3"):
        r = subprocess.run([sys.executable, "-m", "neuralsolve", "render", str(path), "--markdown"],
                           capture_output=True, text=True, env={"PYTHONHASHSEED": seed, "PATH": ""}, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        outs.add(r.stdout)
    assert len(outs) == 1
    assert r"$\mathbf{K}$ and $\mathbf{M}$ are symmetric" in outs.pop()

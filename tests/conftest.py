"""Shared fixtures: the problems folder and helpers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy
from click.testing import CliRunner

from neuralsolve.cli import cli

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = sorted((ROOT / "problems").glob("*.yaml"))


@pytest.fixture
def write(tmp_path):
    """Write a YAML problem into a temporary file and return its path."""

    def _write(text: str, name: str = "p.yaml") -> Path:
        p = tmp_path / name
        p.write_text(text, encoding="utf-8")
        return p

    return _write


def run(*args, **kwargs):
    """The CLI on these arguments (paths and numbers passed as they print), as CliRunner returns it."""
    return CliRunner().invoke(cli, [str(a) for a in args], **kwargs)


def answers(worked) -> dict:
    """A solved problem's JSON answers contract, read back as the contract says: sympy.sympify with each name
    of its "symbols" a Symbol (beta a name, not SymPy's beta function)."""
    doc = json.loads(worked.json())
    names = {n: sympy.Symbol(n) for n in doc["symbols"]}
    return {k: sympy.sympify(v, locals=names) for k, v in doc["answers"].items()}


def exam_key(tmp_path: Path, title: str, *questions: Path) -> Path:
    """Build one variant (seed 5, no PDF) of an exam of these problem files; its answers.json, the key."""
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: {title}\n  questions:\n" + "".join(f"    - {q}\n" for q in questions),
                    encoding="utf-8")
    r = run("exam", exam, "--variants", 1, "--seed", 5, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output + r.stderr
    (key,) = (tmp_path / "out").glob("*/answers.json")
    return key


def assert_located(result, path, message: str) -> None:
    """A bad file's one line: exit status 2 and FILE:LINE:COL: message on stderr, nothing else."""
    assert result.exit_code == 2, result.output
    assert result.stderr.strip() == f"{path}:{message}"


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path, monkeypatch):
    """Every test runs in its own empty folder, so what a command writes beside it (solve's ./figures) never
    lands in the checkout; tests name the project's files from ROOT."""
    monkeypatch.chdir(tmp_path)

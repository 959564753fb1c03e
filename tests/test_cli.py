"""The command line, through click's CliRunner."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from neuralsolve.cli import cli

from .conftest import PROBLEMS, ROOT

SQUARE = str(ROOT / "problems" / "square-network.yaml")


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_solve_prints_the_worked_solution():
    r = run("solve", SQUARE)
    assert r.exit_code == 0
    assert "δ2 = ∂C/∂z2" in r.output
    assert "(-24, 48)ᵀ" in r.output
    assert "C = 1/2·(a3_1 - y)^2 = 1/2·(4 - 1)^2 = 9/2" in r.output


def test_render_json_is_the_answers_contract():
    r = run("render", SQUARE, "--json")
    assert r.exit_code == 0
    doc = json.loads(r.output)
    assert set(doc) >= {"title", "answers", "parts"}
    assert doc["answers"]["C"] == "9/2"
    assert doc["answers"]["dC/dw3_1_2"] == "48"
    assert doc["parts"][0]["label"] == "a"


def test_render_needs_a_format():
    r = run("render", SQUARE)
    assert r.exit_code == 2
    assert "choose an output format: --latex, --markdown, --html or --json" in r.output


def test_render_several_files_into_a_folder(tmp_path):
    out = tmp_path / "out"
    r = run("render", *map(str, PROBLEMS), "--latex", "-o", str(out))
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == sorted(p.stem + ".tex" for p in PROBLEMS)


def test_render_several_files_need_a_folder():
    r = run("render", SQUARE, SQUARE, "--json")
    assert r.exit_code == 2
    assert "several files need -o FOLDER" in r.output


def test_fragment_is_a_body_without_preamble():
    r = run("render", SQUARE, "--latex", "--fragment")
    assert r.exit_code == 0
    assert r"\documentclass" not in r.output and r"\begin{align*}" in r.output


def test_a_failed_render_leaves_the_old_output_alone(tmp_path, write):
    target = tmp_path / "answer.tex"
    target.write_text("precious")
    bad = write("title: x\nnetwork:\n  inputs: [1]\n")
    r = run("render", str(bad), "--latex", "-o", str(target))
    assert r.exit_code == 2
    assert target.read_text() == "precious"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".answer")] == []


def test_output_is_replaced_whole(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    assert run("render", SQUARE, "--json", "-o", str(target)).exit_code == 0
    assert json.loads(target.read_text())["answers"]["C"] == "9/2"


def test_validate_reports_ok():
    r = run("validate", *map(str, PROBLEMS))
    assert r.exit_code == 0
    assert r.output.count(": ok") == len(PROBLEMS)


def test_rich_markup_in_author_text_is_printed_literally(write):
    p = write("title: '[bold]not bold[/bold] \\input{x}'\ngraph:\n  equations:\n    E: x^2\n  values: {x: 3}\n")
    r = run("solve", str(p))
    assert r.exit_code == 0
    assert "[bold]not bold[/bold]" in r.output


def test_python_dash_m_runs():
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-m", "neuralsolve", "render", SQUARE, "--json"], capture_output=True, text=True)
    assert r.returncode == 0 and '"C": "9/2"' in r.stdout


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help_with_an_example(name):
    r = run(name, "--help")
    assert r.exit_code == 0
    assert "Example" in r.output and "neuralsolve " + name in r.output


def test_group_help_has_an_example():
    r = run("--help")
    assert r.exit_code == 0 and "Example" in r.output

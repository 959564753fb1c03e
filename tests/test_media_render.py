"""Golden Markdown and LaTeX per problem, pdflatex on every LaTeX output, determinism.

Golden files live in tests/golden/. After an intended change, regenerate them with
NEURALSOLVE_UPDATE_GOLDEN=1 pytest tests/test_media_render.py, then read the diff and
look at the compiled PDF before committing.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

import neuralsolve

from .conftest import PROBLEMS, ROOT

GOLDEN = ROOT / "tests" / "golden"
UPDATE = os.environ.get("NEURALSOLVE_UPDATE_GOLDEN") == "1"


def _check(path, text):
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with NEURALSOLVE_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{path.name} differs from its golden file"


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_golden_markdown(problem):
    _check(GOLDEN / f"{problem.stem}.md", neuralsolve.solve(problem).markdown())


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_golden_latex(problem):
    _check(GOLDEN / f"{problem.stem}.tex", neuralsolve.solve(problem).latex())


@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_same_input_same_bytes(problem):
    a, b = neuralsolve.solve(problem), neuralsolve.solve(problem)
    assert a.latex() == b.latex() and a.json() == b.json() and a.markdown() == b.markdown()


def pdflatex():
    exe = shutil.which("pdflatex")
    if exe is None:
        if os.environ.get("NEURALSOLVE_REQUIRE_PDFLATEX") == "1":
            pytest.fail("pdflatex is required here (NEURALSOLVE_REQUIRE_PDFLATEX=1) but is not installed")
        pytest.skip("pdflatex is not installed")
    return exe


def compile_tex(tex: str, folder) -> None:
    src = folder / "doc.tex"
    src.write_text(tex, encoding="utf-8")
    r = subprocess.run([pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                       cwd=folder, capture_output=True, text=True, timeout=120)
    log = (folder / "doc.log").read_text(errors="replace") if (folder / "doc.log").exists() else r.stdout
    assert r.returncode == 0, log[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 1000


@pytest.mark.slow
@pytest.mark.parametrize("problem", PROBLEMS, ids=lambda p: p.stem)
def test_latex_compiles(problem, tmp_path):
    compile_tex(neuralsolve.solve(problem).latex(), tmp_path)


@pytest.mark.slow
def test_fragment_compiles_inside_a_document(tmp_path):
    body = neuralsolve.solve(ROOT / "problems" / "square-network.yaml").latex(fragment=True)
    doc = "\\documentclass{article}\\usepackage{amsmath,amssymb,bm}\\begin{document}\n" + body + "\\end{document}\n"
    compile_tex(doc, tmp_path)


@pytest.mark.slow
def test_author_text_is_escaped_for_latex(tmp_path):
    text = ("title: 'Costs: 100% & #1 \\input{/etc/passwd} $x$ _ ^ ~ {}'\n"
            "graph:\n  equations:\n    E: x^2\n  values: {x: 3}\n"
            "parts:\n  - question: 'Is 5 > 3 & 2 < 4? \\end{document}'\n    ask: forward\n"
            "  - answer: 'Yes: {braces} and \\backslash'\n")
    tex = neuralsolve.solve_text(text).latex()
    assert r"\input{/etc/passwd}" not in tex
    assert r"\textbackslash{}input\{/etc/passwd\}" in tex
    assert r"100\% \& \#1" in tex
    compile_tex(tex, tmp_path)


def test_jupyter_representations():
    w = neuralsolve.solve(ROOT / "problems" / "square-network.yaml")
    assert w._repr_markdown_().startswith("# ")
    assert r"\begin{align*}" in w._repr_latex_()


@pytest.mark.slow
def test_same_bytes_across_processes_and_hash_seeds(tmp_path):
    """Set iteration order changes with PYTHONHASHSEED; the output must not."""
    import sys

    outs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        r = subprocess.run([sys.executable, "-m", "neuralsolve", "render", *map(str, PROBLEMS), "--latex",
                            "-o", str(tmp_path / seed)], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in sorted((tmp_path / seed).iterdir())})
    assert outs[0] == outs[1]


NUMERIC_TANH = """
title: Numeric tanh graph
graph:
  equations:
    z3: x1*w13 + x2*w23
    a3: tanh(z3)
    y: a3*w35 + x2
    E: log(cosh(y - t))
  values: {x1: 1, x2: -1, w13: 0.5, w23: 0.25, w35: 2, t: 0.5}
parts:
  - ask: {gradients: [w13]}
"""


@pytest.mark.parametrize("source", [*PROBLEMS, NUMERIC_TANH], ids=lambda p: getattr(p, "stem", "numeric-tanh"))
def test_no_doubled_signs_in_any_medium(source):
    """A substituted negative number is bracketed, never written as --0.7 or + -3."""
    w = neuralsolve.solve(source) if not isinstance(source, str) else neuralsolve.solve_text(source)
    from neuralsolve import render

    text = render.terminal(w.solution) + w.markdown()
    for bad in ("--", "+ -", "- -", "= -(-"):
        assert bad not in text.replace("---", ""), bad
    if isinstance(source, str):
        terminal = render.terminal(w.solution).replace("\u00a0", " ")
        assert "∂E/∂y = 1/cosh(y - t)·sinh(y - t)·1" in terminal and "= tanh(-0.5102 - 0.5)" in terminal

"""A non-editable install carries the templates: render from outside the source tree."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_installed_copy_renders_from_any_folder(tmp_path):
    target = tmp_path / "site"
    r = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation", "--no-index", "--quiet",
         "--target", str(target), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    assert (target / "neuralsolve" / "templates" / "solution.tex.j2").exists()
    env = {**os.environ, "PYTHONPATH": str(target)}
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import neuralsolve, sys; w = neuralsolve.solve(sys.argv[1]); "
            "assert neuralsolve.__file__.startswith(sys.argv[2]), neuralsolve.__file__; print(w.latex()[:40])")
    r = subprocess.run([sys.executable, "-c", code, str(ROOT / "problems" / "square-network.yaml"), str(target)],
                       cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r"\documentclass" in r.stdout

"""media: render --html, a standalone page whose math MathJax typesets (checked in headless Chromium)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import neuralsolve
from neuralsolve.cli import cli

from .conftest import ROOT

LOCAL_MATHJAX = Path("/usr/share/javascript/mathjax/MathJax.js")  # Debian's libjs-mathjax


def test_the_page_is_html_from_the_markdown_with_math_for_mathjax(tmp_path):
    out = tmp_path / "page.html"
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "cnn-architecture.yaml"), "--html", "-o", str(out)])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<table>" in page  # the summary table is a table
    assert "$$" not in page and "\\[" in page and "\\(" in page  # math delimited for MathJax
    assert 'src="https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"' in page


def test_author_text_never_becomes_html(tmp_path):
    p = tmp_path / "p.yaml"
    p.write_text('title: "<script>alert(1)</script> & co"\ngraph:\n  equations:\n    y: 2*x\n  values: {x: 1}\n'
                 'parts:\n  - question: "<img src=x onerror=alert(1)>"\n    ask: forward\n', encoding="utf-8")
    from neuralsolve import render

    page = render.html([neuralsolve.solve(p).solution])
    assert "<script>alert" not in page and "<img" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page


def test_mathjax_option_goes_with_html_only():
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "log-cosh.yaml"), "--latex", "--mathjax", "x.js"])
    assert r.exit_code == 2 and "--mathjax goes with --html" in r.output


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None or not LOCAL_MATHJAX.exists():
        if os.environ.get("NEURALSOLVE_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium and libjs-mathjax are required here (NEURALSOLVE_REQUIRE_BROWSER=1)")
        pytest.skip("chromium or Debian's libjs-mathjax is not installed")
    return exe


def typeset(exe: str, path, page: str) -> str:
    """The page as headless Chromium leaves it once MathJax has run; every math element of `page` typeset, none
    an error (MathJax 2 marks a formula it could not read mjx-merror, MathJax_Error or, with noErrors, mjx-noError)."""
    expected = page.count('<div class="math">') + page.count('class="math inline"')
    dom = subprocess.run([exe, "--headless", "--disable-gpu", "--no-sandbox", "--allow-file-access-from-files",
                          "--virtual-time-budget=60000", "--dump-dom", path.as_uri()],
                         capture_output=True, text=True, timeout=180).stdout
    rendered = len(re.findall(r'id="MathJax-Element-\d+-Frame"', dom))
    assert expected > 0 and rendered == expected, (rendered, expected)
    assert not re.search(r'class="mjx-merror"|class="MathJax_Error"|class="mjx-noError"', dom)
    return dom


@pytest.mark.slow
@pytest.mark.parametrize("name", ["sigmoid-network", "matrix-gplvm", "rnn-vector", "optimize-step-sizes"])
def test_headless_chromium_typesets_every_formula(tmp_path, name):
    """Every math element becomes a MathJax rendering, none an error, and no raw $$ is left on the page."""
    exe = _chromium()
    out = tmp_path / f"{name}.html"
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / f"{name}.yaml"), "--html", "-o", str(out),
                                 "--mathjax", f"file://{LOCAL_MATHJAX}?config=TeX-AMS_CHTML"])
    assert r.exit_code == 0, r.output
    page = out.read_text(encoding="utf-8")
    dom = typeset(exe, out, page)
    body = re.sub(r"<script.*?</script>|<style.*?</style>", "", dom, flags=re.S)
    assert "$$" not in body
    text = re.sub(r"<[^>]+>", "", body)
    assert not re.findall(r"\\[a-zA-Z]+", text)  # no TeX command left as text (an undefined macro shows so)

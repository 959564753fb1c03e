"""PDF through pdflatex, reproducibly (same input, same bytes) and atomically."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ProblemError
from .files import write_atomic

INSTALL_HINT = ("install TeX Live (on Debian or Ubuntu: apt-get install texlive-latex-base "
                "texlive-latex-recommended), or pass --no-pdf")


class ToolError(ProblemError):
    """A tool the command needs is missing or failed; printed without a file position."""

    def __str__(self) -> str:
        return f"neuralsolve: {self.message}"


def pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ToolError(f"pdflatex is not installed: {INSTALL_HINT}")
    return exe


def compile_pdf(tex: str, target: Path) -> None:
    """Compile `tex` and put the PDF at `target`; nothing is written there if pdflatex fails."""
    exe = pdflatex()
    with tempfile.TemporaryDirectory(prefix="neuralsolve-") as d:
        (Path(d) / "doc.tex").write_text(tex, encoding="utf-8")
        env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}  # no clock in the bytes
        r = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                           cwd=d, env=env, capture_output=True, text=True, timeout=300)
        pdf = Path(d) / "doc.pdf"
        if r.returncode != 0 or not pdf.exists():
            log = (Path(d) / "doc.log").read_text(errors="replace") if (Path(d) / "doc.log").exists() else r.stdout
            first = next((ln for ln in log.splitlines() if ln.startswith("!")), "see the log")
            raise ToolError(f"pdflatex failed on {target.name}: {first.lstrip('! ')}")
        write_atomic(target, pdf.read_bytes())

"""PDF through pdflatex, reproducibly (same input, same bytes) and atomically.

pdflatex spends most of a short run starting up (format, font map, font embedding), so `compile_many`
typesets many documents that share their packages in one run and splits the result with pypdf.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import ProblemError
from .files import write_atomic

INSTALL_HINT = ("install TeX Live (on Debian or Ubuntu: apt-get install texlive-latex-base "
                "texlive-latex-recommended), or pass --no-pdf")
BEGIN, END = "\\begin{document}", "\\end{document}"
_LOADS = re.compile(r"^[ \t]*\\(?:documentclass|usepackage|RequirePackage)\b.*$", re.M)

# Run once after \begin{document}: remember every LaTeX counter (page, section, equation, footnote, ...:
# the kernel lists them all in \cl@@ckpt, as \include does) so each document can start from them again.
_BATCH_START = r"""\makeatletter
\newwrite\nsmap\immediate\openout\nsmap=\jobname.map
\begingroup\def\@elt#1{\noexpand\setcounter{#1}{\the\value{#1}}}\xdef\nsrestore{\cl@@ckpt}\endgroup
\makeatother
"""
# After each document: finish its pages, record how many pages the run has shipped, reset the counters.
_DOC_END = "\n\\clearpage\\endgroup\\immediate\\write\\nsmap{\\the\\ReadonlyShipoutCounter}\\nsrestore\n"


class ToolError(ProblemError):
    """A tool the command needs is missing or failed; printed without a file position."""

    def __str__(self) -> str:
        return f"neuralsolve: {self.message}"


def pdflatex() -> str:
    exe = shutil.which("pdflatex")
    if exe is None:
        raise ToolError(f"pdflatex is not installed: {INSTALL_HINT}")
    return exe


def _run(tex: str, d: Path) -> subprocess.CompletedProcess:
    """pdflatex on doc.tex in folder d, with the clock fixed so that the same input gives the same bytes."""
    (d / "doc.tex").write_text(tex, encoding="utf-8")
    env = {**os.environ, "SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1"}  # no clock in the bytes
    return subprocess.run([pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "-no-shell-escape", "doc.tex"],
                          cwd=d, env=env, capture_output=True, text=True, timeout=300)


def compile_pdf(tex: str, target: Path) -> None:
    """Compile `tex` and put the PDF at `target`; nothing is written there if pdflatex fails."""
    with tempfile.TemporaryDirectory(prefix="neuralsolve-") as d:
        r = _run(tex, Path(d))
        pdf = Path(d) / "doc.pdf"
        if r.returncode != 0 or not pdf.exists():
            log = (Path(d) / "doc.log").read_text(errors="replace") if (Path(d) / "doc.log").exists() else r.stdout
            first = next((ln for ln in log.splitlines() if ln.startswith("!")), "see the log")
            raise ToolError(f"pdflatex failed on {target.name}: {first.lstrip('! ')}")
        write_atomic(target, pdf.read_bytes())


def compile_many(docs: list[tuple[str, Path]]) -> list[ProblemError | None]:
    """Compile each (tex, target) like compile_pdf, sharing pdflatex runs; return each document's error or None.

    Documents that load the same class and packages (see `_parts`) share one run; a document that cannot
    be batched, or a batch that fails to compile, is compiled alone, so an error names its own document
    and every other document still gets its PDF. A document's bytes depend only on its batch, never on
    the order or the process in which batches run.
    """
    try:
        pdflatex()
    except ToolError as exc:
        return [exc] * len(docs)
    errors: list[ProblemError | None] = [None] * len(docs)
    groups: dict[object, list[int]] = {}
    for i, (tex, _) in enumerate(docs):
        parts = _parts(tex)
        groups.setdefault(parts[0] if parts else ("alone", i), []).append(i)
    for members in groups.values():
        pdfs = _compile_batch([docs[i][0] for i in members]) if len(members) > 1 else None
        for k, i in enumerate(members):
            try:
                if pdfs is None:
                    compile_pdf(*docs[i])
                else:
                    write_atomic(docs[i][1], pdfs[k])
            except ProblemError as exc:  # pdflatex failed, or the PDF cannot be written
                errors[i] = exc
    return errors


def _parts(tex: str) -> tuple[str, str, str] | None:
    """(loads, settings, body) of a standalone document, or None if it has no document environment.

    `loads` runs up to the last \\documentclass/\\usepackage line: it is what must stay in the preamble and
    what documents share to go in one run. `settings` (the rest of the preamble: page style, headers
    naming the variant) are ordinary commands, so each document runs its own at the top of its body.
    """
    start, end = tex.find(BEGIN), tex.rfind(END)
    if start < 0 or end < start:
        return None
    preamble = tex[:start]
    last = list(_LOADS.finditer(preamble))
    cut = last[-1].end() if last else 0
    return preamble[:cut], preamble[cut:], tex[start + len(BEGIN):end]


def _batch_tex(texs: list[str]) -> str:
    """One document typesetting each of `texs` on fresh pages, in a group, from the counters it would start with."""
    out = [_parts(texs[0])[0], "\n", BEGIN, "\n", _BATCH_START]
    for tex in texs:
        _, settings, body = _parts(tex)
        out += ["\\begingroup\n", settings, body, _DOC_END]
    out += [END, "\n"]
    return "".join(out)


def _compile_batch(texs: list[str]) -> list[bytes] | None:
    """Typeset `texs` in one pdflatex run and split it: each one's PDF, or None if the run failed.

    Every document must have compiled and have at least one page, or none of them is used.
    """
    from pypdf import PdfReader

    with tempfile.TemporaryDirectory(prefix="neuralsolve-") as d:
        r = _run(_batch_tex(texs), Path(d))
        pdf, side = Path(d) / "doc.pdf", Path(d) / "doc.map"
        if r.returncode != 0 or not pdf.exists() or not side.exists():
            return None
        ends = [int(n) for n in side.read_text(encoding="ascii").split()]
        reader = PdfReader(pdf)
        starts = [0, *ends[:-1]]
        if len(ends) != len(texs) or ends[-1] != len(reader.pages) or any(e <= s for s, e in zip(starts, ends)):
            return None
        return [_extract(reader, s, e) for s, e in zip(starts, ends)]


def _extract(reader, start: int, end: int) -> bytes:
    """Pages start..end-1 as a PDF of their own: only the objects those pages reach, no random /ID.

    The information dictionary is the batch's (pdfTeX's, with the fixed date), so the bytes are reproducible.
    """
    from pypdf import PdfWriter

    writer = PdfWriter()
    for page in reader.pages[start:end]:
        writer.add_page(page)
    writer.add_metadata(reader.metadata or {})
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()

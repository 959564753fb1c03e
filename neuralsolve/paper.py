"""Paper exams for scanning: `neuralsolve exam EXAM.yaml --paper` (issue 12, items 4 and 6).

Each variant gets, beside its question sheet and key, `paper.tex`/`.pdf` and `key-compact.tex`/`.pdf`:

- the paper sheet: a cover page (title, a name and student-ID box, the instructions, a table of the questions
  and their marks with room for the marker's score), then every question on a new page, each part followed by a
  framed answer box `CM_PER_MARK` centimetres tall per mark (`UNMARKED_CM` for a part without marks; a box taller
  than `MAX_BOX_CM` is split into equal boxes, so that no box is taller than a page). Every page carries the
  variant code in its header and footer and a QR code of the code in its footer, drawn as rules in a `picture`
  from segno's module matrix (no image files, the same bytes every time);
- the compact key, for markers: a table of every asked answer (question, part, name, value and the marks it
  earns), one page for an exam of up to about 50 answers (a longer one continues, the header repeated).

Every variant's paper sheet has the same number of pages: the budget is `--pages N`, or else the page count of the
batch's first variant. A shorter sheet is padded with pages of extra working space; a variant whose sheet needs
more pages than the budget fails with an error naming it (its folder is not written; exit status 2).
"""

from __future__ import annotations

import itertools
import math
import tempfile
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import sympy

from .errors import ProblemError

CM_PER_MARK = 1.0  # the answer box's height per mark of its part
UNMARKED_CM = 4.0  # the height of the answer box of a part without marks
MAX_BOX_CM = 15.0  # the tallest box; a part that needs more gets several equal boxes
QR_MODULE_MM = 0.5  # the side of one QR module (the code is 21 modules, and a quiet zone of QR_QUIET on each side)
QR_QUIET = 4
QR_ERROR = "h"  # error correction level H: a code still reads with 30% of it smudged


@dataclass(frozen=True)
class PaperOptions:
    """What --paper asks for: the page budget (None: the first variant's page count, found before the batch)."""

    pages: int | None = None


# -- the QR code -----------------------------------------------------------------------------------------

def qr_matrix(code: str) -> tuple[tuple[int, ...], ...]:
    """segno's module matrix of a variant code (1 dark, 0 light), first row at the top, without the quiet zone."""
    import segno

    qr = segno.make_qr(code, error=QR_ERROR, boost_error=False)
    return tuple(tuple(int(m) for m in row) for row in qr.matrix)


def qr_runs(matrix: tuple[tuple[int, ...], ...]) -> list[tuple[int, int, int]]:
    """The dark modules of a QR matrix as horizontal runs (x, y, length) in module units, y counted up from the
    bottom of the picture (LaTeX's picture coordinates), the quiet zone included."""
    runs = []
    for r, row in enumerate(matrix):
        c = 0
        for dark, group in itertools.groupby(row):
            n = len(list(group))
            if dark:
                runs.append((QR_QUIET + c, QR_QUIET + len(matrix) - 1 - r, n))
            c += n
    return runs


def qr_picture(code: str) -> str:
    """The QR code of `code` as a LaTeX picture of black rules (one per run of dark modules)."""
    matrix = qr_matrix(code)
    side = len(matrix) + 2 * QR_QUIET
    puts = "".join(f"\\put({x},{y}){{\\rule{{{n}\\unitlength}}{{1\\unitlength}}}}" for x, y, n in qr_runs(matrix))
    return (f"{{\\setlength{{\\unitlength}}{{{QR_MODULE_MM}mm}}\\begin{{picture}}({side},{side})%\n"
            f"{puts}%\n\\end{{picture}}}}")


# -- answer space ----------------------------------------------------------------------------------------

def box_heights(marks: str | None) -> list[float]:
    """The answer boxes of a part with these marks, in centimetres: CM_PER_MARK a mark (UNMARKED_CM without
    marks), split into equal boxes of at most MAX_BOX_CM."""
    total = UNMARKED_CM if marks is None else max(float(Fraction(marks)) * CM_PER_MARK, CM_PER_MARK)
    n = math.ceil(total / MAX_BOX_CM - 1e-9)
    return [round(total / n, 2)] * n


# -- the documents ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PaperPart:
    """One part as the paper sheet lays it out: its heading, its task, its marks note and its answer boxes."""

    heading: str  # "(a)" or "Task", escaped
    tex: str
    marks: str  # "[3 marks]", or "" without marks
    boxes: tuple[tuple[str, float], ...]  # (caption, height in cm): "Answer (a)", then "Answer (a), continued"


def paper_part(sq) -> PaperPart:
    """The layout of one part of a question's statement."""
    from .latex import tex_escape

    label = f"({tex_escape(sq.label, line=True)})" if sq.label else ""
    caption = f"Answer {label}" if label else "Answer"
    marks = f"[{sq.marks} mark{'' if sq.marks == '1' else 's'}]" if sq.marks else ""
    boxes = tuple((caption if i == 0 else f"{caption}, continued", h) for i, h in enumerate(box_heights(sq.marks)))
    return PaperPart(label or "Task", sq.tex, marks, boxes)


def sheet(variant) -> str:
    """The paper sheet of an exam variant (LaTeX), before any padding."""
    from .render import _tex_env

    questions = [(q, [paper_part(sq) for sq in q.statement.questions]) for q in variant.questions]
    return _tex_env().get_template("paper.tex.j2").render(v=variant, questions=questions, qr=qr_picture(variant.code))


def _marks_share(marks: str | None, n: int):
    """An answer's share of its part's marks, as check gives it (marks as written: 6.66667 is 20/3)."""
    if marks is None or n == 0:
        return None
    return sympy.Rational(Fraction(marks).limit_denominator(1000)) / n


def compact_rows(variant) -> list[dict]:
    """The compact key's rows: every asked answer of every question, with its value and its marks."""
    from .check import mark_text

    rows = []
    for q in variant.questions:
        for i, p in enumerate(q.solution.parts):
            label = p.label if p.label is not None else (str(i + 1) if len(q.solution.parts) > 1 else "")
            share = _marks_share(p.marks, len(p.quantities))
            marks = "" if share is None else mark_text(share)  # as check's gradebook writes marks
            for name in p.quantities:
                rows.append({"question": q.number, "part": label, "name": f"Q{q.number}.{name}",
                             "value": q.solution.answers.get(name, ""), "marks": marks})
    return rows


def _breakable(tex: str) -> str:
    """An escaped answer value with places a long one may break: after commas and around + and -."""
    return (tex.replace(", ", ",\\allowbreak{} ").replace(" + ", " +\\allowbreak{} ")
            .replace(" - ", " -\\allowbreak{} ").replace("*", "*\\allowbreak{}"))


def compact_key(variant) -> str:
    """The one-page key for markers (LaTeX)."""
    from .latex import tex_escape
    from .render import _tex_env

    rows = [dict(r, name=tex_escape(r["name"], line=True), part=tex_escape(r["part"], line=True),
                 value=_breakable(tex_escape(r["value"], line=True))) for r in compact_rows(variant)]
    size = "small" if len(rows) <= 36 else "footnotesize" if len(rows) <= 42 else "scriptsize"  # one page to ~50
    return _tex_env().get_template("paper-key.tex.j2").render(v=variant, rows=rows, size=size)


def documents(variant) -> dict[str, str]:
    """The LaTeX --paper adds to a variant's folder, by file stem."""
    return {"paper": sheet(variant), "key-compact": compact_key(variant)}


PAD = "\\nsextrapage\n"


def pad(tex: str, pages: int) -> str:
    """The sheet with `pages` pages of extra working space at its end."""
    end = tex.rindex("\\end{document}")
    return tex[:end] + PAD * pages + tex[end:]


# -- the page budget -------------------------------------------------------------------------------------

def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def natural_pages(exam_path: str, seeds: list[int]) -> int | None:
    """The page count of the first variant that builds, its sheet compiled alone (None if none builds)."""
    from .exam import build_variant, load_exam
    from .pdf import compile_pdf

    exam = load_exam(exam_path)
    for seed in seeds:
        try:
            tex = sheet(build_variant(exam, seed))
        except ProblemError:
            continue
        with tempfile.TemporaryDirectory(prefix="neuralsolve-") as d:
            compile_pdf(tex, Path(d) / "paper.pdf")
            return page_count(Path(d) / "paper.pdf")
    return None


def fit(staged: list, budget: int) -> None:
    """Bring every staged variant's paper sheet (compiled) to `budget` pages: pad the shorter ones and compile
    them again; a longer one gets its error. `staged` are batch._Staged."""
    from .files import write_atomic
    from .pdf import compile_many

    again = []
    for s in staged:
        if s.error:
            continue
        n = page_count(s.folder / "paper.pdf")
        if n > budget:
            s.error = (f"the paper sheet needs {n} pages, more than the budget of {budget}; "
                       f"give --pages {n} (or more) for every variant")
            s.overflow = True
            continue
        if n < budget:
            s.tex["paper"] = pad(s.tex["paper"], budget - n)
            try:
                write_atomic(s.folder / "paper.tex", s.tex["paper"])
            except ProblemError as exc:
                s.error = str(exc)
                continue
            again.append(s)
    for s, err in zip(again, compile_many([(s.tex["paper"], s.folder / "paper.pdf") for s in again])):
        if err is not None:
            s.error = str(err)
        elif page_count(s.folder / "paper.pdf") != budget:  # pragma: no cover (an extra page is one page)
            s.error = f"padding the paper sheet did not give {budget} pages"

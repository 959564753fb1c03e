"""Paper exams for scanning: exam --paper (issue 12, item 4, and the paper part of item 6)."""

from __future__ import annotations

import dataclasses
import json
import re
from fractions import Fraction

import pytest
from click.testing import CliRunner

from neuralsolve import paper
from neuralsolve.cli import cli
from neuralsolve.draws import code_of, variant_seed
from neuralsolve.latex import tex_escape

from .conftest import ROOT
from .test_media_render import pdflatex

EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"
SEEDS = [variant_seed(2026, i) for i in range(3)]


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def variant(seed=SEEDS[0], exam=EXAM):
    from neuralsolve.exam import build_variant, load_exam

    return build_variant(load_exam(exam), seed)


def pages_of(pdf) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(pdf).pages]


_BOX = re.compile(r"\\nsanswerbox\{([^{}]*)\}\{([0-9.]+)cm\}")


# -- the LaTeX, without pdflatex ---------------------------------------------------------------------------

def test_every_question_starts_a_new_page():
    v = variant()
    tex = paper.sheet(v)
    body = tex[tex.index("\\begin{document}"):]
    starts = [m.start() for m in re.finditer(r"\\section\*\{Question ", body)]
    assert len(starts) == len(v.questions) == 3
    for i, at in enumerate(starts, start=1):
        assert body[:at].endswith("\\clearpage\n"), f"question {i} does not start a page"
        assert body[at:].startswith(f"\\section*{{Question {i}")
    assert body.index("\\nsanswerbox{Name}") < starts[0] and body.index("\\nsanswerbox{Student ID}") < starts[0]


def test_answer_space_is_proportional_to_the_marks():
    v = variant()
    tex = paper.sheet(v)
    chunks = re.split(r"\\section\*\{Question ", tex)[1:]
    assert len(chunks) == len(v.questions)
    for q, chunk in zip(v.questions, chunks):
        boxes = [(label, float(h)) for label, h in _BOX.findall(chunk) if not label.startswith("Continued from")]
        for sq in q.statement.questions:
            mine = [h for label, h in boxes if label.startswith("Answer" + (f" ({sq.label})" if sq.label else ""))]
            assert sum(mine) == pytest.approx(float(Fraction(sq.marks)) * paper.CM_PER_MARK)
            assert all(h <= paper.MAX_BOX_CM for h in mine)
    # the shipped exam: parts of 3, 7 and 10 marks, a 20-mark question in two boxes, and a 4-mark one
    heights = [float(h) for label, h in _BOX.findall(tex) if label.startswith("Answer")]
    assert heights == [3.0, 7.0, 10.0, 10.0, 10.0, 4.0]


def test_box_heights_per_mark_a_default_without_marks_and_no_box_taller_than_a_page():
    assert paper.box_heights("3") == [3 * paper.CM_PER_MARK]
    assert paper.box_heights(None) == [paper.UNMARKED_CM]
    assert paper.box_heights("6.66667") == [pytest.approx(6.67)]
    assert paper.box_heights("40") == [13.33] * 3
    assert paper.box_heights("16") == [8.0, 8.0]


def test_a_part_without_marks_gets_the_default_box(write):
    exam = write(f"exam:\n  title: Unmarked\n  questions:\n    - {ROOT / 'problems' / 'relu-two-points.yaml'}\n"
                 f"    - {ROOT / 'problems' / 'log-cosh.yaml'}\n", "exam.yaml")
    v = variant(0, exam)
    assert [sq.marks for q in v.questions for sq in q.statement.questions] == [None, None, "10"]
    heights = [float(h) for label, h in _BOX.findall(paper.sheet(v)) if label.startswith("Answer")]
    assert heights == [paper.UNMARKED_CM, paper.UNMARKED_CM, 10 * paper.CM_PER_MARK]


def test_the_variant_code_and_its_qr_code_are_on_every_page():
    """Header and footer hold the code and the footer the QR picture, so every page has both."""
    v = variant()
    tex = paper.sheet(v)
    preamble = tex[:tex.index("\\begin{document}")]
    assert f"\\rhead{{Variant \\texttt{{{v.code}}}}}" in preamble
    assert f"\\lfoot{{Variant \\texttt{{{v.code}}}" in preamble
    assert "\\rfoot{" + paper.qr_picture(v.code) + "}" in preamble
    assert "\\thispagestyle" not in tex and "\\pagestyle{fancy}" in preamble


def test_the_qr_picture_is_segnos_matrix_of_the_code():
    import segno

    for seed in SEEDS:
        v = variant(seed)
        tex = paper.sheet(v)
        pic = re.search(r"\\begin\{picture\}\((\d+),(\d+)\)%\n(.*?)%\n\\end\{picture\}", tex, re.S)
        expected = [list(row) for row in segno.make_qr(v.code, error="h", boost_error=False).matrix]
        size, quiet = len(expected), paper.QR_QUIET
        assert int(pic.group(1)) == int(pic.group(2)) == size + 2 * quiet
        drawn = [[0] * size for _ in range(size)]
        for x, y, n in re.findall(r"\\put\((\d+),(\d+)\)\{\\rule\{(\d+)\\unitlength\}\{1\\unitlength\}\}",
                                  pic.group(3)):
            for c in range(int(x), int(x) + int(n)):
                drawn[size - 1 - (int(y) - quiet)][c - quiet] = 1
        assert drawn == expected


def test_the_compact_key_holds_every_asked_answer_with_its_marks():
    from fractions import Fraction as F

    from neuralsolve.exam import answers_document

    v = variant()
    doc = answers_document(v)
    rows = {r["name"]: r for r in paper.compact_rows(v)}
    key = paper.compact_key(v)
    asked = 0
    for q in doc["questions"]:
        for part in q["parts"]:
            for name in part["quantities"]:
                asked += 1
                row = rows[f"Q{q['number']}.{name}"]
                assert row["value"] == doc["answers"][f"Q{q['number']}.{name}"]
                assert f"\\texttt{{{tex_escape(row['name'], line=True)}}}" in key
    assert asked == len(rows) == 15
    # the shipped exam's parts: (a) 3 marks for one answer, (b) 7 for seven, (c) 10 for five; 20 and 4 for one each
    assert [r["marks"] for r in paper.compact_rows(v)] == ["3"] + ["1"] * 7 + ["2"] * 5 + ["20", "4"]
    assert sum(F(r["marks"]) for r in rows.values()) == F(v.total_marks)


def test_an_answers_share_reads_marks_as_written():
    import sympy

    assert paper._marks_share("6.66667", 3) == sympy.Rational(20, 9)  # 6.66667 is 20/3, as check reads it
    assert paper._marks_share("3", 2) == sympy.Rational(3, 2) and paper._marks_share(None, 2) is None


def test_author_text_is_escaped_on_the_paper_and_the_compact_key(write):
    exam = write(f"exam:\n  title: 'Ch. 5 & 6: 100% #1 {{x}}'\n  course: 'NC_1 ~ $5'\n  questions:\n"
                 f"    - {ROOT / 'problems' / 'log-cosh.yaml'}\n", "exam.yaml")
    v = variant(0, exam)
    for tex in paper.documents(v).values():
        assert "Ch. 5 \\& 6: 100\\% \\#1 \\{x\\}" in tex
        assert "100% " not in tex.replace("\\%", "")
    assert "NC\\_1 \\textasciitilde{} \\$5" in paper.sheet(v)


def test_pad_adds_extra_working_space_pages_at_the_end():
    tex = paper.sheet(variant())
    assert tex.count(paper.PAD) == 1  # every sheet ends with one page of extra working space
    padded = paper.pad(tex, 2)
    assert padded.count(paper.PAD) == 3 and padded.endswith(paper.PAD + "\\end{document}\n")
    assert padded.replace(paper.PAD * 2, "", 1) == tex


def test_paper_output_is_deterministic_and_written_beside_the_sheet_and_key(tmp_path):
    outs = []
    for name in ("one", "two"):
        r = run("exam", EXAM, "--variants", 2, "--seed", 5, "--paper", "--no-pdf", "-o", tmp_path / name, "--jobs", 1)
        assert r.exit_code == 0, r.output
        outs.append({p.relative_to(tmp_path / name).as_posix(): p.read_bytes()
                     for p in sorted((tmp_path / name).rglob("*.tex"))})
    assert outs[0] == outs[1]
    code = code_of(variant_seed(5, 0))
    assert {f"{code}/paper.tex", f"{code}/key-compact.tex", f"{code}/questions.tex", f"{code}/key.tex"} <= set(outs[0])
    index = (tmp_path / "one" / "index.csv").read_text()
    assert f"{code}/paper.tex" in index and f"{code}/key-compact.tex" in index


def test_pages_goes_with_paper_and_pdfs(tmp_path):
    r = run("exam", EXAM, "--pages", 4, "-o", tmp_path / "out")
    assert r.exit_code == 2 and "--pages goes with --paper" in r.output
    r = run("exam", EXAM, "--paper", "--pages", 4, "--no-pdf", "-o", tmp_path / "out")
    assert r.exit_code == 2 and "it needs the PDFs" in r.output
    assert not (tmp_path / "out").exists()


# -- compiled ----------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_variant_has_the_same_pages_with_its_code_on_each_and_a_one_page_compact_key(tmp_path):
    pdflatex()
    r = run("exam", EXAM, "--variants", 3, "--seed", 2026, "--paper", "-o", tmp_path, "--jobs", 1)
    assert r.exit_code == 0, r.output
    counts = {}
    for seed in SEEDS:
        code = code_of(seed)
        texts = pages_of(tmp_path / code / "paper.pdf")
        counts[code] = len(texts)
        for n, text in enumerate(texts, start=1):
            assert text.count(code) >= 2, f"page {n} of {code} lacks its code in header and footer"
            assert f"Page {n}" in text
        assert "Name" in texts[0] and "Student ID" in texts[0]
        assert "Extra working space" in texts[-1]
        key = pages_of(tmp_path / code / "key-compact.pdf")
        assert len(key) == 1 and code in key[0]
        doc = json.loads((tmp_path / code / "answers.json").read_text(encoding="utf-8"))
        flat = key[0].replace("\n", " ")
        for q in doc["questions"]:
            for part in q["parts"]:
                for name in part["quantities"]:
                    assert f"Q{q['number']}.{name}" in flat
    assert len(set(counts.values())) == 1, counts
    assert f"paper sheets of {counts[code]} pages each" in r.output
    again = tmp_path.parent / (tmp_path.name + "-again")  # the same bytes again, PDFs included, whatever --jobs
    assert run("exam", EXAM, "--variants", 3, "--seed", 2026, "--paper", "-o", again, "--jobs", 2).exit_code == 0
    for code in counts:
        for f in ("paper.tex", "paper.pdf", "key-compact.tex", "key-compact.pdf"):
            assert (again / code / f).read_bytes() == (tmp_path / code / f).read_bytes(), f
    # one variant rebuilt alone with the run's --pages: the same sheet, the same number of pages
    alone = tmp_path.parent / (tmp_path.name + "-alone")
    r = run("exam", EXAM, "--variant", code, "--paper", "--pages", counts[code], "-o", alone)
    assert r.exit_code == 0, r.output
    assert (alone / code / "paper.tex").read_bytes() == (tmp_path / code / "paper.tex").read_bytes()
    assert len(pages_of(alone / code / "paper.pdf")) == counts[code]


@pytest.mark.slow
def test_a_variant_over_the_budget_is_named_and_a_shorter_one_is_padded(tmp_path, monkeypatch):
    """One variant made longer (two more pages) and one shorter (its last two questions left out)."""
    pdflatex()
    real = paper.sheet
    longer, shorter = code_of(SEEDS[1]), code_of(SEEDS[2])

    def uneven(v):
        if v.code == shorter:
            return real(dataclasses.replace(v, questions=v.questions[:1]))
        tex = real(v)
        return paper.pad(tex, 2) if v.code == longer else tex

    monkeypatch.setattr(paper, "sheet", uneven)
    r = run("exam", EXAM, "--variants", 3, "--seed", 2026, "--paper", "-o", tmp_path, "--jobs", 1)
    assert r.exit_code == 2
    budget = len(pages_of(tmp_path / code_of(SEEDS[0]) / "paper.pdf"))
    assert r.stderr.strip() == (f"variant {longer}: the paper sheet needs {budget + 2} pages, more than the budget "
                                f"of {budget}; give --pages {budget + 2} (or more) for every variant")
    assert not (tmp_path / longer).exists() and not list(tmp_path.glob(".*.tmp-*"))
    texts = pages_of(tmp_path / shorter / "paper.pdf")
    assert len(texts) == budget and all(shorter in t for t in texts)
    assert sum("Extra working space" in t for t in texts) == budget - 3  # cover, question 1 on two pages


@pytest.mark.slow
def test_a_tiny_page_budget_fails_naming_every_variant(tmp_path):
    pdflatex()
    r = run("exam", EXAM, "--variants", 2, "--seed", 2026, "--paper", "--pages", 2, "-o", tmp_path)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"variant {code_of(s)}" for s in SEEDS[:2]]
    assert all("more than the budget of 2; give --pages" in line for line in lines)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index.csv"]  # nothing half-written

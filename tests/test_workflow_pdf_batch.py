"""Exam PDFs in batches: many documents per pdflatex run, split into one reproducible PDF each."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from neuralsolve import batch, pdf
from neuralsolve.draws import code_of, variant_seed

from .conftest import ROOT
from .test_media_render import pdflatex

EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"
SEEDS = [variant_seed(2026, i) for i in range(3)]


def documents(mode: str, seeds=SEEDS) -> list[str]:
    """The LaTeX of each variant's question sheet ("sheet") or answer key ("key")."""
    from neuralsolve import render
    from neuralsolve.exam import build_variant, load_exam

    exam = load_exam(EXAM)
    return [render.exam_document(build_variant(exam, s), mode, "latex") for s in seeds]


def text_of(path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def reachable(reader) -> set[int]:
    """The numbers of the objects a PDF's trailer leads to."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen: set[int] = set()
    todo = [reader.trailer]
    while todo:
        obj = todo.pop()
        if isinstance(obj, IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, DictionaryObject):  # streams are dictionaries too
            todo.extend(obj.values())
        elif isinstance(obj, ArrayObject):
            todo.extend(obj)
    return seen


# -- without pdflatex ---------------------------------------------------------

def test_a_document_splits_into_what_stays_in_the_preamble_its_settings_and_its_body():
    loads, settings, body = pdf._parts(documents("key")[0])
    assert loads.rstrip().endswith(r"\usepackage{fancyhdr}") and r"\documentclass" in loads
    assert r"\pagestyle{fancy}" in settings and f"Variant {code_of(SEEDS[0])}" in settings
    assert r"\usepackage" not in settings
    assert body.lstrip().startswith(r"\begin{center}") and r"\end{document}" not in body
    assert pdf._parts(r"\documentclass{article} no document here") is None


def test_the_batch_document_has_one_preamble_and_each_document_once_in_its_own_group():
    keys = documents("key")
    tex = pdf._batch_tex(keys)
    assert tex.count(r"\begin{document}") == 1 and tex.count(r"\end{document}") == 1
    assert tex.count(r"\documentclass") == 1 and tex.count(r"\usepackage{fancyhdr}") == 1
    for k in keys:
        _, settings, body = pdf._parts(k)
        assert tex.count("\\begingroup\n" + settings + body + pdf._DOC_END) == 1
    assert tex.count(r"\nsrestore") == len(keys) + 1  # defined once, then run after each document


def test_documents_with_other_packages_or_no_document_go_in_runs_of_their_own(monkeypatch, tmp_path):
    runs, alone = [], []

    def batch_run(texs):
        runs.append([t.split("%")[1] for t in texs])
        return [f"PDF of {t.split('%')[1]}".encode() for t in texs]

    monkeypatch.setattr(pdf, "pdflatex", lambda: "pdflatex")
    monkeypatch.setattr(pdf, "_compile_batch", batch_run)
    monkeypatch.setattr(pdf, "compile_pdf", lambda tex, target: alone.append(target.name))
    doc = "\\documentclass{article}\n\\usepackage{%s}\n\\pagestyle{%s}\n\\begin{document}\n%%%s%%\n\\end{document}\n"
    docs = [(doc % ("amsmath", "plain", "a"), tmp_path / "a.pdf"), (doc % ("bm", "plain", "b"), tmp_path / "b.pdf"),
            (doc % ("amsmath", "empty", "c"), tmp_path / "c.pdf"), ("no document", tmp_path / "d.pdf"),
            (doc % ("bm", "empty", "e"), tmp_path / "e.pdf")]
    assert pdf.compile_many(docs) == [None] * 5
    assert runs == [["a", "c"], ["b", "e"]]  # the settings differ, the packages decide
    assert alone == ["d.pdf"]
    assert [(tmp_path / f"{n}.pdf").read_bytes() for n in "abce"] == [b"PDF of a", b"PDF of b", b"PDF of c",
                                                                      b"PDF of e"]


def test_a_pdf_that_cannot_be_written_fails_alone(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "pdflatex", lambda: "pdflatex")
    monkeypatch.setattr(pdf, "_compile_batch", lambda texs: [b"%PDF-1"] * len(texs))
    (tmp_path / "file").write_text("a file, not a folder", encoding="utf-8")
    tex = documents("sheet")[0]
    errors = pdf.compile_many([(tex, tmp_path / "file" / "a.pdf"), (tex, tmp_path / "b.pdf")])
    assert str(errors[0]).startswith(f"{tmp_path / 'file' / 'a.pdf'}:1:1: cannot write the file: ")
    assert errors[1] is None and (tmp_path / "b.pdf").read_bytes() == b"%PDF-1"


def test_without_pdflatex_every_document_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    errors = pdf.compile_many([("x", tmp_path / "a.pdf"), ("y", tmp_path / "b.pdf")])
    assert [str(e) for e in errors] == [f"neuralsolve: pdflatex is not installed: {pdf.INSTALL_HINT}"] * 2


def test_batches_are_fixed_chunks_of_the_seeds_whatever_the_jobs(monkeypatch, tmp_path):
    chunks = []

    def record(exam_path, seeds, out, pdf):
        chunks.append(list(seeds))
        return [batch.Outcome(code_of(s), s, ()) for s in seeds]

    monkeypatch.setattr(batch, "write_chunk", record)
    seeds = [variant_seed(1, i) for i in range(25)]
    seen = []
    outcomes = batch.run(str(EXAM), seeds, str(tmp_path), True, 1, progress=seen.append, index=False)
    assert chunks == [seeds[:10], seeds[10:20], seeds[20:]]
    assert [o.seed for o in outcomes] == [o.seed for o in seen] == seeds  # progress once per variant


def test_write_variant_still_writes_one_variant(tmp_path):
    o = batch.write_variant(str(EXAM), SEEDS[0], str(tmp_path), False)
    code = code_of(SEEDS[0])
    assert o.error == "" and o.files == tuple(f"{code}/{n}" for n in ("questions.tex", "key.tex", "questions.md",
                                                                      "key.md", "answers.json"))
    assert sorted(p.name for p in tmp_path.iterdir()) == [code]


# -- with pdflatex ------------------------------------------------------------

@pytest.mark.slow
def test_each_split_pdf_is_its_own_document(tmp_path):
    pdflatex()
    from pypdf import PdfReader

    for mode in ("sheet", "key"):
        texs = documents(mode)
        targets = [tmp_path / f"{mode}{i}.pdf" for i in range(len(texs))]
        assert pdf.compile_many(list(zip(texs, targets))) == [None] * len(texs)
        for i, (tex, target) in enumerate(zip(texs, targets)):
            alone = tmp_path / f"alone-{mode}{i}.pdf"
            pdf.compile_pdf(tex, alone)
            assert len(PdfReader(target).pages) == len(PdfReader(alone).pages) >= 2
            text = text_of(target)
            assert text == text_of(alone)  # the same pages, numbered from 1, with its own header
            assert text.count(code_of(SEEDS[i])) >= 2
            assert not any(code_of(s) in text for s in SEEDS if s != SEEDS[i])
            assert ("answer key" in text) == (mode == "key")


@pytest.mark.slow
def test_a_split_pdf_holds_only_its_own_objects_and_no_random_id(tmp_path):
    pdflatex()
    from pypdf import PdfReader

    docs = [(t, tmp_path / f"q{i}.pdf") for i, t in enumerate(documents("sheet"))]
    assert pdf.compile_many(docs) == [None] * len(docs)
    first = {t: t.read_bytes() for _, t in docs}
    assert pdf.compile_many(docs) == [None] * len(docs)
    assert first == {t: t.read_bytes() for _, t in docs}  # same input, same bytes
    for _, target in docs:
        reader = PdfReader(target)
        written = {num for ids in reader.xref.values() for num in ids}
        assert written == reachable(reader)  # no object of another document rides along
        assert "/ID" not in reader.trailer
        assert reader.metadata["/CreationDate"] == "D:19700101000000Z"


@pytest.mark.slow
def test_a_document_that_fails_is_named_and_the_others_still_get_their_pdfs(tmp_path):
    pdflatex()
    good = documents("sheet", SEEDS[:2])
    broken = good[0].replace(r"\end{document}", "\\undefinedmacro\n\\end{document}")
    docs = [(good[0], tmp_path / "a.pdf"), (broken, tmp_path / "broken.pdf"), (good[1], tmp_path / "b.pdf")]
    errors = pdf.compile_many(docs)
    assert errors[0] is None and errors[2] is None
    assert str(errors[1]) == "neuralsolve: pdflatex failed on broken.pdf: Undefined control sequence."
    assert (tmp_path / "a.pdf").exists() and (tmp_path / "b.pdf").exists() and not (tmp_path / "broken.pdf").exists()


@pytest.mark.slow
def test_a_variant_whose_pdf_fails_is_reported_and_the_rest_of_its_batch_written(tmp_path, monkeypatch):
    pdflatex()
    from neuralsolve import render

    real = render.exam_document
    bad = code_of(SEEDS[1])

    def broken_key(v, mode, fmt):
        tex = real(v, mode, fmt)
        return tex.replace(r"\end{document}", "\\undefinedmacro\n\\end{document}") if v.code == bad and \
            mode == "key" and fmt == "latex" else tex

    monkeypatch.setattr(render, "exam_document", broken_key)
    outcomes = batch.run(str(EXAM), SEEDS, str(tmp_path), True, 1)
    assert [o.error for o in outcomes] == ["", "neuralsolve: pdflatex failed on key.pdf: Undefined control "
                                           "sequence.", ""]
    assert not (tmp_path / bad).exists()
    for o in (outcomes[0], outcomes[2]):
        assert sorted(p.name for p in (tmp_path / o.code).iterdir()) == sorted(f.split("/")[1] for f in o.files)
        assert {"questions.pdf", "key.pdf"} <= {f.split("/")[1] for f in o.files}
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary folder, no lock


@pytest.mark.slow
def test_jobs_do_not_change_a_single_byte(tmp_path, monkeypatch):
    pdflatex()
    monkeypatch.setattr(batch, "CHUNK", 2)  # two batches, so two processes really share the work
    seeds = [variant_seed(7, i) for i in range(4)]
    outs = []
    for jobs in (1, 2):
        out = tmp_path / f"jobs{jobs}"
        assert all(not o.error for o in batch.run(str(EXAM), seeds, str(out), True, jobs))
        outs.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert sum(name.endswith(".pdf") for name in outs[0]) == 8

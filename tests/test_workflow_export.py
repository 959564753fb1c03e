"""export --moodle / --qti: exam variants as quizzes, each answer box checked against the exam's own key (issue 12)."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter

import pytest
import sympy
from click.testing import CliRunner

from neuralsolve.check import Rule
from neuralsolve.cli import cli
from neuralsolve.draws import variant_seed
from neuralsolve.exam import answers_document, build_variant, load_exam

from .conftest import ROOT

EXAM = ROOT / "problems" / "exams" / "neural-computation.yaml"
QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def mixed(tmp_path):
    """An exam of transcendental, matrix, list and partly symbolic answers, one question randomized."""
    names = ["square-network-random", "sigmoid-network", "matrix-softmax-regression", "cnn-architecture",
             "optimize-step-sizes"]
    lines = ["exam:", "  title: Mixed kinds", "  questions:"]
    lines += [f"    - {ROOT / 'problems' / (n + '.yaml')}" for n in names]
    path = tmp_path / "mixed.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# -- Moodle's Cloze syntax, as its parser (question/type/multianswer) reads a question text ------------------------
_TYPES = ("NUMERICAL|NM|MULTICHOICE|MC|MULTICHOICE_V|MCV|MULTICHOICE_H|MCH|SHORTANSWER|SA|MW|SHORTANSWER_C|SAC|MWC|"
          "MULTICHOICE_S|MCS|MULTICHOICE_VS|MCVS|MULTICHOICE_HS|MCHS|MULTIRESPONSE|MR|MULTIRESPONSE_H|MRH|"
          "MULTIRESPONSE_S|MRS|MULTIRESPONSE_HS|MRHS")
_ALT = (r"(=|%-?[0-9]+(?:[.,][0-9]*)?%)?(.+?(?<!\\)(?<!&)(?<!&amp;)(?=[~#}]|$))"
        r"(#(.*?(?<!\\)(?=[~}]|$)))?")
ANSWER = re.compile(r"\{([0-9]*):(" + _TYPES + r"):(" + _ALT + r"(~" + _ALT + r")*)\}", re.S)
NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
NUMERICAL = re.compile(rf"=({NUMBER}):({NUMBER})")


def boxes(text: str) -> list[dict]:
    """Every Cloze answer box of a question text, in order, as Moodle finds them (the text after each is searched)."""
    out = []
    while (m := ANSWER.search(text)) is not None:
        assert m.group(2) == "NUMERICAL", m.group(0)
        alt = m.group(3)
        num = NUMERICAL.match(alt)
        assert num, alt
        feedback = html.unescape(alt.split("#", 1)[1] if "#" in alt else "")
        feedback = feedback.replace("\\}", "}").replace("\\#", "#")  # what Moodle undoes
        name = feedback.rsplit(" = ", 1)[0]
        out.append({"weight": int(m.group(1)), "value": num.group(1), "margin": num.group(2), "name": name})
        text = text[m.end():]
    return out


def moodle(path) -> list[tuple[str, str, ET.Element]]:
    """(category, type, question element) of every question in a Moodle XML file."""
    out, category = [], None
    for q in ET.parse(path).getroot():
        assert q.tag == "question"
        if q.get("type") == "category":
            category = q.find("category/text").text
        else:
            out.append((category, q.get("type"), q))
    return out


def keys(exam, seeds):
    """The exam's own answers.json documents, by (question number, question code), built independently."""
    out = {}
    for seed in seeds:
        doc = answers_document(build_variant(load_exam(exam), seed))
        for q in doc["questions"]:
            out[(q["number"], q.get("code"))] = q
    return out


def exact(q: dict, name: str):
    """The exact value of an answer (or an entry, name[i] or name[i,j]) from the key's string, read by SymPy as the
    JSON contract says."""
    m = re.fullmatch(r"(.*?)(?:\[(\d+)(?:,(\d+))?\])?", name)
    base = m.group(1) if m.group(2) and m.group(1) in q["answers"] else name
    v = sympy.sympify(q["answers"][base], locals={s: sympy.Symbol(s) for s in q["symbols"]})
    if base != name:
        i = int(m.group(2)) - 1
        if isinstance(v, sympy.MatrixBase):
            v = v[i, int(m.group(3)) - 1] if m.group(3) else list(v)[i]
        else:
            v = v[i]
    return v


def half_unit(v) -> sympy.Rational:
    """Half a unit in the third significant figure of v, computed apart from the export's own code."""
    e = int(sympy.floor(sympy.log(abs(v), 10)))
    return sympy.Rational(1, 2) * sympy.Rational(10) ** (e - 2)


def question_of(name: str) -> tuple[int, str | None]:
    m = re.fullmatch(r"Question (\d+)(?:, variant (\w+))?(?:, .*)?", name)
    return int(m.group(1)), m.group(2)


def numeric_quantities(q: dict) -> dict[str, sympy.Rational]:
    """Each numeric quantity the key's parts ask for (lists and matrices by entry), with its share of the marks."""
    out = {}
    for p in q["parts"]:
        marks = sympy.Rational(p["marks"]) if p["marks"] else sympy.Integer(len(p["quantities"]))
        for name in p["quantities"]:
            try:
                v = sympy.sympify(q["answers"][name], locals={s: sympy.Symbol(s) for s in q["symbols"]})
            except (TypeError, ValueError, SyntaxError):  # a symbolic matrix form only its kind reads
                continue
            entries = list(v) if isinstance(v, (sympy.MatrixBase, list, tuple)) else [v]
            if not all(isinstance(x, sympy.Expr) and x.is_number for x in entries):
                continue
            if isinstance(v, sympy.MatrixBase) and min(v.shape) > 1:
                suffixes = [f"[{i + 1},{j + 1}]" for i in range(v.rows) for j in range(v.cols)]
            elif isinstance(v, (sympy.MatrixBase, list, tuple)):
                suffixes = [f"[{i + 1}]" for i in range(len(entries))]
            else:
                suffixes = [""]
            for s in suffixes:
                out[name + s] = marks / len(p["quantities"]) / len(entries)
    return out


# -- (a) every box against the exam's key; (b) the decimals read back ---------------------------------------------
def test_moodle_boxes_match_each_variants_key(tmp_path):
    out = tmp_path / "quiz.xml"
    r = run("export", EXAM, "--moodle", "--variants", 4, "--seed", 7, "-o", out)
    assert r.exit_code == 0, r.output
    assert r.stderr.count("\n") == 1 and "Question 2" in r.stderr and "dE/dw13" in r.stderr  # the symbolic answer
    key = keys(EXAM, [variant_seed(7, i) for i in range(4)])
    questions = moodle(out)
    assert {c for c, _, _ in questions} == {f"$course$/Neural Computation, summer examination/Question {n}"
                                            for n in (1, 2, 3)}
    seen = set()
    for category, qtype, q in questions:
        number, code = question_of(q.find("name/text").text)
        assert category.endswith(f"/Question {number}")
        doc = key[(number, code)]
        seen.add((number, code))
        text = q.find("questiontext/text").text
        assert q.find("generalfeedback").get("format") == "html" and "\\[" in q.find("generalfeedback/text").text
        if number == 2:  # a symbolic answer only: an essay question, marked by hand, saying so
            assert qtype == "essay" and not boxes(text) and "dE/dw13" in text
            continue
        assert qtype == "cloze"
        found = boxes(text)
        wanted = numeric_quantities(doc)
        assert [b["name"] for b in found] == list(wanted)
        ratio = {sympy.Rational(b["weight"]) / wanted[b["name"]] for b in found}
        assert len(ratio) == 1 and next(iter(ratio)) > 0  # weights in the ratio of the marks
        for b in found:
            want = exact(doc, b["name"])
            margin = sympy.Rational(b["margin"])
            assert abs(sympy.Rational(b["value"]) - want) <= margin
            assert margin == (half_unit(want) if want != 0 else sympy.Rational(5, 10**4))
            assert "e" not in b["value"].lower() and "e" not in b["margin"].lower()
    assert seen == set(key)  # every distinct variant of every question, once


def test_moodle_decimals_read_back_to_the_exact_answers(tmp_path, mixed):
    out = tmp_path / "quiz.xml"
    r = run("export", mixed, "--moodle", "--variants", 3, "--seed", 11, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Question 5" in r.stderr and "behaviour" in r.stderr  # the words are not marked automatically
    key = keys(mixed, [variant_seed(11, i) for i in range(3)])
    counted = 0
    for _, qtype, q in moodle(out):
        number, code = question_of(q.find("name/text").text)
        doc = key[(number, code)]
        text = q.find("questiontext/text").text
        found = {b["name"]: b for b in boxes(text)}
        assert set(found) == set(numeric_quantities(doc))
        for name, b in found.items():
            got, want = sympy.Rational(b["value"]), exact(doc, name)
            assert Rule().agrees(got, want)  # to the figures check asks for
            if want.is_Rational and sympy.nsimplify(got) == want:
                continue  # a terminating decimal, written exactly
            assert abs(got - want) <= abs(want) * sympy.Rational(1, 10**14)  # else to 15 figures
            counted += 1
        if number == 5:
            assert "Marked by hand" in text and "behaviour@s=0.01" in text
    assert counted > 20  # the sigmoid network's and the softmax's transcendental answers were among them


def test_a_part_answered_in_prose_is_marked_by_hand(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: Prose\n  questions:\n    - {ROOT / 'problems/rnn-threshold-forward.yaml'}\n",
                    encoding="utf-8")
    r = run("export", exam, "--moodle", "-o", tmp_path / "q.xml")
    assert r.exit_code == 0, r.output
    assert r.stderr == "warning: Question 1: left for marking by hand (not a number, or answered in prose): (a), " \
                       "answered in words or a drawing, (b), answered in words or a drawing\n"
    ((_, qtype, q),) = moodle(tmp_path / "q.xml")
    text = q.find("questiontext/text").text
    assert qtype == "cloze" and "(3 marks): (a), answered in words or a drawing" in text
    r = run("export", exam, "--qti", "-o", tmp_path / "q.zip")
    assert r.exit_code == 0, r.output
    groups = {s.get("title"): s for s in _qti(tmp_path / "q.zip").iter(f"{QTI}section") if s.get("title")}
    by_hand = groups["Question 1: marked by hand"]
    assert by_hand.find(f".//{QTI}points_per_item").text == "7"  # (a) 3 marks and the drawing (b) 4
    assert by_hand.find(f".//{QTI}fieldentry").text == "essay_question"


@pytest.mark.slow
def test_every_gallery_problem_exports_with_answers_that_match_its_key(tmp_path):
    exam = tmp_path / "all.yaml"
    exam.write_text("exam:\n  title: Gallery\n  questions:\n" + "".join(
        f"    - {p}\n" for p in sorted((ROOT / "problems").glob("*.yaml"))), encoding="utf-8")
    seeds = [variant_seed(1, 0)]
    key = keys(exam, seeds)
    assert run("export", exam, "--moodle", "--seed", 1, "-o", tmp_path / "q.xml").exit_code == 0
    for _, qtype, q in moodle(tmp_path / "q.xml"):
        doc = key[question_of(q.find("name/text").text)]
        found = boxes(q.find("questiontext/text").text)
        assert [b["name"] for b in found] == list(numeric_quantities(doc))
        assert qtype == ("cloze" if found else "essay")
        for b in found:
            want = exact(doc, b["name"])
            assert abs(sympy.Rational(b["value"]) - want) <= sympy.Rational(b["margin"])
    assert run("export", exam, "--qti", "--seed", 1, "-o", tmp_path / "q.zip").exit_code == 0
    items = list(_qti(tmp_path / "q.zip").iter(f"{QTI}item"))
    for item in items:
        if item.find(f".//{QTI}vargte") is None:
            continue
        (title_q, name) = item.get("title").split(": ", 1)
        want = exact(key[question_of(title_q)], name)
        assert sympy.Rational(item.find(f".//{QTI}vargte").text) <= want <= sympy.Rational(
            item.find(f".//{QTI}varlte").text)


# -- (c) author text cannot inject XML, HTML or Cloze --------------------------------------------------------------
EVIL = r'Evil <script>alert(1)</script> & } # ~ {1:NUMERICAL:=5:0} {#1} " / \ end'


def test_author_text_is_escaped_for_xml_html_and_cloze(tmp_path):
    problem = tmp_path / "evil.yaml"
    problem.write_text(
        "title: '" + EVIL.replace("'", "''") + "'\n"
        "evaluate:\n  name: v\n  formula: a*b\n  values: {a: 3, b: 7}\n"
        "parts:\n"
        "  - label: 'x}#~'\n"
        "    question: '" + EVIL.replace("'", "''") + " $a*b$'\n"
        "    ask: value\n    marks: 2\n", encoding="utf-8")
    exam = tmp_path / "exam.yaml"
    exam.write_text("exam:\n  title: 'A/B <i>exam</i> & {2:SA:=x}'\n  instructions: '" + EVIL.replace("'", "''")
                    + "'\n  questions:\n    - evil.yaml\n", encoding="utf-8")
    out = tmp_path / "quiz.xml"
    r = run("export", exam, "--moodle", "-o", out)
    assert r.exit_code == 0, r.output
    root = ET.parse(out).getroot()  # well-formed
    categories = [q.find("category/text").text for q in root if q.get("type") == "category"]
    # shown as written (Moodle shows a name as HTML), each / doubled as Moodle reads a path
    assert categories[0] == "$course$/A//B &lt;i&gt;exam&lt;//i&gt; &amp; {2:SA:=x}"
    assert "<script" not in out.read_text(encoding="utf-8")
    (_, qtype, q), = moodle(out)
    text = q.find("questiontext/text").text
    assert "<script" not in text and "<b>" not in text and "&lt;script&gt;" in text  # shown, never run
    assert boxes(text) == [{"weight": 2, "value": "21", "margin": "0.05", "name": "v"}]  # the one real box
    assert "{" not in text.replace("{2:NUMERICAL:=21:0.05#v = 21}", "")
    assert html.unescape(text).count("{1:NUMERICAL:=5:0}") == 2  # the author's text, shown as written
    info = [q.find("info/text").text for q in root if q.get("type") == "category"][0]
    assert "<script" not in info and "&lt;script&gt;" in info
    r = run("export", exam, "--qti", "-o", tmp_path / "quiz.zip")
    assert r.exit_code == 0, r.output
    qti = _qti(tmp_path / "quiz.zip")  # well-formed too
    assert qti.find(f"{QTI}assessment").get("title") == "A/B <i>exam</i> & {2:SA:=x}"  # an attribute, as written
    texts = [m.text for m in qti.iter(f"{QTI}mattext")]
    assert texts and all("<script" not in t and "<b>" not in t for t in texts)


def test_cloze_feedback_escapes_what_moodle_reads_as_syntax():
    from neuralsolve.export import cloze_text

    s = "(x}#~).w' / \\ {"
    escaped = cloze_text(s)
    box = "{1:NUMERICAL:=1:0.005#" + escaped + "}"
    (b,) = boxes(box + " after }")
    assert b["name"] == s and b["value"] == "1"  # the feedback ends where it should and reads back as written


# -- (d) QTI for Canvas ---------------------------------------------------------------------------------------------
def _qti(path):
    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        assert names == sorted(names) and "imsmanifest.xml" in names
        assert len([n for n in names if not n.startswith("figures/")]) == 2  # the manifest and the assessment
        for info in z.infolist():
            assert info.date_time == (1980, 1, 1, 0, 0, 0) and info.external_attr >> 16 == 0o100644
        manifest = ET.fromstring(z.read("imsmanifest.xml"))
        href = next(e for e in manifest.iter() if e.tag.endswith("resource")).get("href")
        return ET.fromstring(z.read(href))


def test_qti_has_a_group_per_question_and_quantity_and_an_item_per_variant(tmp_path):
    out = tmp_path / "quiz.zip"
    r = run("export", EXAM, "--qti", "--variants", 3, "--seed", 5, "-o", out)
    assert r.exit_code == 0, r.output
    key = keys(EXAM, [variant_seed(5, i) for i in range(3)])
    root = _qti(out)
    (assessment,) = root.findall(f"{QTI}assessment")
    groups = [s for s in assessment.iter(f"{QTI}section") if s.find(f"{QTI}selection_ordering") is not None]
    numbers = Counter()
    for g in groups:
        assert g.find(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number").text == "1"
        points = g.find(f".//{QTI}points_per_item").text
        title = g.get("title")
        number = int(re.match(r"Question (\d+)", title).group(1))
        numbers[number] += 1
        items = g.findall(f"{QTI}item")
        variants = {c for (n, c) in key if n == number}
        assert len(items) == len(variants)
        for item in items:
            meta = {f.find(f"{QTI}fieldlabel").text: f.find(f"{QTI}fieldentry").text
                    for f in item.iter(f"{QTI}qtimetadatafield")}
            assert meta["points_possible"] == points
            fb = item.find(f"{QTI}itemfeedback[@ident='general_fb']//{QTI}mattext")
            assert fb.get("texttype") == "text/html" and "\\[" in fb.text
            if title.endswith("marked by hand"):
                assert meta["question_type"] == "essay_question" and number == 2
                assert points == "20"
                continue
            assert meta["question_type"] == "numerical_question"
            name = title.split(": ", 1)[1]
            _, code = question_of(item.get("title").split(": ")[0])
            doc = key[(number, code)]
            want = exact(doc, name)
            assert sympy.Rational(points) == numeric_quantities(doc)[name]
            assert item.find(f".//{QTI}varequal") is None
            low = sympy.Rational(item.find(f".//{QTI}vargte").text)
            high = sympy.Rational(item.find(f".//{QTI}varlte").text)
            assert low <= want <= high
            assert high - low == 2 * (half_unit(want) if want != 0 else sympy.Rational(5, 10**4))
    assert numbers == {1: 13, 2: 1, 3: 1}  # Q1's thirteen asked quantities, Q2 by hand, Q3's one value


def test_qti_refuses_an_answer_canvas_would_round_to_zero(tmp_path):
    (tmp_path / "small.yaml").write_text("title: Small\nevaluate:\n  name: v\n  formula: a*b\n"
                                         "  values: {a: 0.00001, b: 2}\nparts:\n  - ask: value\n", encoding="utf-8")
    exam = tmp_path / "exam.yaml"
    exam.write_text("exam:\n  title: Small numbers\n  questions:\n    - small.yaml\n", encoding="utf-8")
    out = tmp_path / "quiz.zip"
    r = run("export", exam, "--qti", "-o", out)
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert r.stderr.startswith(f"{exam}:4:7: Question 1, variant ")
    assert "v = 0.00002" in r.stderr and "Canvas rounds answers below 1e-4 to zero; use --moodle" in r.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == sorted(tmp_path.iterdir()) and \
        {p.name for p in tmp_path.iterdir()} == {"small.yaml", "exam.yaml"}
    assert run("export", exam, "--moodle", "-o", tmp_path / "quiz.xml").exit_code == 0  # Moodle keeps the figures


def test_qti_refuses_a_pool(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: Pool\n  questions:\n    - {{choose: 1, from: [{ROOT / 'problems/log-cosh.yaml'}, "
                    f"{ROOT / 'problems/vae-regulariser.yaml'}]}}\n", encoding="utf-8")
    r = run("export", exam, "--qti", "-o", tmp_path / "q.zip")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "pool" in r.stderr and "--moodle" in r.stderr
    r = run("export", exam, "--moodle", "--variants", 6, "-o", tmp_path / "q.xml")
    assert r.exit_code == 0, r.output
    names = [q.find("name/text").text for _, _, q in moodle(tmp_path / "q.xml")]
    assert sorted(names) == ["Question 1, log-cosh", "Question 1, vae-regulariser"]


# -- (e) the same bytes every run; (f) a file that cannot be written ------------------------------------------------
@pytest.mark.parametrize("fmt,suffix", [("--moodle", "xml"), ("--qti", "zip")])
def test_the_same_command_gives_the_same_bytes(tmp_path, fmt, suffix):
    a, b = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
    for out in (a, b):
        r = run("export", EXAM, fmt, "--variants", 3, "--seed", 2026, "-o", out)
        assert r.exit_code == 0, r.output
    assert a.read_bytes() == b.read_bytes()


def test_one_variant_by_its_code(tmp_path):
    doc = answers_document(build_variant(load_exam(EXAM), variant_seed(3, 1)))
    out = tmp_path / "q.xml"
    assert run("export", EXAM, "--moodle", "--variant", doc["variant"], "-o", out).exit_code == 0
    names = [q.find("name/text").text for _, _, q in moodle(out)]
    assert names[0] == f"Question 1, variant {doc['questions'][0]['code']}" and len(names) == 3


@pytest.mark.parametrize("fmt,suffix", [("--moodle", "xml"), ("--qti", "zip")])
def test_an_unwritable_output_is_one_line(tmp_path, fmt, suffix):
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    r = run("export", EXAM, fmt, "-o", blocker / f"quiz.{suffix}")
    assert r.exit_code == 2
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.output  # the error alone: no warnings for no file
    assert r.stderr.startswith(f"{blocker / ('quiz.' + suffix)}:1:1: cannot write the file: ")
    assert r.stdout == ""


def test_a_variant_that_cannot_be_built_is_one_line_naming_it(tmp_path):
    (tmp_path / "bad.yaml").write_text("title: Bad\nevaluate:\n  name: v\n  formula: log(a)\n  values: {a: 0}\n"
                                       "parts:\n  - ask: value\n", encoding="utf-8")
    exam = tmp_path / "exam.yaml"
    exam.write_text("exam:\n  title: Bad\n  questions:\n    - bad.yaml\n", encoding="utf-8")
    r = run("export", exam, "--moodle", "-o", tmp_path / "q.xml")
    assert r.exit_code == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.output
    assert r.stderr.startswith(f"{tmp_path / 'bad.yaml'}:") and ": exam variant " in r.stderr
    assert not (tmp_path / "q.xml").exists()


def test_export_needs_a_platform(tmp_path):
    r = run("export", EXAM, "-o", tmp_path / "q.xml")
    assert r.exit_code == 2 and "--moodle" in r.output and not (tmp_path / "q.xml").exists()


def test_the_zip_is_a_zip_in_memory_too(tmp_path):
    out = tmp_path / "q.zip"
    assert run("export", EXAM, "--qti", "-o", out).exit_code == 0
    assert zipfile.ZipFile(io.BytesIO(out.read_bytes())).testzip() is None


@pytest.mark.slow
def test_headless_chromium_typesets_the_moodle_question_text(tmp_path, mixed):
    """The braces written as character references are braces to MathJax: every formula typesets, none an error."""
    from .test_media_html import LOCAL_MATHJAX, _chromium, typeset

    exe = _chromium()
    out = tmp_path / "quiz.xml"
    assert run("export", mixed, "--moodle", "-o", out).exit_code == 0
    texts = []
    for _, _, q in moodle(out):
        text = q.find("questiontext/text").text
        texts.append(ANSWER.sub('<input size="8">', text))  # as Moodle shows a box
        texts.append(q.find("generalfeedback/text").text)
    body = "\n".join(texts)
    page = tmp_path / "page.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"><script src="file://{LOCAL_MATHJAX}'
                    f'?config=TeX-AMS_CHTML"></script></head><body>{body}</body></html>', encoding="utf-8")
    typeset(exe, page, body)


def test_a_worked_figure_travels_as_an_image_file(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: Drawn\n  questions:\n    - {ROOT / 'problems/rnn-threshold-forward.yaml'}\n",
                    encoding="utf-8")
    assert run("export", exam, "--moodle", "-o", tmp_path / "q.xml").exit_code == 0
    ((_, _, q),) = moodle(tmp_path / "q.xml")
    fb = q.find("generalfeedback")
    (f,) = fb.findall("file")
    assert f.get("encoding") == "base64" and f"@@PLUGINFILE@@/{f.get('name')}" in fb.find("text").text
    import base64

    ET.fromstring(base64.b64decode(f.text))  # the SVG itself
    assert "<svg" not in fb.find("text").text
    assert run("export", exam, "--qti", "-o", tmp_path / "q.zip").exit_code == 0
    with zipfile.ZipFile(tmp_path / "q.zip") as z:
        svgs = [n for n in z.namelist() if n.startswith("figures/") and n.endswith(".svg")]
        assert len(svgs) == 1
        assert svgs[0] in z.read("imsmanifest.xml").decode()
        assert any(f"$IMS-CC-FILEBASE$/{svgs[0]}" in z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))

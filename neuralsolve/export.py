"""An exam's variants as a quiz for a learning platform: Moodle XML (Cloze questions) or a QTI 1.2 zip for Canvas.

Both are built from the variants `neuralsolve exam` builds (the same seeds, codes, sheets and keys) and from each
question's exact answers, recomputed from its source and draws as `check` does with an exam key.

Moodle. One category per exam question (`$course$/<exam title>/Question <n>`) holds one question per variant, so a
random-question slot on that category gives each student one variant. A question is a Cloze (multianswer)
question: the question sheet's text as HTML (math for MathJax, \\( \\) and \\[ \\]) with a NUMERICAL box for every
quantity a part's marks are for (one per entry of a list or matrix of numbers). Each box has

- the value, a plain decimal (no exponent): exact when the decimal terminates within DIGITS figures, else rounded
  to DIGITS significant figures;
- an absolute margin from the significant-figures rule of `check`: half a unit in the DEFAULT_SIG_FIGS-th
  significant figure of the exact value (48: 0.05; 0.487451: 0.0005). An exact zero has no figures and gets
  ZERO_MARGIN;
- a weight: Cloze weights are whole numbers, so each box's share of its part's marks (the part's marks split
  evenly over its quantities, and a quantity's share evenly over its entries; a part without marks counts 1 mark a
  quantity) is multiplied by the smallest whole number that makes every share of the question whole. Moodle marks a
  Cloze question out of the sum of its weights; only the ratios matter in a quiz.

A symbolic answer (an expression in the problem's names, or anything else that is not a finite real number) gets no
box, nor does a part the author answers in prose: the question text says what is left for marking by hand, and a
warning lists it. A question with no numerical answer at all becomes an essay question (marked by hand, the worked
solution as the grader's information).
The worked solution is every question's general feedback.

Canvas. Canvas's numerical questions take one answer each, so the zip holds one question group (a QTI section that
picks 1 item) per exam question and quantity, with one numerical item per variant: the question's data and the part's
task, the accepted range value - margin .. value + margin (<vargte>/<varlte>), points the quantity's share of the
marks, and the worked solution as general feedback. Symbolic answers of a question go into one essay group. Canvas
rounds answers below 1e-4 to zero: such a non-zero answer is refused (use --moodle, or rescale the problem).

Escaping. Author text reaches the HTML escaped (render.markdown_html passes no raw HTML), the HTML is escaped again
as XML text, and outside the answer boxes every { and } is written as an HTML character reference (&#123; &#125;),
which a browser and MathJax read as the brace but Moodle's Cloze parser never takes for the start of a box. Inside a
box, feedback text is escaped as that parser reads it (see cloze_text). Output is deterministic: the same exam,
seeds and options give the same bytes (the zip has fixed dates and permissions and sorted entries).
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import io
import math
import re
import zipfile
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Context, Decimal
from pathlib import Path

import sympy

from .check import DEFAULT_SIG_FIGS, _exponent  # _exponent: floor(log10 a), exactly, as check counts figures
from .errors import ProblemError

DIGITS = 15  # significant figures of a value that does not terminate (a double holds about 16)
ZERO_MARGIN = Decimal("0.0005")  # the margin of an exact 0: half a unit in the third decimal place
CANVAS_SMALLEST = sympy.Rational(1, 10**4)  # Canvas rounds answers smaller than this to 0


# -- numbers ------------------------------------------------------------------------------------------------------
def _rational(v) -> sympy.Rational:
    """v itself if rational, else v to 60 significant figures (as a rational)."""
    return v if v.is_Rational else sympy.Rational(str(sympy.N(v, 60)))


def _plain(d: Decimal) -> str:
    """A decimal without exponent and without trailing zeros: 0.0005, 48, -2.5."""
    text = format(d, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def decimal_text(v) -> str:
    """The value of the number v as a plain decimal: exact when it terminates within DIGITS significant figures,
    else rounded to DIGITS significant figures (half to even)."""
    r = _rational(v)
    if r == 0:
        return "0"
    shift = DIGITS - 1 - _exponent(abs(r))  # decimal places that leave DIGITS figures
    scaled = r * sympy.Rational(10) ** shift
    if scaled.is_Integer:
        return _plain(Decimal(int(scaled)).scaleb(-shift))
    return _plain(Context(prec=DIGITS, rounding=ROUND_HALF_EVEN).divide(Decimal(int(r.p)), Decimal(int(r.q))))


def margin(v) -> Decimal:
    """The absolute margin of the exact number v: half a unit in its DEFAULT_SIG_FIGS-th significant figure (so
    exactly the answers `check` accepts at its default figures, read from the exact value); ZERO_MARGIN for 0."""
    r = _rational(v)
    if r == 0:
        return ZERO_MARGIN
    return Decimal(5).scaleb(_exponent(abs(r)) - DEFAULT_SIG_FIGS)


def _number(x) -> bool:
    """Whether x is a finite real number (not an expression in names, a name such as `minimum`, or a relation)."""
    if not isinstance(x, sympy.Expr) or x.free_symbols or not x.is_number:
        return False
    try:
        r = sympy.N(x, 30)
    except (TypeError, ValueError):  # pragma: no cover
        return False
    return bool(r.is_real) and bool(r.is_finite)


def numeric_entries(value) -> list[tuple[str, sympy.Expr]] | None:
    """A numeric answer as (suffix, number) pairs: [("", x)] for a number, [("[1]", ..), ...] for a list or a
    vector, [("[1,2]", ..), ...] for a matrix (counted from 1); None when any entry is not a number."""
    if isinstance(value, sympy.MatrixBase):
        rows, cols = value.shape
        if rows == 0 or cols == 0:
            return None
        if cols == 1 or rows == 1:
            out = [(f"[{i + 1}]", x) for i, x in enumerate(value)]
        else:
            out = [(f"[{i + 1},{j + 1}]", value[i, j]) for i in range(rows) for j in range(cols)]
    elif isinstance(value, (list, tuple)):
        if not value or any(isinstance(x, (list, tuple, sympy.MatrixBase)) for x in value):
            return None
        out = [(f"[{i + 1}]", x) for i, x in enumerate(value)]
    else:
        out = [("", value)]
    return out if all(_number(x) for _, x in out) else None


# -- the variants, question by question -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Blank:
    """One numerical answer box: an answer (or one entry of it), its exact value, decimal, margin and share."""

    name: str  # the answer's name, with [i] or [i,j] for an entry of a list or matrix
    part: int  # the part it belongs to (from 0)
    exact: sympy.Expr
    value: str  # plain decimal
    margin: str  # plain decimal, absolute
    share: sympy.Rational  # its share of the question's marks (1 a quantity when the part has no marks)


@dataclass(frozen=True)
class Symbolic:
    """What is marked by hand: an asked answer that is not numerical, or a part answered in prose (`written`)."""

    name: str  # the answer's name, or for a part answered in words or drawn, the part: "(a)" or "the task"
    part: int
    share: sympy.Rational
    written: bool = False

    @property
    def text(self) -> str:
        return f"{self.name}, answered in words or a drawing" if self.written else self.name

    @property
    def html(self) -> str:
        return html_lib.escape(self.text) if self.written else _code(self.name)


@dataclass(frozen=True)
class Item:
    """One exam question as one variant poses it."""

    number: int
    name: str  # Question 1, variant 3K7Q0M
    code: str | None
    variant: str  # the code of the exam variant it was first built for
    where: tuple[str, int, int]  # the question's entry in the exam file
    head_html: str
    tasks_html: tuple[str, ...]
    worked_html: str
    blanks: tuple[Blank, ...]
    symbolic: tuple[Symbolic, ...]
    marks: sympy.Rational | None
    labels: tuple[str | None, ...] = field(default=())


@dataclass(frozen=True)
class Quiz:
    title: str
    instructions_html: str
    questions: tuple[tuple[Item, ...], ...]  # per exam question, its distinct variants in order
    warnings: tuple[str, ...]


_EXACT: dict = {}  # (file, source, draws, marks) -> (problem, answers): a fixed question is computed once


def _exact(q, ref):
    """The question's problem (marks scaled as in the exam) and its answers, exact, from its source and draws."""
    from .answers import compute
    from .exam import scaled_marks
    from .spec import loads

    key = (q.file, q.source, repr(sorted(q.draws.items())), ref.marks)
    if key not in _EXACT:
        problem = scaled_marks(loads(q.source, q.file, q.draws) if q.draws else loads(q.source, q.file), ref.marks)
        _, answers = compute(problem)
        if dict(answers.strings) != dict(q.solution.answers):  # pragma: no cover - the key and the export must agree
            raise RuntimeError(f"{q.file}: the recomputed answers differ from the exam's key")
        _EXACT[key] = (problem, answers)
    return _EXACT[key]


def _macros():
    from .render import _text_env

    return _text_env().get_template("question.md.j2").module


def _html(markdown_text: str, figs=()) -> str:
    from .render import markdown_html

    return markdown_html(markdown_text, figs)


def _item(q, ref, variant_code: str) -> Item:
    problem, answers = _exact(q, ref)
    blanks, symbolic = [], []
    for i, (part, asked) in enumerate(zip(problem.parts, answers.asked)):
        if not asked:  # a part the author answers in prose: its marks are the grader's to give
            if part.marks is not None:
                label = q.solution.parts[i].label
                symbolic.append(Symbolic(f"({label})" if label else "the task", i, part.marks, written=True))
            continue
        each = (part.marks if part.marks is not None else sympy.Integer(len(asked))) / len(asked)
        for name in asked:
            entries = numeric_entries(answers.values.get(name))
            if entries is None:
                symbolic.append(Symbolic(name, i, each))
                continue
            for suffix, x in entries:
                blanks.append(Blank(name + suffix, i, x, decimal_text(x), _plain(margin(x)), each / len(entries)))
    m = _macros()
    stem = Path(q.file).stem
    name = f"Question {q.number}" + (f", variant {q.code}" if q.code else (f", {stem}" if ref.pool else ""))
    marks = [p.marks for p in problem.parts if p.marks is not None]
    tasks = tuple(_html(str(m.task(q, i))) for i in range(len(problem.parts)))
    from .render import figures

    figs = figures(q.solution)  # inlined in the worked answers, then shipped as files (_figures_as_files)
    worked = "".join(task + _html(str(m.worked(q, i)), figs) for i, task in enumerate(tasks))
    return Item(q.number, name, q.code, variant_code, (ref.where.file, ref.where.line, ref.where.col),
                _html(str(m.head(q))), tasks, worked, tuple(blanks), tuple(symbolic),
                sum(marks) if marks else ref.marks, tuple(p.label for p in q.solution.parts))


def build(exam_path: str, seeds: list[int]) -> Quiz:
    """Every variant of the exam for these seeds, as quiz items: one per exam question and distinct variant."""
    from .authortext import to_markdown
    from .draws import code_of
    from .exam import build_variant, load_exam
    from .latex import tex

    exam = load_exam(exam_path)
    per_question: list[dict] = [{} for _ in exam.questions]
    for seed in seeds:
        try:
            v = build_variant(exam, seed)
        except ProblemError as err:  # one variant that cannot be built stops the quiz: say which
            raise ProblemError(f"exam variant {code_of(seed)}: {err.message}", err.file, err.line, err.col) from None
        for q in v.questions:
            ref = exam.questions[q.number - 1]
            key = (q.file, q.code)
            if key not in per_question[q.number - 1]:
                per_question[q.number - 1][key] = _item(q, ref, v.code)
    questions = tuple(tuple(d.values()) for d in per_question)
    warnings = []
    for items in questions:
        left = list(dict.fromkeys(s.text for it in items for s in it.symbolic))
        if left:
            warnings.append(f"warning: Question {items[0].number}: left for marking by hand (not a number, or "
                            f"answered in prose): {', '.join(left)}")
    instructions = _html(to_markdown(exam.instructions, math=tex)) if exam.instructions else ""
    return Quiz(exam.title, instructions, questions, tuple(warnings))


# -- Moodle XML -----------------------------------------------------------------------------------------------------
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(s: str) -> str:
    """s as XML character data (or an attribute value): & < > " escaped, characters XML cannot hold dropped."""
    return html_lib.escape(_XML_INVALID.sub("", s), quote=True)


def no_cloze(html: str) -> str:
    """HTML in which Moodle's Cloze parser finds no answer box: every brace as a character reference."""
    return html.replace("{", "&#123;").replace("}", "&#125;")


def cloze_text(s: str) -> str:
    """Text as a Cloze answer's feedback: HTML-escaped, with the characters Moodle's parser reads as Cloze syntax
    escaped as it undoes them. It ends a feedback at an unescaped } or ~ and unescapes only \\} and \\#, after
    decoding character references: so } and # take a backslash, and ~, \\, / and { are written as references."""
    s = xml_text(s).replace("\\", "&#92;").replace("~", "&#126;").replace("/", "&#47;").replace("{", "&#123;")
    return re.sub(r"(?<!&)#", r"\\#", s).replace("}", "\\}")


def _weights(blanks) -> list[int]:
    """Whole-number Cloze weights in the ratio of the blanks' shares: each share times the smallest whole number
    that makes them all whole."""
    factor = math.lcm(*(int(b.share.q) for b in blanks)) if blanks else 1
    return [int(b.share * factor) for b in blanks]


def _code(s: str) -> str:
    return f"<code>{html_lib.escape(s)}</code>"


def _marks(m) -> str:
    from .solution import marks_text

    return marks_text(sympy.Rational(m)) or ""


def cloze_html(item: Item) -> str:
    """The question text: data, each part's task followed by its answer boxes and a note on what is marked by hand."""
    weights = dict(zip(item.blanks, _weights(item.blanks)))
    out = [no_cloze(item.head_html)]
    n = 0
    for i, task in enumerate(item.tasks_html):
        out.append(no_cloze(task))
        for b in (b for b in item.blanks if b.part == i):
            n += 1
            feedback = cloze_text(f"{b.name} = {b.value}")
            out.append(f"<p>{no_cloze(_code(b.name))} = {{{weights[b]}:NUMERICAL:={b.value}:{b.margin}#{feedback}}}"
                       "</p>\n")
        by_hand = [s for s in item.symbolic if s.part == i]
        if by_hand:
            names = ", ".join(s.html for s in by_hand)
            out.append(no_cloze(f"<p><em>Marked by hand, outside this question's automatic marks "
                                f"({_marks(sum(s.share for s in by_hand))} marks): {names}.</em></p>\n"))
    return "".join(out)


def _category(path: list[str]) -> str:
    """A Moodle category path; a / inside a name is doubled, as Moodle reads it. Moodle shows names as HTML, so
    author text in them is HTML-escaped (an exam titled A <i>B</i> is shown as written, not in italics)."""
    return "$course$/" + "/".join(html_lib.escape(p.strip(), quote=False).replace("/", "//") for p in path)


_FIGURE = re.compile(r'<figure class="picture">(<svg .*?</svg>\n?)</figure>', re.S)


def _figures_as_files(html: str, base: str) -> tuple[str, list[tuple[str, str]]]:
    """The figures a worked answer holds inline, as image files instead (LMS editors strip inline SVG): the HTML
    with <img src="BASE/fig-HASH.svg">, and (name, SVG) for each."""
    files: list[tuple[str, str]] = []

    def swap(m):
        svg_text = m.group(1)
        name = f"fig-{hashlib.sha256(svg_text.encode()).hexdigest()[:16]}.svg"
        if name not in [f for f, _ in files]:
            files.append((name, svg_text))
        return f'<p><img src="{base}/{name}" alt="figure"></p>'

    return _FIGURE.sub(swap, html), files


def _moodle_files(files) -> str:
    return "".join(f'<file name="{n}" path="/" encoding="base64">{base64.b64encode(t.encode()).decode()}</file>'
                   for n, t in files)


def moodle_xml(quiz: Quiz) -> str:
    """The quiz as Moodle XML: an exam category, a category per question, and its variants in it."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>"]

    def category(path, info=""):
        lines.extend(["  <question type=\"category\">", f"    <category><text>{xml_text(_category(path))}</text>"
                      "</category>", f"    <info format=\"html\"><text>{xml_text(info)}</text></info>",
                      "  </question>"])

    category([quiz.title], quiz.instructions_html)
    for items in quiz.questions:
        category([quiz.title, f"Question {items[0].number}"])
        for it in items:
            kind = "cloze" if it.blanks else "essay"
            lines.append(f'  <question type="{kind}">')
            lines.append(f"    <name><text>{xml_text(html_lib.escape(it.name, quote=False))}</text></name>")
            if it.blanks:
                text = cloze_html(it)
            else:
                names = ", ".join(s.html for s in it.symbolic)
                text = no_cloze(it.head_html + "".join(it.tasks_html) +
                                f"<p><em>Marked by hand{': ' + names if names else ''}.</em></p>\n")
            lines.append(f'    <questiontext format="html"><text>{xml_text(text)}</text></questiontext>')
            worked, files = _figures_as_files(it.worked_html, "@@PLUGINFILE@@")
            lines.append(f'    <generalfeedback format="html"><text>{xml_text(no_cloze(worked))}</text>'
                         f"{_moodle_files(files)}</generalfeedback>")
            if it.blanks:
                lines.append("    <penalty>0.3333333</penalty>")
            else:
                lines.extend([f"    <defaultgrade>{_marks(it.marks or 1)}</defaultgrade>", "    <penalty>0</penalty>",
                              "    <responseformat>editor</responseformat>",
                              "    <responserequired>1</responserequired>",
                              "    <responsefieldlines>15</responsefieldlines>", "    <attachments>0</attachments>",
                              f'    <graderinfo format="html"><text>{xml_text(no_cloze(worked))}</text>'
                              f"{_moodle_files(files)}</graderinfo>",
                              '    <responsetemplate format="html"><text></text></responsetemplate>'])
            lines.extend(["    <hidden>0</hidden>", "  </question>"])
    lines.append("</quiz>")
    return "\n".join(lines) + "\n"


# -- QTI 1.2 for Canvas -------------------------------------------------------------------------------------------
def _ident(*parts) -> str:
    return "i" + hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()[:24]


def _points(share) -> str:
    """Points as Canvas reads them: exact when the share terminates within 6 decimals, else rounded to 6."""
    d = Context(prec=30).divide(Decimal(int(share.p)), Decimal(int(share.q))).quantize(Decimal("0.000001"))
    return _plain(d)


def _meta(fields: list[tuple[str, str]], indent: str) -> list[str]:
    out = [f"{indent}<qtimetadata>"]
    for label, entry in fields:
        out.append(f"{indent}  <qtimetadatafield><fieldlabel>{label}</fieldlabel>"
                   f"<fieldentry>{xml_text(entry)}</fieldentry></qtimetadatafield>")
    out.append(f"{indent}</qtimetadata>")
    return out


def _item_xml(ident: str, title: str, qtype: str, points: str, text: str, feedback: str, bounds=None) -> list[str]:
    i = "        "
    fib = ' fibtype="Decimal"' if bounds else ""
    out = [f'{i}<item ident="{ident}" title="{xml_text(title)}">', f"{i}  <itemmetadata>"]
    out += _meta([("question_type", qtype), ("points_possible", points)], i + "    ")
    out += [f"{i}  </itemmetadata>", f"{i}  <presentation>",
            f'{i}    <material><mattext texttype="text/html">{xml_text(text)}</mattext></material>',
            f'{i}    <response_str ident="response1" rcardinality="Single">',
            f'{i}      <render_fib{fib}><response_label ident="answer1"/></render_fib>',
            f"{i}    </response_str>", f"{i}  </presentation>", f"{i}  <resprocessing>",
            f'{i}    <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
            f'{i}    <respcondition continue="Yes"><conditionvar><other/></conditionvar>'
            '<displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>']
    if bounds:
        low, high = bounds
        out += [f'{i}    <respcondition continue="No">', f"{i}      <conditionvar>",
                f'{i}        <vargte respident="response1">{low}</vargte>',
                f'{i}        <varlte respident="response1">{high}</varlte>', f"{i}      </conditionvar>",
                f'{i}      <setvar action="Set" varname="SCORE">100</setvar>', f"{i}    </respcondition>"]
    out += [f"{i}  </resprocessing>", f'{i}  <itemfeedback ident="general_fb"><flow_mat><material>'
            f'<mattext texttype="text/html">{xml_text(feedback)}</mattext></material></flow_mat></itemfeedback>',
            f"{i}</item>"]
    return out


def _section(ident: str, title: str, points: str, items: list[list[str]]) -> list[str]:
    i = "      "
    out = [f'{i}<section ident="{ident}" title="{xml_text(title)}">', f"{i}  <selection_ordering>",
           f"{i}    <selection>", f"{i}      <selection_number>1</selection_number>",
           f"{i}      <selection_extension><points_per_item>{points}</points_per_item></selection_extension>",
           f"{i}    </selection>", f"{i}  </selection_ordering>"]
    for it in items:
        out += it
    out.append(f"{i}</section>")
    return out


def _refuse_small(quiz: Quiz) -> None:
    for items in quiz.questions:
        for it in items:
            for b in it.blanks:
                if b.exact != 0 and abs(_rational(b.exact)) < CANVAS_SMALLEST:
                    raise ProblemError(
                        f"Question {it.number}, variant {it.code or it.variant}: {b.name} = {b.value} is smaller "
                        "than 1e-4 in size, and Canvas rounds answers below 1e-4 to zero; use --moodle or rescale "
                        "the problem", *it.where)


def _quantity_title(it: Item, b) -> str:
    label = it.labels[b.part] if b.part < len(it.labels) else None
    return f"Question {it.number}" + (f" ({label})" if label else "") + f": {b.name}"


def qti_assessment(quiz: Quiz, figures: dict | None = None) -> tuple[str, str]:
    """The assessment's identifier and its QTI 1.2 XML: a group (pick 1 over variants) per question and quantity.
    The worked answers' figures go into `figures` (name -> SVG), files of the zip under figures/."""
    _refuse_small(quiz)
    figures = {} if figures is None else figures

    def worked(it) -> str:
        text, files = _figures_as_files(it.worked_html, "$IMS-CC-FILEBASE$/figures")
        figures.update(files)
        return text

    aid = _ident("assessment", quiz.title)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="'
             'http://www.imsglobal.org/xsd/ims_qtiasiv1p2 http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">',
             f'  <assessment ident="{aid}" title="{xml_text(quiz.title)}">']
    lines += _meta([("cc_maxattempts", "1")], "    ")
    lines.append('    <section ident="root_section">')
    for items in quiz.questions:
        groups: dict[str, list] = {}
        for it in items:
            for b in it.blanks:
                groups.setdefault(b.name, []).append((it, b))
        for name, members in groups.items():
            first_it, first_b = members[0]
            points = _points(first_b.share)
            out = []
            for it, b in members:
                value, m = Decimal(b.value), Decimal(b.margin)
                text = it.head_html + it.tasks_html[b.part] + f"<p>Give {_code(b.name)}.</p>\n"
                out.append(_item_xml(_ident(aid, it.name, b.name), f"{it.name}: {b.name}", "numerical_question",
                                     points, text, worked(it), (_plain(value - m), _plain(value + m))))
            lines += _section(_ident(aid, "group", first_it.number, name), _quantity_title(first_it, first_b), points,
                              out)
        by_hand = [it for it in items if it.symbolic or not it.blanks]
        if by_hand:
            first = by_hand[0]
            points = _points(sum(s.share for s in first.symbolic) if first.symbolic else first.marks or 1)
            out = []
            for it in by_hand:
                names = ", ".join(s.html for s in it.symbolic)
                parts = sorted({s.part for s in it.symbolic}) or range(len(it.tasks_html))
                text = it.head_html + "".join(it.tasks_html[i] for i in parts)
                text += f"<p>Give {names} (marked by hand).</p>\n" if names else "<p>Marked by hand.</p>\n"
                out.append(_item_xml(_ident(aid, it.name, "by hand"), f"{it.name}: marked by hand", "essay_question",
                                     points, text, worked(it)))
            lines += _section(_ident(aid, "group", by_hand[0].number, "by hand"),
                              f"Question {by_hand[0].number}: marked by hand", points, out)
    lines += ["    </section>", "  </assessment>", "</questestinterop>"]
    return aid, "\n".join(lines) + "\n"


def _manifest(aid: str, href: str, figures=()) -> str:
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest identifier="{_ident("manifest", aid)}" xmlns="http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1">',
        "  <metadata>", "    <schema>IMS Content</schema>", "    <schemaversion>1.1.3</schemaversion>", "  </metadata>",
        "  <organizations/>", "  <resources>",
        f'    <resource identifier="{aid}" type="imsqti_xmlv1p2" href="{href}">',
        f'      <file href="{href}"/>', "    </resource>",
        *[f'    <resource identifier="{_ident("figure", n)}" type="webcontent" href="figures/{n}">'
          f'<file href="figures/{n}"/></resource>' for n in figures],
        "  </resources>", "</manifest>"]) + "\n"


def qti_zip(quiz: Quiz) -> bytes:
    """The QTI zip Canvas imports: imsmanifest.xml and one assessment, byte for byte the same every run."""
    figures: dict[str, str] = {}
    aid, assessment = qti_assessment(quiz, figures)
    href = f"{aid}/{aid}.xml"
    files = {"imsmanifest.xml": _manifest(aid, href, sorted(figures)), href: assessment}
    files.update({f"figures/{n}": t for n, t in figures.items()})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            z.writestr(info, files[name].encode("utf-8"))
    return buf.getvalue()


def refuse_pools_for_qti(exam_path: str) -> None:
    """A pool's choice of file cannot hold across Canvas's per-quantity groups: refused, located at the pool."""
    from .exam import load_exam

    for n, ref in enumerate(load_exam(exam_path).questions, start=1):
        if ref.pool:
            raise ProblemError(f"Question {n} draws its file from a pool, which --qti cannot keep across Canvas's "
                               "one-group-per-quantity layout; use --moodle", ref.where.file, ref.where.line,
                               ref.where.col)

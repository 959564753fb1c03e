"""Any author text, safely (issue 8): Unicode, control characters, $...$ math, keyword and
Unicode names, notation values, and JSON answers that sympify reads back."""

from __future__ import annotations

import json
import random
import re
import subprocess

import pytest
import sympy

import neuralsolve
from neuralsolve import answers as answers_stage
from neuralsolve import render
from neuralsolve import authortext
from neuralsolve.errors import ProblemError
from neuralsolve.latex import tex, text

from .conftest import PROBLEMS
from .test_media_render import compile_tex, pdflatex

UNICODE = "σ — é Ω 日 😀 and a tab\there"


def to_tex(s, line=False):  # as the templates and the solutions' prose use it: math by our LaTeX printer
    return authortext.to_tex(s, line, math=tex)


def to_markdown(s, line=False):
    return authortext.to_markdown(s, line, math=tex)


def to_terminal(s, line=False):
    return authortext.to_terminal(s, line, math=text)


def problem(title="T", question="Q", answer=None, label="a", equations="E: x^2", values="{x: 3}", notation=""):
    """A graph problem whose author text is given (each value written as a YAML double-quoted string)."""
    q = json.dumps  # a JSON string is a YAML double-quoted string
    parts = f"  - label: {q(label)}\n    question: {q(question)}\n    ask: forward\n"
    if answer is not None:
        parts += f"  - answer: {q(answer)}\n"
    eqs = "".join(f"    {line.strip()}\n" for line in equations.split(";"))
    return (f"title: {q(title)}\n{notation}graph:\n  equations:\n{eqs}  values: {values}\nparts:\n{parts}")


def solve(text):
    return neuralsolve.solve_text(text, "t.yaml")


def located(text):
    with pytest.raises(ProblemError) as e:
        solve(text)
    return str(e.value)


# -- Unicode, control characters, blank lines -----------------------------------------------------------

def test_unicode_becomes_latex_and_unknown_characters_a_visible_placeholder():
    assert to_tex(UNICODE) == (r"\ensuremath{\sigma} \textemdash{} \'e \ensuremath{\Omega} \fbox{\texttt{U+65E5}} "
                               r"\fbox{\texttt{U+1F600}} and a tab here")
    assert to_tex("x ≥ 0, η × δ ∂ · ᵀ") == r"x $\geq$ 0, $\eta$ $\times$ $\delta$ $\partial$ $\cdot$ $^\top$"
    assert to_tex("Cyrillic Ж, script ℒ") == r"Cyrillic \fbox{\texttt{U+0416}}, script \fbox{\texttt{U+2112}}"
    assert to_tex("e\u0301") == r"\'e"  # a combining accent joins its letter first


def test_control_characters_are_dropped_and_blank_lines_become_paragraphs_or_spaces():
    raw = "a\x00b\x07c\x1b[31md\u202eе\x7f\u0085f"
    for out in (to_tex(raw), to_markdown(raw), to_terminal(raw)):
        assert not any(ord(ch) < 32 or 0x7F <= ord(ch) < 0xA0 or ch == "\u202e" for ch in out), repr(out)
    assert to_tex("one\n\n\n two") == "one\\endgraf\ntwo"
    assert to_tex("one\n\n two", line=True) == "one two"
    assert to_markdown("one\n\ntwo") == "one\n\ntwo" and to_markdown("one\n\ntwo", line=True) == "one two"
    assert to_terminal("one\n\ntwo", line=True) == "one two"


def test_the_terminal_never_gets_escape_sequences_or_rich_markup_from_author_text():
    text = problem(title="Red \x1b[31malert\x1b[0m [bold]not bold[/bold]", question="\x1b]0;owned\x07Q")
    out = neuralsolve.solve_text(text).solution
    rich_markup = render.terminal(out)
    assert "\x1b" not in rich_markup and "\x07" not in rich_markup
    from rich.console import Console

    console = Console(width=80, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(rich_markup)
    shown = console.export_text()
    assert "Red [31malert[0m [bold]not bold[/bold]" in shown
    assert "\x1b" not in shown


def test_markdown_never_carries_raw_html_from_author_text():
    md = solve(problem(title="<script>alert(1)</script> &amp; <b>", question="x < y & z > w",
                       answer="<img src=x onerror=alert(1)>")).markdown()
    assert re.search(r"(?<!\\)<", md) is None  # every < escaped: CommonMark shows \< as <, never as a tag
    assert r"# \<script\>alert(1)\</script\> \&amp; \<b\>" in md and r"*x \< y \& z \> w*" in md
    assert r"\<img src=x onerror=alert(1)\>" in md


@pytest.mark.slow
def test_unicode_everywhere_an_author_writes_compiles(tmp_path):
    text = problem(title=UNICODE + " $y^2$", question="Why σ? — \x1b[1m日本\n\nSecond paragraph 😀",
                   answer="Answer: é, Ω, ∑, → and 👍\n\nand more", label="α—1")
    w = solve(text)
    tex = w.latex()
    assert r"\fbox{\texttt{U+1F600}}" in tex and r"\ensuremath{\sigma}" in tex and "$y^{2}$" in tex
    compile_tex(tex, tmp_path)


@pytest.mark.slow
def test_unicode_in_an_exam_title_course_and_instructions_compiles(tmp_path, write):
    from neuralsolve.exam import build_variant, load_exam

    write(problem(title="Ω-Netz für Straße 😀", question="Größe σ?"), "q.yaml")
    exam = write('exam:\n  title: "Prüfung — Ω 日"\n  course: "NC‑2026 ✓"\n  date: "1 juin 2026"\n'
                 '  instructions: "Réponds à tout.\\n\\nDeuxième paragraphe \\u0007 😀"\n  questions: [q.yaml]\n',
                 "exam.yaml")
    v = build_variant(load_exam(exam), 1)
    for mode in ("sheet", "key"):
        tex = render.exam_document(v, mode, "latex")
        assert "\x07" not in tex
        compile_tex(tex, tmp_path)
        assert "<" not in render.exam_document(v, mode, "markdown").replace("\\<", "")


@pytest.mark.slow
def test_every_character_pylatexenc_knows_compiles_or_is_a_placeholder(tmp_path):
    from pylatexenc.latexencode import get_builtin_uni2latex_dict

    chars = "".join(chr(c) for c in sorted(get_builtin_uni2latex_dict()) if c > 127)
    lines = "\n".join(to_tex(chars[i:i + 40]) + r"\par" for i in range(0, len(chars), 40))
    doc = render.latex([]).replace(r"\begin{document}", r"\begin{document}\raggedright" + "\n" + lines)
    (tmp_path / "doc.tex").write_text(doc, encoding="utf-8")
    r = subprocess.run([pdflatex(), "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                       capture_output=True, timeout=300)  # bytes: pdflatex echoes T1-encoded text
    log = (tmp_path / "doc.log").read_text(errors="replace")
    assert r.returncode == 0, log[-3000:]
    assert "Missing character" not in log


# -- $...$ math in author text goes through the expression parser --------------------------------------

def test_dollar_math_in_titles_and_questions_is_parsed_never_passed_through():
    assert to_tex("Minimise $y^2 + lambda*w^2$ now") == r"Minimise $y^{2} + \lambda w^{2}$ now"
    assert to_markdown("Minimise $y^2$ *now*") == r"Minimise $y^{2}$ \*now\*"
    assert to_terminal("Minimise $y^2 + lambda*w$") == "Minimise y^2 + λ·w"
    assert to_tex("at $w = 3/4$, $yhat = sigmoid(z)$") == r"at $w = \frac{3}{4}$, $\hat{y} = \sigma\left(z\right)$"
    assert to_terminal("at $w = 3$") == "at w = 3"
    assert to_tex("costs $5 and $6") == r"costs \$5 and \$6"  # not an expression: text
    assert to_tex(r"$\input{/etc/passwd}$") == r"\$\textbackslash{}input\{/etc/passwd\}\$"
    assert to_markdown("$<b>x</b>$") == r"\$\<b\>x\</b\>\$"
    assert to_tex("y^2 as written") == r"y\textasciicircum{}2 as written"
    assert authortext.to_tex("$y^2$") == r"\$y\textasciicircum{}2\$"  # no printer given: the dollars are text
    w = solve(problem(title="The loss $y^2$", question="Find $dE/dx$ for $x = 3$"))
    assert r"\section*{The loss $y^{2}$}" in w.latex()
    assert "# The loss $y^{2}$" in w.markdown()


# -- names: lambda and other keywords, Unicode identifiers ----------------------------------------------

def test_lambda_is_a_name_in_the_graph_kind():
    w = solve(problem(equations="E: (y - w*x)^2 + lambda*w^2", values="{x: 2, y: 1, w: 3, lambda: 1/2}",
                      title="Ridge"))
    a = json.loads(w.json())["answers"]
    assert sympy.Rational(a["E"]) == (1 - 6) ** 2 + sympy.Rational(9, 2)
    assert r"\lambda" in w.latex()
    text = solve(problem(equations="E: lambda*w^2; F: E + in*is", values="{}")).json()
    assert "Symbol('lambda')*w**2" in json.loads(text)["answers"]["E"]  # sympify cannot read lambda bare


def test_lambda_is_a_name_in_the_matrix_kind():
    text = ("title: Ridge regression\nmatrix:\n  shapes: {X: [3, 2], w: [2], y: [3]}\n  equations:\n"
            "    r: X @ w - y\n    L: 1/2 * r.T @ r + lambda/2 * w.T @ w\n  parameters: [w]\n"
            "  values:\n    X: [[1, 0], [0, 1], [1, 1]]\n    w: [1, 2]\n    y: [0, 1, 1]\n    lambda: 1/10\n"
            "parts:\n  - ask: {gradients: [w]}\n")
    w = solve(text)
    X = sympy.Matrix([[1, 0], [0, 1], [1, 1]])
    wv, y = sympy.Matrix([1, 2]), sympy.Matrix([0, 1, 1])
    expected = X.T * (X * wv - y) + sympy.Rational(1, 10) * wv
    assert sympy.sympify(w.answers["dL/dw"]) == expected
    assert r"\lambda" in w.latex()


def test_a_keyword_name_keeps_error_columns_right():
    msg = located(problem(equations="E: lambda*x + lambda*tahn(x)"))
    assert msg == "t.yaml:4:26: unknown function 'tahn'; did you mean 'tanh'?"


@pytest.mark.parametrize("name, suggestion", [("α", "alpha"), ("λ_rec", "lambda_rec"), ("σ2", "sigma2"),
                                              ("xβ", "x_beta"), ("x²", "x^2"), ("ℓ", "l")])
def test_a_unicode_name_is_a_located_error_suggesting_its_ascii_spelling(name, suggestion):
    msg = located(problem(equations=f"E: 2*{name} + x"))
    assert msg == (f"t.yaml:4:10: the name {name!r} is not ASCII; write {suggestion!r} "
                   "(Greek names such as alpha print as Greek letters)")


def test_a_unicode_name_in_the_matrix_kind_is_located_too():
    text = ("title: M\nmatrix:\n  shapes: {W: [2, 2], x: [2]}\n  equations:\n    K: W @ x\n"
            "    L: 1/2 * K.T @ K + λ\nparts:\n  - ask: {gradients: [W]}\n")
    assert located(text) == ("t.yaml:6:24: the name 'λ' is not ASCII; write 'lambda' "
                             "(Greek names such as alpha print as Greek letters)")


def test_a_non_greek_unicode_name_has_no_suggestion():
    assert located(problem(equations="E: 2*é")) == ("t.yaml:4:10: the name 'é' is not ASCII; names are ASCII "
                                                    "letters, digits and _ (Greek names such as alpha print as "
                                                    "Greek letters)")


# -- notation values are names or allow-listed math, never raw TeX --------------------------------------

NETWORK = ("title: N\nnetwork:\n  input: [1]\n  layers:\n    - {weights: [[2]], activation: identity}\n"
           "  target: 1\n  loss: half_squared\nnotation:\n  LINE\n")


def network(line):
    return NETWORK.replace("LINE", line)


def test_notation_weight_is_a_name_not_tex():
    msg = located(network("weight: '\\input{/etc/passwd}'"))
    assert msg == ("t.yaml:9:11: notation.weight must be a name of letters such as w, W or omega "
                   "(a Greek name prints as its letter), not '\\input{/etc/passwd}'")
    for given, shown in (("omega", r"\omega^{2}_{11}"), ("'\\theta'", r"\theta^{2}_{11}"), ("W", "W^{2}_{11}")):
        assert shown in solve(network(f"weight: {given}")).latex()


@pytest.mark.parametrize("value, bad", [
    (r"\input{/etc/passwd}", r"\input"), (r"\write18{rm}", r"\write"), (r"\def\x{y}", r"\def"),
    (r"\catcode`\@=11", r"\catcode"), ("^^5cinput", "^^"), ("$x$", "$"), ("x%", "%"), ("#1", "#"), ("a&b", "&"),
    (r"\hat{y", "{"), (r"y}", "}"), ("<b>", "<"), (r"\\", "\\\\"),
])
def test_notation_latex_goes_through_an_allow_list(value, bad):
    msg = located(network("latex: {L: " + json.dumps(value) + "}"))
    assert msg.startswith(f"t.yaml:9:14: notation.latex.L: '{bad}' ")


def test_allowed_notation_latex_is_kept():
    ok = r"\mathcal{L}_{\mathrm{reg}}'"
    assert ok in solve(network("latex: {L: " + json.dumps(ok) + "}")).latex()
    for value in (r"\hat{y}", r"\ell", r"\boldsymbol{\theta}^{(2)}", r"\bar{x}_1", r"\tilde{\Omega}", r"\mathbf{W}"):
        solve(network("latex: {L: " + json.dumps(value) + "}"))


# -- JSON answers that sympify reads back -----------------------------------------------------------------

def _read(doc, s):
    return sympy.sympify(s, locals={n: sympy.Symbol(n) for n in doc["symbols"]})


def _same(got, want):
    if isinstance(want, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(map(_same, got, want))
    if isinstance(want, sympy.MatrixBase):
        return got.shape == want.shape and all(_same(g, w) for g, w in zip(got, want))
    if isinstance(want, sympy.core.relational.Relational):
        return got == want or (type(got) is type(want) and _same(got.lhs - got.rhs, want.lhs - want.rhs))
    got, want = sympy.sympify(got), sympy.sympify(want)
    want = want.xreplace({s: sympy.Symbol(s.name) for s in want.free_symbols})  # names, not assumptions (m > 0)
    if got == want:
        return True
    if not want.free_symbols and not got.free_symbols:
        return abs(sympy.N(got - want, 40)) <= abs(sympy.N(want, 40)) * sympy.Float("1e-25") + sympy.Float("1e-40")
    if sympy.simplify(got - want) == 0:
        return True
    rng = random.Random(0)
    names = sorted(want.free_symbols | got.free_symbols, key=str)
    for _ in range(5):
        at = {s: sympy.Rational(rng.randint(1, 9), rng.randint(2, 7)) for s in names}
        if abs(sympy.N((got - want).xreplace(at), 30)) > sympy.Float("1e-20"):
            return False
    return True


@pytest.mark.parametrize("path", PROBLEMS, ids=lambda p: p.stem)
def test_every_json_answer_reads_back_with_the_symbols_list(path):
    from neuralsolve.kinds.matrix import ir

    w = neuralsolve.solve(path)
    doc = json.loads(w.json())
    values = answers_stage.compute(w.problem)[1].values
    assert set(doc["answers"]) == set(values)
    for name, s in doc["answers"].items():
        if isinstance(values[name], ir.E):  # matrix algebra (Transpose, Inverse): tests/test_kind_matrix.py reads those
            continue
        assert _same(_read(doc, s), values[name]), (name, s)


def test_names_that_collide_with_sympy_read_back_as_names():
    names = ["E", "I", "S", "N", "Q", "O", "beta", "gamma", "zeta", "Sum", "Lambda", "oo", "nan", "pi2"]
    text = ("title: Names SymPy uses too\ngraph:\n  equations:\n"
            "    F: " + " + ".join(f"{n}*x^{i + 1}" for i, n in enumerate(names)) + "\n"
            "  parameters: [" + ", ".join(names) + "]\nparts:\n  - ask: [forward, {gradients: all}]\n")
    w = solve(text)
    doc = json.loads(w.json())
    assert doc["symbols"] == sorted(names + ["x"])
    values = answers_stage.compute(w.problem)[1].values
    for name, s in doc["answers"].items():
        assert _same(_read(doc, s), values[name]), (name, s)


def test_eulers_number_in_a_numeric_answer_stays_eulers_number():
    w = solve(problem(equations="F: exp(x) + exp(2*x)", values="{x: 1}"))
    doc = json.loads(w.json())
    assert doc["answers"]["F"] == "exp(1) + exp(2)" and doc["symbols"] == []
    assert _read(doc, doc["answers"]["F"]) == sympy.E + sympy.exp(2)


def test_a_unicode_name_the_parser_never_sees_still_prints_as_latex():
    from neuralsolve.notation import name_tex

    # a YAML key such as an equation's name reaches the printer without the parser's check
    assert [name_tex(n) for n in ("α", "λ_rec", "xβ", "é")] == [
        r"\alpha", r"\lambda_{\mathrm{rec}}", r"x_{\beta}", r"\mathrm{\fbox{\texttt{U+00E9}}}"]


def test_eulers_number_is_spelled_exp_1_so_an_answer_named_E_reads_back_as_a_name():
    import json

    import sympy

    import neuralsolve

    w = neuralsolve.solve_text("title: t\ngraph:\n  equations:\n    y: exp(1)*E + x\n  values: {x: 1}\n")
    doc = json.loads(w.json())
    assert doc["answers"]["y"] == "exp(1)*E + 1" and "E" in doc["symbols"]
    back = sympy.sympify(doc["answers"]["y"], locals={n: sympy.Symbol(n) for n in doc["symbols"]})
    assert back == sympy.Symbol("E") * sympy.exp(1) + 1


def test_a_question_of_several_paragraphs_stays_in_italics_in_markdown():
    import neuralsolve

    w = neuralsolve.solve_text("title: t\ngraph:\n  equations:\n    y: 2*x\nparts:\n  - question: \"First.\\n\\nSecond.\"\n"
                               "    ask: forward\n")
    assert "*First.*\n\n*Second.*" in w.markdown()


def test_a_python_keyword_as_a_name_reads_back_in_every_kind():
    """lambda (ridge regression's weight) is a name sympify cannot read bare: it is spelled Symbol('lambda')."""
    w = solve("title: t\ngraph:\n  equations:\n    y: lambda*w*x\n    E: (y - t)^2 + lambda*w^2\n"
              "  parameters: [w]\nparts:\n  - ask: [forward, {gradients: [w]}]\n")
    doc = json.loads(w.json())
    values = answers_stage.compute(w.problem)[1].values
    for name, s in doc["answers"].items():
        assert _same(_read(doc, s), values[name]), (name, s)
    lam, x, t, wt = sympy.symbols("lambda x t w")
    E = (lam * wt * x - t) ** 2 + lam * wt**2  # independently: the whole loss differentiated
    got = _read(doc, doc["answers"]["dE/dw"]).subs(sympy.Symbol("y"), lam * wt * x)
    assert sympy.expand(got - sympy.diff(E, wt)) == 0
    ridge = solve("title: ridge\nmatrix:\n  shapes: {X: [3, 2], w: [2], y: [3]}\n  equations:\n    r: X @ w - y\n"
                  "    L: 1/2 * r.T @ r + lambda/2 * w.T @ w\nparts:\n  - ask: {gradients: [w]}\n")
    s = json.loads(ridge.json())["answers"]["dL/dw"]
    X, r, wv = sympy.MatrixSymbol("X", 3, 2), sympy.MatrixSymbol("r", 3, 1), sympy.MatrixSymbol("w", 2, 1)
    back = sympy.sympify(s, locals={"X": X, "r": r, "w": wv})
    assert back == X.T * r + sympy.Symbol("lambda") * wv  # Xᵀ r + λ w

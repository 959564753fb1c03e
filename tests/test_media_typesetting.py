"""media: typesetting defects seen in compiled PDFs, each pinned by the line it now prints."""

from __future__ import annotations

import json

import sympy

import neuralsolve
from neuralsolve.expr import parse
from neuralsolve.latex import Value, tex, text
from neuralsolve.writer import pmatrix


def d(s):
    return parse(s).display


def test_adjacent_numbers_get_a_multiplication_sign():
    assert tex(d("3*2^2")) == r"3 \cdot 2^{2}"  # not 3 2^{2}, which reads as 32^2
    v = Value("#0")
    assert tex(sympy.Mul(sympy.Integer(10), v, evaluate=False), values={v: sympy.Rational(1, 49)}) == \
        r"10 \cdot \frac{1}{49}"  # not a mixed number
    assert tex(d("2*x")) == "2 x" and tex(d("2*(x + 1)")) == r"2 \left(x + 1\right)"


def test_a_substituted_fraction_raised_to_a_power_is_bracketed():
    v = Value("#0")
    assert tex(sympy.Pow(v, 2, evaluate=False), values={v: sympy.Rational(1, 2)}) == r"\left(\frac{1}{2}\right)^{2}"
    assert tex(sympy.Pow(v, 2, evaluate=False), values={v: sympy.Rational(1, 2)}, decimals=True) == "0.5^{2}"


def test_a_name_with_its_own_superscript_is_grouped_before_a_power():
    assert tex(sympy.Symbol("z1") ** 2, names={"z1": "z^{2}_{1}"}) == "{z^{2}_{1}}^{2}"  # no double superscript


def test_pi_and_e_print_as_math():
    assert tex(2 * sympy.pi) == r"2 \pi" and text(2 * sympy.pi) == "2·π"
    assert tex(d("pi*x")) == r"\pi x"


def test_division_by_a_named_value_is_a_fraction():
    a, b = Value("#0"), Value("#1")
    e = sympy.Mul(a, sympy.Pow(b, -1, evaluate=False), evaluate=False)
    assert tex(e, values={a: sympy.Integer(60), b: sympy.Integer(2)}) == r"\frac{60}{2}"
    assert text(e, values={a: sympy.Integer(60), b: sympy.Integer(2)}) == "60/2"


def test_substituted_sums_keep_the_authors_order():
    a, b = Value("#0"), Value("#1")
    assert tex(sympy.Add(a, b, evaluate=False), values={a: sympy.Integer(-4), b: sympy.Integer(2)}) == "-4 + 2"
    assert tex(sympy.Add(a, b, evaluate=False), values={a: sympy.Integer(2), b: sympy.Integer(-4)}) == \
        r"2 + \left(-4\right)"


def test_fractions_in_a_column_vector_have_room_between_rows():
    assert pmatrix([[r"\frac{1}{8}"], [r"\frac{1}{4}"]]) == \
        r"\begin{pmatrix} \dfrac{1}{8} \\[0.5em] \dfrac{1}{4} \end{pmatrix}"
    assert pmatrix([["1"], ["2"]]) == r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}"


def test_a_long_decimal_given_by_the_author_stays_a_decimal(write):
    w = neuralsolve.solve(write("title: t\ngraph:\n  equations:\n    y: 2*x\n  values: {x: 0.123456789012345}\n"))
    md = w.markdown()
    assert r"2 \cdot 0.123456789012345 = 0.24691357802469" in md and r"\frac{2469" not in md


def test_transcendental_json_answers_are_30_digit_decimals(write):
    text_ = ("title: t\nmatrix:\n  shapes: {z: [3], y: [3]}\n  equations:\n    a: softmax(z)\n"
             "    l: cross_entropy(a, y)\n  values: {z: [1, 2, 3], y: [0, 1, 0]}\n")
    answers = json.loads(neuralsolve.solve(write(text_)).json())["answers"]
    assert "exp" not in answers["l"] and "exp" not in answers["dl/dz"]
    l_value = sympy.Float(answers["l"])
    truth = -sympy.log(sympy.exp(2) / (sympy.exp(1) + sympy.exp(2) + sympy.exp(3)))
    assert abs(l_value - truth.evalf(40)) < 1e-28
    assert len(answers["l"].replace("0.", "").replace(".", "")) >= 29


def test_the_authors_fraction_stays_a_fraction():
    """An author's 1/2 is shown as 1/2 even in a problem written in decimals (never 0.5)."""
    from .conftest import ROOT

    md = neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml").markdown()
    assert r"\mathcal{L}_{\mathrm{reg}} &= \frac{1}{2} \left(\mu_{1}^{2}" in md and "0.5 \\left(" not in md


def test_long_arithmetic_goes_in_the_seeds_steps():
    """Exam 2022 Q3(a)(ii): powers and the given logarithms, then sums in adjacent pairs, then the factor."""
    from .conftest import ROOT

    md = neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml").markdown()
    lines = [li.strip() for li in md.splitlines() if li.strip().startswith(("&=", r"&\approx"))]
    assert lines[1:] == [
        r"&\approx \frac{1}{2} \left(0.25 + 0.01 - 2 \cdot \left(-2.3\right) - 1 + 0.01 + 0.09 - 2 \cdot \left(-1.2\right) - 1\right) \\",
        r"&= \frac{1}{2} \left(0.26 + 3.6 + 0.1 + 1.4\right) \\",
        r"&= \frac{1}{2} \left(3.86 + 1.5\right) \\",
        r"&= \frac{1}{2} \cdot 5.36 \\",
        r"&= 2.68",
    ]


def test_the_terminal_aligns_a_long_chain_and_never_breaks_inside_a_vector():
    from rich.console import Console

    from neuralsolve import render

    from .conftest import ROOT

    w = neuralsolve.solve(ROOT / "problems" / "square-network.yaml")
    console = Console(width=80, record=True, file=open("/dev/null", "w"), color_system=None)
    console.print(render.terminal(w.solution))
    lines = console.export_text().splitlines()
    i = next(k for k, li in enumerate(lines) if li.startswith("  δ2 = ∂C/∂z2"))
    assert lines[i + 1].replace("\u00a0", " ") == "     = σ'(z2) ⊙ (W3ᵀ·δ3)"  # one form a line, under the first =
    for li in lines:  # a vector or matrix is never split over two lines
        assert li.count("(") == li.count(")") and li.count("[") == li.count("]"), li
        assert len(li) <= 80


def test_the_terminal_writes_greek_names_as_letters_and_brackets_a_transposed_adjoint():
    from neuralsolve import render

    from .conftest import ROOT

    vae = render.terminal(neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml").solution).replace("\u00a0", " ")
    assert "μ1^2 + σ1^2 - 2·log(σ1)" in vae
    gplvm = render.terminal(neuralsolve.solve(ROOT / "problems" / "matrix-gplvm.yaml").solution).replace("\u00a0", " ")
    assert "(∂L1/∂(X Xᵀ))ᵀ X" in gplvm and "α" in gplvm


ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent


def test_an_updated_parameter_with_scripts_is_bracketed_before_its_prime():
    tex_ = neuralsolve.solve(ROOT / "problems" / "sigmoid-network.yaml").latex()
    assert r"\left(b^{2}_{1}\right)' &= b^{2}_{1} - \eta" in tex_  # {b^{2}_{1}}' set the prime on the 2
    assert not __import__("re").search(r"\{[wb]\^\{\d\}_\{\d+\}\}'", tex_)  # no {w^{2}_{11}}' left


def test_a_line_with_rounded_numbers_is_not_followed_by_an_exact_form():
    w = neuralsolve.solve_text("title: t\ngraph:\n  equations:\n    h: tanh(x)\n    y: w*h + c\n"
                               "  values: {x: 0.5, w: 2, c: 0.5}\nparts:\n  - ask: forward\n", "t.yaml")
    tex_ = w.latex()
    assert r"y &= w h + c = 2 \cdot 0.4621 + 0.5 \approx 1.424" in tex_  # was = 0.5 + 2 tanh(0.5) ≈ 1.424
    assert r"h &= \tanh\left(x\right) = \tanh\left(0.5\right) \approx 0.4621" in tex_  # exact where nothing rounded


def test_rows_of_fractions_are_stretched_in_latex_and_spaced_in_markdown():
    w = neuralsolve.solve(ROOT / "problems" / "softmax-regression.yaml")
    tex_, md = w.latex(), w.markdown()
    assert (r"{\renewcommand{\arraystretch}{2.2}\begin{pmatrix} \dfrac{1}{8} \\ \dfrac{1}{4} \\ \dfrac{5}{8} "
            r"\end{pmatrix}}") in tex_  # pdflatex ignored \\[0.5em] beside a fraction deeper than that
    assert r"\\[0.5em]" not in tex_
    assert r"\begin{pmatrix} \dfrac{1}{8} \\[0.5em] \dfrac{1}{4} \\[0.5em] \dfrac{5}{8} \end{pmatrix}" in md
    assert r"\sum_{k} e^{z^{2}_{k}}" in tex_  # not l, which reads as the loss


def test_a_chain_is_never_split_across_pages_but_equations_may_be():
    tex_ = neuralsolve.solve(ROOT / "problems" / "sigmoid-network.yaml").latex()
    body = tex_[tex_.index(r"\begin{align*}"):]
    assert "\\\\*\n &=" in body  # continuation lines: \\* forbids a page break there
    assert "\\\\[0.6em]\n" in body  # between equations a break is allowed
    cnn = neuralsolve.solve(ROOT / "problems" / "cnn-architecture.yaml").latex()
    assert "\\par\\nopagebreak\n\\begin{center}" in cnn  # a table's lead stays with its table


def test_approximations_are_stated_as_math_in_every_medium():
    w = neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml")
    stated = r"Use $\log\left(0.1\right) \approx -2.3$ and $\log\left(0.3\right) \approx -1.2$."
    tex_, md = w.latex(), w.markdown()
    assert stated in tex_ and tex_.index(stated) < tex_.index(r"\subsection*{Part")  # with the data, before use
    assert stated in md and md.index(stated) < md.index("## Part")
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    r = CliRunner().invoke(cli, ["solve", str(ROOT / "problems" / "vae-regulariser.yaml")], env={"COLUMNS": "200"})
    assert "Use log(0.1) ≈ -2.3 and log(0.3) ≈ -1.2." in r.output


def test_author_math_may_state_an_approximation():
    from neuralsolve.latex import tex_escape

    assert tex_escape("Take $log(0.1) ≈ -2.3$ and $w13 = 2$.") == \
        r"Take $\log\left(0.1\right) \approx -2.3$ and $w_{13} = 2$."


def test_terminal_lines_fold_between_terms_never_inside_a_vector():
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    for name, whole in (("sigmoid-network", "((0.5, -0.5)ᵀ (-0.10783))"),
                        ("tanh-graph", "w36·w67·(1 - a6^2)·tanh(y - t))")):
        r = CliRunner().invoke(cli, ["solve", str(ROOT / "problems" / f"{name}.yaml")], env={"COLUMNS": "80"})
        lines = r.output.splitlines()
        assert all(len(line) <= 80 for line in lines), max(lines, key=len)
        found = [ln for ln in lines if whole in ln]  # the vector (or the last term) whole on one line
        assert found and all(ln.startswith("         ") for ln in found)  # continuations, indented past the form


def test_markdown_prose_writes_names_as_math():
    md = neuralsolve.solve(ROOT / "problems" / "square-network.yaml").markdown()
    assert r"bias vectors: $\mathbf{W}^{2}$ ($2 \times 2$), $\mathbf{b}^{2}$ ($2$)" in md  # was W2 (2×2), b2 (2)
    cnn = neuralsolve.solve(ROOT / "problems" / "cnn-architecture.yaml").markdown()
    assert r"$N_{1} = 5$ filters of size $F_{1} = 4$" in cnn  # was N\_1 = 5 ... F\_1 = 4


def test_exam_sheets_write_asked_quantities_as_math_and_close_the_variant_bracket(tmp_path):
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    r = CliRunner().invoke(cli, ["exam", str(ROOT / "problems" / "exams" / "neural-computation.yaml"), "--variants",
                                 "1", "--seed", "1", "-o", str(tmp_path), "--no-pdf"])
    assert r.exit_code == 0, r.output
    (md,) = tmp_path.glob("*/questions.md")
    assert r"Compute $\frac{\partial C}{\partial z^{3}_{1}}$" in md.read_text(encoding="utf-8")
    (tex_,) = tmp_path.glob("*/questions.tex")
    import re

    assert re.search(r"\(variant \\texttt\{[0-9A-Z]{6}\}\)", tex_.read_text(encoding="utf-8"))  # was \texttt{CODE)}


def test_a_matrix_counts_its_columns_when_a_chain_decides_to_stay_on_one_line():
    from neuralsolve.solution import _width

    assert _width(r"\begin{pmatrix} 1 & 2 & 3 \\ 4 & 5 & 6 \end{pmatrix}") == 3 + 2 * 2 + 2  # was 3: gaps dropped


def test_the_line_that_applies_an_approximation_is_approximate_and_the_arithmetic_after_it_exact():
    tex_ = neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml").latex()
    assert r"&\approx \frac{1}{2} \left(0.25 + 0.01 - 2 \cdot \left(-2.3\right)" in tex_  # log(0.1) ≈ -2.3 here
    assert r" &= \frac{1}{2} \cdot 5.36 \\*" in tex_ and " &= 2.68\n" in tex_  # then exact, as the seed writes it


def test_a_product_in_a_matrix_gradient_is_bracketed_and_equal_uses_are_not_listed():
    md = neuralsolve.solve(ROOT / "problems" / "matrix-gplvm.yaml").markdown()
    assert r"\frac{\partial L_{1}}{\partial \left(\mathbf{X} \mathbf{X}^{\top}\right)}" in md  # not ∂X Xᵀ


def test_a_solution_states_the_problems_data_before_its_working():
    """A key read alone must say what x, y and the values are (they were used without being given)."""
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    md = neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml").markdown()
    given = md.index(r"\mu_{1} &= 0.5,\quad \mu_{2} = 0.1,\quad \sigma_{1} = 0.1,\quad \sigma_{2} = 0.3")
    assert given < md.index("## Part (ii)")
    tex_ = neuralsolve.solve(ROOT / "problems" / "matrix-softmax-regression.yaml").latex()
    assert tex_.index(r"\mathbf{W} = \begin{pmatrix}") < tex_.index(r"\subsection*{Part (a)")  # "with the values given"
    r = CliRunner().invoke(cli, ["solve", str(ROOT / "problems" / "square-network.yaml")], env={"COLUMNS": "80"})
    assert r.output.index("  a1 = (1, 2)ᵀ") < r.output.index("(a) [3 marks]")


def test_minus_a_negative_value_and_a_value_shown_as_a_sum_are_bracketed():
    v, s = Value("#0"), Value("#1")
    values = {v: sympy.Rational(-23, 10), s: 2 * sympy.log(2) - sympy.Rational(1, 3)}
    assert tex(sympy.Mul(-1, v, evaluate=False), values=values, decimals=True) == r"-\left(-2.3\right)"  # not --2.3
    assert text(sympy.Mul(-1, v, evaluate=False), values=values, decimals=True) == "-(-2.3)"
    half = sympy.Mul(s, sympy.Rational(1, 2), evaluate=False)
    assert tex(half, values=values, exact=frozenset([s])) == \
        r"\left(2 \log\left(2\right) - \frac{1}{3}\right) \cdot \frac{1}{2}"  # a sum times 1/2, not 2 log 2 - 1/3 . 1/2
    assert tex(half, values=values) == r"1.053 \cdot \frac{1}{2}"  # shown as one number: no brackets


def test_json_latex_of_every_step_carries_no_alignment_of_its_own():
    """Each equation's "latex" in the JSON is one formula (KaTeX renders it alone): no & or \\\\ outside a
    matrix or cases; a long row continued, or an inequality, is a form of its own."""
    import re

    from .conftest import PROBLEMS

    inner = re.compile(r"\\begin\{(pmatrix|cases)\}.*?\\end\{\1\}")
    for path in PROBLEMS:
        doc = json.loads(neuralsolve.solve(path).json())
        for part in doc["parts"]:
            for step in part.get("steps", []):
                for line in step.get("latex", []):
                    bare = inner.sub("", line)
                    assert "&" not in bare and "\\\\" not in bare, (path.stem, line[:120])


def test_training_is_written_for_a_generic_parameter_with_every_step_checkable():
    """θ for the rule's coordinate (w clashed with a weight named w), v0 = 0 stated, text in the terminal,
    and each step's gradient and velocity in the table."""
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    w = neuralsolve.solve(ROOT / "problems" / "momentum-training.yaml")
    md = w.markdown()
    assert r"\theta_{t} &= \theta_{t-1} - \eta v_{t}" in md and "$v$ starts at $0$" in md
    assert r"\theta = b{:} & \; g_{1} = 1,\quad v_{1} = 1,\quad \theta_{1} = -0.1" in md  # was w1 = -0.1 for b
    assert "| $2$ | $0.02$ | $0.52$ | $1$ | $2.8$ | $-0.24$ | $0.5$ | $1.4$ |" in md
    r = CliRunner().invoke(cli, ["solve", str(ROOT / "problems" / "momentum-training.yaml")], env={"COLUMNS": "80"})
    assert "θ_t = θ_(t-1) - η·v_t" in r.output and "\\beta" not in r.output  # no raw LaTeX in the terminal
    mazur = neuralsolve.solve(ROOT / "problems" / "mazur-one-update.yaml").latex()
    assert "on the weights only (the biases are kept)" in mazur


def test_a_delta_line_after_rounded_numbers_is_approximate():
    """σ'(z) ⊙ (...) with rounded activations, then the rounded product: ≈, not = (the decimals differ)."""
    tex_ = neuralsolve.solve(ROOT / "problems" / "sigmoid-network.yaml").latex()
    assert (r"&\approx \begin{pmatrix} 0.24984 \\ 0.23776 \end{pmatrix} \odot "
            r"\begin{pmatrix} -0.053916 \\ 0.053916 \end{pmatrix}") in tex_
    exact = neuralsolve.solve(ROOT / "problems" / "square-network.yaml").latex()
    assert r"&= \begin{pmatrix} -2 \\ 4 \end{pmatrix} \odot \begin{pmatrix} 12 \\ 12 \end{pmatrix}" in exact


def test_the_author_may_have_every_training_step_worked():
    """update: {..., show: every_step}: steps 2 and 3 parameter by parameter too, with their own gradients."""
    md = neuralsolve.solve(ROOT / "problems" / "momentum-training.yaml").markdown()
    assert "Step 3, parameter by parameter:" in md
    assert r"\theta = w{:} & \; g_{3} = -0.4,\quad v_{3} = 2.12,\quad \theta_{3} = 0.308" in md

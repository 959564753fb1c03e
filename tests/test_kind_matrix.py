"""The matrix kind (issue 4): the rule table, the seed problems' closed forms, numbers, memory, errors."""

from __future__ import annotations

import random
import re

import pytest
import sympy

import neuralsolve
from neuralsolve import render
from neuralsolve.errors import ProblemError
from neuralsolve.kinds.matrix import ir
from neuralsolve.kinds.matrix.calculus import RULES, evaluate, reverse
from neuralsolve.kinds.matrix.verify import verify
from neuralsolve.spec import load, loads

from .conftest import ROOT

MATRIX_PROBLEMS = sorted((ROOT / "problems").glob("matrix-*.yaml"))

# One small scalar loss per rule of the table, each exercising that rule on the parameter P.
RULE_CASES = {
    "matmul": ("P: [m, n], A: [n, m]", "L: trace(A @ P)"),
    "add": ("P: [n, n], A: [n, n]", "L: trace(P + A @ P)"),
    "scale": ("P: [n, n]", "L: trace(3 * P) + 2 * sum(P)"),
    "T": ("P: [m, n], A: [m, n]", "L: trace(P.T @ A)"),
    "inv": ("P: [n, n], A: [n, n]", "L: trace(inv(P @ P.T + I) @ A)"),
    "det": ("P: [n, n]", "L: det(P @ P.T + I)"),
    "logdet": ("P: [n, n]", "L: log(det(P @ P.T + I))"),
    "trace": ("P: [n, n], A: [n, n]", "L: trace(A @ P @ A)"),
    "norm": ("P: [n, m]", "L: norm(P)"),
    "sum": ("P: [n, m]", "L: sum(P)"),
    "pow": ("P: [n]", "L: norm(P)^2"),
    "fn": ("P: [n], A: [n]", "L: sum(sigmoid(P) * A) + sum(tanh(P)) + sum(swish(P)) + sum(exp(P)) + sum(relu(P) * A)"
                             " + sum(log(exp(P) + exp(A)))"),
    "softmax": ("P: [n], A: [n]", "L: sum(softmax(P) * A)"),
    "had": ("P: [n, m], A: [n, m]", "L: sum(P * A * P)"),
    "loss": ("P: [n, m], x: [m], y: [n]", "o: P @ x\n    L: loss(o, y)"),
    "ce": ("P: [n, m], x: [m], e: [n]", "z: P @ x\n    a: softmax(z)\n    L: cross_entropy(a, e)"),
}



def flat(terminal: str) -> str:
    """Terminal text as one line of single spaces: a chain split over lines reads as one (rich's bold dropped)."""
    return " ".join(terminal.replace("\u00a0", " ").replace("[bold]", "").replace("[/bold]", "").split())

def test_every_rule_has_a_case():
    assert set(RULES) == set(RULE_CASES)


@pytest.mark.parametrize("op", sorted(RULE_CASES))
@pytest.mark.parametrize("seed", range(2))
def test_rule_against_elementwise_diff(op, seed):
    shapes, equations = RULE_CASES[op]
    text = f"title: rule\nmatrix:\n  shapes: {{{shapes}}}\n  equations:\n    {equations}\n  parameters: [P]\n"
    graph = loads(text).model
    (check,) = verify(graph, ["P"], seed=seed)
    assert check.ok, (op, check)


@pytest.mark.slow
@pytest.mark.parametrize("problem", MATRIX_PROBLEMS, ids=lambda p: p.stem)
@pytest.mark.parametrize("seed", range(2))
def test_every_matrix_problem_verifies(problem, seed):
    graph = load(problem).model
    for check in verify(graph, seed=seed):
        assert check.ok, check


def _instance(shapes: dict, dims: dict, rng) -> dict:
    return {n: sympy.Matrix(*[dims.get(d, d) for d in s], lambda i, j: sympy.Rational(rng.randint(-9, 9), 4))
            for n, s in shapes.items()}


def _closed(path, name):
    p = load(path)
    g = p.model
    return g, reverse(g.equations, g.shapes, g.output, [name])[name].closed


def test_autoencoder_matches_homework_3_q1():
    g, closed = _closed(ROOT / "problems" / "matrix-autoencoder.yaml", "W")
    assert ir.text(closed) == "W K xᵀ + W x Kᵀ"
    rng = random.Random(1)
    for _ in range(3):
        m, n = rng.randint(1, 3), rng.randint(2, 4)
        dims = {d: v for d, v in zip(sorted({*g.shapes["W"]}, key=str), (m, n))}
        env = _instance({"W": g.shapes["W"], "x": g.shapes["x"]}, dims, rng)
        env["K"] = env["W"].T * env["W"] * env["x"] - env["x"]
        seed_form = env["W"] * env["K"] * env["x"].T + env["W"] * env["x"] * env["K"].T
        assert evaluate(closed, env, dims) == seed_form


def test_gplvm_matches_homework_3_q2():
    g, closed = _closed(ROOT / "problems" / "matrix-gplvm.yaml", "X")
    assert ir.text(closed) == "-α·D·K⁻¹ X + α·K⁻¹ Y Yᵀ K⁻¹ X"
    a = neuralsolve.solve(ROOT / "problems" / "matrix-gplvm.yaml").answers
    assert a["dL1/dX"] == "(-1)*((alpha)*((D)*(Inverse(K)*X)))"  # part (b): -alpha D K^-1 X
    assert a["dL2/dX"] == "(alpha)*(Inverse(K)*Y*Transpose(Y)*Inverse(K)*X)"  # part (d)
    assert a["dL/dX"] == "(-1)*((alpha)*((D)*(Inverse(K)*X))) + (alpha)*(Inverse(K)*Y*Transpose(Y)*Inverse(K)*X)"
    assert "dL/dL1" not in a  # the terms of L are not quantities with gradients of their own


def test_gplvm_closed_form_equals_the_seeds_on_random_instances():
    g, closed = _closed(ROOT / "problems" / "matrix-gplvm.yaml", "X")
    rng = random.Random(3)
    for _ in range(3):
        N, q, D = rng.randint(2, 3), rng.randint(1, 2), rng.randint(1, 3)
        dims = {d: v for d, v in zip(g.shapes["X"] + g.shapes["Y"][1:], (N, q, D))}
        env = _instance({"X": g.shapes["X"], "Y": g.shapes["Y"]}, dims, rng)
        alpha, beta = sympy.Rational(rng.randint(1, 5), 2), sympy.Rational(rng.randint(1, 5), 3)
        env.update({"alpha": sympy.Matrix([[alpha]]), "beta": sympy.Matrix([[beta]]), "D": sympy.Matrix([[D]])})
        K = alpha * env["X"] * env["X"].T + sympy.eye(N) / beta
        env["K"] = K
        seed_form = alpha * K.inv() * env["Y"] * env["Y"].T * K.inv() * env["X"] - alpha * D * K.inv() * env["X"]
        assert evaluate(closed, env, dims) == seed_form


def test_cross_entropy_without_softmax_is_a_located_error():
    text = "title: s\nmatrix:\n  shapes: {a: [n], y: [n]}\n  equations:\n    l: cross_entropy(a, y)\n"
    with pytest.raises(ProblemError, match="cross_entropy\\(a, y\\) needs a = softmax\\(z\\)"):
        loads(text, "s.yaml")


def test_swish_network_matches_homework_3_q3():
    _, closed = _closed(ROOT / "problems" / "matrix-swish-network.yaml", "W1")
    assert ir.text(closed) == "((h1 + σ(z1) ⊙ (1 - h1)) ⊙ (W2ᵀ ∂L/∂z2)) x1ᵀ".replace("x1ᵀ", "xᵀ")
    _, closed = _closed(ROOT / "problems" / "matrix-swish-network.yaml", "W2")
    assert ir.text(closed) == "(∂L/∂z2) h1ᵀ"


def test_softmax_regression_matches_problem_sheet_4_q1():
    w = neuralsolve.solve(ROOT / "problems" / "matrix-softmax-regression.yaml")
    a = w.answers
    assert sympy.sympify(a["dl/dz"]) == sympy.Matrix([sympy.Rational(1, 8), sympy.Rational(-3, 4), sympy.Rational(5, 8)])
    assert a["dl/dW"] == "Matrix([[1/8, 1/8], [-3/4, -3/4], [5/8, 5/8]])"
    assert sympy.sympify(a["l"]) == sympy.log(4)
    assert "∂l/∂W = (∂l/∂z) xᵀ = (a - e_y) xᵀ = " in flat(render.terminal(w.solution))


def test_three_layer_memory_matches_the_2023_assignment():
    w = neuralsolve.solve(ROOT / "problems" / "matrix-three-layer-memory.yaml")
    m, r, s = sympy.symbols("m r s", positive=True, integer=True)
    total = sympy.sympify(w.answers["stored_for_backward"], locals={"m": m, "r": r, "s": s})
    assert sympy.expand(total - 2 * (m + r + s)) == 0
    assert w.answers["dL/dW3"] == "dL_do*Transpose(a)"
    text = flat(render.terminal(w.solution))
    assert "h (m numbers), a (r numbers), o (s numbers)" in text


def test_symbolic_answers_read_back_with_matrix_symbols():
    w = neuralsolve.solve(ROOT / "problems" / "matrix-autoencoder.yaml")
    m, n = sympy.symbols("m n")
    names = {"W": sympy.MatrixSymbol("W", m, n), "x": sympy.MatrixSymbol("x", n, 1), "K": sympy.MatrixSymbol("K", n, 1)}
    got = sympy.sympify(w.answers["dL/dW"], locals=names)
    W, x, K = names["W"], names["x"], names["K"]
    assert got.shape == (m, n)
    assert sympy.simplify(got - (W * K * x.T + W * x * K.T)) == sympy.ZeroMatrix(m, n)


def test_shape_mismatch_names_the_equation_the_operation_and_both_shapes():
    text = "title: s\nmatrix:\n  shapes: {W: [m, n], x: [m]}\n  equations:\n    z: W @ x\n    L: sum(z)\n"
    with pytest.raises(ProblemError) as exc:
        loads(text, "s.yaml")
    assert str(exc.value) == ("s.yaml:5:8: in the equation for z, @ needs the columns of the left (m x n) to match "
                              "the rows of the right (m x 1)")


def test_output_must_be_scalar():
    text = "title: s\nmatrix:\n  shapes: {W: [m, n], x: [n]}\n  equations:\n    z: W @ x\n"
    with pytest.raises(ProblemError, match="the output z is m x 1; gradients need a scalar output"):
        loads(text, "s.yaml")


def test_values_must_fit_the_declared_shapes():
    text = ("title: s\nmatrix:\n  shapes: {W: [m, n], x: [n]}\n  equations:\n    L: sum(W @ x)\n"
            "  values: {W: [[1, 2], [3, 4]], x: [1, 2, 3]}\n")
    with pytest.raises(ProblemError, match="x makes n = 3, but an earlier value made it 2"):
        loads(text, "s.yaml")


def test_numeric_instance_is_exact():
    text = ("title: s\nmatrix:\n  shapes: {W: [2, 2], x: [2]}\n  equations:\n    K: W.T @ W @ x - x\n"
            "    L: 1/2 * K.T @ K\n  parameters: [W]\n  values: {W: [[1, 2], [0, 1]], x: [1, -1]}\n")
    w = neuralsolve.solve_text(text)
    W = sympy.Matrix([[1, 2], [0, 1]])
    x = sympy.Matrix([1, -1])
    K = W.T * W * x - x
    assert sympy.sympify(w.answers["dL/dW"]) == W * K * x.T + W * x * K.T
    assert w.answers["L"] == str((K.T * K)[0, 0] / 2)


@pytest.mark.slow
def test_render_verify_reports_in_the_answer(tmp_path):
    from click.testing import CliRunner

    from neuralsolve.cli import cli

    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "matrix-autoencoder.yaml"), "--json", "--verify"])
    assert r.exit_code == 0
    assert "Verified numerically: ∂L/∂W agrees with element-wise differentiation" in r.output
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "tanh-graph.yaml"), "--json", "--verify"])
    assert r.exit_code == 0 and "Verified: all 8 gradients agree with sympy.diff" in r.output


def test_render_verify_catches_a_wrong_gradient(monkeypatch):
    from click.testing import CliRunner

    import neuralsolve.kinds.matrix.verify as mv
    from neuralsolve.cli import cli

    real = mv.reverse

    def wrong(*args, **kw):  # a calculus bug: every closed form doubled
        grads = real(*args, **kw)
        return {k: type(g)(g.name, g.paths, g.rule, ir.scale(ir.num(2), g.closed), g.merged) for k, g in grads.items()}

    monkeypatch.setattr(mv, "reverse", wrong)
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "matrix-autoencoder.yaml"), "--json", "--verify"])
    assert r.exit_code == 1
    assert "∂L/∂W (DISAGREES)" in r.output
    assert "a gradient disagrees with the independent check" in r.stderr


def _lines(path, part=None) -> list[str]:
    """Every equation line (LaTeX, `lhs = form = ...`) and prose line of the worked answer, in order."""
    w = neuralsolve.solve(path) if not isinstance(path, str) else neuralsolve.solve_text(path)
    out = []
    for pv in w.solution.parts:
        if part is not None and pv.label != part:
            continue
        for b in pv.blocks:
            if getattr(b, "prose_tex", None) or getattr(b, "tex", None):
                out.append(getattr(b, "prose_tex", None) or b.tex)
            for eq in getattr(b, "equations", ()):
                out.append(eq.lhs_tex + "".join(f" = {f.tex}" for f in eq.forms))
    return out


def _in_order(lines: list[str], *wanted: str) -> None:
    at = [lines.index(w) if w in lines else -1 for w in wanted]
    assert -1 not in at, [w for w, i in zip(wanted, at) if i < 0]
    assert at == sorted(at), at


def _dl(loss: str, wrt: str) -> str:
    return rf"\frac{{\partial {loss}}}{{\partial {wrt}}}"


K, X, Y = r"\mathbf{K}", r"\mathbf{X}", r"\mathbf{Y}"
KI, XXT = r"\mathbf{K}^{-1}", r"\mathbf{X} \mathbf{X}^{\top}"
XXT_WRT = rf"\left({XXT}\right)"  # a product under the ∂ is bracketed


def test_gplvm_l1_through_log_det_then_x_x_transpose():
    lines = _lines(ROOT / "problems" / "matrix-gplvm.yaml", "b")
    _in_order(lines,
              rf"{_dl('L_{1}', K)} = -\frac{{1}}{{2}} D \mathbf{{K}}^{{-\top}} = -\frac{{1}}{{2}} D {KI}",
              rf"{_dl('L_{1}', XXT_WRT)} = \alpha {_dl('L_{1}', K)} = -\frac{{1}}{{2}} \alpha D {KI}",
              rf"{_dl('L_{1}', X)} = \left({_dl('L_{1}', XXT_WRT)}\right)^{{\top}} {X} + {_dl('L_{1}', XXT_WRT)} {X} "
              rf"= 2 {_dl('L_{1}', XXT_WRT)} {X} = -\alpha D {KI} {X}")
    assert rf"${XXT}$ holds ${X}$ twice, as ${X}^{{\top}}$ and as ${X}$; the contributions add up" in lines[4]


def test_gplvm_l2_through_k_inverse_and_the_inverse_rule():
    lines = _lines(ROOT / "problems" / "matrix-gplvm.yaml", "d")
    _in_order(lines,
              rf"{_dl('L_{2}', KI)} = -\frac{{1}}{{2}} {Y} {Y}^{{\top}}",
              rf"{_dl('L_{2}', K)} = -\mathbf{{K}}^{{-\top}} {_dl('L_{2}', KI)} \mathbf{{K}}^{{-\top}} "
              rf"= -{KI} {_dl('L_{2}', KI)} {KI} = \frac{{1}}{{2}} {KI} {Y} {Y}^{{\top}} {KI}",
              rf"{_dl('L_{2}', XXT_WRT)} = \alpha {_dl('L_{2}', K)} = \frac{{1}}{{2}} \alpha {KI} {Y} {Y}^{{\top}} {KI}",
              rf"{_dl('L_{2}', X)} = \left({_dl('L_{2}', XXT_WRT)}\right)^{{\top}} {X} + {_dl('L_{2}', XXT_WRT)} {X} "
              rf"= 2 {_dl('L_{2}', XXT_WRT)} {X} = \alpha {KI} {Y} {Y}^{{\top}} {KI} {X}")
    assert any(line.startswith("By the inverse rule") for line in lines)


def test_gplvm_l_is_the_sum_of_its_terms_gradients():
    lines = _lines(ROOT / "problems" / "matrix-gplvm.yaml", "e")
    assert lines == [
        rf"$L = -c + L_{{1}} + L_{{2}}$, where $c$ does not depend on ${X}$ ($\frac{{\partial c}}{{\partial {X}}} = 0$), "
        rf"so ${_dl('L', X)}$ is the sum of ${_dl('L_{1}', X)}$ and ${_dl('L_{2}', X)}$:",
        rf"{_dl('L', X)} = {_dl('L_{1}', X)} + {_dl('L_{2}', X)} = -\alpha D {KI} {X} + \alpha {KI} {Y} {Y}^{{\top}} "
        rf"{KI} {X}"]


def test_gplvm_in_one_equation_names_its_paths_in_the_exams_terms():
    text = ("title: g\nmatrix:\n  shapes: {X: [N, q], Y: [N, D]}\n  equations:\n"
            "    K: alpha * X @ X.T + 1/beta * I\n"
            "    L: -c - D/2 * log(det(K)) - 1/2 * trace(inv(K) @ Y @ Y.T)\n  parameters: [X]\n")
    lines = _lines(text)
    prose = next(line for line in lines if "reaches" in line)
    assert prose.startswith(rf"${K}$ reaches $L$ along two paths, through ${KI}$ in $\operatorname{{tr}}\left({KI} "
                            rf"{Y} {Y}^{{\top}}\right)$ (the inverse rule) and through $\log\left|{K}\right|$;")
    assert "through L" not in " ".join(lines) and "2 times" not in " ".join(lines)
    _in_order(lines, rf"{_dl('L', KI)} = -\frac{{1}}{{2}} {Y} {Y}^{{\top}}", prose)


def test_autoencoder_steps_are_the_seeds():
    lines = _lines(ROOT / "problems" / "matrix-autoencoder.yaml")
    W, P, x = r"\mathbf{W}", r"\mathbf{P}", r"\mathbf{x}"
    WT = W + r"^{\top}"
    _in_order(lines,
              rf"{_dl('L', K)} = \frac{{1}}{{2}} {K} + \frac{{1}}{{2}} {K} = {K}",
              rf"Let ${P} = {W} {x}$, so that ${K} = {W}^{{\top}} {P} - {x}$; backpropagate to ${P}$:",
              rf"{_dl('L', P)} = {W} {_dl('L', K)} = {W} {K}",
              rf"${W}$ reaches $L$ along two paths, through ${P} = {W} {x}$ and through ${W}^{{\top}}$ in ${K}$; "
              "their contributions add up:",
              rf"{_dl('L', WT)} = {_dl('L', K)} {P}^{{\top}} = {K} {P}^{{\top}} = {K} \left({W} {x}\right)^{{\top}}",
              rf"{_dl('L', W)} = {_dl('L', P)} {x}^{{\top}} + \left({_dl('L', WT)}\right)^{{\top}} "
              rf"= {W} {K} {x}^{{\top}} + {W} {x} {K}^{{\top}}")


def test_swish_derivative_is_derived_once_by_the_product_rule_before_it_is_used():
    lines = _lines(ROOT / "problems" / "matrix-swish-network.yaml")
    h, z = r"\mathbf{h}_{1}", r"\mathbf{z}_{1}"
    derived = (r"\operatorname{swish}'(z) = \frac{d}{dz} \left(z \sigma(z)\right) "
               r"= \sigma(z) + z \sigma(z) \left(1 - \sigma(z)\right) "
               r"= z \sigma(z) + \sigma(z) \left(1 - z \sigma(z)\right) "
               r"= \operatorname{swish}(z) + \sigma(z) \left(1 - \operatorname{swish}(z)\right)")
    entry = rf"\operatorname{{swish}}'\left({z}\right) = {h} + \sigma\left({z}\right) \odot \left(1 - {h}\right)"
    used = next(line for line in lines if line.startswith(_dl("L", z)))
    _in_order(lines, derived, entry, used)
    assert lines.count(derived) == 1
    assert lines[lines.index(derived) - 1].startswith("By the product rule on ")


def test_sigmoid_derivative_is_derived_once_before_it_is_used():
    lines = _lines(ROOT / "problems" / "matrix-three-layer-memory.yaml")
    derived = (r"\sigma'(z) = \frac{d}{dz} \left(1 + e^{-z}\right)^{-1} = \frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}} "
               r"= \frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}} = \sigma(z) \left(1 - \sigma(z)\right)")
    first_use = next(i for i, line in enumerate(lines) if r"\mathbf{a} \odot \left(1 - \mathbf{a}\right)" in line
                     and not line.startswith(r"\sigma'"))
    assert lines.count(derived) == 1 and lines.index(derived) < first_use


def test_matrix_steps_have_no_tautologies_and_follow_backpropagation():
    for path in MATRIX_PROBLEMS:
        for line in _lines(path):
            if " = " in line and not line.startswith("$"):
                sides = line.split(" = ")
                assert sides[0] != sides[1], (path.name, line)
    lines = _lines(ROOT / "problems" / "matrix-three-layer-memory.yaml")
    lhs = [line.split(" = ")[0] for line in lines if line.startswith(r"\frac{\partial L}")]
    order = [lhs.index(_dl("L", rf"\mathbf{{{n}}}_{{{i}}}")) for n in "Wb" for i in (3, 2, 1)]
    assert order[:3] == sorted(order[:3]) and order[3:] == sorted(order[3:])
    # a quantity is derived before any step uses it
    for path in MATRIX_PROBLEMS:
        lines = [line for line in _lines(path) if line.startswith(r"\frac{\partial")]
        heads = [line.partition(" = ")[0] for line in lines]
        for i, line in enumerate(lines):
            used = [j for j, h in enumerate(heads) if h in line.partition(" = ")[2]]
            assert all(j < i for j in used), (path.name, line)


def test_gradients_of_a_term_is_read_and_located():
    base = ("title: g\nmatrix:\n  shapes: {X: [n, n]}\n  equations:\n    L1: trace(X)\n    L: L1 + trace(X @ X)\n"
            "parts:\n  - ask: {gradients: {of: %s, with_respect_to: [X]}}\n")
    w = neuralsolve.solve_text(base % "L1")
    assert w.answers["dL1/dX"] == "Identity(n)"
    with pytest.raises(ProblemError, match="no equation named 'L3'"):
        loads(base % "L3", "g.yaml")


def test_a_singular_matrix_in_the_values_names_the_equation(write):
    path = write("title: s\nmatrix:\n  shapes: {K: [2, 2]}\n  equations:\n    L: trace(inv(K))\n"
                 "  values: {K: [[1, 2], [2, 4]]}\n")
    with pytest.raises(ProblemError) as exc:
        neuralsolve.solve(path)
    assert str(exc.value) == f"{path}:5:8: computing L with the values given: a matrix to invert is singular"


# -- the examiner's review of the rendered pages ------------------------------------------------------------

SOFTMAX = ROOT / "problems" / "matrix-softmax-regression.yaml"


def test_softmax_sums_over_an_index_that_is_not_the_loss():
    lines = _lines(SOFTMAX, "a")
    a = next(line for line in lines if line.startswith(r"\mathbf{a} = "))
    assert r"\frac{1}{\sum_{k} e^{z_{k}}}" in a and r"\sum_{l}" not in " ".join(_lines(SOFTMAX))


def test_softmax_forward_shows_the_numbers_substituted():
    lines = _lines(SOFTMAX, "a")
    W = r"\begin{pmatrix} 0 & 0 \\ \log\left(2\right) & 0 \\ 0 & \log\left(5\right) \end{pmatrix}"
    x, b = r"\begin{pmatrix} 1 \\ 1 \end{pmatrix}", r"\begin{pmatrix} 0 \\ 0 \\ 0 \end{pmatrix}"
    z = r"\begin{pmatrix} 0 \\ \log\left(2\right) \\ \log\left(5\right) \end{pmatrix}"
    assert rf"\mathbf{{z}} = \mathbf{{W}} \mathbf{{x}} + \mathbf{{b}} = {W} {x} + {b} = {z}" in lines


def test_softmax_gradient_shows_a_and_e_y_substituted_as_the_network_kind_does():
    """dl/dz = a - e_y = (1/8, 1/4, 5/8) - (0, 1, 0) = ...: the 1/4 becomes -3/4 where the reader can see why."""
    lines = _lines(SOFTMAX, "b")
    a = r"\begin{pmatrix} \dfrac{1}{8} \\[0.5em] \dfrac{1}{4} \\[0.5em] \dfrac{5}{8} \end{pmatrix}"
    e_y = r"\begin{pmatrix} 0 \\ 1 \\ 0 \end{pmatrix}"
    dz = next(line for line in lines if line.startswith(r"\frac{\partial l}{\partial \mathbf{z}} = "))
    assert rf"= \mathbf{{a}} - \mathbf{{e}}_{{y}} = {a} - {e_y} = " in dz, dz


def test_softmax_loss_is_minus_log_a_y_with_the_class_stated():
    lines = _lines(SOFTMAX, "a")
    _in_order(lines,
              r"The class is $y = 2$, the entry of $\mathbf{e}_{y}$ that is 1, so the cross-entropy keeps only $a_{2}$:",
              r"l = -\mathbf{e}_{y}^{\top} \log\left(\mathbf{a}\right) = -\log a_{y} = -\log a_{2} "
              r"= -\log\left(\frac{1}{4}\right) = \log\left(4\right)")
    assert "CE" not in " ".join(_lines(SOFTMAX))  # never named without its definition


def test_softmax_dl_da_is_a_component_then_the_vector():
    lines = _lines(SOFTMAX, "b")
    _in_order(lines,
              r"\frac{\partial l}{\partial a_{j}} = \begin{cases} -\dfrac{1}{a_{y}} & j = y \\ 0 & j \neq y \end{cases}",
              r"\frac{\partial l}{\partial \mathbf{a}} = -\mathbf{e}_{y} \oslash \mathbf{a} "
              r"= \begin{pmatrix} 0 \\ -4 \\ 0 \end{pmatrix}")


def test_a_fraction_followed_by_a_factor_is_bracketed_in_the_terminal():
    dl_do, a = ir.var("dL/do", ("s", 1)), ir.var("a", ("r", 1))
    assert ir.text(ir.matmul(dl_do, ir.T(a))) == "(∂L/∂o) aᵀ"
    assert ir.text(ir.matmul(ir.T(ir.var("W3", ("s", "r"))), dl_do)) == "W3ᵀ ∂L/∂o"  # last: nothing follows it
    three = flat(render.terminal(neuralsolve.solve(ROOT / "problems" / "matrix-three-layer-memory.yaml").solution))
    assert "∂L/∂W3 = (∂L/∂o) aᵀ" in three and "∂L/∂o aᵀ" not in three.replace("(∂L/∂o) aᵀ", "")
    gplvm = flat(render.terminal(neuralsolve.solve(ROOT / "problems" / "matrix-gplvm.yaml").solution))
    assert "∂L2/∂K = -K⁻ᵀ (∂L2/∂K⁻¹) K⁻ᵀ = -K⁻¹ (∂L2/∂K⁻¹) K⁻¹ = 1/2·K⁻¹ Y Yᵀ K⁻¹" in gplvm
    assert "= 2·(∂L1/∂(X Xᵀ)) X =" in gplvm


def test_the_layout_note_is_one_sentence_and_only_for_gradients_that_are_matrices():
    for path in MATRIX_PROBLEMS:
        notes = neuralsolve.solve(path).solution.notes
        assert not any("every gradient has the shape" in n for n in notes), path.name
        assert notes == ("A gradient with respect to a matrix is in denominator layout (its entry (i, j) is the "
                         "derivative with respect to the matrix's entry (i, j)), so an answer in numerator layout "
                         "is its transpose.",), path.name
    vectors = ("title: v\nmatrix:\n  shapes: {W: [n, n], x: [n]}\n  equations:\n    L: sum(W @ x)\n"
               "parts:\n  - ask: {gradients: [x]}\n")
    assert neuralsolve.solve_text(vectors).solution.notes == ()


def _outside_math(tex: str) -> str:
    return re.sub(r"\$[^$]*\$", " ", tex)


def test_names_in_latex_prose_and_questions_are_math():
    for path in MATRIX_PROBLEMS:
        g = load(path).model
        names = {n for n in g.shapes if n != "a"}  # "a" is also the article
        w = neuralsolve.solve(path)
        prose = [getattr(b, "prose_tex", None) or getattr(b, "tex", "") for pv in w.solution.parts for b in pv.blocks]
        questions = re.findall(r"\\textit\{(.*)\}", render.latex([w.solution]))
        for line in prose + questions:
            bare = set(re.findall(r"[A-Za-z_]\w*", _outside_math(line))) & names
            assert not bare, (path.name, line)


# -- marking: W where W^T belongs, and the transposed gradient (issue 9) --------------------------------------

SQUARE_LAYERS = """title: Two square layers
matrix:
  shapes: {x: [2], W1: [2, 2], W2: [2, 2], y: [2]}
  equations:
    h: W1 @ x
    o: W2 @ h
    e: o - y
    L: 1/2 * e.T @ e
  parameters: [W1, W2]
  values: {x: [1, 2], W1: [[1, 2], [0, 1]], W2: [[1, 2], [3, 4]], y: [0, 1]}
parts:
  - ask: {gradients: [h, W1, W2]}
    marks: 6
"""


from .test_workflow_check import rows as _verdicts  # noqa: E402  the check table's rows by answer name
from .test_workflow_check import run as _check  # noqa: E402


def _mat(rows) -> str:
    return "Matrix([" + ", ".join("[" + ", ".join(str(x) for x in r) + "]" for r in rows) + "])"


def _square_layers_by_hand():
    """The gradients worked in plain Python: right, with W2 for W2^T, and transposed."""
    x, W1, W2, y = [1, 2], [[1, 2], [0, 1]], [[1, 2], [3, 4]], [0, 1]
    h = [sum(W1[j][k] * x[k] for k in range(2)) for j in range(2)]
    o = [sum(W2[j][k] * h[k] for k in range(2)) for j in range(2)]
    e = [o[j] - y[j] for j in range(2)]  # dL/do
    dh = [sum(W2[k][j] * e[k] for k in range(2)) for j in range(2)]  # W2^T e
    dh_wrong = [sum(W2[j][k] * e[k] for k in range(2)) for j in range(2)]  # W2 e
    dW1 = [[dh[j] * x[k] for k in range(2)] for j in range(2)]
    dW1_wrong = [[dh_wrong[j] * x[k] for k in range(2)] for j in range(2)]
    dW2 = [[e[j] * h[k] for k in range(2)] for j in range(2)]
    return dh, dh_wrong, dW1, dW1_wrong, dW2


def test_w_where_w_transposed_belongs_and_the_transposed_gradient_are_named(write):
    dh, dh_wrong, dW1, dW1_wrong, dW2 = _square_layers_by_hand()
    assert dh == [75, 106] and dh_wrong == [53, 115]
    dW2_t = [[dW2[k][j] for k in range(2)] for j in range(2)]
    answers = write(f"'dL/dh': '{_mat([[v] for v in dh_wrong])}'\n'dL/dW1': '{_mat(dW1_wrong)}'\n"
                    f"'dL/dW2': '{_mat(dW2_t)}'\n", "answers.yaml")
    r = _check("check", write(SQUARE_LAYERS), answers)
    assert r.exit_code == 1
    got = _verdicts(r.output)
    for name in ("dL/dh", "dL/dW1"):
        assert got[name][2:] == ["mistake: consistent with using W2 where W2ᵀ belongs", "1/2"]
    assert got["dL/dW2"][2:] == ["mistake: consistent with giving the transpose of the gradient (numerator layout)",
                                 "1/2"]
    assert "3 of 6 marks; 3 mistakes" in r.output


def test_right_matrix_answers_are_not_flagged(write):
    dh, _, dW1, _, dW2 = _square_layers_by_hand()
    answers = write(f"'dL/dh': '{_mat([[v] for v in dh])}'\n'dL/dW1': '{_mat(dW1)}'\n'dL/dW2': '{_mat(dW2)}'\n",
                    "answers.yaml")
    r = _check("check", write(SQUARE_LAYERS), answers)
    assert r.exit_code == 0
    assert all(v[2] == "right" for v in _verdicts(r.output).values() if v[0] != "submitted")
    assert "mistake" not in r.output


def test_an_unrelated_wrong_matrix_is_wrong_not_a_mistake(write):
    answers = write("'dL/dW2': 'Matrix([[1, 2], [3, 4]])'\n", "answers.yaml")
    assert _verdicts(_check("check", write(SQUARE_LAYERS), answers).output)["dL/dW2"][2] == "wrong"


def test_a_symbolic_gradient_given_transposed_is_named(write):
    answers = write("'dL/dW3': 'a*Transpose(dL_do)'\n'dL/da': 'Transpose(W3)*dL_do'\n", "answers.yaml")
    r = _check("check", ROOT / "problems" / "matrix-three-layer-memory.yaml", answers)
    got = _verdicts(r.output)
    assert got["dL/dW3"][2] == "mistake: consistent with giving the transpose of the gradient (numerator layout)"
    assert got["dL/da"][2] == "right"


def test_a_numeric_instance_answers_its_forward_quantities_too(write):
    """K and L are answered beside the gradients, each checked against a direct computation."""
    path = write("title: t\nmatrix:\n  shapes: {X: [2, 1], Y: [2, 1]}\n  equations:\n    K: X @ X.T + I\n"
                 "    L: 1/2 * log(det(K)) + 1/2 * trace(Y.T @ inv(K) @ Y)\n"
                 "  values: {X: [[1], [2]], Y: [[1], [0]]}\nparts:\n  - ask: {gradients: [X]}\n")
    a = neuralsolve.solve(path).answers
    X, Y = sympy.Matrix([[1], [2]]), sympy.Matrix([[1], [0]])
    K = X * X.T + sympy.eye(2)
    assert sympy.sympify(a["K"]) == K
    L = sympy.log(K.det()) / 2 + (Y.T * K.inv() * Y)[0, 0] / 2
    assert abs(sympy.N(sympy.sympify(a["L"]) - L, 40)) < 1e-35


def test_a_question_writes_the_problems_matrices_bold_as_the_working_does(tmp_path):
    """$W2$ in the author's question is W₂ bold in every medium and on the exam sheet, not italic W₂."""
    w = neuralsolve.solve(ROOT / "problems" / "matrix-swish-network.yaml")
    assert r"\textit{Find the gradients of $L$ with respect to $\mathbf{W}_{2}$ and $\mathbf{b}_{2}$.}" in w.latex()
    assert r"*Find the gradients of $L$ with respect to $\mathbf{W}_{2}$ and $\mathbf{b}_{2}$.*" in w.markdown()
    from neuralsolve.spec import load
    from neuralsolve.statement import statement

    (_, first, _) = statement(load(ROOT / "problems" / "matrix-swish-network.yaml")).questions
    assert r"$\mathbf{W}_{2}$" in first.tex

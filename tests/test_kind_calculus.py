"""The calculus kind (issue 10, item 3): answers against independent numbers, the steps, errors, sheet, check, exams."""

from __future__ import annotations

import json

import mpmath
import pytest
import sympy

import neuralsolve
from neuralsolve.kinds import calculus
from neuralsolve.spec import loads
from neuralsolve.statement import statement

from .conftest import ROOT, answers, exam_key, run

RELU = ROOT / "problems" / "calculus-relu-at-zero.yaml"
LIMITS = ROOT / "problems" / "calculus-swish-limits.yaml"
DERIVATIVE = ROOT / "problems" / "calculus-swish-derivative.yaml"
x, beta = sympy.symbols("x beta")


def problem(function: str, asks: str, extra: str = "") -> str:
    return f"title: t\ncalculus:\n  function: {function}\n{extra}parts:\n" + "".join(
        f"  - ask: {a}\n" for a in asks.split(";"))


def swish(xv, bv):
    return xv / (1 + mpmath.exp(-bv * xv))


def close(a, b, tol=1e-12) -> bool:
    return abs(mpmath.mpf(a) - mpmath.mpf(b)) <= tol * max(1, abs(mpmath.mpf(b)))


def value(e, **at):
    return sympy.N(e.subs({sympy.Symbol(k): sympy.Rational(v) for k, v in at.items()}), 40)


# -- the seed's answers, each against numbers computed without SymPy ------------------------------------------------
def test_relu_one_sided_derivatives_match_difference_quotients():
    a = answers(neuralsolve.solve(RELU))
    relu = lambda t: max(mpmath.mpf(0), t)  # noqa: E731
    with mpmath.workdps(40):
        for h in (mpmath.mpf("1e-10"), mpmath.mpf("1e-25")):
            assert close(a["left_derivative@0"], (relu(-h) - relu(0)) / -h)
            assert close(a["right_derivative@0"], (relu(h) - relu(0)) / h)
    assert (a["left_derivative@0"], a["right_derivative@0"]) == (0, 1)


def test_relu_second_derivative_is_zero_where_it_exists_and_undefined_at_zero():
    d2 = answers(neuralsolve.solve(RELU))["d2f/dx2"]
    for t in ("-2", "-1/3", "1/5", "7"):
        second = mpmath.diff(lambda s: max(mpmath.mpf(0), s), mpmath.mpf(sympy.Rational(t)), 2)
        assert close(value(d2, x=t), second)
    assert d2.subs(x, 0) is sympy.nan  # the sympified answer has no value at 0


def test_swish_limits_against_huge_and_tiny_beta():
    a = answers(neuralsolve.solve(LIMITS))
    assert a["limit@beta->0"] == x / 2
    with mpmath.workdps(50):
        for xv in ("-2", "-1/2", "0", "1/2", "3"):
            xm = mpmath.mpf(sympy.Rational(xv))
            assert close(value(a["limit@beta->0"], x=xv), swish(xm, mpmath.mpf("1e-30")), 1e-20)
            assert close(value(a["limit@beta->oo"], x=xv), swish(xm, mpmath.mpf("1e30")), 1e-20)
    assert a["limit@beta->oo"] == sympy.Piecewise((x, x > 0), (0, True))


def test_swish_derivative_against_mpmath_at_several_points():
    d = answers(neuralsolve.solve(DERIVATIVE))["dg/dx"]
    with mpmath.workdps(40):
        for xv, bv in (("-3/2", "1"), ("1/3", "2"), ("2", "1/2"), ("5", "-1")):
            want = mpmath.diff(lambda s: swish(s, mpmath.mpf(sympy.Rational(bv))), mpmath.mpf(sympy.Rational(xv)))
            assert close(value(d, x=xv, beta=bv), want, 1e-25)


@pytest.mark.parametrize("function, want, f", [
    ("log(cosh(x - t))", "tanh(x - t)", lambda x, t: mpmath.log(mpmath.cosh(x - t))),
    ("sigmoid(x)", "exp(-x)/(1 + exp(-x))**2", lambda x, t: 1 / (1 + mpmath.exp(-x))),
    ("x/(1 + x^2)", "(1 - x**2)/(1 + x**2)**2", lambda x, t: x / (1 + x**2)),
    ("softplus(2*x)", "2/(1 + exp(-2*x))", lambda x, t: mpmath.log(1 + mpmath.exp(2 * x))),
    ("exp(-x^2)*tanh(x)", "-2*x*exp(-x**2)*tanh(x) + exp(-x**2)*(1 - tanh(x)**2)",
     lambda x, t: mpmath.exp(-x**2) * mpmath.tanh(x)),
])
def test_derivatives_agree_with_finite_differences(write, function, want, f):
    """Each answer against a central difference of the function written again in mpmath (not the parsed one)."""
    d = answers(neuralsolve.solve(write(problem(function, "derivative"))))["df/dx"]
    with mpmath.workdps(40):
        textbook = sympy.lambdify([x, sympy.Symbol("t")], sympy.sympify(want), "mpmath")
        for xv in (mpmath.mpf("-0.7"), mpmath.mpf("1.3")):
            h = mpmath.mpf("1e-15")
            quotient = (f(xv + h, 1) - f(xv - h, 1)) / (2 * h)
            assert close(value(d, x=str(sympy.Rational(str(xv))), t="1"), quotient, 1e-20)
            assert close(textbook(xv, 1), quotient, 1e-20)


# -- the steps -------------------------------------------------------------------------------------------------------
def test_the_product_rule_and_the_chain_rule_are_named_and_swish_is_written_as_usual():
    tex = neuralsolve.solve(DERIVATIVE).latex()
    assert "By the product rule, $(u w)' = u' w + u w'$, with $u = x$ and $w = \\sigma\\left(\\beta x\\right)$" in tex
    assert "$w'$ by the chain rule" in tex
    assert r"w' &= \sigma'\left(\beta x\right) \cdot \beta = \beta \sigma\left(\beta x\right)" in tex
    assert r"g'(x) &= \beta g + \sigma\left(\beta x\right) \left(1 - \beta g\right)" in tex


def test_log_cosh_by_the_chain_rule_becomes_tanh(write):
    md = neuralsolve.solve(write(problem("log(cosh(y - t))", "derivative", "  variable: y\n"))).markdown()
    assert "By the chain rule" in md
    assert r"\frac{1}{\cosh\left(y - t\right)} \sinh\left(y - t\right) = \tanh\left(y - t\right)" in md


def test_the_quotient_rule_is_named(write):
    md = neuralsolve.solve(write(problem("x/(1 + x^2)", "derivative"))).markdown()
    assert "By the quotient rule" in md and r"\frac{u' w - u w'}{w^{2}}" in md


def test_the_limit_splits_on_the_sign_of_x_and_names_relu():
    tex = neuralsolve.solve(LIMITS).latex()
    assert "For $x > 0$, $\\beta x \\to \\infty$:" in tex and "For $x < 0$, $\\beta x \\to -\\infty$:" in tex
    assert r"g(0) &= 0 \cdot \sigma\left(0\right) = 0" in tex  # x = 0 stated
    assert r"\begin{cases} x & \text{if } x > 0 \\ 0 & \text{if } x \leq 0 \end{cases}" in tex
    assert r"Which is ReLU: $\operatorname{relu}\left(x\right) = \max(0, x)$." in tex
    assert r"\lim_{\beta \to 0} g(x) &= x \sigma\left(0\right) = \frac{x}{2}" in tex


def test_relu_steps_write_the_limit_definitions_and_the_reason():
    tex = neuralsolve.solve(RELU).latex()
    assert r"f'_{-}(0) &= \lim_{h \to 0^{-}} \frac{\operatorname{relu}\left(h\right) - " in tex
    assert r"\lim_{h \to 0^{-}} \frac{0 - 0}{h} = 0" in tex and r"\lim_{h \to 0^{+}} \frac{h - 0}{h} = 1" in tex
    assert "so $f$ is not differentiable at $x = 0$" in tex
    assert "cannot be differentiated twice" in tex


def test_simplify_names_the_form(write):
    a = answers(neuralsolve.solve(write(problem("x*sigmoid(beta*x)", "{simplify: {beta: oo}}"))))
    assert a["simplified"] == sympy.Max(0, x)
    w = neuralsolve.solve(write(problem("x/(1 + exp(-x))", "simplify")))
    assert "Which is swish." in w.markdown()


# -- errors ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, message", [
    (problem("x*sigmoid(beta*x)", "{limit: {gamma: 0}}"),
     ":5:19: limit: 'gamma' is not a variable of the function; expected one of: beta, x"),
    (problem("x*sigmoid(beta*x)", "{limit: {bta: 0}}"),
     ":5:19: limit: 'bta' is not a variable of the function; did you mean 'beta'?"),
    (problem("x*sigmoid(beta*x)", "{derivative: y}"),
     ":5:23: derivative: 'y' is not a variable of the function; expected one of: beta, x"),
    (problem("x*sigmoid(beta*x)", "{limit: {beta: big}}"),
     ":5:25: the point of beta must be a number or oo (infinity)"),
    (problem("2 + 3", "derivative"),
     ":3:13: the function has no variable; write it in a name such as x, as in x*sigmoid(beta*x)"),
    (problem("x^2", "{one_sided: {x: 0}}", "  name: x\n"),
     ":4:9: the function's name 'x' must be a name (letters, digits, _) not used in the function, such as g"),
    (problem("x^2", "{limit: 0}"), ":5:18: limit needs a variable and a point, such as limit: {beta: oo}"),
])
def test_located_one_line_errors(write, text, message):
    r = run("validate", write(text))
    assert r.exit_code == 2
    assert r.stderr.strip().endswith(message), r.stderr


# -- the question sheet, check, exams, verify --------------------------------------------------------------------------
def test_each_ask_has_a_sheet_sentence(write):
    p = loads(problem("x*sigmoid(beta*x)", "derivative;{one_sided: {x: 0}};second_derivative;{limit: {beta: oo}};"
                                           "{simplify: {beta: oo}}"))
    qs = [q.text for q in statement(p).questions]
    assert qs == ["Differentiate f with respect to x, naming each rule you use, and simplify the result.",
                  "Compute the left and right derivatives of f at x = 0 from the limit definition. Is f "
                  "differentiable there?",
                  "Find the second derivative of f with respect to x. Where does it exist?",
                  "Simplify f in the limit β → ∞. Show your work.",
                  "Which function does f become as β → ∞?"]
    assert statement(p).notes == ("Here σ(z) = 1/(1 + exp(−z)) is the sigmoid.",)


def test_check_marks_a_right_and_a_wrong_limit(write):
    right = write('"limit@beta->0": x/2\n"limit@beta->oo": "Piecewise((x, x > 0), (0, True))"\n', "a.yaml")
    r = run("check", LIMITS, right)
    assert r.exit_code == 0, r.stdout + r.stderr
    wrong = write('"limit@beta->0": x\n"limit@beta->oo": "Piecewise((x, x > 0), (0, True))"\n', "b.yaml")
    r = run("check", LIMITS, wrong)
    assert r.exit_code == 1
    line = [s for s in r.stdout.splitlines() if "limit@beta->0" in s][0]
    assert "wrong" in line


def test_check_reads_no_code_in_a_piecewise():
    assert calculus.read_piecewise("Piecewise((__import__('os'), True))") is None
    assert calculus.read_piecewise("Piecewise((x, x > 0), (0, Eq(x, 0)))") == \
        sympy.Piecewise((x, x > 0), (0, sympy.Eq(x, 0)))
    assert calculus.read_piecewise("Piecewise((x, x > 0), (0, True)) + 1") == \
        sympy.Piecewise((x, x > 0), (0, True)) + 1


def test_an_exam_with_a_calculus_question_builds_and_its_key_marks_answers(tmp_path):
    key = exam_key(tmp_path, "Calculus", RELU, LIMITS)
    doc = json.loads(key.read_text(encoding="utf-8"))
    sub = tmp_path / "answers.yaml"
    good = {k: v for k, v in doc["answers"].items()}
    sub.write_text("".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in good.items()), encoding="utf-8")
    assert run("check", key, sub).exit_code == 0
    good["Q1.right_derivative@0"] = "0"
    sub.write_text("".join(f"{json.dumps(k)}: {json.dumps(v)}\n" for k, v in good.items()), encoding="utf-8")
    r = run("check", key, sub)
    assert r.exit_code == 1 and "wrong" in [s for s in r.stdout.splitlines() if "Q1.right_derivative@0" in s][0]


@pytest.mark.parametrize("path", [RELU, LIMITS, DERIVATIVE], ids=lambda p: p.stem)
def test_render_verify_agrees(path):
    r = run("render", path, "--json", "--verify")
    assert r.exit_code == 0, r.stderr
    assert any(n.startswith("Verified") for n in json.loads(r.stdout)["notes"])


def test_verify_catches_a_wrong_answer():
    p = neuralsolve.solve(LIMITS).problem
    ok, _ = calculus.verify(p, {"limit@beta->oo": x, "limit@beta->0": x / 2})
    assert not ok
    p = neuralsolve.solve(RELU).problem
    assert not calculus.verify(p, {"right_derivative@0": sympy.S.Zero})[0]
    assert calculus.verify(p, {"right_derivative@0": sympy.S.One})[0]


# -- kinks elsewhere, answers that sympify reads, limits that do not exist ------------------------------------------
def test_a_kink_where_the_one_sided_derivatives_agree_has_a_derivative(write):
    d = answers(neuralsolve.solve(write(problem("x*relu(x)", "derivative"))))["df/dx"]
    assert d.subs(x, 0) == 0  # x relu(x) is differentiable at 0, though relu is not
    assert d.subs(x, 3) == 6 and d.subs(x, -3) == 0


def test_abs_and_step_one_sided(write):
    a = answers(neuralsolve.solve(write(problem("abs(x)", "{one_sided: {x: 0}};derivative"))))
    assert (a["left_derivative@0"], a["right_derivative@0"]) == (-1, 1)
    assert a["df/dx"].subs(x, -2) == -1 and a["df/dx"].subs(x, 0) is sympy.nan
    a = answers(neuralsolve.solve(write(problem("step(x)", "{one_sided: {x: 0}}"))))
    assert (a["left_derivative@0"], a["right_derivative@0"]) == (sympy.oo, 0)  # the jump: an infinite slope


def test_beta_is_spelled_plainly_and_listed_under_symbols_as_every_kind_spells_it(tmp_path):
    doc = json.loads(neuralsolve.solve(DERIVATIVE).json())
    spelled = doc["answers"]["dg/dx"]
    assert "Symbol(" not in spelled and doc["symbols"] == ["beta", "x"]
    assert sympy.sympify(spelled, locals={"beta": beta}).has(beta)
    sub = tmp_path / "sub.yaml"
    sub.write_text('dg/dx: "beta*x*sigmoid(beta*x)*(1 - sigmoid(beta*x)) + sigmoid(beta*x)"\n', encoding="utf-8")
    r = run("check", DERIVATIVE, sub)
    assert r.exit_code == 0 and "right" in r.stdout, r.stdout


def test_a_limit_that_does_not_exist_is_a_located_error(write):
    r = run("validate", write(problem("sin(1/x)", "{one_sided: {x: 0}}")))
    assert r.exit_code == 2
    assert r.stderr.strip().endswith(":5:10: left_derivative@0 does not exist for this function (the limit "
                                     "oscillates or is undefined); ask at another point")


@pytest.mark.parametrize("given, code", [("sigmoid(beta*x) + beta*x*sigmoid(beta*x)*(1 - sigmoid(beta*x))", 0),
                                         ("sigmoid(beta*x)*(1 - sigmoid(beta*x))", 1)])
def test_check_marks_the_swish_derivative(write, given, code):
    r = run("check", DERIVATIVE, write(f'"dg/dx": "{given}"\n', "a.yaml"))
    assert r.exit_code == code, r.stdout + r.stderr


def test_check_compares_a_by_cases_answer_on_both_sides(write):
    """x for the beta -> oo limit is right for x > 0 only: it used to pass, points were drawn positive."""
    wrong = write('"limit@beta->0": x/2\n"limit@beta->oo": x\n', "c.yaml")
    r = run("check", LIMITS, wrong)
    assert r.exit_code == 1
    line = [s for s in r.stdout.splitlines() if "limit@beta->oo" in s][0]
    assert "wrong" in line
    relu = write('"limit@beta->0": x/2\n"limit@beta->oo": "Max(x, 0)"\n', "d.yaml")
    assert run("check", LIMITS, relu).exit_code == 0  # the same function written another way


def test_a_randomized_calculus_problem_draws_its_parameter(write):
    """A drawn slope c in x σ(c x): each variant's derivative is the derivative for its own c."""
    path = write("title: t\nrandom:\n  draw:\n    c: {integers: [2, 5]}\ncalculus:\n  function: x*sigmoid(c*x)\n"
                 "parts:\n  - ask: derivative\n")
    for code in ("AAAAAA", "BCDEFG"):
        w = neuralsolve.solve(path, variant=code)
        c = sympy.Integer(w.solution.draws["c"])
        x = sympy.Symbol("x")
        expected = sympy.diff(x / (1 + sympy.exp(-c * x)), x)
        got = sympy.sympify(w.answers["df/dx"])
        for at in (sympy.Rational(-3, 2), sympy.Rational(1, 3)):
            assert abs(sympy.N((got - expected).subs(x, at), 30)) < 1e-25

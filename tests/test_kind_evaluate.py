"""The evaluate kind (issue 10, item 4): sums over indexed values, approximations, the arithmetic line by line,
located errors, the sheet, check, exams and variants. Expected numbers are worked here in plain Python."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import pytest
import sympy

import neuralsolve
from neuralsolve.kinds import evaluate
from neuralsolve.spec import load

from .conftest import ROOT, answers, exam_key, run

VAE = ROOT / "problems" / "evaluate-vae-regulariser.yaml"
MEAN = ROOT / "problems" / "evaluate-dataset-mean.yaml"


def chain(worked, quantity: str) -> list[str]:
    """The terminal text of a step's equation chain, one string per form ('= ...' or '≈ ...')."""
    doc = json.loads(worked.json())
    for part in doc["parts"]:
        for step in part["steps"]:
            if step["quantity"] == quantity:
                return step["text"]
    raise KeyError(quantity)


def error(write, text: str) -> str:
    r = run("validate", write(text))
    assert r.exit_code == 2, r.output
    return r.stderr.strip()


def block(formula: str, values: str = "{mu: [0.5, 0.1], sigma: [0.1, 0.3]}", extra: str = "") -> str:
    return f"title: t\nevaluate:\n  formula: {formula}\n  values: {values}\n{extra}"


# -- the seed's numbers (2022 Q3(a)(ii)) -------------------------------------------------------------------------------
def test_the_regulariser_is_2_68_under_the_approximations():
    mu, sigma, log = (0.5, 0.1), (0.1, 0.3), {0.1: -2.3, 0.3: -1.2}
    expected = 0.5 * sum(m ** 2 + s ** 2 - 2 * log[s] - 1 for m, s in zip(mu, sigma))
    got = answers(neuralsolve.solve(VAE))["L_reg"]
    assert got == sympy.Rational(67, 25) and math.isclose(float(got), expected)


def test_the_exact_value_is_carried_at_high_precision_and_shown_rounded():
    exact = 0.5 * sum(m ** 2 + s ** 2 - 2 * math.log(s) - 1 for m, s in ((0.5, 0.1), (0.1, 0.3)))
    comp = evaluate.compute(load(VAE))
    assert math.isclose(float(comp.exact), exact, rel_tol=1e-15)  # about 2.6866
    assert abs(sympy.N(comp.exact, 30) - sympy.Rational(1, 2) * (sympy.Rational(9, 25) - 2 * sympy.log(sympy.Rational(3, 100)) - 2)) < 1e-28
    assert chain(neuralsolve.solve(VAE), "L_reg (exact)") == ["L_reg ≈ 2.687"]


def test_each_line_of_the_arithmetic():
    lines = chain(neuralsolve.solve(VAE), "L_reg")[0].split(" = ")
    assert lines == [
        "L_reg",
        "1/2·Σ_(j=1..2) (mu[j]^2 + sigma[j]^2 - 2·log(sigma[j]) - 1)",
        "1/2·(0.5^2 + 0.1^2 - 2·log(0.1) - 1 + 0.1^2 + 0.3^2 - 2·log(0.3) - 1) ≈ "
        "1/2·(0.25 + 0.01 - 2·(-2.3) - 1 + 0.01 + 0.09 - 2·(-1.2) - 1)",  # the one ≈: the approximations
        "1/2·(0.26 + 3.6 + 0.1 + 1.4)",
        "1/2·(3.86 + 1.5)",
        "1/2·5.36",
        "2.68",
    ]


def test_the_latex_writes_the_sum_and_marks_the_approximation_line():
    tex = neuralsolve.solve(VAE).latex()
    assert r"\frac{1}{2} \sum_{j=1}^{2} \left(\mu_{j}^{2} + \sigma_{j}^{2} - 2 \log\left(\sigma_{j}\right) - 1\right)" in tex
    assert (r"&\approx \frac{1}{2} \left(0.25 + 0.01 - 2 \cdot \left(-2.3\right) - 1 + 0.01 + 0.09 - 2 \cdot "
            r"\left(-1.2\right) - 1\right)") in tex
    assert tex.count(r"\approx") == 1 + 2 + 1  # the line, the stated two approximations, the exact value
    stated = r"Use $\log\left(0.1\right) \approx -2.3$ and $\log\left(0.3\right) \approx -1.2$."
    assert tex.index(stated) < tex.index(r"\subsection*{Part")  # stated with the data, before the working uses it


def test_the_graph_problem_and_the_evaluate_problem_agree():
    graph = answers(neuralsolve.solve(ROOT / "problems" / "vae-regulariser.yaml"))["Lreg"]
    assert answers(neuralsolve.solve(VAE))["L_reg"] == graph


# -- a mean over a dataset -------------------------------------------------------------------------------------------
def test_a_mean_squared_error_with_n_the_lists_length():
    y, t = [Fraction("0.9"), Fraction("0.2"), Fraction("0.4"), Fraction("1.5")], [1, 0, 1, 1]
    expected = sum((a - b) ** 2 for a, b in zip(y, t)) / len(y)
    w = neuralsolve.solve(MEAN)
    assert answers(w)["E"] == sympy.Rational(expected.numerator, expected.denominator) == sympy.Rational(33, 200)
    assert chain(w, "E")[0].split(" = ") == [
        "E", "1/N·Σ_(k=1..N) (y[k] - t[k])^2", "1/4·((0.9 - 1)^2 + (0.2 - 0)^2 + (0.4 - 1)^2 + (1.5 - 1)^2)",
        "1/4·((-0.1)^2 + 0.2^2 + (-0.6)^2 + 0.5^2)", "1/4·(0.01 + 0.04 + 0.36 + 0.25)", "1/4·(0.05 + 0.61)",
        "1/4·0.66", "0.165"]
    doc = json.loads(w.json())
    assert doc["parts"][0]["steps"][0]["prose"].startswith(
        "The sum over k has one term for each k from 1 to 4, N = 4 being the number of values of y and t.")


def test_n_given_sums_fewer_terms_and_an_indexed_name_outside_a_sum(write):
    w = neuralsolve.solve(write(block("mu[2] + Sum(mu[j]*j, (j, 1, n))", "{mu: [3, 5, 7], n: 2}")))
    assert answers(w) == {"value": 5 + 3 * 1 + 5 * 2}


def test_a_transcendental_value_is_exact_in_the_key_and_rounded_on_the_page(write):
    w = neuralsolve.solve(write(block("Sum(exp(x[i]), (i, 1, 2))", "{x: [0, 1]}")))
    assert abs(float(sympy.sympify(json.loads(w.json())["answers"]["value"])) - (1 + math.e)) < 1e-12
    assert chain(w, "value")[0].endswith("≈ 3.718")


# -- located errors --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("formula, values, message", [
    ("mu[3]^2", "{mu: [1, 2]}", ":3:12: index 3 is out of range: mu has 2 values, mu[1] to mu[2]"),
    ("Sum(mu[j], (j, 1, 3))", "{mu: [1, 2]}",
     ":3:16: mu has 2 values, fewer than the sum's range j = 1..3 needs (mu[3] at j = 3)"),
    ("Sum(muu[j], (j, 1, 2))", "{mu: [1, 2]}",
     ":3:16: the indexed name 'muu' has no values; give them as a list, such as values: {muu: [1, 2]}; "
     "did you mean 'mu'?"),
    ("Sum(nu[j], (j, 1, 2))", "{mu: [1, 2]}",
     ":3:16: the indexed name 'nu' has no values; give them as a list, such as values: {nu: [1, 2]}"),
    ("Sum(mu[j], (j, 1, 2))", "{mu: [1, 2], j: 3}",
     ":3:12: the sum variable 'j' is also a name with values; use another letter for the sum, such as j or k"),
    ("Sum(Sum(mu[j], (j, 1, 2)), (k, 1, 2))", "{mu: [1, 2]}",
     ":3:16: a Sum inside a Sum is not supported; name the inner sum in a formula of its own"),
    ("Sum(mu[j], (j, 1))", "{mu: [1, 2]}", ":3:23: a Sum's range is (variable, first, last), as in (j, 1, n)"),
    ("Sum(mu[j]*c, (j, 1, 2))", "{mu: [1, 2]}", ":3:12: the name 'c' in the sum has no value; give it in values"),
    ("mu + 1", "{mu: [1, 2]}",
     ":3:12: the name 'mu (a list: index it, as in mu[1], or sum over it)' has no value; give it in values"),
    ("Sum(mu[j/2], (j, 1, 2))", "{mu: [1, 2]}", ":3:16: the index of mu is 1/2 at j = 1, not a whole number"),
    ("Sum(mu[j], (j, 1, N)) + Sum(nu[k], (k, 1, N))", "{mu: [1, 2], nu: [1, 2, 3]}",
     ":3:36: N is the length of the vectors of two sums, 2 and 3; give N in values"),
    ("Sum(mu[k], (j, 1, 2))", "{mu: [1, 2]}",
     ":3:19: unknown name 'k' in the index of mu; the names allowed here are: j"),
])
def test_located_errors(write, formula, values, message):
    assert error(write, block(formula, values)).endswith(message)


def test_an_implicit_length_needs_vectors_of_one_length(write):
    msg = error(write, block("Sum(x[k] - y[k], (k, 1, N))", "{x: [1, 2], y: [1, 2, 3]}"))
    assert msg.endswith(":3:12: the vectors in this sum have different lengths (2, 3), so N is not their length; "
                        "give N in values")


# -- the sheet, check, exams, variants -------------------------------------------------------------------------------
def test_the_sheet_states_the_formula_the_values_and_the_approximations():
    from neuralsolve.statement import statement

    st = statement(load(VAE))
    assert st.lead == "Consider the formula below, with the values given."
    assert [e.lhs_text for row in st.rows for e in row] == ["L_reg", "(mu[1], mu[2])", "(sigma[1], sigma[2])"]
    assert st.notes[0] == "Use $log(0.1) ≈ -2.3$ and $log(0.3) ≈ -1.2$."
    bare = load(MEAN)
    assert statement(bare).questions[0].text == "Compute E, showing the arithmetic."


def test_verify_recomputes_with_plain_floats():
    for path in (VAE, MEAN):
        r = run("render", path, "--json", "--verify")
        assert r.exit_code == 0, r.stderr
        assert any(n.startswith("Verified: ") for n in json.loads(r.stdout)["notes"])


def test_verify_rejects_a_wrong_value():
    """verify passing the seeds says nothing unless it can fail: 2.69 for the regulariser's 2.68 is caught."""
    p = load(VAE)
    assert evaluate.verify(p, {"L_reg": sympy.Rational(67, 25)})[0]
    ok, note = evaluate.verify(p, {"L_reg": sympy.Rational(269, 100)})
    assert not ok and note.startswith("Verification FAILED for L_reg: a plain floating-point loop gives 2.6799")
    assert not evaluate.verify(p, {})[0]


def test_verify_takes_the_catalogues_functions_in_floats(write):
    text = block("Sum(softplus(x[i]) + sigmoid(x[i]) + relu(x[i]) + max(x[i], 0) + abs(x[i]), (i, 1, 3))",
                 "{x: [-1, 0.5, 2]}")
    want = sum(math.log1p(math.exp(v)) + 1 / (1 + math.exp(-v)) + 2 * max(v, 0) + abs(v) for v in (-1, 0.5, 2))
    assert math.isclose(float(answers(neuralsolve.solve(write(text)))["value"]), want, rel_tol=1e-12)
    r = run("render", write(text), "--json", "--verify")
    assert r.exit_code == 0 and json.loads(r.stdout)["notes"][-1].startswith("Verified: value agrees"), r.output


def test_check_marks_a_right_and_a_wrong_answer(tmp_path):
    right, wrong = tmp_path / "right.yaml", tmp_path / "wrong.yaml"
    right.write_text("L_reg: 2.68\n", encoding="utf-8")
    wrong.write_text("L_reg: 2.6866\n", encoding="utf-8")  # the exact value: not what the question asks
    r = run("check", VAE, right)
    assert r.exit_code == 0 and "right" in r.stdout, r.stdout
    r = run("check", VAE, wrong)
    assert r.exit_code == 1 and "wrong" in r.stdout, r.stdout


def test_an_exam_of_evaluate_questions_builds_and_its_key_marks(tmp_path):
    key = exam_key(tmp_path, "Sums", VAE, MEAN)
    doc = json.loads(key.read_text(encoding="utf-8"))
    assert sympy.sympify(doc["answers"]["Q1.L_reg"]) == sympy.Rational(67, 25)
    sub = tmp_path / "answers.yaml"
    sub.write_text('"Q1.L_reg": 2.68\n"Q2.E": 0.165\n', encoding="utf-8")
    assert run("check", key, sub).exit_code == 0
    sub.write_text('"Q1.L_reg": 2.68\n"Q2.E": 0.2\n', encoding="utf-8")
    r = run("check", key, sub)
    assert r.exit_code == 1 and "wrong" in r.stdout


RANDOM = """title: A drawn dataset
random:
  draw:
    Y: {integers: [-3, 3], shape: [3]}
  where:
    - E != 0
evaluate:
  name: E
  formula: 1/N*Sum((y[k] - t[k])^2, (k, 1, N))
  values: {y: Y, t: [1, 0, 1]}
"""


def test_a_randomized_variant_uses_its_draws(write):
    r = run("render", write(RANDOM), "--json", "--variant", "3K7Q0M")
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    y = [Fraction(int(v)) for v in doc["draws"]["Y"]]
    expected = sum((a - b) ** 2 for a, b in zip(y, [1, 0, 1])) / 3
    assert sympy.sympify(doc["answers"]["E"]) == sympy.Rational(expected.numerator, expected.denominator) != 0

"""Every forward value, loss and gradient against an independent oracle.

The oracle builds the loss as one whole SymPy expression of the parameters
(no graph, no tracer) and differentiates it with sympy.diff; the answers
come from `neuralsolve`'s JSON contract, read back with sympy.sympify.
"""

from __future__ import annotations

import random

import pytest
import sympy

import neuralsolve

from .conftest import ROOT
from neuralsolve.functions import standard

RATIONAL_ACTS = ["identity", "relu", "square", "x^2 + x", "step"]
SMOOTH_ACTS = ["sigmoid", "tanh", "softplus", "swish"]

ORACLE_ACT = {
    "identity": lambda z: z,
    "relu": lambda z: sympy.Max(0, z),
    "square": lambda z: z**2,
    "x^2 + x": lambda z: z**2 + z,
    "step": lambda z: sympy.Heaviside(z, 1),
    "sigmoid": lambda z: 1 / (1 + sympy.exp(-z)),
    "tanh": sympy.tanh,
    "softplus": lambda z: sympy.log(1 + sympy.exp(z)),
    "swish": lambda z: z / (1 + sympy.exp(-z)),
}
ORACLE_LOSS = {
    "half_squared": lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / 2,
    "squared": lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)),
    "mse": lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / len(a),
    "log_cosh": lambda a, y: sum(sympy.log(sympy.cosh(ai - yi)) for ai, yi in zip(a, y)),
}


def seeds(n: int, fast: int = 3):
    """Seeds 0..n-1; beyond the first few they belong to the slow, thorough run."""
    return [s if s < fast else pytest.param(s, marks=pytest.mark.slow) for s in range(n)]


def _frac(rng):
    return sympy.Rational(rng.randint(-6, 6), rng.choice([1, 2, 4, 5]))


def _yaml_num(q):
    return f'"{q}"' if not q.is_Integer else str(q)


def random_network(rng, acts, losses):
    sizes = [rng.randint(1, 3) for _ in range(rng.randint(2, 4))]
    x = [_frac(rng) for _ in range(sizes[0])]
    layers = []
    for n_in, n_out in zip(sizes, sizes[1:]):
        W = [[_frac(rng) for _ in range(n_in)] for _ in range(n_out)]
        b = [_frac(rng) for _ in range(n_out)] if rng.random() < 0.7 else None
        layers.append((W, b, rng.choice(acts)))
    y = [_frac(rng) for _ in range(sizes[-1])]
    loss = rng.choice(losses)
    lines = ["title: random", "network:", f"  input: [{', '.join(map(_yaml_num, x))}]", "  layers:"]
    for W, b, act in layers:
        rows = ", ".join("[" + ", ".join(map(_yaml_num, r)) + "]" for r in W)
        lines.append(f"    - weights: [{rows}]")
        if b is not None:
            lines.append(f"      biases: [{', '.join(map(_yaml_num, b))}]")
        lines.append(f"      activation: {act}")
    lines.append(f"  target: [{', '.join(map(_yaml_num, y))}]")
    lines.append(f"  loss: {loss}")
    lines.append("parts:\n  - ask: [forward, loss, backward]")
    return "\n".join(lines) + "\n", x, layers, y, loss


def oracle(x, layers, y, loss):
    """Symbols for every parameter, the whole loss expression, and the values."""
    values, a, forward = {}, list(x), {}
    for li, (W, b, act) in enumerate(layers):
        num = li + 2
        z = []
        for j, row in enumerate(W):
            terms = []
            for k, wv in enumerate(row):
                s = sympy.Symbol(f"w{num}_{j + 1}_{k + 1}")
                values[s] = wv
                terms.append(s * a[k])
            if b is not None:
                s = sympy.Symbol(f"b{num}_{j + 1}")
                values[s] = b[j]
                terms.append(s)
            z.append(sympy.Add(*terms))
        for j, zj in enumerate(z):
            forward[f"z{num}_{j + 1}"] = zj
        a = [ORACLE_ACT[act](zj) for zj in z]
        for j, aj in enumerate(a):
            forward[f"a{num}_{j + 1}"] = aj
    return values, forward, ORACLE_LOSS[loss](a, y)


def _answers(text):
    import json

    return json.loads(neuralsolve.solve_text(text).json())["answers"]


def _kinked(forward, values, layers):
    """Whether some relu/step input is exactly 0 (where the oracle's convention differs)."""
    for name, expr in forward.items():
        if name.startswith("z") and expr.subs(values) == 0:
            return True
    return False


@pytest.mark.parametrize("seed", seeds(40))
def test_random_rational_networks_exact(seed):
    rng = random.Random(seed)
    while True:  # redraw a network with a unit exactly on a relu/step kink: conventions differ there
        text, x, layers, y, loss = random_network(rng, RATIONAL_ACTS, ["half_squared", "squared", "mse"])
        values, forward, L = oracle(x, layers, y, loss)
        if not _kinked(forward, values, layers):
            break
    ans = _answers(text)
    for name, expr in forward.items():
        assert sympy.sympify(ans[name]) == expr.subs(values), name
    assert sympy.sympify(ans["L"]) == L.subs(values)
    for s, v in values.items():
        expected = sympy.diff(L, s).subs(values)
        expected = expected.replace(lambda e: isinstance(e, sympy.DiracDelta), lambda e: sympy.S.Zero)
        got = sympy.sympify(ans[f"dL/d{s.name}"])
        assert got == expected, (s, got, expected)
        assert got.is_Rational


@pytest.mark.parametrize("seed", seeds(25))
def test_random_smooth_networks_to_30_digits(seed):
    rng = random.Random(1000 + seed)
    text, x, layers, y, loss = random_network(rng, SMOOTH_ACTS, ["half_squared", "log_cosh", "mse"])
    values, forward, L = oracle(x, layers, y, loss)
    ans = _answers(text)
    for s in values:
        expected = sympy.N(sympy.diff(L, s).subs(values), 40)
        got = sympy.N(sympy.sympify(ans[f"dL/d{s.name}"]), 40)
        assert abs(got - expected) <= sympy.Float("1e-28") * max(1, abs(expected)), (s, got, expected)


def random_graph(rng):
    """A random DAG of equations with shared parameters and several paths."""
    leaves = ["p1", "p2", "p3", "x1"]
    funcs = ["tanh({})", "sigmoid({})", "({})^2", "log(1 + exp({}))", "({})*({})", "{} + 2*{}"]
    eqs, names = {}, list(leaves)
    for i in range(rng.randint(3, 7)):
        f = rng.choice(funcs)
        args = [rng.choice(names) for _ in range(f.count("{}"))]
        eqs[f"q{i}"] = f.format(*args)
        names.append(f"q{i}")
    eqs["E"] = " + ".join(f"q{i}" for i in range(len(eqs))) + " + p1*x1 + p2*p3"
    vals = {n: _frac(rng) for n in leaves}
    lines = ["title: random graph", "graph:", "  equations:"]
    lines += [f"    {k}: {v}" for k, v in eqs.items()]
    lines.append("  values: {" + ", ".join(f"{k}: {_yaml_num(v)}" for k, v in vals.items()) + "}")
    lines.append("  parameters: [p1, p2, p3]")
    return "\n".join(lines) + "\n", eqs, vals


@pytest.mark.parametrize("seed", seeds(30))
def test_random_graphs_collect_every_path(seed):
    rng = random.Random(2000 + seed)
    text, eqs, vals = random_graph(rng)
    # the oracle: substitute definitions into one expression, with SymPy's own parser on our test text
    env = {}
    for k, v in eqs.items():
        expr = sympy.sympify(v.replace("^", "**"), locals={"sigmoid": lambda t: 1 / (1 + sympy.exp(-t))})
        env[k] = expr.subs(env)
    E = env["E"]
    values = {sympy.Symbol(k): v for k, v in vals.items()}
    ans = _answers(text)
    for p in ("p1", "p2", "p3"):
        expected = sympy.N(sympy.diff(E, sympy.Symbol(p)).subs(values), 40)
        got = sympy.N(sympy.sympify(ans[f"dE/d{p}"]), 40)
        assert abs(got - expected) <= sympy.Float("1e-28") * max(1, abs(expected)), (p, got, expected)


def test_symbolic_graph_answer_substitutes_back_to_the_truth():
    """A symbolic answer uses node names; substituting their definitions gives the true derivative."""
    w = neuralsolve.solve(ROOT / "problems" / "tanh-graph.yaml")
    got = sympy.sympify(w.answers["dE/dw13"])
    import yaml

    eqs = yaml.safe_load(open(ROOT / "problems" / "tanh-graph.yaml"))["graph"]["equations"]
    defs = {}
    for k, v in eqs.items():
        defs[sympy.Symbol(k)] = sympy.sympify(v).subs(defs)
    # replace node names by their definitions until none is left
    full = got
    for _ in range(12):
        full = full.subs(defs)
    E = defs[sympy.Symbol("E")]
    truth = sympy.diff(E, sympy.Symbol("w13"))
    point = {s: sympy.Rational(i + 2, 7) for i, s in enumerate(sorted(E.free_symbols, key=str))}
    assert abs(sympy.N(full.subs(point) - truth.subs(point), 30)) < 1e-25
    assert "dE" not in w.answers["dE/dw13"]


def test_standard_rewrites_leave_no_custom_function():
    from neuralsolve.functions import sigmoid, swish

    x = sympy.Symbol("x")
    assert standard(sigmoid(x) + swish(x)).atoms(sympy.Function) <= {sympy.exp(-x)}


def test_symbolic_layers_answers_in_node_names_agree_with_sympy_diff_at_random_points():
    """Answers of a symbolic 3x3 tanh graph use node names (1 - h^2): substituted, they equal sympy.diff."""
    import random

    from .test_load_limits import symbolic_layers

    text = symbolic_layers(3, 3)
    w = neuralsolve.solve_text(text, "s.yaml")
    assert "1 - h3_1**2" in w.answers["dL/dh2_1"]  # the derivative of tanh in the problem's own name
    import yaml

    defs = {}
    for k, v in yaml.safe_load(text)["graph"]["equations"].items():
        defs[sympy.Symbol(k)] = sympy.sympify(v).xreplace(defs)
    L = defs[sympy.Symbol("L")]
    rng = random.Random(5)
    point = {s: sympy.Rational(rng.randint(-9, 9), 7) for s in L.free_symbols}
    for name in ("w1_2_3", "w2_1_1", "w3_3_2"):
        got = sympy.sympify(w.answers[f"dL/d{name}"]).xreplace(defs).xreplace(point)
        expected = sympy.diff(L, sympy.Symbol(name)).xreplace(point)
        assert abs(sympy.N(got - expected, 40)) < sympy.Float("1e-30"), name


def test_a_named_cosh_reaches_the_textbook_tanh():
    """E = log(c), c = cosh(u), u = y - t: dE/du is tanh(u) (was sinh(u)/c), and equals sympy.diff of the whole."""
    w = neuralsolve.solve_text("title: t\ngraph:\n  equations:\n    u: y - t\n    c: cosh(u)\n    E: log(c)\n"
                               "parts:\n  - ask: {gradients: [y]}\n", "t.yaml")
    assert w.answers["dE/du"] == "tanh(u)" and w.answers["dE/dy"] == "tanh(u)"
    y, t = sympy.symbols("y t")
    got = sympy.sympify(w.answers["dE/dy"]).subs(sympy.Symbol("u"), y - t)
    expected = sympy.diff(sympy.log(sympy.cosh(y - t)), y)
    for at in ({y: sympy.Rational(3, 7), t: -2}, {y: 5, t: sympy.Rational(1, 3)}):
        assert abs(sympy.N((got - expected).subs(at), 40)) < sympy.Float("1e-35")


def test_mazurs_network_one_update_matches_the_published_numbers_and_plain_floats():
    """The classic 2-2-2 walk-through: E 0.298371109 before, 0.291027774 after one step on the weights."""
    import math

    w = neuralsolve.solve(ROOT / "problems" / "mazur-one-update.yaml")
    a = {k: float(sympy.sympify(v)) for k, v in w.answers.items() if "/" not in k or k.startswith("dL/d")}
    sig = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    x, t = [0.05, 0.10], [0.01, 0.99]
    W1, b1 = [[0.15, 0.20], [0.25, 0.30]], 0.35
    W2, b2 = [[0.40, 0.45], [0.50, 0.55]], 0.60

    def forward(W1, W2):
        h = [sig(sum(W1[j][k] * x[k] for k in range(2)) + b1) for j in range(2)]
        o = [sig(sum(W2[j][k] * h[k] for k in range(2)) + b2) for j in range(2)]
        return h, o, sum((o[j] - t[j]) ** 2 for j in range(2)) / 2

    h, o, E = forward(W1, W2)
    d2 = [(o[j] - t[j]) * o[j] * (1 - o[j]) for j in range(2)]
    d1 = [sum(W2[k][j] * d2[k] for k in range(2)) * h[j] * (1 - h[j]) for j in range(2)]
    W2n = [[W2[j][k] - 0.5 * d2[j] * h[k] for k in range(2)] for j in range(2)]
    W1n = [[W1[j][k] - 0.5 * d1[j] * x[k] for k in range(2)] for j in range(2)]
    after = forward(W1n, W2n)[2]
    assert abs(a["L"] - E) < 1e-15 and round(a["L"], 9) == 0.298371109
    assert abs(a["L'"] - after) < 1e-15 and round(a["L'"], 9) == 0.291027774
    assert round(a["w3_1_1'"], 8) == 0.35891648 and round(a["w2_1_1'"], 9) == 0.149780716  # published w5+, w1+
    assert abs(a["w2_2_2'"] - W1n[1][1]) < 1e-15 and abs(a["w3_2_1'"] - W2n[1][0]) < 1e-15


def test_update_with_an_optimiser_and_several_steps_matches_plain_floats():
    """graph kind: momentum (PyTorch's rule) for three steps, then Adam for two, recomputed with floats."""
    import math

    def run(optimizer: str, steps: int):
        text = ("title: t\ngraph:\n  equations:\n    y: w*x + b\n    E: 1/2*(y - t)^2\n"
                "  values: {x: 2, t: 1, w: 1, b: 0}\n  parameters: [w, b]\nparts:\n"
                f"  - ask: {{update: {{learning_rate: 0.1, optimizer: {optimizer}, steps: {steps}}}}}\n")
        return {k: float(sympy.sympify(v)) for k, v in neuralsolve.solve_text(text, "t.yaml").answers.items()}

    def floats(rule, steps):
        w, b, state, losses = 1.0, 0.0, {"w": {}, "b": {}}, []
        for t in range(1, steps + 1):
            y = w * 2 + b
            grads = {"w": (y - 1) * 2, "b": (y - 1)}
            w, b = rule("w", w, grads["w"], state["w"], t), rule("b", b, grads["b"], state["b"], t)
            losses.append(0.5 * (w * 2 + b - 1) ** 2)
        return w, b, losses

    def momentum(_, p, g, s, t):
        s["v"] = 0.9 * s.get("v", 0.0) + g
        return p - 0.1 * s["v"]

    def adam(_, p, g, s, t):
        s["m"] = 0.9 * s.get("m", 0.0) + 0.1 * g
        s["v"] = 0.999 * s.get("v", 0.0) + 0.001 * g * g
        mh, vh = s["m"] / (1 - 0.9**t), s["v"] / (1 - 0.999**t)
        return p - 0.1 * mh / (math.sqrt(vh) + 1e-8)

    for spec, rule, steps in (("{momentum: {beta: 0.9}}", momentum, 3), ("adam", adam, 2)):
        got = run(spec, steps)
        w, b, losses = floats(rule, steps)
        assert abs(got["w'"] - w) < 1e-12 and abs(got["b'"] - b) < 1e-12, spec
        assert all(abs(got[f"E[{k + 1}]"] - e) < 1e-12 for k, e in enumerate(losses)), spec
        assert got["E'"] == got[f"E[{steps}]"]

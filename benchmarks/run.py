"""Timings measured side by side in one run, printed as ratios.

    python benchmarks/run.py

1. per problem in problems/: load + trace + view + render (LaTeX), in-process;
2. whole-process `neuralsolve render --latex` against `python -c "import sympy"`;
3. the tracer against naive whole-expression sympy.diff on growing random networks;
4. all gradients of a 4-layer width-16 tanh network (about 1,000 parameters) at 30+ digits;
5. a chain of N equations with every gradient asked, worked and rendered: the cost per equation should
   stay flat as N grows (linear in the graph's size);
6. symbolic layered graphs (no values) of growing depth and width: written-out gradients have a term per
   path, so the answer's length grows as width^depth; the cost per symbol written should not grow, and
   a problem past the limit should be refused in about the time it takes to load.
7. diagrams: a chain of N equations drawn (layout, label placement, TikZ and SVG): the cost per node should
   stay flat as N grows; layered networks of growing width, where each label has more edges near it (the
   cost per edge grows with how crowded a gap is, and a diagram past the legible limit is refused at once).
8. regions: the exact linear pieces of two-input ReLU networks of growing width; the cost per cell found.
"""

from __future__ import annotations

import random
import statistics
from fractions import Fraction
import subprocess
import sys
import time
from pathlib import Path

import sympy

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import neuralsolve  # noqa: E402
from neuralsolve.spec import loads  # noqa: E402
from neuralsolve.trace import trace  # noqa: E402


def best(fn, repeat=3):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def network_yaml(rng, widths, act="tanh", exact=True):
    def num():
        q = sympy.Rational(rng.randint(-9, 9), 10)
        return f'"{q}"'

    lines = ["title: bench", "network:", f"  input: [{', '.join(num() for _ in range(widths[0]))}]", "  layers:"]
    for n_in, n_out in zip(widths, widths[1:]):
        rows = ", ".join("[" + ", ".join(num() for _ in range(n_in)) + "]" for _ in range(n_out))
        lines += [f"    - weights: [{rows}]", f"      biases: [{', '.join(num() for _ in range(n_out))}]",
                  f"      activation: {act}"]
    lines += [f"  target: [{', '.join('0' for _ in range(widths[-1]))}]", "  loss: half_squared"]
    return "\n".join(lines) + "\n"


NAIVE_MAX_PARAMS = 60


def naive_gradients(g):
    """Every gradient by sympy.diff of the whole loss expression, evaluated at 50 digits."""
    defs = {}
    for node in g.nodes:
        if node.expr is not None:
            defs[node.symbol] = node.expr.xreplace(defs)
    L = defs[sympy.Symbol(g.output)]
    vals = {sympy.Symbol(k): v for k, v in g.values.items()}
    return [sympy.N(sympy.diff(L, sympy.Symbol(p)).xreplace(vals), 50) for p in g.parameters]


def main():
    print("== 1. solve + render LaTeX per problem (in-process, best of 3)")
    for p in sorted((ROOT / "problems").glob("*.yaml")):
        t = best(lambda: neuralsolve.solve(p).latex())
        print(f"  {p.stem:22s} {t * 1000:8.1f} ms")

    print("== 2. whole process: neuralsolve render --latex vs python -c 'import sympy' (median of 5)")
    square = str(ROOT / "problems" / "square-network.yaml")
    base, ours = [], []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import sympy"], check=True)
        base.append(time.perf_counter() - t)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "neuralsolve", "render", square, "--latex"], check=True,
                       stdout=subprocess.DEVNULL)
        ours.append(time.perf_counter() - t)
    b, o = statistics.median(base), statistics.median(ours)
    print(f"  import sympy {b:.3f} s   render --latex {o:.3f} s   ratio {o / b:.2f} (target <= 2.0)")

    print("== 3. tracer vs naive whole-expression sympy.diff (tanh networks, exact inputs, all gradients)")
    print("     naive substitutes every definition into one loss expression and differentiates it per parameter;")
    print(f"     it is run up to {NAIVE_MAX_PARAMS} parameters (beyond that it takes minutes)")
    rng = random.Random(7)
    for depth in (2, 3, 4, 5):
        for width in (2, 4, 8, 16):
            widths = [width] * depth + [1]
            g = loads(network_yaml(rng, widths)).model
            t_ours = best(lambda: trace(g, g.parameters), repeat=1)
            line = f"  depth {depth} width {width:2d} {len(g.parameters):5d} params   tracer {t_ours:7.3f} s"
            if len(g.parameters) <= NAIVE_MAX_PARAMS:
                t_naive = best(lambda: naive_gradients(g), repeat=1)
                line += f"   naive {t_naive:7.3f} s   naive/tracer {t_naive / t_ours:7.1f}"
            print(line)

    print("== 4. all gradients, 4 layers of width 16, tanh, 30+ digits")
    text = network_yaml(rng, [16, 16, 16, 16, 16])
    problem = loads(text)
    g = problem.model
    t = best(lambda: trace(g, g.parameters), repeat=1)
    print(f"  {len(g.parameters)} parameters: {t:.3f} s (target < 1 s)")


def chain_yaml(n: int) -> str:
    """x_i = w_(i-1) x_(i-1) + 1 for i = 1..n, every weight 1 except w0 = 1/2: one long path to the output."""
    lines = ["title: chain", "graph:", "  equations:", "    x1: w0*x0"]
    lines += [f"    x{i}: w{i - 1}*x{i - 1} + 1" for i in range(2, n + 1)]
    lines.append("  values: {x0: 1, w0: 1/2, " + ", ".join(f"w{i}: 1" for i in range(1, n)) + "}")
    lines.append("parts:\n  - ask: {gradients: all}")
    return "\n".join(lines) + "\n"


def chains():
    print("== 5. a chain of N equations, gradients: all, solve + LaTeX (in-process, best of 2)")
    for n in (100, 200, 400, 800):
        text = chain_yaml(n)
        t = best(lambda: neuralsolve.solve_text(text, "chain.yaml").latex(), repeat=2)
        print(f"  N = {n:4d}   {t:6.2f} s   {1000 * t / n:5.2f} ms per equation")


def symbolic():
    from neuralsolve.errors import ProblemError
    from neuralsolve.trace import MAX_SYMBOLIC_NODES, tree_size
    from tests.test_load_limits import symbolic_layers

    print(f"== 6. symbolic tanh layers, no values, gradients: all, JSON + LaTeX (limit {MAX_SYMBOLIC_NODES:,} symbols)")
    for depth, width in ((1, 8), (2, 4), (2, 8), (3, 4), (3, 6), (4, 4), (5, 3), (2, 16), (3, 8), (4, 8)):
        text = symbolic_layers(depth, width)
        t = time.perf_counter()
        try:
            w = neuralsolve.solve_text(text, "symbolic.yaml")
            size = len(w.json()) + len(w.latex())
        except ProblemError:
            print(f"  depth {depth} width {width:2d}   refused in {time.perf_counter() - t:5.2f} s")
            continue
        elapsed = time.perf_counter() - t
        sizes: dict = {}
        g = loads(text).model
        symbols = sum(tree_size(a.value, sizes) for a in trace(g, g.parameters).adjoints.values())
        print(f"  depth {depth} width {width:2d}   {symbols:6d} symbols   {elapsed:5.2f} s   "
              f"{1e6 * elapsed / symbols:5.1f} us per symbol   {size / 1000:7.1f} kB written")


def figures():
    from neuralsolve import diagrams, picture

    print("== 7. diagrams: layout + labels + TikZ + SVG")
    for n in (25, 50, 100):
        g = loads(chain_yaml(n)).model
        el = best(lambda: (picture.svg(p := diagrams.equations(g)), picture.tikz(p)))
        print(f"  chain of {n:3d} equations   {len(g.nodes):4d} nodes   {el:6.3f} s   "
              f"{1e3 * el / len(g.nodes):5.2f} ms per node")
    for w in (2, 4, 6, 8):
        g = loads(network_yaml(random.Random(1), [w] * 4)).model
        el = best(lambda: (picture.svg(p := diagrams.network(g)), picture.tikz(p)))
        edges = 3 * w * w
        print(f"  network {w}-{w}-{w}-{w}   {edges:4d} labelled edges   {el:6.3f} s   "
              f"{1e3 * el / edges:5.2f} ms per edge")
    g = loads(network_yaml(random.Random(1), [16] * 4)).model
    t = time.perf_counter()
    try:
        diagrams.network(g)
    except diagrams.TooLarge:
        print(f"  network 16-16-16-16 ({3 * 256} edges)   refused in {time.perf_counter() - t:.3f} s")
    from neuralsolve import regions as rg
    from tests.test_regions import as_function

    print("== 8. regions of two-input ReLU networks (exact cells, merged pieces), hidden widths as given")
    for widths in ((2,), (4,), (4, 4), (6, 6)):
        rng = random.Random(7)
        layers = []
        for n_in, n_out in zip((2,) + widths, widths + (1,)):
            layers.append(([[Fraction(rng.randint(-3, 3), rng.randint(1, 3)) for _ in range(n_in)]
                            for _ in range(n_out)], [Fraction(rng.randint(-3, 3), rng.randint(1, 3))
                                                     for _ in range(n_out)]))
        f = as_function(layers, 2)
        try:
            el = best(lambda: rg.regions(f))
            reg = rg.regions(f)
            print(f"  hidden {'-'.join(map(str, widths)):5s}   {sum(widths):2d} relus   {len(reg.cells):4d} cells   "
                  f"{len(reg.pieces):4d} pieces   {el:6.3f} s   {1e3 * el / len(reg.cells):6.2f} ms per cell")
        except Exception as exc:  # past the guard: refused at once
            print(f"  hidden {'-'.join(map(str, widths)):5s}   refused: {exc}")


if __name__ == "__main__":
    sections = {"chains": chains, "symbolic": symbolic, "figures": figures}  # python benchmarks/run.py chains: that section alone
    if sys.argv[1:2] and sys.argv[1] in sections:
        sections[sys.argv[1]]()
    else:
        main()
        chains()
        symbolic()
        figures()

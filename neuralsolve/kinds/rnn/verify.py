"""`--verify` for designs: the chosen weights against every stated constraint, and the recurrence re-run on each
example by direct substitution (not through the tracer that made the worked check)."""

from __future__ import annotations

import sympy

from ...functions import standard
from .model import RNNGraph, tsym


def simulate(g: RNNGraph, inputs: dict, values: dict) -> dict[str, list]:
    """Each equation's values over the steps, by substituting numbers into its template step after step."""
    steps = len(next(iter(inputs.values())))
    params = {sympy.Symbol(k): v for k, v in values.items()}
    before = {name: v for name, v in g.initial}
    out: dict[str, list] = {rec.name: [] for rec in g.recurrences}
    for t in range(steps):
        env = dict(params)
        env.update({tsym(n, 0): vals[t] for n, vals in inputs.items()})
        env.update({tsym(n, 1): v for n, v in before.items()})
        for rec in g.recurrences:
            v = standard(rec.value.xreplace(env)).doit()
            env[tsym(rec.name, 0)] = v
            out[rec.name].append(v)
        before = {n: env[tsym(n, 0)] for n in before}
    return out


def verify_forward(problem, answers) -> tuple[bool, str]:
    """The unrolled values against the recurrence re-run by direct substitution."""
    g: RNNGraph = problem.model
    if any(v.free_symbols for _, v in g.given):
        return True, "The forward pass is symbolic: not re-run."
    got = simulate(g, dict(g.inputs), dict(g.given))
    bad, count = [], 0
    for name, vals in got.items():
        for t, v in enumerate(vals, start=1):
            mine = answers.values.get(g.at(name, t))
            if mine is None:
                continue
            count += 1
            if abs(sympy.N(standard(mine) - v, 30)) > 1e-20:
                bad.append(g.at(name, t))
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: a direct re-run of the recurrence differs."
    return True, f"Verified: re-running the recurrence by direct substitution gives the same {count} values."


def verify_designs(problem, ask, answers) -> tuple[bool, str]:
    """Whether the design's weights satisfy each constraint and reproduce each example."""
    g: RNNGraph = problem.model
    values = answers.values
    constraints = values.get("constraints")
    weights = {u: values[u] for u in ask.arg.unknowns if u in values}
    if not weights:
        return True, "No weights were found, so there is nothing to re-run."
    point = {sympy.Symbol(k): v for k, v in weights.items()}
    bad = [str(c) for c in constraints if not bool(c.xreplace(point))]
    fixed = {p: v for p, v in g.given if p not in weights}
    wrong = []
    for e, ex in enumerate(ask.arg.examples, start=1):
        got = simulate(g, dict(ex.inputs), {**fixed, **weights})
        for name, want in ex.wanted:
            if [sympy.nsimplify(v) for v in got[name]] != list(want):
                wrong.append(f"{name} of example {e}")
    if bad or wrong:
        return False, ("Verification FAILED for the design: " + "; ".join(
            ([f"the weights break {', '.join(bad)}"] if bad else []) + ([f"a re-run gives another {', '.join(wrong)}"]
                                                                        if wrong else [])) + ".")
    n = len(ask.arg.examples)
    return True, (f"Verified: the weights satisfy all {len(constraints)} constraints, and re-running the recurrence "
                  f"with them reproduces the wanted values of {'the example' if n == 1 else f'all {n} examples'}.")

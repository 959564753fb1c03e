"""The rnn kind's `design` ask: weights that make a network of threshold (or linear) units behave as wanted.

Each example gives input sequences and the wanted sequences of some quantities
(the hidden states, the outputs). Every distinct case the examples reach (the
values an equation reads, and the value wanted of it) gives one linear
constraint on the unknowns: step(v) = 1 iff v >= 0, step(v) = 0 iff v < 0, an
identity unit gives an equation. Equations are solved exactly; an inequality
that the others imply is found by Fourier-Motzkin elimination, which also gives
the non-negative combination that proves it; a weight set is found by a bounded
search over small integers (elimination's back-substitution if none is small).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import sympy

from ...errors import ProblemError
from ...expr import suggest
from ...problem import Ask
from ...trace import forward_pass
from .linear import (Lin, back_substitute, contradiction, eliminate_equalities, lin, negation, substitute, term,
                     with_mult)
from .model import RNNGraph, tsym, unrolled

SEARCH = 4  # weights are searched among the integers -SEARCH..SEARCH
MAX_SEARCH = 60_000


# -- the ask's argument -----------------------------------------------------------
@dataclass(frozen=True)
class Example:
    inputs: tuple[tuple[str, tuple], ...]  # name -> values over t
    wanted: tuple[tuple[str, tuple], ...]  # quantity -> wanted values over t


@dataclass(frozen=True)
class DesignAsk:
    unknowns: tuple[str, ...]
    examples: tuple[Example, ...]


def read_design(r, y, arg, model: RNNGraph) -> Ask:
    """design: {unknowns: [...], examples: [{x: [...], h: [...], y: [...]}, ...]}."""
    if arg is None:
        r.fail(y, "design needs unknowns and examples, as in design: {unknowns: [w1, b2], examples: "
                  "[{x: [0, 1], h: [0, 1]}]}")
    if model.vector:
        r.fail(y, "design works on scalar recurrences only; give the weights as numbers, not vectors or matrices")
    m = r.mapping(arg, "design", ("unknowns", "examples"), ("unknowns", "examples"))
    unknowns: list[str] = []
    for uy in r.seq(m["unknowns"], "unknowns"):
        u = r.text(uy, "an unknown")
        if u not in model.parameters:
            r.fail(uy, f"{u!r} is not a parameter of the equations; {suggest(u, list(model.parameters))}")
        if u not in unknowns:
            unknowns.append(u)
    if not unknowns:
        r.fail(m["unknowns"], "design needs at least one unknown")
    given = dict(model.given)
    for p in model.parameters:
        if p not in unknowns and (p not in given or given[p].free_symbols):
            r.fail(m["unknowns"], f"{p} is neither an unknown nor given a number under values; list it as an unknown "
                                  "or give its value")
    inputs = [n for n, _ in model.inputs] or [n for rec in model.recurrences for n, _ in rec.reads
                                              if n not in {q.name for q in model.recurrences}]
    names = [rec.name for rec in model.recurrences]
    examples = []
    for ey in r.seq(m["examples"], "examples"):
        em = r.mapping(ey, "an example", tuple(dict.fromkeys(inputs + names)))
        seqs = {}
        for name, sy in em.items():
            vals = []
            for item in r.seq(sy, f"the example's {name}"):
                v = r.expr(item, f"a value of {name}").value
                if v.free_symbols:
                    r.fail(item, f"a wanted value must be a number, not {item.text or item.value}")
                vals.append(v)
            if not vals:
                r.fail(sy, f"the example's {name} is empty")
            seqs[name] = tuple(vals)
        for name in inputs:
            if name not in seqs:
                r.fail(ey, f"the example needs the input {name}: [...]")
        steps = len(seqs[inputs[0]])
        for name, vals in seqs.items():
            if len(vals) != steps:
                r.fail(em[name], f"the example's {name} has {len(vals)} values but its {inputs[0]} has {steps}; give "
                                 "one value per time step")
        wanted = [(n, seqs[n]) for n in names if n in seqs]
        if not wanted:
            r.fail(ey, f"the example needs the wanted values of at least one of {', '.join(names)}")
        for rec in model.recurrences:  # every quantity an equation reads must be known at every step
            for n, lag in rec.reads:
                if n in names and n not in seqs and rec.name in seqs:
                    r.fail(ey, f"the example gives {rec.name} but not {n}, which {rec.name}[t] reads; give the wanted "
                               f"{n}: [...] too (for an output equal to the hidden state, give the same values)")
        examples.append(Example(tuple((n, seqs[n]) for n in inputs), tuple(wanted)))
    if not examples:
        r.fail(m["examples"], "design needs at least one example")
    for rec in model.recurrences:
        if rec.unit.activation is not None and rec.unit.activation.name not in ("step", "identity", "relu"):
            r.fail(y, f"design reads threshold (step), identity and relu units; {rec.name}[t] applies "
                      f"{rec.unit.activation.name}")
    return Ask("design", DesignAsk(tuple(unknowns), tuple(examples)))


# -- the design ------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    """One case the examples reach: what an equation reads, what is wanted of it, and the constraint it gives."""

    equation: str
    known: tuple[tuple[sympy.Symbol, sympy.Expr], ...]  # template symbol -> value (h__1 -> 0, x__0 -> 1)
    wanted: sympy.Expr
    first: tuple[int, int]  # (example, t) where it is first reached
    constraint: Lin | None  # None: no weights can give the wanted value (a step unit wanted 2)


@dataclass(frozen=True)
class Implied:
    """A constraint the others imply, and how: constraint = sum of mult * others + slack (slack >= 0)."""

    index: int  # into Design.constraints
    combination: tuple[tuple[int, Fraction], ...]
    slack: Fraction


@dataclass(frozen=True)
class Design:
    unknowns: tuple[str, ...]
    cases: tuple[Case, ...]
    constraints: tuple[Lin, ...]  # each case's constraint, the equations solved into the inequalities
    solved: tuple[tuple[str, sympy.Expr], ...]  # unknowns the equations fix (w3 = 1), in terms of free ones
    implied: tuple[Implied, ...]
    kept: tuple[int, ...]  # the constraints the answer states
    feasible: bool
    weights: tuple[tuple[str, sympy.Expr], ...]  # one choice satisfying everything (empty if none)
    smallest: bool  # the weights came from the small-integer search
    checks: tuple  # per example: (inputs, wanted, computed {quantity: values})

    def answer(self) -> list:
        """The constraints as SymPy relations: the equations solved, then the inequalities kept."""
        out = [sympy.Eq(sympy.Symbol(v), e) for v, e in self.solved]
        for i in self.kept:
            c = self.constraints[i]
            if c.rel != "==":
                lhs, rel, rhs = relation(c)
                out.append({">=": sympy.Ge, ">": sympy.Gt, "<=": sympy.Le, "<": sympy.Lt}[rel](lhs, rhs))
        return out


def relation(c: Lin) -> tuple[sympy.Expr, str, sympy.Expr]:
    """A constraint as an exam writes it: b2 < 0 rather than -b2 > 0, the constant on the right."""
    coeffs = list(c.coeffs)
    flip = bool(coeffs) and coeffs[0][1] < 0
    sign = -1 if flip else 1
    with sympy.evaluate(False):
        terms = [term(sign * k, v) for v, k in coeffs]
        lhs = sympy.Add(*terms) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)
    rhs = sympy.Rational(-sign * c.const.numerator, c.const.denominator)
    rel = {"==": "==", ">=": ">=", ">": ">"}[c.rel]
    if flip and rel != "==":
        rel = {">=": "<=", ">": "<"}[rel]
    return lhs, rel, rhs


def compute_design(problem, ask: Ask) -> Design:
    """Every case the examples reach, the constraints, which are implied, one weight set and its check."""
    g: RNNGraph = problem.model
    spec: DesignAsk = ask.arg
    unknowns = spec.unknowns
    fixed = {p: v for p, v in g.given if p not in unknowns}
    initial = dict(g.initial)
    recs = sorted(g.recurrences, key=lambda r: r.name in g.states)  # outputs first: they are equations
    cases: list[Case] = []
    seen: dict[tuple, int] = {}
    for e, ex in enumerate(spec.examples, start=1):
        seqs = dict(ex.inputs) | dict(ex.wanted)
        steps = len(ex.inputs[0][1])
        for rec in recs:
            if rec.name not in seqs:
                continue
            for t in range(1, steps + 1):
                known = []
                for n, lag in _reads_ordered(rec):
                    if t - lag == 0:
                        value = initial.get(n)
                    else:
                        value = seqs[n][t - lag - 1] if n in seqs else None
                    if value is None:
                        raise ProblemError(f"design: {rec.name}[t] reads {n}[{'t' if not lag else 't-1'}], which the "
                                           f"example does not give at t = {t}", ask.where.file, ask.where.line,
                                           ask.where.col)
                    known.append((tsym(n, lag), value))
                key = (rec.name, tuple(known), seqs[rec.name][t - 1])
                if key in seen:
                    continue
                seen[key] = len(cases)
                wanted = seqs[rec.name][t - 1]
                cases.append(Case(rec.name, tuple(known), wanted, (e, t), _constraint(rec, known, wanted, fixed,
                                                                                      unknowns, ask)))
    return _solve(g, spec, cases, ask)


def _reads_ordered(rec) -> list[tuple[str, int]]:
    """What an equation reads, states at t-1 first (the pair (h_{t-1}, x_t), as a model answer names it)."""
    return sorted(dict.fromkeys(rec.reads), key=lambda r: -r[1])


def _constraint(rec, known, wanted, fixed, unknowns, ask) -> Lin | None:
    u = rec.unit.argument.xreplace(dict(known)).xreplace({sympy.Symbol(p): v for p, v in fixed.items()})
    syms = [sympy.Symbol(n) for n in unknowns]
    poly = None
    try:
        poly = sympy.Poly(sympy.expand(u), *syms)
    except sympy.PolynomialError:
        pass
    if poly is None or poly.total_degree() > 1 or any(not c.is_Rational for c in poly.coeffs()):
        raise ProblemError(f"design: the input of {rec.name}[t]'s unit is not linear in the unknowns ({u}); a design "
                           "needs sums such as w1*x[t] + w2*h[t-1] + b", ask.where.file, ask.where.line, ask.where.col)
    coeffs = {n: Fraction(int(poly.coeff_monomial(s).p), int(poly.coeff_monomial(s).q)) for n, s in zip(unknowns, syms)}
    c0 = poly.coeff_monomial(1)
    const = Fraction(int(c0.p), int(c0.q))
    v = Fraction(int(wanted.p), int(wanted.q)) if wanted.is_Rational else None
    act = rec.unit.activation.name if rec.unit.activation is not None else "identity"
    if v is None:
        return None
    if act == "step":
        if v == 1:
            return lin(coeffs, const, ">=")
        if v == 0:
            return lin({n: -k for n, k in coeffs.items()}, -const, ">")
        return None
    if act == "relu":
        if v > 0:
            return lin(coeffs, const - v, "==")
        if v == 0:
            return lin({n: -k for n, k in coeffs.items()}, -const, ">=")
        return None
    fwd = rec.unit.activation.forward if rec.unit.activation is not None else sympy.Symbol("x")
    x = sympy.Symbol("x")
    a, b = sympy.diff(fwd, x), fwd.subs(x, 0)
    if act == "identity" or (a.is_Rational and a != 0 and sympy.diff(fwd, x, 2) == 0 and b.is_Rational):
        # an affine unit a*u + b = v: u = (v - b)/a
        target = (v - Fraction(int(b.p), int(b.q))) / Fraction(int(a.p), int(a.q))
        return lin(coeffs, const - target, "==")
    raise ProblemError(f"design reads threshold (step), identity and relu units; {rec.name}[t] applies "
                       f"{rec.unit.function or act}", ask.where.file, ask.where.line, ask.where.col)


def _solve(g: RNNGraph, spec: DesignAsk, cases: list[Case], ask: Ask) -> Design:
    unknowns = spec.unknowns
    raw = [c.constraint for c in cases]
    feasible = all(c is not None for c in raw)
    equalities = [(i, c) for i, c in enumerate(raw) if c is not None and c.rel == "=="]
    pivots, implied_eq, ok = eliminate_equalities(equalities, unknowns)
    feasible = feasible and ok
    subst = {v: e for v, e in pivots}
    constraints: list[Lin] = []
    for c in raw:
        if c is None:
            constraints.append(lin({}, -1, ">="))  # impossible: shown as such by the view
        elif c.rel == "==":
            constraints.append(c)
        else:
            constraints.append(substitute(c, subst))
    free = [v for v in unknowns if v not in subst]
    ineq = [i for i, c in enumerate(constraints) if c.rel != "==" and raw[i] is not None]
    rows = [with_mult(constraints[i], i) for i in ineq]
    implied: list[Implied] = [Implied(i, (), Fraction(0)) for i in implied_eq]
    kept = [i for i, c in enumerate(constraints) if c.rel == "==" and i not in implied_eq]
    decided = True
    try:
        if feasible and contradiction(rows, free) is not None:
            feasible = False
        if feasible:
            live = list(ineq)
            for i in reversed(ineq):
                others = [with_mult(constraints[j], j) for j in live if j != i]
                proof = contradiction(others + [negation(constraints[i], i)], free)
                if proof is not None:
                    lam = dict(proof.mult)[i]
                    comb = tuple((j, k / lam) for j, k in sorted(proof.mult) if j != i)
                    implied.append(Implied(i, comb, -proof.const / lam))
                    live.remove(i)
            kept += live
    except OverflowError:
        decided = False
        kept += ineq
    kept = sorted(set(kept))
    if not feasible:
        kept = [i for i in range(len(constraints))]
    weights, smallest = ((), False)
    if feasible:
        weights, smallest = _choose(constraints, ineq, pivots, free, unknowns)
    solved = tuple((v, _expr(e)) for v, e in pivots)
    checks = tuple(_check(g, ex, dict(weights)) for ex in spec.examples) if weights else ()
    return Design(unknowns, tuple(cases), tuple(constraints), solved,
                  tuple(sorted(implied, key=lambda m: m.index)) if decided else (), tuple(kept), feasible,
                  tuple((v, sympy.Rational(w.numerator, w.denominator)) for v, w in weights), smallest, checks)


def _expr(value: dict) -> sympy.Expr:
    terms = [sympy.Rational(k.numerator, k.denominator) * (sympy.Symbol(v) if v != 1 else 1)
             for v, k in value.items()]
    return sympy.Add(*terms) if terms else sympy.S.Zero


def _choose(constraints, ineq, pivots, free, unknowns):
    """The weights: small integers for the free unknowns (fewest and smallest first), the others from the equations."""
    rows = [constraints[i] for i in ineq]

    def complete(point):
        full = dict(point)
        for v, value in pivots:
            full[v] = sum((k * (point[key] if key != 1 else 1) for key, k in value.items()), Fraction(0))
        return full

    if len(free) and (2 * SEARCH + 1) ** len(free) <= MAX_SEARCH:
        grid = sorted(itertools.product(range(-SEARCH, SEARCH + 1), repeat=len(free)),
                      key=lambda p: (sum(map(abs, p)), max(map(abs, p), default=0), [-x for x in p]))
        for p in grid:
            point = {v: Fraction(x) for v, x in zip(free, p)}
            if all(r.holds(point) for r in rows):
                full = complete(point)
                return tuple((v, full[v]) for v in unknowns), True
    if not free:
        full = complete({})
        return tuple((v, full[v]) for v in unknowns), True
    point = back_substitute(rows, free)
    full = complete(point)
    return tuple((v, full[v]) for v in unknowns), False


def _check(g: RNNGraph, ex: Example, weights: dict) -> tuple:
    """The network run on one example with the chosen weights (by the tracer): each quantity's values."""
    values = dict(g.given) | {v: sympy.Rational(w.numerator, w.denominator) for v, w in weights.items()}
    sim = unrolled(g, dict(ex.inputs), values)
    _, forward, _ = forward_pass(sim)
    steps = len(ex.inputs[0][1])
    computed = tuple((rec.name, tuple(forward[g.at(rec.name, t)].value for t in range(1, steps + 1)))
                     for rec in g.recurrences)
    return ex.inputs, ex.wanted, computed



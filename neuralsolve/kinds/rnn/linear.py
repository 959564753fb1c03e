"""Linear constraints over the rationals: exact elimination, implication with its proof, a point that satisfies them.

A constraint is sum(c_v v) + c rel 0 with rel one of ==, >=, >. Equations are solved
by Gauss-Jordan elimination; a set of inequalities is decided by Fourier-Motzkin
elimination, which keeps, for each derived row, the non-negative multipliers of
the rows it came from, so a contradiction is also a proof (Farkas' lemma).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

import sympy

MAX_ROWS = 4_000  # Fourier-Motzkin rows beyond which implication is not decided


@dataclass(frozen=True)
class Lin:
    """sum(coeffs[v] * v) + const  rel  0, with rel one of == >= >; `mult` combines the original constraints."""

    coeffs: tuple[tuple[str, Fraction], ...]
    const: Fraction
    rel: str
    mult: tuple[tuple[int, Fraction], ...] = ()

    def c(self, v: str) -> Fraction:
        return dict(self.coeffs).get(v, Fraction(0))

    def holds(self, point: dict[str, Fraction]) -> bool:
        s = sum((k * point[v] for v, k in self.coeffs), self.const)
        return s == 0 if self.rel == "==" else (s >= 0 if self.rel == ">=" else s > 0)

    def expr(self) -> sympy.Expr:
        return sympy.Add(*[sympy.Rational(k.numerator, k.denominator) * sympy.Symbol(v) for v, k in self.coeffs],
                         sympy.Rational(self.const.numerator, self.const.denominator))


def lin(coeffs: dict, const, rel, mult=()) -> Lin:
    return Lin(tuple((v, Fraction(k)) for v, k in coeffs.items() if k != 0), Fraction(const), rel, tuple(mult))


def combine(a: Lin, ka: Fraction, b: Lin, kb: Fraction) -> Lin:
    coeffs: dict[str, Fraction] = {}
    for v, k in a.coeffs:
        coeffs[v] = coeffs.get(v, 0) + ka * k
    for v, k in b.coeffs:
        coeffs[v] = coeffs.get(v, 0) + kb * k
    mult: dict[int, Fraction] = {}
    for i, k in a.mult:
        mult[i] = mult.get(i, 0) + ka * k
    for i, k in b.mult:
        mult[i] = mult.get(i, 0) + kb * k
    rel = ">" if ">" in (a.rel, b.rel) else ">="
    return lin(coeffs, ka * a.const + kb * b.const, rel, [(i, k) for i, k in mult.items() if k != 0])


def contradiction(rows: list[Lin], variables) -> Lin | None:
    """A non-negative combination of the rows that is false (0 >= -1, 0 > 0), or None if they can all hold."""
    for v in variables:
        pos = [r for r in rows if r.c(v) > 0]
        neg = [r for r in rows if r.c(v) < 0]
        rows = [r for r in rows if r.c(v) == 0]
        rows += [combine(p, 1 / p.c(v), n, 1 / -n.c(v)) for p in pos for n in neg]
        if len(rows) > MAX_ROWS:
            raise OverflowError
    for r in rows:
        if r.const < 0 or r.const == 0 and r.rel == ">":
            return r
    return None


def negation(c: Lin, index: int) -> Lin:
    """not (e >= 0) is -e > 0; not (e > 0) is -e >= 0."""
    return lin({v: -k for v, k in c.coeffs}, -c.const, ">" if c.rel == ">=" else ">=", [(index, Fraction(1))])


def eliminate_equalities(equalities, unknowns):
    """Gauss-Jordan: each pivot's value ({var: coeff, 1: const}), the equations the others imply, and consistency."""
    rows: list[tuple[str, dict]] = []  # pivot, row (pivot + sum(row[v] v) + row[1] == 0), reduced against each other
    implied, ok = [], True
    for i, c in equalities:
        row = {v: k for v, k in c.coeffs}
        row[1] = c.const
        for pv, prow in rows:
            k = row.get(pv, 0)
            if k:
                row = _axpy(row, -k, prow)
        pv = next((v for v in unknowns if row.get(v, 0) != 0), None)
        if pv is None:
            implied.append(i)
            ok = ok and row.get(1, 0) == 0
            continue
        row = {key: val / row[pv] for key, val in row.items()}
        rows = [(qv, _axpy(qrow, -qrow.get(pv, 0), row)) for qv, qrow in rows]
        rows.append((pv, row))
    rows.sort(key=lambda r: unknowns.index(r[0]))
    return [(pv, {key: -val for key, val in row.items() if key != pv}) for pv, row in rows], implied, ok


def _axpy(row: dict, k, other: dict) -> dict:
    out = {key: row.get(key, 0) + k * other.get(key, 0) for key in list(row) + [q for q in other if q not in row]}
    return {key: val for key, val in out.items() if val != 0}


def substitute(c: Lin, subst: dict) -> Lin:
    coeffs: dict = {}
    const = c.const
    for v, k in c.coeffs:
        if v in subst:
            for key, val in subst[v].items():
                if key == 1:
                    const += k * val
                else:
                    coeffs[key] = coeffs.get(key, 0) + k * val
        else:
            coeffs[v] = coeffs.get(v, 0) + k
    return lin(coeffs, const, c.rel, c.mult)


def back_substitute(rows, free) -> dict:
    """A point satisfying the rows: eliminate the variables in turn, then choose each from its bounds, last first."""
    stages = [rows]
    for v in free[:-1]:
        current = stages[-1]
        pos = [r for r in current if r.c(v) > 0]
        neg = [r for r in current if r.c(v) < 0]
        nxt = [r for r in current if r.c(v) == 0] + [combine(p, 1 / p.c(v), n, 1 / -n.c(v)) for p in pos for n in neg]
        stages.append(nxt)
    point: dict[str, Fraction] = {}
    for v, stage in zip(reversed(free), reversed(stages)):
        lo, lo_strict, hi, hi_strict = None, False, None, False
        for r in stage:
            k = r.c(v)
            if k == 0:
                continue
            rest = sum((c * point[u] for u, c in r.coeffs if u != v), r.const)
            bound = -rest / k
            if k > 0 and (lo is None or bound > lo or bound == lo and r.rel == ">"):
                lo, lo_strict = bound, r.rel == ">"
            if k < 0 and (hi is None or bound < hi or bound == hi and r.rel == ">"):
                hi, hi_strict = bound, r.rel == ">"
        point[v] = _pick(lo, lo_strict, hi, hi_strict)
    return point


def _pick(lo, lo_strict, hi, hi_strict) -> Fraction:
    """The integer nearest 0 strictly inside the bounds where there is one, else the midpoint."""
    a = -math.inf if lo is None else (math.floor(lo) + 1 if lo_strict else math.ceil(lo))
    b = math.inf if hi is None else (math.ceil(hi) - 1 if hi_strict else math.floor(hi))
    if a <= b:
        return Fraction(min(max(0, a), b))
    return (lo + hi) / 2


def term(k: Fraction, v: str):
    s = sympy.Symbol(v)
    if k == 1:
        return s
    if k == -1:
        return sympy.Mul(-1, s, evaluate=False)
    return sympy.Mul(sympy.Rational(k.numerator, k.denominator), s, evaluate=False)


def with_mult(c: Lin, i: int) -> Lin:
    return Lin(c.coeffs, c.const, c.rel, ((i, Fraction(1)),))

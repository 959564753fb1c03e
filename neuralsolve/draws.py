"""Drawing variants: codes that encode a variant's seed, the draws themselves, and judging `where:` conditions.

A variant is named by a short code (six base-32 characters) that encodes its
seed, so one variant can be rebuilt from the code alone. Draws come from
Python's `random.Random` seeded by strings, which does not depend on
PYTHONHASHSEED: the same code gives the same bytes everywhere.
"""

from __future__ import annotations

import ast
import hashlib
import math
import random

import sympy

from .errors import ProblemError
from .expr import entries as _entries, suggest
from .randomspec import Condition, RandomSpec

MAX_TRIES = 1_000
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U


def code_of(seed: int) -> str:
    """The six-character code of a 30-bit variant seed."""
    return "".join(_ALPHABET[(seed >> (5 * i)) & 31] for i in reversed(range(6)))


def seed_of(code: str) -> int:
    """The variant seed a code stands for; ValueError for a code that is not one."""
    code = code.strip().upper().replace("O", "0").replace("I", "1").replace("L", "1")
    if len(code) != 6 or any(c not in _ALPHABET for c in code):
        raise ValueError(f"{code!r} is not a variant code (six characters of 0-9 and A-Z)")
    seed = 0
    for c in code:
        seed = seed * 32 + _ALPHABET.index(c)
    return seed


def variant_seed(exam_seed: int, index: int) -> int:
    """The seed of variant `index` of an exam drawn with `exam_seed`."""
    digest = hashlib.sha256(f"neuralsolve:{exam_seed}:{index}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 2


_CALLS = {
    "integer": lambda v: all(bool(sympy.sympify(x).is_integer) for x in _entries(v)),
    "abs": abs,
}


def _equal(left, right) -> bool:
    """Exact equality; a matrix equals a number when every entry does (M == 0: the zero matrix)."""
    if isinstance(left, (sympy.MatrixBase, list, tuple)) or isinstance(right, (sympy.MatrixBase, list, tuple)):
        a, b = _entries(left), _entries(right)
        if len(b) == 1:
            b = b * len(a)
        if len(a) == 1:
            a = a * len(b)
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return sympy.simplify(left - right) == 0


def holds(c: Condition, answers: dict[str, sympy.Expr]) -> bool:
    """Whether the condition is true of these answers (exact comparisons on exact values)."""

    def ev(node):
        if isinstance(node, ast.Constant):
            text = ast.unparse(node)
            return sympy.Rational(text)
        if isinstance(node, ast.Name):
            name = c.keys.get(node.id, node.id)
            if name not in answers:
                known = sorted(answers)
                raise ProblemError(f"the condition {c.text!r} reads {name!r}, which is not an answer of this "
                                   f"problem; {suggest(name, known)}", c.where.file, c.where.line, c.where.col)
            return answers[name]
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return not v
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            op = type(node.op)
            if op is ast.Pow and abs(b) > 64:
                raise ProblemError(f"exponent too large in the condition {c.text!r}", c.where.file, c.where.line, c.where.col)
            return {ast.Add: lambda: a + b, ast.Sub: lambda: a - b, ast.Mult: lambda: a * b,
                    ast.Div: lambda: a / b if b != 0 else sympy.nan, ast.Pow: lambda: a**b}[op]()
        if isinstance(node, ast.BoolOp):
            vals = [ev(v) for v in node.values]
            return all(vals) if isinstance(node.op, ast.And) else any(vals)
        if isinstance(node, ast.Compare):
            left = ev(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node)
                if any(getattr(x, "free_symbols", None) for x in _entries(left) + _entries(right)):
                    return False
                if type(op) not in (ast.Eq, ast.NotEq) and len(_entries(left) + _entries(right)) > 2:
                    raise ProblemError(f"the condition {c.text!r} orders a matrix or list; compare it with == or !=, "
                                       "or use integer(...)", c.where.file, c.where.line, c.where.col)
                ok = {ast.Eq: lambda: _equal(left, right), ast.NotEq: lambda: not _equal(left, right),
                      ast.Lt: lambda: bool(left < right), ast.LtE: lambda: bool(left <= right),
                      ast.Gt: lambda: bool(left > right), ast.GtE: lambda: bool(left >= right)}[type(op)]()
                if not ok:
                    return False
                left = right
            return True
        if isinstance(node, ast.Call):
            return _CALLS[node.func.id](*[ev(a) for a in node.args])
        raise AssertionError(node)  # pragma: no cover (rejected when read)

    return bool(ev(c.tree))


def draw(spec: RandomSpec, rng: random.Random) -> dict[str, object]:
    """One draw of every named value: a number, or nested lists of numbers."""
    out: dict[str, object] = {}
    for d in spec.draws:
        def one():
            for _ in range(MAX_TRIES):
                if d.law == "integers":
                    v = sympy.Integer(rng.randint(int(d.low), int(d.high)))
                elif d.law == "fractions":
                    lo, hi = math.ceil(d.low * d.denominator), math.floor(d.high * d.denominator)
                    if lo > hi:
                        raise ProblemError(f"no fraction with denominator {d.denominator} lies between {d.low} and "
                                           f"{d.high}", d.where.file, d.where.line, d.where.col)
                    v = sympy.Rational(rng.randint(lo, hi), d.denominator)
                else:
                    v = d.choices[rng.randrange(len(d.choices))]
                if v not in d.exclude:
                    return v
            raise ProblemError(f"every value of {d.name} is excluded", d.where.file, d.where.line, d.where.col)

        if not d.shape:
            out[d.name] = one()
        elif len(d.shape) == 1:
            out[d.name] = [one() for _ in range(d.shape[0])]
        else:
            out[d.name] = [[one() for _ in range(d.shape[1])] for _ in range(d.shape[0])]
    return out


def draws_text(values: dict[str, object]) -> dict[str, object]:
    """Drawn values as JSON-friendly strings (exact)."""
    def one(v):
        return [one(x) for x in v] if isinstance(v, list) else str(v)
    return {k: one(v) for k, v in values.items()}



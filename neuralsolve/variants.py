"""Randomized variants: the `random:` block draws values, `where:` conditions keep good draws.

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
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from .errors import ProblemError
from .expr import Where, suggest
from .yamlio import Y

MAX_TRIES = 1_000
MAX_DRAWN = 400  # numbers drawn for one name
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


@dataclass(frozen=True)
class DrawSpec:
    """How one named value is drawn."""

    name: str
    kind: str  # integers, choice, fractions
    low: Fraction | None
    high: Fraction | None
    denominator: int
    choices: tuple
    shape: tuple[int, ...]
    exclude: tuple
    where: Where


@dataclass(frozen=True)
class Condition:
    """A `where:` condition on the answers, kept as the author wrote it."""

    text: str
    tree: ast.expr
    keys: dict[str, str]  # placeholder identifier -> answer name (dC/dw3_1_1, w3_1_1')
    where: Where


@dataclass(frozen=True)
class RandomSpec:
    draws: tuple[DrawSpec, ...]
    conditions: tuple[Condition, ...]


def read_random(r, y: Y | None) -> RandomSpec | None:
    """The `random:` block, validated."""
    if y is None:
        return None
    m = r.mapping(y, "random", ("draw", "where"), ("draw",))
    draws = []
    for name, dy in r.mapping(m["draw"], "random.draw").items():
        if not name.isidentifier():
            r.fail(m["draw"], f"{name!r} is not a name", name)
        draws.append(_read_draw(r, name, dy))
    conditions = []
    if "where" in m:
        for cy in r.seq(m["where"], "random.where"):
            conditions.append(_read_condition(r, cy))
    return RandomSpec(tuple(draws), tuple(conditions))


def _read_draw(r, name: str, y: Y) -> DrawSpec:
    m = r.mapping(y, f"the draw of {name}", ("integers", "choice", "fractions", "denominator", "shape", "exclude"))
    kinds = [k for k in ("integers", "choice", "fractions") if k in m]
    if len(kinds) != 1:
        r.fail(y, f"the draw of {name} needs exactly one of integers: [lo, hi], choice: [...], fractions: [lo, hi]")
    kind = kinds[0]
    low = high = None
    choices: tuple = ()
    denominator = 1
    if kind in ("integers", "fractions"):
        bounds = r.seq(m[kind], f"{name}: {kind}")
        if len(bounds) != 2 or not all(isinstance(b.value, sympy.Rational) for b in bounds):
            r.fail(m[kind], f"{name}: {kind} takes two numbers, the lowest and the highest, as in [-2, 2]")
        low, high = (Fraction(int(b.value.p), int(b.value.q)) for b in bounds)
        if low > high:
            r.fail(m[kind], f"{name}: the lowest value {low} is above the highest {high}")
        if kind == "integers" and (low.denominator != 1 or high.denominator != 1):
            r.fail(m[kind], f"{name}: integers takes whole numbers; use fractions for others")
        if kind == "fractions":
            if "denominator" not in m:
                r.fail(y, f"{name}: fractions needs a denominator, as in denominator: 2")
            denominator = r.integer(m["denominator"], f"{name}: denominator", 1, 1000)
    else:
        items = r.seq(m["choice"], f"{name}: choice")
        if not items:
            r.fail(m["choice"], f"{name}: choice needs at least one value")
        choices = tuple(r.expr(c, f"a choice for {name}").value for c in items)
    shape: tuple[int, ...] = ()
    if "shape" in m:
        dims = r.seq(m["shape"], f"{name}: shape")
        if not 1 <= len(dims) <= 2:
            r.fail(m["shape"], f"{name}: shape is [n] for a vector or [rows, columns] for a matrix")
        shape = tuple(r.integer(d, f"{name}: shape", 1, 64) for d in dims)
        size = 1
        for d in shape:
            size *= d
        if size > MAX_DRAWN:
            r.fail(m["shape"], f"{name}: at most {MAX_DRAWN} numbers may be drawn for one name")
    exclude = tuple(r.expr(e, f"an excluded value of {name}").value for e in r.seq(m["exclude"], "exclude")) \
        if "exclude" in m else ()
    return DrawSpec(name, kind, low, high, denominator, choices, shape, exclude, r.where(y))


_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
_ANSWER_KEY = re.compile(r"d[A-Za-z_][A-Za-z0-9_]*/d[A-Za-z_][A-Za-z0-9_]*'?|[A-Za-z_][A-Za-z0-9_]*'")


def _read_condition(r, y: Y) -> Condition:
    text = r.text(y, "a condition")
    where = r.where(y)
    keys: dict[str, str] = {}

    def hide(m):  # dC/dw3_1_1 and w3_1_1' are single names here, not a division or a quote
        ident = f"_k{len(keys)}"
        keys[ident] = m.group(0)
        return ident.ljust(len(m.group(0)))

    source = _ANSWER_KEY.sub(hide, text).replace("^", "**")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as exc:
        raise ProblemError(f"cannot read the condition {text!r}: {exc.msg}", where.file, where.line,
                           where.col + max((exc.offset or 1) - 1, 0)) from None
    for node in ast.walk(tree):
        ok = isinstance(node, (ast.Compare, ast.BoolOp, ast.UnaryOp, ast.BinOp, ast.Name, ast.Constant, ast.Call,
                               ast.Load, ast.And, ast.Or, ast.Not, ast.USub, ast.UAdd, ast.Add, ast.Sub, ast.Mult,
                               ast.Div, ast.Pow, *_COMPARE))
        if not ok:
            raise ProblemError(f"{type(node).__name__.lower()} is not allowed in a condition; use comparisons "
                               "(== != < <= > >=), and, or, not, arithmetic, integer(x) and abs(x)",
                               where.file, where.line, where.col + getattr(node, "col_offset", 0))
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in _CALLS):
            name = getattr(node.func, "id", "?")
            raise ProblemError(f"unknown function {name!r} in a condition; {suggest(name, _CALLS)}",
                               where.file, where.line, where.col + node.col_offset)
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise ProblemError(f"{node.value!r} is not a number", where.file, where.line, where.col + node.col_offset)
    return Condition(text, tree, keys, where)


_CALLS = {
    "integer": lambda v: bool(sympy.sympify(v).is_integer),
    "abs": abs,
}


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
                if isinstance(left, sympy.Basic) and left.free_symbols or isinstance(right, sympy.Basic) and right.free_symbols:
                    return False
                ok = {ast.Eq: lambda: sympy.simplify(left - right) == 0, ast.NotEq: lambda: sympy.simplify(left - right) != 0,
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
                if d.kind == "integers":
                    v = sympy.Integer(rng.randint(int(d.low), int(d.high)))
                elif d.kind == "fractions":
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


def as_yaml(value, line: int, col: int) -> Y:
    """A drawn value as a located YAML value, standing where its name stood."""
    if isinstance(value, list):
        return Y([as_yaml(v, line, col) for v in value], line, col)
    if value.is_Rational:
        return Y(value, line, col, text=str(value))
    return Y(str(value), line, col, quoted=False, text=str(value))


def draws_text(values: dict[str, object]) -> dict[str, object]:
    """Drawn values as JSON-friendly strings (exact)."""
    def one(v):
        return [one(x) for x in v] if isinstance(v, list) else str(v)
    return {k: one(v) for k, v in values.items()}


def solve_variant(text: str, file: str, seed: int, index: int = 0):
    """Draw until the conditions hold: (Problem, Solution) of the variant with this seed.

    `index` separates the questions of one exam variant. A draw that makes a step
    undefined (log of 0, a step function differentiated at 0) is redrawn like one
    that fails a condition; an error in the file itself is reported at once.
    """
    from collections import Counter

    from .spec import loads, random_spec
    from .view import answer_values, build_with_values

    spec = random_spec(text, file)
    rng = random.Random(f"neuralsolve:{seed}:{index}")
    failures: Counter = Counter()
    where: dict[str, Where] = {}
    for _ in range(MAX_TRIES):
        values = draw(spec, rng)
        problem = loads(text, file, values)  # an error here is the file's, not the draw's
        try:
            answers = answer_values(problem)  # cheap: no solution is written for a draw that is thrown away
            if any(n not in answers for c in spec.conditions for n in c.keys.values()):
                answers = build_with_values(problem)[1]
            failed = next((c for c in spec.conditions if not holds(c, answers)), None)
            if failed is None:
                return problem, build_with_values(problem)[0]
        except ProblemError as exc:
            if exc.message.startswith("the condition "):
                raise  # a condition naming no answer: the file's error
            failures[exc.message] += 1
            where[exc.message] = Where(exc.file, exc.line, exc.col)
            continue
        failures[f"the condition {failed.text!r}"] += 1
        where[f"the condition {failed.text!r}"] = failed.where
    ranked = failures.most_common()
    worst, count = ranked[0]
    others = "".join(f" ({what} failed {n} time{'s' if n != 1 else ''})" for what, n in ranked[1:3])
    w = where[worst]
    raise ProblemError(f"no draw in {MAX_TRIES} tries gave a usable variant: {worst} failed {count} times{others}; "
                       "widen the ranges of the draws or relax the condition", w.file, w.line, w.col)

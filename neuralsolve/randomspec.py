"""Loading the `random:` block: what each named value is drawn from, and the `where:` conditions on answers."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

from .errors import ProblemError
from .expr import Where, suggest
from .yamlio import Y

MAX_DRAWN = 400  # numbers drawn for one name
CALLS = ("integer", "abs")  # the functions a condition may call


@dataclass(frozen=True)
class DrawSpec:
    """How one named value is drawn."""

    name: str
    law: str  # how it is drawn: integers, choice, fractions
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

    builtin: str = ""  # a named condition such as nondegenerate (judged by the kind), instead of a formula

    @property
    def names(self) -> tuple[str, ...]:
        """The answer names the condition reads."""
        if self.builtin:
            return ()
        called = {id(n.func) for n in ast.walk(self.tree) if isinstance(n, ast.Call)}
        return tuple(dict.fromkeys(self.keys.get(n.id, n.id) for n in ast.walk(self.tree)
                                   if isinstance(n, ast.Name) and id(n) not in called))


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
        r.name(m["draw"], name, "drawn value's name")
        draws.append(_read_draw(r, name, dy))
    conditions = []
    if "where" in m:
        for cy in r.seq(m["where"], "random.where"):
            conditions.append(_read_condition(r, cy))
    return RandomSpec(tuple(draws), tuple(conditions))


def _read_draw(r, name: str, y: Y) -> DrawSpec:
    m = r.mapping(y, f"the draw of {name}", ("integers", "choice", "fractions", "denominator", "shape", "exclude"))
    laws = [k for k in ("integers", "choice", "fractions") if k in m]
    if len(laws) != 1:
        r.fail(y, f"the draw of {name} needs exactly one of integers: [lo, hi], choice: [...], fractions: [lo, hi]")
    law = laws[0]
    low = high = None
    choices: tuple = ()
    denominator = 1
    if law in ("integers", "fractions"):
        bounds = r.seq(m[law], f"{name}: {law}")
        if len(bounds) != 2 or not all(isinstance(b.value, sympy.Rational) for b in bounds):
            r.fail(m[law], f"{name}: {law} takes two numbers, the lowest and the highest, as in [-2, 2]")
        low, high = (Fraction(int(b.value.p), int(b.value.q)) for b in bounds)
        if low > high:
            r.fail(m[law], f"{name}: the lowest value {low} is above the highest {high}")
        if law == "integers" and (low.denominator != 1 or high.denominator != 1):
            r.fail(m[law], f"{name}: integers takes whole numbers; use fractions for others")
        if law == "fractions":
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
    return DrawSpec(name, law, low, high, denominator, choices, shape, exclude, r.where(y))


_COMPARE = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}
# an answer name in a condition: dC/dw, x[2], w' and, for an optimize run at one of several step sizes, x[1]@s=0.1
_ANSWER_KEY = re.compile(r"d[A-Za-z_]\w*/d[A-Za-z_]\w*(?:\[\d+\])?'?|[A-Za-z_]\w*\[\d+\](?:@s=\d[\d.]*(?:[eE][+-]?\d+)?)?'?"
                         r"|[A-Za-z_]\w*'")


BUILTIN_CONDITIONS = ("nondegenerate",)  # no all-zero weight row, no zero gradient or delta that is asked


def _read_condition(r, y: Y) -> Condition:
    text = r.text(y, "a condition")
    where = r.where(y)
    if text.strip() in BUILTIN_CONDITIONS:
        return Condition(text.strip(), ast.Constant(True), {}, where, builtin=text.strip())
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
        if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name) or node.func.id not in CALLS):
            name = getattr(node.func, "id", "?")
            raise ProblemError(f"unknown function {name!r} in a condition; {suggest(name, CALLS)}",
                               where.file, where.line, where.col + node.col_offset)
        if isinstance(node, ast.Constant) and (isinstance(node.value, bool) or not isinstance(node.value, (int, float))):
            raise ProblemError(f"{node.value!r} is not a number", where.file, where.line, where.col + node.col_offset)
    return Condition(text, tree, keys, where)


def as_yaml(value, line: int, col: int) -> Y:
    """A drawn value as a located YAML value, standing where its name stood."""
    if isinstance(value, list):
        return Y([as_yaml(v, line, col) for v in value], line, col)
    if value.is_Rational:
        return Y(value, line, col, text=str(value))
    return Y(str(value), line, col, quoted=False, text=str(value))




def apply_draws(y: Y, draws: dict) -> Y:
    """The YAML tree with each drawn name, standing alone as a value, replaced by what was drawn."""
    if isinstance(y.value, dict):
        return Y({k: apply_draws(v, draws) for k, v in y.value.items()}, y.line, y.col, keys=y.keys)
    if isinstance(y.value, list):
        return Y([apply_draws(v, draws) for v in y.value], y.line, y.col)
    if isinstance(y.value, str) and y.value.strip() in draws:
        return as_yaml(draws[y.value.strip()], y.line, y.col)
    return y

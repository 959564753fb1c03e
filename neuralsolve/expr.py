"""The whitelist expression parser: Python's `ast`, an allow-list, SymPy constructors.

User text never reaches eval, sympify or parse_expr. Each expression is built
twice: evaluated (for arithmetic) and unevaluated (the author's term order,
for display).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

import sympy

from . import functions as fn
from .errors import ProblemError

MAX_LENGTH = 2_000
MAX_DEPTH = 40
MAX_EXPONENT = 1_000
MAX_BITS = 20_000  # a number literal built by powers may not exceed this

# fmt: off
FUNCTIONS = {
    "exp": sympy.exp,   "log": sympy.log,   "ln": sympy.log,     "sqrt": sympy.sqrt,
    "abs": sympy.Abs,   "sin": sympy.sin,   "cos": sympy.cos,    "tanh": sympy.tanh,
    "cosh": sympy.cosh, "sinh": sympy.sinh, "sigmoid": fn.sigmoid, "relu": fn.relu,
    "softplus": fn.softplus, "step": fn.step, "swish": fn.swish,
    "max": sympy.Max,   "min": sympy.Min,
}
ALIASES = {"Max": sympy.Max, "Min": sympy.Min}  # as SymPy writes them in JSON answers; not advertised
ARITY = {"max": (2, 8), "min": (2, 8), "Max": (2, 8), "Min": (2, 8)}
CONSTANTS = {"pi": sympy.pi}
# fmt: on


@dataclass(frozen=True)
class Where:
    """Where an expression's text starts in its file."""

    file: str = "<input>"
    line: int = 1
    col: int = 1


@dataclass(frozen=True)
class Parsed:
    """An expression: its value form, its display form, and the names it uses."""

    value: sympy.Expr
    display: sympy.Expr
    names: tuple[str, ...]
    text: str


def parse(text: str, where: Where = Where(), allowed_names=None, what: str = "expression") -> Parsed:
    """Parse `text`; `allowed_names`, if given, limits which free names may appear."""
    text = str(text)

    def fail(msg: str, offset: int = 0):
        raise ProblemError(msg, where.file, where.line, where.col + offset)

    if len(text) > MAX_LENGTH:
        fail(f"{what} is longer than {MAX_LENGTH} characters; split it into named equations")
    depth = 0
    for i, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if depth > MAX_DEPTH:
            fail(f"{what} nests parentheses more than {MAX_DEPTH} deep; name the inner parts", i)
    if not text.strip():
        fail(f"{what} is empty; write an expression such as x^2")
    lead = len(text) - len(text.lstrip())
    # `^` means power; Python would read it as xor, with the wrong precedence.
    source = text.strip().replace("^", "**")
    carets = [i for i, ch in enumerate(text.strip()) if ch == "^"]
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        off = _original_col((exc.offset or 1) - 1, carets) + lead
        fail(f"cannot read {what} {text.strip()!r}: {exc.msg}", off)
    except (RecursionError, MemoryError, ValueError):
        fail(f"cannot read {what} {text.strip()!r}: too complex")
    deep = _too_deep(tree)
    if deep is not None:
        fail(f"{what} nests operations more than {MAX_DEPTH} deep; name the inner parts",
             _original_col(getattr(deep, "col_offset", 0), carets) + lead)
    builder = _Builder(source, where, lead, allowed_names, what, carets, text.strip())
    value = builder.build(tree.body, True)
    display = builder.build(tree.body, False)
    return Parsed(value, display, tuple(builder.names), text.strip())


def _too_deep(tree):
    """The first node deeper than MAX_DEPTH (such as a chain of 1,000 minus signs), or None."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def _original_col(col: int, carets: list[int]) -> int:
    """A column of the `^`->`**` text, mapped back to the author's text."""
    for shift, pos in enumerate(carets):
        if col <= pos + shift:
            return col - shift
    return col - len(carets)


class _Builder:
    def __init__(self, text, where, lead, allowed, what, carets, original):
        self.text, self.where, self.lead, self.allowed, self.what = text, where, lead, allowed, what
        self.original = original  # as the author wrote it (with ^), for messages
        self.carets = carets
        self.names: list[str] = []

    def fail(self, node, msg):
        col = _original_col(getattr(node, "col_offset", 0), self.carets)
        raise ProblemError(msg, self.where.file, self.where.line, self.where.col + self.lead + col)

    def build(self, node, evaluate: bool):
        b = lambda n: self.build(n, evaluate)  # noqa: E731
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(node, f"{node.value!r} is not a number or a name")
            src = ast.get_source_segment(self.text, node) or repr(node.value)
            src = src.replace("_", "")
            try:
                return sympy.Integer(int(src, 0)) if src.lower().startswith("0") and src[1:2].isalpha() else sympy.Rational(src)
            except (ValueError, TypeError, SyntaxError):
                self.fail(node, f"{src!r} is not a finite number")
        if isinstance(node, ast.Name):
            name = node.id
            if name in CONSTANTS:
                return CONSTANTS[name]
            if name in FUNCTIONS:
                self.fail(node, f"{name} is a function; call it, as in {name}(x)")
            if self.allowed is not None and name not in self.allowed:
                allowed = ", ".join(sorted(self.allowed)) or "none"
                self.fail(node, f"unknown name {name!r} in {self.what}; the names allowed here are: {allowed}")
            if name not in self.names:
                self.names.append(name)
            return sympy.Symbol(name)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.USub):
                arg = b(node.operand)
                if evaluate or not arg.is_Number:
                    return sympy.Mul(sympy.S.NegativeOne, arg, evaluate=evaluate)
                return -arg
            if isinstance(node.op, ast.UAdd):
                return b(node.operand)
            self.fail(node, f"operator {type(node.op).__name__} is not allowed; use + - * / ^")
        if isinstance(node, ast.BinOp):
            left, right = b(node.left), b(node.right)
            op = node.op
            if isinstance(op, ast.Add):
                return _add(left, right, evaluate)
            if isinstance(op, ast.Sub):
                negated = -right if right.is_Number else sympy.Mul(sympy.S.NegativeOne, right, evaluate=evaluate)
                return _add(left, negated, evaluate)
            if isinstance(op, ast.Mult):
                return sympy.Mul(left, right, evaluate=evaluate)
            if isinstance(op, ast.Div):
                if evaluate and right == 0:
                    self.fail(node, f"division by zero in {self.what} {self.original!r}")
                if left.is_Number and right.is_Number:
                    return left / right  # a written fraction such as 1/2 displays as one
                return sympy.Mul(left, sympy.Pow(right, -1, evaluate=evaluate), evaluate=evaluate)
            if isinstance(op, ast.Pow):
                exponent = self.build(node.right, True)
                if exponent.is_number and (not exponent.is_finite or abs(exponent) > MAX_EXPONENT):
                    self.fail(node.right, f"exponent {exponent} is too large (at most {MAX_EXPONENT})")
                if left.is_Rational and exponent.is_Rational and \
                        max(abs(left.p), left.q).bit_length() * abs(exponent) > MAX_BITS:
                    self.fail(node, f"{self.original!r} is a number of more than {MAX_BITS * 3 // 10} digits; "
                                    "use smaller numbers")
                if evaluate and left == 0 and exponent.is_number and exponent.is_negative:
                    self.fail(node, f"0 raised to a negative power in {self.what} {self.original!r}")
                return sympy.Pow(left, right, evaluate=evaluate)
            self.fail(node, f"operator {type(op).__name__} is not allowed; use + - * / ^")
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name):
                self.fail(node, "only catalogue functions may be called, as in tanh(x)")
            name = node.func.id
            if name not in FUNCTIONS and name not in ALIASES:
                self.fail(node, f"unknown function {name!r}; {_suggest(name, FUNCTIONS)}")
            if node.keywords:
                self.fail(node, f"{name}() takes no keyword arguments")
            lo, hi = ARITY.get(name, (1, 1))
            if not lo <= len(node.args) <= hi:
                self.fail(node, f"{name}() takes {lo if lo == hi else f'{lo} to {hi}'} argument{'s' if hi > 1 else ''}")
            args = [b(a) for a in node.args]
            if evaluate and name in ("log", "ln") and args[0] == 0:
                self.fail(node, f"log(0) is undefined in {self.what} {self.original!r}")
            return (FUNCTIONS.get(name) or ALIASES[name])(*args, evaluate=evaluate)
        self.fail(node, f"{type(node).__name__.lower()} is not allowed in an expression; "
                        "use numbers, names, + - * / ^ and catalogue functions")


def _add(left, right, evaluate: bool):
    """left + right; unevaluated sums stay flat (a - b + c, not (a - b) + c)."""
    if not evaluate and left.is_Add:
        return sympy.Add(*left.args, right, evaluate=False)
    return sympy.Add(left, right, evaluate=evaluate)


def _suggest(name: str, choices) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(choices), n=1)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + ", ".join(sorted(choices))


def suggest(name: str, choices) -> str:
    """'did you mean ...?' or the list of choices."""
    return _suggest(name, choices)

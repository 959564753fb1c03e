"""The whitelist expression parser: Python's `ast`, an allow-list, SymPy constructors.

User text never reaches eval, sympify or parse_expr. Each expression is built
twice: evaluated (for arithmetic) and unevaluated (the author's term order,
for display).
"""

from __future__ import annotations

import ast
import io
import keyword
import tokenize
from dataclasses import dataclass

import sympy

from . import functions as fn
from .errors import ProblemError
from .yamlio import literal
from .notation import ascii_name

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
    # `^` means power (Python would read it as xor, with the wrong precedence); lambda is a name here.
    source, back = python_source(text.strip(), lambda msg, off: fail(msg, off + lead))
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        fail(f"cannot read {what} {text.strip()!r}: {exc.msg.replace(KEYWORD_MARK, '')}",
             back(_syntax_offset(source, exc)) + lead)
    except (RecursionError, MemoryError, ValueError):
        fail(f"cannot read {what} {text.strip()!r}: too complex")
    deep = _too_deep(tree)
    if deep is not None:
        fail(f"{what} nests operations more than {MAX_DEPTH} deep; name the inner parts",
             back(node_offset(source, deep)) + lead)
    builder = _Builder(source, where, lead, allowed_names, what, back, text.strip())
    value = builder.build(tree.body, True)
    display = builder.build(tree.body, False)
    return Parsed(value, display, tuple(builder.names), text.strip())


# ŋ: a Python keyword used as a name (lambda) reaches ast as ŋlambda; no author name can clash (names are ASCII)
KEYWORD_MARK = "\u014b"
_NOT_NAMES = ("True", "False", "None")


def python_source(text: str, fail) -> tuple[str, object]:
    """`text` as Python source for ast: ^ as **, keyword names such as lambda marked (ŋlambda) so that
    they parse as names; and `back`, mapping a character offset of the source to one of `text`.
    A name that is not ASCII is an error, `fail(message, offset)`, suggesting its ASCII spelling."""
    edits = {i: (1, "**") for i, ch in enumerate(text) if ch == "^"}
    for start, name in _names(text):
        if not name.isascii():
            fail(f"the name {name!r} is not ASCII; {_ascii_hint(name)} (Greek names such as alpha print as "
                 "Greek letters)", start)
        if keyword.iskeyword(name) and name not in _NOT_NAMES:
            edits[start] = (len(name), KEYWORD_MARK + name)
    pieces, cols, i = [], [], 0
    while i < len(text):
        size, replacement = edits.get(i, (1, text[i]))
        pieces.append(replacement)
        cols += [i] * len(replacement)
        i += size
    cols.append(len(text))
    return "".join(pieces), lambda offset: cols[min(max(offset, 0), len(cols) - 1)]


def _names(text: str):
    """(offset, name) of each name token in `text`, as far as Python's tokenizer reads it."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.NAME:
                yield starts[tok.start[0] - 1] + tok.start[1], tok.string
    except (tokenize.TokenError, SyntaxError):
        return  # ast.parse reports what is wrong, at its place


def _ascii_hint(name: str) -> str:
    """'write alpha' for α (λ_rec -> lambda_rec, xβ -> x_beta, x² -> x^2), or what names may be."""
    spelled = ascii_name(name)
    return f"write {spelled!r}" if spelled else "names are ASCII letters, digits and _"


def _syntax_offset(source: str, exc: SyntaxError) -> int:
    """A SyntaxError's place as a character offset of the whole source."""
    lines = source.splitlines(keepends=True) or [""]
    row = min(max((exc.lineno or 1) - 1, 0), len(lines) - 1)
    return sum(len(line) for line in lines[:row]) + (exc.offset or 1) - 1


def node_offset(source: str, node) -> int:
    """An ast node's place as a character offset of the whole source (ast counts UTF-8 bytes within a line)."""
    lines = source.splitlines(keepends=True) or [""]
    row = min(max(getattr(node, "lineno", 1) - 1, 0), len(lines) - 1)
    col = len(lines[row].encode("utf-8")[:getattr(node, "col_offset", 0)].decode("utf-8", "ignore"))
    return sum(len(line) for line in lines[:row]) + col


def name_of(node_id: str) -> str:
    """An ast Name's id as the author wrote it (ŋlambda -> lambda)."""
    return node_id[len(KEYWORD_MARK):] if node_id.startswith(KEYWORD_MARK) else node_id


def _too_deep(tree):
    """The first node deeper than MAX_DEPTH (such as a chain of 1,000 minus signs), or None."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


class _Builder:
    def __init__(self, text, where, lead, allowed, what, back, original):
        self.text, self.where, self.lead, self.allowed, self.what = text, where, lead, allowed, what
        self.original = original  # as the author wrote it (with ^), for messages
        self.back = back  # a column of the Python source -> the author's column
        self.names: list[str] = []

    def fail(self, node, msg):
        col = self.back(node_offset(self.text, node))
        raise ProblemError(msg, self.where.file, self.where.line, self.where.col + self.lead + col)

    def build(self, node, evaluate: bool):
        b = lambda n: self.build(n, evaluate)  # noqa: E731
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(node, f"{node.value!r} is not a number or a name")
            src = ast.get_source_segment(self.text, node) or repr(node.value)
            src = src.replace("_", "")
            try:
                return literal(src)
            except ValueError as exc:
                self.fail(node, str(exc))
        if isinstance(node, ast.Name):
            name = name_of(node.id)
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
                if left.is_Number and right.is_Number and (evaluate or not (left.is_Integer and right.is_Integer)):
                    return left / right
                # a written fraction such as 1/2 stays the author's fraction on display (never 0.5)
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
            name = name_of(node.func.id)
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


def replaced(e, mapping: dict):
    """e with sub-expressions replaced, rebuilt unevaluated (the author's form kept).

    Like xreplace under sympy.evaluate(False), but without that context manager, which clears
    SymPy's whole cache each time it is entered and left (a long graph spent most of its time there).
    """
    if e in mapping:
        return mapping[e]
    if not e.args:
        return e
    args = [replaced(a, mapping) for a in e.args]
    if all(a is b for a, b in zip(args, e.args)):
        return e
    if e.is_Add or e.is_Mul or e.is_Pow or isinstance(e, sympy.Function):
        return e.func(*args, evaluate=False)
    with sympy.evaluate(False):  # anything else (rare): the general way
        return e.func(*args)


def entries(v) -> list:
    """An answer value's numbers: a matrix's or a (nested) list's entries, or the value itself."""
    if isinstance(v, sympy.MatrixBase):
        return list(v)
    if isinstance(v, (list, tuple)):
        return [x for item in v for x in entries(item)]
    return [v]

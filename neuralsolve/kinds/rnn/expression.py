"""Reading one rnn expression: [t] and [t-1] indexing and calls of the problem's own functions, through the
project's whitelist parser.

Indexed names and named calls are replaced by placeholders of the same length, so
the parser's columns stay the author's; a call's argument is read on its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sympy

from ...catalog import Activation
from ...errors import ProblemError
from ...expr import ALIASES, FUNCTIONS, Where, parse
from .model import Named

_INDEXED = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\[([^\[\]]*)\]")
_CALL = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*\(")


@dataclass(frozen=True)
class Read:
    value: sympy.Expr
    display: sympy.Expr
    names: tuple[tuple[str, int], ...]  # plain names, with their columns
    reads: tuple[tuple[str, int, int], ...]  # (name, lag, column) of each indexed name
    top: tuple | None  # (function name, argument Read) when the whole expression is one named call


def fail(where: Where, col: int, msg: str):
    raise ProblemError(msg, where.file, where.line, where.col + col)


def _matching(text: str, open_: int) -> int | None:
    depth = 0
    for i in range(open_, len(text)):
        depth += text[i] == "("
        depth -= text[i] == ")"
        if depth == 0:
            return i
    return None


def _lag(index: str, name: str, where: Where, col: int) -> int:
    s = index.replace(" ", "")
    if s == "t":
        return 0
    if s == "t-1":
        return 1
    if re.fullmatch(r"t\+\d+", s):
        fail(where, col, f"{name}[{index.strip()}] looks ahead in time; an equation at step t may read only "
                          f"[t] and [t-1], as in {name}[t-1]")
    if re.fullmatch(r"t-\d+", s):
        fail(where, col, f"{name}[{index.strip()}] reaches back more than one step; only [t] and [t-1] are "
                          "supported")
    fail(where, col, f"{name}[{index.strip()}]: a time index is t or t-1")


def read_expression(text: str, where: Where, what: str, functions: dict[str, Activation]) -> Read:
    """An expression with [t]/[t-1] indexing and calls of the problem's functions, through the whitelist parser."""
    chars = list(text)
    calls: dict[str, tuple[str, Read]] = {}
    names: list[tuple[str, int]] = []
    reads: list[tuple[str, int, int]] = []
    taken = 0
    for m in _CALL.finditer(text):
        name = m.group(1)
        if m.start() < taken or m.start() > 0 and (text[m.start() - 1].isalnum() or text[m.start() - 1] == "_"):
            continue
        if name in functions:
            open_ = m.end() - 1
            close = _matching(text, open_)
            if close is None:
                fail(where, m.start(), f"the call {name}( is not closed; add a ')'")
            inner = text[open_ + 1:close]
            if _top_level_comma(inner):
                fail(where, m.start(), f"{name} takes one argument, as in {name}(w1*x[t] + b)")
            arg = read_expression(inner, Where(where.file, where.line, where.col + open_ + 1), what, functions)
            ph = f"_{len(calls)}"
            chars[m.start():close + 1] = list(ph.ljust(close + 1 - m.start()))
            calls[ph] = (name, arg)
            names.extend(arg.names)
            reads.extend(arg.reads)
            taken = close + 1
        elif name not in FUNCTIONS and name not in ALIASES:
            fail(where, m.start(), f"the function {name!r} is not given; name it under functions, as in "
                                    f"functions: {{{name}: tanh}}")
    rest = "".join(chars)
    for m in _INDEXED.finditer(rest):
        name = m.group(1)
        lag = _lag(m.group(2), name, where, m.start())
        ph = f"{name}__{lag}"
        chars[m.start():m.end()] = list(ph.ljust(m.end() - m.start()))
        reads.append((name, lag, m.start()))
    source = "".join(chars)
    try:
        p = parse(source, where, None, what)
    except ProblemError as exc:  # the message quotes the text read: the author's, not the placeholders
        raise ProblemError(exc.message.replace(repr(source.strip()), repr(text.strip())), exc.file, exc.line,
                           exc.col) from None
    index_names = {f"{n}__{lag}" for n, lag, _ in reads}
    for n in p.names:
        if n in calls or n in index_names:
            continue
        col = _column(text, n)
        if "__" in n or n.startswith("_"):
            fail(where, col, f"{n!r}: names in an rnn problem may not start with _ or contain __")
        names.append((n, col))
    value, display = p.value, p.display
    if calls:
        vals = {sympy.Symbol(ph): _apply(functions[f], arg.value) for ph, (f, arg) in calls.items()}
        with sympy.evaluate(False):
            shows = {sympy.Symbol(ph): Named(sympy.Symbol(f), arg.display) for ph, (f, arg) in calls.items()}
            display = display.xreplace(shows)
        value = value.xreplace(vals)
    top = None
    if p.value.is_Symbol and p.value.name in calls:
        top = calls[p.value.name]
    return Read(value, display, tuple(names), tuple(reads), top)


def _apply(act: Activation, arg: sympy.Expr) -> sympy.Expr:
    return act.apply(arg)


def _top_level_comma(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "," and depth == 0:
            return True
    return False


def _column(text: str, name: str) -> int:
    m = re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", text)
    return m.start() if m else 0

"""Typed access to located YAML values: every read that fails raises a located error."""

from __future__ import annotations

import sympy

from .errors import ProblemError
from .expr import Parsed, Where, parse, replaced, suggest
from .yamlio import Y


class Reader:
    """Typed access to located YAML values, raising located errors."""

    def __init__(self, file: str, draws: dict | None = None):
        self.file = file
        self.draws = {sympy.Symbol(k): v for k, v in (draws or {}).items() if not isinstance(v, list)}

    def fail(self, y: Y | None, msg: str, key: str | None = None):
        line, col = (y.line, y.col) if y is not None else (1, 1)
        if key is not None and y is not None and y.keys and key in y.keys:
            line, col = y.keys[key]
        raise ProblemError(msg, self.file, line, col)

    def name(self, y: Y, key: str, what: str) -> str:
        """A key of a mapping `y` that names a quantity: an ASCII identifier (α gets a hint: write alpha)."""
        if not key.isascii():
            from .notation import ascii_name

            plain = ascii_name(key)
            hint = f"; write {plain!r} (Greek names such as alpha print as Greek letters)" if plain else \
                " (letters, digits and _)"
            self.fail(y, f"the {what} {key!r} is not ASCII{hint}", key)
        if not key.isidentifier():
            self.fail(y, f"the {what} {key!r} is not a name (letters, digits and _, not starting with a digit)", key)
        return key

    def where(self, y: Y) -> Where:
        return Where(self.file, y.line, y.col + (1 if y.quoted else 0))

    def mapping(self, y: Y, what: str, allowed=None, required=()) -> dict[str, Y]:
        if not isinstance(y.value, dict):
            self.fail(y, f"{what} must be a mapping (key: value lines), not a {y.kind}")
        for key in y.value:
            if allowed is not None and key not in allowed:
                self.fail(y, f"unknown key {key!r} in {what}; {suggest(key, allowed)}", key)
        for key in required:
            if key not in y.value:
                self.fail(y, f"{what} needs a {key!r} key")
        return y.value

    def seq(self, y: Y, what: str) -> list[Y]:
        if not isinstance(y.value, list):
            self.fail(y, f"{what} must be a list such as [1, 2], not a {y.kind}")
        return y.value

    def text(self, y: Y, what: str) -> str:
        if isinstance(y.value, (dict, list)) or y.value is None or isinstance(y.value, bool):
            self.fail(y, f"{what} must be text, not a {y.kind}")
        return y.text if y.text else str(y.value)

    def expr(self, y: Y, what: str, allowed=None) -> Parsed:
        """A number or an expression string, exactly."""
        if isinstance(y.value, sympy.Rational):
            return Parsed(y.value, y.value, (), y.text)
        if isinstance(y.value, str):
            p = parse(y.value, self.where(y), None if allowed is None else set(allowed) | {s.name for s in self.draws},
                      what)
            drawn = {s: v for s, v in self.draws.items() if s.name in p.names}
            if drawn:  # a drawn number used inside an expression, such as [[1, c]] or "2*c"
                display = replaced(p.display, drawn)
                p = Parsed(p.value.xreplace(drawn), display, tuple(n for n in p.names if sympy.Symbol(n) not in drawn), p.text)
            return p
        self.fail(y, f"{what} must be a number or an expression, not a {y.kind}")

    def integer(self, y: Y, what: str, lo: int, hi: int) -> int:
        v = y.value
        if not isinstance(v, sympy.Rational) or not v.is_integer or not lo <= v <= hi:
            self.fail(y, f"{what} must be a whole number from {lo} to {hi}")
        return int(v)


def read_approximations(r: Reader, y: Y | None, what: str = "approximations"):
    """{log(0.1): -2.3, ...} as (expression as written, value) pairs, each located when it is wrong."""
    if y is None:
        return ()
    out = []
    for key, val in r.mapping(y, what).items():
        line, col = y.keys[key]
        k = parse(key, Where(r.file, line, col), None, "approximated expression")
        v = r.expr(val, f"the approximation of {key}")
        if not v.value.is_number:
            r.fail(val, f"the approximation of {key} must be a number")
        out.append((k.display, v.value))  # matched against calls as written: log(1/10), not -log(10)
    return tuple(out)

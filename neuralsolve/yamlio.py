"""Safe YAML reading that keeps where every value came from.

PyYAML's composer builds the node tree (no Python objects are constructed);
we turn nodes into `Y` values ourselves, so numbers stay exact decimals,
duplicate keys and unknown tags are errors, and alias bombs are bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import sympy
import yaml

from .errors import ProblemError

MAX_BYTES = 1_000_000
MAX_NODES = 100_000  # after expanding aliases
MAX_DEPTH = 64

_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null", "timestamp", "binary")}


@dataclass(frozen=True, eq=False)
class Y:
    """A YAML value with its position: dict[str, Y], list[Y] or a scalar."""

    value: Any
    line: int
    col: int
    quoted: bool = False
    text: str = ""
    keys: dict | None = None  # for a mapping: where each key stands

    @property
    def kind(self) -> str:
        if isinstance(self.value, dict):
            return "mapping"
        if isinstance(self.value, list):
            return "list"
        if isinstance(self.value, bool):
            return "boolean"
        if self.value is None:
            return "null"
        if isinstance(self.value, sympy.Rational):
            return "number"
        return "string"

    def get(self, key: str) -> "Y | None":
        return self.value.get(key) if isinstance(self.value, dict) else None


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0


MAX_EXPONENT_10 = 1_000  # 1e1000 is far beyond any exam number; 1e99999999999 would take forever to build
MAX_DIGITS = 4_000  # digits of a number literal (Python prints integers of up to 4,300 digits)


class OutOfRange(ValueError):
    """A number literal too large (or too fine) to be a number an exam uses."""


def exact(text: str) -> sympy.Rational:
    """A number literal as the decimal it spells (1e-3 is 1/1000), refusing runaway sizes at once."""
    t = text.replace("_", "").strip()
    low = t.lower()
    if low in (".inf", "+.inf", "-.inf", ".nan"):
        raise ValueError("infinite or NaN")
    if low.startswith(("0x", "-0x", "+0x", "0o", "-0o", "+0o", "0b")):
        if len(t) > MAX_DIGITS:
            raise OutOfRange(f"{len(t)} digits")
        return sympy.Integer(int(t, 0))
    mantissa, _, exponent = low.partition("e")
    if len(mantissa) > MAX_DIGITS:
        raise OutOfRange(f"{len(mantissa)} digits")
    if exponent and (len(exponent.lstrip("+-")) > 6 or abs(int(exponent)) > MAX_EXPONENT_10):
        raise OutOfRange(f"exponent {exponent}")
    return sympy.Rational(t)


_exact = exact


def literal(text: str) -> sympy.Rational:
    """A number literal in an expression, exactly; ValueError carrying the message to show the author."""
    try:
        return exact(text)
    except OutOfRange:
        raise ValueError(f"the number {text!r} is out of range: at most {MAX_DIGITS} digits and exponents "
                         f"from -{MAX_EXPONENT_10} to {MAX_EXPONENT_10}") from None
    except (ValueError, TypeError, SyntaxError):
        raise ValueError(f"{text!r} is not a finite number") from None


def load_yaml(text: str, file: str) -> list[Y]:
    """Every document of a YAML stream, as located values (cached: variants re-read one text many times)."""
    return list(_load_yaml(text, file))


@lru_cache(maxsize=32)
def _load_yaml(text: str, file: str) -> tuple[Y, ...]:
    if len(text.encode("utf-8", "replace")) > MAX_BYTES:
        raise ProblemError(f"file is larger than {MAX_BYTES} bytes; split it into smaller problems", file)
    try:
        nodes = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = (exc.problem or exc.context or "invalid YAML").strip()
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ProblemError(f"invalid YAML: {what}", file, line, col) from None
    except yaml.reader.ReaderError as exc:  # a control character: say where, on one line
        line, col = _position(text, exc.position)
        raise ProblemError(f"invalid YAML: the control character {exc.character:#06x} is not allowed in a "
                           "YAML file; remove it", file, line, col) from None
    except yaml.YAMLError as exc:
        raise ProblemError(f"invalid YAML: {' '.join(str(exc).split())}", file) from None
    except RecursionError:
        raise ProblemError(f"YAML nested too deeply (more than {MAX_DEPTH} levels)", file) from None
    budget = _Budget()
    return tuple(_convert(n, file, budget, 0) for n in nodes if n is not None)


def _position(text: str, index: int) -> tuple[int, int]:
    """Line and column (from 1) of a character position in the text."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _convert(node: yaml.Node, file: str, budget: _Budget, depth: int) -> Y:
    line, col = node.start_mark.line + 1, node.start_mark.column + 1
    budget.nodes += 1
    if budget.nodes > MAX_NODES:
        raise ProblemError(
            f"document expands to more than {MAX_NODES} values (aliases repeated too often); "
            "write the values out or use fewer aliases",
            file, line, col,
        )
    if depth > MAX_DEPTH:
        raise ProblemError(f"YAML nested too deeply (more than {MAX_DEPTH} levels)", file, line, col)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node, file, line, col)
    if isinstance(node, yaml.SequenceNode):
        if node.tag != _STD + "seq":
            raise ProblemError(f"tag {node.tag!r} is not allowed; remove it", file, line, col)
        return Y([_convert(n, file, budget, depth + 1) for n in node.value], line, col)
    if isinstance(node, yaml.MappingNode):
        if node.tag != _STD + "map":
            raise ProblemError(f"tag {node.tag!r} is not allowed; remove it", file, line, col)
        values: dict[str, Y] = {}
        keys: dict[str, tuple[int, int]] = {}
        for knode, vnode in node.value:
            key = _convert(knode, file, budget, depth + 1)
            if knode.tag == _STD + "merge":
                raise ProblemError("merge keys ('<<') are not supported; write the keys out", file, key.line, key.col)
            if isinstance(key.value, (dict, list)):
                raise ProblemError("a mapping key must be a plain name, not a list or mapping", file, key.line, key.col)
            name = key.text if key.text else str(key.value)
            if name in values:
                first = keys[name][0]
                raise ProblemError(
                    f"duplicate key {name!r} (first given at line {first}); give each key once",
                    file, key.line, key.col,
                )
            keys[name] = (key.line, key.col)
            values[name] = _convert(vnode, file, budget, depth + 1)
        return Y(values, line, col, keys=keys)
    raise ProblemError("unsupported YAML node", file, line, col)  # pragma: no cover


def _scalar(node: yaml.ScalarNode, file: str, line: int, col: int) -> Y:
    tag, text = node.tag, node.value
    quoted = node.style in ("'", '"')
    if tag not in _SCALAR_TAGS:
        raise ProblemError(f"tag {tag!r} is not allowed; remove it", file, line, col)
    if tag == _STD + "int" or tag == _STD + "float":
        try:
            return Y(_exact(text), line, col, quoted, text)
        except OutOfRange:
            raise ProblemError(f"the number {text!r} is out of range: at most {MAX_DIGITS} digits and exponents "
                               f"from -{MAX_EXPONENT_10} to {MAX_EXPONENT_10}", file, line, col) from None
        except (ValueError, TypeError, SyntaxError):
            raise ProblemError(f"{text!r} is not a finite number", file, line, col) from None
    if tag == _STD + "bool":
        return Y(text.lower() in ("true", "yes", "on"), line, col, quoted, text)
    if tag == _STD + "null":
        return Y(None, line, col, quoted, text)
    if tag == _STD + "binary":
        raise ProblemError("binary values are not allowed", file, line, col)
    return Y(text, line, col, quoted, text)

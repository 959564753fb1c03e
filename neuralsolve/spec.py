"""load: a YAML file becomes a validated Problem (its kind already lowered to a Graph).

All validation lives here and in the kinds' lowering, which it calls; every
error names the file, line and column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import sympy

from .errors import ProblemError
from .files import read_text
from .expr import Parsed, Where, parse, suggest
from .graph import Graph
from .yamlio import Y, load_yaml

ASK_WORDS = ("forward", "loss", "backward", "parameter_count")
ASK_MAPPINGS = ("gradients", "update", "forward", "stored_for_backward")
DEFAULT_PRECISION = 4
MAX_PRECISION = 50


@dataclass(frozen=True)
class Ask:
    """One thing a part asks for."""

    what: str  # forward, loss, backward, parameter_count, gradients, update
    targets: tuple[str, ...] | None = None  # gradients: names, or None for all
    learning_rate: sympy.Expr | None = None
    only: tuple[str, ...] | None = None  # update: weights and/or biases
    at: tuple[tuple[str, tuple[sympy.Expr, ...]], ...] | None = None  # forward at these inputs
    where: Where = Where()
    bytes_per_number: int | None = None  # stored_for_backward


@dataclass(frozen=True)
class Part:
    label: str | None
    marks: sympy.Rational | None
    question: str | None
    asks: tuple[Ask, ...]
    answer: str | None  # author's prose answer, printed verbatim
    precision: int


@dataclass(frozen=True)
class Problem:
    """A validated problem: title, lowered graph, parts and presentation settings."""

    file: str
    title: str
    graph: Graph
    parts: tuple[Part, ...]
    precision: int
    decimals: bool  # show terminating fractions as decimals (the problem was written in decimals)
    approximations: tuple[tuple[sympy.Expr, sympy.Expr], ...] = ()
    random: object = None  # the RandomSpec of a randomized problem
    draws: dict = field(default_factory=dict)  # the values drawn for this variant
    statement: Y | None = None  # the kind block as written (after draws), for the question sheet
    kind: str = ""


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
                with sympy.evaluate(False):
                    display = p.display.xreplace(drawn)
                p = Parsed(p.value.xreplace(drawn), display, tuple(n for n in p.names if sympy.Symbol(n) not in drawn), p.text)
            return p
        self.fail(y, f"{what} must be a number or an expression, not a {y.kind}")

    def integer(self, y: Y, what: str, lo: int, hi: int) -> int:
        v = y.value
        if not isinstance(v, sympy.Rational) or not v.is_integer or not lo <= v <= hi:
            self.fail(y, f"{what} must be a whole number from {lo} to {hi}")
        return int(v)


def load(path: str | Path) -> Problem:
    """Read and validate one problem file."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    return loads(text, file)


def loads(text: str, file: str = "<input>", draws: dict | None = None) -> Problem:
    """Validate one problem given as YAML text (with `draws`, one variant of a randomized problem)."""
    from .kinds import KINDS
    from .variants import read_random

    docs = load_yaml(text, file)
    r = Reader(file, draws)
    if not docs:
        raise ProblemError("the file is empty; a problem needs a title, a kind block and parts", file)
    if len(docs) > 1:
        r.fail(docs[1], "one problem per file: remove the second YAML document ('---')")
    top = docs[0]
    allowed = ("title", "notation", "parts", "precision", "approximations", "random") + tuple(KINDS)
    body = r.mapping(top, "the problem", allowed)
    kinds = [k for k in body if k in KINDS]
    if not kinds:
        r.fail(top, f"the problem needs a kind block: one of {', '.join(KINDS)}")
    if len(kinds) > 1:
        r.fail(top, f"one kind per problem, but found {kinds[0]!r} and {kinds[1]!r}", kinds[1])
    spec = read_random(r, body.get("random"))
    if spec is not None and draws is None:
        r.fail(body["random"], "this problem is randomized: solve it through neuralsolve.solve, which draws a variant")
    if draws:  # drawn names stand for values in the kind block only (a part labelled c stays c)
        body = {k: (_apply_draws(v, draws) if k in KINDS else v) for k, v in body.items()}
    title = r.text(body["title"], "title") if "title" in body else Path(file).stem
    notation = body["notation"] if "notation" in body else None
    precision = r.integer(body["precision"], "precision", 1, MAX_PRECISION) if "precision" in body else DEFAULT_PRECISION
    approximations = _approximations(r, body.get("approximations"))
    graph = KINDS[kinds[0]](r, body[kinds[0]], notation)
    parts = _parts(r, body.get("parts"), graph, precision)
    return Problem(file, title, graph, parts, precision, _uses_decimals(top), approximations, random=spec,
                   draws=dict(draws or {}), statement=body[kinds[0]], kind=kinds[0])


def random_spec(text: str, file: str = "<input>"):
    """The RandomSpec of a problem's text, or None when it is not randomized."""
    from .variants import read_random

    docs = load_yaml(text, file)
    if not docs or not isinstance(docs[0].value, dict):
        return None
    return read_random(Reader(file), docs[0].value.get("random"))


def _apply_draws(y: Y, draws: dict) -> Y:
    """The YAML tree with each drawn name, standing alone as a value, replaced by what was drawn."""
    from .variants import as_yaml

    if isinstance(y.value, dict):
        return Y({k: _apply_draws(v, draws) for k, v in y.value.items()}, y.line, y.col, keys=y.keys)
    if isinstance(y.value, list):
        return Y([_apply_draws(v, draws) for v in y.value], y.line, y.col)
    if isinstance(y.value, str) and y.value.strip() in draws:
        return as_yaml(draws[y.value.strip()], y.line, y.col)
    return y


def _approximations(r: Reader, y: Y | None):
    if y is None:
        return ()
    out = []
    for key, val in r.mapping(y, "approximations").items():
        line, col = y.keys[key]
        k = parse(key, Where(r.file, line, col), None, "approximated expression")
        v = r.expr(val, f"the approximation of {key}")
        if not v.value.is_number:
            r.fail(val, f"the approximation of {key} must be a number")
        out.append((k.display, v.value))  # matched against calls as written: log(1/10), not -log(10)
    return tuple(out)


_DECIMAL = re.compile(r"\d\.\d|\.\d")


def _uses_decimals(y: Y) -> bool:
    if isinstance(y.value, dict):
        return any(_uses_decimals(v) for v in y.value.values())
    if isinstance(y.value, list):
        return any(_uses_decimals(v) for v in y.value)
    if isinstance(y.value, sympy.Rational):
        return "." in y.text
    return False


def _parts(r: Reader, y: Y | None, graph: Graph, precision: int) -> tuple[Part, ...]:
    if y is None:
        return (Part(None, None, None, _default_asks(graph), None, precision),)
    parts = []
    for item in r.seq(y, "parts"):
        m = r.mapping(item, "a part", ("label", "marks", "question", "ask", "answer", "precision"))
        if "ask" not in m and "answer" not in m:
            r.fail(item, "a part needs an 'ask' (such as forward, or gradients: [w2_1_1]) or an 'answer'")
        label = r.text(m["label"], "label") if "label" in m else None
        marks = None
        if "marks" in m:
            marks = m["marks"].value
            if not isinstance(marks, sympy.Rational) or marks < 0:
                r.fail(m["marks"], "marks must be a number of marks such as 3")
        question = r.text(m["question"], "question") if "question" in m else None
        answer = r.text(m["answer"], "answer") if "answer" in m else None
        prec = r.integer(m["precision"], "precision", 1, MAX_PRECISION) if "precision" in m else precision
        asks = _asks(r, m["ask"], graph) if "ask" in m else ()
        parts.append(Part(label, marks, question, asks, answer, prec))
    return tuple(parts)


def _default_asks(graph: Graph) -> tuple[Ask, ...]:
    if graph.kind == "matrix":
        return ((Ask("forward"),) if graph.values else ()) + (Ask("gradients", None),)
    asks = []
    if graph.kind == "network":
        asks.append(Ask("parameter_count"))
    asks.append(Ask("forward"))
    if graph.has_loss:
        asks += [Ask("loss"), Ask("gradients", None)]
    return tuple(asks)


def _asks(r: Reader, y: Y, graph: Graph) -> tuple[Ask, ...]:
    items = y.value if isinstance(y.value, list) else [y]
    return tuple(_ask(r, item, graph) for item in items)


def _ask(r: Reader, y: Y, graph: Graph) -> Ask:
    ask = _read_ask(r, y, graph)
    if ask.what in ("loss", "gradients", "update") and not graph.has_loss:
        r.fail(y, f"{ask.what} needs a loss: give the network a 'target' (and a 'loss', default half_squared)")
    return ask


def _read_ask(r: Reader, y: Y, graph: Graph) -> Ask:
    where = r.where(y)
    if isinstance(y.value, str):
        word = y.value
        if word == "gradients":
            return Ask("gradients", None, where=where)
        if word not in ASK_WORDS:
            r.fail(y, f"unknown ask {word!r}; {suggest(word, ASK_WORDS + ASK_MAPPINGS)}")
        if word == "backward":
            return Ask("gradients", None, where=where)
        if word in ("loss", "parameter_count") and graph.kind == "matrix":
            r.fail(y, f"{word} is for network and graph problems; a matrix problem asks forward or gradients")
        if word == "parameter_count" and graph.kind not in ("network", "graph"):
            r.fail(y, "parameter_count is for network and graph problems")
        return Ask(word, where=where)
    if isinstance(y.value, dict):
        if len(y.value) != 1:
            r.fail(y, "an ask mapping has one key, such as gradients: [w2_1_1]")
        (key, arg), = y.value.items()
        if key == "gradients":
            return Ask("gradients", _targets(r, arg, graph), where=where)
        if key == "update":
            if graph.kind == "matrix":
                r.fail(y, "update is for network and graph problems")
            m = r.mapping(arg, "update", ("learning_rate", "only"), ("learning_rate",))
            lr = r.expr(m["learning_rate"], "learning_rate").value
            if not lr.is_number or lr <= 0:
                r.fail(m["learning_rate"], "learning_rate must be a positive number such as 0.5")
            only = None
            if "only" in m and graph.kind != "network":
                r.fail(m["only"], "update only: [weights] or [biases] is for network problems; a graph's parameters "
                                  "are listed in its parameters:")
            if "only" in m:
                only = tuple(r.text(v, "only") for v in r.seq(m["only"], "only"))
                for v, o in zip(r.seq(m["only"], "only"), only):
                    if o not in ("weights", "biases"):
                        r.fail(v, f"update only takes weights or biases, not {o!r}")
            return Ask("update", None, lr, only, where=where)
        if key == "stored_for_backward":
            if graph.kind != "matrix":
                r.fail(y, "stored_for_backward is for matrix problems")
            m = r.mapping(arg, "stored_for_backward", ("bytes_per_number",), ("bytes_per_number",))
            return Ask("stored_for_backward", where=where,
                       bytes_per_number=r.integer(m["bytes_per_number"], "bytes_per_number", 1, 64))
        if key == "forward":
            if graph.kind == "matrix":
                r.fail(y, "forward takes no arguments in a matrix problem")
            m = r.mapping(arg, "forward", ("at",), ("at",))
            at = []
            for name, vals in r.mapping(m["at"], "forward at").items():
                if not graph.has(name) or not graph.node(name).is_leaf:
                    r.fail(m["at"], f"{name!r} is not an input of this problem", name)
                seq = vals.value if isinstance(vals.value, list) else [vals]
                at.append((name, tuple(r.expr(v, f"value of {name}").value for v in seq)))
            lengths = {len(v) for _, v in at}
            if len(lengths) > 1:
                r.fail(m["at"], "forward at: give the same number of values for every input")
            return Ask("forward", at=tuple(at), where=where)
        r.fail(y, f"unknown ask {key!r}; {suggest(key, ASK_WORDS + ASK_MAPPINGS)}", key)
    r.fail(y, f"an ask must be a word such as forward or a mapping such as gradients: [...], not a {y.kind}")


def _targets(r: Reader, y: Y, graph: Graph) -> tuple[str, ...] | None:
    if isinstance(y.value, str) and y.value == "all":
        return None
    items = y.value if isinstance(y.value, list) else [y]
    out: list[str] = []
    for item in items:
        name = r.text(item, "a gradient's quantity")
        names = graph.groups.get(name, (name,))
        for n in names:
            if not graph.has(n):
                known = ([m.name for m in graph.nodes] if graph.kind != "matrix" else list(graph.shapes)) \
                    + list(graph.groups)
                r.fail(item, f"no quantity named {name!r}; {suggest(name, known)}")
            if n == graph.output:
                r.fail(item, f"{name!r} is the loss itself; ask for the gradient of another quantity")
            if n not in out:
                out.append(n)
    return tuple(out)

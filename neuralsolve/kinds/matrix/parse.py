"""Matrix expressions from text: Python's `ast` with an allow-list, built into the matrix algebra."""

from __future__ import annotations

import ast

from ...catalog import ACTIVATIONS
from ...errors import ProblemError
from ...expr import MAX_DEPTH, MAX_LENGTH, KEYWORD_MARK, Where, name_of, node_offset, python_source, suggest
from ...yamlio import literal
from . import ir

ELEMENTWISE = tuple(n for n in ACTIVATIONS if n != "identity")  # every catalogue function, applied entry-wise
CALLS = ("inv", "det", "trace", "tr", "norm", "sum", "softmax", "cross_entropy", "loss") + ELEMENTWISE


class Builder:
    """Builds one equation's expression; names resolve to declared shapes, earlier equations or scalars."""

    def __init__(self, shapes: dict[str, tuple], symmetric: set[str], where: Where, equation: str):
        self.shapes, self.symmetric, self.where, self.equation = shapes, symmetric, where, equation
        self.names: list[str] = []
        self.source, self.back = "", (lambda offset: offset)  # the source parsed; its columns -> the author's

    def fail(self, node, msg, offset: int | None = None):
        if offset is None:
            offset = self.back(node_offset(self.source, node)) if node is not None else 0
        raise ProblemError(msg, self.where.file, self.where.line, self.where.col + offset)

    def parse(self, text: str) -> ir.E:
        text = str(text).strip()
        if len(text) > MAX_LENGTH:
            self.fail(None, f"the equation for {self.equation} is longer than {MAX_LENGTH} characters")
        self.source, self.back = python_source(text, lambda msg, off: self.fail(None, msg, off))
        try:
            tree = ast.parse(self.source, mode="eval")
        except SyntaxError as exc:
            self.fail(None, f"cannot read the equation for {self.equation}: {exc.msg.replace(KEYWORD_MARK, '')}")
        depth = [(tree, 0)]
        while depth:
            node, d = depth.pop()
            if d > MAX_DEPTH:
                self.fail(node, f"the equation for {self.equation} nests more than {MAX_DEPTH} deep")
            depth.extend((c, d + 1) for c in ast.iter_child_nodes(node))
        return self.build(tree.body)

    def _shape_error(self, node, what, exc):
        self.fail(node, f"in the equation for {self.equation}, {exc}")

    def build(self, node) -> ir.E:
        b = self.build
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                self.fail(node, f"{node.value!r} is not a number")
            src = (ast.get_source_segment(self.source, node) if getattr(self, "source", None) else None) \
                or repr(node.value)
            try:  # the literal as written, exactly: 1e400 is 10^400 (a float would be inf), 1e99999 is refused
                return ir.num(literal(src))
            except ValueError as exc:
                self.fail(node, str(exc))
        if isinstance(node, ast.Name):
            name = name_of(node.id)
            if name == "I":
                return ir.E("I", (), (None, None), symmetric=True)
            if name in CALLS:
                self.fail(node, f"{name} is a function; call it, as in {name}(K)")
            if name not in self.names:
                self.names.append(name)
            shape = self.shapes.get(name, ir.ONE)
            return ir.var(name, shape, name in self.symmetric)
        if isinstance(node, ast.Attribute):
            if node.attr != "T":
                self.fail(node, f".{node.attr} is not allowed; only .T (transpose)")
            return ir.T(b(node.value))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            a = b(node.operand)
            return ir.neg(a) if isinstance(node.op, ast.USub) else a
        if isinstance(node, ast.BinOp):
            left, right = b(node.left), b(node.right)
            try:
                return self._binop(node, left, right)
            except ir.ShapeError as exc:
                self._shape_error(node, "", exc)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node)
        self.fail(node, f"{type(node).__name__.lower()} is not allowed in a matrix expression; use names, numbers, "
                        "+ - * / @ ^, .T and the functions " + ", ".join(CALLS))

    def _binop(self, node, left, right):
        op = node.op
        if isinstance(op, ast.MatMult):
            return ir.matmul(left, right)
        if isinstance(op, (ast.Add, ast.Sub)):
            left, right = _fit(left, right), _fit(right, left)
            return ir.add(left, right if isinstance(op, ast.Add) else ir.neg(right))
        if isinstance(op, ast.Mult):
            if left.scalar:
                return ir.scale(left, right)
            if right.scalar:
                return ir.scale(right, left)
            return ir.had(left, right)
        if isinstance(op, ast.Div):
            if not right.scalar:
                self.fail(node, f"in the equation for {self.equation}, / divides by a scalar only; use inv() for a matrix")
            if right.op == "num" and right.num == 0:
                self.fail(node, f"in the equation for {self.equation}, division by zero")
            return ir.scale(ir.power(right, -1), left)
        if isinstance(op, ast.Pow):
            if right.op != "num" or abs(right.num) > 64:
                self.fail(node, "^ takes a small number as exponent, as in norm(x)^2")
            return ir.power(left, right.num)
        self.fail(node, f"operator {type(op).__name__} is not allowed; use + - * / @ ^")

    def _call(self, node):
        name = name_of(node.func.id)
        if name not in CALLS:
            self.fail(node, f"unknown function {name!r}; {suggest(name, CALLS)}")
        args = [self.build(a) for a in node.args]
        want = 2 if name in ("cross_entropy", "loss") else 1
        if len(args) != want:
            self.fail(node, f"{name}() takes {want} argument{'s' if want > 1 else ''}")
        try:
            if name in ("inv", "det", "trace", "tr", "norm", "sum", "softmax"):
                return ir.unary({"tr": "trace"}.get(name, name), args[0])
            if name == "log" and args[0].op == "det":
                return ir.unary("logdet", args[0].args[0])
            if name in ELEMENTWISE:
                if name in ("log", "exp") and args[0].scalar:
                    return ir.E("fn", (args[0],), ir.ONE, name)
                return ir.fn(name, args[0])
            if name == "cross_entropy":
                if args[0].shape != args[1].shape:
                    raise ir.ShapeError(f"cross_entropy needs equal shapes, not {ir.shape_text(args[0].shape)} and "
                                        f"{ir.shape_text(args[1].shape)}")
                return ir.E("ce", tuple(args), ir.ONE)
            if args[0].op != "var":
                raise ir.ShapeError("loss(o, y) takes a named quantity o, defined by its own equation")
            return ir.E("loss", tuple(args), ir.ONE)
        except ir.ShapeError as exc:
            self._shape_error(node, name, exc)


def _fit(e: ir.E, other: ir.E) -> ir.E:
    """An identity of unknown size (I) takes the size of what it is added to."""
    if None not in e.shape or None in other.shape:
        return e
    if e.op == "I":
        return ir.identity(other.shape[0])
    if e.op == "scale":
        return ir.scale(e.args[0], _fit(e.args[1], other))
    if e.op == "add":
        return ir.add(*[_fit(t, other) for t in e.args])
    return e

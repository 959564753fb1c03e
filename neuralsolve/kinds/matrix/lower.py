"""Lowering the `matrix` kind: equations over matrices and vectors with declared shapes."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ...expr import suggest
from . import ir
from .parse import Builder

MAX_SIZE = 12  # numeric instances: the largest dimension


@dataclass(frozen=True)
class MatrixGraph:
    """Equations in order, declared shapes, the scalar output, and values for a numeric instance."""

    equations: dict[str, ir.E]
    shapes: dict[str, tuple]
    output: str
    parameters: tuple[str, ...]
    values: dict[str, sympy.Matrix] = field(default_factory=dict)
    dims: dict[str, int] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    groups: dict = field(default_factory=dict)
    has_loss: bool = True
    tex: dict = field(default_factory=dict)
    where: dict = field(default_factory=dict)  # equation name -> where its text stands

    def has(self, name: str) -> bool:
        return name in self.shapes


def _dim(r, y):
    v = y.value
    if isinstance(v, sympy.Rational):
        if not v.is_integer or v < 1:
            r.fail(y, "a dimension is a positive whole number or a name such as n")
        return int(v)
    if isinstance(v, str) and v.isidentifier():
        return sympy.Symbol(v, positive=True, integer=True)
    r.fail(y, "a dimension is a positive whole number or a name such as n")


def lower(r, y, notation_y) -> MatrixGraph:
    """Validate a `matrix:` block and build its equations."""
    m = r.mapping(y, "matrix", ("shapes", "equations", "output", "parameters", "values", "symmetric"),
                  ("shapes", "equations"))
    shapes: dict[str, tuple] = {}
    for name, sy in r.mapping(m["shapes"], "shapes").items():
        r.name(m["shapes"], name, "shape's name")
        dims = [_dim(r, d) for d in r.seq(sy, f"the shape of {name}")]
        if len(dims) > 2:
            r.fail(sy, f"the shape of {name} has {len(dims)} dimensions; give [rows, columns], [n] or []")
        shapes[name] = tuple(dims) if len(dims) == 2 else ((dims[0], 1) if dims else ir.ONE)
    inputs = tuple(shapes)
    symmetric = {r.text(s, "a symmetric matrix") for s in r.seq(m["symmetric"], "symmetric")} if "symmetric" in m else set()
    equations: dict[str, ir.E] = {}
    eq_y = r.mapping(m["equations"], "equations")
    for name, ey in eq_y.items():
        r.name(m["equations"], name, "equation name")
        if name in shapes:
            r.fail(m["equations"], f"{name!r} has a declared shape; an equation's shape comes from its expression", name)
        b = Builder(shapes, symmetric, r.where(ey), name)
        expr = b.parse(r.text(ey, f"the equation for {name}"))
        for n in b.names:
            if n in equations or n in shapes:
                continue
            if n in eq_y:
                r.fail(ey, f"the equation for {name} uses {n!r}, defined later; put the equations in order")
        if None in expr.shape:
            r.fail(ey, f"the size of I in the equation for {name} cannot be inferred; add it to a matrix")
        sym = name in symmetric or ir.is_symmetric(ir.simp(expr))
        equations[name] = expr
        shapes[name] = expr.shape
        symmetric.add(name) if sym else None
    from .calculus import CalculusError, fuse_softmax_cross_entropy

    try:
        fuse_softmax_cross_entropy(equations)
    except CalculusError as exc:
        r.fail(m["equations"], str(exc))
    output = list(equations)[-1] if "output" not in m else r.text(m["output"], "output")
    if output not in equations:
        r.fail(m["output"], f"output {output!r} is not defined by any equation; {suggest(output, list(equations))}")
    if shapes[output] != ir.ONE:
        r.fail(m.get("output", m["equations"]), f"the output {output} is {ir.shape_text(shapes[output])}; "
                                                "gradients need a scalar output (1 x 1)")
    params = tuple(r.text(p, "a parameter") for p in r.seq(m["parameters"], "parameters")) if "parameters" in m \
        else tuple(n for n in inputs if shapes[n] != ir.ONE)
    for p in params:
        if p not in shapes:
            r.fail(m["parameters"], f"parameter {p!r} has no declared shape; {suggest(p, list(shapes))}")
    values, dims = _values(r, m.get("values"), shapes, inputs)
    # equations refer to earlier equations by name: rebuild their variables with the symmetry found
    equations = {k: _mark(v, symmetric) for k, v in equations.items()}
    tex = {n: ir.bold_name(n, shapes.get(n, ir.ONE), {}) for n in shapes}
    where = {name: r.where(ey) for name, ey in eq_y.items()}
    return MatrixGraph(equations, shapes, output, params, values, dims, inputs, {}, True, tex, where)


def _mark(e: ir.E, symmetric: set[str]) -> ir.E:
    if e.op == "var":
        return ir.E("var", (), e.shape, e.name, symmetric=e.name in symmetric or e.shape == ir.ONE)
    if not e.args:
        return e
    return ir.E(e.op, tuple(_mark(a, symmetric) for a in e.args), e.shape, e.name, e.num, e.symmetric)


def _values(r, vy, shapes, inputs):
    """Numeric values: nested lists for matrices, lists for vectors, numbers for scalars; sizes bind the dims."""
    if vy is None or vy.value is None:
        return {}, {}
    values, dims = {}, {}
    for name, y in r.mapping(vy, "values").items():
        if name not in shapes:
            values[name] = sympy.Matrix([[r.expr(y, f"the value of {name}").value]])
            continue
        rows, cols = shapes[name]
        if isinstance(y.value, list) and y.value and isinstance(y.value[0].value, list):
            data = [[r.expr(c, f"an entry of {name}").value for c in r.seq(row, name)] for row in y.value]
        elif isinstance(y.value, list):
            data = [[r.expr(c, f"an entry of {name}").value] for c in y.value]
        else:
            data = [[r.expr(y, f"the value of {name}").value]]
        if len({len(row) for row in data}) != 1:
            r.fail(y, f"the rows of {name} have different lengths")
        got = (len(data), len(data[0]))
        if max(got) > MAX_SIZE:
            r.fail(y, f"{name} is larger than {MAX_SIZE} x {MAX_SIZE}; a worked answer needs a small instance")
        for want, have in zip((rows, cols), got):
            if isinstance(want, int):
                if want != have:
                    r.fail(y, f"{name} is declared {ir.shape_text(shapes[name])} but its value is "
                              f"{ir.shape_text(got)}")
            elif dims.setdefault(want, have) != have:
                r.fail(y, f"{name} makes {want} = {have}, but an earlier value made it {dims[want]}")
        values[name] = sympy.Matrix(data)
    return values, dims

"""Vector and matrix recurrences: h[t]: tanh(W @ x[t] + U @ h[t-1] + b) with W a matrix, h, x and b vectors.

Shapes come from the values (a matrix is a list of rows, a vector a list of numbers);
each equation is checked for shape and expanded into one scalar equation per unit
(h_1[t], h_2[t]; node h[1]_1) over one scalar parameter per entry (W_1_2), so the
scalar machinery (tracer, BPTT, verify) runs unchanged on the expanded network.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import sympy

from ...catalog import LOSSES
from ...errors import ProblemError
from ...notation import read_notation
from ...writer import pmatrix
from .model import (TARGET, Named, Recurrence, RNNGraph, StepLoss, Unit, indexed_tex, time_names, tsym, unit_base,
                    unrolled)

Shape = tuple  # () scalar, (n,) vector, (r, c) matrix


@dataclass(frozen=True)
class VectorEq:
    """One equation as written, over vectors: its display in template symbols and its units."""

    name: str
    display: sympy.Expr
    units: tuple[str, ...]  # the scalar sequences it expands into (h_1, h_2)
    args: tuple | None  # the pre-activation of each unit when the equation is one call, F(argument)
    function: str | None  # the call's LaTeX name (\tanh) when args is set


def has_lists(m: dict) -> bool:
    """Whether the block gives any vector or matrix (values, initial, inputs or targets)."""
    for key in ("values", "initial"):
        y = m.get(key)
        if y is not None and isinstance(y.value, dict) and any(isinstance(v.value, list) for v in y.value.values()):
            return True
    for key in ("inputs", "targets"):
        y = m.get(key)
        if y is not None and isinstance(y.value, dict):
            for sy in y.value.values():
                if isinstance(sy.value, list) and any(isinstance(i.value, list) for i in sy.value):
                    return True
    return False


def shape_text(s: Shape) -> str:
    return "a scalar" if not s else f"a {s[0]}-vector" if len(s) == 1 else f"a {s[0]}x{s[1]} matrix"


def _numbers(r, y, what: str) -> tuple[Shape, list]:
    """A number, a vector [a, b] or a matrix [[a, b], [c, d]] as (shape, flat values in row order)."""
    if not isinstance(y.value, list):
        return (), [r.expr(y, what).value]
    items = y.value
    if not items:
        r.fail(y, f"{what} is empty")
    if all(isinstance(i.value, list) for i in items):
        cols = len(items[0].value)
        out = []
        for row in items:
            if len(row.value) != cols or not cols:
                r.fail(row, f"{what}: every row of a matrix needs the same number of entries ({cols})")
            for e in row.value:
                if isinstance(e.value, list):
                    r.fail(e, f"{what}: a matrix entry is one number")
                out.append(r.expr(e, what).value)
        return (len(items), cols), out
    out = []
    for e in items:
        if isinstance(e.value, list):
            r.fail(e, f"{what}: give a vector as [a, b] or a matrix as [[a, b], [c, d]], not a mix")
        out.append(r.expr(e, what).value)
    return (len(items),), out


def _seq_numbers(r, sy, what: str) -> tuple[Shape, list]:
    """A sequence, one number or vector per step: (shape of a step, [values of the step])."""
    items = r.seq(sy, what)
    if not items:
        r.fail(sy, f"{what} is empty; give one value per time step")
    shape, out = None, []
    for item in items:
        s, vals = _numbers(r, item, what)
        if len(s) > 1:
            r.fail(item, f"{what}: one step's value is a number or a vector, not a matrix")
        if shape is not None and s != shape:
            r.fail(item, f"{what}: every step needs the same shape, {shape_text(shape)}, not {shape_text(s)}")
        shape = s
        out.append(vals)
    return shape, out


def term_text(e) -> str:
    """A term as the author would read it: h[t-1], not the template symbol h__1; * for any product."""
    return re.sub(r"(\w+?)__([01])", lambda m: f"{m.group(1)}[{'t' if m.group(2) == '0' else 't-1'}]", str(e))


def unit(name: str, i: int) -> str:
    return f"{name}_{i}"


def _many(s: Shape) -> bool:
    """Whether a shape holds more than one number: such a value is set bold, as the network problems set theirs."""
    return bool(s) and (s[0] > 1 or len(s) == 2 and s[1] > 1)


def bold(tex: str) -> str:
    """A vector's or matrix's name in bold: \\mathbf{h}, or \\boldsymbol{\\theta} for a Greek letter."""
    return rf"\boldsymbol{{{tex}}}" if tex.startswith("\\") else rf"\mathbf{{{tex}}}"


class _Expand:
    """Evaluates an equation's template over shapes: each quantity becomes the list of its scalar entries."""

    def __init__(self, shapes: dict, where, what: str):
        self.shapes, self.where, self.what = shapes, where, what

    def fail(self, msg):
        raise ProblemError(f"{self.what}: {msg}", self.where.file, self.where.line, self.where.col)

    def leaf(self, s: sympy.Symbol):
        name, _, lag = s.name.partition("__")
        shape = self.shapes.get(name, ())
        if lag:
            mk = lambda i: tsym(unit(name, i), int(lag))  # noqa: E731
        else:
            mk = lambda i: sympy.Symbol(unit(name, i))  # noqa: E731
        if not shape:
            return (), [s]
        if len(shape) == 1:
            return shape, [mk(i + 1) for i in range(shape[0])]
        return shape, [sympy.Symbol(f"{name}_{i + 1}_{j + 1}") for i in range(shape[0]) for j in range(shape[1])]

    def __call__(self, e) -> tuple[Shape, list]:
        if e.is_Symbol:
            return self.leaf(e)
        if e.is_Number or not e.args:
            return (), [e]
        parts = [self(a) for a in e.args]
        if e.is_Add:
            shape, first = next(((s, a) for (s, _), a in zip(parts, e.args) if s), ((), None))
            for (s, _), a in zip(parts, e.args):
                if s and s != shape:
                    self.fail(f"cannot add {term_text(first)}, {shape_text(shape)}, and {term_text(a)}, "
                              f"{shape_text(s)}")
            if len(shape) > 1:
                self.fail("the equation adds matrices; an equation's value is a number or a vector")
            n = shape[0] if shape else 1
            return shape, [sympy.Add(*[v[i] if s else v[0] for s, v in parts]) for i in range(n)]
        if e.is_Mul:
            scalar = sympy.Mul(*[v[0] for s, v in parts if not s])
            mats = [(s, v) for s, v in parts if len(s) == 2]
            vecs = [(s, v) for s, v in parts if len(s) == 1]
            if not mats and not vecs:
                return (), [scalar]
            if not mats and len(vecs) == 1:
                return vecs[0][0], [scalar * x for x in vecs[0][1]]
            if len(mats) == 1 and len(vecs) == 1:
                (r, c), m = mats[0]
                (n,), v = vecs[0]
                if c != n:
                    self.fail(f"{shape_text((r, c))} @ {shape_text((n,))}: the matrix needs {c} columns to match "
                              f"the vector's {n} entries")
                return (r,), [scalar * sympy.Add(*[m[i * c + j] * v[j] for j in range(c)]) for i in range(r)]
            self.fail(f"{term_text(e)}: a product may be a matrix @ a vector, or a number times a vector; not "
                      + " times ".join(shape_text(s) for s, _ in parts))
        if e.is_Pow:
            (s, v), (es, ev) = parts
            if es:
                self.fail("an exponent must be a number")
            if len(s) > 1:
                self.fail("a matrix cannot be raised to a power here")
            return s, [x ** ev[0] for x in v]
        # a function, applied to each entry
        vec = [(s, v) for s, v in parts if s]
        if not vec:
            return (), [e]
        if len(vec) > 1 or len(vec[0][0]) > 1:
            self.fail(f"{e.func.__name__} applies to one number or each entry of one vector")
        shape = vec[0][0]
        return shape, [e.func(*[v[i] if s else v[0] for s, v in parts]) for i in range(shape[0])]


def _function_tex(call) -> str:
    if isinstance(call, Named):
        return str(call.args[0])
    return {"tanh": r"\tanh", "sigmoid": r"\sigma"}.get(call.func.__name__, rf"\operatorname{{{call.func.__name__}}}")


def lower_vector(r, y, notation_y, m, functions, keyed, order_of) -> RNNGraph:
    """The block with vectors: shapes checked, every equation expanded into one scalar equation per unit."""
    nota = read_notation(r, notation_y)
    shapes: dict[str, Shape] = {}
    given: dict[str, sympy.Expr] = {}
    matrices: dict[str, tuple] = {}
    tex: dict[str, str] = {}
    params: list[str] = []
    for name, vy in (r.mapping(m["values"], "values") if m.get("values") is not None and m["values"].value
                     is not None else {}).items():
        if name in keyed:
            r.fail(m["values"], f"{name!r} is a sequence; give a state's start under initial", name)
        s, vals = _numbers(r, vy, f"the value of {name}")
        shapes[name] = s
        matrices[name] = (s, tuple(vals))
        base = nota.tex(name)
        tex[name] = bold(base) if _many(s) else base  # the whole matrix or vector, as the equations name it
        if not s:
            entries = [(name, base)]
        elif len(s) == 1:
            entries = [(unit(name, i + 1), indexed_tex(base, str(i + 1))) for i in range(s[0])]
        else:
            entries = [(f"{name}_{i + 1}_{j + 1}", indexed_tex(base, f"{i + 1}{j + 1}")) for i in range(s[0])
                       for j in range(s[1])]
        for (n, t), v in zip(entries, vals):
            given[n], tex[n] = v, t
        params.extend(n for n, _ in entries)
    inputs: dict[str, list] = {}
    if m.get("inputs") is None:
        r.fail(y, "a recurrence with vectors needs its input sequences: give inputs: {x: [[...], [...]]}")
    for name, sy in r.mapping(m["inputs"], "inputs").items():
        if name in keyed:
            r.fail(m["inputs"], f"{name!r} is defined by an equation; it cannot also be an input", name)
        s, vals = _seq_numbers(r, sy, f"inputs: {name}")
        shapes[name] = s
        inputs[name] = (sy, s, vals)
    steps = len(next(iter(inputs.values()))[2])
    for name, (sy, s, vals) in inputs.items():
        if len(vals) != steps:
            r.fail(sy, f"inputs: {name} has {len(vals)} values but {next(iter(inputs))} has {steps}; every input "
                       "sequence needs one value per time step")
    initial: dict[str, tuple] = {}
    if m.get("initial") is not None:
        for name, vy in r.mapping(m["initial"], "initial").items():
            if name not in keyed:
                r.fail(m["initial"], f"initial gives {name!r}, which no equation defines", name)
            s, vals = _numbers(r, vy, f"the initial value of {name}")
            if len(s) > 1:
                r.fail(vy, f"{name}[0] is a number or a vector, not a matrix")
            shapes[name] = s
            initial[name] = (s, vals)
    order = order_of(keyed)
    eqs: list[VectorEq] = []
    recs: list[Recurrence] = []
    units: dict[str, tuple[str, int]] = {}
    for name in order:
        ey, rd = keyed[name]
        where = r.where(ey)
        for n, lag, _ in rd.reads:
            if n not in keyed and n not in inputs:
                r.fail(ey, f"the equation for {name}[t] reads {n}[t], which is neither an equation nor an input")
            if lag and n not in initial:
                r.fail(ey, f"{n}[t-1] at t = 1 needs a starting value {n}[0]: give initial: {{{n}: [0, 0]}}")
        for n, _ in rd.names:
            if n not in shapes:
                r.fail(ey, f"the equation for {name}[t] uses {n!r}, which values does not give")
        what = f"the equation for {name}[t]"
        shape, vals = _Expand(shapes, where, what)(rd.value)
        if len(shape) > 1:
            r.fail(ey, f"{what} computes {shape_text(shape)}; an equation's value is a number or a vector")
        if name in shapes and shapes[name] != shape:
            r.fail(ey, f"{what} computes {shape_text(shape)}, but {name}[0] is {shape_text(shapes[name])}")
        shapes[name] = shape
        top = rd.top[1].value if rd.top is not None else (rd.value.args[0] if isinstance(rd.value, sympy.Function)
                                                          and len(rd.value.args) == 1 else None)
        args = tuple(_Expand(shapes, where, what)(top)[1]) if top is not None else None
        fname = nota.tex(rd.top[0]) if rd.top is not None else _function_tex(rd.value) if args is not None else None
        names = tuple(unit(name, i + 1) for i in range(shape[0])) if shape else (name,)
        eqs.append(VectorEq(name, rd.display, names, args, fname))
        for n, v in zip(names, vals):
            reads = tuple(dict.fromkeys((s.name.split("__")[0], int(s.name.split("__")[1])) for s in
                                        sorted(v.free_symbols, key=str) if "__" in s.name))
            recs.append(Recurrence(n, v, v, Unit(None, None, v), reads, where))
            if shape:
                units[n] = (name, names.index(n) + 1)
    for name, (_, s, _) in inputs.items():
        if s:
            for i in range(s[0]):
                units[unit(name, i + 1)] = (name, i + 1)
    targets = []
    if m.get("targets") is not None:
        for name, ty in r.mapping(m["targets"], "targets").items():
            if name not in keyed:
                r.fail(m["targets"], f"targets gives {name!r}, which no equation defines", name)
            s, vals = _seq_numbers(r, ty, f"targets: {name}")
            if s == () and shapes[name] == (1,):  # a number per step for a 1-vector output
                s = (1,)
            if s != shapes[name]:
                r.fail(ty, f"targets: {name} gives {shape_text(s)} per step, but {name}[t] is "
                           f"{shape_text(shapes[name])}")
            if len(vals) != steps:
                r.fail(ty, f"targets: {name} has {len(vals)} values, but the inputs have {steps} time steps")
            n_units = s[0] if s else 1
            names = [unit(name, i + 1) for i in range(n_units)] if s else [name]
            for i, n in enumerate(names):
                targets.append((n, tuple(v[i] for v in vals)))
    step_loss = None
    if targets:
        text = "half_squared" if m.get("loss") is None else r.text(m["loss"], "loss")
        if text not in LOSSES:
            r.fail(m["loss"], f"a recurrence with vectors takes a catalogue loss ({', '.join(LOSSES)}), not {text!r}")
        outs = [n for n, _ in targets]
        tn = [TARGET if len(outs) == 1 else f"{TARGET}_{o}" for o in outs]
        a, ys = [tsym(o, 0) for o in outs], [tsym(t, 0) for t in tn]
        with sympy.evaluate(False):
            display = LOSSES[text].build(a, ys)
        step_loss = StepLoss(text, LOSSES[text].build(a, ys), display)
        for o, t in zip(outs, tn):
            if o in units:
                units[t] = (f"{TARGET}_{units[o][0]}" if len(outs) > 1 else TARGET, units[o][1])
    elif m.get("loss") is not None:
        r.fail(m["loss"], "a loss needs targets: give targets: {y: [[...], ...]}, one per time step")
    loss_name = nota.loss
    bases = {}
    for n in list(keyed) + list(inputs):
        bases[n] = bold(nota.tex(n)) if _many(shapes[n]) else nota.tex(n)
    for u, (n, i) in units.items():
        if n in bases:  # component i of h at step t is h_{t,i}; the one number of a 1-vector y is y_t
            bases[u] = unit_base(nota.tex(n), i) if _many(shapes[n]) else nota.tex(n)
    tex.update({f: nota.tex(f) for f in functions})
    tex[loss_name] = nota.tex(loss_name)
    indexed, text_names = time_names(bases, targets)
    tex.update(indexed)
    single = {u for u, (n, _) in units.items() if n in shapes and not _many(shapes[n])}
    single |= {t for o, t in zip([n for n, _ in targets], [TARGET if len(targets) == 1 else f"{TARGET}_{o}"
                                                          for o, _ in targets]) if o in single}
    for u, (n, i) in units.items():  # in text too: h[t]_2 (the step, then the component), y[t]
        for lag, idx in ((0, "t"), (1, "t-1")):
            text_names[tsym(u, lag).name] = f"{n}[{idx}]" if u in single else f"{n}[{idx}]_{i}"
    seq_inputs = []
    for name, (_, s, vals) in inputs.items():
        if s:
            seq_inputs += [(unit(name, i + 1), tuple(v[i] for v in vals)) for i in range(s[0])]
        else:
            seq_inputs.append((name, tuple(v[0] for v in vals)))
    init = []
    for name, (s, vals) in initial.items():
        init += [(unit(name, i + 1), v) for i, v in enumerate(vals)] if s else [(name, vals[0])]
    model = RNNGraph(
        nodes=(), output=loss_name, values={}, parameters=tuple(params), tex=tex, has_loss=bool(targets),
        recurrences=tuple(recs), functions=tuple(functions.items()), inputs=tuple(seq_inputs), initial=tuple(init),
        targets=tuple(targets), given=tuple(given.items()), step_loss=step_loss, steps=steps, loss=loss_name,
        bases=bases, text=text_names, units=units, vector=tuple(eqs), shapes=shapes, matrices=matrices,
    )
    g = unrolled(model, dict(model.inputs), dict(model.given), model.targets, r.where(m["equations"]))
    names = dict(g.text)
    for u in single:  # the nodes of a 1-vector read as a scalar's: y[3], not y[3]_1
        base = units[u][0]
        names.update({g.at(u, t): f"{base}[{t}]" for t in range(steps + 1)})
    g = dataclasses.replace(g, text=names)
    groups = dict(g.groups)
    for name, (s, _) in matrices.items():
        if s:
            groups[name] = tuple(p for p in params if p.startswith(name + "_"))
    for eq in eqs:
        if len(eq.units) > 1 or eq.units[0] != eq.name:
            groups[eq.name] = tuple(g.at(u, t) for t in range(1, steps + 1) for u in eq.units)
    return dataclasses.replace(g, groups=groups)


# -- showing vectors -------------------------------------------------------------
def grouped(g: RNNGraph, seqs) -> list[tuple[str, list]]:
    """Unit sequences (x_1, x_2) back together as one vector sequence: (x, [[x_1[t], x_2[t]] for each t])."""
    out: dict[str, list] = {}
    for n, vals in seqs:
        base = g.units[n][0] if n in g.units else n
        out.setdefault(base, []).append(vals)
    return [(n, [list(step) for step in zip(*cols)]) for n, cols in out.items()]


def vector_tex(w, vals, exact=True) -> tuple[str, str]:
    """A column vector, as the network problems write one: a pmatrix, (a, b)ᵀ in text (a 1-vector is its number)."""
    tex = [w.number(v, exact=exact) for v in vals]
    text = [w.number(v, "text", exact=exact) for v in vals]
    if len(vals) == 1:
        return tex[0], text[0]
    return pmatrix([[c] for c in tex]), "(" + ", ".join(text) + ")ᵀ"


def matrix_tex(w, shape, vals) -> tuple[str, str]:
    """A matrix as a pmatrix, [a, b; c, d] in text (a row vector (a, b))."""
    if not shape:
        return w.number(vals[0]), w.number(vals[0], "text")
    if len(shape) == 1:
        return vector_tex(w, vals)
    r_, c = shape
    rows = [[vals[i * c + j] for j in range(c)] for i in range(r_)]
    if r_ == 1 and c == 1:
        return w.number(vals[0]), w.number(vals[0], "text")
    tex = pmatrix([[w.number(v) for v in row] for row in rows])
    cells = [", ".join(w.number(v, "text") for v in row) for row in rows]
    return tex, ("(" + cells[0] + ")" if r_ == 1 else "[" + "; ".join(cells) + "]")


def show(e, leaf) -> tuple[str, str]:
    """LaTeX and text of an equation as written over vectors, each name shown by leaf(symbol) -> (tex, text)."""
    def paren(x, pt):
        return (rf"\left({pt[0]}\right)", f"({pt[1]})") if x.is_Add else pt

    if e.is_Symbol:
        return leaf(e)
    if e.is_Number:
        return (sympy.latex(e), str(e))
    if e.is_Add:
        tex, text = "", ""
        for i, a in enumerate(e.args):
            neg = a.is_Mul and a.args[0] == -1
            body = show(sympy.Mul(*a.args[1:], evaluate=False), leaf) if neg else show(a, leaf)
            if i == 0:
                tex, text = ("-" + body[0], "-" + body[1]) if neg else body
            else:
                sign = " - " if neg else " + "
                tex, text = tex + sign + body[0], text + sign + body[1]
        return tex, text
    if e.is_Mul:
        parts = [paren(a, show(a, leaf)) for a in e.args]
        if e.args[0] == -1 and len(parts) > 1:
            return "-" + " ".join(p[0] for p in parts[1:]), "-" + " ".join(p[1] for p in parts[1:])
        return " ".join(p[0] for p in parts), " ".join(p[1] for p in parts)
    if e.is_Pow:
        b, x = paren(e.args[0], show(e.args[0], leaf)), show(e.args[1], leaf)
        return f"{{{b[0]}}}^{{{x[0]}}}", f"{b[1]}^{x[1]}"
    if isinstance(e, Named):
        a, f = show(e.args[1], leaf), leaf(e.args[0])
        return rf"{f[0]}\left({a[0]}\right)", f"{f[1]}({a[1]})"
    a = [show(x, leaf) for x in e.args]
    return (rf"{_function_tex(e)}\left({', '.join(x[0] for x in a)}\right)",
            f"{e.func.__name__}({', '.join(x[1] for x in a)})")


def _units_of(g: RNNGraph, base: str) -> list[str]:
    units = sorted((i, u) for u, (b, i) in g.units.items() if b == base)
    return [u for _, u in units] if units else [base]


def _exact(vals) -> bool:
    return all(v.is_Rational for v in vals)


def vector_equations(g: RNNGraph, w, tr) -> list:
    """Each vector equation at each step as a model answer writes it: rule, matrices and vectors, value."""
    from ...solution import Equation, Form

    params = {sympy.Symbol(p): tr.value(p) for p in g.parameters}
    out = []
    for t in range(1, g.steps + 1):
        env = dict(params)
        for base in g.bases:
            for u in _units_of(g, base):
                for lag in (0, 1):
                    node = g.at(u, t - lag)
                    if any(n.name == node for n in g.nodes):
                        env[tsym(u, lag)] = tr.value(node)

        def rule(s, t=t):
            name, _, lag = s.name.partition("__")
            if lag:
                return indexed_tex(g.bases[name], str(t - int(lag))), f"{name}[{t - int(lag)}]"
            return g.tex.get(name, name), name

        def numbers(s, t=t):
            name, _, lag = s.name.partition("__")
            if lag:
                vals = [env[tsym(u, int(lag))] for u in _units_of(g, name)]
                return vector_tex(w, vals, _exact(vals))
            if name in g.matrices:
                return matrix_tex(w, *g.matrices[name])
            return g.tex.get(name, name), name

        for eq in g.vector:
            forms = [Form("=", *show(eq.display, rule)), Form("=", *show(eq.display, numbers))]
            if eq.args is not None:
                pre = [sympy.nsimplify(a.xreplace(env)) if a.xreplace(env).is_Rational else a.xreplace(env)
                       for a in eq.args]
                tex, text = vector_tex(w, pre, _exact(pre))
                fname = eq.function
                forms.append(Form("=", rf"{fname}\left({tex}\right)", f"{fname.lstrip(chr(92))}({text})"))
            vals = [tr.value(g.at(u, t)) for u in eq.units]
            exact = _exact(vals)
            forms.append(Form("=" if exact else "approx", *vector_tex(w, vals, exact)))
            out.append(Equation(indexed_tex(g.bases[eq.name], str(t)), f"{eq.name}[{t}]", tuple(forms)))
    return out


def vector_given(g: RNNGraph, w):
    """The equations as written, each value as a matrix or vector, and the sequences one vector per cell."""
    from ...solution import Cell, Equation, Form, Table

    def leaf(s):
        return g.tex.get(s.name, s.name), g.text.get(s.name, s.name)

    rows = [(Equation(g.tex[tsym(eq.name, 0).name], f"{eq.name}[t]", (Form("=", *show(eq.display, leaf)),)),)
            for eq in g.vector]
    data = [Equation(g.tex[n], n, (Form("=", *matrix_tex(w, s, vals)),)) for n, (s, vals) in g.matrices.items()]
    data += [Equation(indexed_tex(g.bases[n], "0"), f"{n}[0]", (Form("=", *vector_tex(w, vals[0])),))
             for n, vals in grouped(g, [(u, (v,)) for u, v in g.initial])]
    table = None
    if g.steps:
        outs = grouped(g, [(o, v) for o, v in g.targets])
        seqs = [(f"{n}[t]", g.tex.get(tsym(n, 0).name, n), vals) for n, vals in grouped(g, g.inputs)]
        seqs += [(f"{TARGET}[t]" if len(outs) == 1 else f"{TARGET}_{n}[t]", indexed_tex(g.bases[n], "t", star=True),
                  vals) for n, vals in outs]
        header = (Cell("t", "t"),) + tuple(Cell(str(t), str(t)) for t in range(1, g.steps + 1))
        body = []
        for label, label_tex, vals in seqs:
            cells = []
            for v in vals:
                tex, text = vector_tex(w, v)
                cells.append(Cell(text, tex))
            body.append((Cell(label, label_tex),) + tuple(cells))
        table = Table(header, tuple(body), "The sequences (one vector per time step):", quantity="sequences")
    return rows, data, table


def vector_starts(g: RNNGraph, w, tr) -> list:
    """Each state's start as a vector: (h[0], h_0, (tex, text))."""
    out = []
    for n, vals in grouped(g, [(u, (tr.value(g.at(u, 0)),)) for u, _ in g.initial]):
        out.append((f"{n}[0]", indexed_tex(g.bases[n], "0"), vector_tex(w, vals[0], _exact(vals[0]))))
    return out

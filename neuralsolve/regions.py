"""The exact linear pieces of a piecewise-linear function of one or two inputs (ReLU equations and networks).

A function is built from +, rational constants times, rational constants, the inputs and relu (or
max(0, e)). Its relus are taken in the order they are defined (a relu of relus comes after them), and
each cell of the input space, convex and described by inequalities, is split where the next relu's
argument (linear inside the cell) is zero. Arithmetic is exact (Fraction inside, SymPy at the edges).

Cells are kept as polygons clipped to a box [-R, R]^2 (two inputs), or as exact intervals (one input).
The box is chosen so that every vertex of the arrangement lies strictly inside it: every line met while
splitting (a relu's zero line in some cell, whether or not it crosses the cell, and a classifier's
y = 0 line) is collected, and R is grown and the splitting redone until every pairwise intersection of
those lines, and each line's point nearest the origin, is inside. Then every cell of the true, unbounded
subdivision meets the box, and two cells share an edge exactly when their clipped polygons do, so the box
loses nothing; it only bounds the drawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from .functions import relu

MAX_RELUS = 12  # more is no exam question, and the cells grow quickly
MAX_CELLS = 400

Affine = tuple  # (c, a1[, a2]) of Fractions: c + a1*x1 + a2*x2


class NotPiecewiseLinear(ValueError):
    """The function is not one this module splits; `name` is the quantity (or input) that makes it so."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


@dataclass(frozen=True)
class Linear:
    """An affine part plus a combination of earlier relus: affine + sum(coefficient * relu_k)."""

    affine: Affine
    terms: tuple = ()  # ((relu index, Fraction), ...), sorted by index

    def plus(self, other: "Linear") -> "Linear":
        aff = tuple(a + b for a, b in zip(self.affine, other.affine))
        acc = dict(self.terms)
        for k, c in other.terms:
            acc[k] = acc.get(k, 0) + c
        return Linear(aff, tuple(sorted((k, c) for k, c in acc.items() if c != 0)))

    def times(self, f: Fraction) -> "Linear":
        if f == 0:
            return Linear(tuple(Fraction(0) for _ in self.affine))
        return Linear(tuple(a * f for a in self.affine), tuple((k, c * f) for k, c in self.terms))

    @property
    def is_constant(self) -> bool:
        return not self.terms and all(a == 0 for a in self.affine[1:])


@dataclass(frozen=True)
class PLFunction:
    """A piecewise-linear function: its inputs, its relus in order (each an argument), the output."""

    inputs: tuple[str, ...]
    relus: tuple[Linear, ...]
    relu_nodes: tuple[str, ...]  # the quantity each relu belongs to
    output: Linear


def build(nodes, values: dict, output: str, inputs: tuple[str, ...]) -> PLFunction:
    """The function `output` of `inputs`, from named definitions in order.

    nodes: ((name, SymPy expr), ...), each using inputs, given values and earlier names.
    values: name -> SymPy expression (numbers, or expressions of the inputs such as a network's a1_1 = x).
    Raises NotPiecewiseLinear naming the first quantity that is not piecewise linear.
    """
    n = len(inputs)
    zero = (Fraction(0),) * (n + 1)
    env: dict[str, Linear] = {}
    for i, name in enumerate(inputs):
        aff = list(zero)
        aff[i + 1] = Fraction(1)
        env[name] = Linear(tuple(aff))
    relus: list[Linear] = []
    owners: list[str] = []
    depth: list[int] = []
    index: dict[Linear, int] = {}

    def symbol(name):
        if name in env:
            return env[name]
        if name in values:
            env[name] = convert(values[name], name)
            return env[name]
        raise NotPiecewiseLinear(name, f"{name} has no value and is not an input")

    def convert(e, where) -> Linear:
        if e.is_Symbol:
            return symbol(e.name)
        if e.is_Number:
            if not e.is_Rational:
                raise NotPiecewiseLinear(where, f"{where} uses the number {e}, which is not rational")
            return Linear((Fraction(e),) + zero[1:])
        if e.is_Add:
            out = Linear(zero)
            for a in e.args:
                out = out.plus(convert(a, where))
            return out
        if e.is_Mul:
            factor, rest = Fraction(1), None
            for a in e.args:
                v = convert(a, where)
                if v.is_constant:
                    factor *= v.affine[0]
                elif rest is None:
                    rest = v
                else:
                    raise NotPiecewiseLinear(where, f"{where} multiplies two quantities that vary with the inputs")
            return (rest or Linear((Fraction(1),) + zero[1:])).times(factor)
        if e.is_Pow:
            base = convert(e.base, where)
            if base.is_constant and e.exp.is_Integer:
                if base.affine[0] == 0 and e.exp < 0:
                    raise NotPiecewiseLinear(where, f"{where} divides by zero")
                return Linear((base.affine[0] ** int(e.exp),) + zero[1:])
            raise NotPiecewiseLinear(where, f"{where} uses a power ({e}), which is not piecewise linear")
        arg = None
        if isinstance(e, relu):
            arg = e.args[0]
        elif isinstance(e, sympy.Max) and len(e.args) == 2 and sympy.S.Zero in e.args:
            arg = e.args[0] if e.args[1] == 0 else e.args[1]
        if arg is not None:
            inner = convert(arg, where)
            if inner.is_constant:  # relu of a number is a number
                return Linear((max(inner.affine[0], Fraction(0)),) + zero[1:])
            if inner not in index:
                if len(relus) >= MAX_RELUS:
                    raise NotPiecewiseLinear(where, f"more than {MAX_RELUS} relus; the regions of a larger "
                                                    "function are no worked answer")
                index[inner] = len(relus)
                relus.append(inner)
                owners.append(where)
                depth.append(1 + max((depth[k] for k, _ in inner.terms), default=0))
            k = index[inner]
            return Linear(zero, ((k, Fraction(1)),))
        what = type(e).__name__ if isinstance(e, sympy.Function) else str(e)
        raise NotPiecewiseLinear(where, f"{where} uses {what}, which is not piecewise linear")

    for name, expr in nodes:
        if name in inputs:
            continue
        env[name] = convert(expr, name)
    if output not in env:
        symbol(output)
    # first the relus of the inputs, then those of relus (the case analysis's order), each in order of definition
    order = sorted(range(len(relus)), key=lambda k: (depth[k], k))
    new = {old: i for i, old in enumerate(order)}

    def renumbered(lin: Linear) -> Linear:
        return Linear(lin.affine, tuple(sorted((new[k], c) for k, c in lin.terms)))

    return PLFunction(tuple(inputs), tuple(renumbered(relus[k]) for k in order), tuple(owners[k] for k in order),
                      renumbered(env[output]))


# -- geometry -------------------------------------------------------------------------------------------

def _at(aff: Affine, p) -> Fraction:
    return aff[0] + sum(a * x for a, x in zip(aff[1:], p))


def _clip(poly, aff: Affine, sign: int):
    """The part of a convex polygon where sign * aff >= 0 (Sutherland-Hodgman, exact)."""
    out = []
    m = len(poly)
    for i in range(m):
        p, q = poly[i], poly[(i + 1) % m]
        fp, fq = sign * _at(aff, p), sign * _at(aff, q)
        if fp >= 0:
            out.append(p)
        if (fp > 0 and fq < 0) or (fp < 0 and fq > 0):
            t = fp / (fp - fq)
            out.append(tuple(a + t * (b - a) for a, b in zip(p, q)))
    return _tidy(out)


def _tidy(poly):
    """Drop repeated and collinear vertices."""
    pts = []
    for p in poly:
        if not pts or pts[-1] != p:
            pts.append(p)
    if len(pts) > 1 and pts[0] == pts[-1]:
        pts.pop()
    changed = True
    while changed and len(pts) >= 3:
        changed = False
        for i in range(len(pts)):
            a, b, c = pts[i - 1], pts[i], pts[(i + 1) % len(pts)]
            if (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]) == 0:
                pts.pop(i)
                changed = True
                break
    return tuple(pts)


def area(poly) -> Fraction:
    """The signed area of a polygon (positive counter-clockwise)."""
    s = Fraction(0)
    for i in range(len(poly)):
        (x0, y0), (x1, y1) = poly[i], poly[(i + 1) % len(poly)]
        s += x0 * y1 - x1 * y0
    return s / 2


def _intersection(l1: Affine, l2: Affine):
    det = l1[1] * l2[2] - l1[2] * l2[1]
    if det == 0:
        return None
    return ((-l1[0] * l2[2] + l2[0] * l1[2]) / det, (-l1[1] * l2[0] + l2[1] * l1[0]) / det)


def _foot(l: Affine):
    s = l[1] * l[1] + l[2] * l[2]
    return (-l[0] * l[1] / s, -l[0] * l[2] / s)


def needed_box(lines) -> Fraction:
    """Half the side of a box around the origin that holds every vertex of these lines strictly inside."""
    r = Fraction(0)
    lines = list(dict.fromkeys(lines))
    for i, a in enumerate(lines):
        pts = [_foot(a)] + [_intersection(a, b) for b in lines[i + 1:]]
        for p in pts:
            if p is not None:
                r = max(r, abs(p[0]), abs(p[1]))
    return r


def _normal(aff: Affine) -> Affine:
    """One representative of a line's equation (scaled so its first nonzero slope is +-1 and positive)."""
    k = next(a for a in aff[1:] if a != 0)
    return tuple(a / abs(k) for a in aff) if k > 0 else tuple(-a / abs(k) for a in aff)


# -- cells ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Cell:
    """One convex cell: the relus' signs there (+1 on, -1 off), which of them were split on, the formula.

    `conditions` are the inequalities that cut the cell out, in order: (relu index, sign, the relu's
    argument in this cell as an affine function of the inputs). A relu whose sign the cell's earlier
    conditions already imply is in `signs` but not in `conditions`.
    """

    signs: tuple[int, ...]
    conditions: tuple
    formula: Affine
    shape: tuple  # a polygon in the box (two inputs) or an interval (lo, hi) with None for infinity (one input)
    relu_values: tuple = ()  # each relu's value in this cell (affine)


def _split(fn: PLFunction, box: Fraction | None, lines: list, limit: int) -> list[Cell]:
    n = len(fn.inputs)
    if n == 2:
        start = ((-box, -box), (box, -box), (box, box), (-box, box))
    else:
        start = (None, None)
    cells = [Cell((), (), (), start, ())]
    for k, arg in enumerate(fn.relus):
        out = []
        for c in cells:
            local = _local(arg, c.relu_values, n)
            if all(a == 0 for a in local[1:]):
                parts = [(1 if local[0] > 0 else -1, c.shape, False)]
            elif n == 2:
                lines.append(_normal(local))
                parts = []
                for s in (-1, 1):
                    poly = _clip(c.shape, local, s)
                    if len(poly) >= 3 and area(poly) != 0:
                        parts.append((s, poly, True))
                if len(parts) == 1:
                    parts = [(parts[0][0], c.shape, False)]
            else:
                parts = _split_interval(c.shape, local)
            for s, shape, split in parts:
                value = local if s > 0 else (Fraction(0),) * (n + 1)
                conds = c.conditions + (((k, s, local),) if split else ())
                out.append(Cell(c.signs + (s,), conds, (), shape, c.relu_values + (value,)))
        cells = out
        if len(cells) > limit:
            raise NotPiecewiseLinear(fn.relu_nodes[k], f"more than {limit} linear pieces; the regions of a "
                                                      "larger function are no worked answer")
    done = []
    for c in cells:
        formula = _local(fn.output, c.relu_values, n)
        done.append(Cell(c.signs, c.conditions, formula, c.shape, c.relu_values))
    return done


def _local(lin: Linear, relu_values, n) -> Affine:
    aff = list(lin.affine)
    for k, coef in lin.terms:
        for i in range(n + 1):
            aff[i] += coef * relu_values[k][i]
    return tuple(aff)


def _split_interval(iv, aff):
    lo, hi = iv
    t = -aff[0] / aff[1]
    if (lo is None or lo < t) and (hi is None or t < hi):
        neg = (lo, t) if aff[1] > 0 else (t, hi)
        pos = (t, hi) if aff[1] > 0 else (lo, t)
        return sorted([(-1, neg, True), (1, pos, True)], key=lambda p: _key(p[1]))
    return [(1 if _at(aff, (_inside(iv),)) > 0 else -1, iv, False)]


def _key(iv):
    return (iv[0] is not None, iv[0] if iv[0] is not None else 0)


def _inside(iv) -> Fraction:
    lo, hi = iv
    if lo is None and hi is None:
        return Fraction(0)
    if lo is None:
        return hi - 1
    if hi is None:
        return lo + 1
    return (lo + hi) / 2


def point_inside(cell: Cell) -> tuple[Fraction, ...]:
    """A point inside a cell: its vertices' mean (two inputs), or a point of its interval (one input)."""
    shape = cell.shape
    if len(shape) == 2 and not isinstance(shape[0], tuple) and not isinstance(shape[1], tuple):
        return (_inside(shape),)
    return (sum(p[0] for p in shape) / len(shape), sum(p[1] for p in shape) / len(shape))


def cells_of(fn: PLFunction, classes: bool = False, limit: int = MAX_CELLS):
    """The cells (and, for a classifier, the y = 0 lines) with a box that holds every vertex; (cells, box)."""
    if len(fn.inputs) == 1:
        return _split(fn, None, [], limit), None
    first = [_normal(_local(a, (), 2)) for a in fn.relus if not a.terms and any(x != 0 for x in a.affine[1:])]
    box = _grow(needed_box(first))
    while True:
        lines = list(first)
        cells = _split(fn, box, lines, limit)
        if classes:
            lines += [_normal(c.formula) for c in cells if any(a != 0 for a in c.formula[1:])]
        need = needed_box(lines)
        if need < box:
            return cells, box
        box = _grow(need)


def _grow(r: Fraction) -> Fraction:
    """A round number comfortably above r (2r + 1, up to a power of two)."""
    b = Fraction(1)
    while b <= 2 * r + 1:
        b *= 2
    return b


# -- pieces, classes, symmetry ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Piece:
    """A linear piece: its formula, where it holds (a SymPy condition, closed), its cells and their shapes."""

    formula: sympy.Expr
    condition: object  # a SymPy Boolean: an And of inequalities per cell, an Or of them for several cells
    cells: tuple[int, ...]
    shapes: tuple  # polygons within the view box (two inputs) or intervals (lo, hi) with None for infinity


@dataclass(frozen=True)
class ClassRegion:
    """Part of a cell where a classifier decides one class: 1 where y < 0, 2 where y > 0 (0: y = 0 there)."""

    label: int
    cell: int
    polygon: tuple  # within the view box


@dataclass(frozen=True)
class Regions:
    """The exact linear pieces of a function of one or two inputs, and what a plot of them needs."""

    inputs: tuple  # SymPy symbols
    cells: tuple[Cell, ...]
    pieces: tuple[Piece, ...]
    piecewise: object  # sympy.Piecewise
    box: Fraction | None  # half the side of the box every vertex lies inside (two inputs)
    view: tuple  # (x1 min, x1 max, x2 min, x2 max) or (x min, x max): a sensible window for a plot
    symmetric: bool = False  # y(x1, x2) = y(x2, x1) (two inputs)
    mirror: tuple = ()  # each cell's mirror image under x1 <-> x2, when it is a cell (else None)
    classes: tuple[ClassRegion, ...] = ()
    boundary: tuple = ()  # decision boundary segments ((x1, x2), (x1, x2)) within the view box
    breakpoints: tuple = ()  # one input: where the formula changes, and the function's values there
    values: tuple = ()


def to_sympy(aff: Affine, symbols) -> sympy.Expr:
    """c + a1*x1 + a2*x2 as a SymPy expression (exact)."""
    return sympy.Rational(aff[0]) + sum(sympy.Rational(a) * s for a, s in zip(aff[1:], symbols))


def condition(aff: Affine, sign: int, symbols):
    """The closed inequality argument >= 0 (sign +1) or <= 0 (sign -1), as SymPy writes it."""
    e = to_sympy(aff, symbols)
    return sympy.GreaterThan(e, 0) if sign > 0 else sympy.LessThan(e, 0)


def regions(fn: PLFunction, classes: bool = False, view=None, limit: int = MAX_CELLS) -> Regions:
    """Every linear piece of fn, merged where neighbours share a formula (and, with classes, its classes)."""
    symbols = tuple(sympy.Symbol(n) for n in fn.inputs)
    cells, box = cells_of(fn, classes, limit)
    if len(symbols) == 1:
        return _regions_1d(fn, cells, symbols)
    groups = _merge(cells)
    if view is None:
        inner = [abs(x) for c in cells for p in c.shape for x in p if abs(x) != box]
        v = max([Fraction(0)] + inner) * Fraction(3, 2)
        v = max(Fraction(2), Fraction(-((-v.numerator) // v.denominator)))
        view = (-v, v, -v, v)
    vbox = ((view[0], view[2]), (view[1], view[2]), (view[1], view[3]), (view[0], view[3]))
    pieces = []
    for group in groups:
        formula = to_sympy(cells[group[0]].formula, symbols)
        conds = [sympy.And(*[condition(a, s, symbols) for _, s, a in cells[c].conditions]) for c in group]
        shapes = tuple(p for p in (_within(cells[c].shape, vbox) for c in group) if p)
        pieces.append(Piece(formula, sympy.Or(*conds), tuple(group), shapes))
    pw = _piecewise([(p.formula, p.condition) for p in pieces])
    mirror = tuple(_mirror_cell(cells, i) for i in range(len(cells)))
    symmetric = _symmetric(cells)
    regions_, boundary = (), ()
    if classes:
        regions_, boundary = _classes(cells, vbox)
    return Regions(symbols, tuple(cells), tuple(pieces), pw, box, view, symmetric, mirror, regions_, boundary)


def _piecewise(rows):
    if len(rows) == 1:
        return sympy.Piecewise((rows[0][0], True))
    return sympy.Piecewise(*[(f, c) for f, c in rows[:-1]], (rows[-1][0], True))


def _regions_1d(fn, cells, symbols) -> Regions:
    x = symbols[0]
    runs: list[list[int]] = []
    for i, c in enumerate(cells):
        if runs and cells[runs[-1][-1]].formula == c.formula:
            runs[-1].append(i)
        else:
            runs.append([i])
    ivs = [(cells[r[0]].shape[0], cells[r[-1]].shape[1]) for r in runs]
    forms = [cells[r[0]].formula for r in runs]
    # a breakpoint goes to the piece that is not constant when the other is (0 if x < 3, x - 3 if 3 <= x <= 4,
    # 1 if x > 4, as a model answer writes it), else to the piece on its left
    closed_left = [False] * len(runs)
    closed_right = [False] * len(runs)
    for i in range(len(runs) - 1):
        left_const, right_const = forms[i][1] == 0, forms[i + 1][1] == 0
        if left_const and not right_const:
            closed_left[i + 1] = True
        else:
            closed_right[i] = True
    pieces, rows = [], []
    for i, (iv, f) in enumerate(zip(ivs, forms)):
        formula = to_sympy(f, symbols)
        lo, hi = iv
        parts = []
        if lo is not None:
            parts.append((x >= sympy.Rational(lo)) if closed_left[i] else (x > sympy.Rational(lo)))
        if hi is not None:
            parts.append((x <= sympy.Rational(hi)) if closed_right[i] else (x < sympy.Rational(hi)))
        cond = sympy.And(*parts) if parts else sympy.true
        pieces.append(Piece(formula, cond, tuple(runs[i]), (iv,)))
        # in a Piecewise the rows before have taken everything to the left: only the right end is a condition
        rows.append((formula, ((x <= sympy.Rational(hi)) if closed_right[i] else (x < sympy.Rational(hi))) if hi is not None else True))
    pw = _piecewise(rows)
    bps = tuple(iv[1] for iv in ivs[:-1])
    vals = tuple(_at(forms[i], (bps[i],)) for i in range(len(bps)))
    if bps:
        span = max(bps[-1] - bps[0], Fraction(2))
        view = (bps[0] - span / 2, bps[-1] + span / 2)
    else:
        view = (Fraction(-2), Fraction(2))
    return Regions(symbols, tuple(cells), tuple(pieces), pw, None, view, breakpoints=bps, values=vals)


def _merge(cells) -> list[list[int]]:
    """Cells with the same formula that share an edge, joined (transitively), in the order of their first cell."""
    parent = list(range(len(cells)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(cells)):
        for j in range(i + 1, len(cells)):
            if cells[i].formula == cells[j].formula and find(i) != find(j) \
                    and _shares_edge(cells[i].shape, cells[j].shape):
                parent[find(j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(cells)):
        groups.setdefault(find(i), []).append(i)
    return list(groups.values())


def _cross(o, a, b) -> Fraction:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def _edge_overlap(a, b, c, d):
    """The common part of segments ab and cd when they lie on one line and overlap in more than a point."""
    if _cross(a, b, c) != 0 or _cross(a, b, d) != 0:
        return None
    axis = 0 if a[0] != b[0] else 1
    lo1, hi1 = sorted((a, b), key=lambda p: p[axis])
    lo2, hi2 = sorted((c, d), key=lambda p: p[axis])
    lo = max(lo1, lo2, key=lambda p: p[axis])
    hi = min(hi1, hi2, key=lambda p: p[axis])
    return (lo, hi) if lo[axis] < hi[axis] else None


def _edges(poly):
    return [(poly[i], poly[(i + 1) % len(poly)]) for i in range(len(poly))]


def _shares_edge(p, q) -> bool:
    return any(_edge_overlap(a, b, c, d) for a, b in _edges(p) for c, d in _edges(q))


def _within(poly, vbox):
    """A polygon clipped to a rectangle (None when nothing of it is inside)."""
    for aff in _box_sides(vbox):
        poly = _clip(poly, aff, 1)
        if len(poly) < 3:
            return None
    return poly if area(poly) != 0 else None


def _box_sides(vbox):
    (x0, y0), _, (x1, y1), _ = vbox
    one, zero = Fraction(1), Fraction(0)
    return ((-x0, one, zero), (x1, -one, zero), (-y0, zero, one), (y1, zero, -one))


def _swap(poly):
    return tuple((p[1], p[0]) for p in poly)


def _mirror_cell(cells, i):
    target = set(_swap(cells[i].shape))
    for j, c in enumerate(cells):
        if set(c.shape) == target:
            return j
    return None


def _symmetric(cells) -> bool:
    """Whether y(x1, x2) = y(x2, x1): on every overlap of a cell with another's mirror image, the formulas agree."""
    for c in cells:
        swapped = (c.formula[0], c.formula[2], c.formula[1])
        image = _swap(c.shape)
        for d in cells:
            if d.formula == swapped:
                continue
            part = image
            for aff in _sides(d.shape):
                part = _clip(part, aff, 1)
                if len(part) < 3:
                    break
            if len(part) >= 3 and area(part) != 0:
                return False
    return True


def _sides(poly):
    """A convex polygon's edges as affine functions, >= 0 inside."""
    out = []
    orient = 1 if area(poly) > 0 else -1
    for a, b in _edges(poly):
        # inside is to the left of a -> b for a counter-clockwise polygon
        nx, ny = -(b[1] - a[1]) * orient, (b[0] - a[0]) * orient
        out.append((-(nx * a[0] + ny * a[1]), nx, ny))
    return out


def _classes(cells, vbox):
    regions_, zero_edges = [], {1: [], 2: []}
    for i, c in enumerate(cells):
        f = c.formula
        if all(a == 0 for a in f[1:]):
            parts = [(1 if f[0] < 0 else 2 if f[0] > 0 else 0, c.shape)]
        else:
            parts = []
            for label, s in ((1, -1), (2, 1)):
                poly = _clip(c.shape, f, s)
                if len(poly) >= 3 and area(poly) != 0:
                    parts.append((label, poly))
        for label, poly in parts:
            if label in zero_edges:
                zero_edges[label] += [(a, b) for a, b in _edges(poly) if _at(f, a) == 0 and _at(f, b) == 0]
            shown = _within(poly, vbox)
            if shown:
                regions_.append(ClassRegion(label, i, shown))
    segments = []
    for a, b in zero_edges[1]:
        for c, d in zero_edges[2]:
            seg = _edge_overlap(a, b, c, d)
            if seg is not None:
                clipped = _within_segment(seg, vbox)
                if clipped is not None:
                    segments.append(clipped)
    return tuple(regions_), tuple(segments)


def _within_segment(seg, vbox):
    p, q = seg
    t0, t1 = Fraction(0), Fraction(1)
    for aff in _box_sides(vbox):
        fp, fq = _at(aff, p), _at(aff, q)
        if fp < 0 and fq < 0:
            return None
        if fp < 0:
            t0 = max(t0, fp / (fp - fq))
        elif fq < 0:
            t1 = min(t1, fp / (fp - fq))
    if t0 >= t1:
        return None
    return tuple(tuple(a + t * (b - a) for a, b in zip(p, q)) for t in (t0, t1))

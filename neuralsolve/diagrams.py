"""Diagrams of a problem's own structure, laid out here (deterministic coordinates) as `picture.Picture`s.

- `network`: a layered network, units in columns, each connection labelled with its weight (its value when
  given, else its name), each unit with its activation inside and its bias under it, inputs and outputs named.
- `equations`: a graph of named equations, one node per quantity, an edge from each name an equation uses;
  a parameter that only ever multiplies one name is that edge's label, any other is a node of its own.
- `matrix`: a matrix computational graph, one node per operation (@, transpose, +, inverse, log det, trace)
  and per named quantity; a variable used twice (W in W^T W x) has one node and two edges.
- `unrolled`: a recurrent network unrolled over its T steps: h_0 to h_T, the inputs below, the outputs above,
  the shared weights annotated on every copy.

Each layout is layered: columns left to right, a column's nodes ordered to follow their neighbours
(barycentre sweeps), spaced so that no edge label overlaps a node, a note or another label; the gaps grow
until none does.
"""

from __future__ import annotations

import sympy

from .picture import Diagram, Picture, width, EDGE_PT

MAX_NODES = 120  # a diagram beyond these is no figure anybody reads (a page holds about this much), and
MAX_EDGES = 300  # placing its labels grows with how crowded it is: a located error says so instead


class TooLarge(ValueError):
    """A diagram with more nodes or connections than a page can show legibly."""


def num_tex(v) -> str:
    """A given number as a diagram labels it: integers and terminating decimals as written (0.25), else a
    fraction, as the working writes numbers (latex.number_text)."""
    from fractions import Fraction

    from .latex import number_text, tex

    if isinstance(v, (int, Fraction)):
        v = sympy.Rational(v.numerator, v.denominator) if isinstance(v, Fraction) else sympy.Integer(v)
    elif isinstance(v, float):
        v = sympy.nsimplify(v)
    if not isinstance(v, sympy.Basic) or not v.is_number:
        return sympy.latex(v)
    return number_text(v, 6, True, lambda p, q: (r"-\frac{%d}{%d}" % (-p, q)) if p < 0 else r"\frac{%d}{%d}" % (p, q),
                       exact=tex)  # log(2) as written, not 0.693147


# -- the layered layout -------------------------------------------------------

def layered(columns: list[list[tuple]], edges: list[tuple], notes: list[tuple] = (),
            gap_x: float = 2.6, gap_y: float = 1.5, order: bool = True) -> Picture:
    """Nodes in columns (each (id, tex, shape, style)), edges (source, target, label tex[, bend]),
    notes (node id, tex, side: above/below/left/right). Columns are ordered by barycentre sweeps (unless
    `order` is False) and spread until nothing overlaps."""
    n = sum(len(c) for c in columns)
    if n > MAX_NODES or len(edges) > MAX_EDGES:
        raise TooLarge(f"the diagram would have {n} nodes and {len(edges)} connections, more than a page shows "
                       f"legibly (at most {MAX_NODES} and {MAX_EDGES}); draw a smaller part of it")
    if order:
        columns = _sweep(columns, edges)
    best = None
    for attempt in range(4):
        pic = _place(columns, edges, notes, gap_x * (1 + 0.4 * attempt), gap_y * (1 + 0.2 * attempt))
        hits = len(pic.collisions())
        if best is None or hits < best[0]:
            best = (hits, pic)
        if hits == 0:
            break
    return best[1]


def _sweep(columns, edges):
    """Each column ordered by the mean position of its neighbours in the column before (then after)."""
    cols = [list(c) for c in columns]
    preds: dict[str, list[str]] = {}
    succs: dict[str, list[str]] = {}
    for e in edges:
        preds.setdefault(e[1], []).append(e[0])
        succs.setdefault(e[0], []).append(e[1])
    for _ in range(3):
        for neighbours, seq in ((preds, range(1, len(cols))), (succs, range(len(cols) - 2, -1, -1))):
            for c in seq:
                pos = {n[0]: i / max(1, len(col) - 1) for col in cols for i, n in enumerate(col)}
                here = {n[0]: i / max(1, len(cols[c]) - 1) for i, n in enumerate(cols[c])}

                def key(n, pos=pos, here=here):
                    ps = [pos[p] for p in neighbours.get(n[0], ()) if p in pos and p not in here]
                    return (sum(ps) / len(ps) if ps else here[n[0]], here[n[0]])

                cols[c].sort(key=key)
    return cols


def _place(columns, edges, notes, gap_x, gap_y) -> Picture:
    d = Diagram()
    tallest = max(len(c) for c in columns)
    x = 0.0
    for i, col in enumerate(columns):
        if i:
            # wide labels between two columns need room: the widest label, twice, plus the nodes; a column of
            # plain names (a network's outputs) only needs a short arrow
            between = [e for e in edges if e[0] in {n[0] for n in columns[i - 1]} and e[1] in {n[0] for n in col}]
            widest = max((width(e[2], EDGE_PT) for e in between if e[2]), default=0.0)
            plain_column = all(n[2] == "plain" for n in col)
            x += 1.3 if plain_column and not widest else max(gap_x, 2 * widest + 1.4)
        top = (tallest - 1) * gap_y / 2
        offset = (tallest - len(col)) * gap_y / 2
        for j, (id_, tex, shape, style) in enumerate(col):
            d.node(id_, x, top - offset - j * gap_y, tex, shape, style)
    where = {n.id: n for n in d.nodes}
    for id_, tex, side in notes:
        n = where[id_]
        if side == "above":
            d.text(n.x, n.y + n.h + 0.06 if n.shape != "circle" else n.y + n.r + 0.06, tex, "south")
        elif side == "below":
            d.text(n.x, n.y - (n.h if n.shape != "circle" else n.r) - 0.06, tex, "north")
        elif side == "below right":
            d.text(n.x + n.r * 0.8, n.y - n.r - 0.08, tex, "north west")
        elif side == "left":
            d.text(n.x - n.r - 0.08, n.y, tex, "east")
        else:
            d.text(n.x + n.r + 0.08, n.y, tex, "west")
    for e in edges:
        bend = e[3] if len(e) > 3 else 0.0
        if not bend:
            bend = _detour(where[e[0]], where[e[1]], d.nodes)
        d.edge(e[0], e[1], e[2], bend)
    return d.finish()


def _detour(a, b, nodes) -> float:
    """0 for an edge whose straight line clears every other node, else the bend (degrees) whose arc crosses the
    fewest nodes (the smallest bend among equals)."""
    from .picture import _bent_point, _crosses

    lo_x, hi_x = min(a.x, b.x) - 1.5, max(a.x, b.x) + 1.5  # only nodes between the ends can be in the way
    others = [n for n in nodes if n.id not in (a.id, b.id) and lo_x <= n.x <= hi_x]
    if not any(_crosses(n.box(), (a.x, a.y), (b.x, b.y)) for n in others):
        return 0.0
    best = None
    for bend in (20.0, -20.0, 30.0, -30.0, 40.0, -40.0, 55.0, -55.0, 70.0, -70.0):
        pts = [_bent_point(a, b, bend, t / 20) for t in range(21)]
        hits = sum(any(_crosses(n.box(), p, q) for p, q in zip(pts, pts[1:])) for n in others)
        if best is None or hits < best[0]:
            best = (hits, bend)
        if hits == 0:
            break
    return best[1]


# -- networks ---------------------------------------------------------------------

def function_tex(name: str) -> str:
    """A function's LaTeX name as the working writes it: the catalogue's (\\sigma, \\operatorname{relu}), SymPy's
    own (\\tanh, \\cosh, \\log), else \\operatorname{name}."""
    from .catalog import ACTIVATIONS

    if name in ("identity", "linear"):
        return r"\operatorname{id}"
    a = ACTIVATIONS.get(name)
    if a is not None and name != "square":  # the square's LaTeX is the network's own sigma
        return a.tex
    if name in ("tanh", "sinh", "cosh", "log", "exp", "sin", "cos", "det", "tr"):
        return "\\" + name
    return r"\operatorname{%s}" % name


def activation_tex(name: str, activation=None) -> str:
    if "x" in name and activation is not None:  # x^2: the square of what comes in
        return r"(\cdot)^{2}" if name == "x^2" else sympy.latex(activation.forward).replace("x", r"(\cdot)")
    return function_tex(name)


def network(model) -> Picture:
    """A layered network (the network kind's model): the first example's inputs when there are several."""
    layers = model.examples[0] if model.examples else model.layers
    tex, values = model.tex, model.values

    def name(n):
        return tex.get(n) or n

    def value_or_name(n):
        v = values.get(n)
        return name(n) if v is None else num_tex(v)

    first = layers[0]
    cols = [[(n, _input_tex(n, values, tex), "circle", "input") for n in first.inputs]]
    notes, edges = [], []
    for n in first.inputs:  # a given input value beside its node
        v = values.get(n)
        if v is not None and not isinstance(v, sympy.Symbol) and not v.free_symbols:
            notes.append((n, f"{num_tex(v)} =", "left"))
    for k, layer in enumerate(layers):
        act = activation_tex(layer.activation_name, layer.activation)
        col = []
        for j, a in enumerate(layer.a):
            col.append((a, act, "circle", "output" if k == len(layers) - 1 else "unit"))
            if layer.biases:
                b = layer.biases[j]
                notes.append((a, rf"{name(b)} = {num_tex(values[b])}" if values.get(b) is not None else name(b),
                              "below"))
            for i, src in enumerate(layer.inputs):
                edges.append((src, a, value_or_name(layer.weights[j][i])))
            if k < len(layers) - 1:
                notes.append((a, name(a), "above"))
        cols.append(col)
    outs = [(f"out:{a}", name(a), "plain", "unit") for a in layers[-1].a]
    cols.append(outs)
    edges += [(a, f"out:{a}", "") for a in layers[-1].a]
    return layered(cols, edges, notes, gap_y=1.9, order=False)  # room for a name above and a bias below


def _input_tex(n, values, tex) -> str:
    v = values.get(n)
    if isinstance(v, sympy.Symbol):
        return tex.get(v.name) or sympy.latex(v)
    return tex.get(n) or n


# -- graphs of named equations ----------------------------------------------------

def equations(graph, of: str | None = None) -> Picture:
    """A graph-kind problem: a node per input and per equation's quantity; weights on the edges they scale.
    With `of`, only the quantities that lead to it.

    An equation that is a weighted sum of activations of weighted sums (y = 1 - relu(x1) - relu(x2)
    + relu(x1 + x2)) is drawn as the network it describes: a unit per activation, its bias under it, each
    connection labelled with its number."""
    nodes = {n.name: n for n in graph.nodes}
    if of:
        keep = _ancestors({n.name: [s.name for s in n.expr.free_symbols if s.name in nodes]
                           for n in graph.nodes if not n.is_leaf}, of)
        graph = _restricted(graph, keep)
    computed = [n for n in graph.nodes if not n.is_leaf]
    uses: dict[str, list[str]] = {}  # quantity -> the names its equation reads, in a fixed order
    for n in computed:
        uses[n.name] = sorted((s.name for s in n.expr.free_symbols if s.name in nodes), key=_order(graph))
    weight_of = _edge_weights(graph, computed, uses)
    labelled = {p for (_, _), p in weight_of.items()}
    units: dict[str, tuple] = {}  # a hidden unit drawn for an activation inside an equation: (tex, bias, ins)
    edge_labels: dict[tuple[str, str], str] = {}
    biases: dict[str, str] = {}
    for n in computed:
        net = _as_network(n.expr, nodes)
        if net is None:
            continue
        terms, const = net
        reads = []
        for k, (coef, what) in enumerate(terms):
            if isinstance(what, str):
                reads.append(what)
                edge_labels[(what, n.name)] = num_tex(coef)
                continue
            fn_tex, ins, bias = what
            uid = f"{n.name}:unit{k + 1}"
            units[uid] = (fn_tex, bias, [name for _, name in ins])
            uses[uid] = [name for _, name in ins]
            for c, name in ins:
                edge_labels[(name, uid)] = num_tex(c)
            edge_labels[(uid, n.name)] = num_tex(coef)
            reads.append(uid)
        uses[n.name] = reads
        biases[n.name] = num_tex(const)
    shown = [n for n in graph.nodes if not (n.is_leaf and n.name in labelled)]
    rank: dict[str, int] = {}

    def rank_of(name):
        if name not in rank:
            rank[name] = 1 + max((rank_of(u) for u in uses.get(name, ())), default=-1) \
                if name in uses else 0
        return rank[name]

    for name in list(uses):
        rank_of(name)
    consumers_of: dict[str, list[int]] = {}
    for q, reads in uses.items():
        for u in reads:
            consumers_of.setdefault(u, []).append(rank[q])
    for n in graph.nodes:  # a leaf sits one column before its first consumer
        if n.is_leaf and n.name not in labelled:
            rank[n.name] = min(consumers_of.get(n.name, [1])) - 1
    cols: list[list[tuple]] = [[] for _ in range(max(rank.values(), default=0) + 1)]
    notes = []
    for n in shown:
        param = n.name in graph.parameters and n.role != "input"
        style = "param" if param else "input" if n.is_leaf else "loss" if n.name == graph.output else "unit"
        shape = "box" if style == "param" else "circle"
        cols[rank[n.name]].append((n.name, graph.tex.get(n.name) or _tex_name(n.name), shape, style))
        if not n.is_leaf:
            op = operation_tex(n.expr) if n.name not in biases and not any(u.startswith(n.name + ":") for u in units) \
                else ""
            if op:
                notes.append((n.name, op, "above"))
            if n.name in biases:
                notes.append((n.name, rf"b = {biases[n.name]}", "below"))
    for uid, (fn_tex, bias, _) in units.items():
        cols[rank[uid]].append((uid, fn_tex, "circle", "unit"))
        notes.append((uid, rf"b = {num_tex(bias)}", "below"))  # every unit's bias, 0 too, as the sheet asks
    edges = []
    for q, reads in uses.items():
        for u in reads:
            if u in labelled:
                continue
            if (u, q) in edge_labels:
                edges.append((u, q, edge_labels[(u, q)]))
                continue
            w = weight_of.get((u, q))
            edges.append((u, q, (graph.tex.get(w) or _tex_name(w)) if w else ""))
    return layered([c for c in cols if c], edges, notes)


def drawn_as_network(graph) -> bool:
    """Whether `equations` draws hidden units for some equation (a weighted sum of activations)."""
    nodes = {n.name: n for n in graph.nodes}
    return any(_as_network(n.expr, nodes) is not None for n in graph.nodes if not n.is_leaf)


_UNIT_FUNCTIONS = ("relu", "sigmoid", "tanh", "step", "softplus", "swish")  # activations drawn as a unit


def _as_network(expr, nodes) -> tuple | None:
    """expr as sum_k c_k * (a name, or f(affine in names)) + const with at least one activation of a weighted
    sum: ([(c_k, name or (f's LaTeX, [(c, name), ...], bias))], const); None when it is not of that form."""
    if len(expr.args) == 1 and isinstance(expr.args[0], sympy.Symbol):
        return None  # a3 = tanh(z3): the quantity itself is the unit
    terms, const, any_unit = [], sympy.S.Zero, False
    for t in sympy.Add.make_args(expr):
        coef, rest = t.as_coeff_Mul()
        if rest == 1:
            const += coef
            continue
        if isinstance(rest, sympy.Symbol) and rest.name in nodes:
            terms.append((coef, rest.name))
            continue
        name = type(rest).__name__
        if isinstance(rest, sympy.Max) and len(rest.args) == 2 and 0 in rest.args:
            inner, name = next(a for a in rest.args if a != 0), "relu"
        elif name in _UNIT_FUNCTIONS and len(rest.args) == 1:
            inner = rest.args[0]
        else:
            return None
        ins, bias = [], sympy.S.Zero
        for u in sympy.Add.make_args(inner):
            c, r = u.as_coeff_Mul()
            if r == 1:
                bias += c
            elif isinstance(r, sympy.Symbol) and r.name in nodes:
                ins.append((c, r.name))
            else:
                return None
        terms.append((coef, (function_tex(name), ins, bias)))
        any_unit = True
    return (terms, const) if any_unit else None


def _ancestors(reads: dict[str, list[str]], of: str) -> set[str]:
    keep, todo = set(), [of]
    while todo:
        n = todo.pop()
        if n not in keep:
            keep.add(n)
            todo.extend(reads.get(n, ()))
    return keep


def _restricted(graph, keep: set[str]):
    import dataclasses

    return dataclasses.replace(graph, nodes=tuple(n for n in graph.nodes if n.name in keep))


def _order(graph):
    index = {n.name: i for i, n in enumerate(graph.nodes)}
    return lambda name: index.get(name, 0)


def _tex_name(name: str) -> str:
    from .notation import name_tex

    return name_tex(name)


def _edge_weights(graph, computed, uses) -> dict[tuple[str, str], str]:
    """(name, quantity) -> the parameter that scales that name in that quantity's equation, for parameters
    used nowhere else (x1*w13 + x2*w23: w13 on the edge x1 -> z3)."""
    params = set(graph.parameters)
    found: dict[str, list[tuple[str, str]]] = {}
    elsewhere: set[str] = set()
    for n in computed:
        inner = n.expr
        terms = sympy.Add.make_args(inner)
        for t in terms:
            factors = [f for f in sympy.Mul.make_args(t) if not f.is_Number]
            syms = [f for f in factors if isinstance(f, sympy.Symbol)]
            ps = [f.name for f in syms if f.name in params]
            others = [f.name for f in syms if f.name not in params]
            if len(factors) == 2 and len(ps) == 1 and len(others) == 1:
                found.setdefault(ps[0], []).append((others[0], n.name))
            else:
                elsewhere |= {s.name for s in t.free_symbols if s.name in params}
    out = {}
    for p, places in found.items():
        if len(places) == 1 and p not in elsewhere:
            out[places[0]] = p
    return out


def operation_tex(expr) -> str:
    """The outer function(s) of an equation, for the note over its node (tanh, log cosh); '' for sums."""
    names = []
    e = expr
    while isinstance(e, sympy.Function) or isinstance(e, (sympy.exp, sympy.log)):
        if len(e.args) != 1:
            return ""
        names.append(function_tex(type(e).__name__))
        e = e.args[0]
        if len(names) == 3:
            break
    if any(isinstance(f, (sympy.Function, sympy.exp, sympy.log)) for f in sympy.preorder_traversal(e)):
        return ""  # log(1 + exp(v)) is not "log" of a sum of names: no note rather than a wrong one
    return r"\,".join(names)


# -- matrix computational graphs ------------------------------------------------

_OP_TEX = {"matmul": "@", "add": "+", "T": r"(\cdot)^{\top}", "inv": r"(\cdot)^{-1}", "det": r"\det",
           "logdet": r"\log\det", "trace": r"\operatorname{tr}", "norm": r"\|\cdot\|", "sum": r"\Sigma",
           "had": r"\odot", "softmax": r"\operatorname{softmax}", "ce": r"\operatorname{CE}",
           "loss": r"\operatorname{loss}", "scale": r"\times", "neg": "-"}


def matrix(model, of: str | None = None) -> Picture:
    """A matrix-kind problem's computational graph: variables, operation boxes and named quantities.

    A constant times something is one box (x 1/2, x alpha, x (-D/2)); a subtraction is a + whose edge from the
    subtracted term is labelled with a minus sign."""

    named = dict(model.equations)
    if of:
        reads = {k: _var_names(e) for k, e in named.items()}
        keep = _ancestors(reads, of)
        named = {k: e for k, e in named.items() if k in keep}
    output = of or model.output
    specs: dict[str, tuple] = {}
    rank: dict[str, int] = {}
    edges: list[tuple] = []
    counter = [0]

    def fresh(prefix):
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def leaf(e) -> str:
        if e.op == "var":
            if e.name not in specs:
                style = "param" if e.name in model.parameters else "input" if e.name not in named else "unit"
                specs[e.name] = (e.name, model.tex.get(e.name) or _tex_name(e.name),
                                 "box" if style == "param" else "circle", style)
            return e.name
        me = fresh("c")
        specs[me] = (me, r"\mathbf{I}" if e.op == "I" else num_tex(e.num), "box", "input")
        return me

    def visit(e) -> str:
        if e.op in ("var", "num", "I"):
            return leaf(e)
        label, args, signs = _OP_TEX.get(e.op) or (r"\operatorname{%s}" % (e.name or e.op)), list(e.args), None
        if e.op == "scale" and _constant(args[0], model):  # a coefficient: alpha, -D/2, 1/beta
            c = _scalar(args[0])
            coeff = _coefficient_tex(c, model)
            bare = c.is_Atom and not (c.is_Number and c < 0)  # x alpha, x 2; but x (-1/2)
            label, args = r"\times %s" % (coeff if bare else f"\\left({coeff}\\right)"), args[1:]
        elif e.op == "add":
            signs, plain = [], []
            for a in args:
                if a.op == "scale" and a.args[0].op == "num" and a.args[0].num == -1:
                    plain.append(a.args[1])
                    signs.append("-")
                else:
                    plain.append(a)
                    signs.append("")
            args = plain
        elif e.op == "matmul":
            factors = _matmul_factors(e)
            if len(factors) > 2 and factors[-1].shape[1] == 1:  # W^T W x: W^T (W x), a vector at each step
                inner = factors[-1]
                for f in reversed(factors[1:-1]):
                    inner = type(e)("matmul", (f, inner), (f.shape[0], inner.shape[1]))
                args = [factors[0], inner]
        elif e.op == "pow":
            label = r"(\cdot)^{%s}" % num_tex(e.num)
        elif e.op in ("fn", "dfn"):
            label = function_tex(e.name)
        ins = [visit(a) for a in args]
        me = fresh("op")
        specs[me] = (me, label, "box", "op")
        for i, a in enumerate(ins):
            edges.append((a, me, signs[i] if signs else ""))
        return me

    roots = {}
    for name, e in named.items():
        roots[name] = visit(e)
        specs[name] = (name, model.tex.get(name) or _tex_name(name), "circle",
                       "loss" if name == output else "unit")
        edges.append((roots[name], name, ""))
    preds: dict[str, list[str]] = {}
    for a, b, _ in edges:
        preds.setdefault(b, []).append(a)

    def depth(n) -> int:
        if n not in rank:
            rank[n] = 1 + max((depth(p) for p in preds.get(n, ())), default=-1)
        return rank[n]

    for n in specs:
        depth(n)
    for n in specs:  # a leaf sits one column before its first use
        if n not in preds:
            users = [rank[b] for a, b, _ in edges if a == n]
            rank[n] = min(users) - 1 if users else 0
    columns: list[list[tuple]] = [[] for _ in range(max(rank.values()) + 1)]
    for n, spec in specs.items():
        columns[rank[n]].append(spec)
    return layered([c for c in columns if c], edges, gap_x=1.6, gap_y=1.1)


def _matmul_factors(e) -> list:
    if e.op != "matmul":
        return [e]
    return [f for a in e.args for f in _matmul_factors(a)]


def _scalar(e) -> sympy.Expr:
    """A constant scalar of the matrix algebra as a SymPy expression (alpha, -D/2, 1/beta)."""
    if e.op == "num":
        return sympy.sympify(e.num)
    if e.op == "var":
        return sympy.Symbol(e.name)
    parts = [_scalar(a) for a in e.args]
    if e.op == "add":
        return sympy.Add(*parts)
    if e.op == "pow":
        return parts[0] ** e.num
    return sympy.Mul(*parts)


def _coefficient_tex(c, model) -> str:
    if c.is_Number:
        return sympy.latex(c)  # -1/2 as a fraction, as the equation writes it
    return sympy.latex(c, symbol_names={s: (model.tex.get(s.name) or _tex_name(s.name)) for s in c.free_symbols})


def _constant(e, model) -> bool:
    """A scalar made of numbers and scalar names that are neither parameters nor computed (alpha, D, 1/beta)."""
    if e.shape != (1, 1):
        return False
    return all(n not in model.parameters and n not in model.equations for n in _var_names(e)) \
        and all(x.op in ("num", "var", "scale", "pow", "add", "matmul") for x in _nodes(e))


def _nodes(e) -> list:
    out, todo = [], [e]
    while todo:
        x = todo.pop()
        out.append(x)
        todo.extend(x.args)
    return out


def _var_names(e) -> list[str]:
    out, todo = [], [e]
    while todo:
        x = todo.pop()
        if x.op == "var":
            out.append(x.name)
        todo.extend(x.args)
    return out


def cnn(model, shapes) -> Picture:
    """A convolutional network as a column: each volume (width x height x depth) a box, top to bottom, each
    layer an arrow named beside it."""
    from .picture import Diagram

    d = Diagram()
    step = 1.15
    for i, shape in enumerate(shapes):
        tex = r"\times".join(str(v) for v in shape) if isinstance(shape, tuple) else str(shape)
        d.node(f"v{i}", 0.0, -i * step, tex, "box", "input" if i == 0 else "unit")
        if i:
            layer = model.layers[i - 1]
            d.edge(f"v{i - 1}", f"v{i}")
            d.text(0.25, -(i - 0.5) * step, r"\text{%s}" % layer.name.replace("-", "{-}"), "west")
    return d.finish()


# -- unrolled recurrent networks ------------------------------------------------

def unrolled(model, steps: int | None = None) -> Picture:
    """An RNN's recurrences unrolled over its steps: a column per step, inputs below, states, outputs above."""
    from .kinds.rnn.model import indexed_tex, tsym

    T = steps or model.steps or 3
    if model.vector:
        return _unrolled_vectors(model, T)
    recs = model.recurrences
    states = set(model.states)
    inputs = [n for n, _ in model.inputs] or sorted({n for r in recs for n, lag in r.reads
                                                      if n not in {q.name for q in recs}})
    rows = [(n, "input") for n in inputs] + [(r.name, "state") for r in recs if r.name in states] \
        + [(r.name, "output") for r in recs if r.name not in states]
    gap_x, gap_y = 2.6, 2.0
    d_cols: list[list[tuple]] = [[] for _ in range(T + 1)]
    for name, role in reversed(rows):
        for t in range(1, T + 1):
            d_cols[t].append((f"{name}[{t}]", indexed_tex(model.bases[name], str(t)), "circle",
                              {"input": "input", "state": "unit", "output": "output"}[role]))
    for name in [r.name for r in recs if r.name in states]:
        d_cols[0].append((f"{name}[0]", indexed_tex(model.bases[name], "0"), "circle", "input"))
    edges, notes = [], []
    for t in range(1, T + 1):
        for rec in recs:
            arg = rec.unit.argument
            for src, lag in rec.reads:
                if t - lag < 0:
                    continue
                coeff = sympy.expand(arg).coeff(tsym(src, lag)) if arg is not None else 0
                lagged = {tsym(n, g) for n, _ in rec.reads for g in (0, 1)}
                label = "" if coeff in (0, 1) or coeff.free_symbols & lagged \
                    else sympy.latex(coeff)
                label = _names_tex(coeff, model) if label else ""
                edges.append((f"{src}[{t - lag}]", f"{rec.name}[{t}]", label))
            zeros = {tsym(n, g): 0 for n, _ in rec.reads for g in (0, 1)}
            bias = sympy.expand(arg).subs(zeros) if arg is not None else 0
            if rec.unit.function:  # the problem's own name for it (f), as the exam writes it
                note = _tex_name(rec.unit.function)
            else:
                fn = rec.unit.activation.name if rec.unit.activation else ""
                note = activation_tex(fn, rec.unit.activation) if fn else ""
            if bias != 0:
                note = (note + r",\ " if note else "") + "+" + _names_tex(bias, model)
            if note:
                notes.append((f"{rec.name}[{t}]", note, "below right" if rec.name in states else "above"))
    # a state's notes sit right of the node: leave room in the gaps
    return layered([c for c in d_cols if c], edges, notes, gap_x=gap_x, gap_y=gap_y, order=False)


def _unrolled_vectors(model, T: int) -> Picture:
    """A vector recurrence unrolled: one node per vector and step (h_t, x_t, y_t), each arrow labelled with the
    matrix that multiplies its source, each equation's function and bias vector beside its node."""
    from .kinds.rnn.model import indexed_tex

    eqs = {v.name: v for v in model.vector}
    reads: dict[str, list] = {}
    for v in model.vector:
        call = v.display.args[0] if v.function and len(v.display.args) == 1 else v.display
        terms = []
        bias = []
        for term in sympy.Add.make_args(call):
            seq = [f for f in sympy.Mul.make_args(term) if "__" in getattr(f, "name", "")]
            rest = [f for f in sympy.Mul.make_args(term) if f not in seq]
            if len(seq) == 1:
                name, lag = seq[0].name.rsplit("__", 1)
                terms.append((name, int(lag), sympy.Mul(*rest)))
            else:
                bias.append(term)
        reads[v.name] = (terms, bias, v.function)
    lagged = {n for terms, _, _ in reads.values() for n, lag, _ in terms if lag == 1}
    inputs = sorted({n for terms, _, _ in reads.values() for n, lag, _ in terms if n not in eqs})
    states = [n for n in eqs if n in lagged]
    outputs = [n for n in eqs if n not in lagged]
    cols: list[list[tuple]] = [[] for _ in range(T + 1)]
    for name, style in [(n, "output") for n in reversed(outputs)] + [(n, "unit") for n in reversed(states)] \
            + [(n, "input") for n in reversed(inputs)]:
        for t in range(1, T + 1):
            cols[t].append((f"{name}[{t}]", indexed_tex(model.bases[name], str(t)), "circle", style))
    for name in states:
        cols[0].append((f"{name}[0]", indexed_tex(model.bases[name], "0"), "circle", "input"))
    edges, notes = [], []
    for t in range(1, T + 1):
        for name, (terms, bias, function) in reads.items():
            for src, lag, coeff in terms:
                if t - lag >= 0:
                    edges.append((f"{src}[{t - lag}]", f"{name}[{t}]",
                                  "" if coeff == 1 else _names_tex(coeff, model)))
            note = function or ""
            if bias:
                note = (note + r",\ " if note else "") + "+" + _names_tex(sympy.Add(*bias), model)
            if note:
                notes.append((f"{name}[{t}]", note, "below right" if name in states else "above"))
    return layered([c for c in cols if c], edges, notes, gap_x=2.6, gap_y=2.0, order=False)


def _names_tex(e, model) -> str:
    """A coefficient (a parameter or an expression of parameters) in the problem's LaTeX names."""
    from .latex import tex

    names = {s.name: (model.tex.get(s.name) or _tex_name(s.name)) for s in e.free_symbols}
    return tex(e, names=names) if names else num_tex(e)

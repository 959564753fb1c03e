"""Lowering the `network` kind: a layered, fully connected network becomes scalar nodes, with its layers kept."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import sympy

from ...catalog import ACTIVATIONS, LAYER_ACTIVATIONS, LOSSES, Activation, custom_activation, x
from ...expr import parse, replaced, suggest
from ...graph import Graph, Node
from ...notation import read_notation
from ...yamlio import Y

MAX_UNITS = 512
MAX_LAYERS = 32
MAX_EXAMPLES = 64
MAX_PARAMETERS = 20_000  # a worked solution of more is unreadable, and slow to trace


@dataclass(frozen=True)
class Layer:
    """Layer l of a network, as vectors and a matrix."""

    number: int
    inputs: tuple[str, ...]
    z: tuple[str, ...]
    a: tuple[str, ...]
    weights: tuple[tuple[str, ...], ...]
    biases: tuple[str, ...] | None
    activation: Activation | None  # None for softmax
    activation_name: str


@dataclass(frozen=True)
class NetworkGraph(Graph):
    """The scalar graph of a network, with its layers, inputs and targets."""

    layers: tuple[Layer, ...] = ()
    inputs: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    softmax_cross_entropy: bool = False
    examples: tuple[tuple[Layer, ...], ...] = ()  # several training examples: each one's layers (names with @k)
    over_examples: str = ""  # sum or mean, with several examples


def lower(r, y, notation_y) -> NetworkGraph:
    """Validate a `network:` block and lower it.

    With `inputs`/`targets` (several training examples) the forward nodes are built once per
    example, named with the example after `@` (z2_1@1, a3_2@2, C@1), sharing the parameter
    leaves; the loss C is the sum (or mean) of the examples' losses, so the tracer sums each
    gradient over the examples.
    """
    nota = read_notation(r, notation_y)
    m = r.mapping(y, "network", ("input", "inputs", "layers", "target", "targets", "loss", "over_examples"), ("layers",))
    if "input" in m and "inputs" in m:
        r.fail(m["inputs"], "give either 'input' (one example) or 'inputs' (one list per example), not both")
    if "target" in m and "targets" in m:
        r.fail(m["targets"], "give either 'target' (one example) or 'targets' (one per example), not both")
    if "input" not in m and "inputs" not in m:
        r.fail(y, "network needs an 'input' key (or 'inputs', one list per example)")
    multi = "inputs" in m
    if not multi and "targets" in m:
        r.fail(m["targets"], "'targets' (one per example) goes with 'inputs'; with one 'input' give 'target'")
    if multi and "target" in m:
        r.fail(m["target"], "with 'inputs' (several examples) give 'targets', one per example")
    if not multi and "over_examples" in m:
        r.fail(m["over_examples"], "'over_examples' goes with 'inputs' (several examples)")
    over = "sum"
    if "over_examples" in m:
        over = r.text(m["over_examples"], "over_examples")
        if over not in ("sum", "mean"):
            r.fail(m["over_examples"], f"over_examples must be sum or mean, not {over!r}")
    L0, u0 = nota.first_layer, nota.first_unit
    nodes: list[Node] = []
    values: dict[str, sympy.Expr] = {}
    tex: dict[str, str] = {}
    groups: dict[str, tuple[str, ...]] = {}
    params: list[str] = []
    free: list[str] = []

    def leaf(name, role, value=None, t=None, where=None):
        nodes.append(Node(name, role=role, where=where or r.where(y)))
        if value is not None:
            values[name] = value
        tex[name] = t

    # the examples' inputs a^{L0}
    if multi:
        ex_y = r.seq(m["inputs"], "inputs")
        if not ex_y or len(ex_y) > MAX_EXAMPLES:
            r.fail(m["inputs"], f"inputs must list 1 to {MAX_EXAMPLES} examples, one list of input values each")
    else:
        ex_y = [m["input"]]
    examples_in = []
    for e, inp in enumerate(ex_y):
        items = inp.value if isinstance(inp.value, list) else [inp]
        if not items or len(items) > MAX_UNITS:
            r.fail(inp, f"input must list 1 to {MAX_UNITS} values")
        if e and len(items) != len(examples_in[0]):
            r.fail(inp, f"example {e + 1} has {len(items)} input value{'s' if len(items) != 1 else ''} but example 1 "
                        f"has {len(examples_in[0])}; give every example the same number")
        input_values = []
        for item in items:
            p = r.expr(item, "an input value")
            input_values.append((item, p))
            for n in p.names:
                if n not in free:
                    free.append(n)
        examples_in.append(input_values)
    K = len(examples_in)
    sfx = [f"@{e + 1}" for e in range(K)] if multi else [""]
    stex = [f"({e + 1})" for e in range(K)] if multi else [""]
    for n in free:
        leaf(n, "input", None, nota.tex(n))
    prevs: list[list[str]] = []
    for e, input_values in enumerate(examples_in):
        prev = []
        for j, (item, p) in enumerate(input_values):
            name = f"a{L0}_{j + u0}{sfx[e]}"
            leaf(name, "input", p.value, f"a^{{{L0}{stex[e]}}}_{{{j + u0}}}", r.where(item))
            prev.append(name)
        groups[f"a{L0}{sfx[e]}"] = tuple(prev)
        prevs.append(prev)
    if multi and "targets" in m:
        t_y = r.seq(m["targets"], "targets")
        if len(t_y) != K:
            r.fail(m["targets"], f"targets has {len(t_y)} example{'s' if len(t_y) != 1 else ''} but inputs has {K}; "
                                 "give one target per example")

    layers_y = r.seq(m["layers"], "layers")
    if not layers_y or len(layers_y) > MAX_LAYERS:
        r.fail(m["layers"], f"layers must list 1 to {MAX_LAYERS} layers")
    specs = []  # (num, weights, biases, activation name, activation) shared by the examples
    n_prev = len(prevs[0])
    for i, ly in enumerate(layers_y):
        num = L0 + 1 + i
        lm = r.mapping(ly, f"layer {num}", ("weights", "biases", "activation", "units"), ("weights",))
        weights, units = _weights(r, lm, num, n_prev, u0)
        if len(params) + units * (n_prev + 1) > MAX_PARAMETERS:
            r.fail(ly, f"the network has more than {MAX_PARAMETERS} parameters; a worked solution needs a smaller one")
        wnames = []
        for j in range(units):
            row = []
            for k in range(n_prev):
                name = f"w{num}_{j + u0}_{k + u0}"
                val = weights[j][k] if weights is not None else None
                leaf(name, "parameter", val, f"{nota.weight}^{{{num}}}_{{{j + u0}{k + u0}}}", r.where(lm["weights"]))
                row.append(name)
                params.append(name)
            wnames.append(tuple(row))
        groups[f"W{num}"] = tuple(n for row in wnames for n in row)
        bnames = None
        if "biases" in lm and lm["biases"].value is not None:
            bvals = _biases(r, lm["biases"], num, units)
            bnames = []
            for j in range(units):
                name = f"b{num}_{j + u0}"
                leaf(name, "parameter", bvals[j] if bvals is not None else None, f"b^{{{num}}}_{{{j + u0}}}",
                     r.where(lm["biases"]))
                bnames.append(name)
                params.append(name)
            bnames = tuple(bnames)
            groups[f"b{num}"] = bnames
        act_name, act = _activation(r, lm.get("activation"), num)
        specs.append((num, ly, wnames, bnames, act_name, act, units))
        n_prev = units
    computed: list[Node] = []
    examples: list[tuple[Layer, ...]] = []
    for e in range(K):
        prev = prevs[e]
        ex_layers: list[Layer] = []
        for num, ly, wnames, bnames, act_name, act, units in specs:
            zs, as_ = [], []
            for j in range(units):
                zname = f"z{num}_{j + u0}{sfx[e]}"
                terms = [sympy.Mul(sympy.Symbol(wnames[j][k]), sympy.Symbol(prev[k]), evaluate=False)
                         for k in range(len(prev))]
                if bnames:
                    terms.append(sympy.Symbol(bnames[j]))
                display = sympy.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]
                value = sympy.Add(*[sympy.Symbol(wnames[j][k]) * sympy.Symbol(prev[k]) for k in range(len(prev))]
                                  + ([sympy.Symbol(bnames[j])] if bnames else []))
                computed.append(Node(zname, value, display, "hidden", r.where(ly)))
                tex[zname] = f"z^{{{num}{stex[e]}}}_{{{j + u0}}}"
                zs.append(zname)
            for j in range(units):
                aname = f"a{num}_{j + u0}{sfx[e]}"
                z = sympy.Symbol(zs[j])
                if act is None:  # softmax
                    den = sympy.Add(*[sympy.exp(sympy.Symbol(zk)) for zk in zs])
                    value = sympy.exp(z) / den
                    display = sympy.Mul(sympy.exp(z, evaluate=False), sympy.Pow(sympy.Add(
                        *[sympy.exp(sympy.Symbol(zk), evaluate=False) for zk in zs], evaluate=False), -1,
                        evaluate=False), evaluate=False)
                else:
                    value, display = act.apply(z), act.apply(z, evaluate=False)
                computed.append(Node(aname, value, display, "hidden", r.where(ly)))
                tex[aname] = f"a^{{{num}{stex[e]}}}_{{{j + u0}}}"
                as_.append(aname)
            groups[f"z{num}{sfx[e]}"], groups[f"a{num}{sfx[e]}"] = tuple(zs), tuple(as_)
            ex_layers.append(Layer(num, tuple(prev), tuple(zs), tuple(as_), tuple(wnames), bnames, act, act_name))
            prev = as_
        examples.append(tuple(ex_layers))
    layers = examples[0]
    out_names = {a for ex in examples for a in ex[-1].a}
    computed = [Node(n.name, n.expr, n.display, "output" if n.name in out_names else n.role, n.where) for n in computed]
    out_layer = layers[-1]
    inputs = tuple(groups[f"a{L0}{sfx[0]}"])
    extra = dict(examples=tuple(examples) if multi else (), over_examples=over if multi else "")

    # target and loss
    loss_name = nota.loss
    loss_y = m.get("loss")
    target_key = "targets" if multi else "target"
    if target_key not in m:
        if loss_y is not None:
            r.fail(loss_y, f"a loss needs a '{target_key}' (y): give a number, or a list for several outputs"
                           + (", for each example" if multi else ""))
        return NetworkGraph(nodes=tuple(nodes) + tuple(computed), output=examples[-1][-1].a[-1], values=values,
                            parameters=tuple(params), tex=tex, layers=tuple(layers), inputs=inputs,
                            groups=groups, has_loss=False, **extra)
    loss_key = loss_y.value if loss_y is not None and isinstance(loss_y.value, str) else "half_squared"
    t_items = r.seq(m["targets"], "targets") if multi else [m["target"]]
    n_out = len(out_layer.a)
    losses: list[Node] = []
    all_tnames: list[str] = []
    softmax_ce = False
    for e in range(K):
        ty = t_items[e]
        target_vals = _targets(r, ty, n_out, loss_key, u0, f" of example {e + 1}" if multi else "")
        tnames = [f"y{sfx[e]}"] if n_out == 1 else [f"y{j + u0}{sfx[e]}" for j in range(n_out)]
        for j, (tn, tv) in enumerate(zip(tnames, target_vals)):
            t = (f"y^{{{stex[e]}}}" if multi else "y") if n_out == 1 else \
                (f"y^{{{stex[e]}}}_{{{j + u0}}}" if multi else f"y_{{{j + u0}}}")
            leaf(tn, "target", tv, t, r.where(ty))
        groups.setdefault(f"y{sfx[e]}", tuple(tnames))
        all_tnames.extend(tnames)
        a_syms = [sympy.Symbol(a) for a in examples[e][-1].a]
        y_syms = [sympy.Symbol(t) for t in tnames]
        if loss_y is None or loss_key in LOSSES:
            entry = LOSSES[loss_key]
            if loss_key == "cross_entropy":
                if out_layer.activation_name != "softmax" and len(a_syms) > 1:
                    r.fail(loss_y, "cross_entropy needs a softmax output layer (activation: softmax)")
                softmax_ce = out_layer.activation_name == "softmax"
                ys = [target_vals[j] for j in range(len(a_syms))]
                value = entry.build(a_syms, ys)
                display = _loss_display(loss_key, tuple(a_syms), tuple(ys))
            else:
                value = entry.build(a_syms, y_syms)
                display = _loss_display(loss_key, tuple(a_syms), tuple(y_syms))
        else:
            if not isinstance(loss_y.value, str):
                r.fail(loss_y, "loss must be a catalogue name or an expression in a and y")
            if len(a_syms) == 1:
                allowed = {"a": a_syms[0], "y": y_syms[0]}
            else:
                allowed = {f"a{j + u0}": a_syms[j] for j in range(len(a_syms))}
                allowed.update({f"y{j + u0}": y_syms[j] for j in range(len(y_syms))})
            if not any(ch in loss_y.value for ch in "()+-*/^ ") and loss_y.value.isidentifier():
                r.fail(loss_y, f"unknown loss {loss_y.value!r}; {suggest(loss_y.value, LOSSES)}")
            p = parse(loss_y.value, r.where(loss_y), set(allowed), "the loss")
            by_symbol = {sympy.Symbol(k): v for k, v in allowed.items()}
            value = p.value.xreplace(by_symbol)
            display = replaced(p.display, by_symbol)
        name = f"{loss_name}{sfx[e]}"
        losses.append(Node(name, value, display, "loss", r.where(loss_y) if loss_y is not None else r.where(y)))
        tex[name] = nota.tex(loss_name) + (f"^{{{stex[e]}}}" if multi else "")
    if not multi:
        groups.setdefault("y", tuple(all_tnames))
    else:
        groups["y"] = tuple(all_tnames)
        parts = [sympy.Symbol(n.name) for n in losses]
        total = sympy.Add(*parts)
        display = sympy.Add(*parts, evaluate=False)
        if over == "mean":
            total = total / K
            display = sympy.Mul(sympy.Rational(1, K), display, evaluate=False)
        losses.append(Node(loss_name, total, display, "loss", r.where(m["over_examples"]) if "over_examples" in m
                           else r.where(y)))
        losses[:-1] = [Node(n.name, n.expr, n.display, "hidden", n.where) for n in losses[:-1]]
    tex[loss_name] = nota.tex(loss_name)
    adjoint_tex = {}
    for e in range(K):
        for layer in examples[e]:
            for j, zname in enumerate(layer.z):
                adjoint_tex[zname] = f"\\delta^{{{layer.number}{stex[e]}}}_{{{j + u0}}}"
    for n, t in list(tex.items()):
        tex[n] = nota.latex.get(n, t)
    return NetworkGraph(
        nodes=tuple(nodes) + tuple(computed) + tuple(losses),
        output=loss_name,
        values=values,
        parameters=tuple(params),
        tex=tex,
        adjoint_tex=adjoint_tex,
        layers=tuple(layers),
        inputs=inputs,
        targets=tuple(all_tnames) if not multi else tuple(groups["y@1"]),
        softmax_cross_entropy=softmax_ce,
        groups=groups,
        **extra,
    )


@lru_cache(maxsize=256)
def _loss_display(loss_key: str, a: tuple, y: tuple):
    """A catalogue loss as written (unevaluated), once per shape: sympy.evaluate(False) clears SymPy's cache."""
    with sympy.evaluate(False):
        return LOSSES[loss_key].build(list(a), list(y))


def _weights(r, lm, num, n_in, u0):
    wy = lm["weights"]
    if isinstance(wy.value, str) and wy.value.isidentifier() and "units" in lm:
        units = r.integer(lm["units"], f"layer {num} units", 1, MAX_UNITS)
        return None, units
    if isinstance(wy.value, str):
        r.fail(wy, f"layer {num}: symbolic weights need the number of units, as in weights: W{num} with units: 3")
    rows = r.seq(wy, f"layer {num} weights")
    if not rows:
        r.fail(wy, f"layer {num}: weights need at least one row")
    if len(rows) > MAX_UNITS:
        r.fail(wy, f"layer {num}: more than {MAX_UNITS} units")
    if all(not isinstance(row.value, list) for row in rows):
        # written flat: one row of weights, or (one input) one weight per unit
        rows = [Y([row], row.line, row.col) for row in rows] if n_in == 1 else [wy]
    out = []
    for j, row in enumerate(rows):
        cells = r.seq(row, f"layer {num} weights row {j + u0}")
        if len(cells) != n_in:
            r.fail(row, f"layer {num}: weight row {j + u0} has {len(cells)} entr{'y' if len(cells) == 1 else 'ies'} "
                        f"but the layer below has {n_in} unit{'s' if n_in != 1 else ''}; give each row {n_in}")
        out.append([r.expr(c, f"weight in layer {num}").value for c in cells])
    if "units" in lm and r.integer(lm["units"], f"layer {num} units", 1, MAX_UNITS) != len(out):
        r.fail(lm["units"], f"layer {num}: units says {lm['units'].value} but the weights have {len(out)} rows")
    return out, len(out)


def _biases(r, by, num, units):
    if isinstance(by.value, str) and by.value.isidentifier():
        return None
    items = by.value if isinstance(by.value, list) else [by]
    if len(items) != units:
        r.fail(by, f"layer {num}: {len(items)} bias{'es' if len(items) != 1 else ''} but the layer has {units} "
                   f"unit{'s' if units != 1 else ''}; give one bias per unit")
    return [r.expr(b, f"bias in layer {num}").value for b in items]


def _activation(r, ay, num):
    if ay is None:
        return "identity", ACTIVATIONS["identity"]
    text = r.text(ay, f"layer {num} activation")
    if text in ACTIVATIONS:
        return text, ACTIVATIONS[text]
    if text in LAYER_ACTIVATIONS:
        return text, None
    if text.isidentifier() and text != "x":
        r.fail(ay, f"unknown activation {text!r}; {suggest(text, list(ACTIVATIONS) + list(LAYER_ACTIVATIONS))}"
                   " (or write an expression in x, such as x^2)")
    p = parse(text, r.where(ay), {"x"}, f"layer {num} activation")
    act = custom_activation(p.value.xreplace({sympy.Symbol("x"): x}))
    return text, act


def _targets(r, ty, n_out, loss_key, u0, of=""):
    if loss_key == "cross_entropy" and n_out > 1 and not isinstance(ty.value, list):
        k = ty.value
        if not isinstance(k, sympy.Rational) or not k.is_integer or not u0 <= k < n_out + u0:
            r.fail(ty, f"target{of} must be a class index from {u0} to {n_out - 1 + u0}, or a one-hot list")
        return [sympy.S.One if j + u0 == k else sympy.S.Zero for j in range(n_out)]
    items = ty.value if isinstance(ty.value, list) else [ty]
    if len(items) != n_out:
        r.fail(ty, f"target{of} has {len(items)} value{'s' if len(items) != 1 else ''} but the output layer has "
                   f"{n_out} unit{'s' if n_out != 1 else ''}")
    return [r.expr(t, "target").value for t in items]

"""Lowering the `rnn` kind: equations indexed by [t] and [t-1], unrolled over the input sequences into a scalar graph.

Every name is checked here, with the file, line and column of its use: what an
equation reads, what `values`, `initial`, `inputs` and `targets` give, the loss.
"""

from __future__ import annotations

import difflib
import re

import sympy

from ... import functions as fn
from ...catalog import ACTIVATIONS, LOSSES, Activation, custom_activation
from ...expr import ALIASES, FUNCTIONS, suggest
from ...notation import read_notation
from .expression import Read, fail, read_expression
from .vector import has_lists, lower_vector
from .model import TARGET, Recurrence, RNNGraph, StepLoss, Unit, time_names, tsym, unrolled

MAX_STEPS = 50  # a worked unrolling of more steps is unreadable
MAX_EQUATIONS = 16

_KEY = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*\[\s*t\s*\]\s*")
_UNITS = {fn.step: "step", fn.relu: "relu", fn.sigmoid: "sigmoid", sympy.tanh: "tanh"}  # calls written directly


def lower(r, y, notation_y) -> RNNGraph:
    """Validate an `rnn:` block and unroll it over its inputs."""
    nota = read_notation(r, notation_y)
    m = r.mapping(y, "rnn", ("equations", "functions", "values", "initial", "inputs", "targets", "loss"),
                  ("equations",))
    functions = _functions(r, m.get("functions"))
    vector = has_lists(m)
    eq_y = m["equations"]
    eqs = r.mapping(eq_y, "equations")
    if not eqs:
        r.fail(eq_y, "equations is empty; give at least one, such as h[t]: tanh(w*x[t] + u*h[t-1])")
    if len(eqs) > MAX_EQUATIONS:
        r.fail(eq_y, f"more than {MAX_EQUATIONS} equations")
    keyed: dict[str, tuple] = {}
    for key, ey in eqs.items():
        km = _KEY.fullmatch(key)
        if km is None:
            r.fail(eq_y, f"an equation defines a quantity at step t, written like h[t], not {key!r}", key)
        if km.group(1) in keyed:
            r.fail(eq_y, f"{km.group(1)}[t] is defined twice", key)
        if km.group(1) in functions:
            r.fail(eq_y, f"{km.group(1)!r} names a function; give the equation another name", key)
        if isinstance(ey.value, (dict, list)) or ey.value is None or isinstance(ey.value, bool):
            r.fail(ey, f"the equation for {key} must be an expression, not a {ey.kind}")
        text = ey.text if ey.text else str(ey.value)
        if vector:  # W @ x[t]: a matrix times a vector, told apart from a scalar product by the shapes
            text = text.replace("@", "*")
        keyed[km.group(1)] = (ey, read_expression(text, r.where(ey), f"the equation for {key}", functions))
    if vector:
        return lower_vector(r, y, notation_y, m, functions, keyed, lambda k: _order(r, eq_y, k))
    inputs = _sequences(r, m.get("inputs"), "inputs")
    if "inputs" not in m:  # inputs named only by the equations: their values come from the asks (a design's examples)
        for _, rd in keyed.values():
            for n, _, _ in rd.reads:
                if n not in keyed and n not in functions and n not in inputs:
                    inputs[n] = (eq_y, ())
    steps = len(next(iter(inputs.values()))[1]) if inputs else 0
    for name, (iy, vals) in inputs.items():
        if name in keyed:
            r.fail(m["inputs"], f"{name!r} is defined by an equation; it cannot also be an input", name)
        if name in functions:
            r.fail(m["inputs"], f"{name!r} names a function; give the input another name", name)
        if len(vals) != steps:  # (first: the first input, which set the number of steps)
            first = next(iter(inputs))
            r.fail(iy, f"inputs: {name} has {len(vals)} values but {first} has {steps}; every input sequence "
                       "needs one value per time step")
    if steps > MAX_STEPS:
        r.fail(m["inputs"], f"at most {MAX_STEPS} time steps can be worked; shorten the input sequences")
    sequences = set(keyed) | set(inputs)
    loss_name = nota.loss
    params: list[str] = []
    recurrent: set[str] = set()
    for name, (ey, rd) in keyed.items():
        where = r.where(ey)
        for n, lag, col in rd.reads:
            if n in inputs and lag:
                fail(where, col, f"{n} is an input, given for t = 1 to {steps}; read it as {n}[t] (at t = 1, "
                                  f"{n}[t-1] would need {n}[0])")
            if n not in sequences:
                fail(where, col, f"{n}[t] is not defined: {n!r} is neither an equation ({n}[t]: ...) nor an input "
                                  f"(inputs: {{{n}: [...]}}){_close(n, sequences)}")
            if lag:
                recurrent.add(n)
        for n, col in rd.names:
            if n in sequences:
                fail(where, col, f"{n} is a sequence; write {n}[t] or {n}[t-1]")
            if n in functions:
                fail(where, col, f"{n} is a function; call it, as in {n}(...)")
            if n in (loss_name, TARGET):
                fail(where, col, f"{n!r} is the name of the {'loss' if n == loss_name else 'targets'}; "
                                  "rename the parameter")
            if n not in params:
                params.append(n)
    order = _order(r, eq_y, keyed)
    initial = _initial(r, m.get("initial"), keyed, recurrent)
    for name in (n for n in keyed if n in recurrent):  # equation order: the first missing start is reported
        if name not in initial:
            ey, rd = keyed[next(k for k in keyed if any(n == name and lag for n, lag, _ in keyed[k][1].reads))]
            col = next(c for n, lag, c in rd.reads if n == name and lag)
            fail(r.where(ey), col, f"{name}[t-1] at t = 1 needs a starting value {name}[0]: give initial: "
                                    f"{{{name}: 0}}")
    given = _values(r, m.get("values"), params, sequences, functions)
    targets = _targets(r, m.get("targets"), keyed, inputs, steps)
    if "loss" in m and not targets:
        r.fail(m["loss"], "a loss needs targets: give targets: {y: [...]}, one per time step")
    step_loss = _loss(r, m.get("loss"), keyed, targets, functions) if targets else None
    recs = tuple(Recurrence(n, keyed[n][1].value, keyed[n][1].display, _unit(keyed[n][1], functions),
                            tuple(dict.fromkeys((a, lag) for a, lag, _ in keyed[n][1].reads)),
                            r.where(keyed[n][0])) for n in order)
    tex = {p: nota.tex(p) for p in params}
    tex.update({f: nota.tex(f) for f in functions})
    tex[loss_name] = nota.tex(loss_name)
    bases = {n: nota.tex(n) for n in list(keyed) + list(inputs)}
    indexed, text = time_names(bases, targets)
    tex.update(indexed)
    model = RNNGraph(
        nodes=(), output=loss_name, values={}, parameters=tuple(params), tex=tex, has_loss=bool(targets),
        recurrences=recs, functions=tuple(functions.items()), inputs=tuple((k, v) for k, (_, v) in inputs.items()),
        initial=tuple(initial.items()), targets=targets, given=tuple(given.items()), step_loss=step_loss,
        steps=steps, loss=loss_name, bases=bases, text=text,
    )
    return unrolled(model, dict(model.inputs), dict(model.given), model.targets, r.where(eq_y))


def _close(name: str, known) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f"; did you mean {close[0]!r}?" if close else ""


def _functions(r, y) -> dict[str, Activation]:
    out: dict[str, Activation] = {}
    if y is None:
        return out
    for name, fy in r.mapping(y, "functions").items():
        if not name.isidentifier() or "__" in name or name.startswith("_"):
            r.fail(y, f"function name {name!r} is not a name (letters, digits and _)", name)
        if name in FUNCTIONS or name in ALIASES:
            r.fail(y, f"{name!r} is a catalogue function already; give the problem's function another name, "
                      "such as f", name)
        if isinstance(fy.value, list):
            r.fail(fy, "only scalar recurrences are supported yet: a function applies to one number "
                       "(softmax and other whole-vector functions are not)")
        text = r.text(fy, f"the function {name}")
        if text in ACTIVATIONS:
            out[name] = ACTIVATIONS[text]
        elif text.isidentifier() and text not in ("x",):
            r.fail(fy, f"unknown function {text!r} for {name} (give a catalogue name or an expression in x); "
                       f"{suggest(text, list(ACTIVATIONS))}")
        else:
            p = r.expr(fy, f"the function {name}", {"x"})
            out[name] = custom_activation(p.value)
    return out


def _sequences(r, y, what: str) -> dict[str, tuple]:
    out: dict[str, tuple] = {}
    if y is None:
        return out
    for name, sy in r.mapping(y, what).items():
        if not name.isidentifier() or "__" in name or name.startswith("_"):
            r.fail(y, f"{name!r} is not a name (letters, digits and _)", name)
        items = r.seq(sy, f"{what}: {name}")
        if not items:
            r.fail(sy, f"{what}: {name} is empty; give one value per time step")
        vals = []
        for item in items:
            if isinstance(item.value, list):
                r.fail(item, "only scalar recurrences are supported yet: give one number per time step, not a vector")
            vals.append(r.expr(item, f"a value of {name}").value)
        out[name] = (sy, tuple(vals))
    return out


def _order(r, eq_y, keyed) -> list[str]:
    """Equations in an order where each follows what it reads at the same step; a cycle is an error."""
    deps = {n: [a for a, lag, _ in rd.reads if lag == 0 and a in keyed] for n, (_, rd) in keyed.items()}
    done: list[str] = []
    while len(done) < len(keyed):
        ready = next((n for n in keyed if n not in done and all(d in done for d in deps[n])), None)
        if ready is None:
            left = next(n for n in keyed if n not in done)
            r.fail(eq_y, f"the equations at step t form a cycle through {left}[t]; read one of them at t-1",
                   f"{left}[t]")
        done.append(ready)
    return done


def _initial(r, y, keyed, recurrent) -> dict[str, sympy.Expr]:
    out = {}
    if y is None:
        return out
    for name, vy in r.mapping(y, "initial").items():
        if name not in keyed:
            r.fail(y, f"initial gives {name!r}, which no equation defines; {suggest(name, list(keyed))}", name)
        if name not in recurrent:
            r.fail(y, f"initial gives {name}[0], but no equation reads {name}[t-1]", name)
        if isinstance(vy.value, list):
            r.fail(vy, f"only scalar recurrences are supported yet: {name}[0] must be one number, not a vector")
        out[name] = r.expr(vy, f"the initial value of {name}").value
    return out


def _values(r, y, params, sequences, functions) -> dict[str, sympy.Expr]:
    out = {}
    if y is None or y.value is None:
        return out
    for name, vy in r.mapping(y, "values").items():
        if name in sequences:
            r.fail(y, f"{name!r} is a sequence; give an input's values under inputs and a state's start under initial",
                   name)
        if name in functions:
            r.fail(y, f"{name!r} is a function; give it under functions", name)
        if name not in params:
            r.fail(y, f"{name!r} is not used by any equation; {suggest(name, params)}", name)
        if isinstance(vy.value, list):
            r.fail(vy, f"only scalar recurrences are supported yet: {name} must be one number (vector and matrix "
                       "weights are not supported)")
        out[name] = r.expr(vy, f"the value of {name}").value
    return out


def _targets(r, y, keyed, inputs, steps) -> tuple:
    if y is None:
        return ()
    if not steps:
        r.fail(y, "targets need inputs: give inputs: {x: [...]}, one value per time step")
    out = []
    for name, (ty, vals) in _sequences(r, y, "targets").items():
        if name not in keyed:
            r.fail(y, f"targets gives {name!r}, which no equation defines; {suggest(name, list(keyed))}", name)
        if len(vals) != steps:
            r.fail(ty, f"targets: {name} has {len(vals)} values, but the inputs have {steps} time steps")
        out.append((name, vals))
    return tuple(out)


def _loss(r, y, keyed, targets, functions) -> StepLoss:
    outs = [n for n, _ in targets]
    tnames = {(TARGET if len(outs) == 1 else f"{TARGET}_{o}"): o for o in outs}
    a = [tsym(o, 0) for o in outs]
    ys = [tsym(t, 0) for t in tnames]
    text = "half_squared" if y is None else r.text(y, "loss")
    if text in LOSSES:
        with sympy.evaluate(False):
            display = LOSSES[text].build(a, ys)
        return StepLoss(text, LOSSES[text].build(a, ys), display)
    if text.isidentifier() and text not in keyed:
        r.fail(y, f"unknown loss {text!r} (give a catalogue name or an expression in {outs[0]}[t] and "
                  f"{next(iter(tnames))}[t]); {suggest(text, list(LOSSES))}")
    rd = read_expression(text, r.where(y), "the loss", functions)
    where = r.where(y)
    for n, lag, col in rd.reads:
        if n not in outs and n not in tnames:
            fail(where, col, f"the loss may read {', '.join(f'{o}[t]' for o in outs)} and "
                              f"{', '.join(f'{t}[t]' for t in tnames)}, not {n}[t]")
        if lag:
            fail(where, col, f"the loss at step t reads step t only; write {n}[t]")
    for n, col in rd.names:
        fail(where, col, f"the loss may use only {', '.join(f'{o}[t]' for o in outs)} and "
                          f"{', '.join(f'{t}[t]' for t in tnames)}; {n!r} is neither")
    return StepLoss("", rd.value, rd.display)


def _unit(rd: Read, functions: dict[str, Activation]) -> Unit:
    if rd.top is not None:
        fname, arg = rd.top
        return Unit(functions[fname], fname, arg.value)
    v = rd.value
    if type(v) in _UNITS:
        return Unit(ACTIVATIONS[_UNITS[type(v)]], None, v.args[0])
    return Unit(None, None, v)

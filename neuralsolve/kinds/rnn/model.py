"""The rnn kind's model: the recurrence as templates over t, and its unrolling into one scalar graph.

An equation is kept as a template: `x[t]` is the symbol `x__0`, `h[t-1]` the symbol
`h__1`. Unrolled, the graph has one node per quantity and time step (`h[1]`, `y[3]`),
so the shared tracer computes every value and, with a loss, backpropagation through
time (a parameter shared by every step collects one term per step).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

import sympy

from ...catalog import Activation
from ...expr import Where
from ...graph import Graph, Node

TARGET = "target"  # how a loss expression names the target of the output (target[t])


class Named(sympy.Function):
    """A call of a function the problem names (f, g), for display only: Named(f, arg) prints as f(arg)."""

    def _latex_ns(self, printer):
        # braced, as SymPy sets f(x): a bare \left( after a letter would open a thin space
        return rf"{printer._print(self.args[0])}{{\left({printer._print(self.args[1])}\right)}}"

    def _sympystr(self, printer):
        return f"{printer._print(self.args[0])}({printer._print(self.args[1])})"


def tsym(name: str, lag: int) -> sympy.Symbol:
    """The template symbol of name[t] (lag 0) or name[t-1] (lag 1)."""
    return sympy.Symbol(f"{name}__{lag}")


UNIT_SLOT = "#"  # where the time goes in a vector component's name: h_{#,2} at step 3 is h_{3,2}


def unit_base(base: str, i: int) -> str:
    """The name of component i of a vector h, before its time: h_{#,i} (h_{t,i}: the step, then the component)."""
    m = re.fullmatch(r"(.*)_\{([^{}]*)\}", base)
    if m:
        return f"{m.group(1)}_{{{m.group(2)},{UNIT_SLOT},{i}}}"
    return f"{base}_{{{UNIT_SLOT},{i}}}"


def indexed_tex(base: str, index: str, star: bool = False) -> str:
    """h, 1 -> h_{1}; a name that already has a subscript (h_{2}) takes the index beside it: h_{2,1}.

    A vector's component (h_{#,2}, see unit_base) takes the time in its slot: h_{1,2}.
    """
    sup = r"^{\ast}" if star else ""  # not *: Markdown could read it as emphasis
    if UNIT_SLOT in base:
        head, _, tail = base.partition("_")
        return f"{head}{sup}_{tail.replace(UNIT_SLOT, index)}"
    m = re.fullmatch(r"(.*)_\{([^{}]*)\}", base)
    if m:
        return f"{m.group(1)}{sup}_{{{m.group(2)},{index}}}"
    return f"{base}{sup}_{{{index}}}"


@dataclass(frozen=True)
class Unit:
    """An equation read as one unit, F(argument), as a design needs it (F None: the equation is its argument)."""

    activation: Activation | None
    function: str | None  # the problem's name for F (f), or None for a catalogue call or no call
    argument: sympy.Expr  # in template symbols


@dataclass(frozen=True)
class Recurrence:
    """One equation, name[t] = rule, as a template over t."""

    name: str
    value: sympy.Expr  # template symbols; activations applied
    display: sympy.Expr  # the author's order, named functions kept as f(...)
    unit: Unit
    reads: tuple[tuple[str, int], ...]  # the sequences it reads, (name, lag), in order of appearance
    where: Where


@dataclass(frozen=True)
class StepLoss:
    """The loss at one time step, as a template in y__0 and target__0; the total sums it over t."""

    name: str  # the catalogue name, or "" for an expression
    value: sympy.Expr
    display: sympy.Expr


@dataclass(frozen=True)
class RNNGraph(Graph):
    """The unrolled scalar graph of a recurrent network, with the recurrence it came from."""

    recurrences: tuple[Recurrence, ...] = ()
    functions: tuple[tuple[str, Activation], ...] = ()
    inputs: tuple[tuple[str, tuple], ...] = ()  # name -> its values over t = 1..T
    initial: tuple[tuple[str, sympy.Expr], ...] = ()
    targets: tuple[tuple[str, tuple], ...] = ()  # output name -> its targets over t
    given: tuple[tuple[str, sympy.Expr], ...] = ()  # the values as written (numbers or expressions)
    step_loss: StepLoss | None = None
    steps: int = 0
    loss: str = "L"  # the loss's name (notation.loss); the output when there are targets
    bases: dict = field(default_factory=dict)  # LaTeX of each sequence's name, before its index (h, x)
    text: dict = field(default_factory=dict)  # terminal names of the template symbols (x[t], h[t-1])
    units: dict = field(default_factory=dict)  # with vectors: each unit's sequence and index, h_1 -> (h, 1)
    vector: tuple = ()  # with vectors: the equations as written (VectorEq), in order
    shapes: dict = field(default_factory=dict)  # with vectors: the shape of every name, () (n,) or (r, c)
    matrices: dict = field(default_factory=dict)  # with vectors: each value as given, name -> (shape, entries)

    @property
    def states(self) -> tuple[str, ...]:
        """The recurrent quantities (those read at t-1), in equation order."""
        lagged = {n for rec in self.recurrences for n, lag in rec.reads if lag == 1}
        return tuple(rec.name for rec in self.recurrences if rec.name in lagged)

    def target_name(self, output: str) -> str:
        """The name of an output's target sequence: target (one output has targets) or target_y."""
        return TARGET if len(self.targets) == 1 else f"{TARGET}_{output}"

    def at(self, name: str, t: int) -> str:
        """The node name of a sequence at step t (h[2]); a vector's unit h_1 at step 2 is h[2]_1."""
        if name in self.units:
            base, i = self.units[name]
            return f"{base}[{t}]_{i}"
        return f"{name}[{t}]"


def unrolled(model: RNNGraph, inputs: dict[str, tuple], values: dict[str, sympy.Expr], targets: tuple = (),
             where: Where | None = None) -> RNNGraph:
    """The model unrolled over these inputs (one value per step each), with these parameter values and targets."""
    where = where or (model.recurrences[0].where if model.recurrences else Where())
    steps = len(next(iter(inputs.values()))) if inputs else 0
    nodes: list[Node] = [Node(p, role="parameter", where=where) for p in model.parameters]
    vals: dict[str, sympy.Expr] = dict(values)
    tex = dict(model.tex)
    groups: dict[str, tuple[str, ...]] = {}

    def leaf(name, role, value, name_tex):
        nodes.append(Node(name, role=role, where=where))
        vals[name] = value
        tex[name] = name_tex

    for name, v in model.initial:
        leaf(model.at(name, 0), "input", v, indexed_tex(model.bases[name], "0"))
    for name, seq in inputs.items():
        groups[name] = tuple(model.at(name, t) for t in range(1, steps + 1))
        for t, v in enumerate(seq, start=1):
            leaf(model.at(name, t), "input", v, indexed_tex(model.bases[name], str(t)))
    targeted = dict(targets) if steps else {}
    for out, seq in targeted.items():
        for t, v in enumerate(seq, start=1):
            leaf(model.at(model.target_name(out), t), "target", v, indexed_tex(model.bases[out], str(t), star=True))
    names = [rec.name for rec in model.recurrences] + list(inputs) + [model.target_name(o) for o in targeted]
    losses, shows = [], []
    for t in range(1, steps + 1):
        now = {}
        for n in names:
            now[tsym(n, 0)] = sympy.Symbol(model.at(n, t))
            now[tsym(n, 1)] = sympy.Symbol(model.at(n, t - 1))
        for rec in model.recurrences:
            name = model.at(rec.name, t)
            with sympy.evaluate(False):
                display = rec.display.xreplace(now)
            role = "hidden" if rec.name in model.states else "output"
            nodes.append(Node(name, rec.value.xreplace(now), display, role, rec.where))
            tex[name] = indexed_tex(model.bases[rec.name], str(t))
        if targeted and model.step_loss is not None:
            losses.append(model.step_loss.value.xreplace(now))
            with sympy.evaluate(False):
                shows.append(model.step_loss.display.xreplace(now))
    for rec in model.recurrences:
        groups[rec.name] = tuple(model.at(rec.name, t) for t in range(1, steps + 1))
    output = model.loss
    if losses:
        with sympy.evaluate(False):
            display = sympy.Add(*shows) if len(shows) > 1 else shows[0]
        nodes.append(Node(output, sympy.Add(*losses), display, "loss", where))
    elif steps:
        output = model.at(model.recurrences[-1].name, steps)
    return dataclasses.replace(model, nodes=tuple(nodes), values=vals, tex=tex, groups=groups, output=output,
                               has_loss=bool(losses))


def time_names(bases: dict[str, str], targets) -> tuple[dict[str, str], dict[str, str]]:
    """LaTeX and text of the time-indexed names x[t], h[t-1] and the targets target[t], from each name's base LaTeX."""
    tex: dict[str, str] = {}
    text: dict[str, str] = {}
    for n, t in [(n, TARGET if len(targets) == 1 else f"{TARGET}_{n}") for n, _ in targets]:
        tex[tsym(t, 0).name] = indexed_tex(bases[n], "t", star=True)
        text[tsym(t, 0).name] = f"{t}[t]"
    for n in bases:
        for lag, idx in ((0, "t"), (1, "t-1")):
            tex[tsym(n, lag).name] = indexed_tex(bases[n], idx)
            text[tsym(n, lag).name] = f"{n}[{idx}]"
    return tex, text

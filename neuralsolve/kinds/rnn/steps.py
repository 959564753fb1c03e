"""The rnn kind's view: the unrolled forward pass as a table and step by step, the hidden state, BPTT.

The graph view does the work; this view says it in a recurrent network's words:
one line per quantity and time step as a model answer writes it, a table of the
unrolled values, and backpropagation through time with each contribution named.
"""

from __future__ import annotations

import dataclasses
import re

import sympy

from ...problem import Ask
from ...solution import Cell, Equation, Prose, Step, Table, and_list
from ...trace import Trace, needed
from ...writer import Writer
from ..graph.steps import GraphView
from .layout import fitted
from .names import RNNWriter, reads, steps_text
from .model import tsym
from .vector import vector_equations, vector_starts


def textbook_trace(tr: Trace) -> Trace:
    """The trace with each local derivative written as a model answer does: tanh' as 1 - h_2^2, not 1 - tanh^2(...)."""
    g = tr.graph
    adjoints = {}
    for name, adj in tr.adjoints.items():
        terms = []
        for term in adj.terms:
            child = g.node(term.child)
            if isinstance(child.expr, sympy.Function) and term.child != g.output:
                local = term.partial.xreplace({child.expr: child.symbol})
                term = dataclasses.replace(term, partial=_derivative_first(local, child.symbol))
            terms.append(term)
        adjoints[name] = dataclasses.replace(adj, terms=tuple(terms))
    return dataclasses.replace(tr, adjoints=adjoints)


def _derivative_first(partial, child: sympy.Symbol):
    """(1 - h^2) v rather than v (1 - h^2): the activation's derivative, then what multiplies it."""
    if not partial.is_Mul:
        return partial
    mine = [f for f in partial.args if f.has(child)]
    if not mine:
        return partial
    return sympy.Mul(*mine, *[f for f in partial.args if not f.has(child)], evaluate=False)


def _step_of(name: str) -> int | None:
    m = re.fullmatch(r".*\[(\d+)\](?:_\d+)?", name)  # h[2], or a vector's unit h[2]_1
    return int(m.group(1)) if m else None


def _base(name: str) -> str:
    return name.split("[", 1)[0]


class RNNView(GraphView):
    """Builds the parts of an rnn problem."""

    def __init__(self, problem, comp, answers):
        super().__init__(problem, comp, answers)
        self.trace = textbook_trace(comp.trace)
        self._said: set = set()

    @property
    def w(self) -> Writer | None:
        return self._w

    @w.setter
    def w(self, writer: Writer | None) -> None:  # each part's writer, with the kind's text names
        self._w = RNNWriter(writer.problem, writer.precision) if writer is not None else None

    def _say(self, names, fmt) -> str:
        names = list(names)
        return ", ".join(fmt(n) for n in names[:-1]) + (" and " if len(names) > 1 else "") + fmt(names[-1])

    def _tex(self, name: str) -> str:
        return f"${self.graph.tex.get(name, name)}$"

    def _text(self, name: str) -> str:
        return self.graph.text.get(name, name)

    def _definition(self, w: Writer, node, tr: Trace) -> Equation:
        return fitted(super()._definition(w, node, tr))

    def _adjoint_equation(self, w: Writer, name: str) -> Equation:
        return fitted(super()._adjoint_equation(w, name))

    # -- forward ------------------------------------------------------------
    def forward_blocks(self, w: Writer, tr: Trace, suffix: str) -> list:
        """Each quantity at each step (rule, numbers, value), then the unrolled values as a table."""
        g = self.graph
        if g.vector:  # each vector equation as written, with its matrices and vectors
            eqs = [fitted(e) for e in vector_equations(g, w, tr)]
        else:
            eqs = [self._definition(w, node, tr) for node in g.nodes if not node.is_leaf and node.name != g.output
                   or node.name == g.output and not g.has_loss]
        starts = [(g.at(n, 0), v) for n, v in g.initial]
        start = ", ".join(f"{n} = {self._cell(w, tr.value(n)).text}" for n, _ in starts)
        start_tex = ", ".join(f"${g.tex[n]} = {self._cell(w, tr.value(n)).math}$" for n, _ in starts)
        if g.vector:  # h[0] = [0, 0]
            starts = vector_starts(g, w, tr)
            start = ", ".join(f"{n} = {v[1]}" for n, _, v in starts)
            start_tex = ", ".join(f"${n} = {v[0]}$" for _, n, v in starts)
        ts, ts_tex = steps_text(g.steps)
        lead = f"Unrolling the recurrence over t = {ts}" + (f", starting from {start}" if start else "")
        lead_tex = (rf"Unrolling the recurrence over $t = {ts_tex}$"
                    + (f", starting from {start_tex}" if start else ""))
        blocks: list = [Step(" ".join(n.name for n in g.nodes if not n.is_leaf), lead + ", each step feeds the next:",
                             tuple(eqs), lead_tex + ", each step feeds the next:")]
        blocks.append(self.unrolled_table(w, tr))
        if g.has_loss and not self._asks_loss:
            self.shown.add("loss")
            blocks += self.loss(w, force=True)
        return blocks

    def unrolled_table(self, w: Writer, tr: Trace) -> Table:
        g = self.graph
        cols = [n for n, _ in g.inputs] + [rec.name for rec in g.recurrences]
        header = (Cell("t", "t"),) + tuple(Cell(g.text.get(tsym(n, 0).name, f"{n}[t]"), g.tex[tsym(n, 0).name])
                                           for n in cols)
        rows = []
        if g.initial:
            first = dict(g.initial)
            rows.append((Cell("0", "0"),) + tuple(self._cell(w, tr.value(g.at(n, 0))) if n in first else Cell("")
                                                  for n in cols))
        for t in range(1, g.steps + 1):
            rows.append((Cell(str(t), str(t)),) + tuple(self._cell(w, tr.value(g.at(n, t))) for n in cols))
        return Table(header, tuple(rows), "The unrolled values:", quantity="unrolled")

    def _cell(self, w: Writer, v) -> Cell:
        if v.free_symbols:
            return Cell(w.text(v), w.tex(v))
        exact = bool(v.is_Rational)  # a table of values reads as numbers: 0.4621, not tanh(0.5)
        return Cell(w.number(v, "text", exact=exact), w.number(v, exact=exact))

    def loss(self, w: Writer, force: bool = False) -> list:
        if "loss" in self.shown and not force:
            return []
        self.shown.add("loss")
        g = self.graph
        node = g.node(g.output)
        prose = "The loss sums the loss of each time step"
        prose_tex = prose
        if g.targets:  # the target, named where it first appears
            out = g.targets[0][0]
            target = tsym(g.target_name(out), 0).name
            now = tsym(out, 0).name
            prose += f", where {g.text[target]} is the target, the value wanted of {g.text[now]} at step t"
            prose_tex += f", where ${g.tex[target]}$ is the target, the value wanted of ${g.tex[now]}$ at step $t$"
        return [Step(g.output, prose + ":", (self._definition(w, node, self.trace),), prose_tex + ":")]

    # -- the hidden state -----------------------------------------------------
    def hidden_state_steps(self, ask: Ask) -> list:
        w = self.w
        g = self.graph
        blocks: list = []
        recs = g.vector or g.recurrences  # with vectors: the equations as written (h[t], not h_1[t])
        states = [e.name for e in g.vector if any(u in g.states for u in e.units)] if g.vector else g.states
        for state in states:
            rec = next(r for r in recs if r.name == state)
            now, before = tsym(state, 0), tsym(state, 1)
            readers = [r for r in recs if r.name != state and now in r.display.free_symbols]
            fresh = [tsym(n, 0) for n, lag in reads(rec.display) if not lag and n != state]  # read at step t
            fresh_text = and_list([w.text(x) for x in fresh])
            fresh_tex = and_list([f"${w.tex(x)}$" for x in fresh])
            a = "The" if len(states) == 1 else "A"
            prose = (f"{a} current hidden state is {state}[t], the quantity the network passes from one step to the "
                     f"next: its equation reads its own previous value {state}[t-1]. It is defined by:")
            prose_tex = (f"{a} current hidden state is ${g.tex[now.name]}$, the quantity the network passes from one "
                         f"step to the next: its equation reads its own previous value ${g.tex[before.name]}$. "
                         "It is defined by:")
            blocks.append(Step(f"{state}[t]", prose, (Equation(w.tex(now), w.text(now), (w.form(rec.display),)),),
                               prose_tex))
            for other in readers:
                with sympy.evaluate(False):
                    inlined = other.display.xreplace({now: rec.display})
                lhs = tsym(other.name, 0)
                lead = (f"Substituted into the equation of {other.name}[t], it is the inner part of the network's one "
                        "equation:")
                lead_tex = (f"Substituted into the equation of ${w.tex(lhs)}$, it is the inner part of the network's "
                            "one equation:")
                blocks.append(Step(f"{other.name}[t]", lead, (Equation(w.tex(lhs), w.text(lhs), (
                    w.form(other.display), w.form(inlined))),), lead_tex))
            outputs = and_list([f"{r.name}[t]" for r in readers])
            outputs_tex = and_list([f"${w.tex(tsym(r.name, 0))}$" for r in readers])
            new_text = f" from the new input {fresh_text} and" if fresh else " from"
            new_tex = f" from the new input {fresh_tex} and" if fresh else " from"
            through = readers and not any(lag for r in readers for _, lag in reads(r.display))
            only = f"; {outputs} reads the past only through it" if through else ""
            only_tex = f"; {outputs_tex} reads the past only through it" if through else ""
            blocks.append(Prose(
                f"So {state}[t] is the network's memory: a summary of everything it has read up to step t, updated at "
                f"each step{new_text} the previous state {state}[t-1]{only}.",
                f"So ${w.tex(now)}$ is the network's memory: a summary of everything it has read up to step $t$, "
                f"updated at each step{new_tex} the previous state ${w.tex(before)}${only_tex}."))
        return blocks

    # -- backpropagation through time ------------------------------------------
    def backward(self, w: Writer, targets) -> list:
        """Adjoints from the last step back to the first, then the parameters, each with why it sums what it sums."""
        g = self.graph
        mine = [n for n in needed(g, targets) if n != g.output]  # last step first
        order = [n for n in mine if not g.node(n).is_leaf] + [n.name for n in g.nodes if n.is_leaf and n.name in mine]
        steps = []
        for name in order:
            key = f"adjoint:{name}"
            if key in self.shown:
                continue
            self.shown.add(key)
            prose, prose_tex = self._why(name)
            steps.append(Step(f"d{g.output}/d{name}", prose, (self._adjoint_equation(w, name),), prose_tex))
        return steps

    def _why(self, name: str) -> tuple[str, str]:
        """One line the first time a kind of sum appears: per-step loss, last state, two paths, shared weight."""
        g, tr = self.graph, self.trace
        kids = [t.child for t in tr.adjoints[name].terms]
        loss, loss_tex = g.output, self._tex(g.output)
        t = _step_of(name)
        if kids == [loss]:
            pattern = ("direct", _base(name))
            likewise = " (and likewise at every step)" if g.steps > 1 else ""
            text = (f"{loss} adds up one term per time step, so ∂{loss}/∂{self._text(name)} comes from the term of "
                    f"step {t} alone{likewise}:")
            tex = (rf"{loss_tex} adds up one term per time step, so $\partial {g.tex[loss]}/\partial {g.tex[name]}$ "
                   f"comes from the term of step ${t}$ alone{likewise}:")
            if pattern in self._said:  # said once in full; later, a short lead of its own, not under another's
                return (f"The term of step {t} gives ∂{loss}/∂{self._text(name)}:",
                        rf"The term of step ${t}$ gives $\partial {g.tex[loss]}/\partial {g.tex[name]}$:")
        elif t is not None and len(kids) == 1:
            pattern = ("one", _base(name))
            text = (f"{self._text(name)} is computed at the last step, so it reaches {loss} only through "
                    f"{self._text(kids[0])}:")
            tex = (f"{self._tex(name)} is computed at the last step, so it reaches {loss_tex} only through "
                   f"{self._tex(kids[0])}:")
            if pattern in self._said:
                return (f"Likewise, {self._text(name)} reaches {loss} only through {self._text(kids[0])}:",
                        f"Likewise, {self._tex(name)} reaches {loss_tex} only through {self._tex(kids[0])}:")
        elif t is not None:
            pattern = ("many", _base(name), tuple(_base(k) for k in kids))
            later = [k for k in kids if _step_of(k) != t]
            same = [k for k in kids if _step_of(k) == t]
            where = [(same, f"at step {t}", f"at step ${t}$"), (later, f"at step {t + 1}", f"at step ${t + 1}$")]
            parts = [(self._say(ks, self._text) + f" {at}", self._say(ks, self._tex) + f" {at_tex}")
                     for ks, at, at_tex in where if ks]
            likewise = " (and likewise for every earlier step)" if t > 1 else ""
            text = (f"{self._text(name)} reaches {loss} through {' and through '.join(p for p, _ in parts)}, so by "
                    f"the chain rule the contributions add up{likewise}:")
            tex = (f"{self._tex(name)} reaches {loss_tex} through {' and through '.join(p for _, p in parts)}, so by "
                   f"the chain rule the contributions add up{likewise}:")
            if pattern in self._said:  # each sum under a lead of its own, not under the line before
                return (f"Likewise, {self._text(name)} reaches {loss} through "
                        f"{' and through '.join(p for p, _ in parts)}:",
                        f"Likewise, {self._tex(name)} reaches {loss_tex} through "
                        f"{' and through '.join(p for _, p in parts)}:")
        elif len(kids) > 1:
            pattern = ("shared",)
            text = (f"Each parameter is shared by all {g.steps} time steps, so its gradient collects one term per step "
                    f"it is used in, starting with {self._text(name)}:")
            tex = (f"Each parameter is shared by all ${g.steps}$ time steps, so its gradient collects one term per "
                   f"step it is used in, starting with {self._tex(name)}:")
        else:
            return "", ""
        if pattern in self._said:
            return "", ""
        self._said.add(pattern)
        return text, tex

"""The `rnn` kind: a recurrent network written with [t] and [t-1], unrolled over its inputs into a scalar graph.

The shared tracer computes the unrolled values and, with targets, backpropagation
through time (a weight shared across steps collects one term per step by the
multivariate chain rule). The view writes each step as a model answer does; the
`design` ask derives the weights of threshold units from wanted behaviour.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import sympy

from ...kind import AskType, Given
from ...problem import Ask, Problem
from ...solution import Cell, Equation, Form, Table, and_list
from ...writer import Writer
from ..graph import GraphKind, verify_scalar
from ..graph.asks import traced_asks
from ..graph.steps import Traced, compute as compute_traced, forward_names
from . import lower as lowering
from .design import compute_design, read_design
from .design_steps import design_steps
from .model import RNNGraph, tsym
from .names import steps_text
from .steps import RNNView
from .vector import vector_given
from .verify import verify_designs, verify_forward


@dataclass(frozen=True)
class RNNTraced(Traced):
    """The traced unrolling, and each design ask's constraints and weights."""

    designs: dict = field(default_factory=dict)  # Ask -> Design


# -- reading -------------------------------------------------------------------
def _needs_steps(r, y, model: RNNGraph, word: str):
    if not model.steps:
        r.fail(y, f"{word} needs the input sequences: give inputs: {{x: [...]}} in the rnn block")


def _read_forward(r, y, arg, model) -> Ask:
    if arg is not None:
        r.fail(y, "forward takes no arguments in an rnn problem; the inputs are the block's inputs")
    _needs_steps(r, y, model, "forward")
    return Ask("forward")


def _read_hidden_state(r, y, arg, model) -> Ask:
    if arg is not None:
        r.fail(y, "hidden_state takes no arguments; write it as the word hidden_state")
    if not model.states:
        r.fail(y, "hidden_state: no equation reads its own quantity at t-1, so the network has no hidden state")
    return Ask("hidden_state")


# -- answers -------------------------------------------------------------------
def _expanded(comp: Traced, values: dict) -> dict:
    """Symbolic answers in the problem's own names only (h[1] inside an answer would not sympify)."""
    if not any(v.free_symbols for v in values.values()):
        return values
    g = comp.model
    full: dict[sympy.Symbol, sympy.Expr] = {}
    for n in g.nodes:
        v = comp.trace.value(n.name)
        full[n.symbol] = v.xreplace(full) if not n.is_leaf else v
    return {k: v.xreplace(full) if v.free_symbols else v for k, v in values.items()}


def _wrap(answers):
    return lambda comp, ask: _expanded(comp, answers(comp, ask))


def _forward_answers(comp, ask) -> dict:
    return {n: comp.trace.value(n) for n in forward_names(comp)}


def _design_answers(comp: RNNTraced, ask: Ask) -> dict:
    d = comp.designs[ask]
    out = {"constraints": d.answer()}
    out.update({v: x for v, x in d.weights})
    return out


# -- sentences -------------------------------------------------------------------
def _forward_sentence(problem, ask):
    g = problem.model
    names = [e.name for e in g.vector] or [rec.name for rec in g.recurrences]
    ts, ts_tex = steps_text(g.steps)
    text = (f"Unroll the network over t = {ts} and compute "
            + " and ".join(f"{n}[t]" for n in names) + " at every step, showing each step.")
    tex = (rf"Unroll the network over $t = {ts_tex}$ and compute "
           + " and ".join(f"${g.tex[tsym(n, 0).name]}$" for n in names) + " at every step, showing each step.")
    return text, tex


def _hidden_state_sentence(problem, ask):
    g = problem.model
    states = [e.name for e in g.vector if any(u in g.states for u in e.units)] if g.vector else g.states
    names = ", ".join(f"{s}[t]" for s in states)
    names_tex = ", ".join(f"${g.tex[tsym(s, 0).name]}$" for s in states)
    return (f"Which part of the equations defines the current hidden state {names}?",
            f"Which part of the equations defines the current hidden state {names_tex}?")


def _gradient_sentence(problem, ask):
    g = problem.model
    wrt = list(ask.arg if ask.arg is not None else g.parameters)
    loss, loss_tex = g.output, g.tex[g.output]
    texts, texs, done = [], [], set()
    for n in wrt:  # a whole sequence asked is named once: dL/dh_t for t = 1, ..., T
        seq = next((k for k, members in g.groups.items() if n in members and len(members) > 1
                    and all(m in wrt for m in members)), None)
        if seq in done:
            continue
        if seq is not None and seq in g.matrices:  # a matrix or vector weight: every entry
            done.add(seq)
            texts.append(f"∂{loss}/∂{seq} (every entry)")
            texs.append(rf"$\partial {loss_tex}/\partial {g.tex[seq]}$ (every entry)")
        elif seq is not None:
            done.add(seq)
            ts, ts_tex = steps_text(g.steps)
            texts.append(f"∂{loss}/∂{seq}[t] for t = {ts}")
            texs.append(rf"$\partial {loss_tex}/\partial {g.tex[tsym(seq, 0).name]}$ for $t = {ts_tex}$")
        else:
            texts.append(f"∂{loss}/∂{n}")
            texs.append(rf"$\partial {loss_tex}/\partial {g.tex.get(n, n)}$")
    text, tex = and_list(texts), and_list(texs)
    lead = f"where {g.output} sums the loss over the time steps"
    return (f"Compute {text} by backpropagation through time, {lead}.",
            f"Compute {tex} by backpropagation through time, where ${g.tex[g.output]}$ sums the loss over the "
            "time steps.")


def _sequence_text(vals) -> str:
    if all(v in (0, 1) for v in vals):
        return "".join(str(v) for v in vals)
    return "(" + ", ".join(str(v) for v in vals) + ")"


def _design_sentence(problem, ask):
    g = problem.model
    names = list(ask.arg.unknowns)
    unknowns, unknowns_tex = and_list(names), and_list([f"${g.tex[n]}$" for n in names])
    cases, cases_tex = [], []
    for ex in ask.arg.examples:
        seq = lambda pairs: and_list([f"{n} = {_sequence_text(v)}" for n, v in pairs])  # noqa: E731
        seq_tex = lambda pairs: and_list([f"${g.bases[n]}$ = {_sequence_text(v)}" for n, v in pairs])  # noqa: E731
        cases.append(f"the input {seq(ex.inputs)} must give {seq(ex.wanted)}")
        cases_tex.append(f"the input {seq_tex(ex.inputs)} must give {seq_tex(ex.wanted)}")
    lead = "so that the network behaves as follows"
    text = f"Choose {unknowns} {lead}: {'; '.join(cases)}. Justify your answer."
    tex = f"Choose {unknowns_tex} {lead}: {'; '.join(cases_tex)}. Justify your answer."
    return text, tex


def _asks() -> dict[str, AskType]:
    table = dict(traced_asks())  # parameter_count as it is: the weights shared by every step count once
    del table["regions"]  # a recurrent network's function of a whole sequence is no picture in the plane
    for word in ("gradients", "backward", "update"):
        e = table[word]
        table[word] = dataclasses.replace(e, answers=_wrap(e.answers), sentence=_gradient_sentence if word != "update"
                                          else e.sentence)
    table["loss"] = dataclasses.replace(table["loss"], answers=_wrap(table["loss"].answers))
    # fmt: off
    table.update({e.word: e for e in (
        AskType("forward",      _read_forward,      _forward_sentence,      _wrap(_forward_answers),
                lambda v, a: v.forward_steps(a)),
        AskType("hidden_state", _read_hidden_state, _hidden_state_sentence, lambda c, a: {},
                lambda v, a: v.hidden_state_steps(a)),
        AskType("design",       read_design,        _design_sentence,       _design_answers,
                design_steps, asked=lambda c, a: ["constraints"]),
    )})
    # fmt: on
    return table


class RNNKind(GraphKind):
    """A recurrent network: the graph kind's tracer on the unrolled network, a recurrent network's steps."""

    name = "rnn"
    asks = _asks()
    view_class = RNNView

    def diagram(self, problem: Problem, of: str | None = None):
        from ...diagrams import unrolled

        T = problem.model.steps or 3
        return (f"the network unrolled over {T} time steps", f"the network unrolled over {T} time steps",
                lambda: unrolled(problem.model, T), "the same weights on every copy; each unit's function and bias beside it")

    def lower(self, r, block, notation):
        return lowering.lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        asks = (Ask("hidden_state"),) if model.states else ()
        if model.steps:
            asks += (Ask("forward"),) + ((Ask("loss"), Ask("gradients", None)) if model.has_loss else ())
        return asks

    def read_ask(self, r, y, model):
        word = y.value if isinstance(y.value, str) else next(iter(y.value), None) if isinstance(y.value, dict) else None
        entry = self.asks.get(word) if isinstance(word, str) else None
        if entry is not None and entry.needs_loss and not model.has_loss:
            r.fail(y, f"{word} needs a loss: give the rnn block targets: {{y: [...]}} (and a loss, default "
                      "half_squared)")
        return super().read_ask(r, y, model)

    def answer_names(self, problem: Problem) -> set[str]:
        names = super().answer_names(problem)
        for ask in problem.asks:
            if ask.what == "design":
                names |= {"constraints", *ask.arg.unknowns}
        return names

    def compute(self, problem: Problem, pins=None) -> RNNTraced:
        tr = compute_traced(problem, pins, self.expand_targets)
        designs = {a: compute_design(problem, a) for a in problem.asks if a.what == "design"}
        return RNNTraced(tr.problem, tr.trace, tr.at, designs=designs)

    def extra_answers(self, comp: RNNTraced) -> dict:
        return _expanded(comp, super().extra_answers(comp))

    def given(self, problem: Problem) -> Given:
        """The equations over t, the functions, the values and starting states, and the sequences as a table."""
        g: RNNGraph = problem.model
        w = Writer(problem, problem.precision)
        w.text_names.update(g.text)
        x = sympy.Symbol("x")
        if g.vector:  # the equations over vectors as written, the values as matrices and vectors
            rows, data, table = vector_given(g, w)
        else:
            rows = [(Equation(w.tex(tsym(rec.name, 0)), f"{rec.name}[t]", (w.form(rec.display),)),)
                    for rec in g.recurrences]
        fns = []
        for name, act in g.functions:
            call = rf"{w.tex(sympy.Symbol(name))}{{\left(x\right)}}"
            if act.name == "step":
                forms = (Form("=", r"\begin{cases} 0 & \text{if } x < 0 \\ 1 & \text{if } x \geq 0 \end{cases}",
                              "0 if x < 0, 1 if x ≥ 0"),)
            else:
                forms = (w.form(act.forward if act.name != "identity" else x),)
            fns.append(Equation(call, f"{name}(x)", forms))
        rows += [(f,) for f in fns]
        if not g.vector:
            data = [Equation(w.tex(sympy.Symbol(n)), n, (self._value_form(w, v),)) for n, v in g.given]
            data += [Equation(g.tex[g.at(n, 0)], f"{n}[0]", (self._value_form(w, v),)) for n, v in g.initial]
        rows += [tuple(data[i:i + 4]) for i in range(0, len(data), 4)]
        if g.has_loss:
            loss = g.step_loss.display
            body = w.tex(loss)
            body = rf"\left({body}\right)" if loss.is_Add else body
            rows.append((Equation(g.tex[g.output], g.output, (Form(
                "=", rf"\sum_{{t=1}}^{{{g.steps}}} {body}", f"sum over t = 1..{g.steps} of {w.text(loss)}"),)),))
        eqs = [e.name for e in g.vector] or [rec.name for rec in g.recurrences]
        names = and_list([f"{n}[t]" for n in eqs])
        names_tex = and_list([f"${g.tex[tsym(n, 0).name]}$" for n in eqs])
        lead = (f"Consider the recurrent network below: at each time step t it reads its inputs and computes {names} "
                "from them and from the previous step.")
        lead_tex = (f"Consider the recurrent network below: at each time step $t$ it reads its inputs and computes "
                    f"{names_tex} from them and from the previous step.")
        blocks = ()
        if g.vector:
            blocks = (table,) if table is not None else ()
        elif g.steps:
            seqs = [(n, vals) for n, vals in g.inputs] + [(f"{g.target_name(o)}", vals) for o, vals in g.targets]
            header = (Cell("t", "t"),) + tuple(Cell(str(t), str(t)) for t in range(1, g.steps + 1))
            body_rows = []
            for n, vals in seqs:
                label = g.tex.get(tsym(n, 0).name, n)
                body_rows.append((Cell(f"{n}[t]", label),) + tuple(self._cell(w, v) for v in vals))
            blocks = (Table(header, tuple(body_rows), "The sequences:", quantity="sequences"),)
        return Given(lead, lead_tex, tuple(rows), blocks)

    @staticmethod
    def _value_form(w: Writer, v) -> Form:
        return w.form(v) if v.free_symbols else Form("=", w.number(v), w.number(v, "text"))

    @staticmethod
    def _cell(w: Writer, v) -> Cell:
        return Cell(w.text(v), w.tex(v)) if v.free_symbols else Cell(w.number(v, "text"), w.number(v))

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        """Values by a direct re-run, gradients by sympy.diff of the whole unrolled loss, designs on their examples."""
        notes, ok = [], True
        if problem.model.steps:
            good, note = verify_forward(problem, answers)
            ok, notes = ok and good, notes + [note]
        if problem.model.has_loss:
            good, note = verify_scalar(problem)
            ok, notes = ok and good, notes + [note]
        for ask in problem.asks:
            if ask.what == "design":
                good, note = verify_designs(problem, ask, answers)
                ok, notes = ok and good, notes + [note]
        return ok, " ".join(notes) or "Nothing to verify: the problem computes no values."


KIND = RNNKind()

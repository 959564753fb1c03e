"""The `network` kind: a layered, fully connected network; a graph kind whose view works a layer at a time."""

from __future__ import annotations

import sympy

from ...kind import Given
from ...problem import Ask, Problem
from ...solution import Equation, Form
from ...writer import Writer, _cells, _matrix_tex, _matrix_text
from ..graph import GraphKind
from ..graph.asks import read_update, traced_asks
from . import lower as lowering
from .steps import NetworkView


def _read_update(r, y, arg, model):
    return read_update(r, y, arg, model, allow_only=True)


class NetworkKind(GraphKind):
    """Layers of units: the graph kind's computation, steps in vectors and matrices."""

    name = "network"
    asks = traced_asks(_read_update)
    view_class = NetworkView

    def lower(self, r, block, notation):
        return lowering.lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return (Ask("parameter_count"),) + super().default_asks(model)

    def parameter_count(self, model) -> int:
        return sum(len(layer.weights) * len(layer.inputs) + len(layer.biases or ()) for layer in model.layers)

    def expand_targets(self, model, targets: list[str]) -> list[str]:
        """Deltas are shown a whole layer at a time: every unit of a layer whose gradients are asked."""
        out = list(targets)
        for i, layer in enumerate(model.layers):
            # with several examples a parameter's gradient sums every example's deltas of its layer
            each = [ex[i] for ex in model.examples] or [layer]
            members = {n for la in each for n in (*la.z, *la.a)} | {w for row in layer.weights for w in row} \
                | set(layer.biases or ())
            if any(n in members for n in out):
                out.extend(z for la in each for z in la.z if z not in out)
        return out

    def degenerate(self, problem: Problem, answers):
        """An all-zero weight row, or (as for any kind) an asked gradient or delta that is zero."""
        for layer in problem.model.layers:
            for j, row in enumerate(layer.weights):
                if all(problem.model.values.get(w) == 0 for w in row):
                    return f"row {j + 1} of the weights of layer {layer.number} is all zero"
        return super().degenerate(problem, answers)

    def diagram(self, problem: Problem, of: str | None = None):
        from ...diagrams import network

        return ("the network", "the network", lambda: network(problem.model),
                "each connection labelled with its weight, each unit with its activation inside and its bias below")

    def given(self, problem: Problem) -> Given:
        g = problem.model
        if g.examples:
            end = (f", for {len(g.examples)} training examples, each with its input"
                   + (f", its target and its loss; the total loss is their {g.over_examples}."
                      if g.has_loss else "."))
        else:
            end = ", the target and the loss given." if g.has_loss else "."
        lead = "Consider the fully connected network defined below, with z^l = W^l a^(l-1) + b^l and a^l = σ(z^l)" + end
        lead_tex = (r"Consider the fully connected network defined below, with $\mathbf{z}^{l} = \mathbf{W}^{l}\mathbf{a}^{l-1}"
                    r" + \mathbf{b}^{l}$ and $\mathbf{a}^{l} = \sigma(\mathbf{z}^{l})$" + end)
        return Given(lead, lead_tex, tuple(tuple(r) for r in _network_data(Writer(problem, problem.precision), g)))


def _value(g, name: str):
    v = g.values.get(name)
    return sympy.Symbol(name) if v is None else v


def _network_data(w: Writer, g) -> list[list[Equation]]:
    """One row for the input, one per layer (weights, biases, activation), one for target and loss."""
    first = g.layers[0]
    if g.examples:  # several examples: each one's input
        rows = [[_vector_eq(w, rf"\mathbf{{a}}^{{{first.number - 1}({e + 1})}}", f"a{first.number - 1}@{e + 1}",
                            [_value(g, a) for a in ex[0].inputs]) for e, ex in enumerate(g.examples)]]
    else:
        rows = [[_vector_eq(w, rf"\mathbf{{a}}^{{{first.number - 1}}}", f"a{first.number - 1}",
                            [_value(g, a) for a in first.inputs])]]
    shown_sigma = False
    for layer in g.layers:
        n = layer.number
        matrix = [[_value(g, x) for x in row] for row in layer.weights]
        cells = _cells(w, matrix, exact=True)
        row = [Equation(rf"\mathbf{{W}}^{{{n}}}", f"W{n}", (Form("=", _matrix_tex(cells),
                                                                  _matrix_text(_cells(w, matrix, "text", exact=True))),))]
        if layer.biases:
            row.append(_vector_eq(w, rf"\mathbf{{b}}^{{{n}}}", f"b{n}", [_value(g, b) for b in layer.biases]))
        a_tex, z_tex = rf"\mathbf{{a}}^{{{n}}}", rf"\mathbf{{z}}^{{{n}}}"
        act = layer.activation
        if act is None:
            row.append(Equation(a_tex, f"a{n}", (Form("=", rf"\operatorname{{softmax}}\left({z_tex}\right)",
                                                      f"softmax(z{n})"),)))
        else:
            row.append(Equation(a_tex, f"a{n}", (Form("=", rf"{act.tex}\left({z_tex}\right)", f"{act.text}(z{n})"),)))
            if act.tex == r"\sigma" and act.name != "sigmoid" and not shown_sigma:  # given by its formula
                shown_sigma = True
                row.append(Equation(r"\sigma\left(x\right)", "σ(x)", (w.form(act.forward),)))
        rows.append(row)
    if g.has_loss and g.examples:
        row = []
        for e in range(len(g.examples)):
            ys = [_value(g, t) for t in g.groups[f"y@{e + 1}"]]
            lhs = f"y^{{({e + 1})}}" if len(ys) == 1 else rf"\mathbf{{y}}^{{({e + 1})}}"
            row.append(_vector_eq(w, lhs, f"y@{e + 1}", ys))
        rows.append(row)
        losses = [g.node(f"{g.output}@{e + 1}") for e in range(len(g.examples))] + [g.node(g.output)]
        rows.append([Equation(w.tex(n.symbol), n.name, (w.form(n.display),)) for n in losses])
    elif g.has_loss:
        ys = [_value(g, t) for t in g.targets]
        loss = g.node(g.output)
        rows.append([_vector_eq(w, "y" if len(ys) == 1 else r"\mathbf{y}", "y", ys),
                     Equation(w.tex(loss.symbol), g.output, (w.form(loss.display),))])
    return rows


def _vector_eq(w: Writer, lhs_tex: str, lhs_text: str, values) -> Equation:
    cells = _cells(w, values, exact=True)
    return Equation(lhs_tex, lhs_text, (Form("=", _matrix_tex(cells), _matrix_text(_cells(w, values, "text", exact=True))),))


KIND = NetworkKind()

"""The problem as stated, for a question sheet: its data and what each part asks, no answers."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .latex import tex_escape
from .solution import Equation, Form, marks_text
from .spec import Ask, Problem
from .writer import Writer, _cells, _matrix_tex, _matrix_text


@dataclass(frozen=True)
class Question:
    """One part of the question sheet."""

    label: str | None
    marks: str | None
    tex: str  # the question, LaTeX (author text escaped)
    text: str


@dataclass(frozen=True)
class Statement:
    """What the sheet shows: a lead sentence, the problem's data, and the parts."""

    title: str
    lead: str
    lead_tex: str
    rows: tuple[tuple[Equation, ...], ...]  # each row printed on one line, its equations side by side
    questions: tuple[Question, ...]


def statement(problem: Problem) -> Statement:
    """The question sheet's view of a problem."""
    w = Writer(problem, problem.precision)
    g = problem.graph
    if g.kind == "network":
        lead = ("Consider the fully connected network below, with z^l = W^l a^(l-1) + b^l and a^l = σ(z^l)"
                + (", the target and the loss given." if g.has_loss else "."))
        lead_tex = (r"Consider the fully connected network below, with $\mathbf{z}^{l} = \mathbf{W}^{l}\mathbf{a}^{l-1}"
                    r" + \mathbf{b}^{l}$ and $\mathbf{a}^{l} = \sigma(\mathbf{z}^{l})$"
                    + (", the target and the loss given." if g.has_loss else "."))
        rows = _network_data(w, problem)
    else:
        lead = "Consider the quantities defined by the equations below."
        lead_tex = lead
        rows = _graph_data(w, problem)
    questions = []
    for part in problem.parts:
        if part.question:
            q_text, q_tex = part.question, tex_escape(part.question)
        else:
            asked = [_ask_sentence(w, a) for a in part.asks] or [("Explain your answer.", "Explain your answer.")]
            q_text = " ".join(t for t, _ in asked)
            q_tex = " ".join(t for _, t in asked)
        questions.append(Question(part.label, marks_text(part.marks), q_tex, q_text))
    return Statement(problem.title, lead, lead_tex, tuple(tuple(r) for r in rows), tuple(questions))


def _value(w: Writer, name: str):
    v = w.graph.values.get(name)
    return sympy.Symbol(name) if v is None else v


def _network_data(w: Writer, problem: Problem) -> list[list[Equation]]:
    """One row for the input, one per layer (weights, biases, activation), one for target and loss."""
    g = problem.graph
    first = g.layers[0]
    rows = [[_vector_eq(w, rf"\mathbf{{a}}^{{{first.number - 1}}}", f"a{first.number - 1}",
                        [_value(w, a) for a in first.inputs])]]
    shown_sigma = False
    for layer in g.layers:
        n = layer.number
        matrix = [[_value(w, x) for x in row] for row in layer.weights]
        cells = _cells(w, matrix, exact=True)
        row = [Equation(rf"\mathbf{{W}}^{{{n}}}", f"W{n}", (Form("=", _matrix_tex(cells),
                                                                  _matrix_text(_cells(w, matrix, "text", exact=True))),))]
        if layer.biases:
            row.append(_vector_eq(w, rf"\mathbf{{b}}^{{{n}}}", f"b{n}", [_value(w, b) for b in layer.biases]))
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
    if g.has_loss:
        ys = [_value(w, t) for t in g.targets]
        loss = g.node(g.output)
        rows.append([_vector_eq(w, "y" if len(ys) == 1 else r"\mathbf{y}", "y", ys),
                     Equation(w.tex(loss.symbol), g.output, (w.form(loss.display),))])
    return rows


def _vector_eq(w: Writer, lhs_tex: str, lhs_text: str, values) -> Equation:
    cells = _cells(w, values, exact=True)
    return Equation(lhs_tex, lhs_text, (Form("=", _matrix_tex(cells), _matrix_text(_cells(w, values, "text", exact=True))),))


def _graph_data(w: Writer, problem: Problem) -> list[list[Equation]]:
    """One row per equation, then the given values side by side."""
    g = problem.graph
    rows = [[Equation(w.tex(n.symbol), n.name, (w.form(n.display),))] for n in g.nodes if not n.is_leaf]
    given = [Equation(w.tex(sympy.Symbol(name)), name, (Form("=", w.number(v), w.number(v, "text")),))
             for name, v in g.values.items()]
    for i in range(0, len(given), 4):
        rows.append(given[i:i + 4])
    return rows


def _grouped(g, targets) -> list[tuple[str, str]]:
    """Asked quantities, a whole layer or matrix named once (z2, W3) as the question would name it."""
    out, done = [], set()
    for t in targets:
        if t in done:
            continue
        group = next((k for k, members in g.groups.items() if len(members) > 1 and t in members
                      and all(m in targets for m in members) and k[0] in "zaWb"), None)
        if group is not None:
            done.update(g.groups[group])
            out.append((group, rf"\mathbf{{{group[0]}}}^{{{group[1:]}}}"))
        else:
            done.add(t)
            out.append((t, g.tex.get(t, t)))
    return out


def _ask_sentence(w: Writer, ask: Ask) -> tuple[str, str]:
    g = w.graph
    loss_tex = g.tex.get(g.output, g.output)
    if ask.what == "parameter_count":
        s = "How many trainable parameters does the network have? Explain your answer."
        return s, s
    if ask.what == "forward" and ask.at:
        pts = ", ".join(f"{n} = {w.number(v, 'text')}" for n, vals in ask.at for v in vals)
        pts_tex = ", ".join(f"${w.tex(sympy.Symbol(n))} = {w.number(v)}$" for n, vals in ask.at for v in vals)
        return f"Compute the output for {pts}.", f"Compute the output for {pts_tex}."
    if ask.what == "forward":
        s = "Compute the forward pass, showing each step."
        return s, s
    if ask.what == "loss":
        return f"Compute the loss {g.output}.", f"Compute the loss ${loss_tex}$."
    if ask.what == "gradients":
        if ask.targets is None:
            return (f"Compute the gradient of {g.output} with respect to every parameter.",
                    f"Compute the gradient of ${loss_tex}$ with respect to every parameter.")
        wrt = _grouped(g, ask.targets)
        names = ", ".join(f"∂{g.output}/∂{t}" for t, _ in wrt)
        names_tex = ", ".join(rf"$\frac{{\partial {loss_tex}}}{{\partial {t}}}$" for _, t in wrt)
        return f"Compute {names}, showing each step.", f"Compute {names_tex}, showing each step."
    if ask.what == "update":
        only = f" ({' and '.join(ask.only)} only)" if ask.only else ""
        return (f"Take one gradient-descent step with learning rate η = {w.number(ask.learning_rate, 'text')}{only}.",
                rf"Take one gradient-descent step with learning rate $\eta = {w.number(ask.learning_rate)}${only}.")
    return "", ""  # pragma: no cover

"""The asks of traced problems (graph, network, rnn): one entry each, reading, sentence, answers and steps."""

from __future__ import annotations

import sympy

from ...expr import suggest
from ...kind import AskType, diagram_ask, read_word
from ...optimizers import read_optimizer
from ...problem import Ask, Problem
from ...trace import gradient_step
from ...writer import Writer
from . import regions_ask
from .steps import Traced, Update, forward_names, gradient_targets, loss_after, training


# -- reading ---------------------------------------------------------------

MAX_STEPS = 50  # update: {steps: N}: a forward and a backward pass each; more is a training run, not an answer
MAX_POINTS = 100  # forward: {at: ...}: a worked answer for each point; more would be no answer anybody reads


def read_forward(r, y, arg, model) -> Ask:
    if arg is None:
        return Ask("forward")
    m = r.mapping(arg, "forward", ("at",), ("at",))
    at = []
    for name, vals in r.mapping(m["at"], "forward at").items():
        if not model.has(name) or not model.node(name).is_leaf:
            r.fail(m["at"], f"{name!r} is not an input of this problem", name)
        seq = vals.value if isinstance(vals.value, list) else [vals]
        at.append((name, tuple(r.expr(v, f"value of {name}").value for v in seq)))
    if len({len(v) for _, v in at}) > 1:
        r.fail(m["at"], "forward at: give the same number of values for every input")
    if at and len(at[0][1]) > MAX_POINTS:
        r.fail(m["at"], f"forward at: {len(at[0][1])} points, at most {MAX_POINTS} (each is a forward pass of its own "
                        "in the answer)")
    return Ask("forward", tuple(at))


def read_gradients(r, y, arg, model) -> Ask:
    if arg is None or (isinstance(arg.value, str) and arg.value == "all"):
        return Ask("gradients", None)
    items = arg.value if isinstance(arg.value, list) else [arg]
    out: list[str] = []
    for item in items:
        name = r.text(item, "a gradient's quantity")
        for n in model.groups.get(name, (name,)):
            if not model.has(n):
                known = [m.name for m in model.nodes] + list(model.groups)
                r.fail(item, f"no quantity named {name!r}; {suggest(name, known)}")
            if n == model.output:
                r.fail(item, f"{name!r} is the loss itself; ask for the gradient of another quantity")
            if n not in out:
                out.append(n)
    return Ask("gradients", tuple(out))


def read_backward(r, y, arg, model) -> Ask:
    if arg is not None:
        r.fail(y, "backward takes no arguments; for some gradients write gradients: [...]")
    return Ask("gradients", None)


def read_update(r, y, arg, model, allow_only: bool = False) -> Ask:
    if arg is None:
        r.fail(y, "update needs a learning rate, as in update: {learning_rate: 0.5}")
    m = r.mapping(arg, "update", ("learning_rate", "only", "optimizer", "steps", "show"), ("learning_rate",))
    lr = r.expr(m["learning_rate"], "learning_rate").value
    if not lr.is_number or lr <= 0:
        r.fail(m["learning_rate"], "learning_rate must be a positive number such as 0.5")
    only = None
    if "only" in m and not allow_only:
        r.fail(m["only"], "update only: [weights] or [biases] is for network problems; a graph's parameters "
                          "are listed in its parameters:")
    if "only" in m:
        items = r.seq(m["only"], "only")
        only = tuple(r.text(v, "only") for v in items)
        for v, o in zip(items, only):
            if o not in ("weights", "biases"):
                r.fail(v, f"update only takes weights or biases, not {o!r}")
    optimizer = read_optimizer(r, m.get("optimizer"))  # gradient descent when none is named
    steps = 1
    if "steps" in m:
        steps = r.expr(m["steps"], "steps").value
        if not (steps.is_Integer and 1 <= steps <= MAX_STEPS):
            r.fail(m["steps"], f"steps must be a whole number from 1 to {MAX_STEPS}")
        steps = int(steps)
    show = "table"
    if "show" in m:
        show = r.text(m["show"], "show")
        if show not in ("table", "every_step"):
            r.fail(m["show"], f"show is table (step 1 worked, then a table) or every_step, not {show!r}")
    return Ask("update", Update(lr, only, optimizer, steps, show))


# -- answers ---------------------------------------------------------------
def forward_answers(comp: Traced, ask: Ask) -> dict:
    if ask.arg:
        g = comp.model
        names = [n.name for n in g.nodes if not n.is_leaf and n.role != "loss"]
        return {n + suffix: tr.value(n) for _, suffix, tr in comp.at[ask] for n in names}
    return {n: comp.trace.value(n) for n in forward_names(comp)}


def loss_answers(comp: Traced, ask: Ask) -> dict:
    g = comp.model
    return {g.output: comp.trace.value(g.output)}


def gradient_answers(comp: Traced, ask: Ask) -> dict:
    """Every adjoint the trace computed (intermediate ones too); the marks go to the asked ones."""
    g, tr = comp.model, comp.trace
    out = {f"d{g.output}/d{n.name}": tr.adjoints[n.name].value for n in g.nodes
           if n.name in tr.adjoints and n.name != g.output}
    for t in gradient_targets(g, ask):  # a parameter with no path to the loss: its gradient is 0, said so
        out.setdefault(f"d{g.output}/d{t}", sympy.S.Zero)
    return out


def gradient_asked(comp: Traced, ask: Ask) -> list[str]:
    g = comp.model
    return [f"d{g.output}/d{t}" for t in gradient_targets(g, ask)]


def update_answers(comp: Traced, ask: Ask) -> dict:
    names = gradient_targets(comp.model, ask)
    out = gradient_answers(comp, ask)
    run = None if ask.arg.plain else training(comp, ask)
    if run is not None:  # an optimiser, or several steps: the parameters after the last, each step's loss
        g = comp.model
        out.update({f"{n}'": v for n, v in run.params[-1].items()})
        out.update({f"{g.output}[{k}]": v for k, v in enumerate(run.losses) if k})
        out[f"{g.output}'"] = run.losses[-1]
        return out
    new = gradient_step(comp.trace, names, ask.arg.learning_rate)
    out.update({f"{n}'": v for n, v in new.items()})
    after = loss_after(comp, new)
    if after is not None:  # the loss once more, at the new parameters (Mazur's "error after the first update")
        out[f"{comp.model.output}'"] = after
    return out


def update_asked(comp: Traced, ask: Ask) -> list[str]:
    return [f"{n}'" for n in gradient_targets(comp.model, ask)]


# -- the question sheet ------------------------------------------------------
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


def forward_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    if ask.arg:
        w = Writer(problem, problem.precision)
        pts = ", ".join(f"{n} = {w.number(v, 'text')}" for n, vals in ask.arg for v in vals)
        pts_tex = ", ".join(f"${w.tex(sympy.Symbol(n))} = {w.number(v)}$" for n, vals in ask.arg for v in vals)
        return f"Compute the output for {pts}.", f"Compute the output for {pts_tex}."
    s = "Compute the forward pass, showing each step."
    return s, s


def loss_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    g = problem.model
    return f"Compute the loss {g.output}.", f"Compute the loss ${g.tex.get(g.output, g.output)}$."


def gradient_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    g = problem.model
    loss_tex = g.tex.get(g.output, g.output)
    if ask.arg is None:
        return (f"Compute the gradient of {g.output} with respect to every parameter.",
                f"Compute the gradient of ${loss_tex}$ with respect to every parameter.")
    wrt = _grouped(g, ask.arg)
    names = ", ".join(f"∂{g.output}/∂{t}" for t, _ in wrt)
    names_tex = ", ".join(rf"$\frac{{\partial {loss_tex}}}{{\partial {t}}}$" for _, t in wrt)
    return f"Compute {names}, showing each step.", f"Compute {names_tex}, showing each step."


def update_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    w = Writer(problem, problem.precision)
    lr, only = ask.arg.learning_rate, ask.arg.only
    only_text = f" ({' and '.join(only)} only)" if only else ""
    if not ask.arg.plain:
        title = ask.arg.optimizer.spec.title
        n = ask.arg.steps
        return (f"Take {n} step{'s' if n > 1 else ''} of {title} with learning rate η = {w.number(lr, 'text')}"
                f"{only_text}, and give the loss after each.",
                rf"Take ${n}$ step{'s' if n > 1 else ''} of {title} with learning rate $\eta = {w.number(lr)}$"
                f"{only_text}, and give the loss after each.")
    return (f"Take one gradient-descent step with learning rate η = {w.number(lr, 'text')}{only_text}.",
            rf"Take one gradient-descent step with learning rate $\eta = {w.number(lr)}${only_text}.")


def parameter_count_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    s = "How many trainable parameters does the network have? Explain your answer."
    return s, s


def parameter_count_answers(comp: Traced, ask: Ask) -> dict:
    return {"parameter_count": sympy.Integer(comp.problem.kind.parameter_count(comp.model))}


def traced_asks(update_reader=read_update, diagram_of=None) -> dict[str, AskType]:
    """The ask table of a traced kind (the network kind passes a reader that allows `only`)."""
    # fmt: off
    entries = (
        AskType("forward",  read_forward,   forward_sentence,  forward_answers,  lambda v, a: v.forward_steps(a)),
        AskType("loss",     read_word("loss"), loss_sentence,  loss_answers,     lambda v, a: v.loss_steps(a),
                needs_loss=True),
        AskType("gradients", read_gradients, gradient_sentence, gradient_answers, lambda v, a: v.gradient_steps(a),
                asked=gradient_asked, needs_loss=True),
        AskType("backward", read_backward,  gradient_sentence, gradient_answers, lambda v, a: v.gradient_steps(a),
                asked=gradient_asked, needs_loss=True),
        AskType("update",   update_reader,  update_sentence,   update_answers,   lambda v, a: v.gradient_steps(a),
                asked=update_asked, needs_loss=True),
        AskType("parameter_count", read_word("parameter_count"), parameter_count_sentence, parameter_count_answers,
                lambda v, a: v.parameter_count_steps(a)),
        AskType("regions",  regions_ask.read_regions, regions_ask.regions_sentence, regions_ask.regions_answers,
                regions_ask.regions_steps),
        AskType("design",   regions_ask.read_design, regions_ask.design_sentence, regions_ask.design_answers,
                regions_ask.design_steps),
        diagram_ask(diagram_of),
    )
    # fmt: on
    return {e.word: e for e in entries}

"""The graph kind's view: a traced graph's steps, made of strings only.

Every decision about what a reader sees is made here: which steps each part
shows, in what order, which forms of an equation to keep, how numbers look.
The network and rnn kinds build on it. No answer is computed here: values come
from the computation (`Traced`), answer names from the answers stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from ... import derive
from ...problem import Ask, Part, Problem
from ...solution import Equation, Form, PartView, Step, and_list, marks_text
from ...trace import Trace, forward_pass, gradient_step, needed, trace
from ...writer import Writer


@dataclass(frozen=True)
class Update:
    """The argument of an update ask: a learning rate, optionally which parameters, an optimiser and steps."""

    learning_rate: sympy.Expr
    only: tuple[str, ...] | None = None
    optimizer: object = None  # an optimizers.Optimizer (the loader's default: gradient descent)
    steps: int = 1
    show: str = "table"  # or every_step: each step worked parameter by parameter, not step 1 alone

    @property
    def plain(self) -> bool:
        """One plain gradient-descent step: worked as the seeds work it, parameter by parameter."""
        return self.steps == 1 and self.optimizer.name == "gd"


@dataclass(frozen=True)
class Training:
    """Several optimiser steps: each step's loss and parameters, and the first step's per-coordinate updates."""

    losses: tuple  # L at the start, then after each step
    params: tuple  # {name: value} at the start, then after each step
    updates: tuple  # per step: {name: optimizers.Update} (the gradient, the state, the new value)


def training(comp, ask) -> Training | None:
    """The steps of an update ask with an optimiser or several steps (None when a value is symbolic).

    Each step is a forward and a backward pass at the current parameters, then the optimiser's rule on
    every coordinate (its state carried from the step before)."""
    from ...optimizers import new_state, update

    arg, g = ask.arg, comp.model
    opt = arg.optimizer
    names = gradient_targets(g, ask)
    tr = comp.trace
    current = {n: tr.value(n) for n in names}
    if any(v.free_symbols for v in current.values()) or tr.value(g.output).free_symbols:
        return None
    losses, params, states, updates = [tr.value(g.output)], [dict(current)], {n: {} for n in names}, []
    for t in range(1, arg.steps + 1):
        if t > 1:
            tr = trace(g, names, comp.problem.approximations, overrides=current)
        moved, step = {}, {}
        for n in names:
            grad = tr.adjoints[n].value if n in tr.adjoints else sympy.S.Zero
            u = update(opt, t, current[n], grad, arg.learning_rate, states[n])
            states[n] = new_state(opt, u)
            moved[n], step[n] = u.w, u
        updates.append(step)
        current = moved
        _, forward, _ = forward_pass(g, comp.problem.approximations, overrides=current)
        losses.append(forward[g.output].value)
        params.append(dict(current))
    return Training(tuple(losses), tuple(params), tuple(updates))


@dataclass(frozen=True)
class Traced:
    """A traced problem: the main trace (every asked gradient), the traces of `forward: {at: ...}` asks."""

    problem: Problem
    trace: Trace
    at: dict = field(default_factory=dict)  # Ask -> tuple of (label values, suffix, Trace)
    regions: dict = field(default_factory=dict)  # Ask -> regions.Regions (regions asks), or a design (design asks)

    @property
    def model(self):
        return self.problem.model


def gradient_targets(model, ask: Ask) -> tuple[str, ...]:
    """The parameters a gradients or update ask needs the gradients of."""
    if ask.what == "update":
        names = list(model.parameters)
        only = ask.arg.only
        if only:  # network problems only (the loader refuses `only` elsewhere)
            kept = set()
            for layer in model.layers:
                if "weights" in only:
                    kept.update(w for row in layer.weights for w in row)
                if "biases" in only:
                    kept.update(layer.biases or ())
            names = [n for n in names if n in kept]
        return tuple(names)
    return ask.arg if ask.arg is not None else model.parameters


def compute(problem: Problem, pins=None, expand=None) -> Traced:
    """Trace every gradient any part asks for (`expand` adds what the view shows whole, such as a layer's deltas)."""
    model = problem.model
    targets: list[str] = []
    for ask in problem.asks:
        if ask.what in ("gradients", "update"):
            targets += [n for n in gradient_targets(model, ask) if n not in targets]
    if expand is not None:
        targets = expand(model, targets)
    tr = trace(model, targets, problem.approximations, pins=pins)
    at = {}
    for ask in problem.asks:
        if ask.what == "forward" and ask.arg:
            points = []
            for i in range(len(ask.arg[0][1])):
                overrides = {name: vals[i] for name, vals in ask.arg}
                suffix = "@" + ",".join(f"{name}={vals[i]}" for name, vals in ask.arg)
                points.append((overrides, suffix, trace(model, (), problem.approximations, overrides)))
            at[ask] = tuple(points)
    return Traced(problem, tr, at, _regions(problem))


def _regions(problem: Problem) -> dict:
    """The linear pieces of each regions ask, and each design ask's weights (pure, exact geometry)."""
    from .regions_ask import DesignArg, RegionsArg, compute_design, compute_regions

    out = {}
    for ask in problem.asks:
        if isinstance(ask.arg, RegionsArg):
            out[ask] = compute_regions(problem.model, ask.arg)
        elif isinstance(ask.arg, DesignArg):  # (the rnn kind has a design ask of its own)
            out[ask] = compute_design(problem.model, ask.arg)
    return out


def forward_names(comp: Traced) -> list[str]:
    """The computed quantities a forward pass shows: every one but the loss when the loss is asked on its own."""
    g = comp.model
    asks_loss = any(a.what == "loss" for a in comp.problem.asks)
    return [n.name for n in g.nodes if not n.is_leaf and (n.name != g.output or not asks_loss)]


class GraphView:
    """Builds the parts of one problem, remembering what earlier parts showed."""

    def __init__(self, problem: Problem, comp: Traced, answers):
        self.problem = problem
        self.graph = problem.model
        self.comp = comp
        self.trace = comp.trace
        self.answers = answers
        self.shown: set[str] = set()
        self._asks_loss = any(a.what == "loss" for a in problem.asks)
        self.w: Writer | None = None

    def parts(self) -> tuple[PartView, ...]:
        return tuple(self.part(p, asked) for p, asked in zip(self.problem.parts, self.answers.asked))

    def part(self, part: Part, asked: tuple[str, ...]) -> PartView:
        self.w = Writer(self.problem, part.precision)
        steps: list[Step] = []
        for ask in part.asks:
            steps.extend(self.problem.kind.asks[ask.what].steps(self, ask))
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, _merge(steps), asked)

    def notes(self) -> tuple[str, ...]:
        from ...catalog import convention

        # (the approximations are stated with the problem's data, at the top, as on the question sheet)
        return tuple(c for c in (convention(k) for k in self.trace.conventions) if c)

    # -- asks ------------------------------------------------------------
    def forward_steps(self, ask: Ask) -> list[Step]:
        if ask.arg:
            return self.forward_at(ask)
        return self.forward(self.w)

    def gradient_steps(self, ask: Ask) -> list[Step]:
        w = self.w
        steps = []
        numeric = any(not v.value.free_symbols for n, v in self.trace.forward.items() if not self.graph.node(n).is_leaf)
        if "forward" not in self.shown and numeric:
            steps += self.forward(w, prose="The forward pass gives the values the gradients use.")
            steps += self.loss(w)
        steps += self.backward(w, gradient_targets(self.graph, ask))
        if ask.what == "update":
            steps += self.update(w, ask)
        return steps

    def loss_steps(self, ask: Ask) -> list[Step]:
        return self.loss(self.w)

    def parameter_count_steps(self, ask: Ask) -> list[Step]:
        return [self.parameter_count(self.w)]

    # -- forward -------------------------------------------------------
    def forward(self, w: Writer, prose: str = "", tr: Trace | None = None, suffix: str = "",
                prose_tex: str = "") -> list[Step]:
        tr = tr or self.trace
        if "forward" in self.shown and not suffix:
            return []
        self.shown.add("forward") if not suffix else None
        steps = self.forward_blocks(w, tr, suffix)
        if steps and prose:
            steps[0] = Step(steps[0].quantity, prose, steps[0].equations, prose_tex)
        return steps

    def forward_blocks(self, w: Writer, tr: Trace, suffix: str) -> list[Step]:
        """One definition per computed quantity (the loss is left to the loss ask)."""
        g = self.graph
        steps: list[Step] = []
        for node in g.nodes:
            if node.is_leaf:
                continue
            if node.name == g.output:
                if self._asks_loss or suffix:
                    continue  # shown by the loss ask
                self.shown.add("loss")
            steps.append(Step(node.name, "", (self._definition(w, node, tr),)))
        return steps

    def _definition(self, w: Writer, node, tr: Trace) -> Equation:
        """name = rule = rule with numbers = value; a symbolic value is not restated."""
        v = tr.value(node.name)
        sub = w.substitute(node.display, tr.env)
        if v.free_symbols and sub == node.display:
            v = None
        approximate = w.approximates(node.display, tr.env)  # log(0.1) ≈ -2.3: that line is ≈, the rest exact
        if v is not None and not v.free_symbols and _terms(node.display) >= 4:  # long arithmetic: step by step
            lines = w.reductions(sub)
            eq = w.chain(node.symbol, node.display, sub, v)
            reduced = [w.form(e) for e in lines]
            if approximate and reduced:
                reduced[0] = Form("approx", reduced[0].tex, reduced[0].text)
            forms = [eq.forms[0], eq.forms[1]] + reduced + list(eq.forms[2:])
            return Equation(eq.lhs_tex, eq.lhs_text, tuple(f for i, f in enumerate(forms)
                                                           if i == 0 or f.tex != forms[i - 1].tex))
        extra = w.approximated(node.display, tr.env)
        eq = w.chain(node.symbol, node.display, sub, v, extra=extra)
        if not approximate or extra is None:
            return eq
        shown = w.form(extra).tex
        return Equation(eq.lhs_tex, eq.lhs_text, tuple(Form("approx", f.tex, f.text) if f.tex == shown else f
                                                       for f in eq.forms))

    def forward_at(self, ask: Ask) -> list[Step]:
        w = self.w
        steps: list[Step] = []
        for overrides, suffix, tr in self.comp.at[ask]:
            label = ", ".join(f"{name} = {w.number(v, 'text')}" for name, v in overrides.items())
            label_tex = ", ".join(f"${self.graph.tex.get(name, name)} = {w.number(v)}$" for name, v in overrides.items())
            steps.extend(self.forward(w, prose=f"For {label}:", tr=tr, suffix=suffix, prose_tex=f"For {label_tex}:"))
        self.shown.add("forward_at")
        return steps

    def loss(self, w: Writer) -> list[Step]:
        if "loss" in self.shown:
            return []
        self.shown.add("loss")
        g = self.graph
        node = g.node(g.output)
        return [Step(g.output, "The loss:", (self._definition(w, node, self.trace),))]

    # -- parameters ----------------------------------------------------
    def parameter_count(self, w: Writer) -> Step:
        g = self.graph
        lead = "The trainable parameters are "
        prose = lead + ", ".join(g.parameters) + "."
        prose_tex = lead + ", ".join(f"${g.tex[p]}$" for p in g.parameters) + "."
        return self._count_step([1 for _ in g.parameters], prose, prose_tex)

    def _count_step(self, sizes, prose, prose_tex) -> Step:
        total = sum(sizes)
        sum_tex = " + ".join(str(s) for s in sizes)
        forms = (Form("=", str(total), str(total)),) if len(sizes) > 1 else ()
        eq = Equation(sum_tex if len(sizes) > 1 else str(total), sum_tex if len(sizes) > 1 else str(total), forms)
        return Step("parameter_count", prose, (eq,), prose_tex)

    # -- backward ------------------------------------------------------
    def backward(self, w: Writer, targets) -> list[Step]:
        return self._graph_backward(w, targets)

    def _graph_backward(self, w: Writer, targets) -> list[Step]:
        g = self.graph
        steps = []
        mine = [n for n in needed(g, targets) if n != g.output]
        # backpropagation's order: every computed quantity from the loss down (asked or not, each before the
        # steps that use its gradient), then the inputs and parameters
        order = [n for n in mine if not g.node(n).is_leaf]
        order += [n.name for n in g.nodes if n.name in mine and n.name not in order]
        for name in order:
            key = f"adjoint:{name}"
            if key in self.shown:
                continue
            self.shown.add(key)
            prose, prose_tex = _paths_prose(self.trace, name)
            steps.append(Step(f"d{g.output}/d{name}", prose, (self._adjoint_equation(w, name),), prose_tex))
        for name in targets:  # no path to the loss
            if name not in self.trace.adjoints and f"adjoint:{name}" not in self.shown:
                self.shown.add(f"adjoint:{name}")
                lhs = w.adjoint(name)
                prose = f"{name} is used by no equation on the way to {g.output}, so its gradient is 0:"
                prose_tex = (f"${g.tex.get(name, name)}$ is used by no equation on the way to "
                             f"${g.tex.get(g.output, g.output)}$, so its gradient is 0:")
                steps.append(Step(f"d{g.output}/d{name}", prose, (Equation(w.tex(lhs), w.text(lhs),
                                                                           (Form("=", "0", "0"),)),), prose_tex))
        return steps

    def _adjoint_equation(self, w: Writer, name: str) -> Equation:
        """dL/dv = sum of dL/dc dc/dv = the same with local derivatives = with numbers = value.

        A symbolic adjoint of a child stays its own symbol: each delta is spelled out once,
        in its own step, never pasted into the steps that use it.
        """
        g, tr = self.graph, self.trace
        adj = tr.adjoints[name]
        direct = len(adj.terms) == 1 and adj.terms[0].child == g.output

        def total(factors):  # built unevaluated by hand: sympy.evaluate(False) clears SymPy's whole cache
            # a factor 1 is kept after a gradient (dE/dy . 1): without it the line would restate the one above
            terms = [f[1] if f[0] == 1 else (f[0] if f[1] == 1 and not isinstance(f[0], sympy.Symbol)
                                             else sympy.Mul(*f, evaluate=False)) for f in factors]
            return sympy.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]

        def known(child):
            av = tr.adjoints[child].value
            return w.value(av) if not av.free_symbols else w.adjoint(child)

        chain = None if direct else total([(w.adjoint(t.child), w.partial_symbol(t.child, name)) for t in adj.terms])
        rule = total([(1 if direct else w.adjoint(t.child), t.partial) for t in adj.terms])
        sub = total([(1 if direct else known(t.child), w.substitute(t.partial, tr.env, collapse=True))
                     for t in adj.terms])
        value = adj.value
        if value.free_symbols and (w.too_long(value)
                                   or not any("/" in s.name for s in sub.free_symbols)):
            value = None  # too long to help, or the line above already is the answer
        if direct:  # a function of functions: the chain rule factor by factor, then its textbook form
            nested = derive.chain(g.node(adj.terms[0].child).display, sympy.Symbol(name))
            if nested is not None:
                return w.chain(w.adjoint(name), nested, rule, value, extra=sub)
        return w.chain(w.adjoint(name), chain if chain is not None else rule, sub if chain is None else rule,
                       value, extra=None if chain is None else sub)

    def _training(self, w: Writer, ask: Ask, run: Training) -> list[Step]:
        """The rule once, step 1 parameter by parameter, then a table over the steps (with each step's
        gradients and state when there are few parameters, so that every row can be checked)."""
        from ...solution import Cell, Table

        arg, g = ask.arg, self.graph
        opt = arg.optimizer
        n_steps = f"{arg.steps} step{'s' if arg.steps > 1 else ''}"
        set_text = ", ".join(f"{_SETTING_TEXT.get(k, k)} = {w.number(v, 'text')}" for k, v in opt.settings)
        set_tex = ",\\ ".join(f"{_SETTING_TEX.get(k, k)} = {w.number(v)}" for k, v in opt.settings)
        state, verb = opt.spec.state, "starts" if len(opt.spec.state) == 1 else "start"
        starts = f"; {and_list([_STATE_TEXT[k] for k in state])} {verb} at 0" if state else ""
        starts_tex = f"; {and_list([f'${_STATE_TEX[k]}$' for k in state])} {verb} at $0$" if state else ""
        lead = (f"Training with {opt.spec.title}, learning rate η = {w.number(arg.learning_rate, 'text')}"
                + (f" ({set_text})" if set_text else "") + f", for {n_steps}. Each step t is a forward and a backward "
                f"pass at the current parameters, then, for each parameter θ with its gradient g_t{starts}:")
        lead_tex = (f"Training with {opt.spec.title}, learning rate $\\eta = {w.number(arg.learning_rate)}$"
                    + (f" (${set_tex}$)" if set_tex else "") + f", for {n_steps}. Each step $t$ is a forward and a "
                    f"backward pass at the current parameters, then, for each parameter $\\theta$ with its gradient "
                    f"$g_{{t}}${starts_tex}:")
        steps = [Step("update", lead, _rule(opt), lead_tex)]
        worked = range(len(run.updates)) if arg.show == "every_step" else range(1)
        for i in worked:
            t = i + 1
            rows = []
            for name, u in run.updates[i].items():
                tex_name = g.tex.get(name, name)
                parts = ", ".join(f"{_STATE_TEXT.get(k, k)}_{t} = {w.number(v, 'text')}" for k, v in u.assigned)
                parts_tex = r",\quad ".join(f"{_STATE_TEX.get(k, k)}_{{{t}}} = {w.number(v)}" for k, v in u.assigned)
                rows.append(Equation(rf"\theta = {tex_name}{{:}}", f"θ = {name}:",  # {:} a colon, not a relation
                                     (Form("", f"\\; g_{{{t}}} = {w.number(u.gradient)},\\quad {parts_tex}",
                                           f"g_{t} = {w.number(u.gradient, 'text')}, {parts}"),)))
            steps.append(Step("update", f"Step {t}, parameter by parameter:", tuple(rows)))
        names = list(run.params[0])
        shown = names if len(names) <= 6 else []
        detail = names if len(names) <= 3 else []  # each step's gradient and state too: every row checkable
        num = lambda v, media="tex": w.number(v, media, exact=False)  # noqa: E731
        header = [Cell("t", "t"), Cell(g.output, g.tex.get(g.output, g.output))]
        for n in shown:
            header.append(Cell(n, g.tex.get(n, n)))
            if n in detail:
                header.append(Cell(f"g({n})", rf"g\left({g.tex.get(n, n)}\right)"))
                header += [Cell(f"{_STATE_TEXT[k]}({n})", rf"{_STATE_TEX[k]}\left({g.tex.get(n, n)}\right)")
                           for k in opt.spec.state]
        rows = []
        for t in range(len(run.losses)):
            row = [Cell(str(t), str(t)), Cell(num(run.losses[t], "text"), num(run.losses[t]))]
            for n in shown:
                row.append(Cell(num(run.params[t][n], "text"), num(run.params[t][n])))
                if n in detail:
                    u = run.updates[t - 1][n] if t else None
                    cells = [u.gradient] + [dict(u.assigned)[k] for k in opt.spec.state] if u else \
                        [None] * (1 + len(opt.spec.state))
                    row += [Cell(num(v, "text"), num(v)) if v is not None else Cell("") for v in cells]
            rows.append(row)
        what = "the parameters, and each step's gradients and state" if detail else "the parameters" if shown else ""
        lead_table = f"After each step t (t = 0 is the start): the loss {g.output}" + (f", {what}:" if what else ":")
        lead_table_tex = (f"After each step $t$ ($t = 0$ is the start): the loss ${g.tex.get(g.output, g.output)}$"
                          + (f", {what}:" if what else ":"))
        steps.append(Table(tuple(header), tuple(tuple(r) for r in rows), lead_table, lead_table_tex))
        return steps

    def update(self, w: Writer, ask: Ask) -> list[Step]:
        if not ask.arg.plain:
            run = training(self.comp, ask)
            if run is not None:
                return self._training(w, ask, run)
        tr = self.trace
        eqs = []
        eta = ask.arg.learning_rate
        names = gradient_targets(self.graph, ask)
        for name, new in gradient_step(tr, names, eta).items():
            old = tr.value(name)
            grad = tr.adjoints[name].value if name in tr.adjoints else sympy.S.Zero  # no path to the loss
            sym = sympy.Symbol(name)
            with sympy.evaluate(False):
                rule = sympy.Add(sym, sympy.Mul(-1, sympy.Symbol("eta"), w.adjoint(name)))
                sub = sympy.Add(w.value(old) if not old.free_symbols else old,
                                sympy.Mul(-1, w.value(eta), w.value(grad) if not grad.free_symbols else grad))
            tex = self.graph.tex.get(name, name)  # w' but (w^{2}_{11})': a prime after scripts floats ambiguously
            lhs_tex = rf"\left({tex}\right)'" if "^" in tex or "_" in tex else "{" + tex + "}'"
            eq = w.chain(sym, rule, sub, new)
            eqs.append(Equation(lhs_tex, name + "'", eq.forms))
        tail = ", every gradient taken at the unchanged parameters:"
        only = ask.arg.only
        if only:  # what is not updated is said, as the loss after the step depends on it
            kept = "biases" if "weights" in only else "weights"
            tail = f" on the {' and '.join(only)} only (the {kept} are kept){tail}"
        lead = "One gradient-descent step with learning rate "
        steps = [Step("update", f"{lead}η = {w.number(eta, 'text')}{tail}", tuple(eqs),
                      rf"{lead}$\eta = {w.number(eta)}${tail}")]
        after = loss_after(self.comp, gradient_step(tr, names, eta))
        if after is not None:
            g = self.graph
            loss, loss_tex = g.output, g.tex.get(g.output, g.output)
            before = w.result_forms(tr.value(loss))
            eq = Equation("{" + loss_tex + "}'", loss + "'", tuple(w.result_forms(after)))
            rel, rel_tex = ("=", "=") if before[-1].rel == "=" else ("≈", r"\approx")
            prose = (f"A forward pass with the new parameters gives the loss after the step (before it, "
                     f"{loss} {rel} {before[-1].text}):")
            prose_tex = (f"A forward pass with the new parameters gives the loss after the step (before it, "
                         f"${loss_tex} {rel_tex} {before[-1].tex}$):")
            steps.append(Step(f"{loss}'", prose, (eq,), prose_tex))
        return steps


_STATE_TEX = {"w": r"\theta", "v": "v", "m": "m", "m_hat": r"\hat{m}", "v_hat": r"\hat{v}"}
_STATE_TEXT = {"w": "θ", "v": "v", "m": "m", "m_hat": "m̂", "v_hat": "v̂"}
_SETTING_TEX = {"beta": r"\beta", "beta1": r"\beta_{1}", "beta2": r"\beta_{2}", "alpha": r"\alpha", "eps": r"\epsilon",
                "eta": r"\eta"}
_SETTING_TEXT = {"beta": "β", "beta1": "β1", "beta2": "β2", "alpha": "α", "eps": "ε", "eta": "η"}


def _rule(opt) -> tuple[Equation, ...]:
    """The optimiser's rule for one parameter θ with gradient g_t: a name on the right is its newest value
    (assigned earlier in the same step: _t; else the step before's: _{t-1})."""
    from ...latex import tex as tex_of, text as text_of

    done: set[str] = set()
    rows = []
    for name, expr in opt.spec.rule:
        tex_names, text_names = {}, {}
        for sym in expr.free_symbols:
            n = sym.name
            if n == "g":
                tex_names[n], text_names[n] = "g_{t}", "g_t"
            elif n in _STATE_TEX:
                when = ("t", "t") if n in done else ("t-1", "(t-1)")
                tex_names[n] = f"{_STATE_TEX[n]}_{{{when[0]}}}"
                text_names[n] = f"{_STATE_TEXT[n]}_{when[1]}"
            else:
                tex_names[n], text_names[n] = _SETTING_TEX.get(n, n), _SETTING_TEXT.get(n, n)
        lhs_tex, lhs_text = f"{_STATE_TEX.get(name, name)}_{{t}}", f"{_STATE_TEXT.get(name, name)}_t"
        rows.append(Equation(lhs_tex, lhs_text, (Form("=", tex_of(expr, names=tex_names),
                                                      text_of(expr, names=text_names)),)))
        done.add(name)
    return tuple(rows)


def loss_after(comp: Traced, new: dict):
    """The loss at the updated parameters (one more forward pass), or None when the values are symbolic."""
    if any(v.free_symbols for v in new.values()) or comp.trace.value(comp.model.output).free_symbols:
        return None
    _, forward, _ = forward_pass(comp.model, comp.problem.approximations, overrides=new)
    return forward[comp.model.output].value


def _terms(e) -> int:
    """How many terms the largest sum in an expression has."""
    return max([len(e.args) if e.is_Add else 0] + [_terms(a) for a in e.args]) if e.args else 0


def _paths_prose(tr: Trace, name: str) -> tuple[str, str]:
    """One line saying why a sum appears: the quantity reaches the output along several paths."""
    kids = [t.child for t in tr.adjoints[name].terms]
    if len(kids) < 2:
        return "", ""
    tex = tr.graph.tex

    def say(names, out, fmt):
        through = and_list([fmt(k) for k in names])
        return (f"{fmt(name)} affects {fmt(out)} through {through}, so by the multivariate chain rule "
                "the contributions of the paths add up:")

    return say(kids, tr.graph.output, str), say(kids, tr.graph.output, lambda n: f"${tex.get(n, n)}$")


def _merge(steps: list[Step]) -> tuple[Step, ...]:
    """Steps without a prose line join the block before them, so their equations align."""
    out: list[Step] = []
    for st in steps:
        if out and out[-1].type == "steps" and st.type == "steps" and not st.prose:
            prev = out[-1]
            out[-1] = Step(prev.quantity + " " + st.quantity, prev.prose, prev.equations + st.equations, prev.prose_tex)
        else:
            out.append(st)
    return tuple(out)

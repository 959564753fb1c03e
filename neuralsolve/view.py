"""view: a Trace becomes a Solution made only of strings.

Every decision about what a reader sees is made here: which steps each part
shows, in what order, which forms of an equation to keep, how numbers look.
"""

from __future__ import annotations

import sympy

from .layered import LayerSteps
from .latex import TextPrinter
from .solution import Equation, Form, PartView, Solution, Step, answer_string, marks_text
from .spec import Ask, Part, Problem
from .trace import Trace, gradient_step, needed, trace
from .writer import SYMBOLIC_VALUE_LIMIT, Writer


class _Solver(LayerSteps):
    """Builds the parts of one problem, remembering what earlier parts showed."""

    def __init__(self, problem: Problem, pins=None):
        self.problem = problem
        self.graph = problem.graph
        self.shown: set[str] = set()
        self.answers: dict[str, str] = {}
        self.values: dict[str, sympy.Expr] = {}  # the same answers as SymPy values, for where: conditions
        targets = self._all_targets()
        self.trace = trace(self.graph, targets, problem.approximations, pins=pins)
        self._asks_loss = any(a.what == "loss" for p in problem.parts for a in p.asks)

    def _answer(self, name: str, value: sympy.Expr) -> None:
        self.values[name] = value
        self.answers[name] = answer_string(value)

    # -- targets -------------------------------------------------------
    def _gradient_targets(self, ask: Ask) -> tuple[str, ...]:
        g = self.graph
        if ask.what == "update":
            names = list(g.parameters)
            if ask.only:  # network problems only (the loader refuses `only` elsewhere)
                kept = set()
                for layer in g.layers:
                    if "weights" in ask.only:
                        kept.update(w for row in layer.weights for w in row)
                    if "biases" in ask.only:
                        kept.update(layer.biases or ())
                names = [n for n in names if n in kept]
            return tuple(names)
        return ask.targets if ask.targets is not None else g.parameters

    def _all_targets(self) -> list[str]:
        out: list[str] = []
        for part in self.problem.parts:
            for ask in part.asks:
                if ask.what in ("gradients", "update"):
                    for n in self._gradient_targets(ask):
                        if n not in out:
                            out.append(n)
        if self.graph.kind == "network":  # deltas are shown a whole layer at a time
            for layer in self.graph.layers:
                members = set(layer.z) | set(layer.a) | {w for row in layer.weights for w in row} | set(layer.biases or ())
                if any(n in members for n in out):
                    out.extend(z for z in layer.z if z not in out)
        return out

    # -- parts ---------------------------------------------------------
    def part(self, part: Part) -> PartView:
        w = Writer(self.problem, part.precision)
        steps: list[Step] = []
        for ask in part.asks:
            steps.extend(self.ask(w, ask))
        asked = tuple(dict.fromkeys(n for ask in part.asks for n in self._asked(ask) if n in self.answers))
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, _merge(steps), asked)

    def _asked(self, ask: Ask) -> list[str]:
        """The answer names an ask asks for: what a part's marks are given for."""
        g = self.graph
        if ask.what == "parameter_count":
            return ["parameter_count"]
        if ask.what == "loss":
            return [g.output]
        if ask.what == "forward":
            names = [n.name for n in g.nodes if not n.is_leaf and (n.name != g.output or not self._asks_loss)]
            if ask.at:
                count = len(ask.at[0][1])
                return [n + "@" + ",".join(f"{k}={vals[i]}" for k, vals in ask.at) for i in range(count) for n in names]
            return names
        if ask.what == "update":
            return [f"{n}'" for n in self._gradient_targets(ask)]
        return [f"d{g.output}/d{t}" for t in self._gradient_targets(ask)]

    def ask(self, w: Writer, ask: Ask) -> list[Step]:
        if ask.what == "parameter_count":
            return [self.parameter_count(w)]
        if ask.what == "forward" and ask.at:
            return self.forward_at(w, ask)
        if ask.what == "forward":
            return self.forward(w)
        if ask.what == "loss":
            return self.loss(w)
        steps = []
        numeric = any(not v.value.free_symbols for n, v in self.trace.forward.items() if not self.graph.node(n).is_leaf)
        if "forward" not in self.shown and numeric:
            steps += self.forward(w, prose="The forward pass gives the values the gradients use.")
            steps += self.loss(w)
        steps += self.backward(w, self._gradient_targets(ask))
        if ask.what == "update":
            steps += self.update(w, ask)
        return steps

    # -- forward -------------------------------------------------------
    def forward(self, w: Writer, prose: str = "", tr: Trace | None = None,
                suffix: str = "") -> list[Step]:
        tr = tr or self.trace
        if "forward" in self.shown and not suffix:
            return []
        self.shown.add("forward") if not suffix else None
        g = self.graph
        steps: list[Step] = []
        if g.kind == "network":
            for layer in g.layers:
                steps.extend(self._layer_forward(w, layer, tr, suffix))
        else:
            for node in g.nodes:
                if node.is_leaf:
                    continue
                if node.name == g.output:
                    if self._asks_loss or suffix:
                        continue  # shown by the loss ask
                    self.shown.add("loss")
                steps.append(Step(node.name, "", (self._definition(w, node, tr),)))
                self._answer(node.name + suffix, tr.value(node.name))
        if steps and prose:
            steps[0] = Step(steps[0].quantity, prose, steps[0].equations)
        return steps

    def _definition(self, w: Writer, node, tr: Trace) -> Equation:
        """name = rule = rule with numbers = value; a symbolic value is not restated."""
        v = tr.value(node.name)
        sub = w.substitute(node.display, tr.env)
        if v.free_symbols and sub == node.display:
            v = None
        return w.chain(node.symbol, node.display, sub, v, extra=w.approximated(node.display, tr.env))

    def forward_at(self, w: Writer, ask: Ask) -> list[Step]:
        steps: list[Step] = []
        count = len(ask.at[0][1])
        for i in range(count):
            overrides = {name: vals[i] for name, vals in ask.at}
            tr = trace(self.graph, (), self.problem.approximations, overrides)
            label = ", ".join(f"{name} = {w.number(vals[i], 'text')}" for name, vals in ask.at)
            suffix = "@" + ",".join(f"{name}={vals[i]}" for name, vals in ask.at)
            block = self.forward(w, prose=f"For {label}:", tr=tr, suffix=suffix)
            steps.extend(block)
        self.shown.add("forward_at")
        return steps

    def loss(self, w: Writer) -> list[Step]:
        if "loss" in self.shown:
            return []
        self.shown.add("loss")
        g = self.graph
        node = g.node(g.output)
        v = self.trace.value(g.output)
        self._answer(g.output, v)
        return [Step(g.output, "The loss:", (self._definition(w, node, self.trace),))]

    # -- parameters ----------------------------------------------------
    def parameter_count(self, w: Writer) -> Step:
        g = self.graph
        if g.kind == "network":
            sizes, names, names_t = [], [], []
            for layer in g.layers:
                rows, cols = len(layer.weights), len(layer.inputs)
                sizes.append(rows * cols)
                names.append(rf"$\mathbf{{W}}^{{{layer.number}}}$ (${rows} \times {cols}$)")
                names_t.append(f"W{layer.number} ({rows}×{cols})")
                if layer.biases:
                    sizes.append(rows)
                    names.append(rf"$\mathbf{{b}}^{{{layer.number}}}$ (${rows}$)")
                    names_t.append(f"b{layer.number} ({rows})")
            lead = "The trainable parameters are the entries of the weight matrices and bias vectors: "
            prose, prose_tex = lead + ", ".join(names_t) + ".", lead + ", ".join(names) + "."
        else:
            sizes = [1 for _ in g.parameters]
            lead = "The trainable parameters are "
            prose = lead + ", ".join(g.parameters) + "."
            prose_tex = lead + ", ".join(f"${g.tex[p]}$" for p in g.parameters) + "."
        total = sum(sizes)
        self._answer("parameter_count", sympy.Integer(total))
        sum_tex = " + ".join(str(s) for s in sizes)
        forms = (Form("=", str(total), str(total)),) if len(sizes) > 1 else ()
        eq = Equation(sum_tex if len(sizes) > 1 else str(total), sum_tex if len(sizes) > 1 else str(total), forms)
        return Step("parameter_count", prose, (eq,), prose_tex)

    # -- backward ------------------------------------------------------
    def backward(self, w: Writer, targets) -> list[Step]:
        g = self.graph
        tr = self.trace
        steps: list[Step] = []
        for node in g.nodes:
            if node.name in tr.adjoints and node.name != g.output:
                self._answer(f"d{g.output}/d{node.name}", tr.adjoints[node.name].value)
        if g.kind == "network" and all(layer.activation is not None for layer in g.layers[:-1]):
            steps += self._network_backward(w, targets)
        else:
            steps += self._graph_backward(w, targets)
        return steps

    def _graph_backward(self, w: Writer, targets) -> list[Step]:
        g = self.graph
        steps = []
        mine = [n for n in needed(g, targets) if n != g.output]
        order = [n for n in mine if not g.node(n).is_leaf and n not in targets]
        order += [n.name for n in g.nodes if n.name in mine and n.name not in order]
        for name in order:
            key = f"adjoint:{name}"
            if key in self.shown:
                continue
            self.shown.add(key)
            prose, prose_tex = _paths_prose(self.trace, name)
            steps.append(Step(f"d{g.output}/d{name}", prose, (self._adjoint_equation(w, name),), prose_tex))
        return steps

    def _adjoint_equation(self, w: Writer, name: str) -> Equation:
        """dL/dv = sum of dL/dc dc/dv = the same with local derivatives = with numbers = value.

        A symbolic adjoint of a child stays its own symbol: each delta is spelled out once,
        in its own step, never pasted into the steps that use it.
        """
        g, tr = self.graph, self.trace
        adj = tr.adjoints[name]
        direct = len(adj.terms) == 1 and adj.terms[0].child == g.output

        def total(factors):
            with sympy.evaluate(False):
                terms = [f[0] if f[1] == 1 else (f[1] if f[0] == 1 else sympy.Mul(*f)) for f in factors]
                return sympy.Add(*terms) if len(terms) > 1 else terms[0]

        def known(child):
            av = tr.adjoints[child].value
            return w.value(av) if not av.free_symbols else w.adjoint(child)

        chain = None if direct else total([(w.adjoint(t.child), w.partial_symbol(t.child, name)) for t in adj.terms])
        rule = total([(1 if direct else w.adjoint(t.child), t.partial) for t in adj.terms])
        sub = total([(1 if direct else known(t.child), w.substitute(t.partial, tr.env, collapse=True))
                     for t in adj.terms])
        value = adj.value
        if value.free_symbols and (len(w.text(value)) > SYMBOLIC_VALUE_LIMIT
                                   or not any("/" in s.name for s in sub.free_symbols)):
            value = None  # too long to help, or the line above already is the answer
        return w.chain(w.adjoint(name), chain if chain is not None else rule, sub if chain is None else rule,
                       value, extra=None if chain is None else sub)

    def update(self, w: Writer, ask: Ask) -> list[Step]:
        tr = self.trace
        eqs = []
        eta = ask.learning_rate
        names = self._gradient_targets(ask)
        for name, new in gradient_step(tr, names, eta).items():
            old = tr.value(name)
            grad = tr.adjoints[name].value
            self._answer(f"{name}'", new)
            sym = sympy.Symbol(name)
            with sympy.evaluate(False):
                rule = sympy.Add(sym, sympy.Mul(-1, sympy.Symbol("eta"), w.adjoint(name)))
                sub = sympy.Add(w.value(old) if not old.free_symbols else old,
                                sympy.Mul(-1, w.value(eta), w.value(grad) if not grad.free_symbols else grad))
            lhs_tex = "{" + self.graph.tex.get(name, name) + "}'"
            eq = w.chain(sym, rule, sub, new)
            eqs.append(Equation(lhs_tex, name + "'", eq.forms))
        tail = ", every gradient taken at the unchanged parameters:"
        lead = "One gradient-descent step with learning rate "
        return [Step("update", f"{lead}η = {w.number(eta, 'text')}{tail}", tuple(eqs),
                     rf"{lead}$\eta = {w.number(eta)}${tail}")]


def _paths_prose(tr: Trace, name: str) -> tuple[str, str]:
    """One line saying why a sum appears: the quantity reaches the output along several paths."""
    kids = [t.child for t in tr.adjoints[name].terms]
    if len(kids) < 2:
        return "", ""
    tex = tr.graph.tex

    def say(names, out, fmt):
        through = ", ".join(fmt(k) for k in names[:-1]) + " and " + fmt(names[-1])
        return (f"{fmt(name)} affects {fmt(out)} through {through}, so by the multivariate chain rule "
                "the contributions of the paths add up:")

    return say(kids, tr.graph.output, str), say(kids, tr.graph.output, lambda n: f"${tex.get(n, n)}$")


def _merge(steps: list[Step]) -> tuple[Step, ...]:
    """Steps without a prose line join the block before them, so their equations align."""
    out: list[Step] = []
    for st in steps:
        if out and not st.prose:
            prev = out[-1]
            out[-1] = Step(prev.quantity + " " + st.quantity, prev.prose, prev.equations + st.equations, prev.prose_tex)
        else:
            out.append(st)
    return tuple(out)


def answer_values(problem: Problem) -> dict[str, sympy.Expr]:
    """The answers as values, without writing the solution (what a draw's conditions are tested on)."""
    if problem.kind == "matrix":
        return build_with_values(problem)[1]
    solver = _Solver(problem)
    g, tr = problem.graph, solver.trace
    values = {"parameter_count": sympy.Integer(len(g.parameters))} if g.kind == "network" else {}
    values.update({n.name: tr.value(n.name) for n in g.nodes if not n.is_leaf})
    values.update({f"d{g.output}/d{n}": a.value for n, a in tr.adjoints.items() if n != g.output})
    for part in problem.parts:
        for ask in part.asks:
            if ask.what == "update":
                names = solver._gradient_targets(ask)
                values.update({f"{n}'": v for n, v in gradient_step(tr, names, ask.learning_rate).items()})
    return values


def build(problem: Problem) -> Solution:
    """The Solution of a problem: every part's steps and the JSON answers."""
    return build_with_values(problem)[0]


def build_with_values(problem: Problem, pins=None) -> tuple[Solution, dict[str, sympy.Expr]]:
    """The Solution, and its answers as SymPy values (what `where:` conditions and `check` test).

    `pins` takes some computed answers as given (by name: z2_1, dC/dz2_1), as when
    following a student's wrong value through the rest of the working.
    """
    if problem.kind == "matrix":
        from .matrix.view import build_matrix

        return build_matrix(problem)
    solver = _Solver(problem, pins)
    parts = tuple(solver.part(p) for p in problem.parts)
    from .catalog import ACTIVATIONS

    said = {"relu_prime": ACTIVATIONS["relu"].convention, "step": ACTIVATIONS["step"].convention}
    notes = [said[k] for k in solver.trace.conventions if k in said]
    for key, value in problem.approximations:
        show = TextPrinter({"decimals": problem.decimals, "precision": problem.precision})
        notes.append(f"As the problem instructs, {show.doprint(key)} is taken as {show.doprint(value)}.")
    marks = [p.marks for p in problem.parts if p.marks is not None]
    total = marks_text(sum(marks)) if marks else None
    if not any(a.what == "forward" and a.at for p in problem.parts for a in p.asks):
        for node in problem.graph.nodes:  # every computed quantity, shown or not, is answered
            if not node.is_leaf and node.name not in solver.answers:
                solver._answer(node.name, solver.trace.value(node.name))
    return Solution(problem.title, parts, dict(solver.answers), tuple(notes), total), dict(solver.values)

"""view: a Trace becomes a Solution made only of strings.

Every decision about what a reader sees is made here: which steps each part
shows, in what order, which forms of an equation to keep, how numbers look.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .functions import standard
from .graph import Graph
from .latex import TexPrinter, TextPrinter, Value, number_text, tex_escape, tex_number
from .spec import Ask, Part, Problem
from .trace import Trace, needed, trace

SYMBOLIC_VALUE_LIMIT = 90  # characters: a longer symbolic value is left as the rule above it


@dataclass(frozen=True)
class Form:
    """One side of an equation chain: `= ...` or `≈ ...`."""

    rel: str  # "=" or "approx"
    tex: str
    text: str


@dataclass(frozen=True)
class Equation:
    """lhs = form = form ..."""

    lhs_tex: str
    lhs_text: str
    forms: tuple[Form, ...]

    @property
    def inline(self) -> bool:
        """Whether the chain fits on one printed line (else one form per line)."""
        return _width(self.lhs_tex) + sum(_width(f.tex) + 2 for f in self.forms) <= INLINE_WIDTH


INLINE_WIDTH = 62  # rough characters of a printed line of display math


def _width(tex: str) -> int:
    """A rough printed width of LaTeX: matrices count their widest row, commands count little."""
    import re

    def matrix(m):
        rows = m.group(1).split(r"\\")
        return "M" * max(_width(r.replace("&", "  ")) for r in rows)

    tex = re.sub(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", matrix, tex)
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", lambda m: "F" * max(len(m.group(1)), len(m.group(2))), tex)
    tex = re.sub(r"\\(left|right|mathbf|boldsymbol|operatorname|mathrm)", "", tex)
    tex = re.sub(r"\\[a-zA-Z]+", "X", tex)
    tex = re.sub(r"[{}^_ ]", "", tex)
    return len(tex)


@dataclass(frozen=True)
class Step:
    """What one step computes, an optional prose line (text and LaTeX), and its equations."""

    quantity: str
    prose: str
    equations: tuple[Equation, ...]
    prose_tex: str = ""

    def __post_init__(self):
        if self.prose and not self.prose_tex:
            object.__setattr__(self, "prose_tex", tex_escape(self.prose))


@dataclass(frozen=True)
class PartView:
    label: str | None
    marks: str | None
    question: str | None
    answer: str | None
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Solution:
    """The rendered-ready answer: strings only, plus the JSON answers."""

    title: str
    parts: tuple[PartView, ...]
    answers: dict[str, str]
    notes: tuple[str, ...]
    total_marks: str | None


def answer_string(v: sympy.Expr) -> str:
    """A value as a string sympy.sympify reads: exact, or 30 significant digits."""
    if v.is_Rational:
        return str(v)
    if v.is_Float:
        return str(sympy.Float(v, 30))
    return sympy.sstr(standard(v))


def marks_text(m) -> str | None:
    if m is None:
        return None
    return str(m) if m.is_Integer else str(sympy.Float(m, 6)).rstrip("0")


class Writer:
    """Prints expressions of one problem in both media, with its notation and precision."""

    def __init__(self, problem: Problem, precision: int):
        self.problem = problem
        g = problem.graph
        self.graph = g
        self.precision = precision
        self.names = dict(g.tex)
        self.text_names: dict[str, str] = {"eta": "η"}
        loss = g.output
        for n in g.nodes:
            key = f"d{loss}/d{n.name}"
            self.names[key] = g.adjoint_tex.get(n.name) or rf"\frac{{\partial {self.names[loss]}}}{{\partial {self.names[n.name]}}}"
            self.text_names[key] = f"∂{loss}/∂{n.name}"
        self._values: dict[Value, sympy.Expr] = {}
        self._exact: set[Value] = set()

    def adjoint(self, name: str) -> sympy.Symbol:
        return sympy.Symbol(f"d{self.graph.output}/d{name}")

    def partial_symbol(self, of: str, wrt: str) -> sympy.Symbol:
        key = f"∂{of}/∂{wrt}"
        self.names[key] = rf"\frac{{\partial {self.names[of]}}}{{\partial {self.names[wrt]}}}"
        self.text_names[key] = key
        return sympy.Symbol(key)

    def value(self, v: sympy.Expr, exact: bool = False) -> Value:
        """A placeholder that prints as v (its short exact form too, with exact: log(2), not 0.6931)."""
        ph = Value(f"#{len(self._values)}")
        self._values[ph] = v
        if exact:
            self._exact.add(ph)
        return ph

    def tex(self, e) -> str:
        return TexPrinter({"names": self.names, "values": self._values, "precision": self.precision,
                           "decimals": self.problem.decimals, "exact": self._exact}).doprint(e)

    def text(self, e) -> str:
        return TextPrinter({"names": self.text_names, "values": self._values, "precision": self.precision,
                            "decimals": self.problem.decimals, "exact": self._exact}).doprint(e)

    def number(self, v, media="tex", exact: bool = True) -> str:
        """A number as shown: exact where short (1/8, log(2)), else rounded."""
        if media == "tex":
            frac = lambda p, q: (rf"-\frac{{{-p}}}{{{q}}}" if p < 0 else rf"\frac{{{p}}}{{{q}}}")  # noqa: E731
            ex = self.tex
        else:
            frac = lambda p, q: f"{p}/{q}"  # noqa: E731
            ex = self.text
        out = number_text(v, self.precision, self.problem.decimals, frac, ex if exact else None)
        return tex_number(out) if media == "tex" else out

    def form(self, e, rel="=") -> Form:
        return Form(rel, self.tex(e), self.text(e))

    def result_forms(self, v) -> list[Form]:
        """How a value ends a chain: exact, exact ≈ decimal, or ≈ decimal."""
        if v.free_symbols:
            return [self.form(v)]
        if v.is_Rational:
            return [Form("=", self.number(v), self.number(v, "text"))]
        approx = Form("approx", self.number(v, exact=False), self.number(v, "text", exact=False))
        calls = [e for e in sympy.preorder_traversal(v) if isinstance(e, sympy.Function)]
        if v.is_Float or len(calls) > 1 or v.has(sympy.Float):
            return [approx]  # only a short exact form (tanh(2), log 4) is worth stating
        return [self.form(v), approx]

    def substitute(self, display, env, collapse: bool = False) -> sympy.Expr:
        """The rule with every known number in place of its name (display order kept).

        With collapse, a function of numbers is replaced by its value: a derivative
        such as sigma(z)(1 - sigma(z)) reads 0.562 (1 - 0.562), not sigma(0.249)(...).
        """
        mapping = {}
        for s in sorted(display.free_symbols, key=lambda s: s.name):
            v = env.get(s, s)
            if v is not s and not v.free_symbols:
                given = self.graph.has(s.name) and self.graph.node(s.name).is_leaf
                mapping[s] = self.value(v, exact=given)
        with sympy.evaluate(False):
            out = display.xreplace(mapping)
        if collapse and mapping:
            out = self._collapse(out, display, env)
        return out

    def approximated(self, display, env):
        """The rule with numbers, and with the problem's approximations in place (None if none apply)."""
        if not self.problem.approximations:
            return None
        out = self._collapse(None, display, env, approximations=dict(self.problem.approximations))
        return out

    def _collapse(self, out, display, env, approximations=None):
        from .trace import Evaluator

        ev = Evaluator(env)
        calls = {}
        for orig in sympy.preorder_traversal(display):
            if isinstance(orig, sympy.Function) and orig.args and not ev(orig).free_symbols:
                if approximations is not None:
                    with sympy.evaluate(False):
                        call = orig.func(*[ev(a) for a in orig.args])
                    if call in approximations:
                        calls[orig] = self.value(approximations[call], exact=True)
                else:
                    calls[orig] = self.value(ev(orig))
        if not calls:
            return out
        with sympy.evaluate(False):
            return self.substitute(display.xreplace(calls), env)

    def chain(self, lhs, rule, substituted, value, lhs_text=None, extra=None) -> Equation:
        """lhs = rule = substituted (= extra) = value, dropping forms that repeat the one before."""
        forms: list[Form] = []
        for e in (rule, substituted, extra):
            if e is None:
                continue
            f = self.form(e)
            if not forms or f.tex != forms[-1].tex:
                forms.append(f)
        if value is not None:
            for f in self.result_forms(value):
                if not forms or f.tex != forms[-1].tex:
                    forms.append(f)
        lt = self.tex(lhs) if not isinstance(lhs, str) else lhs
        tt = self.text(lhs) if not isinstance(lhs, str) else (lhs_text or lhs)
        return Equation(lt, tt, tuple(forms))


def _matrix_tex(rows: list[list[str]]) -> str:
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    # matrix cells are set in text style; a fraction there would be unreadably small
    cells = [[c.replace(r"\frac", r"\dfrac") for c in r] for r in rows]
    return r"\begin{pmatrix} " + r" \\ ".join(" & ".join(r) for r in cells) + r" \end{pmatrix}"


def _matrix_text(rows: list[list[str]]) -> str:
    if all(len(r) == 1 for r in rows):
        return "(" + ", ".join(r[0] for r in rows) + ")ᵀ" if len(rows) > 1 else rows[0][0]
    if len(rows) == 1:
        return "(" + ", ".join(rows[0]) + ")"
    return "[" + "; ".join(", ".join(r) for r in rows) + "]"


class _Solver:
    """Builds the parts of one problem, remembering what earlier parts showed."""

    def __init__(self, problem: Problem):
        self.problem = problem
        self.graph = problem.graph
        self.shown: set[str] = set()
        self.answers: dict[str, str] = {}
        targets = self._all_targets()
        self.trace = trace(self.graph, targets, problem.approximations)
        self._asks_loss = any(a.what == "loss" for p in problem.parts for a in p.asks)
        self.notes: list[str] = []

    # -- targets -------------------------------------------------------
    def _gradient_targets(self, ask: Ask) -> tuple[str, ...]:
        g = self.graph
        if ask.what == "update":
            names = list(g.parameters)
            if ask.only:
                names = [n for n in names if (n.startswith("w") and "weights" in ask.only)
                         or (n.startswith("b") and "biases" in ask.only)] if g.kind == "network" else names
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
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, _merge(steps))

    def ask(self, w: Writer, ask: Ask) -> list[Step]:
        if ask.what == "parameter_count":
            return [self.parameter_count(w)]
        if ask.what == "forward" and ask.at:
            return self.forward_at(w, ask)
        if ask.what == "forward":
            return self.forward(w)
        if ask.what == "loss":
            return self.forward(w, quiet=True) + self.loss(w)
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
    def forward(self, w: Writer, prose: str = "", quiet: bool = False, tr: Trace | None = None,
                suffix: str = "") -> list[Step]:
        tr = tr or self.trace
        if "forward" in self.shown and not suffix:
            return []
        if quiet:
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
                self.answers[node.name + suffix] = answer_string(tr.value(node.name))
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

    def _layer_forward(self, w: Writer, layer, tr: Trace, suffix: str) -> list[Step]:
        g = self.graph
        n = layer.number
        for name in layer.z + layer.a:
            self.answers[name + suffix] = answer_string(tr.value(name))
        if len(layer.z) == 1 and len(layer.inputs) == 1:
            eqs = []
            for name in (layer.z[0], layer.a[0]):
                eqs.append(self._definition(w, g.node(name), tr))
            return [Step(f"z{n}", "", tuple(eqs))]
        vec = lambda names: [[w.tex(w.substitute(sympy.Symbol(x), tr.env))] for x in names]  # noqa: E731
        vec_t = lambda names: [[w.text(w.substitute(sympy.Symbol(x), tr.env))] for x in names]  # noqa: E731
        Wm = [[w.tex(w.substitute(sympy.Symbol(x), tr.env)) for x in row] for row in layer.weights]
        Wt = [[w.text(w.substitute(sympy.Symbol(x), tr.env)) for x in row] for row in layer.weights]
        prev = n - 1
        single = len(layer.z) == 1
        z_lhs = (g.tex[layer.z[0]], layer.z[0]) if single else (rf"\mathbf{{z}}^{{{n}}}", f"z{n}")
        rule_tex = rf"\mathbf{{W}}^{{{n}}} \mathbf{{a}}^{{{prev}}}" + (rf" + \mathbf{{b}}^{{{n}}}" if layer.biases else "")
        rule_text = f"W{n}·a{prev}" + (f" + b{n}" if layer.biases else "")
        sub_tex = _matrix_tex(Wm) + " " + _matrix_tex(vec(layer.inputs))
        sub_text = _matrix_text(Wt) + " " + _matrix_text(vec_t(layer.inputs))
        if layer.biases:
            bt = _matrix_tex(vec(layer.biases))
            btx = _matrix_text(vec_t(layer.biases))
            neg_scalar = single and not tr.symbolic(layer.biases[0]) and tr.value(layer.biases[0]) < 0
            sub_tex += (" + " + (r"\left(" + bt + r"\right)" if neg_scalar else bt))
            sub_text += " + " + (f"({btx})" if neg_scalar else btx)
        z_vals = [tr.value(z) for z in layer.z]
        z_forms = [Form("=", rule_tex, rule_text), Form("=", sub_tex, sub_text)]
        z_forms += self._vector_result(w, z_vals)
        eqs = [Equation(z_lhs[0], z_lhs[1], tuple(z_forms))]
        # activation
        a_lhs = (g.tex[layer.a[0]], layer.a[0]) if single else (rf"\mathbf{{a}}^{{{n}}}", f"a{n}")
        if layer.activation is None:
            a_rule = (rf"\operatorname{{softmax}}\left(\mathbf{{z}}^{{{n}}}\right)", f"softmax(z{n})")
        elif single:
            a_rule = (rf"{layer.activation.tex}\left({g.tex[layer.z[0]]}\right)", f"{layer.activation.text}({layer.z[0]})")
        else:
            a_rule = (rf"{layer.activation.tex}\left(\mathbf{{z}}^{{{n}}}\right)", f"{layer.activation.text}(z{n})")
        a_forms = [Form("=", *a_rule)]
        if layer.activation is not None:  # softmax's substituted quotient is too long to help
            subs = [w.substitute(g.node(a).display, tr.env) for a in layer.a]
            a_forms.append(Form("=", _matrix_tex([[w.tex(s)] for s in subs]), _matrix_text([[w.text(s)] for s in subs])))
        a_forms += self._vector_result(w, [tr.value(a) for a in layer.a])
        eqs.append(Equation(a_lhs[0], a_lhs[1], tuple(_dedupe(a_forms))))
        return [Step(f"z{n}", "", tuple(eqs))]

    def _vector_result(self, w: Writer, vals) -> list[Form]:
        if len(vals) == 1:
            return w.result_forms(vals[0])
        symbolic = any(v.free_symbols for v in vals)
        forms = []
        if symbolic or not any(v.has(sympy.Float) for v in vals):
            cells = [[w.tex(v) if symbolic else w.number(v)] for v in vals]
            cells_t = [[w.text(v) if symbolic else w.number(v, "text")] for v in vals]
            forms.append(Form("=", _matrix_tex(cells), _matrix_text(cells_t)))
        if not symbolic and not all(v.is_Rational for v in vals):
            cells = [[w.number(v, exact=False)] for v in vals]
            cells_t = [[w.number(v, "text", exact=False)] for v in vals]
            forms.append(Form("approx", _matrix_tex(cells), _matrix_text(cells_t)))
        return forms

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
        self.answers[g.output] = answer_string(v)
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
        self.answers["parameter_count"] = str(total)
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
                self.answers[f"d{g.output}/d{node.name}"] = answer_string(tr.adjoints[node.name].value)
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
            steps.append(Step(f"d{g.output}/d{name}", "", (self._adjoint_equation(w, name),)))
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

    def _network_backward(self, w: Writer, targets) -> list[Step]:
        g, tr = self.graph, self.trace
        steps: list[Step] = []
        layers = [layer for layer in g.layers if all(z in tr.adjoints for z in layer.z)]
        if not layers:
            return self._graph_backward(w, targets)
        acts = []
        for layer in layers:
            act = layer.activation
            if act is not None and act.derivative != 1 and (act.name, layer.activation_name) not in acts and \
                    not (layer is g.layers[-1] and g.softmax_cross_entropy):
                acts.append((act.name, layer.activation_name))
                x = sympy.Symbol("x")
                key = f"derivative:{layer.activation_name}"
                if key not in self.shown:
                    self.shown.add(key)
                    lhs = rf"{act.tex}'\left(x\right)"
                    steps.append(Step(key, "The derivative of the activation:",
                                      (Equation(lhs, f"{act.text}'(x)", (_derivative_form(w, act),)),)))
        for layer in reversed(layers):
            key = f"delta:{layer.number}"
            if key in self.shown:
                continue
            self.shown.add(key)
            steps.extend(self._delta(w, layer))
        steps.extend(self._parameter_gradients(w, targets))
        # gradients of inputs or other leaves asked directly
        rest = [t for t in targets if g.node(t).role == "input" and t in tr.adjoints]
        for name in rest:
            key = f"adjoint:{name}"
            if key not in self.shown:
                self.shown.add(key)
                steps.append(Step(f"d{g.output}/d{name}", "", (self._adjoint_equation(w, name),)))
        return steps

    def _delta(self, w: Writer, layer) -> list[Step]:
        """delta^l for a whole layer, in vector form (scalar form for a one-unit hidden layer)."""
        g, tr = self.graph, self.trace
        n = layer.number
        out = layer is g.layers[-1]
        single = len(layer.z) == 1
        loss = g.tex[g.output]
        delta_lhs = (g.adjoint_tex[layer.z[0]], f"δ{layer.z[0][1:]}") if single else (rf"\boldsymbol{{\delta}}^{{{n}}}", f"δ{n}")
        dz = Form("=", rf"\frac{{\partial {loss}}}{{\partial {g.tex[layer.z[0]]}}}" if single
                  else rf"\frac{{\partial {loss}}}{{\partial \mathbf{{z}}^{{{n}}}}}",
                  f"∂{g.output}/∂{layer.z[0] if single else f'z{n}'}")
        deltas = [tr.adjoints[z].value for z in layer.z]

        def equation(forms):
            return (Equation(delta_lhs[0], delta_lhs[1], tuple(_dedupe(forms + self._vector_result(w, deltas)))),)

        if out and g.softmax_cross_entropy:
            a_vals = [tr.env[sympy.Symbol(a)] for a in layer.a]
            y_vals = [tr.value(t) for t in g.targets]
            forms = [dz, Form("=", rf"\mathbf{{a}}^{{{n}}} - \mathbf{{e}}_y", f"a{n} - e_y"),
                     Form("=", _matrix_tex(_cells(w, a_vals)) + " - " + _matrix_tex(_cells(w, y_vals, exact=True)),
                          _matrix_text(_cells(w, a_vals, "text")) + " - " + _matrix_text(_cells(w, y_vals, "text", exact=True)))]
            return [Step(key_delta(n), "With softmax outputs and the cross-entropy loss, the two derivatives combine "
                         "into one: the output minus the one-hot target.", equation(forms))]
        if not out and single:
            eqs = []
            for name in (layer.a[0], layer.z[0]):
                self.shown.add(f"adjoint:{name}")
                eqs.append(self._adjoint_equation(w, name))
            return [Step(key_delta(n), "Back-propagating through the weights of the layer above:", tuple(eqs))]
        act = layer.activation
        identity = act.name == "identity"
        dprime = [tr.adjoints[z].terms[0] for z in layer.z]  # da_j/dz_j, one per unit
        sig_sub = [[w.tex(w.substitute(t.partial, tr.env, collapse=True))] for t in dprime]
        sig_sub_t = [[w.text(w.substitute(t.partial, tr.env, collapse=True))] for t in dprime]
        sig_val = [t.partial_value for t in dprime]
        da = [tr.adjoints[a].value for a in layer.a]
        z_sym = g.tex[layer.z[0]] if single else rf"\mathbf{{z}}^{{{n}}}"
        z_txt = layer.z[0] if single else f"z{n}"
        odot, odot_t = (r" \cdot ", " · ") if single else (r" \odot ", " ⊙ ")
        if out:
            eqs = []
            for a in layer.a:
                eqs.append(self._adjoint_equation(w, a))
                self.shown.add(f"adjoint:{a}")
            steps = [Step(f"d{g.output}/da{n}", "The derivative of the loss with respect to the output:", tuple(eqs))]
            dla = (rf"\frac{{\partial {loss}}}{{\partial {g.tex[layer.a[0]]}}}" if single
                   else rf"\frac{{\partial {loss}}}{{\partial \mathbf{{a}}^{{{n}}}}}")
            dla_t = f"∂{g.output}/∂{layer.a[0] if single else f'a{n}'}"
            if identity:
                forms = [dz, Form("=", dla, dla_t)]
            else:
                forms = [dz, Form("=", rf"{act.tex}'\left({z_sym}\right){odot}{dla}", f"{act.text}'({z_txt}){odot_t}{dla_t}"),
                         Form("=", _matrix_tex(sig_sub) + odot + _matrix_tex(_cells(w, da, factor=single)),
                              _matrix_text(sig_sub_t) + odot_t + _matrix_text(_cells(w, da, "text", factor=single)))]
                if not single:
                    forms.append(Form("=", _matrix_tex(_cells(w, sig_val)) + odot + _matrix_tex(_cells(w, da)),
                                      _matrix_text(_cells(w, sig_val, "text")) + odot_t + _matrix_text(_cells(w, da, "text"))))
            steps.append(Step(key_delta(n), "", equation(forms)))
            return steps
        # hidden layer: delta^l = sigma'(z^l) (.) (W^{l+1})^T delta^{l+1}
        above = g.layers[g.layers.index(layer) + 1]
        m = above.number
        wt = [[tr.env[sympy.Symbol(above.weights[j][k])] for j in range(len(above.weights))] for k in range(len(layer.a))]
        d_above = [tr.adjoints[z].value for z in above.z]
        one_above = len(above.z) == 1
        d_above_sym = g.adjoint_tex[above.z[0]] if one_above else rf"\boldsymbol{{\delta}}^{{{m}}}"
        back = rf"\left(\mathbf{{W}}^{{{m}}}\right)^{{\top}} {d_above_sym}"
        back_t = f"W{m}ᵀ·δ{m}"
        prod = _matrix_tex(_cells(w, wt, exact=True)) + " " + _matrix_tex(_cells(w, d_above, factor=one_above))
        prod_t = _matrix_text(_cells(w, wt, "text", exact=True)) + " " + _matrix_text(_cells(w, d_above, "text", factor=one_above))
        if identity:
            forms = [dz, Form("=", back, back_t), Form("=", prod, prod_t)]
        else:
            forms = [dz, Form("=", rf"{act.tex}'\left({z_sym}\right) \odot \left({back}\right)",
                              f"{act.text}'({z_txt}) ⊙ ({back_t})"),
                     Form("=", _matrix_tex(sig_sub) + r" \odot \left(" + prod + r"\right)",
                          _matrix_text(sig_sub_t) + " ⊙ (" + prod_t + ")"),
                     Form("=", _matrix_tex(_cells(w, sig_val)) + r" \odot " + _matrix_tex(_cells(w, da)),
                          _matrix_text(_cells(w, sig_val, "text")) + " ⊙ " + _matrix_text(_cells(w, da, "text")))]
        for a in layer.a:
            self.shown.add(f"adjoint:{a}")
        return [Step(key_delta(n), "Back-propagating through the weights of the layer above:", equation(forms))]

    def _parameter_gradients(self, w: Writer, targets) -> list[Step]:
        g, tr = self.graph, self.trace
        steps = []
        loss = g.tex[g.output]
        explained = False
        for layer in reversed(g.layers):
            n = layer.number
            wnames = [x for row in layer.weights for x in row]
            asked_w = [x for x in wnames if x in targets]
            delta_sym = rf"\boldsymbol{{\delta}}^{{{n}}}" if len(layer.z) > 1 else g.adjoint_tex[layer.z[0]]
            prev_sym = rf"\mathbf{{a}}^{{{n - 1}}}"
            if asked_w and len(asked_w) == len(wnames) and len(wnames) > 1 and f"gradW:{n}" not in self.shown:
                self.shown.add(f"gradW:{n}")
                self.shown.update(f"adjoint:{x}" for x in wnames)
                deltas = [tr.adjoints[z].value for z in layer.z]
                prev = [tr.env[sympy.Symbol(a)] for a in layer.inputs]
                given = g.node(layer.inputs[0]).is_leaf
                d_cells, d_cells_t = _cells(w, deltas, factor=len(deltas) == 1), _cells(w, deltas, "text", factor=len(deltas) == 1)
                a_row = [[c[0] for c in _cells(w, prev, exact=given)]]
                a_row_t = [[c[0] for c in _cells(w, prev, "text", exact=given)]]
                grad_vals = [[tr.adjoints[x].value for x in row] for row in layer.weights]
                grads, grads_t = _cells(w, grad_vals), _cells(w, grad_vals, "text")
                exact = all(tr.adjoints[x].value.is_Rational or tr.adjoints[x].value.free_symbols for x in wnames)
                left = _matrix_tex(d_cells) if len(layer.z) > 1 else d_cells[0][0]
                forms = [Form("=", rf"{delta_sym} \left({prev_sym}\right)^{{\top}}", f"δ{n}·a{n - 1}ᵀ"),
                         Form("=", left + " " + _matrix_tex(a_row), _matrix_text(d_cells_t) + " " + _matrix_text(a_row_t)),
                         Form("=" if exact else "approx", _matrix_tex(grads), _matrix_text(grads_t))]
                prose = "" if explained else ("The gradient of each weight is the delta of its unit times the "
                                               "activation feeding it:")
                explained = True
                steps.append(Step(f"W{n}", prose,
                                  (Equation(rf"\frac{{\partial {loss}}}{{\partial \mathbf{{W}}^{{{n}}}}}", f"∂{g.output}/∂W{n}",
                                            tuple(_dedupe(forms))),)))
            else:
                eqs = []
                for x in asked_w:
                    if f"adjoint:{x}" in self.shown:
                        continue
                    self.shown.add(f"adjoint:{x}")
                    eqs.append(self._unit_gradient(w, x))
                if eqs:
                    steps.append(Step(f"W{n}", "", tuple(eqs)))
            if layer.biases:
                asked_b = [b for b in layer.biases if b in targets and f"adjoint:{b}" not in self.shown]
                eqs = []
                if asked_b and len(asked_b) == len(layer.biases) and len(layer.biases) > 1:
                    self.shown.update(f"adjoint:{b}" for b in asked_b)
                    forms = [Form("=", delta_sym, f"δ{n}")] + self._vector_result(w, [tr.adjoints[b].value for b in layer.biases])
                    eqs.append(Equation(rf"\frac{{\partial {loss}}}{{\partial \mathbf{{b}}^{{{n}}}}}", f"∂{g.output}/∂b{n}",
                                        tuple(forms)))
                else:
                    for b in asked_b:
                        self.shown.add(f"adjoint:{b}")
                        eqs.append(self._unit_gradient(w, b))
                if eqs:
                    steps.append(Step(f"b{n}", "", tuple(eqs)))
        return steps

    def _num(self, w, v, media="tex"):
        if v.free_symbols:
            return w.tex(v) if media == "tex" else w.text(v)
        return w.number(v, media)

    def _unit_gradient(self, w: Writer, name: str) -> Equation:
        """dL/dw = delta * a (or dL/db = delta), one parameter."""
        tr = self.trace
        adj = tr.adjoints[name]
        (t,) = adj.terms
        with sympy.evaluate(False):
            rule = sympy.Mul(w.adjoint(t.child), t.partial) if t.partial != 1 else w.adjoint(t.child)
            av = tr.adjoints[t.child].value
            a_ph = w.value(av) if not av.free_symbols else av
            sub = sympy.Mul(a_ph, w.substitute(t.partial, tr.env)) if t.partial != 1 else a_ph
        return w.chain(w.adjoint(name), rule, sub, adj.value)

    # -- update --------------------------------------------------------
    def update(self, w: Writer, ask: Ask) -> list[Step]:
        tr = self.trace
        eqs = []
        eta = ask.learning_rate
        for name in self._gradient_targets(ask):
            old = tr.value(name)
            grad = tr.adjoints[name].value
            new = old - eta * grad
            new = new if new.free_symbols or new.is_Rational else sympy.Float(new, 50)
            self.answers[f"{name}'"] = answer_string(new)
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


def _derivative_form(w: Writer, act) -> Form:
    """sigma'(x) as the catalogue states it; relu and step by cases."""
    if act.name == "relu":
        return Form("=", r"\begin{cases} 1 & x > 0 \\ 0 & x < 0 \end{cases}\quad\text{(taken as 0 at } x = 0)",
                    "1 for x > 0, 0 for x < 0 (taken as 0 at x = 0)")
    if act.name == "step":
        return Form("=", r"0 \quad (x \neq 0;\ \text{undefined at } x = 0)", "0 for x ≠ 0 (undefined at x = 0)")
    return w.form(act.derivative)


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


def key_delta(n: int) -> str:
    return f"delta{n}"


def _cells(w: Writer, values, media: str = "tex", factor: bool = False, exact: bool = False):
    """Matrix cells for values (a list, or a list of rows): numbers as shown, symbols by name.

    With factor, a lone negative number or a sum is bracketed, as it stands in a product.
    With exact, a short exact form (log(2)) is kept: for values the author gave, not computed ones.
    """
    rows = values if values and isinstance(values[0], list) else [[v] for v in values]
    out = []
    for row in rows:
        cells = []
        for v in row:
            c = w.number(v, media, exact=exact) if not v.free_symbols else (w.tex(v) if media == "tex" else w.text(v))
            if factor and (c.startswith("-") or v.is_Add):
                c = rf"\left({c}\right)" if media == "tex" else f"({c})"
            cells.append(c)
        out.append(cells)
    return out


def _paren_if_neg(s: str) -> str:
    return rf"\left({s}\right)" if s.startswith("-") else s


def _dedupe(forms):
    out = []
    for f in forms:
        if not out or f.tex != out[-1].tex:
            out.append(f)
    return out


def build(problem: Problem) -> Solution:
    """The Solution of a problem: every part's steps and the JSON answers."""
    solver = _Solver(problem)
    parts = tuple(solver.part(p) for p in problem.parts)
    said = {"relu_prime": "A ReLU unit's input is exactly 0 here; its derivative there is taken as relu'(0) = 0.",
            "step": "A threshold unit's input is exactly 0 here; step(0) = 1, as step(x) = 1 for x >= 0."}
    notes = [said[k] for k in solver.trace.conventions if k in said]
    for key, value in problem.approximations:
        show = TextPrinter({"decimals": problem.decimals, "precision": problem.precision})
        notes.append(f"As the problem instructs, {show.doprint(key)} is taken as {show.doprint(value)}.")
    marks = [p.marks for p in problem.parts if p.marks is not None]
    total = marks_text(sum(marks)) if marks else None
    answers = dict(solver.answers)
    if not any(a.what == "forward" and a.at for p in problem.parts for a in p.asks):
        for node in problem.graph.nodes:  # every computed quantity, shown or not, is answered
            if not node.is_leaf and node.name not in answers:
                answers[node.name] = answer_string(solver.trace.value(node.name))
    return Solution(problem.title, parts, answers, tuple(notes), total)

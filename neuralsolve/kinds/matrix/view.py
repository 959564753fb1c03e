"""The matrix kind's computation and steps: each adjoint as the sum of its paths, the closed form, then numbers."""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from ...errors import ProblemError
from ...latex import tex_escape
from ...problem import Ask, Part, Problem
from ...solution import Equation, Form, PartView, Prose, Step, and_list, answer_name, marks_text
from . import ir
from .calculus import CalculusError, Gradient, evaluate, names_in, reverse, stations, substitute
from .derivatives import Derivatives
from .paths import PathProse
from .softmax import SoftmaxSteps
from .values import tex_value as _tex_value
from .values import text_value as _text_value


def _bracketed(t: str) -> str:
    return rf"\left({t}\right)" if " " in t.replace(r"\mathbf{", "").strip() else t


def _tex_names(g, losses, stations: dict[str, ir.E]) -> dict[str, str]:
    """LaTeX of every name, adjoints included (dL/dK as \\frac{\\partial L}{\\partial \\mathbf{K}}).

    Stations (K^-1, X X^T) are named by their own LaTeX.
    """
    names = dict(g.tex)
    names.update({n: ir.bold_name(n, e.shape, {}) if n.isidentifier() else ir.tex(e, g.tex)
                  for n, e in stations.items()})
    for loss in losses:
        lt = names.get(loss) or ir.bold_name(loss, ir.ONE, {})
        # a product station is bracketed: ∂L/∂(X Xᵀ), which ∂L/∂X Xᵀ would not say
        names.update({f"d{loss}/d{n}": rf"\frac{{\partial {lt}}}{{\partial {_bracketed(t)}}}"
                      for n, t in list(names.items()) if not n.startswith("d") or "/" not in n})
    return names


def sympy_text(e: ir.E) -> str:
    """A symbolic matrix answer in SymPy's notation (read it with MatrixSymbols for the names)."""
    op = e.op
    if op == "var":
        return answer_name(e.name.replace("/", "_"))
    if op == "num":
        return sympy.sstr(e.num) if e.shape == ir.ONE else "0"
    if op == "I":
        return f"Identity({e.shape[0]})"
    if op == "ones":
        return f"OneMatrix({e.shape[0]}, {e.shape[1]})"
    s = [sympy_text(a) for a in e.args]
    if op == "matmul":
        return "*".join(f"({sympy_text(f)})" if f.op in ("add", "scale") else sympy_text(f) for f in ir.matmul_factors(e))
    if op == "add":
        return " + ".join(s)
    if op == "scale":
        return f"({s[0]})*({s[1]})"
    wrap = {"T": "Transpose", "inv": "Inverse", "det": "Determinant", "trace": "Trace", "had": "HadamardProduct",
            "softmax": "softmax", "sum": "sum", "norm": "norm"}
    if op == "logdet":
        return f"log(Determinant({s[0]}))"
    if op == "pow":
        return f"({s[0]})**({sympy.sstr(e.num)})"
    if op in ("fn", "dfn"):
        return f"{e.name}{'_prime' if op == 'dfn' else ''}({s[0]})"
    return f"{wrap.get(op, op)}({', '.join(s)})"


def _renamed(e: ir.E, names: dict[str, str]) -> ir.E:
    """e with some variables renamed (to their values' text, for the substituted form in the terminal)."""
    if e.op == "var":
        return ir.E("var", (), e.shape, names[e.name], symmetric=e.symmetric) if e.name in names else e
    return ir.E(e.op, tuple(_renamed(a, names) for a in e.args), e.shape, e.name, e.num, e.symmetric)


@dataclass(frozen=True)
class GradientsOf:
    """A gradients ask for a loss other than the output (a named term such as L1), with its targets."""

    of: str
    names: tuple[str, ...]


def loss_and_targets(g, ask: Ask) -> tuple[str, tuple[str, ...]]:
    """Which scalar a gradients ask differentiates, and with respect to what."""
    if isinstance(ask.arg, GradientsOf):
        return ask.arg.of, ask.arg.names
    return g.output, tuple(ask.arg or g.parameters)


def sub_losses(g) -> tuple[str, ...]:
    """The named terms of an output that is their sum (L = -c + L1 + L2): (L1, L2); else ()."""
    expr = ir.simp(g.equations[g.output])
    terms = expr.args if expr.op == "add" else (expr,)
    out = []
    for t in terms:
        used = names_in(t)
        if not used & set(g.equations):
            continue  # a constant such as -c
        k, scalars, core = ir._coeff(t)
        if k != 1 or scalars or core.op != "var" or core.name not in g.equations or used - {core.name}:
            return ()
        out.append(core.name)
    return tuple(out) if len(out) > 1 else ()


@dataclass(frozen=True)
class MatrixComputation:
    """The gradients (closed forms) every part needs, and the numeric instance's values where all are given."""

    problem: Problem
    grads: dict[str, Gradient]  # of the output
    wanted: tuple[str, ...]
    numeric: dict[str, sympy.Matrix]  # equation and input name -> value (empty: no numeric instance)
    numeric_grads: dict[str, sympy.Matrix]  # gradient name -> value at the instance
    by_loss: dict = None  # loss -> {name: Gradient}, the output's included
    equations: dict = None  # the equations with the exam's intermediates (K^-1, X X^T) named, in order
    stations: dict = None  # intermediate name -> its expression

    @property
    def model(self):
        return self.problem.model


def compute(problem: Problem) -> MatrixComputation:
    """Reverse mode over the equations for every asked gradient, then the numbers of a numeric instance."""
    g = problem.model
    wanted: dict[str, list[str]] = {g.output: []}
    for ask in problem.asks:
        if ask.what == "gradients":
            loss, names = loss_and_targets(g, ask)
            wanted.setdefault(loss, []).extend(names)
        elif ask.what == "stored_for_backward":
            wanted[g.output].extend(g.parameters)
    for sub in sub_losses(g):  # the output's gradient is worked as the sum of its terms' gradients
        wanted.setdefault(sub, []).extend(wanted[g.output])
    wanted = {k: list(dict.fromkeys(v)) for k, v in wanted.items()}
    try:
        by_loss = {loss: reverse(g.equations, g.shapes, loss, names, named=True) for loss, names in wanted.items()}
    except CalculusError as exc:
        raise ProblemError(str(exc), problem.file) from None
    eqs, _, found = stations(g.equations, g.shapes)
    grads = by_loss[g.output]
    numeric = _forward_values(g) if g.values and _all_given(g) else {}
    numeric_grads = {}
    if numeric:
        for name, gr in grads.items():
            try:
                numeric_grads[name] = evaluate(gr.closed, dict(numeric), g.dims)
            except (ValueError, KeyError, TypeError):
                pass
        for name, e in g.equations.items():  # l = cross_entropy(a, y): dl/da = -y / a, entry by entry
            if e.op == "ce" and e.args[0].op == "var" and e.args[0].name in numeric:
                av, yv = numeric[e.args[0].name], evaluate(e.args[1], dict(numeric), g.dims)
                numeric_grads[e.args[0].name] = sympy.Matrix(av.rows, 1, lambda i, j: -yv[i] / av[i] if yv[i] else 0)
    return MatrixComputation(problem, grads, tuple(wanted[g.output]), numeric, numeric_grads, by_loss, eqs, found)


def _all_given(g) -> bool:
    used = set()
    for e in g.equations.values():
        used |= names_in(e)
    return all(n in g.values for n in used if n not in g.equations)


def _forward_values(g) -> dict[str, sympy.Matrix]:
    env = dict(g.values)
    for name, expr in g.equations.items():
        if expr.op == "loss":
            break
        try:
            env[name] = evaluate(expr, env, g.dims)
            if any(v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) for v in env[name]):
                raise ValueError("division by zero" if any(v.has(sympy.zoo) for v in env[name])
                                 else "the value is undefined")
            if any(v.is_real is False for v in env[name]):
                raise ValueError("a value is not a real number (a square root or logarithm of a negative number?)")
        except (ValueError, ZeroDivisionError, TypeError) as exc:  # a singular matrix, log of 0, ...
            what = "a matrix to invert is singular" if "invertible" in str(exc).lower() else str(exc)
            w = g.where.get(name)
            raise ProblemError(f"computing {name} with the values given: {what}", w.file, w.line, w.col) from None
    return env


def needed_for(comp: MatrixComputation, targets, loss: str | None = None) -> list[str]:
    """The adjoints on the way from the loss to the targets, in the order backpropagation computes them."""
    loss = loss or comp.model.output
    grads = comp.by_loss[loss]
    out = set(targets)
    changed = True
    while changed:
        changed = False
        for name, gr in grads.items():
            if name in out:
                for p in gr.paths:
                    if p.child not in out and p.child != loss:
                        out.add(p.child)
                        changed = True
    # backpropagation's order: each equation's adjoint, then the parameters whose last use (going
    # backwards) that equation is: W after P = W x, not after K = W^T P - x
    order: list[str] = []
    eqs = list(comp.equations)
    first_use: dict[str, str] = {}
    for name in eqs:
        for p in sorted(names_in(comp.equations[name])):
            first_use.setdefault(p, name)
    for name in reversed(eqs):
        if name in grads:
            order.append(name)
        order += [p for p in comp.model.shapes if first_use.get(p) == name and p in grads and p not in comp.equations
                  and p not in order]
    order += [n for n in targets if n not in order and n in grads]
    return [n for n in order if n in out]


def gradient_value(comp: MatrixComputation, name: str, loss: str | None = None):
    """A gradient's answer: its value at the numeric instance, else its closed form (None: neither)."""
    loss = loss or comp.model.output
    grads = comp.by_loss[loss]
    if comp.numeric:
        v = comp.numeric_grads.get(name) if loss == comp.model.output else None
        if v is None and name in grads:
            try:
                v = evaluate(grads[name].closed, dict(comp.numeric), comp.model.dims)
            except (ValueError, KeyError, TypeError):
                v = None
        if v is not None:
            return matrix_value(v)
    return grads[name].closed if name in grads else None


def stored_reads(comp: MatrixComputation, ask: Ask):
    """Which forward quantities the backward pass reads, their sizes, and the bytes they take."""
    g = comp.model
    reads: list[str] = []
    for name in comp.wanted:
        if name in comp.grads:
            for n in names_in(comp.grads[name].closed):
                if n in g.equations and n != g.output and n not in reads:
                    reads.append(n)
    for name, expr in g.equations.items():
        if expr.op == "loss" and expr.args[0].op == "var" and expr.args[0].name not in reads:
            reads.append(expr.args[0].name)  # dL/do is evaluated at o
    order = list(g.equations)
    reads.sort(key=order.index)
    sizes = [g.shapes[n][0] * g.shapes[n][1] for n in reads]
    return reads, sizes, sympy.factor(sympy.Integer(ask.arg) * sympy.Add(*sizes))


class MatrixView(PathProse, Derivatives, SoftmaxSteps):
    """Builds a matrix problem's parts from its computation."""

    def __init__(self, problem: Problem, comp: MatrixComputation, answers):
        self.problem = problem
        self.comp = comp
        g = problem.model
        self.g = g
        self.loss = g.output
        self.grads = comp.grads
        self.numeric = comp.numeric
        self.answers = answers
        self.stations = comp.stations or {}
        self.names = _tex_names(g, list(comp.by_loss), self.stations)
        self.shown: set[str] = set()
        self.precision = problem.precision

    def parts(self) -> tuple[PartView, ...]:
        return tuple(self.part(p, asked) for p, asked in zip(self.problem.parts, self.answers.asked))

    def part(self, part: Part, asked: tuple[str, ...]) -> PartView:
        self.precision = part.precision
        steps: list[Step] = []
        for ask in part.asks:
            steps += self.problem.kind.asks[ask.what].steps(self, ask)
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(steps), asked)

    def tex(self, e: ir.E) -> str:
        return ir.tex(e, self.names)

    def forward(self, ask: Ask) -> list[Step]:
        if not self.numeric:
            return []
        precision = self.precision
        eqs, steps = [], []
        for name, expr in self.g.equations.items():
            if name not in self.numeric:
                continue
            v = self.numeric[name]
            if expr.op == "ce":
                steps.append(self._cross_entropy_step(name, expr, precision))
                continue
            forms = [Form("=", self.tex(expr), ir.text(expr))]
            if expr.op == "softmax":
                forms += self._softmax_forms(expr.args[0], precision)
            else:
                forms += self._substituted(expr, precision)
            forms.append(Form("=", _tex_value(v, precision), _text_value(v, precision)))
            forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
            eqs.append(Equation(self.names.get(name, name), name, tuple(forms)))
        return [Step("forward", "With the values given:", tuple(eqs))] + steps

    def _substituted(self, expr: ir.E, precision: int) -> list[Form]:
        """expr with the numbers of its names in place (W x + b with W, x and b written out), if it has names."""
        used = [n for n in sorted(names_in(expr)) if n in self.numeric]
        if not used or expr.op == "var":
            return []
        tex_names, text_names = dict(self.names), {}
        for n in used:
            v = self.numeric[n]
            t, x = _tex_value(v, precision), _text_value(v, precision)
            if v.shape == (1, 1) and v[0, 0].could_extract_minus_sign():
                t, x = rf"\left({t}\right)", f"({x})"
            tex_names[n], text_names[n] = t, x
        return [Form("=", ir.tex(expr, tex_names), ir.text(_renamed(expr, text_names)))]

    def backward(self, ask: Ask) -> list[Step]:
        loss, targets = loss_and_targets(self.g, ask)
        subs = sub_losses(self.g) if loss == self.g.output else ()
        if subs and all(t in self.comp.by_loss[s] or t not in self.grads for s in subs for t in targets):
            return self._by_terms(subs, targets)
        return self._backward(loss, targets)

    def _backward(self, loss: str, targets) -> list[Step]:
        steps = []
        grads = self.comp.by_loss[loss]
        for name in needed_for(self.comp, targets, loss):
            if f"grad:{loss}:{name}" in self.shown:
                continue
            self.shown.add(f"grad:{loss}:{name}")
            fused = self._softmax_ce(name) if loss == self.loss else None
            if fused is not None:
                steps.append(self._softmax_ce_derivation(*fused, self.precision))
            steps += self._derivatives(grads[name])
            steps.append(self._step(grads[name], self.precision, loss))
        return steps

    def _by_terms(self, subs: tuple[str, ...], targets) -> list[Step]:
        """L = -c + L1 + L2: each term's gradient (unless shown already), then their sum (homework 3, Q2e)."""
        steps = []
        for t in targets:
            if f"grad:{self.loss}:{t}" in self.shown or t not in self.grads:
                continue
            self.shown.add(f"grad:{self.loss}:{t}")
            for sub in subs:
                steps += self._backward(sub, [t])
            lhs = self.names[f"d{self.loss}/d{t}"]
            terms = [ir.var(f"d{sub}/d{t}", self.g.shapes[t]) for sub in subs]
            rule = ir.add(*terms)
            total = ir.simp(ir.add(*[self.comp.by_loss[sub][t].closed for sub in subs]))
            forms = [Form("=", self.tex(rule), ir.text(rule)), Form("=", self.tex(total), ir.text(total))]
            value = self.comp.numeric_grads.get(t) if self.numeric else None
            if value is not None:
                forms.append(Form("=", _tex_value(value, self.precision), _text_value(value, self.precision)))
            expr = self.g.equations[self.loss]
            rest = [n for n in sorted(names_in(expr), key=str) if n not in subs]
            tt, lt = self.names.get(t, t), self.names.get(self.loss, self.loss)

            grads_text = and_list([f"∂{n}/∂{t}" for n in subs])
            grads_tex = and_list([f"${self.names[f'd{n}/d{t}']}$" for n in subs])
            free = ("", "")
            if rest:  # -c: its own gradient is named, so no pronoun is left to guess at
                zero_text = " = ".join(f"∂{n}/∂{t}" for n in rest) + " = 0"
                zero_tex = " = ".join(rf"\frac{{\partial {self.names.get(n, n)}}}{{\partial {tt}}}" for n in rest)
                verb = "does" if len(rest) == 1 else "do"
                free = (f", where {and_list(rest)} {verb} not depend on {t} ({zero_text})",
                        f", where {and_list([f'${self.names.get(n, n)}$' for n in rest])} {verb} not depend on ${tt}$ "
                        f"(${zero_tex} = 0$)")
            text = f"{self.loss} = {ir.text(expr)}{free[0]}, so ∂{self.loss}/∂{t} is the sum of {grads_text}:"
            tex_ = f"${lt} = {self.tex(expr)}${free[1]}, so ${lhs}$ is the sum of {grads_tex}:"
            steps.append(Step(f"d{self.loss}/d{t}", text, (Equation(lhs, f"∂{self.loss}/∂{t}", tuple(forms)),), tex_))
        return steps

    def _step(self, gr: Gradient, precision: int, loss: str | None = None) -> Step:
        loss = loss or self.loss
        lhs = self.names[f"d{loss}/d{gr.name}"]
        lhs_t = f"∂{loss}/∂{gr.name}"
        forms = []
        before: list[Equation] = []
        rule = gr.rule
        if len({p.child for p in gr.paths}) > 1 and not gr.merged:  # W^T in K = W^T P - x: dL/dW^T first
            rule, before = self._transposed_paths(gr, loss)
        if gr.merged and gr.plain is None:  # 1/2 K + 1/2 K = K
            terms = [ir.simp(p.term) for p in gr.paths]
            forms.append(Form("=", self.tex(ir.E("add", tuple(terms), terms[0].shape)),
                              ir.text(ir.E("add", tuple(terms), terms[0].shape))))
        if gr.plain is not None:  # first as the rules give it, then with the symmetry used
            forms.append(Form("=", self.tex(gr.plain), ir.text(gr.plain)))
        if len(gr.paths) > 1 or gr.rule != gr.closed:
            forms.append(Form("=", self.tex(rule), ir.text(rule)))
        forms.append(Form("=", self.tex(gr.closed), ir.text(gr.closed)))
        forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
        value = (self.comp.numeric_grads.get(gr.name) if loss == self.loss else None) if self.numeric else None
        if value is not None:
            if all(n in self.numeric for n in names_in(gr.closed)):  # (a - e_y) x^T with a, e_y and x written out
                forms += self._substituted(gr.closed, precision)
            forms.append(Form("=", _tex_value(value, precision), _text_value(value, precision)))
            forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
        prose, prose_tex = self._paths_prose(gr, loss)
        forms = [f for f in forms if f.tex != lhs]  # never a tautology such as dL/do = dL/do
        if not forms:  # an unspecified loss: its gradient is where backpropagation starts
            prose = (f"The loss is left unspecified, so backpropagation starts from its gradient with respect to "
                     f"{gr.name}, ∂{loss}/∂{gr.name}, which stays as it is.")
            prose_tex = (tex_escape("The loss is left unspecified, so backpropagation starts from its gradient with "
                                    "respect to ") + f"${self.names.get(gr.name, gr.name)}$, ${lhs}$, which stays as it is.")
            return Prose(prose, prose_tex)
        return Step(f"d{loss}/d{gr.name}", prose, (*before, Equation(lhs, lhs_t, tuple(forms))), prose_tex)

    def _transposed_paths(self, gr: Gradient, loss: str) -> tuple[ir.E, list[Equation]]:
        """The rule with each path through W^T written (dL/dW^T)^T, and dL/dW^T's own line (homework 3, Q1)."""
        terms, eqs = [], []
        values = {f"d{loss}/d{k}": g.closed for k, g in self.comp.by_loss[loss].items()}
        for p in gr.paths:
            if p.via is None or p.via.op != "T" or p.via.args[0].name != gr.name:
                terms.append(ir.simp(p.term))
                continue
            name = f"d{loss}/d{gr.name}ᵀ"
            shape = p.via.shape
            self.names[name] = rf"\frac{{\partial {self.names.get(loss, loss)}}}{{\partial {self.tex(p.via)}}}"
            terms.append(ir.T(ir.var(name, shape)))
            own = ir.simp(ir.T(p.term))
            closed = ir.simp(substitute(own, values))
            forms = [Form("=", self.tex(own), ir.text(own))]
            if closed != own:
                forms.append(Form("=", self.tex(closed), ir.text(closed)))
            named = {k: e for k, e in self.stations.items() if k.isidentifier()}
            spelled = substitute(closed, named)  # K P^T = K (W x)^T, as the seed writes it
            if spelled != closed:
                forms.append(Form("=", self.tex(spelled), ir.text(spelled)))
            eqs.append(Equation(self.names[name], f"∂{loss}/∂{ir.text(p.via)}", tuple(forms)))
        return ir.E("add", tuple(terms), gr.rule.shape), eqs

    def stored(self, ask: Ask) -> list[Step]:
        """Which forward quantities the backward pass reads, their sizes, and the bytes."""
        reads, sizes, total = stored_reads(self.comp, ask)
        listing = ", ".join(f"{n} ({sympy.sstr(s)} numbers)" for n, s in zip(reads, sizes))
        listing_tex = ", ".join(f"${self.names.get(n, n)}$ (${sympy.latex(s)}$ numbers)" for n, s in zip(reads, sizes))
        lead = "The backward pass reads these forward quantities (inputs and parameters are kept anyway): "
        first = Form("=", rf"{ask.arg} \left({' + '.join(sympy.latex(s) for s in sizes)}\right)",
                     f"{ask.arg}·({' + '.join(sympy.sstr(s) for s in sizes)})")
        last = Form("=", sympy.latex(total), sympy.sstr(total))
        eq = Equation(r"\text{bytes}", "bytes", (first, last) if first.tex.replace(" ", "") != last.tex.replace(" ", "")
                      and not total.free_symbols else (first,))
        return [Step("stored_for_backward", lead + listing + ".", (eq,), tex_escape(lead) + listing_tex + ".")]


def matrix_string(v) -> str:
    """Matrix([[1/8, 1/8], [-3/4, -3/4]]) on one line, as SymPy reads it (a vector as a column)."""
    from ...solution import answer_string

    if not isinstance(v, sympy.MatrixBase):
        return answer_string(v)
    rows = ", ".join("[" + ", ".join(answer_string(x) for x in v.row(i)) + "]" for i in range(v.rows))
    return f"Matrix([{rows}])"


def matrix_value(v: sympy.Matrix) -> sympy.Expr:
    """A 1 x 1 result as a scalar, anything larger as a Matrix."""
    return v[0, 0] if v.shape == (1, 1) else v


__all__ = ["MatrixView", "compute", "matrix_string", "sympy_text"]

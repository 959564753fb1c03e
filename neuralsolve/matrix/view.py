"""The matrix kind's Solution: each adjoint as the sum of its paths, then the closed form, then numbers."""

from __future__ import annotations

import sympy

from ..latex import tex_escape
from ..solution import Equation, Form, PartView, Solution, Step, marks_text
from ..spec import Ask, Problem
from . import ir
from ..errors import ProblemError
from .calculus import CalculusError, Gradient, evaluate, names_in, reverse, substitute


def _tex_names(g, loss: str) -> dict[str, str]:
    """LaTeX of every name, adjoints included (dL/dK as \\frac{\\partial L}{\\partial \\mathbf{K}})."""
    names = dict(g.tex)
    lt = ir.bold_name(loss, ir.ONE, {})
    names.update({f"d{loss}/d{n}": rf"\frac{{\partial {lt}}}{{\partial {t}}}" for n, t in g.tex.items()})
    return names


def sympy_text(e: ir.E) -> str:
    """A symbolic matrix answer in SymPy's notation (read it with MatrixSymbols for the names)."""
    op = e.op
    if op == "var":
        return e.name.replace("/", "_")
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


def _matrix_value(v: sympy.Matrix) -> sympy.Expr:
    return v[0, 0] if v.shape == (1, 1) else v


def _tex_value(v: sympy.Matrix, precision: int) -> str:
    from ..latex import TexPrinter

    p = TexPrinter({"precision": precision})
    if v.shape == (1, 1):
        return p.doprint(v[0, 0])
    rows = [" & ".join(p.doprint(x).replace(r"\frac", r"\dfrac") for x in v.row(i)) for i in range(v.rows)]
    return r"\begin{pmatrix} " + r" \\ ".join(rows) + r" \end{pmatrix}"


def _text_value(v: sympy.Matrix, precision: int) -> str:
    from ..latex import TextPrinter

    p = TextPrinter({"precision": precision})
    if v.shape == (1, 1):
        return p.doprint(v[0, 0])
    return "[" + "; ".join(", ".join(p.doprint(x) for x in v.row(i)) for i in range(v.rows)) + "]"


class MatrixSolver:
    """Builds a matrix problem's parts."""

    def __init__(self, problem: Problem):
        self.problem = problem
        g = problem.graph
        self.g = g
        self.loss = g.output
        wanted = []
        for part in problem.parts:
            for ask in part.asks:
                if ask.what in ("gradients", "stored_for_backward"):
                    wanted += list(ask.targets or g.parameters)
        self.wanted = list(dict.fromkeys(wanted))
        try:
            self.grads: dict[str, Gradient] = reverse(g.equations, g.shapes, self.loss, self.wanted)
        except CalculusError as exc:
            raise ProblemError(str(exc), problem.file) from None
        self.names = _tex_names(g, self.loss)
        self.answers: dict[str, str] = {}
        self.values: dict[str, sympy.Expr] = {}
        self.numeric = self._forward_values() if g.values and self._all_given() else {}
        self.shown: set[str] = set()

    def _all_given(self) -> bool:
        used = set()
        for e in self.g.equations.values():
            used |= names_in(e)
        return all(n in self.g.values for n in used if n not in self.g.equations)

    def _forward_values(self) -> dict[str, sympy.Matrix]:
        env = dict(self.g.values)
        for name, expr in self.g.equations.items():
            if expr.op == "loss":
                break
            try:
                env[name] = evaluate(expr, env, self.g.dims)
            except (ValueError, ZeroDivisionError, TypeError) as exc:  # a singular matrix, log of 0, ...
                what = "a matrix to invert is singular" if "invertible" in str(exc).lower() else str(exc)
                w = self.g.where.get(name)
                raise ProblemError(f"computing {name} with the values given: {what}", w.file, w.line, w.col) from None
        return env

    def tex(self, e: ir.E) -> str:
        return ir.tex(e, self.names)

    def part(self, part) -> PartView:
        steps: list[Step] = []
        asked: list[str] = []
        for ask in part.asks:
            steps += self.ask(ask, part.precision, asked)
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(steps), tuple(asked))

    def ask(self, ask: Ask, precision: int, asked: list[str]) -> list[Step]:
        if ask.what == "forward":
            return self.forward(precision, asked)
        if ask.what == "stored_for_backward":
            return self.stored(ask, asked)
        return self.backward(ask.targets or self.g.parameters, precision, asked)

    def forward(self, precision: int, asked: list[str]) -> list[Step]:
        if not self.numeric:
            return []
        eqs = []
        for name, expr in self.g.equations.items():
            if name not in self.numeric:
                continue
            v = self.numeric[name]
            self._answer(name, _matrix_value(v))
            asked.append(name)
            eqs.append(Equation(self.names.get(name, name), name,
                                (Form("=", self.tex(expr), ir.text(expr)),
                                 Form("=", _tex_value(v, precision), _text_value(v, precision)))))
        return [Step("forward", "With the values given:", tuple(eqs))]

    def backward(self, targets, precision: int, asked: list[str]) -> list[Step]:
        steps = []
        order = [n for n in reversed(list(self.g.equations)) if n in self.grads]
        order += [n for n in targets if n not in order and n in self.grads]
        needed = self._needed_for(targets)
        for name in order:
            if name not in needed or f"grad:{name}" in self.shown:
                continue
            self.shown.add(f"grad:{name}")
            steps.append(self._step(self.grads[name], precision))
        for t in targets:
            if t in self.grads:
                asked.append(f"d{self.loss}/d{t}")
        return steps

    def _needed_for(self, targets) -> set[str]:
        """The adjoints on the way from the loss to the targets."""
        out = set(targets)
        changed = True
        while changed:
            changed = False
            for name, gr in self.grads.items():
                if name in out:
                    for p in gr.paths:
                        if p.child not in out and p.child != self.loss:
                            out.add(p.child)
                            changed = True
        return out

    def _step(self, gr: Gradient, precision: int) -> Step:
        lhs = self.names[f"d{self.loss}/d{gr.name}"]
        lhs_t = f"∂{self.loss}/∂{gr.name}"
        forms = []
        if gr.plain is not None:  # first as the rules give it, then with the symmetry used
            forms.append(Form("=", self.tex(gr.plain), ir.text(gr.plain)))
        if len(gr.paths) > 1 or gr.rule != gr.closed:
            forms.append(Form("=", self.tex(gr.rule), ir.text(gr.rule)))
        forms.append(Form("=", self.tex(gr.closed), ir.text(gr.closed)))
        forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
        value = self._numeric_gradient(gr)
        if value is not None:
            forms.append(Form("=", _tex_value(value, precision), _text_value(value, precision)))
            self._answer(f"d{self.loss}/d{gr.name}", _matrix_value(value))
        else:
            self.answers[f"d{self.loss}/d{gr.name}"] = sympy_text(gr.closed)
            self.values[f"d{self.loss}/d{gr.name}"] = gr.closed
        prose, prose_tex = self._paths_prose(gr)
        if gr.rule == gr.closed and gr.rule.op == "var" and gr.rule.name == f"d{self.loss}/d{gr.name}":
            prose = f"The loss is left unspecified, so its gradient with respect to {gr.name} stays as it is:"
            prose_tex = tex_escape(prose)
        return Step(f"d{self.loss}/d{gr.name}", prose, (Equation(lhs, lhs_t, tuple(forms)),), prose_tex)

    def _paths_prose(self, gr: Gradient) -> tuple[str, str]:
        children = list(dict.fromkeys(p.child for p in gr.paths))
        if len(gr.paths) < 2:
            return "", ""
        g = gr.name
        if gr.merged:
            sym = [c for c in children if c != self.loss and ir.is_symmetric(ir.var(c, self.g.shapes[c], True))
                   and self.g.shapes[c][0] == self.g.shapes[c][1] and self.g.shapes[c] != ir.ONE
                   and ir.is_symmetric(ir.simp(self.g.equations.get(c, ir.var(c, self.g.shapes[c]))))]
            why = (f" {' and '.join(sym)} is symmetric, and so is the gradient with respect to it, so the paths give "
                   "equal terms, merged into one:") if sym else " The terms are equal, and are merged into one:"
            text = f"{g} reaches {self.loss} along {len(gr.paths)} paths, whose contributions add up.{why}"
        else:
            through = " and ".join(children) if len(children) > 1 else f"{children[0]}, where {g} appears {len(gr.paths)} times"
            text = f"{g} reaches {self.loss} along {len(gr.paths)} paths (through {through}); their contributions add up"
            sym = [n for n in names_in(gr.plain) if n in self.g.equations and n != self.loss
                   and self.g.shapes[n][0] == self.g.shapes[n][1] != 1 and
                   ir.is_symmetric(ir.var(n, self.g.shapes[n], True))] if gr.plain is not None else []
            text += (f", and {', '.join(sym)} is symmetric, so its inverse transposed is its inverse:" if sym else ":")
        return text, tex_escape(text)

    def _numeric_gradient(self, gr: Gradient):
        if not self.numeric:
            return None
        env = dict(self.numeric)
        try:
            return evaluate(gr.closed, env, self.g.dims)
        except (ValueError, KeyError, TypeError):
            return None

    def stored(self, ask: Ask, asked: list[str]) -> list[Step]:
        """Which forward quantities the backward pass reads, their sizes, and the bytes."""
        g = self.g
        reads: list[str] = []
        for name in self.wanted:
            if name in self.grads:
                for n in names_in(self.grads[name].closed):
                    if n in g.equations and n != self.loss and n not in reads:
                        reads.append(n)
        for name, expr in g.equations.items():
            if expr.op == "loss" and expr.args[0].op == "var" and expr.args[0].name not in reads:
                reads.append(expr.args[0].name)  # dL/do is evaluated at o
        order = list(g.equations)
        reads.sort(key=order.index)
        sizes = [g.shapes[n][0] * g.shapes[n][1] for n in reads]
        total = sympy.factor(sympy.Integer(ask.bytes_per_number) * sympy.Add(*sizes))
        self._answer("stored_for_backward", total)
        asked.append("stored_for_backward")
        listing = ", ".join(f"{n} ({sympy.sstr(s)} numbers)" for n, s in zip(reads, sizes))
        listing_tex = ", ".join(f"${self.names.get(n, n)}$ (${sympy.latex(s)}$ numbers)" for n, s in zip(reads, sizes))
        lead = "The backward pass reads these forward quantities (inputs and parameters are kept anyway): "
        first = Form("=", rf"{ask.bytes_per_number} \left({' + '.join(sympy.latex(s) for s in sizes)}\right)",
                     f"{ask.bytes_per_number}·({' + '.join(sympy.sstr(s) for s in sizes)})")
        last = Form("=", sympy.latex(total), sympy.sstr(total))
        eq = Equation(r"\text{bytes}", "bytes", (first, last) if first.tex.replace(" ", "") != last.tex.replace(" ", "")
                      and not total.free_symbols else (first,))
        return [Step("stored_for_backward", lead + listing + ".", (eq,), tex_escape(lead) + listing_tex + ".")]

    def _answer(self, name, v):
        self.values[name] = v
        self.answers[name] = matrix_string(v)


def matrix_string(v) -> str:
    """Matrix([[1/8, 1/8], [-3/4, -3/4]]) on one line, as SymPy reads it (a vector as a column)."""
    from ..solution import answer_string

    if not isinstance(v, sympy.MatrixBase):
        return answer_string(v)
    rows = ", ".join("[" + ", ".join(answer_string(x) for x in v.row(i)) + "]" for i in range(v.rows))
    return f"Matrix([{rows}])"


def build_matrix(problem: Problem) -> tuple[Solution, dict]:
    """The Solution of a matrix problem, and its answers as values."""
    s = MatrixSolver(problem)
    parts = tuple(s.part(p) for p in problem.parts)
    marks = [p.marks for p in problem.parts if p.marks is not None]
    notes = ("Layout: every gradient has the shape of what it is taken with respect to.",)
    return Solution(problem.title, parts, dict(s.answers), notes, marks_text(sum(marks)) if marks else None), s.values


__all__ = ["build_matrix", "sympy_text", "substitute"]

"""Softmax and cross-entropy in the seed's steps: the sum written out, l = -log a_y, the fused a - y (sheet 4, Q1)."""

from __future__ import annotations

import re

import sympy

from ...latex import tex, text
from ...solution import Equation, Form, Step
from ...writer import pmatrix
from . import ir
from .calculus import evaluate
from .values import tex_value, text_value


class SoftmaxSteps:
    """The steps of softmax and the cross-entropy (mixed into MatrixView)."""

    def _cross_entropy_step(self, name: str, expr: ir.E, precision: int) -> Step:
        """l = -e_y^T log(a) = -log a_y, with the class y read off the one-hot e_y, then the number (sheet 4, Q1)."""
        a, y = expr.args
        v = self.numeric[name]
        av, yv = evaluate(a, dict(self.numeric), self.g.dims), evaluate(y, dict(self.numeric), self.g.dims)
        yt, lt = self.tex(y), self.names.get(name, name)
        a_letter, a_plain = _entry_stem(a, self.g.tex), ir.text(a)
        value = Form("=", tex_value(v, precision), text_value(v, precision))
        forms = [Form("=", self.tex(expr), ir.text(expr))]
        hot = [i for i, e in enumerate(yv) if e != 0]
        if len(hot) == 1 and yv[hot[0]] == 1 and a.op == "var":
            k = hot[0] + 1
            entry = av[hot[0]]
            forms += [Form("=", rf"-\log {a_letter}_{{y}}", f"-log {a_plain}_y"),
                      Form("=", rf"-\log {a_letter}_{{{k}}}", f"-log {a_plain}_{k}"),
                      Form("=", rf"-\log\left({tex(entry, precision=precision)}\right)",
                           f"-log({text(entry, precision=precision)})"), value]
            prose = (f"The class is y = {k}, the entry of {ir.text(y)} that is 1, so the cross-entropy keeps only "
                     f"{a_plain}_{k}:")
            prose_tex = (f"The class is $y = {k}$, the entry of ${yt}$ that is 1, so the cross-entropy keeps only "
                         f"${a_letter}_{{{k}}}$:")
        else:
            forms.append(value)
            prose, prose_tex = "The cross-entropy, with the logarithm taken entry by entry:", ""
        forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
        return Step(name, prose, (Equation(lt, name, tuple(forms)),), prose_tex)

    def _softmax_forms(self, z: ir.E, precision: int) -> list[Form]:
        """softmax(z)_i = e^(z_i) / sum_k e^(z_k), written out with the numbers (problem sheet 4, Q1)."""
        zv = evaluate(z, dict(self.numeric), self.g.dims)
        if zv.cols != 1:
            return []
        exps = [sympy.exp(v) for v in zv]
        rule = (r"\frac{1}{\sum_{k} e^{z_{k}}} \begin{pmatrix} " + r" \\ ".join(f"e^{{z_{{{i + 1}}}}}" for i in range(len(exps)))
                + r" \end{pmatrix}", "(e^z_i)/Σ_k e^z_k")
        shown = [tex(e, precision=precision) for e in exps]
        shown_t = [text(e, precision=precision) for e in exps]
        sub = (r"\frac{1}{" + " + ".join(shown) + "} " + pmatrix([[t] for t in shown]),
               "(" + ", ".join(shown_t) + ")ᵀ/(" + " + ".join(shown_t) + ")")
        return [Form("=", *rule), Form("=", *sub)]


    def _softmax_ce(self, name: str):
        """(a, y) when `name` is z in a = softmax(z), l = cross_entropy(a, y): their gradient fuses to a - y."""
        for a, e in self.g.equations.items():
            if e.op == "softmax" and e.args[0].op == "var" and e.args[0].name == name:
                for ce in self.g.equations.values():
                    if ce.op == "ce" and ce.args[0].op == "var" and ce.args[0].name == a:
                        return a, ce.args[1]
        return None

    def _softmax_ce_derivation(self, a: str, y: ir.E, precision: int) -> Step:
        """The seed's route to a - y: dl/da, the softmax Jacobian by cases, then the chain rule (sheet 4, Q1)."""
        lt = self.names.get(self.loss, self.loss)
        at, yt = self.names.get(a, a), ir.tex(y, self.names)
        z = self.g.equations[a].args[0].name
        dl_da = Form("=", r"\begin{cases} -\dfrac{1}{a_{y}} & j = y \\ 0 & j \neq y \end{cases}",
                     "-1/a_y for j = y, 0 otherwise")
        forms = [Form("=", rf"-{yt} \oslash {at}", f"-{ir.text(y)} ⊘ {a}")]  # the vector: every j at once
        if self.numeric and a in self.numeric:
            av, yv = self.numeric[a], evaluate(y, dict(self.numeric), self.g.dims)
            dv = sympy.Matrix(av.rows, 1, lambda i, j: -yv[i] / av[i] if yv[i] != 0 else 0)
            forms.append(Form("=", tex_value(dv, precision), text_value(dv, precision)))
        jac = Form("=", r"\begin{cases} a_{j} \left(1 - a_{j}\right) & i = j \\ -a_{i} a_{j} & i \neq j \end{cases}",
                   "a_j(1 - a_j) for i = j, -a_i a_j for i ≠ j")
        chain = (Form("=", rf"\sum_{{j}} \frac{{\partial {lt}}}{{\partial a_{{j}}}} \frac{{\partial a_{{j}}}}{{\partial z_{{i}}}}",
                      f"Σ_j (∂{self.loss}/∂a_j)(∂a_j/∂z_i)"),
                 Form("=", r"-\frac{1}{a_{y}} \frac{\partial a_{y}}{\partial z_{i}}", "-(1/a_y) ∂a_y/∂z_i"),
                 Form("=", r"\begin{cases} a_{y} - 1 & i = y \\ a_{i} & i \neq y \end{cases}",
                      "a_i - 1 for i = y, a_i otherwise"))
        eqs = (Equation(rf"\frac{{\partial {lt}}}{{\partial a_{{j}}}}", f"∂{self.loss}/∂a_j", (dl_da,)),
               Equation(self.names[f"d{self.loss}/d{a}"], f"∂{self.loss}/∂{a}", tuple(forms)),
               Equation(r"\frac{\partial a_{j}}{\partial z_{i}}", "∂a_j/∂z_i", (jac,)),
               Equation(rf"\frac{{\partial {lt}}}{{\partial z_{{i}}}}", f"∂{self.loss}/∂z_i", chain))
        prose = (f"Through {a} = softmax({z}) and the cross-entropy, coordinate by coordinate: the loss depends on {a} "
                 f"only through its entry for the class y, each entry of {a} on every entry of {z}, so")
        prose_tex = (f"Through ${at} = \\operatorname{{softmax}}({self.names.get(z, z)})$ and the cross-entropy, "
                     f"coordinate by coordinate: the loss depends on ${at}$ only through its entry for the class $y$, "
                     f"each entry of ${at}$ on every entry of ${self.names.get(z, z)}$, so")
        return Step(f"d{self.loss}/d{a}", prose, eqs, prose_tex)


def _entry_stem(a: ir.E, names: dict) -> str:
    """The LaTeX that an entry index follows: a for a_y (not bold: an entry is a number), (a_2) for (a_2)_y."""
    from ...notation import name_tex

    t = names.get(a.name) or name_tex(a.name)
    t = t.replace(r"\mathbf{", "{").replace(r"\boldsymbol{", "{")
    bare = re.match(r"\{([^{}]*)\}", t)
    if bare:  # {a} -> a, {a}_{2} -> a_{2}
        t = bare.group(1) + t[bare.end():]
    return rf"\left({t}\right)" if "_" in t else t

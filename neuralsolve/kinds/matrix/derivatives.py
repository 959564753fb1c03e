"""sigmoid' and swish' derived once by the chain and product rules, before the first step using them (homework 3, Q3)."""

from __future__ import annotations

from ...solution import Equation, Form, Step
from . import ir
from .calculus import Gradient


class Derivatives:
    """The derivation steps of element-wise derivatives (mixed into MatrixView)."""

    def _derivatives(self, gr: Gradient) -> list[Step]:
        """sigmoid' and swish' derived once, before the first step that uses them (homework 3, Q3)."""
        steps = []
        for d in _dfns(gr.rule) + _dfns(gr.closed):
            if d.name not in ("sigmoid", "swish") or f"dfn:{d.name}" in self.shown:
                continue
            self.shown.add(f"dfn:{d.name}")
            steps.append(self._derivative_step(d))
        return steps

    def _derivative_step(self, d: ir.E) -> Step:
        z, out = d.args[0], (d.args[1] if len(d.args) > 1 else None)
        zt, ztx = self.tex(z), ir.text(z)
        ht = self.tex(out) if out is not None else None
        htx = ir.text(out) if out is not None else None
        if d.name == "sigmoid":
            scalar = Equation(r"\sigma'(z)", "σ'(z)", (
                Form("=", r"\frac{d}{dz} \left(1 + e^{-z}\right)^{-1}", "d/dz (1 + e^(-z))^(-1)"),
                Form("=", r"\frac{e^{-z}}{\left(1 + e^{-z}\right)^{2}}", "e^(-z)/(1 + e^(-z))^2"),
                Form("=", r"\frac{1}{1 + e^{-z}} \cdot \frac{e^{-z}}{1 + e^{-z}}", "1/(1 + e^(-z)) · e^(-z)/(1 + e^(-z))"),
                Form("=", r"\sigma(z) \left(1 - \sigma(z)\right)", "σ(z)(1 - σ(z))")))
            lead = "By the chain rule on σ(z) = 1/(1 + e^(-z)):"
            lead_tex = r"By the chain rule on $\sigma(z) = \frac{1}{1 + e^{-z}}$:"
        else:
            scalar = Equation(r"\operatorname{swish}'(z)", "swish'(z)", (
                Form("=", r"\frac{d}{dz} \left(z \sigma(z)\right)", "d/dz (z σ(z))"),
                Form("=", r"\sigma(z) + z \sigma(z) \left(1 - \sigma(z)\right)", "σ(z) + z σ(z)(1 - σ(z))"),
                Form("=", r"z \sigma(z) + \sigma(z) \left(1 - z \sigma(z)\right)", "z σ(z) + σ(z)(1 - z σ(z))"),
                Form("=", r"\operatorname{swish}(z) + \sigma(z) \left(1 - \operatorname{swish}(z)\right)",
                     "swish(z) + σ(z)(1 - swish(z))")))
            lead = "By the product rule on swish(z) = z σ(z), with σ'(z) = σ(z)(1 - σ(z)):"
            lead_tex = (r"By the product rule on $\operatorname{swish}(z) = z \sigma(z)$, with "
                        r"$\sigma'(z) = \sigma(z) \left(1 - \sigma(z)\right)$:")
        fn = ir.fn(d.name, z)
        entry = Equation(rf"{ir.ELEMENTWISE[d.name][0]}'\left({zt}\right)", f"{ir.ELEMENTWISE[d.name][1]}'({ztx})",
                         (Form("=", self.tex(d), ir.text(d)),))
        if out is not None:
            lead = lead[:-1] + f", then entry by entry with {htx} = {ir.text(fn)}:"
            lead_tex = lead_tex[:-1] + f", then entry by entry with ${ht} = {self.tex(fn)}$:"
        else:
            lead = lead[:-1] + ", then entry by entry:"
            lead_tex = lead_tex[:-1] + ", then entry by entry:"
        return Step(f"{d.name}'", lead, (scalar, entry), lead_tex)


def _dfns(e: ir.E) -> list[ir.E]:
    """The element-wise derivatives in e, in reading order."""
    out = [e] if e.op == "dfn" else []
    for a in e.args:
        out += [d for d in _dfns(a) if d not in out]
    return out

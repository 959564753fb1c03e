"""The matrix kind's prose for a gradient's paths, in the exam's terms: through Xᵀ, through log|K|, through K⁻¹."""

from __future__ import annotations

from . import ir
from .calculus import Gradient, names_in


class PathProse:
    """What each path of a gradient is, and why terms merge or transposes go (mixed into MatrixView)."""

    def _way(self, gr: Gradient, p, loss: str) -> tuple[str, str]:
        """One path's way in the exam's terms: through Xᵀ, through log|K|, through K⁻¹, through P."""
        v = ir.var(gr.name, self.g.shapes.get(gr.name, ir.ONE))
        c = p.child
        where = ("", "") if c in (gr.name, loss) or c in self.stations and not c.isidentifier() else \
            (f" in {c}", f" in ${self.names.get(c, c)}$")
        if c in self.stations and self.stations[c].op == "inv":  # through K^-1 in tr(K^-1 Y Y^T)
            around = [_enclosing(e, c) for e in self.comp.equations.values()]
            around = [a for a in around if a is not None]
            inside = (f" in {ir.text(around[0])}", f" in ${self.tex(around[0])}$") if around else ("", "")
            return (f"{c}{inside[0]} (the inverse rule)", f"${self.names[c]}${inside[1]} (the inverse rule)")
        if p.via is not None and p.via.op == "T":
            return ir.text(ir.T(v)) + where[0], f"${self.tex(ir.T(v))}$" + where[1]
        if p.via is not None:
            return ir.text(p.via) + where[0], f"${self.tex(p.via)}$" + where[1]
        if c in self.stations and c.isidentifier():
            return f"{c} = {ir.text(self.stations[c])}", f"${self.names[c]} = {self.tex(self.stations[c])}$"
        return ir.text(ir.var(c, (2, 2))), f"${self.names.get(c, c)}$"

    def _paths_prose(self, gr: Gradient, loss: str) -> tuple[str, str]:
        """What the paths are, in the exam's terms, and why terms merge or transposes go."""
        g, gt = gr.name, self.names.get(gr.name, gr.name)
        children = list(dict.fromkeys(p.child for p in gr.paths))
        if len(gr.paths) < 2:
            return self._one_path(gr, loss)
        ways = [self._way(gr, p, loss) for p in gr.paths]
        if len(children) == 1:  # one equation holds g more than once: K^T K, X X^T
            c = children[0]
            ct = self.names.get(c, c) if c in self.stations else f"{self.names.get(c, c)} = {self.tex(self.comp.equations[c])}"
            ctext = ir.text(self.comp.equations[c]) if c in self.stations else f"{c} = {ir.text(self.comp.equations[c])}"
            v = ir.var(g, self.g.shapes.get(g, ir.ONE))
            ways = [(ir.text(p.via if p.via is not None and p.via.op != "T" else ir.T(v) if p.via else v),
                     self.tex(p.via if p.via is not None and p.via.op != "T" else ir.T(v) if p.via else v))
                    for p in gr.paths]
            times = {2: "twice", 3: "three times"}.get(len(gr.paths), f"{len(gr.paths)} times")
            if len({w[0] for w in ways}) == 1:  # K⁻¹ M K⁻¹: both the same, 'as K⁻¹ and as K⁻¹' would say nothing
                text = f"{ctext} holds {g} {times}; the contributions add up"
                tex_ = f"${ct}$ holds ${gt}$ {times}; the contributions add up"
            else:
                text = f"{ctext} holds {g} {times}, as {' and as '.join(w[0] for w in ways)}; the contributions add up"
                tex_ = (f"${ct}$ holds ${gt}$ {times}, as " + " and as ".join(f"${w[1]}$" for w in ways)
                        + "; the contributions add up")
        else:
            count = {2: "two", 3: "three", 4: "four"}.get(len(gr.paths), str(len(gr.paths)))
            text = f"{g} reaches {loss} along {count} paths, " + " and ".join(f"through {w[0]}" for w in ways)
            text += "; their contributions add up"
            tex_ = (f"${gt}$ reaches ${self.names.get(loss, loss)}$ along {count} paths, "
                    + " and ".join(f"through {w[1]}" for w in ways) + "; their contributions add up")
        if gr.merged:
            sym = [c for c in children if c != loss and self._symmetric(c)]
            adj = [f"∂{loss}/∂{c}" for c in sym]
            if sym:
                text += f", and {' and '.join(adj)} is symmetric, so the terms are equal:"
                tex_ += (", and " + " and ".join(f"${self.names[f'd{loss}/d{c}']}$" for c in sym)
                         + " is symmetric, so the terms are equal:")
            else:
                text += ", and the terms are equal:"
                tex_ += ", and the terms are equal:"
        else:
            used = names_in(gr.plain) if gr.plain is not None else set()
            sym = [n for n in self.comp.equations if n in used and n != loss and n not in self.stations
                   and self._symmetric(n)]
            if sym:
                told = " and ".join(sym)
                text += f", and {told} {'is' if len(sym) == 1 else 'are'} symmetric, so {told}⁻ᵀ = {told}⁻¹:" \
                    if len(sym) == 1 else f", and {told} are symmetric:"
                st = " and ".join(f"${self.names.get(n, n)}$" for n in sym)
                tex_ += (f", and {st} is symmetric, so ${self.names.get(sym[0])}^{{-\top}} = "
                         f"{self.names.get(sym[0])}^{{-1}}$:") if len(sym) == 1 else f", and {st} are symmetric:"
            else:
                text += ":"
                tex_ += ":"
        return text, tex_

    def _one_path(self, gr: Gradient, loss: str) -> tuple[str, str]:
        """The rule a single path uses, where it is one an exam names: log|K|, the inverse rule, X X^T, P = W x."""
        gt = self.names.get(gr.name, gr.name)
        inverse = [p for p in gr.paths if p.child in self.stations and self.stations[p.child].op == "inv"]
        if gr.name in self.stations and self.stations[gr.name].op == "inv":
            around = _enclosing(self.comp.equations[gr.paths[0].child], gr.name)
            if around is not None and around.op == "trace":  # tr(K^-1 Y Y^T)
                return (f"First to {gr.name}, through the trace:",
                        f"First to ${self.names[gr.name]}$, through the trace:")
            return f"First to {gr.name}:", f"First to ${self.names[gr.name]}$:"
        p = gr.paths[0]
        if p.via is not None and p.via.op == "logdet" and p.via.args[0].op == "var":
            k, kt = p.via.args[0].name, self.tex(p.via.args[0])
            sym = (f", which is {k}⁻¹ as {k} is symmetric",
                   rf", which is ${kt}^{{-1}}$ as ${kt}$ is symmetric") if self._symmetric(k) else ("", "")
            return (f"Since ∂log|{k}|/∂{k} = {k}⁻ᵀ{sym[0]}:",
                    rf"Since $\partial \log\left|{kt}\right| / \partial {kt} = {kt}^{{-\top}}${sym[1]}:")
        if gr.name in self.stations and gr.name.isidentifier() and p.child in self.comp.equations:
            c, st = p.child, self.stations[gr.name]
            ce = self.comp.equations[c]
            return (f"Let {gr.name} = {ir.text(st)}, so that {c} = {ir.text(ce)}; backpropagate to {gr.name}:",
                    f"Let ${gt} = {self.tex(st)}$, so that ${self.names.get(c, c)} = {self.tex(ce)}$; "
                    f"backpropagate to ${gt}$:")
        if gr.name in self.stations and p.child in self.comp.equations and p.child not in self.stations:
            c = p.child
            return (f"Through {c} = {ir.text(self.g.equations[c])} to the product {ir.text(self.stations[gr.name])}:",
                    f"Through ${self.names.get(c, c)} = {self.tex(self.g.equations[c])}$ to the product "
                    f"${self.names[gr.name]}$:")
        if not inverse:
            return "", ""
        k, kt, kinv = gr.name, gt, inverse[0].child
        rule = f"∂{loss}/∂{k} = -{k}⁻ᵀ (∂{loss}/∂{kinv}) {k}⁻ᵀ"
        rule_tex = (rf"{self.names[f'd{loss}/d{k}']} = -{kt}^{{-\top}} "
                    rf"{self.names[f'd{loss}/d{kinv}']} {kt}^{{-\top}}")
        if self._symmetric(k):
            return (f"By the inverse rule, {rule}, where {k}⁻ᵀ = {k}⁻¹ as {k} is symmetric:",
                    rf"By the inverse rule, ${rule_tex}$, where ${kt}^{{-\top}} = {kt}^{{-1}}$ as ${kt}$ "
                    "is symmetric:")
        return f"By the inverse rule, {rule}:", f"By the inverse rule, ${rule_tex}$:"

    def _symmetric(self, name: str) -> bool:
        """Whether a square, non-scalar quantity is symmetric by its equation (K = alpha X X^T + I / beta)."""
        shape = self.comp.model.shapes.get(name) or self.comp.equations[name].shape
        if shape == ir.ONE or shape[0] != shape[1]:
            return False
        expr = self.comp.equations.get(name)
        return expr is not None and ir.is_symmetric(ir.simp(expr))


def _enclosing(e: ir.E, name: str) -> ir.E | None:
    """The trace, log-determinant or norm around variable `name` in e (tr(K^-1 Y Y^T)), if any."""
    if e.op in ("trace", "logdet", "det", "norm", "sum") and name in names_in(e):
        return e
    for a in e.args:
        found = _enclosing(a, name)
        if found is not None:
            return found
    return None

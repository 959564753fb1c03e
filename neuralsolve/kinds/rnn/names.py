"""How the rnn kind names things in words: the time steps listed, what an equation reads, y[3] for a 1-vector's number."""

from __future__ import annotations

import sympy

from ...writer import Writer


def reads(display) -> list[tuple[str, int]]:
    """The sequences an equation reads, (name, lag), in name order: x[t] is (x, 0), h[t-1] is (h, 1)."""
    found = {s.name.rpartition("__")[::2] for s in display.free_symbols if "__" in s.name}
    return [(n, int(lag)) for n, lag in sorted(found)]


def steps_text(steps: int) -> tuple[str, str]:
    """The time steps as a list, text and LaTeX: 1, 2, 3 for a few, 1, ..., 12 for many."""
    if steps <= 4:
        shown = ", ".join(str(t) for t in range(1, steps + 1))
        return shown, shown
    return f"1, ..., {steps}", rf"1, \ldots, {steps}"


class RNNWriter(Writer):
    """The problem's writer, with a recurrent network's text names: y[3] for the one number of a 1-vector y."""

    def __init__(self, problem, precision: int):
        super().__init__(problem, precision)
        g = problem.model
        self.text_names.update(g.text)
        for n in g.nodes:
            if n.name in g.text:
                self.text_names[f"d{g.output}/d{n.name}"] = f"∂{g.output}/∂{g.text[n.name]}"

    def partial_symbol(self, of: str, wrt: str) -> sympy.Symbol:
        s = super().partial_symbol(of, wrt)
        names = self.graph.text
        self.text_names[s.name] = f"∂{names.get(of, of)}/∂{names.get(wrt, wrt)}"
        return s

"""The shared representation every kind lowers into: ordered named quantities."""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

from .expr import Where


@dataclass(frozen=True)
class Node:
    """One named quantity: a leaf (expr None) or defined by an expression of earlier nodes."""

    name: str
    expr: sympy.Expr | None = None
    display: sympy.Expr | None = None  # the author's term order, unevaluated
    role: str = "hidden"  # input, parameter, target, constant, hidden, output, loss
    where: Where = Where()

    @property
    def symbol(self) -> sympy.Symbol:
        return sympy.Symbol(self.name)

    @property
    def is_leaf(self) -> bool:
        return self.expr is None


@dataclass(frozen=True)
class Graph:
    """Nodes in evaluation order (leaves first), the output, and the given values."""

    nodes: tuple[Node, ...]
    output: str
    values: dict[str, sympy.Expr]
    parameters: tuple[str, ...]
    tex: dict[str, str] = field(default_factory=dict)  # LaTeX of names, when not the default
    adjoint_tex: dict[str, str] = field(default_factory=dict)  # e.g. z2_1 -> \delta^{2}_{1}
    has_loss: bool = True  # a network given without a target answers the forward pass only
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)  # z2 -> (z2_1, z2_2), W3 -> ...

    def node(self, name: str) -> Node:
        return self._index()[name]

    def _index(self) -> dict[str, Node]:
        idx = self.__dict__.get("_idx")
        if idx is None:
            idx = {n.name: n for n in self.nodes}
            object.__setattr__(self, "_idx", idx)
        return idx

    def has(self, name: str) -> bool:
        return name in self._index()

    def children(self) -> dict[str, tuple[str, ...]]:
        """For each node, the nodes whose expressions use it, in order."""
        kids = self.__dict__.get("_kids")
        if kids is None:
            acc: dict[str, list[str]] = {n.name: [] for n in self.nodes}
            for n in self.nodes:
                if n.expr is not None:
                    for s in sorted(n.expr.free_symbols, key=lambda s: s.name):
                        if s.name in acc:
                            acc[s.name].append(n.name)
            kids = {k: tuple(v) for k, v in acc.items()}
            object.__setattr__(self, "_kids", kids)
        return kids

"""The `graph` kind: named equations of any structure, traced forward and backward."""

from __future__ import annotations

import dataclasses
import random

import sympy

from ...kind import Given, Kind
from ...notation import name_tex as _name_tex
from ...problem import Ask, Problem
from ...solution import Equation, Form
from ...trace import needed
from ...writer import Writer
from . import lower as lowering
from .asks import traced_asks
from .steps import GraphView, Traced, compute, gradient_targets

MAX_VERIFIED_NODES = 400  # larger scalar problems are checked by the test suite's oracle instead


class GraphKind(Kind):
    """Named equations: the tracer computes, the graph view writes each adjoint as a sum over paths."""

    name = "graph"
    asks = traced_asks(diagram_of=lambda g: {n.name for n in g.nodes if not n.is_leaf})  # diagram: {of: E}
    view_class = GraphView

    def lower(self, r, block, notation):
        return lowering.lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return (Ask("forward"),) + ((Ask("loss"), Ask("gradients", None)) if model.has_loss else ())

    def has_loss(self, model) -> bool:
        return model.has_loss

    def parameter_count(self, model) -> int:
        return len(model.parameters)

    def expand_targets(self, model, targets: list[str]) -> list[str]:
        """Gradients traced beyond those asked, because the view shows them whole (none here)."""
        return targets

    def answer_names(self, problem: Problem) -> set[str]:
        g = problem.model
        names = {n.name for n in g.nodes if not n.is_leaf} | {"parameter_count"}
        targets: list[str] = []
        for ask in problem.asks:
            if ask.what in ("regions", "design"):
                from .regions_ask import DesignArg, RegionsArg, design_names, regions_names

                if isinstance(ask.arg, RegionsArg):
                    names |= regions_names(ask)
                elif isinstance(ask.arg, DesignArg):  # (the rnn kind has a design ask of its own)
                    names |= design_names(g, ask)
            if ask.what in ("gradients", "update"):
                targets += gradient_targets(g, ask)
                names |= {f"d{g.output}/d{n}" for n in gradient_targets(g, ask)}
                if ask.what == "update":
                    names |= {f"{n}'" for n in gradient_targets(g, ask)} | {f"{g.output}'"}
                    names |= {f"{g.output}[{k}]" for k in range(1, ask.arg.steps + 1)} if not ask.arg.plain else set()
        targets = self.expand_targets(g, targets)
        names |= {f"d{g.output}/d{n}" for n in needed(g, targets) if n != g.output}
        return names

    # -- compute, answers, view -------------------------------------------
    def compute(self, problem: Problem, pins=None) -> Traced:
        return compute(problem, pins, self.expand_targets)

    def extra_answers(self, comp: Traced) -> dict:
        if comp.at:  # a network run at several inputs answers per input only
            return {}
        return {n.name: comp.trace.value(n.name) for n in comp.model.nodes if not n.is_leaf}

    def view(self, problem: Problem, comp: Traced, answers):
        v = self.view_class(problem, comp, answers)
        return v.parts(), v.notes()

    def diagram(self, problem: Problem, of: str | None = None):
        from ...diagrams import drawn_as_network, equations

        if drawn_as_network(problem.model):
            return ("the network these equations describe", "the network these equations describe",
                    lambda: equations(problem.model, of), "a unit per activation with its bias under it, each "
                    "connection labelled with its weight")
        what = f"the computational graph of {of}" if of else "the computational graph of the equations"
        what_tex = f"the computational graph of ${problem.model.tex.get(of) or _name_tex(of)}$" if of else what
        return (what, what_tex, lambda: equations(problem.model, of), "a node per quantity, an arrow from each "
                "name its equation uses, and each weight written on the arrow of the name it scales")

    # -- the question sheet, verify, check ----------------------------------
    def given(self, problem: Problem) -> Given:
        """One row per equation, then the given values side by side."""
        w = Writer(problem, problem.precision)
        g = problem.model
        rows = [(Equation(w.tex(n.symbol), n.name, (w.form(n.display),)),) for n in g.nodes if not n.is_leaf]
        given = [Equation(w.tex(sympy.Symbol(name)), name, (Form("=", w.number(v), w.number(v, "text")),))
                 for name, v in g.values.items()]
        rows += [tuple(given[i:i + 4]) for i in range(0, len(given), 4)]
        lead = "Consider the quantities defined by the equations below."
        return Given(lead, lead, tuple(rows))

    def sheet_notes(self, problem: Problem) -> tuple[str, ...]:
        """The catalogue's convention for each function with a kink that the equations use (relu'(0), step(0))."""
        from ...catalog import ACTIVATIONS

        used = {type(e).__name__ for n in problem.model.nodes if n.expr is not None
                for e in sympy.preorder_traversal(n.expr) if isinstance(e, sympy.Function)}
        notes = []
        for name, rule in (("relu", "relu'(0) is taken as 0"), ("step", "step(0) = 1: a threshold unit fires at 0")):
            if name in used and ACTIVATIONS[name].convention:
                notes.append(f"Convention: {rule}.")
        return tuple(notes)

    def mistakes(self, problem: Problem):
        from .mistakes import mistakes

        return mistakes(problem)

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        from .regions_ask import DesignArg, verify_design

        designs = [a for a in problem.asks if isinstance(a.arg, DesignArg)]
        if not designs or problem.model.has_loss:
            return verify_scalar(problem)
        checks = [verify_design(problem, a, answers) for a in designs]
        return all(ok for ok, _ in checks), " ".join(note for _, note in checks)

    def working_order(self, problem: Problem, name: str) -> tuple:
        """Forward in order, then the backward pass from the loss down, then updates."""
        g = problem.model
        order = {n.name: i for i, n in enumerate(g.nodes)}
        loss = g.output
        if name in order:
            return (1, order[name])
        if name.startswith(f"d{loss}/d") and name[len(loss) + 2:] in order:
            return (2, -order[name[len(loss) + 2:]])
        if name == f"{loss}'":  # the loss after the update comes last
            return (3, len(order))
        if name.startswith(f"{loss}[") and name.endswith("]") and name[len(loss) + 1:-1].isdigit():
            return (3, len(order) + int(name[len(loss) + 1:-1]))
        if name.endswith("'") and name[:-1] in order:
            return (3, order[name[:-1]])
        return (0 if name == "parameter_count" else 4, 0)


def verify_scalar(problem: Problem) -> tuple[bool, str]:
    """Each gradient against sympy.diff of the whole loss expression, at the problem's values (random exact
    values for any name left symbolic)."""
    from ...answers import compute as compute_answers
    from ...functions import standard

    g = problem.model
    if len(g.nodes) > MAX_VERIFIED_NODES or not g.has_loss:
        return True, "Not verified: the problem is too large, or has no loss, for the whole-expression check."
    rng = random.Random(0)
    point: dict[sympy.Symbol, sympy.Expr] = {}
    symbolic = False
    for n in g.nodes:
        if n.is_leaf:
            v = g.values.get(n.name)
            if v is None or v.free_symbols:
                symbolic = True
                v = sympy.Rational(rng.randint(1, 9), rng.randint(2, 7))
            point[n.symbol] = v
    # the tool's answers at that point (every leaf a number), and the true derivatives
    pinned = dataclasses.replace(problem, model=dataclasses.replace(g, values={s.name: v for s, v in point.items()}))
    values = compute_answers(pinned)[1].values
    prefix = f"d{g.output}/d"
    bad, count = [], 0
    for key, got in values.items():
        if not key.startswith(prefix) or got.free_symbols:
            continue
        name = key[len(prefix):]
        loss, at = _loss_of(g, name, point)
        truth = sympy.diff(loss, sympy.Symbol(name)).xreplace(at)
        count += 1
        if abs(sympy.N(standard(got) - truth, 30)) > 1e-20:
            bad.append(key)
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: they differ from sympy.diff of the whole expression."
    where = " (at random values for the names left symbolic)" if symbolic else ""
    return True, f"Verified: all {count} gradients agree with sympy.diff of the whole loss expression{where}."


def _loss_of(g, name: str, point: dict):
    """The loss as one expression in the leaves and in `name` (cut off from its own definition), and where to
    evaluate its derivative."""
    from ...functions import standard

    sym = sympy.Symbol(name)
    cut: dict[sympy.Symbol, sympy.Expr] = {}
    full: dict[sympy.Symbol, sympy.Expr] = {}
    for n in g.nodes:
        if n.is_leaf:
            continue
        full[n.symbol] = n.expr.xreplace(full)
        cut[n.symbol] = sym if n.name == name else n.expr.xreplace(cut)
    at = dict(point)
    if sym in full:
        at[sym] = full[sym].xreplace(point)
    return standard(cut[sympy.Symbol(g.output)]), at


KIND = GraphKind()

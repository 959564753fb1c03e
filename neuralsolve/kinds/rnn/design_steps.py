"""The worked answer of a `design` ask: the cases as tables, the constraints, which are implied and why, the weights
and their check on the examples."""

from __future__ import annotations

import itertools

import sympy

from ...problem import Ask
from ...solution import Cell, Equation, Form, Prose, Step, Table, and_list
from .design import Case, Design, relation
from .linear import Lin, term
from .model import RNNGraph, tsym

_REL_TEX = {"==": "=", ">=": r"\geq", ">": ">", "<=": r"\leq", "<": "<"}
_REL_TEXT = {"==": "=", ">=": "≥", ">": ">", "<=": "≤", "<": "<"}
CHUNK = 16  # time steps per row of a check table


def design_steps(view, ask: Ask) -> list:
    """The cases, the constraints they give, which are implied and why, one weight set, and its check."""
    w = view.w
    g: RNNGraph = view.graph
    d: Design = view.comp.designs[ask]
    blocks: list = []

    def rel(c: Lin) -> tuple[str, str]:
        lhs, r, rhs = relation(c)
        if not c.coeffs:
            return r"\text{impossible}", "impossible"
        return (f"{w.tex(lhs)} {_REL_TEX[r]} {w.tex(rhs)}", f"{w.text(lhs)} {_REL_TEXT[r]} {w.text(rhs)}")

    def first(case: Case) -> Cell:
        e, t = case.first
        return Cell(f"t = {t}", f"t = {t}") if len(ask.arg.examples) == 1 else Cell(f"example {e}, t = {t}")

    def at(case: Case) -> tuple[str, str]:
        c = first(case)
        return c.text, (f"${c.math}$" if c.math else c.text)

    one = len(ask.arg.examples) == 1
    for rec in sorted(g.recurrences, key=lambda r: r.name in g.states):
        cases = [c for c in d.cases if c.equation == rec.name]
        if not cases:
            continue
        now = tsym(rec.name, 0)
        act = rec.unit.activation.name if rec.unit.activation is not None else "identity"
        fname = rec.unit.function or act
        rule = f"{rec.name}[t] = {w.text(rec.display)}"
        rule_tex = f"${w.tex(now)} = {w.tex(rec.display)}$"
        if act == "step":
            why = (f"{fname} is a threshold unit: it gives 1 exactly when its input is ≥ 0 and 0 exactly when it is "
                   "< 0, so each case gives one inequality")
            why_tex = (f"${w.tex(sympy.Symbol(fname))}$ is a threshold unit: it gives 1 exactly when its input is "
                       r"$\geq 0$ and 0 exactly when it is $< 0$, so each case gives one inequality")
        elif act == "relu":
            why = ("a relu unit gives a positive value only when its input is that value, and 0 exactly when its "
                   "input is ≤ 0")
            why_tex = ("a relu unit gives a positive value only when its input is that value, and 0 exactly when its "
                       r"input is $\leq 0$")
        elif rec.unit.function is None and rec.unit.activation is None:
            why = "the equation applies no function, so each case gives one equation"
            why_tex = why
        elif act == "identity":  # g(x) = x: the wanted value is the argument itself (y_t = h_t needs b3 = 0)
            why = f"{fname} is the identity, {fname}(x) = x, so each case gives one equation"
            why_tex = (f"${w.tex(sympy.Symbol(fname))}$ is the identity, "
                       rf"${w.tex(sympy.Symbol(fname))}{{\left(x\right)}} = x$, so each case gives one equation")
        else:
            why = f"{fname} is linear, so each case gives one equation"
            why_tex = f"${w.tex(sympy.Symbol(fname))}$ is linear, so each case gives one equation"
        reads = [s for s, _ in cases[0].known]
        header = tuple(Cell(g.text.get(s.name, s.name), g.tex[s.name]) for s in reads) + (
            Cell(f"wanted {rec.name}[t]", rf"{g.tex[now.name]}\ \text{{wanted}}"), Cell("needs"), Cell("so"),
            Cell("first at"))
        rows = []
        for case in cases:
            with sympy.evaluate(False):
                shown = rec.display.xreplace({s: w.value(v, exact=True) for s, v in case.known})
            need_tex = f"{w.tex(shown)} = {w.number(case.wanted)}"
            need_text = f"{w.text(shown)} = {w.number(case.wanted, 'text')}"
            so = rel(case.constraint) if case.constraint is not None else (r"\text{impossible}", "impossible")
            rows.append(tuple(Cell(w.number(v, "text"), w.number(v)) for _, v in case.known)
                        + (Cell(w.number(case.wanted, "text"), w.number(case.wanted)), Cell(need_text, need_tex),
                           Cell(so[1], so[0]), first(case)))
        reached = _unreached(cases, reads)
        tail = ""
        tail_tex = ""
        if reached is not None:
            names = ", ".join(g.text.get(s.name, s.name) for s in reads)
            names_tex = ", ".join(g.tex[s.name] for s in reads)
            if len(reads) > 1:
                names, names_tex = f"({names})", rf"\left({names_tex}\right)"
            if not reached:
                tail = f" These are all the cases of {names} with values 0 and 1."
                tail_tex = f" These are all the cases of ${names_tex}$ with values 0 and 1."
            else:
                miss = "; ".join("(" + ", ".join(str(v) for v in m) + ")" for m in reached)
                tail = f" The examples never reach {names} = {miss}, so nothing is required there."
                tail_tex = f" The examples never reach ${names_tex} = {miss}$, so nothing is required there."
        lead = f"The examples{'' if one else ' together'} reach these cases of {rule}; {why}:"
        lead_tex = f"The examples{'' if one else ' together'} reach these cases of {rule_tex}; {why_tex}:"
        blocks.append(Table(header, tuple(rows), lead, lead_tex, quantity=f"cases {rec.name}"))
        if tail:
            blocks.append(Prose(tail.strip(), tail_tex.strip()))
    if d.solved:
        eqs = tuple(Equation(w.tex(sympy.Symbol(v)), v, (Form("=", w.tex(e), w.text(e)),)) for v, e in d.solved)
        blocks.append(Step("solved", "Solving the equations together:", eqs))
    for imp in d.implied:
        c, case = d.constraints[imp.index], d.cases[imp.index]
        where = ", ".join(f"{g.text.get(s.name, s.name)} = {w.number(v, 'text')}" for s, v in case.known)
        where_tex = ", ".join(f"${g.tex[s.name]} = {w.number(v)}$" for s, v in case.known)
        when, when_tex = at(case)
        if not imp.combination:
            text = f"The case {where} ({when}) adds nothing: its equation follows from the others."
            blocks.append(Prose(text, f"The case {where_tex} ({when_tex}) adds nothing: its equation follows "
                                      "from the others."))
            continue
        so_tex, so_text = rel(c)
        lead = f"The case {where} ({when}) needs {so_text}, but the other constraints already imply it:"
        lead_tex = f"The case {where_tex} ({when_tex}) needs ${so_tex}$, but the other constraints already imply it:"
        parts_tex, parts_text, because, because_tex = [], [], [], []
        # the sums of several unknowns first, as one would write the proof: (w1 + b2) + (w2 + b2) + (-b2)
        for j, k in sorted(imp.combination, key=lambda jk: (-len(d.constraints[jk[0]].coeffs), jk[0])):
            e = _display(d.constraints[j])
            k_tex = "" if k == 1 else w.number(sympy.Rational(k.numerator, k.denominator)) + " "
            k_text = "" if k == 1 else w.number(sympy.Rational(k.numerator, k.denominator), "text") + "·"
            parts_tex.append(rf"{k_tex}\left({w.tex(e)}\right)")
            parts_text.append(f"{k_text}({w.text(e)})")
            sym = ">" if d.constraints[j].rel == ">" else ">="
            because.append(f"{w.text(e)} {_REL_TEXT[sym]} 0")
            because_tex.append(f"${w.tex(e)} {_REL_TEX[sym]} 0$")
        if imp.slack:
            s = sympy.Rational(imp.slack.numerator, imp.slack.denominator)
            parts_tex.append(w.number(s))
            parts_text.append(w.number(s, "text"))
        e_i = _display(c)
        blocks.append(Step(f"implied {imp.index}", lead, (Equation(w.tex(e_i), w.text(e_i), (
            Form("=", " + ".join(parts_tex), " + ".join(parts_text)),)),), lead_tex))
        tail = (f"Each bracket is non-negative by a constraint above ({and_list(because)}), so the sum is too: this case "
                "adds no condition.")
        blocks.append(Prose(tail, f"Each bracket is non-negative by a constraint above ({and_list(because_tex)}), so the "
                                  "sum is too: this case adds no condition."))
    if not d.feasible:
        blocks.append(Prose("No weights satisfy all of these constraints together, so no network of this form "
                            "behaves as the examples want."))
        return blocks
    final = []
    for item in d.answer():
        lhs, r, rhs = (item.lhs, "==", item.rhs) if isinstance(item, sympy.Eq) else (None, None, None)
        if lhs is None:
            continue
        final.append(Equation(w.tex(lhs), w.text(lhs), (Form("=", w.tex(rhs), w.text(rhs)),)))
    for i in d.kept:  # an inequality, aligned on its sign as the equations are on theirs
        c = d.constraints[i]
        if c.rel != "==" and c.coeffs:
            lhs, r, rhs = relation(c)
            final.append(Equation(w.tex(lhs), w.text(lhs), (Form(r, w.tex(rhs), w.text(rhs)),)))
    blocks.append(Step("constraints", "In conclusion, the weights must satisfy:", tuple(final)))
    pick = ", ".join(f"{v} = {w.number(x, 'text')}" for v, x in d.weights)
    pick_tex = r",\quad ".join(f"{w.tex(sympy.Symbol(v))} = {w.number(x)}" for v, x in d.weights)
    lead = ("One choice that satisfies them all, with the smallest whole numbers that do:" if d.smallest else
            "One choice that satisfies them all:")
    blocks.append(Step("weights", lead, (Equation(pick_tex, pick, ()),)))
    blocks += _check_tables(w, g, d)
    return blocks


def _display(c: Lin) -> sympy.Expr:
    """A constraint's left side e (e >= 0 or e > 0) in the unknowns' order, unevaluated."""
    with sympy.evaluate(False):
        terms = [term(k, v) for v, k in c.coeffs]
        if c.const:
            terms.append(sympy.Rational(c.const.numerator, c.const.denominator))
        return sympy.Add(*terms) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)


def _unreached(cases: list[Case], reads) -> list | None:
    """The 0/1 combinations of what an equation reads that no example reaches (None if the values are not all 0/1)."""
    seen = {tuple(v for _, v in c.known) for c in cases}
    if len(reads) > 4 or any(v not in (0, 1) for key in seen for v in key):
        return None
    return [combo for combo in itertools.product((0, 1), repeat=len(reads)) if combo not in seen]


def _check_tables(w, g: RNNGraph, d: Design) -> list:
    """The network run with the chosen weights on each example, beside the wanted values."""
    blocks: list = []
    agree = True
    for e, (inputs, wanted, computed) in enumerate(d.checks, start=1):
        steps = len(inputs[0][1])
        want = dict(wanted)
        rows_all = []
        for name, vals in inputs:
            rows_all.append((Cell(f"{name}[t]", g.tex[tsym(name, 0).name]), vals))
        for name, vals in computed:
            rows_all.append((Cell(f"{name}[t]", g.tex[tsym(name, 0).name]), vals))
            if name in want:
                rows_all.append((Cell(f"wanted {name}[t]", rf"{g.tex[tsym(name, 0).name]}\ \text{{wanted}}"),
                                 want[name]))
                agree = agree and tuple(want[name]) == tuple(vals)
        for start in range(0, steps, CHUNK):
            span = range(start, min(steps, start + CHUNK))
            header = (Cell("t", "t"),) + tuple(Cell(str(t + 1), str(t + 1)) for t in span)
            rows = tuple((label,) + tuple(Cell(w.number(vals[t], "text"), w.number(vals[t])) for t in span)
                         for label, vals in rows_all)
            lead = ("Check: the network with these weights, run on the example:" if len(d.checks) == 1 else
                    f"Check: the network with these weights, run on example {e}:") if start == 0 else ""
            blocks.append(Table(header, rows, lead, quantity=f"check {e}"))
    blocks.append(Prose("Every computed value is the wanted one." if agree else
                        "Some computed values differ from the wanted ones: the constraints do not capture the "
                        "examples."))
    return blocks

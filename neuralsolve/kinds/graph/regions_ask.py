"""The `regions` ask of traced kinds (graph, network): a ReLU function of one or two inputs as its linear pieces.

    regions                                   the output's pieces (a network: its single output unit)
    regions: {output: y, classes: true}       a classifier: class 1 where y < 0, class 2 where y > 0

Answers `regions_<output>` (a Piecewise) and, for a classifier, `boundary_<output>`: a list of
(Eq(formula, 0), where) pairs, one per linear piece that the line formula = 0 crosses.
The geometry a plot needs is on the computation (`Traced.regions[ask]`, a `regions.Regions`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from ... import regions as rg
from ...expr import replaced, suggest
from ...functions import relu
from ...problem import Ask, Problem
from ...solution import Equation, Form, Prose, Step


@dataclass(frozen=True)
class RegionsArg:
    output: str
    classes: bool = False


def default_output(model) -> str:
    """A graph's output; a network's single output unit (its loss, if any, is not the function)."""
    layers = getattr(model, "layers", None)
    if layers:
        return layers[-1].a[0]
    return model.output


def function_of(model, output: str) -> rg.PLFunction:
    """The output as a piecewise-linear function of the names left without values (raises NotPiecewiseLinear)."""
    needed, stack = [], [output]
    while stack:  # what the output depends on
        name = stack.pop()
        if name in needed:
            continue
        needed.append(name)
        node = model.node(name)
        expr = node.expr if node.expr is not None else model.values.get(name)
        if expr is not None:
            stack += sorted((s.name for s in expr.free_symbols if model.has(s.name)), reverse=True)
    inputs = tuple(n.name for n in model.nodes if n.is_leaf and n.name in needed and n.name not in model.values)
    if not inputs:
        raise rg.NotPiecewiseLinear(output, f"{output} has no input left without a value; write the inputs as "
                                            "names (such as input: x, or no value for x1)")
    if len(inputs) > 2:
        raise rg.NotPiecewiseLinear(inputs[2], f"{output} depends on {len(inputs)} names without values "
                                               f"({', '.join(inputs)}); regions are for one or two inputs, so give "
                                               "values to the others")
    nodes = tuple((n.name, n.expr) for n in model.nodes if not n.is_leaf and n.name in needed)
    values = {k: v for k, v in model.values.items() if k in needed}
    return rg.build(nodes, values, output, inputs)


def compute_regions(model, arg: RegionsArg) -> rg.Regions:
    return rg.regions(function_of(model, arg.output), classes=arg.classes)


def read_regions(r, y, arg, model) -> Ask:
    output, classes = default_output(model), False
    if arg is not None:
        m = r.mapping(arg, "regions", ("output", "classes"))
        if "output" in m:
            output = r.text(m["output"], "output")
            if not model.has(output) or model.node(output).is_leaf:
                known = [n.name for n in model.nodes if not n.is_leaf]
                r.fail(m["output"], f"no quantity named {output!r} is computed; {suggest(output, known)}")
        if "classes" in m:
            if not isinstance(m["classes"].value, bool):
                r.fail(m["classes"], "classes is true (class 1 where the output is < 0, class 2 where > 0) or false")
            classes = m["classes"].value
    layers = getattr(model, "layers", None)
    if layers and output == default_output(model) and len(layers[-1].a) != 1:
        r.fail(y, f"regions is for a network with one output unit; this one has {len(layers[-1].a)}")
    ask = RegionsArg(output, classes)
    try:
        fn = function_of(model, output)
        if classes and len(fn.inputs) != 2:
            r.fail(arg, "classes: true needs a function of two inputs (a decision boundary in the plane)")
        rg.regions(fn, classes=classes)
    except rg.NotPiecewiseLinear as e:
        r.fail(y, f"regions needs a piecewise-linear function of one or two inputs: {e}")
    return Ask("regions", ask)


# -- answers ---------------------------------------------------------------------------------------------

def regions_answers(comp, ask: Ask) -> dict:
    reg = comp.regions[ask]
    out = {f"regions_{ask.arg.output}": reg.piecewise}
    if ask.arg.classes:
        out[f"boundary_{ask.arg.output}"] = list(boundary_equations(reg))
    return out


def regions_names(ask: Ask) -> set[str]:
    names = {f"regions_{ask.arg.output}"}
    return names | ({f"boundary_{ask.arg.output}"} if ask.arg.classes else set())


def boundary_equations(reg: rg.Regions):
    """(Eq(input, bound), where) for each piece whose formula is 0 inside it: formula = 0 solved for one input."""
    cells, out = reg.cells, []
    crossing = {c.cell for c in reg.classes if c.label == 1} & {c.cell for c in reg.classes if c.label == 2}
    for p in reg.pieces:
        if any(i in crossing for i in p.cells):
            v, _, bound = _solved(cells[p.cells[0]].formula, reg.inputs, True)
            out.append(sympy.Tuple(sympy.Eq(v, bound), p.condition))
    return out


# -- the question sheet ----------------------------------------------------------------------------------

def regions_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    g = problem.model
    out = ask.arg.output
    fn = function_of(g, out)
    ins = " and ".join(fn.inputs)
    ins_tex = " and ".join(f"${g.tex.get(n, n)}$" for n in fn.inputs)
    out_tex = g.tex.get(out, out)
    if ask.arg.classes:
        return (f"The output predicts class 1 where {out} < 0 and class 2 where {out} > 0. Find the linear pieces "
                f"of {out} as a function of {ins}, and the decision boundary.",
                f"The output predicts class 1 where ${out_tex} < 0$ and class 2 where ${out_tex} > 0$. Find the "
                f"linear pieces of ${out_tex}$ as a function of {ins_tex}, and the decision boundary.")
    return (f"State the function {out} of {ins} that the equations define, piece by piece.",
            f"State the function ${out_tex}$ of {ins_tex} that the equations define, piece by piece.")


# -- steps -----------------------------------------------------------------------------------------------

def inlined(model, output: str, evaluate: bool):
    """The output written in its inputs, every other name replaced by its definition or value.

    evaluate=False keeps the author's equations as written (a graph's y = 1 - relu(x1) - ...); a network's
    layers read better evaluated (relu(x - 3) - relu(x - 4), not 1 x + (-3) ...)."""
    env: dict = {}
    fn = function_of(model, output)
    for n in model.nodes:
        if n.name in fn.inputs:
            env[n.symbol] = n.symbol
        elif n.is_leaf:
            v = model.values.get(n.name)
            if v is not None:
                env[n.symbol] = v.xreplace(env) if evaluate else replaced(v, env)
        else:
            env[n.symbol] = n.expr.xreplace(env) if evaluate else replaced(n.display, env)
        if n.name == output:
            break
    return env[sympy.Symbol(output)]


def in_case(expr, point: dict):
    """The expression with each relu replaced by its argument where it is on, and by 0 where it is off."""
    if isinstance(expr, relu) or (isinstance(expr, sympy.Max) and sympy.S.Zero in expr.args):
        arg = expr.args[0] if isinstance(expr, relu) else next(a for a in expr.args if a != 0)
        value = arg.xreplace(point)
        value = sympy.sympify(value).doit() if not value.is_Number else value
        return in_case(arg, point) if value > 0 else sympy.S.Zero
    if not expr.args:
        return expr
    args = [in_case(a, point) for a in expr.args]
    if all(a is b for a, b in zip(args, expr.args)):
        return expr
    return expr.func(*args, evaluate=False)


TEX_REL = {"<": "<", ">": ">", "<=": r"\leq", ">=": r"\geq"}
TEXT_REL = {"<": "<", ">": ">", "<=": "≤", ">=": "≥"}


def _rel(w, *chain) -> tuple[str, str]:
    """A relation or a chain of them (x < 3, or 3 <= x < 4): expressions and relations in turn, in both media."""
    tex = " ".join(w.tex(p) if i % 2 == 0 else TEX_REL[p] for i, p in enumerate(chain))
    text = " ".join(w.text(p) if i % 2 == 0 else TEXT_REL[p] for i, p in enumerate(chain))
    return tex, text


def _and(items: list[tuple[str, str]], math: bool = True) -> tuple[str, str]:
    """x1 < 0, x2 > 0 and x1 + x2 > 0 (LaTeX with each inequality in $...$ when math)."""
    if not items:
        return "everywhere", "everywhere"
    texs = [f"${t}$" if math else t for t, _ in items]
    texts = [t for _, t in items]

    def join(xs, comma=", ", word=" and "):
        return xs[0] if len(xs) == 1 else comma.join(xs[:-1]) + word + xs[-1]

    return join(texs) if math else join(texs, r",\ ", r"\text{ and }"), join(texts)


def case_conditions(w, reg: rg.Regions, i: int, strict: bool = True) -> list[tuple[str, str]]:
    """The inequalities that cut cell i out, as a model answer states them (x1 < 0, x1 + x2 > 0; one input: x < 3)."""
    out = []
    if len(reg.inputs) == 1:
        lo, hi = reg.cells[i].shape
        x, less = reg.inputs[0], "<" if strict else "<="
        if lo is not None and hi is not None:
            return [_rel(w, sympy.Rational(lo), less, x, less, sympy.Rational(hi))]
        return [_rel(w, x, less, sympy.Rational(hi))] if hi is not None else [_rel(w, x, ">" if strict else ">=", sympy.Rational(lo))] \
            if lo is not None else []
    for _, s, aff in reg.cells[i].conditions:
        e = rg.to_sympy(aff, reg.inputs)
        if strict:
            out.append(_rel(w, e, ">" if s > 0 else "<", sympy.S.Zero))
        else:
            out.append(_rel(w, e, ">=" if s > 0 else "<=", sympy.S.Zero))
    return out


def _solved(f_aff, inputs, below: bool):
    """formula < 0 (below) or > 0 solved for one input: (input, relation, bound)."""
    a0, a1, a2 = f_aff if len(f_aff) == 3 else (f_aff[0], f_aff[1], Fraction(0))
    if len(inputs) == 1 or a2 == 0:
        v, av, rest = inputs[0], a1, sympy.Rational(a0)
    elif a1 == 0:
        v, av, rest = inputs[1], a2, sympy.Rational(a0)
    else:
        v, av, rest = inputs[1], a2, sympy.Rational(a0) + sympy.Rational(a1) * inputs[0]
    bound = -rest / sympy.Rational(av)
    rel = ("<" if below else ">") if av > 0 else (">" if below else "<")
    return v, rel, bound


def regions_steps(view, ask: Ask) -> list:
    """The function with the numbers in, one step per case (with its classes), the function by cases, a figure."""
    w, comp = view.w, view.comp
    g = view.graph
    reg = comp.regions[ask]
    out = ask.arg.output
    network = bool(getattr(g, "layers", None))
    expr = inlined(g, out, evaluate=network)
    lhs = sympy.Symbol(out)
    lhs_tex, lhs_text = w.tex(lhs), w.text(lhs)
    inputs = reg.inputs
    steps: list = []
    lead = (f"Written in its input{'s' if len(inputs) > 1 else ''} with the numbers in, {out} is piecewise linear: "
            "each relu is either 0 or its argument, depending on the argument's sign.")
    lead_tex = (f"Written in its input{'s' if len(inputs) > 1 else ''} with the numbers in, ${lhs_tex}$ is piecewise "
                "linear: each relu is either $0$ or its argument, depending on the argument's sign.")
    steps.append(Step(out, lead, (Equation(lhs_tex, lhs_text, (w.form(expr),)),), lead_tex))
    skipped: list[int] = []
    shown: list[int] = []
    if reg.symmetric and len(inputs) == 2:
        for i in range(len(reg.cells)):
            m = reg.mirror[i]
            if m is not None and m != i and m in shown:
                skipped.append(i)
            else:
                shown.append(i)
        a, b = (w.text(s) for s in inputs)
        at, bt = (w.tex(s) for s in inputs)
        if skipped:
            steps.append(Prose(f"The function is symmetric, {out}({a}, {b}) = {out}({b}, {a}), so the cases below "
                               f"are enough; the rest follow by exchanging {a} and {b}.",
                               f"The function is symmetric, ${lhs_tex}({at}, {bt}) = {lhs_tex}({bt}, {at})$, so the "
                               f"cases below are enough; the rest follow by exchanging ${at}$ and ${bt}$."))
    else:
        shown = list(range(len(reg.cells)))
    for number, i in enumerate(shown, 1):
        steps += _case(w, reg, i, number, expr, lhs, ask.arg.classes)
    if skipped:
        eqs = []
        for i in skipped:
            cond_tex, cond_text = _and(case_conditions(w, reg, i), math=False)
            formula = rg.to_sympy(reg.cells[i].formula, inputs)
            eqs.append(Equation(lhs_tex, lhs_text, (w.form(formula), Form("", rf"\quad\text{{where }} {cond_tex}",
                                                                          f"where {cond_text}"))))
        steps.append(Step(out, f"By symmetry ({w.text(inputs[0])} and {w.text(inputs[1])} exchanged in the cases "
                               "above):", tuple(eqs),
                          f"By symmetry (${w.tex(inputs[0])}$ and ${w.tex(inputs[1])}$ exchanged in the cases "
                          "above):"))
    steps.append(_by_cases(w, reg, lhs))
    if ask.arg.classes:
        steps += _boundary_steps(w, reg, lhs)
    figure = regions_figure(comp, ask)
    if figure is not None:
        steps.append(figure)
    return steps


def _case(w, reg, i, number, expr, lhs, classes) -> list:
    cell = reg.cells[i]
    point = dict(zip(reg.inputs, (sympy.Rational(v) for v in rg.point_inside(cell))))
    cond_tex, cond_text = _and(case_conditions(w, reg, i))
    sub = in_case(expr, point)
    formula = rg.to_sympy(cell.formula, reg.inputs)
    forms = [w.form(sub)]
    if w.form(formula).tex != forms[-1].tex:
        forms.append(w.form(formula))
    prose = f"Case {number}: {cond_text}." if cell.conditions else f"Case {number}: every input."
    prose_tex = f"Case {number}: {cond_tex}." if cell.conditions else f"Case {number}: every input."
    steps = [Step(f"case {number}", prose, (Equation(w.tex(lhs), w.text(lhs), tuple(forms)),), prose_tex)]
    if classes:
        steps.append(_case_classes(w, reg, i, lhs, formula))
    return steps


def _case_classes(w, reg, i, lhs, formula) -> Step:
    cell = reg.cells[i]
    labels = sorted({c.label for c in reg.classes if c.cell == i})
    f = cell.formula
    eqs = []
    if labels == [1, 2]:
        for below, label in ((True, 1), (False, 2)):
            v, rel, bound = _solved(f, reg.inputs, below)
            t, x = _rel(w, v, rel, bound)
            eqs.append(Equation(w.tex(formula), w.text(formula),
                                (Form("<" if below else ">", "0", "0"),
                                 Form("", rf"\iff {t}\quad(\text{{class {label}}})", f"⇔ {x} (class {label})"))))
        prose = "Within this case the output changes sign:"
    else:
        label = labels[0] if labels else 0
        rel = "<" if label == 1 else ">" if label == 2 else "="
        what = f"class {label}" if label else "on the boundary"
        eqs.append(Equation(w.tex(formula), w.text(formula),
                            (Form(rel, "0", "0"), Form("", rf"\quad(\text{{{what} throughout}})",
                                                       f"({what} throughout)"))))
        prose = "Within this case the output has one sign:"
    return Step("classes", prose, tuple(eqs))


def _by_cases(w, reg, lhs) -> Step:
    rows_tex, rows_text = [], []
    for p in reg.pieces:
        if len(reg.inputs) == 1:
            cond_tex, cond_text = _interval(w, reg, p)
        else:
            parts = [_and(case_conditions(w, reg, c, strict=False), math=False) for c in p.cells]
            cond_tex = r"\text{ or }".join(t for t, _ in parts)
            cond_text = " or ".join(t for _, t in parts)
            if cond_tex == "everywhere":
                cond_tex = r"\text{everywhere}"
        rows_tex.append(rf"{w.tex(p.formula)} & \text{{if }} {cond_tex}")
        rows_text.append(f"{w.text(p.formula)} if {cond_text}")
    tex, text = _cases(rows_tex, rows_text)
    notes = (["neighbouring cases with the same formula joined"] if len(reg.pieces) < len(reg.cells) else []) + \
        (["on a border both formulas agree"] if len(reg.inputs) == 2 else [])
    prose = "Piece by piece" + (f" ({'; '.join(notes)})" if notes else "") + ":"
    return Step("regions", prose, (Equation(w.tex(lhs), w.text(lhs), (Form("=", tex, text),)),))


def _cases(rows_tex: list[str], rows_text: list[str]) -> tuple[str, str]:
    """A function by cases, one row a case; fractions full size (cases sets its rows in text style)."""
    rows = [r.replace(r"\frac", r"\dfrac") for r in rows_tex]
    sep = r" \\[0.5em] " if any(r"\dfrac" in r for r in rows) else r" \\ "
    return r"\begin{cases} " + sep.join(rows) + r" \end{cases}", ";  ".join(rows_text)


def _interval(w, reg, piece) -> tuple[str, str]:
    x = reg.inputs[0]
    cond = piece.condition
    if cond is sympy.true:
        return r"\text{every } " + w.tex(x), f"every {w.text(x)}"
    ineqs = list(cond.args) if isinstance(cond, sympy.And) else [cond]
    if len(ineqs) == 2:  # lo < x < hi, as one writes it
        lo, hi = ineqs if ineqs[0].rhs < ineqs[1].rhs else ineqs[::-1]
        lo_rel = "<=" if isinstance(lo, sympy.GreaterThan) else "<"
        hi_rel = "<=" if isinstance(hi, sympy.LessThan) else "<"
        return _rel(w, lo.rhs, lo_rel, x, hi_rel, hi.rhs)
    (c,) = ineqs
    rel = {sympy.StrictLessThan: "<", sympy.LessThan: "<=", sympy.StrictGreaterThan: ">",
           sympy.GreaterThan: ">="}[type(c)]
    return _rel(w, c.lhs, rel, c.rhs)


def _boundary_steps(w, reg, lhs) -> list:
    eqs = boundary_equations(reg)
    if not eqs:
        return [Prose("The output never changes sign: there is no decision boundary.")]
    rows = []
    for eq, cond in eqs:
        p = next(p for p in reg.pieces if p.condition == cond)
        parts = [_and(case_conditions(w, reg, c, strict=False), math=False) for c in p.cells]
        rows.append(Equation(w.tex(eq.lhs), w.text(eq.lhs),
                             (w.form(eq.rhs), Form("", r"\quad\text{where } " + r"\text{ or }".join(
                                 t for t, _ in parts), "where " + " or ".join(t for _, t in parts)))))
    return [Step("boundary", "The decision boundary is where the output is 0: in each piece that changes sign, its "
                             "formula set to 0 and solved:", tuple(rows))]


def regions_figure(comp, ask: Ask):
    """The plot of a regions or design ask (a Figure block): a one-input function with its kinks marked, or the
    plane split into pieces (a classifier: shaded by class, the decision boundary drawn)."""
    from ...picture import figure

    got = comp.regions.get(ask)
    if got is None:
        return None
    design = isinstance(ask.arg, DesignArg)
    reg = got.designed if design else got
    model = comp.problem.model
    out = default_output(model) if design else ask.arg.output
    pic, caption, caption_tex = _plot(reg, model, out, got.sample if design else ())
    return figure(pic, "regions", caption, caption_tex)


def _name_tex(model, name: str) -> str:
    from ...notation import name_tex

    return model.tex.get(name) or name_tex(name)


def _plot(reg, model, out: str, sample=()):
    """The picture, and its caption as text and as LaTeX (the problem's names in math)."""
    from ... import plots

    names = [s.name for s in reg.inputs]
    ins = [_name_tex(model, n) for n in names]
    y_tex = _name_tex(model, out) if not sample else "h"
    if len(names) == 1:
        pieces = []
        for p in reg.pieces:
            slope = p.formula.coeff(reg.inputs[0])
            for lo, hi in p.shapes:
                pieces.append((lo, hi, slope, p.formula.subs(reg.inputs[0], 0)))
        kinks = list(zip(reg.breakpoints, reg.values))
        pic = plots.piecewise(pieces, kinks, reg.view, ins[0], f"{y_tex}({ins[0]})")
        if sample:
            at = ", ".join(f"{k} = {v}" for k, v in sample)
            at_tex = ", ".join(f"{_name_tex(model, str(k))} = {sympy.latex(v)}" for k, v in sample)
            return (pic, f"The designed network's function at {at}, its kinks marked with their coordinates.",
                    f"The designed network's function at ${at_tex}$, its kinks marked with their coordinates.")
        return (pic, f"{out} as a function of {names[0]}, each kink marked with its coordinates.",
                f"${y_tex}$ as a function of ${ins[0]}$, each kink marked with its coordinates.")
    box = ((reg.view[0], reg.view[1]), (reg.view[2], reg.view[3]))
    if reg.classes:
        cells = [(c.polygon, c.label) for c in reg.classes if c.label in (1, 2) and len(c.polygon) >= 3]
        pic = plots.regions(cells, reg.boundary, box, ins[0], ins[1])
        return (pic, f"The classes in the plane of {names[0]} and {names[1]}: class 1 (shaded red) where {out} < 0, "
                     f"class 2 (blue) where {out} > 0; the thick line is the decision boundary {out} = 0.",
                f"The classes in the plane of ${ins[0]}$ and ${ins[1]}$: class 1 (shaded red) where ${y_tex} < 0$, "
                f"class 2 (blue) where ${y_tex} > 0$; the thick line is the decision boundary ${y_tex} = 0$.")
    shapes = [(poly, p.formula) for p in reg.pieces for poly in p.shapes if len(poly) >= 3]
    pic = plots.pieces(shapes, box, ins[0], ins[1], lambda f: _formula_tex(f, model))
    return (pic, f"The linear pieces of {out} in the plane of {names[0]} and {names[1]}, each with its formula.",
            f"The linear pieces of ${y_tex}$ in the plane of ${ins[0]}$ and ${ins[1]}$, each with its formula.")


def _formula_tex(f, model) -> str:
    from ...latex import tex

    return tex(f, names={s.name: _name_tex(model, s.name) for s in f.free_symbols})


# -- design: a one-input ReLU network that implements a given piecewise-linear function ------------------

@dataclass(frozen=True)
class DesignArg:
    """The target: its breakpoints x (increasing), its values y there, its slopes outside; declared names."""

    xs: tuple
    ys: tuple
    left: sympy.Expr = sympy.S.Zero
    right: sympy.Expr = sympy.S.Zero
    symbols: tuple[str, ...] = ()


@dataclass(frozen=True)
class Design:
    """The target as shifted relus (the kinks, and the weights and biases they give), and its check."""

    kinks: tuple  # (breakpoint index or "left", slope change k) per unit used, in unit order
    values: tuple  # ((parameter name, value), ...) in the network's order
    sample: tuple  # ((name, value), ...): the declared names' values for the check
    designed: rg.Regions  # the designed network's pieces at the sample values
    expected: tuple  # the target's pieces at the sample values: ((lo, hi, formula), ...), None for infinity
    agree: bool


def _design_layers(r, y, model):
    layers = getattr(model, "layers", None)
    if not layers:
        r.fail(y, "design is for network problems (a network kind with one input, a relu hidden layer and an "
                  "identity output)")
    if len(layers) != 2 or len(layers[0].inputs) != 1 or len(layers[1].a) != 1:
        r.fail(y, "design needs a network with one input, one hidden layer and one output unit")
    if layers[0].activation_name != "relu" or layers[1].activation_name != "identity":
        r.fail(y, f"design needs relu hidden units and an identity output; this network has "
                  f"{layers[0].activation_name} and {layers[1].activation_name}")
    if not layers[0].biases or not layers[1].biases:
        r.fail(y, "design needs biases in both layers (biases: b2 and biases: b3)")
    given = [p for layer in layers for p in (*(w for row in layer.weights for w in row), *layer.biases)
             if p in model.values]
    if given:
        r.fail(y, f"design finds the weights and biases, so the network must leave them as names (weights: W2 with "
                  f"units: 2, biases: b2); {given[0]} has a value")
    return layers


def read_design(r, y, arg, model) -> Ask:
    layers = _design_layers(r, y, model)
    if arg is None:
        r.fail(y, "design needs the target's points, as in design: {points: {x: [c, d], y: [0, 1]}}")
    m = r.mapping(arg, "design", ("points", "slopes", "symbols"), ("points",))
    names: list[str] = []
    if "symbols" in m:
        for s in r.seq(m["symbols"], "symbols"):
            name = r.text(s, "a symbol")
            if not name.isidentifier() or model.has(name):
                r.fail(s, f"{name!r} cannot be a symbol of the target: give a new name such as c")
            names.append(name)
    pm = r.mapping(m["points"], "points", ("x", "y"), ("x", "y"))
    xs_y, ys_y = r.seq(pm["x"], "points x"), r.seq(pm["y"], "points y")
    if not xs_y or len(xs_y) != len(ys_y):
        r.fail(pm["y"], f"points x and y need the same number of values, at least one ({len(xs_y)} and {len(ys_y)})")
    xs = tuple(r.expr(v, "a breakpoint", names).value for v in xs_y)
    ys = tuple(r.expr(v, "a value of the target", names).value for v in ys_y)
    for i in range(1, len(xs)):
        d = xs[i] - xs[i - 1]
        if d.is_number and d <= 0:
            r.fail(xs_y[i], "points x must increase (each breakpoint after the one before)")
        if not d.is_number and not _ordered(xs[i - 1], xs[i], names):
            r.fail(xs_y[i], "points x must increase; a name's order is that of symbols: (list c before d for "
                            "c < d)")
    left = right = sympy.S.Zero
    if "slopes" in m:
        sm = r.mapping(m["slopes"], "slopes", ("left", "right"))
        left = r.expr(sm["left"], "the slope left", names).value if "left" in sm else left
        right = r.expr(sm["right"], "the slope right", names).value if "right" in sm else right
    arg_ = DesignArg(xs, ys, left, right, tuple(names))
    need = len(_kinks(arg_))
    have = len(layers[0].a)
    if have < need:
        r.fail(y, f"the target needs {need} hidden relu unit{'s' if need != 1 else ''} (one per kink"
                  f"{' and one for the slope on the left' if left != 0 else ''}), but the hidden layer has {have}")
    return Ask("design", arg_)


def _ordered(a, b, names) -> bool:
    """Whether a < b follows from symbols' order: a number and a name, or names listed in that order."""
    an, bn = [s.name for s in a.free_symbols], [s.name for s in b.free_symbols]
    if len(an) == 1 and len(bn) == 1 and a.is_Symbol and b.is_Symbol:
        return names.index(an[0]) < names.index(bn[0])
    return True  # an expression of the names: assumed as written


def _slopes(arg: DesignArg) -> tuple:
    xs, ys = arg.xs, arg.ys
    inner = [(ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) for i in range(len(xs) - 1)]
    return (arg.left, *inner, arg.right)


def _kinks(arg: DesignArg) -> tuple:
    """(breakpoint index, slope change) for each relu(x - x_i) the target needs, then ("left", -slope)."""
    s = _slopes(arg)
    out = []
    for i in range(len(arg.xs)):
        k = s[i + 1] - (s[i] if i else 0)
        if sympy.cancel(k) != 0:
            out.append((i, k))
    if arg.left != 0:
        out.append(("left", -arg.left))
    return tuple(out)


def _sample(arg: DesignArg) -> dict:
    """Values for the declared names, in their order and between the numbers around them (for the check)."""
    vals: dict = {}
    known = [None if x.free_symbols else x for x in arg.xs]
    for i, x in enumerate(arg.xs):
        if x.is_Symbol and x.name in arg.symbols and x not in vals:
            before = next((v for v in reversed([known[j] for j in range(i)]) if v is not None), None)
            after = next((v for v in known[i + 1:] if v is not None), None)
            gap = sum(1 for j in range(i + 1, len(known)) if known[j] is None and (after is None or j < known.index(after)))
            if before is not None and after is not None:
                v = before + (after - before) / (gap + 2)
            elif before is not None:
                v = before + 2
            elif after is not None:
                v = after - 2 * (gap + 1)
            else:
                v = sympy.Integer(2 * i + 1)
            vals[x] = v
            known[i] = v
    for j, name in enumerate(arg.symbols):
        vals.setdefault(sympy.Symbol(name), sympy.Integer(j + 2))
    return vals


def compute_design(model, arg: DesignArg) -> Design:
    hidden, outl = model.layers
    kinks = _kinks(arg)
    units = []
    for i, k in kinks:
        if i == "left":
            units.append((sympy.S.NegativeOne, arg.xs[0], k))
        else:
            units.append((sympy.S.One, -arg.xs[i], k))
    units += [(sympy.S.Zero, sympy.S.Zero, sympy.S.Zero)] * (len(hidden.a) - len(units))
    bias = arg.ys[0]
    values = []
    for j, (w, b, v) in enumerate(units):
        values += [(hidden.weights[j][0], w), (hidden.biases[j], b)]
    values += [(outl.weights[0][j], v) for j, (_, _, v) in enumerate(units)] + [(outl.biases[0], bias)]
    sample = _sample(arg)
    x = sympy.Symbol("x")
    nodes = [(f"a{j}", relu(w.xreplace(sample) * x + b.xreplace(sample))) for j, (w, b, _) in enumerate(units)]
    nodes.append(("h", sum((v.xreplace(sample) * sympy.Symbol(f"a{j}") for j, (_, _, v) in enumerate(units)),
                           bias.xreplace(sample))))
    designed = rg.regions(rg.build(nodes, {}, "h", ("x",)))
    expected = _target_pieces(arg, sample)
    got = tuple((p.shapes[0][0], p.shapes[0][1], rg.to_sympy(designed.cells[p.cells[0]].formula, (x,))) for p in
                designed.pieces)
    agree = got == expected
    return Design(kinks, tuple(values), tuple(sample.items()), designed, expected, agree)


def _target_pieces(arg: DesignArg, sample: dict) -> tuple:
    """The target's pieces at the sample values, neighbours with the same formula joined: (lo, hi, formula)."""
    x = sympy.Symbol("x")
    xs = [_fraction(v.xreplace(sample)) for v in arg.xs]
    ys = [v.xreplace(sample) for v in arg.ys]
    s = [v.xreplace(sample) for v in _slopes(arg)]
    pieces = [(None, xs[0], sympy.expand(ys[0] + s[0] * (x - sympy.Rational(xs[0]))))]
    for i in range(len(xs) - 1):
        pieces.append((xs[i], xs[i + 1], sympy.expand(ys[i] + s[i + 1] * (x - sympy.Rational(xs[i])))))
    pieces.append((xs[-1], None, sympy.expand(ys[-1] + s[-1] * (x - sympy.Rational(xs[-1])))))
    out = []
    for p in pieces:
        if out and sympy.expand(out[-1][2] - p[2]) == 0:
            out[-1] = (out[-1][0], p[1], out[-1][2])
        else:
            out.append(p)
    return tuple(out)


def _fraction(v) -> Fraction:
    return Fraction(v if v.is_Rational else sympy.nsimplify(v))


def design_names(model, ask: Ask) -> set[str]:
    hidden, outl = model.layers
    return {p for layer in (hidden, outl) for p in (*(w for row in layer.weights for w in row), *layer.biases)}


def design_answers(comp, ask: Ask) -> dict:
    return dict(comp.regions[ask].values)


def design_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    return ("Choose the network's weights and biases so that it computes the function given by cases below.",
            "Choose the network's weights and biases so that it computes the function given by cases below.")


def _target_cases(w, arg: DesignArg, x) -> tuple[str, str]:
    s = _slopes(arg)
    xs, ys = arg.xs, arg.ys

    def line(y0, slope, x0):  # y0 + slope (x - x0), as one writes it
        if slope == 0:
            return y0
        term = sympy.Mul(slope, x - x0, evaluate=False) if slope != 1 else x - x0
        return term if y0 == 0 else sympy.Add(y0, term, evaluate=False)

    rows = [(line(ys[0], s[0], xs[0]), "<", None, xs[0])]
    for i in range(len(xs) - 1):
        rows.append((line(ys[i], s[i + 1], xs[i]), "<=", xs[i], xs[i + 1]))
    rows.append((line(ys[-1], s[-1], xs[-1]), ">", xs[-1], None))
    tex_rows, text_rows = [], []
    for f, rel, lo, hi in rows:
        if lo is None:
            t, tt = _rel(w, x, "<", hi)
        elif hi is None:
            t, tt = _rel(w, x, ">", lo)
        else:
            t, tt = _rel(w, lo, "<=", x, "<=", hi)
        tex_rows.append(rf"{w.tex(f)} & \text{{if }} {t}")
        text_rows.append(f"{w.text(f)} if {tt}")
    return _cases(tex_rows, text_rows)


def design_steps(view, ask: Ask) -> list:
    w, comp, g = view.w, view.comp, view.graph
    d: Design = comp.regions[ask]
    arg = ask.arg
    hidden, outl = g.layers
    x = sympy.Symbol(hidden.inputs[0])
    given = g.values.get(hidden.inputs[0], x)
    xin = given if given.is_Symbol else x  # the input's own name (input: x), else a1_1
    h = sympy.Symbol(outl.a[0])
    steps: list = []
    order = ""
    if arg.symbols:
        order = " (with " + " < ".join(arg.symbols) + ")" if len(arg.symbols) > 1 else ""
    tex_cases, text_cases = _target_cases(w, arg, xin)
    steps.append(Step("target", f"The function to implement{order}:",
                      (Equation(w.tex(h), w.text(h), (Form("=", tex_cases, text_cases),)),),
                      "The function to implement" + (f" (with ${' < '.join(w.tex(sympy.Symbol(n)) for n in arg.symbols)}$)"
                                                     if len(arg.symbols) > 1 else "") + ":"))
    # the target as shifted relus: the output bias is its value left of the first kink, each kink adds a relu
    terms = [arg.ys[0]] if arg.ys[0] != 0 else []
    for i, k in d.kinks:
        unit = relu(xin - arg.xs[i]) if i != "left" else relu(arg.xs[0] - xin)
        if k.could_extract_minus_sign():  # - 1/(d - c) relu(x - d), as one writes it
            terms.append(sympy.Mul(sympy.S.NegativeOne, sympy.Mul(-k, unit, evaluate=False), evaluate=False))
        else:
            terms.append(sympy.Mul(k, unit, evaluate=False))
    total = sympy.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)
    lead = ("Left of the first breakpoint the target is constant" if arg.left == 0 else
            "Left of the first breakpoint the target has the given slope (a relu of the breakpoint minus the input)")
    lead += (", and at each breakpoint its slope changes by the new slope minus the old one; a relu of the input "
             "minus the breakpoint, times that change, makes exactly that bend. So the target is a sum of shifted "
             "relus:")
    steps.append(Step("relus", lead, (Equation(w.tex(h), w.text(h), (w.form(total),)),)))
    rows = []
    for name, v in d.values:
        rows.append(Equation(w.tex(sympy.Symbol(name)), w.text(sympy.Symbol(name)), (w.form(v),)))
    unused = len(hidden.a) - len(d.kinks)
    spare = (f"; the {unused} unit{'s' if unused > 1 else ''} not needed get all zero weights:" if unused else ":")
    prose = ("Reading the weights and biases off it (hidden unit j computes relu(w x + b), the output adds the units "
             "with their weights and the output bias)" + spare)
    prose_tex = (r"Reading the weights and biases off it (hidden unit $j$ computes $\operatorname{relu}(w x + b)$, "
                 "the output adds the units with their weights and the output bias)" + spare)
    steps.append(Step("weights", prose, tuple(rows), prose_tex))
    sample = ", ".join(f"{k} = {v}" for k, v in d.sample)
    sample_tex = ", ".join(f"{w.tex(k)} = {w.tex(v)}" for k, v in d.sample)
    rows_tex, rows_text = [], []
    for p in d.designed.pieces:
        ct, cx = _interval(w, d.designed, p)
        rows_tex.append(rf"{w.tex(p.formula)} & \text{{if }} {ct}")
        rows_text.append(f"{w.text(p.formula)} if {cx}")
    cases = _cases(rows_tex, rows_text)
    verdict = "the target's pieces at these values" if d.agree else "NOT the target's pieces (a bug: please report it)"
    if d.sample:
        prose = (f"Check: at {sample} the designed network's linear pieces (found case by case, as in a regions "
                 f"answer) are {verdict}:")
        prose_tex = (f"Check: at ${sample_tex}$ the designed network's linear pieces (found case by case, as in a "
                     f"regions answer) are {verdict}:")
    else:
        prose = prose_tex = f"Check: the designed network's linear pieces (found case by case) are {verdict}:"
    steps.append(Step("check", prose, (Equation(w.tex(h), w.text(h), (Form("=", *cases),)),), prose_tex))
    figure = regions_figure(comp, ask)
    if figure is not None:
        steps.append(figure)
    return steps


def verify_design(problem: Problem, ask: Ask, answers) -> tuple[bool, str]:
    """The answered weights, run as a network (no regions, no relu sums) at many points, against the target."""
    arg = ask.arg
    hidden, outl = problem.model.layers
    sample = _sample(arg)
    values = {k: v.xreplace(sample) for k, v in answers.values.items() if k in design_names(problem.model, ask)}
    xs = [v.xreplace(sample) for v in arg.xs]
    ys = [v.xreplace(sample) for v in arg.ys]
    left, right = arg.left.xreplace(sample), arg.right.xreplace(sample)

    def target(t):
        if t < xs[0]:
            return ys[0] + left * (t - xs[0])
        if t > xs[-1]:
            return ys[-1] + right * (t - xs[-1])
        i = max(j for j in range(len(xs)) if xs[j] <= t)
        return ys[i] if i == len(xs) - 1 else ys[i] + (ys[i + 1] - ys[i]) / (xs[i + 1] - xs[i]) * (t - xs[i])

    lo, hi = min(xs) - 3, max(xs) + 3
    points = [lo + (hi - lo) * sympy.Rational(k, 97) for k in range(98)] + list(xs)
    for t in points:
        a = [max(values[hidden.weights[j][0]] * t + values[hidden.biases[j]], 0) for j in range(len(hidden.a))]
        out = sum(values[outl.weights[0][j]] * a[j] for j in range(len(a))) + values[outl.biases[0]]
        if sympy.simplify(out - target(t)) != 0:
            return False, f"Verification FAILED: the designed network gives {out} at x = {t}, the target {target(t)}."
    at = ", ".join(f"{k} = {v}" for k, v in sample.items())
    return True, (f"Verified: the designed network, run unit by unit{' at ' + at if at else ''}, equals the target "
                  f"at {len(points)} points.")

"""The `optimize` kind: a function of a few variables minimised step by step, its gradient and stationary points."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import sympy

from ..errors import ProblemError
from ..expr import Parsed, Where, replaced
from ..kind import AskType, Given, Kind, read_word
from ..latex import TexPrinter, TextPrinter, Value, name_text, number_text, rounded, tex_escape
from ..notation import name_tex
from ..numeric import compile_float
from ..optimizers import ETA, G, Optimizer, T, W, carry, new_state, read_optimizer, update
from ..problem import Ask, Problem
from ..solution import Cell, Equation, Form, PartView, Prose, Step, Table, marks_text

MAX_STEPS = 1000
MAX_VARIABLES = 6
MAX_RUNS = 12
SHOWN_STEPS = 3  # steps written out in full per run; the table gives every step
RESERVED = ("f", "eta", "distance", "behaviour")
TYPES = ("minimum", "maximum", "saddle", "undecided")
WORDS = TYPES + ("converging", "oscillating", "diverging", "stationary")  # answers that are words
SETTING_TEX = {"beta": r"\beta", "beta1": r"\beta_{1}", "beta2": r"\beta_{2}", "eps": r"\epsilon",
               "alpha": r"\alpha"}
SETTING_TEXT = {"beta": "β", "beta1": "β1", "beta2": "β2", "eps": "ε", "alpha": "α"}
STATE_TEX = {"v": "v", "m": "m", "m_hat": r"\hat{m}", "v_hat": r"\hat{v}"}
STATE_TEXT = {"v": "v", "m": "m", "m_hat": "m̂", "v_hat": "v̂"}


@dataclass(frozen=True)
class StepSize:
    value: sympy.Rational
    text: str  # as written: names the runs' answers (x[1]@s=0.1)


@dataclass(frozen=True)
class Model:
    function: Parsed
    variables: tuple[str, ...]
    start: tuple[sympy.Expr, ...]
    step_sizes: tuple[StepSize, ...]
    steps: int
    optimizer: Optimizer
    where: Where

    @property
    def symbols(self) -> tuple[sympy.Symbol, ...]:
        return tuple(sympy.Symbol(v) for v in self.variables)


@dataclass(frozen=True)
class Point:
    """A stationary point, its Hessian, the Hessian's eigenvalues and leading minors, and what it is."""

    values: tuple
    hessian: sympy.Matrix
    eigenvalues: tuple
    minors: tuple
    type: str


@dataclass(frozen=True)
class Run:
    """One step size's iterates (index 0 the start), each step's updates (one per variable), losses."""

    size: StepSize
    suffix: str
    iterates: tuple[tuple, ...]
    updates: tuple[tuple, ...]
    losses: tuple
    distances: tuple  # () when no distance is asked
    behaviour: str
    fall: sympy.Expr  # how far the loss fell from the start to the last step (what ranks the runs' speed)


@dataclass(frozen=True)
class Computed:
    problem: Problem
    gradient: tuple
    points: tuple[Point, ...] | None  # None: not asked
    target: tuple | None  # what distances are measured to
    target_is_minimum: bool
    runs: tuple[Run, ...]


# -- load ----------------------------------------------------------------------------------------------------------
def lower(r, block, notation) -> Model:
    """The `optimize:` block: the function, the start, the step sizes, the steps and the optimiser."""
    if notation is not None:
        r.fail(notation, "the optimize kind takes no notation")
    keys = ("function", "start", "step_sizes", "step_size", "steps", "optimizer")
    m = r.mapping(block, "optimize", keys, ("function", "start"))
    fy = m["function"]
    function = r.expr(fy, "the function")
    names = list(function.names)
    if not names:
        r.fail(fy, "the function has no variables; write one in the variables it is minimised over, such as x^2 + y^2")
    start_y = m["start"]
    given = r.mapping(start_y, "start")
    for name in names:
        if name not in given:
            r.fail(start_y, f"the function uses {name}, which has no start value; add {name}: <number> to start")
    for key in given:
        r.name(start_y, key, "variable")
        if key not in names:
            r.fail(start_y, f"start gives {key}, which the function does not use; "
                            f"its variables are {', '.join(names)}", key)
        if key in RESERVED:
            r.fail(start_y, f"{key!r} names something else in the answers; rename the variable", key)
    if len(given) > MAX_VARIABLES:
        r.fail(start_y, f"at most {MAX_VARIABLES} variables")
    variables = tuple(given)
    start = tuple(_number(r, given[v], f"the start value of {v}") for v in variables)
    if "step_sizes" in m and "step_size" in m:
        r.fail(block, "give step_size or step_sizes, not both", "step_size")
    sizes_y = m.get("step_sizes") or m.get("step_size")
    if sizes_y is None:
        r.fail(block, "optimize needs a step size: step_sizes: [0.01, 0.1] or step_size: 0.1")
    items = r.seq(sizes_y, "step_sizes") if "step_sizes" in m else [sizes_y]
    if not items:
        r.fail(sizes_y, "step_sizes needs at least one step size, such as [0.1]")
    if len(items) > MAX_RUNS:
        r.fail(items[MAX_RUNS], f"at most {MAX_RUNS} step sizes")
    sizes = []
    for y in items:
        v = _number(r, y, "a step size")
        if not v > 0:
            r.fail(y, f"a step size must be above 0, not {y.text or v}")
        text = (y.text or str(y.value)).strip()
        if any(s.text == text for s in sizes):
            r.fail(y, f"the step size {text} is given twice")
        sizes.append(StepSize(v, text))
    steps = r.integer(m["steps"], "steps", 1, MAX_STEPS) if "steps" in m else 1
    optimizer = read_optimizer(r, m.get("optimizer"))
    return Model(function, variables, start, tuple(sizes), steps, optimizer, r.where(block))


def _number(r, y, what: str):
    if isinstance(y.value, (dict, list)) or y.value is None or isinstance(y.value, bool):
        r.fail(y, f"{what} must be a number, not a {y.kind}")
    parsed = r.expr(y, what)
    if parsed.names:
        r.fail(y, f"{what} must be a number such as 0.1, not {parsed.text!r}")
    v = parsed.value
    if not (v.is_number and v.is_real and v.is_finite):
        r.fail(y, f"{what} must be a real number")
    return v


def _read_distance(r, y, arg, model: Model) -> Ask:
    if arg is None or arg.value is None:
        return Ask("distance")
    m = r.mapping(arg, "distance", ("to",), ("to",))
    point = r.mapping(m["to"], "the point distances are measured to", model.variables)
    for v in model.variables:
        if v not in point:
            r.fail(m["to"], f"the point distances are measured to needs a value of {v}")
    return Ask("distance", tuple(_number(r, point[v], f"the value of {v}") for v in model.variables))



# -- compute -------------------------------------------------------------------------------------------------------
def _value(f: sympy.Expr, symbols, point) -> sympy.Expr:
    return carry(f.xreplace(dict(zip(symbols, point))))


def stationary_points(model: Model, ask: Ask) -> tuple[Point, ...]:
    """grad f = 0 solved exactly, each real solution classified by the signs of its Hessian's eigenvalues."""
    xs, f = model.symbols, model.function.value
    grad = [sympy.diff(f, x) for x in xs]

    def fail(msg):
        w = ask.where
        raise ProblemError(msg, w.file, w.line, w.col)

    try:
        solutions = sympy.solve(grad, xs, dict=True)
    except (NotImplementedError, ValueError):
        fail("cannot solve grad f = 0 exactly for this function; ask for the gradient and the steps only")
    H = sympy.hessian(f, xs)
    points = []
    for sol in solutions:
        p = tuple(sympy.nsimplify(sol.get(x, x)) if sol.get(x, x).is_Float else sol.get(x, x) for x in xs)
        if any(v.free_symbols for v in p):
            fail("grad f = 0 holds on a whole curve or line of points, not at isolated points; "
                 "classify isolated stationary points only")
        if not all(v.is_real for v in p):
            continue
        h = H.xreplace(dict(zip(xs, p)))
        eig = []
        for lam, mult in h.eigenvals().items():
            eig += [sympy.nsimplify(lam) if lam.is_Float else lam] * mult
        eig.sort(key=lambda v: sympy.N(v, 30))
        minors = tuple(h[:k, :k].det() for k in range(1, len(xs) + 1))
        signs = [sympy.sign(sympy.N(v, 50)) if not v.is_zero else 0 for v in eig]
        kind = "minimum" if all(s > 0 for s in signs) else "maximum" if all(s < 0 for s in signs) else \
            "saddle" if any(s > 0 for s in signs) and any(s < 0 for s in signs) else "undecided"
        points.append(Point(p, h, tuple(eig), minors, kind))
    points.sort(key=lambda pt: tuple(sympy.N(v, 30) for v in pt.values))
    return tuple(points)


def _behaviour(iterates, losses) -> str:
    """converging, oscillating, diverging or stationary, from the losses and the direction of each move."""
    if all(it == iterates[0] for it in iterates):
        return "stationary"
    if losses[-1] > losses[0]:
        return "diverging"
    moves = [[b - a for a, b in zip(p, q)] for p, q in zip(iterates, iterates[1:])]
    flips = any(m1[i] * m2[i] < 0 for m1, m2 in zip(moves, moves[1:]) for i in range(len(m1)))
    return "oscillating" if flips else "converging"


def compute(problem: Problem, pins: dict | None = None) -> Computed:
    """Every step of every run, and the stationary points when an ask needs them."""
    model, pins = problem.model, pins or {}
    xs, f = model.symbols, model.function.value
    grad = tuple(sympy.diff(f, x) for x in xs)
    words = {a.what: a for a in problem.asks}
    points, target, is_min = None, None, False
    if "stationary_points" in words or ("distance" in words and words["distance"].arg is None):
        points = stationary_points(model, words.get("stationary_points") or words["distance"])
    if "distance" in words:
        if words["distance"].arg is not None:
            target = words["distance"].arg
        else:
            minima = [p for p in points if p.type == "minimum"]
            if len(minima) != 1:
                w = words["distance"].where
                what = "no minimum" if not minima else f"{len(minima)} minima"
                raise ProblemError(f"distance: the function has {what}; say which point to measure to, as in "
                                   "distance: {to: {" + ", ".join(f"{v}: 0" for v in model.variables) + "}}",
                                   w.file, w.line, w.col)
            target, is_min = minima[0].values, True
    runs = []
    for size in model.step_sizes:
        suffix = f"@s={size.text}" if len(model.step_sizes) > 1 else ""
        point, state, iterates, updates = tuple(model.start), [{} for _ in xs], [tuple(model.start)], []
        for t in range(1, model.steps + 1):
            g = [_value(gi, xs, point) for gi in grad]
            step = tuple(update(model.optimizer, t, point[i], g[i], size.value, state[i]) for i in range(len(xs)))
            state = [new_state(model.optimizer, u) for u in step]
            point = tuple(_pinned(pins, f"{v}[{t}]{suffix}", u.w) for v, u in zip(model.variables, step))
            iterates.append(point)
            updates.append(step)
        losses = tuple(_value(f, xs, p) for p in iterates)
        distances = () if target is None else tuple(
            sympy.sqrt(sum((a - b) ** 2 for a, b in zip(p, target))) for p in iterates)
        runs.append(Run(size, suffix, tuple(iterates), tuple(updates), losses, distances,
                        _behaviour(iterates, losses), losses[0] - losses[-1]))
    return Computed(problem, grad, points, target, is_min, tuple(runs))


def _pinned(pins: dict, name: str, value):
    v = pins.get(name)
    return v if isinstance(v, sympy.Basic) and v.is_number and v.is_real else value


# -- answers -------------------------------------------------------------------------------------------------------
def _gradient_answers(comp: Computed, ask=None) -> dict:
    return {f"df/d{v}": g for v, g in zip(comp.problem.model.variables, comp.gradient)}


def _point_value(values):
    return list(values) if len(values) > 1 else values[0]


def _point_answers(comp: Computed, ask=None) -> dict:
    out = {}
    for i, p in enumerate(comp.points or (), 1):
        out[f"stationary_point_{i}"] = _point_value(p.values)
        out[f"stationary_point_{i}_type"] = sympy.Symbol(p.type)
    return out


def _step_answers(comp: Computed, ask=None) -> dict:
    vs = comp.problem.model.variables
    return {f"{v}[{k}]{run.suffix}": run.iterates[k][i] for run in comp.runs
            for k in range(1, len(run.iterates)) for i, v in enumerate(vs)}


def _loss_answers(comp: Computed, ask=None) -> dict:
    return {f"f[{k}]{run.suffix}": run.losses[k] for run in comp.runs for k in range(1, len(run.losses))}


def _distance_answers(comp: Computed, ask=None) -> dict:
    return {f"distance[{k}]{run.suffix}": run.distances[k] for run in comp.runs for k in range(1, len(run.distances))}


def _behaviour_answers(comp: Computed, ask=None) -> dict:
    return {f"behaviour{run.suffix}": sympy.Symbol(run.behaviour) for run in comp.runs}


# -- printing ------------------------------------------------------------------------------------------------------
class Pen:
    """Prints this problem's expressions in both media, numbers substituted as placeholders."""

    def __init__(self, problem: Problem, precision: int):
        self.problem, self.precision = problem, precision
        self.names_tex: dict[str, str] = {"eta": r"\eta", "#f": "f"} | SETTING_TEX
        self.names_text: dict[str, str] = {"eta": "η", "#f": "f"} | SETTING_TEXT
        self.values: dict = {}
        self._tex = TexPrinter({"names": self.names_tex, "values": self.values, "precision": precision,
                                "decimals": problem.decimals})
        self._text = TextPrinter({"names": self.names_text, "values": self.values, "precision": precision,
                                  "decimals": problem.decimals})

    def symbol(self, key: str, tex: str, text: str) -> sympy.Symbol:
        self.names_tex[key], self.names_text[key] = tex, text
        return sympy.Symbol(key)

    def tex(self, e) -> str:
        return self._tex.doprint(e)

    def text(self, e) -> str:
        return self._text.doprint(e)

    def shown(self, v) -> sympy.Expr:
        """v as it is shown: exact when short, else rounded (a Float)."""
        v = sympy.sympify(v)
        if v.is_Rational and v.p == 1 and v.q >= 10**4 and str(v.q).rstrip("0") == "1":  # eps = 10^-8
            return sympy.Pow(10, -(len(str(v.q)) - 1), evaluate=False)
        if v.is_Rational and len(self.exact_text(v)) <= 14:
            return v
        if v.is_number and not v.is_Rational:
            if v.is_Pow and v.exp == sympy.S.Half and v.base.is_Rational:
                return v
        return sympy.Float(sympy.N(v, 50), 50) if v.is_number else v

    def exact_text(self, v) -> str:
        return number_text(v, self.precision, self.problem.decimals, lambda p, q: f"{p}/{q}")

    def value(self, v) -> sympy.Expr:
        shown = self.shown(v)
        if shown.is_Pow and shown.base == 10:
            return shown  # 10^-8 as a power, not a number with eight zeros
        ph = Value(f"#{len(self.values)}")
        self.values[ph] = shown
        return ph

    def number(self, v) -> tuple[str, str, bool]:
        """(LaTeX, text, exact) of a number as a result shows it."""
        s = self.shown(v)
        if s.is_Float:
            r = rounded(s, self.precision)
            return r, r, False
        return self.tex(s), self.text(s), True

    def result(self, v) -> list[Form]:
        t, x, exact = self.number(v)
        forms = [Form("=" if exact else "approx", t, x)]
        if exact and not sympy.sympify(v).is_Rational:  # sqrt(1.9604) ≈ 1.400
            r = rounded(sympy.sympify(v), self.precision)
            forms.append(Form("approx", r, r))
        return forms

    def cell(self, v) -> Cell:
        s = self.shown(v)
        if s.is_Float or not (s.is_Rational or (s.is_Pow and s.base == 10)):
            r = rounded(sympy.sympify(v), self.precision)
            return Cell(r, r)
        return Cell(self.text(s), self.tex(s))

    def eq(self, lhs, *forms) -> Equation:
        out = []
        for f in forms:
            if isinstance(f, Form):
                out.append(f)
            elif isinstance(f, list):
                out += f
            else:
                out.append(Form("=", self.tex(f), self.text(f)))
        return Equation(self.tex(lhs), self.text(lhs), tuple(out))


def _iterate_names(var: str, k) -> tuple[str, str]:
    """x_k, or w_1^(k) for a variable already subscripted."""
    base, plain = name_tex(var), name_text(var)
    if "_" in base:
        return f"{{{base}}}^{{({k})}}", f"{plain}^({k})"
    return f"{base}_{{{k}}}", f"{plain}_{k}"


def _count(n: int) -> str:
    return {1: "one stationary point", 2: "two stationary points", 3: "three stationary points"}.get(
        n, f"{n} stationary points")


def _say(quantity: str, prose: str, equations=()) -> Step:
    """A step whose prose sets $...$ as math in LaTeX (and drops the dollars in the terminal)."""
    return Step(quantity, _plain(prose), tuple(equations), tex_escape(prose))


def _plain(prose: str) -> str:
    """The prose for the terminal: $...$ dropped, and each name in it as latex.name_text writes it (eta as η)."""
    return re.sub(r"\$([^$]*)\$", lambda m: re.sub(r"[A-Za-z_]\w*", lambda g: name_text(g[0]), m[1]), prose)


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


class OptimizeView:
    """Each part's blocks, from the computation."""

    def __init__(self, problem: Problem, comp: Computed, answers):
        self.problem, self.comp, self.answers, self.m = problem, comp, answers, problem.model
        self.pen = Pen(problem, problem.precision)
        self.xs = self.m.symbols

    # names ---------------------------------------------------------------------------------------------------
    def at(self, var: str, k) -> sympy.Symbol:
        tex, text = _iterate_names(var, k)
        return self.pen.symbol(f"{var}#{k}", tex, text)

    def state(self, name: str, var: str, t) -> sympy.Symbol:
        one = len(self.xs) == 1
        sub = f"{t}" if one else f"{name_tex(var)},{t}"
        sub_text = f"{t}" if one else f"{var},{t}"
        return self.pen.symbol(f"{name}#{var}#{t}", f"{STATE_TEX.get(name, name)}_{{{sub}}}",
                               f"{STATE_TEXT.get(name, name)}_{sub_text}")

    def bracket(self, e) -> sympy.Symbol:
        """e in brackets, as one factor: x_0 - η(2(x_0 - y_0)), as the seed writes the step."""
        tex, text = self.pen.tex(e), self.pen.text(e)
        return self.pen.symbol(f"({text})#{len(self.pen.names_tex)}", rf"\left({tex}\right)", f"({text})")

    def grad_symbol(self, var: str) -> sympy.Symbol:
        return self.pen.symbol(f"d#{var}", rf"\frac{{\partial f}}{{\partial {name_tex(var)}}}", f"∂f/∂{var}")

    def f_of(self, k=None) -> sympy.Symbol:
        args = ", ".join(name_tex(v) for v in self.m.variables)
        if k is None:
            return self.pen.symbol("f#", f"f({args})", f"f({', '.join(self.m.variables)})")
        tex = ", ".join(_iterate_names(v, k)[0] for v in self.m.variables)
        text = ", ".join(_iterate_names(v, k)[1] for v in self.m.variables)
        return self.pen.symbol(f"f#{k}", f"f({tex})", f"f({text})")

    def point_text(self, values) -> tuple[str, str]:
        cells = [self.pen.cell(v) for v in values]
        if len(values) == 1:
            return cells[0].math, cells[0].text
        return (r"\left(" + ", ".join(c.math for c in cells) + r"\right)",
                "(" + ", ".join(c.text for c in cells) + ")")

    def vars_tuple(self, k=None) -> tuple[str, str]:
        if k is None:
            t = [name_tex(v) for v in self.m.variables]
            x = list(self.m.variables)
        else:
            t = [_iterate_names(v, k)[0] for v in self.m.variables]
            x = [_iterate_names(v, k)[1] for v in self.m.variables]
        if len(t) == 1:
            return t[0], x[0]
        return r"\left(" + ", ".join(t) + r"\right)", "(" + ", ".join(x) + ")"

    # parts ---------------------------------------------------------------------------------------------------
    def parts(self) -> tuple[PartView, ...]:
        return tuple(self.part(p, asked) for p, asked in zip(self.problem.parts, self.answers.asked))

    def part(self, part, asked) -> PartView:
        self.words = [a.what for a in part.asks]
        blocks = []
        for ask in part.asks:
            blocks += ASKS[ask.what].steps(self, ask)
        if set(self.words) & {"steps", "loss", "distance"}:
            blocks.append(self.table())
        if "behaviour" in self.words:
            blocks.append(self.reading())
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(blocks), asked)

    def gradient_steps(self, ask) -> list:
        eqs = [self.pen.eq(self.grad_symbol(v), _shown(g)) for v, g in zip(self.m.variables, self.comp.gradient)]
        prose = "Differentiating $f$ with respect to each variable in turn, holding the others fixed:"
        return [_say("gradient", prose, eqs)]

    def point_steps(self, ask) -> list:
        pen, xs = self.pen, self.xs
        zero = [pen.eq(self.grad_symbol(v), _shown(g), 0) for v, g in zip(self.m.variables, self.comp.gradient)]
        out = [Step("stationary_points", "A stationary point makes every partial derivative zero:", tuple(zero))]
        pts = self.comp.points
        if not pts:
            out.append(Prose("These equations have no real solution: f has no stationary point."))
            return out
        names = self.vars_tuple()
        found = [self.point_text(p.values) for p in pts]
        out.append(Prose(f"Solving them gives {_count(len(pts))}: "
                         + _and([f"{names[1]} = {x}" for _, x in found]) + ".",
                         tex_escape(f"Solving them gives {_count(len(pts))}: ")
                         + _and([f"${names[0]} = {t}$" for t, _ in found]) + "."))
        H = sympy.hessian(self.m.function.value, xs)
        rule = self.matrix(H)
        out.append(_say("hessian", "The Hessian $H$ holds the second partial derivatives; the signs of its "
                         "eigenvalues (all positive: a minimum, all negative: a maximum, mixed: a saddle point) "
                         "classify each point.", (Equation("H", "H", (Form("=", rule[0], rule[1]),)),)))
        for i, p in enumerate(pts, 1):
            h = self.matrix(p.hessian)
            lam = [Form("=", ", ".join(pen.tex(e) for e in p.eigenvalues), ", ".join(pen.text(e) for e in p.eigenvalues))]
            if not all(e.is_Rational for e in p.eigenvalues):
                lam.append(Form("approx", ", ".join(rounded(e, self.problem.precision) for e in p.eigenvalues),
                                ", ".join(rounded(e, self.problem.precision) for e in p.eigenvalues)))
            minors = [pen.cell(d) for d in p.minors]
            at = found[i - 1] if len(xs) > 1 else (rf"\left({found[i - 1][0]}\right)", f"({found[i - 1][1]})")
            eqs = [Equation(f"H{at[0]}", f"H{at[1]}", (Form("=", h[0], h[1]),)),
                   Equation(r"\lambda", "λ", tuple(lam))]
            if len(minors) > 1:
                eqs.append(Equation(", ".join(f"D_{{{k}}}" for k in range(1, len(minors) + 1)),
                                    ", ".join(f"D_{k}" for k in range(1, len(minors) + 1)),
                                    (Form("=", ", ".join(c.math for c in minors), ", ".join(c.text for c in minors)),)))
            verdict = {"minimum": "every eigenvalue is positive ($H$ is positive definite): a minimum",
                       "maximum": "every eigenvalue is negative ($H$ is negative definite): a maximum",
                       "saddle": "the eigenvalues have both signs: a saddle point",
                       "undecided": "an eigenvalue is zero and the others share a sign: the Hessian cannot decide "
                                    "(look at higher-order terms)"}[p.type]
            where_text = found[i - 1][1] if len(xs) > 1 else f"{names[1]} = {found[i - 1][1]}"
            where_tex = found[i - 1][0] if len(xs) > 1 else f"{names[0]} = {found[i - 1][0]}"
            tail = f", {verdict}" + (" (the leading minors $D_k$ are shown too)." if len(minors) > 1 else ".")
            prose = f"At {where_text}" + _plain(tail)
            tex = tex_escape("At ") + f"${where_tex}$" + tex_escape(tail)
            out.append(Step(f"stationary_point_{i}", prose, tuple(eqs), tex))
        return out

    def matrix(self, M) -> tuple[str, str]:
        from ..writer import pmatrix

        rows = [[self.pen.tex(sympy.factor_terms(M[i, j])) for j in range(M.cols)] for i in range(M.rows)]
        text = "[" + "; ".join(", ".join(self.pen.text(sympy.factor_terms(M[i, j])) for j in range(M.cols))
                               for i in range(M.rows)) + "]"
        return pmatrix(rows), text

    def rule_steps(self) -> list:
        """The optimiser's update rule in textbook form, stated once."""
        opt = self.m.optimizer
        eqs = []
        assigned: set[str] = set()
        for name, expr in opt.spec.rule:
            mapping = {}
            for s in expr.free_symbols:
                n = s.name
                if s == W:
                    mapping[s] = self.pen.symbol("w#t-1", "w_{t-1}", "w_(t-1)")
                elif s == G:
                    mapping[s] = self.pen.symbol("g#t", "g_{t}", "g_t")
                elif s == T:
                    mapping[s] = self.pen.symbol("t", "t", "t")
                elif n in assigned:
                    mapping[s] = self.pen.symbol(f"{n}#t", f"{STATE_TEX[n]}_{{t}}", f"{STATE_TEXT[n]}_t")
                elif n in opt.spec.state:
                    mapping[s] = self.pen.symbol(f"{n}#t-1", f"{STATE_TEX[n]}_{{t-1}}", f"{STATE_TEXT[n]}_(t-1)")
            lhs = self.pen.symbol("w#t", "w_{t}", "w_t") if name == "w" else \
                self.pen.symbol(f"{name}#t", f"{STATE_TEX[name]}_{{t}}", f"{STATE_TEXT[name]}_t")
            eqs.append(self.pen.eq(lhs, replaced(expr, mapping)))
            assigned.add(name)
        head = f"{opt.spec.title[0].upper()}{opt.spec.title[1:]} updates each coordinate $w$, with $g_t$ its " \
               f"partial derivative at step $t$ and $eta$ the step size; {opt.spec.note}"
        settings = [(f"{SETTING_TEXT[k]} = {self.pen.cell(v).text}", f"{SETTING_TEX[k]} = {self.pen.cell(v).math}")
                    for k, v in opt.settings]
        text = _plain(head) + (". Here " + ", ".join(t for t, _ in settings) + ":" if settings else ":")
        tex = tex_escape(head) + (". Here " + ", ".join(f"${t}$" for _, t in settings) + ":" if settings else ":")
        return [Step("rule", text, tuple(eqs), tex)]

    def update_steps(self, ask) -> list:
        out = self.rule_steps()
        opt, pen = self.m.optimizer, self.pen
        for run in self.comp.runs:
            eta = run.size.value
            shown = min(SHOWN_STEPS, len(run.updates))
            for t in range(1, shown + 1):
                eqs = []
                prev = run.iterates[t - 1]
                env_names = {x: self.at(v, t - 1) for x, v in zip(self.xs, self.m.variables)}
                for i, (x, v) in enumerate(zip(self.xs, self.m.variables)):
                    u = run.updates[t - 1][i]
                    g_rule = replaced(_shown(self.comp.gradient[i]), env_names)
                    g_num = replaced(_shown(self.comp.gradient[i]),
                                      {x2: pen.value(prev[j]) for j, x2 in enumerate(self.xs)})
                    newest = {}
                    if opt.name == "gd":  # the seed's form: the gradient written inside the update
                        lhs = self.at(v, t)
                        rule = sympy.Add(self.at(v, t - 1), sympy.Mul(-1, ETA, self.bracket(g_rule), evaluate=False),
                                         evaluate=False)
                        num = sympy.Add(pen.value(prev[i]), sympy.Mul(-1, pen.value(eta), self.bracket(g_num),
                                                                      evaluate=False), evaluate=False)
                        eqs.append(pen.eq(lhs, rule, num, pen.result(u.w)))
                        continue
                    gsym = pen.symbol(f"g#{v}#{t}", f"g_{{{name_tex(v)},{t}}}" if len(self.xs) > 1 else f"g_{{{t}}}",
                                      f"g_{v},{t}" if len(self.xs) > 1 else f"g_{t}")
                    eqs.append(pen.eq(gsym, g_rule, g_num, pen.result(u.gradient)))
                    for name, expr in opt.spec.rule:
                        sym_map, num_map = {}, {}
                        for s in expr.free_symbols:
                            n = s.name
                            if s == W:
                                sym_map[s], num_map[s] = self.at(v, t - 1), pen.value(prev[i])
                            elif s == G:
                                sym_map[s], num_map[s] = gsym, pen.value(u.gradient)
                            elif s == T:
                                sym_map[s] = num_map[s] = sympy.Integer(t)
                            elif s == ETA:
                                sym_map[s], num_map[s] = s, pen.value(eta)
                            elif n in newest:
                                sym_map[s], num_map[s] = self.state(n, v, t), pen.value(newest[n])
                            elif n in opt.spec.state:
                                sym_map[s], num_map[s] = self.state(n, v, t - 1), pen.value(u.before[n])
                            else:
                                sym_map[s], num_map[s] = s, pen.value(opt.setting(n))
                        value = dict(u.assigned)[name]
                        lhs = self.at(v, t) if name == "w" else self.state(name, v, t)
                        eqs.append(pen.eq(lhs, replaced(expr, sym_map), replaced(expr, num_map), pen.result(value)))
                        newest[name] = value
                head = f"Step {t}" + (f" with η = {run.size.text}" if len(self.comp.runs) > 1 else "") + ":"
                tex = tex_escape(f"Step {t}") + (f" with $\\eta = {pen.tex(pen.value(eta))}$" if len(self.comp.runs) > 1
                                                 else "") + ":"
                out.append(Step(f"step_{t}{run.suffix}", head, tuple(eqs), tex))
            if len(run.updates) > shown:
                out.append(Prose("The remaining steps repeat the same rule; the table gives every iterate."))
        return out

    def loss_steps(self, ask) -> list:
        pen, out = self.pen, []
        eqs = []
        rule = self.m.function.display
        for run in self.comp.runs:
            for k in range(1, min(SHOWN_STEPS, len(run.iterates) - 1) + 1):
                num = replaced(rule, {x: pen.value(run.iterates[k][i]) for i, x in enumerate(self.xs)})
                eqs.append(pen.eq(self.f_of(k), num, pen.result(run.losses[k])))
            prose = "The loss at each iterate is $f$ evaluated there" + \
                (f", with $eta = {run.size.text}$:" if len(self.comp.runs) > 1 else ":")
            out.append(_say(f"loss{run.suffix}", prose, eqs))
            eqs = []
        return out

    def distance_steps(self, ask) -> list:
        pen, out = self.pen, []
        target = self.comp.target
        where = "the minimum" if self.comp.target_is_minimum else "the point"
        tt, tx = self.point_text(target)
        for run in self.comp.runs:
            eqs = []
            for k in range(1, min(SHOWN_STEPS, len(run.iterates) - 1) + 1):
                p = run.iterates[k]
                sq = sum((a - b) ** 2 for a, b in zip(p, target))
                rule = sympy.sqrt(sympy.Add(*[sympy.Pow(sympy.Add(self.at(v, k), sympy.Mul(-1, self.pen.symbol(
                    f"*{v}", f"{name_tex(v)}^{{*}}", f"{v}*"), evaluate=False), evaluate=False), 2, evaluate=False)
                    for v in self.m.variables], evaluate=False), evaluate=False)
                num = sympy.Pow(sympy.Add(*[sympy.Pow(sympy.Add(pen.value(a), sympy.Mul(-1, pen.value(b), evaluate=False),
                                                                evaluate=False), 2, evaluate=False)
                                            for a, b in zip(p, target)], evaluate=False), sympy.S.Half, evaluate=False)
                d = self.pen.symbol(f"d#{k}", f"d_{{{k}}}", f"d_{k}")
                forms = [rule, num]
                if sq.is_Rational and not sympy.sqrt(sq).is_Rational:  # sqrt(1.9604) ≈ 1.400, as the seed writes it
                    r = rounded(run.distances[k], self.problem.precision)
                    forms += [sympy.Pow(pen.value(sq), sympy.S.Half, evaluate=False), Form("approx", r, r)]
                else:
                    forms.append(pen.result(run.distances[k]))
                eqs.append(pen.eq(d, *forms))
            prose = f"The L2 distance of each iterate from {where} {tx}" + \
                (f", with η = {run.size.text}:" if len(self.comp.runs) > 1 else ":")
            tex = tex_escape(f"The L2 distance of each iterate from {where} ") + f"${tt}$" + \
                (f", with $\\eta = {pen.tex(pen.value(run.size.value))}$:" if len(self.comp.runs) > 1 else ":")
            out.append(Step(f"distance{run.suffix}", prose, tuple(eqs), tex))
        return out

    def behaviour_steps(self, ask) -> list:
        return []  # the reading follows the table

    def plot_steps(self, ask) -> list:
        """The iterates of every step size over the contour lines of f (a function of two variables), or on its
        graph (one variable)."""
        from ..picture import figure
        from .. import plots

        m, runs = self.m, self.comp.runs
        f = compile_float(m.function.value, m.variables)
        pts = [tuple(float(v) for v in it) for run in runs for it in run.iterates]
        pts += [tuple(float(v) for v in p.values) for p in (self.comp.points or ()) if all(v.is_real for v in p.values)]
        pts = [p for p in pts if all(math.isfinite(v) and abs(v) < 1e6 for v in p)]
        several = len(runs) > 1

        def label(run):
            return rf"\eta = {run.size.text}" if several else ""

        if len(m.variables) == 1:
            xs = [p[0] for p in pts]
            lo, hi = _span(xs)
            pic = plots.curves([("f", lambda x: f(x))], (lo, hi), m.variables[0], "f")
            what = "The graph of f"
        else:
            xs, ys = [p[0] for p in pts], [p[1] for p in pts]
            box = (_span(xs), _span(ys))
            paths = [(label(run), [(float(it[0]), float(it[1])) for it in run.iterates]) for run in runs]
            marks = [(float(p.values[0]), float(p.values[1]), r"\text{%s}" % p.type)
                     for p in (self.comp.points or ()) if all(v.is_real for v in p.values)]
            pic = plots.contours(lambda x, y: f(x, y), box, paths, x_name=m.variables[0], y_name=m.variables[1],
                                 marks=marks)
            what = "Contour lines of f"
        rest = ", with the iterates joined in order from the start" + (", one path per step size" if several
                                                                        else "") \
            + " (iterates outside the frame are drawn at its edge)."
        return [figure(pic, "plot", what + rest, what.replace(" f", " $f$") + rest)]

    def table(self) -> Table:
        pen, several = self.pen, len(self.comp.runs) > 1
        state = [n for n in self.m.optimizer.spec.state] if "steps" in self.words else []
        header = [Cell("η", r"\eta")] * several + [Cell("k", "k")]
        header += [Cell(_iterate_names(v, "k")[1], _iterate_names(v, "k")[0]) for v in self.m.variables]
        for n in state:
            header += [Cell(STATE_TEXT[n] + (f"_{v}" if len(self.xs) > 1 else ""),
                            STATE_TEX[n] + (f"_{{{name_tex(v)}}}" if len(self.xs) > 1 else ""))
                       for v in self.m.variables]
        loss = "loss" in self.words or "behaviour" in self.words
        dist = "distance" in self.words and self.comp.target is not None
        header += [Cell("f", "f")] * loss + [Cell("distance", "d_{k}")] * dist
        rows = []
        for run in self.comp.runs:
            for k, p in enumerate(run.iterates):
                if several and len(run.iterates) == 2 and k == 0 and run is not self.comp.runs[0]:
                    continue  # one step per run: the start is the same for every run
                row = [Cell(run.size.text, pen.tex(pen.value(run.size.value))) if k > 0 or len(run.iterates) > 2
                       else Cell("")] * several + [Cell(str(k), str(k))]
                row += [pen.cell(x) for x in p]
                for n in state:
                    row += [pen.cell(dict(run.updates[k - 1][i].assigned)[n]) if k else Cell("0", "0")
                            for i in range(len(self.xs))]
                row += [pen.cell(run.losses[k])] * loss + [pen.cell(run.distances[k]) if dist else Cell("")] * dist
                rows.append(tuple(row))
        return Table(tuple(header), tuple(rows), "In summary (k = 0 is the start):",
                     tex_escape("In summary ($k = 0$ is the start):"))

    def reading(self) -> Prose:
        runs = self.comp.runs
        words = {"stationary": "stays where it starts (the start is a stationary point)",
                 "diverging": "raises the loss: the step overshoots and the iterates diverge",
                 "oscillating": "lowers the loss while jumping back and forth across the valley (oscillating)",
                 "converging": "lowers the loss steadily (converging)"}
        falling = [run for run in runs if run.behaviour in ("converging", "oscillating")]
        fast = max(falling, key=lambda run: run.fall) if len(falling) > 1 else None
        slow = min(falling, key=lambda run: run.fall) if len(falling) > 1 else None
        said = []
        for run in runs:
            s = words[run.behaviour] + (", the fastest here" if run is fast else ", but slowly" if run is slow else "")
            if len(runs) > 1:
                said.append((f"η = {run.size.text} {s}",
                             f"$\\eta = {self.pen.tex(self.pen.value(run.size.value))}$ " + tex_escape(s)))
            else:
                said.append((f"the run {s}", tex_escape(f"the run {s}")))
        text = "Reading the table: " + "; ".join(t for t, _ in said) + "."
        tex = tex_escape("Reading the table: ") + "; ".join(t for _, t in said) + "."
        return Prose(text, tex)


def _shown(e):
    """A derivative as a model answer writes it: a common factor out, positive terms first (2(2y - x))."""
    return _ordered(sympy.factor_terms(e))


def _ordered(e):
    if not e.args or e.is_Number:
        return e
    args = [_ordered(a) for a in e.args]
    if e.is_Add:
        args = [a for a in args if not a.could_extract_minus_sign()] + [a for a in args if a.could_extract_minus_sign()]
        return sympy.Add(*args, evaluate=False)
    if e.is_Mul or e.is_Pow:
        return e.func(*args, evaluate=False)
    return e.func(*args)


# -- the ask table -------------------------------------------------------------------------------------------------
def _tuple(items: list[str], tex: bool) -> str:
    if len(items) == 1:
        return items[0]
    return (r"\left(" + ", ".join(items) + r"\right)") if tex else "(" + ", ".join(items) + ")"


def _sentence(fn):
    def sentence(problem, ask):
        text = fn(problem, ask)
        return _plain(text), tex_escape(text)

    return sentence


def _steps_sentence(problem, ask) -> tuple[str, str]:
    m = problem.model
    pen = Pen(problem, problem.precision)
    sizes = [pen.cell(s.value) for s in m.step_sizes]
    steps = "one step" if m.steps == 1 else f"{m.steps} steps"
    out = []
    for tex in (False, True):
        names = [_iterate_names(v, 0)[0 if tex else 1] for v in m.variables]
        its = [_iterate_names(v, "k")[0 if tex else 1] for v in m.variables]
        vals = [pen.cell(v).math if tex else pen.cell(v).text for v in m.start]
        eta = [c.math if tex else c.text for c in sizes]
        math = (lambda x: f"${x}$") if tex else (lambda x: x)
        say = tex_escape if tex else (lambda x: x)
        how = (say("step size ") + math(("\\eta" if tex else "η") + " = " + eta[0])) if len(eta) == 1 else \
            say("each step size ") + math(("\\eta" if tex else "η") + " = " + ", ".join(eta[:-1])) + \
            say(" and ") + math(eta[-1])
        out.append(say("Starting from ") + math(f"{_tuple(names, tex)} = {_tuple(vals, tex)}")
                   + say(f", take {steps} of {m.optimizer.spec.title} with ") + how
                   + say(", giving each iterate ") + math(_tuple(its, tex)) + ".")
    return out[0], out[1]


def _distance_sentence(problem, ask) -> tuple[str, str]:
    if ask.arg is None:
        text = "Give the L2 distance of each iterate from the minimum of $f$."
        return _plain(text), tex_escape(text)
    pen = Pen(problem, problem.precision)
    cells = [pen.cell(v) for v in ask.arg]
    head = "Give the L2 distance of each iterate from the point "
    return (head + _tuple([c.text for c in cells], False) + ".",
            tex_escape(head) + "$" + _tuple([c.math for c in cells], True) + "$.")


ASKS = {e.word: e for e in (
    AskType("gradient", read_word("gradient"), _sentence(lambda p, a: "Find the gradient of $f$, each partial "
                                                                  "derivative written out."),
            _gradient_answers, OptimizeView.gradient_steps),
    AskType("stationary_points", read_word("stationary_points"),
            _sentence(lambda p, a: "Find every stationary point of $f$, where the gradient is zero, and say whether "
                                   "each is a minimum, a maximum or a saddle point."),
            _point_answers, OptimizeView.point_steps),
    AskType("steps", read_word("steps"), _steps_sentence, _step_answers, OptimizeView.update_steps),
    AskType("loss", read_word("loss"), _sentence(lambda p, a: "Give the value of $f$ at each iterate."),
            _loss_answers, OptimizeView.loss_steps),
    AskType("distance", _read_distance, _distance_sentence, _distance_answers,
            OptimizeView.distance_steps),
    AskType("behaviour", read_word("behaviour"),
            _sentence(lambda p, a: "Say whether the iterates converge, oscillate or diverge"
                                   + (", for each step size." if len(p.model.step_sizes) > 1 else ".")),
            _behaviour_answers, OptimizeView.behaviour_steps),
    AskType("plot", read_word("plot"), _sentence(lambda p, a: "Sketch the iterates over the contour lines of $f$."),
            lambda comp, ask: {}, OptimizeView.plot_steps, asked=lambda comp, ask: []),
)}


def _span(values) -> tuple[float, float]:
    """A plot's range around these values: a margin of a fifth on each side, at least 1 wide."""
    lo, hi = (min(values), max(values)) if values else (-1.0, 1.0)
    pad = max((hi - lo) * 0.2, 0.5)
    return lo - pad, hi + pad


class OptimizeKind(Kind):
    """Minimising a function of a few variables: gradient, stationary points, and optimiser steps."""

    name = "optimize"
    asks = ASKS

    def lower(self, r, block, notation):
        return lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return (Ask("gradient"), Ask("stationary_points"), Ask("steps"), Ask("loss"), Ask("behaviour"))

    def answer_names(self, problem: Problem) -> set[str] | None:
        return None  # stationary points are known only once solved

    def compute(self, problem: Problem, pins=None) -> Computed:
        return compute(problem, pins)

    def view(self, problem: Problem, comp: Computed, answers):
        notes = ["The iterates are numbered from k = 0, the start."]
        if any(run.suffix for run in comp.runs):
            notes.append("Answers of each step size are named with it: x[1]@s=0.1 is x after one step of size 0.1.")
        return OptimizeView(problem, comp, answers).parts(), tuple(notes)

    def given(self, problem: Problem) -> Given:
        m = problem.model
        pen = Pen(problem, problem.precision)
        view = OptimizeView.__new__(OptimizeView)
        view.problem, view.m, view.pen, view.xs = problem, m, pen, m.symbols
        rows = [(pen.eq(view.f_of(), m.function.display),)]
        st, sx = view.vars_tuple(0)
        vt = [pen.cell(v) for v in m.start]
        vals = (r"\left(" + ", ".join(c.math for c in vt) + r"\right)", "(" + ", ".join(c.text for c in vt) + ")") \
            if len(vt) > 1 else (vt[0].math, vt[0].text)
        rows.append((Equation(st, sx, (Form("=", vals[0], vals[1]),)),))
        sizes = [pen.cell(s.value) for s in m.step_sizes]
        rows.append((Equation(r"\eta", "η", (Form("=", ", ".join(c.math for c in sizes),
                                                   ", ".join(c.text for c in sizes)),)),))
        for k, v in m.optimizer.settings:
            c = pen.cell(v)
            rows.append((Equation(SETTING_TEX[k], SETTING_TEXT[k], (Form("=", c.math, c.text),)),))
        lead = f"Consider minimising the function $f$ below with {m.optimizer.spec.title}, from the start given."
        return Given(_plain(lead), tex_escape(lead), tuple(rows))

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        return verify(problem, answers.values)

    def answer_string(self, value) -> str:
        """A word answer as Symbol('minimum'): sympify reads a bare minimum or maximum as SymPy's functions."""
        if isinstance(value, sympy.Symbol) and value.name in WORDS:
            return f"Symbol('{value.name}')"
        return super().answer_string(value)

    def read_answer(self, text: str):
        """A word answer, bare (minimum) or as the key spells it (Symbol('minimum'))."""
        word = re.fullmatch(r"\s*(?:Symbol\('(\w+)'\)|(\w+))\s*", text)
        name = word and (word[1] or word[2])
        return sympy.Symbol(name) if name in WORDS else None

    def working_order(self, problem: Problem, name: str) -> tuple:
        """Gradient, stationary points, then each run step by step."""
        if name.startswith("df/d"):
            return (0, 0)
        if name.startswith("stationary_point"):
            return (1, 0)
        base, _, suffix = name.partition("@")
        if "[" in base:
            k = int(base[base.index("[") + 1:base.index("]")]) if base[base.index("[") + 1:base.index("]")].isdigit() else 0
            return (2, suffix, k, base.startswith("distance") or base.startswith("f["))
        return (3, suffix)


# -- verify: plain floats, another way ------------------------------------------------------------------------------
def verify(problem: Problem, values: dict) -> tuple[bool, str]:
    """Re-run every step in plain floats with central-difference gradients, and compare."""
    m = problem.model
    f = compile_float(m.function.value, m.variables)  # the catalogue's relu, sigmoid, ... too, which lambdify lacks

    def grad(p):
        out = []
        for i in range(len(p)):
            h = 1e-6 * max(1.0, abs(p[i]))
            a, b = list(p), list(p)
            a[i] += h
            b[i] -= h
            out.append((f(*a) - f(*b)) / (2 * h))
        return out

    opt = m.optimizer
    s = {k: float(v) for k, v in opt.settings}
    truth = {}
    target = next((a.arg for a in problem.asks if a.what == "distance" and a.arg is not None), None)
    for name, v in values.items():  # else the minimum, itself checked below to make the gradient vanish
        if target is None and name.endswith("_type") and str(v) == "minimum":
            p = values[name.removesuffix("_type")]
            target = p if isinstance(p, list) else [p]
    target = None if target is None else [float(v) for v in target]
    for size in m.step_sizes:
        suffix = f"@s={size.text}" if len(m.step_sizes) > 1 else ""
        eta, p = float(size.value), [float(v) for v in m.start]
        st = [{"v": 0.0, "m": 0.0} for _ in p]
        for t in range(1, m.steps + 1):
            g = grad(p)
            new = []
            for i, (w, gi) in enumerate(zip(p, g)):
                c = st[i]
                if opt.name == "gd":
                    w = w - eta * gi
                elif opt.name in ("momentum", "nesterov"):
                    c["v"] = s["beta"] * c["v"] + gi
                    w = w - eta * (c["v"] if opt.name == "momentum" else gi + s["beta"] * c["v"])
                elif opt.name == "rmsprop":
                    c["v"] = s["alpha"] * c["v"] + (1 - s["alpha"]) * gi * gi
                    w = w - eta * gi / (math.sqrt(c["v"]) + s["eps"])
                else:
                    c["m"] = s["beta1"] * c["m"] + (1 - s["beta1"]) * gi
                    c["v"] = s["beta2"] * c["v"] + (1 - s["beta2"]) * gi * gi
                    mh, vh = c["m"] / (1 - s["beta1"] ** t), c["v"] / (1 - s["beta2"] ** t)
                    w = w - eta * mh / (math.sqrt(vh) + s["eps"])
                new.append(w)
            p = new
            for v, w in zip(m.variables, p):
                truth[f"{v}[{t}]{suffix}"] = w
            truth[f"f[{t}]{suffix}"] = f(*p)
            if target is not None:
                truth[f"distance[{t}]{suffix}"] = math.dist(p, target)
    checked, bad = 0, []
    for name, want in truth.items():
        if name in values:
            got = float(sympy.N(values[name], 30))
            checked += 1
            if not math.isclose(got, want, rel_tol=1e-5, abs_tol=1e-6):
                bad.append(name)
    for name, v in values.items():
        if name.startswith("stationary_point_") and not name.endswith("_type"):
            p = [float(sympy.N(x)) for x in (v if isinstance(v, list) else [v])]
            checked += 1
            if max(abs(x) for x in grad(p)) > 1e-4:
                bad.append(name)
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: recomputed another way, they differ."
    return True, (f"Verified: all {checked} answers agree with a rerun in floating point (gradients by central "
                  "differences, distances by math.dist, stationary points checked to make the gradient vanish).")


KIND = OptimizeKind()

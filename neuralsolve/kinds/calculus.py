"""The `calculus` kind: one function, differentiated, limited and simplified as a model answer does."""

from __future__ import annotations

import ast
from dataclasses import dataclass

import mpmath
import sympy

from .. import derive
from .. import functions as fn
from ..errors import ProblemError
from ..expr import Parsed, parse, replaced, suggest
from ..kind import AskType, Given, Kind
from ..latex import name_text, tex, tex_escape, text
from ..notation import name_tex
from ..problem import Ask, Problem
from ..solution import Equation, Form, PartView, Prose, Step, answer_string, marks_text
from ..yamlio import Y

INFINITY = {"oo": sympy.oo, "inf": sympy.oo, "infinity": sympy.oo, "+oo": sympy.oo, "+inf": sympy.oo,
            "-oo": -sympy.oo, "-inf": -sympy.oo, "-infinity": -sympy.oo}
_JUMPING = (fn.relu_prime, fn.step, fn.step_prime, sympy.Heaviside, sympy.sign, sympy.DiracDelta)
_KINKED = (fn.relu, sympy.Abs, sympy.Max, sympy.Min) + _JUMPING
# the catalogue forms a result is recognised as ("which is ReLU"), tried in this order
NAMED = (("ReLU", fn.relu), ("the step function", fn.step), ("the sigmoid", fn.sigmoid), ("swish", fn.swish),
         ("softplus", fn.softplus), ("tanh", sympy.tanh))


@dataclass(frozen=True)
class Calculus:
    """The function (value and author's display form), its variable, its letter and its names."""

    function: Parsed
    variable: sympy.Symbol
    letter: str  # f, or the author's name for it (g for swish)
    names: tuple[str, ...]


@dataclass(frozen=True)
class Computed:
    problem: Problem
    results: dict  # (ask word, argument) -> {answer name: value}
    limits: dict  # (variable, point) -> Limit: each limit asked (or simplified) with its pieces, for the steps


@dataclass(frozen=True)
class Limit:
    """A limit, and when it was worked apart on each sign of the function's variable, the piece for each."""

    value: sympy.Expr
    by_sign: tuple = ()  # (for v > 0, for v < 0, at v = 0), or () when not split


# -- load ----------------------------------------------------------------------------------------------------------
def lower(r, block: Y, notation: Y | None) -> Calculus:
    """The `calculus:` block: a function, and optionally its variable and its letter."""
    if notation is not None:
        r.fail(notation, "the calculus kind takes no notation; name the function with 'name: g'")
    m = r.mapping(block, "calculus", ("function", "variable", "name"), ("function",))
    f = r.expr(m["function"], "the function")
    if not f.names:
        r.fail(m["function"], "the function has no variable; write it in a name such as x, as in x*sigmoid(beta*x)")
    if "variable" in m:
        v = r.text(m["variable"], "the variable")
        if v not in f.names:
            r.fail(m["variable"], f"the variable {v!r} is not in the function; {suggest(v, f.names)}")
    else:
        v = "x" if "x" in f.names else f.names[0]
    letter = r.text(m["name"], "the function's name") if "name" in m else "f"
    if not letter.isidentifier() or not letter.isascii() or letter in f.names:
        r.fail(m["name"], f"the function's name {letter!r} must be a name (letters, digits, _) not used in the "
                          "function, such as g")
    reals = {sympy.Symbol(n): real(n) for n in f.names}  # every name is a real number (|x|' is sign(x), not re/im)
    f = Parsed(f.value.xreplace(reals), replaced(f.display, reals), f.names, f.text)
    return Calculus(f, real(v), letter, f.names)


def real(name: str) -> sympy.Symbol:
    return sympy.Symbol(name, real=True)


def _variable(r, y: Y, model: Calculus, name: str, what: str, key: str | None = None) -> sympy.Symbol:
    if name not in model.names:
        r.fail(y, f"{what}: {name!r} is not a variable of the function; {suggest(name, model.names)}", key)
    return real(name)


def _point(r, y: Y, what: str, infinite: bool = False):
    if infinite and isinstance(y.value, str) and y.value.strip().lower() in INFINITY:
        return INFINITY[y.value.strip().lower()]
    try:
        p = r.expr(y, what, allowed=())
    except ProblemError:
        p = None
    if p is None or not p.value.is_number or not p.value.is_real:
        r.fail(y, f"{what} must be a number" + (" or oo (infinity)" if infinite else ""))
    return p.value


def _read_variable(word: str):
    def read(r, y, arg, model) -> Ask:
        if arg is None:
            return Ask(word, model.variable)
        name = r.text(arg, f"the variable of {word}")
        return Ask(word, _variable(r, arg, model, name, word))
    return read


def _read_at(word: str, infinite: bool):
    """{x: 0} (a variable and a point); for one_sided also a bare number (at the function's variable)."""
    example = "{beta: oo}" if infinite else "{x: 0}"

    def read(r, y, arg, model) -> Ask:
        if arg is None:
            if word == "simplify":
                return Ask(word, None)
            r.fail(y, f"{word} needs a variable and a point, such as {word}: {example}")
        if not isinstance(arg.value, dict):
            if word == "one_sided":
                return Ask(word, (model.variable, _point(r, arg, "the point")))
            r.fail(arg, f"{word} needs a variable and a point, such as {word}: {example}")
        if len(arg.value) != 1:
            r.fail(arg, f"{word} takes one variable and its point, such as {word}: {example}")
        ((name, value),) = arg.value.items()
        var = _variable(r, arg, model, name, word, name)
        return Ask(word, (var, _point(r, value, f"the point of {name}", infinite)))
    return read


# -- compute -------------------------------------------------------------------------------------------------------
def plain(e):
    """e in functions SymPy can take limits of: relu as max(0, x) by cases, sigmoid as 1/(1 + e^-x)."""
    e = fn.standard(e)
    e = e.replace(lambda a: isinstance(a, sympy.Heaviside), lambda a: sympy.Piecewise((0, a.args[0] < 0), (1, True)))
    return e.rewrite(sympy.Piecewise) if e.has(sympy.Max, sympy.Min, sympy.Abs) else e


def kinks(e, v) -> list:
    """Where a kinked function (relu, step, |.|) in e meets 0: the points of v where e may not be smooth."""
    out = []
    for a in sympy.preorder_traversal(e):
        if isinstance(a, _KINKED):
            for arg in a.args:
                if arg.has(v):
                    for p in sympy.solve(arg, v):
                        if p.is_real and p not in out:
                            out.append(p)
    return out


def by_cases(d, v, jumps=()):
    """A derivative with relu'(u) and step'(u) as cases (Piecewise), undefined where f' jumps."""
    d = d.replace(lambda a: isinstance(a, fn.relu_prime),
                  lambda a: sympy.Piecewise((1, a.args[0] > 0), (0, a.args[0] < 0)))
    d = d.replace(lambda a: isinstance(a, sympy.Heaviside),
                  lambda a: sympy.Piecewise((1, a.args[0] > 0), (0, a.args[0] < 0)))
    d = d.replace(lambda a: isinstance(a, sympy.sign),
                  lambda a: sympy.Piecewise((1, a.args[0] > 0), (-1, a.args[0] < 0)))
    d = d.replace(lambda a: isinstance(a, (fn.step_prime, sympy.DiracDelta)),
                  lambda a: sympy.Piecewise((0, sympy.Ne(a.args[0], 0))))
    d = sympy.piecewise_fold(d) if d.has(sympy.Piecewise) else d
    if jumps and not d.has(sympy.Piecewise):
        d = sympy.Piecewise((d, sympy.And(*[sympy.Ne(v, p) for p in jumps])))
    return d


def jumps_of(first, v) -> list:
    """Points where f' itself jumps (it holds relu' or step): f'' does not exist there."""
    return [p for p in kinks(first, v) if first.has(*_JUMPING)]


def one_sided(value, v, p) -> tuple:
    """The left and right limits of the difference quotient at v = p (h as a signed symbol, so cases resolve)."""
    t = sympy.Dummy("t", positive=True)
    f = plain(value)
    out = []
    for h in (-t, t):
        q = (f.subs(v, p + h) - f.subs(v, p)) / h
        out.append(sympy.simplify(sympy.limit(sympy.simplify(q), t, 0, "+")))
    return tuple(out)


def signed(v):
    return sympy.Symbol(v.name, positive=True), sympy.Symbol(v.name, negative=True)


def limit(model: Calculus, var, point) -> Limit:
    """The limit of the function as var -> point, split by the sign of the variable where the result depends on it."""
    f, v = plain(model.function.value), model.variable
    if var == v or not f.has(v):
        return Limit(sympy.simplify(sympy.limit(f, var, point)))
    pos, neg = signed(v)
    lp = sympy.simplify(sympy.limit(f.subs(v, pos), var, point)).subs(pos, v)
    ln = sympy.simplify(sympy.limit(f.subs(v, neg), var, point)).subs(neg, v)
    l0 = sympy.simplify(sympy.limit(f.subs(v, 0), var, point))
    if sympy.simplify(lp - ln) == 0 and sympy.simplify(lp.subs(v, 0) - l0) == 0:
        value = lp
    elif sympy.simplify(ln.subs(v, 0) - l0) == 0:
        value = sympy.Piecewise((lp, v > 0), (ln, True))
    elif sympy.simplify(lp.subs(v, 0) - l0) == 0:
        value = sympy.Piecewise((lp, v >= 0), (ln, True))
    else:
        value = sympy.Piecewise((lp, v > 0), (ln, v < 0), (l0, True))
    return Limit(value, (lp, ln, l0))


def _kept_limit(m: Calculus, arg, limits: dict) -> sympy.Expr:
    """The limit arg = (variable, point), worked once and kept in `limits` for the steps."""
    if arg not in limits:
        limits[arg] = limit(m, *arg)
    return limits[arg].value


def named(e, v):
    """(the catalogue function's name, its form) when e is one of them, as ReLU is max(0, x); else None."""
    if e.free_symbols - {v}:
        return None
    points = [sympy.Rational(n, 4) for n in (-9, -3, -1, 0, 1, 3, 9)]
    for label, f in ((("the identity", None),) + NAMED):
        form = v if f is None else f(v)
        if all(_same(e.subs(v, p), form.subs(v, p)) for p in points):
            return label, form
    return None


def _same(a, b) -> bool:
    try:
        return bool(abs(sympy.N(a - b, 30)) < 1e-25)
    except TypeError:
        return False


def compute(problem: Problem, pins=None) -> Computed:
    """Every asked derivative, one-sided derivative, second derivative, limit and simplification."""
    m = problem.model
    results, limits = {}, {}
    for ask in problem.asks:
        try:
            got = ANSWERS[ask.what](m, ask.arg, limits)
        except (NotImplementedError, TypeError, ValueError) as exc:  # SymPy cannot settle it: say which step
            raise ProblemError(f"{ask.what}: SymPy cannot work this out for this function ({exc})",
                               ask.where.file, ask.where.line, ask.where.col) from None
        for name, v in got.items():
            if v.has(sympy.AccumBounds, sympy.nan, sympy.zoo, sympy.Limit):
                raise ProblemError(f"{name} does not exist for this function (the limit oscillates or is undefined); "
                                   "ask at another point", ask.where.file, ask.where.line, ask.where.col)
        results[(ask.what, ask.arg)] = got
    return Computed(problem, results, limits)


def _derivative(m: Calculus, v) -> dict:
    d = by_cases(fn.textbook(sympy.diff(m.function.value, v)), v)
    if isinstance(d, sympy.Piecewise):  # where the cases meet, f' exists if the one-sided derivatives agree
        for k in kinks(m.function.value, v):
            left, right = one_sided(m.function.value, v, k)
            if left == right and left.is_finite:
                d = sympy.Piecewise((left, sympy.Eq(v, k)), *d.args)
    return {f"d{m.letter}/d{v}": d}


def _second(m: Calculus, v) -> dict:
    first = sympy.diff(m.function.value, v)
    second = sympy.diff(first, v)
    return {f"d2{m.letter}/d{v}2": by_cases(fn.textbook(second), v, jumps_of(first, v))}


def _at(m: Calculus, v, p) -> str:
    return answer_string(p) if v == m.variable else f"{v}={answer_string(p)}"


def _one_sided(m: Calculus, arg) -> dict:
    v, p = arg
    left, right = one_sided(m.function.value, v, p)
    return {f"left_derivative@{_at(m, v, p)}": left, f"right_derivative@{_at(m, v, p)}": right}


def limit_name(var, point) -> str:
    return f"limit@{var}->{answer_string(point) if point.is_finite else ('oo' if point > 0 else '-oo')}"


def _limit(m: Calculus, arg, limits: dict) -> dict:
    return {limit_name(*arg): _kept_limit(m, arg, limits)}


def _simplified(m: Calculus, arg, limits: dict):
    e = _kept_limit(m, arg, limits) if arg else sympy.simplify(plain(m.function.value))
    hit = named(e, m.variable)
    return hit[1] if hit else e


ANSWERS = {"derivative": lambda m, v, limits: _derivative(m, v),
           "second_derivative": lambda m, v, limits: _second(m, v),
           "one_sided": lambda m, arg, limits: _one_sided(m, arg), "limit": _limit,
           "simplify": lambda m, arg, limits: {"simplified": _simplified(m, arg, limits)},
           "plot": lambda m, arg, limits: {}}

MAX_CURVES = 6  # plot: {curves: {beta: [...]}}: more curves than this no longer read apart


def _read_plot(r, y, arg, model) -> Ask:
    """plot: {x: [-4, 4]} (the function over an interval of its variable), with curves: {beta: [0.5, 1, 10]}
    for one curve per value of another name; every other name needs a value there."""
    if arg is None or not isinstance(arg.value, dict):
        r.fail(arg or y, f"plot needs an interval, such as plot: {{{model.variable}: [-4, 4]}}")
    m = arg.value
    axis = [k for k in m if k != "curves"]
    if len(axis) != 1:
        r.fail(arg, f"plot takes one interval, such as plot: {{{model.variable}: [-4, 4]}}, and optionally curves")
    name = axis[0]
    var = _variable(r, arg, model, name, "plot", name)
    ends = m[name].value if isinstance(m[name].value, list) else None
    if not ends or len(ends) != 2:
        r.fail(m[name], f"plot: give the interval of {name} as [from, to]")
    lo, hi = (_point(r, e, f"an end of the interval of {name}") for e in ends)
    if not lo < hi:
        r.fail(m[name], f"plot: the interval of {name} must go from the smaller end to the larger")
    curves: tuple = ()
    if "curves" in m:
        cm = r.mapping(m["curves"], "plot curves")
        if len(cm) != 1:
            r.fail(m["curves"], "plot curves: one name and its values, such as curves: {beta: [0.5, 1, 10]}")
        ((other, vals),) = cm.items()
        osym = _variable(r, m["curves"], model, other, "plot curves", other)
        items = vals.value if isinstance(vals.value, list) else [vals]
        if not items or len(items) > MAX_CURVES:
            r.fail(vals, f"plot curves: 1 to {MAX_CURVES} values of {other}")
        curves = (osym, tuple(_point(r, v, f"a value of {other}") for v in items))
    rest = [n for n in model.names if n != name and (not curves or n != curves[0].name)]
    if rest:
        r.fail(arg, f"plot: {', '.join(rest)} need values to plot with; give one curve per value with curves: "
                    f"{{{rest[0]}: [...]}}")
    return Ask("plot", (var, lo, hi, curves))


# -- printing ------------------------------------------------------------------------------------------------------
def eq(lhs: tuple[str, str], *forms) -> Equation:
    """lhs = form = ..., each form an expression or a (LaTeX, text) pair; repeated forms dropped."""
    out = []
    for f in forms:
        t = f if isinstance(f, tuple) else _point_str(f) if f in (sympy.oo, -sympy.oo) else dotted(show(f))
        if not out or out[-1].tex != t[0]:
            out.append(Form("=", *t))
    return Equation(lhs[0], lhs[1], tuple(out))


def cases(e) -> tuple[str, str]:
    """A Piecewise as the seed writes one, `x if x > 0`, `0 if x <= 0`, one case a line; else the expression."""
    if not isinstance(e, sympy.Piecewise):
        return tex(show(e)), text(show(e))
    pieces = list(e.args)
    if len(pieces) == 2 and pieces[1][1] is sympy.true and isinstance(pieces[0][1], sympy.core.relational.Relational):
        first, other = pieces[0][1], sympy.Not(pieces[0][1])
        pieces = [(pieces[1][0], other), (pieces[0][0], first)] if first.rel_op in ("<", "<=") else \
            [pieces[0], (pieces[1][0], other)]
    rows, words = [], []
    for value, cond in pieces:
        rows.append(rf"{tex(show(value))} & " + (r"\text{otherwise}" if cond is sympy.true
                                                  else rf"\text{{if }} {_cond(cond, tex)}"))
        words.append(f"{text(show(value))} " + ("otherwise" if cond is sympy.true else "if " + _cond(cond, text)))
    if e.args[-1][1] is not sympy.true:  # no case for the meeting point: say so, as for f'(0) of ReLU
        conds = [c for _, c in e.args]
        ends = {c.rhs for c in conds if isinstance(c, sympy.core.relational.Relational) and c.lhs.is_Symbol}
        if len(ends) == 1 and all(c.rel_op in ("<", ">", "!=") and c.lhs.is_Symbol for c in conds if
                                  isinstance(c, sympy.core.relational.Relational)):
            at = sympy.Eq(conds[0].lhs, ends.pop(), evaluate=False)
            rows.append(rf"\text{{undefined}} & \text{{if }} {_cond(at, tex)}")
            words.append(f"undefined if {_cond(at, text)}")
        else:
            rows.append(r"\text{undefined} & \text{otherwise}")
            words.append("undefined otherwise")
    return r"\begin{cases} " + r" \\ ".join(rows) + r" \end{cases}", "; ".join(words)


def dotted(e) -> tuple[str, str]:
    """e in both media, a leading number kept apart from what it multiplies: 1 · σ(βx), 0 · σ(0)."""
    if isinstance(e, sympy.Mul) and len(e.args) > 1 and e.args[0].is_Number and e.args[0] != -1:
        rest = sympy.Mul(*e.args[1:], evaluate=False) if len(e.args) > 2 else e.args[1]
        t, x = tex(rest), text(rest)
        if rest.is_Add:
            t, x = rf"\left({t}\right)", f"({x})"
        return rf"{tex(e.args[0])} \cdot {t}", f"{text(e.args[0])}·{x}"
    return tex(e), text(e)


def product(a, b) -> tuple[str, str]:
    """a · b written out, each factor bracketed if it is a sum."""
    (at, ax), (bt, bx) = (dotted(a) if not a.is_Add else (rf"\left({tex(a)}\right)", f"({text(a)})")), \
        (dotted(b) if not b.is_Add else (rf"\left({tex(b)}\right)", f"({text(b)})"))
    return rf"{at} \cdot {bt}", f"{ax}·{bx}"


def show(e):
    """A result as an exam writes it: x/2 rather than 1/2 x."""
    e = sympy.S(e)
    if e.is_Mul and e.args[0].is_Rational and e.args[0].p == 1 and e.args[0].q > 1:
        return sympy.Mul(*e.args[1:], sympy.Pow(e.args[0].q, -1, evaluate=False), evaluate=False)
    return e


def tidy(v, *factors):
    """A product as written by hand: factors of 1 dropped, numbers and parameters before the variable's factors."""
    flat = []
    for f in factors:
        flat += list(f.args) if f.is_Mul else [f]
    flat = [f for f in flat if f != 1]
    rank = lambda f: 0 if f.is_Number else 1 if not f.has(v) else 2 if f.is_Symbol or f.is_Pow else 3  # noqa: E731
    flat.sort(key=rank)
    return sympy.Mul(*flat, evaluate=False) if len(flat) > 1 else (flat or [sympy.S.One])[0]


_FN_TEXT = {fn.sigmoid: "σ", fn.relu: "relu", fn.softplus: "softplus", fn.swish: "swish", sympy.exp: "exp",
            sympy.tanh: "tanh", sympy.log: "log"}
_REL = {"<": ("<", "<"), "<=": (r"\leq", "≤"), ">": (">", ">"), ">=": (r"\geq", "≥"), "!=": (r"\neq", "≠"),
        "==": ("=", "=")}


def _cond(c, show) -> str:
    if isinstance(c, sympy.And):
        return (r",\ " if show is tex else ", ").join(_cond(a, show) for a in c.args)
    op = _REL[c.rel_op][0 if show is tex else 1]
    return f"{show(c.lhs)} {op} {show(c.rhs)}"


def _fn(m: Calculus, v=None, prime: str = "") -> tuple[str, str]:
    """f(x), f'(x), f''(x) in both media."""
    v = v or m.variable
    return (f"{name_tex(m.letter)}{prime}({name_tex(v.name)})", f"{m.letter}{prime}({v.name})")


def _point_str(p) -> tuple[str, str]:
    """A point or a value, infinity as the symbol."""
    if p == sympy.oo:
        return r"\infty", "∞"
    if p == -sympy.oo:
        return r"-\infty", "-∞"
    return dotted(show(p))


# -- the worked steps ----------------------------------------------------------------------------------------------
def rule(e, v):
    """d e/dv as the rule writes it, one level of nesting per factor (unevaluated), or None (no plain rule)."""
    if not e.has(v):
        return sympy.S.Zero
    if e == v:
        return sympy.S.One
    chained = derive.chain(e, v)
    if chained is not None:  # d(y - t)/dy = 1 is a factor the reader need not see
        factors = [a for a in chained.args if a != 1]
        return sympy.Mul(*factors, evaluate=False) if len(factors) > 1 else (factors or [sympy.S.One])[0]
    if isinstance(e, sympy.Function) and len(e.args) == 1:
        inner = rule(e.args[0], v)
        outer = derive._outer(e, e.args[0])
        if outer is None:
            outer = e.fdiff()
        if inner == 1:
            return outer
        return sympy.Mul(outer, inner, evaluate=False) if inner is not None else None
    if e.is_Mul:
        const = [a for a in e.args if not a.has(v)]
        having = [a for a in e.args if a.has(v)]
        if len(having) == 1:
            inner = rule(having[0], v)
            if inner is None:
                return None
            factors = const + ([] if inner == 1 else [inner])
            return sympy.Mul(*factors, evaluate=False) if len(factors) > 1 else (factors or [sympy.S.One])[0]
        return None
    if e.is_Add:
        terms = [rule(a, v) for a in e.args if a.has(v)]
        return None if any(t is None for t in terms) else (
            sympy.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0])
    if e.is_Pow and not e.exp.has(v):
        inner = rule(e.base, v)
        power = sympy.Mul(e.exp, sympy.Pow(e.base, e.exp - 1, evaluate=False), evaluate=False)
        return None if inner is None else (power if inner == 1 else sympy.Mul(power, inner, evaluate=False))
    return None


def _split(e, v):
    """(u, w, quotient) when e is a product or quotient of two factors that both depend on v, else None."""
    if not e.is_Mul:
        return None
    const = [a for a in e.args if not a.has(v)]
    top = [a for a in e.args if a.has(v) and not (a.is_Pow and a.exp.is_negative)]
    bottom = [a.base if a.exp == -1 else sympy.Pow(a.base, -a.exp, evaluate=False)
              for a in e.args if a.has(v) and a.is_Pow and a.exp.is_negative]
    if len(top) + len(bottom) < 2:
        return None
    mul = lambda xs: sympy.Mul(*xs, evaluate=False) if len(xs) > 1 else xs[0]  # noqa: E731
    if bottom and top:
        return mul(const + top), mul(bottom), True
    if bottom:
        return None
    return mul(const + top[:1]), mul(top[1:]), False


def _swish_form(m: Calculus, v):
    """For f = v sigma(c v): f' = c f + sigma(c v)(1 - c f), the textbook swish' = h + sigma(z)(1 - h)."""
    c = sympy.Wild("c", exclude=[v])
    hit = m.function.value.match(v * fn.sigmoid(c * v))
    if not hit or hit[c] == 0:
        return None
    f = sympy.Symbol(m.letter)
    cf = f if hit[c] == 1 else sympy.Mul(hit[c], f, evaluate=False)
    with sympy.evaluate(False):
        s = fn.sigmoid(hit[c] * v) if hit[c] != 1 else fn.sigmoid(v)
        return sympy.Add(cf, sympy.Mul(s, sympy.Add(1, sympy.Mul(-1, cf))))


class CalculusView:
    """Each part's blocks, spelled out from the computation."""

    def __init__(self, problem: Problem, comp: Computed, answers):
        self.problem, self.comp, self.answers, self.m = problem, comp, answers, problem.model

    def plot_steps(self, ask) -> list:
        from ..numeric import compile_float
        from ..picture import figure
        from .. import plots

        var, lo, hi, curves = ask.arg
        m = self.m
        value = m.function.value.xreplace({s: sympy.Symbol(s.name) for s in m.function.value.free_symbols})
        if curves:
            other, vals = curves
            fs = [(rf"{sympy.latex(sympy.Symbol(other.name))} = {sympy.latex(v)}",
                   (lambda g: (lambda x: g(x)))(compile_float(value.xreplace({sympy.Symbol(other.name): v}),
                                                              (var.name,)))) for v in vals]
        else:
            fs = [(m.letter, compile_float(value, (var.name,)))]
        pic = plots.curves(fs, (float(lo), float(hi)), sympy.latex(sympy.Symbol(var.name)),
                           f"{m.letter}({sympy.latex(sympy.Symbol(var.name))})")
        v_tex = sympy.latex(sympy.Symbol(var.name))
        caption = f"{m.letter}({var.name}) for {var.name} from {show_text(lo)} to {show_text(hi)}" + (
            f", one curve for each value of {curves[0].name}" if curves else "") + "."
        caption_tex = (f"${m.letter}({v_tex})$ for ${v_tex}$ from ${sympy.latex(lo)}$ to ${sympy.latex(hi)}$"
                       + (f", one curve for each value of ${sympy.latex(sympy.Symbol(curves[0].name))}$" if curves
                          else "") + ".")
        return [figure(pic, "plot", caption, caption_tex)]

    def parts(self) -> tuple[PartView, ...]:
        out = []
        for part, asked in zip(self.problem.parts, self.answers.asked):
            blocks = [b for ask in part.asks for b in ASKS[ask.what].steps(self, ask)]
            out.append(PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(blocks), asked))
        return tuple(out)

    def f(self):
        return self.m.function.display

    # derivative ------------------------------------------------------------------------------------------------
    def derivative_steps(self, ask) -> list:
        v, m = ask.arg, self.m
        value = self.comp.results[(ask.what, ask.arg)][f"d{m.letter}/d{v}"]
        return self.derivation(v, value, f"d{m.letter}/d{v}")

    def derivation(self, v, value, quantity) -> list:
        m, e = self.m, self.f()
        lhs = (_fn(m, v, "'") if v == m.variable else
               (rf"\frac{{\partial {name_tex(m.letter)}}}{{\partial {name_tex(v.name)}}}",
                f"∂{m.letter}/∂{text(v)}"))
        steps = []
        split = _split(e, v)
        final = cases(value) if value.has(sympy.Piecewise) else (tex(value), text(value))
        if split:
            u, w, quotient = split
            du, dw = rule(u, v), rule(w, v)
            du = tidy(v, du) if du is not None else fn.textbook(sympy.diff(u, v))
            dw = tidy(v, dw) if dw is not None else fn.textbook(sympy.diff(w, v))
            (at, ax), (bt, bx) = product(du, w), product(u, dw)
            if quotient:
                square = sympy.Pow(w, 2, evaluate=False)
                general = (r"\frac{u' w - u w'}{w^{2}}", "(u' w - u w')/w²")
                worked = (rf"\frac{{{at} - {bt}}}{{{tex(square)}}}", f"({ax} - {bx})/{text(square)}")
            else:
                general = ("u' w + u w'", "u' w + u w'")
                worked = (f"{at} + {bt}", f"{ax} + {bx}")
            name = "quotient" if quotient else "product"
            rule_tex = r"\left(\frac{u}{w}\right)' = \frac{u' w - u w'}{w^{2}}" if quotient else r"(u w)' = u' w + u w'"
            rule_txt = "(u/w)' = (u' w - u w')/w²" if quotient else "(u w)' = u' w + u w'"
            prose = f"By the {name} rule, {rule_txt}, with u = {text(u)} and w = {text(w)}"
            prose_tex = (rf"By the {name} rule, ${rule_tex}$, with $u = {tex(u)}$ and $w = {tex(w)}$")
            sig = e.has(fn.sigmoid)
            if sig:
                prose += "; the sigmoid's derivative is σ'(z) = σ(z)(1 - σ(z))"
                prose_tex += r"; the sigmoid's derivative is $\sigma'(z) = \sigma(z) \left(1 - \sigma(z)\right)$"
            chained = [n + "'" for n, a in (("u", u), ("w", w)) if derive.chain(a, v) is not None or _chain_form(a, v)]
            if chained:
                prose += f", and {' and '.join(chained)} by the chain rule"
                prose_tex += f", and {' and '.join(f'${c}$' for c in chained)} by the chain rule"
            forms = [general, worked]
            if not quotient:
                with sympy.evaluate(False):
                    terms = [t for t in (tidy(v, du, w), tidy(v, u, dw)) if t != 0]
                    forms.append(sympy.Add(*terms) if len(terms) > 1 else terms[0])
            steps.append(Step(quantity, prose + ":", (
                eq(("u'", "u'"), *_chain_form(u, v), du), eq(("w'", "w'"), *_chain_form(w, v), dw),
                eq(lhs, *forms, *([final] * _differs(forms[-1], value)))),
                prose_tex + ":"))
        else:
            r = rule(e, v)
            kind = "chain rule" if derive.chain(e, v) is not None else (
                "sum rule" if e.is_Add else "rule for each function")
            forms = [r] if r is not None else []
            textbook = fn.textbook(sympy.diff(m.function.value, v))
            if r is not None and not value.has(sympy.Piecewise) and textbook != value:
                forms.append(textbook)
            prose = f"By the {kind}, one factor per layer of nesting, outermost first:" if kind == "chain rule" \
                else f"By the {kind}:"
            steps.append(Step(quantity, prose, (eq(lhs, *forms, final),)))
            if value.has(sympy.Piecewise):
                ks = kinks(m.function.value, v)
                if ks:
                    where = ", ".join(f"{text(v)} = {text(k)}" for k in ks)
                    where_tex = ", ".join(f"${name_tex(v.name)} = {tex(k)}$" for k in ks)
                    steps.append(Prose(f"The derivative is not defined at {where}, where the two cases meet.",
                                       f"The derivative is not defined at {where_tex}, where the two cases meet."))
        form = _swish_form(m, v)
        if form is not None:
            g = name_tex(m.letter)
            steps.append(Step(quantity, f"In terms of {m.letter} itself, as the swish derivative is usually written:",
                              (eq(lhs, form),), f"In terms of ${g}$ itself, as the swish derivative is usually "
                                                "written:"))
        return steps

    # one-sided derivatives ----------------------------------------------------------------------------------------
    def one_sided_steps(self, ask) -> list:
        m, (v, p) = self.m, ask.arg
        res = self.comp.results[(ask.what, ask.arg)]
        at = _at(m, v, p)
        left, right = res[f"left_derivative@{at}"], res[f"right_derivative@{at}"]
        h = real("h" if "h" not in m.names else "epsilon")
        steps = []
        f = m.function.value
        if kinks(f, v):
            pw = plain(f)
            steps.append(Step(f"left_derivative@{at}", "Written by cases:", (eq(_fn(m), cases(_piecewise(pw))),)))
        vt, pt = name_tex(v.name), tex(p)
        fv = lambda x: replaced(self.f(), {v: x})  # noqa: E731
        for side, sign, value in (("left", "-", left), ("right", "+", right)):
            hs = sympy.Symbol(h.name, negative=(sign == "-"), positive=(sign == "+"))
            top = sympy.simplify(plain(f).subs(v, p + hs))
            base = sympy.simplify(plain(f).subs(v, p))
            with sympy.evaluate(False):
                at_h = fv(sympy.Add(p, h) if p != 0 else h)
                quotient = sympy.Mul(sympy.Add(at_h, sympy.Mul(-1, fv(p))), sympy.Pow(h, -1))
                worked = sympy.Mul(sympy.Add(top.subs(hs, h), sympy.Mul(-1, base)), sympy.Pow(h, -1))
            lim_t = rf"\lim_{{{name_tex(h.name)} \to 0^{{{sign}}}}}"
            lim_x = f"lim(h→0{sign})".replace("h", h.name)
            lhs = (f"{name_tex(m.letter)}'_{{{sign}}}({pt})", f"{m.letter}'_{sign}({text(p)})")
            forms = [(f"{lim_t} {tex(quotient)}", f"{lim_x} {text(quotient)}"),
                     (f"{lim_t} {tex(worked)}", f"{lim_x} {text(worked)}"), value]
            who = "below" if sign == "-" else "above"
            hn = text(h)
            prose = (f"The {side} derivative is the limit of the difference quotient as {hn} approaches 0 from {who} "
                     f"({hn} {'<' if sign == '-' else '>'} 0):")
            prose_tex = (f"The {side} derivative is the limit of the difference quotient as ${name_tex(h.name)}$ "
                         f"approaches 0 from {who} (${name_tex(h.name)} {'<' if sign == '-' else '>'} 0$):")
            steps.append(Step(f"{side}_derivative@{at}", prose, (eq(lhs, *forms),), prose_tex))
        where, where_tex = f"{v} = {text(p)}", f"${vt} = {pt}$"
        if sympy.simplify(left - right) == 0:
            said = (f"The two one-sided derivatives agree, so {m.letter} is differentiable at {where}, "
                    f"with {m.letter}'({text(p)}) = {text(left)}.")
            said_tex = (f"The two one-sided derivatives agree, so ${name_tex(m.letter)}$ is differentiable at "
                        f"{where_tex}, with ${name_tex(m.letter)}'({pt}) = {tex(left)}$.")
        else:
            (lt, lx), (rt, rx) = _point_str(left), _point_str(right)
            said = (f"The one-sided derivatives differ ({lx} ≠ {rx}), so {m.letter} is not "
                    f"differentiable at {where}.")
            said_tex = (f"The one-sided derivatives differ (${lt} \\neq {rt}$), so "
                        f"${name_tex(m.letter)}$ is not differentiable at {where_tex}.")
        return steps + [Prose(said, said_tex)]

    # second derivative --------------------------------------------------------------------------------------------
    def second_steps(self, ask) -> list:
        m, v = self.m, ask.arg
        value = self.comp.results[(ask.what, ask.arg)][f"d2{m.letter}/d{v}2"]
        first = sympy.diff(m.function.value, v)
        shown = by_cases(fn.textbook(first), v)
        d1 = (_fn(m, v, "'"), cases(shown) if shown.has(sympy.Piecewise) else (tex(shown), text(shown)))
        jumps = jumps_of(first, v)
        lhs = _fn(m, v, "''")
        steps = [Step(f"d2{m.letter}/d{v}2", "The first derivative:", (eq(d1[0], d1[1]),))]
        if jumps:
            inner = by_cases(fn.textbook(sympy.diff(first, v)), v)
            inner = inner.args[0][0] if isinstance(inner, sympy.Piecewise) and len(inner.args) == 1 else inner
            where = ", ".join(f"{text(v)} = {text(k)}" for k in jumps)
            where_tex = ", ".join(f"${name_tex(v.name)} = {tex(k)}$" for k in jumps)
            prose = (f"Away from {where} each case is differentiated on its own; at {where} the first derivative "
                     "jumps, so it has no derivative there:")
            prose_tex = (f"Away from {where_tex} each case is differentiated on its own; at {where_tex} the first "
                         "derivative jumps, so it has no derivative there:")
            steps.append(Step(f"d2{m.letter}/d{v}2", prose, (eq(lhs, cases(value)),), prose_tex))
            if not inner.free_symbols and not isinstance(inner, sympy.Piecewise):
                said = (f"So {m.letter}'' is {text(inner)} wherever it exists and undefined at {where}: "
                        f"{m.letter} cannot be differentiated twice there, and where it can, the second derivative "
                        "is constant and carries no information.")
                said_tex = (f"So ${name_tex(m.letter)}''$ is ${tex(inner)}$ wherever it exists and undefined at "
                            f"{where_tex}: ${name_tex(m.letter)}$ cannot be differentiated twice there, and where it "
                            "can, the second derivative is constant and carries no information.")
            else:
                said = f"So {m.letter} cannot be differentiated twice at {where}."
                said_tex = f"So ${name_tex(m.letter)}$ cannot be differentiated twice at {where_tex}."
            return steps + [Prose(said, said_tex)]
        r = rule(first, v)
        forms = [x for x in (r,) if x is not None] + [cases(value) if value.has(sympy.Piecewise) else value]
        return steps + [Step(f"d2{m.letter}/d{v}2", "Differentiating once more:", (eq(lhs, *forms),))]

    # limits -------------------------------------------------------------------------------------------------------
    def limit_steps(self, ask) -> list:
        var, point = ask.arg
        return self.limit_working(var, point, self.comp.limits[ask.arg], limit_name(var, point))

    def limit_working(self, var, point, lim_: Limit, quantity) -> list:
        m, v, e, value = self.m, self.m.variable, self.f(), lim_.value
        pt, px = _point_str(point)
        lim = (rf"\lim_{{{name_tex(var.name)} \to {pt}}} {name_tex(m.letter)}({name_tex(v.name)})",
               f"lim({text(var)}→{px}) {m.letter}({text(v)})")
        steps = []
        if e.has(fn.sigmoid) and not point.is_finite:
            steps.append(Step(quantity, "The sigmoid tends to 1 as its argument grows and to 0 as it falls:", (
                eq((r"\lim_{z \to \infty} \sigma(z)", "lim(z→∞) σ(z)"), 1),
                eq((r"\lim_{z \to -\infty} \sigma(z)", "lim(z→-∞) σ(z)"), 0))))
        if point.is_finite:
            with sympy.evaluate(False):
                at = _inner_at(e, var, point)
            funcs = sorted({_FN_TEXT.get(type(c), type(c).__name__) for c in sympy.preorder_traversal(e)
                            if isinstance(c, sympy.Function) and c.has(var)})
            which = (f"{' and '.join(funcs)} {'is' if len(funcs) == 1 else 'are'} continuous" if funcs else
                     "the function is continuous in " + name_text(var.name))
            sig = ", with σ(0) = 1/2" if e.has(fn.sigmoid) else ""
            sig_tex = r", with $\sigma(0) = \frac{1}{2}$" if e.has(fn.sigmoid) else ""
            steps.append(Step(quantity, f"As {which}, the limit is the value at "
                                        f"{name_text(var.name)} = {px}{sig}:", (eq(lim, at, value),),
                              f"As {which}, the limit is the value at "
                              f"${name_tex(var.name)} = {pt}${sig_tex}:".replace("σ", r"$\sigma$")))
        elif var == v or not isinstance(value, sympy.Piecewise):
            steps.append(Step(quantity, "", (eq(lim, value),)))
        else:
            pos, neg = signed(v)
            for sym, res, rel in ((pos, lim_.by_sign[0], ">"), (neg, lim_.by_sign[1], "<")):
                calls = _calls(e, var, v, sym, point)
                with sympy.evaluate(False):
                    shown = replaced(e, {c: lv for c, _, lv in calls})
                eqs = [eq((rf"\lim_{{{name_tex(var.name)} \to {pt}}} {tex(c)}", f"lim({text(var)}→{px}) {text(c)}"),
                          _point_str(lv) if not lv.is_finite else lv) for c, _, lv in calls]
                args = [f"{text(c.args[0])} → {_point_str(la)[1]}" for c, la, _ in calls]
                args_tex = [f"${tex(c.args[0])} \\to {_point_str(la)[0]}$" for c, la, _ in calls]
                prose = f"For {text(v)} {rel} 0" + (f", {', '.join(args)}" if args else "") + ":"
                prose_tex = f"For ${name_tex(v.name)} {rel} 0$" + (f", {', '.join(args_tex)}" if args else "") + ":"
                steps.append(Step(quantity, prose, tuple(eqs) + (eq(lim, shown, res),), prose_tex))
            zero = lim_.by_sign[2]
            with sympy.evaluate(False):
                at0 = _inner_at(e, v, sympy.S.Zero)
            steps.append(Step(quantity, f"At {text(v)} = 0 the function is the same for every {text(var)}:",
                              (eq((f"{name_tex(m.letter)}(0)", f"{m.letter}(0)"), at0, zero),),
                              f"At ${name_tex(v.name)} = 0$ the function is the same for every "
                              f"${name_tex(var.name)}$:"))
            steps.append(Step(quantity, "Together:", (eq(lim, cases(value)),)))
        hit = named(value, v)
        if hit and hit[0] != "the identity":
            label, form = hit
            said = f"which is {label}: {text(form)}" + (" = max(0, " + text(v) + ")" if form.func is fn.relu else "")
            said_tex = f"which is {label}: ${tex(form)}" + (rf" = \max(0, {name_tex(v.name)})$"
                                                             if form.func is fn.relu else "$")
            steps.append(Prose(said[0].upper() + said[1:] + ".", "W" + said_tex[1:] + "."))
        return steps

    def simplify_steps(self, ask) -> list:
        m, value = self.m, self.comp.results[(ask.what, ask.arg)]["simplified"]
        if ask.arg:
            return self.limit_working(*ask.arg, self.comp.limits[ask.arg], "simplified")
        hit = named(value, m.variable)
        steps = [Step("simplified", "", (eq(_fn(m), self.f(), value),))]
        if hit:
            steps.append(Prose(f"Which is {hit[0]}.", f"Which is {hit[0]}."))
        return steps


def _chain_form(e, v) -> list:
    """[f'(u) · u'] for a function of an inner expression u (the chain rule's first line), else []."""
    if not (isinstance(e, sympy.Function) and len(e.args) == 1 and e.args[0] != v and e.args[0].has(v)):
        return []
    inner = rule(e.args[0], v)
    if inner is None:
        return []
    head_tex, head_text = tex(e).split(r"\left(")[0], text(e).split("(")[0]
    arg_tex, arg_text = tex(e.args[0]), text(e.args[0])
    it, ix = (rf"\left({tex(inner)}\right)", f"({text(inner)})") if inner.is_Add else dotted(inner)
    return [(rf"{head_tex}'\left({arg_tex}\right) \cdot {it}", f"{head_text}'({arg_text})·{ix}")]


def _differs(shown, value) -> bool:
    """Whether the value still needs writing after a shown form (it is not the same expression)."""
    try:
        return value.has(sympy.Piecewise) or sympy.simplify(sympy.sympify(shown) - value) != 0
    except (TypeError, ValueError):
        return True


def _piecewise(e):
    return e if isinstance(e, sympy.Piecewise) else sympy.piecewise_fold(e)


def _inner_at(e, var, point):
    """e with var = point, each function's argument evaluated (x sigma(0), not x sigma(0 x))."""
    if not e.has(var):
        return e
    if isinstance(e, sympy.Function):
        with sympy.evaluate(True):
            a = e.args[0].xreplace({var: point})
            a = sympy.simplify(a)
        return e.func(a, evaluate=False) if a.is_number else e.func(_inner_at(e.args[0], var, point), evaluate=False)
    if e == var:
        return point
    if not e.args:
        return e
    return e.func(*[_inner_at(a, var, point) for a in e.args], evaluate=False)


def _calls(e, var, v, sym, point) -> list:
    """Each function call in e whose argument has var: (call, the argument's limit, the call's limit), v of one sign."""
    out = []
    for c in sympy.preorder_traversal(e):
        if isinstance(c, sympy.Function) and c.args and c.args[0].has(var) and c not in [o[0] for o in out]:
            with sympy.evaluate(True):
                la = sympy.limit(c.args[0].xreplace({v: sym}).doit(), var, point)
                lv = sympy.limit(plain(c.func(c.args[0].doit())).xreplace({v: sym}), var, point).xreplace({sym: v})
            out.append((c, la, lv))
    return out


# -- the ask table -------------------------------------------------------------------------------------------------
def _names(problem: Problem) -> tuple[str, str]:
    m = problem.model
    return m.letter, name_tex(m.letter)


def _derivative_sentence(problem, ask):
    f, ft = _names(problem)
    v = ask.arg
    return (f"Differentiate {f} with respect to {text(v)}, naming each rule you use, and simplify the result.",
            f"Differentiate ${ft}$ with respect to ${name_tex(v.name)}$, naming each rule you use, and simplify the "
            "result.")


def _one_sided_sentence(problem, ask):
    f, ft = _names(problem)
    v, p = ask.arg
    return (f"Compute the left and right derivatives of {f} at {text(v)} = {text(p)} from the limit definition. "
            f"Is {f} differentiable there?",
            f"Compute the left and right derivatives of ${ft}$ at ${name_tex(v.name)} = {tex(p)}$ from the limit "
            f"definition. Is ${ft}$ differentiable there?")


def _second_sentence(problem, ask):
    f, ft = _names(problem)
    v = ask.arg
    return (f"Find the second derivative of {f} with respect to {text(v)}. Where does it exist?",
            f"Find the second derivative of ${ft}$ with respect to ${name_tex(v.name)}$. Where does it exist?")


def _limit_sentence(problem, ask):
    f, ft = _names(problem)
    var, point = ask.arg
    pt, px = _point_str(point)
    return (f"Simplify {f} in the limit {text(var)} → {px}. Show your work.",
            f"Simplify ${ft}$ in the limit ${name_tex(var.name)} \\to {pt}$. Show your work.")


def _simplify_sentence(problem, ask):
    f, ft = _names(problem)
    if ask.arg:
        var, point = ask.arg
        pt, px = _point_str(point)
        return (f"Which function does {f} become as {text(var)} → {px}?",
                f"Which function does ${ft}$ become as ${name_tex(var.name)} \\to {pt}$?")
    return f"Simplify {f} and name the function it is.", f"Simplify ${ft}$ and name the function it is."


def _entry(word, read, sentence, steps) -> AskType:
    return AskType(word, read, sentence, lambda comp, ask: plainly(comp.results[(ask.what, ask.arg)]), steps)


def plainly(results: dict) -> dict:
    """Answers in names without assumptions, as check and sympify read them (x, not the real x computed with)."""
    return {name: v.xreplace({s: sympy.Symbol(s.name) for s in v.free_symbols}) for name, v in results.items()}


ASKS = {e.word: e for e in (
    _entry("derivative", _read_variable("derivative"), _derivative_sentence, CalculusView.derivative_steps),
    _entry("one_sided", _read_at("one_sided", False), _one_sided_sentence, CalculusView.one_sided_steps),
    _entry("second_derivative", _read_variable("second_derivative"), _second_sentence, CalculusView.second_steps),
    _entry("limit", _read_at("limit", True), _limit_sentence, CalculusView.limit_steps),
    _entry("simplify", _read_at("simplify", True), _simplify_sentence, CalculusView.simplify_steps),
    AskType("plot", _read_plot, lambda p, a: _plot_sentence(p, a), lambda comp, ask: {},
            lambda v, a: v.plot_steps(a), asked=lambda comp, ask: []),
)}


def _plot_sentence(problem, ask):
    var, lo, hi, curves = ask.arg
    f = problem.model.letter
    text = f"Sketch {f} for {var} from {show_text(lo)} to {show_text(hi)}" + (
        f", one curve for each value of {curves[0]}" if curves else "") + "."
    return text, tex_escape(text)


def show_text(v) -> str:
    return str(v) if v.is_Integer else str(sympy.Float(v, 6)).rstrip("0").rstrip(".")


# -- spelling and reading answers ---------------------------------------------------------------------------------
_OPS = {ast.Lt: sympy.Lt, ast.LtE: sympy.Le, ast.Gt: sympy.Gt, ast.GtE: sympy.Ge, ast.Eq: sympy.Eq,
        ast.NotEq: sympy.Ne}


def read_piecewise(s: str):
    """An answer holding Piecewise((x, x > 0), (0, True)), read by our own parser (never sympify); else None.

    Each Piecewise call is read piece by piece (conditions: comparisons, Eq, Ne, And, Or, True); the text
    around it, such as `... + 1`, goes through the parser with the call as a placeholder name.
    """
    s = s.strip()
    if "Piecewise(" not in s or len(s) > 2_000 or "\n" in s:
        return None
    try:
        tree = ast.parse(s, mode="eval")
    except SyntaxError:
        return None
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
             and n.func.id == "Piecewise"]
    outer = [c for c in calls if not any(o is not c and _inside(c, o) for o in calls)]
    try:
        values, text_ = {}, s
        for i, c in reversed(list(enumerate(sorted(outer, key=lambda n: n.col_offset)))):
            if c.keywords or not c.args or not all(isinstance(a, ast.Tuple) and len(a.elts) == 2 for a in c.args):
                return None
            name = f"piecewise_answer_{i}_"
            values[sympy.Symbol(name)] = sympy.Piecewise(*[(_expr(s, a.elts[0]), _condition(s, a.elts[1]))
                                                           for a in c.args])
            text_ = text_[:c.col_offset] + name + text_[c.end_col_offset:]
        return parse(text_).value.xreplace(values)
    except (ProblemError, ValueError, TypeError):
        return None


def _inside(node, other) -> bool:
    return other.col_offset <= node.col_offset and node.end_col_offset <= other.end_col_offset


def _expr(s, node):
    return parse(ast.get_source_segment(s, node)).value


def _condition(s, node):
    if isinstance(node, ast.Constant) and node.value is True:
        return sympy.true
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _OPS:
        return _OPS[type(node.ops[0])](_expr(s, node.left), _expr(s, node.comparators[0]))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
        if node.func.id in ("Eq", "Ne") and len(node.args) == 2:
            return (sympy.Eq if node.func.id == "Eq" else sympy.Ne)(_expr(s, node.args[0]), _expr(s, node.args[1]))
        if node.func.id in ("And", "Or"):
            return (sympy.And if node.func.id == "And" else sympy.Or)(*[_condition(s, a) for a in node.args])
    raise ValueError("not a condition")


# -- verify --------------------------------------------------------------------------------------------------------
def _numeric(e, names):
    """e as an mpmath function of the names (relu by cases, sigmoid through exp)."""
    return sympy.lambdify([real(n) for n in names], plain(by_cases(e, None)), "mpmath")


def verify(problem: Problem, values: dict) -> tuple[bool, str]:
    """Each answer against numbers: difference quotients, mpmath's derivatives, and huge or tiny parameters."""
    m = problem.model
    names = list(m.names)
    f = _numeric(m.function.value, names)
    v = m.variable
    others = {n: mpmath.mpf(k) / 7 + 1 for k, n in enumerate(names, 3)}  # values for the other names: 10/7, 11/7, ...
    bad, checked = [], 0
    with mpmath.workdps(60):
        for name, value in values.items():
            if isinstance(value, sympy.Basic):
                value = value.xreplace({s: real(s.name) for s in value.free_symbols})
            g = _numeric(value, names) if isinstance(value, sympy.Basic) else None
            if g is None:
                continue
            if name.startswith(("d", "d2")) and "/d" in name:
                order = 2 if name.startswith("d2") else 1
                var = name.split("/d", 1)[1].rstrip("2") if order == 2 else name.split("/d", 1)[1]
                for x in (mpmath.mpf("-1.3"), mpmath.mpf("0.7"), mpmath.mpf("2.1")):
                    at = others | {v.name: x}
                    k = names.index(var)
                    point = [at[n] for n in names]

                    def along(t, k=k, point=point):
                        return f(*(point[:k] + [t] + point[k + 1:]))
                    want = mpmath.diff(along, point[k], order)
                    got = g(*point)
                    checked += 1
                    if not _close(got, want, 1e-20):
                        bad.append(name)
                        break
            elif "_derivative@" in name:
                side, at = name.split("_derivative@")
                var, p = (at.split("=") if "=" in at else (v.name, at))
                k, p = names.index(var), mpmath.mpf(sympy.Rational(sympy.sympify(p)))
                point = [others[n] for n in names]
                hstep = mpmath.mpf(10) ** -30 * (-1 if side == "left" else 1)

                def at_(t, k=k, point=point):
                    return f(*(point[:k] + [t] + point[k + 1:]))
                want = (at_(p + hstep) - at_(p)) / hstep
                checked += 1
                if value in (sympy.oo, -sympy.oo):  # an infinite slope: the quotient passes any bound, with the sign
                    if not abs(want) > 10 ** 10 or (want > 0) != (value > 0):
                        bad.append(name)
                elif not _close(g(*point), want, 1e-20):
                    bad.append(name)
            elif name.startswith("limit@") or (name == "simplified" and _simplified_limit(problem)):
                var, point = (name[6:].split("->") if name.startswith("limit@") else
                              [str(a) for a in _simplified_limit(problem)])
                k = names.index(var)
                big = mpmath.mpf(10) ** 25
                p = {"oo": big, "-oo": -big}.get(point) or mpmath.mpf(sympy.Rational(sympy.sympify(point))) + \
                    mpmath.mpf(10) ** -25
                for x in (mpmath.mpf(-2), mpmath.mpf("-0.5"), mpmath.mpf(0), mpmath.mpf("0.5"), mpmath.mpf(2)):
                    at = others | {v.name: x}
                    point_ = [at[n] for n in names]
                    point_[k] = p
                    limit_point = [at[n] for n in names]
                    checked += 1
                    want = f(*point_)
                    if value in (sympy.oo, -sympy.oo):  # the function must grow past any bound, with the sign
                        if not abs(want) > 10 ** 10 or (want > 0) != (value > 0):
                            bad.append(name)
                            break
                    elif not _close(g(*limit_point), want, 1e-18):
                        bad.append(name)
                        break
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: the numbers disagree."
    return True, (f"Verified: {checked} numerical checks agree (mpmath derivatives and one-sided difference "
                  "quotients at 60 digits, limits at parameters of 10^25 and 10^-25).")


def _simplified_limit(problem):
    for a in problem.asks:
        if a.what == "simplify" and a.arg:
            return a.arg
    return None


def _close(a, b, tol) -> bool:
    try:
        return abs(a - b) <= tol * max(1, abs(b))
    except TypeError:
        return False


_DEFINITIONS = ((fn.sigmoid, "Here σ(z) = 1/(1 + exp(−z)) is the sigmoid."), (fn.relu, "Here relu(z) = max(0, z)."),
                (fn.softplus, "Here softplus(z) = log(1 + exp(z))."), (fn.swish, "Here swish(z) = z σ(z)."),
                (fn.step, "Here step(z) is 1 for z ≥ 0 and 0 for z < 0."))


class CalculusKind(Kind):
    """One function: derivatives by the chain, product and quotient rules, one-sided derivatives, limits."""

    name = "calculus"
    asks = ASKS

    def lower(self, r, block, notation):
        return lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return (Ask("derivative", model.variable),)

    def compute(self, problem: Problem, pins=None) -> Computed:
        return compute(problem, pins)

    def view(self, problem: Problem, comp: Computed, answers):
        notes = []
        if any(isinstance(v, sympy.Piecewise) for name, v in answers.values.items() if name.startswith("limit@")):
            notes.append("A limit that depends on the sign of the variable is answered by cases (a Piecewise).")
        return CalculusView(problem, comp, answers).parts(), tuple(notes)

    def given(self, problem: Problem) -> Given:
        m = problem.model
        others = [n for n in m.names if n != m.variable.name]
        lead = "Consider the function below" + (f", where {', '.join(map(name_text, others))} "
                                                  f"{'is a parameter' if len(others) == 1 else 'are parameters'}."
                                                  if others else ".")
        lead_tex = "Consider the function below" + (
            ", where " + ", ".join(f"${name_tex(n)}$" for n in others) +
            (" is a parameter." if len(others) == 1 else " are parameters.") if others else ".")
        return Given(lead, lead_tex, ((eq(_fn(m), m.function.display),),))

    def sheet_notes(self, problem: Problem) -> tuple[str, ...]:
        """The catalogue functions the function uses, defined (as the seed defines the sigmoid)."""
        e = problem.model.function.value
        return tuple(note for f, note in _DEFINITIONS if e.has(f))

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        return verify(problem, answers.values)

    def read_answer(self, text_: str):
        return read_piecewise(text_)


KIND = CalculusKind()

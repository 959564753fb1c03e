"""trace: forward values in order, then the reverse pass, each step a record.

Values are exact while the arithmetic stays exact. A value that becomes
transcendental is kept as its short exact form when it has one, and is
otherwise carried as a 50-digit float; nothing is rounded until it is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .errors import ProblemError
from .functions import UndefinedStep, textbook
from .graph import Graph

DIGITS = 50  # carried precision, in significant digits
MAX_BITS = 20_000  # an exact value larger than this is a runaway problem
_EXACT_NODES = 10  # a transcendental value this small stays exact (tanh(1), log(2), ...)
# Written out, the symbolic gradients of a problem without values have one term per path to the loss, and the
# paths multiply with every layer; beyond this many symbols and operations in all, the answers would take
# minutes to print and nobody could read them, so the problem is refused with advice instead.
MAX_SYMBOLIC_NODES = 60_000


@dataclass(frozen=True)
class Forward:
    """A forward quantity: name = rule = rule with values = value."""

    name: str
    value: sympy.Expr  # a number, or (symbolic) an expression in leaf and node names


@dataclass(frozen=True)
class Term:
    """One path's contribution to an adjoint: dL/dchild * dchild/dnode."""

    child: str
    partial: sympy.Expr  # dchild/dnode in symbols
    partial_value: sympy.Expr


@dataclass(frozen=True)
class Adjoint:
    """dL/dnode as the sum over the node's children."""

    name: str
    terms: tuple[Term, ...]
    value: sympy.Expr


@dataclass(frozen=True)
class Trace:
    """Forward values of every node, and the adjoints the asked gradients need."""

    graph: Graph
    env: dict[sympy.Symbol, sympy.Expr]  # node symbol -> its number, or itself when symbolic
    forward: dict[str, Forward]
    adjoints: dict[str, Adjoint]
    conventions: tuple[str, ...]

    def value(self, name: str) -> sympy.Expr:
        return self.forward[name].value

    def symbolic(self, name: str) -> bool:
        return not _is_numeric(self.forward[name].value)


def _is_numeric(v) -> bool:
    return not v.free_symbols


class Evaluator:
    """Evaluates SymPy expressions over an environment of known values."""

    def __init__(self, env, approximations=()):
        self.env = env
        self.approx = {k: v for k, v in approximations}
        self.kinks: list[str] = []

    def __call__(self, expr):
        if expr.is_Symbol:
            return self.env.get(expr, expr)
        if expr.is_Number or not expr.args:
            return expr
        if expr in self.approx:
            return self.approx[expr]
        args = [self(a) for a in expr.args]
        if all(a is b for a, b in zip(args, expr.args)):
            return expr  # nothing known inside: keep the author's form (and SymPy's hands off it)
        if (expr.is_Add or expr.is_Mul) and len(args) > 2 and sum(map(_transcendental, args)) >= 2:
            # several exact transcendental terms combine into a formula only evalf can use: carry DIGITS instead
            args = [_carried(a) for a in args]
        if expr.is_Add:
            out = sympy.Add(*args)
        elif expr.is_Mul:
            out = sympy.Mul(*args)
        elif expr.is_Pow:
            if args[0] == 0 and args[1].is_number and args[1].is_negative:
                raise UndefinedStep("division by zero")
            out = sympy.Pow(*args)
        else:
            call = expr.func(*args, evaluate=False)
            if call in self.approx:
                return self.approx[call]
            if isinstance(expr, sympy.log) and args[0] == 0:
                raise UndefinedStep("log of 0 is undefined")
            if isinstance(expr, sympy.log) and args[0].is_number and args[0].is_negative:
                raise UndefinedStep(f"log of the negative number {args[0]}")
            if type(expr).__name__ in ("relu", "relu_prime", "step") and args[0] == 0:
                self.kinks.append(type(expr).__name__)
            _check_range(expr, args)
            out = expr.func(*args)
        return settle(out)


_GROWS = ("exp", "cosh", "sinh")  # overflow beyond any meaning for large arguments
_PERIODIC = ("sin", "cos")  # need the argument to full precision: a huge one cannot be reduced in time
MAX_ARGUMENT = 10**6


def _magnitude(a):
    """|a| to a few digits (fast even for exp(10^6)); None when a is not a real number."""
    if a.is_Float or a.is_Rational:  # the common case: no evaluation needed
        return abs(a)
    if not a.is_number or not a.has(sympy.exp, sympy.Pow, sympy.cosh, sympy.sinh):
        return None  # a short exact form without growth (tanh(1) + 1/2) is small: no need to evaluate it
    try:
        m = sympy.N(a, 5)
    except (TypeError, ValueError):  # pragma: no cover
        return None
    return abs(m) if m.is_real else None


def _check_range(expr, args) -> None:
    """Refuse, naming the function, an argument too large to compute with at working precision."""
    name = type(expr).__name__
    if name not in _GROWS + _PERIODIC + ("tanh", "sigmoid", "swish", "softplus"):
        return
    m = _magnitude(args[0]) if args else None
    if m is None or m <= MAX_ARGUMENT:
        return
    if name in _GROWS or name in ("swish", "softplus"):
        raise UndefinedStep(f"{name} of a number larger than 10^6 overflows (its value has more than 400,000 digits)")
    if name in _PERIODIC:
        raise UndefinedStep(f"{name} of a number larger than 10^6 cannot be computed to {DIGITS} digits")
    raise UndefinedStep(f"{name} of a number larger than 10^6 is 1 or 0 to far more digits than are carried; "
                        "use smaller numbers")


def _transcendental(a) -> bool:
    return not (a.is_Rational or a.is_Float or a.free_symbols)


def _carried(a):
    if a.is_Rational or a.is_Float or a.free_symbols:
        return a
    return sympy.Float(a.evalf(DIGITS), DIGITS)


def settle(v):
    """Keep a value exact if it is rational or short; otherwise a DIGITS-digit float."""
    if v.is_Rational:
        if v.p.bit_length() > MAX_BITS or v.q.bit_length() > MAX_BITS:
            raise UndefinedStep(f"a value has more than {MAX_BITS * 3 // 10} digits (the numbers grow without bound)")
        return v
    if v.is_Float:
        if not v.is_finite:
            raise UndefinedStep("the value is infinite")
        return v
    if v.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise UndefinedStep("division by zero" if v.has(sympy.zoo) else "the value is undefined")
    if v.free_symbols:
        return v
    if v.has(sympy.I):  # sqrt(-4) = 2 I, log(-1) = I pi (asking is_real would cost the assumptions system)
        raise UndefinedStep(f"the value {sympy.sstr(v)} is not a real number (a square root or logarithm of a "
                            "negative number?)")
    if _size(v) <= _EXACT_NODES and not v.has(sympy.Float):
        return v
    f = v.evalf(DIGITS)
    if not f.is_Float:
        if f.is_real is False:
            raise UndefinedStep(f"the value {f} is not a real number")
        f = sympy.Float(f, DIGITS)
    return f


def _size(e, limit=_EXACT_NODES + 1) -> int:
    n = 0
    stack = [e]
    while stack and n < limit:
        x = stack.pop()
        n += 1
        stack.extend(x.args)
    return n


def _contains(t, sym) -> bool:
    if t is sym or t == sym:
        return True
    if t.is_Mul and all(a.is_Symbol or a.is_Number for a in t.args):
        return sym in t.args  # w*a: no tree walk needed
    return t.has(sym)


def partial(expr, sym):
    """d expr / d sym, fast for the sums of products networks are made of."""
    if expr == sym:
        return sympy.S.One
    if expr.is_Add:
        return sympy.Add(*[partial(t, sym) for t in expr.args if _contains(t, sym)])
    if isinstance(expr, sympy.Function) and len(expr.args) == 1 and expr.args[0] == sym:
        try:
            return textbook(expr.fdiff(1))  # tanh(z) -> 1 - tanh(z)^2 without building a Derivative
        except sympy.core.function.ArgumentIndexError:  # pragma: no cover
            pass
    if isinstance(expr, sympy.Function) and len(expr.args) == 1 and not expr.args[0].has(sympy.Function):
        # f(u) with u a polynomial (a layer's weighted sum): f'(u) u', the chain rule without sympy.diff
        try:
            outer = textbook(expr.fdiff(1))
        except sympy.core.function.ArgumentIndexError:  # pragma: no cover
            outer = None
        if outer is not None and not outer.has(sympy.Derivative, sympy.Subs):
            return sympy.Mul(outer, partial(expr.args[0], sym))
    if expr.is_Mul:
        having = [f for f in expr.args if f.has(sym)]
        if len(having) == 1 and having[0] == sym:
            return sympy.Mul(*[f for f in expr.args if f is not having[0]])
        if len(having) == 1:  # c * f(sym): c * f', numbers gathered in front
            others = [f for f in expr.args if f is not having[0]]
            inner = partial(having[0], sym)
            coeff = sympy.Mul(*[f for f in others if f.is_Number])
            rest = [f for f in others if not f.is_Number]
            if inner.is_Mul and inner.args and inner.args[0].is_Number:
                coeff, inner = coeff * inner.args[0], sympy.Mul(*inner.args[1:], evaluate=False)
            factors = ([coeff] if coeff != 1 else []) + rest + ([inner] if inner != 1 else [])
            if not factors:
                return sympy.S.One
            return sympy.Mul(*factors, evaluate=False) if len(factors) > 1 else factors[0]
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 1 and expr.base.has(sym):
        # n u^(n-1) u', kept as a product: SymPy would spread 2(y - t) into 2y - 2t
        n, u = expr.exp, expr.base
        inner = partial(u, sym)
        factors = [n] + ([u] if n == 2 else [sympy.Pow(u, n - 1)]) + ([] if inner == 1 else [inner])
        return sympy.Mul(*factors, evaluate=False)
    return textbook(sympy.diff(expr, sym))


def forward_pass(graph: Graph, approximations=(), overrides=None, pins=None) -> tuple[dict, dict, tuple[str, ...]]:
    """Every node's value, in order; `pins` fixes some computed values (a student's, for errors carried forward)."""
    env: dict[sympy.Symbol, sympy.Expr] = {}
    values = dict(graph.values)
    if overrides:
        values.update(overrides)
    ev = Evaluator(env, approximations)
    forward: dict[str, Forward] = {}
    conventions: list[str] = []
    for node in graph.nodes:
        sym = node.symbol
        if node.is_leaf:
            v = values.get(node.name, sym)
            v = ev(v) if v is not sym else v
        elif pins and node.name in pins:
            v = pins[node.name]
        else:
            try:
                v = ev(node.expr)
            except UndefinedStep as exc:
                raise _located(node, f"computing {node.name}: {exc}") from None
        forward[node.name] = Forward(node.name, v)
        # a symbolic value stays named, except a leaf given as an expression (input x1) which is that expression
        env[sym] = v if _is_numeric(v) or (node.is_leaf and v is not sym) else sym
        if ev.kinks:
            conventions.extend(k for k in ev.kinks if k not in conventions)
            ev.kinks.clear()
    return env, forward, tuple(conventions)


def _located(node, message) -> ProblemError:
    w = node.where
    return ProblemError(message, w.file, w.line, w.col)


def needed(graph: Graph, targets) -> list[str]:
    """Nodes on a path from a target to the output, in reverse evaluation order."""
    kids = graph.children()
    reaches: set[str] = {graph.output}
    for node in reversed(graph.nodes):
        if any(c in reaches for c in kids[node.name]):
            reaches.add(node.name)
    below: set[str] = set()
    for node in graph.nodes:
        if node.name in targets:
            below.add(node.name)
        elif node.expr is not None and any(s.name in below for s in node.expr.free_symbols):
            below.add(node.name)
    return [n.name for n in reversed(graph.nodes) if n.name in reaches and n.name in below]


def backward_pass(graph: Graph, env, targets, approximations=(), kinks=None, pins=None,
                  forward=None) -> dict[str, Adjoint]:
    """Adjoints of every node between the targets and the output, each once.

    `kinks`, if a list, collects the kinks met (relu'(0)), for the answer to state. With `forward`, a
    symbolic derivative is written in the problem's own names where the rule allows: tanh'(u) for
    h = tanh(u) is 1 - h^2, not 1 - tanh(u)^2, which keeps symbolic answers short and readable.
    """
    kids = graph.children()
    ev = Evaluator(env, approximations)
    if kinks is not None:
        ev.kinks = kinks
    adj: dict[str, Adjoint] = {}
    written, sizes = 0, {}  # symbolic answers' length so far; each subexpression's length
    for name in needed(graph, targets):
        if name == graph.output:
            adj[name] = Adjoint(name, (), sympy.S.One)
            continue
        node_sym = sympy.Symbol(name)
        terms = []
        total = sympy.S.Zero
        for child in kids[name]:
            if child not in adj:
                continue
            d = partial(graph.node(child).expr, node_sym)
            if forward is not None and forward[child].value.free_symbols:
                d = _named(d, child, forward[child].value)  # one form in the rule and the value: 1 - h^2
            try:
                dv = ev(d)
            except UndefinedStep as exc:
                raise _located(graph.node(child), f"differentiating {child} with respect to {name}: {exc}") from None
            terms.append(Term(child, d, dv))
            total = total + adj[child].value * dv
        pinned = (pins or {}).get(f"d{graph.output}/d{name}")
        if pinned is not None:
            adj[name] = Adjoint(name, tuple(terms), pinned)
            continue
        if forward is not None and total.free_symbols and total.has(sympy.sinh):
            total = _folded(total, forward)
        try:
            adj[name] = Adjoint(name, tuple(terms), settle(total))
        except UndefinedStep as exc:
            raise _located(graph.node(name), f"the gradient for {name}: {exc}") from None
        if adj[name].value.free_symbols:
            written += tree_size(adj[name].value, sizes)
            if written > MAX_SYMBOLIC_NODES:
                raise _located(graph.node(name), f"the symbolic gradients, written out as far as {name}, are "
                               f"already more than {MAX_SYMBOLIC_NODES:,} symbols long (one term for each path to "
                               f"{graph.output}); give the inputs and parameters values, or ask for fewer "
                               "gradients") from None
    return adj


def tree_size(e, sizes: dict) -> int:
    """How many symbols and operations `e` has when written out; shared subexpressions count each time,
    but each is walked once (`sizes` remembers them), so this is linear in the expression's DAG."""
    stack = [(e, False)]
    while stack:
        x, done = stack.pop()
        if x in sizes:
            continue
        if done or not x.args:
            sizes[x] = 1 + sum(sizes[a] for a in x.args)
        else:
            stack.append((x, True))
            stack.extend((a, False) for a in x.args if a not in sizes)
    return sizes[e]


def _folded(total, forward):
    """sinh(u)/c as tanh(u) when c names cosh(u): the textbook form a named intermediate would otherwise hide."""
    coshes = {sym: forward[sym.name].value for sym in total.free_symbols
              if sym.name in forward and isinstance(forward[sym.name].value, sympy.cosh)}
    if not coshes:
        return total
    folded = textbook(total.xreplace(coshes))
    return folded if not folded.has(sympy.cosh) else total


def _named(d, child: str, value):
    """`d` with the child's own symbolic value replaced by its name (the value is not a bare name)."""
    if value.is_Symbol or value.is_Atom or not d.has(value):
        return d
    return d.xreplace({value: sympy.Symbol(child)})


def trace(graph: Graph, targets, approximations=(), overrides=None, pins=None) -> Trace:
    """Forward pass, then the reverse pass pruned to `targets` (`pins`: values taken as given)."""
    env, forward, conventions = forward_pass(graph, approximations, overrides, pins)
    kinks: list[str] = []
    adjoints = (backward_pass(graph, env, tuple(targets), approximations, kinks, pins, forward)
                if targets else {})
    conventions += tuple(k for k in dict.fromkeys(kinks) if k not in conventions)
    return Trace(graph, env, forward, adjoints, conventions)


def gradient_step(tr: Trace, names, learning_rate) -> dict[str, sympy.Expr]:
    """One gradient-descent step, every gradient taken at the unchanged parameters: p' = p - eta dL/dp."""
    grad = {name: tr.adjoints[name].value if name in tr.adjoints else sympy.S.Zero for name in names}  # no path: 0
    return {name: settle(tr.value(name) - learning_rate * grad[name]) for name in names}

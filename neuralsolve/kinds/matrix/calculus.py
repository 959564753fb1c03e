"""Reverse mode over matrix expressions: one table of vector-Jacobian products, and the pass itself.

Layout: a gradient has the shape of what it is taken with respect to.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy

from .ir import E, ONE, T, _build, _coeff, add, had, identity, is_symmetric, matmul, matmul_factors, neg, num, power
from .ir import scale, simp, unary

# fmt: off
# op -> (node, adjoint G) -> the contribution to each argument (None: no gradient flows there)
RULES = {
    "matmul": lambda e, G: [matmul(G, T(e.args[1])), matmul(T(e.args[0]), G)],          # G B^T, A^T G
    "add":    lambda e, G: [G for _ in e.args],
    "scale":  lambda e, G: [unary("trace", matmul(T(G), e.args[1])) if not e.args[1].scalar
                            else matmul(G, e.args[1]), scale(e.args[0], G)],               # c A: tr(G^T A), c G
    "T":      lambda e, G: [T(G)],
    "inv":    lambda e, G: [neg(matmul(T(e), G, T(e)))],                                 # -K^-T G K^-T
    "det":    lambda e, G: [scale(G, scale(e, T(unary("inv", e.args[0]))))],             # G |K| K^-T
    "logdet": lambda e, G: [scale(G, T(unary("inv", e.args[0])))],                       # G K^-T
    "trace":  lambda e, G: [scale(G, identity(e.args[0].shape[0]))],                     # G I
    "norm":   lambda e, G: [scale(G, scale(power(e, -1), e.args[0]))],                   # G x / ||x||
    "sum":    lambda e, G: [scale(G, E("ones", (), e.args[0].shape))],                   # G 1
    "pow":    lambda e, G: [scale(G, scale(num(e.num), power(e.args[0], e.num - 1)))],   # G n a^(n-1)
    "fn":     lambda e, G: [had(E("dfn", (e.args[0],), e.shape, e.name), G)],           # f'(z) (.) G
    "had":    lambda e, G: [had(G, e.args[1]), had(G, e.args[0])],                       # G (.) B, G (.) A
    "softmax": lambda e, G: [had(e, add(G, neg(scale(matmul(T(e), G), E("ones", (), e.shape)))))],  # a (.) (G - (a^T G) 1)
    "loss":   lambda e, G: [None, None],                                                 # named: dL/do
    "ce":     lambda e, G: [None, None],                                                 # fused with softmax
}
# fmt: on


class CalculusError(ValueError):
    """An expression this calculus cannot differentiate, with the reason."""


# the nodes directly above an occurrence that name the way it takes: X^T, log|K|, K^-1, tr(...)
_VIA = ("T", "inv", "det", "logdet", "trace", "norm", "sum", "fn", "softmax")


def push(expr: E, G: E, out: E | None = None, via: E | None = None) -> list[tuple[str, E, E | None]]:
    """Contributions (variable name, gradient, via) of every variable occurrence in expr, given expr's adjoint G.

    `out` is the equation's own variable: an element-wise activation's derivative
    is then written with it (a (.) (1 - a) for a = sigmoid(z)). `via` is the node
    just above the occurrence when it says which way the occurrence takes (X^T, log|K|).
    """
    if expr.op == "var":
        return [(expr.name, G, via)]
    if expr.op in ("num", "I", "ones"):
        return []
    rule = RULES.get(expr.op)
    if rule is None:
        raise CalculusError(f"{expr.op}() cannot be differentiated here")
    found: list[tuple[str, E]] = []
    for arg, g in zip(expr.args, rule(expr, G)):
        if g is None:
            continue
        if expr.op == "fn" and out is not None:  # the textbook form uses the activation's own name
            g = had(E("dfn", (expr.args[0], out), expr.shape, expr.name), G)
        found += push(arg, g, via=expr if expr.op in _VIA and arg.op == "var" else via)
    return found


@dataclass(frozen=True)
class Path:
    """One way a variable reaches the loss: through equation `child`, as this term."""

    child: str
    term: E  # in terms of the child's adjoint symbol
    via: E | None = None  # the node just above the occurrence (X^T, log|K|), when it names the way


@dataclass(frozen=True)
class Gradient:
    """dL/dv: its paths, their sum with adjoint symbols, and the closed form."""

    name: str
    paths: tuple[Path, ...]
    rule: E  # the sum, in adjoint symbols
    closed: E  # every adjoint symbol replaced by its closed form (a named loss gradient stays named)
    merged: bool  # whether symmetric paths were merged into one term
    plain: E | None = None  # the sum before any symmetry is used (K^-T, (dL/dK)^T), when that differs


def adjoint_symbol(loss: str, v: E, symmetric: bool = False) -> E:
    """The named adjoint dL/dv (symmetric when its closed form is: the gradient of a symmetric K)."""
    return E("var", (), v.shape, f"d{loss}/d{v.name}", symmetric=symmetric and v.shape[0] == v.shape[1])


def substitute(e: E, values: dict[str, E]) -> E:
    """e with variables replaced (by name)."""
    if e.op == "var":
        return values.get(e.name, e)
    if not e.args:
        return e
    return E(e.op, tuple(substitute(a, values) for a in e.args), e.shape, e.name, e.num, e.symmetric)


def fuse_softmax_cross_entropy(equations: dict[str, E]) -> dict[str, str]:
    """Equations l = cross_entropy(a, y) with a = softmax(z): {l: a} (their gradient to z is a - y)."""
    fused = {}
    for name, expr in equations.items():
        if expr.op == "ce":
            a = expr.args[0]
            if a.op != "var" or a.name not in equations or equations[a.name].op != "softmax":
                raise CalculusError("cross_entropy(a, y) needs a = softmax(z) defined by its own equation")
            fused[name] = a.name
    return fused


def stations(equations: dict[str, E], shapes: dict[str, tuple]) -> tuple[dict[str, E], dict[str, tuple], dict[str, E]]:
    """The equations with the exam's intermediate quantities named: K^-1 of a named K, X X^T, and the
    product P = W x after a repeated W (W^T W x = W^T P).

    Each becomes its own equation just before the one that uses it, so its adjoint is a
    step of its own (dL/dK^-1, then the inverse rule; dL/d(X X^T), then the X X^T rule).
    Returns the equations, their shapes and {station name: its expression}.
    """
    out: dict[str, E] = {}
    shapes = dict(shapes)
    found: dict[str, E] = {}

    def name_of(e: E) -> str | None:
        if e.op == "inv" and e.args[0].op == "var" and not e.args[0].scalar:
            return f"{e.args[0].name}⁻¹"
        if e.op == "matmul" and e.args[0].op == "var" and e.args[1].op == "T" and e.args[1].args[0] == e.args[0] \
                and not e.args[0].scalar:
            return f"({e.args[0].name} {e.args[0].name}ᵀ)"
        return None

    taken = set(shapes).union(*(names_in(e) for e in equations.values()))  # scalars such as alpha too
    letters = iter(n for n in "PQRSUVZ" if n not in taken)

    def cut(e: E) -> E:
        if e.op == "matmul" and name_of(e) is None:  # alpha * X @ X.T reads as (alpha X) X^T
            k, scalars, core = _coeff(simp(e))
            if name_of(core) is not None:
                return _build(k, scalars, cut(core))
            chain = _repeated(e)
            if chain is not None:  # W^T W x: W^T P with P = W x, the product after the second W
                head, tail = chain
                key = next((n for n, x in found.items() if x == tail), None)
                if key is None:
                    key = next(letters, None)
                    if key is None:
                        return e
                    found[key] = tail
                    shapes[key] = tail.shape
                    out[key] = tail
                return matmul(*[cut(f) for f in head], E("var", (), tail.shape, key))
        name = name_of(e)
        if name is not None:
            if name not in found:
                found[name] = e
                shapes[name] = e.shape
                out[name] = e
            return E("var", (), e.shape, name, symmetric=is_symmetric(e))
        if not e.args:
            return e
        return E(e.op, tuple(cut(a) for a in e.args), e.shape, e.name, e.num, e.symmetric)

    for name, expr in equations.items():
        if name_of(expr) is not None:  # the equation is the station itself: K_inv = inv(K)
            out[name] = expr
            continue
        out[name] = cut(expr)
    return out, shapes, found


def _repeated(e: E) -> tuple[list[E], E] | None:
    """A product chain holding a matrix as W^T and again as W (W^T W x): the factors before the second
    occurrence, and the product from it on (W x); None otherwise."""
    fs = matmul_factors(e)
    for j in range(1, len(fs) - 1):
        v = fs[j]
        if v.op == "var" and not v.scalar and any(f.op == "T" and f.args[0] == v for f in fs[:j]):
            return fs[:j], matmul(*fs[j:])
    return None


def reverse(equations: dict[str, E], shapes: dict[str, tuple], loss: str, wanted: list[str],
            named: bool = False) -> dict[str, Gradient]:
    """Gradients of the scalar `loss` for every equation between the wanted variables and the loss.

    With `named`, the exam's intermediate quantities (K^-1, X X^T) get adjoints of their own
    (see `stations`); closed forms are the same either way.
    """
    found: dict[str, E] = {}
    if named:
        equations, shapes, found = stations(equations, shapes)
    order = list(equations)
    fused = fuse_softmax_cross_entropy(equations)
    grads: dict[str, Gradient] = {}
    closed: dict[str, E] = {}
    contributions: dict[str, list[Path]] = {}
    needed = _needed(equations, loss, wanted)
    for name in reversed(order):
        if name not in needed:
            continue
        v = E("var", (), shapes[name], name)
        if name == loss:
            G = num(1)
            closed[name] = G
        else:
            paths = contributions.get(name, [])
            if not paths:
                continue
            grads[name] = _gradient(name, v, paths, closed, loss, found)
            closed[name] = grads[name].closed
        expr = equations[name]
        G_sym = adjoint_symbol(loss, v, is_symmetric(closed[name])) if name != loss else num(1)
        if name in fused:  # dl/dz = a - y, in one step
            a = fused[name]
            z = equations[a].args[0]
            y = expr.args[1]
            for var_name, g, via in push(z, add(E("var", (), shapes[a], a), neg(y))):
                contributions.setdefault(var_name, []).append(Path(name, g, via))
            continue
        if name in fused.values():
            continue
        if expr.op == "loss":  # unspecified: dL/do stays the named symbol
            o = expr.args[0]
            contributions.setdefault(o.name, []).append(Path(name, adjoint_symbol(loss, o)))
            continue
        for var_name, g, via in push(expr, G_sym, out=v):
            contributions.setdefault(var_name, []).append(Path(name, g, via))
    for name in wanted:
        if name not in equations and name in contributions and name not in grads:
            grads[name] = _gradient(name, E("var", (), shapes[name], name), contributions[name], closed, loss, found)
    return grads


def _gradient(name, v, paths, closed, loss, found=None) -> Gradient:
    rule_terms = [simp(p.term) for p in reversed(paths)]  # the path nearest the loss first
    rule = simp(add(*rule_terms)) if len(rule_terms) > 1 else rule_terms[0]
    raw = [p.term for p in reversed(paths)]
    plain = simp(_unsymmetric(add(*raw) if len(raw) > 1 else raw[0]))
    merged = len(rule_terms) > 1 and (rule.op != "add" or len(rule.args) < len(rule_terms))
    values = {f"d{loss}/d{k}": val for k, val in closed.items()}
    values.update(found or {})  # a station (K^-1) in a closed form is its expression again
    closed_form = simp(substitute(rule, values))
    if is_symmetric(closed_form) and not closed_form.scalar:
        closed_form = E(closed_form.op, closed_form.args, closed_form.shape, closed_form.name, closed_form.num, True)
    return Gradient(name, tuple(reversed(paths)), rule, closed_form, merged, plain if plain != rule else None)


def _unsymmetric(e: E) -> E:
    """e with every matrix variable's symmetry forgotten: the form before K^T = K is used."""
    if e.op == "var":
        return E("var", (), e.shape, e.name, symmetric=e.shape == ONE)
    if not e.args:
        return e
    return E(e.op, tuple(_unsymmetric(a) for a in e.args), e.shape, e.name, e.num, False)


def _needed(equations: dict[str, E], loss: str, wanted: list[str]) -> set[str]:
    uses = {name: names_in(expr) for name, expr in equations.items()}
    reach = {loss}
    for name in reversed(list(equations)):
        if name in reach:
            reach |= uses[name]
    return reach | set(wanted)


def names_in(e: E) -> set[str]:
    if e.op == "var":
        return {e.name}
    out: set[str] = set()
    for a in e.args:
        out |= names_in(a)
    return out


# -- numbers ---------------------------------------------------------------------------


def evaluate(e: E, env: dict[str, sympy.Matrix], dims: dict) -> sympy.Matrix:
    """e as an exact SymPy matrix, given every variable's value (scalars are 1 x 1)."""
    ev = lambda x: evaluate(x, env, dims)  # noqa: E731
    op = e.op
    if op == "var":
        return env[e.name]
    if op == "num":
        if e.shape == ONE:
            return sympy.Matrix([[e.num]])
        return sympy.zeros(*_size(e.shape, dims))
    if op == "I":
        return sympy.eye(_size(e.shape, dims)[0])
    if op == "ones":
        return sympy.ones(*_size(e.shape, dims))
    args = [ev(a) for a in e.args]
    if op == "matmul":
        a, b = args
        return a * b if not (a.shape == (1, 1) and b.shape != (1, 1)) else a[0, 0] * b
    if op == "add":
        out = args[0]
        for x in args[1:]:
            out = out + x
        return out
    if op == "scale":
        return args[0][0, 0] * args[1]
    if op == "T":
        return args[0].T
    if op == "inv":
        return args[0].inv()
    if op == "det":
        return sympy.Matrix([[args[0].det()]])
    if op == "logdet":
        return sympy.Matrix([[sympy.log(args[0].det())]])
    if op == "trace":
        return sympy.Matrix([[args[0].trace()]])
    if op == "norm":
        return sympy.Matrix([[sympy.sqrt(sum(v**2 for v in args[0]))]])
    if op == "sum":
        return sympy.Matrix([[sum(args[0])]])
    if op == "pow":
        return sympy.Matrix([[args[0][0, 0] ** e.num]])
    if op == "fn":
        return args[0].applyfunc(_FN[e.name])
    if op == "dfn":
        return args[0].applyfunc(_DFN[e.name])
    if op == "had":
        return args[0].multiply_elementwise(args[1])
    if op == "softmax":
        ex = args[0].applyfunc(sympy.exp)
        return ex / sum(ex)
    if op == "ce":
        a, y = args
        return sympy.Matrix([[-sum(yi * sympy.log(ai) for ai, yi in zip(a, y) if yi != 0)]])
    raise ValueError(f"{op} has no numeric value here")  # loss(): unspecified


def _size(shape, dims) -> tuple[int, int]:
    return tuple(int(dims.get(d, d)) if not isinstance(d, int) else d for d in shape)


def _rule(name: str, which: str):
    """An element-wise function's forward or derivative rule from the catalogue, as a function of a SymPy value."""
    from ...catalog import ACTIVATIONS, x

    rule = getattr(ACTIVATIONS[name], which)
    return lambda v: rule.xreplace({x: v})


class _Rules(dict):
    """name -> rule, looked up in the catalogue on first use (one table for every kind)."""

    def __init__(self, which: str):
        super().__init__()
        self.which = which

    def __missing__(self, name):
        self[name] = _rule(name, self.which)
        return self[name]


_FN = _Rules("forward")
_DFN = _Rules("derivative")

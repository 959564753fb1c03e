"""Matrix expressions: the project's own small algebra, with shapes, simplification and printing.

SymPy's matrix calculus silently drops terms (log-det, sums of traces), so the
matrix kind differentiates this algebra instead. Every node is an immutable `E`:
an op, its arguments and its shape (rows, columns); a vector is a column and a
scalar is 1 x 1. `simp` puts an expression in the form an examiner writes:
products flattened, transposes pushed to the leaves, scalars in front, sums
distributed, like terms gathered, and transposes of symmetric matrices dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sympy

ONE = (1, 1)


@dataclass(frozen=True)
class E:
    """A matrix expression node."""

    op: str  # var num I ones matmul add scale T inv det logdet trace norm sum pow fn dfn had softmax ce loss
    args: tuple = ()
    shape: tuple = ONE
    name: str = ""  # var: its name; fn/dfn: the function
    num: object = None  # num: the SymPy number; pow: the exponent
    symmetric: bool = field(default=False, compare=False)

    def __repr__(self) -> str:  # pragma: no cover (debugging aid)
        return text(self)

    @property
    def scalar(self) -> bool:
        return self.shape == ONE


def var(name: str, shape, symmetric: bool = False) -> E:
    return E("var", (), tuple(shape), name, symmetric=symmetric or tuple(shape) == ONE)


def num(v) -> E:
    return E("num", (), ONE, num=sympy.sympify(v) if not isinstance(v, sympy.Basic) else v, symmetric=True)


def identity(n) -> E:
    return E("I", (), (n, n), symmetric=True)


class ShapeError(ValueError):
    """Two shapes that do not fit: the message names the operation and both shapes."""


def shape_text(s) -> str:
    return " x ".join(str(d) for d in s)


def shape_tex(s) -> str:
    return r" \times ".join(sympy.latex(d) for d in s)


def matmul(*xs: E) -> E:
    out = xs[0]
    for x in xs[1:]:
        if out.shape[1] != x.shape[0]:
            if out.scalar or x.scalar:
                out = scale(out, x) if out.scalar else scale(x, out)
                continue
            raise ShapeError(f"@ needs the columns of the left ({shape_text(out.shape)}) to match the rows of "
                             f"the right ({shape_text(x.shape)})")
        out = E("matmul", (out, x), (out.shape[0], x.shape[1]))
    return out


def add(*xs: E) -> E:
    first = xs[0]
    for x in xs[1:]:
        if x.shape != first.shape:
            raise ShapeError(f"+ needs equal shapes, not {shape_text(first.shape)} and {shape_text(x.shape)}")
    return E("add", tuple(xs), first.shape, symmetric=all(x.symmetric for x in xs))


def scale(c: E, a: E) -> E:
    if c.op == "num" and a.op == "num" and a.scalar:
        return num(c.num * a.num)
    if not c.scalar:
        raise ShapeError(f"* of two matrices ({shape_text(c.shape)} and {shape_text(a.shape)}) is not defined; "
                         "use @ for a matrix product")
    return E("scale", (c, a), a.shape, symmetric=a.symmetric)


def neg(a: E) -> E:
    return scale(num(-1), a)


def T(a: E) -> E:
    return E("T", (a,), (a.shape[1], a.shape[0]), symmetric=a.symmetric)


def unary(op: str, a: E, **kw) -> E:
    square = op in ("inv", "det", "logdet", "trace")
    if square and a.shape[0] != a.shape[1]:
        raise ShapeError(f"{op}() needs a square matrix, not {shape_text(a.shape)}")
    shape = a.shape if op in ("inv", "softmax") else ONE
    return E(op, (a,), shape, symmetric=op == "inv" and a.symmetric, **kw)


def fn(name: str, a: E) -> E:
    """An element-wise function (sigmoid, tanh, relu, swish, exp, log)."""
    return E("fn", (a,), a.shape, name)


def had(a: E, b: E) -> E:
    if a.shape != b.shape:
        raise ShapeError(f"the element-wise product needs equal shapes, not {shape_text(a.shape)} and "
                         f"{shape_text(b.shape)}")
    return E("had", (a, b), a.shape)


def power(a: E, n) -> E:
    if a.op == "num":
        return num(a.num ** sympy.sympify(n))
    if not a.scalar:
        raise ShapeError(f"^ is for scalars; {shape_text(a.shape)} is a matrix")
    return E("pow", (a,), ONE, num=sympy.sympify(n))


# -- simplification ---------------------------------------------------------------


def _coeff(e: E) -> tuple[sympy.Expr, list[E], E]:
    """e as number * (scalar factors) * core."""
    c, scalars = sympy.S.One, []
    while e.op == "scale":
        s, e = e.args
        for f in _scalar_factors(s):
            if f.op == "num":
                c *= f.num
            else:
                scalars.append(f)
    return c, scalars, e


def _scalar_factors(s: E) -> list[E]:
    if s.op == "scale":
        return _scalar_factors(s.args[0]) + _scalar_factors(s.args[1])
    return [s]


def _build(c, scalars: list[E], core: E) -> E:
    if c == 0:
        return E("num", (), core.shape, num=sympy.S.Zero)
    out = core
    for s in reversed(scalars):
        out = E("scale", (s, out), out.shape, symmetric=out.symmetric)
    if c != 1:
        out = E("scale", (num(c), out), out.shape, symmetric=out.symmetric)
    return out


def _scalar_order(e: E):
    """Scalar factors in the order exams write them: Greek constants first (alpha D, not D alpha)."""
    from ...notation import GREEK

    return (e.name not in GREEK, text(e))


def is_zero(e: E) -> bool:
    return e.op == "num" and e.num == 0


def simp(e: E) -> E:
    """The examiner's form: see the module docstring."""
    op = e.op
    if op in ("var", "num", "I", "ones"):
        return e
    args = tuple(simp(a) for a in e.args)
    if op == "T":
        return _transpose(args[0])
    if op == "scale":
        c, a = args
        if is_zero(c) or is_zero(a):
            return E("num", (), e.shape, num=sympy.S.Zero)
        if a.op == "add":
            return simp(E("add", tuple(E("scale", (c, t), t.shape, symmetric=t.symmetric) for t in a.args), a.shape))
        k1, s1, core = _coeff(E("scale", (c, a), a.shape, symmetric=a.symmetric))
        return _build(k1, sorted(s1, key=_scalar_order), core)
    if op == "matmul":
        return _matmul(args)
    if op == "add":
        return _add(args, e.shape)
    if op == "inv" and args[0].op == "inv":
        return args[0].args[0]
    return E(op, args, e.shape, e.name, e.num, e.symmetric)


def is_symmetric(e: E) -> bool:
    """Symmetric by structure: A A^T, K^-1 B K^-1 with B symmetric, sums and multiples of those, I."""
    if e.scalar or e.symmetric or e.op == "I":
        return True
    if e.op == "add":
        return all(is_symmetric(t) for t in e.args)
    if e.op == "scale":
        return is_symmetric(e.args[1])
    if e.op == "inv":
        return is_symmetric(e.args[0])
    if e.op == "matmul":
        fs = matmul_factors(e)
        return all(_transpose_raw(fs[i]) == fs[-1 - i] or (i == len(fs) - 1 - i and is_symmetric(fs[i]))
                   for i in range((len(fs) + 1) // 2))
    return False


def _transpose_raw(a: E) -> E:
    """The transpose without simplifying the rest (for symmetry tests)."""
    if a.op == "T":
        return a.args[0]
    if a.symmetric or a.op == "I":
        return a
    return E("T", (a,), (a.shape[1], a.shape[0]))


def _transpose(a: E) -> E:
    if a.scalar or a.op in ("I", "ones") and a.shape[0] == a.shape[1] or is_symmetric(a):
        return a
    if a.op == "T":
        return a.args[0]
    if a.op == "matmul":
        return _matmul(tuple(_transpose(x) for x in reversed(matmul_factors(a))))
    if a.op == "add":
        return _add(tuple(_transpose(t) for t in a.args), (a.shape[1], a.shape[0]))
    if a.op == "scale":
        return simp(E("scale", (a.args[0], _transpose(a.args[1])), (a.shape[1], a.shape[0])))
    if a.op == "inv":
        return E("inv", (_transpose(a.args[0]),), a.shape, symmetric=a.symmetric)
    if a.op == "had":
        return E("had", (_transpose(a.args[0]), _transpose(a.args[1])), (a.shape[1], a.shape[0]))
    return T(a)


def matmul_factors(e: E) -> list[E]:
    if e.op == "matmul":
        return matmul_factors(e.args[0]) + matmul_factors(e.args[1])
    return [e]


def _matmul(args) -> E:
    factors: list[E] = []
    c, scalars = sympy.S.One, []
    for a in args:
        k, s, core = _coeff(a)
        c *= k
        scalars += s
        factors += matmul_factors(core)
    if any(is_zero(f) for f in factors) or c == 0:
        shape = (args[0].shape[0], args[-1].shape[1])
        return E("num", (), shape, num=sympy.S.Zero)
    keep = [f for f in factors if f.op != "I" or len(factors) == 1]
    # distribute A (B + C) D = A B D + A C D when the sum holds products (as the GP-LVM answer is written);
    # a plain difference of vectors stays factored: (a - e_y) x^T
    adds = [i for i, f in enumerate(keep) if f.op == "add" and any(_coeff(t)[2].op == "matmul" for t in f.args)]
    if adds:
        i = adds[0]
        terms = [_matmul(tuple(keep[:i] + [t] + keep[i + 1:])) for t in keep[i].args]
        return simp(_build(c, scalars, _add(tuple(terms), (keep[0].shape[0], keep[-1].shape[1]))))
    scal = [f for f in keep if f.scalar and len(keep) > 1]
    keep = [f for f in keep if not (f.scalar and len(keep) > 1)] or keep[:1]
    for f in scal:
        if f.op == "num":
            c *= f.num
        else:
            scalars.append(f)
    core = keep[0]
    for f in keep[1:]:
        core = E("matmul", (core, f), (core.shape[0], f.shape[1]))
    return _build(c, sorted(scalars, key=_scalar_order), core)


def _add(args, shape) -> E:
    terms: list[E] = []
    for a in args:
        terms += list(a.args) if a.op == "add" else [a]
    gathered: dict[E, sympy.Expr] = {}
    order: list[E] = []
    for t in terms:
        if is_zero(t):
            continue
        k, s, core = _coeff(t)
        key = _build(1, sorted(s, key=_scalar_order), core)
        if key not in gathered:
            gathered[key] = sympy.S.Zero
            order.append(key)
        gathered[key] += k
    out = [_build(gathered[k], [], k) for k in order if gathered[k] != 0]
    if not out:
        return E("num", (), shape, num=sympy.S.Zero)
    if len(out) == 1:
        return out[0]
    return E("add", tuple(out), shape, symmetric=all(t.symmetric for t in out))


# -- printing -----------------------------------------------------------------------

# fmt: off
# op -> (LaTeX, text), each with {} for the arguments
CALLS = {
    "det":     (r"\left|{}\right|",                    "|{}|"),
    "logdet":  (r"\log\left|{}\right|",                "log|{}|"),
    "trace":   (r"\operatorname{{tr}}\left({}\right)", "tr({})"),
    "norm":    (r"\left\|{}\right\|",                  "norm({})"),
    "sum":     (r"\textstyle\sum\left({}\right)",      "sum({})"),
    "softmax": (r"\operatorname{{softmax}}\left({}\right)", "softmax({})"),
    "ce":      (r"-{1}^{{\top}} \log\left({0}\right)",      "-{1}ᵀ log({0})"),  # cross-entropy, log entry by entry
    "loss":    (r"L\left({}, {}\right)",                "L({}, {})"),
}
class _Names(dict):
    """element-wise function -> (LaTeX, text) of its name, from the catalogue."""

    def __missing__(self, name):
        from ...catalog import ACTIVATIONS

        act = ACTIVATIONS[name]
        self[name] = (act.tex, act.text)
        return self[name]


ELEMENTWISE = _Names()
# fmt: on


def bold_name(name: str, shape, names: dict) -> str:
    from ...notation import name_tex

    if name in names:
        return names[name]
    if shape == ONE:
        return name_tex(name)
    t = name_tex(name)
    head, _, sub = t.partition("_")
    return rf"\mathbf{{{head}}}" + (f"_{sub}" if sub else "")


def tex(e: E, names: dict | None = None) -> str:
    """LaTeX as exams typeset matrix calculus: W^T, K^{-1}, (.) as \\odot, |K|, tr."""
    names = names or {}
    t = lambda x: tex(x, names)  # noqa: E731

    def wrap(x: E) -> str:
        s = t(x)
        return rf"\left({s}\right)" if x.op in ("add", "had", "dfn") or x.op == "scale" and _coeff(x)[0] < 0 else s

    def factor(x: E) -> str:  # inside a Hadamard product, a matrix product is bracketed too
        return rf"\left({t(x)}\right)" if x.op in ("matmul", "add", "dfn") else t(x)

    op = e.op
    if op == "var":
        return bold_name(e.name, e.shape, names)
    if op == "num":
        return sympy.latex(e.num) if e.shape == ONE else "0"
    if op == "I":
        return r"\mathbf{I}"
    if op == "ones":
        return r"\mathbf{1}"
    if op == "matmul":
        return " ".join(wrap(f) if f.op != "T" else t(f) for f in matmul_factors(e))
    if op == "add":
        out = t(e.args[0])
        for x in e.args[1:]:
            k = _coeff(x)[0]
            if k < 0:
                out += " - " + t(simp(E("scale", (num(-1), x), x.shape)))
            else:
                out += " + " + t(x)
        return out
    if op == "scale":
        k, scalars, core = _coeff(e)
        head = "" if k == 1 else ("-" if k == -1 else sympy.latex(k) + " ")
        if k < 0 and k != -1:
            head = "-" + sympy.latex(-k) + " "
        return head + "".join(t(s) + " " for s in scalars) + wrap(core)
    if op == "T":
        return _sup(e.args[0], r"\top", t)
    if op == "inv":
        inner = e.args[0]
        if inner.op == "T":
            return _sup(inner.args[0], r"-\top", t)
        return _sup(inner, "-1", t)
    if op in CALLS:
        return CALLS[op][0].format(*[t(a) for a in e.args])
    if op == "pow":
        return f"{wrap(e.args[0])}^{{{sympy.latex(e.num)}}}"
    if op == "fn":
        return rf"{ELEMENTWISE[e.name][0]}\left({t(e.args[0])}\right)"
    if op == "dfn":
        return _dfn_tex(e, t)
    if op == "had":
        return rf"{factor(e.args[0])} \odot {factor(e.args[1])}"
    raise AssertionError(op)  # pragma: no cover


def _sup(base: E, sup: str, t) -> str:
    s = t(base)
    if base.op in ("var", "I") and "^" not in s and r"\frac" not in s:
        return f"{s}^{{{sup}}}"
    return rf"\left({s}\right)^{{{sup}}}"


def _dfn_tex(e: E, t) -> str:
    """f'(z) as the textbook writes it, using the activation's own name where it has one."""
    z = e.args[0]
    out = e.args[1] if len(e.args) > 1 else None
    zt = t(z)
    at = t(out) if out is not None else None
    if e.name == "sigmoid":
        a = at or rf"\sigma\left({zt}\right)"
        return rf"{a} \odot \left(1 - {a}\right)"
    if e.name == "tanh":
        a = at or rf"\tanh\left({zt}\right)"
        return rf"1 - {a}^{{\odot 2}}"
    if e.name == "swish":
        h = at or rf"\operatorname{{swish}}\left({zt}\right)"
        return rf"{h} + \sigma\left({zt}\right) \odot \left(1 - {h}\right)"
    if e.name == "relu":
        return rf"\mathbb{{1}}\left[{zt} > 0\right]"
    if e.name == "exp":
        return at or rf"\exp\left({zt}\right)"
    if e.name == "log":
        return rf"1 \oslash {zt}"
    return rf"{ELEMENTWISE[e.name][0]}'\left({zt}\right)"  # any other catalogue function: its derivative by name


def text(e: E) -> str:
    """Plain text, for the terminal and for messages."""
    op = e.op
    if op == "var":
        if "/" in e.name:
            return "∂" + e.name[1:].replace("/d", "/∂", 1)
        from ...latex import name_text

        return name_text(e.name)
    if op == "num":
        return sympy.sstr(e.num) if e.shape == ONE else "0"
    if op == "I":
        return "I"
    if op == "ones":
        return "1"

    def wrap(x):
        s = text(x)
        return f"({s})" if x.op in ("add", "had", "dfn") or x.op == "scale" and _coeff(x)[0] < 0 else s

    def factor(x):
        return f"({text(x)})" if x.op in ("matmul", "add", "dfn") else text(x)

    def lead(x):  # a fraction followed by a factor is bracketed: (∂L/∂o) aᵀ, not ∂L/∂o aᵀ
        return f"({text(x)})" if _adjoint(x) else wrap(x)

    if op == "matmul":
        fs = matmul_factors(e)
        return " ".join([lead(f) for f in fs[:-1]] + [wrap(fs[-1])])
    if op == "add":
        out = text(e.args[0])
        for x in e.args[1:]:
            k = _coeff(x)[0]
            out += (" - " + text(simp(E("scale", (num(-1), x), x.shape)))) if k < 0 else (" + " + text(x))
        return out
    if op == "scale":
        k, scalars, core = _coeff(e)
        head = "" if k == 1 else ("-" if k == -1 else sympy.sstr(k) + "·")
        return head + "".join(lead(s) + "·" for s in scalars) + wrap(core)
    if op == "T":
        inner = e.args[0]
        adjoint = inner.op == "var" and "/" in inner.name  # (∂L/∂K)ᵀ, not ∂L/∂Kᵀ
        product = inner.op in ("matmul", "scale", "inv")  # K (W x)ᵀ, not K W xᵀ
        return (f"({text(inner)})" if adjoint or product else wrap(inner)) + "ᵀ"
    if op == "inv":
        inner = e.args[0]
        return (wrap(inner.args[0]) + "⁻ᵀ") if inner.op == "T" else wrap(inner) + "⁻¹"
    if op in CALLS:
        return CALLS[op][1].format(*[text(a) for a in e.args])
    if op == "pow":
        return f"{wrap(e.args[0])}⁻¹" if e.num == -1 else f"{wrap(e.args[0])}^{sympy.sstr(e.num)}"
    if op == "fn":
        return f"{ELEMENTWISE[e.name][1]}({text(e.args[0])})"
    if op == "dfn":
        z, out = e.args[0], (e.args[1] if len(e.args) > 1 else None)
        a = text(out) if out is not None else f"{e.name}({text(z)})"
        special = {"sigmoid": f"{a} ⊙ (1 - {a})", "tanh": f"1 - {a}⊙²", "swish": f"{a} + σ({text(z)}) ⊙ (1 - {a})",
                   "relu": f"[{text(z)} > 0]", "exp": a, "log": f"1 ⊘ {text(z)}"}
        return special.get(e.name) or f"{ELEMENTWISE[e.name][1]}'({text(z)})"
    if op == "had":
        return f"{lead(e.args[0]) if _adjoint(e.args[0]) else factor(e.args[0])} ⊙ {factor(e.args[1])}"
    raise AssertionError(op)  # pragma: no cover


def _adjoint(e: E) -> bool:
    """Whether e prints as a fraction in plain text (∂L/∂o): a factor after it needs it bracketed."""
    return e.op == "var" and "/" in e.name

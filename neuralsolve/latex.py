"""Printers for the two media, LaTeX and plain text, sharing one notion of layout.

Term order is the author's: Add and Mul print their arguments as stored
(display forms are built unevaluated). Substituted numbers are placeholders
(`Value` symbols) so the printer knows to bracket a negative one: 0.5 + (-0.25).
"""

from __future__ import annotations

import sympy
from sympy.printing.latex import LatexPrinter
from sympy.printing.str import StrPrinter

from . import functions as fn
from .notation import GREEK, name_tex


_GREEK_TEXT = dict(zip(GREEK, "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩ"))


def name_text(name: str) -> str:
    """A name for the terminal: Greek names as Greek letters (alpha -> α, sigma1 -> σ1, mu_2 -> μ_2)."""
    head = name.rstrip("0123456789")
    stem, sep, tail = head.partition("_")
    letter = _GREEK_TEXT.get(stem)
    return name if letter is None else letter + sep + tail + name[len(head):]


class Value(sympy.Symbol):
    """A number substituted into a rule, printed as the number it stands for."""


def is_negative(e, values) -> bool:
    if isinstance(e, Value):
        v = values[e]
        return bool(v.is_number and v.is_comparable and v < 0)
    if e.is_Number:
        return bool(e < 0)
    if e.is_Mul and e.args and e.args[0].is_Number and e.args[0] < 0:
        return True
    return False


def tex_number(s: str) -> str:
    """1.23e-7 as LaTeX: 1.23 \times 10^{-7}."""
    import re

    if re.fullmatch(r"-?\d+(\.\d*)?e[-+]?\d+", s):
        mant, exp = s.split("e")
        return rf"{mant} \times 10^{{{int(exp)}}}"
    return s


def number_text(v, precision: int, decimals: bool, frac, exact=None) -> str:
    """A number for display: exact fraction, terminating decimal, short exact form, or rounded."""
    if exact is not None and not v.is_Rational and short_exact(v):
        return exact(v)
    if v.is_Integer:
        return str(v)
    if v.is_Rational:
        q = int(v.q)
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if decimals and q == 1:
            s = _decimal(v)
            if len(s.replace("-", "").replace("0.", "")) <= 40:  # as written, even with many digits
                return s
        return frac(int(v.p), int(v.q))
    return rounded(v, precision)


def _decimal(v) -> str:
    digits = 0
    q = int(v.q)
    while 10**digits % q:
        digits += 1
    s = f"{abs(int(v.p)) * (10**digits // q):0{digits + 1}d}"
    s = (s[:-digits] + "." + s[-digits:]) if digits else s
    return ("-" if v < 0 else "") + s


def rounded(v, precision: int) -> str:
    """v to `precision` significant digits, without exponent for everyday sizes."""
    f = sympy.Float(v.evalf(max(precision + 10, 30)), max(precision + 10, 30))
    if f == 0:
        return "0"
    import mpmath

    with mpmath.workdps(precision + 10):
        s = mpmath.nstr(mpmath.mpf(f._mpf_), precision, min_fixed=-6, max_fixed=precision + 6, strip_zeros=False)
    if "e" in s:
        mant, exp = s.split("e")
        return f"{mant.rstrip('.')}e{int(exp)}"
    return s.rstrip(".")


_ODD = (sympy.tanh, sympy.sinh, sympy.sin)


def flip_odd(e):
    """-c tanh(t - y) as c tanh(y - t): SymPy pulls signs out of odd functions; exams keep them in.

    Returns the unevaluated flipped product, or None when there is nothing to flip.
    """
    if not (e.is_Mul and e.args[0].is_Number and e.args[0] < 0):
        return None
    odd = [i for i, f in enumerate(e.args) if isinstance(f, _ODD) and f.args[0].is_Add]
    if len(odd) != 1:
        return None
    args = list(e.args)
    f = args[odd[0]]
    args[odd[0]] = type(f)(-f.args[0], evaluate=False)
    coeff = -args[0]
    args = ([coeff] if coeff != 1 else []) + args[1:]
    return sympy.Mul(*args, evaluate=False) if len(args) > 1 else args[0]


def flip_all(e):
    """flip_odd applied to a product, or to each term of a sum (unevaluated)."""
    if e.is_Mul:
        return flip_odd(e) or e
    if e.is_Add:
        terms = [flip_all(t) for t in e.args]
        if all(a is b for a, b in zip(terms, e.args)):
            return e
        return sympy.Add(*terms, evaluate=False)
    return e


def short_exact(v) -> bool:
    """Rational, or an exact form with at most one function call (log(4), tanh(2))."""
    if v.is_Rational:
        return True
    if v.has(sympy.Float) or v.free_symbols:
        return False
    return sum(1 for e in sympy.preorder_traversal(v) if isinstance(e, sympy.Function)) <= 1


def _numeric(e) -> bool:
    return e.is_Number or isinstance(e, Value)


def _ends_in_number(s: str) -> bool:
    """Whether printed text ends in a number (a digit, or a fraction's closing brace)."""
    s = s.rstrip()
    return bool(s) and (s[-1].isdigit() or (s.endswith("}") and ("\\frac" in s or "/" in s)) or s.endswith(")"))


def _starts_with_number(s: str) -> bool:
    """Whether printed text starts with a number: 3 2^2 would read as 32^2, 10 1/49 as a mixed number."""
    s = s.lstrip()
    return bool(s) and (s[0].isdigit() or s[0] == "." or s.startswith("\\frac") or s.startswith("-"))


def _fraction_like(e) -> bool:
    """dE/dz-style symbols: a product after one reads better with a dot."""
    return e.is_Symbol and "/" in e.name


def _negative_term(t, vals) -> bool:
    return is_negative(t, vals) or t.could_extract_minus_sign()


class _Layout:
    """Shared layout rules; subclasses supply the media's tokens."""

    _own_settings = {"names": {}, "values": {}, "exact": frozenset(), "precision": 4, "decimals": False}

    # tokens
    def paren(self, s: str) -> str: ...
    def frac(self, p: str, q: str) -> str: ...
    def times(self) -> str: ...
    def juxtapose(self) -> str: ...

    @property
    def values(self):
        return self._settings["values"]

    def _print_Value(self, e):
        return self._number(self.values[e], e in self._settings["exact"])

    def _number(self, v, exact: bool = True):
        if not v.is_number:
            return self._print(v)
        return number_text(v, self._settings["precision"], self._settings["decimals"], self._fraction,
                           self._exact if exact else None)

    def _exact(self, v):
        return self._print(v)

    def _print_Add(self, expr, order=None):
        terms = [flip_odd(t) or t for t in expr.args]
        vals = self.values
        # a sum that starts negative puts its positive terms first (SymPy's -1 + h reads h - 1, and -t + g u + h v
        # reads g u + h v - t), unless it starts with a number the author put there (-4 + 2 stays as written)
        authors = any(isinstance(a, Value) for a in sympy.preorder_traversal(terms[0]))
        if not authors and _negative_term(terms[0], vals):
            positive = [t for t in terms if not _negative_term(t, vals)]
            if positive:
                terms = positive + [t for t in terms if _negative_term(t, vals)]
        out = self._print(terms[0]) if not terms[0].is_Add else self.paren(self._print(terms[0]))
        for t in terms[1:]:
            if isinstance(t, Value) and is_negative(t, vals):
                out += " + " + self.paren(self._print(t))
            elif t.is_Number and t < 0:
                out += " - " + self._print(-t)
            elif t.is_Mul and t.args[0] == -1 and len(t.args) > 1:
                rest = t.args[1:]
                body = sympy.Mul(*rest, evaluate=False) if len(rest) > 1 else rest[0]
                s = self._print(body)
                out += " - " + (self.paren(s) if body.is_Add or is_negative(body, vals) else s)
            elif t.is_Mul and t.args[0].is_Number and t.args[0] < 0 and not isinstance(t, Value):
                body = sympy.Mul(-t.args[0], *t.args[1:], evaluate=False)
                out += " - " + self._print(body)
            elif t.is_Add:
                out += " + " + self.paren(self._print(t))
            else:
                out += " + " + self._print(t)
        return out

    def _print_Mul(self, expr):
        flipped = flip_odd(expr)
        if flipped is not None:
            return self._print(flipped)
        args = list(expr.args)
        sign = ""
        if args[0] == -1 and len(args) > 1:
            sign, args = "-", args[1:]
        num, den = [], []
        for a in args:
            if a.is_Pow and a.exp.is_Number and a.exp < 0:
                den.append(a.base if a.exp == -1 else sympy.Pow(a.base, -a.exp, evaluate=False))
            else:
                num.append(a)
        top = self._factors(num) if num else "1"
        if sign and len(num) == 1 and (self._compound(num[0]) or is_negative(num[0], self.values)):
            top = self.paren(top)  # -(a + b), and -(-2.3), never --2.3
        if den:
            bottom = self._factors(den)
            return sign + self.divide(top, bottom, num, den)
        return sign + top

    def _compound(self, f) -> bool:
        """A sum, or a placeholder whose value is one (2.3 - log(0.5)): bracketed as a factor."""
        if isinstance(f, Value) and f in self.values and self.values[f].is_Add:
            shown = self._print(f)
            return " + " in shown or " - " in shown  # printed as a sum, not as its rounded decimal
        return f.is_Add

    def _factors(self, factors) -> str:
        out = ""
        prev = None
        for i, f in enumerate(factors):
            s = self._print(f)
            if len(factors) > 1 and (self._compound(f) or is_negative(f, self.values)):
                s = self.paren(s)
            if prev is None:
                out = s
            else:
                numbers_meet = _numeric(f) or (_ends_in_number(out) and _starts_with_number(s)) \
                    or (_numeric(prev) and out == "1")  # 1(0.6 - 1) reads as a slip: 1 · (0.6 - 1)
                out += self.times() if numbers_meet or _fraction_like(prev) else self.juxtapose()
                out += s
            prev = f
        return out

    def _print_Pow(self, expr):
        b, e = expr.base, expr.exp
        if e == -1:
            return self.divide("1", self._print(b), [], [b])
        if e == sympy.S.Half:
            return self.root(self._print(b))
        if isinstance(b, sympy.Function) and not isinstance(b, (sympy.Max, sympy.Min, sympy.exp)):
            return self._function_power(b, self._print(e))
        s = self._print(b)
        if b.is_Add or b.is_Mul or b.is_Pow or is_negative(b, self.values) or "frac" in s or "/" in s:
            s = self.paren(s)
        elif "^" in s:  # a name already carrying a superscript (z^{2}_{1}): one group, then the power
            s = "{" + s + "}"
        return self.power(s, self._print(e))


class TexPrinter(_Layout, LatexPrinter):
    """LaTeX in the exam's notation."""

    printmethod = "_latex_ns"

    def _number(self, v, exact: bool = True):
        return tex_number(_Layout._number(self, v, exact))

    def __init__(self, settings=None):
        settings = dict(settings or {})
        own = {k: settings.pop(k) for k in list(settings) if k in _Layout._own_settings}
        LatexPrinter.__init__(self, settings)
        self._settings.update({**_Layout._own_settings, **own})

    def paren(self, s):
        return rf"\left({s}\right)"

    def _fraction(self, p, q):
        return rf"-\frac{{{-p}}}{{{q}}}" if p < 0 else rf"\frac{{{p}}}{{{q}}}"

    def times(self):
        return r" \cdot "

    def juxtapose(self):
        return " "

    def divide(self, top, bottom, num, den):
        return rf"\frac{{{top}}}{{{bottom}}}"

    def root(self, s):
        return rf"\sqrt{{{s}}}"

    def power(self, base, exp):
        return f"{base}^{{{exp}}}"

    def _print_Symbol(self, expr, style="plain"):
        names = self._settings["names"]
        return names.get(expr.name) or name_tex(expr.name)

    def _print_Integer(self, expr):
        return str(expr.p)

    def _print_Rational(self, expr):
        return self._number(expr)

    def _print_Float(self, expr):
        return self._number(expr)

    def _print_Pi(self, expr):
        return r"\pi"

    def _print_Exp1(self, expr):
        return "e"

    def _function_power(self, f, exp):
        return self._fn(f, exp)

    def _fn(self, f, exp=None):
        arg = ", ".join(self._print(a) for a in f.args)
        head = {
            fn.sigmoid: r"\sigma", fn.relu: r"\operatorname{relu}", fn.relu_prime: r"\operatorname{relu}'",
            fn.step: r"\operatorname{step}", fn.step_prime: r"\operatorname{step}'",
            fn.softplus: r"\operatorname{softplus}", fn.swish: r"\operatorname{swish}",
            sympy.tanh: r"\tanh", sympy.cosh: r"\cosh", sympy.sinh: r"\sinh", sympy.log: r"\log",
            sympy.sin: r"\sin", sympy.cos: r"\cos", sympy.Max: r"\max", sympy.Min: r"\min",
        }.get(type(f))
        if head is None:
            return LatexPrinter._print_Function(self, f, exp=exp)
        if exp is not None:
            return rf"{head}^{{{exp}}}\left({arg}\right)"
        return rf"{head}\left({arg}\right)"

    def _print_Function(self, expr, exp=None):
        return self._fn(expr, exp)

    _print_sigmoid = _print_relu = _print_relu_prime = _print_step = _print_step_prime = _print_Function
    _print_softplus = _print_swish = _print_tanh = _print_cosh = _print_sinh = _print_Function
    _print_sin = _print_cos = _print_Max = _print_Min = _print_Function

    def _print_log(self, expr, exp=None):
        return self._fn(expr, exp)

    def _print_exp(self, expr, exp=None):
        s = rf"e^{{{self._print(expr.args[0])}}}"
        return rf"\left({s}\right)^{{{exp}}}" if exp else s

    def _print_Abs(self, expr, exp=None):
        s = rf"\left|{self._print(expr.args[0])}\right|"
        return f"{s}^{{{exp}}}" if exp else s


class TextPrinter(_Layout, StrPrinter):
    """Plain text for the terminal."""

    def __init__(self, settings=None):
        settings = dict(settings or {})
        own = {k: settings.pop(k) for k in list(settings) if k in _Layout._own_settings}
        StrPrinter.__init__(self, settings)
        self._settings.update({**_Layout._own_settings, **own})

    def paren(self, s):
        return f"({s})"

    def _fraction(self, p, q):
        return f"{p}/{q}"

    def times(self):
        return "·"

    def juxtapose(self):
        return "·"

    def divide(self, top, bottom, num, den):
        t = top if len(num) <= 1 and not (num and num[0].is_Add) else f"({top})"
        b = bottom if len(den) == 1 and not (den[0].is_Add or den[0].is_Mul) else f"({bottom})"
        return f"{t}/{b}"

    def root(self, s):
        return f"sqrt({s})"

    def power(self, base, exp):
        return f"{base}^{exp}" if len(exp) == 1 or exp.isdigit() else f"{base}^({exp})"

    def _print_Symbol(self, expr):
        names = self._settings["names"]
        return names.get(expr.name) or name_text(expr.name)

    def _print_Integer(self, expr):
        return str(expr.p)

    def _print_Rational(self, expr):
        return self._number(expr)

    def _print_Float(self, expr):
        return rounded(expr, self._settings["precision"])

    def _print_Pi(self, expr):
        return "π"

    def _print_Exp1(self, expr):
        return "e"

    def _function_power(self, f, exp):
        return f"{self._print(f)}^{exp}"

    def _print_Function(self, expr):
        name = {fn.relu_prime: "relu'", fn.step_prime: "step'", sympy.Max: "max", sympy.Min: "min",
                fn.sigmoid: "σ"}.get(
            type(expr), type(expr).__name__)
        return f"{name}({', '.join(self._print(a) for a in expr.args)})"

    _print_Max = _print_Min = _print_Function

    def _print_exp(self, expr):
        return f"exp({self._print(expr.args[0])})"

    def _print_Abs(self, expr):
        return f"|{self._print(expr.args[0])}|"


def tex(expr, **settings) -> str:
    """LaTeX of a SymPy expression in author order."""
    return TexPrinter(settings).doprint(expr)


def text(expr, **settings) -> str:
    """Plain text of a SymPy expression in author order."""
    return TextPrinter(settings).doprint(expr)


from .authortext import to_tex  # noqa: E402


def tex_escape(s: str, line: bool = False, names: dict | None = None) -> str:
    """Author prose made safe for LaTeX (neuralsolve.authortext), its $...$ math printed by `tex` (with the
    problem's own `names`, when given: a question's $W2$ as the working writes W2)."""
    return to_tex(s, line, (lambda e, **kw: tex(e, names=names, **kw)) if names else tex)

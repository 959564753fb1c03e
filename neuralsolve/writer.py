"""Writing one problem's expressions: both media, its notation, its precision, its placeholders."""

from __future__ import annotations

import sympy

from .expr import replaced
from .latex import TexPrinter, TextPrinter, Value, flip_all, number_text, short_exact, tex_number
from .solution import Equation, Form
from .problem import Problem

SYMBOLIC_VALUE_LIMIT = 90  # characters: a longer symbolic value is left as the rule above it


class Writer:
    """Prints expressions of one problem in both media, with its notation and precision."""

    def __init__(self, problem: Problem, precision: int):
        self.problem = problem
        g = problem.model
        self.graph = g
        self.precision = precision
        self.names = dict(g.tex)
        self.text_names: dict[str, str] = {"eta": "η"}
        loss = g.output
        for n in g.nodes:
            key = f"d{loss}/d{n.name}"
            self.names[key] = g.adjoint_tex.get(n.name) or rf"\frac{{\partial {self.names[loss]}}}{{\partial {self.names[n.name]}}}"
            self.text_names[key] = f"∂{loss}/∂{n.name}"
        self._values: dict[Value, sympy.Expr] = {}
        self._exact: set[Value] = set()
        self._tex: TexPrinter | None = None
        self._text: TextPrinter | None = None

    def adjoint(self, name: str) -> sympy.Symbol:
        return sympy.Symbol(f"d{self.graph.output}/d{name}")

    def partial_symbol(self, of: str, wrt: str) -> sympy.Symbol:
        key = f"∂{of}/∂{wrt}"
        self.names[key] = rf"\frac{{\partial {self.names[of]}}}{{\partial {self.names[wrt]}}}"
        self.text_names[key] = key
        return sympy.Symbol(key)

    def value(self, v: sympy.Expr, exact: bool = False) -> Value:
        """A placeholder that prints as v (its short exact form too, with exact: log(2), not 0.6931)."""
        ph = Value(f"#{len(self._values)}")
        self._values[ph] = v
        if exact:
            self._exact.add(ph)
        return ph

    def tex(self, e) -> str:
        if self._tex is None:  # one printer per writer: its settings hold the (growing) name and value tables
            self._tex = TexPrinter({"names": self.names, "values": self._values, "precision": self.precision,
                                    "decimals": self.problem.decimals, "exact": self._exact})
        return self._tex.doprint(e)

    def text(self, e) -> str:
        if self._text is None:
            self._text = TextPrinter({"names": self.text_names, "values": self._values, "precision": self.precision,
                                      "decimals": self.problem.decimals, "exact": self._exact})
        return self._text.doprint(e)

    def too_long(self, v, limit: int = SYMBOLIC_VALUE_LIMIT) -> bool:
        """Whether v prints longer than `limit` characters; a tree of more nodes than that is not printed to know."""
        nodes, stack = 0, [v]
        while stack:
            nodes += 1
            if nodes > limit:
                return True
            stack.extend(stack.pop().args)
        return len(self.text(v)) > limit

    def rounded(self, e) -> bool:
        """Whether e shows a number rounded (0.4621 for tanh(0.5)): what follows it can only be approximate."""
        if isinstance(e, Value):
            v = self._values[e]
            return not v.is_Rational and not (e in self._exact and short_exact(v))
        return any(self.rounded(a) for a in e.args)

    def number(self, v, media="tex", exact: bool = True) -> str:
        """A number as shown: exact where short (1/8, log(2)), else rounded."""
        if media == "tex":
            frac = lambda p, q: (rf"-\frac{{{-p}}}{{{q}}}" if p < 0 else rf"\frac{{{p}}}{{{q}}}")  # noqa: E731
            ex = self.tex
        else:
            frac = lambda p, q: f"{p}/{q}"  # noqa: E731
            ex = self.text
        out = number_text(v, self.precision, self.problem.decimals, frac, ex if exact else None)
        return tex_number(out) if media == "tex" else out

    def form(self, e, rel="=") -> Form:
        return Form(rel, self.tex(e), self.text(e))

    def result_forms(self, v) -> list[Form]:
        """How a value ends a chain: exact, exact ≈ decimal, or ≈ decimal."""
        if v.free_symbols:
            return [self.form(v)]
        if v.is_Rational:
            return [Form("=", self.number(v), self.number(v, "text"))]
        approx = Form("approx", self.number(v, exact=False), self.number(v, "text", exact=False))
        if not short_exact(v):
            return [approx]  # only a short exact form (tanh(2), log 4) is worth stating
        return [self.form(v), approx]

    def substitute(self, display, env, collapse: bool = False) -> sympy.Expr:
        """The rule with every known number in place of its name (display order kept).

        With collapse, a function of numbers is replaced by its value: a derivative
        such as sigma(z)(1 - sigma(z)) reads 0.562 (1 - 0.562), not sigma(0.249)(...).
        """
        display = flip_all(display)
        mapping = {}
        for s in sorted(display.free_symbols, key=lambda s: s.name):
            v = env.get(s, s)
            if v is not s and not v.free_symbols:
                given = self.graph.has(s.name) and self.graph.node(s.name).is_leaf
                mapping[s] = self.value(v, exact=given)
        out = replaced(display, mapping)
        if collapse and mapping:
            out = self._collapse(out, display, env)
        return out

    def approximated(self, display, env):
        """The rule with numbers, and with the problem's approximations in place (None if none apply)."""
        if not self.problem.approximations:
            return None
        out = self._collapse(None, display, env, approximations=dict(self.problem.approximations))
        return out

    def approximates(self, display, env) -> bool:
        """Whether one of the problem's approximations (log(0.1) ≈ -2.3) applies to this rule at these values."""
        if not self.problem.approximations:
            return False
        full = display.xreplace({s: env[s] for s in display.free_symbols if s in env and not env[s].free_symbols})
        return any(full.has(key) for key, _ in self.problem.approximations)

    def reductions(self, substituted) -> list:
        """The arithmetic of a substituted rule in a model answer's granularity, one line per step.

        First every power and function of numbers (the problem's approximations in place), then
        repeatedly: products of numbers evaluated and the terms of each sum added in adjacent pairs,
        1/2(0.25 + 0.01 + 4.6 - 1 + ...) -> 1/2(0.26 + 3.6 + ...) -> 1/2(3.86 + 1.5) -> 1/2 . 5.36.
        """
        from .trace import Evaluator

        ev = Evaluator({}, self.problem.approximations)
        values = self._values

        def num(e):
            if isinstance(e, Value):
                return values[e]
            if e.is_Mul and len(e.args) == 2 and e.args[0].is_Integer and e.args[1].is_Pow \
                    and e.args[1].base.is_Integer and e.args[1].exp == -1:
                return e.args[0] / e.args[1].base  # a fraction as the author wrote it (1/2)
            return e if e.is_Number else None

        def leaves(e):
            if isinstance(e, Value) or num(e) is not None or not e.args:
                return e
            args = [leaves(a) for a in e.args]
            if (e.is_Pow or isinstance(e, sympy.Function)) and all(num(a) is not None for a in args):
                with sympy.evaluate(False):  # log(1/10) as written, so that an approximation of it applies
                    call = type(e)(*[num(a) for a in args]) if isinstance(e, sympy.Function) else None
                got = ev(call) if call is not None else sympy.Pow(num(args[0]), num(args[1]))
                return self.value(got, exact=True)  # a placeholder: a negative one is bracketed where it stands
            with sympy.evaluate(False):
                return e.func(*args)

        def step(e):
            if num(e) is not None or not e.args:
                return e
            if e.is_Mul and num(e) is None and all(num(a) is not None for a in e.args):
                return self.value(sympy.Mul(*[num(a) for a in e.args]), exact=True)
            args = [step(a) for a in e.args]
            done = all(num(a) is not None for a in args)
            if e.is_Mul and done and all(num(a) is not None or a.is_Mul for a in e.args):
                # a product of numbers in one go; one with a sum in it waits a line (1/2 . 5.36)
                return self.value(sympy.Mul(*[num(a) for a in args]), exact=True)
            if e.is_Add and done:
                nums = [num(a) for a in args]
                pairs = [sympy.Add(*nums[i:i + 2]) for i in range(0, len(nums), 2)]  # as one adds by hand
                if len(pairs) == 1:
                    return self.value(pairs[0], exact=True)
                with sympy.evaluate(False):
                    return sympy.Add(*[self.value(p, exact=True) for p in pairs])
            with sympy.evaluate(False):
                return e.func(*args)

        lines = []
        e = leaves(substituted)
        while num(e) is None and len(lines) < 12:
            if not lines or e != lines[-1]:
                lines.append(e)
            nxt = step(e)
            if nxt == e:
                break
            e = nxt
        return lines

    def _collapse(self, out, display, env, approximations=None):
        from .trace import Evaluator

        ev = Evaluator(env)
        calls = {}
        for orig in sympy.preorder_traversal(display):
            if orig is display and approximations is None:
                continue  # a lone call stays a call: tanh(1.395 - 0.5), then its value
            if isinstance(orig, sympy.Function) and orig.args and not ev(orig).free_symbols:
                if approximations is not None:
                    with sympy.evaluate(False):
                        call = orig.func(*[ev(a) for a in orig.args])
                    if call in approximations:
                        calls[orig] = self.value(approximations[call], exact=True)
                else:
                    calls[orig] = self.value(ev(orig))
        if not calls:
            return out
        return self.substitute(replaced(display, calls), env)

    def chain(self, lhs, rule, substituted, value, lhs_text=None, extra=None) -> Equation:
        """lhs = rule = substituted (= extra) = value, dropping forms that repeat the one before."""
        forms: list[Form] = []
        for e in (rule, substituted, extra):
            if e is None:
                continue
            f = self.form(e)
            if not forms or f.tex != forms[-1].tex:
                forms.append(f)
        if value is not None:
            results = self.result_forms(value)
            if len(results) == 2 and substituted is not None and _one_call_of_numbers(substituted):
                results = results[1:]  # tanh(-1.5) = -tanh(1.5) would only restate the line before
            elif len(results) == 2 and any(self.rounded(e) for e in (substituted, extra) if e is not None):
                results = results[1:]  # 2 . 0.4621 + 0.5 = 0.5 + 2 tanh(0.5) would be a false equality
            for f in results:
                if not forms or f.tex != forms[-1].tex:
                    forms.append(f)
        lt = self.tex(lhs) if not isinstance(lhs, str) else lhs
        tt = self.text(lhs) if not isinstance(lhs, str) else (lhs_text or lhs)
        return Equation(lt, tt, tuple(forms))


def _one_call_of_numbers(e) -> bool:
    return isinstance(e, sympy.Function) and all(a.is_Number or isinstance(a, Value) for a in e.args)


def _matrix_tex(rows: list[list[str]]) -> str:
    if len(rows) == 1 and len(rows[0]) == 1:
        return rows[0][0]
    # matrix cells are set in text style; a fraction there would be unreadably small
    return pmatrix(rows)


def pmatrix(rows: list[list[str]]) -> str:
    """A LaTeX matrix of cells; fractions are set full size, with room between rows so they never touch."""
    cells = [[c.replace(r"\frac", r"\dfrac") for c in r] for r in rows]
    sep = r" \\[0.5em] " if any(r"\dfrac" in c for r in cells for c in r) else r" \\ "
    return r"\begin{pmatrix} " + sep.join(" & ".join(r) for r in cells) + r" \end{pmatrix}"


def _matrix_text(rows: list[list[str]]) -> str:
    if all(len(r) == 1 for r in rows):
        return "(" + ", ".join(r[0] for r in rows) + ")ᵀ" if len(rows) > 1 else rows[0][0]
    if len(rows) == 1:
        return "(" + ", ".join(rows[0]) + ")"
    return "[" + "; ".join(", ".join(r) for r in rows) + "]"


def _cells(w: Writer, values, media: str = "tex", factor: bool = False, exact: bool = False):
    """Matrix cells for values (a list, or a list of rows): numbers as shown, symbols by name.

    With factor, a lone negative number or a sum is bracketed, as it stands in a product.
    With exact, a short exact form (log(2)) is kept: for values the author gave, not computed ones.
    """
    rows = values if values and isinstance(values[0], list) else [[v] for v in values]
    out = []
    for row in rows:
        cells = []
        for v in row:
            c = w.number(v, media, exact=exact) if not v.free_symbols else (w.tex(v) if media == "tex" else w.text(v))
            if factor and (c.startswith("-") or v.is_Add):
                c = rf"\left({c}\right)" if media == "tex" else f"({c})"
            cells.append(c)
        out.append(cells)
    return out


def _dedupe(forms):
    out = []
    for f in forms:
        if not out or f.tex != out[-1].tex:
            out.append(f)
    return out

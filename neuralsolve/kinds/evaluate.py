"""The `evaluate` kind: one formula, with sums over indexed values (mu[j]), evaluated and worked out by hand."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, replace

import sympy

from ..errors import ProblemError
from ..expr import Where, parse, replaced
from ..graph import Graph, Node
from ..kind import AskType, Given, Kind
from ..latex import tex as tex_of, tex_escape, text as text_of
from ..notation import name_tex, read_notation
from ..numeric import compile_float
from ..problem import Ask, Problem
from ..reader import read_approximations
from ..solution import Equation, Form, PartView, Step, marks_text
from ..statement import approximations_text
from ..trace import Evaluator, UndefinedStep
from ..writer import Writer

MAX_TERMS = 200  # terms a sum may expand to (a longer one would not be worked by hand)
MAX_LENGTH = 1_000  # entries of one vector
SHOWN = 4  # a vector longer than this is stated as (x_1, ..., x_n)

_SUM = re.compile(r"\bSum\s*\(")
_REF = re.compile(r"\b([A-Za-z_][A-Za-z0-9_]*)\s*\[")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SumOf(sympy.Function):
    """Sum(body, (j, lo, hi)) as a formula shows it: the sign Σ with its range, never evaluated."""

    nargs = 4

    def _latex_ns(self, printer):
        body, var, lo, hi = self.args
        inner = printer._print(body)
        inner = printer.paren(inner) if _bracketed(body) else inner
        return rf"\sum_{{{printer._print(var)}={printer._print(lo)}}}^{{{printer._print(hi)}}} {inner}"

    def _sympystr(self, printer):
        body, var, lo, hi = self.args
        inner = printer._print(body)
        inner = f"({inner})" if _bracketed(body) else inner
        return f"Σ_({printer._print(var)}={printer._print(lo)}..{printer._print(hi)}) {inner}"


def _bracketed(body) -> bool:
    """Whether a sum's body needs brackets after the sign: a sum, or a product with a sign or a fraction."""
    return body.is_Add or body.is_Mul and (body.could_extract_minus_sign() or any(
        a.is_Pow and a.exp.is_negative for a in body.args))


def _flat(e):
    """A sum written inside a sum (a Sum's terms among the formula's) as one flat sum, unevaluated."""
    if not e.args:
        return e
    args = [_flat(a) for a in e.args]
    if e.is_Add:
        args = [t for a in args for t in (a.args if a.is_Add else (a,))]
    if all(a is b for a, b in zip(args, e.args)) and len(args) == len(e.args):
        return e
    return e.func(*args, evaluate=False) if (e.is_Add or e.is_Mul or e.is_Pow or isinstance(e, sympy.Function)) \
        else e.func(*args)


@dataclass(frozen=True)
class Ref:
    """One indexed name in the formula, mu[j]: the vector, its index (in the sum's variable) and where it stands."""

    placeholder: str
    name: str
    index: sympy.Expr
    index_display: sympy.Expr
    where: Where


@dataclass(frozen=True)
class Summation:
    """One Sum(body, (var, lo, hi)); `length_of` is set when hi is a name meaning the vectors' length."""

    placeholder: str
    var: str
    lower: int
    upper: int
    bound: sympy.Expr  # hi as written (2, n, N)
    body: object  # Parsed
    refs: tuple[Ref, ...]
    where: Where
    length_of: str | None = None


@dataclass(frozen=True)
class Formula:
    """The model: the formula's name, its outer expression (sums and indexed names as placeholders), the values."""

    name: str
    outer: object  # Parsed
    sums: tuple[Summation, ...]
    refs: tuple[Ref, ...]  # indexed names outside any sum (mu[1])
    vectors: dict  # name -> tuple of exact numbers
    scalars: dict  # name -> exact number (an implicit length included)
    approximations: tuple
    tex: dict  # name -> LaTeX (notation.latex overrides)
    where: Where

    def element(self, name: str, i: int) -> sympy.Symbol:
        return sympy.Symbol(f"{name}[{i}]")


# -- load ----------------------------------------------------------------------------------------------------------
def _closing(text: str, start: int, open_: str, close: str) -> int:
    """The index of the bracket closing the one at `start`, or -1."""
    depth = 0
    for i in range(start, len(text)):
        depth += text[i] == open_
        depth -= text[i] == close
        if depth == 0:
            return i
    return -1


def _split(text: str) -> list[tuple[int, str]]:
    """Top-level comma-separated pieces of `text`, each with its offset."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += ch in "(["
        depth -= ch in ")]"
        if ch == "," and depth == 0:
            out.append((start, text[start:i]))
            start = i + 1
    return out + [(start, text[start:])]


def _placeholder(n: int, size: int) -> str:
    """A name of exactly `size` characters standing for the n-th bracketed piece (columns stay the author's)."""
    digits = ""
    while True:
        n, d = divmod(n, 36)
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"[d] + digits
        if n == 0:
            break
    return ("Z" + digits + "_" * size)[:size]


def lower(r, block, notation) -> Formula:
    """The `evaluate:` block: the formula, its values and approximations, every name and index checked."""
    m = r.mapping(block, "evaluate", ("formula", "values", "approximations", "name"), ("formula",))
    nota = read_notation(r, notation)
    name = r.name(m["name"], r.text(m["name"], "evaluate.name"), "name") if "name" in m else "value"
    values, vectors, scalars = m["values"] if "values" in m else None, {}, {}
    for key, y in (r.mapping(values, "evaluate.values").items() if values is not None else ()):
        r.name(values, key, "value name")
        if isinstance(y.value, list):
            if not 1 <= len(y.value) <= MAX_LENGTH:
                r.fail(y, f"the values of {key} must be a list of 1 to {MAX_LENGTH} numbers")
            vectors[key] = tuple(_number(r, item, f"{key}[{i}]") for i, item in enumerate(y.value, 1))
        else:
            scalars[key] = _number(r, y, key)
    approximations = read_approximations(r, m.get("approximations"), "evaluate.approximations")
    fy = m["formula"]
    text = r.text(fy, "the formula")
    if isinstance(fy.value, sympy.Rational):
        text = str(fy.value)
    where = r.where(fy)

    def at(offset: int) -> Where:
        return Where(where.file, where.line, where.col + offset)

    def fail(msg: str, offset: int = 0):
        w = at(offset)
        raise ProblemError(msg, w.file, w.line, w.col)

    if name in vectors or name in scalars:
        fail(f"the formula's name {name!r} is also given a value; name the formula something else")
    used = set(_NAME.findall(text))
    # indexed names first: mu[j+1] becomes a name of the same length, so every column stays the author's
    source, refs_at, count = list(text), [], 0
    for mt in _REF.finditer(text):
        if mt.group(1) == "Sum" or any(a <= mt.start() < b for a, b, *_ in refs_at):
            continue
        start, open_ = mt.start(), mt.end() - 1
        close = _closing(text, open_, "[", "]")
        if close < 0:
            fail(f"the bracket after {mt.group(1)} is never closed; write an index such as {mt.group(1)}[j]", open_)
        ph = _placeholder(count, close + 1 - start)
        while ph in used:
            count += 1
            ph = _placeholder(count, close + 1 - start)
        count += 1
        refs_at.append((start, close + 1, ph, mt.group(1), open_ + 1, text[open_ + 1:close]))
        source[start:close + 1] = list(ph)
    source = "".join(source)
    sums_at = []
    for mt in _SUM.finditer(source):
        if any(a <= mt.start() < b for a, b, *_ in sums_at):
            fail("a Sum inside a Sum is not supported; name the inner sum in a formula of its own", mt.start())
        open_ = mt.end() - 1
        close = _closing(source, open_, "(", ")")
        if close < 0:
            fail("this Sum( is never closed; write Sum(x[j]^2, (j, 1, n))", mt.start())
        sums_at.append((mt.start(), close + 1, open_ + 1))
    sums, outer_source = [], source
    for start, end, inner in sums_at:
        ph = _placeholder(count, end - start)
        while ph in used:
            count += 1
            ph = _placeholder(count, end - start)
        count += 1
        outer_source = outer_source[:start] + ph + outer_source[end:]
        sums.append(_read_sum(source, start, end, inner, ph, at, fail, scalars, vectors))
    # each indexed name belongs to the sum it stands in, or to none
    refs_outer, refs_in = [], {s.placeholder: [] for s in sums}
    for start, end, ph, vec, ioff, itext in refs_at:
        owner = next((s for s, (a, b, _) in zip(sums, sums_at) if a <= start < b), None)
        if vec not in vectors:
            close = difflib.get_close_matches(vec, list(vectors), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            fail(f"the indexed name {vec!r} has no values; give them as a list, such as values: {{{vec}: [1, 2]}}"
                 f"{hint}", start)
        if vec == name or (owner is not None and vec == owner.var):
            fail(f"{vec!r} is both an indexed name and {'the formula' if vec == name else 'the sum variable'}; "
                 "rename one", start)
        allowed = {owner.var} if owner else set()
        idx = parse(itext, at(ioff), allowed, f"the index of {vec}")
        if not idx.value.is_polynomial() or (owner is None and not idx.value.is_Integer):
            fail(f"the index of {vec} must be a whole number" + (f" or an expression in {owner.var} such as "
                 f"{owner.var} + 1" if owner else " (use it inside a Sum to index by a variable)"), ioff)
        ref = Ref(ph, vec, idx.value, idx.display, at(start))
        (refs_in[owner.placeholder] if owner else refs_outer).append(ref)
    sums = [replace(s, refs=tuple(refs_in[s.placeholder])) for s in sums]
    placeholders = {s.placeholder for s in sums} | {ph for _, _, ph, *_ in refs_at}
    outer = parse(outer_source, where, None, "the formula")
    for s in sums:  # an implicit length: every vector the sum indexes has it
        if s.length_of is not None:
            lengths = {len(vectors[ref.name]) for ref in s.refs}
            if not lengths:
                fail(f"the sum's upper limit {s.length_of} has no value and the sum indexes no vector; "
                     f"give {s.length_of} in values", s.where.col - where.col)
            if len(lengths) > 1:
                fail(f"the vectors in this sum have different lengths ({', '.join(map(str, sorted(lengths)))}), so "
                     f"{s.length_of} is not their length; give {s.length_of} in values", s.where.col - where.col)
            n = sympy.Integer(lengths.pop())
            if scalars.get(s.length_of, n) != n:
                fail(f"{s.length_of} is the length of the vectors of two sums, {scalars[s.length_of]} and {n}; give "
                     f"{s.length_of} in values", s.where.col - where.col)
            scalars[s.length_of] = n
    sums = [replace(s, upper=int(scalars[s.length_of])) if s.length_of else s for s in sums]
    for s in sums:
        if s.upper - s.lower + 1 > MAX_TERMS:
            fail(f"the sum has {s.upper - s.lower + 1} terms; at most {MAX_TERMS} are worked by hand",
                 s.where.col - where.col)
        for ref in s.refs:
            for j in range(s.lower, s.upper + 1):
                i = ref.index.xreplace({sympy.Symbol(s.var): sympy.Integer(j)})
                if not i.is_Integer:
                    fail(f"the index of {ref.name} is {i} at {s.var} = {j}, not a whole number",
                         ref.where.col - where.col)
                if not 1 <= i <= len(vectors[ref.name]):
                    fail(f"{ref.name} has {len(vectors[ref.name])} values, fewer than the sum's range "
                         f"{s.var} = {s.lower}..{s.upper} needs ({ref.name}[{i}] at {s.var} = {j})",
                         ref.where.col - where.col)
        for n in s.body.names:
            if n not in placeholders and n != s.var and n not in scalars:
                fail(f"the name {n!r} in the sum has no value; give it in values", s.where.col - where.col)
    for ref in refs_outer:
        if not 1 <= ref.index <= len(vectors[ref.name]):
            fail(f"index {ref.index} is out of range: {ref.name} has {len(vectors[ref.name])} values, "
                 f"{ref.name}[1] to {ref.name}[{len(vectors[ref.name])}]", ref.where.col - where.col)
    for n in outer.names:
        if n not in placeholders and n not in scalars:
            spelled = n if n not in vectors else f"{n} (a list: index it, as in {n}[1], or sum over it)"
            fail(f"the name {spelled!r} has no value; give it in values", _column_of(outer_source, n))
    for s in sums:
        if s.var in scalars or s.var in vectors or s.var == name:
            fail(f"the sum variable {s.var!r} is also {'the formula' if s.var == name else 'a name with values'}; "
                 "use another letter for the sum, such as j or k", s.where.col - where.col)
    tex = {n: nota.tex(n) for n in (name, *vectors, *scalars)}
    model = Formula(name, outer, tuple(sums), tuple(refs_outer), vectors, scalars, approximations, tex, where)
    _expanded(model, False)  # a step that is undefined at these values (log of 0) is a located error now
    return model


def _column_of(text: str, name: str) -> int:
    mt = re.search(rf"\b{re.escape(name)}\b", text)
    return mt.start() if mt else 0


def _read_sum(source, start, end, inner, ph, at, fail, scalars, vectors) -> Summation:
    """Sum(body, (var, lo, hi)) between `start` and `end` of the formula."""
    pieces = _split(source[inner:end - 1])
    if len(pieces) != 2:
        fail("Sum takes a body and a range, as in Sum(x[j]^2, (j, 1, n))", start)
    (_, body_text), (roff, rtext) = pieces
    rstart = inner + roff + len(rtext) - len(rtext.lstrip())
    rtext = rtext.strip()
    if not (rtext.startswith("(") and rtext.endswith(")")) or len(_split(rtext[1:-1])) != 3:
        fail("a Sum's range is (variable, first, last), as in (j, 1, n)", rstart)
    (_, var), (loff, lo), (hoff, hi) = _split(rtext[1:-1])
    if not var.strip().isidentifier():
        fail(f"the sum variable {var.strip()!r} must be a name such as j", rstart + 1)
    var = var.strip()
    bounds = []
    for off, item, what in ((loff, lo, "first"), (hoff, hi, "last")):
        p = parse(item, at(rstart + 1 + off), None, f"the sum's {what} index")
        length_of = None
        if p.value.is_Symbol and p.value.name not in scalars and what == "last":
            length_of = p.value.name
            if p.value.name in vectors:
                fail(f"the sum's last index {p.value.name!r} is a list; give a number or the name of a length",
                     rstart + 1 + off)
            bounds.append((0, p.display, length_of))
            continue
        for n in p.names:
            if n not in scalars:
                fail(f"the name {n!r} in the sum's {what} index has no value; give it in values", rstart + 1 + off)
        v = p.value.xreplace({sympy.Symbol(k): x for k, x in scalars.items()})
        if not v.is_Integer:
            fail(f"the sum's {what} index must be a whole number, not {v}", rstart + 1 + off)
        bounds.append((int(v), p.display, None))
    body = parse(body_text, at(inner), None, "the sum's body")
    return Summation(ph, var, bounds[0][0], bounds[1][0], bounds[1][1], body, (), at(start), bounds[1][2])


def _number(r, y, what: str):
    p = r.expr(y, f"the value of {what}")
    if p.value.free_symbols or not p.value.is_number:
        r.fail(y, f"the value of {what} must be a number (or a number expression such as \"log(2)\")")
    return p.value


# -- compute -------------------------------------------------------------------------------------------------------
def _terms(model: Formula, s: Summation, display: bool) -> list:
    """The sum written out: one body per index value, indexed names as their elements."""
    out, var = [], sympy.Symbol(s.var)
    body = s.body.display if display else s.body.value
    for j in range(s.lower, s.upper + 1):
        at = {sympy.Symbol(ref.placeholder): model.element(ref.name, int(ref.index.xreplace({var: j})))
              for ref in s.refs} | {var: sympy.Integer(j)}
        term = replaced(body, at) if display else body.xreplace(at)
        out += list(term.args) if display and term.is_Add else [term]
    return out


def _expanded(model: Formula, display: bool):
    """The formula with every sum written out term by term (display: the author's order, unevaluated)."""
    at = {sympy.Symbol(ref.placeholder): model.element(ref.name, int(ref.index)) for ref in model.refs}
    for s in model.sums:
        terms = _terms(model, s, display) or [sympy.S.Zero]
        at[sympy.Symbol(s.placeholder)] = sympy.Add(*terms, evaluate=not display) if len(terms) > 1 else terms[0]
    return _flat(replaced(model.outer.display, at)) if display else model.outer.value.xreplace(at)


def rule(model: Formula):
    """The formula as written: Σ with its range, indexed names as mu_j."""
    at = {}
    for ref in model.refs:
        at[sympy.Symbol(ref.placeholder)] = sympy.Symbol(f"{ref.name}[{ref.index}]")
    for s in model.sums:
        inner = {sympy.Symbol(ref.placeholder): _indexed(ref) for ref in s.refs}
        at[sympy.Symbol(s.placeholder)] = SumOf(replaced(s.body.display, inner), sympy.Symbol(s.var),
                                                sympy.Integer(s.lower), s.bound, evaluate=False)
    return replaced(model.outer.display, at)


def _indexed(ref: Ref) -> sympy.Symbol:
    return sympy.Symbol(f"{ref.name}[{ref.index_display}]")


def env(model: Formula) -> dict:
    out = {sympy.Symbol(k): v for k, v in model.scalars.items()}
    for name, vals in model.vectors.items():
        out |= {model.element(name, i): v for i, v in enumerate(vals, 1)}
    return out


@dataclass(frozen=True)
class Computed:
    problem: Problem
    value: sympy.Expr  # with the approximations (the answer)
    exact: sympy.Expr | None  # without them, when any applies


def compute(problem: Problem, pins=None) -> Computed:
    model = problem.model
    approx = problem.approximations + model.approximations
    expr = _expanded(model, False)
    try:
        value = Evaluator(env(model), approx)(expr)
        exact = Evaluator(env(model))(expr) if approx else None
    except UndefinedStep as exc:
        w = model.where
        raise ProblemError(f"{model.name} cannot be evaluated at these values: {exc}", w.file, w.line, w.col)
    return Computed(problem, value, exact if exact is not None and exact != value else None)


def _value_answers(comp: Computed, ask=None) -> dict:
    return {comp.problem.model.name: comp.value}


# -- the worked steps ----------------------------------------------------------------------------------------------
def writer(problem: Problem, precision: int) -> Writer:
    """A Writer over the formula's names: its elements as leaves, the formula as the one computed quantity."""
    m = problem.model
    leaves, tex, text = [], dict(m.tex), {}
    for name, vals in m.vectors.items():
        base = m.tex[name] if "_" not in m.tex[name] else "{" + m.tex[name] + "}"
        for i in range(1, len(vals) + 1):
            leaves.append(Node(f"{name}[{i}]"))
            tex[f"{name}[{i}]"], text[f"{name}[{i}]"] = f"{base}_{{{i}}}", f"{name}[{i}]"
        for s in m.sums:
            for ref in s.refs:
                if ref.name == name:
                    key = _indexed(ref).name
                    tex[key] = f"{base}_{{{tex_of(ref.index_display)}}}"
                    text[key] = f"{name}[{text_of(ref.index_display)}]"
    leaves += [Node(k) for k in m.scalars]
    graph = Graph(tuple(leaves) + (Node(m.name, _expanded(m, False), _expanded(m, True)),), m.name,
                  dict(m.scalars), (), tex, has_loss=False)
    w = Writer(replace(problem, model=graph, approximations=problem.approximations + m.approximations), precision)
    w.text_names |= text
    return w


def _value_steps(view: "EvaluateView", ask) -> list:
    w, comp, m = view.w, view.comp, view.problem.model
    name = sympy.Symbol(m.name)
    shown, written = rule(m), _expanded(m, True)
    whole = {sympy.Symbol(k): v for k, v in m.scalars.items() if v.is_Integer}  # 1/N reads 1/4, a fraction
    sub = w.substitute(replaced(written, whole), env(m))
    approx = view.problem.approximations + m.approximations
    approximate = any(_has_call(written, env(m), k) for k, _ in approx)
    # by hand only while every number stays a terminating decimal: log(0.5) left in a sum is stated, not reduced
    lines = w.reductions(sub) if comp.value.is_Rational else []
    while lines and len(lines) < 12:  # a power of a worked-out difference, (0.9 - 1)^2 -> (-0.1)^2, is one more pass
        more = w.reductions(lines[-1])
        if len(more) < 2 or w.form(more[-1]).tex == w.form(lines[-1]).tex:
            break
        lines += more[1:] if w.form(more[0]).tex == w.form(lines[-1]).tex else more
    forms = [w.form(shown), w.form(sub)]
    if not lines and approximate:  # the approximations in place, then the value
        extra = w.approximated(written, env(m))
        forms += [Form("approx", w.form(extra).tex, w.form(extra).text)] if extra is not None else []
    reduced = [w.form(e) for e in lines]
    if approximate and reduced:
        reduced[0] = Form("approx", reduced[0].tex, reduced[0].text)
    forms += reduced + w.result_forms(comp.value)
    forms = [f for i, f in enumerate(forms) if i == 0 or f.tex != forms[i - 1].tex]
    if len(forms) > 1 and forms[1].tex == forms[0].tex:
        forms = forms[1:]
    prose, prose_tex = [], []
    for s in m.sums:
        count, j = s.upper - s.lower + 1, f"${name_tex(s.var)}$"
        what = [f"one term for each {s.var} from {s.lower} to {s.upper}", f"one term for each {j} from {s.lower} "
                f"to {s.upper}"] if count > 1 else [f"the one term {s.var} = {s.lower}", f"the one term ${s.var} = "
                                                    f"{s.lower}$"] if count == 1 else ["no terms (it is 0)"] * 2
        if s.length_of:
            vecs = list(dict.fromkeys(ref.name for ref in s.refs))
            what[0] += f", {s.length_of} = {s.upper} being the number of values of {' and '.join(vecs)}"
            what[1] += (f", ${m.tex[s.length_of]} = {s.upper}$ being the number of values of "
                        + " and ".join(f"${m.tex[v]}$" for v in vecs))
        prose.append(f"The sum over {s.var} has {what[0]}.")
        prose_tex.append(f"The sum over {j} has {what[1]}.")
    if m.sums:
        prose.append("Written out with the values in place, then added up:")
        prose_tex.append(prose[-1])
    text, tex = " ".join(prose), " ".join(prose_tex)
    steps = [Step(m.name, text, (Equation(w.tex(name), m.name, tuple(forms)),), tex)]
    if comp.exact is not None:
        lead = "Without the approximations, every value taken to full precision:"
        steps.append(Step(f"{m.name} (exact)", lead, (Equation(w.tex(name), m.name, tuple(w.result_forms(comp.exact))),)))
    return steps


def _has_call(written, values, key) -> bool:
    with sympy.evaluate(False):
        return written.xreplace(values).has(key)


class EvaluateView:
    def __init__(self, problem: Problem, comp: Computed, answers):
        self.problem, self.comp, self.answers = problem, comp, answers
        self.w: Writer | None = None

    def parts(self) -> tuple[PartView, ...]:
        out = []
        for part, asked in zip(self.problem.parts, self.answers.asked):
            self.w = writer(self.problem, part.precision)
            blocks = [b for ask in part.asks for b in ASKS[ask.what].steps(self, ask)]
            out.append(PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(blocks), asked))
        return tuple(out)


def _sentence(problem: Problem, ask) -> tuple[str, str]:
    m = problem.model
    if m.name == "value":
        return "Compute the value of the formula, showing the arithmetic.", \
            "Compute the value of the formula, showing the arithmetic."
    return (f"Compute {m.name}, showing the arithmetic.",
            f"Compute ${m.tex[m.name]}$, showing the arithmetic.")


def _read_value(r, y, arg, model) -> Ask:
    if arg is not None:
        r.fail(y, "value takes no arguments; write it as the word value")
    return Ask("value")


ASKS = {"value": AskType("value", _read_value, _sentence, _value_answers, _value_steps)}


# -- verify --------------------------------------------------------------------------------------------------------
def _float(e, at: dict, approx: dict) -> float:
    """e in plain floats: names from `at`, approximated calls (log(0.1)) as the problem says."""
    if e.is_Symbol:
        return at[e.name]
    if e.is_Number:
        return float(e)
    if isinstance(e, sympy.Function) and approx:
        args = [_float(a, at, approx) for a in e.args]
        for key, v in approx.items():
            if type(key) is type(e) and all(math.isclose(float(x), a, rel_tol=0, abs_tol=1e-15)
                                            for x, a in zip(key.args, args)):
                return v
    args = [_float(a, at, approx) for a in e.args]
    if e.is_Add:
        return math.fsum(args)
    if e.is_Mul:
        return math.prod(args)
    if e.is_Pow:
        return args[0] ** args[1]
    if e == sympy.pi:
        return math.pi
    names = tuple(f"#{i}" for i in range(len(args)))  # the call on its own, by the project's float evaluator
    return compile_float(e.func(*map(sympy.Symbol, names)), names)(*args)


def verify(problem: Problem, values: dict) -> tuple[bool, str]:
    """Loop over each sum's index in plain floats, reading each vector entry directly (no expansion shared)."""
    m = problem.model
    approx = {k: float(v) for k, v in problem.approximations + m.approximations}
    at = {k: float(v) for k, v in m.scalars.items()}
    for s in m.sums:
        total = 0.0
        for j in range(s.lower, s.upper + 1):
            here = at | {s.var: float(j)}
            for ref in s.refs:
                i = int(ref.index.subs(sympy.Symbol(s.var), j))
                here[ref.placeholder] = float(m.vectors[ref.name][i - 1])
            total += _float(s.body.value, here, approx)
        at[s.placeholder] = total
    for ref in m.refs:
        at[ref.placeholder] = float(m.vectors[ref.name][int(ref.index) - 1])
    truth = _float(m.outer.value, at, approx)
    got = values.get(m.name)
    if got is None or not math.isclose(float(got), truth, rel_tol=1e-9, abs_tol=1e-12):
        return False, f"Verification FAILED for {m.name}: a plain floating-point loop gives {truth!r}."
    return True, f"Verified: {m.name} agrees with a plain floating-point loop over each sum ({truth:.10g})."


# -- the kind ------------------------------------------------------------------------------------------------------
class EvaluateKind(Kind):
    """One formula, its sums written out term by term and the arithmetic done in a model answer's steps."""

    name = "evaluate"
    asks = ASKS

    def lower(self, r, block, notation):
        return lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return (Ask("value"),)

    def has_loss(self, model) -> bool:
        return False

    def answer_names(self, problem: Problem) -> set[str]:
        return {problem.model.name}

    def compute(self, problem: Problem, pins=None) -> Computed:
        return compute(problem, pins)

    def extra_answers(self, comp: Computed) -> dict:
        return _value_answers(comp)

    def view(self, problem: Problem, comp: Computed, answers):
        # the approximations are stated with the problem's data (sheet_notes), at the top
        return EvaluateView(problem, comp, answers).parts(), ()

    def given(self, problem: Problem) -> Given:
        m, w = problem.model, writer(problem, problem.precision)
        shown = rule(m)
        rows = [(Equation(w.tex(sympy.Symbol(m.name)), m.name, (w.form(shown),)),)]
        given = []
        for name, vals in m.vectors.items():
            lhs = [sympy.Symbol(f"{name}[{i}]") for i in range(1, len(vals) + 1)]
            if len(vals) > SHOWN:
                lhs_tex = rf"\left({w.tex(lhs[0])}, \ldots, {w.tex(lhs[-1])}\right)"
                lhs_text = f"({w.text(lhs[0])}, ..., {w.text(lhs[-1])})"
            else:
                lhs_tex = r"\left(" + ", ".join(map(w.tex, lhs)) + r"\right)"
                lhs_text = "(" + ", ".join(map(w.text, lhs)) + ")"
            rhs_tex = r"\left(" + ", ".join(w.number(v) for v in vals) + r"\right)"
            rhs_text = "(" + ", ".join(w.number(v, "text") for v in vals) + ")"
            given.append(Equation(lhs_tex, lhs_text, (Form("=", rhs_tex, rhs_text),)))
        for name, v in m.scalars.items():  # an implicit length too: the sheet states N = 4
            given.append(Equation(w.tex(sympy.Symbol(name)), name, (Form("=", w.number(v), w.number(v, "text")),)))
        rows += [tuple(given[i:i + 2]) for i in range(0, len(given), 2)]
        lead = "Consider the formula below, with the values given."
        return Given(lead, tex_escape(lead), tuple(rows))

    def sheet_notes(self, problem: Problem) -> tuple[str, ...]:
        block = problem.model.approximations
        if not block:
            return ()
        return (f"Use {approximations_text(replace(problem, approximations=block))}.",)

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        return verify(problem, answers.values)


KIND = EvaluateKind()

"""How names print: the exam's notation, and the mathematician's default for plain names."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
).split()

_TRAILING = re.compile(r"^([A-Za-z]+?)(\d+)$")
_GREEK_LETTERS = dict(zip(GREEK, "αβγδεζηθικλμνξπρστυφχψωΓΔΘΛΞΠΣΥΦΨΩ"))


def name_tex(name: str) -> str:
    """w13 -> w_{13}, alpha -> \\alpha, x_t -> x_{t}, sigma2 -> \\sigma_{2}, yhat -> \\hat{y}."""
    if not name.isascii():  # α as a key of the problem (expressions refuse it): as alpha, or boxed code points
        spelled = ascii_name(name)
        if spelled and spelled.isidentifier():
            return name_tex(spelled)
        return r"\mathrm{" + "".join(ch if ch.isascii() and ch.isalnum() else rf"\fbox{{\texttt{{U+{ord(ch):04X}}}}}"
                                     for ch in name) + "}"
    if "_" in name:
        head, _, tail = name.partition("_")
        return f"{name_tex(head)}_{{{_plain(tail)}}}"
    m = _TRAILING.match(name)
    if m and m.group(1):
        return f"{_letters(m.group(1))}_{{{m.group(2)}}}"
    return _letters(name)


_SUPERSCRIPTS = dict(zip("\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079", "0123456789"))


def ascii_name(name: str) -> str | None:
    """The ASCII spelling of a name written in Unicode (α -> alpha, λ_rec -> lambda_rec, xβ -> x_beta,
    x² -> x^2), or None when a character has none (é)."""
    out, greek_before = "", False
    for ch in name:
        plain = "^" + _SUPERSCRIPTS[ch] if ch in _SUPERSCRIPTS else unicodedata.normalize("NFKC", ch)
        greek = _greek_name(plain)
        piece = greek if greek in GREEK else plain
        if not piece.isascii():
            return None
        if (greek_before or greek in GREEK) and out[-1:].isalpha() and piece[0].isalpha():
            out += "_"  # xβ -> x_beta, not xbeta
        out, greek_before = out + piece, greek in GREEK
    return out


def _greek_name(ch: str) -> str | None:
    """alpha for α, Omega for Ω (lambda for λ, which Unicode spells LAMDA), None for anything else."""
    name = unicodedata.name(ch, "") if len(ch) == 1 else ""
    for prefix, case in (("GREEK SMALL LETTER ", str.lower), ("GREEK CAPITAL LETTER ", str.title)):
        if name.startswith(prefix):
            letter = case(name[len(prefix):].replace("FINAL ", ""))
            return {"lamda": "lambda", "Lamda": "Lambda"}.get(letter, letter)
    return None


def name_text(name: str) -> str:
    """A name for plain text: Greek names as Greek letters (lambda_rec -> λ_rec, sigma2 -> σ2), others as written."""
    return re.sub(r"[A-Za-z]+", lambda m: _GREEK_LETTERS.get(m.group(), m.group()), name)


def _plain(part: str) -> str:
    return ",".join(_letters(p) if p.isalpha() else p for p in part.split("_"))


def _letters(s: str) -> str:
    if s in GREEK:
        return "\\" + s
    if s.endswith("hat") and len(s) > 3:
        return rf"\hat{{{_letters(s[:-3])}}}"
    if len(s) == 1:
        return s
    return rf"\mathrm{{{s}}}"


@dataclass(frozen=True)
class Notation:
    """The exam's notation settings (FORMAT section 1)."""

    loss: str = "L"
    first_layer: int = 1
    first_unit: int = 1
    weight: str = "w"  # LaTeX of the weight letter, e.g. \omega
    latex: dict[str, str] = field(default_factory=dict)

    def tex(self, name: str) -> str:
        return self.latex.get(name) or name_tex(name)


def read_notation(r, y) -> Notation:
    """The `notation:` block, validated."""
    if y is None:
        return Notation()
    m = r.mapping(y, "notation", ("loss", "first_layer", "first_unit", "weight", "latex"))
    kw = {}
    if "loss" in m:
        kw["loss"] = r.text(m["loss"], "notation.loss")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", kw["loss"]):
            r.fail(m["loss"], "notation.loss must be a name such as C or L")
    if "first_layer" in m:
        kw["first_layer"] = r.integer(m["first_layer"], "notation.first_layer", 0, 1)
    if "first_unit" in m:
        kw["first_unit"] = r.integer(m["first_unit"], "notation.first_unit", 0, 1)
    if "weight" in m:
        w = r.text(m["weight"], "notation.weight")
        if not (re.fullmatch(r"[A-Za-z]{1,20}", w) or w.startswith("\\") and w[1:] in GREEK):
            r.fail(m["weight"], "notation.weight must be a name of letters such as w, W or omega "
                                f"(a Greek name prints as its letter), not {_shown(w)}")
        kw["weight"] = _letters(w.lstrip("\\"))
    if "latex" in m:
        kw["latex"] = {}
        for k, v in r.mapping(m["latex"], "notation.latex").items():
            tex = r.text(v, f"notation.latex.{k}")
            wrong = math_tex_error(tex)
            if wrong:
                r.fail(v, f"notation.latex.{k}: {wrong}")
            kw["latex"][k] = tex
    return Notation(**kw)


# fmt: off
TAKES_ARGUMENT = frozenset("""
    hat bar tilde widehat widetilde vec dot ddot check breve acute grave mathring overline underline
    mathcal mathbf mathrm mathit mathsf mathtt mathbb mathfrak boldsymbol bm operatorname
""".split())
MATH_MACROS = TAKES_ARGUMENT | frozenset(GREEK) | frozenset("""
    varepsilon vartheta varpi varrho varsigma varphi ell hbar imath jmath nabla partial infty top prime star ast dagger
""".split())
# fmt: on
_MATH_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _^{}',.+-()[]/")
MAX_TEX = 200


def math_tex_error(tex: str) -> str | None:
    """Why `tex` may not be a name's LaTeX (None when it may): allow-listed math macros only, balanced braces,
    and what pdflatex would reject (a ^ or _ with no argument, two superscripts on one base)."""
    if len(tex) > MAX_TEX:
        return f"at most {MAX_TEX} characters"
    if not tex.strip():
        return "empty; write the name's LaTeX, such as \\hat{y}"
    levels = [_Group()]
    for token in re.findall(r"\\[A-Za-z]+|\\.?|\^\^|\s+|.", tex, re.S):
        g = levels[-1]
        if token.isspace():
            continue
        if token[1:] not in MATH_MACROS if token.startswith("\\") else token not in _MATH_CHARS:
            return (f"{_shown(token)} is not allowed here; use letters, digits, _ ^ {{ }} ' and math macros "
                    "such as \\hat, \\mathcal, \\mathrm, \\alpha")
        if token in ("^", "_", "'"):
            if g.pending or token != "'" and token in g.scripts or token == "'" and "^" in g.scripts:
                what = "a prime" if token == "'" else _shown(token)
                return f"{what} cannot follow here: one ^ and one _ per base, primes first (as in x'^{{2}}_{{1}})"
            g.scripts.add(token)
            g.pending = token != "'"
        elif token == "{":
            levels.append(_Group(argument=g.pending))
            g.pending = False
        elif token == "}":
            if len(levels) == 1:
                return "'}' closes a brace that was never opened"
            if levels.pop().pending:
                return "a ^ or _ has nothing after it"
            if not g.argument:
                levels[-1].scripts = set()  # the group is a new base
        elif g.pending:  # the argument of a ^, _ or accent
            g.pending = token[1:] in TAKES_ARGUMENT
        else:  # a new base
            g.scripts, g.pending = set(), token[1:] in TAKES_ARGUMENT
    if levels[-1].pending:
        return "it ends with ^, _ or a macro that needs an argument"
    return "'{' is never closed" if len(levels) > 1 else None


class _Group:
    """Inside one pair of braces: the scripts on the current base, and whether an argument is due."""

    def __init__(self, argument: bool = False):
        self.scripts: set[str] = set()
        self.pending = False
        self.argument = argument  # this group is the argument of a ^, _ or accent


def _shown(s: str) -> str:
    """A value in a message: quoted as written, or as Python writes it when it holds control characters."""
    return f"'{s}'" if s.isprintable() else repr(s)


# SymPy's constants as answers spell them (Euler's number is written exp(1), so an E is always a name)
SYMPY_CONSTANTS = frozenset("I pi oo zoo nan EulerGamma Catalan GoldenRatio TribonacciConstant True False".split())


_SYMBOL = re.compile(r"(?<![\w.])([A-Za-z_]\w*)\b(?!\s*\()")


def answer_symbols(answers: dict[str, str]) -> list[str]:
    """Every name the answer strings use as a symbol, sorted: what `sympy.sympify(s, locals=...)` must be told.

    A spelling SymPy gives one of its constants (E, I, oo, nan) counts as a name when an answer's key
    names a quantity so spelled (E in dE/dx, or an answer E), and as SymPy's constant otherwise."""
    own = set()
    for key in answers:
        gradient = re.fullmatch(r"d(.+)/d(.+)", key)
        for part in gradient.groups() if gradient else (key,):
            own.update(re.findall(r"[A-Za-z_]\w*", part))
    found = set()
    for s in answers.values():  # a name not inside a number (1e-5) or after a dot, and not called like a function
        for name in _SYMBOL.findall(s):
            if name not in SYMPY_CONSTANTS or name in own:
                found.add(name)
    return sorted(found)

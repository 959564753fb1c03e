"""Author text (titles, questions, answers, labels, notes) made safe for LaTeX, Markdown and the terminal.

Author text is text: every character prints as written. Two things are not
literal: a blank line starts a new paragraph (in a one-line place such as a
title, it is a space), and `$...$` is math when what stands between the dollars
is an expression our own parser reads (printed by our LaTeX printer, never passed
through); otherwise the dollars are text too. Control characters are dropped.
The printer comes from the caller (neuralsolve.latex's `tex` or `text`): this
module sits below the printers, which escape prose with it.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pylatexenc.latexencode import (RULE_CALLABLE, RULE_DICT, UnicodeToLatexConversionRule,
                                    UnicodeToLatexEncoder, get_builtin_uni2latex_dict)

from .expr import parse
from .notation import name_text

# fmt: off
_TEX_ASCII = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{", "}": r"\}",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
}
# The symbols the solutions' own prose uses, as they have always printed; then pylatexenc's slips
# (math macros it gives without \ensuremath).
_TEX_OURS = {
    "≥": r"$\geq$", "≤": r"$\leq$", "η": r"$\eta$", "×": r"$\times$", "δ": r"$\delta$", "∂": r"$\partial$",
    "·": r"$\cdot$", "ᵀ": r"$^\top$",
    "ɛ": r"\ensuremath{\varepsilon}", "ϒ": r"\ensuremath{\Upsilon}", "ΐ": r"\ensuremath{\acute{\ddot{\iota}}}",
}
# Macros pylatexenc may give that our preamble (T1, lmodern, amsmath, amssymb) does not define: a placeholder instead.
_UNDEFINED = frozenset("""
    C U DownArrowUpArrow VDash allequal approxnotequal arrowwaveleft arrowwaveright clockoint clwintegral
    dblarrowupdown estimates flat forcesextra hermitconjmatrix homothetic image lazysinv mathscr natural
    notgreaterless notlessgreater nument original precedesnotsimilar quarternote recorder rightangle
    rightanglearc sharp sqrint starequal surfintegral textfrac textglotstop texthvlig textnrleg textphi
    textschwa textturnk tildetrpl truestate udots varperspcorrespond verymuchgreater verymuchless volintegral
""".split())
_MD_SPECIAL = set("\\`*_[]<>#|$~&")
_KEEP_FORMAT = {"\u00ad", "\u200c", "\u200d"}  # soft hyphen and the joiners emoji and scripts need
# fmt: on


def to_tex(s: str, line: bool = False, math=None) -> str:
    """Author text as LaTeX: specials escaped, Unicode as LaTeX or a visible placeholder, $...$ math by `math`."""
    return "\\endgraf\n".join(_pieces(p, _tex_text, math) for p in _paragraphs(s, line, tex=True))


def to_markdown(s: str, line: bool = False, math=None) -> str:
    """Author text as Markdown: no raw HTML, no markup; $...$ math by `math` (a LaTeX printer)."""
    return "\n\n".join(_pieces(p, _md_text, math) for p in _paragraphs(s, line))


def to_terminal(s: str, line: bool = False, math=None) -> str:
    """Author text as rich markup: control characters (escape sequences) dropped, markup escaped; $...$ by `math`."""
    from rich.markup import escape

    return "\n\n".join(_pieces(p, escape, math, plain=True) for p in _paragraphs(s, line))


def _paragraphs(s: str, line: bool, tex: bool = False) -> list[str]:
    """The text without control characters, as paragraphs (one, with every line break a space, if `line`)."""
    s = str(s).encode("utf-16", "surrogatepass").decode("utf-16", "replace")  # pairs joined, lone halves U+FFFD
    s = unicodedata.normalize("NFC", s).replace("\r\n", "\n").replace("\r", "\n")
    s = s.replace("\u2028", "\n").replace("\u2029", "\n\n").replace("\t", " ")
    s = "".join(ch for ch in s if ch == "\n" or not _dropped(ch, tex))
    body = s.strip()
    lead, tail = s[:len(s) - len(s.lstrip())], s[len(s.rstrip()):]
    # the space around the text stays (prose is built from pieces); as one space if it holds a line break
    lead, tail = (" " if "\n" in edge else edge for edge in (lead, tail))
    if not body:
        return [lead]
    if line:
        return [lead + " ".join(body.split()) + tail]
    paragraphs = re.split(r"\n[^\S\n]*\n\s*", body)
    paragraphs[0] = lead + paragraphs[0]
    paragraphs[-1] += tail
    return paragraphs


def _dropped(ch: str, tex: bool) -> bool:
    cat = unicodedata.category(ch)
    return cat == "Cc" or (cat == "Cf" and (tex and ch != "\u00ad" or not tex and ch not in _KEEP_FORMAT))


_MATH = re.compile(r"\$([^$]+)\$")


def _pieces(s: str, text, math, plain: bool = False) -> str:
    """`s` as text, except each $...$ that our parser reads as an expression (or a chain a = b), printed by
    `math` (a printer of neuralsolve.latex, given by the caller: this module sits below it). Without `math`,
    dollars are text."""
    out, pos, start = [], 0, 0
    while math is not None and (m := _MATH.search(s, pos)) is not None:
        sides = _parsed(m.group(1))
        if sides is None:  # not an expression: the dollar is text, and the next one may open math
            pos = m.start() + 1
            continue
        if plain:  # plain text: Greek names as letters, and the printed math escaped like the rest
            shown = text("".join(rel + math(p.display, names={n: name_text(n) for n in p.names}, decimals=dec)
                                 for rel, p, dec in sides))
        else:
            shown = "$" + "".join({" ≈ ": r" \approx ", " = ": " = "}.get(rel, rel) + math(p.display, decimals=dec)
                                  for rel, p, dec in sides) + "$"
        out += [text(s[start:m.start()]), shown]
        pos = start = m.end()
    out.append(text(s[start:]))
    return "".join(out)


def _parsed(inner: str):
    """The expressions of `inner` (two or more when it is a chain such as w = 3 or log(0.1) ≈ -2.3), each with
    the relation before it (" = ", " ≈ ", or "" for the first) and whether it was written with decimals (0.1
    stays 0.1), or None if one does not parse."""
    pieces = re.split(r"((?<![<>=!])=(?!=)|≈)", inner)
    relations = [""] + [f" {r} " for r in pieces[1::2]]
    try:
        return [(rel, parse(side, what="math in text"), "." in side) for rel, side in zip(relations, pieces[::2])]
    except Exception:  # noqa: BLE001 - anything that does not parse is shown as text
        return None


def _md_text(s: str) -> str:
    return "".join("\\" + ch if ch in _MD_SPECIAL else ch for ch in s)


def _tex_text(s: str) -> str:
    return _encoder().unicode_to_latex("".join(_TEX_ASCII.get(ch, ch) for ch in s))


@lru_cache(maxsize=None)
def _encoder() -> UnicodeToLatexEncoder:
    known = get_builtin_uni2latex_dict()

    def refused(s: str, pos: int):
        latex = known.get(ord(s[pos]))
        if latex is not None and _undefined(latex):
            return 1, _placeholder(s[pos])
        return None

    return UnicodeToLatexEncoder(
        conversion_rules=[UnicodeToLatexConversionRule(RULE_DICT, {ord(k): v for k, v in _TEX_OURS.items()}),
                          UnicodeToLatexConversionRule(RULE_CALLABLE, refused), "defaults"],
        non_ascii_only=True, replacement_latex_protection="braces-after-macro",
        unknown_char_policy=_placeholder, unknown_char_warning=False)


def _undefined(latex: str) -> bool:
    """Whether pylatexenc's LaTeX for a character needs a macro our documents lack."""
    macros = re.findall(r"\\([A-Za-z]+)", latex)
    return (any(m in _UNDEFINED or m.lower().startswith("cyr") for m in macros)
            or re.search(r"\\mathbb\{[^A-Z]", latex) is not None)


def _placeholder(ch: str) -> str:
    return rf"\fbox{{\texttt{{U+{ord(ch):04X}}}}}"

"""Long lines of the rnn kind's LaTeX chains broken where a model answer breaks them: before a + or - of the sum.

A form wider than a printed line is cut at the signs of its outermost
sum, or, for one call of a sum (tanh(A + B + C)), at the signs inside the call; each
further piece starts a new row under the first, after a quad. A chain of matrices is set
one form a row.
"""

from __future__ import annotations

import re

from ...solution import Equation, Form

_OPEN = re.compile(r"\\left[.(\[]|\\begin\{pmatrix\}|\{")
_CLOSE = re.compile(r"\\right[.)\]]|\\end\{pmatrix\}|\}")


class Stacked(Equation):
    """A chain set one form a row whatever its estimated width: a chain of matrices is wider than it counts."""

    @property
    def inline(self) -> bool:
        return False


def _pmatrix_width(m: re.Match) -> str:
    """A placeholder as wide as a matrix prints: its widest cell per column, and room for the brackets."""
    rows = [[c.strip() for c in r.split("&")] for r in m.group(1).split(r"\\")]
    cols = max(len(r) for r in rows)
    width = sum(max(len(r[j]) if j < len(r) else 0 for r in rows) for j in range(cols)) + 2 * cols + 1
    return "M" * width


def _measured(tex: str) -> str:
    return re.sub(r"\\begin\{pmatrix\}(.*?)\\end\{pmatrix\}", _pmatrix_width, tex)


def fits_tex(lhs_tex: str, tex: str) -> bool:
    """Whether lhs = tex fits a printed line (the shared estimate, with matrices counted as wide as they print)."""
    return Equation(_measured(lhs_tex), "", (Form("=", _measured(tex), ""),)).inline


def _pieces(s: str) -> list[tuple[int, int]]:
    """Where s has ' + ' or ' - ' outside every bracket and brace: (start, end) of each sign with its spaces."""
    out, d, i = [], 0, 0
    while i < len(s):
        mo, mc = _OPEN.match(s, i), _CLOSE.match(s, i)
        if mo or mc:
            d, i = d + (1 if mo else -1), (mo or mc).end()
            continue
        if d == 0 and s.startswith((" + ", " - "), i):
            out.append((i, i + 3))
            i += 3
            continue
        i += 1
    return out


def _terms(s: str) -> tuple[str, list[str], str] | None:
    """s as head, its terms (each after the first led by its sign), tail: split outside brackets, else in one call."""
    cuts = _pieces(s)
    head = tail = ""
    if not cuts:
        m = re.fullmatch(r"(\\?[A-Za-z]*\\left\()(.*)(\\right\))", s, re.S)
        if m is None:
            return None
        head, s, tail = m.group(1), m.group(2), m.group(3)
        cuts = _pieces(s)
        if not cuts:
            return None
    terms, start = [], 0
    for a, _ in cuts:
        terms.append(s[start:a])
        start = a + 1  # keep the sign: "+ term"
    terms.append(s[start:])
    return head, terms, tail


def _rows(terms: list[str], fits) -> list[list[str]]:
    rows: list[list[str]] = [[terms[0]]]
    for t in terms[1:]:
        if fits(" ".join(rows[-1] + [t])):
            rows[-1].append(t)
        else:
            rows.append([t])
    return rows


def broken_tex(lhs_tex: str, tex: str) -> list[str]:
    """The rows of one form: itself when it fits, else its sum cut before a + or - into rows that do."""
    if fits_tex(lhs_tex, tex):
        return [tex]
    split = _terms(tex)
    if split is None:
        return [tex]
    head, terms, tail = split
    inner = bool(head)
    rows = _rows(terms, lambda row: fits_tex(lhs_tex, head + row + tail))
    if len(rows) == 1:
        return [tex]
    lines = [" ".join(r) for r in rows]
    if inner:  # a call broken inside: each row balances its own brackets
        lines = [head + lines[0] + r" \right."] + [r"\left. " + ln + r" \right." for ln in lines[1:-1]] + \
                [r"\left. " + lines[-1] + tail]
    return lines


def fitted(eq: Equation) -> Equation:
    """The chain with each too-wide form broken into rows; stacked if any form had to be, or if it holds matrices.

    A form's further rows are continuation forms (rel ""); its text stays whole on the first (the terminal
    folds its own lines: render's fold filter)."""
    forms, broken = [], False
    for f in eq.forms:
        rows = broken_tex(eq.lhs_tex, f.tex)
        broken = broken or len(rows) > 1
        forms.append(Form(f.rel, rows[0], f.text))
        forms += [Form("", row, "") for row in rows[1:]]
    wide = not fits_tex(eq.lhs_tex, " = ".join(f.tex for f in eq.forms))
    if broken or wide and any("pmatrix" in f.tex for f in eq.forms):
        return Stacked(eq.lhs_tex, eq.lhs_text, tuple(forms))
    return Equation(eq.lhs_tex, eq.lhs_text, tuple(forms))

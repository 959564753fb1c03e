"""How names print: the exam's notation, and the mathematician's default for plain names."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

GREEK = (
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau "
    "upsilon phi chi psi omega Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega"
).split()

_TRAILING = re.compile(r"^([A-Za-z]+?)(\d+)$")


def name_tex(name: str) -> str:
    """w13 -> w_{13}, alpha -> \\alpha, x_t -> x_{t}, sigma2 -> \\sigma_{2}, yhat -> \\hat{y}."""
    if "_" in name:
        head, _, tail = name.partition("_")
        return f"{name_tex(head)}_{{{_plain(tail)}}}"
    m = _TRAILING.match(name)
    if m and m.group(1):
        return f"{_letters(m.group(1))}_{{{m.group(2)}}}"
    return _letters(name)


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
        kw["weight"] = "\\" + w if w in GREEK else w
    if "latex" in m:
        kw["latex"] = {k: r.text(v, f"notation.latex.{k}") for k, v in r.mapping(m["latex"], "notation.latex").items()}
    return Notation(**kw)

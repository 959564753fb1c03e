"""Pictures: one layout computed here, in centimetres, drawn as TikZ (LaTeX) and as SVG (Markdown, HTML).

A `Picture` holds positioned items only: nodes (a label in a circle or a box), edges
(an arrow from node to node, its label already placed), free texts, filled polygons,
polylines and dots. Layouts (diagrams of a kind's structure, plots) build a Picture;
`tikz()` and `svg()` draw the same coordinates, so the figure in the PDF and the
one beside the Markdown are the same figure. Every label is LaTeX math that the
project wrote (names, numbers, operators), never author text; SVG shows it as text
with subscripts and superscripts (`runs`). Coordinates are printed to 3 decimals:
the same problem gives byte-identical pictures.

Edge labels are placed so that no label overlaps another label, a node or a note:
each tries points along its edge (middle first) and takes the first free one
(`Diagram.finish`); `collisions()` counts what overlaps, for the tests.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass, field, replace

# -- labels: LaTeX math as runs of text for SVG, and a width estimate ------------

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ",
    "pi": "π", "rho": "ρ", "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω", "ell": "ℓ", "partial": "∂", "nabla": "∇",
}
_SYMBOLS = {
    "cdot": "·", "times": "×", "top": "⊤", "ast": "∗", "infty": "∞", "leq": "≤", "geq": "≥", "le": "≤",
    "ge": "≥", "to": "→", "odot": "⊙", "circ": "∘", "prime": "′", "ldots": "…", "dots": "…", "cdots": "⋯",
    "mid": "|", "{": "{", "}": "}", "%": "%", "&": "&", "#": "#", "_": "_", "$": "$", "quad": " ",
    ",": " ", ";": " ", " ": " ", "!": "", "left": "", "right": "", "bigl": "", "bigr": "", "Bigl": "",
    "Bigr": "", "lbrace": "{", "rbrace": "}", "vert": "|", "lvert": "|", "rvert": "|",
}
_UPRIGHT = {"operatorname", "mathrm", "text", "textrm"}
_SCRIPT = {"mathcal", "mathscr", "mathit", "mathnormal"}  # shown as italic letters (SVG has no script face)
_ACCENT = {"hat": "\u0302", "tilde": "\u0303", "bar": "\u0304", "dot": "\u0307", "vec": "\u20d7"}
_FUNCTIONS = {"tanh", "sinh", "cosh", "log", "exp", "max", "min", "sin", "cos", "det", "tr", "ln", "sgn"}


@dataclass(frozen=True)
class Run:
    """A piece of a label: its text, its face (italic, upright or bold) and its level (0, -1 sub, +1 sup)."""

    text: str
    face: str = "italic"
    level: int = 0


@lru_cache(maxsize=4096)
def runs(tex: str) -> tuple[Run, ...]:
    """A label's LaTeX (the subset the project writes: names, numbers, sub- and superscripts, Greek,
    \\mathbf, \\operatorname, \\hat, \\frac as a/b) as runs of text. Anything else shows as its letters."""
    out: list[Run] = []
    _runs(tex, 0, "italic", out)
    merged: list[Run] = []
    for r in out:
        if merged and merged[-1].face == r.face and merged[-1].level == r.level:
            merged[-1] = Run(merged[-1].text + r.text, r.face, r.level)
        elif r.text:
            merged.append(r)
    return tuple(merged)


def _group(tex: str, i: int) -> tuple[str, int]:
    """The braced group (or single token) at i, and the index after it."""
    while i < len(tex) and tex[i] == " ":
        i += 1
    if i >= len(tex):
        return "", i
    if tex[i] == "{":
        depth = 0
        for j in range(i, len(tex)):
            depth += tex[j] == "{"
            depth -= tex[j] == "}"
            if depth == 0:
                return tex[i + 1:j], j + 1
        return tex[i + 1:], len(tex)
    if tex[i] == "\\":
        m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
        return m.group(0), i + len(m.group(0))
    return tex[i], i + 1


def _runs(tex: str, level: int, face: str, out: list[Run]) -> None:
    i = 0
    while i < len(tex):
        ch = tex[i]
        if ch in "_^":
            g, i = _group(tex, i + 1)
            _runs(g, max(-1, min(1, level + (1 if ch == "^" else -1))) if level == 0 else level, face, out)
        elif ch == "{" or ch == "}":
            g, i = _group(tex, i) if ch == "{" else ("", i + 1)
            _runs(g, level, face, out)
        elif ch == "\\":
            m = re.match(r"\\([A-Za-z]+|.)", tex[i:])
            cmd, i = m.group(1), i + len(m.group(0))
            if cmd in _GREEK:
                out.append(Run(_GREEK[cmd], "italic" if cmd[0].islower() and face != "bold" else face, level))
            elif cmd in _SYMBOLS:
                out.append(Run(_SYMBOLS[cmd], "upright", level))
            elif cmd in ("text", "textrm"):  # words: their spaces kept
                g, i = _group(tex, i)
                for piece in re.split(r"( )", g):
                    if piece == " ":
                        out.append(Run(" ", "upright", level))
                    elif piece:
                        _runs(piece, level, "upright", out)
            elif cmd in _SCRIPT:
                g, i = _group(tex, i)
                _runs(g, level, "italic", out)
            elif cmd in _UPRIGHT or cmd in ("mathbf", "boldsymbol", "bm"):
                g, i = _group(tex, i)
                _runs(g, level, "bold" if cmd in ("mathbf", "boldsymbol", "bm") else "upright", out)
            elif cmd in _ACCENT:
                g, i = _group(tex, i)
                inner: list[Run] = []
                _runs(g, level, face, inner)
                text_ = "".join(r.text for r in inner)
                out.append(Run(unicodedata.normalize("NFC", text_ + _ACCENT[cmd]) if len(text_) == 1 else text_,
                               face, level))
            elif cmd in ("frac", "dfrac", "tfrac"):
                a, i = _group(tex, i)
                b, i = _group(tex, i)
                _runs(_paren(a), level, face, out)
                out.append(Run("/", "upright", level))
                _runs(_paren(b), level, face, out)
                if i < len(tex) and (tex[i].isalpha() or tex[i] == "\\"):
                    out.append(Run("\u2009", "upright", level))  # a thin space: 1/2 D, not 1/2D
            elif cmd == "sqrt":
                g, i = _group(tex, i)
                out.append(Run("√", "upright", level))
                _runs(_paren(g), level, face, out)
            else:  # \tanh, \log, or a command we do not know: its letters, upright (log det: a space between)
                if out and out[-1].face == "upright" and out[-1].text[-1:].isalpha():
                    out.append(Run("\u2009", "upright", level))
                out.append(Run(cmd, "upright", level))
        elif ch == "-":  # a minus sign in math, a hyphen in \text{...}
            out.append(Run("-" if face == "upright" else "−", "upright", level))
            i += 1
        elif ch in "=<>":
            out.append(Run(f"\u00a0{ch}\u00a0", "upright", level))
            i += 1
        elif ch.isdigit() or ch in "+()[],.;:|!/*'@":
            out.append(Run(ch if ch != "'" else "′", "upright" if face != "bold" else "bold", level))
            i += 1
        elif ch == " " or ch == "~":
            i += 1
        else:
            out.append(Run(ch, face, level))
            i += 1


def _paren(s: str) -> str:
    return s if len(s) <= 1 or re.fullmatch(r"[A-Za-z0-9]+|\\[A-Za-z]+", s) else f"({s})"


def plain(tex: str) -> str:
    """A label as one line of plain text (sub- and superscripts inline): for the terminal and alt texts."""
    out = []
    for r in runs(tex):
        out.append(r.text if r.level == 0 else ("_" if r.level < 0 else "^") + r.text)
    return "".join(out)


@lru_cache(maxsize=4096)
def width(tex: str, size: float) -> float:
    """The printed width of a label in cm at a font size in pt (an estimate that errs wide)."""
    em = size * 0.03528  # cm per pt
    w = 0.0
    for r in runs(tex):
        scale = 1.0 if r.level == 0 else 0.7
        for ch in r.text:
            if ch in "\u0302\u0303\u0304\u0307\u20d7":
                continue
            w += em * scale * (0.3 if ch in "il.,:;|()[]′ " else 1.2 if ch in "−+=×·<>≤≥" else
                               0.8 if ch in "mwMW⊤" else 0.52)
    return w


def height(tex: str, size: float) -> float:
    """The printed height of a label in cm (taller with sub- or superscripts)."""
    levels = {r.level for r in runs(tex)}
    return size * 0.03528 * (1.0 + 0.35 * (1 in levels) + 0.3 * (-1 in levels))


# -- the picture -------------------------------------------------------------

NODE_PT = 10.0  # node labels (TikZ \small at 11pt)
EDGE_PT = 8.0  # edge labels and notes (\scriptsize)


@dataclass(frozen=True)
class Node:
    id: str
    x: float
    y: float
    tex: str  # LaTeX math of the label
    shape: str = "circle"  # circle, box (an operation or a parameter), or plain (text only)
    style: str = "unit"  # unit, input, output, param, op, loss
    r: float = 0.0  # circle: radius; box: half width
    h: float = 0.0  # box: half height

    def box(self) -> tuple[float, float, float, float]:
        hh = self.h if self.shape != "circle" else self.r
        return (self.x - self.r, self.y - hh, self.x + self.r, self.y + hh)

    def boundary(self, dx: float, dy: float) -> tuple[float, float]:
        """Where a ray from the centre in direction (dx, dy) leaves the node."""
        n = (dx * dx + dy * dy) ** 0.5 or 1.0
        ux, uy = dx / n, dy / n
        if self.shape == "circle":
            return self.x + ux * self.r, self.y + uy * self.r
        t = min(self.r / abs(ux) if ux else 1e9, self.h / abs(uy) if uy else 1e9)
        return self.x + ux * t, self.y + uy * t


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    tex: str = ""  # the label, "" for none
    at: tuple[float, float] | None = None  # where the label's centre is, once placed
    bend: float = 0.0  # degrees (TikZ bend left); 0 for a straight edge
    dashed: bool = False


@dataclass(frozen=True)
class Text:
    x: float
    y: float
    tex: str  # LaTeX math; a text label is \text{...}
    size: float = EDGE_PT
    anchor: str = "center"  # center, west, east, north, south
    fill: bool = False  # a white background (over lines)


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    colour: str  # a palette name


@dataclass(frozen=True)
class Line:
    points: tuple[tuple[float, float], ...]
    colour: str = "black"
    width: float = 0.6  # pt
    dashed: bool = False
    arrow: bool = False


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    colour: str = "black"
    r: float = 0.06  # cm
    open: bool = False  # a hollow dot (a point not taken)


@dataclass(frozen=True)
class Picture:
    """Positioned items in cm (y up). `what` it shows (diagram or plot), for tests and alt text."""

    nodes: tuple[Node, ...] = ()
    edges: tuple[Edge, ...] = ()
    texts: tuple[Text, ...] = ()
    polygons: tuple[Polygon, ...] = ()
    lines: tuple[Line, ...] = ()
    dots: tuple[Dot, ...] = ()
    what: str = "diagram"

    def node(self, id_: str) -> Node:
        return next(n for n in self.nodes if n.id == id_)

    def bounds(self) -> tuple[float, float, float, float]:
        xs, ys = [], []
        for n in self.nodes:
            x0, y0, x1, y1 = n.box()
            xs += [x0, x1]
            ys += [y0, y1]
        for b in self.label_boxes() + self.text_boxes():
            xs += [b[0], b[2]]
            ys += [b[1], b[3]]
        for p in self.polygons:
            xs += [q[0] for q in p.points]
            ys += [q[1] for q in p.points]
        for ln in self.lines:
            xs += [q[0] for q in ln.points]
            ys += [q[1] for q in ln.points]
        for d in self.dots:
            xs += [d.x - d.r, d.x + d.r]
            ys += [d.y - d.r, d.y + d.r]
        if not xs:
            return (0.0, 0.0, 1.0, 1.0)
        m = 0.15
        return (min(xs) - m, min(ys) - m, max(xs) + m, max(ys) + m)

    def label_boxes(self) -> list[tuple[float, float, float, float]]:
        return [_box_at(e.at[0], e.at[1], e.tex, EDGE_PT) for e in self.edges if e.tex and e.at]

    def text_boxes(self) -> list[tuple[float, float, float, float]]:
        return [_text_box(t) for t in self.texts]

    def collisions(self) -> list[tuple[str, str]]:
        """Pairs of labels, notes and nodes that overlap (there should be none)."""
        items = [(f"node {n.id}", n.box()) for n in self.nodes]
        items += [(f"label {e.tex} on {e.source}->{e.target}", _box_at(e.at[0], e.at[1], e.tex, EDGE_PT))
                  for e in self.edges if e.tex and e.at]
        items += [(f"text {t.tex}", _text_box(t)) for t in self.texts if self.what == "diagram"]
        grid = _Grid()
        out = []
        for i, (name, box) in enumerate(items):
            for j in sorted(grid.near(box)):
                if _overlap(items[j][1], box, 0.0):
                    out.append((items[j][0], name))
            grid.add(box, i)
        return out


def _box_at(x: float, y: float, tex: str, size: float, pad: float = 0.05):
    w, h = width(tex, size) / 2 + pad, height(tex, size) / 2 + pad
    return (x - w, y - h, x + w, y + h)


def _text_box(t: Text):
    w, h = width(t.tex, t.size), height(t.tex, t.size)
    dx = {"center": -w / 2, "west": 0.0, "east": -w, "north": -w / 2, "south": -w / 2, "north west": 0.0,
          "south east": -w}[t.anchor]
    dy = {"center": -h / 2, "west": -h / 2, "east": -h / 2, "north": -h, "south": 0.0, "north west": -h,
          "south east": 0.0}[t.anchor]
    return (t.x + dx - 0.05, t.y + dy - 0.05, t.x + dx + w + 0.05, t.y + dy + h + 0.05)


def _overlap(a, b, pad: float) -> bool:
    return a[0] < b[2] + pad and b[0] < a[2] + pad and a[1] < b[3] + pad and b[1] < a[3] + pad


# -- building a diagram: nodes at given positions, labels placed to avoid each other --------

class Diagram:
    """Nodes placed by a layout, edges between them; `finish()` sizes the nodes and places the edge labels."""

    def __init__(self):
        self.nodes: list[Node] = []
        self.edges: list[Edge] = []
        self.texts: list[Text] = []

    def node(self, id_: str, x: float, y: float, tex: str, shape: str = "circle", style: str = "unit") -> None:
        w, h = width(tex, NODE_PT), height(tex, NODE_PT)
        if shape == "circle":
            r = max(0.36, (w * w + h * h) ** 0.5 / 2 + 0.08) + (0.06 if style == "loss" else 0.0)
            self.nodes.append(Node(id_, x, y, tex, shape, style, r, r))
        else:
            self.nodes.append(Node(id_, x, y, tex, shape, style, max(0.3, w / 2 + 0.14), max(0.25, h / 2 + 0.1)))

    def edge(self, source: str, target: str, tex: str = "", bend: float = 0.0, dashed: bool = False) -> None:
        self.edges.append(Edge(source, target, tex, None, bend, dashed))

    def text(self, x: float, y: float, tex: str, anchor: str = "center", size: float = EDGE_PT) -> None:
        self.texts.append(Text(x, y, tex, size, anchor, fill=True))

    def finish(self) -> Picture:
        nodes = {n.id: n for n in self.nodes}
        taken = _Grid()
        for b in [n.box() for n in self.nodes] + [_text_box(t) for t in self.texts]:
            taken.add(b, b)
        segments = _Grid()  # every straight edge, so that a label sits clear of the edges it does not belong to
        for k, e in enumerate(self.edges):
            a, b = nodes[e.source], nodes[e.target]
            if not e.bend:
                p, q = a.boundary(b.x - a.x, b.y - a.y), b.boundary(a.x - b.x, a.y - b.y)
                segments.add_segment(p, q, (k, p, q))
        fan_in: dict[str, int] = {}
        for e in self.edges:
            fan_in[e.target] = fan_in.get(e.target, 0) + 1
        placed = []
        for k, e in enumerate(self.edges):
            if not e.tex:
                placed.append(e)
                continue
            a, b = nodes[e.source], nodes[e.target]
            (x0, y0), (x1, y1) = a.boundary(b.x - a.x, b.y - a.y), b.boundary(a.x - b.x, a.y - b.y)
            best = None
            for t in (_NEAR_TARGET if fan_in[e.target] > 3 else _POSITIONS):
                if e.bend:
                    x, y = _bent_point(a, b, e.bend, t)
                else:
                    x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
                box = _box_at(x, y, e.tex, EDGE_PT)
                cost = 10 * sum(_overlap(box, other, 0.02) for other in taken.near(box, 0.02)) \
                    + sum(_crosses(box, p, q) for j, p, q in segments.near(box) if j != k)
                if best is None or cost < best[0]:
                    best = (cost, x, y, box)
                if cost == 0:
                    break
            taken.add(best[3], best[3])
            placed.append(replace(e, at=(best[1], best[2])))
        return Picture(tuple(self.nodes), tuple(placed), tuple(self.texts))


class _Grid:
    """Boxes and segments filed by the 0.5 cm cells they touch, so that finding what is near a label costs the
    same however large the picture (the layout stays linear in its size)."""

    CELL = 0.5

    def __init__(self):
        self.cells: dict[tuple[int, int], list] = {}
        self.count = 0

    def _keys(self, box, pad=0.0):
        c = self.CELL
        for i in range(int((box[0] - pad) // c), int((box[2] + pad) // c) + 1):
            for j in range(int((box[1] - pad) // c), int((box[3] + pad) // c) + 1):
                yield i, j

    def add(self, box, item) -> None:
        self.count += 1
        for key in self._keys(box):
            self.cells.setdefault(key, []).append((self.count, item))

    def add_segment(self, p, q, item) -> None:
        self.count += 1
        length = ((q[0] - p[0]) ** 2 + (q[1] - p[1]) ** 2) ** 0.5
        n = max(1, int(length / (self.CELL / 2)) + 1)
        keys = set()
        for s in range(n + 1):
            x, y = p[0] + (q[0] - p[0]) * s / n, p[1] + (q[1] - p[1]) * s / n
            keys.add((int(x // self.CELL), int(y // self.CELL)))
        for key in keys:
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    self.cells.setdefault((key[0] + di, key[1] + dj), []).append((self.count, item))

    def near(self, box, pad=0.0) -> list:
        seen, out = set(), []
        for key in self._keys(box, pad):
            for n, item in self.cells.get(key, ()):
                if n not in seen:
                    seen.add(n)
                    out.append(item)
        return out


def _crosses(box, p, q) -> bool:
    """Whether the segment p-q passes through the box (Liang-Barsky clipping)."""
    (x0, y0), (x1, y1) = p, q
    dx, dy = x1 - x0, y1 - y0
    lo, hi = 0.0, 1.0
    for d, a, b in ((dx, x0 - box[0], box[2] - x0), (dy, y0 - box[1], box[3] - y0)):
        if d == 0:
            if a < 0 or b < 0:
                return False
            continue
        t0, t1 = (-a / d, b / d) if d > 0 else (b / d, -a / d)
        lo, hi = max(lo, t0), min(hi, t1)
        if lo > hi:
            return False
    return True


_NEAR_TARGET = (0.7, 0.64, 0.76, 0.58, 0.52, 0.8, 0.46, 0.4, 0.34, 0.28)  # many edges in: each label by its target
_POSITIONS = (0.5, 0.38, 0.62, 0.28, 0.72, 0.2, 0.8, 0.45, 0.55, 0.33, 0.67, 0.15, 0.85)


def _bent_point(a: Node, b: Node, bend: float, t: float) -> tuple[float, float]:
    """A point at t along a TikZ `bend left=bend` curve from a to b (a quadratic approximation)."""
    import math

    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    dx, dy = b.x - a.x, b.y - a.y
    k = math.tan(math.radians(bend)) / 2
    cx, cy = mx - dy * k, my + dx * k
    return ((1 - t) ** 2 * a.x + 2 * (1 - t) * t * cx + t * t * b.x,
            (1 - t) ** 2 * a.y + 2 * (1 - t) * t * cy + t * t * b.y)


# -- drawing: TikZ ----------------------------------------------------------

_PALETTE = {  # name: (TikZ colour, SVG colour)
    "black": ("black", "#000000"),
    "grey": ("black!45", "#8c8c8c"),
    "light": ("black!15", "#d9d9d9"),
    "class1": ("red!18", "#fbd5d5"),
    "class2": ("blue!15", "#d9e0fb"),
    "curve": ("blue!70!black", "#1f3fb3"),
    "boundary": ("black", "#000000"),
    "path": ("red!75!black", "#bf1f1f"),
    "param": ("black!8", "#ededed"),
    "op": ("yellow!15", "#fffbd9"),
    "input": ("black!4", "#f5f5f5"),
    "white": ("white", "#ffffff"),
}
_FILL = {"unit": "white", "input": "input", "output": "white", "param": "param", "op": "op", "loss": "white"}


def _f(v: float) -> str:
    s = f"{v:.3f}"
    return "0.000" if s == "-0.000" else s


def tikz(p: Picture) -> str:
    """The picture as a tikzpicture environment (needs \\usepackage{tikz})."""
    out = [r"\begin{tikzpicture}[x=1cm,y=1cm,>=stealth,font=\small]"]
    for poly in p.polygons:
        c = _PALETTE[poly.colour][0]  # outlined in its own colour: neighbours of one colour show no seam
        out.append(rf"\filldraw[fill={c},draw={c},line width=0.4pt] "
                   + " -- ".join(f"({_f(x)},{_f(y)})" for x, y in poly.points) + " -- cycle;")
    for ln in p.lines:
        opts = [_PALETTE[ln.colour][0], f"line width={ln.width:.1f}pt"] + (["dashed"] if ln.dashed else []) \
            + (["->"] if ln.arrow else [])
        out.append(rf"\draw[{','.join(opts)}] " + " -- ".join(f"({_f(x)},{_f(y)})" for x, y in ln.points) + ";")
    for d in p.dots:
        fill = "white" if d.open else _PALETTE[d.colour][0]
        out.append(rf"\filldraw[draw={_PALETTE[d.colour][0]},fill={fill}] ({_f(d.x)},{_f(d.y)}) circle ({_f(d.r)});")
    ids = {n.id: f"n{i}" for i, n in enumerate(p.nodes)}
    for n in p.nodes:
        fill = _PALETTE[_FILL[n.style]][0]
        if n.shape == "circle":
            shape = f"circle,draw,fill={fill},minimum size={_f(2 * n.r)}cm,inner sep=0pt"
        elif n.shape == "box":
            shape = (f"rectangle,draw,fill={fill},minimum width={_f(2 * n.r)}cm,minimum height={_f(2 * n.h)}cm,"
                     "inner sep=2pt" + (",rounded corners=2pt" if n.style == "op" else ""))
        else:
            shape = "inner sep=0pt"
        if n.style == "loss" or n.style == "output":
            shape += ",double" if n.style == "loss" else ",very thick"
        out.append(rf"\node[{shape}] ({ids[n.id]}) at ({_f(n.x)},{_f(n.y)}) {{${n.tex}$}};")
    for e in p.edges:
        opts = ["->"] + (["dashed"] if e.dashed else [])
        path = f"to[bend left={e.bend:g}]" if e.bend else "--"
        out.append(rf"\draw[{','.join(opts)}] ({ids[e.source]}) {path} ({ids[e.target]});")
    for e in p.edges:
        if e.tex and e.at:
            out.append(rf"\node[fill=white,inner sep=1pt,font=\scriptsize] at ({_f(e.at[0])},{_f(e.at[1])}) "
                       rf"{{${e.tex}$}};")
    for t in p.texts:
        anchor = "" if t.anchor == "center" else f",anchor={t.anchor}"
        font = r"\scriptsize" if t.size <= EDGE_PT else r"\small"
        fill = ",fill=white" if t.fill else ""
        out.append(rf"\node[inner sep=1pt,font={font}{anchor}{fill}] at ({_f(t.x)},{_f(t.y)}) {{${t.tex}$}};")
    out.append(r"\end{tikzpicture}")
    x0, _, x1, _ = p.bounds()
    if x1 - x0 > MAX_WIDTH_CM:  # wider than the text block: scaled down to fit it, labels and all
        return "\\resizebox{\\linewidth}{!}{%\n" + "\n".join(out) + "%\n}"
    return "\n".join(out)


MAX_WIDTH_CM = 16.0  # the text width of an A4 page with the documents' margins


# -- drawing: SVG -----------------------------------------------------------

PX = 48.0  # SVG pixels per cm (labels of about 13 px on screen)


def svg(p: Picture, title: str = "") -> str:
    """The picture as a standalone SVG document (text in a serif font; no scripts, no external references)."""
    x0, y0, x1, y1 = p.bounds()
    w, h = (x1 - x0) * PX, (y1 - y0) * PX

    def X(x):
        return _f((x - x0) * PX)

    def Y(y):
        return _f((y1 - y) * PX)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(w)}" height="{_f(h)}" '
           f'viewBox="0 0 {_f(w)} {_f(h)}" font-family="Latin Modern Roman, CMU Serif, Times New Roman, serif">']
    if title:
        out.append(f"<title>{html.escape(title)}</title>")
    out.append('<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
               'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#000000"/></marker></defs>')
    for poly in p.polygons:
        pts = " ".join(f"{X(x)},{Y(y)}" for x, y in poly.points)
        c = _PALETTE[poly.colour][1]
        out.append(f'<polygon class="region" points="{pts}" fill="{c}" stroke="{c}" stroke-width="0.6"/>')
    for ln in p.lines:
        pts = " ".join(f"{X(x)},{Y(y)}" for x, y in ln.points)
        extra = (' stroke-dasharray="5,4"' if ln.dashed else "") + (' marker-end="url(#arrow)"' if ln.arrow else "")
        out.append(f'<polyline points="{pts}" fill="none" stroke="{_PALETTE[ln.colour][1]}" '
                   f'stroke-width="{_f(ln.width * PX / 28.35)}"{extra}/>')
    for d in p.dots:
        fill = "#ffffff" if d.open else _PALETTE[d.colour][1]
        out.append(f'<circle class="dot" cx="{X(d.x)}" cy="{Y(d.y)}" r="{_f(d.r * PX)}" fill="{fill}" '
                   f'stroke="{_PALETTE[d.colour][1]}"/>')
    nodes = {n.id: n for n in p.nodes}
    for e in p.edges:
        a, b = nodes[e.source], nodes[e.target]
        dash = ' stroke-dasharray="5,4"' if e.dashed else ""
        if e.bend:
            import math

            k = math.tan(math.radians(e.bend)) / 2
            mx, my = (a.x + b.x) / 2 - (b.y - a.y) * k, (a.y + b.y) / 2 + (b.x - a.x) * k
            sx, sy = a.boundary(mx - a.x, my - a.y)
            ex, ey = b.boundary(mx - b.x, my - b.y)
            out.append(f'<path class="edge" d="M{X(sx)},{Y(sy)} Q{X(mx)},{Y(my)} {X(ex)},{Y(ey)}" fill="none" '
                       f'stroke="#000000" stroke-width="1" marker-end="url(#arrow)"{dash}/>')
        else:
            sx, sy = a.boundary(b.x - a.x, b.y - a.y)
            ex, ey = b.boundary(a.x - b.x, a.y - b.y)
            out.append(f'<line class="edge" x1="{X(sx)}" y1="{Y(sy)}" x2="{X(ex)}" y2="{Y(ey)}" stroke="#000000" '
                       f'stroke-width="1" marker-end="url(#arrow)"{dash}/>')
    for n in p.nodes:
        fill = _PALETTE[_FILL[n.style]][1]
        sw = "2" if n.style == "output" else "1"
        if n.shape == "circle":
            out.append(f'<circle class="node" cx="{X(n.x)}" cy="{Y(n.y)}" r="{_f(n.r * PX)}" fill="{fill}" '
                       f'stroke="#000000" stroke-width="{sw}"/>')
            if n.style == "loss":
                out.append(f'<circle cx="{X(n.x)}" cy="{Y(n.y)}" r="{_f(n.r * PX - 3)}" fill="none" stroke="#000000"/>')
        elif n.shape == "box":
            rx = ' rx="3"' if n.style == "op" else ""
            out.append(f'<rect class="node" x="{X(n.x - n.r)}" y="{Y(n.y + n.h)}" width="{_f(2 * n.r * PX)}" '
                       f'height="{_f(2 * n.h * PX)}" fill="{fill}" stroke="#000000" stroke-width="{sw}"{rx}/>')
        else:
            out.append('<g class="node"/>')
        out.append(_svg_text(n.x, n.y, n.tex, NODE_PT, "center", X, Y))
    for e in p.edges:
        if e.tex and e.at:
            bx0, by0, bx1, by1 = _box_at(e.at[0], e.at[1], e.tex, EDGE_PT)
            out.append(f'<rect class="label" x="{X(bx0)}" y="{Y(by1)}" width="{_f((bx1 - bx0) * PX)}" '
                       f'height="{_f((by1 - by0) * PX)}" fill="#ffffff"/>')
            out.append(_svg_text(e.at[0], e.at[1], e.tex, EDGE_PT, "center", X, Y))
    for t in p.texts:
        if t.fill:
            bx0, by0, bx1, by1 = _text_box(t)
            out.append(f'<rect x="{X(bx0)}" y="{Y(by1)}" width="{_f((bx1 - bx0) * PX)}" '
                       f'height="{_f((by1 - by0) * PX)}" fill="#ffffff"/>')
        out.append(_svg_text(t.x, t.y, t.tex, t.size, t.anchor, X, Y))
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_text(x, y, tex, size, anchor, X, Y) -> str:
    px = size * 0.03528 * PX
    h = height(tex, size)
    cx = x
    cy = y + {"center": 0, "west": 0, "east": 0, "north": -h / 2, "south": h / 2, "north west": -h / 2,
              "south east": h / 2}[anchor]
    align = "start" if anchor in ("west", "north west") else "end" if anchor in ("east", "south east") else "middle"
    parts = []
    level = 0
    for r in runs(tex):
        attrs = []
        if r.face == "italic":
            attrs.append('font-style="italic"')
        elif r.face == "bold":
            attrs.append('font-weight="bold"')
        if r.level != level:
            attrs.append(f'baseline-shift="{"sub" if r.level < 0 else "super" if r.level > 0 else "baseline"}"')
        if r.level != 0:
            attrs.append('font-size="70%"')
        level = r.level
        parts.append(f"<tspan {' '.join(attrs)}>{html.escape(r.text)}</tspan>" if attrs else html.escape(r.text))
    return (f'<text x="{X(cx)}" y="{Y(cy)}" font-size="{_f(px)}" text-anchor="{align}" dominant-baseline="central">'
            + "".join(parts) + "</text>")


# -- plots: data coordinates mapped into a frame ----------------------------------

@dataclass
class Frame:
    """A plot's axes: the data ranges, mapped into a width x height box in cm (origin at the box's corner)."""

    x_range: tuple[float, float]
    y_range: tuple[float, float]
    width_cm: float = 8.0
    height_cm: float = 5.0
    items: dict = field(default_factory=lambda: {"polygons": [], "lines": [], "dots": [], "texts": []})

    def at(self, x: float, y: float) -> tuple[float, float]:
        (a, b), (c, d) = self.x_range, self.y_range
        return ((float(x) - a) / (b - a) * self.width_cm, (float(y) - c) / (d - c) * self.height_cm)

    def polygon(self, pts, colour: str) -> None:
        self.items["polygons"].append(Polygon(tuple(self.at(*q) for q in pts), colour))

    def line(self, pts, colour: str = "curve", width: float = 1.2, dashed: bool = False) -> None:
        self.items["lines"].append(Line(tuple(self.at(*q) for q in pts), colour, width, dashed))

    def dot(self, x, y, colour: str = "black", open_: bool = False) -> None:
        px, py = self.at(x, y)
        self.items["dots"].append(Dot(px, py, colour, 0.06, open_))

    def text(self, x, y, tex: str, anchor: str = "center", fill: bool = False, offset=(0.0, 0.0)) -> None:
        px, py = self.at(x, y)
        self.items["texts"].append(Text(px + offset[0], py + offset[1], tex, EDGE_PT, anchor, fill))

    def finish(self, x_name: str, y_name: str, x_ticks=(), y_ticks=()) -> Picture:
        """Axes through the origin when it is in range (else along the frame's edges), ticks, and the items."""
        lines = []
        texts = list(self.items["texts"])
        (a, b), (c, d) = self.x_range, self.y_range
        ax_y = 0.0 if c <= 0 <= d else c
        ax_x = 0.0 if a <= 0 <= b else a
        over = 0.35  # cm: the axes run on past the data, so no arrowhead lands on the last tick
        (x0, y0), (x1, _) = self.at(a, ax_y), self.at(b, ax_y)
        lines.append(Line(((x0, y0), (x1 + over, y0)), "black", 0.5, False, True))
        (cx, cy0), (_, cy1) = self.at(ax_x, c), self.at(ax_x, d)
        lines.append(Line(((cx, cy0), (cx, cy1 + over)), "black", 0.5, False, True))
        texts.append(Text(x1 + over + 0.05, y0, x_name, EDGE_PT + 1, "west"))
        texts.append(Text(cx, cy1 + over + 0.05, y_name, EDGE_PT + 1, "south"))
        for t, tex_ in x_ticks:
            px, py = self.at(t, ax_y)
            lines.append(Line(((px, py - 0.07), (px, py + 0.07)), "black", 0.5))
            if abs(px - cx) > 1e-9:  # no number where the other axis crosses
                texts.append(Text(px, py - 0.12, tex_, EDGE_PT, "north", True))
        for t, tex_ in y_ticks:
            px, py = self.at(ax_x, t)
            lines.append(Line(((px - 0.07, py), (px + 0.07, py)), "black", 0.5))
            if abs(py - y0) > 1e-9:
                texts.append(Text(px - 0.12, py, tex_, EDGE_PT, "east", True))
        return Picture((), (), tuple(texts), tuple(self.items["polygons"]), tuple(self.items["lines"]) + tuple(lines),
                       tuple(self.items["dots"]), what="plot")


def figure(pic: Picture, name: str, caption: str, caption_tex: str = ""):
    """A Figure block of a picture: the same layout as TikZ and as SVG."""
    from .solution import Figure

    return Figure(name, caption, tikz(pic), svg(pic, caption), caption_tex,
                  nodes=sum(1 for n in pic.nodes if n.shape != "plain"), edges=len(pic.edges))

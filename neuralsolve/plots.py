"""Plots a model answer would sketch, as `picture.Picture`s (TikZ and SVG from the same coordinates).

Why not matplotlib: the figures are few, simple and exact (piecewise-linear functions with their kinks,
polygons of decision regions, a contour map with a handful of iterates), and drawing them with the same
Picture as the diagrams gives TikZ that typesets its labels with the document's fonts, SVG from the same
numbers, byte-identical output without fixing metadata or hash salts, and no extra dependency.

- `piecewise`: a piecewise-linear function of one input, its kinks marked and labelled.
- `curves`: smooth functions of one input (activation functions), sampled.
- `regions`: the plane split into the regions of a classifier, shaded by class, the boundary drawn.
- `contours`: level curves of a function of two variables (marching squares) with iterates joined in order.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .diagrams import num_tex
from .picture import Frame, Picture

WIDTH, HEIGHT = 8.0, 5.0  # cm


def nice_ticks(lo: float, hi: float, most: int = 7) -> list[float]:
    """Round tick values across [lo, hi]: steps of 1, 2 or 5 times a power of ten, at most `most` of them."""
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / most
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step - 1e-9)
    out = []
    k = first
    while k * step <= hi + 1e-9:
        v = round(k * step, 10)
        out.append(0.0 if v == 0 else v)
        k += 1
    return out


def _tick_tex(v: float) -> str:
    return num_tex(Fraction(v).limit_denominator(1000)) if v != int(v) else str(int(v))


def _ticks(lo, hi, skip_zero=True):
    return [(t, _tick_tex(t)) for t in nice_ticks(lo, hi) if not (skip_zero and t == 0)]


def piecewise(pieces, kinks, x_range, x_name: str = "x", y_name: str = "h(x)") -> Picture:
    """pieces: (lo, hi, slope, intercept) with lo/hi None for unbounded; kinks: (x, y) exact numbers, marked with a
    dot and their coordinates. The y range covers every kink and the ends, with a margin."""
    a, b = (float(v) for v in x_range)

    def f(x):
        for lo, hi, m, c in pieces:
            if (lo is None or x >= float(lo) - 1e-12) and (hi is None or x <= float(hi) + 1e-12):
                return float(m) * x + float(c)
        return None

    xs = sorted({a, b, *(float(k[0]) for k in kinks if a <= float(k[0]) <= b)})
    ys = [f(x) for x in xs]
    lo_y, hi_y = min(ys + [0.0]), max(ys + [0.0])
    pad = (hi_y - lo_y) * 0.15 or 1.0
    frame = Frame((a, b), (lo_y - pad, hi_y + pad), WIDTH, HEIGHT)
    frame.line([(x, y) for x, y in zip(xs, ys)], "curve", 1.4)
    for kx, ky in kinks:
        if a <= float(kx) <= b:
            frame.dot(kx, ky, "curve")
            # the label in the empty corner the bend leaves: above left where the slope rises, below right where
            # it falls (clear of the curve, and of the x axis when the kink sits on it)
            h = 1e-6 * max(1.0, abs(b - a))
            left, right = f(float(kx) - h), f(float(kx) + h)
            rising = left is not None and right is not None and (right - f(float(kx))) > (f(float(kx)) - left)
            frame.text(kx, ky, rf"({num_tex(kx)},\ {num_tex(ky)})", "south east" if rising else "north west",
                       fill=True, offset=(-0.12, 0.12) if rising else (0.12, -0.12))
    return frame.finish(x_name, y_name, _ticks(a, b), _ticks(lo_y - pad, hi_y + pad))


def curves(functions, x_range, x_name: str = "x", y_name: str = "y", samples: int = 201) -> Picture:
    """functions: (label tex, callable float -> float); each sampled at `samples` points across x_range."""
    a, b = (float(v) for v in x_range)
    xs = [a + (b - a) * i / (samples - 1) for i in range(samples)]
    table = []
    for tex, fn in functions:
        ys = []
        for x in xs:
            try:
                y = float(fn(x))
            except (OverflowError, ValueError, ZeroDivisionError):
                y = float("nan")
            ys.append(y)
        table.append((tex, ys))
    finite = [y for _, ys in table for y in ys if math.isfinite(y)]
    lo_y, hi_y = (min(finite + [0.0]), max(finite + [0.0])) if finite else (-1.0, 1.0)
    pad = (hi_y - lo_y) * 0.1 or 1.0
    frame = Frame((a, b), (lo_y - pad, hi_y + pad), WIDTH, HEIGHT)
    colours = ["curve", "path", "black", "grey"]
    for k, (tex, ys) in enumerate(table):
        run = []
        for x, y in zip(xs, ys):
            if math.isfinite(y):
                run.append((x, y))
            elif len(run) > 1:
                frame.line(run, colours[k % 4], 1.2, dashed=k >= 4)
                run = []
        if len(run) > 1:
            frame.line(run, colours[k % 4], 1.2, dashed=k >= 4)
    if len(table) > 1:  # a legend in the top left corner: a stroke of each curve's colour and its name
        top = hi_y + pad
        for k, (tex, _) in enumerate(table):
            y = top - (hi_y - lo_y + 2 * pad) * (0.06 + 0.085 * k)
            x0, x1 = a + (b - a) * 0.03, a + (b - a) * 0.1
            frame.line([(x0, y), (x1, y)], colours[k % 4], 1.2, dashed=k >= 4)
            frame.text(x1 + (b - a) * 0.015, y, tex, "west", fill=True)
    return frame.finish(x_name, y_name, _ticks(a, b), _ticks(lo_y - pad, hi_y + pad))


def regions(cells, boundary, box, x_name: str = "x_{1}", y_name: str = "x_{2}", labels=None) -> Picture:
    """cells: (polygon [(x, y), ...], class 1 or 2) within box ((x0, x1), (y0, y1)); boundary: segments
    ((x, y), (x, y)). Class 1 shaded red, class 2 blue, the boundary a thick line; each class named once,
    in its largest region."""
    (a, b), (c, d) = [tuple(float(v) for v in r) for r in box]
    frame = Frame((a, b), (c, d), 6.5, 6.5 * (d - c) / (b - a) if b > a else 6.5)
    for poly, cls in cells:
        frame.polygon([(float(x), float(y)) for x, y in poly], "class1" if cls == 1 else "class2")
    for p, q in boundary:
        frame.line([(float(p[0]), float(p[1])), (float(q[0]), float(q[1]))], "boundary", 1.6)
    labels = labels or {1: r"\text{class 1}", 2: r"\text{class 2}"}
    for cls in (1, 2):
        mine = [poly for poly, k in cells if k == cls]
        if mine:
            big = max(mine, key=_area)
            cx, cy = _centroid(big)
            frame.text(cx, cy, labels[cls], "center", fill=True)
    return frame.finish(x_name, y_name, _ticks(a, b), _ticks(c, d))


def pieces(shapes, box, x_name: str = "x_{1}", y_name: str = "x_{2}", label=str) -> Picture:
    """The plane split into linear pieces: each polygon shaded (alternating), its formula written inside."""
    (a, b), (c, d) = [tuple(float(v) for v in r) for r in box]
    frame = Frame((a, b), (c, d), 6.5, 6.5 * (d - c) / (b - a) if b > a else 6.5)
    for k, (poly, formula) in enumerate(shapes):
        frame.polygon([(float(x), float(y)) for x, y in poly], "light" if k % 2 else "class2")
        for p, q in zip(poly, list(poly[1:]) + [poly[0]]):
            frame.line([(float(p[0]), float(p[1])), (float(q[0]), float(q[1]))], "grey", 0.4)
    for poly, formula in shapes:
        cx, cy = _centroid(poly)
        frame.text(cx, cy, label(formula), "center", fill=True)
    return frame.finish(x_name, y_name, _ticks(a, b), _ticks(c, d))


def contours(f, box, paths=(), levels: int = 9, grid: int = 60, x_name: str = "x", y_name: str = "y",
             marks=()) -> Picture:
    """Level curves of f (float, float -> float) over box, and each path (label tex, [(x, y), ...]) drawn as
    joined dots, its start labelled. Levels are spaced evenly in the square root of the range of f over the
    box, so that the curves near a minimum are not lost."""
    (a, b), (c, d) = [tuple(float(v) for v in r) for r in box]
    xs = [a + (b - a) * i / grid for i in range(grid + 1)]
    ys = [c + (d - c) * j / grid for j in range(grid + 1)]
    vals = [[_safe(f, x, y) for x in xs] for y in ys]
    finite = [v for row in vals for v in row if math.isfinite(v)]
    frame = Frame((a, b), (c, d), 7.0, 7.0 * (d - c) / (b - a) if b > a else 7.0)
    if finite:
        lo, hi = min(finite), max(finite)
        for k in range(1, levels + 1):
            level = lo + (hi - lo) * (k / (levels + 1)) ** 2
            for p, q in _marching(xs, ys, vals, level):
                frame.line([p, q], "grey", 0.5)
    colours = ["path", "curve", "black"]
    for k, (tex, pts) in enumerate(paths):
        inside = [(float(x), float(y)) for x, y in pts]
        clipped = [(min(max(x, a), b), min(max(y, c), d)) for x, y in inside]
        frame.line(clipped, colours[k % 3], 1.0)
        for x, y in clipped:
            frame.dot(x, y, colours[k % 3])
        if tex and clipped:  # named beside its last iterate, clear of the dot
            frame.text(clipped[-1][0], clipped[-1][1], tex, "west", fill=True, offset=(0.15, 0.0))
    if paths and paths[0][1]:
        x, y = (float(v) for v in paths[0][1][0])
        frame.text(x, y, r"\text{start}", "south east", fill=True, offset=(-0.1, 0.1))
    for x, y, tex in marks:  # stationary points: a hollow dot and what it is
        if a <= x <= b and c <= y <= d:
            frame.dot(x, y, "black", open_=True)
            frame.text(x, y, tex, "north west", fill=True, offset=(0.1, -0.12))
    return frame.finish(x_name, y_name, _ticks(a, b), _ticks(c, d))


def _safe(f, x, y) -> float:
    try:
        v = float(f(x, y))
    except (OverflowError, ValueError, ZeroDivisionError):
        return float("nan")
    return v


def _marching(xs, ys, vals, level):
    """The segments of one level curve over a grid (marching squares, the saddle cases split by the centre)."""
    out = []
    for j in range(len(ys) - 1):
        for i in range(len(xs) - 1):
            corners = [(xs[i], ys[j], vals[j][i]), (xs[i + 1], ys[j], vals[j][i + 1]),
                       (xs[i + 1], ys[j + 1], vals[j + 1][i + 1]), (xs[i], ys[j + 1], vals[j + 1][i])]
            if not all(math.isfinite(v) for _, _, v in corners):
                continue
            cuts = []
            for k in range(4):
                (x0, y0, v0), (x1, y1, v1) = corners[k], corners[(k + 1) % 4]
                if (v0 < level) != (v1 < level):
                    t = (level - v0) / (v1 - v0)
                    cuts.append((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t))
            if len(cuts) == 2:
                out.append((cuts[0], cuts[1]))
            elif len(cuts) == 4:
                centre = sum(v for _, _, v in corners) / 4
                if (centre < level) == (corners[0][2] < level):
                    out += [(cuts[0], cuts[1]), (cuts[2], cuts[3])]
                else:
                    out += [(cuts[0], cuts[3]), (cuts[1], cuts[2])]
    return out


def _area(poly) -> float:
    pts = [(float(x), float(y)) for x, y in poly]
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(pts, pts[1:] + pts[:1]))) / 2


def _centroid(poly) -> tuple[float, float]:
    pts = [(float(x), float(y)) for x, y in poly]
    return sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts)

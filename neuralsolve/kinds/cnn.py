"""The `cnn` kind: a convolutional network's output volumes, parameter counts and receptive fields, layer by layer."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import sympy

from ..errors import ProblemError
from ..expr import Where, suggest
from ..kind import AskType, Given, Kind, diagram_ask
from ..latex import tex_escape
from ..problem import Ask, Problem
from ..solution import Cell, Equation, Form, PartView, Step, Table, marks_text
from ..yamlio import Y

MAX_DIM = 100_000  # any width, height, depth, filter size, stride, padding, filter or unit count
MAX_LAYERS = 200
KEYS = {"conv": ("filters", "size", "stride", "padding", "bias"), "pool": ("size", "stride", "type"),
        "flatten": (), "dense": ("units", "bias")}
REQUIRED = {"conv": ("filters", "size"), "pool": ("size",), "flatten": (), "dense": ("units",)}
SHORTHAND = {  # the seed's notation: Conv4-5-Pvalid-S2 (5 filters of 4 x 4), Pool3, Pool2-S1, FC5
    "conv": re.compile(r"conv(?P<size>\d+)-(?P<filters>\d+)(?:-p(?P<padding>[a-z]+|\d+))?(?:-s(?P<stride>\d+))?", re.I),
    "pool": re.compile(r"(?P<type>max|avg)?pool(?P<size>\d+)(?:-s(?P<stride>\d+))?", re.I),
    "dense": re.compile(r"fc(?P<units>\d+)", re.I),
}
FORMS = {"conv": "ConvF-N-P<valid|same|number>-S<stride>, such as Conv4-5-Pvalid-S2",
         "pool": "PoolF or PoolF-S<stride>, such as Pool3 or Pool2-S1", "fc": "FCN, such as FC5"}


@dataclass(frozen=True)
class Layer:
    """One listed layer: F (size), S (stride), P (padding), N (a conv's filters or a dense layer's units)."""

    number: int
    type: str  # conv, pool, flatten, dense
    where: Where
    size: int = 1
    stride: int = 1
    padding: int = 0
    same: bool = False  # padding given as `same`: P = (F - 1)/2
    count: int = 0
    bias: bool = True
    average: bool = False

    @property
    def name(self) -> str:
        """The layer in the seed's shorthand, built from numbers (never author text, so safe in LaTeX)."""
        if self.type == "conv":
            return f"Conv{self.size}-{self.count}-P{'same' if self.same else self.padding or 'valid'}-S{self.stride}"
        if self.type == "pool":
            return "Avg" * self.average + f"Pool{self.size}" + f"-S{self.stride}" * (self.stride != self.size)
        return f"FC{self.count}" if self.type == "dense" else "Flatten"

    @property
    def label(self) -> str:
        return f"layer {self.number} ({self.name})"

    @property
    def window(self) -> bool:
        return self.type in ("conv", "pool")


@dataclass(frozen=True)
class CNN:
    input: tuple[int, int, int]  # width, height, depth
    layers: tuple[Layer, ...]

    def whole(self, number: int) -> bool:
        """Whether layer `number` sees the whole input (it is, or follows, a dense layer)."""
        return any(layer.type == "dense" for layer in self.layers[:number])


@dataclass(frozen=True)
class Computed:
    """Volumes (index 0 the input, L the output of layer L) and, per layer, parameters and receptive field."""

    problem: Problem
    shapes: tuple[tuple[int, int, int], ...]
    parameters: tuple[int, ...]
    fields: tuple  # R_L: an int, or (W_0, H_0) for the whole of a non-square input
    jumps: tuple[int, ...]  # index L: the product of the strides of layers 1..L (index 0: 1)


# -- load ----------------------------------------------------------------------------------------------------------
def _int(r, y: Y, label: str, what: str, lo: int = 1) -> int:
    v = y.value
    if not isinstance(v, sympy.Rational) or not v.is_integer or not lo <= v <= MAX_DIM:
        r.fail(y, f"{label}: {what} must be a whole number from {lo} to {MAX_DIM}")
    return int(v)


def _shorthand(r, y: Y, number: int, text: str) -> tuple[str, dict[str, Y]]:
    """A shorthand string as the mapping it stands for, each value located at the string."""
    for word, pattern in SHORTHAND.items():
        if m := pattern.fullmatch(text):
            fields = {k: Y(sympy.Integer(v) if v.isdigit() else v.lower(), y.line, y.col)
                      for k, v in m.groupdict().items() if v is not None}
            if "type" in fields:
                fields["type"] = Y({"avg": "average"}.get(fields["type"].value, "max"), y.line, y.col)
            return word, fields
    prefix = re.match(r"[a-z]*", text, re.I).group(0).lower()
    form = FORMS.get(prefix.removeprefix("max").removeprefix("avg"))
    if form:
        r.fail(y, f"layer {number}: cannot read {text!r}; write it as {form}")
    hint = suggest(prefix.capitalize(), ["Conv", "Pool", "FC", "Flatten"])
    r.fail(y, f"layer {number}: {text!r} is not a layer; {hint}"
              " (write Conv4-5-Pvalid-S2, Pool3, FC5, flatten, or a mapping such as conv: {filters: 5, size: 4})")


def _read_layer(r, y: Y, number: int) -> Layer:
    if isinstance(y.value, str):
        text = y.value.strip()
        word, fields = ("flatten", {}) if text.lower() == "flatten" else _shorthand(r, y, number, text)
        label = f"layer {number} ({text})"
    elif isinstance(y.value, dict) and len(y.value) == 1:
        ((word, arg),) = y.value.items()
        if word not in KEYS:
            r.fail(y, f"layer {number}: unknown layer type {word!r}; {suggest(word, list(KEYS))}", word)
        label = f"layer {number} ({word})"
        if word == "flatten" and arg.value not in (None, {}):
            r.fail(arg, f"{label} takes no settings; write it as the word flatten")
        fields = r.mapping(arg, label, KEYS[word]) if KEYS[word] else {}
    else:
        r.fail(y, f"layer {number} must be one mapping such as conv: {{filters: 5, size: 4}}, or a shorthand such "
                  f"as Conv4-5-Pvalid-S2, not a {y.kind}")
    for key in REQUIRED[word]:
        if key not in fields:
            r.fail(y, f"{label} needs a {key!r}")
    out = {"number": number, "type": word, "where": r.where(y)}
    if word in ("conv", "pool"):
        out["size"] = _int(r, fields["size"], label, "the size")
        default = out["size"] if word == "pool" else 1  # pooling windows do not overlap unless a stride says so
        out["stride"] = _int(r, fields["stride"], label, "the stride") if "stride" in fields else default
    if word in ("conv", "dense"):
        key = "filters" if word == "conv" else "units"
        out["count"] = _int(r, fields[key], label, f"the number of {key}")
    if "bias" in fields:
        if not isinstance(fields["bias"].value, bool):
            r.fail(fields["bias"], f"{label}: bias is true or false")
        out["bias"] = fields["bias"].value
    if "padding" in fields:
        py = fields["padding"]
        if isinstance(py.value, str) and py.value not in ("valid", "same"):
            r.fail(py, f"{label}: unknown padding {py.value!r}; {suggest(py.value, ['valid', 'same'])} "
                       "(or a whole number of pixels)")
        out["same"] = py.value == "same"
        out["padding"] = 0 if isinstance(py.value, str) else _int(r, py, label, "the padding", 0)
    if "type" in fields:
        t = r.text(fields["type"], f"{label} type")
        if t not in ("max", "average"):
            r.fail(fields["type"], f"{label}: unknown pooling type {t!r}; {suggest(t, ['max', 'average'])}")
        out["average"] = t == "average"
    layer = Layer(**out)
    if layer.same and layer.size % 2 == 0:
        r.fail(y, f"{layer.label}: padding same needs an odd filter size, since P = (F - 1)/2 = {layer.size - 1}/2 "
                  "is not a whole number; give the padding as a number of pixels")
    return replace(layer, padding=(layer.size - 1) // 2) if layer.same else layer


def lower(r, block: Y, notation: Y | None) -> CNN:
    """The `cnn:` block: the input volume and the layers, each checked to fit its input."""
    if notation is not None:
        r.fail(notation, "the cnn kind takes no notation")
    m = r.mapping(block, "cnn", ("input", "layers"), ("input", "layers"))
    dims = r.seq(m["input"], "the cnn input")
    if len(dims) != 3:
        r.fail(m["input"], "the cnn input is [width, height, depth], such as [64, 64, 1]")
    shape = tuple(_int(r, d, "the cnn input", "each dimension") for d in dims)
    items = r.seq(m["layers"], "the cnn layers")
    if not items:
        r.fail(m["layers"], "the cnn needs at least one layer, such as conv: {filters: 5, size: 3}")
    if len(items) > MAX_LAYERS:
        r.fail(items[MAX_LAYERS], f"at most {MAX_LAYERS} layers; split the network into smaller problems")
    model = CNN(shape, tuple(_read_layer(r, y, i) for i, y in enumerate(items, 1)))
    _volumes(model, {})  # a layer that does not fit its input is a located error now, not when solving
    return model


# -- compute -------------------------------------------------------------------------------------------------------
def _pinned(pins: dict, name: str, length: int = 0):
    """A student's value taken as given (check's errors carried forward), if it is positive whole numbers."""
    v = pins.get(name)
    items = list(v) if isinstance(v, (list, tuple)) else [v]
    ok = len(items) == (length or 1) and all(isinstance(x, sympy.Basic) and x.is_Integer and x > 0 for x in items)
    if not ok or bool(length) != isinstance(v, (list, tuple)):
        return None
    return tuple(map(int, items)) if length else int(v)


def _volumes(model: CNN, pins: dict) -> tuple[tuple[int, int, int], ...]:
    shapes = [model.input]
    for layer in model.layers:
        (w, h, d), F, P = shapes[-1], layer.size, layer.padding
        if layer.window and min(w, h) + 2 * P < F:
            what = "filter" if layer.type == "conv" else "pooling window"
            msg = (f"{layer.label}: the {F} × {F} {what} is larger than its padded input, {w + 2 * P} × {h + 2 * P} "
                   f"(input {w} × {h} × {d}, P = {P}); use a smaller {what} or more padding")
            raise ProblemError(msg, layer.where.file, layer.where.line, layer.where.col)
        if layer.window:
            out = ((w + 2 * P - F) // layer.stride + 1, (h + 2 * P - F) // layer.stride + 1,
                   layer.count if layer.type == "conv" else d)
        else:
            out = (1, 1, layer.count if layer.type == "dense" else w * h * d)
        shapes.append(_pinned(pins, f"shape_{layer.number}", 3) or out)
    return tuple(shapes)


def _count(layer: Layer, w: int, h: int, d: int) -> int:
    """The formula the steps show: D x F x F x N (+ N) for a conv, W x H x D x N (+ N) for a dense layer."""
    inputs = d * layer.size * layer.size if layer.type == "conv" else w * h * d
    return (inputs * layer.count + layer.count * layer.bias) if layer.type in ("conv", "dense") else 0


def compute(problem: Problem, pins: dict | None = None) -> Computed:
    """Every volume, parameter count and receptive field (`pins`: a student's values taken as given)."""
    pins, model = pins or {}, problem.model
    shapes = _volumes(model, pins)
    params = tuple(_pinned(pins, f"parameters_{layer.number}") or _count(layer, *shapes[layer.number - 1])
                   for layer in model.layers)
    fields, jumps = [], [1]
    w0, h0, _ = model.input
    for layer in model.layers:
        r = fields[-1] if fields else 1
        if model.whole(layer.number):  # a dense unit reads every input, and so does everything after it
            r = w0 if w0 == h0 else (w0, h0)
        elif layer.window:
            r = r + (layer.size - 1) * jumps[-1]
        fields.append(_pinned(pins, f"receptive_field_{layer.number}") or r)
        jumps.append(jumps[-1] * layer.stride)
    return Computed(problem, shapes, params, tuple(fields), tuple(jumps))


# -- answers -------------------------------------------------------------------------------------------------------
def _shape_answers(comp: Computed, ask=None) -> dict:
    return {f"shape_{L}": [sympy.Integer(n) for n in comp.shapes[L]] for L in range(1, len(comp.shapes))}


def _parameter_answers(comp: Computed, ask=None) -> dict:
    out = {f"parameters_{i}": sympy.Integer(p) for i, p in enumerate(comp.parameters, 1)}
    return out | {"parameters": sympy.Integer(sum(comp.parameters))}


def _field_answers(comp: Computed, ask=None) -> dict:
    return {f"receptive_field_{i}": [sympy.Integer(n) for n in r] if isinstance(r, tuple) else sympy.Integer(r)
            for i, r in enumerate(comp.fields, 1)}


# -- the worked steps ----------------------------------------------------------------------------------------------
_TEXT = ((r"\\left\\lfloor \\frac\{(.*?)\}\{(.*?)\} \\right\\rfloor", r"⌊(\1)/\2⌋"), (r"\(([0-9]+)\)/", r"\1/"),
         (r"\\prod_\{i=1\}\^\{(.*?)\} s_\{i\}", r"(s_1 × ... × s_{\1})"), (r"_\{(\w+)\}", r"_\1"),
         (r"_\{([^{}]+)\}", r"_(\1)"), (r"\\mathrm\{(\w+)\}", r"\1"), (r" ?\\times ?", " × "))


def _text(tex: str) -> str:
    """The terminal's spelling of a formula this module wrote in LaTeX (only the few commands it uses)."""
    for pattern, repl in _TEXT:
        tex = re.sub(pattern, repl, tex)
    return tex


def _eq(lhs: str, *forms) -> Equation:
    return Equation(lhs, _text(lhs), tuple(Form("=", str(f), _text(str(f))) for f in forms))


def _x(*numbers) -> str:
    return r" \times ".join(map(str, numbers))


_SYMBOL = r"\b[A-Za-z]_(?:\d+|[a-z])\b"


def _say(text: str) -> tuple[str, str]:
    """Prose and its LaTeX, symbols such as N_1 or R_l set as math."""
    bits = re.split(rf"({_SYMBOL}(?: [-=] (?:{_SYMBOL}|\d+\b|\([^()]*\)/\d+))*)", text)  # N_1 = 5, k_l - 1
    tex = (tex_escape(b) if i % 2 == 0 else f"${re.sub(_SYMBOL, _subscript, b)}$" for i, b in enumerate(bits))
    return text, "".join(tex)


def _subscript(m: re.Match) -> str:
    return f"{m[0][0]}_{{{m[0][2:]}}}"


def _step(quantity: str, prose: str, *equations: Equation) -> Step:
    text, tex = _say(prose)
    return Step(quantity, text, equations, tex)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + "s" * (n != 1)


class CNNView:
    """Each part's blocks, spelled out from the computation (no arithmetic beyond what it shows)."""

    def __init__(self, problem: Problem, comp: Computed, answers):
        self.problem, self.comp, self.answers = problem, comp, answers
        self.layers, self.words = problem.model.layers, set()

    def parts(self) -> tuple[PartView, ...]:
        return tuple(self.part(p, asked) for p, asked in zip(self.problem.parts, self.answers.asked))

    def part(self, part, asked) -> PartView:
        self.words, blocks = {a.what for a in part.asks}, []
        tabled = [i for i, a in enumerate(part.asks) if a.what in ("shapes", "parameter_count")][-1:]
        for i, ask in enumerate(part.asks):
            blocks += ASKS[ask.what].steps(self, ask) + [self.summary()] * (i in tabled)  # one table, as the seed's
        return PartView(part.label, marks_text(part.marks), part.question, part.answer, tuple(blocks), asked)

    def window_equations(self, layer: Layer) -> list[Equation]:
        """W_L = floor((W_{L-1} - F + 2P)/S) + 1 with the numbers (one line for both sides of a square input)."""
        (w, h, d), (w2, h2, d2) = self.comp.shapes[layer.number - 1:layer.number + 1]
        L, F, S, P = layer.number, layer.size, layer.stride, layer.padding
        pad, num = (f" + 2P_{{{L}}}", rf" + 2 \times {P}") if layer.type == "conv" else ("", "")
        out = []
        for axis, n, got in (("W", w, w2), ("H", h, h2))[:1 + (w != h)]:
            floor = [rf"\left\lfloor \frac{{{n + 2 * P - F}}}{{{S}}} \right\rfloor + 1"] * ((n + 2 * P - F) % S != 0)
            out.append(_eq(f"{axis}_{{{L}}}" + f" = H_{{{L}}}" * (w == h),
                           rf"\left\lfloor \frac{{{axis}_{{{L - 1}}} - F_{{{L}}}{pad}}}{{S_{{{L}}}}} \right\rfloor + 1",
                           rf"\left\lfloor \frac{{{n} - {F}{num}}}{{{S}}} \right\rfloor + 1", *floor, got))
        depth = f"N_{{{L}}}" if layer.type == "conv" else f"D_{{{L - 1}}}"
        return out + [_eq(f"D_{{{L}}}", depth, d2)]

    def shape_steps(self, ask) -> list[Step]:
        out = []
        for layer in self.layers:
            L, (w, h, d) = layer.number, self.comp.shapes[layer.number - 1]
            F, S, P = layer.size, layer.stride, layer.padding
            head = f"Layer {L}, {layer.name}"
            if layer.type == "conv":
                pad = f"P_{L} = (F_{L} - 1)/2 = {P} (same)" if layer.same else f"P_{L} = {P}" + " (valid)" * (P == 0)
                prose = f"{head}: N_{L} = {_plural(layer.count, 'filter')} of size F_{L} = {F}, stride S_{L} = {S}, " \
                        f"padding {pad}."
            elif layer.type == "pool":
                prose = (f"{head}: {'average' if layer.average else 'max'} pooling over windows of size F_{L} = {F}, "
                         f"stride S_{L} = {S}, no padding; the depth is kept.")
            elif layer.type == "dense":
                prose = f"{head}: a fully connected layer of N_{L} = {layer.count} units gives one number per unit."
            else:
                prose = f"{head}: flattening lays the whole volume out as one column of numbers."
            eqs = self.window_equations(layer) if layer.window else [_eq(f"W_{{{L}}} = H_{{{L}}}", 1)]
            if layer.type == "dense":
                eqs.append(_eq(f"D_{{{L}}}", f"N_{{{L}}}", layer.count))
            elif layer.type == "flatten":
                eqs.append(_eq(f"D_{{{L}}}", rf"W_{{{L - 1}}} \times H_{{{L - 1}}} \times D_{{{L - 1}}}", _x(w, h, d),
                               w * h * d))
            if "parameter_count" in self.words:  # both asked: each layer's count under its volume, as the seed does
                eqs.append(self.parameter_equation(layer))
            out.append(_step(f"shape_{L}", prose, *eqs))
        return out

    def parameter_equation(self, layer: Layer) -> Equation:
        L, (w, h, d), N = layer.number, self.comp.shapes[layer.number - 1], layer.count
        bias = (f" + N_{{{L}}}", f" + {N}") if layer.bias else ("", "")
        if layer.type == "conv":
            g = rf"D_{{{L - 1}}} \times F_{{{L}}} \times F_{{{L}}} \times N_{{{L}}}"
            n = _x(d, layer.size, layer.size, N)
        elif layer.type == "dense" and (w, h) == (1, 1):
            g, n = rf"D_{{{L - 1}}} \times N_{{{L}}}", _x(d, N)
        elif layer.type == "dense":
            g, n = rf"W_{{{L - 1}}} \times H_{{{L - 1}}} \times D_{{{L - 1}}} \times N_{{{L}}}", _x(w, h, d, N)
        else:
            return _eq(rf"\mathrm{{params}}_{{{L}}}", 0)
        return _eq(rf"\mathrm{{params}}_{{{L}}}", g + bias[0], n + bias[1], self.comp.parameters[L - 1])

    def parameter_steps(self, ask) -> list[Step]:
        out = []
        for layer in self.layers if "shapes" not in self.words else ():
            what = {"conv": "a weight per input channel and position in each filter, and a bias per filter",
                    "dense": "a weight per input number for each unit, and a bias per unit",
                    "pool": "pooling learns nothing", "flatten": "flattening learns nothing"}[layer.type]
            what = what if layer.bias else what.split(", and")[0] + " (no biases)"
            volume = " × ".join(map(str, self.comp.shapes[layer.number - 1]))
            out.append(_step(f"parameters_{layer.number}", f"Layer {layer.number}, {layer.name} (input {volume}): "
                             f"{what}.", self.parameter_equation(layer)))
        terms = [str(p) for p in self.comp.parameters if p] or ["0"]
        sums = [" + ".join(terms)] * (1 < len(terms) <= 12)  # a longer sum would run off the page
        return out + [_step("parameters", "The total adds up every layer (pooling and flattening layers add none):",
                            _eq(r"\mathrm{params}", *sums, sum(self.comp.parameters)))]

    def summary(self) -> Table:
        shapes, params = "shapes" in self.words, "parameter_count" in self.words
        header = ["L", "Layer"] + ["Output volume"] * shapes + ["Parameters"] * params
        vol = [Cell(_text(_x(*v)), _x(*v)) for v in self.comp.shapes]
        rows = [[Cell("0"), Cell("Input")] + [vol[0]] * shapes + [Cell("")] * params]
        for layer in self.layers:
            rows.append([Cell(str(layer.number)), Cell(layer.name)] + [vol[layer.number]] * shapes
                        + [Cell.of(self.comp.parameters[layer.number - 1])] * params)
        if params:
            rows.append([Cell(""), Cell("Total")] + [Cell("")] * shapes + [Cell.of(sum(self.comp.parameters))])
        return Table(tuple(map(Cell, header)), tuple(map(tuple, rows)), "In summary:")

    def field_steps(self, ask) -> list:
        intro = ("The receptive field R_l is the side of the input region that one unit of a layer depends on. It "
                 "starts at one pixel, R_0 = 1, and each convolution or pooling layer, with window k_l and stride s_l, "
                 "widens it by k_l - 1 steps of its input, each step as wide as the product of the earlier strides:")
        steps = [[intro, _eq("R_{l}", r"R_{l-1} + (k_{l} - 1) \times \prod_{i=1}^{l-1} s_{i}")]]
        rows = []
        w0, h0, _ = self.problem.model.input
        for layer in self.layers:
            L, r = layer.number, self.comp.fields[layer.number - 1]
            prev = self.comp.fields[L - 2] if L > 1 else 1
            if self.problem.model.whole(L):
                steps.append([f"Layer {L}, {layer.name}: {'it is' if layer.type == 'dense' else 'it follows'} a fully "
                              f"connected layer, whose units read every input: the whole {w0} × {h0} input.",
                              _eq(f"R_{{{L}}}", r"W_{0} \times H_{0}", _x(w0, h0)) if w0 != h0
                              else _eq(f"R_{{{L}}}", "W_{0}", w0)])
            elif layer.type == "flatten":
                steps.append([f"Layer {L}, {layer.name}: flattening moves units without mixing them.",
                              _eq(f"R_{{{L}}}", f"R_{{{L - 1}}}", r)])
            else:  # the earlier strides written out, or as a product once there are many
                few = L <= 5
                rule = (r" \times ".join(f"s_{{{i}}}" for i in range(1, L)) if few
                        else rf"\prod_{{i=1}}^{{{L - 1}}} s_{{i}}")
                nums = _x(*(lay.stride for lay in self.layers[:L - 1])) if few else self.comp.jumps[L - 1]
                rule, nums = (rf" \times {rule}", rf" \times {nums}") if L > 1 else ("", "")
                steps[-1].append(_eq(f"R_{{{L}}}", f"R_{{{L - 1}}} + (k_{{{L}}} - 1){rule}",
                                     f"{prev} + ({layer.size} - 1){nums}", r))
            side = _x(*r) if isinstance(r, tuple) else _x(r, r)
            rows.append((Cell(str(L)), Cell(layer.name), Cell(_text(side), side)))
        out = [_step(f"receptive_field_{i}", prose, *eqs) for i, (prose, *eqs) in enumerate(steps)]
        return out + [Table((Cell("L"), Cell("Layer"), Cell("Receptive field")), tuple(rows), "In summary:")]


def _ask(word: str, sentence: str, answers, steps) -> AskType:
    """An ask written as a bare word, with its question-sheet sentence."""
    def read(r, y, arg, model) -> Ask:
        if arg is not None:
            r.fail(y, f"{word} takes no arguments; write it as the word {word}")
        return Ask(word)

    return AskType(word, read, lambda problem, ask: (sentence, tex_escape(sentence)), answers, steps)


ASKS = {e.word: e for e in (
    _ask("shapes", "For each layer, give the output volume (width × height × depth), showing the formula with the "
                   "numbers.", _shape_answers, CNNView.shape_steps),
    _ask("parameter_count", "For each layer, give the number of trainable parameters (weights and biases), and the "
                            "total.", _parameter_answers, CNNView.parameter_steps),
    _ask("receptive_field", "For each layer, give the receptive field of one of its units: the side of the input "
                            "region it depends on.", _field_answers, CNNView.field_steps),
    diagram_ask(),
)}


def _describe(layer: Layer) -> str:
    """A layer in words, for the question sheet."""
    F, no_bias = f"{layer.size} × {layer.size}", ", no biases" * (not layer.bias)
    if layer.type == "conv":
        pad = "same padding" if layer.same else f"padding {layer.padding}" if layer.padding else "valid (no) padding"
        return f"{_plural(layer.count, 'filter')} of {F}, stride {layer.stride}, {pad}{no_bias}"
    if layer.type == "pool":
        return f"{'average' if layer.average else 'max'} pooling over {F} windows, stride {layer.stride}"
    return f"fully connected, {_plural(layer.count, 'unit')}{no_bias}" if layer.type == "dense" else \
        "flattens its input volume into one vector"


class CNNKind(Kind):
    """Convolutional networks: shape arithmetic, parameter counts and receptive fields, worked per layer."""

    name = "cnn"
    asks = ASKS

    def diagram(self, problem: Problem, of: str | None = None):
        from ..diagrams import cnn

        return ("the network's layers and volumes", "the network's layers and volumes",
                lambda: cnn(problem.model, self.compute(problem).shapes),
                "each volume as width × height × depth, each arrow a layer")

    def lower(self, r, block, notation):
        return lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return tuple(Ask(word) for word in ASKS if word != "diagram")  # answers, not a drawing nobody asked for

    def answer_names(self, problem: Problem) -> set[str]:
        layers = range(1, len(problem.model.layers) + 1)
        return {f"{q}_{L}" for q in ("shape", "parameters", "receptive_field") for L in layers} | {"parameters"}

    def compute(self, problem: Problem, pins=None) -> Computed:
        return compute(problem, pins)

    def extra_answers(self, comp: Computed) -> dict:
        return _shape_answers(comp) | _parameter_answers(comp) | _field_answers(comp)

    def view(self, problem: Problem, comp: Computed, answers):
        layers, words = problem.model.layers, {a.what for a in problem.asks}
        notes = []
        if words & {"shapes", "parameter_count"}:
            notes.append("Volumes are width × height × depth; volume 0 is the input, volume L the output of layer L.")
        if any(layer.same for layer in layers):
            notes.append("Padding 'same' adds P = (F - 1)/2 pixels on each side, so a stride-1 layer keeps the width.")
        if "receptive_field" in words:
            notes.append("Receptive fields count padding as input, so they may be wider than the image.")
            if any(not layer.window for layer in layers):
                notes.append("A fully connected layer, and every layer after it, sees the whole input; flattening "
                             "only reorders units and keeps the receptive field.")
        return CNNView(problem, comp, answers).parts(), tuple(notes)

    def given(self, problem: Problem) -> Given:
        m = problem.model
        volume = _eq(r"W_{0} \times H_{0} \times D_{0}", _x(*m.input))
        rows = tuple((Cell(str(layer.number)), Cell(layer.name), Cell(_describe(layer))) for layer in m.layers)
        lead = "Consider the convolutional network below: the input volume (width × height × depth), then its layers."
        table = Table((Cell("L"), Cell("Layer"), Cell("Description")), rows)
        return Given(lead, tex_escape(lead), ((volume,),), (table,))

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        return verify(problem, answers.values)

    def working_order(self, problem: Problem, name: str) -> tuple:
        """Layer by layer: a layer's volume, then its parameters, then its receptive field; the total last."""
        kind, _, number = name.rpartition("_")
        order = {"shape": 0, "parameters": 1, "receptive_field": 2}
        return (int(number), order[kind]) if kind in order and number.isdigit() else (len(problem.model.layers) + 1, 0)


def verify(problem: Problem, values: dict) -> tuple[bool, str]:
    """Recompute every answer another way: count window positions, multiply weight shapes, trace input intervals."""
    m, truth, shape = problem.model, {}, problem.model.input
    for layer in m.layers:
        (w, h, d), L = shape, layer.number
        if layer.window:  # window starts i with i*S + F <= W + 2P, enumerated by range: no floor formula
            w2, h2 = (len(range(0, n + 2 * layer.padding - layer.size + 1, layer.stride)) for n in (w, h))
            shape = (w2, h2, layer.count if layer.type == "conv" else d)
        else:
            shape = (1, 1, layer.count if layer.type == "dense" else w * h * d)
        kernel = (layer.count, d, layer.size, layer.size) if layer.type == "conv" else (layer.count, w * h * d)
        tensors = [kernel] + [(layer.count,)] * layer.bias if layer.type in ("conv", "dense") else []
        truth |= {f"shape_{L}": list(shape), f"parameters_{L}": sum(math.prod(t) for t in tensors),
                  f"receptive_field_{L}": _interval(m, L)}
    truth["parameters"] = sum(truth[f"parameters_{layer.number}"] for layer in m.layers)
    plain = {n: [int(x) for x in v] if isinstance(v, (list, tuple)) else int(v)
             for n, v in values.items() if n in truth}
    bad = [n for n, v in plain.items() if v != truth[n]]
    if bad:
        return False, f"Verification FAILED for {', '.join(bad)}: recomputed another way, they differ."
    return True, (f"Verified: all {len(plain)} answers agree with a recount (window positions counted, weight shapes "
                  "multiplied out, receptive fields traced back as intervals of input positions).")


def _interval(m: CNN, L: int):
    """The width of the input positions one unit of layer L reads, walking its index interval back to the input."""
    if m.whole(L):
        return m.input[0] if m.input[0] == m.input[1] else list(m.input[:2])
    lo = hi = 0
    for layer in reversed(m.layers[:L]):
        if layer.window:  # outputs lo..hi read inputs lo*S - P .. hi*S - P + F - 1
            lo, hi = lo * layer.stride - layer.padding, hi * layer.stride - layer.padding + layer.size - 1
    return hi - lo + 1


KIND = CNNKind()

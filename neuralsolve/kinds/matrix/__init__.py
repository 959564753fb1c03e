"""The `matrix` kind: matrix calculus with declared shapes, on the kind's own matrix algebra.

Its algebra (`ir`, `calculus`) is its own because SymPy's matrix expressions drop
log-det and trace terms and cannot keep named intermediates.
"""

from __future__ import annotations

from ...kind import AskType, Given, Kind, diagram_ask
from ...problem import Ask, Problem
from ...solution import Equation, Form
from ..graph.asks import read_backward
from . import ir
from .lower import lower as _lower
from .view import GradientsOf, MatrixComputation, MatrixView, compute, gradient_value, loss_and_targets, matrix_string
from .view import needed_for, stored_reads, sub_losses
from .view import sympy_text


# -- reading ---------------------------------------------------------------
def _read_gradients(r, y, arg, model) -> Ask:
    if arg is None or (isinstance(arg.value, str) and arg.value == "all"):
        return Ask("gradients", None)
    of = model.output
    if isinstance(arg.value, dict):  # gradients: {of: L1, with_respect_to: [X]}: a named term of the loss
        m = r.mapping(arg, "gradients", ("of", "with_respect_to"), ("of", "with_respect_to"))
        of = r.text(m["of"], "the quantity to differentiate")
        if of not in model.equations:
            from ...expr import suggest

            r.fail(m["of"], f"no equation named {of!r}; {suggest(of, list(model.equations))}")
        if model.shapes[of] != ir.ONE:
            r.fail(m["of"], f"{of} is {ir.shape_text(model.shapes[of])}; gradients need a scalar (1 x 1)")
        arg = m["with_respect_to"]
    out: list[str] = []
    for item in arg.value if isinstance(arg.value, list) else [arg]:
        name = r.text(item, "a gradient's quantity")
        if not model.has(name):
            from ...expr import suggest

            r.fail(item, f"no quantity named {name!r}; {suggest(name, list(model.shapes))}")
        if name == of:
            r.fail(item, f"{name!r} is the {'loss' if of == model.output else 'quantity differentiated'} itself; "
                         "ask for the gradient of another quantity")
        if name not in out:
            out.append(name)
    return Ask("gradients", tuple(out) if of == model.output else GradientsOf(of, tuple(out)))


def _read_forward(r, y, arg, model) -> Ask:
    if arg is not None:
        r.fail(y, "forward takes no arguments in a matrix problem")
    return Ask("forward")


def _read_stored(r, y, arg, model) -> Ask:
    if arg is None:
        r.fail(y, "stored_for_backward needs bytes_per_number, as in stored_for_backward: {bytes_per_number: 4}")
    m = r.mapping(arg, "stored_for_backward", ("bytes_per_number",), ("bytes_per_number",))
    return Ask("stored_for_backward", r.integer(m["bytes_per_number"], "bytes_per_number", 1, 64))


# -- answers ---------------------------------------------------------------
def _forward_answers(comp: MatrixComputation, ask: Ask) -> dict:
    from .view import matrix_value

    return {n: matrix_value(comp.numeric[n]) for n in comp.model.equations if n in comp.numeric}


def _gradient_answers(comp: MatrixComputation, ask: Ask) -> dict:
    loss, targets = loss_and_targets(comp.model, ask)
    terms = sub_losses(comp.model) if loss == comp.model.output else ()
    names = [n for n in needed_for(comp, targets, loss) if n in comp.model.shapes and n not in terms]  # not K^-1
    if loss == comp.model.output:
        names += [n for n in targets if n not in names and n in comp.numeric_grads]  # dl/da through softmax-CE
    out = {f"d{loss}/d{n}": gradient_value(comp, n, loss) for n in names}
    return {k: v for k, v in out.items() if v is not None}


def _gradient_asked(comp: MatrixComputation, ask: Ask) -> list[str]:
    loss, targets = loss_and_targets(comp.model, ask)
    grads = comp.by_loss[loss]
    return [f"d{loss}/d{t}" for t in targets
            if t in grads or (loss == comp.model.output and t in comp.numeric_grads)]


def _stored_answers(comp: MatrixComputation, ask: Ask) -> dict:
    return {"stored_for_backward": stored_reads(comp, ask)[2]}


def _layout_note(problem: Problem, answers) -> tuple[str, ...]:
    """One note on the layout, only where it matters: some answer is a gradient with respect to a matrix."""
    g = problem.model
    wrt = [k.split("/d", 1)[1] for names in answers.asked for k in names if k.startswith("d") and "/d" in k]
    if not any(1 not in g.shapes.get(n, ir.ONE) for n in wrt):
        return ()
    return ("A gradient with respect to a matrix is in denominator layout (its entry (i, j) is the derivative with "
            "respect to the matrix's entry (i, j)), so an answer in numerator layout is its transpose.",)


# -- sentences ---------------------------------------------------------------
def _forward_sentence(problem, ask):
    s = "Compute every quantity the equations define, with the values given."
    return s, s


def _gradient_sentence(problem, ask):
    g = problem.model
    loss, names = loss_and_targets(g, ask)
    loss_tex = g.tex.get(loss, loss)
    text = ", ".join(f"∂{loss}/∂{n}" for n in names)
    tex = ", ".join(rf"$\frac{{\partial {loss_tex}}}{{\partial {g.tex.get(n, n)}}}$" for n in names)
    return f"Derive {text} in matrix form, showing each step.", f"Derive {tex} in matrix form, showing each step."


def _stored_sentence(problem, ask):
    s = (f"How many bytes must the forward pass keep for the backward pass, at {ask.arg} bytes per number? "
         "Explain which quantities are stored.")
    return s, s


# fmt: off
ASKS = {e.word: e for e in (
    AskType("forward",   _read_forward,    _forward_sentence,  _forward_answers,  lambda v, a: v.forward(a)),
    AskType("gradients", _read_gradients,  _gradient_sentence, _gradient_answers, lambda v, a: v.backward(a),
            asked=_gradient_asked),
    AskType("backward",  read_backward,    _gradient_sentence, _gradient_answers, lambda v, a: v.backward(a),
            asked=_gradient_asked),
    AskType("stored_for_backward", _read_stored, _stored_sentence, _stored_answers, lambda v, a: v.stored(a)),
    diagram_ask(of=lambda model: set(model.equations)),
)}
# fmt: on


class MatrixKind(Kind):
    """Equations over matrices: reverse mode in closed form, a numeric instance when values are given."""

    name = "matrix"
    asks = ASKS

    def diagram(self, problem: Problem, of: str | None = None):
        from ...diagrams import matrix
        from ...notation import name_tex

        out = of or problem.model.output
        name = problem.model.tex.get(out) or name_tex(out)
        return (f"the computational graph of {out}", f"the computational graph of ${name}$", lambda: matrix(problem.model, of),
                "a rounded box per operation, a circle per named quantity, the parameters in shaded squares")

    def lower(self, r, block, notation):
        return _lower(r, block, notation)

    def default_asks(self, model) -> tuple[Ask, ...]:
        return ((Ask("forward"),) if model.values else ()) + (Ask("gradients", None),)

    def answer_names(self, problem: Problem) -> set[str]:
        g = problem.model
        losses = [n for n in g.equations if g.shapes[n] == ir.ONE]
        return set(g.equations) | {f"d{loss}/d{n}" for loss in losses for n in g.shapes} | {"stored_for_backward"}

    def compute(self, problem: Problem, pins=None) -> MatrixComputation:
        return compute(problem)

    def extra_answers(self, comp: MatrixComputation) -> dict:
        return _forward_answers(comp, Ask("forward"))

    def answer_string(self, value) -> str:
        return sympy_text(value) if isinstance(value, ir.E) else matrix_string(value)

    def view(self, problem: Problem, comp: MatrixComputation, answers):
        return MatrixView(problem, comp, answers).parts(), _layout_note(problem, answers)

    def given(self, problem: Problem) -> Given:
        g = problem.model
        names = {n: g.tex.get(n, n) for n in g.shapes}
        rows = []
        shapes = [Equation(rf"{names[n]} \in \mathbb{{R}}^{{{ir.shape_tex(g.shapes[n])}}}",
                           f"{n} ∈ R^({ir.shape_text(g.shapes[n])})", ()) for n in g.inputs]
        rows += [tuple(shapes[i:i + 3]) for i in range(0, len(shapes), 3)]
        rows += [(Equation(names[n], n, (Form("=", ir.tex(e, names), ir.text(e)),)),) for n, e in g.equations.items()]
        if g.values:  # a numeric instance: its numbers too, or 'with the values given' has nothing to point at
            from .values import tex_value, text_value

            given = [Equation(names.get(n, n), n, (Form("=", tex_value(v, problem.precision),
                                                         text_value(v, problem.precision)),))
                     for n, v in g.values.items()]
            rows += [tuple(given[i:i + 3]) for i in range(0, len(given), 3)]
        lead = "Consider the matrices and vectors below, with the shapes given, and the equations that define the loss."
        return Given(lead, lead, tuple(rows))

    def math_names(self, problem: Problem) -> dict[str, str]:
        g = problem.model  # matrices and vectors bold, as in the working
        return {n: g.tex.get(n) or ir.bold_name(n, shape, {}) for n, shape in g.shapes.items()} | dict(g.tex)

    def sheet_notes(self, problem: Problem) -> tuple[str, ...]:
        return ("Give every gradient in the shape of what it is taken with respect to.",)

    def mistakes(self, problem: Problem):
        from .mistakes import mistakes

        return mistakes(problem)

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        from .verify import verify as verify_matrix

        g = problem.model
        checks = []
        for loss in [n for n in g.equations if g.shapes[n] == ir.ONE and n != g.output] + [g.output]:
            names = [k.split("/d", 1)[1] for k in answers.values if k.startswith(f"d{loss}/d")]
            names = [n for n in names if n in g.shapes and n not in g.equations]
            if names or loss == g.output:
                checks += verify_matrix(g, names or None, loss=loss)
        ok = all(c.ok for c in checks)
        sizes = checks[0].sizes if checks else ""
        listed = ", ".join(f"∂{c.loss}/∂{c.name}" + ("" if c.ok else " (DISAGREES)") for c in checks)
        verb = ("agrees" if len(checks) == 1 else "agree") if ok else "do not all agree"
        return ok, (f"Verified numerically: {listed} {verb} with element-wise "
                    f"differentiation at a random exact instance ({sizes}).")

    def working_order(self, problem: Problem, name: str) -> tuple:
        g = problem.model
        order = list(g.equations)
        if name in order:
            return (1, order.index(name))
        loss = name[1:].split("/d", 1)[0] if name.startswith("d") and "/d" in name else None
        base = name.split("/d", 1)[1] if loss in g.equations else None
        if base in order:
            return (2, -order.index(base))
        return (2, 0) if base else (3, 0)

    def read_answer(self, text: str):
        """A `Matrix([[...], ...])` answer (as the JSON contract spells it), entries read by the whitelist parser."""
        from .answers import read_matrix

        return read_matrix(text)


KIND = MatrixKind()

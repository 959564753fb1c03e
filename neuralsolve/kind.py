"""The kind interface: what every problem kind implements, and its table of asks.

A kind is one module (or package) under `neuralsolve/kinds/` with one `Kind`
subclass, registered by one line in `kinds/__init__.py`. The shared stages
(load, answers, view, exams, check, verify) only ever call these methods; they
never ask which kind they hold.

    load     Kind.lower(reader, block, notation) -> model      (validation, located errors)
             Kind.asks[word].read(...)           -> Ask         (each part's asks)
    compute  Kind.compute(problem, pins)         -> computation (a kind's own frozen data)
    answers  Kind.asks[word].answers(comp, ask)  -> {name: value}, plus Kind.extra_answers(comp)
    view     Kind.view(problem, comp, answers)   -> parts (blocks) and notes
    sheet    Kind.given(problem) and Kind.asks[word].sentence(problem, ask)
    verify   Kind.verify(problem, answers)       -> (ok, note)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from .expr import entries, suggest
from .problem import Ask, Problem
from .reader import Reader
from .yamlio import Y


@dataclass(frozen=True)
class AskType:
    """One entry of a kind's ask table: how the ask is read, stated, answered and worked.

    read(r, y, arg, model) -> Ask      y is the ask as written; arg its argument (None for the bare word)
    sentence(problem, ask) -> (text, LaTeX)   the question sheet's sentence
    answers(comp, ask) -> {name: value}       what the ask answers, from the computation alone
    asked(comp, ask) -> [name, ...]           the answers its marks are for (default: every answer)
    steps(view, ask) -> [block, ...]          the worked steps, built by the kind's view object
    """

    word: str
    read: Callable[[Reader, Y, Y | None, Any], Ask]
    sentence: Callable[[Problem, Ask], tuple[str, str]]
    answers: Callable[[Any, Ask], dict[str, Any]]
    steps: Callable[[Any, Ask], list]
    asked: Callable[[Any, Ask], list[str]] | None = None
    needs_loss: bool = False  # refused, with a located error, by a problem without a loss


def read_word(word: str):
    """An ask reader for an ask written as a bare word only (forward, loss, gradient, ...)."""

    def read(r, y, arg, model) -> Ask:
        if arg is not None:
            r.fail(y, f"{word} takes no arguments; write it as the word {word}")
        return Ask(word)

    return read


def diagram_ask(of: Callable[[Any], set[str]] | None = None) -> AskType:
    """The `diagram` ask of a kind with a structure: a figure drawn from the problem's own graph (Kind.diagram).
    `of(model)`, for a kind that can draw part of its graph, gives the names `diagram: {of: NAME}` may take.

    It answers no quantity: its marks are for the drawing, which check leaves to the marker."""

    def read(r: Reader, y: Y, arg: Y | None, model) -> Ask:
        if arg is None:
            return Ask("diagram")
        if of is None:
            r.fail(arg, "diagram takes no arguments here: it draws the whole structure; write it as the word diagram")
        m = r.mapping(arg, "diagram", ("of",), ("of",))
        name = r.text(m["of"], "diagram of")
        known = of(model)
        if name not in known:
            r.fail(m["of"], f"no quantity named {name!r} to draw the graph of; {suggest(name, sorted(known))}")
        return Ask("diagram", name)

    return AskType("diagram", read, _diagram_sentence, lambda comp, ask: {}, _diagram_steps,
                   asked=lambda comp, ask: [])


def _diagram_sentence(problem: Problem, ask: Ask) -> tuple[str, str]:
    what, what_tex, _, _ = problem.kind.diagram(problem, ask.arg)
    return f"Draw {what}.", f"Draw {what_tex}."


def _diagram_steps(view, ask: Ask) -> list:
    from .diagrams import TooLarge
    from .errors import ProblemError
    from .latex import tex_escape
    from .picture import figure

    try:
        what, what_tex, draw, legend = view.problem.kind.diagram(view.problem, ask.arg)
        pic = draw()
    except TooLarge as exc:
        raise ProblemError(f"diagram: {exc}", ask.where.file, ask.where.line, ask.where.col) from None
    cap = what[0].upper() + what[1:] + (f": {legend}" if legend else "") + "."
    cap_tex = what_tex[0].upper() + what_tex[1:] + (f": {tex_escape(legend)}" if legend else "") + "."
    return [figure(pic, "diagram", cap, cap_tex)]


@dataclass(frozen=True)
class Given:
    """What a question sheet states of a problem: a lead sentence, rows of equations, further blocks."""

    lead: str
    lead_tex: str
    rows: tuple = ()  # each row a tuple of Equations printed side by side
    blocks: tuple = ()  # tables or figures after the rows


class Kind:
    """The interface every kind implements (a subclass per kind, one instance in the registry)."""

    name: str = ""
    asks: dict[str, AskType] = {}

    # -- load ------------------------------------------------------------
    def lower(self, r: Reader, block: Y, notation: Y | None) -> Any:
        """Validate the kind's block and lower it to the kind's model."""
        raise NotImplementedError

    def default_asks(self, model) -> tuple[Ask, ...]:
        """What a problem with no parts answers: everything the kind can."""
        raise NotImplementedError

    def has_loss(self, model) -> bool:
        """Whether asks that need a loss (gradients, update, ...) make sense for this model."""
        return True

    def read_ask(self, r: Reader, y: Y, model) -> Ask:
        """One ask of a part, read through the kind's ask table."""
        where = r.where(y)
        if isinstance(y.value, str):
            word, arg = y.value, None
        elif isinstance(y.value, dict):
            if len(y.value) != 1:
                r.fail(y, "an ask mapping has one key, such as gradients: [w2_1_1]")
            ((word, arg),) = y.value.items()
        else:
            r.fail(y, f"an ask must be a word such as forward or a mapping such as gradients: [...], not a {y.kind}")
        entry = self.asks.get(word)
        if entry is None:
            r.fail(y, f"unknown ask {word!r}; {suggest(word, list(self.asks))}",
                   word if arg is not None else None)
        if entry.needs_loss and not self.has_loss(model):
            r.fail(y, f"{word} needs a loss: give the network a 'target' (and a 'loss', default half_squared)")
        ask = entry.read(r, y, arg, model)
        return Ask(ask.what, ask.arg, where)

    def answer_names(self, problem: Problem) -> set[str] | None:
        """Every answer name the problem can have, known without computing (None: not known)."""
        return None

    # -- compute, answers, view -------------------------------------------
    def compute(self, problem: Problem, pins: dict | None = None) -> Any:
        """Everything the answers and the steps need (`pins`: a student's values taken as given)."""
        raise NotImplementedError

    def extra_answers(self, comp) -> dict[str, Any]:
        """Answers beyond what the parts ask: every computed quantity, shown or not."""
        return {}

    def answer_string(self, value) -> str:
        """A value as the JSON contract spells it (a string sympy.sympify reads)."""
        from .solution import answer_string

        return answer_string(value)

    def view(self, problem: Problem, comp, answers) -> tuple[tuple, tuple[str, ...]]:
        """The worked parts (PartViews of blocks) and the notes under them."""
        raise NotImplementedError

    # -- question sheet, verify, check -------------------------------------
    def given(self, problem: Problem) -> Given:
        """The problem's data as the question sheet states it."""
        raise NotImplementedError

    def math_names(self, problem: Problem) -> dict[str, str]:
        """LaTeX of the problem's own names, for $...$ math in its questions (W2 as the working writes it)."""
        return dict(getattr(problem.model, "tex", {}) or {})

    def diagram(self, problem: Problem, of: str | None = None):
        """(what it shows as text, as LaTeX, a function drawing the picture.Picture, a legend) for the `diagram`
        ask (`of`: only what leads to that quantity). Kinds with a structure implement it and put `diagram_ask()`
        in their ask table; the drawing is made only when a part shows it (the question sheet needs the words)."""
        raise NotImplementedError

    def sheet_notes(self, problem: Problem) -> tuple[str, ...]:
        """Conventions a student needs to answer (stated on the question sheet): relu'(0), step(0), layout."""
        return ()

    def degenerate(self, problem: Problem, answers) -> str | None:
        """Why a drawn variant is not worth asking (`where: [nondegenerate]`), or None.

        The default: an asked gradient that is zero (a zero number, matrix or list) makes it degenerate.
        """
        for names in answers.asked:
            for name in names:
                v = answers.values.get(name)
                if name.startswith("d") and "/d" in name and v is not None \
                        and all(getattr(x, "is_zero", False) is True for x in entries(v)):
                    return f"{name} is 0"
        return None

    def mistakes(self, problem: Problem) -> list["Mistake"]:
        """The answers common mistakes give (check names them in its verdicts); none by default."""
        return []

    def verify(self, problem: Problem, answers) -> tuple[bool, str]:
        """Check the answers independently of the working: (all agree, a note saying how)."""
        return True, "Nothing to verify: this kind computes no gradients."

    def working_order(self, problem: Problem, name: str) -> tuple:
        """Where an answer comes in the working (errors are carried forward in this order)."""
        return (0,)

    def read_answer(self, text: str):
        """A submitted or key answer (a string) as a value this kind compares; None when it does not read it."""
        return None


@dataclass(frozen=True)
class Answers:
    """The answers contract: every computed quantity by name, and per part the names its marks are for."""

    values: dict[str, Any]
    strings: dict[str, str]
    asked: tuple[tuple[str, ...], ...] = ()  # one tuple per part
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A common mistake, named as the verdict names it, and the answers it leads to (by answer name)."""

    name: str
    values: dict

"""The problem as stated, for a question sheet: its data and what each part asks, no answers."""

from __future__ import annotations

from dataclasses import dataclass

from .expr import entries
from .latex import tex_escape, text
from .problem import Problem
from .solution import marks_text


@dataclass(frozen=True)
class Question:
    """One part of the question sheet."""

    label: str | None
    marks: str | None
    tex: str  # the question, LaTeX (author text escaped)
    text: str


@dataclass(frozen=True)
class Statement:
    """What the sheet shows: a lead sentence, the problem's data, and the parts."""

    title: str
    lead: str
    lead_tex: str
    rows: tuple  # each row a tuple of Equations printed on one line, side by side
    questions: tuple[Question, ...]
    blocks: tuple = ()  # tables or figures stating further data
    notes: tuple[str, ...] = ()  # what a student needs besides the data: approximations, conventions, precision
    notes_tex: tuple[str, ...] = ()  # the same in LaTeX (an approximation as math)


def approximations_text(problem: Problem) -> str:
    """The problem's approximations as author text with math: $log(0.1) ≈ -2.3$ and $log(0.3) ≈ -1.2$."""
    d = problem.decimals
    shown = [f"${text(key, decimals=d)} ≈ {text(value, decimals=d)}$" for key, value in problem.approximations]
    return ", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0]


def statement(problem: Problem, answers=None) -> Statement:
    """The question sheet's view of a problem: the kind states its data, each ask its sentence.

    With the answers, the sheet also says to how many figures to give decimal answers (when any is one).
    """
    kind = problem.kind
    given = kind.given(problem)
    notes = [f"Use {approximations_text(problem)}."] if problem.approximations else []
    notes += kind.sheet_notes(problem)
    notes_tex = [tex_escape(n) for n in notes]
    if answers is not None and any(_decimal(x) for v in answers.values.values() for x in entries(v)):
        notes.append(f"Give decimal answers to {problem.precision} significant figures.")
        notes_tex.append(tex_escape(notes[-1]))
    questions = []
    for part in problem.parts:
        if part.question:
            q_text, q_tex = part.question, tex_escape(part.question, names=kind.math_names(problem))
        else:
            asked = [kind.asks[a.what].sentence(problem, a) for a in part.asks] or [("Explain your answer.",) * 2]
            q_text = " ".join(t for t, _ in asked)
            q_tex = " ".join(t for _, t in asked)
        questions.append(Question(part.label, marks_text(part.marks), q_tex, q_text))
    return Statement(problem.title, given.lead, given.lead_tex, given.rows, tuple(questions), given.blocks,
                     tuple(notes), tuple(notes_tex))


def _decimal(x) -> bool:
    """Whether a number is not exact: a float, or an irrational value."""
    return bool(getattr(x, "is_number", False)) and not x.is_Rational

"""view: a problem's computation and answers become a Solution (typed blocks of strings), through its kind."""

from __future__ import annotations

from .answers import compute
from .kind import Answers
from .problem import Problem
from .solution import Solution, marks_text

__all__ = ["Solution", "build", "solution_of"]


def build(problem: Problem) -> Solution:
    """The Solution of a problem: every part's blocks and the JSON answers."""
    comp, answers = compute(problem)
    return solution_of(problem, comp, answers)


def _questions_in_names(part, names: dict):
    """A part whose question's $...$ math prints the problem's names as the working does."""
    import dataclasses

    from .authortext import to_markdown
    from .latex import tex, tex_escape

    if not part.question:
        return part
    return dataclasses.replace(part, question_tex=tex_escape(part.question, names=names),
                               question_md=to_markdown(part.question, math=lambda e, **kw: tex(e, names=names, **kw)))


def solution_of(problem: Problem, comp, answers: Answers, figure_prefix: str = "") -> Solution:
    """The Solution from a computation already made (a variant is computed once, to test its conditions).
    `figure_prefix` starts its figures' file names (an exam's q2-, so that one folder holds every question's)."""
    parts, notes = problem.kind.view(problem, comp, answers)
    names = problem.kind.math_names(problem)
    if names:
        parts = tuple(_questions_in_names(p, names) for p in parts)
    marks = [p.marks for p in problem.parts if p.marks is not None]
    total = marks_text(sum(marks)) if marks else None
    from .statement import statement

    return Solution(problem.title, _named_figures(parts, figure_prefix), dict(answers.strings), tuple(notes), total,
                    given=statement(problem))


def _named_figures(parts, prefix: str):
    """Each figure's SVG file named after what it shows, unique in the solution (diagram.svg, diagram-2.svg)."""
    import dataclasses

    seen: dict[str, int] = {}
    out = []
    for p in parts:
        blocks = []
        for b in p.blocks:
            if b.type == "figure":
                seen[b.name] = seen.get(b.name, 0) + 1
                n = seen[b.name]
                b = dataclasses.replace(b, file=prefix + (f"{b.name}.svg" if n == 1 else f"{b.name}-{n}.svg"))
            blocks.append(b)
        out.append(dataclasses.replace(p, blocks=tuple(blocks)) if blocks != list(p.blocks) else p)
    return tuple(out)

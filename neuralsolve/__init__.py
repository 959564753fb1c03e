"""neuralsolve: exact, step-by-step model answers for neural-network exam problems."""

from __future__ import annotations

from pathlib import Path

from .errors import ProblemError
from .files import read_text
from .problem import Problem
from .solution import Solution
from .spec import load, loads
from .view import build

__all__ = ["ProblemError", "Problem", "Solution", "load", "loads", "solve", "solve_text", "Worked"]
__version__ = "0.1.0"


class Worked:
    """A solved problem: the Solution, with renderers, and rich display in Jupyter."""

    def __init__(self, solution: Solution, problem=None):
        self.solution = solution
        self.problem = problem  # the Problem solved (for a randomized one: the variant drawn)

    @property
    def answers(self) -> dict[str, str]:
        return self.solution.answers

    def latex(self, fragment: bool = False) -> str:
        from . import render

        return render.latex([self.solution], fragment)

    def markdown(self) -> str:
        from . import render

        return render.markdown([self.solution])

    def json(self) -> str:
        from . import render

        return render.answers_json(self.solution)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def _repr_latex_(self) -> str:
        return self.latex(fragment=True)

    def __repr__(self) -> str:
        return f"<neuralsolve solution {self.solution.title!r}: {len(self.solution.answers)} answers>"


def solve(path: str | Path, variant: str | None = None) -> Worked:
    """Load, trace and view one problem file (a randomized one as variant `variant`, default 000000)."""
    path = Path(path)
    text = read_text(path)
    return solve_text(text, str(path), variant)


def solve_text(text: str, file: str = "<input>", variant: str | None = None) -> Worked:
    """Solve a problem given as YAML text."""
    import dataclasses

    from .draws import code_of, draws_text, seed_of
    from .spec import random_spec
    from .variants import solve_variant
    from .view import solution_of

    if random_spec(text, file) is None:
        if variant is not None:
            raise ProblemError(f"variant {variant} given, but this problem has no random: block", file)
        problem = loads(text, file)
        return Worked(build(problem), problem)
    try:
        seed = seed_of(variant) if variant is not None else 0
    except ValueError as exc:
        raise ProblemError(str(exc), file) from None
    problem, comp, answers = solve_variant(text, file, seed)
    solution = solution_of(problem, comp, answers)
    return Worked(dataclasses.replace(solution, variant=code_of(seed), draws=draws_text(problem.draws)), problem)

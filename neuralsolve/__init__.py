"""neuralsolve: exact, step-by-step model answers for neural-network exam problems."""

from __future__ import annotations

from pathlib import Path

from .errors import ProblemError
from .spec import Problem, load, loads
from .view import Solution, build

__all__ = ["ProblemError", "Problem", "Solution", "load", "loads", "solve", "solve_text", "Worked"]
__version__ = "0.1.0"


class Worked:
    """A solved problem: the Solution, with renderers, and rich display in Jupyter."""

    def __init__(self, solution: Solution):
        self.solution = solution

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


def solve(path: str | Path) -> Worked:
    """Load, trace and view one problem file."""
    return Worked(build(load(path)))


def solve_text(text: str, file: str = "<input>") -> Worked:
    """Solve a problem given as YAML text."""
    return Worked(build(loads(text, file)))

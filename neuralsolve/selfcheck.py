"""`--verify`: check a problem's answers independently of the worked solution, and say so in it.

Each kind says how (`Kind.verify`): matrix gradients against element-wise
sympy.diff at a random exact instance; network and graph gradients against
sympy.diff of the whole loss expression.
"""

from __future__ import annotations

import dataclasses

from .answers import compute
from .problem import Problem
from .solution import Solution


def verify(problem: Problem, solution: Solution) -> tuple[Solution, bool]:
    """The solution with a note on the check, and whether every answer checked agreed."""
    _, answers = compute(problem)
    ok, note = problem.kind.verify(problem, answers)
    return dataclasses.replace(solution, notes=solution.notes + (note,)), ok

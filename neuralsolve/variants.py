"""Running a randomized problem: draw until the `where:` conditions hold, then build the variant once."""

from __future__ import annotations

import random
from collections import Counter

from .answers import compute
from .draws import MAX_TRIES, draw, holds
from .errors import ProblemError
from .expr import Where
from .spec import loads, random_spec


def solve_variant(text: str, file: str, seed: int, index: int = 0):
    """Draw until the conditions hold: (Problem, computation, Answers) of the variant with this seed."""
    problem, comp, answers, _ = solve_variant_counted(text, file, seed, index)
    return problem, comp, answers


def _failed(spec, problem, answers):
    """The first condition that does not hold, and why (None when every one holds)."""
    for c in spec.conditions:
        if c.builtin:
            why = problem.kind.degenerate(problem, answers)
            if why is not None:
                return c, why
        elif not holds(c, answers.values):
            return c, None
    return None


def solve_variant_counted(text: str, file: str, seed: int, index: int = 0):
    """solve_variant, and how many draws were rejected before this one.

    `index` separates the questions of one exam variant. A draw that makes a step
    undefined (log of 0, a step function differentiated at 0) is redrawn like one
    that fails a condition; an error in the file itself is reported at once.
    """
    spec = random_spec(text, file)
    rng = random.Random(f"neuralsolve:{seed}:{index}")
    failures: Counter = Counter()
    where: dict[str, Where] = {}
    for _ in range(MAX_TRIES):
        values = draw(spec, rng)
        problem = loads(text, file, values)  # an error here is the file's, not the draw's
        try:
            comp, answers = compute(problem)  # no solution is written for a draw that is thrown away
            failed = _failed(spec, problem, answers)
            if failed is None:
                return problem, comp, answers, sum(failures.values())
            failed = failed[0]
        except ProblemError as exc:
            if exc.message.startswith("the condition "):
                raise  # a condition naming no answer: the file's error
            failures[exc.message] += 1
            where[exc.message] = Where(exc.file, exc.line, exc.col)
            continue
        failures[f"the condition {failed.text!r}"] += 1
        where[f"the condition {failed.text!r}"] = failed.where
    ranked = failures.most_common()
    worst, count = ranked[0]
    others = "".join(f" ({what} failed {n} time{'s' if n != 1 else ''})" for what, n in ranked[1:3])
    w = where[worst]
    raise ProblemError(f"no draw in {MAX_TRIES} tries gave a usable variant: {worst} failed {count} times{others}; "
                       "widen the ranges of the draws or relax the condition", w.file, w.line, w.col)

"""Exams: problem files assembled into numbered questions, one variant at a time.

An exam file:

    exam:
      title: Neural Computation, summer examination
      course: NC-2026
      date: 2026-06-01
      instructions: Answer all questions.
      questions:
        - problems/square-network.yaml
        - {file: problems/tanh-graph.yaml, marks: 20}
        - {choose: 1, from: [problems/log-cosh.yaml, problems/vae-regulariser.yaml]}

Question files are found relative to the exam file. A `marks:` override sets the
question's total: part marks are scaled to it (a question without part marks
carries it as a whole). A pool (`choose: 1, from: [...]`) gives each variant one of
its files, drawn from the variant's seed (the same code, the same file).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import sympy

from .errors import ProblemError
from .files import read_text
from .expr import Where
from .answers import compute
from .draws import code_of
from .problem import Problem
from .reader import Reader
from .solution import Solution, marks_text
from .spec import loads, random_spec
from .yamlio import load_yaml
from .statement import Statement, statement
from .variants import solve_variant_counted
from .view import solution_of


@dataclass(frozen=True)
class QuestionRef:
    file: Path
    marks: sympy.Rational | None
    where: Where
    pool: tuple[Path, ...] = ()  # choose: 1 from these files (file is the first), drawn per variant

    def pick(self, seed: int, number: int) -> Path:
        """The file this question is in the variant `seed`: its own, or one drawn from its pool."""
        if not self.pool:
            return self.file
        return self.pool[random.Random(f"neuralsolve:pool:{seed}:{number}").randrange(len(self.pool))]


@dataclass(frozen=True)
class Exam:
    file: str
    title: str
    course: str
    date: str
    instructions: str
    questions: tuple[QuestionRef, ...]


@dataclass(frozen=True)
class ExamQuestion:
    """One question of one variant: the sheet's statement, the key's solution, and their source."""

    number: int
    file: str
    statement: Statement
    solution: Solution
    marks: str | None
    source: str
    draws: dict
    code: str | None = None  # a randomized question's own code: solve FILE --variant CODE rebuilds it
    rejected: int = 0  # draws rejected before this one (a where: condition failed, or a step was undefined)


@dataclass(frozen=True)
class ExamVariant:
    exam: Exam
    code: str
    seed: int
    questions: tuple[ExamQuestion, ...]
    total_marks: str | None


def load_exam(path: str | Path) -> Exam:
    """Read and validate an exam file (each question file is checked too)."""
    path = Path(path)
    file = str(path)
    text = read_text(path)
    docs = load_yaml(text, file)
    r = Reader(file)
    if not docs:
        raise ProblemError("the file is empty; an exam needs an exam: block with questions", file)
    top = r.mapping(docs[0], "the exam file", ("exam",), ("exam",))
    m = r.mapping(top["exam"], "exam", ("title", "course", "date", "instructions", "questions"), ("title", "questions"))
    field = lambda k: r.text(m[k], k) if k in m else ""  # noqa: E731
    def found(name: str, y) -> Path:
        qpath = (path.parent / name) if not Path(name).is_absolute() else Path(name)
        if not qpath.exists() and Path(name).exists():
            qpath = Path(name)
        if not qpath.exists():
            r.fail(y, f"question file {name!r} not found (looked beside the exam file, {path.parent})")
        return qpath

    refs = []
    for qy in r.seq(m["questions"], "questions"):
        pool: tuple[Path, ...] = ()
        if isinstance(qy.value, dict) and "choose" in qy.value:  # a pool: one of several files per variant
            q = r.mapping(qy, "a question pool", ("choose", "from", "marks"), ("choose", "from"))
            if r.integer(q["choose"], "choose", 1, 1_000) != 1:
                r.fail(q["choose"], "choose: 1 draws one question from the pool; for more, list several pools")
            items = r.seq(q["from"], "from")
            if not items:
                r.fail(q["from"], "a pool needs at least one question file")
            pool = tuple(found(r.text(item, "a question file"), item) for item in items)
            marks_y = q.get("marks")
        elif isinstance(qy.value, dict):
            q = r.mapping(qy, "a question", ("file", "marks"), ("file",))
            pool, marks_y = (found(r.text(q["file"], "file"), qy),), q.get("marks")
        else:
            pool, marks_y = (found(r.text(qy, "a question file"), qy),), None
        marks = None
        if marks_y is not None:
            marks = marks_y.value
            if not isinstance(marks, sympy.Rational) or marks <= 0:
                r.fail(marks_y, "marks must be a positive number such as 20")
        refs.append(QuestionRef(pool[0], marks, r.where(qy), pool if len(pool) > 1 else ()))
    if not refs:
        r.fail(m["questions"], "an exam needs at least one question")
    return Exam(file, field("title"), field("course"), field("date"), field("instructions"), tuple(refs))


def _one_task_unlabelled(problem: Problem) -> Problem:
    """A question of one part shows no part label: a lone (b) or (ii), kept from the problem's source, would
    send a student looking for the (a) or (i) the exam does not have. (One part: no part-keyed answers.)"""
    if len(problem.parts) != 1 or problem.parts[0].label is None:
        return problem
    return dataclasses.replace(problem, parts=(dataclasses.replace(problem.parts[0], label=None),))


def scaled_marks(problem: Problem, total) -> Problem:
    """The problem with its part marks (and marks for recognised mistakes) scaled to `total`."""
    if total is None:
        return problem
    have = [p.marks for p in problem.parts if p.marks is not None]
    if not have:
        if len(problem.parts) == 1:
            return dataclasses.replace(problem, parts=(dataclasses.replace(problem.parts[0], marks=total),))
        return problem
    factor = total / sum(have)
    parts = tuple(dataclasses.replace(p, marks=p.marks * factor if p.marks is not None else None,
                                      mistake_marks=p.mistake_marks * factor if p.mistake_marks is not None else None)
                  for p in problem.parts)
    return dataclasses.replace(problem, parts=parts)


def question_seed(seed: int, number: int) -> int:
    """The seed of question `number` in the exam variant `seed`; its code rebuilds it with solve --variant."""
    digest = hashlib.sha256(f"neuralsolve:question:{seed}:{number}".encode()).digest()
    return int.from_bytes(digest[:4], "big") >> 2


_FIXED: dict = {}  # (file, text, marks) -> a fixed question, built once per process whatever the variant


def build_variant(exam: Exam, seed: int) -> ExamVariant:
    """Every question of the variant with this seed (randomized questions drawn from their own seeds)."""
    questions = []
    for i, ref in enumerate(exam.questions, start=1):
        chosen = ref.pick(seed, i)
        file = str(chosen)
        text = read_text(chosen)
        if random_spec(text, file) is not None:
            qseed = question_seed(seed, i)
            problem, comp, answers, rejected = solve_variant_counted(text, file, qseed)
            questions.append(_question(i, file, text, ref, problem, comp, answers, code_of(qseed), rejected))
            continue
        key = (file, text, ref.marks)
        if key not in _FIXED:
            problem = loads(text, file)
            comp, answers = compute(problem)
            _FIXED[key] = _question(i, file, text, ref, problem, comp, answers, None, 0)
        questions.append(dataclasses.replace(_FIXED[key], number=i))
    marks = [sympy.Rational(q.marks) for q in questions if q.marks is not None]
    return ExamVariant(exam, code_of(seed), seed, tuple(questions), marks_text(sum(marks)) if marks else None)


def _question(number, file, text, ref, problem, comp, answers, code, rejected) -> ExamQuestion:
    problem = _one_task_unlabelled(scaled_marks(problem, ref.marks))
    solution = solution_of(problem, comp, answers, figure_prefix=f"q{number}-")  # one folder holds them all
    marks = [p.marks for p in problem.parts if p.marks is not None]
    total = sum(marks) if marks else ref.marks
    return ExamQuestion(number, file, statement(problem, answers), solution,
                        marks_text(total) if total is not None else None, text, dict(problem.draws), code, rejected)


def answers_document(v: ExamVariant) -> dict:
    """The key as JSON: per question the render --json document, and all answers as Q<n>.<name>."""
    from .draws import draws_text
    from .render import answers_data

    questions, merged = [], {}
    for q in v.questions:
        doc = answers_data(q.solution)
        doc.update({"number": q.number, "file": q.file, "marks": q.marks, "source": q.source})
        if q.code:
            doc["code"] = q.code
        if q.draws:
            doc["draws"] = draws_text(q.draws)
        questions.append(doc)
        for k, val in q.solution.answers.items():
            merged[f"Q{q.number}.{k}"] = val
    return {"title": v.exam.title, "variant": v.code, "seed": v.seed, "answers": merged, "questions": questions}


def answers_json(v: ExamVariant) -> str:
    return json.dumps(answers_document(v), indent=2, ensure_ascii=False) + "\n"

"""Many variants at once: one folder per variant, an index, in parallel, nothing lost on failure."""

from __future__ import annotations

import csv
import io
import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from .errors import ProblemError
from .files import write_atomic


@dataclass(frozen=True)
class Outcome:
    """What became of one variant."""

    code: str
    seed: int
    files: tuple[str, ...]
    error: str = ""
    rejected: int = 0  # draws rejected while building it (conditions that failed, steps undefined)


def write_variant(exam_path: str, seed: int, out: str, pdf: bool) -> Outcome:
    """Build one variant and write its folder: questions.tex, key.tex, answers.json (and the PDFs)."""
    from . import render
    from .exam import answers_json, build_variant, load_exam
    from .pdf import compile_pdf
    from .draws import code_of

    code = code_of(seed)
    try:
        variant = build_variant(load_exam(exam_path), seed)
        folder = Path(out) / code
        written = []
        for name, mode in (("questions", "sheet"), ("key", "key")):
            tex = render.exam_document(variant, mode, "latex")
            write_atomic(folder / f"{name}.tex", tex)
            written.append(f"{code}/{name}.tex")
            if pdf:
                compile_pdf(tex, folder / f"{name}.pdf")
                written.append(f"{code}/{name}.pdf")
        for name, mode in (("questions", "sheet"), ("key", "key")):
            write_atomic(folder / f"{name}.md", render.exam_document(variant, mode, "markdown"))
            written.append(f"{code}/{name}.md")
        write_atomic(folder / "answers.json", answers_json(variant))
        written.append(f"{code}/answers.json")
        return Outcome(code, seed, tuple(written), rejected=sum(q.rejected for q in variant.questions))
    except ProblemError as exc:
        return Outcome(code, seed, (), str(exc))


def run(exam_path: str, seeds: list[int], out: str, pdf: bool, jobs: int, progress=None,
        index: bool = True) -> list[Outcome]:
    """Every variant, over `jobs` processes; `progress(outcome)` is called as each finishes."""
    outcomes: dict[int, Outcome] = {}
    if jobs <= 1 or len(seeds) <= 1:
        for s in seeds:
            outcomes[s] = write_variant(exam_path, s, out, pdf)
            if progress:
                progress(outcomes[s])
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futures = {pool.submit(write_variant, exam_path, s, out, pdf): s for s in seeds}
            for f in as_completed(futures):
                outcomes[futures[f]] = f.result()
                if progress:
                    progress(outcomes[futures[f]])
    ordered = [outcomes[s] for s in seeds]
    if index:
        write_index(Path(out) / "index.csv", ordered)
    return ordered


def write_index(path: Path, outcomes: list[Outcome]) -> None:
    """index.csv: code, seed, status, files (space-separated), error."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "seed", "status", "files", "error"])
    for o in outcomes:
        w.writerow([o.code, o.seed, "failed" if o.error else "ok", " ".join(o.files), o.error])
    write_atomic(path, buf.getvalue())


def default_jobs() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))

"""Many variants at once: one folder per variant, an index, in parallel, nothing lost on failure."""

from __future__ import annotations

import csv
import io
import os
import shutil
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
    final = Path(out) / code
    folder = Path(out) / f".{code}.tmp-{os.getpid()}"  # written whole, then renamed into place
    try:
        variant = build_variant(load_exam(exam_path), seed)
        shutil.rmtree(folder, ignore_errors=True)
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
        _swap_in(folder, final)
        return Outcome(code, seed, tuple(written), rejected=sum(q.rejected for q in variant.questions))
    except ProblemError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        return Outcome(code, seed, (), str(exc))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _swap_in(new: Path, final: Path) -> None:
    """Put a finished variant folder in place: a reader sees the old folder or the new one, never a mix."""
    old = final.with_name(f".{final.name}.old-{os.getpid()}")
    try:
        if final.exists():
            os.replace(final, old)
        os.replace(new, final)
    except OSError as exc:
        raise ProblemError(f"cannot write the variant folder: {exc.strerror or exc}", str(final)) from None
    finally:
        shutil.rmtree(old, ignore_errors=True)


LOCK = ".neuralsolve-exam.lock"


def _lock(out: Path) -> Path:
    """Claim the output folder for this run; a second run into it is refused while this one lives."""
    out.mkdir(parents=True, exist_ok=True)
    lock = out / LOCK
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                pid = int(lock.read_text(encoding="ascii").strip() or 0)
            except (OSError, ValueError):
                pid = 0
            if pid and _alive(pid):
                raise ProblemError(f"another neuralsolve exam (process {pid}) is writing into this folder; "
                                   "wait for it, or choose another -o", str(out)) from None
            lock.unlink(missing_ok=True)  # left by a run that was killed
            continue
        with os.fdopen(fd, "w") as f:
            f.write(str(os.getpid()))
        return lock
    raise ProblemError("cannot lock the output folder", str(out))  # pragma: no cover


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover (someone else's process)
        return True
    return True


def _leftovers(out: Path) -> None:
    """Remove this run's temporary variant folders (after an interruption)."""
    for p in out.glob(".*.tmp-*"):
        shutil.rmtree(p, ignore_errors=True)


def run(exam_path: str, seeds: list[int], out: str, pdf: bool, jobs: int, progress=None,
        index: bool = True) -> list[Outcome]:
    """Every variant, over `jobs` processes; `progress(outcome)` is called as each finishes.

    The output folder is locked for the run (a second run into it is refused); each variant's folder
    appears whole or not at all; an interrupted run removes its temporary folders and its workers.
    """
    outcomes: dict[int, Outcome] = {}
    try:
        lock = _lock(Path(out))
    except OSError as exc:
        raise ProblemError(f"cannot write into the output folder: {exc.strerror or exc}", str(out)) from None
    try:
        if jobs <= 1 or len(seeds) <= 1:
            for s in seeds:
                outcomes[s] = write_variant(exam_path, s, out, pdf)
                if progress:
                    progress(outcomes[s])
        else:
            pool = ProcessPoolExecutor(max_workers=jobs)
            try:
                futures = {pool.submit(write_variant, exam_path, s, out, pdf): s for s in seeds}
                for f in as_completed(futures):
                    outcomes[futures[f]] = f.result()
                    if progress:
                        progress(outcomes[futures[f]])
            except BaseException:
                pool.shutdown(wait=True, cancel_futures=True)  # no orphaned workers
                raise
            pool.shutdown(wait=True)
        ordered = [outcomes[s] for s in seeds]
        if index:
            write_index(Path(out) / "index.csv", ordered)
        return ordered
    finally:
        _leftovers(Path(out))
        lock.unlink(missing_ok=True)


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

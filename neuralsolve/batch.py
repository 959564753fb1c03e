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
    overflow: bool = False  # --paper: its paper sheet needs more pages than the budget


CHUNK = 10  # variants whose sheets (and whose keys) share a pdflatex run; fixed, so no PDF depends on --jobs


@dataclass
class _Staged:
    """A variant being written: its files but the PDFs are in its temporary folder, or `error` says why not."""

    code: str
    seed: int
    folder: Path
    tex: dict[str, str]  # "questions" and "key" (with --paper also "paper", "key-compact") -> their LaTeX
    rejected: int = 0
    error: str = ""
    overflow: bool = False


def write_variant(exam_path: str, seed: int, out: str, pdf: bool, paper=None) -> Outcome:
    """Build one variant and write its folder: questions.tex, key.tex, answers.json (and the PDFs)."""
    return write_chunk(exam_path, [seed], out, pdf, paper)[0]


def write_chunk(exam_path: str, seeds: list[int], out: str, pdf: bool, paper=None) -> list[Outcome]:
    """Build variants and write their folders; one failing variant leaves the others whole.

    Their question sheets are compiled in one pdflatex run and their keys in another (start-up is most of
    a run's cost; a sheet never shares a run, so never a PDF object, with a key). Each folder is written
    under a temporary name and renamed into place once complete. `paper` (a paper.PaperOptions with its page
    budget set) adds the paper sheet and the compact key, every sheet brought to the budget.
    """
    staged: list[_Staged] = []
    try:
        for seed in seeds:
            staged.append(_stage(exam_path, seed, out, paper))
        if pdf:
            _add_pdfs(staged, paper)
        return [_finish(s, Path(out), pdf) for s in staged]
    except BaseException:
        for s in staged:
            shutil.rmtree(s.folder, ignore_errors=True)
        raise


def _stage(exam_path: str, seed: int, out: str, paper=None) -> _Staged:
    """Build one variant and write its LaTeX, Markdown and answers.json into its temporary folder."""
    from . import render
    from .draws import code_of
    from .exam import answers_json, build_variant, load_exam

    code = code_of(seed)
    folder = Path(out) / f".{code}.tmp-{os.getpid()}"  # written whole, then renamed into place
    try:
        shutil.rmtree(folder, ignore_errors=True)
        variant = build_variant(load_exam(exam_path), seed)
        tex = {}
        for name, mode in (("questions", "sheet"), ("key", "key")):
            tex[name] = render.exam_document(variant, mode, "latex")
            write_atomic(folder / f"{name}.tex", tex[name])
        for name, mode in (("questions", "sheet"), ("key", "key")):
            write_atomic(folder / f"{name}.md", render.exam_document(variant, mode, "markdown"))
        for name, svg in render.figure_files(variant):  # the key's figures, beside key.md (q2-diagram.svg)
            write_atomic(folder / name, svg)
        write_atomic(folder / "answers.json", answers_json(variant))
        if paper is not None:
            from .paper import documents

            for name, text in documents(variant).items():
                tex[name] = text
                write_atomic(folder / f"{name}.tex", text)
        return _Staged(code, seed, folder, tex, sum(q.rejected for q in variant.questions))
    except ProblemError as exc:
        return _Staged(code, seed, folder, {}, error=str(exc))  # its folder is removed by _finish
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise


def _add_pdfs(staged: list[_Staged], paper=None) -> None:
    """Compile the sheets of the variants still standing in one batch, then their keys in another (with
    --paper, then their paper sheets and compact keys, and bring the paper sheets to the page budget)."""
    from .pdf import compile_many

    for name in ("questions", "key") + (("paper", "key-compact") if paper is not None else ()):
        live = [s for s in staged if not s.error]
        for s, err in zip(live, compile_many([(s.tex[name], s.folder / f"{name}.pdf") for s in live])):
            if err is not None:
                s.error = str(err)
    if paper is not None and paper.pages is not None:
        from .paper import fit

        fit(staged, paper.pages)


def _finish(s: _Staged, out: Path, pdf: bool) -> Outcome:
    """Rename a complete variant folder into place, or remove a failed one; say what became of it."""
    if not s.error:
        try:
            _swap_in(s.folder, out / s.code)
            exts = ("tex", "pdf") if pdf else ("tex",)
            names = [f"{n}.{ext}" for n in ("questions", "key") for ext in exts]
            names += ["questions.md", "key.md", "answers.json"]
            names += [f"{n}.{ext}" for n in ("paper", "key-compact") if n in s.tex for ext in exts]
            names += sorted(p.name for p in (out / s.code).glob("*.svg"))  # the key's figures
            return Outcome(s.code, s.seed, tuple(f"{s.code}/{n}" for n in names), rejected=s.rejected)
        except ProblemError as exc:
            s.error = str(exc)
    shutil.rmtree(s.folder, ignore_errors=True)
    return Outcome(s.code, s.seed, (), s.error, overflow=s.overflow)


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
        index: bool = True, paper=None) -> list[Outcome]:
    """Every variant, over `jobs` processes; `progress(outcome)` is called as each finishes.

    With PDFs, the seeds go in fixed chunks of CHUNK (see write_chunk), so every PDF's bytes are the same
    for any number of jobs.

    The output folder is locked for the run (a second run into it is refused); each variant's folder
    appears whole or not at all; an interrupted run removes its temporary folders and its workers.

    With `paper` (a paper.PaperOptions), each folder also gets the paper sheet and the compact key, and with
    PDFs every paper sheet is brought to its page budget (see paper.natural_pages for the usual one).
    """
    outcomes: dict[int, Outcome] = {}
    try:
        lock = _lock(Path(out))
    except OSError as exc:
        raise ProblemError(f"cannot write into the output folder: {exc.strerror or exc}", str(out)) from None
    try:
        size = CHUNK if pdf else 1  # chunks share pdflatex runs; without PDFs, variants balance best alone
        chunks = [seeds[i:i + size] for i in range(0, len(seeds), size)]  # the same for any number of jobs
        extra = (paper,) if paper is not None else ()  # write_chunk's arguments after the seeds' (out, pdf)

        def done(chunk_outcomes: list[Outcome]) -> None:
            for o in chunk_outcomes:
                outcomes[o.seed] = o
                if progress:
                    progress(o)

        if jobs <= 1 or len(chunks) <= 1:
            for chunk in chunks:
                done(write_chunk(exam_path, chunk, out, pdf, *extra))
        else:
            pool = ProcessPoolExecutor(max_workers=min(jobs, len(chunks)))
            try:
                futures = [pool.submit(write_chunk, exam_path, chunk, out, pdf, *extra) for chunk in chunks]
                for f in as_completed(futures):
                    done(f.result())
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

"""The command line: a thin click group over the library."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from .errors import ProblemError
from .files import write_atomic


def _solve(path: str, variant: str | None = None):
    from . import solve

    return solve(path, variant)


def _expand(files) -> list[str]:
    """Problem files, with each folder standing for the .yaml files in it (sorted)."""
    out = []
    for f in files:
        p = Path(f)
        if p.is_dir():
            found = sorted(str(q) for q in p.glob("*.yaml"))
            if not found:
                raise click.UsageError(f"{f} is a folder with no .yaml problem files")
            out.extend(found)
        else:
            out.append(f)
    return out


_VARIANT = click.option("--variant", metavar="CODE", help="For a randomized problem: the variant to build (default 000000).")
_FIGURES = click.option("--figures", "figures_dir", metavar="DIR", type=click.Path(file_okay=False), default=None,
                        help="Where the SVG files of figures (diagrams, plots) go: default beside the output file, "
                             "or ./figures for the terminal and standard output.")


def _write_figures(solution, folder: Path, prefix: str) -> None:
    """Each figure of a solution as an SVG file folder/prefix+name.svg, written atomically."""
    from .render import figure_files

    for name, svg in figure_files(solution, prefix):
        write_atomic(folder / name, svg)


def _fail(err: ProblemError):
    click.echo(str(err), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neuralsolve")
def cli():
    """Worked, exact model answers for neural-network exam problems.

    \b
    Examples:
      neuralsolve solve problems/square-network.yaml
      neuralsolve export exam.yaml --moodle --variants 30 -o quiz.xml
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_VARIANT
@_FIGURES
def solve(files, variant, figures_dir):
    """Print the worked solution of each problem FILE in the terminal.

    A figure (a diagram or a plot) is written as an SVG file, NAME-diagram.svg in
    ./figures unless --figures says where, and the solution says where it went.

    \b
    Examples:
      neuralsolve solve problems/square-network.yaml
      neuralsolve solve problems/relu-decision-boundary.yaml --figures out/
    """
    from rich.console import Console

    from . import render

    console = Console(highlight=False)
    worked = []
    for f in _expand(files):
        try:
            worked.append((f, _solve(f, variant)))
        except ProblemError as err:
            _fail(err)
    folder = Path(figures_dir or "figures")
    for i, (f, w) in enumerate(worked):
        if i:
            console.print()
        prefix = None
        if render.has_figures(w.solution):
            prefix = Path(f).stem + "-"
            try:
                _write_figures(w.solution, folder, prefix)
            except ProblemError as err:
                _fail(err)
            prefix = str(folder / prefix)
        with console.capture() as captured:  # wrapped to the terminal; a vector's spaces were kept unbreakable
            console.print(render.terminal(w.solution, prefix), end="")
        click.echo(captured.get().replace("\u00a0", " "), nl=False)


_SUFFIX = {"latex": ".tex", "markdown": ".md", "json": ".json", "html": ".html"}


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--latex", "fmt", flag_value="latex", help="A standalone LaTeX document (pdflatex compiles it).")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown with $...$ math (GitHub, Jupyter).")
@click.option("--json", "fmt", flag_value="json", help="The answers contract: every quantity by name.")
@click.option("--html", "fmt", flag_value="html", help="A standalone web page, its math typeset by MathJax.")
@click.option("--mathjax", metavar="URL", default=None,
              help="With --html: where the page loads MathJax from (default the jsDelivr CDN; a local copy: "
                   "file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML).")
@click.option("--fragment", is_flag=True, help="LaTeX body only, to \\input into another document.")
@click.option("-o", "--output", type=click.Path(), help="Output file (one problem) or folder (several).")
@click.option("--verify", is_flag=True, help="Check every gradient independently and say so in the answer.")
@_VARIANT
@_FIGURES
def render(files, fmt, mathjax, fragment, output, verify, variant, figures_dir):
    """Render each problem FILE as LaTeX, Markdown, HTML or JSON.

    One file goes to standard output, or to -o FILE. Several files (or a
    folder, standing for its .yaml files) need -o FOLDER and get one output
    each, named after the problem. Outputs are written atomically: a failure
    leaves any existing file as it was.

    \b
    Examples:
      neuralsolve render problems/square-network.yaml --latex -o square.tex
      neuralsolve render problems/ --json -o answers/
      neuralsolve render problems/matrix-gplvm.yaml --markdown --verify
      neuralsolve render problems/sigmoid-network.yaml --html -o sigmoid.html
    """
    from . import render as r

    if fmt is None:
        raise click.UsageError("choose an output format: --latex, --markdown, --html or --json")
    if mathjax is not None and fmt != "html":
        raise click.UsageError("--mathjax goes with --html")
    if fragment and fmt != "latex":
        raise click.UsageError("--fragment goes with --latex")
    files = _expand(files)
    if len(files) > 1 and not output:
        raise click.UsageError("several files need -o FOLDER, one output per problem")
    worked = []
    failed_checks = []
    for f in files:
        try:
            w = _solve(f, variant)
            if verify:
                from . import Worked
                from .selfcheck import verify as check_gradients

                solution, ok = check_gradients(w.problem, w.solution)
                w = Worked(solution, w.problem)
                if not ok:
                    failed_checks.append(f)
            worked.append((f, w))
        except ProblemError as err:
            _fail(err)

    def text_of(w, link_prefix=""):
        if fmt == "latex":
            return r.latex([w.solution], fragment)
        if fmt == "markdown":
            return r.markdown([w.solution], link_prefix)
        if fmt == "html":
            return r.html([w.solution], mathjax or r.MATHJAX)
        return r.answers_json(w.solution)

    def figures_for(f, w, out_file: Path | None) -> str:
        """Markdown's figures written as SVG files; the prefix its links use (relative to the Markdown file)."""
        if fmt != "markdown" or not r.has_figures(w.solution):
            return ""
        stem = (out_file.stem if out_file else Path(f).stem) + "-"
        if figures_dir:
            folder = Path(figures_dir)
        elif out_file:
            folder = out_file.parent
        else:
            folder = Path("figures")
        _write_figures(w.solution, folder, stem)
        if out_file is None:
            return str(folder / stem)
        return os.path.relpath(folder / stem, out_file.parent).replace(os.sep, "/") if figures_dir else stem

    if len(files) == 1 and (not output or not Path(output).is_dir()):
        f, w = worked[0]
        try:
            text = text_of(w, figures_for(f, w, Path(output) if output else None))
            if output:
                write_atomic(Path(output), text)
        except ProblemError as err:
            _fail(err)
        if not output:
            click.echo(text, nl=False)
        _report_checks(failed_checks)
        return
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"{output} is a file; several problems need a folder")
    for f, w in worked:
        try:
            out_file = folder / (Path(f).stem + _SUFFIX[fmt])
            write_atomic(out_file, text_of(w, figures_for(f, w, out_file)))
        except ProblemError as err:
            _fail(err)
    _report_checks(failed_checks)


def _report_checks(failed):
    for f in failed:
        click.echo(f"{f}: a gradient disagrees with the independent check (see the answer's notes)", err=True)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
def validate(files):
    """Check each problem FILE and report the first error in each.

    Exit status 0 when every file is valid, 2 when any is not.

    \b
    Example:
      neuralsolve validate problems/*.yaml
    """
    bad = False
    for f in _expand(files):
        try:
            _solve(f)  # every step, so an undefined derivative is found too
            click.echo(f"{f}: ok")
        except ProblemError as err:
            click.echo(str(err), err=True)
            bad = True
    if bad:
        sys.exit(2)


def _exam_variants(f):
    """The options that choose an exam's variants, shared by exam and export."""
    f = click.option("--variant", "code", metavar="CODE", help="Rebuild this one variant (its code is on its sheet).")(f)
    f = click.option("--seed", type=int, default=0, show_default=True,
                     help="The exam seed: the same seed gives the same bytes.")(f)
    return click.option("-n", "--variants", type=click.IntRange(1, 10_000), default=1, show_default=True,
                        help="How many variants to draw.")(f)


def _seeds(variants: int, seed: int, code: str | None) -> list[int]:
    """The seeds of the variants asked for: the one CODE stands for, else `variants` drawn from the exam seed."""
    from .draws import seed_of, variant_seed

    if code is not None:
        try:
            return [seed_of(code)]
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    return [variant_seed(seed, i) for i in range(variants)]


@cli.command()
@click.argument("exam_file", type=click.Path(dir_okay=False))
@_exam_variants
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="The output folder.")
@click.option("--no-pdf", is_flag=True, help="Write LaTeX, Markdown and JSON only (no pdflatex).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Processes to use (default: all cores).")
@click.option("--paper", is_flag=True, help="Also a paper sheet for scanning (paper.tex/.pdf: answer boxes, the "
              "variant code and its QR code on every page) and a one-page key for markers (key-compact.tex/.pdf).")
@click.option("--pages", type=click.IntRange(1, 1000), default=None,
              help="With --paper: every paper sheet has this many pages (default: as many as the first variant's).")
def exam(exam_file, variants, seed, code, output, no_pdf, jobs, paper, pages):
    """Write a question sheet and an answer key for each variant of an exam.

    Each variant gets a folder OUTPUT/CODE/ with questions.tex, key.tex (and
    their PDFs), questions.md, key.md and answers.json; OUTPUT/index.csv lists
    code, seed, status and files. A variant that fails is reported and the
    others are still written; the exit status is then 1 (2 when, with --paper,
    a variant's paper sheet needs more pages than the budget).

    \b
    Examples:
      neuralsolve exam exam.yaml --variants 60 --seed 2026 -o out/
      neuralsolve exam exam.yaml --variant 3K7Q0M -o out/
      neuralsolve exam exam.yaml --variants 60 --seed 2026 --paper -o out/
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import batch
    from .exam import load_exam
    from .pdf import pdflatex
    from .paper import PaperOptions

    if pages is not None and not paper:
        raise click.UsageError("--pages goes with --paper")
    if pages is not None and no_pdf:
        raise click.UsageError("--pages counts the pages of the compiled paper sheets; it needs the PDFs (no --no-pdf)")
    try:
        load_exam(exam_file)
        if not no_pdf:
            pdflatex()
    except ProblemError as err:
        _fail(err)
    seeds = _seeds(variants, seed, code)
    if paper and pages is None and not no_pdf:
        from .paper import natural_pages

        try:
            pages = natural_pages(exam_file, seeds)  # the first variant's sheet sets the budget
        except ProblemError as err:
            _fail(err)
    err_console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("variants", total=len(seeds))
        try:
            outcomes = batch.run(exam_file, seeds, output, not no_pdf, jobs or batch.default_jobs(),
                                 progress=lambda o: bar.advance(task), index=code is None,
                                 paper=PaperOptions(pages) if paper else None)
        except ProblemError as err:
            _fail(err)
    failed = [o for o in outcomes if o.error]
    for o in failed:
        click.echo(f"variant {o.code}: {o.error}", err=True)
    rejected = sum(o.rejected for o in outcomes)
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} variant{'s' if len(outcomes) != 1 else ''} "
               f"written to {output}" + (f" ({rejected} draw{'s' if rejected != 1 else ''} rejected by the "
                                         "where: conditions)" if rejected else "")
               + (f"; paper sheets of {pages} page{'s' if pages != 1 else ''} each"
                  if paper and pages and len(failed) < len(outcomes) else ""))
    if failed:
        sys.exit(2 if any(o.overflow for o in failed) else 1)


@cli.command()
@click.argument("exam_file", type=click.Path(dir_okay=False))
@click.option("--moodle", "fmt", flag_value="moodle", help="Moodle XML: a category per question, Cloze variants in it.")
@click.option("--qti", "fmt", flag_value="qti", help="A QTI 1.2 zip for Canvas: a question group per question and "
                                                     "answer, one numerical item per variant.")
@_exam_variants
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False), help="The output file.")
def export(exam_file, fmt, variants, seed, code, output):
    """Write an exam's variants as a quiz for Moodle or Canvas.

    Each exam question becomes a pool with one question per variant (Moodle:
    a category; Canvas: a question group per answer), so that each student
    is given one variant. Every numerical answer is marked
    within half a unit of its third significant figure; the worked solution
    is the question's feedback. Answers that are not numbers, and parts
    answered in prose, are left for marking by hand (a warning lists them).
    The file is written atomically.

    \b
    Examples:
      neuralsolve export exam.yaml --moodle --variants 30 --seed 2026 -o quiz.xml
      neuralsolve export exam.yaml --qti --variants 30 --seed 2026 -o quiz.zip
    """
    from . import export as ex

    if fmt is None:
        raise click.UsageError("choose a platform: --moodle (Moodle XML) or --qti (a QTI zip for Canvas)")
    seeds = _seeds(variants, seed, code)
    try:
        if fmt == "qti":
            ex.refuse_pools_for_qti(exam_file)
        quiz = ex.build(exam_file, seeds)
        write_atomic(Path(output), ex.moodle_xml(quiz) if fmt == "moodle" else ex.qti_zip(quiz))
    except ProblemError as err:
        _fail(err)
    for w in quiz.warnings:
        click.echo(w, err=True)
    n = sum(len(items) for items in quiz.questions)
    click.echo(f"{len(quiz.questions)} question{'s' if len(quiz.questions) != 1 else ''}, {n} question variant"
               f"{'s' if n != 1 else ''} from {len(seeds)} exam variant{'s' if len(seeds) != 1 else ''} written to "
               f"{output}")


def _finite(ctx, param, value):
    """A tolerance: a finite number, at least 0 (nan, inf and negative numbers are refused)."""
    if value is None:
        return None
    import math

    try:
        x = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if not math.isfinite(x) or x < 0:
        raise click.BadParameter(f"must be a finite number, at least 0, not {value}")
    return x


def _fraction(ctx, param, value):
    import math

    try:
        x = float(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a number") from None
    if not math.isfinite(x) or not 0 <= x <= 1:
        raise click.BadParameter(f"must be a fraction from 0 to 1, not {value}")
    return value


@cli.command()
@click.argument("reference", type=click.Path(dir_okay=False))
@click.argument("answers", type=click.Path())
@click.option("--tolerance", metavar="T", callback=_finite, default=None,
              help="Accept |submitted - expected| <= T * |expected| (relative).")
@click.option("--abs-tolerance", metavar="A", callback=_finite, default=None,
              help="Accept |submitted - expected| <= A (with --tolerance: either suffices).")
@click.option("--sig-figs", type=click.IntRange(1, 30), default=None,
              help="Accept values within half a unit of their last figure, read to at least N figures "
                   "(default 3; exact values always agree).")
@click.option("--mistake-credit", metavar="FRACTION", callback=_fraction, default="0.5",
              help="Share of an answer's marks for a recognised common mistake (default 0.5; a key's part "
                   "marks {right: R, mistakes: M} set it per part).")
@click.option("--csv", "csv_out", metavar="FILE", default=None,
              help="Write marks as CSV (- for standard output): one row per answers file, ANSWERS being a "
                   "file or a folder of them (the file name is the student's id).")
@_VARIANT
def check(reference, answers, tolerance, abs_tolerance, sig_figs, mistake_credit, variant, csv_out):
    """Check submitted ANSWERS against a problem file or a JSON key.

    ANSWERS is YAML mapping answer names to numbers or expressions, such as
    "dC/dw3_1_2": 48 (in an exam key, prefix the question: "Q1.dC/dw3_1_2";
    an answer given in several parts, by its part: "(i).w1'").
    Prints right, wrong (with the expected value), missing, consistent
    (an error carried forward from the submitted earlier values) and mistake
    (a recognised common mistake, for part of the marks), with marks.
    Exit status 0 when every answer is right, 1 when any is not, 2 for a bad file.

    With --csv, ANSWERS may be a folder of answer files, one per student
    (.yaml, .yml or .json; the file name is the student's id), all marked
    against REFERENCE; the CSV has a row per student: id, the marks of each
    question (each answer, for a single problem), total, out_of and notes
    (errors carried forward, mistakes, missing answers; an unreadable file).

    \b
    Examples:
      neuralsolve check problems/square-network.yaml answers.yaml --sig-figs 3
      neuralsolve check out/ZM2FG9/answers.json submissions/ --csv marks.csv
    """
    import sympy
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from .check import Rule, by_hand_note, read_submission
    from .check import check as run_check
    from .check import reference as load_reference

    if (tolerance is not None or abs_tolerance is not None) and sig_figs is not None:
        raise click.UsageError("give --tolerance (or --abs-tolerance) or --sig-figs, not both")
    rule, credit = Rule(tolerance, sig_figs, abs_tolerance), sympy.Rational(str(mistake_credit))
    if csv_out is not None:
        sys.exit(_gradebook(reference, variant, answers, rule, credit, csv_out))
    if Path(answers).is_dir():
        raise click.UsageError("ANSWERS is a folder: mark a class with --csv FILE")
    try:
        ref = load_reference(reference, variant)
        submitted = read_submission(answers)
        report = run_check(ref, submitted, rule, credit)
    except ProblemError as err:
        _fail(err)
    colour = {"right": "green", "consistent": "yellow", "mistake": "yellow", "wrong": "red", "missing": "magenta"}
    table = Table(show_edge=False, header_style="bold")
    for col in ("answer", "submitted", "expected", "verdict", "marks"):
        table.add_column(col, justify="right" if col == "marks" else "left")
    for line in report.lines:
        marks = "" if line.marks is None else f"{_marks(line.earned)}/{_marks(line.marks)}"
        verdict = {"consistent": "consistent (carried forward)",
                   "mistake": f"mistake: consistent with {line.mistake}"}.get(line.verdict, line.verdict)
        table.add_row(escape(line.name), escape(line.submitted or "—"), escape(line.expected),
                      f"[{colour[line.verdict]}]{escape(verdict)}[/]", marks)
    console = Console(highlight=False)
    if not console.is_terminal:  # a file or a pipe: one line per answer, never wrapped
        console = Console(highlight=False, width=240)
    console.print(table)
    counts = {v: sum(1 for line in report.lines if line.verdict == v) for v in colour}
    summary = ", ".join(f"{n} {v}{'s' if v == 'mistake' and n != 1 else ''}" for v, n in counts.items() if n)
    if report.total is not None:
        summary = f"{_marks(report.earned)} of {_marks(report.total)} marks; " + summary
    if report.by_hand:
        summary += f"; {by_hand_note(report.by_hand)}"
    console.print(summary)
    for name, keyed in report.ambiguous:
        console.print(f"[dim]{escape(name)} is answered in several parts, ignored: write "
                      f"{escape(' or '.join(keyed))}[/dim]")
    if report.extra:
        console.print(f"[dim]not in the key, ignored: {escape(', '.join(report.extra))}[/dim]")
    sys.exit(0 if report.all_right else 1)


def _gradebook(reference, variant, answers, rule, credit, out) -> int:
    """Mark every answers file and write the class's CSV; a file that cannot be read is a row with a note."""
    import csv
    import io

    from .check import answer_files, gradebook_columns, gradebook_row, read_submission
    from .check import check as run_check
    from .check import reference as load_reference
    from .files import write_atomic

    try:
        ref = load_reference(reference, variant)
    except ProblemError as err:
        _fail(err)
    path = Path(answers)
    files = answer_files(path) if path.is_dir() else [path]
    if not files:
        _fail(ProblemError("no answer files (.yaml, .yml or .json) in this folder", str(path)))
    columns = gradebook_columns(ref)
    buf = io.StringIO()
    writer = csv.DictWriter(buf, ["id", *columns, "total", "out_of", "notes"], lineterminator="\n")
    writer.writeheader()
    for f in files:
        try:
            row = gradebook_row(ref, run_check(ref, read_submission(f), rule, credit), columns)
        except ProblemError as err:  # one unreadable file does not stop the class
            row = {c: "" for c in columns} | {"total": "", "out_of": "", "notes": f"not marked: {err}"}
        writer.writerow({"id": f.stem, **row})
    if out == "-":
        click.echo(buf.getvalue(), nl=False)
    else:
        try:
            write_atomic(Path(out), buf.getvalue())
        except ProblemError as err:
            _fail(err)
        click.echo(f"{len(files)} answer file{'s' if len(files) != 1 else ''} marked: {out}", err=True)
    return 0


def _marks(m) -> str:
    from .check import mark_text

    return "—" if m is None else mark_text(m)


def main():
    """Entry point of the `neuralsolve` command."""
    cli(prog_name="neuralsolve")

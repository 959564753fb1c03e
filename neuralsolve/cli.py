"""The command line: a thin click group over the library."""

from __future__ import annotations

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


def _fail(err: ProblemError):
    click.echo(str(err), err=True)
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="neuralsolve")
def cli():
    """Worked, exact model answers for neural-network exam problems.

    \b
    Example:
      neuralsolve solve problems/square-network.yaml
    """


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@_VARIANT
def solve(files, variant):
    """Print the worked solution of each problem FILE in the terminal.

    \b
    Example:
      neuralsolve solve problems/square-network.yaml
    """
    from rich.console import Console

    from . import render

    console = Console(highlight=False)
    worked = []
    for f in _expand(files):
        try:
            worked.append(_solve(f, variant))
        except ProblemError as err:
            _fail(err)
    for i, w in enumerate(worked):
        if i:
            console.print()
        console.print(render.terminal(w.solution), end="")


_SUFFIX = {"latex": ".tex", "markdown": ".md", "json": ".json"}


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path())
@click.option("--latex", "fmt", flag_value="latex", help="A standalone LaTeX document (pdflatex compiles it).")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown with $...$ math (GitHub, Jupyter).")
@click.option("--json", "fmt", flag_value="json", help="The answers contract: every quantity by name.")
@click.option("--fragment", is_flag=True, help="LaTeX body only, to \\input into another document.")
@click.option("-o", "--output", type=click.Path(), help="Output file (one problem) or folder (several).")
@_VARIANT
def render(files, fmt, fragment, output, variant):
    """Render each problem FILE as LaTeX, Markdown or JSON.

    One file goes to standard output, or to -o FILE. Several files (or a
    folder, standing for its .yaml files) need -o FOLDER and get one output
    each, named after the problem. Outputs are written atomically: a failure
    leaves any existing file as it was.

    \b
    Examples:
      neuralsolve render problems/square-network.yaml --latex -o square.tex
      neuralsolve render problems/ --json -o answers/
    """
    from . import render as r

    if fmt is None:
        raise click.UsageError("choose an output format: --latex, --markdown or --json")
    if fragment and fmt != "latex":
        raise click.UsageError("--fragment goes with --latex")
    files = _expand(files)
    if len(files) > 1 and not output:
        raise click.UsageError("several files need -o FOLDER, one output per problem")
    worked = []
    for f in files:
        try:
            worked.append((f, _solve(f, variant)))
        except ProblemError as err:
            _fail(err)

    def text_of(w):
        if fmt == "latex":
            return r.latex([w.solution], fragment)
        if fmt == "markdown":
            return r.markdown([w.solution])
        return r.answers_json(w.solution)

    if len(files) == 1 and (not output or not Path(output).is_dir()):
        text = text_of(worked[0][1])
        if output:
            write_atomic(Path(output), text)
        else:
            click.echo(text, nl=False)
        return
    folder = Path(output)
    if folder.exists() and not folder.is_dir():
        raise click.UsageError(f"{output} is a file; several problems need a folder")
    for f, w in worked:
        write_atomic(folder / (Path(f).stem + _SUFFIX[fmt]), text_of(w))


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


@cli.command()
@click.argument("exam_file", type=click.Path(dir_okay=False))
@click.option("-n", "--variants", type=click.IntRange(1, 10_000), default=1, show_default=True,
              help="How many variants to draw.")
@click.option("--seed", type=int, default=0, show_default=True, help="The exam seed: the same seed gives the same bytes.")
@click.option("--variant", "code", metavar="CODE", help="Rebuild this one variant (its code is on its sheet).")
@click.option("-o", "--output", required=True, type=click.Path(file_okay=False), help="The output folder.")
@click.option("--no-pdf", is_flag=True, help="Write LaTeX, Markdown and JSON only (no pdflatex).")
@click.option("-j", "--jobs", type=click.IntRange(1, 256), default=None, help="Processes to use (default: all cores).")
def exam(exam_file, variants, seed, code, output, no_pdf, jobs):
    """Write a question sheet and an answer key for each variant of an exam.

    Each variant gets a folder OUTPUT/CODE/ with questions.tex, key.tex (and
    their PDFs), questions.md, key.md and answers.json; OUTPUT/index.csv lists
    code, seed, status and files. A variant that fails is reported and the
    others are still written; the exit status is then 1.

    \b
    Examples:
      neuralsolve exam exam.yaml --variants 60 --seed 2026 -o out/
      neuralsolve exam exam.yaml --variant 3K7Q0M -o out/
    """
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from . import batch
    from .exam import load_exam
    from .pdf import pdflatex
    from .variants import seed_of, variant_seed

    try:
        load_exam(exam_file)
        if not no_pdf:
            pdflatex()
    except ProblemError as err:
        _fail(err)
    if code is not None:
        try:
            seeds = [seed_of(code)]
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    else:
        seeds = [variant_seed(seed, i) for i in range(variants)]
    err_console = Console(stderr=True, highlight=False)
    with Progress(TextColumn("variants"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("variants", total=len(seeds))
        outcomes = batch.run(exam_file, seeds, output, not no_pdf, jobs or batch.default_jobs(),
                             progress=lambda o: bar.advance(task), index=code is None)
    failed = [o for o in outcomes if o.error]
    for o in failed:
        click.echo(f"variant {o.code}: {o.error}", err=True)
    click.echo(f"{len(outcomes) - len(failed)} of {len(outcomes)} variant{'s' if len(outcomes) != 1 else ''} "
               f"written to {output}")
    if failed:
        sys.exit(1)


def main():
    """Entry point of the `neuralsolve` command."""
    cli(prog_name="neuralsolve")

"""The command line: a thin click group over the library."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import click

from .errors import ProblemError


def _solve(path: str):
    from . import solve

    return solve(path)


def write_atomic(path: Path, text: str) -> None:
    """Write text to path so that a reader sees the old file or the new one, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def solve(files):
    """Print the worked solution of each problem FILE in the terminal.

    \b
    Example:
      neuralsolve solve problems/square-network.yaml
    """
    from rich.console import Console

    from . import render

    console = Console(highlight=False)
    worked = []
    for f in files:
        try:
            worked.append(_solve(f))
        except ProblemError as err:
            _fail(err)
    for i, w in enumerate(worked):
        if i:
            console.print()
        console.print(render.terminal(w.solution), end="")


_SUFFIX = {"latex": ".tex", "markdown": ".md", "json": ".json"}


@cli.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--latex", "fmt", flag_value="latex", help="A standalone LaTeX document (pdflatex compiles it).")
@click.option("--markdown", "fmt", flag_value="markdown", help="Markdown with $...$ math (GitHub, Jupyter).")
@click.option("--json", "fmt", flag_value="json", help="The answers contract: every quantity by name.")
@click.option("--fragment", is_flag=True, help="LaTeX body only, to \\input into another document.")
@click.option("-o", "--output", type=click.Path(), help="Output file (one problem) or folder (several).")
def render(files, fmt, fragment, output):
    """Render each problem FILE as LaTeX, Markdown or JSON.

    One file goes to standard output, or to -o FILE. Several files need -o
    FOLDER and get one output each, named after the problem. Outputs are
    written atomically: a failure leaves any existing file as it was.

    \b
    Examples:
      neuralsolve render problems/square-network.yaml --latex -o square.tex
      neuralsolve render problems/*.yaml --json -o answers/
    """
    from . import render as r

    if fmt is None:
        raise click.UsageError("choose an output format: --latex, --markdown or --json")
    if fragment and fmt != "latex":
        raise click.UsageError("--fragment goes with --latex")
    if len(files) > 1 and not output:
        raise click.UsageError("several files need -o FOLDER, one output per problem")
    worked = []
    for f in files:
        try:
            worked.append((f, _solve(f)))
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
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
def validate(files):
    """Check each problem FILE and report the first error in each.

    Exit status 0 when every file is valid, 2 when any is not.

    \b
    Example:
      neuralsolve validate problems/*.yaml
    """
    bad = False
    for f in files:
        try:
            _solve(f)  # every step, so an undefined derivative is found too
            click.echo(f"{f}: ok")
        except ProblemError as err:
            click.echo(str(err), err=True)
            bad = True
    if bad:
        sys.exit(2)


def main():
    """Entry point of the `neuralsolve` command."""
    cli(prog_name="neuralsolve")

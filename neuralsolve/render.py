"""template: a Solution laid out by Jinja as LaTeX, Markdown, terminal text or JSON."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2

from .authortext import to_markdown, to_terminal
from .latex import tex, tex_escape, text
from .notation import answer_symbols
from .solution import Solution

def _template_dir():
    """The templates beside this code: a source checkout's top-level templates/ (so that a second checkout or
    worktree uses its own, whatever is installed), else the installed neuralsolve.templates."""
    checkout = Path(__file__).resolve().parent.parent / "templates"
    if (checkout / "solution.rich.j2").is_file() and (checkout.parent / "neuralsolve" / "render.py").is_file():
        return checkout
    return resources.files("neuralsolve.templates")


def _loader() -> jinja2.BaseLoader:
    folder = _template_dir()
    return jinja2.FunctionLoader(lambda name: folder.joinpath(name).read_text("utf-8"))


@lru_cache(maxsize=None)
def _tex_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(),
        block_start_string="((*", block_end_string="*))",
        variable_start_string="(((", variable_end_string=")))",
        comment_start_string="((=", comment_end_string="=))",
        undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )
    env.filters["escape_tex"] = tex_escape
    env.filters["escape_tex_line"] = lambda s: tex_escape(s, line=True)  # one-line places: titles, labels, headers
    env.filters["row_gaps"] = _row_gaps
    env.filters["has_figures"] = has_figures
    return env


@lru_cache(maxsize=None)
def _text_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=_loader(), undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, autoescape=False,
    )
    env.filters["escape_rich"] = lambda s: to_terminal(s, math=text)
    env.filters["escape_md"] = _escape_md
    env.filters["italic_md"] = _italic_md
    env.filters["escape_rich_line"] = lambda s: to_terminal(s, line=True, math=text)
    env.filters["escape_md_line"] = lambda s: to_markdown(s, line=True, math=tex)
    env.filters["rich_table"] = _rich_table
    env.filters["fold"] = _fold
    env.filters["prose_md"] = _prose_md
    env.filters["figure_key"] = _figure_key
    env.globals.update(figure_prefix="", inline_figures=False)  # templates rendered without them (exports)
    return env


def figures(obj) -> list:
    """Every Figure block in a Solution, a list of them, or an exam variant (its questions' solutions), in order."""
    if isinstance(obj, (list, tuple)):
        return [f for o in obj for f in figures(o)]
    if hasattr(obj, "questions"):
        return [f for q in obj.questions for f in figures(q.solution)]
    return [b for p in getattr(obj, "parts", ()) for b in p.blocks if b.type == "figure"]


def has_figures(obj) -> bool:
    return bool(figures(obj))


def figure_files(obj, prefix: str = "") -> list[tuple[str, str]]:
    """(file name, SVG text) of every figure, named as the Markdown links them (prefix + the figure's file)."""
    return [(prefix + f.file, f.svg) for f in figures(obj)]


def _figure_key(fig) -> str:
    """A placeholder paragraph that markdown_html replaces with the figure's SVG (named by a hash of it)."""
    import hashlib

    return "NSFIGURE" + hashlib.sha256(fig.svg.encode()).hexdigest()[:24]


_PLACEHOLDER = re.compile(r"<p>(NSFIGURE[0-9a-f]{24})</p>")


def _italic_md(s: str) -> str:
    """Escaped Markdown set in italics paragraph by paragraph (one *...* across a blank line would break)."""
    paragraphs = [p.strip() for p in s.split("\n\n") if p.strip()]
    return "\n\n".join(f"*{p}*" for p in paragraphs)


def _row_gaps(tex: str) -> str:
    """Room between the rows of a matrix of fractions, the way pdflatex keeps it.

    The writer separates such rows with \\\\[0.5em], which MathJax (Markdown) honours; pdflatex only
    deepens a row to 0.5em below its strut, and a fraction is deeper than that, so the rows touched. Here
    the matrix's rows are stretched instead (arraystretch), which always leaves a gap."""
    if r"\\[0.5em]" not in tex:
        return tex
    return _FRACTION_MATRIX.sub(lambda m: r"{\renewcommand{\arraystretch}{2.2}" + m.group(0).replace(r" \\[0.5em] ", r" \\ ")
                                + "}", tex)


_FRACTION_MATRIX = re.compile(r"\\begin\{pmatrix\}(?:(?!\\end\{pmatrix\}).)*?\\\\\[0\.5em\].*?\\end\{pmatrix\}")


def _fold(s: str, column: int) -> str:
    """A form of a chain that starts at `column`, broken into lines that fit the terminal's 80 columns.

    Breaks fall between the top-level terms and factors, never inside a bracket while that can be helped,
    so a vector or a matrix stays on one line; a bracket too long for a line of its own is broken one level
    in, after the commas between its entries if it has any. Continuation lines are indented two spaces
    past the form's start."""
    from .solution import TEXT_WIDTH

    first = TEXT_WIDTH + 2 - column
    if len(s) <= first:
        return s
    rest = TEXT_WIDTH - column
    lines = [""]
    for piece in _pieces(s, 0, rest):
        if lines[-1] and len(lines[-1]) + len(piece) > (first if len(lines) == 1 else rest):
            lines.append("")
        lines[-1] += piece
    return ("\n" + " " * (column + 2)).join(line.rstrip() for line in lines)


def _pieces(s: str, depth: int, width: int) -> list[str]:
    """s cut at its spaces at bracket depth `depth` (after a comma, if any such cut exists), each piece longer
    than `width` cut again one level in; the pieces keep their spaces."""
    cuts = _cuts(s, depth)
    commas = [i for i in cuts if s[i - 1] == ","]
    cuts = commas or cuts
    if not cuts:
        return [s] if depth > 8 or "(" not in s and "[" not in s else _pieces(s, depth + 1, width)
    pieces = [s[a:b] for a, b in zip([0, *cuts], [*cuts, len(s)]) if s[a:b]]
    return [q for p in pieces for q in (_pieces(p, depth + 1, width) if len(p) > width else [p])]


def _cuts(s: str, depth: int) -> list[int]:
    """Where s may be cut at depth `depth`: just after each space there."""
    out, level = [], 0
    for i, ch in enumerate(s):
        if ch in "([":
            level += 1
        elif ch in ")]":
            level = max(level - 1, 0)
        elif ch == " " and level == depth and 0 < i < len(s) - 1:
            out.append(i + 1)
    return out


def _rich_table(table) -> str:
    """A Table block drawn by rich (80 columns, no colour), as markup-safe text for the terminal template."""
    import io

    from rich import box
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table as RichTable

    rt = RichTable(box=box.SIMPLE_HEAD, show_edge=False, header_style="")
    for c in table.header:
        rt.add_column(escape(c.text))
    for row in table.rows:
        rt.add_row(*[escape(c.text) for c in row])
    console = Console(width=80, file=io.StringIO(), color_system=None, record=True, highlight=False)
    console.print(rt)
    return escape(console.export_text(styles=False).rstrip("\n"))


def _escape_md(s: str) -> str:
    return to_markdown(s, math=tex)


_INLINE_MATH = re.compile(r"(\$[^$]+\$)")


def _prose_md(text_: str, tex_: str = "") -> str:
    """A line the tool wrote, in Markdown with its names as math ($\\mathbf{W}^{2}$, not W2): its LaTeX
    form when that is words and $...$ only (the words escaped for Markdown), else its plain text."""
    pieces = _INLINE_MATH.split(tex_ or "")
    words = pieces[0::2]
    if not tex_ or len(pieces) < 2 or any(ch in w for w in words for ch in "\\{}~%&#^_"):
        return _escape_md(text_)
    return "".join(to_markdown(p, line=True) if i % 2 == 0 else p for i, p in enumerate(pieces))


MATHJAX = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-chtml.js"  # loaded by the reader's browser


def html(solutions: list[Solution], mathjax: str = MATHJAX) -> str:
    """A standalone HTML page: the Markdown rendering turned into HTML by markdown-it-py (no raw HTML from any
    text: author text reaches it escaped), its $...$ math handed to MathJax as \\(...\\) and \\[...\\].

    `mathjax` is the script's address; a local copy works too (Debian's libjs-mathjax:
    file:///usr/share/javascript/mathjax/MathJax.js?config=TeX-AMS_CHTML)."""
    import html as html_lib

    body = markdown_html(markdown(solutions, inline_figures=True), figures(solutions))
    title = html_lib.escape(solutions[0].title if len(solutions) == 1 else "neuralsolve", quote=True)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n"
            f"<style>{_CSS}</style>\n<script src=\"{html_lib.escape(mathjax, quote=True)}\" async></script>\n"
            f"</head>\n<body>\n{body}</body>\n</html>\n")


def markdown_html(text_: str, figures_: list = ()) -> str:
    """This project's Markdown as HTML by markdown-it-py: raw HTML is never passed through (author text reaches it
    escaped), and $...$ / $$...$$ math becomes \\(...\\) / \\[...\\] for MathJax, its body HTML-escaped. The
    placeholders of the figures given (rendered with inline_figures) become their SVG, which the project drew;
    text that merely looks like a placeholder stays text."""
    body = _markdown_it().render(text_)
    svgs = {_figure_key(f): f.svg for f in figures_}
    return _PLACEHOLDER.sub(lambda m: f'<figure class="picture">{svgs[m.group(1)]}</figure>'
                            if m.group(1) in svgs else m.group(0), body)


@lru_cache(maxsize=None)
def _markdown_it():
    import html as html_lib

    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin

    def math(content: str, options: dict) -> str:
        body = html_lib.escape(content.strip())
        return f'<div class="math">\\[{body}\\]</div>' if options.get("display_mode") else f"\\({body}\\)"

    return MarkdownIt("commonmark", {"html": False}).enable("table").use(dollarmath_plugin, renderer=math,
                                                                          allow_space=True, allow_digits=True)


_CSS = ("body{max-width:52rem;margin:2rem auto;padding:0 1rem;font-family:Georgia,serif;line-height:1.5}"
        "table{border-collapse:collapse;margin:1rem 0}th,td{border-bottom:1px solid #ccc;padding:.2rem .8rem;"
        "text-align:left}.math{overflow-x:auto}figure.picture{margin:1rem 0;overflow-x:auto}"
        "figure.picture svg{max-width:100%;height:auto}")


def latex(solutions: list[Solution], fragment: bool = False) -> str:
    """A standalone LaTeX document (or, with fragment, a body to \\input)."""
    return _tex_env().get_template("solution.tex.j2").render(solutions=solutions, fragment=fragment)


def markdown(solutions: list[Solution], figure_prefix: str = "", inline_figures: bool = False) -> str:
    """Markdown with $...$ and $$...$$ math, as GitHub and Jupyter display it. Figures are images
    `figure_prefix + file` (the caller writes `figure_files` there)."""
    return _text_env().get_template("solution.md.j2").render(solutions=solutions, figure_prefix=figure_prefix,
                                                             inline_figures=inline_figures)


def terminal(solution: Solution, figure_prefix: str | None = None) -> str:
    """rich markup for the terminal; with figure_prefix, each figure says where its SVG was written."""
    return _text_env().get_template("solution.rich.j2").render(s=solution, figure_prefix=figure_prefix)


def answers_json(solution: Solution) -> str:
    """The JSON answers contract (FORMAT section 4)."""
    return json.dumps(answers_data(solution), indent=2, ensure_ascii=False) + "\n"


def answers_data(solution: Solution) -> dict:
    """The JSON answers contract as a dict: title, answers, parts (and notes, variant where there are)."""
    parts = []
    for p in solution.parts:
        parts.append({
            "label": p.label,
            "marks": p.marks,
            "question": p.question,
            "answer": p.answer,
            "quantities": [k for k in p.quantities],
            "steps": [_block_data(b) for b in p.blocks],
        })
    doc = {"title": solution.title, "answers": solution.answers, "symbols": answer_symbols(solution.answers),
           "parts": parts}
    if solution.notes:
        doc["notes"] = list(solution.notes)
    if solution.variant:
        doc["variant"] = solution.variant
        doc["draws"] = solution.draws
    return doc


def _block_data(b) -> dict:
    """One block of the JSON document: a step's equations in LaTeX and text, or a table's cells."""
    if b.type == "steps":
        return {
            "quantity": b.quantity,
            "prose": b.prose,
            "latex": [e.lhs_tex + " " + " ".join((f.rel_tex + " " if f.rel else "") + f.tex for f in e.forms)
                      for e in b.equations],
            "text": [e.lhs_text + " " + " ".join((f.rel_text + " " if f.rel else "") + f.text for f in e.forms)
                     for e in b.equations],
        }
    if b.type == "table":
        return {"quantity": b.quantity, "prose": b.prose,
                "table": {"header": [c.text for c in b.header], "rows": [[c.text for c in r] for r in b.rows]}}
    if b.type == "figure":
        return {"figure": b.file, "caption": b.caption, "name": b.name, "nodes": b.nodes, "edges": b.edges}
    return {"prose": b.text}


def exam_document(variant, mode: str, fmt: str, figure_prefix: str = "") -> str:
    """An exam variant's question sheet (mode 'sheet') or answer key ('key'), as LaTeX or Markdown."""
    if fmt == "latex":
        return _tex_env().get_template("exam.tex.j2").render(v=variant, key=mode == "key")
    return _text_env().get_template("exam.md.j2").render(v=variant, key=mode == "key", figure_prefix=figure_prefix,
                                                         inline_figures=False)

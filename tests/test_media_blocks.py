"""view -> media: every block type laid out by every medium (LaTeX, Markdown, terminal, JSON)."""

from __future__ import annotations

import json

import pytest

from neuralsolve import render
from neuralsolve.picture import Diagram, figure
from neuralsolve.solution import Cell, Equation, Form, PartView, Prose, Solution, Step, Table

from .test_media_render import compile_tex

TABLE = Table(
    header=(Cell("layer"), Cell("output volume"), Cell("parameters")),
    rows=((Cell("Conv4-5-Pvalid-S2"), Cell("31 × 31 × 5", r"31 \times 31 \times 5"), Cell("85", "85")),
          (Cell("Pool3 | 50% & #_{x}"), Cell("10 × 10 × 5", r"10 \times 10 \times 5"), Cell("0", "0"))),
    prose="Every layer at a glance:",
)
STEP = Step("z", "The rule:", (Equation("z", "z", (Form("=", r"\frac{1}{2}", "1/2"),)),))


def solution(*blocks) -> Solution:
    return Solution("Blocks", (PartView("a", "2", None, None, tuple(blocks), ()),), {"z": "1/2"}, (), "2")


def test_a_table_in_latex_is_a_booktabs_tabular_with_escaped_text_and_math_cells():
    tex = render.latex([solution(STEP, TABLE)])
    assert r"\begin{tabular}{lll}" in tex and r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"layer & output volume & parameters \\" in tex
    assert r"Conv4-5-Pvalid-S2 & $31 \times 31 \times 5$ & $85$ \\" in tex
    assert r"Pool3 | 50\% \& \#\_\{x\}" in tex  # author text is escaped, never TeX
    assert tex.index(r"\begin{align*}") < tex.index(r"\begin{tabular}")  # blocks keep their order


def test_a_table_in_markdown_is_a_pipe_table():
    md = render.markdown([solution(TABLE)])
    assert "| layer | output volume | parameters |\n| --- | --- | --- |\n" in md
    assert "| Conv4-5-Pvalid-S2 | $31 \\times 31 \\times 5$ | $85$ |" in md
    assert r"Pool3 \| 50% \& \#\_{x}" in md  # a pipe in a cell cannot end the cell; & never starts an entity


def test_a_table_in_the_terminal_is_drawn_by_rich_and_escaped():
    text = render.terminal(solution(TABLE))
    assert "Every layer at a glance:" in text
    line = next(li for li in text.splitlines() if "Conv4-5" in li)
    assert "31 × 31 × 5" in line and "85" in line
    assert r"\[" not in text or "[bold]" in text  # rich markup only where the template puts it


def test_a_table_in_json_keeps_its_cells():
    doc = json.loads(render.answers_json(solution(STEP, TABLE)))
    step, table = doc["parts"][0]["steps"]
    assert step["latex"] == [r"z = \frac{1}{2}"]
    assert table["table"]["header"] == ["layer", "output volume", "parameters"]
    assert table["table"]["rows"][0] == ["Conv4-5-Pvalid-S2", "31 × 31 × 5", "85"]


def _figure(caption="The network"):
    d = Diagram()
    d.node("a", 0, 0, "x_{1}", style="input")
    d.node("b", 3, 0, r"\tanh")
    d.edge("a", "b", "w_{1}")
    return figure(d.finish(), "diagram", caption)


def test_prose_and_figure_blocks_in_every_medium():
    blocks = (Prose("Plain words & 100%"), _figure())
    tex = render.latex([solution(*blocks)])
    assert r"Plain words \& 100\%" in tex and r"\begin{tikzpicture}" in tex and r"\usepackage{tikz}" in tex
    assert r"{$w_{1}$}" in tex  # the edge's label, as TikZ sets it
    md = render.markdown([solution(*blocks)], "q1-")
    assert r"Plain words \& 100%" in md and "![The network](q1-diagram.svg)" in md
    assert "Figure: The network (SVG written to out/q1-diagram.svg)" in render.terminal(solution(*blocks), "out/q1-")
    assert "SVG written" not in render.terminal(solution(*blocks))
    steps = json.loads(render.answers_json(solution(*blocks)))["parts"][0]["steps"]
    assert steps == [{"prose": "Plain words & 100%"},
                     {"figure": "diagram.svg", "caption": "The network", "name": "diagram", "nodes": 2, "edges": 1}]
    page = render.html([solution(*blocks)])
    assert page.count("<svg") == 1 and "NSFIGURE" not in page and "<img" not in page


def test_a_document_without_figures_does_not_load_tikz():
    assert r"\usepackage{tikz}" not in render.latex([solution(Prose("Words."))])


def test_a_table_row_must_match_its_header():
    with pytest.raises(ValueError):
        Table((Cell("a"), Cell("b")), ((Cell("1"),),))


@pytest.mark.slow
def test_a_document_with_every_block_compiles(tmp_path):
    compile_tex(render.latex([solution(STEP, Prose("Words."), TABLE, _figure("A picture & 100%"))]), tmp_path)

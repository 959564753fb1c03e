"""Pictures: diagrams drawn from each problem's own structure, and plots, as TikZ and SVG from one layout.

The counts are checked against the problem's structure read independently of the layout (the model's
layers, equations and recurrences), the SVG is parsed as XML, labels never overlap, and the same input
gives the same bytes."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from neuralsolve import diagrams, plots, render, solve
from neuralsolve.picture import Diagram, plain, runs, svg, tikz

from .conftest import ROOT
from .test_cli import run as run_cli

PROBLEM_DIR = ROOT / "problems"

SVG = "{http://www.w3.org/2000/svg}"


def _svg_counts(text: str) -> tuple[int, int]:
    root = ET.fromstring(text)
    nodes = [e for e in root.iter() if e.get("class") == "node"]
    edges = [e for e in root.iter() if e.get("class") == "edge"]
    return len(nodes), len(edges)


def _figure(path):
    w = solve(path)
    figs = render.figures(w.solution)
    assert figs, f"{path} has no figure"
    return w, figs


# -- labels -------------------------------------------------------------------------------------------

def test_label_runs_set_indices_and_greek():
    assert plain(r"w^{2}_{11}") == "w^2_11"
    assert plain(r"\mathbf{W}^{\top}") == "W^⊤"
    assert plain(r"\sigma") == "σ" and plain(r"\hat{y}") == "ŷ"
    assert [r.face for r in runs(r"\mathbf{x}")] == ["bold"]
    assert plain(r"\frac{1}{2}").startswith("1/2")
    assert plain(r"\text{Conv4{-}5}") == "Conv4-5" and plain("-3") == "−3"


def test_an_svg_label_is_escaped_text():
    d = Diagram()
    d.node("a", 0, 0, r"x<y\&z")
    out = svg(d.finish(), 'a "title" <b>')
    ET.fromstring(out)  # well-formed
    assert "<b>" not in out and "&lt;" in out


# -- diagrams: counts from the model, not from the layout ---------------------------------------------

def test_the_network_diagram_has_a_node_per_unit_and_a_labelled_edge_per_weight():
    w = solve(PROBLEM_DIR / "square-network.yaml")
    m = w.problem.model
    pic = diagrams.network(m)
    units = len(m.layers[0].inputs) + sum(len(layer.a) for layer in m.layers)
    weights = sum(len(row) for layer in m.layers for row in layer.weights)
    assert sum(1 for n in pic.nodes if n.shape != "plain") == units
    assert sum(1 for e in pic.edges if e.tex) == weights
    # each edge carries its own weight's value: w2_1_2 on a1_2 -> a2_1
    e = next(e for e in pic.edges if (e.source, e.target) == ("a1_2", "a2_1"))
    assert e.tex == "-1"  # the YAML's weights: [[1, -1], [-1, 1]], row 1 column 2
    assert pic.collisions() == []
    assert _svg_counts(svg(pic)) == (len(pic.nodes), len(pic.edges))


def test_a_3_4_4_2_network_still_reads(tmp_path):
    (tmp_path / "net.yaml").write_text("""title: wide
network:
  input: [1, -2, 0.5]
  layers:
    - {weights: [[0.1, -0.2, 0.3], [1, 2, -1], [0.5, 0.25, -3], [2, 1, 1]], biases: [0, 1, -1, 0.5], activation: relu}
    - {weights: [[1, -1, 2, 0.5], [3, 1, -2, 1], [1, 1, 1, 1], [-1, 2, 0, 1]], biases: [1, 2, 3, 4], activation: tanh}
    - {weights: [[1, 2, 3, 4], [-1, -2, -3, -4]], biases: [0, 1], activation: sigmoid}
  target: [1, 0]
parts:
  - ask: diagram
""")
    (fig,) = render.figures(solve(tmp_path / "net.yaml").solution)
    assert fig.nodes == 3 + 4 + 4 + 2 and fig.edges == 12 + 16 + 8 + 2
    pic = diagrams.network(solve(tmp_path / "net.yaml").problem.model)
    assert pic.collisions() == []
    # every weight label sits on its own edge, nearer its target when many edges come in
    for e in pic.edges:
        if e.tex:
            a, b = pic.node(e.source), pic.node(e.target)
            t = (e.at[0] - a.x) / (b.x - a.x)
            assert abs(a.y + t * (b.y - a.y) - e.at[1]) < 1e-6


def _names_used(node, names):
    return {s.name for s in node.expr.free_symbols if s.name in names}


def test_the_graph_of_equations_has_a_node_per_quantity_and_an_edge_per_name_used():
    w, (fig,) = _figure(PROBLEM_DIR / "tanh-graph-drawing.yaml")
    g = w.problem.model
    names = {n.name for n in g.nodes}
    computed = [n for n in g.nodes if not n.is_leaf]
    uses = sum(len(_names_used(n, names)) for n in computed)
    # the ten weights each scale one name, so they label those edges instead of being nodes
    on_edges = set(g.parameters)
    assert fig.nodes == len(names) - len(on_edges)
    assert fig.edges == uses - len(on_edges)
    pic = diagrams.equations(g)
    labelled = {(e.source, e.target): e.tex for e in pic.edges if e.tex}
    assert labelled[("x1", "z3")] == "w_{13}" and labelled[("a4", "z6")] == "w_{46}"
    assert pic.collisions() == []
    assert _svg_counts(fig.svg) == (fig.nodes, fig.edges)


def test_a_shared_parameter_is_a_node_with_an_edge_to_each_weight():
    w, (fig,) = _figure(PROBLEM_DIR / "shared-parameter.yaml")
    pic = diagrams.equations(w.problem.model)
    v = pic.node("v")
    assert v.style == "param"
    assert sorted(e.target for e in pic.edges if e.source == "v") == ["w13", "w24"]


def test_the_autoencoders_graph_shows_both_paths_to_W():
    w, (fig,) = _figure(PROBLEM_DIR / "matrix-autoencoder.yaml")
    pic = diagrams.matrix(w.problem.model)
    out = [e for e in pic.edges if e.source == "W"]
    assert len(out) == 2  # W^T and W
    ops = sorted(n.tex for n in pic.nodes if n.style == "op")
    assert r"(\cdot)^{\top}" in ops and "@" in ops and "+" in ops
    assert any(e.tex == "-" for e in pic.edges)  # K = ... - x: the subtracted x
    assert pic.collisions() == []


def test_a_diagram_of_one_quantity_draws_only_what_leads_to_it():
    w, (l1, l2) = _figure(PROBLEM_DIR / "matrix-gplvm.yaml")
    p1 = diagrams.matrix(w.problem.model, "L1")
    p2 = diagrams.matrix(w.problem.model, "L2")
    assert {n.id for n in p1.nodes} >= {"X", "K", "L1"} and "Y" not in {n.id for n in p1.nodes}
    assert "Y" in {n.id for n in p2.nodes} and "L1" not in {n.id for n in p2.nodes}
    assert any(n.tex == r"\log\det" for n in p1.nodes) and any(n.tex == r"(\cdot)^{-1}" for n in p2.nodes)
    assert any(n.tex == r"\times \left(- \frac{D}{2}\right)" for n in p1.nodes)


def test_the_unrolled_rnn_has_every_copy_and_the_shared_weights_on_each():
    w, (fig,) = _figure(PROBLEM_DIR / "rnn-threshold-forward.yaml")
    m = w.problem.model
    T = m.steps
    reads = sum(len(r.reads) for r in m.recurrences)
    assert fig.nodes == T * (len(m.inputs) + len(m.recurrences)) + len(m.states)  # h_0 .. h_T, x_t, y_t
    assert fig.edges == T * reads
    pic = diagrams.unrolled(m, T)
    labels = [e.tex for e in pic.edges]
    assert labels.count("w_{1}") == T and labels.count("w_{2}") == T and labels.count("w_{3}") == T
    assert sum(r"+b_{2}" in t.tex for t in pic.texts) == T and sum("f" in t.tex for t in pic.texts) == T
    assert pic.collisions() == []


def test_the_cnn_diagram_is_a_volume_per_layer():
    from neuralsolve import solve_text

    w = solve_text("title: c\ncnn:\n  input: [64, 64, 1]\n  layers: [Conv4-5-Pvalid-S2, Pool3, FC5]\nparts:\n"
                   "  - ask: [diagram, shapes]\n", "c.yaml")
    (fig,) = render.figures(w.solution)
    assert fig.nodes == 4 and fig.edges == 3
    assert "31\\times31\\times5" in fig.tikz and "Conv4{-}5{-}Pvalid{-}S2" in fig.tikz


def test_every_figure_of_the_gallery_parses_and_draws_each_node():
    """(Same bytes run to run is test_figures_are_the_same_bytes_whatever_the_hash_salt, across processes.)"""
    for name in ("tanh-graph-drawing", "matrix-gplvm", "rnn-threshold-forward", "matrix-swish-network",
                 "relu-decision-boundary", "relu-two-points", "relu-ramp-design", "shared-parameter"):
        for f in render.figures(solve(PROBLEM_DIR / f"{name}.yaml").solution):
            root = ET.fromstring(f.svg)
            assert f.tikz.count(r"\node[") >= f.nodes
            shapes = [e for e in root.iter() if e.get("class") == "node" and not e.tag.endswith("}g")]
            assert len(shapes) == f.nodes  # a circle or a box per node (a plain output name is text only)


def test_a_wide_picture_is_scaled_to_the_text_width():
    d = Diagram()
    for i in range(12):
        d.node(f"n{i}", 2.0 * i, 0, f"x_{{{i}}}")
    assert tikz(d.finish()).startswith(r"\resizebox{\linewidth}{!}{")


def test_of_is_refused_where_the_whole_structure_is_drawn(tmp_path):
    text = (PROBLEM_DIR / "square-network.yaml").read_text()
    text = text[:text.index("parts:")] + "parts:\n  - ask: {diagram: {of: a2_1}}\n"
    (tmp_path / "n.yaml").write_text(text)
    out = run_cli("solve", str(tmp_path / "n.yaml"))
    assert out.exit_code == 2 and "n.yaml:" in out.output and "diagram takes no arguments here" in out.output


def test_diagram_of_an_unknown_quantity_is_a_located_error(tmp_path):
    (tmp_path / "g.yaml").write_text("title: g\ngraph:\n  equations:\n    y: w*x\n    E: (y - t)^2\n  output: E\n"
                                     "  parameters: [w]\nparts:\n  - ask: {diagram: {of: Z}}\n")
    out = run_cli("solve", str(tmp_path / "g.yaml"))
    assert out.exit_code == 2
    assert re.match(r".*g\.yaml:9:\d+: no quantity named 'Z'", out.output)


# -- plots --------------------------------------------------------------------------------------------

def test_contour_segments_lie_on_their_level():
    # f = x^2 + y^2: every point of the level curve through r^2 is at distance r from the origin
    segs = plots._marching([i / 10 - 2 for i in range(41)], [j / 10 - 2 for j in range(41)],
                           [[(i / 10 - 2) ** 2 + (j / 10 - 2) ** 2 for i in range(41)] for j in range(41)], 1.0)
    assert len(segs) > 20
    for p, q in segs:
        for x, y in (p, q):
            assert abs(math.hypot(x, y) - 1) < 0.02


def test_ticks_are_round_numbers():
    assert plots.nice_ticks(-4, 4) == [-4, -2, 0, 2, 4]
    assert plots.nice_ticks(0, 1) == [0, 0.2, 0.4, 0.6, 0.8, 1.0]


def test_the_optimizer_plot_draws_every_iterate(tmp_path):
    (tmp_path / "o.yaml").write_text("title: o\noptimize:\n  function: y^2 + (y - x)^2\n  start: {x: 1, y: 1}\n"
                                     "  step_sizes: [0.1, 0.4]\n  steps: 5\nparts:\n  - ask: [stationary_points, plot]\n")
    (fig,) = render.figures(solve(tmp_path / "o.yaml").solution)
    root = ET.fromstring(fig.svg)
    dots = [e for e in root.iter(f"{SVG}circle") if e.get("class") == "dot"]
    assert len(dots) == 2 * 6 + 1  # the iterates k = 0..5 of both step sizes, and the minimum
    assert "minimum" in fig.svg


def test_the_calculus_plot_samples_the_function(tmp_path):
    (tmp_path / "s.yaml").write_text("title: s\ncalculus:\n  function: x*sigmoid(beta*x)\n  name: g\nparts:\n"
                                     "  - ask: {plot: {x: [-4, 4], curves: {beta: [1, 10]}}}\n")
    w = solve(tmp_path / "s.yaml")
    (fig,) = render.figures(w.solution)
    root = ET.fromstring(fig.svg)
    lines = [e for e in root.iter(f"{SVG}polyline") if len(e.get("points").split()) > 100]
    assert len(lines) == 2
    # the curve for beta = 1 passes through (x, x sigmoid(x)): map its pixels back and compare
    pts = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    (x0, y0), (x1, y1) = pts[0], pts[-1]
    fx0, fx1 = -4 / (1 + math.exp(4)), 4 / (1 + math.exp(-4))
    for k in (50, 100, 150):
        x = -4 + 8 * k / 200
        want = x / (1 + math.exp(-x))
        px, py = pts[k]
        assert abs((px - x0) / (x1 - x0) * 8 - 4 - x) < 1e-6
        assert abs(y0 + (want - fx0) / (fx1 - fx0) * (y1 - y0) - py) < 0.01


@pytest.mark.parametrize("arg, message", [
    ("{plot: {x: [4, -4]}}", "from the smaller end"),
    ("{plot: {x: [-4, 4]}}", "beta need values"),
    ("{plot: {q: [0, 1], curves: {beta: [1]}}}", "'q' is not a variable"),
])
def test_a_bad_plot_is_a_located_error(tmp_path, arg, message):
    (tmp_path / "s.yaml").write_text(f"title: s\ncalculus:\n  function: x*sigmoid(beta*x)\nparts:\n  - ask: {arg}\n")
    out = run_cli("solve", str(tmp_path / "s.yaml"))
    assert out.exit_code == 2 and message in out.output and "Traceback" not in out.output


# -- where the SVG goes --------------------------------------------------------------------------------

def test_solve_writes_the_svg_and_says_where(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = run_cli("solve", str(PROBLEM_DIR / "tanh-graph-drawing.yaml"))
    assert out.exit_code == 0
    assert (tmp_path / "figures" / "tanh-graph-drawing-diagram.svg").is_file()
    assert "figures/tanh-graph-drawing-diagram.svg" in out.output.replace("\n", "")
    out = run_cli("solve", str(PROBLEM_DIR / "tanh-graph-drawing.yaml"), "--figures", str(tmp_path / "pics"))
    assert (tmp_path / "pics" / "tanh-graph-drawing-diagram.svg").is_file()


def test_markdown_links_the_svg_written_beside_it(tmp_path):
    out = run_cli("render", str(PROBLEM_DIR / "matrix-gplvm.yaml"), "--markdown", "-o", str(tmp_path / "key.md"))
    assert out.exit_code == 0
    md = (tmp_path / "key.md").read_text()
    for name in ("key-diagram.svg", "key-diagram-2.svg"):
        assert f"]({name})" in md
        ET.fromstring((tmp_path / name).read_text())


def test_an_unwritable_figures_folder_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    out = run_cli("solve", str(PROBLEM_DIR / "tanh-graph-drawing.yaml"), "--figures", str(blocker / "sub"))
    assert out.exit_code == 2
    assert len(out.output.strip().splitlines()) == 1 and "Traceback" not in out.output


def test_html_inlines_the_svg():
    page = render.html([solve(PROBLEM_DIR / "tanh-graph-drawing.yaml").solution])
    assert page.count("<svg") == 1 and "NSFIGURE" not in page


def test_an_answer_is_unchanged_by_a_diagram_part():
    drawn = solve(PROBLEM_DIR / "tanh-graph-drawing.yaml")
    assert drawn.solution.parts[0].quantities == () and drawn.solution.parts[0].marks == "5"
    assert drawn.solution.answers == solve(PROBLEM_DIR / "tanh-graph.yaml").solution.answers  # the same equations


def test_check_leaves_a_drawings_marks_to_the_marker(tmp_path):
    out = run_cli("render", str(PROBLEM_DIR / "tanh-graph-drawing.yaml"), "--json", "-o", str(tmp_path / "key.json"))
    assert out.exit_code == 0
    (tmp_path / "a.json").write_text('{"dE/dw13": "0"}')
    out = run_cli("check", str(tmp_path / "key.json"), str(tmp_path / "a.json"))
    assert "0 of 15 marks" in out.output and "5 more marks (drawings, answers in words) to be marked by hand" in out.output


def test_a_diagram_too_dense_to_read_is_refused_at_once(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    from run import network_yaml

    import random

    text = network_yaml(random.Random(1), [16] * 4) + "parts:\n  - ask: diagram\n"
    (tmp_path / "big.yaml").write_text(text)
    out = run_cli("solve", str(tmp_path / "big.yaml"))
    assert out.exit_code == 2
    assert re.match(r".*big\.yaml:\d+:\d+: diagram: the diagram would have 80 nodes and 784 connections", out.output)


def test_an_exam_variant_folder_holds_its_keys_figures(tmp_path):
    exam = tmp_path / "exam.yaml"
    exam.write_text(f"exam:\n  title: Drawn\n  questions:\n    - {PROBLEM_DIR / 'rnn-threshold-forward.yaml'}\n"
                    f"    - {PROBLEM_DIR / 'matrix-gplvm.yaml'}\n")
    out = run_cli("exam", str(exam), "--no-pdf", "-o", str(tmp_path / "out"))
    assert out.exit_code == 0, out.output
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    key = (folder / "key.md").read_text()
    for name in ("q1-diagram.svg", "q2-diagram.svg", "q2-diagram-2.svg"):
        assert f"]({name})" in key
        ET.fromstring((folder / name).read_text())
    assert "svg" not in (folder / "questions.md").read_text()
    assert r"\begin{tikzpicture}" in (folder / "key.tex").read_text()
    assert r"\begin{tikzpicture}" not in (folder / "questions.tex").read_text()


# -- the regions plots --------------------------------------------------------------------------------

def _y(x1, x2):  # exercise sheet 2, Ex 1, evaluated directly
    def relu(v):
        return max(v, 0.0)

    return 1 - relu(x1) - relu(x2) + relu(x1 + x2)


def test_the_decision_regions_are_shaded_by_the_sign_of_y():
    w = solve(PROBLEM_DIR / "relu-decision-boundary.yaml")
    figs = {f.name: f for f in render.figures(w.solution)}
    root = ET.fromstring(figs["regions"].svg)
    polys = [e for e in root.iter(f"{SVG}polygon") if e.get("class") == "region"]
    assert polys
    # map pixels back to the plane: the axes' arrows run from -2 to 2 on both axes (the view of this problem)
    lines = [e for e in root.iter(f"{SVG}polyline") if e.get("marker-end")]
    (xa0, ya), (xa1, _) = [tuple(map(float, p.split(","))) for p in lines[0].get("points").split()]
    (xb, yb0), (_, yb1) = [tuple(map(float, p.split(","))) for p in lines[1].get("points").split()]
    for poly in polys:
        pts = [tuple(map(float, p.split(","))) for p in poly.get("points").split()]
        cx, cy = sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
        x1 = -2 + 4 * (cx - xa0) / (xa1 - xa0)
        x2 = -2 + 4 * (cy - yb0) / (yb1 - yb0)
        want = "#fbd5d5" if _y(x1, x2) < 0 else "#d9e0fb"  # class 1 red where y < 0, class 2 blue
        assert poly.get("fill") == want, (x1, x2)
    assert "class 1" in figs["regions"].svg and "class 2" in figs["regions"].svg


def test_the_network_of_an_equation_of_relus_is_drawn_as_units():
    w = solve(PROBLEM_DIR / "relu-decision-boundary.yaml")
    pic = diagrams.equations(w.problem.model)
    units = [n for n in pic.nodes if n.tex == r"\operatorname{relu}"]
    assert len(units) == 3
    into_y = sorted(e.tex for e in pic.edges if e.target == "y")
    assert into_y == ["-1", "-1", "1"]
    assert sorted(e.tex for e in pic.edges if e.source in ("x1", "x2")) == ["1"] * 4
    assert [t.tex for t in pic.texts].count("b = 0") == 3 and "b = 1" in [t.tex for t in pic.texts]


def test_the_one_input_function_passes_through_its_kinks():
    w = solve(PROBLEM_DIR / "relu-two-points.yaml")
    (fig,) = [f for f in render.figures(w.solution) if f.name == "regions"]
    assert r"(3,\ 0)" in fig.tikz and r"(4,\ 1)" in fig.tikz
    root = ET.fromstring(fig.svg)
    (curve,) = [e for e in root.iter(f"{SVG}polyline") if e.get("stroke") == "#1f3fb3"]
    dots = [(float(e.get("cx")), float(e.get("cy"))) for e in root.iter(f"{SVG}circle") if e.get("class") == "dot"]
    pts = [tuple(map(float, p.split(","))) for p in curve.get("points").split()]
    for d in dots:  # each kink is a vertex of the drawn curve
        assert any(abs(d[0] - p[0]) < 1e-6 and abs(d[1] - p[1]) < 1e-6 for p in pts)


@pytest.mark.slow
def test_figures_are_the_same_bytes_whatever_the_hash_salt(tmp_path):
    import os
    import subprocess
    import sys

    names = ["relu-decision-boundary", "matrix-gplvm", "tanh-graph-drawing", "rnn-threshold-forward",
             "relu-ramp-design"]
    outs = []
    for salt in ("1", "2"):
        folder = tmp_path / salt
        for name in names:
            r = subprocess.run([sys.executable, "-m", "neuralsolve", "render", str(PROBLEM_DIR / f"{name}.yaml"),
                                "--markdown", "-o", str(folder / f"{name}.md")], cwd=ROOT, capture_output=True,
                               env={**os.environ, "PYTHONHASHSEED": salt}, text=True)
            assert r.returncode == 0, r.stderr
        outs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert len([n for n in outs[0] if n.endswith(".svg")]) >= 6
    assert outs[0] == outs[1]


def test_a_vector_rnn_is_unrolled_as_vectors_with_its_matrices_on_the_arrows(tmp_path):
    text = (PROBLEM_DIR / "rnn-vector.yaml").read_text().replace("\nparts:\n", "\nparts:\n  - ask: diagram\n", 1)
    (tmp_path / "v.yaml").write_text(text)
    w = solve(tmp_path / "v.yaml")
    pic = diagrams.unrolled(w.problem.model, 3)
    assert sorted(n.tex for n in pic.nodes if n.style == "input") == sorted(
        [r"\mathbf{h}_{0}"] + [rf"\mathbf{{x}}_{{{t}}}" for t in (1, 2, 3)])
    labels = [e.tex for e in pic.edges]
    assert all(labels.count(m) == 3 for m in (r"\mathbf{U}", r"\mathbf{W}", r"\mathbf{V}"))
    assert len(pic.edges) == 9 and pic.collisions() == []
    assert plain(r"\mathcal{L}_{\mathrm{reg}}") == "L_reg"


def test_text_that_looks_like_a_figure_placeholder_stays_text():
    from neuralsolve.render import markdown_html

    fake = "NSFIGURE" + "0" * 24
    assert markdown_html(fake + "\n") == f"<p>{fake}</p>\n"

"""The cnn kind (issue 7, item 9): seed numbers, located errors, answers, check, exams, variants and --verify."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy
from click.testing import CliRunner

import neuralsolve
from neuralsolve.answers import compute
from neuralsolve.cli import cli
from neuralsolve.kinds import cnn

from .conftest import ROOT, assert_located

ARCHITECTURE = ROOT / "problems" / "cnn-architecture.yaml"
RECEPTIVE = ROOT / "problems" / "cnn-receptive-field.yaml"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def answers(worked) -> dict:
    """The JSON answers contract, every value read back by sympy.sympify."""
    return {k: sympy.sympify(v) for k, v in json.loads(worked.json())["answers"].items()}


def cnn_yaml(layers: str, input_: str = "[64, 64, 1]", parts: str = "") -> str:
    return f"title: t\ncnn:\n  input: {input_}\n  layers:\n{layers}{parts}"


# -- the seed's numbers ---------------------------------------------------------------------------------------------
def test_seed_architecture_volumes_and_parameters():
    a = answers(neuralsolve.solve(ARCHITECTURE))
    assert [a[f"shape_{L}"] for L in range(1, 6)] == [[31, 31, 5], [10, 10, 5], [8, 8, 5], [4, 4, 5], [1, 1, 5]]
    assert [a[f"parameters_{L}"] for L in range(1, 6)] == [85, 0, 230, 0, 405]
    assert a["parameters"] == 720


def test_seed_receptive_field_of_five_convolutions():
    a = answers(neuralsolve.solve(RECEPTIVE))
    assert [a[f"receptive_field_{L}"] for L in range(1, 6)] == [5, 9, 13, 17, 21]
    assert a["shape_5"] == [32, 32, 1]  # padding 2 keeps 32 x 32; one output channel


def test_the_format_mapping_form_gives_the_seed_numbers_too(write):
    layers = ("    - conv: {filters: 5, size: 4, stride: 2, padding: valid}\n    - pool: {size: 3}\n"
              "    - conv: {filters: 5, size: 3, stride: 1, padding: valid}\n    - pool: {size: 2}\n"
              "    - dense: {units: 5}\n")
    mapped = neuralsolve.solve(write(cnn_yaml(layers)))
    assert mapped.answers == neuralsolve.solve(ARCHITECTURE).answers


def test_steps_write_the_formula_with_the_numbers():
    w = neuralsolve.solve(ARCHITECTURE)
    md, tex = w.markdown(), w.latex()
    assert (r"W_{1} = H_{1} &= \left\lfloor \frac{W_{0} - F_{1} + 2P_{1}}{S_{1}} \right\rfloor + 1 = "
            r"\left\lfloor \frac{64 - 4 + 2 \times 0}{2} \right\rfloor + 1 = 31") in md
    assert r"\left\lfloor \frac{28}{3} \right\rfloor + 1 = 10" in tex  # the floor shown where it drops a column
    assert (r"\mathrm{params}_{1} &= D_{0} \times F_{1} \times F_{1} \times N_{1} + N_{1} = "
            r"1 \times 4 \times 4 \times 5 + 5 = 85") in md
    assert r"4 \times 4 \times 5 \times 5 + 5 = 405" in md
    assert r"\mathrm{params} &= 85 + 230 + 405 = 720" in md
    table = [b for b in w.solution.parts[0].blocks if b.type == "table"][0]
    assert [c.text for c in table.header] == ["L", "Layer", "Output volume", "Parameters"]
    assert [c.text for c in table.rows[1]] == ["1", "Conv4-5-Pvalid-S2", "31 × 31 × 5", "85"]
    assert [c.text for c in table.rows[-1]] == ["", "Total", "", "720"]


def test_receptive_field_steps_and_table():
    w = neuralsolve.solve(RECEPTIVE)
    text = "\n".join(e.lhs_text + " = " + " = ".join(f.text for f in e.forms)
                     for b in w.solution.parts[0].blocks if b.type == "steps" for e in b.equations)
    assert "R_2 = R_1 + (k_2 - 1) × s_1 = 5 + (5 - 1) × 1 = 9" in text
    assert "R_5 = R_4 + (k_5 - 1) × s_1 × s_2 × s_3 × s_4 = 17 + (5 - 1) × 1 × 1 × 1 × 1 = 21" in text
    table = w.solution.parts[0].blocks[-1]
    assert [(r[0].text, r[2].text, r[2].math) for r in table.rows][-1] == ("5", "21 × 21", r"21 \times 21")


def test_padding_same_flatten_dense_average_pool_and_no_bias(write):
    layers = ("    - conv: {filters: 8, size: 3, stride: 2, padding: same}\n"
              "    - pool: {size: 2, stride: 1, type: average}\n    - flatten\n"
              "    - dense: {units: 10, bias: false}\n    - FC4\n")
    w = neuralsolve.solve(write(cnn_yaml(layers, "[28, 28, 3]")))
    a = answers(w)
    assert a["shape_1"] == [14, 14, 8] and a["parameters_1"] == 3 * 3 * 3 * 8 + 8  # same: ceil(28/2)
    assert a["shape_2"] == [13, 13, 8] and a["parameters_2"] == 0
    assert a["shape_3"] == [1, 1, 13 * 13 * 8] and a["shape_4"] == [1, 1, 10] and a["parameters_4"] == 1352 * 10
    assert a["parameters_5"] == 10 * 4 + 4 and a["parameters"] == 224 + 13520 + 44
    # R: 3, then 3 + (2 - 1) x 2 = 5; flattening keeps 5; a dense layer and what follows see the whole input
    assert [a[f"receptive_field_{L}"] for L in range(1, 6)] == [3, 5, 5, 28, 28]
    tables = [b for b in w.solution.parts[0].blocks if b.type == "table"]
    assert [t.header[-1].text for t in tables] == ["Parameters", "Receptive field"]
    names = [r[1].text for r in tables[1].rows]
    assert names == ["Conv3-8-Psame-S2", "AvgPool2-S1", "Flatten", "FC10", "FC4"]
    assert any("P = (F - 1)/2" in n for n in w.solution.notes)


def test_a_rectangular_input_works_each_side_out(write):
    w = neuralsolve.solve(write(cnn_yaml("    - Conv5-4-Pvalid-S1\n    - FC2\n", "[64, 32, 3]")))
    a = answers(w)
    assert a["shape_1"] == [60, 28, 4] and a["receptive_field_1"] == 5 and a["receptive_field_2"] == [64, 32]
    assert r"H_{1} &= \left\lfloor \frac{H_{0} - F_{1} + 2P_{1}}{S_{1}} \right\rfloor + 1" in w.markdown()


def test_no_parts_answers_everything_and_the_sheet_states_the_network(write):
    from neuralsolve.statement import statement

    problem = neuralsolve.load(write(cnn_yaml("    - Conv4-5-Pvalid-S2\n    - Pool3\n")))
    assert [a.what for a in problem.asks] == ["shapes", "parameter_count", "receptive_field"]
    st = statement(problem)
    assert st.rows[0][0].forms[0].text == "64 × 64 × 1"
    assert [c.text for c in st.blocks[0].rows[0]] == ["1", "Conv4-5-Pvalid-S2", "5 filters of 4 × 4, stride 2, "
                                                                                 "valid (no) padding"]
    assert st.questions[0].text.startswith("For each layer, give the output volume (width × height × depth)")


# -- located errors -------------------------------------------------------------------------------------------------
ERRORS = {
    "filter too large": (cnn_yaml("    - Conv4-5-Pvalid-S2\n    - Pool3\n    - Conv12-5-Pvalid-S1\n"),
                         "7:7: layer 3 (Conv12-5-Pvalid-S1): the 12 × 12 filter is larger than its padded input, "
                         "10 × 10 (input 10 × 10 × 5, P = 0); use a smaller filter or more padding"),
    "window too large": (cnn_yaml("    - pool: {size: 3}\n", "[2, 8, 1]"),
                         "5:7: layer 1 (Pool3): the 3 × 3 pooling window is larger than its padded input, 2 × 8 "
                         "(input 2 × 8 × 1, P = 0); use a smaller pooling window or more padding"),
    "same with an even filter": (cnn_yaml("    - conv: {filters: 5, size: 4, padding: same}\n"),
                                 "5:7: layer 1 (Conv4-5-Psame-S1): padding same needs an odd filter size, since "
                                 "P = (F - 1)/2 = 3/2 is not a whole number; give the padding as a number of pixels"),
    "size 0": (cnn_yaml("    - Pool2\n    - conv: {filters: 5, size: 0}\n"),
               "6:32: layer 2 (conv): the size must be a whole number from 1 to 100000"),
    "negative stride": (cnn_yaml("    - Conv3-5-Pvalid-S1\n    - pool: {size: 2, stride: -1}\n"),
                        "6:31: layer 2 (pool): the stride must be a whole number from 1 to 100000"),
    "shorthand 0 filters": (cnn_yaml("    - Conv3-0-Pvalid-S1\n"),
                            "5:7: layer 1 (Conv3-0-Pvalid-S1): the number of filters must be a whole number from "
                            "1 to 100000"),
    "layer type typo": (cnn_yaml("    - cnov: {filters: 5, size: 3}\n"),
                        "5:7: layer 1: unknown layer type 'cnov'; did you mean 'conv'?"),
    "key typo": (cnn_yaml("    - conv: {filters: 5, szie: 3}\n"),
                 "5:26: unknown key 'szie' in layer 1 (conv); did you mean 'size'?"),
    "padding typo": (cnn_yaml("    - conv: {filters: 5, size: 3, padding: vaild}\n"),
                     "5:44: layer 1 (conv): unknown padding 'vaild'; did you mean 'valid'? (or a whole number of "
                     "pixels)"),
    "pool type typo": (cnn_yaml("    - pool: {size: 2, type: avrage}\n"),
                       "5:29: layer 1 (pool): unknown pooling type 'avrage'; did you mean 'average'?"),
    "bias not boolean": (cnn_yaml("    - dense: {units: 3, bias: 0}\n"),
                         "5:31: layer 1 (dense): bias is true or false"),
    "shorthand typo": (cnn_yaml("    - Cnv4-5-Pvalid-S2\n"),
                       "5:7: layer 1: 'Cnv4-5-Pvalid-S2' is not a layer; did you mean 'Conv'? (write "
                       "Conv4-5-Pvalid-S2, Pool3, FC5, flatten, or a mapping such as conv: {filters: 5, size: 4})"),
    "shorthand malformed": (cnn_yaml("    - Conv4-5-Pvalid-2\n"),
                            "5:7: layer 1: cannot read 'Conv4-5-Pvalid-2'; write it as "
                            "ConvF-N-P<valid|same|number>-S<stride>, such as Conv4-5-Pvalid-S2"),
    "shorthand padding typo": (cnn_yaml("    - Conv3-5-Psme-S1\n"),
                               "5:7: layer 1 (Conv3-5-Psme-S1): unknown padding 'sme'; did you mean 'same'? "
                               "(or a whole number of pixels)"),
    "bare conv": (cnn_yaml("    - conv\n"), "5:7: layer 1: cannot read 'conv'; write it as "
                                             "ConvF-N-P<valid|same|number>-S<stride>, such as Conv4-5-Pvalid-S2"),
    "flatten with settings": (cnn_yaml("    - flatten: {units: 3}\n"),
                              "5:16: layer 1 (flatten) takes no settings; write it as the word flatten"),
    "missing filters": (cnn_yaml("    - conv: {size: 3}\n"), "5:7: layer 1 (conv) needs a 'filters'"),
    "input of two": (cnn_yaml("    - FC5\n", "[64, 64]"),
                     "3:10: the cnn input is [width, height, depth], such as [64, 64, 1]"),
    "input too large": (cnn_yaml("    - FC5\n", "[100001, 64, 1]"),
                        "3:11: the cnn input: each dimension must be a whole number from 1 to 100000"),
    "no layers": (cnn_yaml("", "[8, 8, 1]").replace("layers:\n", "layers: []\n"),
                  "4:11: the cnn needs at least one layer, such as conv: {filters: 5, size: 3}"),
    "too many layers": (cnn_yaml("    - flatten\n" * 201), "205:7: at most 200 layers; split the network into "
                                                              "smaller problems"),
    "unknown ask": (cnn_yaml("    - FC5\n", parts="parts:\n  - ask: shape\n"),
                    "7:10: unknown ask 'shape'; did you mean 'shapes'?"),
    "ask with arguments": (cnn_yaml("    - FC5\n", parts="parts:\n  - ask: {shapes: [1]}\n"),
                           "7:10: shapes takes no arguments; write it as the word shapes"),
}


@pytest.mark.parametrize("case", list(ERRORS))
def test_error_is_located_and_exact(case, write):
    text, message = ERRORS[case]
    path = write(text)
    assert_located(run("solve", path), path, message)


# -- answers, check, verify -----------------------------------------------------------------------------------------
def test_json_answers_are_exactly_the_answers_stage():
    problem = neuralsolve.load(ARCHITECTURE)
    _, stage = compute(problem)
    assert json.loads(neuralsolve.solve(ARCHITECTURE).json())["answers"] == stage.strings
    assert stage.strings["shape_1"] == "[31, 31, 5]"
    assert stage.asked == (("shape_1", "shape_2", "shape_3", "shape_4", "shape_5", "parameters_1", "parameters_2",
                            "parameters_3", "parameters_4", "parameters_5", "parameters"),)


def test_working_order_is_layer_order():
    problem = neuralsolve.load(ARCHITECTURE)
    names = ["parameters", "receptive_field_1", "shape_2", "parameters_1", "shape_1"]
    order = sorted(names, key=lambda n: problem.kind.working_order(problem, n))
    assert order == ["shape_1", "parameters_1", "receptive_field_1", "shape_2", "parameters"]


def test_a_students_wrong_volume_is_carried_forward():
    problem = neuralsolve.load(ARCHITECTURE)
    comp = problem.kind.compute(problem, {"shape_2": [sympy.Integer(10), sympy.Integer(10), sympy.Integer(4)]})
    assert comp.parameters[2] == 4 * 3 * 3 * 5 + 5  # layer 3's count from the student's depth 4
    assert comp.shapes[3] == (8, 8, 5)
    comp = problem.kind.compute(problem, {"parameters_1": sympy.Integer(80), "shape_1": sympy.Integer(31)})
    assert sum(comp.parameters) == 715 and comp.shapes[1] == (31, 31, 5)  # a shape must be a list to be taken


def test_check_a_right_and_a_wrong_shape(write, tmp_path):
    submitted = write("shape_1: [31, 31, 5]\nshape_2: [10, 10, 4]\nparameters: 720\n", "answers.yaml")
    key = tmp_path / "key.json"
    assert run("render", ARCHITECTURE, "--json", "-o", key).exit_code == 0
    for reference in (ARCHITECTURE, key):
        r = run("check", reference, submitted)
        assert r.exit_code == 1, r.output
        lines = {line.split("│")[0].strip(): line for line in r.output.splitlines() if "│" in line}
        assert "right" in lines["shape_1"] and "wrong" in lines["shape_2"] and "[10, 10, 5]" in lines["shape_2"]


def test_verify_agrees_on_the_seed_problems():
    for path in (ARCHITECTURE, RECEPTIVE):
        r = run("render", path, "--markdown", "--verify")
        assert r.exit_code == 0, r.output
        assert "Verified: all 16 answers agree with a recount" in r.output


@pytest.mark.parametrize("corrupt", ["parameters", "shapes", "fields"])
def test_verify_detects_a_corrupted_computation(corrupt, monkeypatch):
    from neuralsolve.selfcheck import verify

    real = cnn.compute

    def wrong(problem, pins=None):
        comp = real(problem, pins)
        if corrupt == "parameters":
            return dataclasses.replace(comp, parameters=(comp.parameters[0] + 1,) + comp.parameters[1:])
        if corrupt == "shapes":
            return dataclasses.replace(comp, shapes=comp.shapes[:2] + ((9, 10, 5),) + comp.shapes[3:])
        return dataclasses.replace(comp, fields=comp.fields[:-1] + (comp.fields[-1] + 2,))

    monkeypatch.setattr(cnn, "compute", wrong)
    problem = neuralsolve.load(ARCHITECTURE)
    solution, ok = verify(problem, neuralsolve.solve(ARCHITECTURE).solution)
    assert not ok
    bad = {"parameters": "parameters_1, parameters", "shapes": "shape_2", "fields": "receptive_field_5"}[corrupt]
    assert solution.notes[-1] == f"Verification FAILED for {bad}: recomputed another way, they differ."


def test_verify_counts_windows_of_uneven_strides_and_padding(write):
    layers = ("    - conv: {filters: 3, size: 5, stride: 3, padding: 1}\n    - Pool3-S2\n    - Conv2-4-P3-S2\n"
              "    - flatten\n    - FC7\n")
    problem = neuralsolve.load(write(cnn_yaml(layers, "[37, 23, 2]")))
    ok, note = problem.kind.verify(problem, compute(problem)[1])
    assert ok, note


# -- exams and randomized variants ----------------------------------------------------------------------------------
def test_an_exam_with_cnn_questions_builds(tmp_path, write):
    exam = write(f"exam:\n  title: T\n  questions:\n    - {ARCHITECTURE}\n    - {{file: {RECEPTIVE}, marks: 4}}\n",
                 "exam.yaml")
    r = run("exam", exam, "-o", tmp_path / "out", "--no-pdf")
    assert r.exit_code == 0, r.output
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    doc = json.loads((folder / "answers.json").read_text())
    assert doc["answers"]["Q1.shape_1"] == "[31, 31, 5]" and doc["answers"]["Q2.receptive_field_5"] == "21"
    sheet, key = (folder / "questions.tex").read_text(), (folder / "key.tex").read_text()
    assert "Conv4-5-Pvalid-S2" in sheet and "720" not in sheet and "720" in key


RANDOM = """title: A randomized convolutional network
random:
  draw:
    N: {integers: [2, 9]}
    F: {choice: [3, 5]}
  where:
    - parameters <= 2000
cnn:
  input: [32, 32, 3]
  layers:
    - conv: {filters: N, size: F, stride: 1, padding: valid}
    - pool: {size: 2}
    - dense: {units: 4}
"""


@pytest.mark.parametrize("code", ["000000", "000001", "3K7Q0M"])
def test_randomized_variants_draw_filters_and_sizes(code, write):
    w = neuralsolve.solve(write(RANDOM), variant=code)
    n, f = (int(w.solution.draws[k]) for k in ("N", "F"))
    a = answers(w)
    side = 32 - f + 1
    assert a["shape_1"] == [side, side, n] and a["parameters_1"] == 3 * f * f * n + n
    assert a["shape_2"] == [side // 2, side // 2, n] and a["parameters"] <= 2000
    assert a["parameters_3"] == (side // 2) ** 2 * n * 4 + 4

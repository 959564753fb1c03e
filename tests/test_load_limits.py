"""load and compute: runaway inputs and unwritable outputs answer within a second, as one located line."""

from __future__ import annotations

import os
import stat
import time

import pytest
from click.testing import CliRunner

from neuralsolve.cli import cli

from .conftest import ROOT

def _pi_digits(n: int) -> str:
    """pi to n significant digits: a difference from pi that evaluation cannot give a sign to."""
    import mpmath

    with mpmath.workdps(n + 10):
        return mpmath.nstr(mpmath.pi, n, strip_zeros=False)


RUNAWAY = {
    "huge exponent in an expression": ("title: t\ngraph:\n  equations:\n    y: 1e99999999999*x\n",
                                       "4:8: the number '1e99999999999' is out of range: at most 4000 digits and "
                                       "exponents from -1000 to 1000"),
    "huge exponent as a YAML number": ("title: t\ngraph:\n  equations:\n    y: x*2\n  values: {x: 1e-99999999999}\n",
                                       "5:15: the number '1e-99999999999' is out of range: at most 4000 digits and "
                                       "exponents from -1000 to 1000"),
    "square root of a negative number": ("title: t\ngraph:\n  equations:\n    y: sqrt(x)\n  values: {x: -4}\n",
                                         "4:8: computing y: the value 2*I is not a real number (a square root or "
                                         "logarithm of a negative number?)"),
    "a tower of exponentials": ("title: t\ngraph:\n  equations:\n    y: exp(exp(exp(x)))\n  values: {x: 100}\n",
                                "4:8: computing y: exp of a number larger than 10^6 overflows (its value has more "
                                "than 400,000 digits)"),
    "cosine of a huge number": ("title: t\ngraph:\n  equations:\n    y: cos(exp(x))\n  values: {x: 1000000}\n",
                                "4:8: computing y: cos of a number larger than 10^6 cannot be computed to 50 digits"),
    "sigmoid of 1e4000": ("title: t\ngraph:\n  equations:\n    y: sigmoid(x)\n  values: {x: 1e400}\n",
                          "4:8: computing y: sigmoid of a number larger than 10^6 is 1 or 0 to far more digits "
                          "than are carried; use smaller numbers"),
    "matrix division by zero": ("title: t\nmatrix:\n  shapes: {W: [2, 2], x: [2]}\n  equations:\n    z: W @ x / 0\n"
                                "    L: z.T @ z\n", "5:8: in the equation for z, division by zero"),
    "a zero divisor among the values": ("title: t\nmatrix:\n  shapes: {W: [2, 2], x: [2]}\n  equations:\n"
                                        "    z: W @ x\n    L: z.T @ z / q\n"
                                        "  values: {W: [[1, 0], [0, 1]], x: [1, 2], q: 0}\n",
                                        "6:8: computing L with the values given: division by zero"),
    "a Greek letter as an equation name": ("title: t\ngraph:\n  equations:\n    λ_rec: 2*x\n",
                                           "4:5: the equation name 'λ_rec' is not ASCII; write 'lambda_rec' "
                                           "(Greek names such as alpha print as Greek letters)"),
    "a key that is not a name": ("title: t\nmatrix:\n  shapes: {1W: [2, 2]}\n  equations:\n    L: 1\n",
                                 "3:12: the shape's name '1W' is not a name (letters, digits and _, not starting "
                                 "with a digit)"),
    "forward at too many points": ("title: t\ngraph:\n  equations:\n    y: 2*x\n  values: {x: 1}\nparts:\n"
                                   "  - ask: {forward: {at: {x: [" + ", ".join(map(str, range(150))) + "]}}}\n",
                                   "7:25: forward at: 150 points, at most 100 (each is a forward pass of its own in the "
                                   "answer)"),
    "relu of a number whose sign cannot be told": (
        "title: t\ngraph:\n  equations:\n    y: relu(x - " + _pi_digits(1000) + ")\n    E: (y - 1)^2\n"
        "  values: {x: pi}\n",
        "4:8: computing y: the sign of -31415926535897932384626433832795028841971693993751058209... cannot be "
        "decided at working precision (is it exactly 0?); write the input in a simpler form"),
    "an update of too many steps": ("title: t\ngraph:\n  equations:\n    E: (w - 1)^2\n  values: {w: 0}\n"
                                    "  parameters: [w]\nparts:\n  - ask: {update: {learning_rate: 0.1, steps: 5000}}\n",
                                    "8:47: steps must be a whole number from 1 to 50"),
    "an unknown optimiser in an update": ("title: t\ngraph:\n  equations:\n    E: (w - 1)^2\n  values: {w: 0}\n"
                                          "  parameters: [w]\nparts:\n  - ask: {update: {learning_rate: 0.1, "
                                          "optimizer: adma}}\n",
                                          "8:51: unknown optimizer 'adma'; did you mean 'adam'?"),
    "an update shown another way": ("title: t\ngraph:\n  equations:\n    E: (w - 1)^2\n  values: {w: 0}\n"
                                    "  parameters: [w]\nparts:\n  - ask: {update: {learning_rate: 0.1, steps: 2, "
                                    "show: all}}\n",
                                    "8:56: show is table (step 1 worked, then a table) or every_step, not 'all'"),
    "a control character": ("title: t\x01x\ngraph:\n  equations:\n    y: 2*x\n",
                            "1:9: invalid YAML: the control character 0x0001 is not allowed in a YAML file; "
                            "remove it"),
}


@pytest.mark.parametrize("case", list(RUNAWAY))
def test_runaway_inputs_are_one_located_line_within_a_second(case, write):
    text, message = RUNAWAY[case]
    path = write(text)
    start = time.perf_counter()
    r = CliRunner().invoke(cli, ["render", str(path), "--json"])
    assert time.perf_counter() - start < 5  # generous on a loaded machine; today's code hangs or crashes
    assert r.exit_code == 2 and r.exception is None or isinstance(r.exception, SystemExit)
    err = r.stderr.strip()
    assert "\n" not in err and err == f"{path}:{message}", err


def test_a_file_is_refused_by_its_size_before_it_is_read():
    start = time.perf_counter()
    r = CliRunner().invoke(cli, ["render", "/dev/zero", "--json"])
    assert time.perf_counter() - start < 5
    assert r.exit_code == 2
    assert r.stderr.strip() == "/dev/zero:1:1: the file is larger than 1,000,000 bytes; a problem file is a few kilobytes"


def test_an_exam_file_given_to_render_says_to_use_exam():
    path = ROOT / "problems" / "exams" / "neural-computation.yaml"
    r = CliRunner().invoke(cli, ["render", str(path), "--latex"])
    assert r.exit_code == 2
    assert r.stderr.strip().endswith("1:1: this is an exam file, not a problem: build its sheets and keys with "
                                     "neuralsolve exam FILE -o OUT/ (--variant CODE for one variant)")


def test_outputs_have_the_usual_permissions(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "key.tex"
        r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "square-network.yaml"), "--latex", "-o", str(out)])
        assert r.exit_code == 0
        assert stat.S_IMODE(out.stat().st_mode) == 0o644
    finally:
        os.umask(old)


def test_a_full_disk_is_one_located_line_and_the_old_file_is_kept(tmp_path, monkeypatch):
    import errno

    import neuralsolve.files as files

    out = tmp_path / "key.tex"
    out.write_text("the old key", encoding="utf-8")

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full)
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "square-network.yaml"), "--latex", "-o", str(out)])
    assert r.exit_code == 2
    assert r.stderr.strip() == f"{out}:1:1: cannot write the file: No space left on device"
    assert out.read_text(encoding="utf-8") == "the old key"
    assert [p.name for p in tmp_path.iterdir()] == ["key.tex"]


def test_an_output_under_a_regular_file_is_one_located_line_and_nothing_is_damaged(tmp_path):
    blocker = tmp_path / "notafolder"
    blocker.write_text("keep me", encoding="utf-8")
    r = CliRunner().invoke(cli, ["render", str(ROOT / "problems" / "square-network.yaml"), "--latex",
                                 "-o", str(blocker / "key.tex")])
    assert r.exit_code == 2
    err = r.stderr.strip()
    assert "\n" not in err and err.startswith(f"{blocker / 'key.tex'}:1:1: cannot write the file: ")
    assert blocker.read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notafolder"]  # no temporary file left behind


def test_a_large_literal_in_a_matrix_equation_is_exact(write):
    import neuralsolve

    w = neuralsolve.solve(write("title: t\nmatrix:\n  shapes: {W: [2, 2], x: [2]}\n  equations:\n"
                                "    z: 1e400 * W @ x\n    L: z.T @ z\n  values: {W: [[1, 0], [0, 1]], x: [1, 0]}\n"))
    assert w.answers["L"] == str(10 ** 800)  # 1e400 is 10^400 exactly, not a float's inf


def symbolic_layers(depth: int, width: int) -> str:
    """A graph of `depth` tanh layers of `width` units and no values: its gradients have width^depth paths."""
    lines = ["title: symbolic layers", "graph:", "  equations:"]
    prev = [f"x{k}" for k in range(1, width + 1)]
    for layer in range(1, depth + 1):
        for j in range(1, width + 1):
            lines.append(f"    h{layer}_{j}: tanh(" + " + ".join(f"w{layer}_{j}_{k}*{p}" for k, p in enumerate(prev, 1))
                         + ")")
        prev = [f"h{layer}_{j}" for j in range(1, width + 1)]
    lines.append("    L: (" + " + ".join(prev) + " - t)^2")
    lines.append("  parameters: [" + ", ".join(f"w{layer}_{j}_{k}" for layer in range(1, depth + 1)
                                              for j in range(1, width + 1) for k in range(1, width + 1)) + "]")
    return "\n".join(lines) + "\nparts:\n  - ask: {gradients: all}\n"


def test_symbolic_gradients_too_long_to_write_are_refused_within_seconds(write):
    """4 layers of width 8 without values: 512 paths per first-layer weight; refused, not minutes of printing."""
    path = write(symbolic_layers(4, 8))
    start = time.perf_counter()
    r = CliRunner().invoke(cli, ["render", str(path), "--json"])
    assert time.perf_counter() - start < 10  # took 142 s and wrote 9 MB before the limit
    err = r.stderr.strip()
    assert r.exit_code == 2 and "\n" not in err, err
    assert err.startswith(f"{path}:") and "symbolic gradients, written out as far as" in err
    assert "give the inputs and parameters values, or ask for fewer gradients" in err

"""One test per error class: the exact one-line message, its position, exit status 2."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from neuralsolve.cli import cli
from neuralsolve.kinds import KINDS

BOMB = "a: &a [x,x,x,x,x,x,x,x,x,x]\n" + "".join(
    f"l{i}: &l{i} [" + ",".join([f"*{'a' if i == 0 else f'l{i - 1}'}"] * 10) + "]\n" for i in range(8)
) + "title: bomb\n"

CASES = {
    "syntax": ("title: x\nnetwork:\n  input: [1, 2\n",
               "4:1: invalid YAML: expected ',' or ']', but got '<stream end>'"),
    "duplicate key": ("title: x\ntitle: y\n", "2:1: duplicate key 'title' (first given at line 1); give each key once"),
    "object tag": ("title: !!python/object:os.system x\n",
                   "1:8: tag 'tag:yaml.org,2002:python/object:os.system' is not allowed; remove it"),
    "alias bomb": (BOMB, "document expands to more than 100000 values (aliases repeated too often); "
                         "write the values out or use fewer aliases"),
    "deep yaml": ("title: x\nparts: " + "[" * 100 + "]" * 100 + "\n", "YAML nested too deeply (more than 64 levels)"),
    "unknown activation": ("title: x\nnetwork:\n  input: [1, 2]\n  layers:\n    - weights: [[1, 1]]\n"
                           "      activation: relux\n  target: 1\n",
                           "6:19: unknown activation 'relux'; did you mean 'relu'? (or write an expression in x, such as x^2)"),
    "weight shape": ("title: x\nnetwork:\n  input: [1, 2]\n  layers:\n    - weights: [[1, 1, 3]]\n  target: 1\n",
                     "5:17: layer 2: weight row 1 has 3 entries but the layer below has 2 units; give each row 2"),
    "bias shape": ("title: x\nnetwork:\n  input: [1, 2]\n  layers:\n    - weights: [[1, 1]]\n      biases: [1, 2]\n"
                   "  target: 1\n", "6:15: layer 2: 2 biases but the layer has 1 unit; give one bias per unit"),
    "cycle": ("title: x\ngraph:\n  equations:\n    a: b + 1\n    b: 2*a\n    E: a^2\n",
              "4:5: the equations form a cycle: a -> b -> a; each quantity must be defined from earlier ones"),
    "undefined output": ("title: x\ngraph:\n  equations:\n    a: x + 1\n  output: F\n",
                         "5:11: output 'F' is not defined by any equation; expected one of: a"),
    "missing target": ("title: x\nnetwork:\n  input: [1]\n  layers:\n    - weights: [[1]]\n  loss: squared\n",
                       "6:9: a loss needs a 'target' (y): give a number, or a list for several outputs"),
    "log of 0": ("title: x\ngraph:\n  equations:\n    a: x - 1\n    E: log(a)\n  values: {x: 1}\n",
                 "5:8: computing E: log of 0 is undefined"),
    "division by 0": ("title: x\ngraph:\n  equations:\n    a: x - 1\n    E: 1/a\n  values: {x: 1}\n",
                      "5:8: computing E: division by zero"),
    "huge power": ("title: x\ngraph:\n  equations:\n    E: x^(10^10)\n",
                   "4:11: exponent 10000000000 is too large (at most 1000)"),
    "deep nesting": ("title: x\ngraph:\n  equations:\n    E: " + "(" * 60 + "x" + ")" * 60 + "\n",
                     "4:48: the equation for E nests parentheses more than 40 deep; name the inner parts"),
    "power tower": ("title: x\ngraph:\n  equations:\n    E: ((10^999)^999)^999\n",
                    "4:9: '((10^999)^999)^999' is a number of more than 6000 digits; use smaller numbers"),
    "too many parameters": ("title: x\nnetwork:\n  input: [1]\n  layers:\n" + "".join(
        f"    - {{weights: W{i}, units: 200}}\n" for i in (2, 3, 4)),
        "6:7: the network has more than 20000 parameters; a worked solution needs a smaller one"),
    "minus chain": ("title: x\ngraph:\n  equations:\n    E: " + "-" * 1500 + "x\n",
                    "4:48: the equation for E nests operations more than 40 deep; name the inner parts"),
    "unknown function": ("title: x\ngraph:\n  equations:\n    E: __import__(x)\n",
                         "4:8: unknown function '__import__'; expected one of: abs, cos, cosh, exp, ln, log, max, min, "
                         "relu, sigmoid, sin, sinh, softplus, sqrt, step, swish, tanh"),
    "attribute": ("title: x\ngraph:\n  equations:\n    E: x.real\n",
                  "4:8: attribute is not allowed in an expression; use numbers, names, + - * / ^ and catalogue functions"),
    "unknown key": ("title: x\nnetwork:\n  inptu: [1]\n", "3:3: unknown key 'inptu' in network; did you mean 'input'?"),
    "unknown quantity": ("title: x\nnetwork:\n  input: [1]\n  layers:\n    - weights: [[1]]\n  target: 1\n"
                         "parts:\n  - ask: {gradients: [w2_1_2]}\n", "8:23: no quantity named 'w2_1_2'; did you mean 'w2_1_1'?"),
    "step at 0": ("title: x\nnetwork:\n  input: [0]\n  layers:\n    - weights: [[1]]\n      activation: step\n"
                  "  target: 2\nparts:\n  - ask: backward\n",
                  "5:7: differentiating a2_1 with respect to z2_1: the step function has no derivative at 0"),
    "update only in a graph": ("title: x\ngraph:\n  equations:\n    E: w*x\n  values: {w: 1, x: 2}\nparts:\n"
                               "  - ask: {update: {learning_rate: 0.1, only: [weights]}}\n",
                               "7:46: update only: [weights] or [biases] is for network problems; a graph's "
                               "parameters are listed in its parameters:"),
    "no kind": ("title: x\n", f"1:1: the problem needs a kind block: one of {', '.join(KINDS)}"),
    "value of equation": ("title: x\ngraph:\n  equations:\n    a: x + 1\n    E: a^2\n  values: {a: 2}\n",
                          "6:12: 'a' is defined by an equation; give values only for inputs and parameters"),
    "unknown ask": ("title: x\ngraph:\n  equations:\n    E: x^2\nparts:\n  - ask: gradient\n",
                    "6:10: unknown ask 'gradient'; did you mean 'gradients'?"),
}


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("command", ["solve", "validate"])
def test_error_is_one_located_line_with_exit_2(case, command, write):
    text, message = CASES[case]
    path = write(text)
    result = CliRunner().invoke(cli, [command, str(path)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    err = result.stderr.strip()
    assert "\n" not in err and "Traceback" not in err
    assert err.startswith(f"{path}:")
    assert err.endswith(message), err


def test_missing_file_is_a_located_error(tmp_path):
    result = CliRunner().invoke(cli, ["solve", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path / 'nope.yaml'}:1:1: no such file"


def test_user_expressions_never_reach_eval(write, monkeypatch):
    import builtins

    import sympy

    def forbidden(*a, **k):
        raise AssertionError("user text reached eval/sympify")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(sympy, "sympify", forbidden)
    path = write("title: x\ngraph:\n  equations:\n    E: log(cosh(y - t)) + 0.1*w^2\n  values: {y: 1, t: 0.5, w: 2}\n")
    result = CliRunner().invoke(cli, ["render", str(path), "--markdown"])
    assert result.exit_code == 0, result.output

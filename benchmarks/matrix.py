"""The matrix kind, timed in one run: derive + render each matrix problem, and the numerical self-check.

    python benchmarks/matrix.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import neuralsolve  # noqa: E402
from neuralsolve.kinds.matrix.verify import verify  # noqa: E402
from neuralsolve.spec import load  # noqa: E402
from run import best  # noqa: E402


def main():
    print(f"{'problem':32s} {'derive+LaTeX':>13s} {'self-check':>11s}  ratio  checked")
    for p in sorted((ROOT / "problems").glob("matrix-*.yaml")):
        t_solve = best(lambda: neuralsolve.solve(p).latex())
        graph = load(p).model
        checks = []
        t_check = best(lambda: checks.append(verify(graph)), repeat=1)
        ok = all(c.ok for c in checks[-1])
        print(f"{p.stem:32s} {t_solve * 1000:10.1f} ms {t_check * 1000:8.1f} ms {t_check / t_solve:6.1f}  "
              f"{len(checks[-1])} gradients, {'all agree' if ok else 'DISAGREE'} ({checks[-1][0].sizes})")


if __name__ == "__main__":
    main()

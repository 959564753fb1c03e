"""Exam batches, timed in one run.

    python benchmarks/exams.py [N]

Writes N (default 100) variants of the shipped exam (problems/exams/neural-computation.yaml: one
randomized question, two fixed ones): questions and key as LaTeX and Markdown plus answers.json,
first without PDFs, then with PDFs, over all cores; prints each time and the per-variant cost.
Targets on two cores: under 8 s without PDFs, under 20 s with them.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from neuralsolve import batch  # noqa: E402
from neuralsolve.draws import variant_seed  # noqa: E402


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    jobs = batch.default_jobs()
    with tempfile.TemporaryDirectory() as d:
        exam = ROOT / "problems" / "exams" / "neural-computation.yaml"
        seeds = [variant_seed(2026, i) for i in range(n)]
        for pdf in (False, True):
            out = Path(d) / ("pdf" if pdf else "tex")
            t = time.perf_counter()
            outcomes = batch.run(str(exam), seeds, str(out), pdf, jobs)
            elapsed = time.perf_counter() - t
            failed = sum(1 for o in outcomes if o.error)
            what = "LaTeX + Markdown + JSON + PDF" if pdf else "LaTeX + Markdown + JSON"
            limit = 20 if pdf else 8
            target = f"   (target < {limit} s: {'met' if elapsed < limit else 'MISSED'})"
            print(f"{n} variants, {what}, {jobs} processes: {elapsed:6.2f} s, {elapsed / n * 1000:6.1f} ms each, "
                  f"{failed} failed{target}")


if __name__ == "__main__":
    main()

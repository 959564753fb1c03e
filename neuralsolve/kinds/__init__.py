"""The registry of problem kinds: one line per kind, keyed by the kind's block name in a problem file."""

from __future__ import annotations

from ..kind import Kind
from . import cnn, graph, matrix, network, rnn
from . import evaluate
from . import calculus
from . import optimize

KINDS: dict[str, Kind] = {k.name: k for k in (
    network.KIND,
    graph.KIND,
    matrix.KIND,
    cnn.KIND,
    rnn.KIND,
    evaluate.KIND,
    calculus.KIND,
    optimize.KIND,
)}

"""Problem kinds: each lowers its YAML block into the shared Graph."""

from . import graph, matrix, network

KINDS = {
    "network": network.lower,
    "graph": graph.lower,
    "matrix": matrix.lower,
}

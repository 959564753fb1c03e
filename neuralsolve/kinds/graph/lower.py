"""Lowering the `graph` kind: named equations of any structure, sorted so each follows what it uses."""

from __future__ import annotations


from ...expr import suggest
from ...graph import Graph, Node
from ...notation import read_notation

MAX_EQUATIONS = 2_000


def lower(r, y, notation_y) -> Graph:
    """Validate a `graph:` block and lower it (equations sorted so each follows what it uses)."""
    nota = read_notation(r, notation_y)
    m = r.mapping(y, "graph", ("equations", "output", "parameters", "values"), ("equations",))
    eq_y = m["equations"]
    eqs = r.mapping(eq_y, "equations")
    if not eqs:
        r.fail(eq_y, "equations is empty; give at least one, such as y: w*x")
    if len(eqs) > MAX_EQUATIONS:
        r.fail(eq_y, f"more than {MAX_EQUATIONS} equations")
    parsed = {}
    for name, ey in eqs.items():
        r.name(eq_y, name, "equation name")
        parsed[name] = r.expr(ey, f"the equation for {name}")
    order = _topological(r, eq_y, parsed)
    leaves: list[str] = []
    for name in order:
        for n in parsed[name].names:
            if n not in parsed and n not in leaves:
                leaves.append(n)
    output = order[-1] if "output" not in m else r.text(m["output"], "output")
    if output not in parsed:
        r.fail(m["output"], f"output {output!r} is not defined by any equation; {suggest(output, list(parsed))}")
    values = {}
    if "values" in m and m["values"].value is not None:
        for name, vy in r.mapping(m["values"], "values").items():
            r.name(m["values"], name, "value's name")
            if name in parsed:
                r.fail(m["values"], f"{name!r} is defined by an equation; give values only for inputs and parameters", name)
            if name not in leaves:
                r.fail(m["values"], f"{name!r} is not used by any equation; {suggest(name, leaves)}", name)
            v = r.expr(vy, f"the value of {name}")
            if v.value.free_symbols:
                r.fail(vy, f"the value of {name} must be a number")
            values[name] = v.value
    params: list[str] = []
    if "parameters" in m:
        for py in r.seq(m["parameters"], "parameters"):
            p = r.text(py, "a parameter")
            if p not in leaves and p not in parsed:
                r.fail(py, f"parameter {p!r} appears in no equation; {suggest(p, leaves + list(parsed))}")
            if p not in params:
                params.append(p)
    roles = {n: ("parameter" if n in params else "input") for n in leaves}
    nodes = [Node(n, role=roles[n], where=r.where(eq_y)) for n in leaves]
    for name in order:
        role = "loss" if name == output else ("parameter" if name in params else "hidden")
        ey = eqs[name]
        nodes.append(Node(name, parsed[name].value, parsed[name].display, role, r.where(ey)))
    tex = {n.name: nota.tex(n.name) for n in nodes}
    return Graph(
        nodes=tuple(nodes),
        output=output,
        values=values,
        parameters=tuple(params) if params else tuple(leaves),
        tex=tex,
    )


def _topological(r, eq_y, parsed) -> list[str]:
    """Equations in an order where each comes after what it uses; a cycle is an error."""
    order: list[str] = []  # depth-first finishing order, used only to find a cycle
    state: dict[str, int] = {}
    for start in parsed:
        if state.get(start):
            continue
        stack = [(start, iter(parsed[start].names))]
        state[start] = 1
        path = [start]
        while stack:
            name, it = stack[-1]
            nxt = next((n for n in it if n in parsed), None)
            if nxt is None:
                stack.pop()
                path.pop()
                state[name] = 2
                order.append(name)
                continue
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt):] + [nxt]
                r.fail(eq_y, f"the equations form a cycle: {' -> '.join(cycle)}; each quantity must be "
                             "defined from earlier ones", nxt)
            if not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                stack.append((nxt, iter(parsed[nxt].names)))
    # keep the author's order where it is already valid: each pass takes the first ready equation
    ready: list[str] = []
    done: set[str] = set()
    remaining = list(parsed)
    while remaining:
        for n in remaining:
            if all(d in done or d not in parsed for d in parsed[n].names):
                ready.append(n)
                done.add(n)
                remaining.remove(n)
                break
    return ready

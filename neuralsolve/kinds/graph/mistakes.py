"""Common mistakes ("mal-rules") of traced problems, recomputed from the trace: what a student who made them gets.

check compares a wrong answer with these and names the mistake in its verdict: a dropped 1/2 in the
loss, a mean for a sum, a left-out activation derivative, W for W^T, a delta from the wrong layer,
a gradient step with the wrong sign.
"""

from __future__ import annotations

import sympy

from ...answers import bare_name, compute, same_function
from ...errors import ProblemError
from ...kind import Mistake
from ...problem import Problem


def mistakes(problem: Problem) -> list[Mistake]:
    """The answers each common mistake gives, for a traced problem: a dropped 1/2 in the loss, a mean for a sum,
    a left-out activation derivative, W for W^T, the wrong sign of a gradient step (none for other kinds)."""
    try:
        comp, answers = compute(problem)
    except ProblemError:  # pragma: no cover - the reference computed it once already
        return []
    tr, g = getattr(comp, "trace", None), problem.model
    if tr is None or not getattr(g, "output", None) or g.output not in tr.forward:
        return []  # (a part asking only the loss has no adjoints: its 1/2 can still be dropped)
    right = answers.values
    loss = g.node(g.output).expr
    out: list[Mistake] = []
    coeff, rest = loss.as_coeff_Mul()
    if coeff == sympy.Rational(1, 2):
        out.append(_scaled_loss(tr, g, right, 2, "dropping the 1/2 in the loss"))
    elif rest.is_Pow and rest.exp == 2 or (rest.is_Add and all(t.is_Pow and t.exp == 2 for t in rest.args)):
        out.append(_scaled_loss(tr, g, right, sympy.Rational(1, 2), "adding a 1/2 the loss does not have"))
    if rest.is_Add and len(rest.args) >= 2:
        leaves = {n.name for n in g.nodes if n.is_leaf}
        parts = [{s.name for s in t.free_symbols} - leaves for t in rest.args]
        if all(parts) and sum(map(len, parts)) == len(set().union(*parts)):
            k = len(rest.args)
            mean = f"taking the mean over the {k} outputs instead of the sum"
            out.append(_scaled_loss(tr, g, right, sympy.Rational(1, k), mean))
    out += _activation_mistakes(tr, g, right)
    out += _transpose_mistakes(tr, g, right)
    out += _wrong_layer_mistakes(tr, g, right)
    signs = {}
    for name, v in right.items():
        step = _update_of(tr, g, right, bare_name(name))
        if step is not None:
            p, eta, grad = step
            signs[name] = p + eta * grad
    if signs:
        out.append(Mistake("stepping up the gradient (w + η ∂L/∂w)", signs))
    return [m for m in out if m.values]


def _update_of(tr, g, right, name):
    """(p, η, dL/dp) of an update answer p' (η from the right answers: p' = p - η dL/dp), or None."""
    if not name.endswith("'") or name[:-1] not in tr.forward:
        return None
    p = name[:-1]
    grad = right.get(f"d{g.output}/d{p}")
    new = next((v for k, v in right.items() if bare_name(k) == name), None)
    if grad is None or new is None or getattr(grad, "free_symbols", True) or grad == 0:
        return None
    return tr.value(p), (tr.value(p) - new) / grad, grad


def _with_gradients(tr, g, right, grads: dict, loss_value=None) -> dict:
    """Every answer that follows from other gradients (and loss): the gradients, the loss, each update."""
    alt = {}
    for name, v in right.items():
        bare = bare_name(name)
        if bare == g.output and loss_value is not None:
            alt[name] = loss_value
        elif bare.startswith(f"d{g.output}/d") and bare[len(g.output) + 3:] in grads:
            alt[name] = grads[bare[len(g.output) + 3:]]
        else:
            step = _update_of(tr, g, right, bare)
            if step is not None and bare[:-1] in grads:
                p, eta, _ = step
                alt[name] = p - eta * grads[bare[:-1]]
    return {k: v for k, v in alt.items() if not _same(v, right.get(k))}


def _same(a, b) -> bool:
    """Whether a mistake's value is the right one anyway (then it names nothing)."""
    if b is None or not isinstance(a, sympy.Basic) or not isinstance(b, sympy.Basic):
        return b is None
    if a.free_symbols or b.free_symbols:
        return same_function(a, b)
    return a == b or abs(sympy.N(a - b, 30)) < 1e-25


def _scaled_loss(tr, g, right, factor, name) -> Mistake:
    grads = {n: factor * a.value for n, a in tr.adjoints.items() if n != g.output}
    return Mistake(name, _with_gradients(tr, g, right, grads, factor * tr.value(g.output)))


def _backward(tr, g, partial_value) -> dict:
    """The adjoints again, each term's partial given by `partial_value(child, node, term)`."""
    adj: dict[str, sympy.Expr] = {}
    for name, a in tr.adjoints.items():
        if name == g.output:
            adj[name] = sympy.S.One
            continue
        adj[name] = sympy.Add(*[adj[t.child] * partial_value(t.child, name, t) for t in a.terms if t.child in adj])
    return {n: v for n, v in adj.items() if n != g.output}


def _activation_mistakes(tr, g, right) -> list[Mistake]:
    """Leaving out an activation's derivative: a layer's (or a node's) at a time, and all of them."""
    edges: dict[tuple[str, str], str] = {}
    for name, a in tr.adjoints.items():
        for t in a.terms:
            child = g.node(t.child)
            if (t.child != g.output and child.expr is not None and child.expr.free_symbols == {sympy.Symbol(name)}
                    and getattr(t.partial, "free_symbols", None)):
                f = child.expr.func.__name__ if isinstance(child.expr, sympy.Function) else "σ"
                edges[(t.child, name)] = {"sigmoid": "σ"}.get(f, f)
    if not edges:
        return []
    groups: dict[str, list[tuple[str, str]]] = {}
    for (child, node), f in edges.items():
        group = next((k for k, members in g.groups.items() if node in members and k != node and k[0] == node[0]),
                     node)
        groups.setdefault(f"{f}'({group})", []).append((child, node))
    out = []
    every = [("every activation derivative σ'(z)", list(edges))] if len(groups) > 1 else []
    choices = every + list(groups.items())[:8]
    for label, dropped in choices:
        drop = set(dropped)
        grads = _backward(tr, g, lambda c, n, t: sympy.S.One if (c, n) in drop else t.partial_value)
        out.append(Mistake(f"leaving out {label}", _with_gradients(tr, g, right, grads)))
    return out


def _transpose_mistakes(tr, g, right) -> list[Mistake]:
    """W^l for (W^l)^T in the backward pass, for each square weight matrix of a network."""
    out = []
    for layer in getattr(g, "layers", ()) or ():
        w = layer.weights
        if len(w) < 2 or any(len(row) != len(w) for row in w):
            continue
        swap = {sympy.Symbol(w[j][k]): sympy.Symbol(w[k][j]) for j in range(len(w)) for k in range(len(w))}

        def partial(c, n, t, swap=swap):
            s = t.partial
            return tr.env.get(swap[s], swap[s]) if s in swap and s != swap[s] else t.partial_value

        grads = _backward(tr, g, partial)
        name = f"using W{layer.number} instead of W{layer.number}ᵀ"
        out.append(Mistake(name, _with_gradients(tr, g, right, grads)))
    return out


def _wrong_layer_mistakes(tr, g, right) -> list[Mistake]:
    """dL/dw^l_jk = delta^l_j a^(l-1)_k with the delta of the layer above or below (delta^(l+1)_j or delta^(l-1)_j)."""
    loss = g.output
    layers = list(getattr(g, "layers", ()) or ())
    out = []
    for shift, where in ((1, "above"), (-1, "below")):
        values = {}
        for i, layer in enumerate(layers):
            if not 0 <= i + shift < len(layers):
                continue
            other = layers[i + shift]
            for j, row in enumerate(layer.weights):
                if j >= len(other.z) or other.z[j] not in tr.adjoints:
                    continue
                delta = tr.adjoints[other.z[j]].value
                for k, w in enumerate(row):
                    key = f"d{loss}/d{w}"
                    if key in right:
                        values[key] = delta * tr.value(layer.inputs[k])
        if values:
            out.append(Mistake(f"using the delta of the layer {where} (δ^(l{'+' if shift > 0 else '-'}1) for δ^l)",
                               values))
    return out

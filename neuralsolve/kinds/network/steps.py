"""How a layered network's steps read: vectors and matrices, as the seeds write them.

The graph view, with layers: z^l = W^l a^(l-1) + b^l with the matrices written out,
delta^l = sigma'(z^l) (.) (W^(l+1))^T delta^(l+1), dL/dW^l = delta^l (a^(l-1))^T.
"""

from __future__ import annotations

import sympy

from ...latex import short_exact
from ...solution import Equation, Form, Step
from ...trace import Trace
from ...writer import Writer, _cells, _dedupe, _matrix_tex, _matrix_text
from ..graph.steps import GraphView


class NetworkView(GraphView):
    """The network kind's presentation: whole layers at a time."""

    def forward(self, w: Writer, prose: str = "", tr: Trace | None = None, suffix: str = "",
                prose_tex: str = "") -> list[Step]:
        if self.graph.examples and prose:  # the lead-in replaces the first step's prose: keep its heading
            prose, prose_tex = f"{prose} Example 1:", (f"{prose_tex} Example 1:" if prose_tex else "")
        return super().forward(w, prose, tr, suffix, prose_tex)

    def forward_blocks(self, w: Writer, tr: Trace, suffix: str) -> list[Step]:
        steps: list[Step] = []
        if self.graph.examples:  # several training examples: each one's forward pass under its heading
            for e, layers in enumerate(self.graph.examples):
                ex: list[Step] = []
                for layer in layers:
                    ex.extend(self._layer_forward(w, layer, tr, suffix, _tag(e)))
                ex[0] = Step(ex[0].quantity, f"Example {e + 1}:", ex[0].equations)
                steps.extend(ex)
            return steps
        for layer in self.graph.layers:
            steps.extend(self._layer_forward(w, layer, tr, suffix))
        return steps

    def loss(self, w: Writer) -> list[Step]:
        g = self.graph
        if not g.examples:
            return super().loss(w)
        if "loss" in self.shown:
            return []
        self.shown.add("loss")
        eqs = [self._definition(w, g.node(f"{g.output}@{e + 1}"), self.trace) for e in range(len(g.examples))]
        eqs.append(self._definition(w, g.node(g.output), self.trace))
        return [Step(g.output, f"The loss of each example, and the total loss, their {g.over_examples}:", tuple(eqs))]

    def backward(self, w: Writer, targets) -> list[Step]:
        if all(layer.activation is not None for layer in self.graph.layers[:-1]):
            return self._network_backward(w, targets)
        return self._graph_backward(w, targets)  # a softmax hidden layer: unit by unit

    def parameter_count(self, w: Writer) -> Step:
        sizes, names, names_t = [], [], []
        for layer in self.graph.layers:
            rows, cols = len(layer.weights), len(layer.inputs)
            sizes.append(rows * cols)
            names.append(rf"$\mathbf{{W}}^{{{layer.number}}}$ (${rows} \times {cols}$)")
            names_t.append(f"W{layer.number} ({rows}×{cols})")
            if layer.biases:
                sizes.append(rows)
                names.append(rf"$\mathbf{{b}}^{{{layer.number}}}$ (${rows}$)")
                names_t.append(f"b{layer.number} ({rows})")
        lead = "The trainable parameters are the entries of the weight matrices and bias vectors: "
        return self._count_step(sizes, lead + ", ".join(names_t) + ".", lead + ", ".join(names) + ".")

    def _layer_forward(self, w: Writer, layer, tr: Trace, suffix: str, tag=("", "")) -> list[Step]:
        g = self.graph
        n = layer.number
        tt, ts = tag  # an example's superscript and name suffix: (1), @1
        if len(layer.z) == 1 and len(layer.inputs) == 1:
            eqs = []
            for name in (layer.z[0], layer.a[0]):
                eqs.append(self._definition(w, g.node(name), tr))
            return [Step(f"z{n}{ts}", "", tuple(eqs))]
        vec = lambda names: [[w.tex(w.substitute(sympy.Symbol(x), tr.env))] for x in names]  # noqa: E731
        vec_t = lambda names: [[w.text(w.substitute(sympy.Symbol(x), tr.env))] for x in names]  # noqa: E731
        Wm = [[w.tex(w.substitute(sympy.Symbol(x), tr.env)) for x in row] for row in layer.weights]
        Wt = [[w.text(w.substitute(sympy.Symbol(x), tr.env)) for x in row] for row in layer.weights]
        prev = n - 1
        single = len(layer.z) == 1
        z_lhs = (g.tex[layer.z[0]], layer.z[0]) if single else (rf"\mathbf{{z}}^{{{n}{tt}}}", f"z{n}{ts}")
        rule_tex = rf"\mathbf{{W}}^{{{n}}} \mathbf{{a}}^{{{prev}{tt}}}" + (rf" + \mathbf{{b}}^{{{n}}}" if layer.biases else "")
        rule_text = f"W{n}·a{prev}{ts}" + (f" + b{n}" if layer.biases else "")
        sub_tex = _matrix_tex(Wm) + " " + _matrix_tex(vec(layer.inputs))
        sub_text = _matrix_text(Wt) + " " + _matrix_text(vec_t(layer.inputs))
        if layer.biases:
            bt = _matrix_tex(vec(layer.biases))
            btx = _matrix_text(vec_t(layer.biases))
            neg_scalar = single and not tr.symbolic(layer.biases[0]) and tr.value(layer.biases[0]) < 0
            sub_tex += (" + " + (r"\left(" + bt + r"\right)" if neg_scalar else bt))
            sub_text += " + " + (f"({btx})" if neg_scalar else btx)
        z_vals = [tr.value(z) for z in layer.z]
        z_forms = [Form("=", rule_tex, rule_text), Form("=", sub_tex, sub_text)]
        z_forms += self._vector_result(w, z_vals)
        eqs = [Equation(z_lhs[0], z_lhs[1], tuple(z_forms))]
        # activation
        a_lhs = (g.tex[layer.a[0]], layer.a[0]) if single else (rf"\mathbf{{a}}^{{{n}{tt}}}", f"a{n}{ts}")
        if layer.activation is None:
            a_rule = (rf"\operatorname{{softmax}}\left(\mathbf{{z}}^{{{n}{tt}}}\right)", f"softmax(z{n}{ts})")
        elif single:
            a_rule = (rf"{layer.activation.tex}\left({g.tex[layer.z[0]]}\right)", f"{layer.activation.text}({layer.z[0]})")
        else:
            a_rule = (rf"{layer.activation.tex}\left(\mathbf{{z}}^{{{n}{tt}}}\right)", f"{layer.activation.text}(z{n}{ts})")
        a_forms = [Form("=", *a_rule)]
        if layer.activation is None and not any(v.free_symbols for v in z_vals):  # e^(z_i) / sum_k e^(z_k)
            exps = [sympy.exp(v) for v in z_vals]
            k = len(exps)
            a_forms.append(Form("=", rf"\frac{{1}}{{\sum_{{k}} e^{{z^{{{n}}}_{{k}}}}}} "
                                + _matrix_tex([[f"e^{{z^{{{n}}}_{{{j + 1}}}}}"] for j in range(k)]),
                                f"(e^z{n}_j)/Σ_k e^z{n}_k"))
            a_forms.append(Form("=", r"\frac{1}{" + " + ".join(w.number(e) for e in exps) + "} "
                                + _matrix_tex([[w.number(e)] for e in exps]),
                                "(" + ", ".join(w.number(e, "text") for e in exps) + ")ᵀ/("
                                + " + ".join(w.number(e, "text") for e in exps) + ")"))
        if layer.activation is not None:  # softmax's substituted quotient is too long to help
            subs = [w.substitute(g.node(a).display, tr.env) for a in layer.a]
            a_forms.append(Form("=", _matrix_tex([[w.tex(s)] for s in subs]), _matrix_text([[w.text(s)] for s in subs])))
        a_forms += self._vector_result(w, [tr.value(a) for a in layer.a])
        eqs.append(Equation(a_lhs[0], a_lhs[1], tuple(_dedupe(a_forms))))
        return [Step(f"z{n}{ts}", "", tuple(eqs))]

    def _vector_result(self, w: Writer, vals) -> list[Form]:
        if len(vals) == 1:
            return w.result_forms(vals[0])
        symbolic = any(v.free_symbols for v in vals)
        forms = []
        if symbolic or all(short_exact(v) for v in vals):
            cells = [[w.tex(v) if symbolic else w.number(v)] for v in vals]
            cells_t = [[w.text(v) if symbolic else w.number(v, "text")] for v in vals]
            forms.append(Form("=", _matrix_tex(cells), _matrix_text(cells_t)))
        if not symbolic and not all(v.is_Rational for v in vals):
            cells = [[w.number(v, exact=False)] for v in vals]
            cells_t = [[w.number(v, "text", exact=False)] for v in vals]
            forms.append(Form("approx", _matrix_tex(cells), _matrix_text(cells_t)))
        return forms

    def _network_backward(self, w: Writer, targets) -> list[Step]:
        g, tr = self.graph, self.trace
        steps: list[Step] = []
        layers = [layer for layer in g.layers if all(z in tr.adjoints for z in layer.z)]
        if not layers:
            return self._graph_backward(w, targets)
        acts = []
        for layer in layers:
            act = layer.activation
            if act is not None and act.derivative != 1 and (act.name, layer.activation_name) not in acts and \
                    not (layer is g.layers[-1] and g.softmax_cross_entropy):
                acts.append((act.name, layer.activation_name))
                key = f"derivative:{layer.activation_name}"
                if key not in self.shown:
                    self.shown.add(key)
                    lhs = rf"{act.tex}'\left(x\right)"
                    named = "" if act.name == "custom" else f" {act.name}"
                    where = [str(la.number) for la in layers if la.activation_name == layer.activation_name]
                    layers_text = f" (layer{'s' if len(where) > 1 else ''} {' and '.join(where)})"
                    steps.append(Step(key, f"The derivative of the{named} activation{layers_text}:",
                                      (Equation(lhs, f"{act.text}'(x)", (_derivative_form(w, act),)),)))
        if g.examples:  # several examples: each one's deltas under its heading, then the summed gradients
            for e, ex_layers in enumerate(g.examples):
                ex: list[Step] = []
                for layer in reversed(ex_layers):
                    key = f"delta:{layer.number}{_tag(e)[1]}"
                    if key in self.shown or not all(z in tr.adjoints for z in layer.z):
                        continue
                    self.shown.add(key)
                    ex.extend(self._delta(w, layer, ex_layers, _tag(e)))
                if ex:
                    ex[0] = Step(ex[0].quantity, f"Example {e + 1}: " + (ex[0].prose or "the deltas of its units:"),
                                 ex[0].equations)
                steps.extend(ex)
            steps.extend(self._example_gradients(w, targets))
        else:
            for layer in reversed(layers):
                key = f"delta:{layer.number}"
                if key in self.shown:
                    continue
                self.shown.add(key)
                steps.extend(self._delta(w, layer))
            steps.extend(self._parameter_gradients(w, targets))
        # gradients of inputs or other leaves asked directly
        rest = [t for t in targets if g.node(t).role == "input" and t in tr.adjoints]
        for name in rest:
            key = f"adjoint:{name}"
            if key not in self.shown:
                self.shown.add(key)
                steps.append(Step(f"d{g.output}/d{name}", "", (self._adjoint_equation(w, name),)))
        return steps

    def _delta(self, w: Writer, layer, ex_layers=None, tag=("", "")) -> list[Step]:
        """delta^l for a whole layer, in vector form (scalar form for a one-unit hidden layer)."""
        g, tr = self.graph, self.trace
        ex_layers = ex_layers or g.layers
        tt, ts = tag
        n = layer.number
        out = layer is ex_layers[-1]
        single = len(layer.z) == 1
        loss = g.tex[g.output]
        delta_lhs = (g.adjoint_tex[layer.z[0]], f"δ{layer.z[0][1:]}") if single else \
            (rf"\boldsymbol{{\delta}}^{{{n}{tt}}}", f"δ{n}{ts}")
        dz = Form("=", rf"\frac{{\partial {loss}}}{{\partial {g.tex[layer.z[0]]}}}" if single
                  else rf"\frac{{\partial {loss}}}{{\partial \mathbf{{z}}^{{{n}{tt}}}}}",
                  f"∂{g.output}/∂{layer.z[0] if single else f'z{n}{ts}'}")
        deltas = [tr.adjoints[z].value for z in layer.z]

        def equation(forms):
            return (Equation(delta_lhs[0], delta_lhs[1], tuple(_dedupe(forms + self._vector_result(w, deltas)))),)

        if out and g.softmax_cross_entropy:
            a_vals = [tr.env[sympy.Symbol(a)] for a in layer.a]
            y_vals = [tr.value(t) for t in (g.groups[f"y{ts}"] if ts else g.targets)]
            forms = [dz, Form("=", rf"\mathbf{{a}}^{{{n}{tt}}} - \mathbf{{e}}_y", f"a{n}{ts} - e_y"),
                     Form("=", _matrix_tex(_cells(w, a_vals)) + " - " + _matrix_tex(_cells(w, y_vals, exact=True)),
                          _matrix_text(_cells(w, a_vals, "text")) + " - " + _matrix_text(_cells(w, y_vals, "text", exact=True)))]
            if g.over_examples == "mean":  # the mean over K examples: each example's share is 1/K of it
                k = len(g.examples)
                forms = [dz] + [Form(f.rel, rf"\frac{{1}}{{{k}}}\left({f.tex}\right)", f"(1/{k})·({f.text})")
                                for f in forms[1:]]
            mean = " (over the number of examples, the loss being their mean)" if g.over_examples == "mean" else ""
            return [Step(key_delta(n) + ts, "With softmax outputs and the cross-entropy loss, the two derivatives combine "
                         f"into one: the output minus the one-hot target{mean}.", equation(forms))]
        if not out and single:
            eqs = []
            for name in (layer.a[0], layer.z[0]):
                self.shown.add(f"adjoint:{name}")
                eqs.append(self._adjoint_equation(w, name))
            return [Step(key_delta(n) + ts, "Back-propagating through the weights of the layer above:", tuple(eqs))]
        act = layer.activation
        identity = act.name == "identity"
        dprime = [tr.adjoints[z].terms[0] for z in layer.z]  # da_j/dz_j, one per unit
        sig_sub = [[w.tex(w.substitute(t.partial, tr.env, collapse=True))] for t in dprime]
        sig_sub_t = [[w.text(w.substitute(t.partial, tr.env, collapse=True))] for t in dprime]
        sig_val = [t.partial_value for t in dprime]
        da = [tr.adjoints[a].value for a in layer.a]
        z_sym = g.tex[layer.z[0]] if single else rf"\mathbf{{z}}^{{{n}{tt}}}"
        z_txt = layer.z[0] if single else f"z{n}{ts}"
        odot, odot_t = (r" \cdot ", " · ") if single else (r" \odot ", " ⊙ ")
        if out:
            eqs = []
            for a in layer.a:
                eqs.append(self._adjoint_equation(w, a))
                self.shown.add(f"adjoint:{a}")
            steps = [Step(f"d{g.output}/da{n}{ts}", "The derivative of the loss with respect to the output:", tuple(eqs))]
            dla = (rf"\frac{{\partial {loss}}}{{\partial {g.tex[layer.a[0]]}}}" if single
                   else rf"\frac{{\partial {loss}}}{{\partial \mathbf{{a}}^{{{n}{tt}}}}}")
            dla_t = f"∂{g.output}/∂{layer.a[0] if single else f'a{n}{ts}'}"
            if identity:
                forms = [dz, Form("=", dla, dla_t)]
            else:
                forms = [dz, Form("=", rf"{act.tex}'\left({z_sym}\right){odot}{dla}", f"{act.text}'({z_txt}){odot_t}{dla_t}"),
                         Form("=", _matrix_tex(sig_sub) + odot + _matrix_tex(_cells(w, da, factor=single)),
                              _matrix_text(sig_sub_t) + odot_t + _matrix_text(_cells(w, da, "text", factor=single)))]
                if not single:
                    forms.append(Form(_rel(sig_val, da), _matrix_tex(_cells(w, sig_val)) + odot + _matrix_tex(_cells(w, da)),
                                      _matrix_text(_cells(w, sig_val, "text")) + odot_t + _matrix_text(_cells(w, da, "text"))))
            steps.append(Step(key_delta(n) + ts, "", equation(forms)))
            return steps
        # hidden layer: delta^l = sigma'(z^l) (.) (W^{l+1})^T delta^{l+1}
        above = ex_layers[list(ex_layers).index(layer) + 1]
        m = above.number
        wt = [[tr.env[sympy.Symbol(above.weights[j][k])] for j in range(len(above.weights))] for k in range(len(layer.a))]
        d_above = [tr.adjoints[z].value for z in above.z]
        one_above = len(above.z) == 1
        d_above_sym = g.adjoint_tex[above.z[0]] if one_above else rf"\boldsymbol{{\delta}}^{{{m}{tt}}}"
        back = rf"\left(\mathbf{{W}}^{{{m}}}\right)^{{\top}} {d_above_sym}"
        back_t = f"W{m}ᵀ·δ{m}{ts}"
        prod = _matrix_tex(_cells(w, wt, exact=True)) + " " + _matrix_tex(_cells(w, d_above, factor=one_above))
        prod_t = _matrix_text(_cells(w, wt, "text", exact=True)) + " " + _matrix_text(_cells(w, d_above, "text", factor=one_above))
        if identity:
            forms = [dz, Form("=", back, back_t), Form("=", prod, prod_t)]
        else:
            forms = [dz, Form("=", rf"{act.tex}'\left({z_sym}\right) \odot \left({back}\right)",
                              f"{act.text}'({z_txt}) ⊙ ({back_t})"),
                     Form("=", _matrix_tex(sig_sub) + r" \odot \left(" + prod + r"\right)",
                          _matrix_text(sig_sub_t) + " ⊙ (" + prod_t + ")"),
                     Form(_rel(sig_val, da), _matrix_tex(_cells(w, sig_val)) + r" \odot " + _matrix_tex(_cells(w, da)),
                          _matrix_text(_cells(w, sig_val, "text")) + " ⊙ " + _matrix_text(_cells(w, da, "text")))]
        for a in layer.a:
            self.shown.add(f"adjoint:{a}")
        return [Step(key_delta(n) + ts, "Back-propagating through the weights of the layer above:", equation(forms))]

    def _parameter_gradients(self, w: Writer, targets) -> list[Step]:
        g, tr = self.graph, self.trace
        steps = []
        loss = g.tex[g.output]
        explained = False
        for layer in reversed(g.layers):
            n = layer.number
            wnames = [x for row in layer.weights for x in row]
            asked_w = [x for x in wnames if x in targets]
            delta_sym = rf"\boldsymbol{{\delta}}^{{{n}}}" if len(layer.z) > 1 else g.adjoint_tex[layer.z[0]]
            prev_sym = rf"\mathbf{{a}}^{{{n - 1}}}"
            if asked_w and len(asked_w) == len(wnames) and len(wnames) > 1 and f"gradW:{n}" not in self.shown:
                self.shown.add(f"gradW:{n}")
                self.shown.update(f"adjoint:{x}" for x in wnames)
                deltas = [tr.adjoints[z].value for z in layer.z]
                prev = [tr.env[sympy.Symbol(a)] for a in layer.inputs]
                given = g.node(layer.inputs[0]).is_leaf
                d_cells, d_cells_t = _cells(w, deltas, factor=len(deltas) == 1), _cells(w, deltas, "text", factor=len(deltas) == 1)
                a_row = [[c[0] for c in _cells(w, prev, exact=given)]]
                a_row_t = [[c[0] for c in _cells(w, prev, "text", exact=given)]]
                grad_vals = [[tr.adjoints[x].value for x in row] for row in layer.weights]
                grads, grads_t = _cells(w, grad_vals), _cells(w, grad_vals, "text")
                exact = all(tr.adjoints[x].value.is_Rational or tr.adjoints[x].value.free_symbols for x in wnames)
                left = _matrix_tex(d_cells) if len(layer.z) > 1 else d_cells[0][0]
                forms = [Form("=", rf"{delta_sym} \left({prev_sym}\right)^{{\top}}", f"δ{n}·a{n - 1}ᵀ"),
                         Form("=", left + " " + _matrix_tex(a_row), _matrix_text(d_cells_t) + " " + _matrix_text(a_row_t)),
                         Form("=" if exact else "approx", _matrix_tex(grads), _matrix_text(grads_t))]
                prose = "" if explained else ("The gradient of each weight is the delta of its unit times the "
                                               "activation feeding it:")
                explained = True
                if len(layer.weights) == 1:  # one unit: the row of partials, in the exam's weight notation
                    lhs = (r"\left(" + ", ".join(rf"\frac{{\partial {loss}}}{{\partial {g.tex[x]}}}" for x in wnames)
                           + r"\right)", "(" + ", ".join(f"∂{g.output}/∂{x}" for x in wnames) + ")")
                else:
                    lhs = (rf"\frac{{\partial {loss}}}{{\partial \mathbf{{W}}^{{{n}}}}}", f"∂{g.output}/∂W{n}")
                steps.append(Step(f"W{n}", prose, (Equation(lhs[0], lhs[1], tuple(_dedupe(forms))),)))
            else:
                eqs = []
                for x in asked_w:
                    if f"adjoint:{x}" in self.shown:
                        continue
                    self.shown.add(f"adjoint:{x}")
                    eqs.append(self._unit_gradient(w, x))
                if eqs:
                    steps.append(Step(f"W{n}", "", tuple(eqs)))
            if layer.biases:
                asked_b = [b for b in layer.biases if b in targets and f"adjoint:{b}" not in self.shown]
                eqs = []
                if asked_b and len(asked_b) == len(layer.biases) and len(layer.biases) > 1:
                    self.shown.update(f"adjoint:{b}" for b in asked_b)
                    forms = [Form("=", delta_sym, f"δ{n}")] + self._vector_result(w, [tr.adjoints[b].value for b in layer.biases])
                    eqs.append(Equation(rf"\frac{{\partial {loss}}}{{\partial \mathbf{{b}}^{{{n}}}}}", f"∂{g.output}/∂b{n}",
                                        tuple(forms)))
                else:
                    for b in asked_b:
                        self.shown.add(f"adjoint:{b}")
                        eqs.append(self._unit_gradient(w, b))
                if eqs:
                    steps.append(Step(f"b{n}", "", tuple(eqs)))
        return steps

    def _example_gradients(self, w: Writer, targets) -> list[Step]:
        """Several examples: each parameter's gradient is the sum of the examples' contributions."""
        g, tr = self.graph, self.trace
        steps: list[Step] = []
        loss = g.tex[g.output]
        K = len(g.examples)
        explained = False
        for i in reversed(range(len(g.layers))):
            layer = g.layers[i]
            exs = [ex[i] for ex in g.examples]
            n = layer.number
            one = len(layer.z) == 1
            wnames = [x for row in layer.weights for x in row]
            asked_w = [x for x in wnames if x in targets and f"adjoint:{x}" not in self.shown]
            eqs: list[Equation] = []
            if asked_w and len(asked_w) == len(wnames) and len(wnames) > 1:
                self.shown.update(f"adjoint:{x}" for x in wnames)
                rule_tex = " + ".join(
                    (g.adjoint_tex[la.z[0]] if one else rf"\boldsymbol{{\delta}}^{{{n}{_tag(e)[0]}}}")
                    + rf" \left(\mathbf{{a}}^{{{n - 1}{_tag(e)[0]}}}\right)^{{\top}}" for e, la in enumerate(exs))
                rule_text = " + ".join(f"δ{n}{_tag(e)[1]}·a{n - 1}{_tag(e)[1]}ᵀ" for e in range(K))
                sub_tex, sub_text, prods, prods_t = [], [], [], []
                for la in exs:
                    deltas = [tr.adjoints[z].value for z in la.z]
                    prev = [tr.env[sympy.Symbol(a)] for a in la.inputs]
                    given = g.node(la.inputs[0]).is_leaf
                    d_cells, d_cells_t = _cells(w, deltas, factor=one), _cells(w, deltas, "text", factor=one)
                    a_row = [[c[0] for c in _cells(w, prev, exact=given)]]
                    a_row_t = [[c[0] for c in _cells(w, prev, "text", exact=given)]]
                    left = d_cells[0][0] if one else _matrix_tex(d_cells)
                    sub_tex.append(left + " " + _matrix_tex(a_row))
                    sub_text.append(_matrix_text(d_cells_t) + " " + _matrix_text(a_row_t))
                    outer = [[d * a for a in prev] for d in deltas]
                    prods.append(_matrix_tex(_cells(w, outer)))
                    prods_t.append(_matrix_text(_cells(w, outer, "text")))
                grad_vals = [[tr.adjoints[x].value for x in row] for row in layer.weights]
                forms = [Form("=", rule_tex, rule_text), Form("=", " + ".join(sub_tex), " + ".join(sub_text)),
                         Form(_rel(*grad_vals), " + ".join(prods), " + ".join(prods_t)),
                         Form(_rel(*grad_vals), _matrix_tex(_cells(w, grad_vals)),
                              _matrix_text(_cells(w, grad_vals, "text")))]
                if len(layer.weights) == 1:
                    lhs = (r"\left(" + ", ".join(rf"\frac{{\partial {loss}}}{{\partial {g.tex[x]}}}" for x in wnames)
                           + r"\right)", "(" + ", ".join(f"∂{g.output}/∂{x}" for x in wnames) + ")")
                else:
                    lhs = (rf"\frac{{\partial {loss}}}{{\partial \mathbf{{W}}^{{{n}}}}}", f"∂{g.output}/∂W{n}")
                eqs.append(Equation(lhs[0], lhs[1], tuple(_dedupe(forms))))
            else:
                for x in asked_w:
                    self.shown.add(f"adjoint:{x}")
                    eqs.append(self._summed_gradient(w, x))
            if layer.biases:
                asked_b = [b for b in layer.biases if b in targets and f"adjoint:{b}" not in self.shown]
                if asked_b and len(asked_b) == len(layer.biases) and len(layer.biases) > 1:
                    self.shown.update(f"adjoint:{b}" for b in asked_b)
                    rule_tex = " + ".join(rf"\boldsymbol{{\delta}}^{{{n}{_tag(e)[0]}}}" for e in range(K))
                    rule_text = " + ".join(f"δ{n}{_tag(e)[1]}" for e in range(K))
                    parts = [[tr.adjoints[z].value for z in la.z] for la in exs]
                    forms = [Form("=", rule_tex, rule_text),
                             Form("=", " + ".join(_matrix_tex(_cells(w, d)) for d in parts),
                                  " + ".join(_matrix_text(_cells(w, d, "text")) for d in parts))]
                    forms += self._vector_result(w, [tr.adjoints[b].value for b in layer.biases])
                    eqs.append(Equation(rf"\frac{{\partial {loss}}}{{\partial \mathbf{{b}}^{{{n}}}}}",
                                        f"∂{g.output}/∂b{n}", tuple(_dedupe(forms))))
                else:
                    for b in asked_b:
                        self.shown.add(f"adjoint:{b}")
                        eqs.append(self._summed_gradient(w, b))
            if eqs:
                prose = "" if explained else ("Each parameter's gradient is the sum over the examples of the delta of "
                                               "its unit times the activation feeding it:")
                explained = True
                steps.append(Step(f"W{n}", prose, tuple(eqs)))
        return steps

    def _summed_gradient(self, w: Writer, name: str) -> Equation:
        """dC/dw = sum over the examples of delta times a (or of delta, for a bias), one parameter."""
        tr = self.trace
        adj = tr.adjoints[name]
        rule, sub = [], []
        for t in adj.terms:
            av = tr.adjoints[t.child].value
            a_ph = w.value(av) if not av.free_symbols else av
            if t.partial != 1:
                rule.append(sympy.Mul(w.adjoint(t.child), t.partial, evaluate=False))
                sub.append(sympy.Mul(a_ph, w.substitute(t.partial, tr.env), evaluate=False))
            else:
                rule.append(w.adjoint(t.child))
                sub.append(a_ph)
        add = (lambda xs: sympy.Add(*xs, evaluate=False) if len(xs) > 1 else xs[0])  # noqa: E731
        return w.chain(w.adjoint(name), add(rule), add(sub), adj.value)

    def _unit_gradient(self, w: Writer, name: str) -> Equation:
        """dL/dw = delta * a (or dL/db = delta), one parameter."""
        tr = self.trace
        adj = tr.adjoints[name]
        (t,) = adj.terms
        with sympy.evaluate(False):
            rule = sympy.Mul(w.adjoint(t.child), t.partial) if t.partial != 1 else w.adjoint(t.child)
            av = tr.adjoints[t.child].value
            a_ph = w.value(av) if not av.free_symbols else av
            sub = sympy.Mul(a_ph, w.substitute(t.partial, tr.env)) if t.partial != 1 else a_ph
        return w.chain(w.adjoint(name), rule, sub, adj.value)

    # -- update --------------------------------------------------------


def _rel(*values) -> str:
    """= when the values (lists of them) are exact or symbolic; ≈ when they are shown rounded."""
    return "=" if all(v.is_Rational or v.free_symbols for vs in values for v in vs) else "approx"


def _derivative_form(w: Writer, act) -> Form:
    """sigma'(x) as the catalogue states it; by cases where it has a kink at 0 (relu, step)."""
    if act.cases[0]:
        return Form("=", *act.cases)
    return w.form(act.derivative)


def _tag(e: int) -> tuple[str, str]:
    """Example e's superscript and name suffix: (1), @1."""
    return f"({e + 1})", f"@{e + 1}"


def key_delta(n: int) -> str:
    return f"delta{n}"

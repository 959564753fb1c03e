"""The shape of the code: one kind interface, no kind named in shared code, no import circles."""

from __future__ import annotations

import ast
import re

import pytest

from neuralsolve.kind import AskType, Kind
from neuralsolve.kinds import KINDS

from .conftest import ROOT

PACKAGE = ROOT / "neuralsolve"


def _module_name(path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports (at the top or inside functions)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        base = name.split(".") if is_pkg else name.split(".")[:-1]
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    parent = base[: len(base) - node.level + 1]
                    target = ".".join(parent + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                for alias in node.names:  # from . import graph: the submodule itself
                    if f"{target}.{alias.name}" in modules:
                        out.add(f"{target}.{alias.name}")
                if target in modules:
                    out.add(target)
            elif isinstance(node, ast.Import):
                out.update(a.name for a in node.names if a.name in modules)
        out.discard(name)
        graph[name] = out
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(n):
        state[n] = 1
        stack.append(n)
        for m in sorted(graph.get(n, ())):
            if m.startswith(n + ".") or n.startswith(m + "."):
                continue  # a package and its own modules
            if state.get(m) == 1:
                return stack[stack.index(m):] + [m]
            if not state.get(m):
                found = visit(m)
                if found:
                    return found
        stack.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if not state.get(n):
            found = visit(n)
            if found:
                return found
    return None


def test_no_import_circles():
    assert _cycle(_imports()) is None, " -> ".join(_cycle(_imports()))


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_shared_code_never_asks_which_kind_it_holds():
    pattern = re.compile(r"kind\s*(==|!=)\s*['\"]|kind\s+(not\s+)?in\s*[\(\[\{]|MatrixGraph|NetworkGraph|"
                         r"['\"](network|matrix|graph|rnn|cnn)['\"]")
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if "kinds" in path.relative_to(PACKAGE).parts:
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if pattern.search(line):
                offenders.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert not offenders, "\n".join(offenders)


def test_kinds_import_no_shared_stage_that_imports_kinds():
    """Kinds build on the shared stages; the loader, check and exams reach kinds only through the registry."""
    graph = _imports()
    for name, deps in graph.items():
        if name.startswith("neuralsolve.kinds."):
            for dep in deps:
                assert dep not in ("neuralsolve.spec", "neuralsolve.check", "neuralsolve.exam", "neuralsolve.cli",
                                   "neuralsolve.variants", "neuralsolve.view"), f"{name} imports {dep}"


@pytest.mark.parametrize("name", list(KINDS))
def test_every_kind_implements_the_interface(name):
    kind = KINDS[name]
    assert isinstance(kind, Kind) and kind.name == name
    for method in ("lower", "default_asks", "compute", "view", "given"):
        assert getattr(type(kind), method) is not getattr(Kind, method), f"{name} does not implement {method}"
    assert kind.asks, f"{name} has no asks"
    for word, entry in kind.asks.items():
        assert isinstance(entry, AskType) and entry.word == word
        assert all(callable(f) for f in (entry.read, entry.sentence, entry.answers, entry.steps))

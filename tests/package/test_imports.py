"""The package's import graph: no module imports itself back, deferred imports included.

The graph is read from the source with `ast`, not from `sys.modules`, so an import inside a
function (deferred to first use) counts as much as one at the top of the file. An import
under `if TYPE_CHECKING:` counts too: it does not run, but it is a dependency all the same
(the reader and mypy follow it), and a cycle hidden that way is a cycle in the design.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

#: with test_wings.py on one pytest-xdist worker: the graph is read once (``import_graph``)
pytestmark = pytest.mark.xdist_group("import-graph")

PACKAGE = Path(__file__).resolve().parents[2] / "eprom_verify"
ROOT = "eprom_verify"


def _module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = [ROOT, *path.relative_to(package).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement: module level, deferred inside functions, and type-only."""
    return [node for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)]


def import_graph(package: Path = PACKAGE) -> dict[str, set[str]]:
    """Module name -> the package modules it imports (resolved, relative imports included).

    The checkout's package is read once a process (~0.65 CPU-s: every module parsed; this
    module's test and two of test_wings.py ask for it); each caller gets its own copy. A
    package elsewhere (the tests' made-up ones) is read every time.
    """
    if package == PACKAGE:
        if not _CHECKOUT:
            _CHECKOUT.update(_read_graph(package))
        return {name: set(imported) for name, imported in _CHECKOUT.items()}
    return _read_graph(package)


#: the checkout's graph, read on first use
_CHECKOUT: dict[str, set[str]] = {}


def _read_graph(package: Path) -> dict[str, set[str]]:
    files = {_module_name(p, package): p for p in sorted(package.rglob("*.py"))}
    graph: dict[str, set[str]] = {name: set() for name in files}

    def known(name: str) -> str | None:
        # The module itself, or the nearest package above it that the source holds.
        while name and name not in files:
            name = name.rpartition(".")[0]
        return name or None

    for name, path in files.items():
        is_package = path.name == "__init__.py"
        here = name if is_package else name.rpartition(".")[0]
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base_parts = here.split(".")
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts)
                    module = f"{base}.{node.module}" if node.module else base
                else:
                    module = node.module or ""
                # "from m import x": module m.x if there is one, else the name x of module m.
                targets = [
                    f"{module}.{alias.name}" if f"{module}.{alias.name}" in files else module
                    for alias in node.names
                ]
            for target in targets:
                if target == ROOT or target.startswith(ROOT + "."):
                    resolved = known(target)
                    if resolved and resolved != name:
                        graph[name].add(resolved)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def strongconnect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                strongconnect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            strongconnect(node)
    return sorted(components)


def _a_cycle_through(component: list[str], graph: dict[str, set[str]]) -> list[str]:
    """One concrete loop inside a component, for the message: a -> b -> ... -> a."""
    members = set(component)
    start = component[0]
    path = [start]
    seen = {start}

    # Depth-first search back to the start, staying inside the component.
    def walk(node: str) -> bool:
        for nxt in sorted(graph[node] & members):
            if nxt == start:
                path.append(start)
                return True
            if nxt not in seen:
                seen.add(nxt)
                path.append(nxt)
                if walk(nxt):
                    return True
                path.pop()
        return False

    walk(start)
    return path


def describe(cycles: list[list[str]], graph: dict[str, set[str]]) -> str:
    return "\n".join(" -> ".join(_a_cycle_through(c, graph)) for c in cycles)


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    cycles = find_cycles(graph)

    assert not cycles, (
        f"{len(cycles)} import cycle(s) in eprom_verify (deferred imports count; move the "
        f"shared piece into a module both import, or pass it in):\n{describe(cycles, graph)}"
    )


def test_the_walk_sees_deferred_and_relative_imports(tmp_path: Path) -> None:
    """The check can fail: a planted cycle through a deferred relative import is named."""
    package = tmp_path / "eprom_verify"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("")
    (package / "a.py").write_text("from .sub import b\n")
    (package / "sub" / "b.py").write_text("def later():\n    from ..a import thing\n")
    (package / "c.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from . import a\n"
    )

    graph = import_graph(package)
    cycles = find_cycles(graph)

    assert graph["eprom_verify.c"] == {"eprom_verify.a"}, "a type-only import is an edge"
    assert cycles == [["eprom_verify.a", "eprom_verify.sub.b"]]
    assert describe(cycles, graph) == "eprom_verify.a -> eprom_verify.sub.b -> eprom_verify.a"

"""The package's wings import downward only (docs/architecture.md, "Layout").

A *room* is a top-level module or subpackage of ``eprom_verify``; an edge is an import from
one room to another, deferred imports and ``TYPE_CHECKING`` ones included; ``__main__``
entry points are left out (they sit above everything). ``python tests/package/test_wings.py``
prints the rooms, their levels and edges.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
from test_imports import import_graph

#: with test_imports.py on one pytest-xdist worker: the graph is read once (``import_graph``)
pytestmark = pytest.mark.xdist_group("import-graph")

PACKAGE = Path(__file__).resolve().parents[2] / "eprom_verify"

#: which wings a wing must never import: the run side, observe and the receiver check sit
#: on the simulator, the report and the contract; the commands and pytest sit on top.
FORBIDDEN: dict[str, set[str]] = {
    "simulator": {"cli", "pytest", "run", "observe", "receiver"},
    "report": {"cli", "pytest", "run", "observe", "receiver", "simulator"},
    "contract": {"cli", "pytest", "run", "observe", "receiver", "simulator", "report"},
    "run": {"cli", "pytest", "observe", "receiver"},
    "observe": {"cli", "pytest", "run", "receiver"},
    "receiver": {"cli", "pytest", "run", "observe", "simulator"},
    "pytest": {"cli"},
    "findings": {"cli", "pytest", "run", "observe", "receiver", "simulator"},
    "checklist": {"cli", "pytest", "run", "observe", "receiver", "simulator", "report"},
    "wording": {"cli", "pytest", "run", "observe", "receiver", "simulator", "report"},
}


def _room(dotted: str) -> str:
    parts = dotted.split(".")
    return parts[1] if len(parts) > 1 else ""


def room_edges(package: Path = PACKAGE) -> dict[str, dict[str, set[str]]]:
    """room → imported room → the files that import it (read by test_imports.import_graph)."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for module, imported in import_graph(package).items():
        room = _room(module)
        if not room or module.endswith(".__main__"):
            continue
        edges[room]  # noqa: B018 - a room with no edge is still a room
        path = package.joinpath(*module.split(".")[1:])
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for target in imported:
            other = _room(target)
            if other and other != room:
                edges[room][other].add(str(source.relative_to(package.parent)))
    return edges


def levels(edges: dict[str, dict[str, set[str]]]) -> dict[str, int]:
    """1 + the longest import chain below each room (the graph has no cycle)."""
    memo: dict[str, int] = {}

    def depth(room: str, path: tuple[str, ...]) -> int:
        if room in path:
            raise AssertionError(f"import cycle between rooms: {' → '.join((*path, room))}")
        if room not in memo:
            memo[room] = 1 + max((depth(t, (*path, room)) for t in edges.get(room, {})), default=0)
        return memo[room]

    for room in list(edges):
        depth(room, ())
    return memo


def test_no_room_imports_a_wing_drawn_above_it() -> None:
    edges = room_edges()
    wrong = [
        f"{room} imports {other} ({', '.join(sorted(edges[room][other]))})"
        for room, banned in FORBIDDEN.items()
        for other in sorted(banned & set(edges.get(room, {})))
    ]
    assert not wrong, "imports pointing up:\n" + "\n".join(wrong)


def test_the_rooms_form_no_cycle() -> None:
    assert levels(room_edges())


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    package = tmp_path / "eprom_verify"
    (package / "simulator").mkdir(parents=True)
    (package / "cli").mkdir()
    (package / "simulator" / "__init__.py").write_text(
        "def f():\n    from eprom_verify.cli import x\n"
    )
    (package / "cli" / "__init__.py").write_text("from eprom_verify.simulator import f\n")
    edges = room_edges(package)
    assert edges["simulator"]["cli"] == {"eprom_verify/simulator/__init__.py"}
    with pytest.raises(AssertionError, match="import cycle between rooms: (cli|simulator) → "):
        levels(edges)


if __name__ == "__main__":
    found = room_edges()
    depth = levels(found)
    total = sum(len(v) for v in found.values())
    print(f"{len(found)} rooms on {max(depth.values())} levels, {total} edges")
    for name in sorted(found, key=lambda r: (depth[r], r)):
        print(f"  {depth[name]:>2} {name}: {' '.join(sorted(found[name]))}")

"""Checkpoint ids live in the checklist: no other module keeps a table of them or compares one.

The walk reads the package's source with `ast` and looks at every string constant that is a
checkpoint id (``V1.3``, ``LC1``, ``R2`` …). Outside the allowed homes such a constant may
only be the argument of a call: a rule registered with the id it judges
(``@REGISTRY.register("R1")``) or a finding naming its checkpoint (``_finding("V1.3", …)``,
``Finding(…, ["L2"], …)``). An id in a dict, set, tuple or list kept in a variable, in a
comparison (``row.id == "V1.3"``, ``cid in ("L1", "L2")``), a subscript or a fallback
(``table.get(kind, "V1.4")``) is a second home for a checkpoint fact: ask the checklist
instead (docs/architecture.md, "Adding a checkpoint").

Suites and tests are not walked: they are where checkpoints are proven.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from eprom_verify.checklist import checkpoint_ids

PACKAGE = Path(__file__).resolve().parents[2] / "eprom_verify"

#: the id pattern of every area, the checklist's ids included
ID = re.compile(r"(V\d\.\d|LC\d|PV\d|[LSRPU]\d)")

#: where ids may be spelled
HOMES = {
    "checklist.py": "the checklist: the one home of every checkpoint fact",
}

#: calls that look up a table with the id as key or fallback
_LOOKUPS = {"get", "setdefault", "pop", "index", "count", "__contains__"}


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _where(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> str | None:
    """Why this id constant is a table or a decision; None where it is a call's argument."""
    parent = parents.get(node)
    if isinstance(parent, ast.List | ast.Tuple) and isinstance(
        parents.get(parent), ast.Call | ast.keyword
    ):
        node, parent = parent, parents[parent]  # a finding's list of checkpoints, given to a call
    if isinstance(parent, ast.keyword):
        node, parent = parent, parents[parent]
    if isinstance(parent, ast.Call) and (node in parent.args or node in parent.keywords):
        func = parent.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        return f"a table lookup ({name})" if name in _LOOKUPS else None
    if isinstance(parent, ast.Compare):
        return "a comparison"
    if isinstance(parent, ast.Dict):
        return "a dict"
    if isinstance(parent, ast.Set | ast.List | ast.Tuple):
        return "a table (set, list or tuple)"
    if isinstance(parent, ast.Subscript):
        return "a subscript"
    if isinstance(parent, ast.Return):
        return "a returned value"
    return "a constant outside a call"


def id_violations(source: str, filename: str) -> list[str]:
    """Each id spelled outside a call in ``source``: ``file:line: 'id' in …``."""
    tree = ast.parse(source, filename)
    parents = _parents(tree)
    known = set(checkpoint_ids())
    found = []
    constants = [n for n in ast.walk(tree) if isinstance(n, ast.Constant)]
    for node in sorted(constants, key=lambda n: (n.lineno, n.col_offset)):
        if not isinstance(node.value, str):
            continue
        if not (node.value in known or ID.fullmatch(node.value)):
            continue
        why = _where(node, parents)
        if why is not None:
            found.append(
                f"{filename}:{node.lineno}: checkpoint id {node.value!r} in {why} — "
                "ask the checklist (eprom_verify/checklist.py) instead"
            )
    return found


def test_no_module_outside_the_checklist_keeps_checkpoint_ids():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative in HOMES:
            continue
        found += id_violations(path.read_text(encoding="utf-8"), f"eprom_verify/{relative}")
    assert not found, "checkpoint ids outside the checklist:\n" + "\n".join(found)


def test_the_walk_finds_each_kind_of_second_home():
    source = """
_BY_AREA = {"V1": frozenset({"V1.1", "LC1"})}
ORDERED = ("V1.1", "V1.2")
def section(row, kind):
    if row.id == "V1.3":
        return 1
    if row.id in ("L1", "L2"):
        return 2
    return _NO_ERRORS.get(kind, "V1.4")
def primary():
    return "P1"
"""
    found = id_violations(source, "views.py")
    assert [line.split(": ", 1)[1].split(" —")[0] for line in found] == [
        "checkpoint id 'V1.1' in a table (set, list or tuple)",
        "checkpoint id 'LC1' in a table (set, list or tuple)",
        "checkpoint id 'V1.1' in a table (set, list or tuple)",
        "checkpoint id 'V1.2' in a table (set, list or tuple)",
        "checkpoint id 'V1.3' in a comparison",
        "checkpoint id 'L1' in a table (set, list or tuple)",
        "checkpoint id 'L2' in a table (set, list or tuple)",
        "checkpoint id 'V1.4' in a table lookup (get)",
        "checkpoint id 'P1' in a returned value",
    ], found
    assert found[0].startswith("views.py:2: ")


def test_rule_registrations_and_findings_may_name_their_checkpoint():
    source = '''
@REGISTRY.register("R1")
def accepts_valid(target):
    return _finding("V1.3", message, entry)
def letter(step):
    return Finding(step.id, "channel", ["L2"], "failed", checkpoints=["L1"])
"""V1.3 in a docstring is prose."""
'''
    assert id_violations(source, "rules.py") == []


def test_the_pattern_knows_every_checklist_id():
    assert [cid for cid in checkpoint_ids() if not ID.fullmatch(cid)] == []

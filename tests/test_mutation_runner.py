"""The mutation runner makes every mutant it counts (docs/mutation.md).

A mutant the runner cannot make fails in the forked child before any test runs, and used to
count as *killed*: every negate-filter mutant did (its applier was handed the filter, not
the comprehension), which lifted the scores without any test judging them. The runner now
reports such a mutant as "not made" and stops; this test makes one mutant of each operator
of each module, so a broken applier fails here, in the quick loop, not in a 20-minute run.
"""

from __future__ import annotations

import ast
import re

import pytest

from tests.mutation.run import MODULES, _path, mutants, mutated_code, mutated_tree


def _kind(operator: str) -> str:
    return "constant±1" if re.fullmatch(r"-?\d+→-?\d+", operator) else operator


@pytest.mark.parametrize("module", sorted(MODULES))
def test_one_mutant_of_each_operator_is_made_and_differs(module: str) -> None:
    original = ast.dump(ast.parse(_path(module).read_text(encoding="utf-8")))
    first = {}
    for mutant in mutants(module):
        first.setdefault(_kind(mutant.operator), mutant)
    for kind, mutant in first.items():
        changed = mutated_tree(module, mutant.index)  # raises for an applier that is wrong
        assert ast.dump(changed) != original, f"{kind} ({mutant.key}) changed nothing"
        assert mutated_code(module, mutant.index).co_filename == str(_path(module))


def test_the_modules_hold_every_operator() -> None:
    """So the test above makes one of each, negate-filter among them (none of the modules
    raises: delete-raise has no site)."""
    kinds = {_kind(m.operator).split("→")[0] for module in MODULES for m in mutants(module)}
    expected = {"negate-filter", "negate-condition", "drop-not", "delete-return",
                "and", "or", "constant±1", "==", "<"}  # fmt: skip
    assert expected <= kinds, sorted(expected - kinds)

"""The whole-run checks (``run_ledger`` marker) run last and survive ``-k``.

A selection such as ``-k letters`` still places letters and receives callbacks; the
run-wide verdict over them must be judged too. So the ledger's tests are put back when ``-k``
(or any deselection) dropped them — those of the areas the selected tests belong to (a
selection of S tests gets the whole-run V1.2, V1.4, V3.1, V3.2 and LC1, which judge its
orders) — and they always run after every other test. For ``check-receiver`` (only receiver
checks selected) they stay out: that run places nothing.
"""

from __future__ import annotations

import pytest

from eprom_verify.checklist import kept_under_selection

__all__ = ["RunLedgerLast"]


def _ids(item: pytest.Item) -> list[str]:
    return [i for mark in item.iter_markers("checkpoint") for i in mark.args]


def _relevant(items: list[pytest.Item]) -> set[str]:
    """The selected tests' checkpoints and the whole-run ones that judge what they place."""
    return kept_under_selection({cid for item in items for cid in _ids(item)})


def _is_ledger(item: pytest.Item) -> bool:
    return item.get_closest_marker("run_ledger") is not None


def _verifies(item: pytest.Item) -> bool:
    return (
        item.get_closest_marker("checkpoint") is not None
        and item.get_closest_marker("receiver") is None
        and not _is_ledger(item)
    )


class RunLedgerLast:
    """Registered by the plugin; its hooks run after the built-in deselection."""

    name = "eprom-verify-run-ledger-last"

    def __init__(self) -> None:
        self._dropped: list[pytest.Item] = []

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self._dropped += [item for item in items if _is_ledger(item)]

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        ledger = [item for item in items if _is_ledger(item)]
        others = [item for item in items if not _is_ledger(item)]
        verifying = [item for item in others if _verifies(item)]
        if verifying:
            wanted = _relevant(verifying)
            ledger += [
                item for item in self._dropped if item not in ledger and set(_ids(item)) & wanted
            ]
        items[:] = others + ledger

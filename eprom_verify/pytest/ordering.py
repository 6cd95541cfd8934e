"""The whole-run checks (``run_ledger`` marker) run last and survive ``-k``.

A selection such as ``-k letters`` still places orders and receives callbacks; the run-wide
verdict over them must be judged too. So the ledger's tests are put back when ``-k`` (or any
deselection) dropped them while some verification test is still selected, and they always
run after every other test. For ``check-receiver`` (only receiver checks selected) they stay
out: that run places nothing.
"""

from __future__ import annotations

import pytest

__all__ = ["RunLedgerLast"]


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
        if any(_verifies(item) for item in others):
            ledger += [item for item in self._dropped if item not in ledger]
        items[:] = others + ledger

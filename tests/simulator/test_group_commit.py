"""Group commit in the simulator's store (:meth:`Store.grouped`): one COMMIT per loop turn.

What must hold: nothing a unit wrote is visible to another process (a second connection)
before its future is done — callers answer or send only after awaiting it; every unit of one
turn shares one commit; a unit that fails rolls back alone; a plain transaction commits an
open group first.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from eprom_verify.simulator.store import Store


def _order(store: Store, order_id: str) -> None:
    store.add_order(
        id=order_id, system="s", national_id="26670271527", form_id="f", rule=1, channel=1,
        status="Ordered", must_be_signed=0, test_mode=0, dont_store=0, created_at=1.0,
    )  # fmt: skip


def _seen(path: Path) -> set[str]:
    """The orders another process would see in the file now."""
    with sqlite3.connect(path) as other:
        return {row[0] for row in other.execute("SELECT id FROM orders")}


def test_units_of_one_turn_share_one_commit_and_are_invisible_until_it(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite3"
    store = Store(path)

    async def main() -> None:
        futures = []
        for n in range(5):
            with store.grouped() as committed:
                _order(store, f"o{n}")
            futures.append(committed)
        assert _seen(path) == set(), "a grouped write was visible before its commit"
        assert not any(f.done() for f in futures)
        await asyncio.gather(*futures)
        assert _seen(path) == {f"o{n}" for n in range(5)}

    asyncio.run(main())
    assert (store.group_commits, store.grouped_units) == (1, 5), (
        f"expected 5 units in 1 commit, got {store.grouped_units} in {store.group_commits}"
    )
    store.close()


def half_done(store: Store) -> None:
    with store.grouped():
        _order(store, "rolled-back")
        raise RuntimeError("refused halfway")


def test_a_failing_unit_rolls_back_alone(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite3"
    store = Store(path)

    async def main() -> None:
        with store.grouped() as first:
            _order(store, "kept")
        with pytest.raises(RuntimeError, match="halfway"):
            half_done(store)
        with store.grouped() as last:
            _order(store, "kept-too")
        await asyncio.gather(first, last)

    asyncio.run(main())
    assert _seen(path) == {"kept", "kept-too"}
    store.close()


def test_a_plain_transaction_commits_an_open_group_first(tmp_path: Path) -> None:
    path = tmp_path / "sim.sqlite3"
    store = Store(path)

    async def main() -> None:
        with store.grouped() as committed:
            _order(store, "grouped")
        with store.transaction():  # e.g. the control API, in the same loop turn
            _order(store, "plain")
        assert committed.done(), "the plain transaction left the group open"
        assert _seen(path) == {"grouped", "plain"}

    asyncio.run(main())
    store.close()

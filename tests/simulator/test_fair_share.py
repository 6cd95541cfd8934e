"""The outbox's fair share (:meth:`Outbox.wait_for_room`): a form order waits while its
ordering system's due callbacks outnumber the workers, and only so long.

No timing is asserted beyond "returned": the bound is made tiny and the checks are on what
came back and in which order things happened.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from eprom_verify.simulator import outbox as outbox_module
from eprom_verify.simulator.outbox import Outbox
from eprom_verify.simulator.store import Store


def _outbox(tmp_path: Path, concurrency: int) -> Outbox:
    return Outbox(
        Store(tmp_path / "sim.sqlite3"),
        concurrency=concurrency,
        retry_base_seconds=1,
        retry_max_seconds=1,
        timeout_seconds=1,
        on_error=lambda exc: None,
    )


def _fill(outbox: Outbox, system: str, count: int) -> None:
    """Put ``count`` due rows in ``system``'s queue without starting its workers."""
    lane = outbox_module._Lane()
    outbox._lanes[system] = lane
    for n in range(count):
        lane.queue.put_nowait(n + 1)


def test_room_at_once_while_the_queue_is_short(tmp_path: Path) -> None:
    outbox = _outbox(tmp_path, concurrency=4)

    async def main() -> bool:
        _fill(outbox, "a", 3)
        return await outbox.wait_for_room("a")

    assert asyncio.run(main()) is True


def test_a_full_queue_holds_the_order_until_the_workers_take_from_it(tmp_path: Path) -> None:
    outbox = _outbox(tmp_path, concurrency=4)
    events: list[str] = []

    async def main() -> bool:
        _fill(outbox, "a", 4)
        lane = outbox._lanes["a"]

        async def worker() -> None:
            await asyncio.sleep(0)
            for _ in range(3):  # as Outbox._work does after each get()
                lane.queue.get_nowait()
                if lane.queue.qsize() < 4 // 2:
                    events.append("room")
                    lane.room.set()
                await asyncio.sleep(0)

        task = asyncio.create_task(worker())
        got = await outbox.wait_for_room("a")
        events.append("order goes on")
        await task
        return got

    assert asyncio.run(main()) is True
    assert events[:2] == ["room", "order goes on"], events


def test_a_stuck_lane_holds_an_order_only_the_bound(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(outbox_module, "ROOM_WAIT_SECONDS", 0.01)
    outbox = _outbox(tmp_path, concurrency=2)

    async def main() -> tuple[bool, bool]:
        _fill(outbox, "hung", 5)  # no worker ever takes from it
        held = await outbox.wait_for_room("hung")
        other = await outbox.wait_for_room("other")  # another system is not held
        return held, other

    assert asyncio.run(main()) == (False, True)

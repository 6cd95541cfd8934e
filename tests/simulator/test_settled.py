"""``settled(sim, receiver)``: the tests' wait for "nothing more will come", without a fixed
window. It must not return while a callback is still to be delivered, and it must say which
callbacks never left."""

from __future__ import annotations

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator

from .conftest import place, settled
from .receiver import Receiver


def test_a_delayed_callback_is_waited_for(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("delay", seconds=0.3)
    order = place(api)
    assert receiver.mine() == []  # held back: a wait on the receiver alone would end here
    [callback] = settled(sim, receiver)
    assert callback.body["formOrderId"] == order["id"]


def test_a_duplicate_is_in_what_it_returns(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("duplicate", callback="status")
    order = place(api)
    assert [c.body["formOrderId"] for c in settled(sim, receiver)] == [order["id"]] * 2


def test_a_callback_that_never_leaves_is_named(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    receiver.answers.extend([(503, "")] * 1000)  # refused, retried: pending for good
    order = place(api)
    with pytest.raises(AssertionError) as caught:
        settled(sim, receiver, timeout=0.3)
    assert str(caught.value) == (f"1 callbacks still pending after 0.3 s: status for {order['id']}")
    receiver.answers.clear()
    assert len(settled(sim, receiver)) >= 2  # the retries, then the acknowledged one

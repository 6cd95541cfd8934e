"""Callback delivery: retries with backoff, what counts as an acknowledgement, never twice."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator, run_in_thread
from eprom_verify.simulator.outbox import judge_answer, retry_delay

from .conftest import KEY, loopback_client, order_body, place, settings_for, settled
from .receiver import Receiver, free_port


@pytest.mark.parametrize(
    ("status", "text", "problem"),
    [
        (200, '{"success": true}', None),
        (200, '{"Success": true}', None),
        (204, '{"success": true, "extra": 1}', None),
        (200, '{"success": false}', "answered success: false, not true"),
        (200, '{"ok": true}', "without 'success'"),
        (200, "OK", "not JSON"),
        (200, "[true]", "not an object"),
        (500, '{"success": true}', "answered HTTP 500, not 2xx"),
        (200, '{"success": "true"}', 'answered success: "true", not true'),
    ],
)
def test_what_counts_as_an_acknowledgement(status: int, text: str, problem: str | None) -> None:
    verdict = judge_answer(status, text)
    if problem is None:
        assert verdict is None
    else:
        assert verdict is not None
        assert problem in verdict.en
        assert verdict.nb.startswith("ble besvart med ")


@pytest.mark.parametrize(
    "answers",
    [
        [(500, "oops")],
        [(200, '{"success": false}')],
        [(200, "not json"), (503, "")],
    ],
)
def test_failed_answers_are_retried_then_delivered_once(
    api: httpx.Client, receiver: Receiver, answers: list[tuple[int, str]], sim: RunningSimulator
) -> None:
    receiver.answers.extend(answers)
    order = place(api)
    got = receiver.wait_for(len(answers) + 1, timeout=5)
    assert {c.body["formOrderId"] for c in got} == {order["id"]}
    assert len(settled(sim, receiver)) == len(answers) + 1
    [row] = sim.control.order(order["id"]).callbacks
    assert row.state == "delivered"
    assert [a.acknowledged for a in row.attempts] == [False] * len(answers) + [True]
    assert row.attempts[0].error


def test_a_receiver_that_is_down_gets_the_callback_when_it_comes_up() -> None:
    port = free_port()
    settings = settings_for(
        f"http://127.0.0.1:{port}/cb", retry_base_seconds=0.05, retry_max_seconds=0.1
    )
    with run_in_thread(settings) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        order = api.post("/api/v2/formorder", json=order_body()).json()
        deadline = time.monotonic() + 5
        while len(sim.control.order(order["id"]).callbacks[0].attempts) < 3:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        attempt = sim.control.order(order["id"]).callbacks[0].attempts[0]
        assert attempt.status is None
        assert "cannot connect" in str(attempt.error)  # wording differs: asyncio vs uvloop
        with Receiver(port) as receiver:
            [callback] = receiver.wait_for(1, timeout=5)
            assert callback.body["formOrderId"] == order["id"]
            assert len(receiver.settle(0.4)) == 1
        assert sim.control.order(order["id"]).callbacks[0].state == "delivered"


def _attempts(sim: Any, order_id: str) -> list[Any]:
    callbacks = sim.control.order(order_id).callbacks
    return list(callbacks[0].attempts) if callbacks else []


def test_backoff_grows_exponentially_up_to_the_maximum() -> None:
    port = free_port()
    settings = settings_for(
        f"http://127.0.0.1:{port}/cb", retry_base_seconds=0.05, retry_max_seconds=0.2
    )
    with run_in_thread(settings) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        order = api.post("/api/v2/formorder", json=order_body()).json()
        # five attempts: four gaps, the last two at the maximum (0.05, 0.1, 0.2, 0.2 s); the
        # first four are left alone (asking shares the simulator's event loop), then asked for
        time.sleep(0.5)
        deadline = time.monotonic() + 30  # a bound for a loaded machine, not a timing
        while len(attempts := _attempts(sim, order["id"])) < 5:
            assert time.monotonic() < deadline, f"only {len(attempts)} attempts after 30 s"
            time.sleep(0.15)  # seldom: asking the simulator must not hold back its retries
    from datetime import datetime

    moments = [datetime.fromisoformat(a.at).timestamp() for a in attempts]
    gaps = [b - a for a, b in zip(moments, moments[1:], strict=False)]
    # the simulator keeps the schedule: no retry comes before its delay (0.05, 0.1, 0.2, 0.2).
    # How much later one comes is the machine's business, so there is no upper bound here:
    # the cap is held exactly by test_the_retry_schedule_doubles_up_to_its_cap.
    scheduled = [retry_delay(n, 0.05, 0.2) for n in range(len(gaps))]
    assert scheduled[:4] == pytest.approx([0.05, 0.1, 0.2, 0.2])
    early = [
        (n, gap, due)
        for n, (gap, due) in enumerate(zip(gaps, scheduled, strict=True))
        if gap < due - 0.01
    ]
    assert not early, f"retries before their delay (attempt, gap s, delay s): {early}"


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(0, 0.05), (1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (5, 0.5), (39, 0.5), (10_000, 0.5)],
)
def test_the_retry_schedule_doubles_up_to_its_cap(attempts: int, delay: float) -> None:
    assert retry_delay(attempts, 0.05, 0.5) == pytest.approx(delay)


def test_callback_delay_setting(receiver: Receiver) -> None:
    with run_in_thread(settings_for(receiver.base_url, callback_delay_seconds=0.5)) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        started = time.monotonic()
        api.post("/api/v2/formorder", json=order_body())
        receiver.wait_for(1, timeout=5)
        assert time.monotonic() - started >= 0.5


def test_auto_complete_and_expiry(receiver: Receiver) -> None:
    with run_in_thread(settings_for(receiver.base_url, auto_complete_after_seconds=0.1)) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        answered = api.post("/api/v2/formorder", json=order_body()).json()
        got = receiver.wait_for(2, timeout=5)
        assert [c.body["formOrderStatus"] for c in got] == ["Ordered", "Completed"]
        assert sim.control.order(answered["id"]).status == "Completed"


def test_an_order_past_its_expiry_date_expires(
    api: httpx.Client, receiver: Receiver, sim: object
) -> None:
    order = place(api, expiryDate="2020-01-01T00:00:00")
    got = receiver.wait_for(2, timeout=5)
    assert sorted(c.body["formOrderStatus"] for c in got) == ["Expired", "Ordered"]
    assert {c.body["formOrderId"] for c in got} == {order["id"]}

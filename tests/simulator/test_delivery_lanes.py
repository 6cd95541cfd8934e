"""Delivery lanes per ordering system, and a delivery journal without the key.

One ordering system whose receiver hangs must not hold back another system's callbacks; a
receiver that echoes the key in its answer must not get the key into the stored journal.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from urllib.parse import quote

import pytest

from eprom_verify.simulator import OrderingSystem, run_in_thread

from .conftest import KEY, LOOPBACK, loopback_client, order_body, settings_for
from .receiver import Receiver

SLOW_KEY = "slow-key-7c1f2a9e4b6d8035"


class HangingReceiver:
    """Accepts connections, reads what comes, never answers (a receiver stuck in a deadlock)."""

    def __init__(self) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(128)
        self.port = self._sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        self._sock.settimeout(0.05)
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections.append(conn)

    def __enter__(self) -> HangingReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(2)
        for conn in self.connections:
            conn.close()
        self._sock.close()


@pytest.fixture
def two_systems() -> Iterator[tuple[str, Receiver, HangingReceiver]]:
    with Receiver() as fast, HangingReceiver() as hanging:
        settings = settings_for(
            fast.base_url,
            delivery_concurrency=2,  # two hanging PUTs fill a shared pool of this size
            callback_timeout_seconds=60,  # longer than the test waits: only a lane helps
            ordering_systems=[
                OrderingSystem(name="fast-system", api_key=KEY, callback_base_url=fast.base_url),
                OrderingSystem(
                    name="hanging-system",
                    api_key=SLOW_KEY,
                    callback_base_url=f"http://127.0.0.1:{hanging.port}/cb",
                ),
            ],
        )
        with run_in_thread(settings) as sim:
            yield sim.base_url, fast, hanging
            # the hanging lane still holds its PUTs: nothing to check_errors about


def test_a_hanging_receiver_delays_no_other_systems_callbacks(
    two_systems: tuple[str, Receiver, HangingReceiver],
) -> None:
    base, fast, hanging = two_systems
    with loopback_client(base_url=base, timeout=30) as client:
        # two in flight, two queued, the fifth held by the full queue (ROOM_WAIT_SECONDS,
        # each further order as long again): more than the lane's workers, its queue full
        for _ in range(5):
            answer = client.post(
                "/api/v2/formorder",
                json=order_body(),
                headers={"Authorization": f"Basic {SLOW_KEY}"},
            )
            assert answer.status_code == 200, answer.text
        # wait until the hanging system's workers are all stuck in a PUT
        while len(hanging.connections) < 2:
            threading.Event().wait(0.02)
        fast_order = client.post(
            "/api/v2/formorder", json=order_body(), headers={"Authorization": f"Basic {KEY}"}
        )
        assert fast_order.status_code == 200, fast_order.text
    try:
        got = fast.wait_for(1, timeout=10)
    except TimeoutError:
        pytest.fail(
            "the fast ordering system's status callback for "
            f"{fast_order.json()['id']} did not arrive within 10 s while another system's "
            "receiver hung: the hanging system holds the delivery workers of every system"
        )
    assert got[0].body["formOrderId"] == fast_order.json()["id"]
    health = LOOPBACK.get(base.removesuffix("/promswebapi") + "/_simulator/health")
    assert health.status_code == 200, f"a hanging lane is still a running outbox: {health.text}"


def _key_forms(key: str) -> list[str]:
    raw = key.encode()
    return [
        key,
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        base64.b64encode(f"user:{key}".encode()).decode(),
    ]


@pytest.mark.parametrize(
    "answer",
    [
        json.dumps({"success": True, "echo": KEY}),
        json.dumps({"success": True, "b64": base64.b64encode(KEY.encode()).decode()}),
        json.dumps({"success": True, "url": quote(f"key={KEY}&x", safe="")}),
        json.dumps({"success": KEY}),  # refused: the error text quotes the value
        json.dumps({"basic": "Basic " + base64.b64encode(f"x:{KEY}".encode()).decode()}),
    ],
    ids=["plain", "base64", "url", "in-the-error", "basic-credential"],
)
def test_a_receiver_answer_that_echoes_the_key_is_stored_redacted(answer: str) -> None:
    with Receiver() as receiver:
        receiver.answers = [(200, answer)]
        with run_in_thread(settings_for(receiver.base_url)) as sim:
            with loopback_client(base_url=sim.base_url, timeout=30) as client:
                placed = client.post(
                    "/api/v2/formorder",
                    json=order_body(),
                    headers={"Authorization": f"Basic {KEY}"},
                )
                assert placed.status_code == 200, placed.text
                receiver.wait_for(1)
                sim.control.wait_for_idle()
                listing = LOOPBACK.get(f"{sim.root_url}/_simulator/outbox").text
                stored = sim.app.state.engine.store.deliveries()
    journal = json.dumps([d.__dict__ for d in stored])
    for form in _key_forms(KEY):
        assert form not in listing, f"GET /_simulator/outbox shows the key as {form!r}"
        assert form not in journal, f"the stored delivery journal holds the key as {form!r}"
    assert "«redacted»" in listing, listing

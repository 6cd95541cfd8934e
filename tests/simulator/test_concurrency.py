"""1,000 form orders placed concurrently: exactly 1,000 status callbacks, none lost or doubled.

The simulator runs in its own process (as in real use); 64 client threads place the orders
over keep-alive connections; the receiver is this process's test receiver.
"""

from __future__ import annotations

import json
import socket
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .conftest import KEY, order_body
from .forked import ONE_SERVER
from .receiver import Receiver, free_port
from .test_restart import simulator_process

pytestmark = ONE_SERVER

ORDERS = 1000
CLIENTS = 64


def _place(port: int, count: int) -> list[tuple[str, float]]:
    """``count`` orders over one keep-alive connection: (order id, time of the answer)."""
    body = json.dumps(order_body()).encode()
    request = (
        "POST /promswebapi/api/v2/formorder HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Basic {KEY}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    placed = []
    with socket.create_connection(("127.0.0.1", port)) as sock, sock.makefile("rb") as stream:
        for _ in range(count):
            sock.sendall(request)
            status = stream.readline()
            length = 0
            while (line := stream.readline()) not in (b"\r\n", b""):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            answer = json.loads(stream.read(length))
            if b" 200 " not in status:
                raise AssertionError(f"{status!r}: {answer}")
            placed.append((answer["id"], time.time()))
    return placed


def test_a_thousand_concurrent_orders_give_a_thousand_callbacks(tmp_path: Path) -> None:
    port = free_port()
    with Receiver() as receiver:
        config = tmp_path / "simulator.yaml"
        config.write_text(
            f"orderingSystems:\n  - {{name: load, apiKey: {KEY}, callbackBaseUrl: '{receiver.base_url}'}}\n",
            encoding="utf-8",
        )
        with simulator_process(port, tmp_path / "load.db", config):
            started = time.monotonic()
            with ThreadPoolExecutor(CLIENTS) as pool:
                batches = list(
                    pool.map(
                        lambda n: _place(port, n),
                        [ORDERS // CLIENTS + 1] * (ORDERS % CLIENTS)
                        + [ORDERS // CLIENTS] * (CLIENTS - ORDERS % CLIENTS),
                    )
                )
            placed = time.monotonic() - started
            got = receiver.wait_for(ORDERS, timeout=60)
            done = time.monotonic() - started
            settled = receiver.settle(0.5)
    answered = {order_id: at for batch in batches for order_id, at in batch}
    lags = sorted(c.at - answered[c.body["formOrderId"]] for c in got)
    p99 = lags[int(len(lags) * 0.99)] * 1000
    print(
        f"\n{ORDERS} orders from {CLIENTS} clients: placed in {placed:.2f} s "
        f"({ORDERS / placed:.0f}/s), all status callbacks in {done:.2f} s; answer → callback "
        f"median {statistics.median(lags) * 1000:.1f} ms, p99 {p99:.1f} ms"
    )
    assert len(answered) == ORDERS
    assert len(settled) == ORDERS
    assert sorted(c.body["formOrderId"] for c in got) == sorted(answered)

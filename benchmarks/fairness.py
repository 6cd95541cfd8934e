"""Fair delivery: one ordering system's receiver hangs, another's is fast.

``python -m benchmarks.fairness [--orders N] [--rate R]`` starts the simulator (its own
process, as a user runs it) with two ordering systems: ``hanging``, whose receiver accepts
connections and never answers, and ``fast``, whose receiver answers at once. The load
generator (this process) places N orders for each system, alternating, at R orders per
second each. Figure: order sent → status callback arrived at the fast receiver, p50/p99/max
in ms. With one shared pool of delivery workers the hanging receiver held them all and the
fast system waited 8.6–9.4 s; with a lane per ordering system the target is p99 ≤ 1 s.

Prints one JSON object; exit 1 when p99 is above 1 s or a fast callback never arrived.
"""

from __future__ import annotations

import argparse
import json
import secrets
import socket
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import yaml

from .procs import Server, python_command
from .stack import order_body
from .stats import ms, percentile

__all__ = ["main", "measure"]

_SIM_READY = r"promsApiBaseUrl http://127\.0\.0\.1:(?P<port>\d+)/"
_TARGET_P99_S = 1.0


class _Hanging:
    """Accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()


class _Fast(ThreadingHTTPServer):
    daemon_threads = True
    arrived: dict[str, float]


class _FastHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Fast

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        now = time.monotonic()
        order = json.loads(body).get("formOrderId")
        if isinstance(order, str):
            self.server.arrived.setdefault(order, now)
        data = b'{"success": true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def measure(*, orders: int, rate: float) -> dict[str, Any]:
    hanging = _Hanging()
    fast = _Fast(("127.0.0.1", 0), _FastHandler)
    fast.arrived = {}
    threading.Thread(target=fast.serve_forever, daemon=True).start()
    fast_key, hanging_key = secrets.token_hex(16), secrets.token_hex(16)
    with tempfile.TemporaryDirectory(prefix="eprom-fairness-") as folder:
        config = Path(folder) / "simulator.yaml"
        config.write_text(
            yaml.safe_dump(
                {
                    "orderingSystems": [
                        {
                            "name": "hanging",
                            "apiKey": hanging_key,
                            "callbackBaseUrl": f"http://127.0.0.1:{hanging.port}/cb",
                        },
                        {
                            "name": "fast",
                            "apiKey": fast_key,
                            "callbackBaseUrl": f"http://127.0.0.1:{fast.server_address[1]}/cb",
                        },
                    ],
                    "callbackDelaySeconds": 0,
                }
            ),
            encoding="utf-8",
        )
        command = python_command(
            "eprom_verify",
            "simulator",
            "--port",
            "0",
            "--config",
            str(config),
            "--db",
            str(Path(folder) / "simulator.sqlite3"),
        )
        with Server(command, ready=_SIM_READY, name="simulator") as sim:
            url = f"{sim.root_url}/promswebapi/api/v2/formorder"
            body = order_body()
            sent: dict[str, float] = {}
            with httpx.Client(timeout=30) as client:
                _wait_until_serving(client, sim.root_url)
                gap = 1.0 / rate
                for _ in range(orders):
                    started = time.monotonic()
                    client.post(url, content=body, headers=_auth(hanging_key))
                    at = time.monotonic()
                    answer = client.post(url, content=body, headers=_auth(fast_key))
                    answer.raise_for_status()
                    sent[answer.json()["id"]] = at
                    time.sleep(max(0.0, started + gap - time.monotonic()))
                deadline = time.monotonic() + 15
                while len(fast.arrived.keys() & sent.keys()) < len(sent):
                    if time.monotonic() > deadline:
                        break
                    time.sleep(0.05)
    fast.shutdown()
    hanging.close()
    latencies = sorted(fast.arrived[o] - t for o, t in sent.items() if o in fast.arrived)
    return {
        "orders_per_system": orders,
        "rate_per_system_per_s": rate,
        "hanging_connections_held": len(hanging.held),
        "fast_callbacks_arrived": len(latencies),
        "fast_callback_latency_ms": {
            "p50": ms(percentile(latencies, 0.50)) if latencies else None,
            "p99": ms(percentile(latencies, 0.99)) if latencies else None,
            "max": ms(latencies[-1]) if latencies else None,
        },
        "target_p99_ms": _TARGET_P99_S * 1000,
    }


def _wait_until_serving(client: httpx.Client, root_url: str) -> None:
    """The banner comes when the port is bound, a moment before it listens."""
    deadline = time.monotonic() + 30
    while True:
        try:
            client.get(f"{root_url}/_simulator/ordering-systems")
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Basic {key}", "Content-Type": "application/json"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fairness", description=__doc__)
    parser.add_argument("--orders", type=int, default=300, help="orders per system (300)")
    parser.add_argument("--rate", type=float, default=20.0, help="orders/s per system (20)")
    args = parser.parse_args(argv)
    result = measure(orders=args.orders, rate=args.rate)
    print(json.dumps(result, indent=2))
    p99 = result["fast_callback_latency_ms"]["p99"]
    complete = result["fast_callbacks_arrived"] == args.orders
    return 0 if complete and p99 is not None and p99 <= _TARGET_P99_S * 1000 else 1


if __name__ == "__main__":
    raise SystemExit(main())

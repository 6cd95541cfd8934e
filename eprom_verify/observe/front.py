"""The recording fronts: an HTTP relay that forwards every request and records both legs.

Two of them run during ``observe``:

* the **API front** — the system's ``PromsApiBaseUrl``. It forwards each request, unchanged,
  to the upstream ePROM (the embedded simulator, or Hemit's environment with ``--upstream``)
  and records what the system sent and what it got back;
* the **callback front** — where ePROM delivers callbacks. It forwards each one to the
  system's callback service (``--system-callback-url``) and records the system's answer and
  how long it took, then hands the upstream the system's answer unchanged.

Each exchange is one :class:`Exchange`, kept in a :class:`Log`. Servers are stdlib
``ThreadingHTTPServer`` in daemon threads; forwarding uses one
:class:`~eprom_verify._http.SharedClient` (a client per request in flight).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Literal

import httpx

from eprom_verify._exceptions import UsageError
from eprom_verify._http import SharedClient

__all__ = ["Exchange", "Front", "Leg", "Log", "forward_exchange"]

Leg = Literal["api", "callback", "redelivery"]

_HOP_BY_HOP = frozenset(
    {"host", "content-length", "connection", "transfer-encoding", "keep-alive", "accept-encoding",
     "te", "upgrade", "proxy-connection"}
)  # fmt: skip


@dataclass
class Exchange:
    """One request through a front: what came in, where it went, what came back."""

    seq: int
    leg: Leg
    method: str
    path: str  # as the sender wrote it (below the front's root)
    inbound_url: str
    outbound_url: str
    request_headers: dict[str, str]
    request_body: bytes
    at: datetime
    status: int | None = None
    response_body: bytes = b""
    response_type: str | None = None
    error: str | None = None
    duration_s: float = 0.0
    done: threading.Event = field(default_factory=threading.Event, repr=False)

    def header(self, name: str) -> str | None:
        for key, value in self.request_headers.items():
            if key.lower() == name.lower():
                return value
        return None


class Log:
    """Every exchange, in arrival order; thread-safe; listeners hear each completed one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Exchange] = []
        self._listeners: list[Callable[[Exchange], None]] = []

    def new(self, **fields: object) -> Exchange:
        with self._lock:
            exchange = Exchange(seq=len(self._items) + 1, **fields)  # type: ignore[arg-type]
            self._items.append(exchange)
            return exchange

    def finished(self, exchange: Exchange) -> None:
        exchange.done.set()
        with self._lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(exchange)

    def on_finished(self, listener: Callable[[Exchange], None]) -> None:
        with self._lock:
            self._listeners.append(listener)

    def items(self) -> list[Exchange]:
        with self._lock:
            return list(self._items)


def forward_exchange(
    client: SharedClient, log: Log, exchange: Exchange, *, timeout_s: float
) -> Exchange:
    """Send ``exchange``'s request to its outbound URL and record the answer."""
    headers = {k: v for k, v in exchange.request_headers.items() if k.lower() not in _HOP_BY_HOP}
    started = time.monotonic()
    try:
        response = client.request(
            exchange.method,
            exchange.outbound_url,
            content=exchange.request_body,
            headers=headers,
            timeout=timeout_s,
        )
        exchange.status = response.status_code
        exchange.response_body = response.content
        exchange.response_type = response.headers.get("content-type")
    except httpx.TimeoutException:
        exchange.error = f"no answer within {timeout_s:g} s"
    except httpx.HTTPError as exc:
        exchange.error = f"{type(exc).__name__}: {exc}"
    exchange.duration_s = time.monotonic() - started
    log.finished(exchange)
    return exchange


class Front:
    """A recording relay on ``host:port`` forwarding to ``target(path)``."""

    def __init__(
        self,
        *,
        leg: Leg,
        log: Log,
        client: SharedClient,
        target: Callable[[str], str],
        timeout_s: float,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.leg = leg
        self.log = log
        self.client = client
        self.target = target
        self.timeout_s = timeout_s
        try:
            self._server = ThreadingHTTPServer((host, port), self._handler())
        except OSError as exc:
            option = "--listen" if leg == "api" else "--callback-listen"
            raise UsageError(
                f"cannot listen on {host}:{port} ({exc.strerror}) — choose another with {option}"
            ) from None
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name=f"observe-{leg}-front", daemon=True
        )

    @property
    def root_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Front:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

            def _relay(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                exchange = front.log.new(
                    leg=front.leg,
                    method=self.command,
                    path=self.path,
                    inbound_url=front.root_url + self.path,
                    outbound_url=front.target(self.path),
                    request_headers=dict(self.headers.items()),
                    request_body=body,
                    at=datetime.now(UTC),
                )
                forward_exchange(front.client, front.log, exchange, timeout_s=front.timeout_s)
                if exchange.status is None:
                    self._answer(502, b"eprom-verify: " + (exchange.error or "").encode(), None)
                else:
                    self._answer(exchange.status, exchange.response_body, exchange.response_type)

            def _answer(self, status: int, body: bytes, content_type: str | None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type or "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_DELETE = _relay

        return Handler

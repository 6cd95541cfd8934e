"""The HTTP client threads share (eprom_verify/_http.py): no request loses its connection to
another thread's tidying of the pool.

A full run on a busy machine once failed an order with ``ReadError: [Errno 9] Bad file
descriptor``: the suites order the V2 forms from eight threads, over one ``httpx.Client``,
and httpcore's pool closed a kept-alive connection that another thread had just been handed
(it had not started on it yet, so it still counted as idle, and its keep-alive had just
expired). :func:`test_a_thread_tidying_the_pool_never_closes_another_s_connection` makes that
interleaving happen every time; with one ``httpx.Client`` in place of ``SharedClient`` it
fails every time (3 of 3): A's connection is closed while A waits for its answer, and A's
read times out (closed a moment earlier, before A reads, it is the ``Bad file descriptor``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpcore._sync.connection_pool as httpcore_pool
import httpx
import pytest

from eprom_verify import _http
from eprom_verify._http import SharedClient
from eprom_verify.client import EpromClient
from eprom_verify.config.settings import Secret
from eprom_verify.simulator.control import ControlClient

KEEPALIVE_S = 0.2
WAIT_S = 10.0


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    slow_path = "/slow"

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.slow_received = threading.Event()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive
    server: _Server

    def do_GET(self) -> None:
        if self.path == self.server.slow_path:
            self.server.slow_received.set()
            time.sleep(0.3)  # the answer comes while the other thread tidies the pool
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def server() -> Iterator[_Server]:
    served = _Server()
    thread = threading.Thread(target=served.serve_forever, daemon=True)
    thread.start()
    yield served
    served.shutdown()
    served.server_close()
    thread.join(timeout=WAIT_S)


def test_a_thread_tidying_the_pool_never_closes_another_s_connection(
    server: _Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thread A is handed the kept-alive connection; its keep-alive expires before A starts
    on it; thread B's request tidies the pool then (it finds the connection expired) and
    closes what it found only once A's request is on the wire."""
    root = f"http://127.0.0.1:{server.server_address[1]}"
    client = SharedClient(limits=httpx.Limits(keepalive_expiry=KEEPALIVE_S), trust_env=False)
    assert client.get(root + "/warm").status_code == 200  # a kept-alive connection, idle

    a_handed, b_tidied = threading.Event(), threading.Event()
    handed_over = httpcore_pool.PoolRequest.wait_for_connection
    tidy = httpcore_pool.ConnectionPool._close_connections

    def a_waits(self: Any, timeout: float | None = None) -> Any:
        connection = handed_over(self, timeout)
        if threading.current_thread().name == "A":
            time.sleep(KEEPALIVE_S * 1.5)  # its keep-alive runs out before A starts on it
            a_handed.set()
            assert b_tidied.wait(WAIT_S)
        return connection

    def b_closes_late(self: Any, closing: list[Any]) -> None:
        if threading.current_thread().name == "B" and not b_tidied.is_set():
            b_tidied.set()
            server.slow_received.wait(WAIT_S)  # A's request is on the wire now
        tidy(self, closing)

    monkeypatch.setattr(httpcore_pool.PoolRequest, "wait_for_connection", a_waits)
    monkeypatch.setattr(httpcore_pool.ConnectionPool, "_close_connections", b_closes_late)

    outcome: dict[str, Any] = {}

    def fetch(path: str) -> None:
        try:
            outcome[threading.current_thread().name] = client.get(root + path).status_code
        except httpx.HTTPError as exc:
            outcome[threading.current_thread().name] = f"{type(exc).__name__}: {exc}"

    a = threading.Thread(target=fetch, args=(server.slow_path,), name="A")
    b = threading.Thread(target=lambda: a_handed.wait(WAIT_S) and fetch("/other"), name="B")
    a.start()
    b.start()
    a.join(WAIT_S * 2)
    b.join(WAIT_S * 2)
    client.close()
    assert server.slow_received.is_set(), "A's request never reached the server"
    assert outcome == {"A": 200, "B": 200}, (
        f"expected both requests answered 200, got {outcome} (A's connection was closed by B)"
    )


class _Fake:
    """An ``httpx.Client`` stand-in that fails when two requests run on it at once."""

    made: list[_Fake] = []

    def __init__(self, **_: Any) -> None:
        self.busy = False
        self.served = 0
        self.closed = False
        _Fake.made.append(self)

    def request(self, method: str, url: str, **_: Any) -> httpx.Response:
        assert not self.busy, "one client was lent to two requests at once"
        assert not self.closed, "a closed client was lent"
        self.busy = True
        try:
            _held.wait(WAIT_S)
            self.served += 1
            return httpx.Response(200)
        finally:
            self.busy = False

    def close(self) -> None:
        self.closed = True


_held = threading.Event()


def test_each_request_in_flight_has_a_client_of_its_own_and_they_are_reused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_http.httpx, "Client", _Fake)
    _Fake.made = []
    _held.clear()
    shared = SharedClient(verify=False)
    threads = [
        threading.Thread(target=shared.request, args=("GET", "http://127.0.0.1:9/"))
        for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WAIT_S
    while shared.made < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert shared.made == 6, f"six requests at once should have six clients, got {shared.made}"
    _held.set()
    for thread in threads:
        thread.join(WAIT_S)
    for _ in range(4):  # one after another: the clients made are lent again
        shared.request("GET", "http://127.0.0.1:9/")
    assert shared.made == 6
    assert sum(fake.served for fake in _Fake.made) == 10
    shared.close()
    assert all(fake.closed for fake in _Fake.made), "close() left a client open"
    with pytest.raises(RuntimeError, match="closed"):
        shared.request("GET", "http://127.0.0.1:9/")


def test_a_client_lent_while_closing_is_closed_when_its_request_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_http.httpx, "Client", _Fake)
    _Fake.made = []
    shared = SharedClient(verify=False)
    with shared.borrowed() as lent:
        shared.close()
        assert not lent.closed, "the request in flight lost its client"
    assert lent.closed


def test_the_eprom_and_control_clients_share_their_http_this_way() -> None:
    eprom = EpromClient("http://127.0.0.1:9/promswebapi", Secret("k"))
    control = ControlClient("http://127.0.0.1:9")
    try:
        assert isinstance(eprom._http, SharedClient)
        assert isinstance(control._http, SharedClient)
    finally:
        eprom.close()
        control.close()

"""A callback receiver for the simulator's tests: an ordering system's callback service.

Stdlib only (``ThreadingHTTPServer``, HTTP/1.1 keep-alive). It records every PUT (path,
headers, JSON body) and answers ``{"success": true}`` unless told otherwise; ``wait_for``
blocks until enough callbacks arrived. No assertions run in its threads.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any
    at: float


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_PUT(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        raw = self.rfile.read(length)
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        owner = self.server.owner
        item = Received(
            self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.time()
        )
        status, answer = owner.answer_for(item)
        with owner.lock:
            owner.received.append(item)
            owner.lock.notify_all()
        data = answer.encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: Receiver


class Receiver:
    """Listens on 127.0.0.1 (a free port unless given) in a background thread."""

    def __init__(self, port: int = 0) -> None:
        self.received: list[Received] = []
        self.lock = threading.Condition()
        self.answers: list[tuple[int, str]] = []  # consumed first, then the default
        self.default = (200, '{"success": true}')
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.owner = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.prefix = "/cb"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def view(self, name: str) -> Receiver:
        """The same server, seeing only callbacks under ``/cb/<name>`` (one test's share)."""
        view = object.__new__(Receiver)
        view.__dict__.update(self.__dict__)
        view.prefix = f"/cb/{name}"
        return view

    def mine(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path.startswith(self.prefix + "/")]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer_for(self, item: Received) -> tuple[int, str]:
        with self.lock:
            return self.answers.pop(0) if self.answers else self.default

    def wait_for(
        self, count: int, *, timeout: float = 10.0, path: str | None = None
    ) -> list[Received]:
        deadline = time.monotonic() + timeout
        with self.lock:
            while True:
                got = [
                    r
                    for r in self.received
                    if r.path.startswith(self.prefix + "/")
                    and (path is None or r.path.endswith(path))
                ]
                if len(got) >= count:
                    return got
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{len(got)} of {count} callbacks arrived in {timeout} s: {got}"
                    )
                self.lock.wait(left)

    def settle(self, seconds: float = 0.3) -> list[Received]:
        """Wait ``seconds`` more (to catch duplicates) and return everything received."""
        time.sleep(seconds)
        return self.mine()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

"""An HTTP client that threads can share: each request in flight borrows an ``httpx.Client``.

Why not one ``httpx.Client`` for all threads: httpcore's connection pool (1.0.9) can close a
connection under a request running on it. A connection handed to one thread's request stays
"idle" until that request starts on it; a request of another thread, tidying the pool in
that moment, may find the connection's keep-alive expired (or the server's close readable)
and close it. The first request's read then fails with ``[Errno 9] Bad file descriptor`` —
seen in a full run on a busy machine, where the forms of V2 are ordered by eight threads at
once and one order "did not reach ePROM" though ePROM never failed. A client that serves one
request at a time never races with itself, so each request takes a client no other request
is using, and gives it back with its kept-alive connections when it is done.

The clients share one TLS context (building one costs ~30 ms of CPU); at most as many exist
as requests ran at once.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

__all__ = ["SharedClient"]


class SharedClient:
    """``request()`` like ``httpx.Client.request``, safe to call from many threads at once.

    ``options`` are ``httpx.Client``'s; without ``transport`` or ``verify`` the clients share
    one TLS context built from the environment as ``httpx.Client`` builds its own.
    """

    def __init__(self, **options: Any) -> None:
        if options.get("transport") is None and "verify" not in options:
            options["verify"] = httpx.create_ssl_context(trust_env=options.get("trust_env", True))
        self._options = options
        self._lock = threading.Lock()
        self._spare: list[httpx.Client] = []
        self._made = 0
        self._closed = False

    @property
    def made(self) -> int:
        """How many clients were made: as many as requests ran at once."""
        with self._lock:
            return self._made

    @contextmanager
    def borrowed(self) -> Iterator[httpx.Client]:
        """A client no other request uses until the block ends."""
        with self._lock:
            if self._closed:
                raise RuntimeError("the HTTP client is closed")
            client = self._spare.pop() if self._spare else None
            if client is None:
                client = httpx.Client(**self._options)
                self._made += 1
        try:
            yield client
        finally:
            with self._lock:
                if self._closed:
                    client.close()
                else:
                    self._spare.append(client)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request on a borrowed client; the answer is read whole before it returns."""
        with self.borrowed() as client:
            return client.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def close(self) -> None:
        """Close every client (one still borrowed closes when its request ends)."""
        with self._lock:
            self._closed = True
            idle, self._spare = self._spare, []
        for client in idle:
            client.close()

    def __enter__(self) -> SharedClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

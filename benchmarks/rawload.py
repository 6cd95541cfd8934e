"""A load client cheap enough not to be the bottleneck: asyncio streams, pre-built requests.

httpx costs 0.67–0.86 ms of CPU per request on the 2-core machine — as much as the server
it measures. This client builds each request's bytes once (request line, headers, body),
writes them on a kept-alive connection and reads the answer's head up to the blank line,
parsing only the status line and ``Content-Length`` (and ``Connection: close``, after which
it opens a new connection). It speaks exactly the HTTP/1.1 a server needs for keep-alive
and nothing else: no chunked answers (every server measured here sends a length), no TLS,
no redirects. A connection the server closed is opened again and the request counted as
an error with its reason.

The result has the same shape as :func:`benchmarks.load.drive`: one :class:`~benchmarks.load.Sent`
per request, in send order, with ``time.monotonic()`` times.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from .load import Sent

__all__ = ["build_request", "drive_raw", "parse_head"]

_HEAD_LIMIT = 64 * 1024


def build_request(url: str, body: bytes, headers: dict[str, str], method: str = "POST") -> bytes:
    """The whole HTTP/1.1 request (``method``, default POST) of ``body`` to ``url`` as bytes."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target or '/'} HTTP/1.1", f"Host: {parts.netloc}"]
    lines += [f"{name}: {value}" for name, value in headers.items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def _quick_ack(writer: asyncio.StreamWriter) -> None:
    """Acknowledge the answer's segments at once (Linux ``TCP_QUICKACK``, reset by the kernel
    after a while, so set before each request). A server without ``TCP_NODELAY`` that writes
    its head and body separately otherwise waits for our delayed ACK, ~40 ms per request:
    the client would measure the kernel, not the server. httpx escapes it by sending its
    request in two writes; this client sends one."""
    sock = writer.get_extra_info("socket")
    quick = getattr(socket, "TCP_QUICKACK", None)
    if sock is not None and quick is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, quick, 1)
        except OSError:
            pass


def parse_head(head: bytes) -> tuple[int, int, bool]:
    """(status, Content-Length, the server closes the connection) of an answer's head."""
    first, _, rest = head.partition(b"\r\n")
    status = int(first.split(b" ", 2)[1])
    length = 0
    close = first.startswith(b"HTTP/1.0")
    for line in rest.split(b"\r\n"):
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value.strip())
        elif lowered == b"connection":
            close = value.strip().lower() == b"close"
    return status, length, close


async def drive_raw(
    url: str,
    *,
    body: Callable[[int], bytes],
    headers: dict[str, str],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    timeout_s: float = 30.0,
    raw: Callable[[int], bytes] | None = None,
) -> list[Sent]:
    """POST ``body(i)`` to ``url`` from ``concurrency`` connections; every request, in send order.

    ``body`` is called once per distinct result: a body function that returns the same
    object every time costs one request build in all. ``raw(i)``, if given, is the whole
    request instead (any method and path on ``url``'s host).
    """
    if concurrency < 1 or max_requests < 1 or max_seconds <= 0:
        raise ValueError(
            f"concurrency={concurrency}, max_requests={max_requests}, max_seconds={max_seconds}: "
            "each must be positive"
        )
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    built: dict[int, bytes] = {}

    def request(index: int) -> bytes:
        content = body(index)
        key = id(content)
        raw = built.get(key)
        if raw is None:
            if len(built) > 64:
                built.clear()
            raw = built[key] = build_request(url, content, headers)
        return raw

    results: list[Sent] = []
    counter = iter(range(max_requests))
    connections = [
        await asyncio.open_connection(host, port, limit=_HEAD_LIMIT) for _ in range(concurrency)
    ]
    deadline = time.monotonic() + max_seconds

    async def worker(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            for index in counter:
                if time.monotonic() >= deadline:
                    return
                data = raw(index) if raw is not None else request(index)
                started = time.monotonic()
                try:
                    _quick_ack(writer)
                    writer.write(data)
                    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout_s)
                    status, length, close = parse_head(head)
                    if length and len(reader._buffer) < length:  # type: ignore[attr-defined]
                        _quick_ack(writer)  # the body may wait for our ACK of the head
                    answer = await reader.readexactly(length) if length else b""
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    results.append(Sent(started, time.monotonic(), None, b"", error))
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port, limit=_HEAD_LIMIT)
                    continue
                results.append(Sent(started, time.monotonic(), status, answer))
                if close:
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port, limit=_HEAD_LIMIT)
        finally:
            writer.close()

    await asyncio.gather(*(worker(reader, writer) for reader, writer in connections))
    results.sort(key=lambda sent: sent.started)
    return results

"""The load generator: N concurrent clients, bounded in count and time.

:func:`drive` uses the raw-socket client (:mod:`benchmarks.rawload`, about 0.05–0.1 ms of
CPU per request) unless ``client="httpx"`` asks for one httpx client per worker (about
0.7–0.9 ms per request: it was the bottleneck at N=64 on two cores).

Each of the ``concurrency`` workers sends one request, waits for the answer and sends the
next, over its own keep-alive connection, until ``max_requests`` were sent or
``max_seconds`` passed. A request's times are ``time.monotonic()`` (comparable with the
callback sink's arrival times: one clock for every process on the machine).
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

__all__ = ["CLIENTS", "Sent", "drive", "drive_httpx"]

CLIENTS = ("raw", "httpx")


@dataclass(frozen=True)
class Sent:
    """One request: when it left, when its answer came, the status and the answer body."""

    started: float
    finished: float
    status: int | None
    body: bytes
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200


async def drive(
    url: str,
    *,
    body: Callable[[int], bytes],
    headers: dict[str, str],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    timeout_s: float = 30.0,
    client: str = "raw",
) -> list[Sent]:
    """POST ``body(i)`` to ``url`` from ``concurrency`` workers with ``client`` (raw | httpx)."""
    if client not in CLIENTS:
        raise ValueError(f"client={client!r}: choose one of {', '.join(CLIENTS)}")
    if client == "raw":
        from .rawload import drive_raw  # noqa: PLC0415 - rawload imports Sent from here

        run = drive_raw
    else:
        run = drive_httpx
    return await run(
        url,
        body=body,
        headers=headers,
        concurrency=concurrency,
        max_requests=max_requests,
        max_seconds=max_seconds,
        timeout_s=timeout_s,
    )


async def drive_httpx(
    url: str,
    *,
    body: Callable[[int], bytes],
    headers: dict[str, str],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    timeout_s: float = 30.0,
) -> list[Sent]:
    """POST ``body(i)`` to ``url`` from ``concurrency`` workers; every request, in send order."""
    if concurrency < 1 or max_requests < 1 or max_seconds <= 0:
        raise ValueError(
            f"concurrency={concurrency}, max_requests={max_requests}, max_seconds={max_seconds}: "
            "each must be positive"
        )
    results: list[Sent] = []
    counter = iter(range(max_requests))
    # one client per worker: httpx's pool scans every connection on each request, which
    # costs ~6 ms of CPU per request with 64 connections in one pool. They are made before
    # the clock starts (a client loads the CA bundle: ~25 ms each) and share one TLS context.
    tls = ssl.create_default_context()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    clients = [
        httpx.AsyncClient(limits=limits, timeout=timeout_s, headers=headers, verify=tls)
        for _ in range(concurrency)
    ]
    deadline = time.monotonic() + max_seconds

    async def worker(client: httpx.AsyncClient) -> None:
        async with client:
            for index in counter:
                if time.monotonic() >= deadline:
                    return
                content = body(index)
                started = time.monotonic()
                try:
                    response = await client.post(url, content=content)
                except httpx.HTTPError as exc:
                    error = f"{type(exc).__name__}: {exc}"
                    results.append(Sent(started, time.monotonic(), None, b"", error))
                    continue
                results.append(
                    Sent(started, time.monotonic(), response.status_code, response.content)
                )

    await asyncio.gather(*(worker(client) for client in clients))
    results.sort(key=lambda sent: sent.started)
    return results

"""The raw-socket load client (benchmarks/rawload.py) and the peer figures: shape, no timing."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from benchmarks.rawload import build_request, drive_raw, parse_head
from benchmarks.targets import evaluate


def test_the_request_is_complete_http_1_1() -> None:
    raw = build_request(
        "http://127.0.0.1:8765/promswebapi/api/v2/formorder?x=1",
        b'{"a": 1}',
        {"Authorization": "Basic k"},
    )
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.split(b"\r\n") == [
        b"POST /promswebapi/api/v2/formorder?x=1 HTTP/1.1",
        b"Host: 127.0.0.1:8765",
        b"Authorization: Basic k",
        b"Content-Length: 8",
    ]
    assert body == b'{"a": 1}'


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 12\r\ncontent-type: x", (200, 12, False)),
        (b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close", (401, 0, True)),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 3", (200, 3, True)),
    ],
)
def test_only_status_length_and_close_are_read(
    head: bytes, expected: tuple[int, int, bool]
) -> None:
    assert parse_head(head) == expected


def test_the_client_keeps_alive_reconnects_after_close_and_counts_every_request() -> None:
    connections = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        served = 0
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except asyncio.IncompleteReadError:
                break
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            body = await reader.readexactly(length)
            served += 1
            close = served == 3  # every third answer closes the connection
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s"
                % (len(body), b"Connection: close\r\n" if close else b"", body)
            )
            await writer.drain()
            if close:
                break
        writer.close()

    async def main() -> list[Any]:
        server = await asyncio.start_server(serve, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        async with server:
            return await drive_raw(
                f"http://127.0.0.1:{port}/x",
                body=lambda i: b"ping",
                headers={},
                concurrency=2,
                max_requests=10,
                max_seconds=30,
            )

    sent = asyncio.run(main())
    assert [(s.status, s.body, s.error) for s in sent] == [(200, b"ping", None)] * 10
    assert connections >= 4, "a closed connection was not opened again"


def test_the_prism_target_reads_the_interleaved_median() -> None:
    results: dict[str, Any] = {
        "peers": {"ratio_simulator_to_prism": {"min": 0.9, "median": 1.1, "max": 1.3}},
        "orders": {"levels": [{"concurrency": 256, "backlog_growth_ms": 450.0}]},
    }
    met = {t["name"]: (t["measured"], t["met"]) for t in evaluate(results)}
    assert met["vs_prism"] == (1.1, True)
    assert met["backlog_n256"] == (450.0, False)

"""A minimal callback listener for load runs: answers ``{"success": true}`` and notes the time.

The harness's own :class:`eprom_verify.run.listener.CallbackListener` (werkzeug, one thread per
connection, one connection per request) would be the bottleneck of a throughput run, so the
load runs use this one instead: plain asyncio, HTTP/1.1 keep-alive, no parsing beyond the
one id a callback is about. It runs in its own process (``python -m benchmarks.sink``) so
neither the simulator nor the load generator shares its GIL.

Arrival times are ``time.monotonic()`` — CLOCK_MONOTONIC is one clock for every process on
a Linux machine, so the load generator subtracts its own send times from them directly.

``GET /_bench/received`` answers ``{"status": {id: t}, "letter": {id: t}, "other": n,
"duplicates": n}`` (the first arrival per id), ``GET /_bench/count`` only the two counts,
``POST /_bench/clear`` forgets everything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

__all__ = ["CallbackSink", "main", "run_fast"]

_OK = b'{"success": true}'
_MAX_HEAD = 64 * 1024


class CallbackSink:
    """What arrived: the first arrival time per callback id, by kind."""

    def __init__(self) -> None:
        self.status: dict[str, float] = {}
        self.letter: dict[str, float] = {}
        self.other = 0
        self.duplicates = 0

    def note(self, path: str, body: bytes, at: float) -> None:
        try:
            data: Any = json.loads(body)
        except ValueError:
            self.other += 1
            return
        if not isinstance(data, dict):
            self.other += 1
            return
        lowered = path.lower()
        if lowered.endswith("/api/promsformorder") and "formData" not in data:
            self._first(self.status, data.get("formOrderId"), at)
        elif lowered.endswith("/api/messagetocitizen"):
            self._first(self.letter, data.get("messageToCitizenId"), at)
        else:
            self.other += 1

    def _first(self, seen: dict[str, float], ident: Any, at: float) -> None:
        key = str(ident)
        if key in seen:
            self.duplicates += 1
        else:
            seen[key] = at

    def snapshot(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "letter": self.letter,
            "other": self.other,
            "duplicates": self.duplicates,
        }

    def clear(self) -> None:
        self.status.clear()
        self.letter.clear()
        self.other = self.duplicates = 0

    async def serve_connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
                    return
                method, path, fields = _parse_head(head)
                length = int(fields.get("content-length", "0") or 0)
                body = await reader.readexactly(length) if length else b""
                at = time.monotonic()
                answer = self._answer(method, path, body, at)
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(answer), answer)
                )
                await writer.drain()
                if fields.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        finally:
            writer.close()

    def _answer(self, method: str, path: str, body: bytes, at: float) -> bytes:
        if method == "GET" and path == "/_bench/received":
            return json.dumps(self.snapshot()).encode()
        if method == "GET" and path == "/_bench/count":
            return json.dumps({"status": len(self.status), "letter": len(self.letter)}).encode()
        if method == "POST" and path == "/_bench/clear":
            self.clear()
            return _OK
        self.note(path, body, at)
        return _OK


def _parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    lines = head.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    path = rest.rsplit(" ", 1)[0]
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            fields[name.strip().lower()] = value.strip()
    return method, path, fields


async def _serve(host: str, port: int) -> None:
    sink = CallbackSink()
    server = await asyncio.start_server(
        sink.serve_connection, host, port, backlog=2048, limit=_MAX_HEAD
    )
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"listening on {host}:{bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sink", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        run_fast(_serve(args.host, args.port))
    except KeyboardInterrupt:
        pass
    return 0


def run_fast(main_coroutine: Any) -> Any:
    """Run ``main_coroutine`` on uvloop when it is installed, else on asyncio's loop."""
    try:
        import uvloop  # noqa: PLC0415 - optional, faster
    except ImportError:
        return asyncio.run(main_coroutine)
    return uvloop.run(main_coroutine)


if __name__ == "__main__":
    sys.exit(main())

"""A small HTTP/1.1 client for delivering callbacks: PUT with keep-alive, nothing else.

Why not httpx: callback delivery is the simulator's hot path, and httpx/httpcore cost about
1.5 ms of CPU per request here (its connection pool scans every connection on each request,
and without ``sniffio`` installed httpcore re-tries an import on every call). This client
does one thing — PUT a JSON body and read the answer — in a fraction of that, over pooled
keep-alive connections (http and https). Answers may use Content-Length, chunked encoding or
close-delimited bodies.
"""

from __future__ import annotations

import asyncio
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["CallbackClient", "CallbackHttpError", "Reply"]

_MAX_HEADER_BYTES = 64 * 1024
_MAX_BODY_BYTES = 1024 * 1024


class CallbackHttpError(Exception):
    """The exchange failed before a complete answer arrived (refused, reset, timeout, …)."""


@dataclass(frozen=True)
class Reply:
    status: int
    text: str


@dataclass(frozen=True)
class _Target:
    secure: bool
    host: str
    port: int
    path: str

    @property
    def key(self) -> tuple[bool, str, int]:
        return (self.secure, self.host, self.port)

    @property
    def host_header(self) -> str:
        default = 443 if self.secure else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


_Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CallbackHttpError(f"{url!r} is not an http(s) URL")
    secure = parts.scheme == "https"
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return _Target(secure, parts.hostname, parts.port or (443 if secure else 80), path)


class CallbackClient:
    """PUTs over pooled keep-alive connections; one instance per event loop."""

    def __init__(self, *, timeout_seconds: float, user_agent: str = "ePROM-simulator") -> None:
        self._timeout = timeout_seconds
        self._agent = user_agent
        self._idle: dict[tuple[bool, str, int], list[_Connection]] = {}
        self._targets: dict[str, _Target] = {}
        self._ssl: ssl.SSLContext | None = None

    async def put(self, url: str, body: bytes, headers: dict[str, str]) -> Reply:
        """PUT ``body`` to ``url``; raises :class:`CallbackHttpError` without a full answer."""
        target = self._targets.get(url)
        if target is None:
            target = self._targets[url] = _target(url)
        request = self._request(target, body, headers)
        try:
            async with asyncio.timeout(self._timeout):
                return await self._exchange(target, request)
        except TimeoutError:
            raise CallbackHttpError(f"no answer within {self._timeout:g} s") from None
        except _Stale:
            raise CallbackHttpError("the connection closed before an answer came") from None
        except (OSError, asyncio.IncompleteReadError) as exc:
            raise CallbackHttpError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        for connections in self._idle.values():
            for _, writer in connections:
                writer.close()
        self._idle.clear()

    def _request(self, target: _Target, body: bytes, headers: dict[str, str]) -> bytes:
        lines = [
            f"PUT {target.path} HTTP/1.1",
            f"Host: {target.host_header}",
            f"User-Agent: {self._agent}",
            f"Content-Length: {len(body)}",
            *(f"{name}: {value}" for name, value in headers.items()),
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def _exchange(self, target: _Target, request: bytes) -> Reply:
        idle = self._idle.setdefault(target.key, [])
        while idle:  # a pooled connection may have been closed by the server meanwhile
            connection = idle.pop()
            try:
                return await self._send(target, connection, request)
            except (ConnectionError, asyncio.IncompleteReadError, _Stale):
                connection[1].close()
        return await self._send(target, await self._connect(target), request)

    async def _connect(self, target: _Target) -> _Connection:
        context = None
        if target.secure:
            context = self._ssl = self._ssl or ssl.create_default_context()
        try:
            return await asyncio.open_connection(target.host, target.port, ssl=context)
        except OSError as exc:
            raise CallbackHttpError(
                f"cannot connect to {target.host_header}: {exc.strerror or exc}"
            ) from None

    async def _send(self, target: _Target, connection: _Connection, request: bytes) -> Reply:
        reader, writer = connection
        try:
            writer.write(request)
            await writer.drain()
            head = await _read_head(reader)
            status, fields = _parse_head(head)
            body, reusable = await _read_body(reader, fields)
        except BaseException:
            writer.close()  # half-used: never back to the pool
            raise
        if reusable:
            self._idle.setdefault(target.key, []).append(connection)
        else:
            writer.close()
        return Reply(status, body.decode("utf-8", errors="replace"))


class _Stale(Exception):
    """A pooled connection that the server had closed: retry on a new one."""


async def _read_head(reader: asyncio.StreamReader) -> bytes:
    try:
        return await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if not exc.partial:
            raise _Stale from None
        raise CallbackHttpError("the connection closed in the middle of the answer") from None
    except asyncio.LimitOverrunError:
        raise CallbackHttpError("the answer's headers are too long") from None


def _parse_head(head: bytes) -> tuple[int, dict[str, str]]:
    if len(head) > _MAX_HEADER_BYTES:
        raise CallbackHttpError("the answer's headers are too long")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise CallbackHttpError(f"not an HTTP answer: {lines[0][:80]!r}")
    fields: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name:
            fields[name.strip().lower()] = value.strip()
    if parts[0] == "HTTP/1.0" and fields.get("connection", "").lower() != "keep-alive":
        fields["connection"] = "close"
    return int(parts[1]), fields


async def _read_body(reader: asyncio.StreamReader, fields: dict[str, str]) -> tuple[bytes, bool]:
    """(body, connection reusable)."""
    keep = fields.get("connection", "").lower() != "close"
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return await _read_chunked(reader), keep
    length = fields.get("content-length")
    if length is not None:
        if not length.isdigit() or int(length) > _MAX_BODY_BYTES:
            raise CallbackHttpError(f"unusable Content-Length {length!r}")
        return await reader.readexactly(int(length)), keep
    return await reader.read(_MAX_BODY_BYTES), False


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size_line = await reader.readuntil(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip(), 16)
        except ValueError:
            raise CallbackHttpError("malformed chunked answer") from None
        if size == 0:
            while (await reader.readuntil(b"\r\n")) != b"\r\n":
                pass  # trailers
            return bytes(body)
        if len(body) + size > _MAX_BODY_BYTES:
            raise CallbackHttpError("the answer is too large")
        body += await reader.readexactly(size)
        await reader.readexactly(2)

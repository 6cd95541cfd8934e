"""The simulator as a shared service: control token, CORS per path, access log, request journal.

:class:`ServiceMiddleware` wraps the whole app (outermost):

* **Control token.** With ``control_token`` set, every ``/_simulator/…`` request except the
  health check and the index needs ``Authorization: Bearer <token>`` (compared in constant
  time), else 401. Without one (loopback only: the CLI refuses to listen beyond loopback
  without a token) a browser page of another origin is refused (403): a cross-site form
  could otherwise reset the simulator.
* **CORS** for any origin on ePROM's own paths (``/promswebapi``, ``/webapi``, any case) and
  ``/openapi.json``; none on the control API or anything else.
* **Access log**: one line per request on the ``eprom_verify.simulator.access`` logger
  (method, path, status, milliseconds, ordering system), as text or JSON
  (:class:`AccessFormatter`). Never the key: the ordering system is named, not its key.
* **Request journal** (:class:`Journal`): the last ``journal_size`` requests with bodies,
  oldest dropped first, served redacted by ``GET /_simulator/requests`` — WireMock's
  ``/__admin/requests``.
"""

from __future__ import annotations

import datetime
import hmac
import json
import logging
import os
import re
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eprom_verify.redact import REDACTED, Redactor
from eprom_verify.simulator import clock

__all__ = [
    "ACCESS_LOGGER",
    "AccessFormatter",
    "Journal",
    "JournalEntry",
    "ServiceMiddleware",
    "health_of",
]

ACCESS_LOGGER = "eprom_verify.simulator.access"
access_log = logging.getLogger(ACCESS_LOGGER)

CONTROL_PREFIX = "/_simulator"
#: Control paths anyone may read: the health check (for orchestrators) and the index.
PUBLIC_CONTROL_PATHS = frozenset({"/_simulator", "/_simulator/", "/_simulator/health"})
#: The control API's 401 texts (also the OpenAPI document's examples).
TOKEN_MISSING = (
    "the control API needs the control token: send 'Authorization: Bearer <token>' with the "
    "simulator's EPROM_SIM_CONTROL_TOKEN"
)
TOKEN_WRONG = (
    "the control token is wrong: send 'Authorization: Bearer <token>' with the simulator's "
    "EPROM_SIM_CONTROL_TOKEN"
)
#: Not recorded in the journal: probes and the journal itself (they would crowd it out).
_UNRECORDED = frozenset({"/_simulator/health", "/health", "/_simulator/requests"})
_UNRECORDED_PREFIXES = ("/swagger/static/",)
_API_SEGMENTS = frozenset({"promswebapi", "webapi"})
#: Body bytes kept per request and per answer in the journal (a letter's PDF is megabytes).
BODY_LIMIT = 16 * 1024
#: Redaction looks this far beyond the cut, so a secret straddling it is never half shown.
_MARGIN = 512
_API_KEY_FIELD = re.compile(rb'"apikey"\s*:\s*"((?:[^"\\]|\\.){1,1024})"', re.IGNORECASE)
_API_KEY_TEXT_FIELD = re.compile(r'("apikey"\s*:\s*")((?:[^"\\]|\\.)*)(")', re.IGNORECASE)
_API_KEY_IN_ERROR = re.compile(r"(apiKey ')([^']*)(')")
_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-api-key"})


def is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


def wants_cors(path: str) -> bool:
    """ePROM's own paths (any case, /webapi too) and the OpenAPI document."""
    if path == "/openapi.json":
        return True
    first = path.split("/", 2)[1] if path.count("/") >= 1 else ""
    return first.lower() in _API_SEGMENTS


# --- the journal ----------------------------------------------------------------------


@dataclass
class JournalEntry:
    """One request as received (raw; redacted when served)."""

    id: int
    at: float
    method: str
    path: str
    query: str
    ordering_system: str | None
    headers: list[tuple[str, str]]
    body: bytes
    body_size: int
    status: int = 0
    ms: float = 0.0
    response_type: str | None = None
    response_body: bytes = b""
    response_size: int = 0
    #: what the simulator accepted but ePROM may refuse (api.warn), in the order noticed
    warnings: list[str] = field(default_factory=list)


class Journal:
    """The last ``capacity`` requests; the oldest is dropped first (0: nothing is kept)."""

    def __init__(self, capacity: int, *, secrets: Iterable[str] = ()) -> None:
        self.capacity = capacity
        self._entries: deque[JournalEntry] = deque(maxlen=max(capacity, 1))
        self._next_id = 1
        self.dropped = 0
        self._redactor = Redactor(secrets=secrets, mask_national_ids=False)

    def learn(self, secret: str) -> None:
        """Redact ``secret`` (a registered key) from everything served from now on."""
        self._redactor.add_secret(secret)

    def add(self, entry: JournalEntry) -> None:
        if self.capacity <= 0:
            return
        if len(self._entries) == self._entries.maxlen:
            self.dropped += 1
        self._entries.append(entry)

    def next_id(self) -> int:
        number = self._next_id
        self._next_id += 1
        return number

    def clear(self, ordering_system: str | None = None) -> int:
        """Forget every entry, or one ordering system's; the number forgotten."""
        before = len(self._entries)
        if ordering_system is None:
            self._entries.clear()
        else:
            kept = [e for e in self._entries if e.ordering_system != ordering_system]
            self._entries.clear()
            self._entries.extend(kept)
        return before - len(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def select(
        self,
        *,
        ordering_system: str | None = None,
        path: str | None = None,
        method: str | None = None,
        since: float | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Matching entries, newest first, redacted (see :meth:`view`)."""
        prefix = path.lower() if path else None
        out: list[dict[str, Any]] = []
        for entry in reversed(self._entries):
            if ordering_system is not None and entry.ordering_system != ordering_system:
                continue
            if prefix is not None and not entry.path.lower().startswith(prefix):
                continue
            if method is not None and entry.method != method.upper():
                continue
            if since is not None and entry.at < since:
                continue
            out.append(self.view(entry))
            if len(out) >= limit:
                break
        return out

    def view(self, entry: JournalEntry) -> dict[str, Any]:
        """An entry as served: every registered key and the control token redacted."""
        return {
            "id": entry.id,
            "at": clock.iso_utc(entry.at),
            "method": entry.method,
            "path": entry.path,
            "query": self._redactor.text(entry.query),
            "orderingSystem": entry.ordering_system,
            "status": entry.status,
            "ms": round(entry.ms, 1),
            "warnings": [self._redactor.text(w) for w in entry.warnings],
            "request": {
                "headers": {name: self._header(name, value) for name, value in entry.headers},
                "contentType": _content_type(entry.headers),
                "body": self._body(entry.body),
                "size": entry.body_size,
                "truncated": entry.body_size > BODY_LIMIT,
            },
            "response": {
                "headers": {},
                "contentType": entry.response_type,
                "body": self._body(entry.response_body),
                "size": entry.response_size,
                "truncated": entry.response_size > BODY_LIMIT,
            },
        }

    def _header(self, name: str, value: str) -> str:
        if name in _SECRET_HEADERS:
            scheme, _, credential = value.strip().partition(" ")
            return f"{scheme} {REDACTED}" if credential else REDACTED
        return self._redactor.text(value)

    def _body(self, raw: bytes) -> str:
        text = raw.decode("utf-8", errors="replace")
        text = _API_KEY_TEXT_FIELD.sub(lambda m: m[1] + REDACTED + m[3], text)
        text = _API_KEY_IN_ERROR.sub(lambda m: m[1] + REDACTED + m[3], text)
        return self._redactor.text(text)[:BODY_LIMIT]


# --- the middleware -------------------------------------------------------------------


class ServiceMiddleware:
    """Token, CORS per path, access log and journal, around the whole app."""

    def __init__(self, app: ASGIApp, *, control_token: str | None, journal: Journal) -> None:
        self.app = app
        self.cors = CORSMiddleware(
            app, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"], expose_headers=["*"]
        )
        self._token = control_token.encode() if control_token else None
        self.journal = journal

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        path: str = scope["path"]
        record = self.journal.capacity > 0 and not _unrecorded(path)
        log = access_log.isEnabledFor(logging.INFO)
        control = is_control(path)
        # CORS only matters to a browser, which always sends Origin (Starlette's middleware
        # would pass the request on unchanged without it, but costs ~20 µs to find that out)
        cors = wants_cors(path) and any(key == b"origin" for key, _ in scope["headers"])
        if not (record or log or control):  # nothing to look at: no wrapping at all
            await (self.cors if cors else self.app)(scope, receive, send)
            return
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
        body = bytearray()
        body_size = 0
        answer = bytearray()
        answer_size = 0
        status = 0
        response_type: str | None = None

        async def receiving() -> Message:
            nonlocal body_size
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                body_size += len(chunk)
                if len(body) < BODY_LIMIT + _MARGIN:
                    body.extend(chunk[: BODY_LIMIT + _MARGIN - len(body)])
            return message

        async def sending(message: Message) -> None:
            nonlocal status, answer_size, response_type
            if message["type"] == "http.response.start":
                status = message["status"]
                for key, value in message.get("headers", ()):
                    if key.lower() == b"content-type":
                        response_type = value.decode("latin-1")
            elif message["type"] == "http.response.body" and record:
                chunk = message.get("body", b"")
                answer_size += len(chunk)
                if len(answer) < BODY_LIMIT + _MARGIN:
                    answer.extend(chunk[: BODY_LIMIT + _MARGIN - len(answer)])
            await send(message)

        try:
            refusal = self._refusal(path, headers) if control else None
            if refusal is not None:
                await _plain(sending, *refusal)
            elif cors:
                await self.cors(scope, receiving if record else receive, sending)
            else:
                await self.app(scope, receiving if record else receive, sending)
        finally:
            if record or log:
                ms = (time.perf_counter() - started) * 1000
                system = _ordering_system(scope, headers, bytes(body), path)
                if log:
                    _log_access(scope["method"], path, status or 500, ms, system)
                if record:
                    self.journal.add(
                        JournalEntry(
                            id=self.journal.next_id(),
                            at=time.time(),
                            method=scope["method"],
                            path=path,
                            query=scope.get("query_string", b"").decode("latin-1"),
                            ordering_system=system,
                            headers=headers,
                            body=bytes(body),
                            body_size=body_size,
                            status=status or 500,
                            ms=ms,
                            response_type=response_type,
                            response_body=bytes(answer),
                            response_size=answer_size,
                            warnings=list(scope.get("state", {}).get("warnings", ())),
                        )
                    )

    def _refusal(
        self, path: str, headers: list[tuple[str, str]]
    ) -> tuple[int, str, dict[str, str]] | None:
        """(status, text, headers) when a control request may not pass, else None."""
        if path in PUBLIC_CONTROL_PATHS:
            return None
        if self._token is None:
            return _cross_origin(headers)
        given = _header(headers, "authorization")
        scheme, _, credential = (given or "").strip().partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="eprom-verify simulator control API"'}
        if not given:
            return 401, TOKEN_MISSING, challenge
        if scheme.lower() != "bearer" or not hmac.compare_digest(
            credential.strip().encode(), self._token
        ):
            return 401, TOKEN_WRONG, challenge
        return None


def _content_type(headers: list[tuple[str, str]]) -> str | None:
    return _header(headers, "content-type")


def _unrecorded(path: str) -> bool:
    return path in _UNRECORDED or path.startswith(_UNRECORDED_PREFIXES)


def _header(headers: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _cross_origin(headers: list[tuple[str, str]]) -> tuple[int, str, dict[str, str]] | None:
    """403 for a browser request from another origin (no token guards the control API)."""
    origin = _header(headers, "origin")
    if origin is None:
        return None
    host = _header(headers, "host") or ""
    if urlsplit(origin).netloc.lower() == host.lower():
        return None
    return (
        403,
        f"the control API does not answer a browser page of another origin ({origin}): "
        "use it from your test code, or open the simulator's own /swagger",
        {},
    )


async def _plain(send: Send, status: int, text: str, headers: dict[str, str]) -> None:
    body = text.encode()
    raw = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def _ordering_system(
    scope: Scope, headers: list[tuple[str, str]], body: bytes, path: str
) -> str | None:
    """The ordering system a request came from: by its key (header or body), or named."""
    app = scope.get("app")
    engine = getattr(getattr(app, "state", None), "engine", None)
    if engine is None:
        return None
    key: str | None = None
    authorization = _header(headers, "authorization")
    if authorization and not is_control(path):
        key = authorization.strip().partition(" ")[2].strip() or None
    if key is None and body:
        found = _API_KEY_FIELD.search(body)
        if found:
            try:
                key = json.loads(b'"' + found[1] + b'"')
            except ValueError:
                key = None
    if key is not None:
        system = engine.store.system_by_key(key)
        return system.name if system is not None else None
    if is_control(path):
        named = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("orderingSystem")
        return named[0] if named else None
    return None


# --- the access log -------------------------------------------------------------------


def _log_access(method: str, path: str, status: int, ms: float, system: str | None) -> None:
    access_log.info(
        "%s %s %d %.1fms %s",
        method,
        path,
        status,
        ms,
        system or "-",
        extra={
            "access": {
                "method": method,
                "path": path,
                "status": status,
                "ms": round(ms, 1),
                "orderingSystem": system,
            }
        },
    )


class AccessFormatter(logging.Formatter):
    """``text``: ``2026-12-03T10:00:00.123Z POST /promswebapi/api/v2/formorder 200 3.1ms demo``;
    ``json``: one object per line with ``time``, ``method``, ``path``, ``status``, ``ms`` and
    ``orderingSystem``."""

    def __init__(self, form: str) -> None:
        super().__init__()
        self.form = form

    def format(self, record: logging.LogRecord) -> str:
        at = (
            datetime.datetime.fromtimestamp(record.created, datetime.UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z")
        )
        fields: dict[str, Any] | None = getattr(record, "access", None)
        if self.form == "json":
            data = (
                {"time": at, **fields} if fields else {"time": at, "message": record.getMessage()}
            )
            return json.dumps(data, ensure_ascii=False)
        return f"{at} {record.getMessage()}"


# --- health ---------------------------------------------------------------------------


def health_of(engine: Any, *, serving: bool) -> dict[str, Any]:
    """The health report: ``ready`` only when serving, the store answers and the outbox runs."""
    if engine is None or not serving:
        return {"status": "unavailable", "store": "not open", "outbox": "not running"}
    store_ok = bool(engine.store.ping())
    outbox_ok = _outbox_running(engine.outbox)
    report = {
        "status": "ready" if store_ok and outbox_ok else "unavailable",
        "store": "ok" if store_ok else "not answering",
        "outbox": "running" if outbox_ok else "not running",
        "orderingSystems": len(engine.store.systems()) if store_ok else None,
    }
    if getattr(engine.store, "shared", False):  # one of several workers: which one answered
        report["worker"] = engine.store.worker
        report["pid"] = os.getpid()
    return report


def _outbox_running(outbox: Any) -> bool:
    """The outbox's own ``running`` if it has one, else: its tasks exist, none ended or is
    being cancelled."""
    running = getattr(outbox, "running", None)
    if isinstance(running, bool):
        return running
    tasks = getattr(outbox, "_tasks", None)
    if isinstance(tasks, list):
        return bool(tasks) and not any(task.done() or task.cancelling() for task in tasks)
    return True

"""The callback listener: the harness's stand-in for the ordering system's callback service.

Built on pytest-httpserver's ``HTTPServer`` (which needs no pytest). It serves the three
callback paths of contract §4 under the public URL's path, parses each call with the
contract models, answers as a correct ordering system would (``success: true``, or
``false`` for a wrong key or a body it cannot read) and records everything.

Waiting is event-driven: a condition variable is notified by the server thread and
``wait_for`` returns as soon as the awaited callback is there, or at the timeout. Nothing
is asserted in the server thread; the checks read the record in the test thread.
"""

from __future__ import annotations

import datetime as dt
import errno
import hmac
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from eprom_verify._exceptions import ListenerError, PortInUse
from eprom_verify.config.settings import Secret
from eprom_verify.contract import (
    CallbackKind,
    EpromModel,
    FormAnswerCallback,
    MessageToCitizenCallback,
    PersonvernInnstillingCallback,
    parse_form_order_callback,
)
from eprom_verify.contract.callbacks import ENDPOINT_NAMES, KIND_WORDS, endpoint_of
from eprom_verify.wording import Text

__all__ = ["CallbackListener", "Progress", "ReceivedCallback", "sent_key", "utc_clock"]

#: (what is awaited, seconds so far, the limit) → shows a progress line
Progress = Callable[[str, float, float], None]


@dataclass
class ReceivedCallback:
    """One PUT as it arrived, parsed where possible.

    ``kind`` is None only when the path is none of the three callback paths (or the body
    is unreadable on the form-order path and cannot be told status from answer).
    """

    kind: CallbackKind | None
    path: str
    at: float
    headers: dict[str, str]
    body_text: str
    data: Any = None
    model: EpromModel | None = None
    #: why the callback could not be read (ours; the parser's detail as it was)
    error: Text | None = None
    key_ok: bool | None = None
    answered: dict[str, Any] = field(default_factory=dict)
    answered_status: int = 200
    #: the listener's sequence number (1, 2, …): "callback #7" in a failure message
    seq: int = 0

    @property
    def ident(self) -> str | None:
        """The id a test waits on: formOrderId, messageToCitizenId or nationalId:pvkId."""
        if not isinstance(self.data, dict):
            return None
        if self.kind in (CallbackKind.STATUS, CallbackKind.ANSWER):
            return str(self.data.get("formOrderId"))
        if self.kind is CallbackKind.LETTER:
            return str(self.data.get("messageToCitizenId"))
        if self.kind is CallbackKind.PRIVACY:
            return f"{self.data.get('nationalId')}:{self.data.get('id')}"
        return None

    @property
    def status_value(self) -> str | None:
        """The status the callback reports (Ordered, Completed, Sent, RES …), by name."""
        model: Any = self.model
        if model is None:
            return None
        for name in ("form_order_status", "sent_status", "status"):
            value = getattr(model, name, None)
            if value is not None:
                return str(getattr(value, "name", value))
        return None

    @property
    def is_patient_initiated(self) -> bool:
        return isinstance(self.data, dict) and bool(self.data.get("isPatientInitiated"))

    @property
    def label(self) -> Text:
        """``callback #7 (status, 21:42:43.120Z)``: how a failure names it."""
        at = utc_clock(self.at)
        kind = KIND_WORDS[self.kind] if self.kind else Text.same("unreadable")
        return Text(
            en=f"callback #{self.seq} ({kind.en}, {at})",
            nb=f"tilbakekall #{self.seq} ({kind.nb}, {at})",
        )


class CallbackListener:
    """Listens for ePROM's callbacks on ``host:port`` under ``path_prefix``."""

    def __init__(
        self,
        *,
        api_key: Secret,
        host: str = "127.0.0.1",
        port: int = 0,
        path_prefix: str = "",
        on_callback: Callable[[ReceivedCallback], None] | None = None,
    ) -> None:
        self.__key = api_key
        self.host = host
        self.port = port
        self.path_prefix = "/" + path_prefix.strip("/") if path_prefix.strip("/") else ""
        self.on_callback = on_callback
        self._server: HTTPServer | None = None
        self._cond = threading.Condition()
        self._received: list[ReceivedCallback] = []
        #: the same records by (kind, ident), in arrival order: a wait looks up its own
        #: callbacks instead of scanning every one that arrived (issue 25)
        self._by_key: dict[tuple[CallbackKind | None, str | None], list[ReceivedCallback]] = {}

    def __repr__(self) -> str:
        return f"CallbackListener(url={self.url if self._server else None!r})"

    # --- lifecycle --------------------------------------------------------------------
    def start(self) -> CallbackListener:
        server = HTTPServer(host=self.host, port=self.port)
        try:
            if self.port:
                _probe(self.host, self.port)  # werkzeug exits the process on a taken port
            server.start()
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise PortInUse(
                    f"cannot listen for callbacks on {self.host}:{self.port}: the port is in use "
                    "— choose another with --callback-listen HOST:PORT"
                ) from None
            raise ListenerError(
                f"cannot listen for callbacks on {self.host}:{self.port} ({exc.strerror or exc}) "
                "— choose another address with --callback-listen HOST:PORT"
            ) from None
        pattern = re.compile(
            re.escape(self.path_prefix) + r"/api/(" + "|".join(ENDPOINT_NAMES) + r")/?$",
            re.IGNORECASE,
        )
        server.expect_request(pattern, method="PUT").respond_with_handler(self._handle)
        server.no_handler_status_code = 404
        self._server = server
        self.port = server.port
        return self

    def stop(self) -> None:
        if self._server is not None and self._server.is_running():
            self._server.clear_assertions()
            self._server.stop()
        self._server = None

    def __enter__(self) -> CallbackListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The base URL ePROM must call (``ApiBaseUrl``), without a trailing slash."""
        return f"http://{self.host}:{self.port}{self.path_prefix}"

    # --- the handler (server thread: record, never assert) -----------------------------
    def _handle(self, request: Request) -> Response:
        endpoint = endpoint_of(request.path) or "unknown"
        text = request.get_data(as_text=True)
        record = ReceivedCallback(
            kind=None,
            path=request.path,
            at=time.time(),
            headers={k: v for k, v in request.headers.items()},
            body_text=text,
        )
        self._parse(record, endpoint, request)
        record.answered = {"success": record.error is None and bool(record.key_ok)}
        record.answered_status = 400 if record.model is None else 200
        with self._cond:
            record.seq = len(self._received) + 1
            self._received.append(record)
            self._by_key.setdefault((record.kind, record.ident), []).append(record)
        # The evidence is recorded before a waiting test is woken: otherwise the test can
        # finish (and its evidence be closed) before its callback is credited to it.
        if self.on_callback is not None:
            try:
                self.on_callback(record)
            except Exception:  # noqa: BLE001 - evidence must never break the answer
                pass
        with self._cond:
            self._cond.notify_all()
        return Response(
            json.dumps(record.answered),
            status=record.answered_status,
            content_type="application/json; charset=utf-8",
        )

    def _parse(self, record: ReceivedCallback, endpoint: str, request: Request) -> None:
        try:
            record.data = json.loads(record.body_text) if record.body_text else None
        except json.JSONDecodeError as exc:
            record.error = Text(
                en=f"the body is not JSON: {exc}", nb=f"innholdet er ikke JSON: «{exc}»"
            )
            return
        if not isinstance(record.data, dict):
            shown = repr(record.body_text[:80])
            record.error = Text(
                en=f"the body is not a JSON object: {shown}",
                nb=f"innholdet er ikke et JSON-objekt: {shown}",
            )
            return
        try:
            if endpoint == "form_order":
                model: EpromModel = parse_form_order_callback(record.data)
                answer = isinstance(model, FormAnswerCallback)
                record.kind = CallbackKind.ANSWER if answer else CallbackKind.STATUS
            elif endpoint == "letter":
                model = MessageToCitizenCallback.from_wire(record.data)
                record.kind = CallbackKind.LETTER
            elif endpoint == "privacy":
                model = PersonvernInnstillingCallback.from_wire(record.data)
                record.kind = CallbackKind.PRIVACY
            else:
                record.error = Text(
                    en=f"unknown callback path {request.path}",
                    nb=f"ukjent sti for tilbakekall: {request.path}",
                )
                return
        except ValueError as exc:
            record.kind = {
                "form_order": CallbackKind.STATUS,
                "letter": CallbackKind.LETTER,
                "privacy": CallbackKind.PRIVACY,
            }[endpoint]
            if endpoint == "form_order" and "formData" in record.data:
                record.kind = CallbackKind.ANSWER
            first = _first_line(exc)
            record.error = Text(
                en=f"does not follow the contract: {first}", nb=f"følger ikke kontrakten: «{first}»"
            )
            return
        record.model = model
        record.key_ok = self.key_matches(sent_key(record))

    # --- reading the record (test thread) ----------------------------------------------
    def received(
        self, kind: CallbackKind | None = None, ident: str | None = None
    ) -> list[ReceivedCallback]:
        with self._cond:
            if kind is not None and ident is not None:
                return list(self._by_key.get((kind, ident), ()))
            return [
                r
                for r in self._received
                if (kind is None or r.kind == kind) and (ident is None or r.ident == ident)
            ]

    def wait_for(
        self,
        kind: CallbackKind,
        ident: str,
        *,
        timeout_s: float,
        count: int = 1,
        what: str | None = None,
        progress: Progress | None = None,
    ) -> list[ReceivedCallback]:
        """Wait until ``count`` callbacks of ``kind`` for ``ident`` arrived, or the timeout.

        Returns what arrived (possibly fewer than ``count``): the caller decides what a
        shortfall means. ``progress`` is called about once a second while waiting.
        """
        label = what or f"{kind} callback for {ident}"
        start = time.monotonic()
        deadline = start + timeout_s
        with self._cond:
            while True:
                found = list(self._by_key.get((kind, ident), ()))
                now = time.monotonic()
                if len(found) >= count or now >= deadline:
                    return found
                if progress is not None:
                    progress(label, now - start, timeout_s)
                self._cond.wait(timeout=min(1.0, deadline - now))

    def settle(self, kind: CallbackKind, ident: str, *, window_s: float) -> list[ReceivedCallback]:
        """Wait ``window_s`` more for late duplicates, then return everything for ``ident``."""
        deadline = time.monotonic() + window_s
        with self._cond:
            while (left := deadline - time.monotonic()) > 0:
                self._cond.wait(timeout=left)
            return list(self._by_key.get((kind, ident), ()))

    def clear(self) -> None:
        with self._cond:
            self._received.clear()
            self._by_key.clear()

    def key_matches(self, value: str | None) -> bool:
        """Whether ``value`` is our API key (compared in constant time, never shown)."""
        return value is not None and hmac.compare_digest(
            value.encode(), self.__key.reveal().encode()
        )


def utc_clock(at: float) -> str:
    """A wall-clock time as ``21:42:43.120Z`` (how failures name the moment of a callback)."""
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%H:%M:%S.%f")[:-3] + "Z"


def _probe(host: str, port: int) -> None:
    """Bind ``host:port`` once and let go: an OSError when it cannot be had."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))


def sent_key(callback: ReceivedCallback) -> str:
    """The key a callback carried: the body's ``apiKey``, or the privacy callback's header."""
    if callback.kind is CallbackKind.PRIVACY:
        given = callback.headers.get("Authorization", "")
        return given[6:] if given.lower().startswith("basic ") else given
    if isinstance(callback.data, dict):
        return str(callback.data.get("apiKey") or "")
    return ""


def _first_line(exc: Exception) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return "; ".join(lines[:4])

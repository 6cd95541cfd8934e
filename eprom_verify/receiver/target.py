"""The ordering system's callback service under test, and how the checks call it.

:class:`ReceiverTarget` PUTs to ``<base_url>/api/PromsFormOrder``, ``/api/MessageToCitizen``
and ``/api/PersonvernInnstilling`` the way ePROM does (contract §4): JSON in UTF-8, the API
key in the body for the first two and as ``Authorization: Basic <key>`` for the privacy
callback. Every request is recorded in an :class:`~.exchanges.Exchanges` with the key
redacted by value; the key itself never leaves this object except on the wire.
"""

from __future__ import annotations

import enum
import hashlib
import json
import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import httpx
from hypothesis import settings

from eprom_verify.contract import CallbackKind
from eprom_verify.receiver.exchanges import CallbackExchange, Exchanges
from eprom_verify.redact import Redactor, fingerprint
from eprom_verify.strategies import key_in_body

__all__ = ["ForgedKey", "KeyChoice", "ReceiverTarget"]

_MAX_BODY_CHARS = 20_000
_CONTENT_TYPE = "application/json; charset=utf-8"


class KeyChoice(enum.Enum):
    """Which key a request presents: ours, or none in one of the ways a key can be missing.

    In the body: ``ABSENT`` leaves ``apiKey`` out, ``NULL`` sends ``null``, ``EMPTY`` ``""``.
    In the header: ``ABSENT`` sends no ``Authorization``, ``NULL`` an empty one, ``EMPTY``
    only the scheme (``Basic``).
    """

    OURS = "ours"
    ABSENT = "absent"
    NULL = "null"
    EMPTY = "empty"


@dataclass(frozen=True)
class ForgedKey:
    """A wrong key: ``text`` itself, or our key with ``text`` appended (``after_ours``).

    The appended form catches a receiver that compares only a prefix; it is built inside
    the target so our key never appears in a hypothesis example.
    """

    text: str
    after_ours: bool = False

    def value(self, ours: str) -> str:
        return ours + self.text if self.after_ours else self.text


Key = KeyChoice | ForgedKey


class ReceiverTarget:
    """A callback receiver to check.

    ``timeout_s`` bounds each request; ``deadline_s`` is the answer-time limit R5 enforces;
    ``max_examples`` the hypothesis examples per check and ``derandomize`` default to the
    loaded hypothesis profile's. ``transport`` lets tests call an app in-process.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout_s: float = 10.0,
        max_examples: int | None = None,
        deadline_s: float = 10.0,
        derandomize: bool | None = None,
        transport: httpx.BaseTransport | None = None,
        exchanges: Exchanges | None = None,
    ) -> None:
        _validate(
            base_url, api_key, timeout_s=timeout_s, max_examples=max_examples, deadline_s=deadline_s
        )
        self.base_url = base_url.rstrip("/")
        self.timeout_s = timeout_s
        self._max_examples = max_examples
        self.deadline_s = deadline_s
        self._derandomize = derandomize
        self.exchanges = exchanges if exchanges is not None else Exchanges()
        self._key = api_key
        self._redactor = Redactor(secrets=[api_key], mask_national_ids=False)
        self._client = httpx.Client(timeout=timeout_s, transport=transport, follow_redirects=False)
        self._sent: set[str] = set()

    def __repr__(self) -> str:
        return (
            f"ReceiverTarget({self.base_url!r}, key={fingerprint(self._key)}, "
            f"max_examples={self.max_examples}, deadline_s={self.deadline_s:g})"
        )

    @property
    def max_examples(self) -> int:
        """Hypothesis examples per check: as given, else the loaded profile's."""
        if self._max_examples is not None:
            return self._max_examples
        return int(settings().max_examples)

    @property
    def derandomize(self) -> bool:
        if self._derandomize is not None:
            return self._derandomize
        return bool(settings().derandomize)

    def url(self, kind: CallbackKind) -> str:
        return self.base_url + kind.path

    def redact(self, text: str) -> str:
        """``text`` with our key replaced by ``«redacted»``."""
        return self._redactor.text(text)

    def sent_before(self, kind: CallbackKind, body: dict[str, Any]) -> bool:
        """Whether this exact callback (whatever its key) was delivered to this target before."""
        return _digest(kind, body) in self._sent

    def deliver(
        self,
        kind: CallbackKind,
        body: dict[str, Any],
        *,
        recorder: Exchanges,
        check: str,
        key: Key = KeyChoice.OURS,
    ) -> CallbackExchange:
        """PUT ``body`` (a JSON object) as a ``kind`` callback, presenting ``key``."""
        self._sent.add(_digest(kind, body))
        sent = dict(body)
        if key_in_body(kind):
            self._key_into_body(sent, key)
        content = json.dumps(sent, ensure_ascii=False).encode("utf-8")
        return self.put(kind, content, recorder=recorder, check=check, key=key)

    def put(
        self,
        kind: CallbackKind,
        content: bytes,
        *,
        recorder: Exchanges,
        check: str,
        key: Key = KeyChoice.OURS,
    ) -> CallbackExchange:
        """PUT raw ``content`` to ``kind``'s endpoint; ``key`` goes in a header if ``kind`` wants."""
        headers = {"Content-Type": _CONTENT_TYPE}
        if not key_in_body(kind):
            header = self._key_header(key)
            if header is not None:
                headers["Authorization"] = header
        url = self.url(kind)
        started = time.perf_counter()
        try:
            response = self._client.put(url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            elapsed = time.perf_counter() - started
            error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            exchange = self._exchange(check, url, headers, content, None, {}, "", elapsed, error)
        else:
            elapsed = time.perf_counter() - started
            exchange = self._exchange(
                check, url, headers, content, response.status_code,
                dict(response.headers), response.content.decode("utf-8", "replace"), elapsed, None,
            )  # fmt: skip
        recorder.record(exchange)
        return exchange

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _key_into_body(self, body: dict[str, Any], key: Key) -> None:
        if isinstance(key, ForgedKey):
            body["apiKey"] = key.value(self._key)
        elif key is KeyChoice.ABSENT:
            body.pop("apiKey", None)
        else:
            body["apiKey"] = {KeyChoice.OURS: self._key, KeyChoice.NULL: None, KeyChoice.EMPTY: ""}[
                key
            ]

    def _key_header(self, key: Key) -> str | None:
        if isinstance(key, ForgedKey):
            return f"Basic {key.value(self._key)}"
        return {
            KeyChoice.OURS: f"Basic {self._key}",
            KeyChoice.ABSENT: None,
            KeyChoice.NULL: "",
            KeyChoice.EMPTY: "Basic",
        }[key]

    def _exchange(
        self,
        check: str,
        url: str,
        headers: dict[str, str],
        content: bytes,
        status: int | None,
        response_headers: dict[str, str],
        response_body: str,
        elapsed: float,
        error: str | None,
    ) -> CallbackExchange:
        redact = self._redactor.text
        return CallbackExchange(
            check=check,
            method="PUT",
            url=url,
            request_headers={k: redact(v) for k, v in headers.items()},
            request_body=redact(content.decode("utf-8", "backslashreplace")),
            status=status,
            response_headers={k: redact(v) for k, v in response_headers.items()},
            response_body=redact(response_body[:_MAX_BODY_CHARS]),
            elapsed_s=elapsed,
            error=redact(error) if error else None,
        )


def _digest(kind: CallbackKind, body: dict[str, Any]) -> str:
    canonical = {k: v for k, v in body.items() if k != "apiKey"}
    text = json.dumps([kind.path, canonical], sort_keys=True, ensure_ascii=False, default=repr)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _validate(
    base_url: str, api_key: str, *, timeout_s: float, max_examples: int | None, deadline_s: float
) -> None:
    if not base_url.startswith(("http://", "https://")):
        raise ValueError(
            f"base_url={base_url!r} must start with http:// or https:// — the ApiBaseUrl "
            "registered in ePROM's admin module, without /api/…"
        )
    if len(api_key) < 4:
        raise ValueError(
            f"the API key is {len(api_key)} characters; it must be at least 4 so it can be "
            "redacted from reports (ePROM's keys are much longer)"
        )
    if max_examples is not None and max_examples < 1:
        raise ValueError(f"max_examples={max_examples} must be at least 1")
    for name, value in (("timeout_s", timeout_s), ("deadline_s", deadline_s)):
        if not value > 0:
            raise ValueError(f"{name}={value} must be a positive number of seconds")

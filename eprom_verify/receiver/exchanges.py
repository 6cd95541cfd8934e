"""The recorder: every request the receiver checks send and the answer they got, with timing.

Nothing here holds an API key: the target redacts it (by value, in headers and body) before
an :class:`CallbackExchange` is built.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from eprom_verify.contract.callbacks import is_acknowledgement

__all__ = [
    "CallbackExchange",
    "Exchanges",
    "LatencySummary",
    "latency_by_endpoint",
    "summarize",
]


@dataclass(frozen=True)
class CallbackExchange:
    """One callback PUT to the receiver under test and its answer (ePROM → ordering system;
    not the client's ``Exchange``). ``status`` is None when no answer came."""

    check: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str
    status: int | None
    response_headers: dict[str, str]
    response_body: str
    elapsed_s: float
    error: str | None = None

    @property
    def endpoint(self) -> str:
        """The endpoint's name, the last part of the path: ``PromsFormOrder``, ``MessageToCitizen``,
        ``PersonvernInnstilling``."""
        return self.url.rstrip("/").rsplit("/", 1)[-1]

    @property
    def success(self) -> bool | None:
        """The answer's ``success`` (or ``Success``) when it is a JSON boolean, else None."""
        try:
            data = json.loads(self.response_body)
        except ValueError:
            return None
        if not isinstance(data, dict):
            return None
        value = data.get("success", data.get("Success"))
        return value if isinstance(value, bool) else None

    @property
    def acknowledged(self) -> bool:
        """Answered 2xx with ``{"success": true}``: the receiver says it processed the call."""
        return is_acknowledgement(self.status, self.response_body)

    def received(self) -> str:
        """The answer as a person reads it: ``400 {"success": false}`` or the transport error."""
        if self.status is None:
            return f"no answer ({self.error})"
        body = (
            self.response_body if len(self.response_body) <= 500 else self.response_body[:500] + "…"
        )
        return f"{self.status} {body}".rstrip()


@dataclass(frozen=True)
class LatencySummary:
    """Response times over a run, in seconds (nearest-rank percentiles)."""

    count: int
    p50_s: float
    p95_s: float
    max_s: float

    def __str__(self) -> str:
        if not self.count:
            return "no requests"
        return (
            f"{self.count} requests: p50 {self.p50_s * 1000:.0f} ms, "
            f"p95 {self.p95_s * 1000:.0f} ms, max {self.max_s * 1000:.0f} ms"
        )


def _percentile(sorted_values: list[float], fraction: float) -> float:
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


class Exchanges:
    """A thread-safe list of :class:`CallbackExchange`.

    ``on_exchange`` (and every listener added with :meth:`add_listener`) is called with each
    new exchange, e.g. to show progress.
    """

    def __init__(self, *, on_exchange: Callable[[CallbackExchange], Any] | None = None) -> None:
        self._items: list[CallbackExchange] = []
        self._lock = threading.Lock()
        self._listeners: list[Callable[[CallbackExchange], Any]] = []
        if on_exchange is not None:
            self._listeners.append(on_exchange)

    def add_listener(self, listener: Callable[[CallbackExchange], Any]) -> None:
        """Call ``listener`` with every exchange recorded from now on."""
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: Callable[[CallbackExchange], Any]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def record(self, exchange: CallbackExchange) -> None:
        with self._lock:
            self._items.append(exchange)
            listeners = list(self._listeners)
        for listener in listeners:
            listener(exchange)

    def __iter__(self) -> Iterator[CallbackExchange]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def snapshot(self) -> list[CallbackExchange]:
        with self._lock:
            return list(self._items)

    def for_check(self, check: str) -> list[CallbackExchange]:
        return [e for e in self.snapshot() if e.check == check]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def latency_summary(self) -> LatencySummary:
        """p50 / p95 / max over every exchange recorded so far."""
        return summarize(self.snapshot())


def summarize(exchanges: Iterable[CallbackExchange]) -> LatencySummary:
    """p50 / p95 / max over ``exchanges`` (an unanswered request counts its time waited)."""
    times = sorted(e.elapsed_s for e in exchanges)
    if not times:
        return LatencySummary(0, 0.0, 0.0, 0.0)
    return LatencySummary(len(times), _percentile(times, 0.5), _percentile(times, 0.95), times[-1])


def latency_by_endpoint(exchanges: Iterable[CallbackExchange]) -> dict[str, LatencySummary]:
    """:class:`LatencySummary` per receiver endpoint (``PromsFormOrder``, …), in first-seen order."""
    by_endpoint: dict[str, list[CallbackExchange]] = {}
    for exchange in exchanges:
        by_endpoint.setdefault(exchange.endpoint, []).append(exchange)
    return {name: summarize(items) for name, items in by_endpoint.items()}

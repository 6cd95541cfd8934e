"""What a receiver check leaves for the report: the failing exchange, a sample of the others
with the count of all, and the answer times per endpoint.

Plain data built from the :class:`~.exchanges.Exchanges` of a run; the pytest suite hands it
to the run's report recorder. Every exchange was redacted by the target before it was
recorded, so nothing here holds the API key.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from eprom_verify.receiver.exchanges import CallbackExchange, LatencySummary, latency_by_endpoint
from eprom_verify.receiver.failure import ReceiverCheckFailure
from eprom_verify.wording import Text

__all__ = ["SAMPLE_SIZE", "CheckEvidence", "check_evidence"]

#: How many passing exchanges of a check the report links (besides the failing one).
SAMPLE_SIZE = 5


def _json_or_text(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _spread(items: list[CallbackExchange], size: int) -> list[CallbackExchange]:
    """Up to ``size`` of ``items``, first and last included, evenly apart."""
    if len(items) <= size:
        return items
    if size == 1:
        return items[:1]
    return [items[round(i * (len(items) - 1) / (size - 1))] for i in range(size)]


@dataclass(frozen=True)
class CheckEvidence:
    """One check's exchanges as the report shows them."""

    check: str
    checkpoint: str
    failing: CallbackExchange | None
    sample: tuple[CallbackExchange, ...]
    total: int
    #: answer times of this check's exchanges, per endpoint
    latency: Mapping[str, LatencySummary]
    failure: ReceiverCheckFailure | None = None

    def linked(self) -> list[tuple[CallbackExchange, Text]]:
        """(exchange, title) for every exchange the report links: the failing one first.
        The title is ours, in both report languages."""
        out = []
        if self.failing is not None:
            failing = Text(en="the failing exchange", nb="den feilende utvekslingen")
            out.append((self.failing, self._title(self.failing, failing)))
        for index, exchange in enumerate(self.sample, 1):
            which = Text(
                en=f"sample {index} of {len(self.sample)}",
                nb=f"stikkprøve {index} av {len(self.sample)}",
            )
            out.append((exchange, self._title(exchange, which)))
        return out

    def record_fields(self, exchange: CallbackExchange, title: Text | str) -> dict[str, Any]:
        """Keyword arguments for ``Recorder.add_evidence(kind="callback", ...)``."""
        return {
            "title": title,
            "method": exchange.method,
            "url": exchange.url,
            "status": exchange.status,
            "headers": dict(exchange.request_headers),
            "body": {
                "sent": _json_or_text(exchange.request_body),
                "answer": exchange.received()
                if exchange.status is None
                else _json_or_text(exchange.response_body),
                "elapsed_ms": round(exchange.elapsed_s * 1000, 1),
            },
            "checkpoint_ids": [self.checkpoint],
        }

    def facts(self) -> dict[str, Any]:
        """What the check compared, for the report row: examples sent, the failing payload,
        answer times per endpoint (``{"PromsFormOrder": {"p50_ms", "p95_ms", "count"}}``)."""
        facts: dict[str, Any] = {"examples": self.total}
        if self.failure is not None:
            payload = self.failure.callback
            facts["failing_payload"] = payload if payload is not None else self.failure.payload
        facts["latency"] = {
            endpoint: {
                "p50_ms": round(summary.p50_s * 1000, 1),
                "p95_ms": round(summary.p95_s * 1000, 1),
                "count": summary.count,
            }
            for endpoint, summary in self.latency.items()
        }
        return facts

    def _title(self, exchange: CallbackExchange, which: Text) -> Text:
        answer = (
            Text(en="no answer", nb="ikke noe svar")
            if exchange.status is None
            else Text.same(exchange.status)
        )
        put = f"{self.check} ({self.checkpoint}): PUT {exchange.endpoint} → "
        return Text(
            en=f"{put}{answer.en} — {which.en}; {self.total} sent by this check",
            nb=f"{put}{answer.nb} — {which.nb}; {self.total} sendt av denne kontrollen",
        )


def check_evidence(
    check: str,
    checkpoint: str,
    exchanges: Iterable[CallbackExchange],
    *,
    failure: ReceiverCheckFailure | None = None,
    sample_size: int = SAMPLE_SIZE,
) -> CheckEvidence:
    """The evidence of ``check``: its failing exchange (from ``failure``), up to ``sample_size``
    of its other exchanges spread over the run, and how many it sent."""
    own = [e for e in exchanges if e.check == check]
    failing = failure.exchange if failure is not None else None
    others = [e for e in own if e is not failing]
    sample = tuple(_spread(others, sample_size))
    return CheckEvidence(
        check, checkpoint, failing, sample, len(own), latency_by_endpoint(own), failure
    )

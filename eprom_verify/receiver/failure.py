"""The one failure type of the receiver checks.

``ReceiverCheckFailure`` hangs off the harness's ``CheckFailure(AssertionError)``: it says
what was expected and received at which endpoint, and carries the exact JSON that was sent
(shrunk by hypothesis to the smallest payload that still fails; the API key shown as
``«redacted»``) so a developer can replay it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from eprom_verify._exceptions import CheckFailure

from .exchanges import CallbackExchange

__all__ = ["ReceiverCheckFailure", "ReceiverResponse"]


@dataclass(frozen=True)
class ReceiverResponse:
    """What the receiver answered: status (None when it did not answer) and body."""

    status: int | None
    body: str


def _visible(text: str) -> str:
    """Invisible characters as JSON escapes, so a shrunk ``"\x80"`` does not look like ``""``."""
    return "".join(c if c.isprintable() or c == "\n" else f"\\u{ord(c):04x}" for c in text)


def _pretty(body: str) -> str:
    try:
        return _visible(json.dumps(json.loads(body), indent=2, ensure_ascii=False))
    except (ValueError, RecursionError):
        return _visible(body) if body else "(empty body)"


def _parsed(payload: str | None) -> Any:
    if payload is None:
        return None
    try:
        return json.loads(payload)
    except (ValueError, RecursionError):
        return None


class ReceiverCheckFailure(CheckFailure):
    """A receiver check failed. ``payload`` is the JSON sent, ``response`` what came back."""

    def __init__(
        self,
        title: str,
        *,
        check: str,
        expected: str,
        exchange: CallbackExchange | None = None,
        received: str | None = None,
        hint: str = "",
        note: str = "",
    ) -> None:
        self.title = title
        self.check = check
        self.hint = hint
        self.note = note
        self.exchange = exchange
        self.endpoint = f"{exchange.method} {exchange.url}" if exchange else ""
        self.payload = exchange.request_body if exchange else None
        self.response = (
            ReceiverResponse(exchange.status, exchange.response_body) if exchange else None
        )
        shown = received if received is not None else (exchange.received() if exchange else "")
        lines = [f"{check}: {title}"]
        if self.endpoint:
            lines.append(f"Endpoint: {self.endpoint}")
        lines += [f"Expected: {expected}", f"Received: {shown}"]
        if note:
            lines.append(note)
        if exchange is not None:
            lines += [
                "Payload sent (exact JSON; shrunk by hypothesis when generated; "
                "the API key shows as «redacted»):",
                _pretty(exchange.request_body),
            ]
        if hint:
            lines.append(f"What to do: {hint}")
        super().__init__(
            "\n".join(lines[1:]),
            expected=expected,
            received=shown,
            callback=_parsed(self.payload),
            text="\n".join(lines),
        )

    def with_note(self, note: str) -> ReceiverCheckFailure:
        """A copy with an extra line of explanation (and without hypothesis' notes)."""
        return ReceiverCheckFailure(
            self.title,
            check=self.check,
            expected=str(self.expected),
            exchange=self.exchange,
            received=str(self.received),
            hint=self.hint,
            note="\n".join(n for n in (self.note, note) if n),
        )

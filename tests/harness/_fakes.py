"""Stand-ins the harness's collaborators are built with in their own tests (no Harness)."""

from __future__ import annotations

import json
from typing import Any

from eprom_verify.contract import CallbackKind, parse_form_order_callback
from eprom_verify.run.listener import ReceivedCallback

T0 = 1_800_000_000.0


def status_callback(ident: str, *, seq: int, at: float = T0 + 1, state: str = "Ordered"):
    """A status callback as the listener records it (parsed, our key, acknowledged)."""
    data = {
        "apiKey": "k",
        "formOrderId": ident,
        "notificationChannel": 1,
        "formOrderStatus": state,
        "formOrderStatusErrorCode": "None",
    }
    return ReceivedCallback(
        kind=CallbackKind.STATUS,
        path="/api/PromsFormOrder",
        at=at,
        headers={},
        body_text=json.dumps(data),
        data=data,
        model=parse_form_order_callback(data),
        key_ok=True,
        answered={"success": True},
        seq=seq,
    )


class Callbacks:
    """A CallbackSource over a fixed list: what came is what the test put there."""

    def __init__(self, *callbacks: ReceivedCallback) -> None:
        self.got = list(callbacks)
        self.waits: list[tuple[CallbackKind, str, float]] = []

    def received(
        self, kind: CallbackKind | None = None, ident: str | None = None
    ) -> list[ReceivedCallback]:
        return [
            c
            for c in self.got
            if (kind is None or c.kind == kind) and (ident is None or c.ident == ident)
        ]

    def wait_for(
        self,
        kind: CallbackKind,
        ident: str,
        *,
        timeout_s: float,
        count: int = 1,
        what: str | None = None,
        progress: Any = None,
    ) -> list[ReceivedCallback]:
        self.waits.append((kind, ident, timeout_s))
        return self.received(kind, ident)


class Recorder:
    """What the evidence trail hands the report's recorder, kept in lists."""

    def __init__(self) -> None:
        self.evidence: list[dict[str, Any]] = []
        self.timeline: list[tuple[str, str]] = []
        self.described: dict[str, dict[str, Any]] = {}
        self.attestations: list[Any] = []

    def add_evidence(self, kind: str, **fields: Any) -> str:
        eid = f"e{len(self.evidence) + 1}"
        self.evidence.append({"id": eid, "kind": kind, **fields})
        return eid

    def add_timeline_event(self, ident: str, what: Any, **_: Any) -> None:
        self.timeline.append((ident, getattr(what, "en", what)))

    def describe_order(self, ident: str, **facts: Any) -> None:
        self.described.setdefault(ident, {}).update(facts)

    def add_attestation(self, attestation: Any) -> None:
        self.attestations.append(attestation)


class Terminal:
    """A terminal with a person who answers ``replies`` in turn (then the input ends)."""

    def __init__(self, *replies: str, tty: bool = False) -> None:
        self.replies = list(replies)
        self.shown: list[str] = []
        self.tty = tty

    def write(self, text: str) -> int:
        self.shown.append(text)
        return len(text)

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return self.tty

    def readline(self) -> str:
        return self.replies.pop(0) + "\n" if self.replies else ""

    @property
    def text(self) -> str:
        return "".join(self.shown)

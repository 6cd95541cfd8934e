"""Per order, what its evidence shows: the callbacks counted by kind and the last status.

The report's order tables read these numbers, so a table and the evidence it links are the
same records: :meth:`Recorder.finish <eprom_verify.report.recorder.Recorder.finish>` sets
``OrderTimeline.callbacks`` and ``status`` from here (the evidence wins over what a check
or the ledger said), and a timeline is added for an order that has evidence but none.

A callback's kind is read from its body as ePROM sends it (contract §4): ``formData`` is
an answer, ``formOrderStatus`` without it a status callback, ``messageToCitizenId`` a
letter's status, ``nationalId`` with ``status`` a privacy-setting change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from eprom_verify.contract.enums import FormOrderStatus, SentStatus
from eprom_verify.report.model import Evidence

__all__ = ["CallbackKind", "OrderFacts", "callback_kind", "ident_of", "order_facts", "status_of"]

CallbackKind = Literal["status", "answer", "letter", "privacy"]


def _mapping(body: Any) -> Mapping[str, Any]:
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            return {}
    return body if isinstance(body, Mapping) else {}


def callback_kind(body: Any) -> CallbackKind | None:
    data = _mapping(body)
    if "formData" in data:
        return "answer"
    if "formOrderStatus" in data or "formOrderId" in data:
        return "status"
    if "messageToCitizenId" in data:
        return "letter"
    if "nationalId" in data and "status" in data:
        return "privacy"
    return None


def ident_of(body: Any, *, response: bool = False) -> str | None:
    """The order or letter a body is about: a callback's id, or ePROM's answer's ``id``."""
    data = _mapping(body)
    for key in ("formOrderId", "messageToCitizenId"):
        if isinstance(data.get(key), str) and data[key]:
            return str(data[key])
    if response and isinstance(data.get("id"), str) and data["id"]:
        return str(data["id"])
    return None


def _enum_name(enum: Any, value: Any) -> str | None:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        try:
            return str(enum(value).name)
        except ValueError:
            return str(value)
    return None


def status_of(body: Any) -> str | None:
    """The order or letter status a callback body reports (``Ordered``, ``Error``, ``Sent``)."""
    data = _mapping(body)
    if "formOrderStatus" in data:
        return _enum_name(FormOrderStatus, data["formOrderStatus"])
    if "sentStatus" in data:
        return _enum_name(SentStatus, data["sentStatus"])
    return None


@dataclass
class OrderFacts:
    order_id: str
    callbacks: dict[str, int] = field(default_factory=dict)
    status: str | None = None
    evidence_ids: list[str] = field(default_factory=list)
    patient_initiated: bool = False
    letter: bool = False


def order_facts(evidence: Iterable[Evidence]) -> dict[str, OrderFacts]:
    """Per order id: its callbacks by kind and the last status they reported, in time order.

    Only the callbacks ePROM sent count (evidence of kind ``callback``); a redelivery is a
    callback too. Records need their bodies (the files in ``evidence/``).
    """
    facts: dict[str, OrderFacts] = {}
    for e in sorted(evidence, key=lambda e: (e.at, e.id)):
        if e.kind != "callback":
            continue
        kind = callback_kind(e.body)
        if kind is None or kind == "privacy":
            continue
        order_id = ident_of(e.body) or e.order_id
        if not order_id:
            continue
        entry = facts.setdefault(order_id, OrderFacts(order_id))
        entry.callbacks[kind] = entry.callbacks.get(kind, 0) + 1
        entry.evidence_ids.append(e.id)
        entry.letter = entry.letter or kind == "letter"
        data = _mapping(e.body)
        entry.patient_initiated = entry.patient_initiated or data.get("isPatientInitiated") is True
        entry.status = status_of(e.body) or entry.status
    return facts

"""Faults on demand: what the simulator gets wrong on purpose, so a check can be seen to fail.

A fault is data (:class:`Fault`); a :class:`FaultBook` holds the active ones and hands them
out. Two families:

* **Callback faults** change one callback as it is put in the outbox: ``duplicate`` (deliver
  it twice), ``drop`` (never deliver it), ``delay`` (hold it ``seconds``), ``forge_key``
  (send a wrong API key), ``wrong_channel`` (report another channel than was decided),
  ``enum_names`` (write every enum as its name, the 2023 documented style),
  ``sdp_error`` (the order's status callback is ``Error`` / ``SikkerDigitalPostError``:
  the digital mailbox could not take it) and ``sent_status_error`` (the letter's callback
  says ``sentStatus: Error``). ``callback``
  picks which callbacks (``status``, ``answer``, ``letter``, ``privacy`` or ``any``),
  ``formOrderId`` one order or letter.
* **Request faults** make a request fail: ``helsenorge_502`` / ``helsenorge_504`` answer the
  next form order or letter (``callback: status`` narrows to form orders, ``letter`` to
  letters), ``pvk_502`` the next privacy-setting call.

``times`` is how often a fault fires (``null``: until cleared). Nothing here does I/O.
"""

from __future__ import annotations

import enum
import itertools
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from eprom_verify.contract import CallbackKind

__all__ = [
    "CALLBACK_FAULTS",
    "NARROWS",
    "REQUEST_FAULTS",
    "ActiveFault",
    "AppliedFaults",
    "Fault",
    "FaultBook",
    "FaultTarget",
    "FaultType",
    "RequestKind",
]


class FaultType(enum.StrEnum):
    DUPLICATE = "duplicate"
    DROP = "drop"
    DELAY = "delay"
    FORGE_KEY = "forge_key"
    WRONG_CHANNEL = "wrong_channel"
    ENUM_NAMES = "enum_names"
    SDP_ERROR = "sdp_error"
    SENT_STATUS_ERROR = "sent_status_error"
    HELSENORGE_502 = "helsenorge_502"
    HELSENORGE_504 = "helsenorge_504"
    PVK_502 = "pvk_502"


class FaultTarget(enum.StrEnum):
    """Which callbacks a fault hits: one :class:`~eprom_verify.contract.CallbackKind`, or
    ``any`` (every kind the fault applies to). The values are the kinds' own."""

    STATUS = CallbackKind.STATUS.value
    ANSWER = CallbackKind.ANSWER.value
    LETTER = CallbackKind.LETTER.value
    PRIVACY = CallbackKind.PRIVACY.value
    ANY = "any"

    @property
    def kind(self) -> CallbackKind | None:
        """The callback kind this target names; ``None`` for ``any``."""
        return None if self is FaultTarget.ANY else CallbackKind(self.value)


class RequestKind(enum.StrEnum):
    """The requests a request fault can fail."""

    FORM_ORDER = "form_order"
    LETTER = "letter"
    PRIVACY = "privacy"


_ALL = frozenset(CallbackKind)
_WITH_CHANNEL = frozenset({CallbackKind.STATUS, CallbackKind.ANSWER, CallbackKind.LETTER})

#: Callback fault → the callback kinds it can change.
CALLBACK_FAULTS: dict[FaultType, frozenset[CallbackKind]] = {
    FaultType.DUPLICATE: _ALL,
    FaultType.DROP: _ALL,
    FaultType.DELAY: _ALL,
    FaultType.FORGE_KEY: _ALL,
    FaultType.WRONG_CHANNEL: _WITH_CHANNEL,
    FaultType.ENUM_NAMES: _WITH_CHANNEL,
    FaultType.SDP_ERROR: frozenset({CallbackKind.STATUS}),
    FaultType.SENT_STATUS_ERROR: frozenset({CallbackKind.LETTER}),
}

#: Request fault → the requests it can fail.
REQUEST_FAULTS: dict[FaultType, frozenset[RequestKind]] = {
    FaultType.HELSENORGE_502: frozenset({RequestKind.FORM_ORDER, RequestKind.LETTER}),
    FaultType.HELSENORGE_504: frozenset({RequestKind.FORM_ORDER, RequestKind.LETTER}),
    FaultType.PVK_502: frozenset({RequestKind.PRIVACY}),
}

#: The requests a request fault narrowed to a callback target fails.
NARROWS = {
    FaultTarget.STATUS: RequestKind.FORM_ORDER,
    FaultTarget.ANSWER: RequestKind.FORM_ORDER,
    FaultTarget.LETTER: RequestKind.LETTER,
    FaultTarget.PRIVACY: RequestKind.PRIVACY,
}


class Fault(BaseModel):
    """One fault as configured (YAML ``faults:``) or posted to ``/_simulator/faults``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    type: FaultType
    callback: FaultTarget = FaultTarget.ANY
    times: int | None = Field(
        default=1, ge=1, description="how often it fires; null = until cleared"
    )
    seconds: float | None = Field(default=None, ge=0, description="delay only: how long to hold")
    form_order_id: str | None = Field(
        default=None, description="only the callbacks of this formOrderId / messageToCitizenId"
    )

    @model_validator(mode="after")
    def _consistent(self) -> Fault:
        if self.type is FaultType.DELAY and self.seconds is None:
            raise ValueError("a delay fault needs seconds: how long to hold the callback")
        if self.type is not FaultType.DELAY and self.seconds is not None:
            raise ValueError(f"seconds applies to delay faults only, not {self.type}")
        if self.type in REQUEST_FAULTS and self.form_order_id is not None:
            raise ValueError(
                f"formOrderId cannot narrow {self.type}: the request fails before an id exists"
            )
        kinds = CALLBACK_FAULTS.get(self.type)
        kind = self.callback.kind
        if kinds is not None and kind is not None and kind not in kinds:
            allowed = ", ".join(sorted(kinds))
            raise ValueError(
                f"{self.type} cannot change {self.callback} callbacks (only {allowed})"
            )
        targets = REQUEST_FAULTS.get(self.type)
        if targets is not None and self.callback is not FaultTarget.ANY:
            if NARROWS[self.callback] not in targets:
                raise ValueError(f"{self.type} does not apply to {self.callback} requests")
        return self


@dataclass(frozen=True)
class AppliedFaults:
    """What the faults do to one callback."""

    types: frozenset[FaultType] = frozenset()
    delay_seconds: float = 0.0

    def __contains__(self, fault_type: object) -> bool:
        return fault_type in self.types


@dataclass
class ActiveFault:
    """A fault in the book: its id, the fault, and how often it will still fire."""

    id: int
    fault: Fault
    remaining: int | None
    fired: int = 0


class FaultBook:
    """The active faults, in the order they were added. Not thread-safe (one event loop)."""

    def __init__(self, faults: list[Fault] | tuple[Fault, ...] = ()) -> None:
        self._ids = itertools.count(1)
        self._active: list[ActiveFault] = []
        for fault in faults:
            self.add(fault)

    def add(self, fault: Fault) -> ActiveFault:
        entry = ActiveFault(id=next(self._ids), fault=fault, remaining=fault.times)
        self._active.append(entry)
        return entry

    def active(self) -> list[ActiveFault]:
        return list(self._active)

    def clear(self) -> None:
        self._active.clear()

    def remove(self, fault_id: int) -> bool:
        before = len(self._active)
        self._active = [entry for entry in self._active if entry.id != fault_id]
        return len(self._active) != before

    def take_callback(self, kind: CallbackKind, subject_id: str) -> AppliedFaults:
        """The faults to apply to a new ``kind`` callback about ``subject_id``; uses them up.

        Each fault type fires at most once per callback (the earliest matching one).
        """
        if kind not in _ALL:
            raise ValueError(
                f"a callback has a concrete kind ({', '.join(sorted(_ALL))}), not {kind!r}"
            )
        fired: set[FaultType] = set()
        delay = 0.0
        for entry in list(self._active):
            fault = entry.fault
            if fault.type in fired or not _hits(fault, kind, subject_id):
                continue
            fired.add(fault.type)
            if fault.type is FaultType.DELAY:
                delay = fault.seconds or 0.0
            self._use(entry)
        return AppliedFaults(types=frozenset(fired), delay_seconds=delay)

    def take_request(self, request: RequestKind) -> FaultType | None:
        """The request fault to answer ``request`` with, if any; uses it up."""
        for entry in list(self._active):
            fault = entry.fault
            targets = REQUEST_FAULTS.get(fault.type)
            if targets is None or request not in targets:
                continue
            if fault.callback is not FaultTarget.ANY and NARROWS[fault.callback] is not request:
                continue
            self._use(entry)
            return fault.type
        return None

    def _use(self, entry: ActiveFault) -> None:
        entry.fired += 1
        if entry.remaining is not None:
            entry.remaining -= 1
            if entry.remaining <= 0:
                self._active.remove(entry)


def _hits(fault: Fault, kind: CallbackKind, subject_id: str) -> bool:
    kinds = CALLBACK_FAULTS.get(fault.type)
    if kinds is None or kind not in kinds:
        return False
    if fault.callback.kind not in (None, kind):
        return False
    return fault.form_order_id is None or fault.form_order_id.lower() == subject_id.lower()

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

Each callback fault has its effect here, in :data:`CALLBACK_EFFECTS` (a
:class:`CallbackEffect`: the kinds it can change, how it changes the built callback model,
the body's enum style, the outbox entry), applied in one place: the engine's ``enqueue``
(via :class:`AppliedFaults`). Adding a callback fault is its :class:`FaultType` member, its
entry in :data:`CALLBACK_EFFECTS`, its fault test and its line in docs/simulator.md; the
control API's schema (``openapi.py``) and :data:`CALLBACK_FAULTS` are derived from the table.
The one effect applied elsewhere is ``forge_key``'s: the key is added when the callback is
delivered (the outbox sends a forged key for an entry whose faults name it).
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from eprom_verify.contract import (
    CallbackKind,
    EpromModel,
    FormOrderStatus,
    FormOrderStatusCallback,
    FormOrderStatusErrorCode,
    MessageToCitizenCallback,
    NotificationChannel,
    SentStatus,
    WireForm,
    refusals,
)

__all__ = [
    "CALLBACK_EFFECTS",
    "CALLBACK_FAULTS",
    "CallbackEffect",
    "NARROWS",
    "REQUEST_EFFECTS",
    "REQUEST_FAULTS",
    "ActiveFault",
    "AppliedFaults",
    "Fault",
    "FaultBook",
    "FaultTarget",
    "FaultType",
    "RequestEffect",
    "RequestKind",
    "other_channel",
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


def other_channel(channel: NotificationChannel) -> NotificationChannel:
    """A channel other than ``channel`` (what a ``wrong_channel`` fault reports)."""
    cycle = [
        NotificationChannel.Helsenorge,
        NotificationChannel.DigitalMailbox,
        NotificationChannel.Unsecure,
        NotificationChannel.PhysicalMailbox,
    ]
    if channel not in cycle:
        return NotificationChannel.Helsenorge
    return cycle[(cycle.index(channel) + 1) % len(cycle)]


def _wrong_channel(model: EpromModel) -> EpromModel:
    channel = getattr(model, "notification_channel", None)
    if channel is None:
        return model
    return model.model_copy(update={"notification_channel": other_channel(channel)})


def _sdp_error(model: EpromModel) -> EpromModel:
    """The digital mailbox (SDP) refused it: ``Error`` / ``SikkerDigitalPostError``, no
    timestamps (as ePROM's other error status)."""
    if not isinstance(model, FormOrderStatusCallback):
        return model
    return FormOrderStatusCallback(
        form_order_id=model.form_order_id,
        notification_channel=model.notification_channel,
        form_order_status=FormOrderStatus.Error,
        form_order_status_error_code=FormOrderStatusErrorCode.SikkerDigitalPostError,
    )


def _sent_status_error(model: EpromModel) -> EpromModel:
    if not isinstance(model, MessageToCitizenCallback):
        return model
    return model.model_copy(update={"sent_status": SentStatus.Error})


@dataclass(frozen=True)
class CallbackEffect:
    """What one callback fault does to a callback it hits (applied by the engine's
    ``enqueue``, in :class:`FaultType` order when several fire on one callback)."""

    #: the callback kinds it can change
    kinds: frozenset[CallbackKind]
    #: how it changes the callback model the desk built (None: it does not)
    change: Callable[[EpromModel], EpromModel] | None = None
    #: the body's enum style (None: ePROM's numbers)
    enum_form: WireForm | None = None
    #: the outbox entry is never delivered
    drop: bool = False
    #: how many copies of the entry are delivered
    copies: int = 1
    #: held ``seconds`` (the fault's) before it is due
    delays: bool = False
    #: delivered with a forged API key (applied at delivery, by the outbox)
    forges_key: bool = False


#: Callback fault → its effect: the one home of what a callback fault does.
CALLBACK_EFFECTS: dict[FaultType, CallbackEffect] = {
    FaultType.DUPLICATE: CallbackEffect(_ALL, copies=2),
    FaultType.DROP: CallbackEffect(_ALL, drop=True),
    FaultType.DELAY: CallbackEffect(_ALL, delays=True),
    FaultType.FORGE_KEY: CallbackEffect(_ALL, forges_key=True),
    FaultType.WRONG_CHANNEL: CallbackEffect(_WITH_CHANNEL, change=_wrong_channel),
    FaultType.ENUM_NAMES: CallbackEffect(_WITH_CHANNEL, enum_form=WireForm.NAME),
    FaultType.SDP_ERROR: CallbackEffect(frozenset({CallbackKind.STATUS}), change=_sdp_error),
    FaultType.SENT_STATUS_ERROR: CallbackEffect(
        frozenset({CallbackKind.LETTER}), change=_sent_status_error
    ),
}

#: Callback fault → the callback kinds it can change (from :data:`CALLBACK_EFFECTS`).
CALLBACK_FAULTS: dict[FaultType, frozenset[CallbackKind]] = {
    fault: effect.kinds for fault, effect in CALLBACK_EFFECTS.items()
}


@dataclass(frozen=True)
class RequestEffect:
    """What one request fault does: the requests it fails and ePROM's answer."""

    #: the requests it can fail
    requests: frozenset[RequestKind]
    status: int
    #: ePROM's documented text; None: the desk answers with its component's error body (the
    #: privacy component's JSON, ``privacy.PVK_UNAVAILABLE``)
    text: str | None = None


_ORDER_OR_LETTER = frozenset({RequestKind.FORM_ORDER, RequestKind.LETTER})

#: Request fault → its effect: the one home of what a request fault does.
REQUEST_EFFECTS: dict[FaultType, RequestEffect] = {
    FaultType.HELSENORGE_502: RequestEffect(_ORDER_OR_LETTER, 502, refusals.HELSENORGE_UNREACHABLE),
    FaultType.HELSENORGE_504: RequestEffect(_ORDER_OR_LETTER, 504, refusals.HELSENORGE_TIMEOUT),
    FaultType.PVK_502: RequestEffect(frozenset({RequestKind.PRIVACY}), 502),
}

#: Request fault → the requests it can fail (from :data:`REQUEST_EFFECTS`).
REQUEST_FAULTS: dict[FaultType, frozenset[RequestKind]] = {
    fault: effect.requests for fault, effect in REQUEST_EFFECTS.items()
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
    """What the faults do to one callback: their effects, together."""

    types: frozenset[FaultType] = frozenset()
    delay_seconds: float = 0.0

    def __contains__(self, fault_type: object) -> bool:
        return fault_type in self.types

    def _effects(self) -> list[CallbackEffect]:
        return [CALLBACK_EFFECTS[t] for t in FaultType if t in self.types]

    def changed(self, model: EpromModel) -> EpromModel:
        """The callback ``model`` with every fault's change, in :class:`FaultType` order."""
        for effect in self._effects():
            if effect.change is not None:
                model = effect.change(model)
        return model

    @property
    def enum_form(self) -> WireForm | None:
        """The body's enum style (None: ePROM's numbers)."""
        return next((e.enum_form for e in self._effects() if e.enum_form is not None), None)

    @property
    def dropped(self) -> bool:
        return any(e.drop for e in self._effects())

    @property
    def copies(self) -> int:
        return max((e.copies for e in self._effects()), default=1)


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
            if CALLBACK_EFFECTS[fault.type].delays:
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

"""The code lists of the ePROM contract (contract §5).

Every list is an :class:`enum.IntEnum` whose members carry the documented number.
Reading is lenient the way ePROM documents it ("Tallverdien kan sendes"): a value may
arrive as its name (any case), as its number, or as the number written as a string.
Anything else is refused with a message that lists every allowed value.

How a value is *written* depends on the field, not on the enum: the order-status
callback sends ``notificationChannel`` as a number but ``formOrderStatus`` as a name.
That choice is made per field in :mod:`eprom_verify.contract.models` with
:class:`WireForm`.
"""

from __future__ import annotations

import enum
from typing import Any, Self

__all__ = [
    "CallbackKind",
    "DistributionRule",
    "EventType",
    "FilledOutByActType",
    "FormOrderStatus",
    "FormOrderStatusErrorCode",
    "InstansEndret",
    "NotificationChannel",
    "PersonvernStatus",
    "PersonvernType",
    "SentStatus",
    "VolvenStatus",
    "WireEnum",
    "WireForm",
]


class CallbackKind(enum.StrEnum):
    """The four callbacks ePROM sends an ordering system (contract §4).

    ``status`` and ``answer`` share the path ``/api/PromsFormOrder``; a receiver tells
    them apart by the fields present. The one vocabulary for every part of the tool
    (listener, ledger, simulator faults, receiver strategies).
    """

    STATUS = "status"
    ANSWER = "answer"
    LETTER = "letter"
    PRIVACY = "privacy"

    @property
    def path(self) -> str:
        """The path under the ordering system's ``ApiBaseUrl``."""
        return _CALLBACK_PATHS[self]


_CALLBACK_PATHS = {
    CallbackKind.STATUS: "/api/PromsFormOrder",
    CallbackKind.ANSWER: "/api/PromsFormOrder",
    CallbackKind.LETTER: "/api/MessageToCitizen",
    CallbackKind.PRIVACY: "/api/PersonvernInnstilling",
}


class WireForm(enum.Enum):
    """How an enum field is written on the wire."""

    NAME = "name"
    NUMBER = "number"


class WireEnum(enum.IntEnum):
    """An ePROM code list: reads a name or a number, refuses anything else clearly."""

    @classmethod
    def parse(cls, value: Any) -> Self:
        """Read ``value`` as a member, by number, numeric string or name (any case)."""
        if isinstance(value, cls):
            return value
        if isinstance(value, bool):
            raise ValueError(cls._refusal(value))
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                raise ValueError(cls._refusal(value)) from None
        if isinstance(value, str):
            text = value.strip()
            if text.lstrip("-").isdigit():
                return cls.parse(int(text))
            for member in cls:
                if member.wire_name.lower() == text.lower():
                    return member
        raise ValueError(cls._refusal(value))

    @property
    def wire_name(self) -> str:
        """The documented name (``None_`` is written ``None``: Python reserves the word)."""
        return self.name.rstrip("_")

    @classmethod
    def allowed(cls) -> str:
        """The allowed values as a person reads them: ``0 = Basic, 1 = AllowUnsecure, …``."""
        return ", ".join(f"{m.value} = {m.wire_name}" for m in cls)

    @classmethod
    def _refusal(cls, value: Any) -> str:
        return f"{value!r} is not a {cls.__name__}; allowed (name or number): {cls.allowed()}"

    def wire(self, form: WireForm) -> int | str:
        """The member as written on the wire in ``form``."""
        return self.wire_name if form is WireForm.NAME else int(self.value)


class DistributionRule(WireEnum):
    Basic = 0
    AllowUnsecure = 1
    NoDistribution = 2
    BasicOrPaper = 3
    AllowUnsecureOrPaper = 4
    PaperOnly = 5
    HelsenorgeOnly = 6
    DigitalMailboxOnly = 7
    UnsecureOnly = 8


class NotificationChannel(WireEnum):
    None_ = 0  # written "None"
    Helsenorge = 1
    DigitalMailbox = 2
    Unsecure = 3
    PhysicalMailbox = 4


class FormOrderStatus(WireEnum):
    Completed = 0
    Expired = 1
    Ordered = 2
    Error = 3
    PhysicalMailReturned = 4
    DigipostDelivered = 5


class FormOrderStatusErrorCode(WireEnum):
    None_ = 0
    PatientUnreachable = 1
    SikkerDigitalPostError = 2


class SentStatus(WireEnum):
    Sent = 0
    Error = 1


class PersonvernType(WireEnum):
    Reservasjon = 0
    Samtykke = 1


class PersonvernStatus(WireEnum):
    IkkeAktiv = 0
    Aktiv = 1


class InstansEndret(WireEnum):
    IkkeEndret = 0
    Endret = 1


class EventType(WireEnum):
    """Events of ``formOrderEventLog``; the docs list names only, numbered here in that order."""

    FormOpened = 0
    QuestionAccessed = 1
    SigningStarted = 2
    SigningCancelled = 3
    SigningError = 4
    SigningCompleted = 5
    FormDelivered = 6


class FilledOutByActType(WireEnum):
    """``filledOutBy.filledOutByActType``; the docs list names only, numbered in that order."""

    Ukjent = 0
    SegSelv = 1
    Foreldrerepresentasjon = 2
    Fullmakt = 3


class VolvenStatus(enum.StrEnum):
    """Privacy-setting status in the change callback: a Volven 7609 code, not 0/1."""

    RES = "RES"
    IRES = "IRES"
    SAM = "SAM"
    ISAM = "ISAM"

    @classmethod
    def parse(cls, value: Any) -> VolvenStatus:
        if isinstance(value, str):
            for member in cls:
                if member.value == value.strip().upper():
                    return member
        allowed = ", ".join(m.value for m in cls)
        raise ValueError(f"{value!r} is not a Volven 7609 status; allowed: {allowed}")

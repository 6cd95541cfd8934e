"""Callback facts, said once: where each callback goes, what counts as its acknowledgement,
and what each one is called in the report's two languages.

The simulator's outbox, the run's listener and ledger, observe's judge and the receiver
checks all read these; none of them spells a callback path, decides "is this answer an
acknowledgement" or names a callback on its own. Plain Python (the contract's enums and
our wording only): observe and the receiver import it without loading the run side,
pytest or FastAPI.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eprom_verify.wording import Noun, Text

from .enums import CallbackKind, FormOrderStatus, NotificationChannel, WireEnum

__all__ = [
    "ACKNOWLEDGEMENT",
    "ANY_CALLBACK",
    "CALLBACK_NAMES",
    "CALLBACK_PATHS",
    "ENDPOINTS",
    "ENDPOINT_NAMES",
    "KIND_WORDS",
    "UNREADABLE",
    "acknowledgement_problem",
    "callback_name",
    "channel_and_status_differ",
    "endpoint_of",
    "is_acknowledgement",
    "kind_of",
    "wire_name",
]

#: Where each kind of callback goes, below the ordering system's ``ApiBaseUrl`` (contract §4;
#: ``status`` and ``answer`` share a path and are told apart by their fields).
CALLBACK_PATHS: dict[CallbackKind, str] = {kind: kind.path for kind in CallbackKind}

#: The callback endpoints by their last path segment, lower case: what arrives there.
ENDPOINTS: dict[str, str] = {
    "promsformorder": "form_order",
    "messagetocitizen": "letter",
    "personverninnstilling": "privacy",
}
#: The endpoint names as ePROM writes them (``PromsFormOrder`` …), in path order.
ENDPOINT_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(path.rsplit("/", 1)[-1] for path in CALLBACK_PATHS.values())
)

#: A form-order callback with one of these statuses and no ``formData`` is a status callback.
_STATUS_STATUSES = ("Ordered", "Error", None)


def endpoint_of(path: str) -> str | None:
    """``form_order``, ``letter`` or ``privacy`` for a callback path (any prefix, any case,
    a query or a trailing slash allowed); None for any other path."""
    head, _, name = path.split("?", 1)[0].rstrip("/").lower().rpartition("/")
    return ENDPOINTS.get(name) if head.endswith("/api") else None


def kind_of(path: str, body: Any) -> CallbackKind | None:
    """The kind of a callback from its path and its body as JSON data (None: not a callback,
    or a form-order body that is not a JSON object)."""
    endpoint = endpoint_of(path)
    if endpoint == "letter":
        return CallbackKind.LETTER
    if endpoint == "privacy":
        return CallbackKind.PRIVACY
    if endpoint != "form_order" or not isinstance(body, dict):
        return None
    if "formData" in body:
        return CallbackKind.ANSWER
    status = wire_name(FormOrderStatus, body.get("formOrderStatus"))
    return CallbackKind.STATUS if status in _STATUS_STATUSES else CallbackKind.ANSWER


def wire_name(enum: type[WireEnum], value: Any) -> str | None:
    """An enum value as its documented name, sent as a name or a number (``2`` and
    ``"DigitalMailbox"`` alike); a value the enum does not know, as it was written."""
    if value is None:
        return None
    try:
        return str(enum.parse(value).wire_name)
    except ValueError:
        return str(value)


def channel_and_status_differ(
    body: Any, *, channel: str | None, status: str | None = None
) -> tuple[dict[str, str | None], dict[str, str | None]] | None:
    """V1.3, the one implementation (the run's ledger and observe's judge both call it):
    what a status callback's JSON reports against what the test person's profile predicts —
    ``notificationChannel``, and ``formOrderStatus`` when a status is predicted. ``None``
    when they agree, else (expected, received), by documented names."""
    data = body if isinstance(body, Mapping) else {}
    expected: dict[str, str | None] = {"notificationChannel": channel}
    received: dict[str, str | None] = {
        "notificationChannel": wire_name(NotificationChannel, data.get("notificationChannel"))
    }
    if status is not None:
        expected["formOrderStatus"] = status
        received["formOrderStatus"] = wire_name(FormOrderStatus, data.get("formOrderStatus"))
    return None if expected == received else (expected, received)


#: What an acknowledgement is, as a person reads it (the rule below, in words).
ACKNOWLEDGEMENT = Text(
    en='2xx with {"success": true} (or "Success")',
    nb='2xx med {"success": true} (eller "Success")',
)


def acknowledgement_problem(status: int, body: str | bytes | Mapping[str, Any]) -> Text | None:
    """Why a receiver's answer is not an acknowledgement; ``None`` when it is one.

    An acknowledgement is a 2xx answer whose JSON body is an object saying ``success: true``
    (``Success`` is accepted too — ASP.NET binds property names case-insensitively). In both
    languages (the bokmål in the passive: *ble besvart med …*).
    """
    wanted = '(expected {"success": true})'
    forventet = '(forventet {"success": true})'
    if not 200 <= status < 300:
        return Text(
            en=f"answered HTTP {status}, not 2xx", nb=f"ble besvart med HTTP {status}, ikke 2xx"
        )
    data: Any = body
    if isinstance(body, bytes | str):
        try:
            data = json.loads(body)
        except ValueError:
            return Text(
                en=f"answered a body that is not JSON {wanted}",
                nb=f"ble besvart med innhold som ikke er JSON {forventet}",
            )
    if not isinstance(data, Mapping):
        return Text(
            en=f"answered JSON that is not an object {wanted}",
            nb=f"ble besvart med JSON som ikke er et objekt {forventet}",
        )
    success = data.get("success", data.get("Success"))
    if success is True:
        return None
    if success is None:
        return Text(
            en=f"answered JSON without 'success' {wanted}",
            nb=f"ble besvart med JSON uten 'success' {forventet}",
        )
    shown = json.dumps(success)
    return Text(
        en=f"answered success: {shown}, not true", nb=f"ble besvart med success: {shown}, ikke true"
    )


def is_acknowledgement(status: int | None, body: str | bytes | Mapping[str, Any]) -> bool:
    """Whether an answer acknowledges the callback (no answer at all is none)."""
    return status is not None and acknowledgement_problem(status, body) is None


#: what each callback kind is called, in both report languages
CALLBACK_NAMES: dict[CallbackKind, Noun] = {
    CallbackKind.STATUS: Noun(
        Text(en="status callback", nb="statusmelding"),
        Text(en="status callbacks", nb="statusmeldinger"),
        Text(en="the status callback", nb="statusmeldingen"),
    ),
    CallbackKind.ANSWER: Noun(
        Text(en="answer callback", nb="svarmelding"),
        Text(en="answer callbacks", nb="svarmeldinger"),
        Text(en="the answer callback", nb="svarmeldingen"),
    ),
    CallbackKind.LETTER: Noun(
        Text(en="letter status callback", nb="brevstatusmelding"),
        Text(en="letter status callbacks", nb="brevstatusmeldinger"),
        Text(en="the letter status callback", nb="brevstatusmeldingen"),
    ),
    CallbackKind.PRIVACY: Noun(
        Text(en="privacy-setting callback", nb="melding om personverninnstilling"),
        Text(en="privacy-setting callbacks", nb="meldinger om personverninnstilling"),
        Text(en="the privacy-setting callback", nb="meldingen om personverninnstilling"),
    ),
}
#: a callback the listener could not read (no kind)
UNREADABLE = Noun(
    Text(en="unreadable callback", nb="uleselig tilbakekall"),
    Text(en="unreadable callbacks", nb="uleselige tilbakekall"),
    Text(en="the unreadable callback", nb="det uleselige tilbakekallet"),
)
#: any callback, its kind not known (observe names one it cannot tell apart by this)
ANY_CALLBACK = Noun(
    Text(en="callback", nb="tilbakekall"),
    Text(en="callbacks", nb="tilbakekall"),
    Text(en="the callback", nb="tilbakekallet"),
)
#: a callback kind's short word in a label (``callback #7 (status, …)``)
KIND_WORDS: dict[CallbackKind, Text] = {
    CallbackKind.STATUS: Text(en="status", nb="status"),
    CallbackKind.ANSWER: Text(en="answer", nb="svar"),
    CallbackKind.LETTER: Text(en="letter", nb="brev"),
    CallbackKind.PRIVACY: Text(en="privacy", nb="personvern"),
}


def callback_name(kind: CallbackKind | None) -> Noun:
    """What a callback of ``kind`` is called (an unreadable one when ``kind`` is None)."""
    return CALLBACK_NAMES[kind] if kind is not None else UNREADABLE

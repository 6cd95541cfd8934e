"""Fixed corner cases, run after the generated examples of each check.

Random generation finds most faults, but how often it meets a given corner in a few dozen
examples depends on the seed. These variants of the documented examples make the checks
deterministic for the faults seen most in practice: enum values only as names or only as
numbers, ``formData`` with æøå, unknown extra fields, optional fields null or absent.
"""

from __future__ import annotations

import json
from typing import Any

from eprom_verify.contract import NIL_GUID, CallbackKind, WireForm
from eprom_verify.receiver.documented import documented_callbacks
from eprom_verify.strategies import GeneratedCallback
from eprom_verify.wording import Text

__all__ = ["MALFORMED_CORNERS", "corner_callbacks"]

_NAMES = {
    "notificationChannel": {0: "None", 1: "Helsenorge"},
    "sentStatus": {0: "Sent", 1: "Error"},
}
_NUMBERS = {
    "formOrderStatus": {"Ordered": 2, "Error": 3, "Completed": 0},
    "formOrderStatusErrorCode": {"None": 0, "PatientUnreachable": 1},
    "notificationChannel": {"Helsenorge": 1, "None": 0},
    "sentStatus": {"Sent": 0, "Error": 1},
}
_FORM_DATA = {
    "Fritekst": "Blåbærsyltetøy på Ærø – «sitat» og ‘apostrof’",
    "SmerteNå": 7,
    "Røyker": False,
    "Kommentar": None,
    "Lang": "Øvre del av ryggen gjør vondt. " * 70,
}
_EXTRA = {"correlationId": "c0ffee00-0000-4000-8000-000000000000", "newSection": {"æ": [1, None]}}

#: Bodies no receiver can process, for every endpoint (R4).
MALFORMED_CORNERS: tuple[tuple[bytes, Text], ...] = (
    (b"", Text(en="an empty body", nb="tomt innhold")),
    (b"{", Text(en="JSON cut off", nb="avkuttet JSON")),
    (b"[]", Text(en="a JSON array", nb="en JSON-array")),
    (b"null", Text.same("JSON null")),
    (b'"text"', Text(en="a JSON string", nb="en JSON-streng")),
)


def _rewrite(body: dict[str, Any], table: dict[str, dict[Any, Any]]) -> dict[str, Any]:
    return {
        k: table.get(k, {}).get(v, v) if isinstance(v, str | int) else v for k, v in body.items()
    }


def _variants(
    kind: CallbackKind, body: dict[str, Any]
) -> list[tuple[dict[str, Any], WireForm | None, tuple[str, ...]]]:
    out: list[tuple[dict[str, Any], WireForm | None, tuple[str, ...]]] = []
    if kind is not CallbackKind.PRIVACY:
        channel = {"notificationChannel": body.get("notificationChannel", 1)}
        out.append((_rewrite({**body, **channel}, _NAMES), WireForm.NAME, ()))
        out.append((_rewrite({**body, **channel}, _NUMBERS), WireForm.NUMBER, ()))
    out.append(({**body, **_EXTRA}, None, tuple(_EXTRA)))
    if kind is CallbackKind.ANSWER:
        text = json.dumps(_FORM_DATA, ensure_ascii=False)
        out.append(({**body, "formData": text}, None, ()))
        nulls = {k: None for k in ("signedFormId", "timestamp", "formDataWarnings", "filledOutBy")}
        out.append(({**body, **nulls, "scannedPaperId": NIL_GUID, "formData": None}, None, ()))
    if kind is CallbackKind.PRIVACY:
        out.append(({**body, "name": None, "status": "ISAM"}, None, ()))
    if kind is CallbackKind.STATUS:
        out.append(({k: v for k, v in body.items() if not k.startswith("timestamp")}, None, ()))
    return out


def corner_callbacks(kind: CallbackKind) -> list[GeneratedCallback]:
    """Variants of the documented ``kind`` examples (``apiKey`` left for the sender to fill)."""
    found = []
    for example in documented_callbacks():
        if example.kind is not kind:
            continue
        for body, form, extras in _variants(kind, example.body):
            found.append(GeneratedCallback(kind, body, form, extras))
    return found

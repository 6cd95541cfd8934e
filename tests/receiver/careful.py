"""A careful receiver: it reads each timestamp only in the form the docs show for that field.

A correct receiver may be this strict (the docs show one form per field, contract §4.5), so
the receiver checks must never send it anything else. The forms are written out here from
the reference pages, independently of the code under test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from eprom_verify.contract import FormAnswerCallback, parse_form_order_callback
from examples.reference_receiver.app import CallbackReceiver, Endpoint, Refused

__all__ = ["DOCUMENTED_FORMS", "CarefulReceiver", "timestamps_at"]

_DATE = r"\d{4}-\d\d-\d\d"
#: callback kind → field path → the one documented form (a dot steps into an object or list).
DOCUMENTED_FORMS: dict[str, dict[str, str]] = {
    "status": {  # BestillingAvSkjemaV2.md: 2023-03-29T10:20:10.1804332, …08:20:10.1804332Z
        "timestamp": _DATE + r"T\d\d:\d\d:\d\d\.\d{7}",
        "timestampUtc": _DATE + r"T\d\d:\d\d:\d\d\.\d{7}Z",
    },
    "answer": {  # ReturAvUtfyltSkjema.md, PasientinitiertBestillingAvSkjema.md
        "timestamp": _DATE + r"T\d\d:\d\d:\d\d[+-]\d\d:\d\d",
        "formOrderEventLog.timestampUtc": _DATE + r" \d\d:\d\d:\d\d\.\d{3}",
        "patientInitiatedValues.orderTimestamp": _DATE + r"T\d\d:\d\d:\d\d\.\d{3}",
        "patientInitiatedValues.orderTimestampUTC": _DATE + r"T\d\d:\d\d:\d\d\.\d{3}Z",
    },
}


def timestamps_at(data: Any, path: str) -> Iterator[Any]:
    """Every value at ``path`` (``a.b``: field b of object a, or of each item of list a)."""
    head, _, rest = path.partition(".")
    if isinstance(data, list):
        for item in data:
            yield from timestamps_at(item, path)
        return
    if not isinstance(data, dict) or head not in data:
        return
    if rest:
        yield from timestamps_at(data[head], rest)
    else:
        yield data[head]


class CarefulReceiver(CallbackReceiver):
    """The reference receiver, refusing (400) a timestamp in a form its field was never shown in."""

    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        subject = super().parse(endpoint, data)
        if endpoint is Endpoint.FORM_ORDER:
            answer = isinstance(parse_form_order_callback(data), FormAnswerCallback)
            for path, form in DOCUMENTED_FORMS["answer" if answer else "status"].items():
                for value in timestamps_at(data, path):
                    if value is not None and not (
                        isinstance(value, str) and re.fullmatch(form, value)
                    ):
                        raise Refused(400, f"{path}: {value!r} is not in the documented form")
        return subject

"""The simulated patient: answers a form, opens it, signs it, and leaves an event log.

Everything here is deterministic for a given seed (the order id), so a test that completes an
order twice in two runs sees the same answers.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Mapping
from typing import Any

from eprom_verify.config import Form, FormField
from eprom_verify.contract import EventType, FormOrderEvent, TimestampStyle, format_timestamp

__all__ = [
    "TEXT_ANSWERS",
    "event_log",
    "generate_answers",
    "on_behalf_info_text",
    "signed_pdf",
]

#: Free-text answers the patient writes (with æ, ø and å, on purpose).
TEXT_ANSWERS = (
    "Jeg har hatt det bra de siste ukene, men søvnen er fortsatt dårlig.",
    "Kjempefornøyd med oppfølgingen på sjukehuset i Ålesund – takk!",
    "Vondt i kneet når jeg går i trapper; bedre etter fysioterapi på Østsiden.",
    "Ærlig talt: ventetiden var lang, men legen var grundig og hyggelig.",
)


def generate_answers(form: Form, *, seed: str) -> dict[str, Any]:
    """One valid answer per field of ``form``."""
    rng = random.Random(seed)
    return {field.name: _answer(field, rng) for field in form.fields}


def _answer(field: FormField, rng: random.Random) -> Any:
    if field.type == "choice":
        return rng.choice(field.options or [1])
    if field.type == "integer":
        low = field.minimum if field.minimum is not None else 0
        high = field.maximum if field.maximum is not None else max(low, 100)
        return rng.randint(low, high)
    if field.type == "boolean":
        return rng.random() < 0.5
    if field.type == "date":
        return (dt.date(2026, 1, 1) - dt.timedelta(days=rng.randint(0, 3650))).isoformat()
    text = rng.choice(TEXT_ANSWERS)
    return text[: field.max_length] if field.max_length else text


def event_log(
    field_names: list[str], *, signed: bool, opened: dt.datetime, delivered: dt.datetime
) -> list[dict[str, Any]]:
    """FormOpened, QuestionAccessed per field, Signing* when signed, FormDelivered (UTC).

    The events lie between ``opened`` (not before the order existed) and ``delivered``
    (the answer's ``timestamp``), in order, at most 7 s apart, on whole milliseconds (the
    precision they are written in) so that none is written before ``opened``.
    """
    kinds = [EventType.FormOpened, *[EventType.QuestionAccessed] * len(field_names)]
    if signed:
        kinds += [EventType.SigningStarted, EventType.SigningCompleted]
    kinds.append(EventType.FormDelivered)
    questions = [None, *field_names, *[None] * (len(kinds) - len(field_names) - 1)]
    first = math.ceil(opened.timestamp() * 1000)
    last = max(first, math.floor(delivered.timestamp() * 1000))
    gap = min(7000, (last - first) // (len(kinds) - 1))
    moments = [
        dt.datetime.fromtimestamp((last - gap * (len(kinds) - 1 - n)) / 1000, dt.UTC)
        for n in range(len(kinds))
    ]
    events = [_event(k, m, q) for k, m, q in zip(kinds, moments, questions, strict=True)]
    return [event.to_wire() for event in events]


def _event(kind: EventType, moment: dt.datetime, question: str | None = None) -> FormOrderEvent:
    stamp = format_timestamp(
        moment.astimezone(dt.UTC).replace(tzinfo=None), TimestampStyle.SPACE_MS
    )
    if question is None:
        return FormOrderEvent(event_type=kind, timestamp_utc=stamp)
    return FormOrderEvent(event_type=kind, question_id=question, timestamp_utc=stamp)


def on_behalf_info_text(name: str) -> str:
    """ePROM's default "on behalf of" text: it names the person the form is about."""
    return f"Dette skjemaet fylles ut på vegne av {name}."


def signed_pdf(
    *,
    form_name: str,
    order_id: str,
    answers: Mapping[str, Any],
    signer: str,
    signed_at: dt.datetime,
) -> bytes:
    """A one-page PDF of the answered form with a (simulated) signature line."""
    lines = [
        f"{form_name}",
        f"Skjemabestilling {order_id}",
        "",
        *(f"{name}: {value}" for name, value in answers.items()),
        "",
        f"Signert elektronisk av {signer} {signed_at.isoformat(timespec='seconds')}",
        "(simulert signatur fra eprom-verify, ikke en ekte BankID-signatur)",
    ]
    return _pdf(lines)


def _pdf_text(text: str) -> str:
    raw = text.encode("cp1252", errors="replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _pdf(lines: list[str]) -> bytes:
    body = ["BT /F1 11 Tf 56 790 Td 14 TL"]
    body += [f"({_pdf_text(line[:95])}) '" for line in lines[:52]]
    body.append("ET")
    stream = "\n".join(body).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe6\xf8\xe5\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)

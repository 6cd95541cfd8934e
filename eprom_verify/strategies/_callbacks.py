"""Callbacks (ePROM → ordering system): status, answer, letter and privacy, as ePROM PUTs them.

Each comes out as a :class:`GeneratedCallback`. Enum fields are written as names, numbers or
as the docs write each field; timestamps only in the forms the docs show for that field
(:mod:`._timestamp_forms`).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from eprom_verify.config import FormField
from eprom_verify.contract import (
    ANSWER_STATUSES,
    NIL_GUID,
    CallbackKind,
    EventType,
    FilledOutByActType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    VolvenStatus,
    WireEnum,
    WireForm,
)
from eprom_verify.strategies._form_data import form_data
from eprom_verify.strategies._primitives import (
    ABSENT,
    field_names,
    guids,
    json_values,
    national_ids,
    non_nil_guids,
    norwegian_texts,
    optional,
)
from eprom_verify.strategies._timestamp_forms import documented_timestamps

__all__ = [
    "GeneratedCallback",
    "answer_callbacks",
    "callback_payloads",
    "key_in_body",
    "letter_callbacks",
    "personvern_callbacks",
    "status_callbacks",
]


def key_in_body(kind: CallbackKind) -> bool:
    """Form order and letter callbacks carry ``apiKey`` in the body; privacy in a header (§2)."""
    return kind is not CallbackKind.PRIVACY


_EXTRA_FIELD_NAMES = (
    "correlationId",
    "ePromVersion",
    "formVersion",
    "tenantId",
    "orderedByHpr",
    "XNewField",
)


@dataclass(frozen=True)
class GeneratedCallback:
    """One callback as ePROM would PUT it.

    ``enum_form`` is the form every enum value was written in, or ``None`` when each field
    is written as the docs show it (numbers for channels, names for statuses). Event types
    and ``filledOutByActType`` are always names: the docs give them no numbers.
    ``extra_fields`` names the unknown fields added (ePROM adds fields over time).
    """

    kind: CallbackKind
    body: dict[str, Any]
    enum_form: WireForm | None
    extra_fields: tuple[str, ...] = field(default=())


_ENUM_FORMS: tuple[WireForm | None, ...] = (None, WireForm.NAME, WireForm.NUMBER)
#: Fields the docs write as numbers; every other enum field is written as a name.
_DOCUMENTED_AS_NUMBERS = frozenset({"notificationChannel", "sentStatus"})
#: Fields whose code lists the docs give as names only (no numbers): always written as names.
_NAMES_ONLY = frozenset({"eventType", "filledOutByActType"})


def _render(value: Any, form: WireForm | None, key: str = "") -> Any:
    """Write every enum member in ``value`` in ``form`` (None: as the docs write that field)."""
    if isinstance(value, WireEnum):
        if key in _NAMES_ONLY:
            return value.wire(WireForm.NAME)
        documented = WireForm.NUMBER if key in _DOCUMENTED_AS_NUMBERS else WireForm.NAME
        return value.wire(form or documented)
    if isinstance(value, dict):
        return {k: _render(v, form, k) for k, v in value.items() if v is not ABSENT}
    if isinstance(value, list):
        return [_render(v, form, key) for v in value]
    return value


@functools.cache
def _extra_fields() -> st.SearchStrategy[dict[str, Any]]:
    names = st.one_of(
        st.sampled_from(_EXTRA_FIELD_NAMES), st.from_regex(r"\Ax[A-Z][a-zA-Z]{0,10}\Z")
    )
    return st.dictionaries(names, json_values(max_leaves=3), max_size=3)


def _callbacks(
    kind: CallbackKind,
    bodies: st.SearchStrategy[dict[str, Any]],
    *,
    forms: Sequence[WireForm | None],
) -> st.SearchStrategy[GeneratedCallback]:
    """Render ``bodies`` (enum members, ABSENT markers) into wire callbacks with extras."""

    def build(parts: tuple[dict[str, Any], WireForm | None, dict[str, Any]]) -> GeneratedCallback:
        body, form, extras = parts
        extras = {k: v for k, v in extras.items() if k not in body}
        return GeneratedCallback(kind, _render({**body, **extras}, form), form, tuple(extras))

    return st.tuples(bodies, st.sampled_from(forms), _extra_fields()).map(build)


@functools.cache
def _status_bodies() -> st.SearchStrategy[dict[str, Any]]:
    # flatmap calls this for every example: built once per value, not once per draw (each
    # new strategy object is validated again by hypothesis; same choices, same examples)
    @functools.cache
    def outcome(error: bool) -> st.SearchStrategy[dict[str, Any]]:  # noqa: FBT001
        if error:
            return st.fixed_dictionaries(
                {
                    "formOrderStatus": st.just(FormOrderStatus.Error),
                    "code": st.sampled_from(list(FormOrderStatusErrorCode)[1:]),
                    "channel": st.just(NotificationChannel.None_),
                }
            )
        return st.fixed_dictionaries(
            {
                "formOrderStatus": st.just(FormOrderStatus.Ordered),
                "code": st.just(FormOrderStatusErrorCode.None_),
                "channel": st.sampled_from(list(NotificationChannel)),
            }
        )

    def build(parts: tuple[str, dict[str, Any], Any, Any, bool, bool]) -> dict[str, Any]:
        order_id, result, local, utc, with_channel, with_code = parts
        return {
            "apiKey": "",
            "formOrderId": order_id,
            "notificationChannel": result["channel"] if with_channel else ABSENT,
            "timestamp": local,
            "timestampUtc": utc,
            "formOrderStatus": result["formOrderStatus"],
            "formOrderStatusErrorCode": result["code"] if with_code else ABSENT,
        }

    return st.tuples(
        guids(),
        st.booleans().flatmap(outcome),
        optional(documented_timestamps(CallbackKind.STATUS, "timestamp")),
        optional(documented_timestamps(CallbackKind.STATUS, "timestampUtc")),
        st.sampled_from([True, True, False]),
        st.sampled_from([True, True, False]),
    ).map(build)


def status_callbacks() -> st.SearchStrategy[GeneratedCallback]:
    """Order-status callbacks (contract §4.1): Ordered on a channel, or Error + error code."""
    return _callbacks(CallbackKind.STATUS, _status_bodies(), forms=_ENUM_FORMS)


def _guid_flag(*, flag: bool | None) -> st.SearchStrategy[Any]:
    """A signedFormId / scannedPaperId: a GUID when set, all zeros / absent / null when not."""
    unset = optional(st.just(NIL_GUID))
    if flag is None:
        return st.one_of(non_nil_guids(), unset)
    return non_nil_guids() if flag else unset


def answer_callbacks(
    *,
    patient_initiated: bool | None = None,
    signed: bool | None = None,
    paper: bool | None = None,
    fields: Sequence[FormField] | None = None,
) -> st.SearchStrategy[GeneratedCallback]:
    """Form-answer callbacks (contract §4.2), every optional field present, absent or null.

    ``patient_initiated``, ``signed`` and ``paper`` pin ``isPatientInitiated``,
    ``signedFormId`` and ``scannedPaperId``; ``None`` lets each vary. ``fields`` shapes
    ``formData`` after a form (see :func:`form_data`).
    """
    answers = form_data(fields=fields)
    initiated = st.booleans() if patient_initiated is None else st.just(patient_initiated)
    bodies = st.fixed_dictionaries(
        {
            "apiKey": st.just(""),
            "formOrderId": guids(),
            "formData": st.one_of(answers, optional(answers)),
            "formOrderStatus": st.sampled_from(sorted(ANSWER_STATUSES)),
            "signedFormId": _guid_flag(flag=signed),
            "timestamp": optional(documented_timestamps(CallbackKind.ANSWER, "timestamp")),
            "scannedPaperId": _guid_flag(flag=paper),
            "formDataWarnings": optional(st.lists(_warnings(), max_size=4)),
            "notificationChannel": optional(st.sampled_from(list(NotificationChannel))),
            "initiated": initiated.flatmap(_initiated_fields),
            "formOrderEventLog": optional(st.lists(_events(), max_size=8)),
            "filledOutBy": optional(_filled_out_by()),
        }
    ).map(_flatten_initiated)
    return _callbacks(CallbackKind.ANSWER, bodies, forms=_ENUM_FORMS)


@functools.cache  # a flatmap's function: one strategy per value, not one per example
def _initiated_fields(initiated: bool) -> st.SearchStrategy[dict[str, Any]]:  # noqa: FBT001
    if initiated:
        return st.fixed_dictionaries(
            {
                "isPatientInitiated": st.just(initiated),
                "patientInitiatedValues": _initiated_values(),
            }
        )
    return st.fixed_dictionaries(
        {
            "isPatientInitiated": optional(st.just(initiated)),
            "patientInitiatedValues": st.sampled_from([ABSENT, None]),
        }
    )


def _flatten_initiated(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    initiated = out.pop("initiated")
    out.update(initiated)
    order = list(body)
    order[order.index("initiated") : order.index("initiated") + 1] = list(initiated)
    return {key: out[key] for key in order}


def _answer_timestamps(path: str) -> st.SearchStrategy[str]:
    return documented_timestamps(CallbackKind.ANSWER, path)


@functools.cache
def _warnings() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"fieldName": field_names(), "warning": norwegian_texts(max_size=80)}
    )


@functools.cache
def _initiated_values() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "formId": optional(guids()),
            "nationalId": optional(national_ids()),
            "orderTimestamp": optional(_answer_timestamps("patientInitiatedValues.orderTimestamp")),
            "orderTimestampUTC": optional(
                _answer_timestamps("patientInitiatedValues.orderTimestampUTC")
            ),
        }
    )


@functools.cache
def _events() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "eventType": st.sampled_from(list(EventType)),
            "questionId": optional(field_names()),
            "timestampUtc": optional(_answer_timestamps("formOrderEventLog.timestampUtc")),
        }
    )


@functools.cache
def _filled_out_by() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "filledOutByActNationalId": optional(national_ids()),
            "filledOutByActType": optional(st.sampled_from(list(FilledOutByActType))),
        }
    )


@functools.cache
def _letter_bodies() -> st.SearchStrategy[dict[str, Any]]:
    def build(parts: tuple[str, SentStatus, NotificationChannel, bool]) -> dict[str, Any]:
        letter_id, sent, channel, with_channel = parts
        if sent is SentStatus.Error:
            channel = NotificationChannel.None_
        return {
            "apiKey": "",
            "messageToCitizenId": letter_id,
            "notificationChannel": channel if with_channel else ABSENT,
            "sentStatus": sent,
        }

    return st.tuples(
        guids(),
        st.sampled_from(list(SentStatus)),
        st.sampled_from(list(NotificationChannel)),
        st.sampled_from([True, True, False]),
    ).map(build)


def letter_callbacks() -> st.SearchStrategy[GeneratedCallback]:
    """Letter-status callbacks (contract §4.3), in the 2023 name style or the current numbers."""
    return _callbacks(CallbackKind.LETTER, _letter_bodies(), forms=_ENUM_FORMS)


def personvern_callbacks() -> st.SearchStrategy[GeneratedCallback]:
    """Privacy-setting callbacks (contract §4.4): a Volven 7609 status; the key goes in a header."""
    bodies = st.fixed_dictionaries(
        {
            "nationalId": national_ids(),
            "id": guids(),
            "name": optional(norwegian_texts(max_size=120)),
            "status": st.sampled_from([m.value for m in VolvenStatus]),
        }
    )
    return _callbacks(CallbackKind.PRIVACY, bodies, forms=[None])


def callback_payloads(kind: CallbackKind | str) -> st.SearchStrategy[GeneratedCallback]:
    """The strategy for one kind of callback: ``status``, ``answer``, ``letter`` or ``privacy``.

    One strategy object per kind, made on the first call: the receiver checks draw it inside
    other strategies for every example, and hypothesis validates each new object again.
    """
    try:
        chosen = CallbackKind(kind)
    except ValueError:
        allowed = ", ".join(repr(k.value) for k in CallbackKind)
        raise InvalidArgument(
            f"kind={kind!r} is not a callback kind; use one of {allowed}"
        ) from None
    return _payloads_of(chosen)


@functools.cache
def _payloads_of(chosen: CallbackKind) -> st.SearchStrategy[GeneratedCallback]:
    return {
        CallbackKind.STATUS: status_callbacks,
        CallbackKind.ANSWER: answer_callbacks,
        CallbackKind.LETTER: letter_callbacks,
        CallbackKind.PRIVACY: personvern_callbacks,
    }[chosen]()

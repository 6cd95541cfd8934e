"""Hypothesis strategies for ePROM payloads, built on the contract (``eprom_verify.contract``).

Every strategy is a plural noun for what it makes; bounds are keyword-only and checked at
once (an empty choice raises :class:`hypothesis.errors.InvalidArgument`, never a silent
no-op). Callbacks come out as :class:`GeneratedCallback`: the wire dict ePROM would ``PUT``
(``apiKey`` left as the docs' placeholder ``""``: the sender fills in its key), the kind, and
the form its enum values were written in. Every valid callback parses with the contract
models; the receiver checks, the simulator and the client share these strategies.

Profiles: :func:`register_profiles` defines ``ci`` (derandomized, modest) and ``deep``.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
import json
import random
import string
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from eprom_verify.config import Form, FormField, Patient, load_forms, load_patients
from eprom_verify.contract import (
    ANSWER_STATUSES,
    NIL_GUID,
    DistributionRule,
    EventType,
    FilledOutByActType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
    SentStatus,
    TimestampStyle,
    VolvenStatus,
    WireEnum,
    WireForm,
    format_timestamp,
)
from eprom_verify.national_id import NationalIdKind, birth_date_for_age, classify, generate

__all__ = [
    "CI_PROFILE",
    "CallbackKind",
    "DEEP_PROFILE",
    "GeneratedCallback",
    "answer_callbacks",
    "callback_payloads",
    "enum_values",
    "form_data",
    "form_order_requests",
    "form_orders",
    "guids",
    "json_values",
    "letter_callbacks",
    "national_ids",
    "norwegian_texts",
    "personvern_callbacks",
    "register_profiles",
    "status_callbacks",
    "timestamps",
]

T = TypeVar("T")

CI_PROFILE = "ci"
DEEP_PROFILE = "deep"

_ACCEPTED_KINDS = (NationalIdKind.FODSELSNUMMER, NationalIdKind.D_NUMBER)
_REFUSED_KINDS = (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER)
_NORWEGIAN = "æøåÆØÅ"
_PHRASES = (
    "Blåbærsyltetøy",
    "Ærlig talt har jeg hatt vondt i kneet",
    "Søvn: dårlig, men bedre enn før",
    "Å gå i trapper går fint",
    "Øvre del av ryggen",
    "«Sitat» – tankestrek og ‘apostrof’",
    'Linje 1\nLinje 2\t"sitert"\\',
)
_EXTRA_FIELD_NAMES = (
    "correlationId",
    "ePromVersion",
    "formVersion",
    "tenantId",
    "orderedByHpr",
    "XNewField",
)
_ABSENT = object()  # a field left out of the payload (distinct from JSON null)


def register_profiles() -> None:
    """Define the ``ci`` and ``deep`` hypothesis profiles (loading one is the caller's choice)."""
    quiet = [HealthCheck.too_slow, HealthCheck.large_base_example, HealthCheck.data_too_large]
    settings.register_profile(
        CI_PROFILE,
        derandomize=True,
        max_examples=25,
        deadline=None,
        database=None,
        print_blob=False,
        suppress_health_check=quiet,
    )
    settings.register_profile(
        DEEP_PROFILE, max_examples=500, deadline=None, suppress_health_check=quiet
    )


# --- building blocks --------------------------------------------------------------------


def _nonempty(name: str, values: Iterable[T], example: str) -> tuple[T, ...]:
    items = tuple(values)
    if not items:
        raise InvalidArgument(f"{name}=() is empty: pass at least one value, e.g. {name}={example}")
    return items


def _check_members(name: str, values: Sequence[Any], cls: type[enum.Enum]) -> None:
    for value in values:
        if not isinstance(value, cls):
            allowed = ", ".join(f"{cls.__name__}.{m.name}" for m in cls)
            raise InvalidArgument(
                f"{name} holds {value!r}, which is not a {cls.__name__}: use {allowed}"
            )


def guids() -> st.SearchStrategy[str]:
    """GUIDs as ePROM writes them: lower case, with dashes."""
    return st.uuids().map(str)


def _non_nil_guids() -> st.SearchStrategy[str]:
    return guids().filter(lambda g: g != NIL_GUID)


def national_ids(
    *,
    kinds: Iterable[NationalIdKind] = _ACCEPTED_KINDS,
    synthetic: bool | None = None,
    age: int | None = None,
    today: dt.date | None = None,
) -> st.SearchStrategy[str]:
    """Valid 11-digit national IDs of ``kinds`` (via :func:`eprom_verify.national_id.generate`).

    ``synthetic=None`` mixes real-form and synthetic (month + 65 / + 80) IDs where the kind
    allows; ``age=None`` any age 0–100; ``today`` defaults to the current date.
    """
    chosen = _nonempty("kinds", kinds, "(NationalIdKind.FODSELSNUMMER,)")
    _check_members("kinds", chosen, NationalIdKind)
    if synthetic and any(kind in _REFUSED_KINDS for kind in chosen):
        raise InvalidArgument(
            f"synthetic=True with kinds={[k.name for k in chosen]}: synthetic identities exist "
            "only as FODSELSNUMMER or D_NUMBER; drop H_NUMBER/FH_NUMBER or pass synthetic=None"
        )
    day = today or dt.date.today()
    if age is not None:
        try:
            birth_date_for_age(age, today=day, rng=random.Random(0))
        except ValueError as exc:
            raise InvalidArgument(f"age={age}: {exc}") from None

    @st.composite
    def draw_id(draw: st.DrawFn) -> str:
        kind = draw(st.sampled_from(chosen))
        fake = False if kind in _REFUSED_KINDS else synthetic
        if fake is None:
            fake = draw(st.booleans())
        rng = draw(st.randoms(use_true_random=False))
        return generate(kind, age=age, today=day, synthetic=fake, rng=rng)

    return draw_id()


def timestamps(
    *, styles: Iterable[TimestampStyle] = tuple(TimestampStyle)
) -> st.SearchStrategy[str]:
    """Timestamps in every documented format (contract §4.5), or only ``styles``."""
    chosen = _nonempty("styles", styles, "(TimestampStyle.UTC_7,)")
    _check_members("styles", chosen, TimestampStyle)
    offsets = [dt.UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2))]

    @st.composite
    def draw_timestamp(draw: st.DrawFn) -> str:
        style = draw(st.sampled_from(chosen))
        moment = draw(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31)))
        if style is TimestampStyle.OFFSET:
            moment = moment.replace(tzinfo=draw(st.sampled_from(offsets)))
        return format_timestamp(moment, style)

    return draw_timestamp()


def enum_values(
    enum_cls: type[WireEnum],
    *,
    forms: Iterable[WireForm] = (WireForm.NAME, WireForm.NUMBER),
    numeric_strings: bool = True,
) -> st.SearchStrategy[int | str]:
    """Wire values of ``enum_cls``: names, numbers and (``numeric_strings``) numbers as text."""
    if not (isinstance(enum_cls, type) and issubclass(enum_cls, WireEnum)):
        raise InvalidArgument(
            f"enum_cls={enum_cls!r} is not a WireEnum from eprom_verify.contract "
            "(VolvenStatus is a plain string code: use st.sampled_from(VolvenStatus))"
        )
    chosen = _nonempty("forms", forms, "(WireForm.NAME,)")
    _check_members("forms", chosen, WireForm)

    @st.composite
    def draw_value(draw: st.DrawFn) -> int | str:
        member = draw(st.sampled_from(list(enum_cls)))
        value = member.wire(draw(st.sampled_from(chosen)))
        if isinstance(value, int) and numeric_strings and draw(st.booleans()):
            return str(value)
        return value

    return draw_value()


def norwegian_texts(*, min_size: int = 0, max_size: int = 200) -> st.SearchStrategy[str]:
    """Text rich in æøåÆØÅ, punctuation, quotes, newlines and any other Unicode, long or short."""
    if not 0 <= min_size <= max_size:
        raise InvalidArgument(f"need 0 <= min_size <= max_size, got {min_size=} and {max_size=}")
    alphabet = st.one_of(
        st.sampled_from(_NORWEGIAN),
        st.sampled_from(string.ascii_letters + string.digits + " .,-'\"\\\n"),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    )
    texts = [st.text(alphabet, min_size=min_size, max_size=min(max_size, 60))]
    phrases = [p[:max_size] for p in _PHRASES if min_size <= len(p[:max_size])]
    if phrases:
        texts.append(st.sampled_from(phrases))
    if max_size >= max(min_size, 1) and max_size > 60:
        texts.append(_long_texts(min_size, max_size))
    return st.one_of(texts)


def _long_texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    seed = " ".join(_PHRASES[:5]) + " "

    def build(n: int) -> str:
        return (seed * (n // len(seed) + 1))[:n]

    return st.integers(max(min_size, 61), max_size).map(build)


def json_values(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Small JSON values: null, bools, numbers, Norwegian text, lists and objects of them."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        norwegian_texts(max_size=40),
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(norwegian_texts(min_size=1, max_size=12), children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def _field_names() -> st.SearchStrategy[str]:
    realistic = st.sampled_from(
        ["HealthGeneral", "Spørsmål1", "SmerteNå", "Røyker", "Vekt", "Fritekst", "Dato_Åpnet"]
    )
    made_up = st.text(
        string.ascii_letters + string.digits + "_" + _NORWEGIAN, min_size=1, max_size=30
    )
    return st.one_of(realistic, made_up)


def _field_value(spec: FormField) -> st.SearchStrategy[Any]:
    kind = spec.type
    if kind == "choice":
        options = list(spec.options or [])
        return st.sampled_from(options) if options else st.none()
    if kind == "text":
        return norwegian_texts(max_size=spec.max_length or 2000)
    if kind == "integer":
        return st.integers(spec.minimum, spec.maximum)
    if kind == "boolean":
        return st.booleans()
    if kind == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2035, 12, 31)).map(dt.date.isoformat)
    raise InvalidArgument(
        f"field {spec.name!r} has type {kind!r}; known: choice, text, integer, boolean, date"
    )


def form_data(*, fields: Sequence[FormField] | None = None) -> st.SearchStrategy[str]:
    """``formData``: a string holding a JSON object of field name → value.

    With ``fields`` (a form's fields from forms.yaml) each field is answered with a value of
    its type, ``null`` or left out; without, any field names (many, Norwegian) and any JSON
    values. The inner JSON is written with raw UTF-8 or ``\\u`` escapes, as .NET may do.
    """
    if fields is not None:
        specs = _nonempty("fields", fields, "form.fields")
        members = {
            spec.name: _optional(_field_value(spec), absent=True, null=True) for spec in specs
        }
        objects: st.SearchStrategy[dict[str, Any]] = st.fixed_dictionaries(members).map(_present)
    else:
        values = st.one_of(norwegian_texts(max_size=300), json_values(max_leaves=4))
        objects = st.dictionaries(_field_names(), values, max_size=60)
    escaped = st.sampled_from([False, False, True])  # mostly raw UTF-8, as .NET writes it
    return st.tuples(objects, escaped).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=pair[1], separators=(",", ":"))
    )


def _optional(
    strategy: st.SearchStrategy[Any], *, absent: bool = True, null: bool = True
) -> st.SearchStrategy[Any]:
    choices: list[st.SearchStrategy[Any]] = [strategy]
    if absent:
        choices.append(st.just(_ABSENT))
    if null:
        choices.append(st.none())
    return st.one_of(choices)


def _present(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not _ABSENT}


# --- callbacks ----------------------------------------------------------------------------


class CallbackKind(enum.StrEnum):
    """The four callbacks ePROM PUTs to an ordering system (contract §4)."""

    STATUS = "status"
    ANSWER = "answer"
    LETTER = "letter"
    PRIVACY = "privacy"

    @property
    def path(self) -> str:
        """The path under the ordering system's ApiBaseUrl."""
        return {
            CallbackKind.STATUS: "/api/PromsFormOrder",
            CallbackKind.ANSWER: "/api/PromsFormOrder",
            CallbackKind.LETTER: "/api/MessageToCitizen",
            CallbackKind.PRIVACY: "/api/PersonvernInnstilling",
        }[self]

    @property
    def key_in_body(self) -> bool:
        """Form order and letter callbacks carry ``apiKey`` in the body; privacy in a header."""
        return self is not CallbackKind.PRIVACY


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
        return {k: _render(v, form, k) for k, v in value.items() if v is not _ABSENT}
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
    """Render ``bodies`` (enum members, _ABSENT markers) into wire callbacks with extras."""

    def build(parts: tuple[dict[str, Any], WireForm | None, dict[str, Any]]) -> GeneratedCallback:
        body, form, extras = parts
        extras = {k: v for k, v in extras.items() if k not in body}
        return GeneratedCallback(kind, _render({**body, **extras}, form), form, tuple(extras))

    return st.tuples(bodies, st.sampled_from(forms), _extra_fields()).map(build)


@functools.cache
def _status_bodies() -> st.SearchStrategy[dict[str, Any]]:
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
            "notificationChannel": result["channel"] if with_channel else _ABSENT,
            "timestamp": local,
            "timestampUtc": utc,
            "formOrderStatus": result["formOrderStatus"],
            "formOrderStatusErrorCode": result["code"] if with_code else _ABSENT,
        }

    return st.tuples(
        guids(),
        st.booleans().flatmap(outcome),
        _optional(timestamps(styles=[TimestampStyle.LOCAL_7])),
        _optional(timestamps(styles=[TimestampStyle.UTC_7])),
        st.sampled_from([True, True, False]),
        st.sampled_from([True, True, False]),
    ).map(build)


def status_callbacks() -> st.SearchStrategy[GeneratedCallback]:
    """Order-status callbacks (contract §4.1): Ordered on a channel, or Error + error code."""
    return _callbacks(CallbackKind.STATUS, _status_bodies(), forms=_ENUM_FORMS)


def _guid_flag(*, flag: bool | None) -> st.SearchStrategy[Any]:
    """A signedFormId / scannedPaperId: a GUID when set, all zeros / absent / null when not."""
    unset = _optional(st.just(NIL_GUID))
    if flag is None:
        return st.one_of(_non_nil_guids(), unset)
    return _non_nil_guids() if flag else unset


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
            "formData": st.one_of(answers, _optional(answers)),
            "formOrderStatus": st.sampled_from(sorted(ANSWER_STATUSES)),
            "signedFormId": _guid_flag(flag=signed),
            "timestamp": _optional(timestamps()),
            "scannedPaperId": _guid_flag(flag=paper),
            "formDataWarnings": _optional(st.lists(_warnings(), max_size=4)),
            "notificationChannel": _optional(st.sampled_from(list(NotificationChannel))),
            "initiated": initiated.flatmap(_initiated_fields),
            "formOrderEventLog": _optional(st.lists(_events(), max_size=8)),
            "filledOutBy": _optional(_filled_out_by()),
        }
    ).map(_flatten_initiated)
    return _callbacks(CallbackKind.ANSWER, bodies, forms=_ENUM_FORMS)


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
            "isPatientInitiated": _optional(st.just(initiated)),
            "patientInitiatedValues": st.sampled_from([_ABSENT, None]),
        }
    )


def _flatten_initiated(body: dict[str, Any]) -> dict[str, Any]:
    out = dict(body)
    initiated = out.pop("initiated")
    out.update(initiated)
    order = list(body)
    order[order.index("initiated") : order.index("initiated") + 1] = list(initiated)
    return {key: out[key] for key in order}


@functools.cache
def _warnings() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"fieldName": _field_names(), "warning": norwegian_texts(max_size=80)}
    )


@functools.cache
def _initiated_values() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "formId": _optional(guids()),
            "nationalId": _optional(national_ids()),
            "orderTimestamp": _optional(timestamps(styles=[TimestampStyle.LOCAL_7])),
            "orderTimestampUTC": _optional(timestamps(styles=[TimestampStyle.UTC_7])),
        }
    )


@functools.cache
def _events() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "eventType": st.sampled_from(list(EventType)),
            "questionId": _optional(_field_names()),
            "timestampUtc": _optional(timestamps(styles=[TimestampStyle.SPACE_MS])),
        }
    )


@functools.cache
def _filled_out_by() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "filledOutByActNationalId": _optional(national_ids()),
            "filledOutByActType": _optional(st.sampled_from(list(FilledOutByActType))),
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
            "notificationChannel": channel if with_channel else _ABSENT,
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
            "name": _optional(norwegian_texts(max_size=120)),
            "status": st.sampled_from([m.value for m in VolvenStatus]),
        }
    )
    return _callbacks(CallbackKind.PRIVACY, bodies, forms=[None])


def callback_payloads(kind: CallbackKind | str) -> st.SearchStrategy[GeneratedCallback]:
    """The strategy for one kind of callback: ``status``, ``answer``, ``letter`` or ``privacy``."""
    try:
        chosen = CallbackKind(kind)
    except ValueError:
        allowed = ", ".join(repr(k.value) for k in CallbackKind)
        raise InvalidArgument(
            f"kind={kind!r} is not a callback kind; use one of {allowed}"
        ) from None
    return {
        CallbackKind.STATUS: status_callbacks,
        CallbackKind.ANSWER: answer_callbacks,
        CallbackKind.LETTER: letter_callbacks,
        CallbackKind.PRIVACY: personvern_callbacks,
    }[chosen]()


# --- form orders (ordering system → ePROM) ------------------------------------------------

_BAD_METADATA = ('{"age":', "{age:76}", "not json", "{'alder': 76}", '{"a":1,}', '{"æ": ø}')


def _metadata() -> st.SearchStrategy[Any]:
    objects = st.dictionaries(_field_names(), json_values(max_leaves=3), max_size=5)
    valid = objects.map(lambda o: json.dumps(o, ensure_ascii=False))
    return st.one_of(st.just(_ABSENT), st.none(), valid, st.sampled_from(_BAD_METADATA))


def _addresses() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "fullName": norwegian_texts(min_size=1, max_size=60),
            "addressLine1": norwegian_texts(min_size=1, max_size=60),
            "postalCode": st.from_regex(r"\A[0-9]{4}\Z"),
            "postalPlace": st.sampled_from(["Trondheim", "Tromsø", "Ørsta", "Ålesund", "Bærum"]),
        }
    )


def _order_national_ids(
    kinds: Sequence[NationalIdKind], patients: Sequence[Patient]
) -> st.SearchStrategy[str]:
    by_kind: dict[NationalIdKind, list[str]] = {}
    for patient in patients:
        by_kind.setdefault(classify(patient.national_id), []).append(patient.national_id)

    def for_kind(kind: NationalIdKind) -> st.SearchStrategy[str]:
        generated = national_ids(kinds=[kind])
        known = by_kind.get(kind)
        return st.one_of(st.sampled_from(known), generated) if known else generated

    return st.sampled_from(kinds).flatmap(for_kind)


def form_order_requests(
    *,
    forms: Sequence[Form],
    patients: Sequence[Patient],
    id_kinds: Iterable[NationalIdKind] = tuple(NationalIdKind),
    rules: Iterable[DistributionRule] = tuple(DistributionRule),
    today: dt.date | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """``POST /api/v2/formorder`` bodies over rule × signing × on behalf of × paper address ×
    metadata (valid and invalid JSON) × national-ID kind, as wire dicts.

    ``formId`` is one of ``forms`` or an unknown GUID; ``nationalId`` a configured patient's
    or a generated ID of a kind in ``id_kinds``. Not every order is valid: the documented
    refusals (contract §3.1) are meant to be provoked.
    """
    form_ids = [f.id for f in _nonempty("forms", forms, "load_forms().forms")]
    persons = _nonempty("patients", patients, "load_patients().patients")
    kinds = _nonempty("id_kinds", id_kinds, "(NationalIdKind.FODSELSNUMMER,)")
    _check_members("id_kinds", kinds, NationalIdKind)
    chosen_rules = _nonempty("rules", rules, "(DistributionRule.Basic,)")
    _check_members("rules", chosen_rules, DistributionRule)
    day = today or dt.date.today()
    rule_values = st.sampled_from(chosen_rules).flatmap(
        lambda r: st.sampled_from([r.name, int(r.value), str(int(r.value))])
    )
    expiry = st.integers(1, 90).map(lambda n: day + dt.timedelta(days=n))
    members = {
        "formId": st.one_of(st.sampled_from(form_ids), st.sampled_from(form_ids), guids()),
        "nationalId": _order_national_ids(kinds, persons),
        "expiryDate": expiry.map(lambda d: f"{d.isoformat()}T08:00:00.000Z"),
        "reminderDate": _optional(timestamps(styles=[TimestampStyle.UTC_7])),
        "metadata": _metadata(),
        "dontStoreCompletedFormInPha": _optional(st.booleans(), null=False),
        "distributionRule": _optional(rule_values, null=False),
        "mustBeSigned": _optional(st.booleans(), null=False),
        "signingText": _optional(norwegian_texts(max_size=80)),
        "physicalAddress": _optional(_addresses()),
        "testMode": _optional(st.booleans(), null=False),
        "onBehalfOfNationalId": _optional(_order_national_ids(_ACCEPTED_KINDS, persons)),
    }
    return st.fixed_dictionaries(members).map(_present)


def form_orders(*, today: dt.date | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """:func:`form_order_requests` over the forms and patients of the fixture files."""
    return form_order_requests(
        forms=load_forms().forms, patients=load_patients().patients, today=today
    )

"""The hypothesis strategies: every valid callback parses with the contract models, bounds are
checked at once, and the interesting corners (names, æøå, unknown fields, …) are reachable."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument
from hypothesis_budget import examples

from eprom_verify import strategies as S
from eprom_verify.config import load_forms, load_patients
from eprom_verify.contract import (
    NIL_GUID,
    CallbackKind,
    DistributionRule,
    FormAnswerCallback,
    FormOrderRequest,
    FormOrderStatusCallback,
    MessageToCitizenCallback,
    PersonvernInnstillingCallback,
    TimestampStyle,
    WireEnum,
    WireForm,
    parse_form_order_callback,
    parse_timestamp,
)
from eprom_verify.national_id import NationalIdKind, classify, parse
from eprom_verify.strategies import GeneratedCallback, key_in_body

PROPERTY = settings(
    max_examples=examples(60),
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
FIND = settings(
    max_examples=1000,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],  # find it, do not shrink it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)
TODAY = dt.date(2026, 11, 22)
MODELS: dict[CallbackKind, type[Any]] = {
    CallbackKind.STATUS: FormOrderStatusCallback,
    CallbackKind.ANSWER: FormAnswerCallback,
    CallbackKind.LETTER: MessageToCitizenCallback,
    CallbackKind.PRIVACY: PersonvernInnstillingCallback,
}
ENUM_FIELDS = {"notificationChannel", "formOrderStatus", "formOrderStatusErrorCode", "sentStatus"}


class _Found(Exception):
    pass


def find(strategy: st.SearchStrategy[Any], condition: Callable[[Any], bool]) -> Any:
    """An example of ``strategy`` meeting ``condition`` (not shrunk); fails if none is drawn."""
    found: list[Any] = []

    @FIND
    @given(strategy)
    def look(value: Any) -> None:
        if condition(value):
            found.append(value)
            raise _Found

    try:
        look()
    except _Found:
        return found[0]
    raise AssertionError(f"no example met the condition in {FIND.max_examples} tries")


def find_each(
    strategy: st.SearchStrategy[Any], conditions: dict[str, Callable[[Any], bool]]
) -> None:
    """Each condition met by some example of ``strategy``: one pass of at most
    ``FIND.max_examples`` examples for all of them, each example asked every condition not met
    yet (drawing an example costs more than asking it); fails naming the ones never met."""
    waiting = dict(conditions)

    @FIND
    @given(strategy)
    def look(value: Any) -> None:
        for name, condition in list(waiting.items()):
            if condition(value):
                del waiting[name]
        if not waiting:
            raise _Found

    try:
        look()
    except _Found:
        return
    raise AssertionError(
        f"no example met {sorted(waiting)} in {FIND.max_examples} tries "
        f"(met: {sorted(set(conditions) - set(waiting))})"
    )


def _parse(callback: GeneratedCallback) -> Any:
    data = json.loads(json.dumps(callback.body, ensure_ascii=False))  # as it goes on the wire
    if callback.kind in (CallbackKind.STATUS, CallbackKind.ANSWER):
        return parse_form_order_callback(data)
    return MODELS[callback.kind].from_wire(data)


@pytest.mark.parametrize("kind", list(CallbackKind))
def test_every_generated_callback_parses_with_the_contract_models(kind: CallbackKind) -> None:
    @PROPERTY
    @given(S.callback_payloads(kind))
    def check(callback: GeneratedCallback) -> None:
        assert callback.kind is kind
        model = _parse(callback)
        assert type(model) is MODELS[kind]
        if isinstance(model, FormAnswerCallback) and model.form_data is not None:
            assert isinstance(model.form_data_object(), dict)
        assert set(callback.extra_fields) <= set(callback.body)
        assert ("apiKey" in callback.body) is key_in_body(kind)

    check()


@PROPERTY
@given(S.callback_payloads("status") | S.callback_payloads("answer") | S.letter_callbacks())
def test_enum_values_are_written_in_the_flagged_form(callback: GeneratedCallback) -> None:
    for name in ENUM_FIELDS & set(callback.body):
        value = callback.body[name]
        if value is None:
            continue
        if callback.enum_form is WireForm.NAME:
            assert isinstance(value, str)
        elif callback.enum_form is WireForm.NUMBER:
            assert isinstance(value, int)
        else:  # as the docs write each field
            expected = int if name in ("notificationChannel", "sentStatus") else str
            assert isinstance(value, expected)


@PROPERTY
@given(S.answer_callbacks(patient_initiated=True, signed=True, paper=True))
def test_answer_flags_set_the_fields(callback: GeneratedCallback) -> None:
    body = callback.body
    assert body["isPatientInitiated"] is True
    assert isinstance(body["patientInitiatedValues"], dict)
    assert body["signedFormId"] != NIL_GUID
    assert body["scannedPaperId"] != NIL_GUID
    assert _parse(callback).is_signed


@PROPERTY
@given(S.answer_callbacks(patient_initiated=False, signed=False, paper=False))
def test_answer_flags_unset_the_fields(callback: GeneratedCallback) -> None:
    body = callback.body
    assert body.get("isPatientInitiated") in (None, False)
    assert body.get("patientInitiatedValues") is None
    assert body.get("signedFormId") in (None, NIL_GUID)
    assert body.get("scannedPaperId") in (None, NIL_GUID)


def test_form_data_follows_a_forms_fields() -> None:
    form = load_forms().form("Pasienterfaring etter poliklinisk time")
    fields = {f.name: f for f in form.fields}

    @PROPERTY
    @given(S.form_data(fields=form.fields))
    def check(text: str) -> None:
        data = json.loads(text)
        assert set(data) <= set(fields)
        for name, value in data.items():
            spec = fields[name]
            if value is None:
                continue
            if spec.type == "text":
                assert isinstance(value, str)
                assert len(value) <= (spec.max_length or 2000)
            elif spec.type == "integer":
                assert spec.minimum <= value <= spec.maximum
            elif spec.type == "boolean":
                assert isinstance(value, bool)
            elif spec.type == "date":
                dt.date.fromisoformat(value)

    check()


@pytest.mark.parametrize(
    ("description", "strategy", "condition"),
    [
        ("a status callback written with names", S.status_callbacks(),
         lambda c: c.enum_form is WireForm.NAME and c.body["formOrderStatus"] == "Error"),
        ("a letter in the 2023 name style", S.letter_callbacks(),
         lambda c: c.body.get("notificationChannel") == "Helsenorge" and c.body["sentStatus"] == "Sent"),
        ("an answer whose formData holds æøå", S.answer_callbacks(),
         lambda c: any(ch in (c.body.get("formData") or "") for ch in "æøå")),
        ("an answer with a SigningCompleted event", S.answer_callbacks(),
         lambda c: any(e.get("eventType") in ("SigningCompleted", 5) for e in c.body.get("formOrderEventLog") or [])),
        ("an answer filled out by a parent", S.answer_callbacks(),
         lambda c: (c.body.get("filledOutBy") or {}).get("filledOutByActType") == "Foreldrerepresentasjon"),
        ("an answer with formDataWarnings", S.answer_callbacks(),
         lambda c: bool(c.body.get("formDataWarnings"))),
        ("an answer with a null timestamp", S.answer_callbacks(), lambda c: c.body.get("timestamp", 1) is None),
        ("an answer without a timestamp", S.answer_callbacks(), lambda c: "timestamp" not in c.body),
        ("a callback with an unknown field", S.personvern_callbacks(), lambda c: bool(c.extra_fields)),
        ("a privacy callback with status ISAM", S.personvern_callbacks(), lambda c: c.body["status"] == "ISAM"),
        ("a long formData", S.answer_callbacks(), lambda c: len(c.body.get("formData") or "") > 200),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_the_corners_are_reachable(
    description: str,
    strategy: st.SearchStrategy[GeneratedCallback],
    condition: Callable[[Any], bool],
) -> None:
    found = find(strategy, condition)
    _parse(found)


@pytest.mark.parametrize("kind", list(NationalIdKind))
def test_national_ids_are_of_the_asked_kind(kind: NationalIdKind) -> None:
    @PROPERTY
    @given(S.national_ids(kinds=[kind], today=TODAY))
    def check(value: str) -> None:
        assert classify(value) is kind

    check()


@PROPERTY
@given(S.national_ids(synthetic=True, age=30, today=TODAY))
def test_national_ids_honour_synthetic_and_age(value: str) -> None:
    parsed = parse(value)
    assert parsed.synthetic
    assert parsed.age(on=TODAY) == 30
    assert parsed.accepted_by_eprom


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: S.national_ids(kinds=()), "kinds=() is empty"),
        (lambda: S.national_ids(kinds=["fødselsnummer"]), "not a NationalIdKind"),
        (lambda: S.national_ids(kinds=[NationalIdKind.H_NUMBER], synthetic=True), "synthetic=True"),
        (lambda: S.national_ids(age=500), "age=500"),
        (lambda: S.timestamps(styles=()), "styles=() is empty"),
        (lambda: S.enum_values(DistributionRule, forms=()), "forms=() is empty"),
        (lambda: S.enum_values(int), "is not a WireEnum"),  # type: ignore[arg-type]
        (lambda: S.callback_payloads("sms"), "kind='sms' is not a callback kind"),
        (lambda: S.norwegian_texts(min_size=5, max_size=2), "min_size <= max_size"),
        (lambda: S.form_data(fields=[]), "fields=() is empty"),
        (lambda: S.form_order_requests(forms=[], patients=load_patients().patients), "forms=() is empty"),
        (lambda: S.form_order_requests(forms=load_forms().forms, patients=load_patients().patients, rules=()),
         "rules=() is empty"),
    ],
)  # fmt: skip
def test_bad_bounds_are_refused_at_once(make: Callable[[], Any], message: str) -> None:
    with pytest.raises(InvalidArgument, match=message.replace("(", r"\(").replace(")", r"\)")):
        make()


@PROPERTY
@given(st.data())
def test_timestamps_are_in_the_asked_documented_style(data: st.DataObject) -> None:
    style = data.draw(st.sampled_from(list(TimestampStyle)))
    text = data.draw(S.timestamps(styles=[style]))
    parse_timestamp(text)
    shapes = {
        TimestampStyle.LOCAL_7: r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}",
        TimestampStyle.UTC_7: r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z",
        TimestampStyle.OFFSET: r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d",
        TimestampStyle.SPACE_MS: r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}",
        TimestampStyle.DATE: r"\d{4}-\d\d-\d\d",
    }
    assert re.fullmatch(shapes[style], text), (style, text)


@pytest.mark.parametrize("enum_cls", WireEnum.__subclasses__())
def test_enum_values_read_back_as_members(enum_cls: type[WireEnum]) -> None:
    @PROPERTY
    @given(S.enum_values(enum_cls))
    def check(value: int | str) -> None:
        assert enum_cls.parse(value) in enum_cls

    check()
    find(S.enum_values(enum_cls), lambda v: isinstance(v, str) and v.isdigit())
    find(S.enum_values(enum_cls), lambda v: isinstance(v, int))
    names = S.enum_values(enum_cls, forms=[WireForm.NAME])
    find(names, lambda v: isinstance(v, str) and not v.isdigit())


def test_form_orders_cover_the_order_parameters() -> None:
    orders = S.form_orders(today=TODAY)
    form_ids = {f.id for f in load_forms().forms}

    @PROPERTY
    @given(orders)
    def check(order: dict[str, Any]) -> None:
        request = FormOrderRequest.from_wire(order)
        assert parse_timestamp(request.expiry_date).date() > TODAY
        if _bad_json(order.get("metadata")):
            with pytest.raises(ValueError, match="metadata is not valid JSON"):
                request.metadata_object()
        elif order.get("metadata") is not None:
            assert isinstance(request.metadata_object(), dict)

    check()
    find_each(
        orders,
        {
            **{
                f"a {kind.name}": lambda o, kind=kind: classify(o["nationalId"]) is kind
                for kind in NationalIdKind
            },
            "an unknown formId": lambda o: o["formId"] not in form_ids,
            "signed on behalf of someone": lambda o: (
                o.get("onBehalfOfNationalId") is not None and o.get("mustBeSigned") is True
            ),
            "a physicalAddress": lambda o: o.get("physicalAddress") is not None,
            "metadata that is not JSON": lambda o: _bad_json(o.get("metadata")),
            "NoDistribution": lambda o: o.get("distributionRule") in ("NoDistribution", 2, "2"),
        },
    )


def _bad_json(text: Any) -> bool:
    if not isinstance(text, str):
        return False
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def test_profiles_are_registered() -> None:
    S.register_profiles()
    ci = settings.get_profile(S.CI_PROFILE)
    deep = settings.get_profile(S.DEEP_PROFILE)
    assert ci.derandomize
    assert ci.database is None
    assert ci.max_examples < deep.max_examples


@PROPERTY
@given(st.data())
def test_timestamps_like_copies_each_documented_shape(data: st.DataObject) -> None:
    shapes = {
        "2023-03-29T10:20:10.1804332": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}",
        "2023-03-29T08:01:49.857Z": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
        "2019-05-03T00:00:00+02:00": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00",
        "2021-05-07 09:17:51.220": r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}",
    }
    example = data.draw(st.sampled_from(sorted(shapes)))
    text = data.draw(S.timestamps_like(example))
    parse_timestamp(text)
    assert re.fullmatch(shapes[example], text), (example, text)


def test_documented_timestamp_arguments_are_checked() -> None:
    with pytest.raises(InvalidArgument, match="needs at least one example"):
        S.timestamps_like()
    with pytest.raises(InvalidArgument, match="is not a date and time like"):
        S.timestamps_like("2023-03-29")
    with pytest.raises(InvalidArgument, match="no documented timestamp for 'expiryDate'.*known: "):
        S.documented_timestamps(CallbackKind.ANSWER, "expiryDate")


def test_each_kind_s_callback_strategy_is_made_once() -> None:
    """The receiver checks draw these inside other strategies for every example; hypothesis
    validates every new strategy object again (issue 25: a third of check-receiver's
    generation). One object per kind, and per flatmap value, gives the same examples."""
    from eprom_verify.contract import CallbackKind
    from eprom_verify.receiver.malformed import malformed_callbacks
    from eprom_verify.strategies import _callbacks, callback_payloads

    for kind in CallbackKind:
        assert callback_payloads(kind) is callback_payloads(kind.value), (
            f"callback_payloads({kind.value!r}) made a second strategy object"
        )
    assert _callbacks._initiated_fields(True) is _callbacks._initiated_fields(True)
    malformed = malformed_callbacks()
    expand = (
        malformed.wrapped_strategy.expand
        if hasattr(malformed, "wrapped_strategy")
        else (malformed.expand)
    )
    assert expand(CallbackKind.STATUS) is expand(CallbackKind.STATUS), (
        "malformed_callbacks makes a new strategy for every example it draws"
    )


def test_find_each_names_the_conditions_no_example_met() -> None:
    with pytest.raises(AssertionError, match=r"no example met \['above one'\].*met: \['one'\]"):
        find_each(st.just(1), {"one": lambda v: v == 1, "above one": lambda v: v > 1})

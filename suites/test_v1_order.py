"""V1 — ordering a form: accepted, one status callback with our key, the expected channel.

One order per (test person, distribution rule); the four checks read the same order, so a
fault shows on exactly the checkpoint it concerns.
"""

from __future__ import annotations

import uuid

import pytest
from _support import params_of, require_callback, require_order

from eprom_verify import (
    CheckFailure,
    NationalIdKind,
    Text,
    assert_accepted,
    assert_contract,
    assert_exactly_one,
    assert_our_key,
    expect_refusal,
    generate_national_id,
    order_label,
)
from eprom_verify.contract import (
    NIL_GUID,
    CallbackKind,
    DistributionRule,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    NotificationChannel,
)
from eprom_verify.contract import refusals as documented
from eprom_verify.pytest import not_run


def _build(eprom, case):
    return lambda: eprom.order_request(
        case.patient, case.form, rule=case.rule, metadata={"verification": case.id}
    )


def _order(eprom, case):
    return eprom.order_once(f"order:{case.id}", _build(eprom, case))


@pytest.fixture(scope="module", autouse=True)
def _place_every_order_at_once(eprom, request):
    """All orders of the selected tests go out together; their waits overlap."""
    cases = {
        c.id: c for name in ("order_case", "callback_case") for c in params_of(request, name)
    }.values()
    eprom.prefetch_orders({f"order:{c.id}": _build(eprom, c) for c in cases})


@pytest.mark.checkpoint("V1.1")
def test_order_reaches_eprom(eprom, order_case):
    placed = _order(eprom, order_case)
    case_id = order_case.id
    assert_accepted(placed, Text(en=f"the order for {case_id}", nb=f"bestillingen for «{case_id}»"))
    assert placed.response is not None
    key = order_case.patient.key
    eprom.fact(person=key, rule=order_case.rule.name, order_id=placed.order_id)
    if not order_case.patient.registered:
        if placed.response.id != NIL_GUID:
            raise CheckFailure(
                Text(
                    en=f"a person not in the registry ({key}) got an order",
                    nb=f"en person som ikke er i registeret («{key}»), fikk en bestilling",
                ),
                expected=Text(
                    en=f"id {NIL_GUID} (no order made)",
                    nb=f"id {NIL_GUID} (ingen bestilling laget)",
                ),
                received=f"id {placed.response.id}",
            )
    elif placed.response.id == NIL_GUID:
        raise CheckFailure(
            Text(
                en=f"no order was made for {key}: ePROM does not know the person",
                nb=f"ingen bestilling ble laget for «{key}»: ePROM kjenner ikke personen",
            ),
            expected=Text(en="an order id", nb="en bestillings-id"),
            received=f"id {NIL_GUID}",
        )


@pytest.mark.checkpoint("V1.2")
def test_status_callback_received(eprom, callback_case):
    order_case = callback_case
    placed = _order(eprom, order_case)
    require_order(placed)
    eprom.fact(order_id=placed.order_id, callbacks=len(placed.status_callbacks),
               waited_s=round(placed.waited_s, 3))  # fmt: skip
    if not placed.status_callbacks:
        label, limit = order_label(placed.order_id), eprom.settings.callback_timeout_s
        raise CheckFailure(
            Text(
                en=f"no status callback for {label.en} ({order_case.id}) within {limit:g} s",
                nb=f"ingen statusmelding for {label.nb} («{order_case.id}») innen {limit:g} s",
            ),
            expected=Text(
                en="a PUT to <ApiBaseUrl>/api/PromsFormOrder with formOrderStatus Ordered or Error",
                nb="en PUT til <ApiBaseUrl>/api/PromsFormOrder med formOrderStatus Ordered "
                "eller Error",
            ),
            received=Text(en="nothing", nb="ingenting"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V1.3")
def test_expected_channel(eprom, callback_case):
    order_case = callback_case
    placed = _order(eprom, order_case)
    require_order(placed)
    callback = require_callback(placed.status_callbacks, CallbackKind.STATUS)
    if callback.model is None:
        not_run(
            Text(
                en="the status callback does not parse; see V1.4",
                nb="statusmeldingen kan ikke leses; se V1.4",
            )
        )
    eprom.fact(
        person=order_case.patient.key,
        rule=order_case.rule.name,
        order_id=placed.order_id,
    )
    reachable = order_case.expected is not NotificationChannel.None_
    no_distribution = order_case.rule is DistributionRule.NoDistribution
    expected_status = (
        FormOrderStatus.Ordered if reachable or no_distribution else FormOrderStatus.Error
    )
    expected = {
        "notificationChannel": order_case.expected.wire_name,
        "formOrderStatus": expected_status.name,
    }
    if expected_status is FormOrderStatus.Error:
        expected["formOrderStatusErrorCode"] = FormOrderStatusErrorCode.PatientUnreachable.name
    model = callback.model
    received = {
        "notificationChannel": model.notification_channel.wire_name,
        "formOrderStatus": model.form_order_status.name,
    }
    if "formOrderStatusErrorCode" in expected:
        received["formOrderStatusErrorCode"] = model.form_order_status_error_code.wire_name
    eprom.fact(
        expected_channel=expected["notificationChannel"],
        received_channel=received["notificationChannel"],
        expected_status=expected["formOrderStatus"],
        received_status=received["formOrderStatus"],
    )
    if received != expected:
        from eprom_verify import explain_channel

        why = explain_channel(order_case.patient, order_case.rule, today=eprom.today)
        label = order_label(placed.order_id)
        raise CheckFailure(
            Text(
                en=f"{label.en} ({order_case.id}) went to the wrong channel or status; "
                f"the profile predicts: {why.en}",
                nb=f"{label.capitalized().nb} («{order_case.id}») fikk feil kanal eller status; "
                f"profilen gir: {why.nb}",
            ),
            expected=expected,
            received=received,
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("V1.4")
def test_no_errors_no_duplicates(eprom, callback_case):
    order_case = callback_case
    placed = _order(eprom, order_case)
    require_order(placed)
    eprom.fact(
        order_id=placed.order_id,
        callbacks=len(placed.status_callbacks),
        duplicates=max(0, len(placed.status_callbacks) - 1),
        waited_s=round(placed.waited_s, 3),
    )
    require_callback(placed.status_callbacks, CallbackKind.STATUS)
    kind, ident = CallbackKind.STATUS, order_label(placed.order_id)
    one = assert_exactly_one(
        placed.status_callbacks, kind=kind, ident=ident, waited_s=placed.waited_s
    )
    assert_contract(one, kind=kind, ident=ident)
    assert_our_key(one, kind=kind, ident=ident, key=eprom.api_key)


# --- the documented refusals (contract §3.1) ------------------------------------------


def _error_cases(eprom):
    forms = eprom.forms
    usable = next((f for f in forms if f.published and not f.must_be_signed), None)
    unpublished = next((f for f in forms if not f.published), None)
    no_paper = next(
        (f for f in forms if f.published and not f.paper_enabled and not f.must_be_signed), None
    )
    person = next((p for p in eprom.patients if p.registered), None)
    return usable, unpublished, no_paper, person


ERROR_CASES = [
    "not-published",
    "unknown-form",
    "signing-with-nodistribution",
    "signing-on-behalf-of",
    "not-paper-enabled",
    "invalid-metadata",
    "fh-number",
    "h-number",
]


@pytest.mark.checkpoint("V1.1")
@pytest.mark.parametrize("error_case", ERROR_CASES)
def test_documented_refusal(eprom, error_case):
    usable, unpublished, no_paper, person = _error_cases(eprom)
    if usable is None or person is None:
        not_run(
            Text(
                en="the forms/patients files have no published form or person",
                nb="skjema- og pasientfilene har ikke et publisert skjema og en person",
            )
        )
    fields: dict = {}
    form = usable
    national_id = person.national_id
    prefix = False
    if error_case == "not-published":
        if unpublished is None:
            not_run(
                Text(
                    en="no unpublished form in the forms file",
                    nb="skjemafilen har ikke et upublisert skjema",
                )
            )
        form, text = unpublished, documented.FORM_NOT_PUBLISHED
    elif error_case == "unknown-form":
        unknown = str(uuid.uuid4())
        form = usable.model_copy(update={"id": unknown})
        text = documented.no_such_form(unknown)
    elif error_case == "signing-with-nodistribution":
        fields = {"must_be_signed": True, "distribution_rule": DistributionRule.NoDistribution}
        text = documented.SIGNING_WITH_NO_DISTRIBUTION
    elif error_case == "signing-on-behalf-of":
        other = next((p for p in eprom.patients if p.registered and p is not person), person)
        fields = {"must_be_signed": True, "on_behalf_of_national_id": other.national_id}
        text = documented.SIGNING_ON_BEHALF_OF
    elif error_case == "not-paper-enabled":
        if no_paper is None:
            not_run(
                Text(
                    en="no published form without paper in the forms file",
                    nb="skjemafilen har ikke et publisert skjema uten papir",
                )
            )
        form = no_paper
        fields = {"distribution_rule": DistributionRule.PaperOnly}
        text = documented.not_paper_enabled(no_paper.id)
    elif error_case == "invalid-metadata":
        fields = {"metadata": "{age: 76"}
        text, prefix = documented.METADATA_INVALID_PREFIX, True
    else:
        import random

        kind = NationalIdKind.FH_NUMBER if error_case == "fh-number" else NationalIdKind.H_NUMBER
        national_id = generate_national_id(kind, age=40, today=eprom.today, rng=random.Random(7))
        label = "FH-nummer" if error_case == "fh-number" else "H-nummer"
        text = documented.national_id_kind_refused(label)
    rule = fields.pop("distribution_rule", DistributionRule.Basic)
    request = eprom.order_request(person, form, rule=rule, **fields).model_copy(
        update={"national_id": national_id}
    )
    expect_refusal(
        lambda: eprom.client.order_form(request),
        documented.DocumentedRefusal(400, text, prefix=prefix),
        what=Text(en=f"the {error_case} order", nb=f"bestillingen «{error_case}»"),
        describe_accepted=lambda response: (f"id {response.id}", response.id),
    )

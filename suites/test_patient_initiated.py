"""P1 — a patient-initiated order: one answer callback, the right values, our key."""

from __future__ import annotations

import pytest

from eprom_verify import (
    CheckFailure,
    Text,
    assert_contract,
    assert_exactly_one,
    assert_our_key,
)
from eprom_verify.contract import CallbackKind
from eprom_verify.pytest import not_run


@pytest.mark.checkpoint("P1")
def test_patient_initiated_answer(eprom, patient_initiated_case):
    if patient_initiated_case is None:
        not_run(
            Text(
                en="the forms file has no patient-orderable form",
                nb="skjemafilen har ikke et skjema pasienten kan bestille selv",
            )
        )
    form, person = patient_initiated_case.form, patient_initiated_case.patient
    if eprom.simulator is None:
        order_id, timeout = eprom.instruct_patient_initiated(patient_initiated_case)
        if order_id is None:
            not_run(
                Text(
                    en="no patient-initiated answer arrived in time",
                    nb="ingen pasientinitiert svar kom i tide",
                )
            )
    else:
        started = eprom.simulator.control.patient_initiated(
            form_id=form.id,
            national_id=person.national_id,
            sign=form.patient_ordered_must_be_signed,
        )
        order_id, timeout = started.id, eprom.settings.callback_timeout_s
    answers, waited = eprom.wait(
        "answer", order_id, timeout_s=timeout, what=f"the patient-initiated answer {order_id}"
    )
    kind = CallbackKind.ANSWER
    ident = Text(
        en=f"patient-initiated order {order_id}", nb=f"pasientinitiert bestilling {order_id}"
    )
    one = assert_exactly_one(answers, kind=kind, ident=ident, waited_s=waited)
    assert_contract(one, kind=kind, ident=ident)
    assert_our_key(one, kind=kind, ident=ident, key=eprom.api_key)
    model = one.model
    values = model.patient_initiated_values
    received = {
        "isPatientInitiated": model.is_patient_initiated,
        "formId": values.form_id if values else None,
        "nationalId": values.national_id if values else None,
        "timestamps": bool(values and values.order_timestamp and values.order_timestamp_utc),
    }
    expected = {
        "isPatientInitiated": True,
        "formId": form.id,
        "nationalId": person.national_id,
        "timestamps": True,
    }
    if received != expected:
        raise CheckFailure(
            Text(
                en=f"the {ident.en} does not carry the documented values",
                nb=f"den pasientinitierte bestillingen {order_id} har ikke de dokumenterte verdiene",
            ),
            expected=expected,
            received=received,
            order_id=order_id,
        )
    if order_id in {o.order_id for o in eprom.all_orders()}:
        raise CheckFailure(
            Text(
                en=f"{ident.en} reused an id the ordering system placed",
                nb=f"den pasientinitierte bestillingen {order_id} brukte en id bestillersystemet "
                "selv hadde bestilt",
            ),
            order_id=order_id,
        )

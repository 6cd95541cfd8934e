"""The simulated patient and the control API: complete, sign, paper, expire, inbox, …"""

from __future__ import annotations

import json

import httpx
import pytest

from eprom_verify._exceptions import ApiError
from eprom_verify.contract import NIL_GUID, FormAnswerCallback
from eprom_verify.simulator import RunningSimulator

from .conftest import (
    CHILD,
    CONSENT,
    DRAFT,
    HANNE,
    KEY,
    LOOPBACK,
    PAPER,
    RAND12,
    SIDE_EFFECTS,
    VERIFY,
    VISIT,
    place,
)
from .receiver import Receiver


def answer_of(receiver: Receiver) -> dict[str, object]:
    callbacks = receiver.wait_for(2)
    [answer] = [c.body for c in callbacks if c.body["formOrderStatus"] != "Ordered"]
    FormAnswerCallback.from_wire(answer)
    return answer


def test_complete_with_generated_answers(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, formId=VISIT)
    view = sim.control.complete(order["id"])
    assert view.status == "Completed"
    answer = answer_of(receiver)
    assert answer["apiKey"] == KEY
    assert answer["formOrderStatus"] == "Completed"
    data = json.loads(str(answer["formData"]))
    assert set(data) == {
        "VisitExperience",
        "ImprovementSuggestions",
        "Weight",
        "Smoker",
        "DiagnosisDate",
        "Satisfaction",
    }
    assert any(ch in data["VisitExperience"] for ch in "æøåÆØÅ")
    assert 20 <= data["Weight"] <= 300
    assert answer["signedFormId"] == NIL_GUID
    assert answer["scannedPaperId"] == NIL_GUID
    assert answer["notificationChannel"] == 1
    assert answer["isPatientInitiated"] is False
    events = [e["eventType"] for e in answer["formOrderEventLog"]]  # type: ignore[union-attr, index]
    assert events[0] == "FormOpened"
    assert events[-1] == "FormDelivered"
    assert events.count("QuestionAccessed") == 6
    assert answer["filledOutBy"] == {
        "filledOutByActNationalId": VERIFY,
        "filledOutByActType": "SegSelv",
    }


def test_complete_with_given_answers_and_warnings(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api)
    sim.control.complete(
        order["id"],
        answers={"HealthGeneral": 3},
        warnings=[{"fieldName": "HealthGeneral", "warning": "sjekk"}],
    )
    answer = answer_of(receiver)
    assert answer["formData"] == '{"HealthGeneral":3}'
    assert answer["formDataWarnings"] == [{"fieldName": "HealthGeneral", "warning": "sjekk"}]


def test_a_form_that_must_be_signed_cannot_be_delivered_unsigned(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, formId=CONSENT)
    with pytest.raises(ApiError) as refused:
        sim.control.complete(order["id"])
    assert refused.value.status == 409
    assert f"order {order['id']} must be signed before delivery" in refused.value.text
    sim.control.complete(order["id"], sign=True)
    answer = answer_of(receiver)
    signed_id = str(answer["signedFormId"])
    assert signed_id != NIL_GUID
    events = [e["eventType"] for e in answer["formOrderEventLog"]]  # type: ignore[union-attr, index]
    assert "SigningStarted" in events
    assert "SigningCompleted" in events
    pdf = api.get(f"/api/ExternalDocument/{signed_id}")
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-1.4")
    assert pdf.content.rstrip().endswith(b"%%EOF")


def test_an_order_with_must_be_signed_needs_signing_too(
    api: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(api, mustBeSigned=True, signingText="Signer her")
    with pytest.raises(ApiError, match="must be signed before delivery"):
        sim.control.complete(order["id"])


def test_signed_document_download_needs_the_key_of_the_owner(
    api: httpx.Client, anon: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(api, formId=CONSENT)
    view = sim.control.complete(order["id"], sign=True)
    assert view.signed_form_id
    assert anon.get(f"/api/ExternalDocument/{view.signed_form_id}").status_code == 401
    sim.control.register_ordering_system("other", "other-key-123456", "http://127.0.0.1:9/cb")
    other = anon.get(
        f"/api/ExternalDocument/{view.signed_form_id}",
        headers={"authorization": "Basic other-key-123456"},
    )
    assert other.status_code == 404
    assert api.get(f"/api/externaldocument/{view.signed_form_id.upper()}").status_code == 200
    assert api.get(f"/api/ExternalDocument/{NIL_GUID}").status_code == 404


def test_paper_answer_sets_scanned_paper_id_and_channel(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, nationalId=PAPER, distributionRule="PaperOnly")
    sim.control.complete(order["id"], paper=True)
    answer = answer_of(receiver)
    assert answer["scannedPaperId"] != NIL_GUID
    assert answer["notificationChannel"] == 4
    assert answer["formOrderEventLog"] == []
    assert "filledOutBy" not in answer


def test_expire_sends_an_expired_answer(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api)
    assert sim.control.expire(order["id"]).status == "Expired"
    answer = answer_of(receiver)
    assert answer["formOrderStatus"] == "Expired"
    assert answer["formData"] is None
    with pytest.raises(ApiError) as conflict:
        sim.control.complete(order["id"])
    assert conflict.value.status == 409
    assert "is Expired: only an Ordered order can be completed" in conflict.value.text


def test_paper_returned(api: httpx.Client, sim: RunningSimulator, receiver: Receiver) -> None:
    digital = place(api)
    with pytest.raises(ApiError, match="not on paper"):
        sim.control.paper_returned(digital["id"])
    order = place(api, nationalId=PAPER, distributionRule="PaperOnly")
    assert sim.control.paper_returned(order["id"]).status == "PhysicalMailReturned"
    answers = [
        c.body for c in receiver.wait_for(3) if c.body["formOrderStatus"] == "PhysicalMailReturned"
    ]
    assert len(answers) == 1
    assert answers[0]["formOrderId"] == order["id"]


def test_unknown_order_is_404(sim: RunningSimulator) -> None:
    with pytest.raises(ApiError) as missing:
        sim.control.order("nope")
    assert missing.value.status == 404


def test_order_view_shows_callbacks_and_attempts(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api)
    receiver.wait_for(1)
    sim.control.wait_for_idle()
    view = sim.control.order(order["id"])
    assert (view.recipient, view.channel, view.status, view.subject) == (
        VERIFY,
        "Helsenorge",
        "Ordered",
        "Spørreskjema om helse (RAND-12)",
    )
    [callback] = view.callbacks
    assert callback.kind == "status"
    assert callback.state == "delivered"
    assert callback.attempts[0].acknowledged
    assert callback.attempts[0].status == 200
    assert "apiKey" not in callback.body


def test_inbox_task_with_cover_letter_metadata_and_on_behalf_of(
    api: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(
        api, nationalId=HANNE, onBehalfOfNationalId=CHILD, metadata='{"visit":"2026-11-01"}'
    )
    [task] = sim.control.inbox(HANNE).tasks
    assert task.form_order_id == order["id"]
    assert task.title == "Spørreskjema om helse (RAND-12)"
    assert task.cover_letter.startswith("Hei! Vi ber deg svare")
    assert task.metadata == {"visit": "2026-11-01"}
    assert task.on_behalf_of is not None
    assert (task.on_behalf_of.national_id, task.on_behalf_of.name) == (CHILD, "Bjørn Barn")
    assert "Bjørn Barn" in task.on_behalf_of.info_text


def test_stored_copy_goes_to_the_person_the_form_is_about_not_the_filler(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, nationalId=HANNE, onBehalfOfNationalId=CHILD)
    sim.control.complete(order["id"])
    assert [c.form_order_id for c in sim.control.inbox(CHILD).stored_copies] == [order["id"]]
    assert sim.control.inbox(HANNE).stored_copies == []
    answer = answer_of(receiver)
    assert answer["filledOutBy"] == {
        "filledOutByActNationalId": HANNE,
        "filledOutByActType": "Foreldrerepresentasjon",
    }


def test_dont_store_completed_form_keeps_no_copy(api: httpx.Client, sim: RunningSimulator) -> None:
    kept = place(api)
    skipped = place(api, dontStoreCompletedFormInPha=True)
    sim.control.complete(kept["id"])
    sim.control.complete(skipped["id"])
    assert [c.form_order_id for c in sim.control.inbox(VERIFY).stored_copies] == [kept["id"]]


def test_patient_initiated_order(sim: RunningSimulator, receiver: Receiver) -> None:
    view = sim.control.patient_initiated(RAND12, VERIFY)
    assert view.is_patient_initiated
    assert view.status == "Completed"
    [answer] = [c.body for c in receiver.wait_for(1)]
    FormAnswerCallback.from_wire(answer)
    assert answer["isPatientInitiated"] is True
    values = answer["patientInitiatedValues"]
    assert values["formId"] == RAND12
    assert values["nationalId"] == VERIFY
    assert values["orderTimestampUTC"].endswith("Z")  # type: ignore[index]
    assert answer["formOrderId"] == view.id


def test_patient_initiated_refusals(sim: RunningSimulator) -> None:
    with pytest.raises(ApiError, match="cannot be ordered by the patient") as not_orderable:
        sim.control.patient_initiated(VISIT, VERIFY)
    assert not_orderable.value.status == 400
    with pytest.raises(ApiError, match="is not published") as unpublished:
        sim.control.patient_initiated(DRAFT, VERIFY)
    assert unpublished.value.status == 400
    with pytest.raises(ApiError, match="must be signed before delivery"):
        sim.control.patient_initiated(SIDE_EFFECTS, VERIFY)
    assert sim.control.patient_initiated(SIDE_EFFECTS, VERIFY, sign=True).signed_form_id


def test_forms_have_a_public_url_when_patient_orderable(sim: RunningSimulator) -> None:
    forms = {form.id: form for form in sim.control.forms()}
    assert forms[RAND12].public_url == f"{sim.root_url}/_simulator/forms/{RAND12}/public"
    assert forms[VISIT].public_url is None
    assert LOOPBACK.get(str(forms[RAND12].public_url)).json()["name"] == "RAND-12"
    assert LOOPBACK.get(f"{sim.root_url}/_simulator/forms/{VISIT}/public").status_code == 404


def test_reset_forgets_orders_but_keeps_ordering_systems(
    api: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(api)
    sim.control.add_fault("drop")
    sim.control.reset()
    with pytest.raises(ApiError):
        sim.control.order(order["id"])
    assert sim.control.faults() == []
    assert sim.control.outbox() == []
    assert place(api)["id"]


def test_register_ordering_system_replaces_by_name(
    sim: RunningSimulator, anon: httpx.Client
) -> None:
    view = sim.control.register_ordering_system(
        "second", "second-key-0000", "http://127.0.0.1:9/x/"
    )
    assert view.callback_base_url == "http://127.0.0.1:9/x"
    with pytest.raises(ApiError) as clash:
        sim.control.register_ordering_system("third", "second-key-0000", "http://127.0.0.1:9/x")
    assert clash.value.status == 409
    assert "second-key-0000" not in clash.value.text
    ok = anon.post(
        "/api/v2/formorder",
        json={"formId": RAND12, "nationalId": VERIFY, "expiryDate": "2030-01-01"},
        headers={"Authorization": "Basic second-key-0000"},
    )
    assert ok.status_code == 200


def test_patients_listing_masks_national_ids(sim: RunningSimulator) -> None:
    people = {p.key: p for p in sim.control.patients()}
    assert people["verification-person"].national_id == "266702*****"
    assert people["verification-person"].channels["Basic"] == "Helsenorge"


def test_control_validation_errors_are_400(sim: RunningSimulator) -> None:
    response = LOOPBACK.post(f"{sim.root_url}/_simulator/faults", json={"type": "explode"})
    assert response.status_code == 400
    assert response.text.startswith("type: Input should be")

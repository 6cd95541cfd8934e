"""S1 — on behalf of, S2 — signing."""

from __future__ import annotations

import hashlib

import pytest
from _support import as_dict, require_callback

from eprom_verify import ApiError, CheckFailure
from eprom_verify.assertions import assert_accepted, assert_exactly_one, assert_our_key
from eprom_verify.pytest import not_run


def _on_behalf_pair(eprom):
    child = next((p for p in eprom.patients if p.can_be_represented and p.registered), None)
    parent = next(
        (
            p
            for p in eprom.patients
            if p.registered and p.helsenorge_consent == "full" and p is not child
        ),
        None,
    )
    return parent, child


@pytest.mark.checkpoint("S1")
def test_on_behalf_of(eprom):
    parent, child = _on_behalf_pair(eprom)
    form = next((f for f in eprom.forms if f.published and not f.must_be_signed), None)
    if parent is None or child is None or form is None:
        not_run("the patients file has no representable child and parent")
    placed = eprom.order_once(
        "s1",
        lambda: eprom.order_request(parent, form, on_behalf_of_national_id=child.national_id),
        checkpoint_ids=("S1",),
    )
    assert_accepted(placed, "the on-behalf-of order")
    cb = require_callback(placed.status_callbacks, "status callback")
    assert_our_key(cb, what="status callback", ident=f"order {placed.order_id}", key=eprom.api_key)
    if eprom.simulator is None:
        eprom.instruct_fill_on_behalf(parent, child, form, placed)
        eprom.require_attestation(
            "S1",
            "Did the task and the form show who it is filled in on behalf of, "
            "and did the person filling in get NO copy?",
        )
        return
    control = eprom.simulator.control
    recipient = placed.response.national_id if placed.response else parent.national_id
    inbox = as_dict(control.inbox(recipient))
    task = next(
        (t for t in inbox.get("tasks", []) if t.get("formOrderId") == placed.order_id), None
    )
    if task is None or not task.get("onBehalfOf"):
        raise CheckFailure(
            f"the task of order {placed.order_id} does not say on whose behalf it is filled in",
            expected={"onBehalfOf": {"nationalId": child.national_id[:6] + "*****"}},
            received=task,
            order_id=placed.order_id,
        )
    control.complete(
        placed.order_id,
        filled_out_by={"nationalId": recipient, "actType": "Foreldrerepresentasjon"},
    )
    eprom.delivered(placed, because="the simulated parent delivered it")
    answers, waited = eprom.wait(
        "answer",
        placed.order_id,
        timeout_s=eprom.settings.callback_timeout_s,
        what=f"the answer to order {placed.order_id}",
    )
    assert_exactly_one(
        answers, what="answer callback", ident=f"order {placed.order_id}", waited_s=waited
    )
    filler_copies = [
        c.get("formOrderId") for c in as_dict(control.inbox(recipient)).get("storedCopies", [])
    ]
    if placed.order_id in filler_copies:
        raise CheckFailure(
            f"the person who filled in order {placed.order_id} on behalf of someone got a copy",
            expected="no stored copy for the filler",
            received="a stored copy",
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("S2")
def test_signing(eprom, signing_case):
    if signing_case is None:
        not_run("the forms file has no published form that must be signed")
    form, person = signing_case.form, signing_case.patient
    placed = eprom.order_once(
        f"s2:{form.id}",
        lambda: eprom.order_request(
            person, form, must_be_signed=True, signing_text="Jeg bekrefter at svarene er riktige."
        ),
        checkpoint_ids=("S2",),
    )
    assert_accepted(placed, "the order with signing")
    require_callback(placed.status_callbacks, "status callback")
    if eprom.simulator is None:
        eprom.instruct_fill(signing_case, placed, signing=True)
    else:
        control = eprom.simulator.control
        try:
            control.complete(placed.order_id, sign=False)
        except ApiError as exc:
            if exc.status not in (400, 409):
                raise
        else:
            raise CheckFailure(
                f"order {placed.order_id} was delivered without a signature",
                expected="delivery refused until the form is signed",
                received="delivered",
                order_id=placed.order_id,
            )
        control.complete(placed.order_id, sign=True)
        eprom.delivered(placed, because="the simulated patient signed and delivered it")
    timeout = (
        eprom.settings.callback_timeout_s if eprom.simulator else eprom.settings.fill_timeout_s
    )
    answers, waited = eprom.wait(
        "answer",
        placed.order_id,
        timeout_s=timeout,
        what=f"the signed answer to order {placed.order_id}",
    )
    if not answers and eprom.simulator is None:
        eprom.missing_answer(
            placed, waited_s=waited, expected="1 answer callback with a signedFormId"
        )
    answer = assert_exactly_one(
        answers, what="answer callback", ident=f"order {placed.order_id}", waited_s=waited
    )
    if answer.model is None or not answer.model.is_signed:
        raise CheckFailure(
            f"the answer to order {placed.order_id} has no signedFormId",
            expected="signedFormId ≠ 00000000-0000-0000-0000-000000000000",
            received=(answer.data or {}).get("signedFormId"),
            order_id=placed.order_id,
        )
    pdf = eprom.client.download_signed_form(answer.model.signed_form_id)
    eprom.fact(
        order_id=placed.order_id,
        signed_form_id=answer.model.signed_form_id,
        size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        mime="application/pdf" if pdf.startswith(b"%PDF") else "unknown",
    )
    if not pdf.startswith(b"%PDF"):
        raise CheckFailure(
            f"the signed document {answer.model.signed_form_id} is not a PDF",
            expected="a PDF (starts with %PDF)",
            received=pdf[:16],
            order_id=placed.order_id,
        )

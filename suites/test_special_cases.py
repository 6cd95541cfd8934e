"""S1 — on behalf of, S2 — signing."""

from __future__ import annotations

import hashlib

import pytest
from _support import as_dict, require_callback

from eprom_verify import (
    ApiError,
    CheckFailure,
    Text,
    assert_accepted,
    assert_exactly_one,
    assert_our_key,
    order_label,
)
from eprom_verify.contract import CallbackKind
from eprom_verify.pytest import not_run
from eprom_verify.simulator import picture_of_portal


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
        not_run(
            Text(
                en="the patients file has no representable child and parent",
                nb="pasientfilen har ikke et barn som kan representeres, og en forelder",
            )
        )
    placed = eprom.order_once(
        "s1",
        lambda: eprom.order_request(parent, form, on_behalf_of_national_id=child.national_id),
        checkpoint_ids=("S1",),
    )
    assert_accepted(
        placed, Text(en="the on-behalf-of order", nb="bestillingen på vegne av en annen")
    )
    label = order_label(placed.order_id)
    cb = require_callback(placed.status_callbacks, CallbackKind.STATUS)
    assert_our_key(cb, kind=CallbackKind.STATUS, ident=label, key=eprom.api_key)
    if eprom.simulator is None:
        eprom.instruct_fill_on_behalf(parent, child, form, placed)
        eprom.require_attestation(
            "S1",
            Text(
                en="Did the task and the form show who it is filled in on behalf of, "
                "and did the person filling in get NO copy?",
                nb="Viste oppgaven og skjemaet hvem det fylles ut på vegne av, og fikk den "
                "som fylte ut, INGEN kopi?",
            ),
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
            Text(
                en=f"the task of {label.en} does not say on whose behalf it is filled in",
                nb=f"oppgaven for {label.nb} sier ikke hvem den fylles ut på vegne av",
            ),
            expected={"onBehalfOf": {"nationalId": child.national_id[:6] + "*****"}},
            received=task,
            order_id=placed.order_id,
        )
    picture_of_portal(
        eprom,
        f"tasks/{placed.order_id}",
        checkpoint_ids=("S1",),
        caption=Text(
            en=f"The task and the form say on whose behalf ({child.name})",
            nb=f"Oppgaven og skjemaet sier hvem det gjelder ({child.name})",
        ),
        order_id=placed.order_id,
        height=1100,
    )
    control.complete(
        placed.order_id,
        filled_out_by={"nationalId": recipient, "actType": "Foreldrerepresentasjon"},
    )
    eprom.delivered(
        placed,
        because=Text(
            en="the simulated parent delivered it", nb="den simulerte forelderen sendte den inn"
        ),
    )
    answers, waited = eprom.wait(
        "answer",
        placed.order_id,
        timeout_s=eprom.settings.callback_timeout_s,
        what=f"the answer to order {placed.order_id}",
    )
    assert_exactly_one(answers, kind=CallbackKind.ANSWER, ident=label, waited_s=waited)
    picture_of_portal(
        eprom,
        f"persons/{parent.key}/archive",
        checkpoint_ids=("S1",),
        caption=Text(
            en=f"The health archive of {parent.name}, who filled it in: no copy",
            nb=f"Helsearkivet til {parent.name}, som fylte ut: ingen kopi",
        ),
        order_id=placed.order_id,
        height=800,
        key="S1 archive",
    )
    filler_copies = [
        c.get("formOrderId") for c in as_dict(control.inbox(recipient)).get("storedCopies", [])
    ]
    if placed.order_id in filler_copies:
        raise CheckFailure(
            Text(
                en=f"the person who filled in {label.en} on behalf of someone got a copy",
                nb=f"den som fylte ut {label.nb} på vegne av en annen, fikk en kopi",
            ),
            expected=Text(
                en="no stored copy for the filler", nb="ingen lagret kopi for den som fylte ut"
            ),
            received=Text(en="a stored copy", nb="en lagret kopi"),
            order_id=placed.order_id,
        )


@pytest.mark.checkpoint("S2")
def test_signing(eprom, signing_case):
    if signing_case is None:
        not_run(
            Text(
                en="the forms file has no published form that must be signed",
                nb="skjemafilen har ikke et publisert skjema som må signeres",
            )
        )
    form, person = signing_case.form, signing_case.patient
    placed = eprom.order_once(
        f"s2:{form.id}",
        lambda: eprom.order_request(
            person, form, must_be_signed=True, signing_text="Jeg bekrefter at svarene er riktige."
        ),
        checkpoint_ids=("S2",),
    )
    assert_accepted(placed, Text(en="the order with signing", nb="bestillingen med signering"))
    label = order_label(placed.order_id)
    require_callback(placed.status_callbacks, CallbackKind.STATUS)
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
                Text(
                    en=f"{label.en} was delivered without a signature",
                    nb=f"{label.capitalized().nb} ble sendt inn uten signatur",
                ),
                expected=Text(
                    en="delivery refused until the form is signed",
                    nb="innsending avvist til skjemaet er signert",
                ),
                received=Text(en="delivered", nb="sendt inn"),
                order_id=placed.order_id,
            )
        control.complete(placed.order_id, sign=True)
        eprom.delivered(
            placed,
            because=Text(
                en="the simulated patient signed and delivered it",
                nb="den simulerte pasienten signerte og sendte den inn",
            ),
        )
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
            placed,
            waited_s=waited,
            expected=Text(
                en="1 answer callback with a signedFormId", nb="1 svarmelding med en signedFormId"
            ),
        )
    answer = assert_exactly_one(answers, kind=CallbackKind.ANSWER, ident=label, waited_s=waited)
    if answer.model is None or not answer.model.is_signed:
        raise CheckFailure(
            Text(
                en=f"the answer to {label.en} has no signedFormId",
                nb=f"svaret på {label.nb} har ingen signedFormId",
            ),
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
        signed = answer.model.signed_form_id
        raise CheckFailure(
            Text(
                en=f"the signed document {signed} is not a PDF",
                nb=f"det signerte dokumentet {signed} er ikke en PDF",
            ),
            expected=Text(en="a PDF (starts with %PDF)", nb="en PDF (begynner med %PDF)"),
            received=pdf[:16],
            order_id=placed.order_id,
        )

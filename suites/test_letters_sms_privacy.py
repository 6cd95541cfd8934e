"""Beyond Hemit's list: letters (L), SMS and e-mail (U), privacy settings (PV)."""

from __future__ import annotations

import time

import pytest

from eprom_verify import (
    ApiError,
    CheckFailure,
    Text,
    assert_accepted,
    assert_contract,
    assert_exactly_one,
    assert_our_key,
    expect_refusal,
    fixtures_dir,
    letter_label,
)
from eprom_verify.contract import (
    MAX_DOCUMENT_BYTES,
    NIL_GUID,
    CallbackKind,
    EmailRequest,
    GetPersonvernInnstillingRequest,
    MessageInfo,
    MessageToCitizenRequest,
    NotificationChannel,
    PersonvernStatus,
    PersonvernType,
    PlainDocument,
    SenderInfo,
    SentStatus,
    SetPersonvernInnstillingRequest,
    SmsRequest,
    VolvenStatus,
)
from eprom_verify.contract import refusals as documented
from eprom_verify.pytest import needs_attestation, not_run

#: a skip reason the privacy checks share
NO_PVK = Text(
    en="the patients file defines no privacy setting (pvk)",
    nb="pasientfilen definerer ingen personverninnstilling (pvk)",
)


def _pdf() -> bytes:
    return (fixtures_dir() / "sample.pdf").read_bytes()


def _letter(eprom, patient, priority, *, main: PlainDocument | None = "default", **fields):  # type: ignore[assignment]
    doc = (
        PlainDocument(_pdf(), title="Innkalling", file_name="innkalling.pdf")
        if main == "default"
        else main
    )
    collection = eprom.client.document_shape.encode(doc, [])
    return MessageToCitizenRequest.model_validate(
        {
            "nationalId": patient.national_id,
            "senderInfo": SenderInfo(
                organisation_name="eprom-verify", organisation_nr="999999999"
            ).to_wire(),
            "messageInfo": MessageInfo(
                title="Melding fra registeret", description="Test", merknad="eprom-verify"
            ).to_wire(),
            "documentCollection": collection,
            "notificationPriorityList": [c.wire_name for c in priority],
            **fields,
        }
    )


@pytest.fixture(scope="module", autouse=True)
def _send_every_letter_at_once(eprom, request):
    from _support import params_of

    cases = params_of(request, "letter_case")
    eprom.prefetch_letters(
        {f"letter:{c.id}": (lambda c=c: _letter(eprom, c.patient, c.priority)) for c in cases}
    )


@pytest.mark.checkpoint("L1", "L2")
def test_letter_sent_and_status_once(eprom, letter_case):
    placed = eprom.send_letter_once(
        f"letter:{letter_case.id}",
        lambda: _letter(eprom, letter_case.patient, letter_case.priority),
    )
    key = letter_case.patient.key
    assert_accepted(placed, Text(en=f"the letter to {key}", nb=f"brevet til «{key}»"))
    response = placed.response
    eprom.fact(
        person=letter_case.patient.key,
        priority=[c.wire_name for c in letter_case.priority],
        expected_channel=letter_case.expected.wire_name,
        received_channel=response.notification_channel.wire_name,
        order_id=response.message_to_citizen_id,
        callbacks=len(placed.callbacks),
    )
    label = letter_label(response.message_to_citizen_id)
    if response.notification_channel is not letter_case.expected:
        raise CheckFailure(
            Text(
                en=f"{label.en} ({letter_case.id}) went to the wrong channel",
                nb=f"{label.capitalized().nb} («{letter_case.id}») fikk feil kanal",
            ),
            expected=letter_case.expected.wire_name,
            received=response.notification_channel.wire_name,
            order_id=response.message_to_citizen_id,
        )
    if letter_case.expected is NotificationChannel.None_:
        # "er det ikke sendt noe melding": no letter, so no id and no status callback
        if response.message_to_citizen_id != NIL_GUID or placed.callbacks:
            raise CheckFailure(
                Text(
                    en=f"a letter nobody can be reached for ({letter_case.id}) was still made",
                    nb=f"et brev til en som ikke kan nås («{letter_case.id}»), ble likevel laget",
                ),
                expected={"messageToCitizenId": NIL_GUID, "callbacks": 0},
                received={
                    "messageToCitizenId": response.message_to_citizen_id,
                    "callbacks": len(placed.callbacks),
                },
                order_id=response.message_to_citizen_id,
            )
        return
    kind = CallbackKind.LETTER
    one = assert_exactly_one(placed.callbacks, kind=kind, ident=label, waited_s=placed.waited_s)
    assert_contract(one, kind=kind, ident=label)
    assert_our_key(one, kind=kind, ident=label, key=eprom.api_key)
    expected_status = SentStatus.Sent
    received = (one.model.sent_status.name, one.model.notification_channel.wire_name)
    if received != (expected_status.name, letter_case.expected.wire_name):
        raise CheckFailure(
            Text(
                en=f"the status callback of {label.en} does not match the letter",
                nb=f"statusmeldingen for {label.nb} stemmer ikke med brevet",
            ),
            expected={
                "sentStatus": expected_status.name,
                "notificationChannel": letter_case.expected.wire_name,
            },
            received={"sentStatus": received[0], "notificationChannel": received[1]},
            order_id=response.message_to_citizen_id,
        )


@pytest.mark.checkpoint("L3")
@pytest.mark.parametrize("problem", ["no-main-document", "over-30-mb"])
def test_letter_refused(eprom, problem):
    person = next((p for p in eprom.patients if p.registered), None)
    if person is None:
        not_run(
            Text(
                en="no registered person in the patients file",
                nb="pasientfilen har ingen registrert person",
            )
        )
    priority = (NotificationChannel.Helsenorge,)
    if problem == "no-main-document":
        request = _letter(eprom, person, priority, main=None)
        refusal = documented.DocumentedRefusal(400, documented.MAIN_DOCUMENT_MISSING)
    else:
        big = b"%PDF-1.4\n" + b"0" * (MAX_DOCUMENT_BYTES + 1)
        request = _letter(
            eprom, person, priority, main=PlainDocument(big, title="Stor", file_name="stor.pdf")
        )
        # the docs give the 30 MB limit but no text for it: any 400 naming the limit
        refusal = documented.DocumentedRefusal(400, "", prefix=True)
    problem_said = _LETTER_PROBLEMS[problem]
    try:
        response = eprom.client.send_letter(request)
    except ApiError as exc:
        if not refusal.matches(exc.status, exc.text) or (
            problem == "over-30-mb" and "30 MB" not in exc.text
        ):
            raise CheckFailure(
                Text(
                    en=f"the letter {problem_said.en} was refused, but not as documented",
                    nb=f"brevet {problem_said.nb} ble avvist, men ikke slik det er dokumentert",
                ),
                expected=f"400 {refusal.text or '… 30 MB …'}",
                received=f"{exc.status} {exc.text[:300]}",
            ) from None
        return
    letter_id = response.message_to_citizen_id
    raise CheckFailure(
        Text(
            en=f"a letter {problem_said.en} was accepted ({letter_id})",
            nb=f"et brev {problem_said.nb} ble godtatt ({letter_id})",
        ),
        expected=f"400 {refusal.text or '… 30 MB …'}",
        received=f"200 {response.notification_channel.wire_name}",
    )


#: what is wrong with the letter L3 sends
_LETTER_PROBLEMS = {
    "no-main-document": Text(en="without a main document", nb="uten hoveddokument"),
    "over-30-mb": Text(en="with a document over 30 MB", nb="med et dokument over 30 MB"),
}


def _unsecure_person(eprom):
    return next(
        (p for p in eprom.patients if p.registered and p.krr and p.krr.phone and p.krr.email), None
    )


UNSECURE = [
    pytest.param("SMS", "phoneNumber", marks=pytest.mark.checkpoint("U1"), id="sms"),
    pytest.param("e-mail", "emailAddress", marks=pytest.mark.checkpoint("U2"), id="email"),
]


def _unsecure(eprom, kind: str, **fields):
    text = "Du har fått et nytt skjema (test)."
    if kind == "SMS":
        return eprom.client.send_sms(SmsRequest(sms_text=text, **fields))
    return eprom.client.send_email(
        EmailRequest(email_title="Nytt skjema", email_text=text, **fields)
    )


@pytest.mark.parametrize(("kind", "address_field"), UNSECURE)
def test_unsecure_message(eprom, kind, address_field):
    person = _unsecure_person(eprom)
    if person is None:
        not_run(
            Text(
                en="no person with a phone and an e-mail in KRR",
                nb="ingen person med telefon og e-post i KRR",
            )
        )
    answer = _unsecure(eprom, kind, national_id=person.national_id)
    noun = _UNSECURE_NAMES[kind]
    if not answer.success:
        raise CheckFailure(
            Text(
                en=f"the {noun.en} to {person.key} was not sent",
                nb=f"{noun.capitalized().nb} til «{person.key}» ble ikke sendt",
            ),
            expected={"success": True},
            received={"success": False},
        )
    expect_refusal(
        lambda: _unsecure(eprom, kind),
        documented.DocumentedRefusal(400, documented.recipient_missing(address_field)),
        what=Text(en=f"an {kind} without a recipient", nb=f"{noun.nb} uten mottaker"),
    )


#: the SMS / the e-mail, as a failure names it
_UNSECURE_NAMES = {
    "SMS": Text(en="SMS", nb="SMS-en"),
    "e-mail": Text(en="e-mail", nb="e-posten"),
}


def _answered(call, what: Text):
    """``call()``'s answer; an error status from ePROM is this check's failure."""
    try:
        return call()
    except ApiError as exc:
        raise CheckFailure(
            Text(
                en=f"{what.en} failed: {exc.status} {exc.text}",
                nb=f"{what.capitalized().nb} feilet: {exc.status} «{exc.text}»",
            ),
            expected="200",
            received=f"{exc.status} {exc.text}" if not exc.transport else exc.text,
        ) from None


def _volven(kind: str, status: PersonvernStatus | None) -> str:
    """The Volven 7609 code a callback reports for ``status`` (RES/IRES, SAM/ISAM)."""
    code = "RES" if kind == "Reservasjon" else "SAM"
    return code if status is PersonvernStatus.Aktiv else "I" + code


@pytest.mark.checkpoint("PV1")
def test_privacy_get_and_set(eprom, pvk_case):
    if pvk_case is None:
        not_run(NO_PVK)
    d, person = pvk_case.definition, pvk_case.patient
    kind = PersonvernType.parse(d.type)
    before = _answered(
        lambda: eprom.client.get_personvern(
            GetPersonvernInnstillingRequest(national_id=person.national_id, type=kind, pvk_id=d.id)
        ),
        Text(
            en=f"reading {d.name} for {person.key}", nb=f"lesing av «{d.name}» for «{person.key}»"
        ),
    )
    target = (
        PersonvernStatus.IkkeAktiv
        if before.status is PersonvernStatus.Aktiv
        else PersonvernStatus.Aktiv
    )
    changed = _answered(
        lambda: eprom.client.set_personvern(
            SetPersonvernInnstillingRequest(
                national_id=person.national_id, pvk_id=d.id, type=kind, status=target
            )
        ),
        Text(
            en=f"setting {d.name} for {person.key}", nb=f"endring av «{d.name}» for «{person.key}»"
        ),
    )
    ident = f"{person.national_id}:{d.id}"
    if changed.instans_endret.name == "Endret":  # ePROM may report our own change back, or not
        eprom.expect_privacy_change(ident, status=_volven(d.type, target), own=True)
    after = _answered(
        lambda: eprom.client.get_personvern(
            GetPersonvernInnstillingRequest(national_id=person.national_id, type=kind, pvk_id=d.id)
        ),
        Text(
            en=f"reading {d.name} for {person.key} again",
            nb=f"ny lesing av «{d.name}» for «{person.key}»",
        ),
    )
    if changed.instans_endret.name != "Endret" or after.status is not target:
        raise CheckFailure(
            Text(
                en=f"setting {d.name} for {person.key} to {target.name} did not take",
                nb=f"endringen av «{d.name}» for «{person.key}» til {target.name} virket ikke",
            ),
            expected={"instansEndret": "Endret", "status": target.name},
            received={
                "instansEndret": changed.instans_endret.name,
                "status": after.status.name if after.status is not None else None,
            },
        )
    restored = eprom.client.set_personvern(
        SetPersonvernInnstillingRequest(
            national_id=person.national_id,
            pvk_id=d.id,
            type=kind,
            status=before.status or PersonvernStatus.IkkeAktiv,
        )
    )
    if restored.instans_endret.name == "Endret":
        eprom.expect_privacy_change(ident, status=_volven(d.type, before.status), own=True)
    try:
        eprom.client.get_personvern(
            GetPersonvernInnstillingRequest(national_id="123", type=kind, pvk_id=d.id)
        )
    except ApiError as exc:
        if exc.status != 400:
            raise CheckFailure(
                Text(
                    en="a 3-digit nationalId was refused with the wrong status",
                    nb="en nationalId på 3 sifre ble avvist med feil status",
                ),
                expected=400,
                received=exc.status,
            ) from None
    else:
        raise CheckFailure(
            Text(
                en="a 3-digit nationalId was accepted",
                nb="en nationalId på 3 sifre ble godtatt",
            ),
            expected=400,
            received=200,
        )


@pytest.mark.checkpoint("PV2")
def test_privacy_residents_paged_to_the_end(eprom, pvk_case):
    if pvk_case is None:
        not_run(NO_PVK)
    name = pvk_case.definition.name
    pages = _answered(
        lambda: list(eprom.client.iter_residents_active_pi(pvk_case.definition.id)),
        Text(
            en=f"paging the residents of {name}",
            nb=f"henting av innbyggerne med «{name}», side for side,",
        ),
    )
    last = pages[-1]
    if last.paging_reference != 0:
        raise CheckFailure(
            Text(
                en="the paging did not end with pagingReference 0",
                nb="sidene sluttet ikke med pagingReference 0",
            ),
            expected=0,
            received=last.paging_reference,
        )
    ids = [r.national_id for p in pages for r in p.personvern_innstillinger]
    if len(ids) != len(set(ids)):
        raise CheckFailure(
            Text(en="a resident appears on two pages", nb="en innbygger står på to sider"),
            expected=Text(en="each once", nb="hver én gang"),
            received=sorted(ids),
        )


@pytest.mark.checkpoint("PV3")
def test_privacy_change_reported(eprom, pvk_case):
    if pvk_case is None:
        not_run(NO_PVK)
    if eprom.simulator is None:
        needs_attestation(
            Text(
                en="a citizen must change the setting on Helsenorge",
                nb="en innbygger må endre innstillingen på Helsenorge",
            )
        )
    d, person = pvk_case.definition, pvk_case.patient
    status = VolvenStatus.RES if d.type == "Reservasjon" else VolvenStatus.SAM
    ident = f"{person.national_id}:{d.id}"
    kind = CallbackKind.PRIVACY
    # callbacks about the run's own changes (PV1) may have come already: only later ones count
    earlier = {c.seq for c in eprom.listener.received() if c.kind is kind and c.ident == ident}
    eprom.expect_privacy_change(ident, status=status.name)
    eprom.simulator.control.change_personvern(
        national_id=person.national_id, pvk_id=d.id, status=status.value
    )
    waited_from = time.monotonic()
    eprom.listener.wait_for(
        kind,
        ident,
        timeout_s=eprom.settings.callback_timeout_s,
        count=len(earlier) + 1,
        what=f"the privacy-setting callback for {d.name}",
    )
    arrived = eprom.listener.settle(kind, ident, window_s=eprom.settings.duplicate_window_s)
    callbacks = [c for c in arrived if c.seq not in earlier]
    waited = time.monotonic() - waited_from
    # the guide is silent on whether ePROM reports the run's own changes (PV1) back: both
    # pass; the report's column says so (fact_own_changes_reported), here how many came
    eprom.fact(own_changes_reported=len(earlier))
    one = assert_exactly_one(callbacks, kind=kind, ident=d.name, waited_s=waited)
    assert_contract(one, kind=kind, ident=d.name)
    assert_our_key(one, kind=kind, ident=d.name, key=eprom.api_key)
    if one.model.status is not status:
        raise CheckFailure(
            Text(
                en="the privacy-setting callback carries the wrong status",
                nb="meldingen om personverninnstilling har feil status",
            ),
            expected=status.value,
            received=one.model.status.value,
        )

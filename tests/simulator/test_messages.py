"""Letters (§3.2/§4.3), SMS (§3.3) and e-mail (§3.4)."""

from __future__ import annotations

import base64
import random
from typing import Any

import httpx
import pytest

from eprom_verify.contract import NIL_GUID, MessageToCitizenCallback
from eprom_verify.national_id import NationalIdKind, generate
from eprom_verify.simulator import RunningSimulator, run_in_thread

from .conftest import (
    HANNE,
    KEY,
    LIMITED,
    NOT_REGISTERED,
    PAPER,
    TEEN,
    TODAY,
    UNREACHABLE,
    UNSECURE,
    VERIFY,
    loopback_client,
    settings_for,
    settled,
)
from .receiver import Receiver

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def document(content: bytes = PDF, name: str = "brev.pdf") -> dict[str, str]:
    return {
        "title": "Brev",
        "fileName": name,
        "mimeType": "application/pdf",
        "content": base64.b64encode(content).decode(),
    }


def letter(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "nationalId": VERIFY,
        "senderInfo": {"organisationName": "Testregisteret", "organisationNr": "999999999"},
        "messageInfo": {
            "title": "Ikkesensitiv tittel",
            "description": "Beskrivelse",
            "merknad": "HUNT",
        },
        "documentCollection": {"mainDocument": document(), "attachments": []},
        "notificationPriorityList": ["Helsenorge", "DigitalMailbox"],
        "testMode": False,
        "paperColorPrint": False,
    }
    body.update(overrides)
    return body


def send(api: httpx.Client, **overrides: Any) -> httpx.Response:
    return api.post("/api/v2/messagetocitizen", json=letter(**overrides))


def test_letter_is_sent_on_the_first_reachable_channel_and_reported(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    response = send(api)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["notificationChannel"] == "Helsenorge"
    [callback] = receiver.wait_for(1)
    assert callback.path.endswith("/api/MessageToCitizen")
    assert callback.body == {
        "apiKey": KEY,
        "messageToCitizenId": body["messageToCitizenId"],
        "notificationChannel": 1,
        "sentStatus": 0,
    }
    MessageToCitizenCallback.from_wire(callback.body)
    inbox = sim.control.inbox(VERIFY)
    assert [item.title for item in inbox.letters] == ["Ikkesensitiv tittel"]
    assert inbox.letters[0].documents[0]["bytes"] == len(PDF)


@pytest.mark.parametrize(
    ("person", "priority", "channel"),
    [
        (HANNE, ["DigitalMailbox", "Helsenorge"], "DigitalMailbox"),
        (PAPER, ["Helsenorge", 4], "PhysicalMailbox"),
        (LIMITED, [1, 2, 3], "Unsecure"),
    ],
)
def test_priority_list_is_tried_in_order(
    api: httpx.Client, person: str, priority: list[Any], channel: str
) -> None:
    response = send(api, nationalId=person, notificationPriorityList=priority)
    assert response.json()["notificationChannel"] == channel


@pytest.mark.parametrize("priority", [["Helsenorge", "DigitalMailbox"], [], ["None"]])
def test_an_unreachable_letter_is_the_nil_id_channel_none_and_no_callback(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator, priority: list[str]
) -> None:
    """Choice (docs/simulator.md): with channel 0 "er det ikke sendt noe melding"."""
    person = UNREACHABLE if priority else VERIFY
    body = send(api, nationalId=person, notificationPriorityList=priority).json()
    assert body == {"notificationChannel": "None", "messageToCitizenId": NIL_GUID}
    assert settled(sim, receiver) == []
    assert sim.control.inbox(person).letters == []


def test_unknown_person_gets_nil_id_channel_none_and_no_callback(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    body = send(api, nationalId=NOT_REGISTERED).json()
    assert body == {"notificationChannel": "None", "messageToCitizenId": NIL_GUID}
    assert settled(sim, receiver) == []


def test_test_mode_letter_sends_no_callback(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    assert send(api, testMode=True).json()["notificationChannel"] == "Helsenorge"
    assert settled(sim, receiver) == []


def test_main_document_missing(api: httpx.Client) -> None:
    for collection in ({"attachments": [document()]}, None):
        response = send(api, documentCollection=collection)
        assert (response.status_code, response.text) == (
            400,
            "Main document in MessageToCitizen is missing",
        )


def test_wrong_or_missing_key_echoes_what_the_caller_sent(anon: httpx.Client) -> None:
    wrong = anon.post(
        "/api/v2/messagetocitizen", json=letter(), headers={"Authorization": "Basic not-a-key"}
    )
    assert (wrong.status_code, wrong.text) == (400, "apiKey 'not-a-key' doesn't exists")
    missing = anon.post("/api/v2/messagetocitizen", json=letter())
    assert (missing.status_code, missing.text) == (400, "apiKey '' doesn't exists")
    in_body = anon.post("/api/v2/messagetocitizen", json=letter(apiKey="body-key"))
    assert (in_body.status_code, in_body.text) == (400, "apiKey 'body-key' doesn't exists")


def test_the_key_may_come_in_the_body_as_the_parameter_list_names_it(
    anon: httpx.Client, receiver: Receiver
) -> None:
    response = anon.post("/api/v2/messagetocitizen", json=letter(apiKey=KEY))
    assert response.status_code == 200, response.text
    assert response.json()["notificationChannel"] == "Helsenorge"
    [callback] = receiver.wait_for(1)
    assert callback.body["messageToCitizenId"] == response.json()["messageToCitizenId"]
    header_wins = anon.post(
        "/api/v2/messagetocitizen",
        json=letter(apiKey=KEY),
        headers={"Authorization": "Basic wrong-header-key"},
    )
    assert header_wins.text == "apiKey 'wrong-header-key' doesn't exists"


def test_a_document_over_the_limit_is_refused_naming_file_and_size(receiver: Receiver) -> None:
    settings = settings_for(receiver.base_url, max_document_bytes=1000)
    with run_in_thread(settings) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        big = {"mainDocument": document(), "attachments": [document(b"x" * 1001, "vedlegg.pdf")]}
        response = api.post("/api/v2/messagetocitizen", json=letter(documentCollection=big))
        assert response.status_code == 400
        assert response.text.startswith("Document 'vedlegg.pdf' is 1001 bytes")
        assert "up to 1000 bytes" in response.text
        ok = {"mainDocument": document(b"x" * 1000), "attachments": []}
        assert (
            api.post("/api/v2/messagetocitizen", json=letter(documentCollection=ok)).status_code
            == 200
        )


def test_the_real_limit_is_30_mb(api: httpx.Client) -> None:
    content = b"%PDF" + b"\0" * (30 * 1024 * 1024 - 3)
    big = {"mainDocument": document(content, "stor.pdf"), "attachments": []}
    response = send(api, documentCollection=big)
    assert response.status_code == 400
    assert response.text.startswith("Document 'stor.pdf' is 31457281 bytes (30.0 MB)")


def test_invalid_base64_is_400(api: httpx.Client) -> None:
    bad = {"mainDocument": {**document(), "content": "not base64!!"}, "attachments": []}
    response = send(api, documentCollection=bad)
    assert response.status_code == 400
    assert "mainDocument.content is not valid base64" in response.text


def test_letter_h_number_is_refused(api: httpx.Client) -> None:
    h_number = generate(NationalIdKind.H_NUMBER, age=30, today=TODAY, rng=random.Random(3))
    response = send(api, nationalId=h_number)
    assert response.status_code == 400
    assert response.text.startswith("nationalId: H-nummer is not supported")


# --- SMS and e-mail -----------------------------------------------------------------------


def test_sms_by_national_id_reaches_the_krr_phone(api: httpx.Client, sim: RunningSimulator) -> None:
    response = api.post(
        "/api/unsecuremessagesms", json={"apiKey": KEY, "smsText": "Hei", "nationalId": UNSECURE}
    )
    assert response.json() == {"success": True}
    [sms] = sim.control.inbox(UNSECURE).sms
    assert (sms.address, sms.text, sms.delivered) == ("+4740000005", "Hei", True)


def test_sms_to_a_phone_number(api: httpx.Client) -> None:
    body = {"apiKey": KEY, "smsText": "Hei", "phoneNumber": "+4799999999"}
    assert api.post("/api/unsecuremessagesms", json=body).json() == {"success": True}


@pytest.mark.parametrize("person", [UNREACHABLE, NOT_REGISTERED])
def test_sms_to_someone_without_krr_contact_is_not_a_success(
    api: httpx.Client, person: str
) -> None:
    body = {"apiKey": KEY, "smsText": "Hei", "nationalId": person}
    assert api.post("/api/unsecuremessagesms", json=body).json() == {"success": False}


def test_sms_errors(anon: httpx.Client) -> None:
    wrong = anon.post("/api/unsecuremessagesms", json={"apiKey": "nope", "nationalId": VERIFY})
    assert (wrong.status_code, wrong.text) == (400, "apiKey 'nope' doesn't exists")
    missing_key = anon.post("/api/unsecuremessagesms", json={"nationalId": VERIFY})
    assert missing_key.text == "apiKey '' doesn't exists"
    neither = anon.post("/api/unsecuremessagesms", json={"apiKey": KEY, "smsText": "Hei"})
    assert (neither.status_code, neither.text) == (
        400,
        "Either nationalId or phoneNumber must be specified",
    )


def test_email_by_national_id_and_errors(anon: httpx.Client, sim: RunningSimulator) -> None:
    body = {"apiKey": KEY, "emailTitle": "Tittel", "emailText": "Tekst", "nationalId": LIMITED}
    assert anon.post("/api/unsecuremessageemail", json=body).json() == {"success": True}
    [mail] = sim.control.inbox(LIMITED).emails
    assert (mail.address, mail.title) == ("bente.begrenset@example.com", "Tittel")
    teen = {"apiKey": KEY, "emailText": "x", "nationalId": TEEN}  # the teen has a phone only
    assert anon.post("/api/unsecuremessageemail", json=teen).json() == {"success": False}
    wrong = anon.post(
        "/api/unsecuremessageemail", json={"apiKey": "nope", "emailAddress": "a@b.no"}
    )
    assert wrong.text == "apiKey 'nope' doesn't exists"
    neither = anon.post("/api/unsecuremessageemail", json={"apiKey": KEY, "emailText": "x"})
    assert (neither.status_code, neither.text) == (
        400,
        "Either nationalId or emailAddress must be specified",
    )


def _refusal_by_decoding(raw: Any, limit: int) -> str | None:
    """What the letter desk refused before the length shortcut (decode everything first)."""
    from eprom_verify.contract import DocumentShape

    try:
        main, attachments = DocumentShape().decode(raw)
    except ValueError as exc:
        return f"documentCollection: {exc}"
    if main is None:
        return "main document missing"
    for each in (main, *attachments):
        if len(each.content) > limit:
            return f"too big: {each.file_name} {len(each.content)}"
    return None


@pytest.mark.parametrize(
    "collection",
    [
        {"mainDocument": document(b"x" * 11, "a.pdf"), "attachments": []},
        {"mainDocument": document(b"x" * 9, "a.pdf"), "attachments": [document(b"y" * 12, "b")]},
        {"mainDocument": document(b"x" * 12, "a.pdf"), "attachments": [document(b"y" * 13, "b")]},
        {"mainDocument": document(b"x" * 13, "a"), "attachments": [{"content": "not base64!!"}]},
        {"mainDocument": document(b"x" * 13, "a"), "attachments": [{"content": "eHh4"}, 7]},
        {"mainDocument": document(b"x" * 13, "a"), "attachments": "not a list"},
        {"mainDocument": {"content": "eHh4eHh4eHh4eHh4eA="}, "attachments": []},  # bad padding
        {"mainDocument": {"content": "eHh4eHh4eHh4eHh4eA=="}, "attachments": []},
        {"mainDocument": {"content": "eHh4eHh4eHh4eHh4eB=="}, "attachments": []},  # odd bits
        {"mainDocument": {"content": "eHh4eHh4=Hh4eHh4eA=="}, "attachments": []},
        {"mainDocument": {"content": "eHh4eHh4eHh4eHh4eHh4\n"}, "attachments": []},
        {"mainDocument": {"content": "eHh4eHh4eHh4eHh4eHh4ø"}, "attachments": []},
        {"mainDocument": None, "attachments": [document(b"y" * 13, "b")]},
        {"attachments": [document(b"y" * 13, "b")]},
    ],
)
def test_the_length_shortcut_refuses_as_decoding_does(collection: dict[str, Any]) -> None:
    """An oversized document is refused from its base64's length (issue 25) — with the answer
    decoding would give, and only where decoding would get that far."""
    from eprom_verify.contract import DocumentShape
    from eprom_verify.simulator.messages import _oversized_before_decoding

    limit = 11
    expected = _refusal_by_decoding(collection, limit)
    shortcut = _oversized_before_decoding(DocumentShape(), collection, limit)
    if shortcut is not None:
        name, size = shortcut
        assert expected == f"too big: {name} {size}", (
            f"the shortcut refused {name!r} ({size} bytes); decoding says {expected!r}"
        )


def test_plain_base64_sizes_are_the_decoded_sizes() -> None:
    from eprom_verify.simulator.messages import _plain_base64_size

    rng = random.Random(25)
    for n in range(200):
        raw = bytes(rng.randrange(256) for _ in range(n % 40))
        text = base64.b64encode(raw).decode()
        assert _plain_base64_size(text) == len(raw), text
    for text in ("", "eA==", "eHg=", "eHh4", "eB==", "eHh=", "/+/+"):
        assert _plain_base64_size(text) == len(base64.b64decode(text, validate=True)), text
    for text in ("e", "eA=", "eA===", "e===", "====", "=eHh", "eH=4", "eHh4\n", "eHh-"):
        assert _plain_base64_size(text) is None, text

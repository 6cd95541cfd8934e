"""POST /api/v2/formorder: validation, documented errors, channel decision, status callback."""

from __future__ import annotations

import random

import httpx
import pytest

from eprom_verify.contract import NIL_GUID, FormOrderStatusCallback
from eprom_verify.national_id import NationalIdKind, generate
from eprom_verify.simulator import RunningSimulator

from .conftest import (
    CHILD,
    CONSENT,
    DRAFT,
    HANNE,
    KEY,
    LIMITED,
    LOOPBACK,
    NOT_REGISTERED,
    PAPER,
    RAND12,
    STALE,
    TEEN,
    TODAY,
    UNREACHABLE,
    UNSECURE,
    VERIFY,
    VISIT,
    order_body,
    place,
    settled,
)
from .receiver import Receiver

H_NUMBER = generate(NationalIdKind.H_NUMBER, age=40, today=TODAY, rng=random.Random(1))
FH_NUMBER = generate(NationalIdKind.FH_NUMBER, today=TODAY, rng=random.Random(2))
UNKNOWN_FORM = "00000000-1111-2222-3333-444444444444"


def test_order_echoes_the_request_and_adds_id_channel_and_login_url(api: httpx.Client) -> None:
    body = place(api)
    assert body["formId"] == RAND12
    assert body["nationalId"] == VERIFY
    assert body["metadata"] == '{"age":76}'
    assert body["distributionRule"] == "Basic"
    assert body["notificationChannel"] == "Helsenorge"
    assert body["singleUseCode"] is None
    assert body["loginUrl"].endswith("/proms/")
    assert body["id"] != NIL_GUID


def test_status_callback_arrives_once_with_the_decided_channel(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    order = place(api)
    [callback] = receiver.wait_for(1)
    assert callback.path == receiver.prefix + "/api/PromsFormOrder"
    assert callback.body["apiKey"] == KEY
    assert callback.body["formOrderId"] == order["id"]
    assert callback.body["notificationChannel"] == 1
    assert callback.body["formOrderStatus"] == "Ordered"
    assert callback.body["formOrderStatusErrorCode"] == "None"
    assert callback.body["timestamp"]
    assert callback.body["timestampUtc"].endswith("Z")
    FormOrderStatusCallback.from_wire(callback.body)
    assert len(settled(sim, receiver)) == 1


@pytest.mark.parametrize(
    ("person", "rule", "channel"),
    [
        (VERIFY, "Basic", "Helsenorge"),
        (HANNE, "DigitalMailboxOnly", "DigitalMailbox"),
        (HANNE, "UnsecureOnly", "Unsecure"),
        (HANNE, "PaperOnly", "PhysicalMailbox"),
        (LIMITED, "AllowUnsecure", "Unsecure"),
        (UNSECURE, 1, "Unsecure"),
        (PAPER, "BasicOrPaper", "PhysicalMailbox"),
        (STALE, "AllowUnsecureOrPaper", "PhysicalMailbox"),
        (TEEN, "AllowUnsecure", "Unsecure"),
        (CHILD, "Basic", "Helsenorge"),
    ],
)
def test_channel_follows_the_rules(
    api: httpx.Client, receiver: Receiver, person: str, rule: object, channel: str
) -> None:
    order = place(api, nationalId=person, distributionRule=rule)
    assert order["notificationChannel"] == channel
    [callback] = receiver.wait_for(1)
    assert callback.body["formOrderStatus"] == "Ordered"
    assert callback.body["notificationChannel"] == [
        "None",
        "Helsenorge",
        "DigitalMailbox",
        "Unsecure",
        "PhysicalMailbox",
    ].index(channel)


def test_distribution_rule_is_echoed_as_its_name(api: httpx.Client) -> None:
    """Choice (docs/simulator.md): the echo holds the inputs as ePROM read them."""
    assert place(api, distributionRule=3, nationalId=PAPER)["distributionRule"] == "BasicOrPaper"
    assert (
        place(api, distributionRule="basicorpaper", nationalId=PAPER)["distributionRule"]
        == "BasicOrPaper"
    )
    assert place(api, distributionRule="3", nationalId=PAPER)["distributionRule"] == "BasicOrPaper"


@pytest.mark.parametrize(
    ("person", "rule"), [(UNREACHABLE, "AllowUnsecureOrPaper"), (STALE, "Basic"), (TEEN, "Basic")]
)
def test_unreachable_is_accepted_then_error_patient_unreachable(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator, person: str, rule: str
) -> None:
    order = place(api, nationalId=person, distributionRule=rule)
    assert sim.control.order(order["id"]).status == "Error"
    assert sim.control.inbox(person).tasks == []
    refused = LOOPBACK.post(f"{sim.root_url}/_simulator/orders/{order['id']}/complete")
    assert refused.status_code == 409
    assert order["id"] != NIL_GUID
    assert order["notificationChannel"] == "None"
    [callback] = receiver.wait_for(1)
    assert callback.body == {
        "apiKey": KEY,
        "formOrderId": order["id"],
        "notificationChannel": 0,
        "formOrderStatus": "Error",
        "formOrderStatusErrorCode": "PatientUnreachable",
    }


def test_no_distribution_gives_a_single_use_code_and_ordered_with_channel_0(
    api: httpx.Client, receiver: Receiver
) -> None:
    order = place(api, nationalId=UNREACHABLE, distributionRule="NoDistribution")
    assert len(order["singleUseCode"]) == 8
    assert order["notificationChannel"] == "None"
    [callback] = receiver.wait_for(1)
    assert callback.body["formOrderStatus"] == "Ordered"
    assert callback.body["notificationChannel"] == 0


@pytest.mark.parametrize("person", [NOT_REGISTERED, "01010100050"])
def test_a_person_not_in_the_registry_gets_the_nil_id_and_no_order(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator, person: str
) -> None:
    response = api.post("/api/v2/formorder", json=order_body(nationalId=person))
    assert response.status_code == 200, response.text
    assert response.json()["id"] == NIL_GUID
    assert response.json()["notificationChannel"] == "None"
    assert settled(sim, receiver) == []
    assert sim.control.outbox() == []


def test_on_behalf_of_a_representable_child_goes_to_helsenorge(
    api: httpx.Client, receiver: Receiver
) -> None:
    order = place(api, nationalId=HANNE, onBehalfOfNationalId=CHILD, distributionRule="Basic")
    assert order["notificationChannel"] == "Helsenorge"
    assert order["onBehalfOfNationalId"] == CHILD


def test_physical_address_in_the_order_makes_paper_reachable(api: httpx.Client) -> None:
    address = {
        "fullName": "Nils Nåløs",
        "addressLine1": "Vei 1",
        "postalCode": "0150",
        "postalPlace": "Oslo",
    }
    order = place(
        api, nationalId=UNREACHABLE, distributionRule="PaperOnly", physicalAddress=address
    )
    assert order["notificationChannel"] == "PhysicalMailbox"
    assert order["physicalAddress"] == address


def test_test_mode_sends_the_status_callback_but_never_the_answer(
    api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    """Choice (docs/simulator.md): testMode withholds only "the form answer"."""
    order = place(api, testMode=True)
    assert order["id"] != NIL_GUID
    assert order["testMode"] is True
    [status] = receiver.wait_for(1)
    assert (status.body["formOrderId"], status.body["formOrderStatus"]) == (order["id"], "Ordered")
    sim.control.complete(order["id"])
    assert [c.body["formOrderStatus"] for c in settled(sim, receiver)] == ["Ordered"]


# --- documented errors, verbatim ---------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "text"),
    [
        ({"formId": DRAFT}, "The ordered form is not Published"),
        ({"formId": UNKNOWN_FORM}, f"No form with id='{UNKNOWN_FORM}' exists"),
        (
            {"formId": CONSENT, "distributionRule": "NoDistribution"},
            "The ordered form needs to be signed. This is not possible when using DistributionRule = 'NoDistribution'.",
        ),
        (
            {"mustBeSigned": True, "distributionRule": 2},
            "The ordered form needs to be signed. This is not possible when using DistributionRule = 'NoDistribution'.",
        ),
        (
            {"formId": CONSENT, "nationalId": HANNE, "onBehalfOfNationalId": CHILD},
            "The ordered form needs to be signed. This is not possible when the form is ordered on behalf of someone.",
        ),
        (
            {"formId": VISIT, "distributionRule": "BasicOrPaper"},
            f"Form with id='{VISIT}' is not paper enabled",
        ),
        (
            {"formId": VISIT, "distributionRule": "PaperOnly"},
            f"Form with id='{VISIT}' is not paper enabled",
        ),
        (
            {"nationalId": FH_NUMBER},
            "nationalId: FH-nummer is not supported as national ID. The national ID must be either Norsk fødselsnummer or D-nummer.",
        ),
        (
            {"nationalId": H_NUMBER},
            "nationalId: H-nummer is not supported as national ID. The national ID must be either Norsk fødselsnummer or D-nummer.",
        ),
    ],
)
def test_documented_400_texts(api: httpx.Client, overrides: dict[str, object], text: str) -> None:
    response = api.post("/api/v2/formorder", json=order_body(**overrides))
    assert response.status_code == 400
    assert response.text == text
    assert response.headers["content-type"] == "text/plain; charset=utf-8"


def test_invalid_metadata_json_names_the_parser_message(api: httpx.Client) -> None:
    response = api.post("/api/v2/formorder", json=order_body(metadata="{age: 76"))
    assert response.status_code == 400
    assert response.text.startswith("JSON in metadata is not valid: ")
    assert "line 1 column 2" in response.text


def test_unknown_form_id_is_echoed_as_sent(api: httpx.Client) -> None:
    upper = UNKNOWN_FORM.upper()
    response = api.post("/api/v2/formorder", json=order_body(formId=upper))
    assert response.text == f"No form with id='{upper}' exists"


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"formId": "not-a-guid"}, "formId: 'not-a-guid' is not a GUID"),
        ({"expiryDate": "tomorrow"}, "expiryDate: 'tomorrow' is not a timestamp"),
        (
            {"distributionRule": "Sometimes"},
            "distributionRule: 'Sometimes' is not a DistributionRule",
        ),
        ({"nationalId": "123"}, "nationalId: national ID '123' must be 11 digits"),
        ({"nationalId": "26670271528"}, "nationalId: national ID '266702*****' check digit 2 is 8"),
    ],
)
def test_invalid_fields_are_400_with_one_readable_line(
    api: httpx.Client, body: dict[str, object], fragment: str
) -> None:
    response = api.post("/api/v2/formorder", json=order_body(**body))
    assert response.status_code == 400
    assert fragment in response.text, response.text
    assert "\n" not in response.text


def test_missing_fields_malformed_json_and_no_body_are_400(api: httpx.Client) -> None:
    missing = api.post("/api/v2/formorder", json={"formId": RAND12})
    assert missing.status_code == 400
    assert "nationalId: Field required" in missing.text
    assert "expiryDate: Field required" in missing.text
    broken = api.post(
        "/api/v2/formorder", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    assert broken.text.startswith("the request body is not valid JSON")
    empty = api.post("/api/v2/formorder")
    assert (empty.status_code, empty.text) == (
        400,
        "the request body is missing: send a JSON object",
    )


# --- authentication ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "fragment"),
    [
        ({}, "the Authorization header is missing"),
        ({"Authorization": "Bearer abc"}, "uses 'Bearer'"),
        ({"Authorization": "Basic wrong-key"}, "is not registered"),
        ({"Authorization": "Basic"}, "send 'Basic <apiKey>'"),
    ],
)
def test_a_missing_or_wrong_key_is_401_and_never_echoed(
    anon: httpx.Client, headers: dict[str, str], fragment: str
) -> None:
    response = anon.post("/api/v2/formorder", json=order_body(), headers=headers)
    assert response.status_code == 401
    assert fragment in response.text
    assert "wrong-key" not in response.text


def test_base64_user_password_gets_a_hint(anon: httpx.Client) -> None:
    import base64

    token = base64.b64encode(f"user:{KEY}".encode()).decode()
    response = anon.post(
        "/api/v2/formorder", json=order_body(), headers={"Authorization": f"Basic {token}"}
    )
    assert response.status_code == 401
    assert "raw API key" in response.text
    assert KEY not in response.text


def test_auth_comes_before_validation(anon: httpx.Client) -> None:
    response = anon.post(
        "/api/v2/formorder", json={"formId": "bad"}, headers={"Authorization": "Basic nope"}
    )
    assert response.status_code == 401


def test_a_key_sent_in_the_body_is_not_echoed_nor_unknown_fields(api: httpx.Client) -> None:
    body = place(api, apiKey="body-key-should-not-come-back", extraField=1)
    assert "apiKey" not in body
    assert "extraField" not in body


# --- paths -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/promswebapi/api/v2/formorder",
        "/PromsWebApi/api/v2/FormOrder",
        "/webapi/api/v2/formorder",
        "/WEBAPI/API/V2/FORMORDER/",
    ],
)
def test_paths_are_case_insensitive_and_webapi_is_an_alias(
    sim: RunningSimulator, path: str
) -> None:
    response = LOOPBACK.post(
        sim.root_url + path, json=order_body(), headers={"Authorization": f"Basic {KEY}"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["notificationChannel"] == "Helsenorge"

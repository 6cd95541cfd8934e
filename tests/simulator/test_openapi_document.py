"""The published OpenAPI document: the file equals what the server serves, it is precise,
and every example payload of the guide (fixtures/payloads/) fits its schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs  # Schemathesis' validator (a test dependency)
import pytest

from eprom_verify.contract import TimestampStyle
from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.openapi import REFUSES_WELL_FORMED, in_written_form, published_text

from .conftest import KEY, LOOPBACK, SIDE_EFFECTS, VERIFY, order_body
from .receiver import Receiver

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT / "docs" / "eprom-openapi.json"
PAYLOADS = ROOT / "fixtures" / "payloads"
API = "/promswebapi"

#: Every example payload → where its schema is in the document.
REQUEST = "request"
RESPONSE = "response"
WEBHOOK = "webhook"
WEBHOOK_ANSWER = "webhook answer"
PVK_ERROR = "502"
PAYLOAD_SCHEMAS: dict[str, tuple[str, str]] = {
    "form_order_request.json": (REQUEST, "/api/v2/formorder"),
    "form_order_response.json": (RESPONSE, "/api/v2/formorder"),
    "message_to_citizen_request.json": (REQUEST, "/api/v2/messagetocitizen"),
    "message_to_citizen_response.json": (RESPONSE, "/api/v2/messagetocitizen"),
    "sms_request.json": (REQUEST, "/api/unsecuremessagesms"),
    "email_request.json": (REQUEST, "/api/unsecuremessageemail"),
    "unsecure_message_response.json": (RESPONSE, "/api/unsecuremessagesms"),
    "unsecure_message_response_pascal.json": (RESPONSE, "/api/unsecuremessageemail"),
    "get_personverninnstilling_request.json": (REQUEST, "/api/v2/getpersonverninnstilling"),
    "get_personverninnstilling_response.json": (RESPONSE, "/api/v2/getpersonverninnstilling"),
    "set_personverninnstilling_request.json": (REQUEST, "/api/v2/setpersonverninnstilling"),
    "set_personverninnstilling_response.json": (RESPONSE, "/api/v2/setpersonverninnstilling"),
    "residents_active_pi_request.json": (
        REQUEST,
        "/api/v2/get-residents-active-pi-for-definition",
    ),
    "residents_active_pi_response.json": (
        RESPONSE,
        "/api/v2/get-residents-active-pi-for-definition",
    ),
    "pvk_error.json": (PVK_ERROR, "/api/v2/getpersonverninnstilling"),
    "form_order_status_callback_ordered.json": (WEBHOOK, "PromsFormOrder"),
    "form_order_status_callback_error.json": (WEBHOOK, "PromsFormOrder"),
    "form_answer_callback.json": (WEBHOOK, "PromsFormOrder"),
    "form_answer_callback_patient_initiated.json": (WEBHOOK, "PromsFormOrder"),
    "message_to_citizen_callback.json": (WEBHOOK, "MessageToCitizen"),
    "message_to_citizen_callback_2023.json": (WEBHOOK, "MessageToCitizen"),
    "personverninnstilling_callback.json": (WEBHOOK, "PersonvernInnstilling"),
    "callback_response_true.json": (WEBHOOK_ANSWER, "PromsFormOrder"),
    "callback_response_false.json": (WEBHOOK_ANSWER, "MessageToCitizen"),
    "physical_address.json": ("component", "PhysicalAddress"),
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    return loaded


def schema_of(document: dict[str, Any], where: str, name: str) -> dict[str, Any]:
    if where == "component":
        return {"$ref": f"#/components/schemas/{name}"}
    if where in (WEBHOOK, WEBHOOK_ANSWER):
        operation = document["webhooks"][name]["put"]
    else:
        operation = document["paths"][f"{API}{name}"]["post"]
    if where in (REQUEST, WEBHOOK):
        schema: dict[str, Any] = operation["requestBody"]["content"]["application/json"]["schema"]
    else:
        status = "502" if where == PVK_ERROR else "200"
        schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema


def errors(document: dict[str, Any], schema: dict[str, Any], payload: Any) -> list[str]:
    """Every way ``payload`` breaks ``schema`` (resolved inside ``document``), formats too."""
    root = {**schema, "components": document["components"]}
    validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
    return [
        f"{'/'.join(map(str, e.instance_path))}: {e.message}"
        for e in validator.iter_errors(payload)
    ]


# --- the published file ---------------------------------------------------------------


def test_the_published_file_is_what_the_server_serves(sim: RunningSimulator) -> None:
    served = LOOPBACK.get(f"{sim.root_url}/openapi.json").json()
    assert PUBLISHED.read_text(encoding="utf-8") == published_text(served), (
        "docs/eprom-openapi.json is out of date: regenerate it with "
        "`eprom-verify simulator --write-openapi docs/eprom-openapi.json`"
    )


def test_write_openapi_writes_the_published_form(tmp_path: Path) -> None:
    from eprom_verify.cli.simulator import main  # noqa: PLC0415

    target = tmp_path / "openapi.json"
    assert main(["--write-openapi", str(target)]) == 0
    assert target.read_text(encoding="utf-8") == PUBLISHED.read_text(encoding="utf-8")


# --- precise ----------------------------------------------------------------------------


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for group in ("paths", "webhooks")
        for path, operations in document[group].items()
        for method, operation in operations.items()
    ]


def test_every_json_answer_has_a_non_empty_schema(document: dict[str, Any]) -> None:
    components = document["components"]["schemas"]
    empty = []
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            for media, content in response.get("content", {}).items():
                if media != "application/json":
                    continue
                schema = content.get("schema", {})
                target = (
                    components[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema
                )
                if not target or target == {"type": "object"}:
                    empty.append(f"{method.upper()} {path} {status}")
    assert empty == []
    assert [name for name, schema in components.items() if not schema] == []


def test_identifiers_national_ids_and_timestamps_have_formats(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    order = schemas["FormOrderRequest"]["properties"]
    assert order["formId"]["format"] == "uuid"
    assert order["nationalId"]["pattern"] == "^[0-9]{11}$"
    assert "pattern" in order["expiryDate"]
    assert set(schemas["FormOrderRequest"]["required"]) == {"formId", "nationalId", "expiryDate"}
    channel = schemas["FormOrderResponse"]["properties"]["notificationChannel"]
    assert channel["$ref"] == "#/components/schemas/NotificationChannelName"
    rule = schemas["FormOrderRequest"]["properties"]["distributionRule"]
    assert rule["anyOf"] == [
        {"$ref": "#/components/schemas/DistributionRuleName"},
        {"$ref": "#/components/schemas/DistributionRuleNumber"},
    ], "a request may send a name or a number: two plain enums, the documented form first"
    assert schemas["NotificationChannelName"]["enum"] == [
        "None", "Helsenorge", "DigitalMailbox", "Unsecure", "PhysicalMailbox",
    ]  # fmt: skip
    assert schemas["PersonvernTypeNumber"]["enum"] == [0, 1]
    assert schemas["PersonvernTypeNumber"]["x-enum-varnames"] == ["Reservasjon", "Samtykke"]
    hook_channel = schemas["MessageToCitizenCallback"]["properties"]["notificationChannel"]
    assert [b["type"] for b in hook_channel["anyOf"]] == ["integer", "string"], (
        "a receiver reads a callback's enum as a name or a number: the webhook says both"
    )
    status = schemas["FormOrderStatusCallback"]
    assert {"formOrderId", "notificationChannel", "formOrderStatus"} <= set(status["required"])


@pytest.mark.parametrize("style", list(TimestampStyle))
def test_the_timestamp_pattern_takes_every_documented_style(
    document: dict[str, Any], style: TimestampStyle
) -> None:
    schema = {"$ref": "#/components/schemas/FormOrderRequest/properties/expiryDate"}
    assert errors(document, schema, style.value) == []


@pytest.mark.parametrize("text", ["tomorrow", "2023-13-01", "2023-03-29T25:00:00", "29.03.2023"])
def test_the_timestamp_pattern_refuses_what_is_not_a_timestamp(
    document: dict[str, Any], text: str
) -> None:
    schema = {"$ref": "#/components/schemas/FormOrderRequest/properties/expiryDate"}
    assert errors(document, schema, text) != []


def test_each_operation_documents_its_errors_and_how_it_authenticates(
    document: dict[str, Any],
) -> None:
    paths = document["paths"]
    order = paths[f"{API}/api/v2/formorder"]["post"]
    assert {"200", "400", "401", "502", "504"} <= set(order["responses"])
    assert order["security"] == [{"ApiKey": []}]
    assert order["responses"]["400"][REFUSES_WELL_FORMED] is True
    texts = [
        e["value"] for e in order["responses"]["400"]["content"]["text/plain"]["examples"].values()
    ]
    assert "The ordered form is not Published" in texts
    letter = paths[f"{API}/api/v2/messagetocitizen"]["post"]
    assert letter["security"] == [{"ApiKey": []}, {}]  # header or body key; wrong → 400
    assert "401" not in letter["responses"]
    assert paths[f"{API}/api/unsecuremessagesms"]["post"]["security"] == []
    privacy = paths[f"{API}/api/v2/getpersonverninnstilling"]["post"]["responses"]
    assert privacy["502"]["content"]["application/json"]["schema"]["$ref"].endswith("/PvkError")
    assert "422" not in json.dumps(paths)
    links = order["responses"]["200"]["links"]
    assert links["Complete"]["parameters"] == {"order_id": "$response.body#/id"}


# --- the fault format: seconds for delay faults only ---------------------------------------

FAULTS = [
    ({"type": "delay", "seconds": 2}, True),
    ({"type": "delay"}, False),
    ({"type": "drop", "seconds": 2}, False),
    ({"type": "wrong_channel", "callback": "privacy"}, False),
    ({"type": "helsenorge_502", "callback": "letter"}, True),
    ({"type": "helsenorge_502", "formOrderId": "x"}, False),
    ({"type": "pvk_502", "callback": "status"}, False),
    ({"type": "duplicate", "callback": "any", "times": None}, True),
    ({"type": "duplicate", "unknown": 1}, False),
]


@pytest.mark.parametrize(("fault", "valid"), FAULTS)
def test_the_fault_schema_and_the_simulator_agree(
    document: dict[str, Any], sim: RunningSimulator, fault: dict[str, Any], valid: bool
) -> None:
    found = errors(document, {"$ref": "#/components/schemas/Fault"}, fault)
    assert (found == []) is valid, found
    answer = LOOPBACK.post(f"{sim.root_url}/_simulator/faults", json=fault)
    assert answer.status_code == (200 if valid else 400), answer.text


# --- the guide's examples fit --------------------------------------------------------------


def test_every_example_payload_is_mapped() -> None:
    assert sorted(p.name for p in PAYLOADS.glob("*.json")) == sorted(PAYLOAD_SCHEMAS)


@pytest.mark.parametrize("file", sorted(PAYLOAD_SCHEMAS))
def test_every_example_payload_fits_its_schema(document: dict[str, Any], file: str) -> None:
    where, name = PAYLOAD_SCHEMAS[file]
    payload = json.loads((PAYLOADS / file).read_text(encoding="utf-8"))
    schema = schema_of(document, where, name)
    if where in (REQUEST, RESPONSE):
        # The guide's examples mix enum names and numbers; an API answer's schema has each
        # enum in the one form the simulator writes (requests take both).
        payload = in_written_form(payload, str(schema.get("$ref", "")).rsplit("/", 1)[-1])
    assert errors(document, schema, payload) == []


@pytest.mark.parametrize(
    ("file", "field", "bad"),
    [
        ("form_order_request.json", "formId", "RAND-12"),
        ("form_order_request.json", "nationalId", "2607394165"),
        ("form_order_status_callback_ordered.json", "timestamp", "29.03.2023 10:20"),
        ("message_to_citizen_callback.json", "sentStatus", 7),
        ("form_answer_callback.json", "formOrderStatus", "Done"),
    ],
)
def test_a_payload_that_breaks_the_contract_does_not_fit(
    document: dict[str, Any], file: str, field: str, bad: Any
) -> None:
    """The replay can fail: one wrong field is named."""
    where, name = PAYLOAD_SCHEMAS[file]
    payload = {**json.loads((PAYLOADS / file).read_text(encoding="utf-8")), field: bad}
    found = errors(document, schema_of(document, where, name), payload)
    assert found != []


def test_the_served_answers_fit_their_schemas(document: dict[str, Any], api: httpx.Client) -> None:
    """What the simulator really answers fits the published schemas (not only the examples)."""
    order = api.post(
        "/api/v2/formorder",
        json={"formId": "1bc5f9f0-2607-49eb-94f0-6af955bbd79a", "nationalId": "26670271527",
              "expiryDate": "2030-01-01T00:00:00", "distributionRule": 3},
    )  # fmt: skip
    assert order.status_code == 200, order.text
    assert errors(document, schema_of(document, RESPONSE, "/api/v2/formorder"), order.json()) == []
    sms = api.post(
        "/api/unsecuremessagesms",
        json={"apiKey": KEY, "smsText": "Hei", "phoneNumber": "+4799999999"},
    )
    assert (
        errors(document, schema_of(document, RESPONSE, "/api/unsecuremessagesms"), sms.json()) == []
    )


def test_the_callbacks_the_simulator_sends_fit_the_webhook_schemas(
    document: dict[str, Any], api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = api.post("/api/v2/formorder", json=order_body(formId=SIDE_EFFECTS)).json()
    sim.control.complete(order["id"], sign=True)
    letter = {
        "nationalId": VERIFY,
        "documentCollection": {"mainDocument": {"fileName": "a.pdf", "content": "JVBERi0="}},
        "notificationPriorityList": [1],
    }
    assert api.post("/api/v2/messagetocitizen", json=letter).status_code == 200
    callbacks = receiver.wait_for(3)
    for callback in callbacks:
        hook = callback.path.rsplit("/", 1)[1]
        schema = schema_of(document, WEBHOOK, hook)
        assert errors(document, schema, callback.body) == [], callback.body
    assert {c.path.rsplit("/", 1)[1] for c in callbacks} == {"PromsFormOrder", "MessageToCitizen"}

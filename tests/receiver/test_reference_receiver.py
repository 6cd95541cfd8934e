"""The reference receiver (examples/reference_receiver): what it accepts, refuses and stores."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from eprom_verify.contract import CallbackKind
from eprom_verify.receiver import documented_callbacks
from eprom_verify.strategies import key_in_body
from examples.reference_receiver import CallbackReceiver, CallbackStore, Endpoint, make_app
from examples.reference_receiver.__main__ import main

from .conftest import KEY
from .servers import serve

ENDPOINTS = {
    CallbackKind.STATUS: Endpoint.FORM_ORDER,
    CallbackKind.ANSWER: Endpoint.FORM_ORDER,
    CallbackKind.LETTER: Endpoint.LETTER,
    CallbackKind.PRIVACY: Endpoint.PRIVACY,
}
HEADER = f"Basic {KEY}"
STATUS = {
    "apiKey": KEY,
    "formOrderId": "184738d0-3c39-e611-9c2a-34e6d72e03c7",
    "notificationChannel": 1,
    "formOrderStatus": "Ordered",
}


@pytest.fixture
def receiver(tmp_path: Path) -> CallbackReceiver:
    return CallbackReceiver(KEY, CallbackStore(tmp_path / "callbacks.sqlite3"))


def _put(
    receiver: CallbackReceiver, endpoint: Endpoint, body: Any, auth: str | None = None
) -> tuple[int, dict[str, Any]]:
    content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return receiver.handle(endpoint, content, auth)


@pytest.mark.parametrize("example", documented_callbacks(), ids=lambda e: e.name)
def test_every_documented_example_is_accepted(receiver: CallbackReceiver, example: Any) -> None:
    body = {**example.body, "apiKey": KEY} if key_in_body(example.kind) else example.body
    assert _put(receiver, ENDPOINTS[example.kind], body, HEADER) == (200, {"success": True})


def test_a_redelivery_is_acknowledged_and_stored_once_without_the_key(
    receiver: CallbackReceiver, tmp_path: Path
) -> None:
    assert _put(receiver, Endpoint.FORM_ORDER, STATUS) == (200, {"success": True})
    assert _put(receiver, Endpoint.FORM_ORDER, STATUS) == (200, {"success": True})
    assert _put(receiver, Endpoint.FORM_ORDER, {**STATUS, "formOrderStatus": 2}) == (
        200,
        {"success": True},
    )
    stored = CallbackStore(tmp_path / "callbacks.sqlite3").all()  # read back from the file
    assert [(s.subject_id, s.deliveries) for s in stored] == [
        (STATUS["formOrderId"], 2),
        (STATUS["formOrderId"], 1),
    ]
    assert all("apiKey" not in s.body for s in stored)


@pytest.mark.parametrize(
    ("body", "auth"),
    [
        ({**STATUS, "apiKey": "wrong"}, None),
        (
            {k: v for k, v in STATUS.items() if k != "apiKey"},
            HEADER,
        ),  # the header is not for this endpoint
        ({**STATUS, "apiKey": None}, None),
        ({**STATUS, "apiKey": KEY + "x"}, None),
    ],
)
def test_a_wrong_or_missing_body_key_is_refused(
    receiver: CallbackReceiver, body: Any, auth: Any
) -> None:
    assert _put(receiver, Endpoint.FORM_ORDER, body, auth) == (
        401,
        {"success": False, "message": "wrong or missing API key"},
    )


@pytest.mark.parametrize(
    "auth", [None, "", "Basic", "Basic wrong", f"Bearer {KEY}", f"Basic {KEY}x"]
)
def test_the_privacy_callback_needs_the_key_in_the_header(
    receiver: CallbackReceiver, auth: str | None
) -> None:
    body = {
        "nationalId": "26073941651",
        "id": STATUS["formOrderId"],
        "status": "RES",
        "apiKey": KEY,
    }
    assert _put(receiver, Endpoint.PRIVACY, body, auth)[0] == 401
    assert _put(receiver, Endpoint.PRIVACY, body, f"basic {KEY}")[0] == 200


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the body is not JSON"),
        (b"{", "the body is not JSON"),
        (b"[" * 100_000, "the body is not JSON"),
        (b'{"apiKey": "\xff"}', "the body is not UTF-8"),
        ([STATUS], "must be a JSON object, not list"),
        ({**STATUS, "formOrderId": 123}, "formOrderId"),
        ({**STATUS, "formOrderStatus": "Bogus"}, "formOrderStatus"),
        (
            {**STATUS, "formOrderStatus": "Completed", "formData": "[1]"},
            "formData must hold a JSON object",
        ),
        ({**STATUS, "formOrderStatus": "Completed", "formData": "{"}, "formData is not valid JSON"),
    ],
)
def test_malformed_input_gets_400_and_success_false(
    receiver: CallbackReceiver, body: Any, message: str
) -> None:
    status, answer = _put(receiver, Endpoint.FORM_ORDER, body)
    assert status == 400
    assert answer["success"] is False
    assert message in answer["message"]
    assert KEY not in answer["message"]


def test_both_enum_styles_and_unknown_fields_are_accepted(receiver: CallbackReceiver) -> None:
    letter = {"apiKey": KEY, "messageToCitizenId": STATUS["formOrderId"], "sentStatus": "Sent"}
    assert (
        _put(receiver, Endpoint.LETTER, {**letter, "notificationChannel": "Helsenorge"})[0] == 200
    )
    assert (
        _put(receiver, Endpoint.LETTER, {**letter, "notificationChannel": 1, "sentStatus": 0})[0]
        == 200
    )
    assert _put(receiver, Endpoint.LETTER, {**letter, "newField": {"æ": [1]}})[0] == 200


def test_the_app_serves_put_with_and_without_a_trailing_slash() -> None:
    with serve(make_app(KEY, ":memory:")) as url:
        for path in ("/api/PromsFormOrder", "/api/PromsFormOrder/"):
            response = httpx.put(url + path, json=STATUS)
            assert (response.status_code, response.json()) == (200, {"success": True})
        assert httpx.post(url + "/api/PromsFormOrder", json=STATUS).status_code == 405
        answer = httpx.put(url + "/api/MessageToCitizen", content=b"nope")
        assert (answer.status_code, answer.json()["success"]) == (400, False)


def test_the_receiver_needs_a_key() -> None:
    with pytest.raises(ValueError, match="api_key is empty"):
        CallbackReceiver("", CallbackStore(":memory:"))


def test_the_command_line_needs_a_key(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("EPROM_RECEIVER_API_KEY", raising=False)
    with pytest.raises(SystemExit) as exited:
        main(["--port", "8766"])
    assert exited.value.code == 2
    assert "--api-key" in capsys.readouterr().err

"""The ePROM client on its own (httpx MockTransport): the key's path, retries, errors."""

from __future__ import annotations

import json

import httpx
import pytest

from eprom_verify import ApiError
from eprom_verify._exceptions import TransportError
from eprom_verify.client import EpromClient, Exchange
from eprom_verify.config.settings import Secret
from eprom_verify.contract import FormOrderRequest, SmsRequest

KEY = "client-test-key-0123456789"
ORDER = FormOrderRequest(
    form_id="3fa85f64-5717-4562-b3fc-2c963f66afa6",
    national_id="26670271527",
    expiry_date="2026-12-24T00:00:00.000Z",
)
ANSWER = {**ORDER.to_wire(), "id": "6f1b0d0e-8a43-4c43-9d7e-2f7d8e1a9b10"}


def client(handler, seen: list[Exchange] | None = None) -> EpromClient:
    return EpromClient(
        "http://eprom.test/promswebapi",
        Secret(KEY),
        transport=httpx.MockTransport(handler),
        on_exchange=(seen.append if seen is not None else None),
    )


def test_header_auth_is_the_raw_key_and_evidence_never_holds_it():
    seen: list[Exchange] = []
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json=ANSWER)

    client(handler, seen).order_form(ORDER)
    assert sent[0].headers["Authorization"] == f"Basic {KEY}"
    assert KEY not in json.dumps([e.__dict__ for e in seen], default=str)
    assert seen[0].request_headers["Authorization"] == "Basic «redacted»"


def test_the_sms_key_goes_in_the_body_only_at_the_last_moment():
    seen: list[Exchange] = []
    bodies: list[dict] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json={"success": True})

    request = SmsRequest(sms_text="hei", national_id="26670271527")
    client(handler, seen).send_sms(request)
    assert bodies[0]["apiKey"] == KEY
    assert request.api_key is None  # the caller's object never holds the key
    assert seen[0].request_body["apiKey"] == "«redacted»"
    assert "Authorization" not in seen[0].request_headers


def test_a_refused_connection_is_retried_because_nothing_was_sent():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            raise httpx.ConnectError("connection refused", request=request)
        return httpx.Response(200, json=ANSWER)

    assert client(handler).order_form(ORDER).id == ANSWER["id"]
    assert len(calls) == 3


def test_a_reset_after_sending_is_not_retried_and_says_so():
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)

    with pytest.raises(TransportError) as caught:
        client(handler).order_form(ORDER)
    assert len(calls) == 1, "an order that may have reached ePROM must not be sent twice"
    assert caught.value.transport
    assert caught.value.status == 0
    assert "Connection reset by peer" in str(caught.value)
    assert "answered" not in str(caught.value)


def test_an_error_status_carries_the_servers_text_without_the_key():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, text=f"apiKey '{KEY}' doesn't exists")

    with pytest.raises(ApiError) as caught:
        client(handler).order_form(ORDER)
    assert caught.value.status == 400
    assert not caught.value.transport
    assert caught.value.text == "apiKey '«redacted»' doesn't exists"
    assert KEY not in str(caught.value)
    assert KEY not in repr(caught.value)


def test_nothing_the_client_shows_holds_the_key():
    c = client(lambda request: httpx.Response(200, json=ANSWER))
    assert KEY not in repr(c)
    assert KEY not in str(vars(c))


@pytest.mark.parametrize(
    "text", ["hei", 'Æ ø å "sitat" \\ \n\t\x01 \u2028 \U0001f600', "x" * 70_000]
)
def test_the_body_on_the_wire_is_the_json_of_the_request_in_utf8(text: str):
    """The body is serialised by pydantic-core (issue 25: a third of json.dumps' time on
    L3's 40 MB letter): the same JSON text as ``json.dumps(ensure_ascii=False)``, compact."""
    sent: list[bytes] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request.content)
        return httpx.Response(200, json={"success": True})

    request = SmsRequest(sms_text=text, national_id="26670271527")
    client(handler).send_sms(request)
    expected = json.dumps({**request.to_wire(), "apiKey": KEY}, ensure_ascii=False,
                          separators=(",", ":")).encode()  # fmt: skip
    assert sent[0] == expected, f"expected {expected[:200]!r}, received {sent[0][:200]!r}"
    assert json.loads(sent[0])["smsText"] == text

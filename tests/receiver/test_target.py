"""ReceiverTarget and the Exchanges recorder, against an in-process transport."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from eprom_verify.contract import CallbackKind
from eprom_verify.receiver import CallbackExchange, Exchanges, ForgedKey, KeyChoice, ReceiverTarget
from eprom_verify.strategies import key_in_body

from .conftest import KEY

BODY = {"apiKey": "", "messageToCitizenId": "184738d0-3c39-e611-9c2a-34e6d72e03c7", "sentStatus": 0}
PRIVACY = {
    "nationalId": "26073941651",
    "id": "b3cda307-154c-4af4-87d3-30567c931924",
    "status": "RES",
}


class Captured:
    def __init__(self, answer: httpx.Response | Exception) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _target(handler: Captured, **kwargs: Any) -> ReceiverTarget:
    return ReceiverTarget(
        "http://receiver.test/base/",
        KEY,
        max_examples=5,
        transport=httpx.MockTransport(handler),
        **kwargs,
    )


def _send(
    key: KeyChoice | ForgedKey, kind: CallbackKind = CallbackKind.LETTER
) -> tuple[httpx.Request, CallbackExchange]:
    handler = Captured(httpx.Response(200, json={"success": True}))
    with _target(handler) as target:
        body = BODY if key_in_body(kind) else PRIVACY
        exchange = target.deliver(kind, body, recorder=target.exchanges, check="t", key=key)
    return handler.requests[0], exchange


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (KeyChoice.OURS, KEY),
        (KeyChoice.NULL, None),
        (KeyChoice.EMPTY, ""),
        (ForgedKey("wrong"), "wrong"),
        (ForgedKey("x", after_ours=True), KEY + "x"),
    ],
)
def test_body_keys_go_in_the_apikey_field(key: Any, expected: str | None) -> None:
    request, exchange = _send(key)
    sent = json.loads(request.content)
    assert sent["apiKey"] == expected
    assert "authorization" not in request.headers
    assert request.method == "PUT"
    assert str(request.url) == "http://receiver.test/base/api/MessageToCitizen"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert KEY not in exchange.request_body


def test_an_absent_body_key_leaves_the_field_out() -> None:
    request, _ = _send(KeyChoice.ABSENT)
    assert "apiKey" not in json.loads(request.content)


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        (KeyChoice.OURS, f"Basic {KEY}"),
        (KeyChoice.ABSENT, None),
        (KeyChoice.NULL, ""),
        (KeyChoice.EMPTY, "Basic"),
        (ForgedKey("wrong"), "Basic wrong"),
    ],
)
def test_the_privacy_key_goes_in_the_authorization_header(key: Any, expected: str | None) -> None:
    request, exchange = _send(key, CallbackKind.PRIVACY)
    assert request.headers.get("authorization") == expected
    assert "apiKey" not in json.loads(request.content)
    assert str(request.url).endswith("/api/PersonvernInnstilling")
    assert KEY not in json.dumps(exchange.request_headers)


def test_the_key_is_redacted_everywhere_it_is_recorded() -> None:
    echo = httpx.Response(400, text=f"apiKey '{KEY}' doesn't exists", headers={"X-Echo": KEY})
    handler = Captured(echo)
    with _target(handler) as target:
        exchange = target.deliver(CallbackKind.STATUS, BODY, recorder=target.exchanges, check="t")
        assert KEY not in repr(target)
    assert json.loads(exchange.request_body)["apiKey"] == "«redacted»"
    assert exchange.response_body == "apiKey '«redacted»' doesn't exists"
    assert exchange.response_headers["x-echo"] == "«redacted»"
    assert exchange.received() == "400 apiKey '«redacted»' doesn't exists"
    assert not exchange.acknowledged


def test_a_transport_error_is_recorded_without_a_status() -> None:
    handler = Captured(httpx.ConnectError("connection refused"))
    seen: list[CallbackExchange] = []
    recorder = Exchanges(on_exchange=seen.append)
    with _target(handler) as target:
        exchange = target.deliver(CallbackKind.STATUS, BODY, recorder=recorder, check="t")
    assert exchange.status is None
    assert exchange.error == "ConnectError: connection refused"
    assert exchange.received() == "no answer (ConnectError: connection refused)"
    assert seen == [exchange]


def test_sent_before_ignores_the_key_and_tells_kinds_apart() -> None:
    with _target(Captured(httpx.Response(200, json={"success": True}))) as target:
        assert not target.sent_before(CallbackKind.LETTER, BODY)
        target.deliver(CallbackKind.LETTER, BODY, recorder=target.exchanges, check="t")
        assert target.sent_before(CallbackKind.LETTER, {**BODY, "apiKey": "other"})
        assert not target.sent_before(CallbackKind.STATUS, BODY)


@pytest.mark.parametrize(
    ("status", "body", "success", "acknowledged"),
    [
        (200, '{"success": true}', True, True),
        (200, '{"Success": true}', True, True),
        (201, '{"success": true, "id": 1}', True, True),
        (200, '{"success": false}', False, False),
        (400, '{"success": true}', True, False),
        (200, '{"success": "true"}', None, False),
        (200, "OK", None, False),
        (200, "[true]", None, False),
        (204, "", None, False),
    ],
)
def test_acknowledged_means_2xx_with_success_true(
    status: int, body: str, success: bool | None, acknowledged: bool
) -> None:
    exchange = CallbackExchange("t", "PUT", "u", {}, "{}", status, {}, body, 0.01)
    assert exchange.success is success
    assert exchange.acknowledged is acknowledged


def test_latency_summary_uses_nearest_rank_percentiles() -> None:
    recorder = Exchanges()
    assert str(recorder.latency_summary()) == "no requests"
    for ms in range(100, 0, -1):
        recorder.record(CallbackExchange("t", "PUT", "u", {}, "", 200, {}, "", ms / 1000))
    summary = recorder.latency_summary()
    assert (summary.count, summary.p50_s, summary.p95_s, summary.max_s) == (100, 0.05, 0.095, 0.1)
    assert str(summary) == "100 requests: p50 50 ms, p95 95 ms, max 100 ms"
    assert len(recorder.for_check("t")) == 100
    recorder.clear()
    assert len(recorder) == 0


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "receiver.test"}, "must start with http:// or https://"),
        ({"api_key": "abc"}, "the API key is 3 characters"),
        ({"max_examples": 0}, "max_examples=0 must be at least 1"),
        ({"timeout_s": 0}, "timeout_s=0 must be a positive number"),
        ({"deadline_s": -1}, "deadline_s=-1 must be a positive number"),
    ],
)
def test_bad_settings_are_refused_with_what_to_change(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"base_url": "http://x", "api_key": KEY, **kwargs}
    with pytest.raises(ValueError, match=message):
        ReceiverTarget(args.pop("base_url"), args.pop("api_key"), **args)


def test_max_examples_and_derandomize_default_to_the_hypothesis_profile() -> None:
    from hypothesis import settings

    with ReceiverTarget("http://x", KEY) as target:
        assert target.max_examples == settings().max_examples
        assert target.derandomize == settings().derandomize
    with ReceiverTarget("http://x", KEY, max_examples=3, derandomize=True) as target:
        assert (target.max_examples, target.derandomize) == (3, True)


def test_the_public_surface_is_one_sorted_list() -> None:
    import eprom_verify.receiver as receiver
    import eprom_verify.strategies as strategies

    for module in (receiver, strategies):
        assert module.__all__ == sorted(module.__all__)
        assert all(hasattr(module, name) for name in module.__all__)

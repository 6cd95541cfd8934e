"""The judge's findings in both report languages: ours in bokmål, ids and payloads as sent.

Each faulty exchange below is judged; every failed finding's message, fix, expected and
received must read as bokmål in ``nb`` (no English sentence left) and keep the ids, paths,
field names and status codes exactly as they were, in both languages.
"""

from __future__ import annotations

from typing import Any

import pytest
from bokmal import assert_bokmal, english_left_in

from eprom_verify.observe.evidence import _result, _what
from eprom_verify.observe.front import Exchange
from eprom_verify.observe.judge import Finding, Judge
from eprom_verify.wording import Text

from .test_judge import KEY, LETTER, ORDER, _ack, _exchange, _findings, _order, _scenario

_STATUS = {"formOrderId": ORDER, "notificationChannel": 1, "formOrderStatus": "Ordered"}
_ANSWER = {"formOrderId": ORDER, "formData": "{}", "formOrderStatus": "Completed"}
_SIGNED = {**_ANSWER, "signedFormId": LETTER}


english_left = english_left_in  # the one checker (tests/bokmal.py)


def _failed(findings: list[Finding]) -> list[Finding]:
    failed = [f for f in findings if f.outcome != "passed"]
    assert failed, findings
    return failed


def _slow(exchange: Exchange) -> Exchange:
    exchange.duration_s = 9.0
    return exchange


CASES: dict[str, tuple[str, list[Exchange]]] = {
    "not-performed": ("order-basic", []),
    "metadata-object": ("order-basic", [_order("order-basic", metadata={"age": 76})]),
    "metadata-not-json": ("order-basic", [_order("order-basic", metadata="{age: 24")]),
    "wrong-method": ("order-basic", [_exchange("api", "PUT", "/promswebapi/api/v2/formorder",
                                               _scenario().step("order-basic").request.body,  # type: ignore[union-attr]
                                               200, {"id": ORDER}, Authorization=f"Basic {KEY}")]),
    "no-auth": ("letter", [_exchange("api", "POST", "/promswebapi/api/v2/messagetocitizen",
                                     _scenario().step("letter").request.body,  # type: ignore[union-attr]
                                     200, {"messageToCitizenId": LETTER})]),
    "refused-401": ("order-basic", [_order("order-basic", status=401, answer="Unauthorized")]),
    "nil-id": ("order-basic", [_order("order-basic",
                                      answer={"id": "00000000-0000-0000-0000-000000000000"})]),
    "no-status": ("order-basic", [_order("order-basic")]),
    "ack-false": ("order-basic", [
        _order("order-basic"),
        _exchange("callback", "PUT", "/api/PromsFormOrder", _STATUS, 200, {"success": False}),
    ]),
    "ack-404": ("order-basic", [
        _order("order-basic"),
        _exchange("callback", "PUT", "/api/PromsFormOrder", _STATUS, 404, "Not Found"),
    ]),
    "ack-slow": ("order-basic", [_order("order-basic"), _slow(_ack(_STATUS))]),
    "ack-not-json": ("order-basic", [
        _order("order-basic"),
        _exchange("callback", "PUT", "/api/PromsFormOrder", _STATUS, 200, "ok"),
    ]),
    "channel": ("order-basic", [_order("order-basic"),
                                _ack({**_STATUS, "notificationChannel": 2})]),
    "redelivery-500": ("order-basic", [
        _order("order-basic"), _ack(_STATUS),
        _exchange("redelivery", "PUT", "/api/PromsFormOrder", _STATUS, 500, "boom"),
    ]),
    "double-order": ("order-basic", [_order("order-basic"),
                                     _order("order-basic", answer={"id": LETTER})]),
    "no-download": ("order-signing", [_order("order-signing"), _ack(_STATUS), _ack(_SIGNED)]),
    "no-signed-answer": ("order-signing", [_order("order-signing"), _ack(_STATUS),
                                           _ack(_ANSWER)]),
    "letter-channel": ("letter", [
        _order("letter", answer={"messageToCitizenId": LETTER, "notificationChannel": 2}),
        _ack({"messageToCitizenId": LETTER, "notificationChannel": 2, "sentStatus": 0},
             "/api/MessageToCitizen"),
    ]),
    "patient-initiated-none": ("patient-initiated", []),
    "sms-without-key": ("sms", [_exchange("api", "POST", "/promswebapi/api/unsecuremessagesms",
                                          {**_scenario().step("sms").request.body,  # type: ignore[union-attr]
                                           "apiKey": ""}, 200, {"success": True})]),
}  # fmt: skip


def _said(value: Any) -> list[Text]:
    return [value] if isinstance(value, Text) else []


@pytest.mark.parametrize("case", list(CASES))
def test_every_failure_is_bokmal_in_nb_and_english_in_en(case: str) -> None:
    step, exchanges = CASES[case]
    for finding in _failed(_findings(*exchanges, step=step)):
        assert isinstance(finding.message, Text), finding
        texts = [finding.message, *_said(finding.expected), *_said(finding.received)]
        if finding.fix is not None:
            texts.append(finding.fix)
        for text in texts:
            assert_bokmal(text.nb, text.en)
            assert not english_left(text.nb), (case, finding.check, text.nb)
            assert text.nb != text.en or not english_left(text.en), text
        assert finding.message.nb.startswith(f"steg {step!r}"), finding.message.nb
        for ident in finding.order_ids:
            assert ident in finding.message.nb
            assert ident in finding.message.en


def test_the_attestation_questions_are_bokmal() -> None:
    judge = Judge(_scenario(), [], api_key=KEY, time_limit_s=5)
    asked = [f for f in judge.findings() if f.outcome == "needs_attestation"]
    assert len(asked) == 6
    for finding in asked:
        assert finding.message is not None
        assert finding.message.nb.startswith("ikke synlig gjennom API-et: ")
        assert not english_left(finding.message.nb), finding.message.nb
        assert_bokmal(finding.message.nb, finding.message.en)
        assert finding.message.en.startswith("not visible through the API: ")


def test_the_report_row_carries_both_languages_and_the_fix() -> None:
    exchanges = [
        _order("order-basic"),
        _exchange("callback", "PUT", "/api/PromsFormOrder", _STATUS, 200, {"success": False}),
    ]
    (finding,) = [f for f in _failed(_findings(*exchanges, step="order-basic"))
                  if f.check == "status-callback"]  # fmt: skip
    row = _result(finding, {})
    assert row.message == row.messages["en"]
    assert row.messages["en"] == (
        f"step 'order-basic': the status callback for {ORDER} (delivery #{exchanges[1].seq}, "
        "PUT /api/PromsFormOrder) answered success: false, not true. What to change: answer 2xx "
        'with {"success": true} once the callback is stored'
    )
    assert row.messages["nb"] == (
        f"steg 'order-basic': statusmeldingen for {ORDER} (levering #{exchanges[1].seq}, "
        "PUT /api/PromsFormOrder) ble besvart med success: false, ikke true. Dette må endres: "
        'svar 2xx med {"success": true} når tilbakekallet er lagret'
    )
    assert row.expected_texts == {"nb": '2xx med {"success": true} innen 5 s',
                                  "en": '2xx with {"success": true} within 5 s'}  # fmt: skip
    assert row.received == {"status": 200, "body": '{"success": false}', "seconds": 0.01}
    assert row.received_texts == {}  # the system's answer, as it was
    message, expected, received = row.said("nb")
    assert message == row.messages["nb"]
    assert expected == row.expected_texts["nb"]
    assert received == row.received


def test_timeline_events_are_ours_in_both() -> None:
    again = _exchange("redelivery", "PUT", "/api/PromsFormOrder", _STATUS, 200, {"success": True})
    assert _what(again) == Text(en="redelivered status callback → system answered 200",
                                nb="statusmelding levert på nytt → bestillersystemet svarte 200")  # fmt: skip
    order = _order("order-basic")
    assert _what(order) == Text.same("POST /api/v2/formorder → 200")
    order.status, order.error = None, "no answer within 5 s"
    assert _what(order).nb == "POST /api/v2/formorder → ikke noe svar innen 5 s"

"""The run-wide ledger on its own: each rule fails on the fault it exists to catch.

Callbacks go through a real :class:`CallbackListener` (so parsing, acknowledgement and the
key check are the real ones); the ledger then judges what the listener recorded.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import httpx
import pytest
from bokmal import assert_bokmal

from eprom_verify.config.settings import Secret
from eprom_verify.contract import NotificationChannel
from eprom_verify.run.ledger import Entry, Finding, Ledger
from eprom_verify.run.listener import CallbackListener
from eprom_verify.wording import Text

DELIVERED = Text(
    en="the simulated patient delivered it", nb="den simulerte pasienten sendte den inn"
)

KEY = "ledger-test-key-0123456789"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def payload(name: str, **changes) -> dict:
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    data.update(changes)
    return data


@pytest.fixture(scope="module")
def running_listener():
    """One listener a module: stopping one waits up to 0.5 s (werkzeug's poll interval)."""
    with CallbackListener(api_key=Secret(KEY)) as running:
        yield running


@pytest.fixture
def listener(running_listener):
    """Empty for each test: ``clear()`` also starts the numbering again, as a fresh one."""
    running_listener.clear()
    yield running_listener
    running_listener.clear()


def put(listener: CallbackListener, path: str, body: dict, **headers: str) -> None:
    response = httpx.put(listener.url + path, json=body, headers=headers, timeout=5)
    assert response.status_code in (200, 400)


def status(listener, order_id, *, channel=1, key=KEY, state="Ordered", code="None"):
    put(
        listener,
        "/api/PromsFormOrder",
        payload(
            "form_order_status_callback_ordered",
            apiKey=key,
            formOrderId=order_id,
            notificationChannel=channel,
            formOrderStatus=state,
            formOrderStatusErrorCode=code,
        ),
    )


def answer(listener, order_id, *, key=KEY, patient_initiated=False):
    body = payload("form_answer_callback", apiKey=key, formOrderId=order_id)
    body["isPatientInitiated"] = patient_initiated
    put(listener, "/api/PromsFormOrder", body)


def order(ledger: Ledger, *, channel=NotificationChannel.Helsenorge, **fields) -> str:
    ident = str(uuid.uuid4())
    defaults = {
        "sent_at": time.time(),
        "case": "verification-person-Basic",
        "test": "suites/test_v1_order.py::test_x",
        "expected_channel": channel,
        "expected_status": "Ordered",
        "person": "verification-person",
        "rule": "Basic",
    }
    ledger.place(Entry(ident=ident, kind="form_order", **{**defaults, **fields}))
    return ident


def judge(ledger: Ledger, listener: CallbackListener, *, timeout=10.0) -> list[Finding]:
    findings = ledger.judge(
        listener.received(), callback_timeout_s=timeout, answer_timeout_s=timeout
    ).findings
    for finding in findings:  # every finding says itself in bokmål too
        said = finding.as_text()
        assert_bokmal(said.nb, said.en)
        for value in (finding.expected, finding.received):
            if isinstance(value, Text):
                assert_bokmal(value.nb, value.en)
    return findings


def only(findings: list[Finding], checkpoint_id: str) -> Finding:
    assert [f.checkpoint_id for f in findings] == [checkpoint_id], [f.as_text() for f in findings]
    return findings[0]


def test_a_clean_order_has_no_findings(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident)
    ledger.expect_answer(ident, because=DELIVERED, at=time.time())
    answer(listener, ident)
    assert judge(ledger, listener) == []


def test_a_duplicate_status_on_any_order_fails_v1_4(listener):
    ledger = Ledger()
    ident = order(ledger, case="s1", test="suites/test_special_cases.py::test_on_behalf_of")
    status(listener, ident)
    status(listener, ident)
    finding = only(judge(ledger, listener), "V1.4")
    assert "2 status callbacks" in finding.message.en
    assert "case s1" in finding.message.en
    assert "test_on_behalf_of" in finding.message.en
    assert len(finding.callbacks) == 2
    assert finding.callbacks[0].en.startswith("callback #1")
    assert (finding.expected.en, finding.received.en) == (
        "1 status callback",
        "2 status callbacks",
    )
    assert (finding.expected.nb, finding.received.nb) == ("1 statusmelding", "2 statusmeldinger")


def test_a_refused_callback_redelivered_is_not_a_duplicate(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident, key="forged")  # our listener answers success: false
    status(listener, ident)  # ePROM delivers again, now accepted
    finding = only(judge(ledger, listener), "V1.4")
    assert "wrong API key" in finding.message.en


def test_a_duplicate_answer_fails_v3_2_and_a_patient_initiated_one_p1(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident)
    answer(listener, ident)
    answer(listener, ident)
    assert "2 answer callbacks" in only(judge(ledger, listener), "V3.2").message.en
    stray = str(uuid.uuid4())
    answer(listener, stray, patient_initiated=True)
    answer(listener, stray, patient_initiated=True)
    findings = [f for f in judge(ledger, listener) if f.checkpoint_id == "P1"]
    assert len(findings) == 1
    assert stray in findings[0].message.en


def test_a_callback_for_an_id_never_placed_is_an_orphan(listener):
    ledger = Ledger()
    stray = str(uuid.uuid4())
    status(listener, stray)
    finding = only(judge(ledger, listener), "V1.4")
    assert stray in finding.message.en
    assert "never placed" in finding.message.en
    answer(listener, str(uuid.uuid4()), patient_initiated=True)  # patient-initiated: fine
    assert [f.checkpoint_id for f in judge(ledger, listener)] == ["V1.4"]


def test_a_lost_and_a_late_status_fail_v1_2(listener):
    ledger = Ledger()
    lost = order(ledger)
    finding = only(judge(ledger, listener), "V1.2")
    assert lost in finding.message.en
    assert "no status callback" in finding.message.en
    late = order(ledger, sent_at=time.time() - 31, answered_at=time.time() - 30)
    status(listener, lost)
    status(listener, late)
    finding = only(judge(ledger, listener, timeout=10), "V1.2")
    assert late in finding.message.en
    assert "the limit is 10 s" in finding.message.en


def test_a_delivered_answer_that_never_comes_fails_v3_1(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident)
    ledger.expect_answer(
        ident,
        because=Text(
            en="Kari Nordmann attested delivering it",
            nb="Kari Nordmann attesterte at den ble sendt inn",
        ),
        at=time.time(),
    )
    finding = only(judge(ledger, listener), "V3.1")
    assert "Kari Nordmann attested delivering it" in finding.message.en
    assert finding.received == Text(en="none", nb="ingen")


def test_the_channel_of_every_order_is_checked(listener):
    ledger = Ledger()
    ident = order(ledger, channel=NotificationChannel.DigitalMailbox, case="fill-copy")
    status(listener, ident, channel=1)
    finding = only(judge(ledger, listener), "V1.3")
    assert finding.expected == {
        "notificationChannel": "DigitalMailbox",
        "formOrderStatus": "Ordered",
    }
    assert finding.received == {"notificationChannel": "Helsenorge", "formOrderStatus": "Ordered"}


def test_an_answer_before_its_status_fails_lc1(listener):
    ledger = Ledger()
    ident = order(ledger)
    answer(listener, ident)
    status(listener, ident)
    finding = only(judge(ledger, listener), "LC1")
    assert "before its status callback" in finding.message.en
    assert finding.callbacks[0].en.startswith("callback #1 (answer")


def test_an_answer_to_an_order_whose_status_was_error_fails_lc1(listener):
    ledger = Ledger()
    ident = order(ledger, channel=NotificationChannel.None_, expected_status="Error")
    status(listener, ident, channel=0, state="Error", code="PatientUnreachable")
    answer(listener, ident)
    finding = only(judge(ledger, listener), "LC1")
    assert "whose status was Error" in finding.message.en


def test_a_forged_key_or_a_broken_body_fails_the_kinds_checkpoint(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident)
    answer(listener, ident, key="forged")
    finding = only(judge(ledger, listener), "V3.2")
    assert "wrong API key" in finding.message.en
    assert KEY not in json.dumps(finding.__dict__, default=repr)  # a Text's repr has both
    letter = str(uuid.uuid4())
    ledger.place(Entry(ident=letter, kind="letter", sent_at=time.time()))
    put(listener, "/api/MessageToCitizen", {"messageToCitizenId": letter, "sentStatus": "Maybe"})
    letters = [f for f in judge(ledger, listener) if f.checkpoint_id == "L1"]
    assert letters
    assert "does not follow the contract" in letters[0].message.en


def test_a_test_mode_order_may_have_no_status_but_never_an_answer(listener):
    ledger = Ledger()
    ident = order(ledger, test_mode=True)
    assert judge(ledger, listener) == []
    answer(listener, ident)
    finding = only(judge(ledger, listener), "V3.2")
    assert "testMode" in finding.message.en


def test_privacy_callbacks_count_against_the_changes_made_and_a_repeat_fails(listener):
    ledger = Ledger()
    ident = "26670271527:b3cda307-154c-4af4-87d3-30567c931924"
    ledger.place(Entry(ident=ident, kind="privacy", sent_at=time.time()))
    body = payload("personverninnstilling_callback", nationalId="26670271527",
                   id="b3cda307-154c-4af4-87d3-30567c931924")  # fmt: skip
    put(listener, "/api/PersonvernInnstilling", body, Authorization=f"Basic {KEY}")
    assert judge(ledger, listener) == []
    put(listener, "/api/PersonvernInnstilling", body, Authorization=f"Basic {KEY}")
    finding = only(judge(ledger, listener), "PV3")
    assert "came again with the same content (status RES" in finding.message.en


def test_a_refused_placement_fails_v1_1():
    ledger = Ledger()
    ledger.refused(Finding("V1.1", "the order of case s1 was refused: 502 Unable to …"))
    verdict = ledger.judge([], callback_timeout_s=1, answer_timeout_s=1)
    assert [f.checkpoint_id for f in verdict.findings] == ["V1.1"]


def test_an_answer_on_another_channel_than_its_status_fails_v3_2(listener):
    ledger = Ledger()
    ident = order(ledger)
    status(listener, ident, channel=1)
    body = payload("form_answer_callback", apiKey=KEY, formOrderId=ident, notificationChannel=2)
    put(listener, "/api/PromsFormOrder", body)
    finding = only(judge(ledger, listener), "V3.2")
    assert "notificationChannel DigitalMailbox, not the channel the profile" in finding.message.en
    assert (finding.expected, finding.received) == ("Helsenorge", "DigitalMailbox")

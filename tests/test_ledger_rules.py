"""The ledger's second-order rules, fast: callbacks built in memory, times chosen exactly.

tests/test_ledger.py sends callbacks through a real listener; here a callback is the record
the listener would have made (parsed model, key verdict, our answer), so the time a
callback arrived, its number and its content are the test's to choose: the timeout
boundary, the order of events, repeats and the counts of what was judged.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from typing import Any

import pytest
from bokmal import assert_bokmal

from eprom_verify.contract import (
    CallbackKind,
    MessageToCitizenCallback,
    NotificationChannel,
    PersonvernInnstillingCallback,
    parse_form_order_callback,
)
from eprom_verify.findings import Rule, RuleBook, rule
from eprom_verify.report.model import CheckResult
from eprom_verify.run.ledger import (
    ANY_CALLBACK,
    CALLBACK_NAMES,
    CHECKPOINTS_JUDGED,
    LEDGER_RULES,
    UNREADABLE,
    Entry,
    Finding,
    Ledger,
    LedgerVerdict,
    PrivacyChange,
    RunRecord,
    callback_name,
)
from eprom_verify.run.listener import ReceivedCallback
from eprom_verify.wording import Text

T0 = 1_800_000_000.0  # the moment the run placed things
NID = "26670271527"
PVK = "b3cda307-154c-4af4-87d3-30567c931924"
SETTING = f"{NID}:{PVK}"
H, DM = NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox


class Wire:
    """Makes callbacks as the listener records them, numbered in arrival order."""

    def __init__(self) -> None:
        self.seq = 0
        self.got: list[ReceivedCallback] = []

    def _add(self, kind: CallbackKind, path: str, data: dict[str, Any], model: Any, **how: Any):
        self.seq += 1
        key_ok = how.pop("key_ok", True)
        error = how.pop("error", None)
        ok = key_ok and error is None
        callback = ReceivedCallback(
            kind=kind, path=path, at=how.pop("at", T0 + self.seq), headers={},
            body_text=json.dumps(data), data=data, model=None if error else model,
            error=error, key_ok=key_ok if not error else None,
            answered={"success": ok}, answered_status=200 if not error else 400, seq=self.seq,
        )  # fmt: skip
        assert not how, how
        self.got.append(callback)
        return callback

    def status(self, ident: str, *, channel: int = 1, state: str = "Ordered", **how: Any):
        data = {
            "apiKey": "k", "formOrderId": ident, "notificationChannel": channel,
            "formOrderStatus": state,
            "formOrderStatusErrorCode": "None" if state == "Ordered" else "PatientUnreachable",
        }  # fmt: skip
        model = parse_form_order_callback(data)
        return self._add(CallbackKind.STATUS, "/api/PromsFormOrder", data, model, **how)

    def answer(self, ident: str, *, channel: int | None = None, patient: bool = False,
               state: str = "Completed", **how: Any):  # fmt: skip
        data: dict[str, Any] = {
            "apiKey": "k", "formOrderId": ident, "formData": "{}", "formOrderStatus": state,
            "isPatientInitiated": patient,
        }  # fmt: skip
        if channel is not None:
            data["notificationChannel"] = channel
        model = parse_form_order_callback(data)
        return self._add(CallbackKind.ANSWER, "/api/PromsFormOrder", data, model, **how)

    def letter(self, ident: str, *, channel: int = 1, **how: Any):
        data = {"apiKey": "k", "messageToCitizenId": ident, "notificationChannel": channel,
                "sentStatus": 0}  # fmt: skip
        model = MessageToCitizenCallback.from_wire(data)
        return self._add(CallbackKind.LETTER, "/api/MessageToCitizen", data, model, **how)

    def privacy(self, status: str, *, ident: str = SETTING, **how: Any):
        nid, pvk = ident.split(":")
        data = {"nationalId": nid, "id": pvk, "name": "Reservasjon mot registrering",
                "status": status}  # fmt: skip
        model = PersonvernInnstillingCallback.from_wire(data)
        return self._add(CallbackKind.PRIVACY, "/api/PersonvernInnstilling", data, model, **how)


def order(ledger: Ledger, **fields: Any) -> str:
    ident = str(uuid.uuid4())
    defaults: dict[str, Any] = {
        "sent_at": T0, "case": "c1", "test": "suites/t.py::test_x", "expected_channel": H,
        "expected_status": "Ordered", "person": "verification-person", "rule": "Basic",
    }  # fmt: skip
    ledger.place(Entry(ident=ident, kind="form_order", **{**defaults, **fields}))
    return ident


def letter(ledger: Ledger, **fields: Any) -> str:
    ident = str(uuid.uuid4())
    ledger.place(Entry(ident=ident, kind="letter", **{"sent_at": T0, **fields}))
    return ident


def change(ledger: Ledger, status: str | None, *, own: bool = False, at: float = T0) -> None:
    ledger.place(
        Entry(
            ident=SETTING, kind="privacy", sent_at=at, case="pvk", test="suites/t.py::test_pv",
            changes=[PrivacyChange(at=at, status=status, reported=not own)],
        )
    )  # fmt: skip


def verdict(ledger: Ledger, wire: Wire, *, timeout: float = 10.0) -> LedgerVerdict:
    judged = ledger.judge(wire.got, callback_timeout_s=timeout, answer_timeout_s=timeout)
    for finding in judged.findings:  # every finding says itself in bokmål too
        said = finding.as_text()
        assert_bokmal(said.nb, said.en)
        for value in (finding.expected, finding.received):
            if isinstance(value, Text):
                assert_bokmal(value.nb, value.en)
    return judged


def findings(ledger: Ledger, wire: Wire, **how: Any) -> list[Finding]:
    return verdict(ledger, wire, **how).findings


def only(found: list[Finding], checkpoint_id: str) -> Finding:
    assert [f.checkpoint_id for f in found] == [checkpoint_id], [str(f.as_text()) for f in found]
    return found[0]


# --- the letter channel (L2) -------------------------------------------------------------


def test_a_letter_on_another_channel_than_its_priority_list_gives_fails_l2() -> None:
    ledger, wire = Ledger(), Wire()
    ident = letter(ledger, expected_channel=DM, case="letter-dm", test="suites/t.py::test_l")
    wire.letter(ident, channel=1)
    finding = only(findings(ledger, wire), "L2")
    assert (finding.expected, finding.received) == ("DigitalMailbox", "Helsenorge")
    assert f"letter {ident} (case letter-dm" in finding.message.en
    assert "another channel than the priority list gives" in finding.message.en
    assert finding.order_id == ident
    assert finding.callbacks[0].en.startswith("callback #1 (letter")


def test_a_letter_on_its_channel_or_without_a_prediction_passes_l2() -> None:
    ledger, wire = Ledger(), Wire()
    right = letter(ledger, expected_channel=DM)
    unpredicted = letter(ledger)
    wire.letter(right, channel=2)
    wire.letter(unpredicted, channel=1)
    judged = verdict(ledger, wire)
    assert judged.findings == []
    assert judged.judged["L2"] == 1  # only the letter with a prediction is judged


def test_an_unreadable_letter_status_is_l1_not_l2() -> None:
    ledger, wire = Ledger(), Wire()
    ident = letter(ledger, expected_channel=DM)
    wire.letter(ident, channel=1, error=Text(en="does not follow the contract: x", nb="x"))
    found = findings(ledger, wire)
    assert [f.checkpoint_id for f in found] == ["L1"]  # it came: only its content is wrong
    assert "does not follow the contract" in found[0].message.en


# --- orphans -----------------------------------------------------------------------------


def test_an_answer_to_a_form_the_run_never_ordered_is_an_orphan_on_v3_2() -> None:
    ledger, wire = Ledger(), Wire()
    stray = str(uuid.uuid4())
    wire.answer(stray)
    wire.answer(stray)
    found = findings(ledger, wire)
    orphan = [f for f in found if "never placed" in f.message.en]
    assert len(orphan) == 1
    assert orphan[0].checkpoint_id == "V3.2"
    assert orphan[0].message.en.startswith(f"2 answer callbacks for id {stray}")
    assert orphan[0].order_id == stray
    assert len(orphan[0].callbacks) == 2
    assert orphan[0].received == Text(en=f"answer callback for {stray}",
                                      nb=f"svarmelding for {stray}")  # fmt: skip


def test_a_patient_initiated_answer_is_no_orphan_but_its_repeat_fails_p1() -> None:
    ledger, wire = Ledger(), Wire()
    stray = str(uuid.uuid4())
    wire.answer(stray, patient=True)
    assert findings(ledger, wire) == []
    wire.answer(stray, patient=True)
    finding = only(findings(ledger, wire), "P1")
    assert "2 answer callbacks" in finding.message.en


def test_orphans_of_each_kind_fail_their_checkpoint() -> None:
    ledger, wire = Ledger(), Wire()
    wire.letter("11111111-1111-1111-1111-111111111111")
    wire.privacy("RES", ident=f"{NID}:22222222-2222-2222-2222-222222222222")
    found = findings(ledger, wire)
    assert sorted(f.checkpoint_id for f in found) == ["L1", "PV3"]
    assert all("never placed" in f.message.en for f in found)


# --- duplicates and contradictions -------------------------------------------------------


def test_two_status_callbacks_with_different_statuses_fail_v1_4_naming_both() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident, state="Ordered")
    wire.status(ident, channel=0, state="Error")
    finding = only(findings(ledger, wire), "V1.4")
    assert "2 status callbacks" in finding.message.en
    assert "one is due, these say Ordered then Error" in finding.message.en
    assert "duplicates" not in finding.message.en
    assert (finding.expected.en, finding.received.en) == (
        "1 status callback",
        "2 status callbacks",
    )


def test_the_same_status_callback_twice_is_called_a_duplicate() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident, at=T0 + 1)
    wire.status(ident, at=T0 + 1.25)
    finding = only(findings(ledger, wire), "V1.4")
    assert "(duplicates; arrival +0.000 s, +0.250 s)" in finding.message.en
    assert "(duplikater; ankomst +0.000 s, +0.250 s)" in finding.message.nb


def test_answers_with_different_statuses_are_two_answers_one_per_status() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident)
    wire.answer(ident, state="PhysicalMailReturned")
    wire.answer(ident, state="Completed")
    assert findings(ledger, wire) == []
    wire.answer(ident, state="Completed")
    assert "2 answer callbacks" in only(findings(ledger, wire), "V3.2").message.en


def test_a_refused_callback_counts_for_no_duplicate_but_fails_its_checkpoint() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident, key_ok=False)
    wire.status(ident)
    finding = only(findings(ledger, wire), "V1.4")
    assert "carried a wrong API key" in finding.message.en
    assert finding.expected == Text(en="our API key", nb="vår API-nøkkel")


# --- privacy settings: one callback per change, repeats by content -----------------------


def test_a_citizens_change_reported_once_passes_pv3() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    wire.privacy("RES")
    assert findings(ledger, wire) == []


def test_the_runs_own_changes_may_be_reported_or_not() -> None:
    for reported in (True, False):
        ledger, wire = Ledger(), Wire()
        change(ledger, "RES", own=True)
        change(ledger, "IRES", own=True, at=T0 + 1)
        change(ledger, "RES", at=T0 + 2)
        if reported:
            wire.privacy("RES")
            wire.privacy("IRES")
        wire.privacy("RES", at=T0 + 3)
        assert findings(ledger, wire) == [], reported


def test_two_citizens_changes_to_one_status_are_two_callbacks_not_a_repeat() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    change(ledger, "IRES", own=True, at=T0 + 1)  # not reported back by this ePROM
    change(ledger, "RES", at=T0 + 2)
    wire.privacy("RES")
    wire.privacy("RES", at=T0 + 3)
    assert findings(ledger, wire) == []


def test_own_changes_are_reported_all_or_none_so_a_repeat_is_not_taken_for_one() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", own=True)
    change(ledger, "IRES", own=True, at=T0 + 1)
    change(ledger, "RES", at=T0 + 2)
    wire.privacy("RES", at=T0 + 3)
    wire.privacy("RES", at=T0 + 4)  # the citizen's callback again, not the set reported late
    finding = only(findings(ledger, wire), "PV3")
    assert "(status RES; callback #2 repeats #1)" in finding.message.en


def test_a_repeat_arriving_later_is_still_named_a_repeat() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    change(ledger, "IRES", at=T0 + 1)
    wire.privacy("RES")
    wire.privacy("IRES")
    wire.privacy("RES")  # the first, delivered again after the second
    finding = only(findings(ledger, wire), "PV3")
    assert "(status RES; callback #3 repeats #1)" in finding.message.en


def test_repeated_changes_of_one_setting_each_need_their_callback() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    change(ledger, "IRES", at=T0 + 1)
    wire.privacy("RES")
    finding = only(findings(ledger, wire), "PV3")
    assert finding.message.en.startswith(
        f"no privacy-setting callback with status IRES for privacy setting {SETTING} "
        "(case pvk, changed during suites/t.py::test_pv) by the end of the run"
    )
    assert "limit 10 s" in finding.message.en
    wire.privacy("IRES")
    assert findings(ledger, wire) == []


def test_the_same_privacy_callback_again_fails_pv3_naming_it() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", own=True)
    change(ledger, "IRES", own=True, at=T0 + 1)
    change(ledger, "RES", at=T0 + 2)
    wire.privacy("RES")
    wire.privacy("RES")  # delivered again: no change lies between them
    wire.privacy("IRES")
    wire.privacy("RES", at=T0 + 4)
    finding = only(findings(ledger, wire), "PV3")
    assert "came again with the same content (status RES; callback #2 repeats #1)" in (
        finding.message.en
    )
    assert finding.message.en.startswith(
        f"the privacy-setting callback for privacy setting {SETTING}"
    )
    assert "order" not in finding.message.en
    assert [c.en.split(" (")[0] for c in finding.callbacks] == ["callback #1", "callback #2"]
    assert finding.received == Text(
        en="the same privacy-setting callback twice (status RES)",
        nb="samme melding om personverninnstilling to ganger (status RES)",
    )


def test_a_privacy_callback_no_change_explains_fails_pv3() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    wire.privacy("RES")
    wire.privacy("IRES")
    finding = only(findings(ledger, wire), "PV3")
    assert "says status IRES, which no change this run made explains" in finding.message.en
    assert "(the run's changes, in order: RES)" in finding.message.en
    assert finding.received == Text(
        en="a callback with status IRES", nb="et tilbakekall med status IRES"
    )


def test_a_wrong_status_is_both_unexplained_and_missing() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    wire.privacy("SAM")
    found = findings(ledger, wire)
    assert [f.checkpoint_id for f in found] == ["PV3", "PV3"]
    assert "says status SAM" in found[0].message.en
    assert "no privacy-setting callback with status RES" in found[1].message.en


def test_a_change_of_unknown_status_takes_any_callback() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, None)
    assert "no privacy-setting callback for" in only(findings(ledger, wire), "PV3").message.en
    wire.privacy("SAM")
    assert findings(ledger, wire) == []


def test_a_refused_privacy_callback_is_no_repeat() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES")
    wire.privacy("RES", key_ok=False)
    wire.privacy("RES")
    finding = only(findings(ledger, wire), "PV3")
    assert "wrong API key" in finding.message.en


def test_a_late_privacy_callback_fails_pv3_at_the_boundary_not_before() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", at=T0)
    wire.privacy("RES", at=T0 + 10.0)
    assert findings(ledger, wire, timeout=10) == []  # exactly the limit: in time
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", at=T0)
    wire.privacy("RES", at=T0 + 10.5)
    finding = only(findings(ledger, wire, timeout=10), "PV3")
    assert "came 10.5 s after the change; the limit is 10 s" in finding.message.en
    assert finding.received == Text(en="after 10.5 s", nb="etter 10.5 s")


def test_the_runs_own_change_reported_late_is_no_failure() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", own=True, at=T0)
    wire.privacy("RES", at=T0 + 60)
    assert findings(ledger, wire, timeout=10) == []


def test_outstanding_counts_privacy_callbacks_against_the_due_changes() -> None:
    ledger, wire = Ledger(), Wire()
    change(ledger, "RES", own=True)
    assert ledger.outstanding(wire.got) == []  # our own change: nothing is due
    change(ledger, "IRES", at=T0 + 1)
    assert [e.ident for e in ledger.outstanding(wire.got)] == [SETTING]
    wire.privacy("RES")  # about our own change: still one due
    assert [e.ident for e in ledger.outstanding(wire.got)] == [SETTING]
    wire.privacy("IRES")
    assert ledger.outstanding(wire.got) == []


def test_outstanding_lists_orders_and_letters_without_their_status() -> None:
    ledger, wire = Ledger(), Wire()
    waiting = order(ledger)
    order(ledger, test_mode=True)
    order(ledger, callback_due=False)
    done = letter(ledger)
    wire.letter(done)
    wire.answer(waiting)  # an answer is not the status callback
    assert [e.ident for e in ledger.outstanding(wire.got)] == [waiting]


# --- the timeout boundary of status callbacks --------------------------------------------


@pytest.mark.parametrize(("after", "late"), [(9.9, False), (10.0, False), (10.1, True)])
def test_a_status_callback_is_late_only_past_the_limit(after: float, late: bool) -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, sent_at=T0 - 5, answered_at=T0)  # counted from ePROM's answer
    wire.status(ident, at=T0 + after)
    found = findings(ledger, wire, timeout=10)
    assert [f.checkpoint_id for f in found] == (["V1.2"] if late else [])
    if late:
        assert f"came {after:.1f} s after ePROM accepted it; the limit is 10 s" in (
            found[0].message.en
        )
        assert found[0].expected == Text(en="within 10 s", nb="innen 10 s")


def test_a_status_callback_is_timed_from_sending_when_epfrom_never_answered() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, sent_at=T0)
    wire.status(ident, at=T0 + 12)
    assert "came 12.0 s after" in only(findings(ledger, wire, timeout=10), "V1.2").message.en


def test_a_lost_status_says_when_it_was_sent_and_the_limit() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    finding = only(findings(ledger, wire, timeout=3), "V1.2")
    assert f"no status callback for order {ident} (case c1, placed during" in finding.message.en
    assert "limit 3 s)" in finding.message.en
    assert finding.expected == Text(en="1 status callback within 3 s",
                                    nb="1 statusmelding innen 3 s")  # fmt: skip
    assert finding.received == Text(en="none", nb="ingen")


def test_nothing_is_due_for_an_order_without_a_status_callback_due() -> None:
    ledger, wire = Ledger(), Wire()
    order(ledger, callback_due=False)
    order(ledger, test_mode=True)
    assert findings(ledger, wire) == []


def test_a_delivered_answer_missing_names_why_it_was_due() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident)
    ledger.expect_answer(
        ident, because=Text(en="the patient delivered it", nb="pasienten sendte den inn"), at=T0
    )
    ledger.expect_answer(ident, because=Text(en="a second reason", nb="en ny grunn"), at=T0 + 5)
    finding = only(findings(ledger, wire, timeout=7), "V3.1")
    assert "though the patient delivered it at" in finding.message.en
    assert "(waited up to 7 s)" in finding.message.en
    assert "second reason" not in finding.message.en
    ledger.expect_answer("not-placed", because="x", at=T0)  # unknown id: nothing happens
    wire.answer(ident)
    assert findings(ledger, wire) == []


# --- the channel and status of each order (V1.3) and of its answer (V3.2) ----------------


def test_the_status_is_compared_only_when_predicted() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_status=None)
    wire.status(ident, channel=1, state="Error")
    assert findings(ledger, wire) == []
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident, channel=1, state="Error")
    finding = only(findings(ledger, wire), "V1.3")
    assert finding.received == {"notificationChannel": "Helsenorge", "formOrderStatus": "Error"}
    assert "(person verification-person, rule Basic) went to the wrong channel" in (
        finding.message.en
    )


def test_an_order_without_a_predicted_channel_is_not_judged_on_v1_3() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_channel=None)
    wire.status(ident, channel=3)
    judged = verdict(ledger, wire)
    assert judged.findings == []
    assert judged.judged["V1.3"] == 0


def test_the_answer_channel_is_judged_against_the_status_callback_without_a_prediction() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_channel=None)
    wire.status(ident, channel=2)
    wire.answer(ident, channel=1)
    finding = only(findings(ledger, wire), "V3.2")
    assert "reports notificationChannel Helsenorge, not its status callback" in (finding.message.en)
    assert (finding.expected, finding.received) == ("DigitalMailbox", "Helsenorge")
    assert [c.en.split(" (")[0] for c in finding.callbacks] == ["callback #1", "callback #2"]


def test_an_answer_on_the_right_channel_or_without_one_passes() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident, channel=1)
    wire.answer(ident, channel=1)
    wire.answer(ident, state="Expired")  # notificationChannel is optional in the answer
    assert findings(ledger, wire) == []


def test_the_predicted_channel_wins_over_a_wrong_status_callback_for_the_answer() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_channel=H)
    wire.status(ident, channel=2)
    wire.answer(ident, channel=2)
    found = findings(ledger, wire)
    assert [f.checkpoint_id for f in found] == ["V1.3", "V3.2"]
    assert "not the channel the profile predicts" in found[1].message.en


# --- the order of events (LC1) -----------------------------------------------------------


def test_an_answer_after_its_status_passes_lc1_and_one_before_fails() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.status(ident)
    wire.answer(ident)
    assert findings(ledger, wire) == []
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.answer(ident)
    wire.answer(ident, state="Expired")
    wire.status(ident)
    finding = only(findings(ledger, wire), "LC1")
    assert [c.en.split(" (")[0] for c in finding.callbacks] == ["callback #1", "callback #3"]


def test_an_answer_without_any_status_is_v1_2s_not_lc1s() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger)
    wire.answer(ident)
    assert [f.checkpoint_id for f in findings(ledger, wire)] == ["V1.2"]


def test_an_error_status_without_an_answer_is_fine() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_channel=NotificationChannel.None_, expected_status="Error")
    wire.status(ident, channel=0, state="Error")
    assert findings(ledger, wire) == []


def test_an_answer_to_an_error_order_names_the_first_status_and_answer() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_channel=NotificationChannel.None_, expected_status="Error")
    wire.status(ident, channel=0, state="Error")
    wire.answer(ident)
    finding = only(findings(ledger, wire), "LC1")
    assert [c.en.split(" (")[0] for c in finding.callbacks] == ["callback #1", "callback #2"]
    assert finding.received == Text(en="an answer callback", nb="en svarmelding")


# --- how many were judged ----------------------------------------------------------------


def test_the_counts_of_what_was_judged() -> None:
    ledger, wire = Ledger(), Wire()
    a = order(ledger)
    b = order(ledger, expected_channel=None, test_mode=True)
    order(ledger, callback_due=False)
    first, second = letter(ledger, expected_channel=H), letter(ledger)
    change(ledger, "RES", own=True)
    change(ledger, "RES")
    ledger.expect_answer(a, because="delivered", at=T0)
    wire.status(a)
    wire.answer(a)
    wire.answer(str(uuid.uuid4()), patient=True)
    wire.letter(first)
    wire.letter(second)
    wire.privacy("RES")
    judged = verdict(ledger, wire).judged
    assert judged == {
        "V1.1": 5,  # 3 orders + 2 letters
        "V1.2": 1,  # due and not testMode
        "V1.3": 2,  # with a predicted channel
        "V1.4": 1,  # status callbacks
        "V3.1": 1,  # answers due
        "V3.2": 1,  # ordered answers
        "P1": 1,  # patient-initiated answers
        "L1": 4,  # letters + letter callbacks
        "L2": 1,  # letters with a predicted channel
        "PV3": 3,  # 2 changes + 1 callback
        "LC1": 2,  # answer due or status due
    }
    assert list(judged) == list(CHECKPOINTS_JUDGED)
    assert b not in [f.order_id for f in verdict(ledger, wire).findings]


def test_each_count_leaves_out_what_it_does_not_judge() -> None:
    """Counts where the excluded kind is not as many as the included (a filter that flips
    would give another number): test-mode orders, letters without a prediction, answers of
    the patient's own orders."""
    ledger, wire = Ledger(), Wire()
    a, c = order(ledger), order(ledger)
    order(ledger, test_mode=True)
    letter(ledger, expected_channel=H)
    letter(ledger, expected_channel=H)
    letter(ledger)
    wire.answer(a)
    wire.answer(c)
    wire.answer(str(uuid.uuid4()), patient=True)
    judged = verdict(ledger, wire).judged
    assert judged["V1.2"] == 2  # the two due orders, not the test-mode one
    assert judged["L2"] == 2  # the two letters with a predicted channel
    assert judged["V3.2"] == 2  # the ordered answers, not the patient's own
    assert judged["P1"] == 1


def test_a_refused_placement_is_kept_among_the_findings() -> None:
    ledger = Ledger()
    refused = Finding("L1", Text(en="the letter was refused", nb="brevet ble avvist"))
    ledger.refused(refused)
    judged = ledger.judge([], callback_timeout_s=1, answer_timeout_s=1)
    named = dataclasses.replace(refused, rule="refused")  # the ledger names the rule
    assert judged.findings == [named]
    assert judged.for_checkpoint("L1") == [named]
    assert judged.for_checkpoint("V1.1") == []


# --- names and labels --------------------------------------------------------------------


def test_callback_names_and_labels() -> None:
    assert callback_name(None) is UNREADABLE
    assert callback_name(CallbackKind.LETTER) is CALLBACK_NAMES[CallbackKind.LETTER]
    assert ANY_CALLBACK.the == Text(en="the callback", nb="tilbakekallet")
    entry = Entry(ident="x", kind="privacy", sent_at=T0)
    assert entry.label == Text(en="privacy setting x", nb="personverninnstilling x")
    entry = Entry(ident="y", kind="letter", sent_at=T0, test="t.py::test_l")
    assert entry.label == Text(en="letter y (sent during t.py::test_l)",
                               nb="brev y (sendt under t.py::test_l)")  # fmt: skip


def test_a_finding_names_its_test_once_and_its_callbacks() -> None:
    plain = Finding("V1.2", Text(en="lost", nb="borte"), test="t.py::test_a")
    assert plain.as_text() == Text(en="lost (during t.py::test_a)", nb="borte (under t.py::test_a)")
    named = Finding("V1.2", Text(en="lost in t.py::test_a", nb="borte"), test="t.py::test_a",
                    callbacks=(Text.same("callback #1"), Text.same("callback #2")))  # fmt: skip
    assert named.as_text().en == "lost in t.py::test_a — callback #1, callback #2"


def test_an_unknown_ident_has_no_entry_and_a_placement_is_kept_once() -> None:
    ledger = Ledger()
    ident = order(ledger)
    assert ledger.entry(ident) is not None
    assert ledger.entry(None) is None
    assert ledger.entry("") is None
    assert [e.ident for e in ledger.entries()] == [ident]
    change(ledger, "RES")
    change(ledger, "IRES", own=True)
    kept = ledger.entry(SETTING)
    assert kept is not None
    assert [c.status for c in kept.changes] == ["RES", "IRES"]
    assert kept.callback_due is True


# --- the ledger runs the rules of its book -------------------------------------------------


def test_the_ledgers_findings_name_their_rule() -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, callback_due=False)
    wire.answer(ident)
    wire.status(ident)

    lifecycle = [f for f in verdict(ledger, wire).findings if f.checkpoint_id == "LC1"]

    assert [(f.rule, f.order_id) for f in lifecycle] == [("lifecycle", ident)]
    assert "came before its status callback" in Text.same(lifecycle[0].message).en


def test_the_ledger_runs_the_rules_of_its_book_in_order_each_given_the_whole_run() -> None:
    """Registering a rule is what makes it run: a throwaway book's rule is run and its
    finding reaches the report row; a function that is not registered is not run."""
    book: RuleBook[Rule] = RuleBook()
    given: list[tuple[str, RunRecord]] = []

    @rule(book, "V1.3", name="first")
    def _first(run: RunRecord) -> list[Finding]:
        """Always says the channel is wrong."""
        given.append(("first", run))
        said = Text(en="always wrong", nb="alltid feil")
        return [Finding("V1.3", said, order_id=e.ident) for e in run.entries]

    def _unregistered(run: RunRecord) -> list[Finding]:
        given.append(("unregistered", run))
        return [Finding("V1.3", Text(en="never said", nb="aldri sagt"))]

    @rule(book, "LC1", name="second")
    def _second(run: RunRecord) -> list[Finding]:
        """Sees what the first one saw."""
        given.append(("second", run))
        return []

    ledger, wire = Ledger(rules=book), Wire()
    ident = order(ledger)
    wire.status(ident)
    judged = verdict(ledger, wire)

    assert [name for name, _ in given] == ["first", "second"], "the book's rules, in its order"
    assert given[0][1] is given[1][1], "every rule is given the same RunRecord"
    run = given[0][1]
    assert [e.ident for e in run.entries] == [ident]
    assert [c.seq for c in run.received] == [1]
    assert [c.seq for c in run.callbacks_of(run.entries[0])] == [1]
    assert [(f.rule, f.checkpoint_id) for f in judged.findings] == [("first", "V1.3")]
    row = CheckResult.from_finding(judged.for_checkpoint("V1.3")[0], nodeid="whole-run[V1.3]")
    assert (row.outcome, row.name, row.order_ids) == ("failed", "first", [ident])
    assert row.messages == {"en": "always wrong", "nb": "alltid feil"}
    assert "first" not in LEDGER_RULES.names(), "the throwaway book is not the ledger's"


def test_the_ledger_judges_with_its_own_book_by_default_and_an_empty_book_says_nothing() -> None:
    ledger, wire = Ledger(), Wire()
    assert ledger.rules is LEDGER_RULES
    ident = order(ledger, callback_due=False)
    wire.answer(ident)
    wire.status(ident)
    wire.status(ident)
    wire.status(str(uuid.uuid4()))

    said = verdict(ledger, wire)

    assert {f.rule for f in said.findings} <= set(LEDGER_RULES.names())
    assert {"lifecycle", "duplicates", "orphans"} <= {f.rule for f in said.findings}
    silent = Ledger(rules=RuleBook())
    order(silent)
    empty = silent.judge(wire.got, callback_timeout_s=1, answer_timeout_s=1)
    assert empty.findings == [], "no rule in the book: nothing is judged wrong"
    assert sum(empty.judged.values()) > 0, "what was looked at is still counted"

"""The judge on recorded exchanges: the checks the example system's faults do not reach."""

from __future__ import annotations

import functools
import itertools
import json
import random
from datetime import UTC, date, datetime
from typing import Any

import pytest

from eprom_verify import config, national_id
from eprom_verify.findings import Rule, RuleBook, rule
from eprom_verify.observe.front import Exchange, Leg
from eprom_verify.observe.judge import OBSERVE_RULES, Finding, Judge
from eprom_verify.observe.scenario import Scenario, Step, build_scenario
from eprom_verify.report.model import CheckResult
from eprom_verify.wording import Text

KEY = "judge-test-key-8e1f2a"
ORDER = "0f8fad5b-d9cb-469f-a165-70867728950e"
LETTER = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
_SEQ = itertools.count(1)


def _exchange(
    leg: Leg, method: str, path: str, body: Any, status: int, answer: Any, **headers: str
) -> Exchange:
    exchange = Exchange(
        seq=next(_SEQ), leg=leg, method=method, path=path, inbound_url="http://front" + path,
        outbound_url="http://upstream" + path, request_headers=headers,
        request_body=json.dumps(body).encode(), at=datetime.now(UTC), status=status,
        response_body=(answer if isinstance(answer, str) else json.dumps(answer)).encode(),
        duration_s=0.01,
    )  # fmt: skip
    exchange.done.set()
    return exchange


@functools.cache
def _people_and_forms() -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The shipped patients and forms, read once: the YAML parse is ~40 ms, and test_wording.py
    builds its cases (19 scenarios) at import, i.e. in every pytest-xdist worker's collection."""
    return tuple(config.load_patients().patients), tuple(config.load_forms().forms)


def _scenario() -> Scenario:
    patients, forms = _people_and_forms()
    return build_scenario(proms_api_base_url="http://front/promswebapi",
                          system_callback_url="http://system", patients=patients, forms=forms)  # fmt: skip


def _order(step_id: str, *, status: int = 200, answer: Any = None, **changes: Any) -> Exchange:
    step = _scenario().step(step_id)
    assert step.request is not None
    body = {**step.request.body, **changes}
    return _exchange("api", "POST", "/promswebapi" + step.request.path, body, status,
                     answer if answer is not None else {"id": ORDER},
                     Authorization=f"Basic {KEY}")  # fmt: skip


def _ack(body: dict[str, Any], path: str = "/api/PromsFormOrder") -> Exchange:
    return _exchange("callback", "PUT", path, body, 200, {"success": True})


def _findings(*exchanges: Exchange, step: str) -> list[Finding]:
    judge = Judge(_scenario(), exchanges, api_key=KEY, time_limit_s=5)
    return judge.judge_step(judge.scenario.step(step))


def _failed(findings: list[Finding], checkpoint: str) -> list[str]:
    return [f.message.en for f in findings
            if f.outcome == "failed" and checkpoint in f.checkpoint_ids]  # fmt: skip


def test_a_step_not_performed_fails_naming_what_to_send() -> None:
    messages = _failed(_findings(step="order-basic"), "V1.1")
    assert messages == [
        "step 'order-basic' was not performed: no POST /api/v2/formorder with "
        'formId="1bc5f9f0-2607-49eb-94f0-6af955bbd79a", nationalId="26670271527", '
        'distributionRule="Basic", mustBeSigned=false was seen'
    ]


def test_the_wrong_channel_fails_v1_3() -> None:
    status = {"formOrderId": ORDER, "notificationChannel": 2, "formOrderStatus": "Ordered"}
    messages = _failed(_findings(_order("order-basic"), _ack(status), step="order-basic"), "V1.3")
    assert messages == [
        f"step 'order-basic': order {ORDER} was Ordered on DigitalMailbox, expected Ordered on "
        "Helsenorge"
    ]


def test_a_documented_400_is_named_with_eproms_text() -> None:
    refused = _order("order-signing", status=400, answer="The ordered form needs to be signed. "
                     "This is not possible when the form is ordered on behalf of someone.")  # fmt: skip
    (message,) = _failed(_findings(refused, step="order-signing"), "V1.1")
    assert "ePROM refused it with 400 'The ordered form needs to be signed." in message
    assert "a documented refusal: the request is wrong" in message


def test_metadata_that_is_not_json_text_fails() -> None:
    (message,) = _failed(_findings(_order("order-basic", metadata="{age: 24"), step="order-basic"),
                         "V1.1")  # fmt: skip
    assert "metadata is not valid JSON" in message


def test_an_expiry_date_in_no_documented_format_fails() -> None:
    (message,) = _failed(
        _findings(_order("order-basic", expiryDate="31.12.2026"), step="order-basic"), "V1.1"
    )
    assert "expiryDate" in message


def test_an_h_number_is_refused_by_kind() -> None:
    h_number = national_id.generate(
        national_id.NationalIdKind.H_NUMBER, today=date(2026, 11, 22), rng=random.Random(7)
    )
    people = [p.model_copy(update={"national_id": h_number}) if p.key == "verification-person"
              else p for p in config.load_patients().patients]  # fmt: skip
    scenario = build_scenario(proms_api_base_url="http://front/promswebapi",
                              system_callback_url="http://system", patients=people)  # fmt: skip
    step = scenario.step("order-basic")
    assert step.request is not None
    exchange = _exchange("api", "POST", "/promswebapi/api/v2/formorder", step.request.body, 200,
                         {"id": ORDER}, Authorization=f"Basic {KEY}")  # fmt: skip
    judge = Judge(scenario, [exchange], api_key=KEY, time_limit_s=5)
    messages = _failed(judge.judge_step(step), "V1.1")
    assert messages == [
        f"step 'order-basic', request #{exchange.seq} (POST /api/v2/formorder): nationalId is "
        "an H-nummer, which ePROM refuses"
    ]


def test_an_sms_without_the_key_in_the_body_fails_u1() -> None:
    step = _scenario().step("sms")
    assert step.request is not None
    body = {**step.request.body, "apiKey": ""}
    sms = _exchange("api", "POST", "/promswebapi/api/unsecuremessagesms", body, 400,
                    "apiKey '' doesn't exists")  # fmt: skip
    (message,) = _failed(_findings(sms, step="sms"), "U1")
    assert "the body's apiKey is missing" in message


def test_a_letter_on_the_wrong_channel_fails_l2() -> None:
    letter = _order("letter", answer={"messageToCitizenId": LETTER, "notificationChannel": 2})
    callback = _ack({"messageToCitizenId": LETTER, "notificationChannel": 2, "sentStatus": 0},
                    "/api/MessageToCitizen")  # fmt: skip
    (message,) = _failed(_findings(letter, callback, step="letter"), "L2")
    assert message == f"step 'letter': letter {LETTER} went to DigitalMailbox, expected Helsenorge"


@pytest.mark.parametrize("answer", [{"success": False}, "ok"])
def test_a_patient_initiated_answer_not_acknowledged_fails_p1(answer: Any) -> None:
    body = {"formOrderId": ORDER, "formData": "{}", "formOrderStatus": "Completed",
            "isPatientInitiated": True,
            "patientInitiatedValues": {"nationalId": "26073941651"}}  # fmt: skip
    callback = _exchange("callback", "PUT", "/api/PromsFormOrder", body, 200, answer)
    (message,) = _failed(_findings(callback, step="patient-initiated"), "P1")
    assert f"step 'patient-initiated': the answer callback for {ORDER}" in message


def test_a_clean_order_passes_every_check() -> None:
    status = {"formOrderId": ORDER, "notificationChannel": 1, "formOrderStatus": "Ordered"}
    answer = {"formOrderId": ORDER, "formData": "{}", "formOrderStatus": "Completed"}
    findings = _findings(_order("order-basic"), _ack(status), _ack(answer), step="order-basic")
    assert {f.outcome for f in findings} == {"passed"}
    assert {cp for f in findings for cp in f.checkpoint_ids} >= {"V1.1", "V1.2", "V1.3",
                                                                 "V1.4", "V3.1"}  # fmt: skip


def test_a_new_order_after_a_redelivered_status_is_named_as_such() -> None:
    status = {"formOrderId": ORDER, "notificationChannel": 1, "formOrderStatus": "Ordered"}
    first = _order("order-basic")
    ack = _ack(status)
    again = _exchange("redelivery", "PUT", "/api/PromsFormOrder", status, 200, {"success": True})
    second = _order("order-basic", answer={"id": LETTER})
    (message,) = _failed(_findings(first, ack, again, second, step="order-basic"), "V1.4")
    assert message == (
        f"step 'order-basic' was performed 2 times (requests #{first.seq}, #{second.seq}; ids "
        f"{ORDER}, {LETTER}) — after a redelivered callback"
    )


def test_a_request_to_the_wrong_path_is_named() -> None:
    exchange = _order("order-basic")
    exchange.path = "/promswebapi/api/formorder"
    (message,) = _failed(_findings(exchange, step="order-basic"), "V1.1")
    assert message.endswith(
        f"; request #{exchange.seq} POST /api/formorder carries this step's nationalId — the "
        "path should be /api/v2/formorder"
    )


def _set(status: str) -> Exchange:
    step = _scenario().step("privacy-set")
    assert step.request is not None
    body = {**step.request.body, "status": status}
    return _exchange("api", "POST", "/promswebapi" + step.request.path, body, 200,
                     {"instansEndret": 1}, Authorization=f"Basic {KEY}")  # fmt: skip


def test_setting_and_restoring_a_privacy_setting_is_two_changes_not_a_duplicate() -> None:
    findings = _findings(_set("Aktiv"), _set("IkkeAktiv"), step="privacy-set")
    assert _failed(findings, "PV1") == []
    assert "no-duplicate" in {f.check for f in findings}


def test_the_same_privacy_setting_change_again_is_a_duplicate() -> None:
    first, other, again = _set("Aktiv"), _set("IkkeAktiv"), _set("IkkeAktiv")
    (message,) = _failed(_findings(first, other, again, step="privacy-set"), "PV1")
    assert message.startswith(
        f"step 'privacy-set' was performed 2 times (requests #{other.seq}, #{again.seq}"
    )


def test_the_judge_runs_the_rules_of_its_book_for_each_step_then_the_whole_observation() -> None:
    """Registering a rule is what makes it run: a throwaway book's rule is given every step
    (and None, the observation as a whole) and its finding reaches the report row; a
    function that is not registered is not run."""
    book: RuleBook[Rule] = RuleBook()
    given: list[tuple[str, str | None]] = []

    @rule(book, "V1.3", name="always")
    def _always(judge: Judge, step: Step | None) -> list[Finding]:
        """Fails the first step, always."""
        given.append(("always", step.id if step else None))
        if step is None or step is not judge.scenario.steps[0]:
            return []
        said = Text(en=f"step {step.id!r} is wrong", nb=f"steg {step.id!r} er feil")
        return [Finding(["V1.3"], said, step_id=step.id)]

    def _unregistered(judge: Judge, step: Step | None) -> list[Finding]:
        given.append(("unregistered", None))
        return [Finding(["V1.3"], Text(en="never said", nb="aldri sagt"))]

    judge = Judge(_scenario(), [_order("order-basic")], api_key=KEY, time_limit_s=5, rules=book)
    findings = judge.findings()

    steps = [s.id for s in judge.scenario.steps]
    assert given == [("always", s) for s in [*steps, None]], "every step, then the whole"
    assert [(f.rule, f.step_id, f.outcome) for f in findings] == [("always", steps[0], "failed")]
    row = CheckResult.from_finding(findings[0], nodeid=f"observe::{steps[0]}")
    assert row.messages == {"en": f"step {steps[0]!r} is wrong", "nb": f"steg {steps[0]!r} er feil"}
    assert (row.outcome, row.checkpoint_ids, row.name) == (
        "failed",
        ["V1.3"],
        f"{steps[0]}: always",
    )
    assert "always" not in OBSERVE_RULES.names()


def test_the_judge_uses_observes_book_by_default_and_an_empty_book_judges_nothing() -> None:
    judge = Judge(_scenario(), [_order("order-basic")], api_key=KEY, time_limit_s=5)
    assert judge.rules is OBSERVE_RULES
    assert {f.rule for f in judge.findings()} >= {"performed", "request", "attest"}
    empty = Judge(_scenario(), [_order("order-basic")], api_key=KEY, time_limit_s=5,
                  rules=RuleBook())  # fmt: skip
    assert empty.findings() == []

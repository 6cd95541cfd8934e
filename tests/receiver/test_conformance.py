"""The receiver checks against the reference receiver (all pass) and against receivers seeded
with faults (the check meant for each fault fails, with the offending JSON; faults whose
checks cannot meet share one receiver, ``GROUPS``)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from eprom_verify.receiver import (
    REGISTRY,
    Check,
    CheckRegistry,
    ReceiverCheckFailure,
    ReceiverResponse,
    ReceiverTarget,
    run_checks,
)
from examples.reference_receiver import CallbackReceiver, Endpoint, Refused

from .conftest import KEY, MakeTarget
from .faults import FAULTS, Slow
from .wording import english_words

R1_GENERATED = {
    f"accepts_generated_{k}_callbacks" for k in ("status", "answer", "letter", "privacy")
}

#: fault → the checks that must fail (every other check must pass).
EXPECTED_FAILURES: dict[str, set[str]] = {
    "accepts_forged_key": {"refuses_forged_key", "refuses_missing_key"},
    "numbers_only": {"accepts_documented_examples"}
    | (R1_GENERATED - {"accepts_generated_privacy_callbacks"}),
    "refuses_unknown_fields": R1_GENERATED,
    "crashes_on_redelivery": {"acknowledges_redelivery"},
    "crashes_on_bad_json": {"no_5xx_on_malformed"},
    "refuses_norwegian_form_data": {"accepts_generated_answer_callbacks"},
}

#: faults whose checks cannot meet share one receiver and one pass of every check (issue 25,
#: as the fault matrix of tests/run/ shares runs): each overrides another step of the
#: receiver (the key, the store, the JSON decoding) and fails checks no other fault of its
#: group fails. The three that fail an R1 check each keep a receiver of their own.
GROUPS: list[tuple[str, ...]] = [
    ("accepts_forged_key", "crashes_on_redelivery", "crashes_on_bad_json"),
    ("numbers_only",),
    ("refuses_unknown_fields",),
    ("refuses_norwegian_form_data",),
]
GROUP_OF = {fault: group for group in GROUPS for fault in group}

#: group → (every failure of its pass, the target it ran on): made by the first test of the
#: group in this process; its tests share an xdist group, so they run where it was made
_CHECKED: dict[tuple[str, ...], tuple[dict[str, ReceiverCheckFailure], ReceiverTarget]] = {}


def _checked(group: tuple[str, ...], target_for: MakeTarget) -> tuple[
    dict[str, ReceiverCheckFailure], ReceiverTarget
]:  # fmt: skip
    """Every check against one receiver with the group's faults (a class made of theirs)."""
    if group not in _CHECKED:
        receiver = type("_".join(group), tuple(FAULTS[f] for f in group), {})
        with target_for(receiver) as target:
            _CHECKED[group] = (_failures(run_checks(target)), target)
    return _CHECKED[group]


def test_the_groups_share_no_check_and_hold_every_fault_once() -> None:
    assert sorted(GROUP_OF) == sorted(EXPECTED_FAILURES)
    assert sum(len(group) for group in GROUPS) == len(EXPECTED_FAILURES)
    for group in GROUPS:
        checks = [name for fault in group for name in EXPECTED_FAILURES[fault]]
        assert len(checks) == len(set(checks)), f"{group}: two faults fail the same check"


def _failures(results: list[Any]) -> dict[str, ReceiverCheckFailure]:
    errors = [(r.rule, r.error) for r in results if r.outcome == "error"]
    assert not errors, f"checks crashed: {errors}"
    return {r.rule: r.failure for r in results if r.outcome == "failed"}


def _payload_block(message: str, heading: str, hint: str) -> list[str]:
    lines = message.splitlines()
    if not any(line.startswith(heading) for line in lines):
        return []
    start = next(i for i, line in enumerate(lines) if line.startswith(heading)) + 1
    end = next((i for i, line in enumerate(lines) if line.startswith(hint)), len(lines))
    return lines[start:end]


def _assert_said_in_both(failure: ReceiverCheckFailure) -> None:
    """Ours in bokmål and English (the English as the terminal shows it); the payload sent
    and the receiver's answer the same in both."""
    assert set(failure.messages) == {"nb", "en"}
    nb, en = failure.messages["nb"], failure.messages["en"]
    assert en == failure.message
    assert en.splitlines()[0] == failure.title[:1].upper() + failure.title[1:]
    assert en.splitlines()[1:] == str(failure).splitlines()[1:]
    assert str(failure).splitlines()[0] == f"{failure.check}: {failure.title}"
    answer = ""
    if failure.exchange is not None:
        answer = failure.exchange.error or failure.exchange.received()
        assert answer in nb
        assert answer in en
    assert english_words(nb, not_ours=(answer,)) == [], nb
    assert english_words(failure.expected_texts["nb"]) == [], failure.expected_texts
    if failure.received_texts:
        assert english_words(failure.received_texts["nb"], not_ours=(answer,)) == []
    sent_nb = _payload_block(nb, "Innhold sendt (", "Hva du bør gjøre: ")
    sent_en = _payload_block(en, "Payload sent (", "What to do: ")
    if failure.payload:
        assert sent_nb == sent_en
    elif failure.exchange is not None:  # nothing was sent: that much is ours
        assert (sent_nb, sent_en) == (["(tomt innhold)"], ["(empty body)"])
    assert bool(sent_en) == (failure.exchange is not None)


def _assert_no_key(target: ReceiverTarget, *texts: str | None) -> None:
    for text in texts:
        assert KEY not in (text or "")
    for exchange in target.exchanges:
        for value in (
            exchange.request_body,
            exchange.response_body,
            *exchange.request_headers.values(),
            exchange.error,
        ):
            assert KEY not in (value or "")


def test_the_registry_names_every_check_with_its_checkpoint() -> None:
    assert {c.name: c.checkpoint for c in REGISTRY} == {
        "accepts_documented_examples": "R1",
        **dict.fromkeys(sorted(R1_GENERATED), "R1"),
        "refuses_forged_key": "R2",
        "refuses_missing_key": "R2",
        "acknowledges_redelivery": "R3",
        "no_5xx_on_malformed": "R4",
        "no_5xx_on_valid": "R4",
        "answers_within_limit": "R5",
    }
    assert all(c.description for c in REGISTRY)


def test_the_reference_receiver_passes_every_check_quickly(target_for: MakeTarget) -> None:
    with target_for(CallbackReceiver, max_examples=25) as target:
        results = run_checks(target)
        summary = target.exchanges.latency_summary()
    assert _failures(results) == {}
    assert [r.outcome for r in results] == ["passed"] * len(REGISTRY)
    assert summary.count == len(target.exchanges) > 200
    assert 0 < summary.p50_s <= summary.p95_s <= summary.max_s


@pytest.mark.parametrize(
    "fault",
    [pytest.param(fault, marks=[pytest.mark.xdist_group("receiver-" + "+".join(GROUP_OF[fault]))])
     for fault in sorted(EXPECTED_FAILURES)],
)  # fmt: skip
def test_each_fault_is_caught_by_the_check_meant_for_it(fault: str, target_for: MakeTarget) -> None:
    group = GROUP_OF[fault]
    every, target = _checked(group, target_for)
    union = set().union(*(EXPECTED_FAILURES[f] for f in group))
    assert set(every) == union, (
        f"the receiver with {', '.join(group)} failed {sorted(every)}; its faults fail "
        f"{sorted(union)} (every other check must pass)"
    )
    failures = {name: f for name, f in every.items() if name in EXPECTED_FAILURES[fault]}
    assert set(failures) == EXPECTED_FAILURES[fault]
    for name, failure in failures.items():
        assert failure.check == name
        assert failure.payload is not None
        assert failure.response is not None
        assert failure.endpoint.startswith("PUT http://127.0.0.1:")
        assert "Payload sent (exact JSON" in str(failure)
        assert "Expected: " in str(failure)
        assert "Received: " in str(failure)
        _assert_said_in_both(failure)
    _assert_no_key(target, *(str(f) for f in failures.values()))
    _assert_the_offending_json_is_shown(fault, failures)


def _assert_the_offending_json_is_shown(
    fault: str, failures: dict[str, ReceiverCheckFailure]
) -> None:
    first = next(iter(failures.values()))
    payload = first.callback  # the payload parsed, when it is JSON
    if fault == "accepts_forged_key":
        forged, missing = failures["refuses_forged_key"], failures["refuses_missing_key"]
        assert forged.callback.get("apiKey", "") != "«redacted»"
        assert missing.callback.get("apiKey") in (None, "")
        assert "The key was sent in" in str(forged)
        assert "The key was sent in" in str(missing)
    elif fault == "numbers_only":
        assert (
            failures["accepts_documented_examples"].callback["notificationChannel"] == "Helsenorge"
        )
        assert isinstance(
            failures["accepts_generated_letter_callbacks"].callback["notificationChannel"], str
        )
    elif fault == "refuses_unknown_fields":
        for failure in failures.values():
            assert "unknown extra fields" in str(failure)
            assert set(failure.callback) - {
                "apiKey", "formOrderId", "notificationChannel", "timestamp", "timestampUtc",
                "formOrderStatus", "formOrderStatusErrorCode", "formData", "signedFormId",
                "scannedPaperId", "formDataWarnings", "isPatientInitiated",
                "patientInitiatedValues", "formOrderEventLog", "filledOutBy",
                "messageToCitizenId", "sentStatus", "nationalId", "id", "name", "status",
            }  # fmt: skip
    elif fault == "crashes_on_redelivery":
        assert "delivered a second time" in first.title
        assert first.response.status == 500
    elif fault == "crashes_on_bad_json":
        assert first.response.status == 500
        assert payload is None
    else:  # æøå in formData
        assert not payload["formData"].isascii()
        assert "formData holds non-ASCII text" in str(first)
        assert all(c.isprintable() or c == "\n" for c in str(first))  # "\x80" shows as \u0080
        assert '\n  "formOrderId": ' in str(first)  # indented JSON


def test_a_slow_receiver_fails_r5_only(target_for: MakeTarget) -> None:
    names = ["accepts_documented_examples", "answers_within_limit"]
    with target_for(Slow, max_examples=2, deadline_s=0.1) as target:
        failures = _failures(run_checks(target, names=names))
    assert set(failures) == {"answers_within_limit"}
    failure = failures["answers_within_limit"]
    assert "later than 0.1 s" in failure.title
    assert "Latency over the run:" in str(failure)
    assert "p95" in str(failure)
    assert failure.payload is not None
    assert failure.exchange is not None
    assert failure.exchange.elapsed_s > 0.1
    _assert_said_in_both(failure)
    assert "senere enn 0.1 s" in failure.messages["nb"]
    assert "Svartid over kjøringen:" in failure.messages["nb"]


def test_the_time_limit_is_not_a_failure_when_every_answer_is_quick(
    receiver_target: ReceiverTarget,
) -> None:
    REGISTRY.get("answers_within_limit")(receiver_target, receiver_target.exchanges)
    assert receiver_target.exchanges.latency_summary().max_s < receiver_target.deadline_s


class AcceptsAnything(CallbackReceiver):
    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"Success": True}


class RefusesEverything(CallbackReceiver):
    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        return 200, {"success": False}


class RefusesLetterErrors(CallbackReceiver):
    """Handles only successful letters: a letter with sentStatus Error is refused.
    No corner case has one, so only the generated examples can find it."""

    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        if endpoint is Endpoint.LETTER and data.get("sentStatus") in (1, "Error"):
            raise Refused(400, "unknown sentStatus")
        return super().parse(endpoint, data)


class FlakyOnLetterErrors(CallbackReceiver):
    """Answers 503 to every other letter with sentStatus Error."""

    calls = 0

    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        if endpoint is Endpoint.LETTER and json.loads(body).get("sentStatus") in (1, "Error"):
            type(self).calls += 1
            if type(self).calls % 2:
                return 503, {"success": False}
        return super().handle(endpoint, body, authorization)


def test_success_with_a_capital_s_counts_as_acknowledged(target_for: MakeTarget) -> None:
    with target_for(AcceptsAnything) as target:
        REGISTRY.get("accepts_documented_examples")(target, target.exchanges)


def test_a_receiver_that_acknowledges_garbage_fails_r4(target_for: MakeTarget) -> None:
    with target_for(AcceptsAnything) as target, pytest.raises(ReceiverCheckFailure) as caught:
        REGISTRY.get("no_5xx_on_malformed")(target, target.exchanges)
    assert "claimed to have processed a malformed" in caught.value.title
    _assert_said_in_both(caught.value)
    assert (
        "mottakstjenesten hevdet å ha behandlet en ugyldig" in caught.value.messages["nb"].lower()
    )


def test_redelivery_cannot_be_tested_when_nothing_is_acknowledged(target_for: MakeTarget) -> None:
    with (
        target_for(RefusesEverything, max_examples=3) as target,
        pytest.raises(ReceiverCheckFailure) as caught,
    ):
        REGISTRY.get("acknowledges_redelivery")(target, target.exchanges)
    assert "could not be tested" in caught.value.title
    assert "fix the R1 findings first" in str(caught.value)
    _assert_said_in_both(caught.value)
    assert caught.value.received_texts["nb"] == "alle første leveringer ble avvist"


def test_a_generated_failure_is_shown_shrunk(target_for: MakeTarget) -> None:
    with (
        target_for(RefusesLetterErrors) as target,
        pytest.raises(ReceiverCheckFailure) as caught,
    ):
        REGISTRY.get("accepts_generated_letter_callbacks")(target, target.exchanges)
    failure = caught.value
    assert "fixed corner case" not in str(failure)
    assert failure.callback["sentStatus"] in (1, "Error")
    assert set(failure.callback) <= {
        "apiKey",
        "messageToCitizenId",
        "notificationChannel",
        "sentStatus",
    }
    assert failure.response == ReceiverResponse(
        400, '{"success":false,"message":"unknown sentStatus"}'
    )
    assert not getattr(failure, "__notes__", [])  # hypothesis' notes are not carried over


def test_a_flaky_receiver_is_reported_as_a_failure_with_the_payload(target_for: MakeTarget) -> None:
    FlakyOnLetterErrors.calls = 0
    with (
        target_for(FlakyOnLetterErrors, max_examples=30) as target,
        pytest.raises(ReceiverCheckFailure) as caught,
    ):
        REGISTRY.get("accepts_generated_letter_callbacks")(target, target.exchanges)
    assert caught.value.response is not None
    assert caught.value.response.status == 503
    assert caught.value.callback["sentStatus"] in (1, "Error")
    assert not getattr(caught.value, "__notes__", [])


def test_an_unreachable_receiver_fails_at_once_without_retrying_every_example() -> None:
    with ReceiverTarget(
        "http://127.0.0.1:9", KEY, max_examples=50, timeout_s=2, derandomize=True
    ) as target:
        results = run_checks(target, names=["accepts_documented_examples", "no_5xx_on_valid"])
    assert [r.outcome for r in results] == ["failed", "failed"]
    for result in results:
        assert result.failure is not None
        assert result.failure.title == "the receiver did not answer"
        assert result.failure.response is not None
        assert result.failure.response.status is None
        _assert_said_in_both(result.failure)
        assert result.failure.messages["nb"].startswith("Mottakstjenesten svarte ikke\n")
        assert result.failure.received_texts["nb"].startswith("ikke noe svar (")
    assert len(target.exchanges) <= 3, "an unreachable receiver was tried again per example"


def test_a_crashing_check_is_reported_as_an_error_and_the_run_goes_on(
    receiver_target: ReceiverTarget,
) -> None:
    registry = CheckRegistry()

    def crashes(target: ReceiverTarget, recorder: Any) -> None:
        raise RuntimeError(f"boom {KEY}")

    registry.add(Check("crashes", "R1", "crashes", crashes))
    registry.add(REGISTRY.get("accepts_documented_examples"))
    seen: list[str] = []
    results = run_checks(
        receiver_target, registry=registry, on_result=lambda r: seen.append(r.outcome)
    )
    assert seen == ["error", "passed"]
    assert results[0].error == "RuntimeError: boom «redacted»"


def test_registry_refuses_unknown_checkpoints_and_duplicate_names() -> None:
    registry = CheckRegistry()
    check = Check("x", "R1", "x", lambda target, recorder: None)
    registry.add(check)
    with pytest.raises(ValueError, match="already registered"):
        registry.add(check)
    with pytest.raises(KeyError, match="unknown checkpoint 'R9'"):
        registry.add(Check("y", "R9", "y", lambda target, recorder: None))
    with pytest.raises(KeyError, match="no receiver check 'nope'; known: x"):
        registry.get("nope")


def test_a_failure_that_does_not_repeat_is_reported_with_a_note() -> None:
    from hypothesis import strategies as st

    from eprom_verify.receiver.runner import for_all

    calls = []

    def fails_once(value: int) -> None:
        calls.append(value)
        if len(calls) == 1:
            raise ReceiverCheckFailure("refused once", check="c", expected="e", received="r")

    with (
        ReceiverTarget("http://127.0.0.1:9", KEY, max_examples=5, derandomize=True) as target,
        pytest.raises(ReceiverCheckFailure) as caught,
    ):
        for_all(target, st.integers(), fails_once, name="flaky")
    assert "answered this payload differently" in str(caught.value)
    assert caught.value.title == "refused once"


def test_a_500_on_valid_input_fails_r4_as_well_as_r1(target_for: MakeTarget) -> None:
    names = ["accepts_generated_answer_callbacks", "no_5xx_on_valid"]
    with target_for(FAULTS["crashes_on_norwegian_form_data"], max_examples=5) as target:
        failures = _failures(run_checks(target, names=names))
    assert set(failures) == set(names)
    failure = failures["no_5xx_on_valid"]
    assert "answered 5xx to a valid answer callback" in failure.title
    assert not failure.callback["formData"].isascii()

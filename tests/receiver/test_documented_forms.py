"""Issue 11.6: generated callbacks use, per field, only the timestamp forms the docs show, so
a careful receiver (one that reads each field only in its documented form) passes R1."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings

from eprom_verify import strategies as S
from eprom_verify.contract import CallbackKind
from eprom_verify.receiver import REGISTRY, run_checks
from eprom_verify.strategies import GeneratedCallback
from examples.reference_receiver import CallbackStore, Endpoint

from .careful import DOCUMENTED_FORMS, CarefulReceiver, timestamps_at
from .conftest import KEY, MakeTarget

PROPERTY = settings(
    max_examples=150, derandomize=True, database=None, deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)  # fmt: skip


@pytest.mark.parametrize("kind", [CallbackKind.STATUS, CallbackKind.ANSWER])
def test_each_generated_timestamp_is_in_its_fields_documented_form(kind: CallbackKind) -> None:
    seen: set[str] = set()

    @PROPERTY
    @given(S.callback_payloads(kind))
    def check(callback: GeneratedCallback) -> None:
        for path, form in DOCUMENTED_FORMS[kind.value].items():
            for value in timestamps_at(callback.body, path):
                if value is not None:
                    seen.add(path)
                    assert re.fullmatch(form, value), (
                        f"{kind.value} {path}: generated {value!r}, documented form {form}"
                    )

    check()
    assert seen == set(DOCUMENTED_FORMS[kind.value])  # every field was drawn at least once


def test_the_careful_receiver_refuses_a_date_only_answer_timestamp() -> None:
    receiver = CarefulReceiver(KEY, CallbackStore(":memory:"))
    answer = {
        "apiKey": KEY,
        "formOrderId": "0b5b9d36-7a3e-4a53-9d4b-6f7c2d3e1a90",
        "formData": "{}",
        "formOrderStatus": "Completed",
        "timestamp": "2000-01-01",
    }
    status, reply = receiver.handle(Endpoint.FORM_ORDER, json.dumps(answer).encode(), None)
    assert (status, reply["success"]) == (400, False)
    assert "timestamp: '2000-01-01' is not in the documented form" in reply["message"]
    answer["timestamp"] = "2019-05-03T00:00:00+02:00"
    assert receiver.handle(Endpoint.FORM_ORDER, json.dumps(answer).encode(), None)[0] == 200


def test_a_careful_receiver_passes_every_check(target_for: MakeTarget) -> None:
    with target_for(CarefulReceiver, max_examples=25) as target:
        results = run_checks(target)
    failed = {r.rule: str(r.failure or r.error) for r in results if r.outcome != "passed"}
    assert failed == {}
    assert len(results) == len(REGISTRY)

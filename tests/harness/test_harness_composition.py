"""The harness composes its collaborators and keeps the surface the suites use."""

from __future__ import annotations

from typing import Any

import pytest

from eprom_verify._exceptions import ApiError
from eprom_verify.checklist import placement_checkpoints
from eprom_verify.contract import FormOrderRequest, MessageToCitizenRequest
from eprom_verify.evidence_trail import EvidenceTrail
from eprom_verify.harness import Harness
from eprom_verify.manual import ManualSteps
from eprom_verify.settings import RunSettings
from eprom_verify.verdict import RunVerdict

from ._fakes import Callbacks, Recorder, Terminal

FORM = "0b3f6d1c-7a43-4a8e-9d52-1f0e2b7c9a10"
NID = "26670271527"


class RefusingClient:
    """An ePROM that refuses every order and letter with a documented-looking 400."""

    def order_form(self, request: FormOrderRequest) -> Any:
        raise ApiError(method="POST", url="/api/v2/formorder", status=400, text="Ugyldig")

    def send_letter(self, request: MessageToCitizenRequest) -> Any:
        raise ApiError(method="POST", url="/api/v2/messagetocitizen", status=400, text="Ugyldig")


def _harness(**kwargs: Any) -> Harness:
    return Harness(
        settings=RunSettings(callback_timeout_s=1.0, duplicate_window_s=0.0),
        client=RefusingClient(),
        listener=Callbacks(),
        patients=[],
        forms=[],
        pvk=[],
        progress_stream=Terminal(),
        **kwargs,
    )


def test_the_harness_is_composed_not_mixed():
    harness = _harness(recorder=Recorder())

    assert Harness.__mro__ == (Harness, object), "no mixins: collaborators instead"
    assert isinstance(harness.trail, EvidenceTrail)
    assert isinstance(harness.run_verdict, RunVerdict)
    assert isinstance(harness.manual, ManualSteps)
    # one ledger, one recorder, one set of attestations, shared by whom needs them
    assert harness.trail.placements is harness.ledger is harness.run_verdict.ledger
    assert harness.trail.recorder is harness.recorder is harness.manual.recorder
    assert harness.attestations is harness.manual.attestations
    assert harness.run_verdict.answer_timeout_s == 900.0, "no simulator: --fill-timeout"


def test_the_test_in_progress_is_the_trails():
    harness = _harness()
    harness.begin_test("suites/t.py::test_a", ("PV3",), "pvk")
    harness.fact(person="verification-person")
    harness.touch("6d1c7a43-0b3f-4a8e-9d52-1f0e2b7c9a10")

    assert (harness.current_test, harness.current_checkpoints, harness.current_case) == (
        "suites/t.py::test_a",
        ("PV3",),
        "pvk",
    )
    assert harness.current_facts == {"person": "verification-person"}
    assert harness.current_orders == ["6d1c7a43-0b3f-4a8e-9d52-1f0e2b7c9a10"]
    harness.current_orders = []  # as a suite does after placing for other tests
    assert harness.trail.current.orders == []
    harness.expect_privacy_change(f"{NID}:x", status="RES")
    [entry] = harness.ledger.entries()
    assert (entry.case, entry.checkpoint_ids) == ("pvk", ("PV3",))


@pytest.mark.parametrize("kind", ["form_order", "letter"])
def test_a_refused_batch_fails_the_checkpoint_the_checklist_names(kind):
    harness = _harness()
    serves = tuple(c.id for c in placement_checkpoints(kind))
    if kind == "form_order":
        request = FormOrderRequest(form_id=FORM, national_id=NID, expiry_date="2026-12-10")
        harness.prefetch_orders({"order:c1": lambda: request})
    else:
        letter = MessageToCitizenRequest(national_id=NID)
        harness.prefetch_letters({"letter:c1": lambda: letter})

    verdict = harness.judge_run()

    [finding] = verdict.findings
    assert finding.checkpoint_id == serves[0], (
        f"expected the refusal on {serves[0]} (checklist.placement_checkpoints), "
        f"received {finding.checkpoint_id}: {finding.as_text()}"
    )
    assert finding.case == "c1"
    assert str(finding.received) == "400 Ugyldig"

"""The manual steps alone: built with a few settings, the callbacks and a terminal, no Harness."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from eprom_verify._exceptions import AttestationMissing, CheckFailure
from eprom_verify.manual import ManualSteps
from eprom_verify.placed import PlacedOrder
from eprom_verify.report.model import Attestation

from ._fakes import Callbacks, Recorder, Terminal

ORDER = "6d1c7a43-0b3f-4a8e-9d52-1f0e2b7c9a10"


def _settings(**overrides: object) -> SimpleNamespace:
    given = {"env": "simulator", "fill": "manual", "fill_timeout_s": 600.0, "lang": "en"}
    return SimpleNamespace(**{**given, "tester": "Kari", **overrides})


def _yes(checkpoint_id: str, answer: str = "yes") -> Attestation:
    return Attestation(
        checkpoint_id=checkpoint_id,
        tester="Ola",
        answer=answer,
        at=dt.datetime(2026, 11, 22, tzinfo=dt.UTC),
        source="file",
    )


def _steps(terminal: Terminal | None = None, **kwargs: object) -> ManualSteps:
    return ManualSteps(settings=_settings(), callbacks=Callbacks(), stream=terminal, **kwargs)


def test_a_yes_on_filling_in_the_form_attests_delivery(monkeypatch):
    monkeypatch.setattr("eprom_verify.manual.interactive", lambda: False)
    steps = _steps(attestations={"V2.4": _yes("V2.4"), "V2.1": _yes("V2.1", "no")})

    given = steps.delivery_attested(ORDER)

    assert given is not None, "expected V2.4's 'yes' to attest delivery, received none"
    assert given.checkpoint_id == "V2.4", f"expected V2.4 (V2.1 said no), received {given}"
    assert _steps().delivery_attested(ORDER) is None, "nothing attested, nobody to ask"
    no_fill = _steps(attestations={"V1.1": _yes("V1.1")})
    assert no_fill.delivery_attested(ORDER) is None, "V1.1 says nothing about delivering"


def test_asked_at_the_terminal_the_answer_is_kept_and_recorded(monkeypatch):
    monkeypatch.setattr("eprom_verify.manual.interactive", lambda: True)
    terminal, recorder = Terminal("y", ""), Recorder()
    steps = _steps(terminal, recorder=recorder)

    given = steps.delivery_attested(ORDER)

    assert given is not None
    assert (given.checkpoint_id, given.answer) == ("V3.1", "yes")
    assert f"Did you deliver the form of order {ORDER}?" in terminal.text
    assert steps.attestations["V3.1"] is given
    assert recorder.attestations == [given]


def test_require_attestation_passes_fails_or_waits_for_a_person(monkeypatch):
    monkeypatch.setattr("eprom_verify.manual.interactive", lambda: False)
    question = "Did the cover letter show as expected?"
    _steps(attestations={"V2.2": _yes("V2.2")}).require_attestation("V2.2", question)
    with pytest.raises(CheckFailure) as failed:
        _steps(attestations={"V2.2": _yes("V2.2", "no")}).require_attestation("V2.2", question)
    assert str(failed.value).startswith(f"Ola answered no: {question}")
    with pytest.raises(AttestationMissing):
        _steps().require_attestation("V2.2", question)


def test_the_instruction_names_the_person_masked_and_the_order():
    terminal = Terminal()
    steps = _steps(terminal)
    patient = SimpleNamespace(national_id="26670271527", key="verification-person")
    case = SimpleNamespace(patient=patient, form=SimpleNamespace(task_title="Kartlegging"))
    placed = PlacedOrder(case="c1", request=None)
    placed.response = SimpleNamespace(id=ORDER)

    assert steps.instruct_fill(case, placed) == 600.0
    assert "266702*****" in terminal.text
    assert "26670271527" not in terminal.text
    assert ORDER in terminal.text
    assert "'verification-person'" in terminal.text

    skip = ManualSteps(settings=_settings(fill="skip"), callbacks=Callbacks(), stream=terminal)
    assert skip.instruct_fill(case, placed) == 0.0

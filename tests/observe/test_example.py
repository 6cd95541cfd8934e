"""observe against the example ordering system: it passes every checkpoint that can be judged.

The passing observation is made once per worker and read by the first two tests here and by
test_tables_agree.py (``conftest.observation``, issue 25).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import ExampleSystem, observation, observe, observed, on_observation

JUDGED = ["V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2", "S2", "P1", "L1", "L2", "U1", "U2",
          "PV1"]  # fmt: skip
ATTESTED = ["V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "S1"]


@on_observation()
def test_the_example_system_passes(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system, outcome = observation(example_system, capsys, monkeypatch)
    assert outcome.code == 0, outcome.out
    for checkpoint in JUDGED:
        assert outcome.status(checkpoint) == "passed", (checkpoint, outcome.row(checkpoint))
    for checkpoint in ATTESTED:
        assert outcome.status(checkpoint) == "needs_attestation", checkpoint
    assert "PromsApiBaseUrl: http://127.0.0.1:" in outcome.out
    assert "scenario: " in outcome.out
    assert (outcome.report_dir / "scenario.json").is_file()
    run = outcome.report["run"]
    assert run["callback_url"] == system.callback_url
    assert run["api_key_fingerprint"].startswith("sha256:")
    for path in outcome.report_dir.rglob("*"):
        if path.is_file():
            assert system.env["EPROM_API_KEY"] not in path.read_text("utf-8", "replace"), path
    assert system.env["EPROM_API_KEY"] not in outcome.out + outcome.err


@on_observation()
def test_redelivery_is_judged(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = observed(example_system, capsys, monkeypatch)
    names = {c["name"] for c in outcome.report["checks"] if c["outcome"] == "passed"}
    assert any(n.endswith("redelivered-status") for n in names), names
    assert any(n.endswith("redelivered-answer") for n in names), names


def test_a_drive_that_does_nothing_fails_every_step_it_skipped(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    system = example_system()
    outcome = observe(system, capsys, monkeypatch, "--organisation", "Eksempel HF",
                      "--system-version", "4.2.1", settle=0.5, drive="false")  # fmt: skip
    assert outcome.code == 1
    run = outcome.report["run"]  # the cover's options (--organisation, --system-version)
    assert (run["organisation"], run["system_version"]) == ("Eksempel HF", "4.2.1")
    assert "the --drive command exited with 1" in outcome.out
    assert any("step 'order-basic' was not performed" in m for m in outcome.failures("V1.1"))
    assert any("step 'letter' was not performed" in m for m in outcome.failures("L1"))

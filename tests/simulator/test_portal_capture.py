"""Portal pictures for the report: captured once per run and checkpoint, or the reason why not."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import pytest

from eprom_verify.redact import Redactor
from eprom_verify.report import Recorder
from eprom_verify.report.model import RunInfo
from eprom_verify.simulator import RunningSimulator, portal_capture
from eprom_verify.simulator.portal_capture import PortalCaptureError, picture_of_portal
from eprom_verify.wording import Text

from .conftest import place
from .test_portal_browser import _missing

CAPTION = Text(en="The form task in the inbox", nb="Skjemaoppgaven i innboksen")


class FakeHarness:
    """What picture_of_portal uses of the run's harness."""

    def __init__(self, simulator: RunningSimulator | None, recorder: Recorder | None) -> None:
        self.simulator = simulator
        self.recorder = recorder
        self.facts: dict[str, Any] = {}

    def fact(self, **facts: Any) -> None:
        self.facts.update(facts)


def recorder(tmp_path: Path) -> Recorder:
    from datetime import UTC, datetime  # noqa: PLC0415

    run = RunInfo(
        ordering_system=None, environment="simulator", base_url="(embedded)",
        callback_url=None, started_at=datetime(2026, 11, 22, tzinfo=UTC), tool_version="0",
        api_key_fingerprint=None, command="eprom-verify run",
    )  # fmt: skip
    return Recorder(tmp_path / "report", run=run, redactor=Redactor())


def test_the_inbox_is_captured_once_and_lands_beside_its_checkpoint(
    sim: RunningSimulator, api: httpx.Client, tmp_path: Path
) -> None:
    if portal_capture.find_chromium() is None:
        _missing("Chromium not found on PATH — install it (Debian: apt-get install chromium)")
    order = place(api)
    harness = FakeHarness(sim, recorder(tmp_path))
    picture = picture_of_portal(
        harness, "persons/verification-person", checkpoint_ids=("V2.4",), caption=CAPTION,
        order_id=order["id"], height=600,
    )  # fmt: skip
    assert picture is not None
    assert base64.b64decode(picture.data).startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.captions == {"nb": CAPTION.nb, "en": CAPTION.en}
    again = picture_of_portal(
        harness, "persons/verification-person", checkpoint_ids=("V2.4",), caption=CAPTION
    )
    assert again is None  # once per run
    assert harness.recorder is not None
    data = harness.recorder.finish()
    assert [p.checkpoint_ids for p in data.pictures] == [["V2.4"]]


def test_without_chromium_nothing_is_captured_and_the_reason_is_noted(
    sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(portal_capture, "find_chromium", lambda: None)
    monkeypatch.delenv(portal_capture.REQUIRE_ENV, raising=False)
    harness = FakeHarness(sim, recorder(tmp_path))
    assert picture_of_portal(harness, "", checkpoint_ids=("V2.1",), caption=CAPTION) is None
    reason = harness.facts["portal_pictures"]  # said in both languages (the report picks one)
    assert "Chromium not installed" in reason["en"]
    assert "Chromium er ikke installert" in reason["nb"]
    monkeypatch.setenv(portal_capture.REQUIRE_ENV, "1")
    with pytest.raises(PortalCaptureError, match="EPROM_REQUIRE_BROWSER=1 requires it"):
        picture_of_portal(harness, "", checkpoint_ids=("V2.2",), caption=CAPTION)


def test_outside_the_simulator_there_is_nothing_to_capture(tmp_path: Path) -> None:
    harness = FakeHarness(None, recorder(tmp_path))
    assert picture_of_portal(harness, "", checkpoint_ids=("V2.1",), caption=CAPTION) is None
    assert harness.facts == {}


def test_pictures_can_be_turned_off(
    sim: RunningSimulator, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(portal_capture.OFF_ENV, "0")
    monkeypatch.setenv(portal_capture.REQUIRE_ENV, "1")  # off wins: nothing to require
    harness = FakeHarness(sim, recorder(tmp_path))
    assert picture_of_portal(harness, "", checkpoint_ids=("V2.1",), caption=CAPTION) is None
    assert harness.facts == {
        "portal_pictures": {
            "en": "EPROM_PORTAL_PICTURES=0: no pictures of the portal",
            "nb": "EPROM_PORTAL_PICTURES=0: ingen bilder av portalen",
        }
    }

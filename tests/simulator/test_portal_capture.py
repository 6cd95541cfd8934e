"""Portal pictures for the report: captured once per run and checkpoint, or the reason why not."""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from eprom_verify.redact import Redactor
from eprom_verify.report import Recorder, pdf
from eprom_verify.report.model import RunInfo
from eprom_verify.simulator import RunningSimulator, portal_capture
from eprom_verify.simulator.portal_capture import PortalCaptureError, picture_of_portal
from eprom_verify.wording import Text

from .conftest import LOOPBACK, place
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
    pending = picture_of_portal(
        harness, "persons/verification-person", checkpoint_ids=("V2.4",), caption=CAPTION,
        order_id=order["id"], height=600,
    )  # fmt: skip
    assert pending is not None
    picture = pending.result(timeout=180)
    assert base64.b64decode(picture.data).startswith(b"\x89PNG\r\n\x1a\n")
    assert picture.captions == {"nb": CAPTION.nb, "en": CAPTION.en}
    again = picture_of_portal(
        harness, "persons/verification-person", checkpoint_ids=("V2.4",), caption=CAPTION
    )
    assert again is None  # once per run
    assert portal_capture.finish_pictures(harness) == []
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


class FakeChromium:
    """``screenshot`` that waits to be let go, and notes the snapshot of each picture."""

    def __init__(self, *, fail: str | None = None) -> None:
        self.go = threading.Event()
        self.snapshots: list[tuple[str, pdf.Snapshot | None]] = []
        self.fail = fail

    def __call__(self, url: str, *, width: int, height: int, **kw: Any) -> bytes:
        assert self.go.wait(60), "the test never let the picture be taken"
        self.snapshots.append((url, kw.get("snapshot")))
        if self.fail is not None and self.fail in url:
            raise pdf.BrowserError("Chromium closed the DevTools pipe")
        return b"\x89PNG\r\n\x1a\n" + url.encode()


@pytest.fixture
def fake_chromium(monkeypatch: pytest.MonkeyPatch) -> FakeChromium:
    fake = FakeChromium()
    monkeypatch.setattr(portal_capture, "find_chromium", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(portal_capture, "screenshot", fake)
    monkeypatch.delenv(portal_capture.OFF_ENV, raising=False)
    return fake


def test_no_test_waits_for_a_picture_and_it_shows_the_page_as_it_was_read(
    sim: RunningSimulator, api: httpx.Client, tmp_path: Path, fake_chromium: FakeChromium
) -> None:
    order = place(api)
    harness = FakeHarness(sim, recorder(tmp_path))
    page = "persons/verification-person"
    before = LOOPBACK.get(f"{sim.root_url}/proms/{page}").text
    assert order["id"] in before
    # the picture cannot be taken until the test lets it go: picture_of_portal returns first
    pending = picture_of_portal(harness, page, checkpoint_ids=("V2.4",), caption=CAPTION)
    assert pending is not None
    assert not pending.done()
    sim.control.reset()  # the simulator moves on: the order is gone from the live page
    assert order["id"] not in LOOPBACK.get(f"{sim.root_url}/proms/{page}").text
    fake_chromium.go.set()
    assert portal_capture.finish_pictures(harness) == []
    [(url, snapshot)] = fake_chromium.snapshots
    assert url == f"{sim.root_url}/proms/{page}"
    assert snapshot is not None
    assert snapshot.status == 200
    assert snapshot.body.decode() == before, "the picture is not of the page as it was read"
    assert harness.recorder is not None
    [taken] = harness.recorder.finish().pictures
    assert base64.b64decode(taken.data) == b"\x89PNG\r\n\x1a\n" + url.encode()


def test_pictures_are_recorded_in_the_order_asked(
    sim: RunningSimulator, tmp_path: Path, fake_chromium: FakeChromium
) -> None:
    harness = FakeHarness(sim, recorder(tmp_path))
    asked = [("V2.1",), ("V2.4",), ("V2.5",), ("S1",)]
    for ids in asked:
        picture_of_portal(harness, "", checkpoint_ids=ids, caption=CAPTION)
    fake_chromium.go.set()
    assert portal_capture.finish_pictures(harness) == []
    assert harness.recorder is not None
    data = harness.recorder.finish()
    assert [tuple(p.checkpoint_ids) for p in data.pictures] == asked


def test_a_picture_that_fails_in_the_background_is_an_error_row_saying_why(
    sim: RunningSimulator, tmp_path: Path, fake_chromium: FakeChromium
) -> None:
    fake_chromium.fail = "/proms/tasks/"
    harness = FakeHarness(sim, recorder(tmp_path))
    harness.current_test = "suites/test_v2.py::test_form"  # type: ignore[attr-defined]
    lost = picture_of_portal(
        harness, "tasks/abc", checkpoint_ids=("V2.1", "V2.2"), caption=CAPTION, order_id="abc"
    )
    kept = picture_of_portal(harness, "", checkpoint_ids=("V2.4",), caption=CAPTION)
    assert lost is not None
    assert kept is not None
    fake_chromium.go.set()
    [missing] = portal_capture.finish_pictures(harness)
    url = f"{sim.root_url}/proms/tasks/abc"
    assert missing.reason == f"Chromium could not capture {url}: Chromium closed the DevTools pipe"
    with pytest.raises(PortalCaptureError, match="Chromium closed the DevTools pipe"):
        lost.result(timeout=0)
    assert harness.recorder is not None
    data = harness.recorder.finish()
    assert [p.checkpoint_ids for p in data.pictures] == [["V2.4"]], "a failed picture was kept"
    [row] = [c for c in data.checks if c.outcome == "error"]
    assert row.checkpoint_ids == ["V2.1", "V2.2"]
    assert row.nodeid == "suites/test_v2.py::test_form (picture of tasks/abc)"
    assert row.order_ids == ["abc"]
    assert row.messages == {
        "en": f"the picture of the portal page tasks/abc was not taken: {missing.reason}",
        "nb": f"bildet av portalsiden tasks/abc ble ikke tatt: {missing.reason}",
    }


def test_the_report_waits_for_a_picture_only_so_long(
    sim: RunningSimulator, tmp_path: Path, fake_chromium: FakeChromium,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(portal_capture, "_END_MARGIN_S", 0.0)
    harness = FakeHarness(sim, recorder(tmp_path))
    pending = picture_of_portal(harness, "", checkpoint_ids=("V2.4",), caption=CAPTION)
    assert pending is not None
    try:
        [missing] = portal_capture.finish_pictures(harness, timeout_s=0.0)
    finally:
        fake_chromium.go.set()  # let the worker go (its picture comes too late to count)
    assert missing.checkpoint_ids == ("V2.4",)
    assert missing.reason == "still being taken 0 s after the last test"
    assert harness.recorder is not None
    assert harness.recorder.finish().pictures == [], "a picture came after the report was made"


def test_a_picture_not_yet_started_when_the_report_stops_waiting_is_said_the_same_way(
    sim: RunningSimulator, tmp_path: Path, fake_chromium: FakeChromium,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """The first picture is under way (Chromium held), the second still queued: both are
    missing for the same reason, and the queued one's future ends instead of hanging."""
    monkeypatch.setattr(portal_capture, "_END_MARGIN_S", 0.0)
    harness = FakeHarness(sim, recorder(tmp_path))
    under_way = picture_of_portal(harness, "", checkpoint_ids=("V2.4",), caption=CAPTION)
    queued = picture_of_portal(
        harness, "persons/verification-person", checkpoint_ids=("V2.1",), caption=CAPTION
    )
    assert under_way is not None
    assert queued is not None
    try:
        missing = portal_capture.finish_pictures(harness, timeout_s=0.0)
    finally:
        fake_chromium.go.set()
    assert sorted(m.checkpoint_ids for m in missing) == [("V2.1",), ("V2.4",)], missing
    assert {m.reason for m in missing} == {"still being taken 0 s after the last test"}
    with pytest.raises(PortalCaptureError, match="still being taken 0 s"):
        queued.result(timeout=30)
    assert harness.recorder is not None
    assert harness.recorder.finish().pictures == [], "a picture came after the report was made"

"""The pictures' Chromium starts at the beginning of a run, and ends on every path (issue 25).

``eprom-verify run`` starts it before pytest imports and collects (``start_browser_early``),
so its start runs on the second core; the ``eprom`` fixture ends it when no selected test
takes a picture. Whatever happens to the run — a signal, an error, an exit without any
clean-up — Chromium must not outlive it.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import require_chromium

from eprom_verify.pytest.plugin import pictures_browser
from eprom_verify.report import pdf
from eprom_verify.report.pdf import _chooses_tests, start_browser_early
from eprom_verify.simulator import portal_capture

#: how long a Chromium gets to go away after the process that started it ended (a bound on
#: a wait, not a timing asserted: it normally goes within a second)
GONE_WITHIN_S = 60.0


@pytest.fixture
def shared() -> Iterator[None]:
    """The process's shared browser, closed after the test whatever happened."""
    pdf.close_shared_browser()
    yield
    pdf.close_shared_browser()


@pytest.mark.parametrize(
    ("args", "chooses"),
    [
        ([], False),
        (["--"], False),
        (["-x", "-q", "-v", "--tb=long"], False),
        (["--tb", "long", "-p", "no:randomly", "-W", "error"], False),
        (["--maxfail=2", "--durations", "5"], False),
        (["-k", "letters"], True),
        (["-kletters"], True),
        (["-m", "not slow"], True),
        (["--deselect=suites/test_orders.py::test_one"], True),
        (["--deselect", "suites/test_orders.py::test_one"], True),
        (["--lf"], True),
        (["--", "suites/test_letters_sms_privacy.py"], True),
        (["-x", "suites/test_orders.py::test_one"], True),
    ],
)
def test_arguments_that_choose_tests_leave_the_start_to_the_fixture(
    args: list[str], chooses: bool
) -> None:
    assert _chooses_tests(args) is chooses, f"{args}: expected chooses={chooses}"


def test_no_early_start_when_pictures_are_off_tests_are_chosen_or_chromium_is_missing(
    monkeypatch: pytest.MonkeyPatch, shared: None
) -> None:
    started: list[str] = []
    monkeypatch.setattr(pdf, "warm_shared_browser", lambda: started.append("warm"))
    monkeypatch.setenv(portal_capture.OFF_ENV, "0")
    assert start_browser_early([]) is None
    monkeypatch.delenv(portal_capture.OFF_ENV)
    assert start_browser_early(["-k", "letters"]) is None
    assert started == [], "Chromium was started for a run that may take no picture"
    start_browser_early([])
    assert started == ["warm"], "Chromium was not started for a run that takes pictures"
    monkeypatch.undo()
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    monkeypatch.delenv(portal_capture.OFF_ENV, raising=False)
    assert start_browser_early([]) is None
    assert not pdf.shared_browser_open()


def test_the_early_browser_is_the_one_the_pictures_use_or_is_ended_when_none_is_taken(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shared: None
) -> None:
    require_chromium()
    monkeypatch.delenv(portal_capture.OFF_ENV, raising=False)
    thread = start_browser_early(["-x"])
    assert thread is not None
    thread.join(timeout=120)
    early = pdf._shared
    assert early is not None, "no browser was started early"
    assert not early.closed
    assert early._session is not None, "the early browser did not open its tab"
    pictures_browser(takes=True)  # the fixture, when a selected test takes pictures
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>x</title><p>side", encoding="utf-8")
    assert pdf.screenshot(page.as_uri(), width=200, height=100).startswith(b"\x89PNG")
    assert pdf._shared is early, "the fixture or the first picture started a second browser"

    process = early._process
    pictures_browser(takes=False)  # the fixture, when no selected test takes a picture
    assert process.wait(timeout=GONE_WITHIN_S) is not None
    assert early.closed, "the unused early browser was kept"
    assert not pdf.shared_browser_open()


#: A stand-in for the run: it starts Chromium early and then waits. A process started in the
#: background by a non-interactive shell inherits SIGINT ignored, and Python then keeps it
#: ignored; every command installs its handlers (``cli.interrupts.handled``), so the stand-in
#: sets Python's default one itself.
_STARTER = """
import signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
from eprom_verify.report import pdf
from eprom_verify.report.pdf import start_browser_early
start_browser_early([]).join(timeout=120)
browser = pdf._shared
assert browser is not None and not browser.closed
print(browser._process.pid, browser._profile.name, flush=True)
time.sleep(120)
"""


def _processes_of(profile: str) -> list[int]:
    """Live (not zombie) processes whose command line names ``profile``: Chromium's own."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if profile.encode() in cmdline and state != "Z":
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize(
    ("sig", "how"),
    [
        (signal.SIGINT, "KeyboardInterrupt: atexit closes it"),
        # SIGTERM's default action, as SIGKILL: no Python clean-up runs at all
        (signal.SIGTERM, "killed without clean-up: its DevTools pipe closes"),
    ],
    ids=["SIGINT", "SIGTERM"],
)
def test_chromium_started_early_ends_when_the_run_is_stopped(sig: signal.Signals, how: str) -> None:
    require_chromium()
    environ = {k: v for k, v in os.environ.items() if k != portal_capture.OFF_ENV}
    starter = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", _STARTER],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=environ,
    )
    profile = ""
    try:
        assert starter.stdout is not None
        line = starter.stdout.readline().split()
        assert len(line) == 2, "the starter did not report its Chromium"
        pid, profile = int(line[0]), line[1]
        assert pid in _processes_of(profile), "the check cannot see the running Chromium"
        starter.send_signal(sig)
        starter.wait(timeout=GONE_WITHIN_S)
        deadline = time.monotonic() + GONE_WITHIN_S
        while _processes_of(profile) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _processes_of(profile)
        assert not left, (
            f"after {sig.name} ({how}) expected no Chromium of {profile}, "
            f"received processes {left} still running"
        )
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
        if profile:  # a killed starter could not remove its Chromium's profile: we do
            shutil.rmtree(profile, ignore_errors=True)


@pytest.mark.parametrize("embedded", [True, False], ids=["embedded", "remote"])
def test_the_run_command_starts_chromium_before_pytest_only_against_the_simulator(
    monkeypatch: pytest.MonkeyPatch, embedded: bool
) -> None:
    import argparse
    from types import SimpleNamespace

    from eprom_verify.cli import run

    order: list[str] = []
    settings = SimpleNamespace(embedded=embedded, env="simulator", base_url=None)
    monkeypatch.setattr(run, "_prepare", lambda *_a, **_k: order.append("prepare") or settings)
    monkeypatch.setattr(pdf, "start_browser_early", lambda args: order.append(f"chromium {args}"))
    monkeypatch.setattr(run, "_execute", lambda *_a, **_k: order.append("pytest") or 0)
    args = argparse.Namespace(pytest_args=["--", "-x"])
    assert run.run_verification(args) == 0
    expected = ["prepare", "chromium ['--', '-x']", "pytest"] if embedded else ["prepare", "pytest"]
    assert order == expected, f"expected {expected}, received {order}"

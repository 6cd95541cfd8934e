"""Fixtures: the example ordering system (examples/ordering_system/) as a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from eprom_verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "ordering_system"
KEY = "observe-test-key-3b9d1f0a7c2e"
#: the example's own drive: a process per step, as a user runs it
DRIVE = f"{sys.executable} {EXAMPLE / 'drive.py'}"
#: the same drive.py with its steps in one interpreter (drive_in_one.py, issue 25): for the
#: observations whose claim is a fault or a leg, not the example's command line
STEPS_IN_ONE = f"{sys.executable} {Path(__file__).with_name('drive_in_one.py')}"


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports (all held open while choosing, so none repeats)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port() -> int:
    return free_ports(1)[0]


@dataclass
class ExampleSystem:
    """A running example system: its callback URL and the PromsApiBaseUrl it is set up for."""

    callback_url: str
    api_port: int
    env: dict[str, str]
    folder: Path


@dataclass
class Outcome:
    code: int
    out: str
    err: str
    report: dict[str, Any]
    report_dir: Path

    def row(self, checkpoint: str) -> dict[str, Any]:
        return next(r for r in self.report["rows"] if r["id"] == checkpoint)

    def status(self, checkpoint: str) -> str:
        return str(self.row(checkpoint)["status"])

    def failures(self, checkpoint: str) -> list[str]:
        return [str(f["message"]) for f in self.row(checkpoint)["failures"]]

    def failed(self) -> set[str]:
        return {r["id"] for r in self.report["rows"] if r["status"] == "failed"}


@pytest.fixture
def example_system(tmp_path: Path) -> Iterator[Callable[..., ExampleSystem]]:
    """Start the example system (with EXAMPLE_FAULT faults) as a subprocess."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*faults: str, key: str = KEY, **extra: str) -> ExampleSystem:
        port, api_port = free_ports(2)
        env = {
            **os.environ,
            "EPROM_API_KEY": key,
            "EPROM_PROMS_API_BASE_URL": f"http://127.0.0.1:{api_port}/promswebapi",
            "EXAMPLE_DB": str(tmp_path / "system.db"),
            "EXAMPLE_DOCUMENTS": str(tmp_path / "documents"),
            "EXAMPLE_FAULT": ",".join(faults),
            "EXAMPLE_WAIT_SECONDS": "20" if not faults else "2.5",
            **extra,
        }
        process = subprocess.Popen(  # noqa: S603
            [sys.executable, str(EXAMPLE / "ordering_system.py"), "serve", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 10
        while True:  # listening: the server binds and listens before it serves (a connect is
            try:  # enough; an httpx.get costs ~30 ms of CPU for its TLS context, issue 25)
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.05)
        return ExampleSystem(url, api_port, env, tmp_path)

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)


def observe(
    system: ExampleSystem,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    *extra: str,
    settle: float = 2.0,
    drive: str = STEPS_IN_ONE,
    lang: str = "en",
) -> Outcome:
    """Run ``eprom-verify observe`` in-process against ``system``, driving it with drive.py
    (its steps in one interpreter unless ``drive`` says otherwise)."""
    for name in ("EPROM_API_KEY", "EPROM_PROMS_API_BASE_URL", "EXAMPLE_DB", "EXAMPLE_DOCUMENTS",
                 "EXAMPLE_FAULT", "EXAMPLE_WAIT_SECONDS", "EXAMPLE_SLOW_SECONDS"):  # fmt: skip
        if name in system.env:
            monkeypatch.setenv(name, system.env[name])
    reports = system.folder / "reports"
    code = main([
        "observe", "--system-callback-url", system.callback_url, "--api-key",
        system.env["EPROM_API_KEY"], "--listen", f"127.0.0.1:{system.api_port}",
        "--drive", drive, "--report-dir", str(reports), "--settle", str(settle), "--lang", lang,
        "--timeout", "60", *extra,
    ])  # fmt: skip
    captured = capsys.readouterr()
    folders = sorted(reports.iterdir())
    report = json.loads((folders[-1] / "report.json").read_text(encoding="utf-8"))
    return Outcome(code, captured.out, captured.err, report, folders[-1])


#: the faults observed together with ``ack-false`` (test_faults.py's GROUPS)
ACK_FALSE_GROUP = ("ack-false", "double-order", "letter-404")

#: the language an observation is made in when the test does not say: ack-false's group's is
#: the bokmål one test_report_language.py reads (the report holds both languages; ``--lang``
#: only decides which one is ``report.html``, and the terminal stays English)
LANGUAGE: dict[tuple[str, ...], str] = {ACK_FALSE_GROUP: "nb"}

#: (faults, extra env, extra args, language) → the system and its observation made for it in
#: this process (issue 25)
_OBSERVED: dict[
    tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...], str],
    tuple[ExampleSystem, Outcome],
] = {}


def observation(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    faults: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
    lang: str | None = None,
) -> tuple[ExampleSystem, Outcome]:
    """The example system with ``faults`` and its ``observe``: made by the first test to ask
    in this process, read by the others. An Outcome is only read; its folder stays. The tests
    reading one observation carry :func:`on_observation`, so they run on the worker that made
    it. The passing observation is driven by the example's own drive.py, a process per step
    (test_example.py's claim); the faulty ones by :data:`STEPS_IN_ONE`."""
    if lang is None:
        lang = LANGUAGE.get(tuple(faults), "en") if not env and not args else "en"
    key = (tuple(faults), tuple(sorted((env or {}).items())), tuple(args), lang)
    if key not in _OBSERVED:
        system = example_system(*faults, **(env or {}))
        drive = DRIVE if key == ((), (), (), "en") else STEPS_IN_ONE
        _OBSERVED[key] = (system, observe(system, capsys, monkeypatch, *args, lang=lang,
                                          drive=drive))  # fmt: skip
    return _OBSERVED[key]


def observed(*args: Any, **kwargs: Any) -> Outcome:
    """The Outcome of :func:`observation` (same arguments)."""
    return observation(*args, **kwargs)[1]


def on_observation(*faults: str) -> pytest.MarkDecorator:
    """The tests that read one observation go to one pytest-xdist worker."""
    return pytest.mark.xdist_group("observation-" + ("+".join(faults) or "none"))


#: the control token of the simulator the relay observation goes toward
CONTROL_TOKEN = "observe-control-token-5f2c9a1e"


@dataclass
class Relayed:
    """An observation relayed toward a simulator upstream that guards its control API with
    :data:`CONTROL_TOKEN` (given to observe): the system, the outcome, the simulator's
    promsApiBaseUrl, the URL observe took callbacks on and the simulator's outbox after."""

    system: ExampleSystem
    outcome: Outcome
    upstream: str
    relay_callbacks: str
    outbox: Any


_RELAYED: list[Relayed] = []


def relayed(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> Relayed:
    """The passing example system observed through the relay (``--upstream``): made by the
    first test to ask in this process, read by test_relay.py's and test_control_token.py's
    (issue 25; they carry ``on_observation("relay")``). The token is the only difference
    from an unguarded simulator, and it is what lets observe play the patient there."""
    from eprom_verify.simulator import OrderingSystem, SimulatorSettings, run_in_thread

    if not _RELAYED:
        system = example_system()
        callback_port = next(p for p in free_ports(2) if p != system.api_port)
        relay_callbacks = f"http://127.0.0.1:{callback_port}"
        upstream = SimulatorSettings(
            ordering_systems=[OrderingSystem(
                name="registered-at-hemit", api_key=system.env["EPROM_API_KEY"],
                callback_base_url=relay_callbacks,
            )],
            control_token=CONTROL_TOKEN,
        )  # fmt: skip
        monkeypatch.setenv("EPROM_SIM_CONTROL_TOKEN", CONTROL_TOKEN)
        with run_in_thread(upstream) as sim:
            outcome = observe(system, capsys, monkeypatch, "--upstream", sim.base_url,
                              "--callback-listen", f"127.0.0.1:{callback_port}")  # fmt: skip
            outbox = httpx.get(
                f"{sim.base_url.rsplit('/', 1)[0]}/_simulator/outbox",
                headers={"Authorization": f"Bearer {CONTROL_TOKEN}"}, trust_env=False,
            ).json()  # fmt: skip
        _RELAYED.append(Relayed(system, outcome, sim.base_url, relay_callbacks, outbox))
    return _RELAYED[0]

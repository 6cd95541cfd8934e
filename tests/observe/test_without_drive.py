"""Without --drive: observe shows the steps and waits while the system performs them (CI)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from .conftest import STEPS_IN_ONE, ExampleSystem


def test_observe_waits_for_the_system_and_reports_each_step(
    example_system: Callable[..., ExampleSystem], tmp_path: Path
) -> None:
    system = example_system()
    observe = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "eprom_verify", "observe", "--system-callback-url",
         system.callback_url, "--api-key", system.env["EPROM_API_KEY"], "--listen",
         f"127.0.0.1:{system.api_port}", "--timeout", "40", "--report-dir",
         str(tmp_path / "reports")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    try:
        assert observe.stdout is not None
        lines = []
        while not (line := observe.stdout.readline()).startswith("scenario: "):
            assert line, observe.stderr.read() if observe.stderr else ""
            lines.append(line)
        scenario = line.removeprefix("scenario: ").strip()
        env = {**system.env, "EPROM_SCENARIO": scenario}
        drive = subprocess.run(  # noqa: S603 - the user performing the steps (drive.py, its
            shlex.split(STEPS_IN_ONE), env=env, capture_output=True,  # steps in one interpreter)
            timeout=60, check=False,
        )  # fmt: skip
        assert drive.returncode == 0, drive.stdout
        out = observe.stdout.read()  # the rest, from the same buffered reader
        err = observe.stderr.read() if observe.stderr else ""
        observe.wait(timeout=60)
    finally:
        if observe.poll() is None:
            observe.kill()
            observe.wait(timeout=10)
    assert observe.returncode == 0, out + err
    assert lines[0].startswith("PromsApiBaseUrl: http://127.0.0.1:")
    assert lines[1].startswith("API key: ")
    assert "perform these 13 steps with your system" in out
    assert "[1/13] order-basic: Order RAND-12 with rule Basic — POST /api/v2/formorder" in out
    assert "seen (14/14)" in out

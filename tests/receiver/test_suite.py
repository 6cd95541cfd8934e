"""suites/test_receiver.py runs one test per check, marked with its checkpoint and `receiver`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_suite_runs_every_check_and_reports_a_failure_with_its_payload() -> None:
    command = [
        sys.executable, "-m", "pytest", "suites/test_receiver.py", "-m", "receiver", "-v", "-n0",
        "-p", "no:eprom_verify", "-p", "no:cacheprovider", "-p", "tests.receiver.suite_plugin",
    ]  # fmt: skip
    env = {**os.environ, "RECEIVER_TEST_FAULT": "crashes_on_bad_json", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "10 passed" in out
    assert "1 failed" in out
    assert "test_receiver[no_5xx_on_malformed] FAILED" in out
    assert "test_receiver[accepts_documented_examples] PASSED" in out
    assert "Payload sent (exact JSON" in out
    assert "suite-key-0b9f3e2a71c4" not in out

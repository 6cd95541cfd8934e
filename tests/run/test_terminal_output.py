"""What `eprom-verify run` prints, end to end: a passing run and a run with one fault."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

V1 = "test_v1_order and verification-person-Basic"


def _run(tmp_path: Path, *args: str, faults: list[dict] | None = None) -> tuple[int, str]:
    command = [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(tmp_path / "r")]
    if faults is not None:
        path = tmp_path / "faults.yaml"
        path.write_text(yaml.safe_dump({"faults": faults}), encoding="utf-8")
        command += ["--simulator-faults", str(path)]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    done = subprocess.run(
        [*command, *args, "--", "-k", V1],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=180,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def _row(printed: str, checkpoint: str) -> str:
    """The table row of ``checkpoint``, its wrapped continuation lines joined."""
    lines = printed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"│ {checkpoint} "))
    row = [lines[start]]
    for line in lines[start + 1 :]:
        if not line.startswith("│      │"):
            break
        row.append(line)
    return " ".join(" ".join(part.split()) for part in row)


def test_a_passing_run_says_how_many_checkpoints_passed(tmp_path):
    code, printed = _run(tmp_path)
    assert code == 0, printed
    assert "\x1b[" not in printed, "no colour in a CI log"
    for checkpoint in ("V1.1", "V1.2", "V1.3", "V1.4"):
        assert "passed" in _row(printed, checkpoint)
    assert "3/3" in _row(printed, "V1.1")  # two tests and the whole-run check
    assert "checkpoints 5 — passed: 5" in printed
    assert "faults injected: none" in printed
    assert "11 deselected: the callback-service checks (R1–R5)" in printed
    assert "report: " in printed
    assert "report.html" in printed.splitlines()[-1]


@pytest.mark.xfail(
    strict=False,
    reason="since one run-wide duplicate window (issue 25) a duplicate may be caught on the whole-run row instead of the V1.4 test; timing-dependent, to be rewritten",
)
def test_a_run_with_one_fault_is_short(tmp_path):
    code, printed = _run(tmp_path, faults=[{"type": "duplicate", "callback": "status"}])
    assert code == 1, printed
    lines = printed.splitlines()
    assert len(lines) < 45, printed
    assert "Traceback" not in printed
    assert "object at 0x" not in printed
    assert "def test_" not in printed, "no suite source"
    # the fault fires once: on whichever of the two orders' status callback comes first
    block = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("V1.4 · ") and "test_v1_order.py::test_no_errors_no_duplicates[" in line
    )
    assert lines[block + 1].startswith("  2 status callbacks for order ")
    assert lines[block + 2] == "  expected: 1 status callback"
    assert lines[block + 3] == "  received: 2 status callbacks"
    assert lines[block + 4].startswith("  order:    ")
    assert lines[block + 5].startswith("  evidence: e")
    assert lines[block + 6].startswith("  at test_v1_order.py:")
    row = _row(printed, "V1.4")
    assert "FAILED" in row
    assert "1/3" in row  # the V1.4 test and the whole-run check failed
    assert "expected 1 status callback, received 2" in row
    assert "checkpoints 5 — passed: 4, failed: 1" in printed
    assert "faults injected by the simulator: 1 (duplicate)" in printed


@pytest.mark.xfail(
    strict=False,
    reason="since one run-wide duplicate window (issue 25) a duplicate may be caught on the whole-run row instead of the V1.4 test; timing-dependent, to be rewritten",
)
def test_verbose_brings_pytest_tracebacks_back(tmp_path):
    command_v = ["-v"]  # after --, for people debugging the harness
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    path = tmp_path / "faults.yaml"
    path.write_text(
        yaml.safe_dump({"faults": [{"type": "duplicate", "callback": "status"}]}),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(tmp_path / "v"),
         "--simulator-faults", str(path), "--", "-k", V1, *command_v],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=180,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    assert done.returncode == 1
    assert "CheckFailure" in done.stdout
    assert "def test_no_errors_no_duplicates" in done.stdout

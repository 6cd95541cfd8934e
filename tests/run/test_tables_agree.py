"""A full ``eprom-verify run`` (passing, and with a simulator fault): every table row of its
report re-derived from its evidence files agrees (tests/tables_agree.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/tables_agree.py
from tables_agree import disagreements  # noqa: E402

FAULTS = {
    "passing": None,
    "duplicate-status": {"type": "duplicate", "callback": "status", "times": 1},
    "dropped-answer": {"type": "drop", "callback": "answer", "times": 1},
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_every_table_row_of_a_full_run_agrees_with_its_evidence(tmp_path: Path, name: str):
    command = [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(tmp_path / "r"),
               "--quiet", "--callback-timeout", "3"]  # fmt: skip
    fault = FAULTS[name]
    if fault is not None:
        (tmp_path / "faults.yaml").write_text(yaml.safe_dump({"faults": [fault]}), "utf-8")
        command += ["--simulator-faults", str(tmp_path / "faults.yaml")]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    done = subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, env=environ,
                          timeout=600, check=False)  # fmt: skip
    assert done.returncode == (0 if fault is None else 1), done.stdout[-3000:] + done.stderr
    folder = next((tmp_path / "r").glob("*/report.json")).parent
    report = json.loads((folder / "report.json").read_text("utf-8"))
    assert report["kind"] == "self_check"
    assert disagreements(folder) == []
    p1 = [t for t in report["timelines"] if t["kind"] == "patient_initiated"]
    assert p1
    assert all(t["callbacks"] for t in p1), p1  # was: P1 rows showed 0 callbacks
    errors = [t for t in report["timelines"] if t["status"] == "Error"]
    assert errors
    assert all(t["expected_status"] == "Error" for t in errors)  # each one predicted

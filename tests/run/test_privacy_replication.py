"""PV3 counts what the run caused: a remote ePROM may report the run's own privacy changes.

PV1 sets a privacy setting and restores it through ``setpersonverninnstilling``; PV3 has a
citizen change it. The guide does not say whether ePROM reports the ordering system's own
changes back, so a full run passes both against a remote ePROM that does (two more
callbacks, with two different statuses) and against one that does not. The same callback
delivered again is a repeat and fails PV3, naming it.

Both passing cases read full runs made once a session by test_whole_run.py (issue 25).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from full_runs import on_run
from test_whole_run import MATRIX, RUNS, _matrix_run, passing_run

SELECT = "test_privacy"


def _run(tmp_path, simulator: dict) -> tuple[int, dict, str]:
    """A full run against the embedded simulator set up by ``simulator`` (the faults file)."""
    (tmp_path / "faults.yaml").write_text(yaml.safe_dump(simulator), "utf-8")
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    reports = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--simulator-faults",
         str(tmp_path / "faults.yaml"), "--callback-timeout", "5", "--lang", "en",
         "--report-dir", str(reports), "--", "-k", SELECT],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    folder = next(reports.iterdir())
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return done.returncode, report, done.stdout + done.stderr


def _rows(report: dict) -> dict[str, dict]:
    return {r["id"]: r for r in report["rows"]}


@pytest.mark.parametrize(
    "reported",
    [
        # a full run made once a session with the simulator reporting the run's own privacy
        # changes back: test_whole_run.py's matrix-6, whose only fault is a 504 on the first
        # letter (L1 and L2 fail; nothing about privacy), so no run of its own (issue 25)
        pytest.param(True, id="reports-own-changes", marks=[on_run("matrix-6")]),
        # the simulator's default: the fault-free full run test_whole_run.py makes, read
        pytest.param(False, id="does-not", marks=[on_run("passing")]),
    ],
)
def test_pv3_passes_whether_or_not_the_runs_own_changes_are_reported(tmp_path_factory, reported):
    result = (
        _matrix_run(tmp_path_factory, "matrix-6") if reported else passing_run(tmp_path_factory)
    )
    code, report, printed = result["code"], result["report"], result["out"]
    said = (result["folder"] / "report.en.html").read_text("utf-8")
    rows = _rows(report)
    # the letter fault of matrix-6 fails its rows and exits 1; no other row may fail
    letter_rows = set().union(*(MATRIX[case] for case in RUNS["matrix-6"])) if reported else set()
    assert code == (1 if reported else 0), printed[-3000:]
    assert {r for r, row in rows.items() if row["status"] == "failed"} == letter_rows, printed
    assert {rows[c]["status"] for c in ("PV1", "PV3")} == {"passed"}, printed
    checks = [c for c in report["checks"] if c["name"].startswith("test_privacy_change_reported")]
    assert checks
    # PV1 set and restored each privacy setting: two changes of our own per setting
    assert {c["facts"]["own_changes_reported"] for c in checks} == {2 if reported else 0}
    assert (
        "the run&#39;s own changes reported back (either is accepted: the guide is silent)"
        in (said)
        or "the run's own changes reported back (either is accepted: the guide is silent)" in said
    )


def test_a_repeated_privacy_callback_fails_pv3_naming_it(tmp_path):
    # the first privacy callback of the run (PV1's own change, reported back) comes twice:
    # only the run-wide ledger sees it (PV3's own test looks at the citizen's change)
    faults = [{"type": "duplicate", "callback": "privacy", "times": 1}]
    code, report, printed = _run(tmp_path, {"reportOwnPrivacyChanges": True, "faults": faults})
    assert code == 1, printed
    pv3 = _rows(report)["PV3"]
    assert pv3["status"] == "failed"
    said = json.dumps(pv3, ensure_ascii=False)
    assert "came again with the same content (status " in said
    assert "a repeat, not a new change" in said
    assert "privacy setting " in printed
    assert "order 266702" not in printed  # a privacy setting is not an order

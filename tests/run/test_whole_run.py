"""The verdict over the whole run: every fault, on any single callback of a full run, fails.

Each case is a full ``eprom-verify run`` against the embedded simulator in a subprocess with
one fault applied once (``times: 1``) to whichever callback of that kind comes first — often
one that no test of its checkpoint looks at (the S1 order's status, the patient-initiated
answer). The run must exit 1 with the checkpoint that fault concerns failed, and say which
order, which case and which callback. One test per case, each with its own full run, so a
parallel runner (pytest-xdist, ``-n``) spreads them over the cores.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

#: (fault, callback kind) → the checkpoint rows that must fail. The first callback of a kind
#: in a full run: status → the S1 order (special cases run before V1), answer → the
#: patient-initiated one (P1), letter → the first letter (L1/L2), privacy → PV3's change.
MATRIX: dict[tuple[str, str], set[str]] = {
    ("duplicate", "status"): {"V1.4"},
    ("duplicate", "answer"): {"P1"},
    ("duplicate", "letter"): {"L1", "L2"},
    ("duplicate", "privacy"): {"PV3"},
    ("drop", "status"): {"V1.2"},
    ("drop", "answer"): {"P1"},
    ("drop", "letter"): {"L1", "L2"},
    ("drop", "privacy"): {"PV3"},
    ("delay", "status"): {"V1.2"},
    ("delay", "answer"): {"P1"},
    ("delay", "letter"): {"L1", "L2"},
    ("delay", "privacy"): {"PV3"},
    ("forge_key", "status"): {"V1.4", "S1"},
    ("forge_key", "answer"): {"P1"},
    ("forge_key", "letter"): {"L1", "L2"},
    ("forge_key", "privacy"): {"PV3"},
    ("wrong_channel", "status"): {"V1.3"},
    # a patient-initiated answer's channel is undocumented: the first *ordered* answer here
    ("wrong_channel", "answer"): {"V3.2"},
    ("wrong_channel", "letter"): {"L1", "L2"},
    ("helsenorge_502", "status"): {"V1.1", "S1"},
    ("helsenorge_504", "letter"): {"L1", "L2"},
    ("pvk_502", "privacy"): {"PV1"},
}
#: a delayed callback is held past the (shortened) callback timeout
DELAY_S, TIMEOUT_S = 9, 3


def _full_run(folder: Path, fault: dict | None, *args: str, key: str | None = None) -> dict:
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(folder / "r")]
    if fault is not None:
        (folder / "faults.yaml").write_text(yaml.safe_dump({"faults": [fault]}), "utf-8")
        command += ["--simulator-faults", str(folder / "faults.yaml")]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    if key is not None:
        environ["EPROM_API_KEY"] = key
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=folder, env=environ, timeout=600
    )
    reports = sorted((folder / "r").glob("*/report.json"))
    report = json.loads(reports[-1].read_text("utf-8")) if reports else {}
    return {
        "code": done.returncode,
        "out": done.stdout + done.stderr,
        "report": report,
        "folder": reports[-1].parent if reports else None,
    }


def _matrix_run(folder: Path, case: tuple[str, str]) -> dict:
    """The full run of one matrix case: its one fault, applied once."""
    kind, callback = case
    fault: dict = {"type": kind, "callback": callback, "times": 1}
    args: list[str] = []
    if kind == "delay":
        fault["seconds"] = DELAY_S
        args = ["--callback-timeout", str(TIMEOUT_S)]
    if case == ("wrong_channel", "answer"):
        args = ["--", "-k", "not test_patient_initiated"]
    return _full_run(folder / f"{kind}-{callback}", fault, *args)


def failed_rows(report: dict) -> set[str]:
    return {r["id"] for r in report.get("rows", []) if r["status"] == "failed"}


@pytest.mark.parametrize(("fault", "callback"), list(MATRIX), ids=[f"{f}-{c}" for f, c in MATRIX])
def test_one_fault_on_any_callback_fails_its_checkpoint(tmp_path, fault, callback):
    result = _matrix_run(tmp_path, (fault, callback))
    assert result["code"] == 1, result["out"][-3000:]
    assert failed_rows(result["report"]) == MATRIX[(fault, callback)], result["out"][-3000:]
    for row in result["report"]["rows"]:
        for failure in row["failures"]:
            assert failure["message"], row["id"]
            assert failure["expected"] is not None, failure
            assert failure["received"] is not None, failure
    assert result["report"]["run"]["faults_injected"][0]["type"] == fault


def test_a_correct_run_and_the_2023_enum_style_pass(tmp_path):
    for fault in (None, {"type": "enum_names", "callback": "any", "times": None}):
        name = "baseline" if fault is None else "enum-names"
        result = _full_run(tmp_path / name, fault)
        assert result["code"] == 0, result["out"][-3000:]
        assert failed_rows(result["report"]) == set()
        ledger = [c for c in result["report"]["checks"] if "test_whole_run" in c["nodeid"]]
        assert {c["outcome"] for c in ledger} == {"passed"}, ledger


def test_evidence_is_credited_to_the_case_it_serves(tmp_path):
    result = _full_run(tmp_path / "attribution", None)
    assert result["code"] == 0, result["out"][-3000:]
    report, folder = result["report"], result["folder"]
    evidence = report["evidence"]
    callbacks = [e for e in evidence if e["kind"] == "callback"]
    orders = {t["order_id"]: t for t in report["timelines"]}
    patient_initiated = {
        t["order_id"] for t in report["timelines"] if t["kind"] == "patient_initiated"
    }
    unattributed = [
        e for e in callbacks if not e["checkpoint_ids"] and e["order_id"] not in patient_initiated
    ]
    assert not unattributed, unattributed[:3]
    for e in evidence:
        if e["kind"] == "request" and e["order_id"] in orders and e["case"]:
            timeline = orders[e["order_id"]]
            assert timeline["case"] == e["case"], (e, timeline["case"])
    s1 = next(t for t in report["timelines"] if t["case"] == "s1")
    assert s1["checkpoint_ids"] == ["S1"]
    assert s1["person"]
    assert s1["rule"] == "Basic"
    for timeline in report["timelines"]:
        events = [ev["what"] for ev in timeline["events"]]
        if "order sent" in events and any("status callback" in w for w in events):
            first_status = next(i for i, w in enumerate(events) if "status callback" in w)
            assert events.index("order sent") < first_status, events
    assert (folder / "report.json").is_file()

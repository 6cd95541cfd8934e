"""``eprom-verify report diff OLD NEW``: statuses, findings added and resolved, run changes.

Small hand-made ``report.json`` files for the rules; two real runs (one with a simulator
fault) for the end-to-end test.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from test_report_cli import report

from eprom_verify.report.diff import diff_reports

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "run"))
try:
    from full_runs import on_run, v1_duplicate_status, v1_passing  # shared (issue 25)
finally:
    sys.path.pop(0)

ORDER_A = "3f2b8c1e-1111-4a2b-9c3d-000000000001"
ORDER_B = "3f2b8c1e-2222-4a2b-9c3d-000000000002"
NODE = "suites/test_v1.py::test_v1_order[verification-person-Basic]"


def check(nodeid: str, cids: list[str], outcome: str = "passed", **extra: Any) -> dict[str, Any]:
    return {"nodeid": nodeid, "name": nodeid.split("::")[-1], "checkpoint_ids": cids,
            "outcome": outcome, **extra}  # fmt: skip


BASE: dict[str, Any] = {
    "schema_version": "1.1",
    "run": {
        "ordering_system": "DIPS Arena",
        "environment": "simulator",
        "base_url": "http://127.0.0.1:41000",
        "callback_url": "http://127.0.0.1:41001",
        "started_at": "2026-12-01T10:00:00Z",
        "finished_at": "2026-12-01T10:01:00Z",
        "tool_version": "0.1.0",
        "api_key_fingerprint": "sha256:aaaa",
        "command": "eprom-verify run",
        "faults_injected": [],
    },
    "rows": [
        {"id": "V1.1", "title": "Form ordered", "status": "passed"},
        {"id": "V1.4", "title": "Status callback carries the key", "status": "passed"},
        {"id": "V2.1", "title": "Seen on Helsenorge", "status": "needs_attestation"},
    ],
    "checks": [
        check(NODE, ["V1.1", "V1.4"]),
        check("suites/test_v1.py::test_v1_status[verification-person-Basic]", ["V1.4"]),
    ],
    "summary": {"passed": 2, "failed": 0, "needs_attestation": 1, "not_run": 0},
}


def folder(tmp_path: Path, name: str, data: dict[str, Any]) -> Path:
    path = tmp_path / name
    path.mkdir()
    (path / "report.json").write_text(json.dumps(data))
    return path


def variant(**run: Any) -> dict[str, Any]:
    data = copy.deepcopy(BASE)
    data["run"].update(run)
    return data


def test_two_runs_that_differ_only_in_times_and_the_simulators_key_are_the_same(tmp_path):
    later = variant(
        started_at="2026-12-02T10:00:00Z",
        finished_at="2026-12-02T10:02:00Z",
        api_key_fingerprint="sha256:bbbb",
        command="eprom-verify run --lang nb",
        run_id="20261202T100000Z-simulator",
    )
    result = diff_reports(folder(tmp_path, "old", BASE), folder(tmp_path, "new", later))
    assert result.empty
    code, out, err = report("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert (code, err) == (0, "")
    assert "No differences" in out


def test_a_new_failure_is_a_status_change_and_an_added_finding(tmp_path):
    new = copy.deepcopy(BASE)
    new["rows"][1]["status"] = "failed"
    new["checks"][1] = check(
        "suites/test_v1.py::test_v1_status[verification-person-Basic]",
        ["V1.4"],
        "failed",
        message="wrong API key",
        messages={"en": "wrong API key"},
    )
    result = diff_reports(folder(tmp_path, "old", BASE), folder(tmp_path, "new", new))
    assert [(s.checkpoint, s.old, s.new) for s in result.statuses] == [("V1.4", "passed", "failed")]
    assert [(f.checkpoint, f.check) for f in result.added] == [
        ("V1.4", "suites/test_v1.py::test_v1_status[verification-person-Basic]")
    ]
    assert result.resolved == []
    assert result.run == []

    code, out, _ = report("diff", str(tmp_path / "old"), str(tmp_path / "new"))
    assert code == 0
    assert "Checkpoints whose status changed" in out
    assert "V1.4" in out
    assert "passed" in out
    assert "failed" in out
    assert "Findings added" in out
    assert "wrong API key" in out
    assert "Findings resolved" not in out

    # the other way round, it is resolved
    back = diff_reports(tmp_path / "new", tmp_path / "old")
    assert [(f.checkpoint, f.check) for f in back.resolved] == [
        ("V1.4", "suites/test_v1.py::test_v1_status[verification-person-Basic]")
    ]
    assert back.added == []


def test_findings_match_by_checkpoint_and_test_not_by_order_id_or_message(tmp_path):
    def failing(order: str) -> dict[str, Any]:
        data = copy.deepcopy(BASE)
        data["rows"][0]["status"] = "failed"
        data["checks"][0] = check(
            f"{NODE.removesuffix(']')}-{order}]",  # an id in the node id is masked
            ["V1.1", "V1.4"],
            "error",
            message=f"order {order}: ePROM answered 502",
        )
        return data

    result = diff_reports(
        folder(tmp_path, "old", failing(ORDER_A)), folder(tmp_path, "new", failing(ORDER_B))
    )
    assert result.empty, result


def test_run_differences_are_named(tmp_path):
    new = variant(
        environment="test",
        base_url="https://eprom.test.example",
        tool_version="0.2.0",
        api_key_fingerprint="sha256:cccc",
        faults_injected=[{"type": "forge_key", "callback": "status", "times": None}],
    )
    new["kind"] = "environment-check"
    result = diff_reports(folder(tmp_path, "old", BASE), folder(tmp_path, "new", new))
    assert [r.field for r in result.run] == [
        "kind",
        "run.environment",
        "run.base_url",
        "run.tool_version",
        "run.api_key_fingerprint",  # not both in the simulator: a key change matters
        "run.faults_injected",
    ]
    code, out, _ = report("diff", str(tmp_path / "old"), str(tmp_path / "new"), "--json")
    assert code == 0
    data = json.loads(out)
    assert data["changed"] is True
    assert {"field": "run.tool_version", "old": "0.1.0", "new": "0.2.0"} in data["run"]
    assert data["statuses"] == []


def test_a_checkpoint_only_in_one_report_is_absent_in_the_other(tmp_path):
    new = copy.deepcopy(BASE)
    new["rows"].append({"id": "S1", "title": "Letter", "status": "not_run"})
    del new["rows"][2]
    result = diff_reports(folder(tmp_path, "old", BASE), folder(tmp_path, "new", new))
    assert [(s.checkpoint, s.old, s.new) for s in result.statuses] == [
        ("S1", None, "not_run"),
        ("V2.1", "needs_attestation", None),
    ]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "no such report folder"),
        ("empty", "no report.json — not a report folder"),
        ("garbage", "not readable as JSON"),
        ("norows", "not an eprom-verify report (no 'rows')"),
    ],
)
def test_an_unusable_folder_is_one_line_and_exit_2(tmp_path, setup, message):
    good = folder(tmp_path, "good", BASE)
    bad = tmp_path / "bad"
    if setup != "missing":
        bad.mkdir()
    if setup == "garbage":
        (bad / "report.json").write_text("{not json")
    elif setup == "norows":
        (bad / "report.json").write_text("{}")
    code, out, err = report("diff", str(good), str(bad))
    assert (code, out) == (2, "")
    assert err.startswith("eprom-verify report: ")
    assert message in err
    assert err.count("\n") == 1


def test_diff_needs_exactly_two_folders(tmp_path):
    code, _, err = report("diff", str(tmp_path))
    assert code == 2
    assert err == "eprom-verify report: diff compares two report folders: diff OLD NEW\n"
    code, _, err = report(str(tmp_path), str(tmp_path))
    assert code == 2
    assert "one report folder at a time" in err


# -- end to end: two real runs, one with a fault --------------------------------------------


@on_run("v1-passing")
def test_diff_of_two_real_runs_names_exactly_the_injected_fault(tmp_path_factory):
    """Both runs are the session's shared ``run -- -k V1`` (tests/run/full_runs.py): without a
    fault (also read by test_terminal_output.py and test_allure.py) and with one status
    callback delivered twice (read by test_terminal_output.py and test_run_faults.py)."""
    shared = v1_passing(tmp_path_factory)
    assert shared["code"] in (0, 1), shared["out"][-3000:]
    clean = shared["folder"]
    with_fault = v1_duplicate_status(tmp_path_factory)
    assert with_fault["code"] in (0, 1), with_fault["out"][-3000:]
    faulted = with_fault["folder"]
    result = diff_reports(clean, faulted)
    assert [(s.checkpoint, s.old, s.new) for s in result.statuses] == [("V1.4", "passed", "failed")]
    assert {f.checkpoint for f in result.added} == {"V1.4"}
    # the ledger's view of the run always has it; the order's own test only when the copy
    # came before it looked (the run-wide duplicate window, tests/run/test_run_faults.py).
    # The run's orders go out together (suites/test_v1_order.py), so the callback delivered
    # twice is that of whichever order called back first: one of the selected persons'.
    checks = {f.check for f in result.added}
    ledger = "suites/test_run_ledger.py::test_whole_run[V1.4]"
    assert ledger in checks, checks
    order_tests = checks - {ledger}
    own = "suites/test_v1_order.py::test_no_errors_no_duplicates[verification-person-{}]"
    assert order_tests <= {own.format("Basic"), own.format("BasicOrPaper")}, checks
    assert len(order_tests) <= 1, f"one callback delivered twice failed two orders: {checks}"
    assert result.resolved == []
    recorded = {"type": "duplicate", "callback": "status", "times": 1}  # as the run keeps it
    assert [(r.field, r.old, r.new) for r in result.run] == [
        ("run.faults_injected", [], [recorded])
    ]

    code, out, err = report("diff", str(clean), str(faulted))
    assert (code, err) == (0, "")
    assert "V1.4" in out
    assert "2 status callbacks for order" in out
    assert '"type": "duplicate"' in out


def test_the_command_line_routes_report_diff(tmp_path, capsys):
    from eprom_verify.cli import main

    old, new = folder(tmp_path, "old", BASE), folder(tmp_path, "new", variant(tool_version="9"))
    assert main(["report", "diff", str(old), str(new), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["run"] == [{"field": "run.tool_version", "old": "0.1.0", "new": "9"}]
    assert main(["report", "diff", str(old)]) == 2
    assert "diff compares two report folders" in capsys.readouterr().err

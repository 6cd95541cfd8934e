"""The verdict over the whole run: every fault, on any single callback of a full run, fails.

Each case is a full ``eprom-verify run`` against the embedded simulator in a subprocess with
one fault applied once (``times: 1``) to whichever callback of that kind comes first — often
one that no test of its checkpoint looks at (the S1 order's status, the patient-initiated
answer). The run must exit 1 with the checkpoint that fault concerns failed, and say which
order, which case and which callback. One test per case, each with its own full run, so a
parallel runner (pytest-xdist, ``-n``) spreads them over the cores; the runs that
tests/run/test_run_tables_agree.py reads as well are made once (``full_runs.shared_run``).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from full_runs import full_run, shared_run

from eprom_verify.report.pdf import find_chromium

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


#: matrix cases whose run test_run_tables_agree.py reads too: made once a session
SHARED = {("duplicate", "status"): "duplicate-status", ("drop", "answer"): "dropped-answer"}
#: the tests that read a shared run go to one pytest-xdist worker (``--dist loadgroup``): the
#: first makes the run, the next ones read it, and no other worker blocks on the lock
ON_SHARED_RUNS = pytest.mark.xdist_group("shared-full-runs")


def matrix_fault(case: tuple[str, str]) -> tuple[dict, list[str]]:
    """The fault of one matrix case, applied once, and the run's extra arguments."""
    kind, callback = case
    fault: dict = {"type": kind, "callback": callback, "times": 1}
    args: list[str] = []
    if kind == "delay":
        fault["seconds"] = DELAY_S
    if kind in ("delay", "drop"):  # a lost callback is waited for until the timeout
        args = ["--callback-timeout", str(TIMEOUT_S)]
    if case == ("wrong_channel", "answer"):
        args = ["--", "-k", "not test_patient_initiated"]
    return fault, args


def _matrix_run(factory: pytest.TempPathFactory, folder: Path, case: tuple[str, str]) -> dict:
    """The full run of one matrix case: its one fault, applied once."""
    fault, args = matrix_fault(case)
    if case in SHARED:
        return shared_run(factory, SHARED[case], fault, *args)
    return full_run(folder / f"{case[0]}-{case[1]}", fault, *args)


def failed_rows(report: dict) -> set[str]:
    return {r["id"] for r in report.get("rows", []) if r["status"] == "failed"}


@pytest.mark.parametrize(
    ("fault", "callback"),
    [pytest.param(f, c, id=f"{f}-{c}", marks=[ON_SHARED_RUNS] if (f, c) in SHARED else [])
     for f, c in MATRIX],
)  # fmt: skip
def test_one_fault_on_any_callback_fails_its_checkpoint(
    tmp_path, tmp_path_factory, fault, callback
):
    result = _matrix_run(tmp_path_factory, tmp_path, (fault, callback))
    assert result["code"] == 1, result["out"][-3000:]
    assert failed_rows(result["report"]) == MATRIX[(fault, callback)], result["out"][-3000:]
    for row in result["report"]["rows"]:
        for failure in row["failures"]:
            assert failure["message"], row["id"]
            assert failure["expected"] is not None, failure
            assert failure["received"] is not None, failure
    assert result["report"]["run"]["faults_injected"][0]["type"] == fault


def passing_run(factory: pytest.TempPathFactory) -> dict:
    """The fault-free full run, with the portal pictures: made once a session."""
    return shared_run(factory, "passing", None, pictures=True)


def _passes(result: dict) -> None:
    assert result["code"] == 0, result["out"][-3000:]
    assert failed_rows(result["report"]) == set()
    ledger = [c for c in result["report"]["checks"] if "test_whole_run" in c["nodeid"]]
    assert ledger, "no whole-run check in the report"
    assert {c["outcome"] for c in ledger} == {"passed"}, ledger


@ON_SHARED_RUNS
def test_a_correct_run_passes(tmp_path_factory):
    _passes(passing_run(tmp_path_factory))


def test_the_2023_enum_style_passes(tmp_path):
    _passes(full_run(tmp_path, {"type": "enum_names", "callback": "any", "times": None}))


@ON_SHARED_RUNS
def test_a_full_run_shows_the_portal_pictures(tmp_path_factory):
    """V2.1–V2.5 and S1 get the simulator's portal pages, all from one browser."""
    if find_chromium() is None:
        message = "Chromium not found on PATH — install it (Debian: apt-get install chromium)"
        if os.environ.get("EPROM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{message}; EPROM_REQUIRE_BROWSER=1 requires it", pytrace=False)
        pytest.skip(f"{message}; set EPROM_REQUIRE_BROWSER=1 to make this a failure")
    report = passing_run(tmp_path_factory)["report"]
    shown = sorted(" ".join(p["checkpoint_ids"]) for p in report["pictures"])
    assert shown == ["S1", "S1", "V2.1 V2.2 V2.3", "V2.4", "V2.5"], shown
    for picture in report["pictures"]:
        assert picture["media_type"] == "image/png"
        assert picture["captions"]["nb"]
        assert picture["captions"]["en"]
        assert picture["data"].startswith("iVBORw0KGgo"), "not a PNG"  # base64 of its magic


@ON_SHARED_RUNS
def test_evidence_is_credited_to_the_case_it_serves(tmp_path_factory):
    result = passing_run(tmp_path_factory)
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

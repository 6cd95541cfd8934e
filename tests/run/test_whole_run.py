"""The verdict over the whole run: every fault, on any single callback of a full run, fails.

Each case is one fault applied once (``times: 1``) to whichever callback of that kind comes
first in a full ``eprom-verify run`` against the embedded simulator — often one that no test
of its checkpoint looks at (the S1 order's status, the patient-initiated answer). The run
must exit 1 with the checkpoint that fault concerns failed, and say which order, which case
and which callback.

Fewer full runs (issue 25): faults on different callback kinds (status, answer, letter,
privacy) never touch the same callback and fail disjoint checkpoint rows, so up to four cases
share one run (:data:`GROUPS`). Each case is still its own test, which asserts that its rows
failed with a readable message AND that the run failed no row outside the union of its
group's rows — a fault that spilled onto another checkpoint still fails the test. Two cases
keep a run of their own, where isolation itself is the claim (:data:`ALONE`): one fault and
nothing else, exactly its checkpoint failed (tests/run/test_run_tables_agree.py reads those
runs too). Every run is made once a session (``full_runs.shared_run``); the tests reading
one run share one pytest-xdist group, so different runs spread over the workers.
"""

from __future__ import annotations

import os

import pytest
from full_runs import on_run, shared_run

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
#: what a failure the fault causes says (any one of these), so a row that failed for another
#: reason than its case's fault is not taken for it
SAYS: dict[str, tuple[str, ...]] = {
    "duplicate": ("(duplicates; arrival",),
    "drop": ("no status callback", "no answer callback", "no letter status callback",
             "no privacy-setting callback"),
    "delay": ("no status callback", "no answer callback", "no letter status callback",
              "no privacy-setting callback", "; the limit is "),
    "forge_key": ("carried a wrong API key",),
    "wrong_channel": ("went to the wrong channel", "reports notificationChannel",
                      "does not match the letter", "another channel"),
    "helsenorge_502": ("502 Unable to communicate with Helsenorge. No message sent.",),
    "helsenorge_504": ("504 Timeout while waiting for response from Helsenorge",),
    "pvk_502": ("502 Personvernkomponenten (PVK) svarte ikke.",),
}  # fmt: skip
#: a row that may fail by a consequence of the fault, said in other words besides its own:
#: the letter callback with the forged key is refused by the run's receiver and sent again,
#: so L2 (one status per letter) sees the wrong key or, when it looked later, two callbacks
SAYS_ON_ROW: dict[tuple[str, str, str], tuple[str, ...]] = {
    ("forge_key", "letter", "L2"): ("(duplicates; arrival",),
}
#: the callback a callback fault changed, as the failures name it
NAMED: dict[str, str] = {
    "status": "status callback",
    "answer": "answer",
    "letter": "letter",
    "privacy": "privacy-setting callback",
}
#: a delayed callback is held past the (shortened) callback timeout
DELAY_S, TIMEOUT_S = 9, 3

#: the cases whose run has one fault and nothing else: a single fault fails exactly its
#: checkpoint (and test_run_tables_agree.py re-derives these runs' tables)
ALONE: dict[str, tuple[str, str]] = {
    "duplicate-status": ("duplicate", "status"),
    "dropped-answer": ("drop", "answer"),
}
#: the other cases, several to a run: at most one per callback kind, rows disjoint
GROUPS: dict[str, list[tuple[str, str]]] = {
    "matrix-1": [("drop", "status"), ("delay", "answer"), ("forge_key", "letter"),
                 ("duplicate", "privacy")],
    "matrix-2": [("delay", "status"), ("forge_key", "answer"), ("duplicate", "letter"),
                 ("drop", "privacy")],
    "matrix-3": [("forge_key", "status"), ("duplicate", "answer"), ("drop", "letter"),
                 ("delay", "privacy")],
    "matrix-4": [("wrong_channel", "status"), ("wrong_channel", "answer"), ("delay", "letter"),
                 ("forge_key", "privacy")],
    "matrix-5": [("helsenorge_502", "status"), ("wrong_channel", "letter"),
                 ("pvk_502", "privacy")],
    "matrix-6": [("helsenorge_504", "letter")],
}  # fmt: skip
#: the embedded simulator's settings of a run besides its faults: matrix-6, the one run
#: without a privacy fault, has the simulator report the run's own privacy changes back
#: (two callbacks more): test_privacy_replication.py reads PV1 and PV3 passing in it, and
#: the cases here show those callbacks fail no other row
SIMULATOR: dict[str, dict] = {"matrix-6": {"reportOwnPrivacyChanges": True}}
RUNS: dict[str, list[tuple[str, str]]] = {
    **{name: [case] for name, case in ALONE.items()},
    **GROUPS,
}
RUN_OF: dict[tuple[str, str], str] = {case: name for name, cases in RUNS.items() for case in cases}


#: the passing run's readers (kept under its historical name for the other modules)
ON_SHARED_RUNS = on_run("passing")


def matrix_fault(case: tuple[str, str]) -> dict:
    """The fault of one matrix case, applied once."""
    kind, callback = case
    fault: dict = {"type": kind, "callback": callback, "times": 1}
    if kind == "delay":
        fault["seconds"] = DELAY_S
    return fault


def run_args(cases: list[tuple[str, str]]) -> list[str]:
    """The run's extra arguments for these cases together."""
    args: list[str] = []
    if any(kind in ("delay", "drop") for kind, _ in cases):
        args += ["--callback-timeout", str(TIMEOUT_S)]  # a lost callback: waited for so long
    if ("wrong_channel", "answer") in cases:
        args += ["--", "-k", "not test_patient_initiated"]
    return args


def _matrix_run(factory: pytest.TempPathFactory, name: str) -> dict:
    """The full run ``name`` of :data:`RUNS`: its cases' faults, each applied once."""
    cases = RUNS[name]
    faults = [matrix_fault(c) for c in cases]
    return shared_run(factory, name, faults, *run_args(cases), settings=SIMULATOR.get(name))


def failed_rows(report: dict) -> set[str]:
    return {r["id"] for r in report.get("rows", []) if r["status"] == "failed"}


def test_the_groups_share_no_callback_kind_and_no_row():
    """What lets cases share a run: no two of a run touch the same callback kind or row, and
    every case of the matrix is in exactly one run."""
    assert sorted(RUN_OF) == sorted(MATRIX)
    assert sum(len(cases) for cases in RUNS.values()) == len(MATRIX)
    for name, cases in RUNS.items():
        kinds = [callback for _, callback in cases]
        assert len(kinds) == len(set(kinds)), (name, kinds)
        rows = [row for case in cases for row in MATRIX[case]]
        assert len(rows) == len(set(rows)), (name, rows)
        if SIMULATOR.get(name, {}).get("reportOwnPrivacyChanges"):
            assert "privacy" not in kinds, f"{name}: its own privacy changes come back"


@pytest.mark.parametrize(
    ("fault", "callback"),
    [pytest.param(f, c, id=f"{f}-{c}", marks=[on_run(RUN_OF[(f, c)])]) for f, c in MATRIX],
)
def test_one_fault_on_any_callback_fails_its_checkpoint(tmp_path_factory, fault, callback):
    name = RUN_OF[(fault, callback)]
    result = _matrix_run(tmp_path_factory, name)
    report, tail = result["report"], result["out"][-3000:]
    assert result["code"] == 1, tail
    mine = MATRIX[(fault, callback)]
    union = set().union(*(MATRIX[case] for case in RUNS[name]))
    failed = failed_rows(report)
    assert mine <= failed, (
        f"run {name!r}: {fault} on the first {callback} callback should fail {sorted(mine)}; "
        f"failed rows: {sorted(failed)}\n{tail}"
    )
    assert failed == union, (
        f"run {name!r} (faults {RUNS[name]}): failed rows {sorted(failed)}, expected exactly "
        f"{sorted(union)} — a row outside the group's failed because of a fault\n{tail}"
    )
    for row in report["rows"]:
        if row["id"] not in mine:
            continue
        assert row["failures"], f"{row['id']} failed with no failure recorded"
        for failure in row["failures"]:
            assert failure["message"], row["id"]
            assert failure["expected"] is not None, failure
            assert failure["received"] is not None, failure
        messages = [str(failure["message"]) for failure in row["failures"]]
        says = SAYS[fault] + SAYS_ON_ROW.get((fault, callback, row["id"]), ())
        said = [m for m in messages if any(phrase in m for phrase in says)]
        assert said, f"{row['id']}: no failure says {says}; it says {messages}"
        if fault not in ("wrong_channel", "helsenorge_502", "helsenorge_504", "pvk_502"):
            assert any(NAMED[callback] in m for m in said), (
                f"{row['id']}: no failure about the {callback} callback: {said}"
            )
    injected = [(f["type"], f["callback"]) for f in report["run"]["faults_injected"]]
    assert injected == RUNS[name], injected


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


def enum_names_run(factory: pytest.TempPathFactory) -> dict:
    """A full run with every callback's enums written as names (ePROM's 2023 pages):
    made once a session (tests/run/test_run_faults.py reads it too)."""
    return shared_run(
        factory, "enum-names", {"type": "enum_names", "callback": "any", "times": None}
    )


ON_ENUM_NAMES_RUN = on_run("enum-names")


@ON_ENUM_NAMES_RUN
def test_the_2023_enum_style_passes(tmp_path_factory):
    _passes(enum_names_run(tmp_path_factory))


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

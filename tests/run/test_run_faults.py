"""Every fault the simulator can inject fails the run on exactly the checkpoint concerned.

Each case runs the real suites (a selection, with -k) against the embedded simulator in a
subprocess, with a fault file, and reads which checkpoint rows of report.json failed and
what the failure says. This is the proof that each check can fail.

Fewer full runs (issue 25): cases whose faults touch different callbacks — a status fault on
the V1 order beside an answer fault on the patient-initiated order (which has no status
callback), an answer fault on the V2/V3 order beside a letter fault and a 502 on the first
V1 order — share one run (:data:`SHARED_BY`), made once a session (``full_runs.shared_run``);
``duplicate-status`` reads the V1 run test_terminal_output.py reads. Each case is still its
own test: its rows failed with its phrases, AND the run failed no row outside the union of
its group's rows. Two cases keep a run of their own: ``delayed-past-timeout``, where
isolation is the claim (its one-second callback timeout would hold every callback of the run
to it), and ``helsenorge-504``, a status fault with no group left without one. The fault-free baseline and the 2023 enum
style read the full runs test_whole_run.py makes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from full_runs import DUPLICATE_STATUS, V1, full_run, on_run, shared_run, v1_duplicate_status
from test_whole_run import enum_names_run, passing_run

ROOT = Path(__file__).resolve().parents[2]
FILL = "test_v2_v3 and RAND-12-copy"
LETTER = "test_letter_sent and verification-person-Helsenorge+DigitalMailbox"
P1 = "test_patient_initiated"


def rows(report: dict, status: str) -> set[str]:
    return {r["id"] for r in report.get("rows", []) if r["status"] == status}


def failure_text(report: dict, checkpoint: str) -> str:
    row = next(r for r in report["rows"] if r["id"] == checkpoint)
    return json.dumps(row["failures"], ensure_ascii=False)


@on_run("passing")
def test_baseline_passes(tmp_path_factory):
    result = passing_run(tmp_path_factory)
    report = result["report"]
    assert result["code"] == 0, result["out"][-3000:]
    assert rows(report, "passed") >= {"V1.1", "V1.2", "V1.3", "V1.4"}
    assert rows(report, "failed") == set()


#: a dropped callback is lost after any timeout: 3 s instead of the default 10 (issue 25)
WAIT_3_S = ["--callback-timeout", "3"]

FAULTS = [
    pytest.param([DUPLICATE_STATUS], V1, [], {"V1.4"},
                 ["2 status callbacks", "duplicates"], id="duplicate-status"),
    pytest.param([{"type": "drop", "callback": "status"}], V1, WAIT_3_S, {"V1.2"},
                 ["no status callback", "expected"], id="dropped-status"),
    pytest.param([{"type": "delay", "callback": "status", "seconds": 4}], V1,
                 ["--callback-timeout", "1"], {"V1.2"}, ["within 1 s"], id="delayed-past-timeout"),
    pytest.param([{"type": "forge_key", "callback": "status", "times": 1}], V1, [], {"V1.4"},
                 ["wrong API key", "sha256:"], id="forged-key"),
    pytest.param([{"type": "wrong_channel", "callback": "status"}], V1, [], {"V1.3"},
                 ["wrong channel", "Helsenorge"], id="wrong-channel"),
    pytest.param([{"type": "helsenorge_502", "callback": "status"}], V1, [], {"V1.1"},
                 ["502", "Unable to communicate with Helsenorge. No message sent."], id="helsenorge-502"),
    pytest.param([{"type": "helsenorge_504", "callback": "status"}], V1, [], {"V1.1"},
                 ["504", "Timeout while waiting for response from Helsenorge"], id="helsenorge-504"),
    pytest.param([{"type": "duplicate", "callback": "answer", "times": 1}], FILL, [], {"V3.2"},
                 ["2 answer callbacks"], id="duplicate-answer"),
    pytest.param([{"type": "drop", "callback": "answer"}], FILL, WAIT_3_S, {"V3.1"},
                 ["no answer callback"], id="dropped-answer"),
    # the run-wide duplicate window (issue 25): a letter's duplicate status is always caught by
    # the whole-run L1 check; the letter test (L1 and L2) only when the copy came before it looked
    pytest.param([{"type": "duplicate", "callback": "letter", "times": 1}],
                 LETTER, [], {"L1"},
                 ["test_whole_run[L1]", "over the whole run, 1 problem(s) on L1: 2 letter status callbacks for letter ",
                  "(case verification-person-Helsenorge+DigitalMailbox", ") (duplicates; arrival +0.000 s, +"],
                 id="duplicate-letter"),
    pytest.param([{"type": "drop", "callback": "answer"}], P1, WAIT_3_S, {"P1"},
                 ["no answer callback", "patient-initiated"], id="dropped-patient-initiated"),
    pytest.param([{"type": "duplicate", "callback": "answer", "times": 1}], P1, [],
                 {"P1"}, ["2 answer callbacks", "patient-initiated"], id="duplicate-patient-initiated"),
]  # fmt: skip


#: case → the shared run it is read from; a case not named has a run of its own
SHARED_BY: dict[str, str] = {
    "duplicate-status": "v1-duplicate-status",  # test_terminal_output.py reads it too
    "forged-key": "faults-forged-key-and-pi-duplicate",
    "duplicate-patient-initiated": "faults-forged-key-and-pi-duplicate",
    "dropped-status": "faults-dropped-status-and-pi",
    "dropped-patient-initiated": "faults-dropped-status-and-pi",
    # three: a 502 on the first V1 order (times 1; the fill and letter tests place theirs
    # later) beside the answer and letter faults, each on its own callback kind
    "helsenorge-502": "faults-502-duplicate-answer-and-letter",
    "duplicate-answer": "faults-502-duplicate-answer-and-letter",
    "duplicate-letter": "faults-502-duplicate-answer-and-letter",
    "wrong-channel": "faults-wrong-channel-and-dropped-answer",
    "dropped-answer": "faults-wrong-channel-and-dropped-answer",
}
CASES = {param.id: param.values for param in FAULTS}


def _members(name: str) -> list[str]:
    return [case for case, run in SHARED_BY.items() if run == name]


def _case_run(factory: pytest.TempPathFactory, folder: Path, case: str) -> dict:
    """The run case ``case`` is read from: its group's shared run, or a run of its own."""
    name = SHARED_BY.get(case)
    members = _members(name) if name else [case]
    faults = [fault for member in members for fault in CASES[member][0]]
    args: list[str] = []
    for member in members:
        args += [a for a in CASES[member][2] if a not in args]
    select = " or ".join(f"({CASES[member][1]})" for member in members)
    if name == "v1-duplicate-status":
        assert faults == [DUPLICATE_STATUS], faults
        assert select == f"({V1})", select
        return v1_duplicate_status(factory)
    if name is None:
        return full_run(folder, faults, *args, "--", "-k", select)
    return shared_run(factory, name, faults, *args, "--", "-k", select)


#: case → rows that fail as well when the per-test check saw the duplicate before it looked
MAY_ALSO_FAIL = {"duplicate-letter": {"L2"}}


def test_the_shared_runs_share_no_callback_kind_and_no_row():
    """What lets cases share a run: their faults change different callback kinds, and the
    rows they fail (or may fail) are disjoint."""
    for name in set(SHARED_BY.values()):
        members = _members(name)
        kinds = [fault["callback"] for member in members for fault in CASES[member][0]]
        assert len(kinds) == len(set(kinds)), (name, kinds)
        failing = [row for m in members for row in CASES[m][3] | MAY_ALSO_FAIL.get(m, set())]
        assert len(failing) == len(set(failing)), (name, failing)


def _marks(case: str) -> list[pytest.MarkDecorator]:
    return [on_run(SHARED_BY[case])] if case in SHARED_BY else []


@pytest.mark.parametrize(
    ("faults", "select", "args", "failing", "phrases"),
    [pytest.param(*param.values, id=param.id, marks=_marks(param.id)) for param in FAULTS],
)
def test_fault_fails_exactly_its_checkpoint(
    request, tmp_path, tmp_path_factory, faults, select, args, failing, phrases
):
    case = request.node.callspec.id
    result = _case_run(tmp_path_factory, tmp_path, case)
    code, report, out = result["code"], result["report"], result["out"]
    assert code == 1, out
    members = _members(SHARED_BY[case]) if case in SHARED_BY else [case]
    # the rows of the whole group, and the ones that may fail as well (timing decides
    # whether the per-test check saw a duplicate before it looked)
    union = set().union(*(CASES[member][3] for member in members))
    also = set().union(*(MAY_ALSO_FAIL.get(member, set()) for member in members))
    failed = rows(report, "failed")
    assert failing <= failed, f"{case}: failed rows {sorted(failed)}; expected {sorted(failing)}"
    assert union <= failed <= union | also, (
        f"{case} shares its run with {[m for m in members if m != case]}: failed rows "
        f"{sorted(failed)}; expected {sorted(union)}"
        + (f" (and perhaps {sorted(also)})" if also else "")
        + "\n"
        + out[-3000:]
    )
    for checkpoint in failing:
        text = failure_text(report, checkpoint)
        for phrase in phrases:
            assert phrase in text, f"{checkpoint}: {phrase!r} not in {text[:600]}"
        assert '"expected"' in text
        assert '"received"' in text


@on_run("enum-names")
def test_2023_enum_style_passes(tmp_path_factory):
    """ePROM's 2023 pages wrote enums as names; a correct ordering system accepts both.

    Reads the full run with every callback in the name form (test_whole_run.py)."""
    result = enum_names_run(tmp_path_factory)
    report = result["report"]
    assert result["code"] == 0, result["out"][-3000:]
    assert rows(report, "failed") == set()
    evidence = list((result["folder"] / "evidence").glob("*.json"))
    bodies = [json.loads(p.read_text(encoding="utf-8")).get("body") for p in evidence]
    assert any(isinstance(b, dict) and b.get("sentStatus") == "Sent" for b in bodies), (
        "no name-form callback seen"
    )

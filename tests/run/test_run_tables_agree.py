"""A full ``eprom-verify run`` (passing, and with a simulator fault): every table row of its
report re-derived from its evidence files agrees (tests/tables_agree.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/tables_agree.py
from separate_simulator import separate_run  # noqa: E402
from tables_agree import disagreements  # noqa: E402
from test_whole_run import _matrix_run, on_run, passing_run  # noqa: E402

#: the runs test_whole_run.py reads as well: made once a session (full_runs.shared_run)
RUNS = {
    "passing": lambda factory: passing_run(factory),
    "duplicate-status": lambda factory: _matrix_run(factory, "duplicate-status"),
    "dropped-answer": lambda factory: _matrix_run(factory, "dropped-answer"),
}


@pytest.mark.parametrize("name", [pytest.param(n, marks=[on_run(n)]) for n in RUNS])
def test_every_table_row_of_a_full_run_agrees_with_its_evidence(tmp_path_factory, name: str):
    result = RUNS[name](tmp_path_factory)
    assert result["code"] == (0 if name == "passing" else 1), result["out"][-3000:]
    folder = result["folder"]
    report = result["report"]
    assert report["kind"] == "self_check"
    assert disagreements(folder) == []
    p1 = [t for t in report["timelines"] if t["kind"] == "patient_initiated"]
    assert p1
    assert all(t["callbacks"] for t in p1), p1  # was: P1 rows showed 0 callbacks
    errors = [t for t in report["timelines"] if t["status"] == "Error"]
    assert errors
    assert all(t["expected_status"] == "Error" for t in errors)  # each one predicted


@on_run("separate-simulator")
def test_a_run_against_another_epromm_is_an_environment_check(tmp_path_factory):
    """``run --base-url``: the kind says eprom-verify played the system; the ids are listed.

    Reads the run against a simulator in its own process that test_separate_process.py
    looks for leaks in (``separate_simulator.separate_run``, made once a session)."""
    result = separate_run(tmp_path_factory)
    base_url, folder = result["base_url"], result["folder"]
    assert result["code"] == 0, result["out"][-3000:]
    report = result["report"]
    assert report["kind"] == "environment_check"
    assert report["run"]["system_version"] == "v2.3.1"
    html = (folder / "report.html").read_text("utf-8")
    assert (
        f"<b>Miljøsjekk</b> — eprom-verify spiller bestillersystemet mot ePROM i {base_url}" in html
    )
    assert "Verifisert" not in html
    assert "ID-er ePROM ga ut i kjøringen" in html
    orders = [t["order_id"] for t in report["timelines"] if t["kind"] == "form_order"]
    assert orders
    assert all(f"<code>{o}</code>" in html for o in orders)  # each formOrderId, for Hemit's logs
    assert "kind: Environment check" in result["out"]
    assert disagreements(folder) == []

"""A full ``eprom-verify run`` (passing, and with a simulator fault): every table row of its
report re-derived from its evidence files agrees (tests/tables_agree.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/tables_agree.py
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


FAKE_KEY = "sk-FAKE-0123456789-ABCDEFGHIJKLMNOP"  # tests/run/conftest.py registers it


def test_a_run_against_another_epromm_is_an_environment_check(tmp_path: Path, separate_simulator):
    """``run --base-url``: the kind says eprom-verify played the system; the ids are listed."""
    base_url, listen_port = separate_simulator
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ.update(EPROM_API_KEY=FAKE_KEY, CI="true", EPROM_SYSTEM_VERSION="v2.3.1")
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--base-url", base_url,
         "--callback-listen", f"127.0.0.1:{listen_port}", "--callback-timeout", "10",
         "--duplicate-window", "0.3", "--fill", "skip", "--ordering-system", "Testregisteret",
         "--report-dir", str(tmp_path / "r"), "--", "-k", "test_v1_order and verification-person"],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr
    folder = next((tmp_path / "r").glob("*/report.json")).parent
    report = json.loads((folder / "report.json").read_text("utf-8"))
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
    assert "kind: Environment check" in done.stdout
    assert disagreements(folder) == []

"""The run against an ePROM-compatible server in its own process, with a real key.

It also proves the safety promise: a recognisable fake key and the test persons' national
IDs appear in no file the run wrote, nor in what it printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from full_runs import on_run
from separate_simulator import separate_run

from eprom_verify.config import load_patients

#: the key tests/run/conftest.py registers in the separate simulator
FAKE_KEY = "sk-FAKE-0123456789-ABCDEFGHIJKLMNOP"


@on_run("separate-simulator")
def test_run_against_a_separate_server_leaks_nothing(tmp_path_factory):
    """Reads the run made once a session (``separate_simulator.separate_run``):
    test_run_tables_agree.py re-derives its tables."""
    result = separate_run(tmp_path_factory)
    printed, folder = result["out"], result["folder"]
    assert result["code"] == 0, printed
    assert f"http://127.0.0.1:{result['listen_port']}" in printed, (
        "the run must say which ApiBaseUrl to register"
    )
    report = result["report"]
    passed = {r["id"] for r in report["rows"] if r["status"] == "passed"}
    assert {"V1.1", "V1.2", "V1.3", "V1.4", "L3", "U1"} <= passed
    assert report["run"]["api_key_fingerprint"].startswith("sha256:")

    ids = [p.national_id for p in load_patients().patients]
    written = [p for p in folder.rglob("*") if p.is_file()]
    assert len(written) > 20
    for path in written:
        text = path.read_bytes().decode("utf-8", errors="replace")
        assert FAKE_KEY not in text, f"the API key leaked into {path.relative_to(folder)}"
        for nid in ids:
            assert nid not in text, (
                f"national ID {nid[:6]}***** unmasked in {path.relative_to(folder)}"
            )
    assert FAKE_KEY not in printed


def _remote_run(tmp_path, base_url, listen_port, *extra):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["EPROM_API_KEY"] = FAKE_KEY
    environ["CI"] = "true"  # no terminal: never prompt (and --fill defaults to skip)
    reports = tmp_path / "reports"
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--base-url", base_url,
         "--callback-listen", f"127.0.0.1:{listen_port}", "--callback-timeout", "10",
         "--duplicate-window", "0.3", "--fill", "manual", "--fill-timeout", "20",
         "--report-dir", str(reports),
         *extra, "--", "-k", "test_v2_v3 and RAND-12"],
        capture_output=True, text=True, env=environ, cwd=tmp_path, timeout=240,
    )  # fmt: skip
    folder = next(reports.iterdir())
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    return done, {r["id"]: r["status"] for r in report["rows"]}, done.stdout + done.stderr


AUTO = {"autoComplete": {"afterSeconds": 0.5}}


@pytest.mark.parametrize("separate_simulator", [AUTO], indirect=True)
def test_manual_steps_without_attestation_need_it(tmp_path, separate_simulator):
    """Outside the simulator a person fills in; unattested V2 rows are not passed."""
    done, status, printed = _remote_run(tmp_path, *separate_simulator)
    assert done.returncode == 0, printed
    assert "ACTION for the tester" in printed
    assert {status[c] for c in ("V2.1", "V2.2", "V2.3", "V2.4", "V2.5")} == {"needs_attestation"}
    assert status["V3.1"] == "passed"
    assert status["V3.2"] == "passed"


@pytest.mark.parametrize("separate_simulator", [AUTO], indirect=True)
def test_manual_steps_with_attestation_file(tmp_path, separate_simulator):
    attest = tmp_path / "attest.yaml"
    rows = [
        {"checkpoint": c, "answer": "yes", "at": "2026-11-22T10:00:00Z"}
        for c in ("V2.1", "V2.2", "V2.3", "V2.4")
    ]
    rows.append(
        {
            "checkpoint": "V2.5",
            "answer": "no",
            "comment": "kopi lagret",
            "at": "2026-11-22T10:05:00Z",
        }
    )
    attest.write_text(
        yaml.safe_dump({"tester": "Kari Nordmann", "attestations": rows}), encoding="utf-8"
    )
    done, status, printed = _remote_run(tmp_path, *separate_simulator, "--attest", str(attest))
    assert done.returncode == 1, printed  # the "no" is a failed check
    assert {status[c] for c in ("V2.1", "V2.2", "V2.3", "V2.4")} == {"passed"}
    assert status["V2.5"] == "failed"

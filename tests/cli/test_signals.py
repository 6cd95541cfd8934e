"""Every command × SIGTERM and SIGINT: children ended, the report sealed and marked
interrupted (or, for the simulator, a clean stop: exit 0 on SIGTERM), exit 2, nothing unmasked.

``run`` is checked here once per signal, for everything a stopped run must leave: the
terminal's words (``stopped by …``, ``INTERRUPTED``), the sealed report with its HTML page, no
temporary file and every stored national ID masked. (tests/run/test_unattended.py made the
same two runs again for the terminal's words; issue 25 folded them into these.)
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from eprom_verify.report.manifest import verify_manifest

from .standins import (
    KEY,
    drive_command,
    environ,
    gone,
    http_standin,
    start,
    unmasked_ids,
    url,
    wait_for_line,
)

SIGNALS = [signal.SIGTERM, signal.SIGINT]


def _stop(process: subprocess.Popen[str], signum: int) -> str:
    process.send_signal(signum)
    try:
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    return out + (err or "")


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(stat.parent.name))
    return found


def _sealed_interrupted(reports: Path) -> dict[str, object]:
    [folder] = reports.iterdir()
    report = json.loads((folder / "report.json").read_text(encoding="utf-8"))
    assert report["run"]["interrupted"] is True
    assert verify_manifest(folder) == [], "the folder is sealed as it stands"
    assert not [p for p in folder.rglob("*") if p.name.startswith(".")], "no temporary files"
    assert unmasked_ids(folder) == [], "every national ID stored is masked"
    return report


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_observe_ends_the_drive_group_and_seals_an_interrupted_report(tmp_path, signum):
    drive, pids = drive_command(tmp_path)
    with http_standin() as system:
        process = start(
            ["observe", "--system-callback-url", url(system), "--drive", drive,
             "--report-dir", str(tmp_path / "reports"), "--timeout", "120"],
            tmp_path, environ(EPROM_API_KEY=KEY),
        )  # fmt: skip
        seen = wait_for_line(process, "drive: started")
        assert any("drive: started" in line for line in seen), "".join(seen)
        drive_pid, grandchild = (int(p) for p in pids.read_text().split())
        printed = "".join(seen) + _stop(process, signum)
    name = signal.Signals(signum).name
    assert process.returncode == 2, printed
    assert f"stopped by {name}" in printed
    assert gone(drive_pid), "the --drive command was ended"
    assert gone(grandchild), "… and its process group: no grandchild left"
    report = _sealed_interrupted(tmp_path / "reports")
    statuses = {row["id"]: row["status"] for row in report["rows"]}  # type: ignore[index, union-attr]
    assert "failed" not in statuses.values(), f"unreached steps are not run, not failed: {statuses}"
    assert "not_run" in statuses.values(), statuses


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_run_stopped_while_it_waits_for_a_callback(tmp_path, signum):
    faults = tmp_path / "faults.yaml"
    faults.write_text(
        "faults:\n  - {type: delay, callback: status, seconds: 60}\n", encoding="utf-8"
    )
    process = start(
        ["run", "--report-dir", str(tmp_path / "reports"), "--simulator-faults", str(faults),
         "--callback-timeout", "120", "--", "-k", "test_v1_order and verification-person-Basic"],
        tmp_path, environ(), merged=True,
    )  # fmt: skip
    try:
        seen = wait_for_line(process, "waiting for the status callback")
        assert any("waiting for" in line for line in seen), "".join(seen)
    except BaseException:
        process.kill()
        process.communicate(timeout=10)
        raise
    children = _children(process.pid)
    command = Path(f"/proc/{process.pid}/cmdline").read_bytes()
    forked = [c for c in children if Path(f"/proc/{c}/cmdline").read_bytes() == command]
    assert forked, "the embedded simulator serves from a process the run forked"
    printed = "".join(seen) + _stop(process, signum)
    assert process.returncode == 2, printed
    assert f"stopped by {signal.Signals(signum).name}" in printed
    assert all(gone(child) for child in children), "the simulator's process ended with the run"
    assert "INTERRUPTED" in printed, printed  # the summary says what the report says
    _sealed_interrupted(tmp_path / "reports")
    [folder] = (tmp_path / "reports").iterdir()
    assert (folder / "report.html").is_file(), "the interrupted report is rendered, not only stored"


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_check_receiver_stopped_while_a_callback_hangs(tmp_path, signum):
    with http_standin(block_puts=True) as receiver:
        process = start(
            ["check-receiver", "--receiver-url", url(receiver), "--report-dir",
             str(tmp_path / "reports"), "--", "-x"],
            tmp_path, environ(EPROM_API_KEY=KEY),
        )  # fmt: skip
        assert receiver.put_seen.wait(60), "check-receiver sent a callback"
        printed = _stop(process, signum)
    assert process.returncode == 2, printed
    assert f"stopped by {signal.Signals(signum).name}" in printed
    _sealed_interrupted(tmp_path / "reports")


@pytest.mark.parametrize(
    ("signum", "code", "said"),
    [(signal.SIGTERM, 0, "stopped by SIGTERM, shut down cleanly"),
     (signal.SIGINT, 2, "stopped by SIGINT")],
    ids=["SIGTERM", "SIGINT"],
)  # fmt: skip
def test_the_simulator_stops_cleanly(tmp_path, signum, code, said):
    """SIGTERM (docker stop, Kubernetes, systemd) is a service's normal end: exit 0 after a
    clean shutdown. SIGINT (Ctrl-C) is an interruption like in every command: exit 2. Either
    way the store is closed: SQLite folds its write-ahead log back into the file and removes
    it (a killed process leaves ``-wal``/``-shm`` behind), and what was stored is there."""
    import sqlite3

    db = tmp_path / "sim.db"
    process = start(["simulator", "--port", "0", "--db", str(db)], tmp_path, environ())
    seen = wait_for_line(process, "ePROM simulator:")
    base = next((line.split()[-1] for line in seen if "promsApiBaseUrl" in line), None)
    assert base is not None, "".join(seen)
    root = base.rsplit("/", 1)[0]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # serving (and its database open) before the signal
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{root}/_simulator/forms", timeout=2).status_code == 200:
                break
        time.sleep(0.1)
    registered = httpx.post(f"{root}/_simulator/ordering-systems", json={
        "name": "kept", "apiKey": "kept-key-0123456789", "callbackBaseUrl": "http://127.0.0.1:9",
    }, timeout=10)  # fmt: skip
    assert registered.status_code in (200, 201), registered.text
    assert db.with_name("sim.db-wal").exists(), "the store writes ahead while it runs"
    printed = "".join(seen) + _stop(process, signum)
    assert process.returncode == code, printed
    assert said in printed
    assert "Traceback" not in printed
    assert db.read_bytes().startswith(b"SQLite format 3\x00"), "the database was closed whole"
    leftovers = sorted(p.name for p in tmp_path.glob("sim.db-*"))
    assert leftovers == [], f"the store was not closed: {leftovers} left behind"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        names = [row[0] for row in conn.execute("SELECT name FROM ordering_systems")]
        assert "kept" in names, f"what was stored before the signal is kept: {names}"


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_report_finishes_and_seals_before_it_obeys(tmp_path, monkeypatch, capsys, signum):
    """A signal while ``report`` re-renders: the folder is finished and sealed, exit 2."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "report"))
    try:
        from report_sample import T0, record_sample
    finally:
        sys.path.pop(0)
    from eprom_verify.cli import main
    from eprom_verify.cli import report as report_cli
    from eprom_verify.report import new_report_dir

    folder = record_sample(new_report_dir(tmp_path / "reports", "test", now=T0)).report_dir
    real = report_cli.write_renderings

    def signalled_midway(*args, **kwargs):
        os.kill(os.getpid(), signum)  # arrives while the folder is being rewritten
        return real(*args, **kwargs)

    monkeypatch.setattr(report_cli, "write_renderings", signalled_midway)
    code = main(["report", str(folder)])
    err = capsys.readouterr().err
    assert code == 2, err
    assert f"stopped by {signal.Signals(signum).name}" in err
    assert verify_manifest(folder) == []


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_a_signal_before_anything_started_is_exit_2(tmp_path, monkeypatch, capsys, signum):
    """Stopped while checking its input: nothing made, one line, exit 2 (not 130 or 143)."""
    from eprom_verify import cli
    from eprom_verify.cli import observe as command

    def stopped(_url):
        os.kill(os.getpid(), signum)

    monkeypatch.setattr(command, "_check_answers", stopped)
    code = cli.main(["observe", "--system-callback-url", "http://127.0.0.1:9",
                     "--report-dir", str(tmp_path / "reports")])  # fmt: skip
    assert code == 2
    assert f"stopped by {signal.Signals(signum).name}" in capsys.readouterr().err
    assert not (tmp_path / "reports").exists()

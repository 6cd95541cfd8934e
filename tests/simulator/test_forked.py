"""forked.py: a forked simulator reports what a started process reports (the process tests
rely on it: an exit code after SIGTERM, a death by SIGKILL, its stderr, its environment)."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from .forked import ONE_SERVER, read_until, start_simulator

pytestmark = ONE_SERVER


def test_a_bad_option_exits_2_with_its_line_on_stderr(tmp_path: Path) -> None:
    out, err = tmp_path / "out", tmp_path / "err"
    process = start_simulator(["--port", "0", "--journal-size", "-1"], out, stderr=err)

    assert process.wait(30) == 2
    assert process.returncode == process.poll() == 2
    assert err.read_text(encoding="utf-8") == (
        "eprom-verify simulator: --journal-size -1: expected 0 or more\n"
    )
    assert out.read_text(encoding="utf-8") == ""
    with pytest.raises(AssertionError, match=r"no such line, ended; it wrote ''$"):
        read_until(process, out, lambda line: "apiKey" in line)


def test_its_environment_and_a_sigkill(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["--port", "0", "--db", str(tmp_path / "sim.db")]
    process = start_simulator(argv, out, env={"EPROM_SIM_CALLBACK_URL": "http://127.0.0.1:7/x"})

    banner = read_until(process, out, lambda line: "apiKey" in line)
    assert "callbacks to http://127.0.0.1:7/x/api/" in banner, banner
    assert process.poll() is None
    process.kill()
    assert process.wait(10) == -signal.SIGKILL


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_sigterm_ends_it_cleanly(tmp_path: Path, workers: str) -> None:
    """Just after the banner: the server is starting (with 2, the supervisor is forking its
    workers); test_stop_any_time.py sends the signal at each such place in turn."""
    out, err = tmp_path / "out", tmp_path / "err"
    process = start_simulator(["--port", "0", "--workers", workers], out, stderr=err)
    read_until(process, out, lambda line: "apiKey" in line)

    process.terminate()

    assert process.wait(20) == 0
    assert "stopped by SIGTERM, shut down cleanly" in err.read_text(encoding="utf-8")

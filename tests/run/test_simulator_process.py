"""The run's embedded simulator in a process of its own (eprom_verify/simulator/child.py).

``eprom-verify run`` forks the simulator's process at its start, before it has a second
thread; the run's session hands it the settings. What must hold: the run's own process never
imports the server (FastAPI, uvicorn), the child ends with the run however the run ends
(its end, Ctrl-C to the whole process group, SIGKILL), and a child that cannot start says
why, without the key. Each script runs in a fresh interpreter: a pytest worker has threads,
and the fork is only made where there is one.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections import deque
from pathlib import Path

import pytest

from eprom_verify.simulator.child import SimulatorProcess

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="forks on Linux only")

KEY = "sk-CHILD-5e4d3c2b1a-ZXCVBNMASDFG"

_SERVE = """
import json, os, signal, sys, time
import httpx
# As the run does (cli/interrupts.py): Ctrl-C raises KeyboardInterrupt, also where this
# script inherited SIGINT ignored (a background job of a shell without job control).
signal.signal(signal.SIGINT, signal.default_int_handler)
from pathlib import Path
from eprom_verify.simulator.child import start_simulator_early
from eprom_verify.run.session import serve_embedded
from eprom_verify.simulator.settings import OrderingSystem, SimulatorSettings

assert start_simulator_early(), "forked"
settings = SimulatorSettings(
    ordering_systems=[OrderingSystem(name="t", api_key={key!r},
                                     callback_base_url="http://127.0.0.1:9/cb")],
    db_path=Path({db!r}) if {db!r} else None,
)


def say(sim):
    print(json.dumps({{
        "kind": type(sim).__name__, "child": sim._process.pid, "me": os.getpid(),
        "patients": len(sim.control.patients()),
        "server_imported_here": sorted(m for m in ("fastapi", "uvicorn", "starlette")
                                       if m in sys.modules),
    }}), flush=True)


def wait(sim):
    try:
        say(sim)
        time.sleep(120)
    except KeyboardInterrupt:  # the run's journal is saved now: its simulator must answer,
        time.sleep(0.5)        # also on a new connection, after a moment
        answer = httpx.get(sim.root_url + "/_simulator/health", timeout=10)
        print(json.dumps({{"after": answer.status_code}}), flush=True)
        raise


with serve_embedded(settings) as sim:
    {then}
print("stopped", flush=True)
"""


def _script(tmp_path: Path, *, then: str = "say(sim)", db: str = "") -> Path:
    path = tmp_path / "serve.py"
    path.write_text(textwrap.dedent(_SERVE).format(key=KEY, db=db, then=then), "utf-8")
    return path


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie — ended, not yet reaped — is not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _gone(pid: int, within: float = 15.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def test_the_simulator_serves_from_a_forked_process_and_the_run_never_imports_the_server(
    tmp_path,
):
    done = subprocess.run(
        [sys.executable, str(_script(tmp_path))], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.splitlines()[0])
    assert said["kind"] == "ServedSimulator", said
    assert said["child"] != said["me"], "the simulator answered from its own process"
    assert said["patients"] > 0, "its control API answered"
    assert said["server_imported_here"] == [], (
        f"the run's process imported the server it no longer runs: {said['server_imported_here']}"
    )
    assert done.stdout.splitlines()[-1] == "stopped"
    assert _gone(said["child"]), "the simulator's process ended with the block"


def test_the_simulator_process_ends_when_the_run_is_killed(tmp_path):
    process = subprocess.Popen(
        [sys.executable, str(_script(tmp_path, then="wait(sim)"))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.communicate(timeout=30)[1][-3000:]
        child = json.loads(line)["child"]
        assert _alive(child)
        process.kill()  # SIGKILL: the run cannot tell its child anything
        process.wait(timeout=30)
        assert _gone(child), "the simulator's process outlived a killed run"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_ctrl_c_to_the_process_group_stops_the_run_and_its_simulator(tmp_path):
    """A terminal's Ctrl-C reaches every process of the group; the simulator's ignores it
    and ends when the run, which decides, closes its pipe."""
    process = subprocess.Popen(
        [sys.executable, str(_script(tmp_path, then="wait(sim)"))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line, process.communicate(timeout=30)[1][-3000:]
        child = json.loads(line)["child"]
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
        assert "KeyboardInterrupt" in err, err[-2000:]  # the run got it, as it should
        after = [json.loads(line) for line in out.splitlines() if line.startswith('{"after"')]
        assert after, f"the simulator stopped with the Ctrl-C, before the run: {err[-1500:]}"
        assert after[0]["after"] == 200
        assert _gone(child), "the simulator's process outlived the run"
        with pytest.raises(ProcessLookupError):
            os.killpg(process.pid, 0)  # nothing of the group is left
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_simulator_that_cannot_start_says_why(tmp_path):
    script = _script(tmp_path, db=str(tmp_path / "no-such-folder" / "sim.db"))
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120)  # fmt: skip
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert "SimulatorError" in last, done.stderr[-3000:]
    assert "the simulator's process did not start" in last, last
    assert "unable to open database file" in last, last
    assert KEY not in done.stderr + done.stdout


def test_the_childs_stderr_is_shown_without_the_secrets():
    process = object.__new__(SimulatorProcess)  # no fork: only what it kept of the child
    process._stderr = deque([f"ERROR: refused key {KEY}", "plain line"])
    tail = process.stderr_tail((KEY, ""))
    assert KEY not in "".join(tail), tail
    assert tail[1] == "plain line"


def test_thread_mode_serves_the_simulator_in_the_run(tmp_path):
    script = _script(tmp_path)
    environ = {**os.environ, "EPROM_EMBEDDED_SIMULATOR": "thread"}
    source = script.read_text("utf-8").replace('assert start_simulator_early(), "forked"',
                                               "assert not start_simulator_early()")  # fmt: skip
    source = source.replace('"child": sim._process.pid', '"child": os.getpid()')
    script.write_text(source, "utf-8")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          timeout=120, env=environ)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    said = json.loads(done.stdout.splitlines()[0])
    assert said["kind"] == "RunningSimulator", said


def test_an_unknown_simulator_mode_is_one_clear_line_and_exit_2(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["EPROM_EMBEDDED_SIMULATOR"] = "fork"
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(tmp_path / "r")],
        capture_output=True, text=True, timeout=120, env=environ, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().splitlines() == [
        "eprom-verify: error: EPROM_EMBEDDED_SIMULATOR='fork' is not known — use 'process' or "
        "'thread'"
    ]
    assert not (tmp_path / "r").exists(), "nothing written"


def test_the_simulator_package_gives_every_name_it_exports():
    """Its names are imported when first asked for (so the run's process never imports the
    server); each still comes from the package, and nothing else does."""
    import eprom_verify.simulator as package

    assert sorted(package.__all__) == sorted(package._HOMES)
    for name in package.__all__:
        assert getattr(package, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        package.nothing_here  # noqa: B018

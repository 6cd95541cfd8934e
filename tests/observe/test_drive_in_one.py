"""drive_in_one.py runs a step of the example's command line in its own interpreter and gives
drive.py what the step's process would have: the exit code, stdout, the end of stderr."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from .conftest import EXAMPLE

HERE = Path(__file__).resolve().parent
SYSTEM = [sys.executable, str(EXAMPLE / "ordering_system.py")]

#: asks drive_in_one.run_step for each command line of argv[1] (JSON) and prints the answers
IN_ONE = """\
import json, os, sys
import drive_in_one
answers = []
key = os.environ["EPROM_API_KEY"]
for args in json.loads(sys.argv[1]):
    os.environ["EPROM_API_KEY"] = "" if args[0] == "email" else key
    done = drive_in_one.run_step([*drive_in_one.drive.SYSTEM, *args], capture_output=True,
                                 text=True, timeout=60)
    answers.append([done.returncode, done.stdout, done.stderr])
print(json.dumps(answers))
"""


@pytest.fixture
def eprom() -> Iterator[str]:
    """An ePROM stand-in answering every POST with 200 and an id."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            raw = b'{"id": "3f2c1a9e-0000-4000-8000-000000000001"}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/promswebapi"
    finally:
        server.shutdown()
        server.server_close()


def test_a_step_in_one_interpreter_answers_as_its_process(tmp_path: Path, eprom: str) -> None:
    steps = [
        ["sms", "--reference", "r1", "--national-id", "1", "--text", "hei"],  # 200
        ["sms", "--reference", "r2", "--national-id", "1"],  # argparse: exit 2
        ["email", "--reference", "r3", "--national-id", "1", "--text", "x"],  # no key: exit 1
    ]
    env = {**os.environ, "EPROM_PROMS_API_BASE_URL": eprom, "EPROM_API_KEY": "in-one-key",
           "EXAMPLE_DB": str(tmp_path / "process.db"), "EXAMPLE_FAULT": ""}  # fmt: skip
    processes = []
    for args in steps:
        step_env = {**env, **({"EPROM_API_KEY": ""} if args[0] == "email" else {})}
        done = subprocess.run([*SYSTEM, *args], capture_output=True, text=True, env=step_env,
                              timeout=60, check=False)  # fmt: skip
        processes.append([done.returncode, done.stdout, done.stderr])
    env["EXAMPLE_DB"] = str(tmp_path / "in-one.db")
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-c", IN_ONE, json.dumps(steps)], capture_output=True,
                          text=True, env=env, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    in_one = json.loads(done.stdout)
    for args, process, here in zip(steps, processes, in_one, strict=True):
        # exit code and stdout as the process gave them; stderr's last line (the message)
        assert [here[0], here[1]] == [process[0], process[1]], (args, process, here)
        last = [text.strip().splitlines()[-1:] for text in (process[2], here[2])]
        assert last[0] == last[1], (args, process[2], here[2])
    assert [p[0] for p in processes] == [0, 2, 1], processes
    assert json.loads(processes[0][1])["status"] == 200

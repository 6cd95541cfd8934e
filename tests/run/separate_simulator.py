"""An ePROM-compatible server (the simulator) in its own process, and the one run against it
that several tests only read (issue 25)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from full_runs import full_run, shared

FAKE_KEY = "sk-FAKE-0123456789-ABCDEFGHIJKLMNOP"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SeparateSimulator:
    """The simulator as its own process, started in ``folder``; ``stop()`` ends it."""

    def __init__(self, folder: Path, extra: dict | None = None) -> None:
        sim_port, self.listen_port = free_port(), free_port()
        folder.mkdir(parents=True)
        settings = {
            "orderingSystems": [
                {
                    "name": "Testregisteret",
                    "apiKey": FAKE_KEY,
                    "callbackBaseUrl": f"http://127.0.0.1:{self.listen_port}",
                }
            ],
            **(extra or {}),
        }
        (folder / "simulator.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
        self.log = (folder / "simulator.log").open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "eprom_verify", "simulator", "--port", str(sim_port),
             "--config", str(folder / "simulator.yaml"), "--db", str(folder / "sim.sqlite3")],
            stdout=self.log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        base = f"http://127.0.0.1:{sim_port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            self.process.kill()
            self.process.wait(timeout=10)
            self.log.close()
            pytest.fail("the simulator did not start: " + (folder / "simulator.log").read_text())
        self.base_url = base + "/promswebapi"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.log.close()


#: the selection of the shared run against a separate simulator: the V1 orders of the
#: verification person, the unreachable and mailbox-only persons, and the letter and
#: message refusals (test_separate_process.py); test_run_tables_agree.py reads it as well
SEPARATE_SELECTION = (
    "test_v1_order and (verification-person or unreachable or mailbox-only) "
    "or test_letter_refused or test_unsecure_message or test_documented_refusal"
)


def separate_run(factory: pytest.TempPathFactory) -> dict:
    """``run --base-url`` against a simulator in its own process, with the fake key and a
    system version, made once a session (``full_runs.shared``): test_separate_process.py
    looks for leaks in it, test_run_tables_agree.py re-derives its tables."""

    def make(folder: Path) -> dict:
        simulator = SeparateSimulator(folder / "simulator")
        try:
            result = full_run(
                folder, None, "--base-url", simulator.base_url,
                "--callback-listen", f"127.0.0.1:{simulator.listen_port}",
                "--callback-timeout", "10", "--duplicate-window", "0.3", "--fill", "skip",
                "--ordering-system", "Testregisteret", "--", "-k", SEPARATE_SELECTION,
                key=FAKE_KEY, env={"EPROM_SYSTEM_VERSION": "v2.3.1"},
            )  # fmt: skip
        finally:
            simulator.stop()
        return {**result, "base_url": simulator.base_url, "listen_port": simulator.listen_port}

    spec = {"separate": SEPARATE_SELECTION, "system_version": "v2.3.1"}
    return shared(factory, "separate-simulator", spec, make)

"""Shared by the run tests: an ePROM-compatible server (the simulator) in its own process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx
import pytest
import yaml

FAKE_KEY = "sk-FAKE-0123456789-ABCDEFGHIJKLMNOP"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def separate_simulator_factory(tmp_path):
    """Start the simulator as its own process: ``start(extra_settings) → (base, port, key)``."""
    processes = []

    def start(extra: dict | None = None):
        sim_port, listen_port = free_port(), free_port()
        folder = tmp_path / f"simulator-{len(processes)}"
        folder.mkdir()
        settings = {
            "orderingSystems": [
                {
                    "name": "Testregisteret",
                    "apiKey": FAKE_KEY,
                    "callbackBaseUrl": f"http://127.0.0.1:{listen_port}",
                }
            ],
            **(extra or {}),
        }
        (folder / "simulator.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
        log = (folder / "simulator.log").open("w")
        process = subprocess.Popen(
            [sys.executable, "-m", "eprom_verify", "simulator", "--port", str(sim_port),
             "--config", str(folder / "simulator.yaml"), "--db", str(folder / "sim.sqlite3")],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        processes.append((process, log))
        base = f"http://127.0.0.1:{sim_port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if httpx.get(base + "/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            process.kill()
            pytest.fail("the simulator did not start: " + (folder / "simulator.log").read_text())
        return base + "/promswebapi", listen_port, FAKE_KEY

    yield start
    for process, log in processes:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture
def separate_simulator(separate_simulator_factory, request):
    base, listen_port, _key = separate_simulator_factory(getattr(request, "param", {}))
    return base, listen_port

"""The Containerfile (issue 22, item 1): what it promises, and its HEALTHCHECK run for real.

CI builds and runs the image itself (.ci/container, with buildah); these tests need no
container tool.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from eprom_verify.simulator import RunningSimulator

ROOT = Path(__file__).resolve().parents[2]
CONTAINERFILE = (ROOT / "Containerfile").read_text(encoding="utf-8")


def test_the_dockerfile_is_the_containerfile() -> None:
    assert (ROOT / "Dockerfile").read_text(encoding="utf-8") == CONTAINERFILE, (
        "Dockerfile differs from Containerfile: `cp Containerfile Dockerfile`"
    )


def test_the_image_promises_a_slim_base_a_user_a_port_and_a_health_check() -> None:
    lines = [line for line in CONTAINERFILE.splitlines() if not line.startswith("#")]
    text = "\n".join(lines)
    assert re.search(r"^ARG BASE=\S+-slim$", text, re.MULTILINE)
    assert re.search(r"^FROM \$\{BASE\}$", text, re.MULTILINE)
    [user] = re.findall(r"^USER (\S+)$", text, re.MULTILINE)
    assert user.split(":")[0] not in ("0", "root")
    assert re.search(r"^EXPOSE 8765$", text, re.MULTILINE)
    assert "EPROM_SIM_PORT=8765" in text
    assert "curl" not in text
    assert "wget" not in text
    assert re.search(r'^ENTRYPOINT \["eprom-verify", "simulator"\]$', text, re.MULTILINE)
    # no registry or mirror is named: the base is a build argument, pip uses its own config
    assert re.findall(r"[a-z]+://[^/'\s]+", CONTAINERFILE) == ["http://127.0.0.1:%s"]


def _healthcheck() -> list[str]:
    joined = CONTAINERFILE.replace("\\\n", " ")
    [command] = re.findall(r"^HEALTHCHECK .*? CMD (\[.*\])$", joined, re.MULTILINE)
    args: list[str] = json.loads(command)
    return args


def _run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    args = _healthcheck()
    assert args[0] == "python3"
    return subprocess.run(
        [sys.executable, *args[1:]],
        env={**os.environ, "EPROM_SIM_PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_healthcheck_passes_on_a_ready_simulator(sim: RunningSimulator) -> None:
    result = _run_healthcheck(sim.port)
    assert result.returncode == 0, result.stderr


def test_the_healthcheck_fails_when_nothing_answers() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, not listening: connection refused
        result = _run_healthcheck(port)
    assert result.returncode != 0
    assert "Connection refused" in result.stderr


def test_the_healthcheck_fails_on_a_503(sim: RunningSimulator) -> None:
    sim.app.state.serving = False
    try:
        result = _run_healthcheck(sim.port)
    finally:
        sim.app.state.serving = True
    assert result.returncode != 0
    assert "503" in result.stderr

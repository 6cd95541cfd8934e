"""Run an ASGI app with uvicorn on a free loopback port in a thread (for the receiver tests)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from examples.reference_receiver import CallbackStore, build_app

from .faults import FAULTS

__all__ = ["check_faulty_receiver", "serve"]

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def serve(app: Any, *, start_timeout_s: float = 10.0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (port 0); yield its base URL; stop it on exit."""
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="error", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="receiver-under-test", daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout_s
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the receiver under test did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def check_faulty_receiver(
    fault: str, key: str, report_dir: Path, *, max_examples: int
) -> tuple[subprocess.CompletedProcess[str], str]:
    """``eprom-verify check-receiver`` (CLI, CI=true) against the reference receiver with
    ``fault``; it must exit 1. Returns the finished process (its stdout is the terminal)
    and the receiver's URL."""
    app = build_app(FAULTS[fault](key, CallbackStore(":memory:")))
    with serve(app) as url:
        command = [
            sys.executable, "-m", "eprom_verify", "check-receiver", "--receiver-url", url,
            "--max-examples", str(max_examples), "--report-dir", str(report_dir),
        ]  # fmt: skip
        env = {**os.environ, "EPROM_API_KEY": key, "PYTHONPATH": str(ROOT), "CI": "true"}
        done = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=240
        )
    assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
    return done, url

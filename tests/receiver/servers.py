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

import pytest
import uvicorn

from examples.reference_receiver import CallbackStore, build_app

from .faults import FAULTS

__all__ = ["check_faulty_receiver", "serve", "shared_check", "SHARED_FAULTS", "SHARED_KEY"]

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
    fault: str | tuple[str, ...], key: str, report_dir: Path, *, max_examples: int
) -> tuple[subprocess.CompletedProcess[str], str]:
    """``eprom-verify check-receiver`` (CLI, CI=true) against the reference receiver with
    ``fault`` (or several, a class made of theirs); it must exit 1. Returns the finished
    process (its stdout is the terminal) and the receiver's URL."""
    faults = (fault,) if isinstance(fault, str) else fault
    receiver = type("_".join(faults), tuple(FAULTS[f] for f in faults), {})
    app = build_app(receiver(key, CallbackStore(":memory:")))
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


#: the one check-receiver run test_report_evidence.py and test_report_languages.py read
#: (issue 25): a receiver that crashes on malformed JSON (R4's check fails) and refuses
#: unknown fields (R1's four generated checks fail) — no check fails for both
SHARED_FAULTS = ("crashes_on_bad_json", "refuses_unknown_fields")
SHARED_KEY = "report-key-5d1c8e7a0f93"
SHARED_GROUP = pytest.mark.xdist_group("check-receiver-" + "+".join(SHARED_FAULTS))
_SHARED: dict[str, tuple[subprocess.CompletedProcess[str], str, Path]] = {}


def shared_check(
    factory: pytest.TempPathFactory,
) -> tuple[subprocess.CompletedProcess[str], str, Path]:
    """The process, the receiver's URL and the report folder of the shared run: made by the
    first test to ask in this process (the readers carry ``SHARED_GROUP``, one worker)."""
    if "run" not in _SHARED:
        folder = factory.mktemp("check-receiver-shared")
        done, url = check_faulty_receiver(SHARED_FAULTS, SHARED_KEY, folder, max_examples=3)
        [report_dir] = [p for p in folder.iterdir() if p.is_dir()]
        _SHARED["run"] = (done, url, report_dir)
    return _SHARED["run"]

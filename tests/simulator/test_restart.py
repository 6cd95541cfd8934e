"""Kill the simulator with SIGKILL while callbacks are pending; a restart delivers each once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from .conftest import KEY, LOOPBACK, order_body
from .forked import ONE_SERVER, Forked, start_simulator
from .receiver import Receiver, free_port

pytestmark = ONE_SERVER

ORDERS = 20


@contextmanager
def simulator_process(
    port: int,
    db: Path,
    config: Path,
    *extra: str,
    stop: int = signal.SIGKILL,
    interpreter: bool = False,
) -> Iterator[subprocess.Popen[bytes] | Forked]:
    """``eprom-verify simulator`` as a process (``extra``: further options), ready to serve;
    ended with ``stop`` (SIGKILL by default: a crash; SIGTERM lets a supervisor end its
    workers), then killed if it has not ended within 20 s.

    Forked from the pre-imported server of ``forked.py`` (~0.1 instead of ~1 CPU-s a start);
    ``interpreter=True``: ``python -m eprom_verify.simulator``, a fresh interpreter."""
    # its log goes to a file: a pipe nobody reads fills up and stops the simulator
    log = tempfile.NamedTemporaryFile(prefix="simulator-", suffix=".log")  # noqa: SIM115
    arguments = ["--port", str(port), "--db", str(db), "--config", str(config), *extra]
    process: subprocess.Popen[bytes] | Forked
    if interpreter:
        command = [sys.executable, "-m", "eprom_verify.simulator", *arguments]
        process = subprocess.Popen(command, stdout=log, stderr=log)
    else:
        process = start_simulator(arguments, Path(log.name))
    try:
        deadline = time.monotonic() + 60  # a bound for a loaded machine, not a timing
        while True:
            try:
                LOOPBACK.get(f"http://127.0.0.1:{port}/_simulator/ordering-systems", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    process.kill()
                    process.wait(10)
                    log.seek(0)
                    raise RuntimeError(
                        f"simulator did not start within 60 s: {log.read()[-2000:]!r}"
                    ) from None
                time.sleep(0.05)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(stop)
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
        process.wait(10)
        log.close()


def test_pending_callbacks_survive_sigkill_and_are_delivered_once(tmp_path: Path) -> None:
    receiver_port, port = free_port(), free_port()
    config = tmp_path / "simulator.yaml"
    config.write_text(
        "orderingSystems:\n"
        f"  - {{name: kill-test, apiKey: {KEY}, callbackBaseUrl: 'http://127.0.0.1:{receiver_port}/cb'}}\n"
        "retry: {baseSeconds: 0.05, maxSeconds: 0.2}\n",
        encoding="utf-8",
    )
    db = tmp_path / "simulator.db"
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Basic {KEY}"}

    with simulator_process(port, db, config, interpreter=True) as first_life:
        ids = [
            LOOPBACK.post(
                f"{base}/promswebapi/api/v2/formorder", json=order_body(), headers=headers
            ).json()["id"]
            for _ in range(ORDERS)
        ]
        deadline = time.monotonic() + 10
        while True:  # every callback has failed at least once: the receiver is down
            rows = LOOPBACK.get(f"{base}/_simulator/outbox").json()
            if len(rows) == ORDERS and all(row["attempts"] for row in rows):
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.05)
        assert all(row["state"] == "pending" for row in rows)
        os.kill(first_life.pid, signal.SIGKILL)
        first_life.wait(10)

    with Receiver(receiver_port) as receiver:
        with simulator_process(port, db, config):
            got = receiver.wait_for(ORDERS, timeout=15)
            assert sorted(c.body["formOrderId"] for c in got) == sorted(ids)
            assert len(receiver.settle(0.5)) == ORDERS
        with simulator_process(port, db, config):  # a third life owes nothing
            assert len(receiver.settle(0.8)) == ORDERS
            states = {row["state"] for row in LOOPBACK.get(f"{base}/_simulator/outbox").json()}
            assert states == {"delivered"}

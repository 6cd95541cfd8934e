"""A simulator whose ordering system calls back a recording reference receiver (both in
threads, on free loopback ports), shared by the outbound fuzz tests."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import uvicorn

from eprom_verify.simulator import (
    OrderingSystem,
    RunningSimulator,
    SimulatorSettings,
    run_in_thread,
)
from examples.reference_receiver import CallbackReceiver, CallbackStore, Endpoint, build_app

KEY = "fuzz-key-3d8a61c0e94b"
TODAY = dt.date(2026, 11, 22)


@dataclass(frozen=True)
class Delivery:
    """One callback as the ordering system got it, and what the reference receiver answered."""

    endpoint: Endpoint
    body: bytes
    status: int
    answer: dict[str, Any]

    def data(self) -> Any:
        import json

        return json.loads(self.body)


class RecordingReceiver(CallbackReceiver):
    """The reference receiver (which validates with the contract models), keeping every call."""

    def __init__(self, api_key: str, store: CallbackStore) -> None:
        super().__init__(api_key, store)
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()

    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        status, answer = super().handle(endpoint, body, authorization)
        with self._lock:
            self.deliveries.append(Delivery(endpoint, body, status, answer))
        return status, answer

    def snapshot(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)


@pytest.fixture(scope="session")
def recording_receiver() -> Iterator[tuple[RecordingReceiver, str]]:
    receiver = RecordingReceiver(KEY, CallbackStore(":memory:"))
    config = uvicorn.Config(
        build_app(receiver), host="127.0.0.1", port=0, log_level="error", lifespan="off", ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="fuzz-receiver", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the recording receiver did not start")
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield receiver, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def fuzz_simulator(recording_receiver: tuple[RecordingReceiver, str]) -> Iterator[RunningSimulator]:
    settings = SimulatorSettings(
        ordering_systems=[
            OrderingSystem(
                name="fuzzed-system", api_key=KEY, callback_base_url=recording_receiver[1]
            )
        ],
        today=TODAY,
        retry_base_seconds=0.05,
        retry_max_seconds=0.2,
        sweep_interval_seconds=0.05,
    )
    with run_in_thread(settings) as running:
        yield running
        running.check_errors()

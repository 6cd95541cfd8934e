"""Shared by the run tests: an ePROM-compatible server (the simulator) in its own process."""

from __future__ import annotations

import pytest
from separate_simulator import FAKE_KEY, SeparateSimulator, free_port

__all__ = ["FAKE_KEY", "free_port"]


@pytest.fixture
def separate_simulator_factory(tmp_path):
    """Start the simulator as its own process: ``start(extra_settings) → (base, port, key)``."""
    started: list[SeparateSimulator] = []

    def start(extra: dict | None = None):
        simulator = SeparateSimulator(tmp_path / f"simulator-{len(started)}", extra)
        started.append(simulator)
        return simulator.base_url, simulator.listen_port, FAKE_KEY

    yield start
    for simulator in started:
        simulator.stop()


@pytest.fixture
def separate_simulator(separate_simulator_factory, request):
    base, listen_port, _key = separate_simulator_factory(getattr(request, "param", {}))
    return base, listen_port

"""The fixture factory in use: a fresh simulator and a shared, reset-per-test one."""

from __future__ import annotations

from eprom_verify.pytest.simulator_fixture import simulator_fixture
from eprom_verify.simulator import RunningSimulator

fresh_simulator = simulator_fixture(name="fresh_simulator")
shared_simulator = simulator_fixture(name="shared_simulator", shared=True)


def test_fresh_simulator(fresh_simulator: RunningSimulator) -> None:
    assert fresh_simulator.base_url.endswith("/promswebapi")
    assert fresh_simulator.api_key.startswith("demo-")


def test_shared_simulator_first_use(shared_simulator: RunningSimulator) -> None:
    shared_simulator.control.add_fault("drop")
    assert len(shared_simulator.control.faults()) == 1


def test_shared_simulator_is_reset_for_the_next_test(shared_simulator: RunningSimulator) -> None:
    assert shared_simulator.control.faults() == []

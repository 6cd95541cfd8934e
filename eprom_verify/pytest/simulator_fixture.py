"""pytest fixtures for a running simulator, to import into a ``conftest.py``.

::

    from eprom_verify.pytest.simulator_fixture import simulator_fixture

    simulator = simulator_fixture()                                   # a new simulator per test
    shared_simulator = simulator_fixture(name="shared_simulator", shared=True)

Both are function-scoped fixtures yielding a :class:`~eprom_verify.simulator.RunningSimulator`.
``shared=True`` starts one server per test session (on first use) and resets it (orders,
outbox, faults, inboxes) before each test — the pytest-httpserver pattern. When a test ends,
anything that failed inside the simulator is raised in the test (``check_errors``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest

from eprom_verify.simulator.server import RunningSimulator, run_in_thread
from eprom_verify.simulator.settings import SimulatorSettings

__all__ = ["simulator_fixture"]

SettingsSource = SimulatorSettings | Callable[[], SimulatorSettings] | None


def simulator_fixture(
    settings: SettingsSource = None, *, name: str = "simulator", shared: bool = False
) -> Any:
    """A function-scoped pytest fixture named ``name`` that yields a running simulator.

    ``settings``: the settings, or a function making them (default ``SimulatorSettings()``:
    fixtures/ and a demo ordering system).
    """

    def make() -> SimulatorSettings:
        if settings is None:
            return SimulatorSettings()
        return settings() if callable(settings) else settings

    if not shared:

        @pytest.fixture(name=name)
        def _fresh() -> Iterator[RunningSimulator]:
            with run_in_thread(make()) as running:
                yield running

        return _fresh

    key = pytest.StashKey[tuple[AbstractContextManager[RunningSimulator], RunningSimulator]]()

    @pytest.fixture(name=name)
    def _shared(request: pytest.FixtureRequest) -> Iterator[RunningSimulator]:
        config = request.config
        if key in config.stash:
            running = config.stash[key][1]
            running.control.reset()
        else:
            manager = run_in_thread(make())
            running = manager.__enter__()
            config.stash[key] = (manager, running)

            def stop() -> None:
                manager.__exit__(None, None, None)

            config.add_cleanup(stop)
        yield running
        running.check_errors()

    return _shared

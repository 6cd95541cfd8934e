"""The embedded ePROM simulator: a real HTTP server, faithful to the documented API.

Same paths, authentication, validation, error texts and channel rules as ePROM; callbacks
are delivered asynchronously from a persisted outbox with retries; a control API plays the
patient and injects faults. See docs/simulator.md.

>>> from eprom_verify.simulator import SimulatorSettings, run_in_thread
>>> with run_in_thread(SimulatorSettings()) as sim:  # doctest: +SKIP
...     sim.base_url, sim.api_key, sim.control.inbox("26670271527")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from eprom_verify.contract import CallbackKind
    from eprom_verify.simulator.actors import generate_answers
    from eprom_verify.simulator.app import create_app
    from eprom_verify.simulator.control import ControlClient
    from eprom_verify.simulator.errors import Refusal, SimulatorError
    from eprom_verify.simulator.faults import Fault, FaultBook, FaultTarget, FaultType
    from eprom_verify.simulator.portal_capture import picture_of_portal
    from eprom_verify.simulator.server import PortInUse, RunningSimulator, run_in_thread
    from eprom_verify.simulator.settings import OrderingSystem, SimulatorSettings, load_settings

#: where each name lives: imported when first asked for (PEP 562), so that a process that
#: needs the settings, the control client or the portal pictures does not import the server
#: (FastAPI, uvicorn: half a second) — the run serves its simulator from a child process
_HOMES = {
    "CallbackKind": "eprom_verify.contract",
    "ControlClient": "eprom_verify.simulator.control",
    "Fault": "eprom_verify.simulator.faults",
    "FaultBook": "eprom_verify.simulator.faults",
    "FaultTarget": "eprom_verify.simulator.faults",
    "FaultType": "eprom_verify.simulator.faults",
    "OrderingSystem": "eprom_verify.simulator.settings",
    "PortInUse": "eprom_verify.simulator.server",
    "Refusal": "eprom_verify.simulator.errors",
    "RunningSimulator": "eprom_verify.simulator.server",
    "SimulatorError": "eprom_verify.simulator.errors",
    "SimulatorSettings": "eprom_verify.simulator.settings",
    "create_app": "eprom_verify.simulator.app",
    "generate_answers": "eprom_verify.simulator.actors",
    "load_settings": "eprom_verify.simulator.settings",
    "picture_of_portal": "eprom_verify.simulator.portal_capture",
    "run_in_thread": "eprom_verify.simulator.server",
}

__all__ = [
    "CallbackKind",
    "ControlClient",
    "Fault",
    "FaultBook",
    "FaultTarget",
    "FaultType",
    "OrderingSystem",
    "PortInUse",
    "Refusal",
    "RunningSimulator",
    "SimulatorError",
    "SimulatorSettings",
    "create_app",
    "generate_answers",
    "load_settings",
    "picture_of_portal",
    "run_in_thread",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_HOMES})

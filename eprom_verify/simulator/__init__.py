"""The embedded ePROM simulator: a real HTTP server, faithful to the documented API.

Same paths, authentication, validation, error texts and channel rules as ePROM; callbacks
are delivered asynchronously from a persisted outbox with retries; a control API plays the
patient and injects faults. See docs/simulator.md.

>>> from eprom_verify.simulator import SimulatorSettings, run_in_thread
>>> with run_in_thread(SimulatorSettings()) as sim:  # doctest: +SKIP
...     sim.base_url, sim.api_key, sim.control.inbox("26670271527")
"""

from __future__ import annotations

from eprom_verify.contract import CallbackKind
from eprom_verify.simulator.actors import generate_answers
from eprom_verify.simulator.app import create_app
from eprom_verify.simulator.control import ControlClient
from eprom_verify.simulator.errors import Refusal, SimulatorError
from eprom_verify.simulator.faults import Fault, FaultBook, FaultTarget, FaultType
from eprom_verify.simulator.portal_capture import picture_of_portal
from eprom_verify.simulator.server import PortInUse, RunningSimulator, run_in_thread
from eprom_verify.simulator.settings import OrderingSystem, SimulatorSettings, load_settings

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

"""``eprom-verify observe``: verify the user's ordering system itself (docs/observe.md).

The system runs the checklist's flows (a scenario, ``scenario.json``) against the embedded
simulator or, with ``--upstream``, through a recording relay toward Hemit; the judge decides
Hemit's checkpoints from what the system sent and how it answered the callbacks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .front import Exchange, Front, Log
from .judge import Finding, Judge
from .scenario import Scenario, Step, build_scenario

if TYPE_CHECKING:
    from .command import add_arguments, run
    from .session import Observation, ObservationSettings

__all__ = [
    "Exchange",
    "Finding",
    "Front",
    "Judge",
    "Log",
    "Observation",
    "ObservationSettings",
    "Scenario",
    "Step",
    "add_arguments",
    "build_scenario",
    "run",
]

#: loaded on first use: the command and the session start the simulator (FastAPI), which
#: the judge, the scenario and the recording front never need
_LAZY = {
    "add_arguments": ".command",
    "run": ".command",
    "Observation": ".session",
    "ObservationSettings": ".session",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

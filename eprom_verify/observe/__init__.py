"""``eprom-verify observe``: verify the user's ordering system itself (docs/observe.md).

The system runs the checklist's flows (a scenario, ``scenario.json``) against the embedded
simulator or, with ``--upstream``, through a recording relay toward Hemit; the judge decides
Hemit's checkpoints from what the system sent and how it answered the callbacks.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from eprom_verify.observe.front import Exchange, Front, Log
from eprom_verify.observe.judge import Finding, Judge
from eprom_verify.observe.scenario import Scenario, Step, build_scenario

if TYPE_CHECKING:
    from eprom_verify.observe.session import Observation, ObservationSettings

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
    "build_scenario",
]

#: loaded on first use: the session starts the simulator (FastAPI), which
#: the judge, the scenario and the recording front never need
_LAZY = {
    "Observation": ".session",
    "ObservationSettings": ".session",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

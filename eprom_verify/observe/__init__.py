"""``eprom-verify observe``: verify the user's ordering system itself (docs/observe.md).

The system runs the checklist's flows (a scenario, ``scenario.json``) against the embedded
simulator or, with ``--upstream``, through a recording relay toward Hemit; the judge decides
Hemit's checkpoints from what the system sent and how it answered the callbacks.
"""

from __future__ import annotations

from .command import add_arguments, run
from .front import Exchange, Front, Log
from .judge import Finding, Judge
from .scenario import Scenario, Step, build_scenario
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

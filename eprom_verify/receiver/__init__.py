"""Receiver conformance: play ePROM against an ordering system's own callback service.

The checks (R1–R5) are plain Python: build a :class:`ReceiverTarget`, then either call one
check ``REGISTRY.get(name)(target, target.exchanges)`` or run them all with
:func:`run_checks`. pytest only wires them in (``suites/test_receiver.py``).
"""

from . import checks as _checks  # noqa: F401  (registers the checks)
from .checks import ACKNOWLEDGED
from .corners import MALFORMED_CORNERS, corner_callbacks
from .documented import DOCUMENTED_CALLBACKS, DocumentedCallback, documented_callbacks
from .exchanges import Exchange, Exchanges, LatencySummary
from .failure import ReceiverCheckFailure, ReceiverResponse
from .malformed import MalformedCallback, malformed_callbacks
from .registry import REGISTRY, Check, CheckFunction, CheckRegistry, CheckResult, run_checks
from .target import ForgedKey, KeyChoice, ReceiverTarget

__all__ = [
    "ACKNOWLEDGED",
    "Check",
    "CheckFunction",
    "CheckRegistry",
    "CheckResult",
    "DOCUMENTED_CALLBACKS",
    "DocumentedCallback",
    "Exchange",
    "Exchanges",
    "ForgedKey",
    "KeyChoice",
    "LatencySummary",
    "MALFORMED_CORNERS",
    "MalformedCallback",
    "REGISTRY",
    "ReceiverCheckFailure",
    "ReceiverResponse",
    "ReceiverTarget",
    "corner_callbacks",
    "documented_callbacks",
    "malformed_callbacks",
    "run_checks",
]

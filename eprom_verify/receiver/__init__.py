"""Receiver conformance: play ePROM against an ordering system's own callback service.

The checks (R1–R5, :mod:`.conformance`) are plain Python: build a :class:`ReceiverTarget`,
then either call one check ``REGISTRY.get(name)(target, target.exchanges)`` or run them all
with :func:`run_checks`. pytest only wires them in (``suites/test_receiver.py``), with a
:class:`CheckProgress` line and each check's :func:`check_evidence` for the report.
"""

from . import conformance as _conformance  # noqa: F401  (registers the checks)
from .conformance import ACKNOWLEDGED
from .corners import MALFORMED_CORNERS, corner_callbacks
from .documented import DOCUMENTED_CALLBACKS, DocumentedCallback, documented_callbacks
from .evidence import CheckEvidence, check_evidence
from .exchanges import CallbackExchange, Exchanges, LatencySummary, latency_by_endpoint
from .failure import ReceiverCheckFailure, ReceiverResponse
from .malformed import MalformedCallback, malformed_callbacks
from .outcomes import ConformanceResult, run_checks
from .progress import CheckProgress
from .registry import REGISTRY, Check, CheckFunction, CheckRegistry
from .target import ForgedKey, KeyChoice, ReceiverTarget

__all__ = [
    "ACKNOWLEDGED",
    "CallbackExchange",
    "Check",
    "CheckEvidence",
    "CheckFunction",
    "CheckProgress",
    "CheckRegistry",
    "ConformanceResult",
    "DOCUMENTED_CALLBACKS",
    "DocumentedCallback",
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
    "check_evidence",
    "corner_callbacks",
    "documented_callbacks",
    "latency_by_endpoint",
    "malformed_callbacks",
    "run_checks",
]

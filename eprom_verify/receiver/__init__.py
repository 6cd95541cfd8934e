"""Receiver conformance: play ePROM against an ordering system's own callback service.

The checks (R1–R5, :mod:`.conformance`) are plain Python: build a :class:`ReceiverTarget`,
then either call one check ``REGISTRY.get(name)(target, target.exchanges)`` or run them all
with :func:`run_checks`. pytest only wires them in (``suites/test_receiver.py``), with a
:class:`CheckProgress` line and each check's :func:`check_evidence` for the report.
"""

from eprom_verify.receiver import conformance as _conformance  # noqa: F401  (registers the checks)
from eprom_verify.receiver.conformance import ACKNOWLEDGED
from eprom_verify.receiver.corners import MALFORMED_CORNERS, corner_callbacks
from eprom_verify.receiver.documented import (
    DOCUMENTED_CALLBACKS,
    DocumentedCallback,
    documented_callbacks,
)
from eprom_verify.receiver.evidence import CheckEvidence, check_evidence
from eprom_verify.receiver.exchanges import (
    CallbackExchange,
    Exchanges,
    LatencySummary,
    latency_by_endpoint,
)
from eprom_verify.receiver.failure import ReceiverCheckFailure, ReceiverResponse
from eprom_verify.receiver.malformed import MalformedCallback, malformed_callbacks
from eprom_verify.receiver.outcomes import ConformanceResult, run_checks
from eprom_verify.receiver.progress import CheckProgress
from eprom_verify.receiver.registry import REGISTRY, Check, CheckFunction, CheckRegistry
from eprom_verify.receiver.target import ForgedKey, KeyChoice, ReceiverTarget

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

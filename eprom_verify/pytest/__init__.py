"""Everything of eprom-verify that knows pytest, in one place.

The engine (client, listener, simulator, ledger, checks, report) is plain Python; this
package wires it into pytest: the plugin (options, markers, hooks, fixtures), the
parametrization of the suites from the patients and forms files, the mapping of a test's
outcome to a report row, typed outcomes for the suites, and the terminal adapter.

The entry point is :mod:`eprom_verify.pytest.plugin`. Importing this package costs nothing
beyond pytest itself.
"""

from __future__ import annotations

from eprom_verify.pytest.outcomes import NeedsAttestation, NotRun, needs_attestation, not_run
from eprom_verify.pytest.stash import add_facts, harness_of, recorder_of
from eprom_verify.pytest.terminal import TerminalStream

__all__ = [
    "NeedsAttestation",
    "NotRun",
    "TerminalStream",
    "add_facts",
    "harness_of",
    "needs_attestation",
    "not_run",
    "recorder_of",
]

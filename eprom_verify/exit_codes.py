"""The exit codes of every ``eprom-verify`` command, in one table (docs/exit-codes.md).

======  ===========================================================================
code    meaning
======  ===========================================================================
0       done: every executed check passed (``run``, ``check-receiver``, ``observe``),
        the folder verifies (``report --verify``), the simulator stopped by SIGTERM
        (``docker stop``) and shut down cleanly
1       a check failed (or ``report --verify`` found a changed file, ``checklist`` a
        checkpoint without a test)
2       the run could not be done as asked: a bad option, file, folder, database or
        key, a refused environment, a failed pre-flight, a port in use — one line on
        stderr says what to do — or the command was interrupted (SIGINT/Ctrl-C or
        SIGTERM; the simulator SIGINT only): children ended, the report written, sealed
        and marked interrupted
======  ===========================================================================
"""

from __future__ import annotations

from enum import IntEnum

__all__ = ["ExitCode"]


class ExitCode(IntEnum):
    """0 all executed checks passed, 1 a check failed, 2 usage/configuration/interrupted."""

    OK = 0
    FAILED = 1
    USAGE = 2
    INTERRUPTED = 2  # the same code: an interrupted run proves nothing either way

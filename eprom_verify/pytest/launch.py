"""Starting pytest from the command line tools (``run``, ``check-receiver``, ``checklist``).

The one place outside the plugin where pytest itself is called; the CLI modules ask here.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

__all__ = ["INTERRUPTED", "USAGE_ERROR", "run_pytest"]

INTERRUPTED = int(pytest.ExitCode.INTERRUPTED)
USAGE_ERROR = int(pytest.ExitCode.USAGE_ERROR)


def run_pytest(args: Sequence[str], *, plugins: Sequence[object] = ()) -> int:
    """``pytest.main(args)`` in this process; its exit code as an int."""
    return int(pytest.main(list(args), plugins=list(plugins)))

"""The example's drive.py with every step in this one interpreter (issue 25).

``examples/ordering_system/drive.py`` performs each scenario step by starting the system's
command line, ``ordering_system.py order …``: 12 interpreters an observation, each ~0.1 CPU-s
to start and import ``urllib.request`` — most of what an observation's children cost. Here
drive.py runs unchanged except that its ``subprocess.run`` of the system's command line calls
``ordering_system.main(args)`` in this process (its stdout, stderr and exit code as the
process would have given them). The requests, the system's database, its faults
(``EXAMPLE_FAULT``, read at each call) and the waiting for the answers are drive.py's and the
system's own.

The tests whose claim is about a fault or a leg of the observation use this; the passing
observation of test_example.py (read by test_tables_agree.py too) and test_without_drive.py
run drive.py itself, a process per step, as a user does.
"""

from __future__ import annotations

import contextlib
import io
import subprocess
import sys
import traceback
import types
from pathlib import Path
from typing import Any

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ordering_system"
sys.path.insert(0, str(EXAMPLE))

import drive  # noqa: E402
import ordering_system  # noqa: E402


def run_step(argv: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
    """What ``subprocess.run([*drive.SYSTEM, *args], capture_output=True, text=True)`` gives,
    with ``ordering_system.main(args)`` run here."""
    if argv[: len(drive.SYSTEM)] != drive.SYSTEM:
        raise AssertionError(f"drive.py ran something other than the system: {argv}")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = ordering_system.main(argv[len(drive.SYSTEM) :])
        except SystemExit as stop:  # as the interpreter ends on it
            if isinstance(stop.code, int) or stop.code is None:
                code = stop.code or 0
            else:
                print(stop.code, file=sys.stderr)
                code = 1
        except Exception:  # an uncaught exception: the traceback on stderr, exit 1
            traceback.print_exc()
            code = 1
    return subprocess.CompletedProcess(argv, code, out.getvalue(), err.getvalue())


drive.subprocess = types.SimpleNamespace(run=run_step)  # type: ignore[assignment]

if __name__ == "__main__":
    sys.exit(drive.main())

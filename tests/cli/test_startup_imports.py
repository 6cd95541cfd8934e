"""What the command's own process imports at start: only what its commands use."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
from eprom_verify.cli import main
try:
    main(["check-receiver", "--help"])
except SystemExit:
    pass
import httpx
with httpx.Client() as client:  # the client the receiver checks use still works
    pass
print(sorted(m for m in ("rich", "httpx._main") if sys.modules.get(m) is not None))
"""


def test_the_command_does_not_import_httpx_s_own_command_line():
    # httpx imports its CLI (click, rich, pygments) whenever they are installed;
    # check-receiver never runs it, so its process marks that module absent (~0.05 CPU-s)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip().splitlines()[-1] == "[]", (
        f"expected neither rich nor httpx._main imported; received {done.stdout!r}"
    )


def test_a_process_that_imported_httpx_first_keeps_its_command_line():
    # a library user's process (httpx already imported) is left as it was
    probe = "import httpx, sys\n" + PROBE.replace("import sys\n", "", 1)
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "httpx._main" in done.stdout.strip().splitlines()[-1]

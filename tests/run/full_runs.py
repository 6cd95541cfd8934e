"""Full ``eprom-verify run``s in a subprocess, and the ones several tests only read (issue 25).

A full run costs 5–10 CPU-seconds. Tests that only read the same run's output (the passing
run, one fault's run) share it through :func:`shared_run`: the first test to ask — on any
pytest-xdist worker — makes it, the others wait on a file lock in the session's base
temporary folder (shared by the workers) and read the stored result. Each test still
asserts on its own, so a failure names the test and the run's folder.

The portal pictures (headless Chromium, ~2 CPU-s a run) are left out of the runs that do
not look at them (``EPROM_PORTAL_PICTURES=0``); the passing shared run keeps them and a
test checks they are in its report.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = ["V1", "full_run", "on_run", "shared_run", "v1_duplicate_status", "v1_passing"]

#: the V1 tests of one test person: the smallest selection that places orders
V1 = "test_v1_order and verification-person-Basic"
#: one status callback delivered twice
DUPLICATE_STATUS = {"type": "duplicate", "callback": "status", "times": 1}


def full_run(
    folder: Path,
    fault: dict | list[dict] | None,
    *args: str,
    key: str | None = None,
    pictures: bool = False,
) -> dict[str, Any]:
    """``eprom-verify run`` with ``fault`` (applied by the embedded simulator) and ``args``.

    ``fault`` is one fault or a list of them (one fault file with several entries).

    Returns the exit code, stdout + stderr, the parsed ``report.json`` and its folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(folder / "r")]
    if fault is not None:
        faults = fault if isinstance(fault, list) else [fault]
        (folder / "faults.yaml").write_text(yaml.safe_dump({"faults": faults}), "utf-8")
        command += ["--simulator-faults", str(folder / "faults.yaml")]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    if not pictures:
        environ["EPROM_PORTAL_PICTURES"] = "0"
    if key is not None:
        environ["EPROM_API_KEY"] = key
    done = subprocess.run(
        [*command, *args], capture_output=True, text=True, cwd=folder, env=environ, timeout=600,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    reports = sorted((folder / "r").glob("*/report.json"))
    report = json.loads(reports[-1].read_text("utf-8")) if reports else {}
    return {
        "code": done.returncode,
        "out": done.stdout + done.stderr,
        "report": report,
        "folder": reports[-1].parent if reports else None,
    }


def _session_root(factory: pytest.TempPathFactory) -> Path:
    """The base temporary folder every pytest-xdist worker of this session shares."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def shared_run(
    factory: pytest.TempPathFactory,
    name: str,
    fault: dict | list[dict] | None,
    *args: str,
    pictures: bool = False,
) -> dict[str, Any]:
    """:func:`full_run` once per session for ``name``; every later call reads its result.

    The same ``name`` must always mean the same run: a call with another fault or other
    arguments is a mistake in the tests and fails loudly.
    """
    root = _session_root(factory) / "shared-runs"
    root.mkdir(parents=True, exist_ok=True)
    spec = {"fault": fault, "args": list(args), "pictures": pictures}
    stored = root / name / "result.json"
    with (root / f"{name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if stored.exists():
            result: dict[str, Any] = json.loads(stored.read_text("utf-8"))
            if result["spec"] != spec:
                pytest.fail(
                    f"shared run {name!r} was made as {result['spec']}, now asked as {spec}",
                    pytrace=False,
                )
            result["folder"] = Path(result["folder"]) if result["folder"] else None
            return result
        result = full_run(root / name, fault, *args, pictures=pictures)
        folder = result["folder"]
        stored.write_text(
            json.dumps({**result, "folder": str(folder) if folder else None, "spec": spec}),
            "utf-8",
        )
        return {**result, "spec": spec}


def on_run(name: str) -> pytest.MarkDecorator:
    """The tests that read the shared run ``name`` go to one pytest-xdist worker (``--dist
    loadgroup``): the first makes the run, the next read it, no other worker waits on it."""
    return pytest.mark.xdist_group(f"full-run-{name}")


def v1_passing(factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``run -- -k V1`` with no fault (CI=true): what test_terminal_output.py and
    test_allure.py read."""
    return shared_run(factory, "v1-passing", None, "--", "-k", V1)


def v1_duplicate_status(factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``run -- -k V1`` with one status callback delivered twice: test_terminal_output.py
    reads what it printed, test_run_faults.py its report."""
    return shared_run(factory, "v1-duplicate-status", [DUPLICATE_STATUS], "--", "-k", V1)

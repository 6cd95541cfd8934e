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
import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = [
    "TRUST_KEY",
    "V1",
    "full_run",
    "on_run",
    "shared",
    "shared_run",
    "v1_duplicate_status",
    "v1_forged_key_allure",
    "v1_passing",
]

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
    env: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """``eprom-verify run`` with ``fault`` (applied by the embedded simulator) and ``args``.

    ``fault`` is one fault or a list of them (one fault file with several entries);
    ``settings`` more of the embedded simulator's settings in that file (such as
    ``reportOwnPrivacyChanges``); ``env`` more environment for the run.

    Returns the exit code, stdout + stderr, the parsed ``report.json`` and its folder.
    """
    folder.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(folder / "r")]
    if fault is not None or settings:
        faults = [] if fault is None else fault if isinstance(fault, list) else [fault]
        simulator = {**(settings or {}), "faults": faults}
        (folder / "faults.yaml").write_text(yaml.safe_dump(simulator), "utf-8")
        command += ["--simulator-faults", str(folder / "faults.yaml")]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ["CI"] = "true"
    if not pictures:
        environ["EPROM_PORTAL_PICTURES"] = "0"
    if key is not None:
        environ["EPROM_API_KEY"] = key
    environ.update(env or {})
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


def shared(
    factory: pytest.TempPathFactory,
    name: str,
    spec: dict[str, Any],
    make: Callable[[Path], dict[str, Any]],
) -> dict[str, Any]:
    """``make(folder)`` once per session for ``name``; every later call reads its result.

    The result is what :func:`full_run` returns. The same ``name`` must always mean the same
    run (``spec``, JSON): a call with another spec is a mistake in the tests and fails loudly.
    """
    root = _session_root(factory) / "shared-runs"
    root.mkdir(parents=True, exist_ok=True)
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
        result = make(root / name)
        folder = result["folder"]
        stored.write_text(
            json.dumps({**result, "folder": str(folder) if folder else None, "spec": spec}),
            "utf-8",
        )
        return {**result, "spec": spec}


def _fingerprint(key: str | None) -> str | None:
    """What a shared run's spec keeps of its key: never the key itself."""
    return None if key is None else "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def shared_run(
    factory: pytest.TempPathFactory,
    name: str,
    fault: dict | list[dict] | None,
    *args: str,
    pictures: bool = False,
    key: str | None = None,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """:func:`full_run` once per session for ``name`` (:func:`shared`)."""
    spec: dict[str, Any] = {"fault": fault, "args": list(args), "pictures": pictures}
    if key is not None:
        spec["key"] = _fingerprint(key)
    if settings:
        spec["settings"] = settings
    return shared(
        factory,
        name,
        spec,
        lambda folder: full_run(
            folder, fault, *args, pictures=pictures, key=key, settings=settings
        ),
    )


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


#: the key of the forged-key run: recognisable, so that a test finds it in any output
TRUST_KEY = "sk-TRUST-9f8e7d6c5b4a-QWERTYUIOPASDFGH"


def v1_forged_key_allure(factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``run --allure on -- -k V1 --tb=long --showlocals`` with every status callback
    carrying a wrong key, and the key set: test_trust.py looks for the key in every output,
    test_allure.py for the Allure results in the sealed folder."""
    return shared_run(
        factory,
        "v1-forged-key-allure",
        [{"type": "forge_key", "callback": "status", "times": None}],
        "--allure", "on", "--", "-k", V1, "--tb=long", "--showlocals",
        key=TRUST_KEY,
    )  # fmt: skip

"""Measurements 1 and 5a: wall time of the full verification, as a user starts it.

``python -m eprom_verify run --env simulator --report-dir TMP [--patients FILE]`` in a new
process: interpreter start, pytest collection, the embedded simulator, every checkpoint of
the run (V1.1 … S2, P1, L1–L3, U1–U2, PV1–PV3) and the report. ``eprom-verify run``
deselects the receiver checks (R1–R5, a separate command against a callback service):
their wall time is measured by :func:`time_check_receiver`.

The hypothesis profile follows the documented switch: ``CI=1`` loads ``ci``, no ``CI``
loads ``deep``. Every ``EPROM_*`` variable of the caller's environment is removed from the
child's, so a benchmark can never run against a real ePROM environment.
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import tarfile
import time
from pathlib import Path
from typing import Any

from .procs import PROJECT_ROOT, BenchError

__all__ = [
    "PROFILES",
    "baseline_tree",
    "child_env",
    "pytest_summary",
    "time_check_receiver",
    "time_run",
]

PROFILES = ("ci", "deep")
_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|error|errors|deselected|xfailed|xpassed)")
_PYTEST_SECONDS = re.compile(r" in ([\d.]+)s")


def child_env(profile: str, **extra: str) -> dict[str, str]:
    """The caller's environment without EPROM_*/CI/HYPOTHESIS_PROFILE, set for ``profile``."""
    if profile not in PROFILES:
        raise ValueError(f"profile={profile!r}: choose one of {', '.join(PROFILES)}")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("EPROM_") and k not in ("CI", "HYPOTHESIS_PROFILE")
    }
    if profile == "ci":
        env["CI"] = "1"
    env.update(extra)
    return env


def pytest_summary(output: str) -> dict[str, Any]:
    """Counts and pytest's own seconds from the last summary line of ``output``."""
    lines = [line for line in output.splitlines() if _SUMMARY.search(line) and " in " in line]
    if not lines:
        return {"counts": {}, "pytest_seconds": None}
    last = lines[-1]
    counts: dict[str, int] = {}
    for number, word in _SUMMARY.findall(last):
        counts[{"errors": "error"}.get(word, word)] = int(number)
    seconds = _PYTEST_SECONDS.search(last)
    return {"counts": counts, "pytest_seconds": float(seconds.group(1)) if seconds else None}


def baseline_tree(ref: str, folder: Path) -> Path:
    """The files of git ref ``ref`` (``git archive``) in ``folder/baseline-REF``: the peer."""
    target = folder / f"baseline-{re.sub(r'[^A-Za-z0-9._-]', '_', ref)}"
    target.mkdir(parents=True, exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", "--format=tar", ref],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        raise BenchError(f"git archive {ref}: {archive.stderr.decode(errors='replace')[-300:]}")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(target, filter="data")
    return target


def _timed(
    command: list[str],
    env: dict[str, str],
    *,
    timeout_s: float,
    secret: str | None = None,
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Run ``command`` from ``cwd`` (default: this checkout; ``python -m`` imports from there).

    Wall seconds and the CPU seconds (user + system) of the process and its children.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
            stdin=subprocess.DEVNULL,
            cwd=cwd or PROJECT_ROOT,
        )
    except subprocess.TimeoutExpired:
        raise BenchError(
            f"{' '.join(command[2:5])} did not finish within {timeout_s:g} s"
        ) from None
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    summary = pytest_summary(done.stdout + done.stderr)
    result: dict[str, Any] = {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "exit_code": done.returncode,
        **summary,
    }
    if done.returncode != 0:
        tail = (done.stdout + done.stderr)[-800:]
        result["output_tail"] = tail.replace(secret, "«redacted»") if secret else tail
    return result


def time_run(
    report_dir: Path,
    *,
    profile: str,
    patients: Path | None = None,
    timeout_s: float = 300.0,
    source: Path | None = None,
) -> dict[str, Any]:
    """One ``eprom-verify run`` against the embedded simulator; wall time and outcome."""
    command = [
        sys.executable, "-m", "eprom_verify", "run", "--env", "simulator",
        "--report-dir", str(report_dir),
    ]  # fmt: skip
    if patients is not None:
        command += ["--patients", str(patients)]
    return _timed(command, child_env(profile), timeout_s=timeout_s, cwd=source)


def time_check_receiver(
    report_dir: Path,
    *,
    base_url: str,
    api_key: str,
    profile: str,
    timeout_s: float = 600.0,
    source: Path | None = None,
) -> dict[str, Any]:
    """One ``eprom-verify check-receiver`` (R1–R5) against ``base_url``; the key via env."""
    command = [
        sys.executable, "-m", "eprom_verify", "check-receiver", "--base-url", base_url,
        "--report-dir", str(report_dir),
    ]  # fmt: skip
    env = child_env(profile, EPROM_API_KEY=api_key)
    return _timed(command, env, timeout_s=timeout_s, secret=api_key, cwd=source)

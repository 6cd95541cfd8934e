"""Measurement 4: the simulator beside a peer, Stoplight Prism, on the same endpoint and load.

Prism (npm ``@stoplight/prism-cli``) serves a mock from an OpenAPI file; here it serves the
simulator's own ``/openapi.json``, so both answer ``POST /promswebapi/api/v2/formorder``
with the same request validation (body schema, ``Authorization`` header). It is installed
on first use into ``benchmarks/.prism`` (``npm install --prefix benchmarks/.prism
@stoplight/prism-cli``); when npm is missing or the install fails, the reason is recorded
instead of a figure. Prism runs with ``-v warn`` (no line per request), the simulator
without an access log: neither pays for logging.

The comparison is not like for like in the simulator's disfavour: Prism answers from the
schema and forgets; the simulator also decides the channel, stores the order in SQLite and
delivers a status callback for every order.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .load import drive
from .procs import Server, cpu_seconds, free_port
from .simulator_load import _FORMORDER
from .sink import run_fast
from .stack import Stack, order_body
from .stats import ms, percentile, rounded

__all__ = ["PRISM_DIR", "PRISM_PACKAGE", "ensure_prism", "measure_prism"]

PRISM_DIR = Path(__file__).resolve().parent / ".prism"
PRISM_PACKAGE = "@stoplight/prism-cli"
_INSTALL_TIMEOUT_S = 240


def prism_binary(folder: Path = PRISM_DIR) -> Path:
    return folder / "node_modules" / ".bin" / "prism"


def ensure_prism(*, folder: Path = PRISM_DIR, install: bool = True) -> tuple[Path | None, str]:
    """(the prism executable, how it was found) or (None, why not)."""
    binary = prism_binary(folder)
    if binary.exists():
        return binary, f"found in {folder}"
    if not install:
        return None, f"not installed in {folder} (the --quick run does not install it)"
    npm = shutil.which("npm")
    if npm is None:
        return None, "npm is not on PATH: install Node.js (npm) to compare with Prism"
    command = [npm, "install", "--prefix", str(folder), PRISM_PACKAGE, "--no-audit", "--no-fund"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=_INSTALL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return None, f"npm install {PRISM_PACKAGE} did not finish within {_INSTALL_TIMEOUT_S} s"
    if done.returncode != 0 or not binary.exists():
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return None, f"npm install {PRISM_PACKAGE} failed (exit {done.returncode}): " + " | ".join(
            tail
        )
    return binary, f"installed into {folder} by this run"


def prism_version(binary: Path) -> str | None:
    try:
        done = subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() or None


def measure_prism(
    stack: Stack,
    folder: Path,
    *,
    simulator_figures: dict[str, Any],
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    install: bool,
) -> dict[str, Any]:
    """Prism's throughput on the simulator's OpenAPI, and the simulator/Prism ratio."""
    binary, how = ensure_prism(install=install)
    if binary is None:
        return {"status": "not run", "reason": how}
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(stack.http.get(f"{stack.simulator.root_url}/openapi.json").json()))
    port = free_port()
    command = [str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "warn"]
    env = {"NO_COLOR": "1"}
    with Server(command, name="prism", port=port, env=env, start_timeout_s=60) as prism:
        url = f"{prism.root_url}/promswebapi{_FORMORDER}"
        body = order_body()
        run_fast(
            drive(url, body=lambda _i: body, headers=stack.auth_headers, concurrency=8,
                  max_requests=50, max_seconds=10)
        )  # fmt: skip
        before = cpu_seconds(prism.pid)
        sent = run_fast(
            drive(
                url,
                body=lambda _i: body,
                headers=stack.auth_headers,
                concurrency=concurrency,
                max_requests=max_requests,
                max_seconds=max_seconds,
            )
        )
        prism_cpu = cpu_seconds(prism.pid) - before
        peak = prism.stats().peak_rss
    ok = [s for s in sent if s.status is not None and 200 <= s.status < 300]
    seconds = max(s.finished for s in sent) - sent[0].started if sent else 0.0
    rate = len(ok) / seconds if seconds > 0 else 0.0
    times = [s.finished - s.started for s in ok]
    statuses = sorted({s.status for s in sent if s.status is not None})
    simulator_rate = float(simulator_figures.get("accepted_per_s") or 0.0)
    return {
        "status": "ok" if ok else "failed",
        "prism": {"version": prism_version(binary), "how": how},
        "concurrency": concurrency,
        "requests": len(sent),
        "answered_2xx": len(ok),
        "statuses": statuses,
        "requests_per_s": rounded(rate, 1),
        "request_latency_ms": {
            "p50": ms(percentile(times, 0.5)),
            "p99": ms(percentile(times, 0.99)),
        },
        "prism_cpu_ms_per_request": rounded(prism_cpu * 1000 / max(len(sent), 1), 3),
        "prism_peak_rss_mb": rounded(peak / 1e6, 1),
        "simulator_accepted_per_s": rounded(simulator_rate, 1),
        "simulator_orders_per_s_with_callbacks": simulator_figures.get("orders_per_s"),
        "ratio_simulator_to_prism": rounded(simulator_rate / rate, 2) if rate else None,
    }

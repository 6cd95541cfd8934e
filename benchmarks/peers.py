"""Measurement 4: the simulator beside its peers, interleaved, in one run (issue 25, goal 4).

Three servers run at once, each in its own process, and take the same load in turn —
simulator, Prism, bare FastAPI, simulator, Prism, … — ``rounds`` times, so a change in the
machine's load hits all three alike. Every figure is a ratio against its peer measured in
the same round, reported as min / median / max over the rounds:

* **Prism** (``@stoplight/prism-cli``, :mod:`benchmarks.prism`) mocking the simulator's own
  ``/openapi.json``: the goal is simulator ≥ Prism *with* the simulator's callbacks, so the
  headline ratio is the simulator's orders/s end to end (answered and status callback
  arrived at the sink) ÷ Prism's answered requests/s;
* a **bare FastAPI** app on the same uvicorn settings (:mod:`benchmarks.bare`): the floor,
  what the server and pydantic cost before the simulator does anything.

The load client is the raw-socket one (:mod:`benchmarks.rawload`); its own CPU per request
is recorded so a reader can see it was not the bottleneck.
"""

from __future__ import annotations

import json
import os
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from .load import drive
from .machine import load_average
from .prism import ensure_prism, prism_version
from .procs import Server, cpu_seconds, free_port, python_command
from .simulator_load import _FORMORDER, run_orders
from .sink import run_fast
from .stack import Stack, order_body, running_stack
from .stats import median, ms, percentile, rounded

__all__ = ["measure_peers", "spread"]

_BARE_READY = r"listening on 127\.0\.0\.1:(?P<port>\d+)"


def spread(values: list[float]) -> dict[str, float | None]:
    """min / median / max of ``values`` (rounded), or ``None`` each when there are none."""
    if not values:
        return {"min": None, "median": None, "max": None}
    return {
        "min": rounded(min(values)),
        "median": rounded(median(values)),
        "max": rounded(max(values)),
    }


def _answer_rate(
    url: str,
    headers: dict[str, str],
    pid: int,
    *,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
) -> dict[str, Any]:
    """A peer's answered 2xx per second under the same load as the simulator's."""
    body = order_body()
    before = cpu_seconds(pid)
    own = cpu_seconds(os.getpid())
    sent = run_fast(
        drive(
            url,
            body=lambda _i: body,
            headers=headers,
            concurrency=concurrency,
            max_requests=max_requests,
            max_seconds=max_seconds,
        )
    )
    server_cpu = cpu_seconds(pid) - before
    own_cpu = cpu_seconds(os.getpid()) - own
    ok = [s for s in sent if s.status is not None and 200 <= s.status < 300]
    seconds = max(s.finished for s in sent) - sent[0].started if sent else 0.0
    times = [s.finished - s.started for s in ok]
    return {
        "requests": len(sent),
        "answered_2xx": len(ok),
        "statuses": sorted({s.status for s in sent if s.status is not None}),
        "requests_per_s": rounded(len(ok) / seconds if seconds > 0 else 0.0, 1),
        "request_latency_ms": {
            "p50": ms(percentile(times, 0.5)),
            "p99": ms(percentile(times, 0.99)),
        },
        "server_cpu_ms_per_request": rounded(server_cpu * 1000 / max(len(sent), 1), 3),
        "loadgen_cpu_ms_per_request": rounded(own_cpu * 1000 / max(len(sent), 1), 3),
    }


def _ratio(a: Any, b: Any) -> float | None:
    if not a or not b:
        return None
    return float(a) / float(b)


def _r(a: float | None, b: float | None) -> float | None:
    """``a ÷ b`` to three places, 0 where it has no value (as the summary reads it)."""
    return rounded(_ratio(a, b) or 0, 3)


def measure_peers(
    folder: Path,
    *,
    rounds: int,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    install: bool,
    baseline: str | None = None,
    workers: tuple[int, ...] = (1,),
) -> dict[str, Any]:
    """``rounds`` interleaved rounds of simulator, Prism and bare FastAPI (and the simulator
    of git ref ``baseline``, with its own sink; and this tree's simulator with each further
    count of ``workers``, each with its own sink); ratios per round."""
    binary, how = ensure_prism(install=install)
    with ExitStack() as servers:
        first, *more = workers
        stack = servers.enter_context(running_stack(folder, workers=first))
        extra: dict[int, Stack] = {}
        for count in more:
            (folder / f"w{count}").mkdir()
            extra[count] = servers.enter_context(running_stack(folder / f"w{count}", workers=count))
        bare = servers.enter_context(
            Server(python_command("benchmarks.bare", "--port", "0"), ready=_BARE_READY, name="bare")
        )
        base: Stack | None = None
        if baseline is not None:
            from .verification import baseline_tree  # noqa: PLC0415

            (folder / "baseline").mkdir()
            source = baseline_tree(baseline, folder)
            base = servers.enter_context(running_stack(folder / "baseline", source=source))
        prism = _start_prism(stack, folder, binary) if binary is not None else None
        try:
            return _rounds(
                stack,
                bare,
                prism,
                base=base,
                baseline=baseline,
                extra=extra,
                workers=first,
                rounds=rounds,
                concurrency=concurrency,
                max_requests=max_requests,
                max_seconds=max_seconds,
                prism_info={
                    "version": prism_version(binary) if binary else None,
                    "how": how,
                },
            )
        finally:
            if prism is not None:
                prism.stop()


def _start_prism(stack: Stack, folder: Path, binary: Path) -> Server:
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(stack.http.get(f"{stack.simulator.root_url}/openapi.json").json()))
    port = free_port()
    command = [str(binary), "mock", str(spec), "-h", "127.0.0.1", "-p", str(port), "-v", "warn"]
    return Server(
        command, name="prism", port=port, env={"NO_COLOR": "1"}, start_timeout_s=60
    ).start()


def _rounds(
    stack: Stack,
    bare: Server,
    prism: Server | None,
    *,
    rounds: int,
    concurrency: int,
    max_requests: int,
    max_seconds: float,
    prism_info: dict[str, Any],
    base: Stack | None = None,
    baseline: str | None = None,
    extra: dict[int, Stack] | None = None,
    workers: int = 1,
) -> dict[str, Any]:
    extra = extra or {}
    peers: dict[str, tuple[str, int]] = {
        "bare": (bare.root_url + "/promswebapi" + _FORMORDER, bare.pid)
    }
    if prism is not None:
        peers["prism"] = (prism.root_url + "/promswebapi" + _FORMORDER, prism.pid)
    # warm-up: every server answers a few hundred requests before the clock matters
    run_orders(stack, concurrency=8, max_orders=300, max_seconds=10)
    if base is not None:
        run_orders(base, concurrency=8, max_orders=300, max_seconds=10)
    for other in extra.values():
        run_orders(other, concurrency=8, max_orders=300, max_seconds=10)
    for url, pid in peers.values():
        _answer_rate(url, stack.auth_headers, pid, concurrency=8, max_requests=300, max_seconds=10)
    per_round: list[dict[str, Any]] = []
    for number in range(rounds):
        load = load_average()
        simulator = run_orders(
            stack, concurrency=concurrency, max_orders=max_requests, max_seconds=max_seconds
        )
        entry: dict[str, Any] = {"round": number + 1, "load_average": load, "simulator": simulator}
        for count, other in extra.items():  # --workers 1,2: the same load on 2 processes
            entry[f"simulator_w{count}"] = run_orders(
                other, concurrency=concurrency, max_orders=max_requests, max_seconds=max_seconds
            )
        if base is not None:
            before = run_orders(
                base, concurrency=concurrency, max_orders=max_requests, max_seconds=max_seconds
            )
            entry["baseline"] = before
            entry["simulator_to_baseline"] = rounded(
                _ratio(simulator["orders_per_s"], before["orders_per_s"]) or 0, 3
            )
            entry["cpu_baseline_to_simulator"] = rounded(
                _ratio(
                    before["simulator_cpu_ms_per_order"], simulator["simulator_cpu_ms_per_order"]
                )
                or 0,
                3,
            )
        for name, (url, pid) in peers.items():
            entry[name] = _answer_rate(
                url,
                stack.auth_headers,
                pid,
                concurrency=concurrency,
                max_requests=max_requests,
                max_seconds=max_seconds,
            )
        for name in peers:
            rate = entry[name]["requests_per_s"]
            # CPU per answer, theirs ÷ ours (> 1: the simulator costs less): on a saturated
            # shared machine steadier than rates, which follow each process's CPU share
            cpu = entry[name]["server_cpu_ms_per_request"]
            for count in extra:
                mine = entry[f"simulator_w{count}"]
                entry[f"simulator_w{count}_to_{name}"] = _r(mine["orders_per_s"], rate)
                entry[f"cpu_{name}_to_simulator_w{count}"] = _r(
                    cpu, mine["simulator_cpu_ms_per_order"]
                )
            entry[f"simulator_to_{name}"] = _r(simulator["orders_per_s"], rate)
            entry[f"simulator_answered_to_{name}"] = _r(simulator["accepted_per_s"], rate)
            entry[f"cpu_{name}_to_simulator"] = _r(cpu, simulator["simulator_cpu_ms_per_order"])
        per_round.append(entry)
        time.sleep(0.5)

    def over(path: tuple[str, ...]) -> dict[str, float | None]:
        values = []
        for entry in per_round:
            value: Any = entry
            for key in path:
                if isinstance(value, list) and key.isdigit():
                    value = value[int(key)] if int(key) < len(value) else None
                else:
                    value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, int | float):
                values.append(float(value))
        return spread(values)

    out: dict[str, Any] = {
        "concurrency": concurrency,
        "rounds": rounds,
        "client": "raw",
        "prism": prism_info if prism is not None else {"status": "not run", **prism_info},
        "simulator_orders_per_s": over(("simulator", "orders_per_s")),
        "simulator_answered_per_s": over(("simulator", "accepted_per_s")),
        "simulator_callback_p99_ms": over(("simulator", "callback_latency_ms", "p99")),
        "simulator_callback_lag_p50_ms": over(("simulator", "callback_lag_ms", "p50")),
        "simulator_callback_lag_p99_ms": over(("simulator", "callback_lag_ms", "p99")),
        "simulator_cpu_ms_per_order": over(("simulator", "simulator_cpu_ms_per_order")),
        "loadgen_cpu_ms_per_order": over(("simulator", "loadgen_cpu_ms_per_order")),
        "simulator_cpu_share": over(("simulator", "simulator_cpu_share")),
        "machine_busy_share": over(("simulator", "machine_busy_share")),
        "load_average_1min": over(("load_average", "0")),
    }
    if base is not None:
        out["baseline"] = baseline
        out["baseline_orders_per_s"] = over(("baseline", "orders_per_s"))
        out["baseline_callback_p99_ms"] = over(("baseline", "callback_latency_ms", "p99"))
        out["baseline_cpu_ms_per_order"] = over(("baseline", "simulator_cpu_ms_per_order"))
        out["ratio_simulator_to_baseline"] = over(("simulator_to_baseline",))
        out["ratio_cpu_baseline_to_simulator"] = over(("cpu_baseline_to_simulator",))
    out["workers"] = workers
    for count in extra:
        key = f"simulator_w{count}"
        out[f"{key}_orders_per_s"] = over((key, "orders_per_s"))
        out[f"{key}_callback_p99_ms"] = over((key, "callback_latency_ms", "p99"))
        out[f"{key}_callback_lag_p50_ms"] = over((key, "callback_lag_ms", "p50"))
        out[f"{key}_callback_lag_p99_ms"] = over((key, "callback_lag_ms", "p99"))
        out[f"{key}_cpu_ms_per_order"] = over((key, "simulator_cpu_ms_per_order"))
        for name in peers:
            out[f"ratio_{key}_to_{name}"] = over((f"{key}_to_{name}",))
            out[f"ratio_cpu_{name}_to_{key}"] = over((f"cpu_{name}_to_{key}",))
    for name in peers:
        out[f"{name}_requests_per_s"] = over((name, "requests_per_s"))
        out[f"{name}_cpu_ms_per_request"] = over((name, "server_cpu_ms_per_request"))
        out[f"ratio_simulator_to_{name}"] = over((f"simulator_to_{name}",))
        out[f"ratio_simulator_answered_to_{name}"] = over((f"simulator_answered_to_{name}",))
        out[f"ratio_cpu_{name}_to_simulator"] = over((f"cpu_{name}_to_simulator",))
    out["per_round"] = per_round
    return out

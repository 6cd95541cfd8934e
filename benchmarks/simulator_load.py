"""Measurement 2: the simulator's form-order throughput with callbacks, and letters with PDFs.

For each concurrency N the load generator (this process) sends form orders from N clients to
the simulator (its own process) while the sink (a third process) receives every status
callback. Figures:

* ``accepted_per_s`` — orders answered 200 per second of sending;
* ``orders_per_s`` — orders whose status callback arrived, per second from the first send
  to the last callback: the end-to-end figure the target is about;
* ``callback_latency_ms`` p50/p99/max — order sent → its status callback arrived
  (no configured delay);
* ``request_latency_ms`` p50/p99 — order sent → answer;
* ``callback_lag_ms`` p50/p99 — answer → its status callback arrived, and
  ``backlog_growth_ms``: the median lag of the last quarter of the orders minus that of the
  first quarter (a growing backlog shows as a large positive figure);
* CPU seconds per order of the simulator and of the load generator, which shows who was
  the bottleneck on this machine.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path
from typing import Any

from .load import Sent, drive
from .procs import BenchError, cpu_seconds, tree_cpu_seconds
from .sink import run_fast
from .stack import Stack, order_body, running_stack
from .stats import ms, percentile, rounded

__all__ = ["letter_body", "measure_letters", "measure_orders", "run_orders", "sample_pdf"]

_FORMORDER = "/api/v2/formorder"
_LETTER = "/api/v2/messagetocitizen"
_WARMUP_ORDERS = 50


def run_orders(
    stack: Stack,
    *,
    concurrency: int,
    max_orders: int,
    max_seconds: float,
    drain_timeout_s: float = 30.0,
) -> dict[str, Any]:
    """One load run against a running stack; the figures as a dict for results.json."""
    stack.clear()
    body = order_body()
    sim_cpu = tree_cpu_seconds(stack.simulator.pid)  # with its workers, if any
    own_cpu = cpu_seconds(os.getpid())
    sink_cpu = cpu_seconds(stack.sink.pid)
    busy = _machine_busy_jiffies()
    started = time.monotonic()
    sent = run_fast(
        drive(
            stack.base_url + _FORMORDER,
            body=lambda _i: body,
            headers=stack.auth_headers,
            concurrency=concurrency,
            max_requests=max_orders,
            max_seconds=max_seconds,
        )
    )
    ok = {_order_id(s): s for s in sent if s.ok}
    have = stack.wait_for_callbacks("status", len(ok), timeout_s=drain_timeout_s)
    wall = time.monotonic() - started
    sim_cpu = tree_cpu_seconds(stack.simulator.pid) - sim_cpu
    own_cpu = cpu_seconds(os.getpid()) - own_cpu
    sink_cpu = cpu_seconds(stack.sink.pid) - sink_cpu
    arrivals: dict[str, float] = stack.received()["status"]
    figures = _order_figures(concurrency, sent, ok, arrivals, have, sim_cpu, own_cpu)
    figures["simulator_cpu_share"] = rounded(sim_cpu / wall, 2)
    figures["loadgen_cpu_share"] = rounded(own_cpu / wall, 2)
    figures["sink_cpu_share"] = rounded(sink_cpu / wall, 2)
    figures["machine_busy_share"] = rounded(_machine_busy(busy, wall), 2)
    return figures


def _machine_busy_jiffies() -> tuple[int, int]:
    """(busy, total) CPU jiffies of the whole machine so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def _machine_busy(before: tuple[int, int], wall: float) -> float:
    """Share of all the machine's CPUs that was busy since ``before`` (0–1)."""
    busy, total = _machine_busy_jiffies()
    return (busy - before[0]) / max(total - before[1], 1)


def _order_id(sent: Sent) -> str:
    return str(json.loads(sent.body)["id"])


def _order_figures(
    concurrency: int,
    sent: list[Sent],
    ok: dict[str, Sent],
    arrivals: dict[str, float],
    have: int,
    sim_cpu: float,
    own_cpu: float,
) -> dict[str, Any]:
    if not sent:
        raise BenchError("no order was sent: the time limit is too short")
    first = sent[0].started
    last_answer = max(s.finished for s in sent)
    latencies = [arrivals[i] - s.started for i, s in ok.items() if i in arrivals]
    last_callback = max((arrivals[i] for i in ok if i in arrivals), default=last_answer)
    request_times = [s.finished - s.started for s in sent if s.ok]
    # the callback's lag behind the answer, in send order: growing = a backlog building up
    lags = [arrivals[i] - s.finished for i, s in sorted(ok.items(), key=lambda kv: kv[1].started)
            if i in arrivals]  # fmt: skip
    quarter = max(len(lags) // 4, 1)
    errors = [s for s in sent if not s.ok]
    return {
        "concurrency": concurrency,
        "orders_sent": len(sent),
        "orders_accepted": len(ok),
        "errors": len(errors),
        "first_error": _describe(errors[0]) if errors else None,
        "status_callbacks": len(latencies),
        "callbacks_missing": len(ok) - len(latencies),
        "sink_total": have,
        "send_seconds": rounded(last_answer - first, 3),
        "accepted_per_s": rounded(len(ok) / max(last_answer - first, 1e-9), 1),
        "orders_per_s": rounded(len(latencies) / max(last_callback - first, 1e-9), 1),
        "callback_latency_ms": {
            "p50": ms(percentile(latencies, 0.5)),
            "p99": ms(percentile(latencies, 0.99)),
            "max": ms(max(latencies, default=float("nan"))),
        },
        "request_latency_ms": {
            "p50": ms(percentile(request_times, 0.5)),
            "p99": ms(percentile(request_times, 0.99)),
        },
        "callback_lag_ms": {
            "p50": ms(percentile(lags, 0.5)),
            "p99": ms(percentile(lags, 0.99)),
        },
        # median lag of the last quarter of the orders minus that of the first quarter
        "backlog_growth_ms": ms(percentile(lags[-quarter:], 0.5) - percentile(lags[:quarter], 0.5))
        if lags
        else None,
        "simulator_cpu_ms_per_order": rounded(sim_cpu * 1000 / max(len(ok), 1), 3),
        "loadgen_cpu_ms_per_order": rounded(own_cpu * 1000 / max(len(ok), 1), 3),
    }


def _describe(sent: Sent) -> str:
    if sent.status is None:
        return sent.error or "no answer"
    return f"{sent.status} {sent.body[:200].decode('utf-8', 'replace')}"


def measure_orders(
    folder: Path,
    *,
    concurrencies: tuple[int, ...],
    max_orders: int,
    max_seconds: float,
    workers: int = 1,
    warmup_orders: int = _WARMUP_ORDERS,
) -> list[dict[str, Any]]:
    """Throughput at each concurrency against one simulator (``workers`` processes; warmed
    up first)."""
    with running_stack(folder, workers=workers) as stack:
        run_orders(stack, concurrency=8, max_orders=warmup_orders, max_seconds=10)
        return [
            run_orders(stack, concurrency=n, max_orders=max_orders, max_seconds=max_seconds)
            for n in concurrencies
        ]


# --- letters ------------------------------------------------------------------------------


def sample_pdf(size: int) -> bytes:
    """A PDF of exactly ``size`` bytes: fixtures/sample.pdf padded with a PDF comment."""
    from eprom_verify.config import FIXTURES_DIR  # noqa: PLC0415

    pdf = (Path(FIXTURES_DIR) / "sample.pdf").read_bytes()
    if size < len(pdf) + 2:
        raise ValueError(f"size={size} is smaller than the sample PDF ({len(pdf)} bytes)")
    return pdf + b"%" + b"0" * (size - len(pdf) - 2) + b"\n"


def letter_body(pdf: bytes) -> bytes:
    """A letter (contract §3.2) to the verification person with ``pdf`` as main document."""
    from .stack import NATIONAL_ID  # noqa: PLC0415

    data = {
        "nationalId": NATIONAL_ID,
        "senderInfo": {"organisationName": "eprom-verify benchmark", "organisationNr": "999999999"},
        "messageInfo": {"title": "Benchmark", "description": "Benchmark letter", "merknad": ""},
        "documentCollection": {
            "mainDocument": {
                "title": "Benchmark",
                "fileName": "benchmark.pdf",
                "mimeType": "application/pdf",
                "content": base64.b64encode(pdf).decode("ascii"),
            },
            "attachments": [],
        },
        "notificationPriorityList": ["Helsenorge", "DigitalMailbox"],
        "testMode": False,
        "paperColorPrint": False,
    }
    return json.dumps(data).encode()


def measure_letters(
    folder: Path, *, pdf_bytes: int, concurrency: int, max_letters: int, max_seconds: float
) -> dict[str, Any]:
    """Letters with a ``pdf_bytes`` PDF against a fresh simulator: rate and peak memory."""
    body = letter_body(sample_pdf(pdf_bytes))
    with running_stack(folder) as stack:
        before = stack.simulator.stats()
        started = time.monotonic()
        sent = run_fast(
            drive(
                stack.base_url + _LETTER,
                body=lambda _i: body,
                headers=stack.auth_headers,
                concurrency=concurrency,
                max_requests=max_letters,
                max_seconds=max_seconds,
                timeout_s=120,
            )
        )
        ok = [s for s in sent if s.ok]
        have = stack.wait_for_callbacks("letter", len(ok), timeout_s=30)
        elapsed = time.monotonic() - started
        after = stack.simulator.stats()
    errors = [s for s in sent if not s.ok]
    times = [s.finished - s.started for s in ok]
    return {
        "pdf_bytes": pdf_bytes,
        "request_bytes": len(body),
        "concurrency": concurrency,
        "letters_sent": len(sent),
        "letters_accepted": len(ok),
        "letter_callbacks": have,
        "errors": len(errors),
        "first_error": _describe(errors[0]) if errors else None,
        "letters_per_s": rounded(len(ok) / max(elapsed, 1e-9), 2),
        "request_mb_per_s": rounded(len(ok) * len(body) / max(elapsed, 1e-9) / 1e6, 1),
        "request_latency_ms": {
            "p50": ms(percentile(times, 0.5)),
            "max": ms(max(times, default=float("nan"))),
        },
        "simulator_rss_start_mb": rounded(before.rss / 1e6, 1),
        "simulator_peak_rss_mb": rounded(after.peak_rss / 1e6, 1),
        "simulator_cpu_ms_per_letter": rounded(
            (after.cpu_s - before.cpu_s) * 1000 / max(len(ok), 1), 1
        ),
    }

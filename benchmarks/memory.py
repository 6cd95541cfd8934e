"""Measurement 5b: how the simulator's memory grows with the orders it keeps.

A fresh simulator process (``--db FILE``, as a user keeps state across restarts) takes
``orders`` form orders from 64 clients, each with its status callback delivered to the
sink. Resident memory (``VmRSS``) is read after a warm-up (1,000 orders, or a tenth of a
small run) and again after
the last callback arrived; the growth divided by the orders stored in between is the
figure. The SQLite file (with its WAL) is reported beside it: the orders live there, not
in Python objects.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from .procs import BenchError
from .simulator_load import run_orders
from .stack import running_stack
from .stats import rounded

__all__ = ["measure_memory"]

_WARMUP = 1000
_CHUNK = 20_000


def measure_memory(folder: Path, *, orders: int, max_seconds: float) -> dict[str, Any]:
    """RSS growth per stored order over ``orders`` orders (bounded by ``max_seconds``)."""
    with running_stack(folder) as stack:
        warmup = min(_WARMUP, max(orders // 10, 100))
        run_orders(stack, concurrency=64, max_orders=warmup, max_seconds=60)
        time.sleep(0.5)  # let the outbox settle
        before = stack.simulator.stats()
        db_before = stack.db_bytes()
        deadline = time.monotonic() + max_seconds
        stored = 0
        samples: list[dict[str, Any]] = []
        while stored < orders and time.monotonic() < deadline:
            chunk = min(_CHUNK, orders - stored)
            figures = run_orders(
                stack,
                concurrency=64,
                max_orders=chunk,
                max_seconds=max(deadline - time.monotonic(), 0.1),
                drain_timeout_s=60,
            )
            if figures["callbacks_missing"]:
                raise BenchError(
                    f"{figures['callbacks_missing']} status callbacks did not arrive within "
                    "60 s: the simulator fell behind (see its output)"
                )
            stored += int(figures["orders_accepted"])
            rss = stack.simulator.stats().rss
            samples.append({"orders": stored, "rss_mb": rounded(rss / 1e6, 1)})
        time.sleep(0.5)
        after = stack.simulator.stats()
        db_after = stack.db_bytes()
    if stored == 0:
        raise BenchError("no order was stored within the time limit")
    return {
        "orders_requested": orders,
        "orders_stored": stored,
        "rss_before_mb": rounded(before.rss / 1e6, 1),
        "rss_after_mb": rounded(after.rss / 1e6, 1),
        "peak_rss_mb": rounded(after.peak_rss / 1e6, 1),
        "rss_bytes_per_order": rounded((after.rss - before.rss) / stored, 1),
        "db_bytes_per_order": rounded((db_after - db_before) / stored, 1),
        "samples": samples,
    }

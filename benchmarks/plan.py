"""How much each measurement does: the full run (< 10 min on 2 cores), ``--quick`` (< 60 s)
and ``--smoke`` (the test suite's: every code path once, figures without meaning).

Every loop in the benchmarks is bounded twice, by a count and by seconds; the figures say
how many requests a number rests on.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

__all__ = ["FULL", "QUICK", "SMOKE", "Plan"]


@dataclass(frozen=True)
class Plan:
    name: str
    verification_runs: int
    order_concurrencies: tuple[int, ...]
    orders_per_level: int
    seconds_per_level: float
    letter_sizes: tuple[int, ...]
    letters_small: int
    letters_large: int
    letter_seconds: float
    receiver_concurrencies: tuple[int, ...]
    callbacks_per_level: int
    receiver_seconds: float
    check_receiver_runs: int
    prism_install: bool
    persons: tuple[int, ...]
    memory_orders: int
    memory_seconds: float
    profile_orders: int
    profile_seconds: float
    #: interleaved rounds of simulator / Prism / bare FastAPI (measurement ``peers``)
    peer_rounds: int = 3
    #: a git ref whose verification and check-receiver run as the peer, pair by pair
    baseline: str | None = None
    #: ``--workers``: the worker counts this tree's simulator runs with (the first is
    #: "simulator"; each further one "simulator_wN") in ``orders`` and ``peers``
    workers: tuple[int, ...] = (1,)
    #: orders at N = 8 before the order levels are measured
    warmup_orders: int = 50
    #: callbacks before each receiver level is measured (the harness, then the raw client)
    receiver_warmup: int = 20


_MB = 1024 * 1024

FULL = Plan(
    name="full",
    verification_runs=3,
    order_concurrencies=(1, 8, 64, 256),
    orders_per_level=4000,
    seconds_per_level=6.0,
    letter_sizes=(1 * _MB, 30 * _MB),
    letters_small=200,
    letters_large=6,
    letter_seconds=45.0,
    receiver_concurrencies=(1, 32),
    callbacks_per_level=4000,
    receiver_seconds=6.0,
    check_receiver_runs=1,
    prism_install=True,
    persons=(1, 10, 100),
    memory_orders=100_000,
    memory_seconds=300.0,
    profile_orders=4000,
    profile_seconds=8.0,
)

QUICK = Plan(
    name="quick",
    verification_runs=1,
    order_concurrencies=(1, 8, 64),
    orders_per_level=150,
    seconds_per_level=3.0,
    letter_sizes=(1 * _MB, 30 * _MB),
    letters_small=3,
    letters_large=1,
    letter_seconds=20.0,
    receiver_concurrencies=(1, 32),
    callbacks_per_level=150,
    receiver_seconds=3.0,
    check_receiver_runs=0,
    prism_install=False,
    persons=(),
    memory_orders=5000,
    memory_seconds=30.0,
    profile_orders=400,
    profile_seconds=3.0,
    peer_rounds=1,
)

#: ``--smoke``: the smallest run that still goes through every code path — each order level
#: (N = 1, 8, 64: a level's clients beyond its 16 orders start and find nothing left to send),
#: each receiver level with its raw-client peer (8 callbacks; at concurrency 32 the other
#: threads likewise), every warm-up with 4 — for tests/test_benchmarks_smoke.py.
#: Its figures rest on a few requests: they show the shape, never a speed. (64 orders, 32
#: callbacks and warm-ups of 8 and 20 before: ~0.5 CPU-s and ~2 s more, docs/testing.md.)
SMOKE = dataclasses.replace(
    QUICK,
    name="smoke",
    orders_per_level=16,
    seconds_per_level=2.0,
    callbacks_per_level=8,
    receiver_seconds=2.0,
    warmup_orders=4,
    receiver_warmup=4,
)

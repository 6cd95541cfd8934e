"""The targets of the benchmark brief and issue 25, checked against what a run measured (never faked).

A target whose measurement did not run (or failed) is ``met: null`` with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass
from typing import Any

__all__ = ["TARGETS", "Target", "evaluate"]

Results = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """``limit`` is an upper bound when ``at_most`` (else a lower one); ``strict``: < / >."""

    name: str
    text: str
    unit: str
    _: KW_ONLY
    limit: float
    at_most: bool
    read: Callable[[Results], float | None]
    strict: bool = False

    def met(self, value: float) -> bool:
        if self.at_most:
            return value < self.limit if self.strict else value <= self.limit
        return value > self.limit if self.strict else value >= self.limit

    @property
    def shown(self) -> str:
        sign = ("<" if self.strict else "≤") if self.at_most else (">" if self.strict else "≥")
        return f"{sign} {self.limit:g} {self.unit}"


def _get(results: Results, *path: Any) -> Any:
    value: Any = results
    for key in path:
        if isinstance(key, int):
            if not isinstance(value, list) or len(value) <= key:
                return None
            value = value[key]
        elif isinstance(value, dict):
            value = value.get(key)
        else:
            return None
    return value


def _level(results: Results, measurement: str, concurrency: int) -> dict[str, Any] | None:
    levels = _get(results, measurement, "levels") or []
    return next((lv for lv in levels if lv.get("concurrency") == concurrency), None)


def _orders64(field: str, *sub: str) -> Callable[[Results], float | None]:
    def read(results: Results) -> float | None:
        level = _level(results, "orders", 64)
        return None if level is None else _get(level, field, *sub)

    return read


def _vs_prism(results: Results) -> float | None:
    """The median of the interleaved rounds (``peers``), else the one back-to-back pair."""
    median = _get(results, "peers", "ratio_simulator_to_prism", "median")
    return median if median is not None else _get(results, "prism", "ratio_simulator_to_prism")


def _backlog256(results: Results) -> float | None:
    level = _level(results, "orders", 256)
    return None if level is None else level.get("backlog_growth_ms")


def _receiver32(results: Results) -> float | None:
    level = _level(results, "receiver", 32)
    return None if level is None else level.get("callbacks_per_s")


TARGETS: tuple[Target, ...] = (
    Target("verification_ci", "full verification (CI profile), median wall time", "s",
           limit=5.5, at_most=True,
           read=lambda r: _get(r, "verification", "ci", "median_wall_s")),
    Target("check_receiver_ci", "check-receiver (CI profile), median wall time", "s",
           limit=3.0, at_most=True,
           read=lambda r: _get(r, "check_receiver", "ci", "median_wall_s")),
    Target("orders_per_s_n64", "simulator orders/s with callbacks at N=64", "orders/s",
           limit=500.0, at_most=False, read=_orders64("orders_per_s")),
    Target("callback_p99_n64", "order → status callback p99 at N=64", "ms",
           limit=50.0, at_most=True, read=_orders64("callback_latency_ms", "p99")),
    Target("vs_prism", "simulator (with callbacks) / Prism at N=64, median of the rounds", "×",
           limit=1.0, at_most=False, read=_vs_prism),
    Target("backlog_n256", "callback lag growth over a run at N=256 (no growing backlog)",
           "ms", limit=100.0, at_most=True, read=_backlog256),
    Target("receiver_n32", "receiver check callbacks/s at concurrency 32", "callbacks/s",
           limit=1000.0, at_most=False, read=_receiver32),
    Target("memory_per_order", "simulator memory growth per stored order", "bytes",
           limit=2048.0, at_most=True, strict=True,
           read=lambda r: _get(r, "memory", "rss_bytes_per_order")),
)  # fmt: skip


def evaluate(measurements: Results) -> list[dict[str, Any]]:
    """Each target with the measured value and whether it is met (None: not measured)."""
    out = []
    for target in TARGETS:
        value = target.read(measurements)
        out.append(
            {
                "name": target.name,
                "target": target.shown,
                "what": target.text,
                "measured": value,
                "met": None if value is None else target.met(value),
            }
        )
    return out

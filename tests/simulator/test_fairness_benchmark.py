"""The fairness benchmark (benchmarks/fairness.py) runs and reports its figures (no timing
asserted: the machine is shared; the figure is in docs/simulator.md)."""

from __future__ import annotations

from benchmarks.fairness import measure


def test_the_fairness_benchmark_measures_the_fast_system_beside_a_hanging_one() -> None:
    result = measure(orders=10, rate=50)
    assert result["fast_callbacks_arrived"] == 10, result
    assert result["hanging_connections_held"] >= 1, "the hanging receiver got no PUT"
    latency = result["fast_callback_latency_ms"]
    assert set(latency) == {"p50", "p99", "max"}
    assert all(isinstance(v, float) for v in latency.values()), latency

"""The terminal summary: one rich table of the headline figures and the targets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["console", "headline_rows", "print_summary"]


def console() -> Console:
    return Console(stderr=False, highlight=False)


def _fmt(value: Any, unit: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:,.1f}" if abs(value) >= 10 else f"{value:.2f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def _status(entry: dict[str, Any]) -> str | None:
    status = entry.get("status")
    if status == "ok":
        return None
    return f"{status}: {entry.get('reason', '')}"[:140]


def _verification(m: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for profile in ("ci", "deep"):
        data = m.get(profile) or {}
        if "median_wall_s" in data:
            passed = "" if data.get("all_passed") else " (a run failed!)"
            rows.append((f"{profile} profile, median of {len(data['runs'])}",
                         _fmt(data["median_wall_s"], "s") + passed))  # fmt: skip
            rows += _paired_rows(data.get("paired"))
    return rows


def _paired_rows(paired: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``vs REF``: this tree's min / median / max and baseline ÷ this, pair by pair."""
    if not paired:
        return []
    rows = []
    for figure, unit in (("wall_s", "s wall"), ("cpu_s", "s CPU")):
        f = paired[figure]
        this, base, up = f["this"], f["baseline"], f["speedup"]
        rows.append((
            f"  {unit} vs {paired['baseline']} ({paired['pairs']} interleaved pairs)",
            f"{this['min']} / {this['median']} / {this['max']} (baseline {base['min']} / "
            f"{base['median']} / {base['max']}); ×{up['min']} / ×{up['median']} / ×{up['max']}",
        ))  # fmt: skip
    return rows


def _check_receiver(m: dict[str, Any]) -> list[tuple[str, str]]:
    data = m.get("ci") or {}
    rows = [("R1–R5, ci profile", _fmt(data.get("median_wall_s"), "s"))] if data else []
    return rows + _paired_rows(data.get("paired"))


def _persons(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f"{p['persons']} persons", _fmt(p.get("wall_s"), "s")) for p in m.get("points", [])]


def _orders(m: dict[str, Any]) -> list[tuple[str, str]]:
    rows = []
    for lv in m.get("levels", []):
        lat = lv.get("callback_latency_ms", {})
        rows.append(
            (
                f"N={lv['concurrency']}",
                f"{_fmt(lv.get('orders_per_s'), 'orders/s')}, callback p50 "
                f"{_fmt(lat.get('p50'), 'ms')} p99 {_fmt(lat.get('p99'), 'ms')}, backlog "
                f"growth {_fmt(lv.get('backlog_growth_ms'), 'ms')}",
            )
        )
    return rows


def _letters(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (
            f"{s['pdf_bytes'] / 1024 / 1024:g} MB PDF",
            f"{_fmt(s.get('letters_per_s'), 'letters/s')}, peak RSS "
            f"{_fmt(s.get('simulator_peak_rss_mb'), 'MB')}",
        )
        for s in m.get("sizes", [])
    ]


def _receiver(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (
            f"concurrency {lv['concurrency']}",
            f"{_fmt(lv.get('callbacks_per_s'), 'callbacks/s')}, p50 "
            f"{_fmt(lv['latency_ms'].get('p50'), 'ms')} p95 {_fmt(lv['latency_ms'].get('p95'), 'ms')}"
            f"; raw client {_fmt((lv.get('raw_client') or {}).get('callbacks_per_s'), '/s')}, "
            f"harness ÷ raw {_fmt(lv.get('ratio_harness_to_raw'), '×')}",
        )
        for lv in m.get("levels", [])
    ]


def _prism(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Prism N=64", _fmt(m.get("requests_per_s"), "requests/s")),
        ("simulator N=64", _fmt(m.get("simulator_accepted_per_s"), "orders/s")),
        ("simulator / Prism", _fmt(m.get("ratio_simulator_to_prism"), "×")),
    ]


def _spread(f: dict[str, Any] | None, unit: str = "") -> str:
    if not f:
        return "—"
    return f"{_fmt(f.get('min'))} / {_fmt(f.get('median'))} / {_fmt(f.get('max'))} {unit}".strip()


def _peers(m: dict[str, Any]) -> list[tuple[str, str]]:
    rounds = m.get("rounds")
    rows = [
        (f"simulator orders/s with callbacks (min / median / max of {rounds})",
         _spread(m.get("simulator_orders_per_s"))),
        ("simulator callback p99", _spread(m.get("simulator_callback_p99_ms"), "ms")),
        ("simulator CPU per order (incl. callback)",
         _spread(m.get("simulator_cpu_ms_per_order"), "ms")),
    ]  # fmt: skip
    for peer in ("prism", "bare"):
        if f"{peer}_requests_per_s" in m:
            rows.append((f"{peer} requests/s", _spread(m.get(f"{peer}_requests_per_s"))))
            rows.append(
                (
                    f"simulator ÷ {peer}, same round",
                    _spread(m.get(f"ratio_simulator_to_{peer}"), "×"),
                )
            )
    if "prism_requests_per_s" not in m:
        rows.append(("Prism", str((m.get("prism") or {}).get("how", "not run"))[:100]))
    return rows  # fmt: skip


def _memory(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (f"RSS after {m.get('orders_stored')} orders", _fmt(m.get("rss_bytes_per_order"), "B/order")),
        ("SQLite file", _fmt(m.get("db_bytes_per_order"), "B/order")),
    ]  # fmt: skip


def _profile(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [(r["function"].rsplit("/", 1)[-1], f"{r['percent']}% self") for r in m.get("top_self", [])[:5]]  # fmt: skip


_ROWS = {
    "verification": _verification,
    "check_receiver": _check_receiver,
    "persons": _persons,
    "orders": _orders,
    "letters": _letters,
    "receiver": _receiver,
    "prism": _prism,
    "peers": _peers,
    "memory": _memory,
    "profile": _profile,
}


def headline_rows(results: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(measurement, figure, value) for every measurement in ``results``."""
    rows: list[tuple[str, str, str]] = []
    for name, entry in results.get("measurements", {}).items():
        label = f"{entry.get('number', '')} {name}".strip()
        problem = _status(entry)
        if problem is not None:
            rows.append((label, "", problem))
            continue
        figures = _ROWS.get(name, lambda _m: [])(entry)
        for index, (figure, value) in enumerate(figures or [("", "ok")]):
            rows.append((label if index == 0 else "", figure, value))
    return rows


def print_summary(results: dict[str, Any], *, output: Path) -> None:
    out = console()
    table = Table(title=f"eprom-verify benchmarks ({results['plan']} run, {results['date']})")
    for column in ("measurement", "figure", "value"):
        table.add_column(column)
    for row in headline_rows(results):
        table.add_row(*row)
    out.print(table)
    targets = Table(title="targets (from the brief)")
    for column in ("target", "limit", "measured", "met"):
        targets.add_column(column)
    for t in results.get("targets", []):
        met = {True: "yes", False: "NO", None: "not measured"}[t["met"]]
        targets.add_row(t["what"], t["target"], _fmt(t["measured"]), met)
    out.print(targets)
    machine = results["machine"]
    out.print(
        f"{machine['cpus']} CPUs ({machine['cpu_model']}), load average at start "
        f"{machine['load_average_start']}, end {machine['load_average_end']}; "
        f"{results['duration_s']:g} s in all. Results: {output}"
    )

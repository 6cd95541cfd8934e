"""The benchmarks run end to end (tiny mode) and write results.json in the documented shape.

No timing is asserted: the machine is shared and noisy. What is asserted is that every
figure is there, that a failing measurement is recorded (not lost, not a crash), and that
the targets say "NO" when a figure misses one.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from benchmarks import cli, measurements
from benchmarks.patients import generated_patients, write_patients_file
from benchmarks.profiling import parse_raw, summarise
from benchmarks.stats import percentile
from benchmarks.targets import TARGETS, evaluate
from benchmarks.verification import child_env, pytest_summary
from eprom_verify import national_id
from eprom_verify.config import load_patients

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``python -m benchmarks --smoke``'s run, through its ``main`` in this process.

    Everything but the interpreter start is the command's: the same ``main`` parses the
    same arguments, and its servers (sink, simulator, reference receiver) are processes of
    their own as there. A fresh interpreter only repeated this process's imports (~0.8
    CPU-s); the command itself, ``python -m``, is run by
    ``test_the_command_line_entry_refuses_an_unknown_measurement``."""
    output = tmp_path_factory.mktemp("bench") / "results.json"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)  # the servers are ``python -m benchmarks.sink``, … from here
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed):
            code = cli.main(["--smoke", "--only", "orders,receiver,prism", "--output", str(output)])
    text = printed.getvalue()
    assert code == 0, f"exit {code}\n{text[-4000:]}"
    assert "targets (from the brief)" in text
    data: dict[str, Any] = json.loads(output.read_text(encoding="utf-8"))
    return data


def test_results_top_level_shape(quick_results: dict[str, Any]) -> None:
    assert quick_results["schema"] == 1
    assert quick_results["plan"] == "smoke"
    assert quick_results["selected"] == ["orders", "receiver", "prism"]
    dt.datetime.fromisoformat(quick_results["date"].replace("Z", "+00:00"))
    assert set(quick_results["git"]) >= {"commit", "dirty"}
    machine = quick_results["machine"]
    assert machine["cpus"] >= 1
    assert machine["python"].startswith("CPython")
    assert len(machine["load_average_start"]) == 3
    assert [t["name"] for t in quick_results["targets"]] == [t.name for t in TARGETS]
    assert set(quick_results["measurements"]) == {"orders", "receiver", "prism"}


def test_order_figures(quick_results: dict[str, Any]) -> None:
    orders = quick_results["measurements"]["orders"]
    assert orders["status"] == "ok", orders
    assert [lv["concurrency"] for lv in orders["levels"]] == [1, 8, 64]
    for level in orders["levels"]:
        assert level["errors"] == 0, level
        assert level["callbacks_missing"] == 0, level
        assert level["orders_accepted"] == level["status_callbacks"] > 0
        assert level["orders_per_s"] > 0
        assert set(level["callback_latency_ms"]) == {"p50", "p99", "max"}
        assert level["callback_latency_ms"]["p50"] <= level["callback_latency_ms"]["p99"]


def test_receiver_figures(quick_results: dict[str, Any]) -> None:
    receiver = quick_results["measurements"]["receiver"]
    assert receiver["status"] == "ok", receiver
    for level in receiver["levels"]:
        assert level["acknowledged"] == level["callbacks"] > 0, level
        assert set(level["latency_ms"]) == {"p50", "p95", "max"}
        raw = level["raw_client"]  # the peer: every PUT of the raw client acknowledged too
        assert raw["answered_2xx"] == raw["callbacks"] > 0, raw
        assert level["ratio_harness_to_raw"] > 0


def test_prism_records_why_it_did_not_run_or_a_ratio(quick_results: dict[str, Any]) -> None:
    prism = quick_results["measurements"]["prism"]
    if prism["status"] == "not run":  # --smoke (as --quick) never installs it
        assert "not installed" in prism["reason"]
    else:
        assert prism["status"] == "ok", prism
        assert prism["ratio_simulator_to_prism"] > 0


# --- checks that must be able to fail -------------------------------------------------


def test_a_failing_measurement_is_recorded_and_fails_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(plan: Any, folder: Path) -> dict[str, Any]:
        raise RuntimeError("injected fault")

    fake = measurements.Measurement("orders", "2a", "injected", broken)
    monkeypatch.setitem(measurements.MEASUREMENTS, "orders", fake)
    output = tmp_path / "results.json"
    args = argparse.Namespace(quick=True, only=["orders"], output=output, deep_receiver=False)
    assert cli.run(args) == 1
    entry = json.loads(output.read_text())["measurements"]["orders"]
    assert entry["status"] == "failed"
    assert entry["reason"] == "RuntimeError: injected fault"


def test_the_command_line_entry_refuses_an_unknown_measurement(tmp_path: Path) -> None:
    """``python -m benchmarks`` itself: a usage error is one line on stderr and exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--only", "ordrs", "--output", str(tmp_path / "r")],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.splitlines() == [
        "benchmarks: error: --only ordrs: no such measurement — choose from verification, "
        "check_receiver, persons, orders, letters, receiver, prism, peers, memory, profile"
    ], done.stderr
    assert not (tmp_path / "r").exists()


def test_unknown_measurement_is_a_usage_error() -> None:
    from eprom_verify._exceptions import UsageError

    with pytest.raises(UsageError, match="no such measurement — choose from verification"):
        cli._selected(["ordrs"])


def test_targets_report_missed_met_and_unmeasured() -> None:
    results = {
        "verification": {"ci": {"median_wall_s": 5.6}},
        "check_receiver": {"ci": {"median_wall_s": 3.0}},
        "orders": {"levels": [{"concurrency": 64, "orders_per_s": 600.0,
                               "callback_latency_ms": {"p99": 80.0}}]},
        "memory": {"rss_bytes_per_order": 2048.0},
    }  # fmt: skip
    met = {t["name"]: t["met"] for t in evaluate(results)}
    assert met == {
        "verification_ci": False,  # issue 25: at most 5.5 s
        "check_receiver_ci": True,  # at most 3 s
        "orders_per_s_n64": True,
        "callback_p99_n64": False,
        "vs_prism": None,
        "backlog_n256": None,
        "receiver_n32": None,
        "memory_per_order": False,  # the target is strictly below 2 KB
    }


def test_orders_refused_are_counted_not_hidden(tmp_path: Path) -> None:
    from benchmarks.simulator_load import run_orders
    from benchmarks.stack import running_stack

    with running_stack(tmp_path) as stack:
        stack.api_key = "not-the-registered-key"
        figures = run_orders(stack, concurrency=2, max_orders=6, max_seconds=5, drain_timeout_s=0.5)
    assert figures["errors"] == 6
    assert figures["orders_accepted"] == 0
    assert figures["first_error"].startswith("401 ")


# --- pieces -----------------------------------------------------------------------------


def test_generated_patients_are_valid_synthetic_and_unique(tmp_path: Path) -> None:
    today = dt.date(2026, 11, 22)
    people, pvk = generated_patients(30, today=today)
    ids = [p.national_id for p in people]
    assert len(set(ids)) == 30
    assert pvk
    fixture = load_patients().patients
    for index, person in enumerate(people):
        parsed = national_id.parse(person.national_id)
        template = national_id.parse(fixture[index % len(fixture)].national_id)
        assert parsed.synthetic
        assert parsed.accepted_by_eprom
        assert parsed.kind is template.kind
        assert parsed.age(on=today) == template.age(on=today)
    written = write_patients_file(tmp_path / "p.yaml", 3, today=today)
    assert [p.key for p in load_patients(written).patients] == [
        "verification-person-1", "docs-example-person-2", "helsenorge-adult-3",
    ]  # fmt: skip


def test_generated_patients_need_a_person() -> None:
    with pytest.raises(ValueError, match="at least one person"):
        generated_patients(0, today=dt.date(2026, 11, 22))


def test_pytest_summary_and_child_env(monkeypatch: pytest.MonkeyPatch) -> None:
    out = "....\n557 passed, 2 skipped, 11 deselected in 15.75s\n"
    assert pytest_summary(out) == {
        "counts": {"passed": 557, "skipped": 2, "deselected": 11},
        "pytest_seconds": 15.75,
    }
    monkeypatch.setenv("EPROM_ENV", "test")
    monkeypatch.setenv("CI", "1")
    assert "EPROM_ENV" not in child_env("deep")
    assert "CI" not in child_env("deep")
    assert child_env("ci")["CI"] == "1"
    with pytest.raises(ValueError, match="choose one of ci, deep"):
        child_env("fast")


def test_profile_summary_from_collapsed_stacks() -> None:
    raw = (
        "run (asyncio/runners.py:86);place (/x/eprom_verify/simulator/orders.py:97);"
        "transaction (/x/eprom_verify/simulator/store.py:207) 3\n"
        "run (asyncio/runners.py:86);place (/x/eprom_verify/simulator/orders.py:97) 1\n"
    )
    summary = summarise(parse_raw(raw.replace("/x/", str(ROOT) + "/")))
    assert summary["busy_samples"] == 4
    assert summary["top_self"][0] == {
        "function": "eprom_verify/simulator/store.py:transaction", "percent": 75.0,
    }  # fmt: skip


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    with pytest.raises(ValueError, match="fraction"):
        percentile(values, 0)

"""``python -m benchmarks [--quick] [--only NAME]`` (= ``eprom-verify bench``).

Runs the measurements in order, each in a temporary folder of its own, and writes every
figure with the machine, date and git commit to a JSON file: ``benchmarks/results.json`` for
a full run, ``benchmarks/results.local.json`` (git-ignored) for ``--quick`` or ``--only``
unless ``--output`` says otherwise. A measurement that fails is recorded with its reason and
the run goes on; the exit code is 1 when one failed, else 0 (targets missed are figures,
not failures).

This module imports only the standard library at import time: ``eprom-verify``'s parser
adds these options on every invocation.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

__all__ = ["RESULTS_FILE", "add_arguments", "main", "run"]

RESULTS_FILE = Path(__file__).resolve().parent / "results.json"
LOCAL_RESULTS_FILE = RESULTS_FILE.with_name("results.local.json")
SCHEMA_VERSION = 1


def _names() -> list[str]:
    from .measurements import MEASUREMENTS  # noqa: PLC0415

    return list(MEASUREMENTS)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The benchmark options on ``parser`` (stdlib only)."""
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a tiny run (about a minute): 1 verification run per profile, small loads; "
        "the figures only show that everything works",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="the smallest run through every code path (the test suite's smoke test, a few "
        "seconds); its figures mean nothing",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=None,
        metavar="NAME",
        help="run only this measurement (repeatable, or comma-separated): verification, "
        "check_receiver, persons, orders, letters, receiver, prism, peers, memory, profile",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        metavar="FILE",
        help=f"where to write the results (default {RESULTS_FILE.name} for a full run, "
        f"{LOCAL_RESULTS_FILE.name} for --quick/--smoke/--only)",
    )
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="REF",
        help="a git ref (e.g. main) whose run and check-receiver are the peer: each run of "
        "this tree is paired with one of REF, interleaved, and the figures are ratios",
    )
    parser.add_argument(
        "--workers",
        default=None,
        metavar="N[,N…]",
        help="worker counts of this tree's simulator (eprom-verify simulator --workers) in "
        "the orders and peers measurements, e.g. 1,2 (default 1)",
    )
    parser.add_argument(
        "--deep-receiver",
        action="store_true",
        help="also time check-receiver with the deep hypothesis profile (several minutes)",
    )


def _selected(only: list[str] | None) -> list[str]:
    known = _names()
    if not only:
        return known
    chosen = [name.strip() for item in only for name in item.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        from eprom_verify._exceptions import UsageError  # noqa: PLC0415

        raise UsageError(
            f"--only {', '.join(unknown)}: no such measurement — choose from {', '.join(known)}"
        )
    return [name for name in known if name in chosen]


def _output(args: argparse.Namespace) -> Path:
    if args.output is not None:
        return Path(args.output)
    return (
        LOCAL_RESULTS_FILE
        if (args.quick or getattr(args, "smoke", False) or args.only)
        else RESULTS_FILE
    )


def _measure(name: str, plan: Any, folder: Path, say: Any) -> dict[str, Any]:
    from .measurements import MEASUREMENTS  # noqa: PLC0415

    measurement = MEASUREMENTS[name]
    say(f"[{measurement.number}] {measurement.title} …")
    started = time.monotonic()
    entry: dict[str, Any] = {"number": measurement.number, "title": measurement.title}
    try:
        figures = measurement.run(plan, folder)
    except Exception as exc:  # recorded, and the run goes on
        entry.update(status="failed", reason=f"{type(exc).__name__}: {exc}")
        entry["traceback"] = traceback.format_exc(limit=6).splitlines()[-6:]
    else:
        entry["status"] = "ok"
        entry.update(figures)
    entry["seconds"] = round(time.monotonic() - started, 1)
    say(f"    {entry['status']} in {entry['seconds']:g} s")
    return entry


def run(args: argparse.Namespace) -> int:
    """Run the selected measurements, write the results file, print the summary table."""
    from . import report  # noqa: PLC0415
    from .machine import git_state, load_average, machine_info, utc_now  # noqa: PLC0415
    from .plan import FULL, QUICK, SMOKE  # noqa: PLC0415

    plan = SMOKE if getattr(args, "smoke", False) else QUICK if args.quick else FULL
    if getattr(args, "baseline", None):
        plan = dataclasses.replace(plan, baseline=args.baseline)
    if getattr(args, "workers", None):
        try:
            counts = tuple(int(n) for n in str(args.workers).split(","))
        except ValueError:
            counts = ()
        if not counts or min(counts) < 1:
            sys.stderr.write(f"--workers {args.workers}: expected counts like 1,2\n")
            return 2
        plan = dataclasses.replace(plan, workers=counts)
    names = _selected(args.only)
    output = _output(args)
    console = report.console()

    def say(text: str) -> None:
        console.print(text, markup=False)

    started = time.monotonic()
    results: dict[str, Any] = {
        "schema": SCHEMA_VERSION,
        "plan": plan.name,
        "selected": names,
        "date": utc_now(),
        "git": git_state(),
        "machine": {**machine_info(), "load_average_start": load_average()},
    }
    measurements: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="eprom-bench-") as tmp:
        for name in names:
            folder = Path(tmp) / name
            folder.mkdir()
            measurements[name] = _measure(name, plan, folder, say)
        if args.deep_receiver:
            measurements["check_receiver_deep"] = _deep_receiver(Path(tmp), say)
    results["machine"]["load_average_end"] = load_average()
    results["duration_s"] = round(time.monotonic() - started, 1)
    from .targets import evaluate  # noqa: PLC0415

    results["targets"] = evaluate(measurements)
    results["measurements"] = measurements
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report.print_summary(results, output=output)
    return 1 if any(m.get("status") == "failed" for m in measurements.values()) else 0


def _deep_receiver(tmp: Path, say: Any) -> dict[str, Any]:
    from .measurements import measure_check_receiver_deep  # noqa: PLC0415

    folder = tmp / "check_receiver_deep"
    folder.mkdir()
    say("[3c] receiver check with the deep hypothesis profile (minutes) …")
    started = time.monotonic()
    try:
        entry: dict[str, Any] = {"status": "ok", **measure_check_receiver_deep(folder)}
    except Exception as exc:  # recorded, and the run goes on
        entry = {"status": "failed", "reason": f"{type(exc).__name__}: {exc}"}
    entry["seconds"] = round(time.monotonic() - started, 1)
    return entry


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure how fast a verification is and what the simulator and the "
        "receiver check carry. See benchmarks/README.md.",
    )
    add_arguments(parser)
    from eprom_verify._exceptions import EpromVerifyError  # noqa: PLC0415

    try:
        return run(parser.parse_args(argv))
    except EpromVerifyError as exc:
        sys.stderr.write(f"benchmarks: error: {exc}\n")
        return 2

"""Every measurement by name: what it runs, with the plan's bounds, in a folder of its own.

A measurement is a function ``(plan, folder) -> dict`` registered in :data:`MEASUREMENTS`
(run order = registration order). The numbering follows the benchmark brief.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .plan import Plan
from .stats import median, rounded

__all__ = ["MEASUREMENTS", "Measurement"]

Runner = Callable[[Plan, Path], dict[str, Any]]


@dataclass(frozen=True)
class Measurement:
    name: str
    number: str
    title: str
    run: Runner


MEASUREMENTS: dict[str, Measurement] = {}


def _register(number: str, title: str) -> Callable[[Runner], Runner]:
    def decorate(function: Runner) -> Runner:
        name = function.__name__.removeprefix("measure_")
        MEASUREMENTS[name] = Measurement(name, number, title, function)
        return function

    return decorate


def _runs_summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [float(r["wall_s"]) for r in runs]
    return {
        "median_wall_s": rounded(median(walls)),
        "min_wall_s": min(walls),
        "max_wall_s": max(walls),
        "all_passed": all(r["exit_code"] == 0 for r in runs),
        "runs": runs,
    }


def _spread(values: list[float]) -> dict[str, float | None]:
    return {
        "min": rounded(min(values)),
        "median": rounded(median(values)),
        "max": rounded(max(values)),
    }


def _paired(ref: str, pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    """``(baseline, this)`` runs → each figure of both, and baseline ÷ this (> 1: faster)."""
    base, this = [b for b, _ in pairs], [t for _, t in pairs]
    out: dict[str, Any] = {"baseline": ref, "pairs": len(pairs)}
    for figure in ("wall_s", "cpu_s"):
        out[figure] = {
            "this": _spread([float(r[figure]) for r in this]),
            "baseline": _spread([float(r[figure]) for r in base]),
            "speedup": _spread([float(b[figure]) / max(float(t[figure]), 1e-9) for b, t in pairs]),
        }
    out["all_passed"] = all(r["exit_code"] == 0 for r in this)
    out["baseline_all_passed"] = all(r["exit_code"] == 0 for r in base)
    out["runs"] = this
    out["baseline_runs"] = base
    return out


@_register("1", "full verification (eprom-verify run) against the embedded simulator")
def measure_verification(plan: Plan, folder: Path) -> dict[str, Any]:
    from .verification import PROFILES, baseline_tree, time_run  # noqa: PLC0415

    out: dict[str, Any] = {"runs_per_profile": plan.verification_runs}
    if plan.baseline:
        # the peer in the same run: baseline and this tree alternate, run by run (ci profile)
        source = baseline_tree(plan.baseline, folder)
        pairs = [
            (
                time_run(folder / f"base-{n}", profile="ci", source=source),
                time_run(folder / f"ci-{n}", profile="ci"),
            )
            for n in range(max(3, plan.verification_runs))
        ]
        out["ci"] = {
            **_runs_summary([t for _, t in pairs]),
            "paired": _paired(plan.baseline, pairs),
        }
        return out
    for profile in PROFILES:
        runs = [
            time_run(folder / f"{profile}-{n}", profile=profile)
            for n in range(plan.verification_runs)
        ]
        out[profile] = _runs_summary(runs)
    return out


@_register(
    "3b", "receiver check (eprom-verify check-receiver, R1–R5) against the reference receiver"
)
def measure_check_receiver(plan: Plan, folder: Path) -> dict[str, Any]:
    from .receiver_load import reference_receiver  # noqa: PLC0415
    from .verification import time_check_receiver  # noqa: PLC0415

    if plan.check_receiver_runs < 1:
        return {"status": "not run", "reason": f"the {plan.name} plan skips it (about 20 s a run)"}
    api_key = f"bench-{secrets.token_urlsafe(24)}"
    paired: dict[str, Any] = {}
    with reference_receiver(folder, api_key) as receiver:
        if plan.baseline:
            from .verification import baseline_tree  # noqa: PLC0415

            source = baseline_tree(plan.baseline, folder)
            pairs = [
                tuple(
                    time_check_receiver(
                        folder / f"{side}-{n}",
                        base_url=receiver.root_url,
                        api_key=api_key,
                        profile="ci",
                        source=tree,
                    )
                    for side, tree in (("base", source), ("ci", None))
                )
                for n in range(max(3, plan.check_receiver_runs))
            ]
            runs = [t for _, t in pairs]
            paired = {"paired": _paired(plan.baseline, pairs)}  # type: ignore[arg-type]
        else:
            runs = [
                time_check_receiver(
                    folder / f"ci-{n}", base_url=receiver.root_url, api_key=api_key, profile="ci"
                )
                for n in range(plan.check_receiver_runs)
            ]
    return {
        "ci": {**_runs_summary(runs), **paired},
        "deep": {
            "status": "not run",
            "reason": "the deep profile (300 examples a check) took 5 min 40 s in one trial "
            "run; pass --deep-receiver to measure it",
        },
    }


def measure_check_receiver_deep(folder: Path) -> dict[str, Any]:
    """The deep-profile receiver check, once (opt-in: minutes)."""
    from .receiver_load import reference_receiver  # noqa: PLC0415
    from .verification import time_check_receiver  # noqa: PLC0415

    api_key = f"bench-{secrets.token_urlsafe(24)}"
    with reference_receiver(folder, api_key) as receiver:
        run = time_check_receiver(
            folder / "deep", base_url=receiver.root_url, api_key=api_key, profile="deep"
        )
    return _runs_summary([run])


@_register("5a", "cost growth: verification wall time by number of test persons")
def measure_persons(plan: Plan, folder: Path) -> dict[str, Any]:
    from .patients import write_patients_file  # noqa: PLC0415
    from .verification import time_run  # noqa: PLC0415

    if not plan.persons:
        return {
            "status": "not run",
            "reason": f"the {plan.name} plan skips it (a run per patients file, 15–50 s each)",
        }
    today = dt.date.today()
    points = []
    for count in plan.persons:
        patients = write_patients_file(folder / f"patients-{count}.yaml", count, today=today)
        run = time_run(folder / f"run-{count}", profile="ci", patients=patients, timeout_s=600)
        points.append({"persons": count, **run})
    return {"profile": "ci", "points": points}


@_register("2a", "simulator form-order throughput with status callbacks (separate processes)")
def measure_orders(plan: Plan, folder: Path) -> dict[str, Any]:
    from .simulator_load import measure_orders as orders  # noqa: PLC0415

    def levels(workers: int) -> list[dict[str, Any]]:
        (folder / f"w{workers}").mkdir()
        return orders(
            folder / f"w{workers}",
            concurrencies=plan.order_concurrencies,
            max_orders=plan.orders_per_level,
            max_seconds=plan.seconds_per_level,
            workers=workers,
            warmup_orders=plan.warmup_orders,
        )

    first, *more = plan.workers
    out: dict[str, Any] = {"callback_delay_seconds": 0, "workers": first, "levels": levels(first)}
    for workers in more:  # --workers 1,2: the same levels with 2 worker processes
        out[f"levels_w{workers}"] = levels(workers)
    return out


@_register("2b", "simulator letters with a 1 MB and a 30 MB PDF")
def measure_letters(plan: Plan, folder: Path) -> dict[str, Any]:
    from .simulator_load import measure_letters as letters  # noqa: PLC0415

    sizes = []
    for size in plan.letter_sizes:
        large = size > 8 * 1024 * 1024
        (folder / str(size)).mkdir()
        sizes.append(
            letters(
                folder / str(size),
                pdf_bytes=size,
                concurrency=2 if large else 8,
                max_letters=plan.letters_large if large else plan.letters_small,
                max_seconds=plan.letter_seconds,
            )
        )
    return {"sizes": sizes}


@_register("3", "receiver check throughput against the reference receiver (separate process)")
def measure_receiver(plan: Plan, folder: Path) -> dict[str, Any]:
    from .receiver_load import measure_receiver as receiver  # noqa: PLC0415

    levels = receiver(
        folder,
        concurrencies=plan.receiver_concurrencies,
        max_callbacks=plan.callbacks_per_level,
        max_seconds=plan.receiver_seconds,
        warmup=plan.receiver_warmup,
    )
    return {"levels": levels}


@_register("4", "peer: the simulator vs a Prism mock of its own OpenAPI, N=64")
def measure_prism(plan: Plan, folder: Path) -> dict[str, Any]:
    from .prism import ensure_prism  # noqa: PLC0415
    from .prism import measure_prism as prism  # noqa: PLC0415
    from .simulator_load import run_orders  # noqa: PLC0415
    from .stack import running_stack  # noqa: PLC0415

    binary, how = ensure_prism(install=plan.prism_install)
    if binary is None:
        return {"status": "not run", "reason": how}
    with running_stack(folder) as stack:
        run_orders(stack, concurrency=8, max_orders=50, max_seconds=10)  # warm-up
        simulator = run_orders(
            stack,
            concurrency=64,
            max_orders=plan.orders_per_level,
            max_seconds=plan.seconds_per_level,
        )
        return prism(
            stack,
            folder,
            simulator_figures=simulator,
            concurrency=64,
            max_requests=plan.orders_per_level,
            max_seconds=plan.seconds_per_level,
            install=plan.prism_install,
        )


@_register("4p", "peers, interleaved: the simulator vs Prism and a bare FastAPI app, N=64")
def measure_peers(plan: Plan, folder: Path) -> dict[str, Any]:
    from .peers import measure_peers as peers  # noqa: PLC0415

    return peers(
        folder,
        rounds=plan.peer_rounds,
        concurrency=64,
        max_requests=plan.orders_per_level,
        max_seconds=plan.seconds_per_level,
        install=plan.prism_install,
        baseline=plan.baseline,
        workers=plan.workers,
    )


@_register("5b", "cost growth: simulator memory per stored order")
def measure_memory(plan: Plan, folder: Path) -> dict[str, Any]:
    from .memory import measure_memory as memory  # noqa: PLC0415

    return memory(folder, orders=plan.memory_orders, max_seconds=plan.memory_seconds)


@_register("P", "profile of the simulator under the N=64 order load (py-spy)")
def measure_profile(plan: Plan, folder: Path) -> dict[str, Any]:
    from .profiling import profile_simulator  # noqa: PLC0415

    return profile_simulator(folder, orders=plan.profile_orders, max_seconds=plan.profile_seconds)

"""Run the registered receiver checks and say how each ended.

Above :mod:`.conformance` (importing it registers the checks) and :mod:`.registry` (which
holds them), so the registry never imports the checks back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Literal

from . import conformance as _conformance  # noqa: F401  (registers the checks)
from .exchanges import Exchanges
from .failure import ReceiverCheckFailure
from .registry import REGISTRY, Check, CheckRegistry
from .target import ReceiverTarget

__all__ = ["ConformanceResult", "run_checks"]


@dataclass(frozen=True)
class ConformanceResult:
    """How one receiver check ended, for :func:`run_checks` callers (not the report's
    :class:`eprom_verify.report.model.CheckResult`, which the pytest plugin builds)."""

    check: Check
    outcome: Literal["passed", "failed", "error"]
    duration_s: float
    failure: ReceiverCheckFailure | None = None
    error: str | None = None


def run_checks(
    target: ReceiverTarget,
    *,
    recorder: Exchanges | None = None,
    names: Iterable[str] | None = None,
    on_result: Callable[[ConformanceResult], object] | None = None,
    registry: CheckRegistry | None = None,
) -> list[ConformanceResult]:
    """Run the registered checks (or those in ``names``) against ``target``, in order.

    Never raises for a failing or crashing check; ``on_result`` sees each result as it comes.
    """
    checks = registry if registry is not None else REGISTRY
    chosen = [checks.get(n) for n in names] if names is not None else list(checks)
    exchanges = recorder if recorder is not None else target.exchanges
    results = []
    for check in chosen:
        result = _run_one(check, target, exchanges)
        results.append(result)
        if on_result is not None:
            on_result(result)
    return results


def _run_one(check: Check, target: ReceiverTarget, recorder: Exchanges) -> ConformanceResult:
    started = time.perf_counter()
    try:
        check(target, recorder)
    except ReceiverCheckFailure as failure:
        return ConformanceResult(check, "failed", time.perf_counter() - started, failure=failure)
    except Exception as exc:  # a crashing check is reported and the run goes on
        error = target.redact(f"{type(exc).__name__}: {exc}")
        return ConformanceResult(check, "error", time.perf_counter() - started, error=error)
    return ConformanceResult(check, "passed", time.perf_counter() - started)

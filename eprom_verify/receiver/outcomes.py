"""Run the registered receiver checks and say how each ended.

Above :mod:`.conformance` (importing it registers the checks) and :mod:`.registry` (which
holds them), so the registry never imports the checks back.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from eprom_verify.findings import Finding

from . import conformance as _conformance  # noqa: F401  (registers the checks)
from .exchanges import Exchanges
from .failure import ReceiverCheckFailure
from .registry import REGISTRY, Check, CheckRegistry
from .target import ReceiverTarget

__all__ = ["ConformanceResult", "run_checks"]


#: the old name of a receiver check's finding (kept for one release)
ConformanceResult = Finding


def run_checks(
    target: ReceiverTarget,
    *,
    recorder: Exchanges | None = None,
    names: Iterable[str] | None = None,
    on_result: Callable[[Finding], object] | None = None,
    registry: CheckRegistry | None = None,
) -> list[Finding]:
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


def _run_one(check: Check, target: ReceiverTarget, recorder: Exchanges) -> Finding:
    started = time.perf_counter()
    ids = check.checkpoint_ids
    try:
        check(target, recorder)
    except ReceiverCheckFailure as failure:
        took = time.perf_counter() - started
        return Finding.from_failure(failure, ids, rule=check.name, duration_s=took)
    except Exception as exc:  # a crashing check is reported and the run goes on
        error = target.redact(f"{type(exc).__name__}: {exc}")
        took = time.perf_counter() - started
        return Finding(ids, error, outcome="error", rule=check.name, duration_s=took, error=error)
    return Finding(ids, outcome="passed", rule=check.name, duration_s=time.perf_counter() - started)

"""A small registry of receiver checks, and the loop that runs them.

A check is a plain function ``(target, recorder) -> None`` that raises
:class:`~.failure.ReceiverCheckFailure` when the receiver misbehaves. A check that crashes
(any other exception) is reported as an error and the run goes on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from eprom_verify.checklist import checkpoint as lookup_checkpoint

from .exchanges import Exchanges
from .failure import ReceiverCheckFailure
from .target import ReceiverTarget

__all__ = [
    "Check",
    "CheckFunction",
    "CheckRegistry",
    "ConformanceResult",
    "REGISTRY",
    "run_checks",
]

CheckFunction = Callable[[ReceiverTarget, Exchanges], None]


@dataclass(frozen=True)
class Check:
    """A registered check: its name, the checkpoint it proves (R1…R5) and what it does."""

    name: str
    checkpoint: str
    description: str
    function: CheckFunction

    def __call__(self, target: ReceiverTarget, recorder: Exchanges) -> None:
        __tracebackhide__ = True
        self.function(target, recorder)


class CheckRegistry:
    """Checks by name, in registration order."""

    def __init__(self) -> None:
        self._checks: dict[str, Check] = {}

    def add(self, check: Check) -> Check:
        lookup_checkpoint(check.checkpoint)  # a KeyError names the known ids
        if check.name in self._checks:
            raise ValueError(f"a check named {check.name!r} is already registered")
        self._checks[check.name] = check
        return check

    def register(
        self, checkpoint: str, *, name: str | None = None
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Decorator: register ``function`` under ``name`` (default: its own name)."""

        def decorate(function: CheckFunction) -> CheckFunction:
            doc = (function.__doc__ or "").strip().splitlines()
            self.add(Check(name or function.__name__, checkpoint, doc[0] if doc else "", function))
            return function

        return decorate

    def __iter__(self) -> Iterator[Check]:
        return iter(list(self._checks.values()))

    def __len__(self) -> int:
        return len(self._checks)

    def names(self) -> tuple[str, ...]:
        return tuple(self._checks)

    def get(self, name: str) -> Check:
        try:
            return self._checks[name]
        except KeyError:
            known = ", ".join(self._checks)
            raise KeyError(f"no receiver check {name!r}; known: {known}") from None


#: The receiver checks (filled by :mod:`eprom_verify.receiver.conformance` when it is imported).
REGISTRY = CheckRegistry()


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
    from . import conformance as _conformance  # noqa: F401  (registers the checks)

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

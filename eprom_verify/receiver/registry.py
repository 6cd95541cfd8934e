"""A small registry of receiver checks (run them with :func:`.outcomes.run_checks`).

A check is a plain function ``(target, recorder) -> None`` that raises
:class:`~.failure.ReceiverCheckFailure` when the receiver misbehaves. A check that crashes
(any other exception) is reported as an error and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from eprom_verify.checklist import checkpoint as lookup_checkpoint

from .exchanges import Exchanges
from .target import ReceiverTarget

__all__ = [
    "Check",
    "CheckFunction",
    "CheckRegistry",
    "REGISTRY",
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

"""A small registry of receiver checks (run them with :func:`.outcomes.run_checks`).

A check is a plain function ``(target, recorder) -> None`` that raises
:class:`~.failure.ReceiverCheckFailure` when the receiver misbehaves. A check that crashes
(any other exception) is reported as an error and the run goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from eprom_verify.findings import RuleBook

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

    @property
    def checkpoint_ids(self) -> tuple[str, ...]:
        return (self.checkpoint,)

    def __call__(self, target: ReceiverTarget, recorder: Exchanges) -> None:
        __tracebackhide__ = True
        self.function(target, recorder)


class CheckRegistry(RuleBook[Check]):
    """Checks by name, in registration order (a :class:`~eprom_verify.findings.RuleBook`)."""

    def __init__(self, title: str | None = None) -> None:
        super().__init__(title, noun="receiver check")

    def register(
        self, checkpoint: str, *, name: str | None = None
    ) -> Callable[[CheckFunction], CheckFunction]:
        """Decorator: register ``function`` under ``name`` (default: its own name)."""

        def decorate(function: CheckFunction) -> CheckFunction:
            doc = (function.__doc__ or "").strip().splitlines()
            self.add(Check(name or function.__name__, checkpoint, doc[0] if doc else "", function))
            return function

        return decorate


#: The receiver checks (filled by :mod:`eprom_verify.receiver.conformance` when it is imported).
REGISTRY = CheckRegistry("receiver")

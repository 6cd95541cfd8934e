"""What a desk (orders, letters, privacy) may ask of the engine: a narrow interface.

The engine builds its desks and hands itself in; the desks name only this protocol, so
they never import the engine back. :class:`~.engine.Engine` satisfies it (mypy checks
that where the engine builds its desks).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from eprom_verify.config import Form, Patient, PvkDefinition
    from eprom_verify.contract import CallbackKind, EpromModel
    from eprom_verify.simulator.faults import FaultBook, FaultType
    from eprom_verify.simulator.settings import SimulatorSettings
    from eprom_verify.simulator.store import Store, SystemRow
    from eprom_verify.simulator.views import CallbackView

__all__ = ["EngineServices"]


class EngineServices(Protocol):
    """The engine's state and services the desks share."""

    @property
    def settings(self) -> SimulatorSettings: ...

    @property
    def store(self) -> Store: ...

    @property
    def faults(self) -> FaultBook: ...

    @property
    def patients(self) -> dict[str, Patient]: ...

    @property
    def pvk(self) -> dict[str, PvkDefinition]: ...

    def registered_patient(self, value: str) -> Patient | None: ...

    def form(self, form_id: str) -> Form | None: ...

    def request_fault(self, fault: FaultType | None) -> None: ...

    def system_named(self, name: str | None) -> SystemRow: ...

    def system_from_body_key(self, api_key: str | None) -> SystemRow: ...

    def enqueue(
        self,
        kind: CallbackKind,
        *,
        subject_id: str,
        system: str,
        build: Callable[[], EpromModel],
        plain: Callable[[], str] | None = None,
    ) -> int: ...

    def callbacks(
        self, *, subject_id: str | None = None, state: str | None = None, limit: int = 1000
    ) -> list[CallbackView]: ...

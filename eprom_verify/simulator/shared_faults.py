"""The fault book of one of several worker processes: the faults live in the shared store.

With ``eprom-verify simulator --workers N`` a fault added through the control API of one
worker must fire on an order another worker answers, and fire there only as often as it
says (``times``). :class:`SharedFaultBook` keeps the faults in the store's ``shared_faults``
table; each use reads them (only when a worker changed them: a version number the writer
bumps), lets the plain :class:`~.faults.FaultBook` decide which fire, and writes the uses
back in the caller's transaction (``BEGIN IMMEDIATE``: two workers never use one ``times:
1`` fault twice). The ids the control API shows are the table's, the same in every worker.
"""

from __future__ import annotations

from collections.abc import Iterable

from eprom_verify.contract import CallbackKind
from eprom_verify.simulator.faults import (
    ActiveFault,
    AppliedFaults,
    Fault,
    FaultBook,
    FaultType,
    RequestKind,
)
from eprom_verify.simulator.store import Store

__all__ = ["SharedFaultBook", "seed_faults"]


def seed_faults(store: Store, faults: Iterable[Fault]) -> None:
    """At the start of a group of workers: the configured faults, and no other."""
    with store.transaction():
        store.remove_shared_faults()
        for fault in faults:
            store.add_shared_fault(fault.model_dump_json(), fault.times)


class SharedFaultBook(FaultBook):
    """A :class:`FaultBook` whose faults are the shared store's (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        super().__init__()
        self._store = store
        self._version = -1

    def _load(self) -> list[ActiveFault]:
        """The store's faults as this book's entries (read again only after a change)."""
        version = self._store.version("faults")
        if version != self._version:
            self._active = [
                ActiveFault(
                    id=fault_id,
                    fault=Fault.model_validate_json(text),
                    remaining=remaining,
                    fired=fired,
                )
                for fault_id, text, remaining, fired in self._store.shared_faults()
            ]
            self._version = version
        return self._active

    def _write_uses(self, before: dict[int, int], entries: list[ActiveFault]) -> None:
        for entry in entries:
            if entry.fired != before[entry.id]:
                self._store.use_shared_fault(entry.id, entry.remaining, entry.fired)
        self._version = self._store.version("faults")

    def add(self, fault: Fault) -> ActiveFault:
        with self._store.transaction():
            fault_id = self._store.add_shared_fault(fault.model_dump_json(), fault.times)
        return ActiveFault(id=fault_id, fault=fault, remaining=fault.times)

    def active(self) -> list[ActiveFault]:
        return list(self._load())

    def clear(self) -> None:
        with self._store.transaction():
            self._store.remove_shared_faults()

    def remove(self, fault_id: int) -> bool:
        with self._store.transaction():
            return self._store.remove_shared_faults(fault_id) > 0

    def take_callback(self, kind: CallbackKind, subject_id: str) -> AppliedFaults:
        if not self._load():  # the hot path: no fault, no transaction
            return super().take_callback(kind, subject_id)
        with self._store.transaction():
            self._version = -1  # read inside the write lock: no other worker uses them now
            entries = list(self._load())
            before = {entry.id: entry.fired for entry in entries}
            applied = super().take_callback(kind, subject_id)
            self._write_uses(before, entries)
        return applied

    def take_request(self, request: RequestKind) -> FaultType | None:
        if not self._load():
            return None
        with self._store.transaction():
            self._version = -1
            entries = list(self._load())
            before = {entry.id: entry.fired for entry in entries}
            fired = super().take_request(request)
            self._write_uses(before, entries)
        return fired

"""The evidence trail: every exchange and callback as evidence, credited to whom it serves.

One :class:`EvidenceTrail` per run, owned by the :class:`~eprom_verify.harness.Harness`
and built with what it needs: the recorder (or None: nothing recorded) and the ledger's
lookup of placements. Exchanges made inside :meth:`EvidenceTrail.serving` (per thread, so a
batch of orders placed in parallel keeps each order's own case) carry that case and those
checkpoint ids; a callback is credited to the placement the ledger knows it by — one that
arrives before its order's response is held back until the order is known, or until the
run is judged (:meth:`EvidenceTrail.release`). Times are the true ones: a request when it
was sent, its response when it came, a callback when it arrived.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from .contract import NIL_GUID, CallbackKind
from .ledger import Entry, callback_name
from .wording import Text

if TYPE_CHECKING:
    from .client import Exchange
    from .listener import ReceivedCallback
    from .report.model import EvidenceKind
    from .report.recorder import Recorder

__all__ = [
    "EvidenceTrail",
    "PlacementLookup",
    "ServingContext",
    "TestInProgress",
    "owning_test",
    "utc",
]


def utc(at: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(at, dt.UTC)


def owning_test(test: str | None, case: str | None) -> str | None:
    """The test an exchange of ``case`` is filed under: ``test`` only when it is that case's.

    A batch of orders is placed while the first test that needs one runs; filing every
    order under that test would name one test beside another test's case. The case says
    whom such an order serves; the report finds its test from the checks that read it.
    """
    if test is None or case is None or "[" not in test:
        return test
    params = test.rsplit("[", 1)[1].rstrip("]")
    ours = f"-{params}-".find(f"-{case}-") >= 0  # the case is one of the test's parameters
    return test if ours else None


@dataclass(frozen=True)
class ServingContext:
    """Whom an exchange serves: the case, the checkpoints, the test."""

    case: str | None
    checkpoint_ids: tuple[str, ...]
    test: str | None


@dataclass
class TestInProgress:
    """The test that runs now: what it places and reads is credited to it."""

    __test__ = False  # not a pytest test class

    test: str | None = None
    checkpoint_ids: tuple[str, ...] = ()
    case: str | None = None
    #: what the test compared (the report's per-checkpoint tables)
    facts: dict[str, Any] = field(default_factory=dict)
    #: the orders and letters the test read (their evidence is linked to its row)
    orders: list[str] = field(default_factory=list)


class PlacementLookup(Protocol):
    """What the trail asks the ledger: the placement a callback belongs to, if known yet."""

    def entry(self, ident: str | None) -> Entry | None: ...


class EvidenceTrail:
    """Evidence and timelines of one run, credited to the case and checkpoints they serve."""

    def __init__(self, *, recorder: Recorder | None, placements: PlacementLookup) -> None:
        self.recorder = recorder
        self.placements = placements
        self.current = TestInProgress()
        #: per order or letter id: the evidence recorded about it
        self.evidence_by_ident: dict[str, list[str]] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pending: dict[str, list[ReceivedCallback]] = {}
        self._holding = True

    def begin_test(self, test: str, checkpoint_ids: tuple[str, ...], case: str | None) -> None:
        """A new test starts: what it places and reads is credited to it."""
        self.current = TestInProgress(test=test, checkpoint_ids=checkpoint_ids, case=case)

    @contextmanager
    def serving(
        self, case: str | None, checkpoint_ids: tuple[str, ...] | None = None
    ) -> Iterator[None]:
        """Exchanges made in this block (this thread) serve ``case`` and ``checkpoint_ids``."""
        previous = getattr(self._local, "context", None)
        self._local.context = ServingContext(
            case=case,
            checkpoint_ids=checkpoint_ids
            if checkpoint_ids is not None
            else self.current.checkpoint_ids,
            test=self.current.test,
        )
        try:
            yield
        finally:
            self._local.context = previous

    def context(self) -> ServingContext:
        """Whom an exchange made now (in this thread) serves."""
        given = getattr(self._local, "context", None)
        if isinstance(given, ServingContext):
            return given
        current = self.current
        return ServingContext(current.case, current.checkpoint_ids, current.test)

    def evidence(self, kind: EvidenceKind, **kwargs: Any) -> str | None:
        if self.recorder is None:
            return None
        context = self.context()
        kwargs.setdefault("test", owning_test(context.test, context.case))
        kwargs.setdefault("checkpoint_ids", context.checkpoint_ids)
        kwargs.setdefault("case", context.case)
        eid = self.recorder.add_evidence(kind, **kwargs)
        ident = kwargs.get("order_id")
        if ident:
            with self._lock:
                self.evidence_by_ident.setdefault(str(ident), []).append(eid)
        return eid

    def touch(self, ident: str | None) -> None:
        """Note that the current test reads this order or letter (links its evidence)."""
        orders = self.current.orders
        if ident and ident != NIL_GUID and ident not in orders:
            orders.append(ident)

    def evidence_of_current_test(self, *, limit: int = 40) -> list[str]:
        with self._lock:
            ids = [
                e for ident in self.current.orders for e in self.evidence_by_ident.get(ident, [])
            ]
        return ids[:limit]

    def timeline(self, ident: str, what: Text | str, **kwargs: Any) -> None:
        if self.recorder is not None and ident and ident != NIL_GUID:
            self.recorder.add_timeline_event(ident, what, **kwargs)

    def record_exchange(self, exchange: Exchange) -> None:
        """The client's hook: one request and its response as evidence, at their true times."""
        ident = None
        if isinstance(exchange.response_body, dict):
            ident = exchange.response_body.get("id") or exchange.response_body.get(
                "messageToCitizenId"
            )
        path = exchange.url.rsplit("/api/", 1)[-1]
        sent, answered = exchange.started_at, exchange.started_at + exchange.elapsed_s
        self.evidence(
            "request",
            title=f"{exchange.method} {path}",
            method=exchange.method,
            url=exchange.url,
            headers=exchange.request_headers,
            body=exchange.request_body,
            order_id=ident,
            at=utc(sent),
        )
        eid = self.evidence(
            "response",
            title=(
                f"{exchange.status} {path}"
                if exchange.status
                else Text(en=f"no answer {path}", nb=f"ikke noe svar {path}")
            ),
            method=exchange.method,
            url=exchange.url,
            status=exchange.status,
            body=exchange.response_body if exchange.error is None else exchange.error,
            order_id=ident,
            at=utc(answered),
        )
        body = exchange.request_body if isinstance(exchange.request_body, dict) else {}
        patient = body.get("nationalId")
        lowered = path.lower()
        if ident and ("formorder" in lowered or "messagetocitizen" in lowered):
            kind = "letter" if "messagetocitizen" in lowered else "form_order"
            sent_text, accepted = _PLACEMENT_EVENTS[kind]
            self.timeline(ident, sent_text, kind=kind, patient=patient, at=utc(sent))
            self.timeline(
                ident,
                accepted + f" ({exchange.status})",
                kind=kind,
                evidence_id=eid,
                at=utc(answered),
            )

    def record_callback(self, callback: ReceivedCallback) -> None:
        """The listener's hook (server thread): evidence once we know whom it serves."""
        ident = callback.ident
        if (
            ident
            and self.placements.entry(ident) is None
            and callback.kind is not CallbackKind.PRIVACY
            and not callback.is_patient_initiated
        ):
            with self._lock:  # its order's response is not back yet: record it then
                if self._holding:
                    self._pending.setdefault(ident, []).append(callback)
                    return
        self._record_callback_now(callback)

    def _record_callback_now(self, callback: ReceivedCallback) -> None:
        ident = callback.ident
        entry = self.placements.entry(ident)
        name = callback_name(callback.kind).one
        eid = self.evidence(
            "callback",
            title=f"PUT {callback.path} (" + name + f", #{callback.seq})",
            method="PUT",
            url=callback.path,
            status=callback.answered_status,
            headers=callback.headers,
            body=callback.data if callback.data is not None else callback.body_text,
            order_id=ident,
            test=owning_test(entry.test, entry.case) if entry is not None else None,
            checkpoint_ids=entry.checkpoint_ids if entry is not None else (),
            case=entry.case if entry is not None else None,
            at=utc(callback.at),
        )
        kind = "letter" if callback.kind is CallbackKind.LETTER else "form_order"
        if callback.is_patient_initiated:
            kind = "patient_initiated"
        if ident and callback.kind is not CallbackKind.PRIVACY:
            self.timeline(
                ident, name + f" #{callback.seq}", kind=kind, evidence_id=eid, at=utc(callback.at)
            )

    def placed(self, entry: Entry) -> None:
        """``entry`` is in the ledger now: describe it, then record the callbacks held back."""
        self.describe(entry)
        with self._lock:
            pending = self._pending.pop(entry.ident, [])
        self._record_all(pending)

    def release(self) -> None:
        """The run is judged: record every callback held back, and hold none from now on."""
        with self._lock:
            self._holding = False
            pending = [c for group in self._pending.values() for c in group]
            self._pending.clear()
        self._record_all(pending)

    def _record_all(self, callbacks: list[ReceivedCallback]) -> None:
        for callback in sorted(callbacks, key=lambda c: c.seq):
            self._record_callback_now(callback)

    def describe(self, entry: Entry, **facts: Any) -> None:
        """What a placement is (case, test, person, rule, channel …) and, later, what came."""
        if self.recorder is None:
            return
        self.recorder.describe_order(
            entry.ident,
            kind="letter" if entry.kind == "letter" else "form_order",
            case=entry.case,
            test=owning_test(entry.test, entry.case),
            checkpoint_ids=list(entry.checkpoint_ids),
            expected_status=entry.expected_status,
            person=entry.person,
            rule=entry.rule,
            form=entry.form,
            expected_channel=entry.expected_channel.wire_name if entry.expected_channel else None,
            **facts,
        )


#: a placement's two timeline events: sent, and ePROM's answer
_PLACEMENT_EVENTS = {
    "letter": (
        Text(en="letter sent", nb="brev sendt"),
        Text(en="letter accepted", nb="brev mottatt av ePROM"),
    ),
    "form_order": (
        Text(en="order sent", nb="bestilling sendt"),
        Text(en="order accepted", nb="bestilling mottatt av ePROM"),
    ),
}

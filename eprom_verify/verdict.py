"""The run-wide verdict: wait for what is still due, then judge the ledger, once per run.

One :class:`RunVerdict` per run, owned by the :class:`~eprom_verify.harness.Harness` and
built with what it needs: the ledger, the callbacks received
(:class:`~eprom_verify.waiting.CallbackSource`), the three time limits, the progress line,
and where to write what the judgement found about each placement
(:class:`JudgedPlacements`, the evidence trail). The rules themselves are in
:mod:`eprom_verify.ledger`.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any, Protocol

from .contract import CallbackKind
from .ledger import STATUS_KIND, Entry, Ledger, LedgerVerdict

if TYPE_CHECKING:
    from .waiting import CallbackSource, WaitProgress

__all__ = ["JudgedPlacements", "RunVerdict"]


class JudgedPlacements(Protocol):
    """Where the verdict writes what it found (the evidence trail).

    Satisfied by :class:`~eprom_verify.evidence_trail.EvidenceTrail`.
    """

    def release(self) -> None:
        """The run is judged: what was held back until its placement was known, now."""

    def describe(self, entry: Entry, **facts: Any) -> None:
        """What came for one placement: channel, status, callbacks, duplicates, wait."""


class RunVerdict:
    """``judge_run()``: wait for what is still due, judge every placement once, describe it.

    ``callback_timeout_s`` bounds a status callback after ePROM accepted the placement,
    ``answer_timeout_s`` an answer after the patient delivered (the simulator's patient
    answers at once; a person gets ``--fill-timeout``), ``duplicate_window_s`` how long a
    first callback's copies are listened for.
    """

    def __init__(
        self,
        *,
        ledger: Ledger,
        callbacks: CallbackSource,
        placements: JudgedPlacements,
        progress: WaitProgress,
        callback_timeout_s: float,
        answer_timeout_s: float,
        duplicate_window_s: float,
    ) -> None:
        self.ledger = ledger
        self.callbacks = callbacks
        self.placements = placements
        self.progress = progress
        self.callback_timeout_s = callback_timeout_s
        self.answer_timeout_s = answer_timeout_s
        self.duplicate_window_s = duplicate_window_s
        self._lock = threading.Lock()
        self._verdict: LedgerVerdict | None = None

    @property
    def judged(self) -> LedgerVerdict | None:
        """The verdict once the run is judged, else None."""
        with self._lock:
            return self._verdict

    def judge_run(self) -> LedgerVerdict:
        """Wait for what is still due, then judge every placement against every callback.

        Judged once per run (the first caller waits; later ones read the same verdict).
        """
        with self._lock:
            if self._verdict is not None:
                return self._verdict
        self._wait_for_outstanding()
        self.progress.end()
        self._duplicate_window()
        verdict = self.ledger.judge(
            self.callbacks.received(),
            callback_timeout_s=self.callback_timeout_s,
            answer_timeout_s=self.answer_timeout_s,
        )
        with self._lock:
            self._verdict = verdict
        self.placements.release()
        self._describe_all()
        return verdict

    def _duplicate_window(self) -> None:
        """Listen until one duplicate window has passed since the last first callback.

        The one window of the run: each callback's first copy opens a window of
        ``duplicate_window_s`` for its copies; by the time the run is judged most of those
        windows have long passed, so this waits only for what is left of the latest one.
        """
        first: dict[tuple[object, object], float] = {}
        for callback in self.callbacks.received():
            key = (callback.kind, callback.ident)
            first[key] = min(first.get(key, callback.at), callback.at)
        if not first:
            return
        left = max(first.values()) + self.duplicate_window_s - time.time()
        if left > 0:
            time.sleep(left)

    def _wait_for_outstanding(self) -> None:
        """Status callbacks until each one's deadline; answers until theirs."""
        callbacks = self.callbacks
        for entry in self.ledger.outstanding(callbacks.received()):
            left = (entry.answered_at or entry.sent_at) + self.callback_timeout_s - time.time()
            kind = STATUS_KIND[entry.kind]
            if left > 0:
                callbacks.wait_for(
                    kind,
                    entry.ident,
                    timeout_s=left,
                    what=f"the {kind} callback of {entry.ident}",
                    progress=self.progress,
                )
        for entry in self.ledger.entries():
            if entry.answer_due_at is None:
                continue
            left = entry.answer_due_at + self.answer_timeout_s - time.time()
            if left > 0 and not callbacks.received(CallbackKind.ANSWER, entry.ident):
                callbacks.wait_for(
                    CallbackKind.ANSWER,
                    entry.ident,
                    timeout_s=left,
                    what=f"the answer to order {entry.ident}",
                    progress=self.progress,
                )

    def _describe_all(self) -> None:
        """Each placement's report facts: what came for it, once the run is judged."""
        received = self.callbacks.received()
        for entry in self.ledger.entries():
            if entry.kind == "privacy":
                continue
            mine = [c for c in received if c.ident == entry.ident]
            counts: dict[str, int] = {}
            for c in mine:
                if c.kind is not None:
                    counts[c.kind.value] = counts.get(c.kind.value, 0) + 1
            first: Any = next(
                (
                    c.model
                    for c in mine
                    if c.model is not None and c.kind is not CallbackKind.ANSWER
                ),
                None,
            )
            answer: Any = next(
                (c.model for c in mine if c.model is not None and c.kind is CallbackKind.ANSWER),
                None,
            )
            channel = first.notification_channel.wire_name if first is not None else None
            status = None
            if answer is not None:
                status = answer.form_order_status.name
            elif first is not None:
                status = getattr(first, "form_order_status", None) or getattr(
                    first, "sent_status", None
                )
                status = getattr(status, "name", status)
            duplicates = sum(max(0, n - 1) for n in counts.values())
            self.placements.describe(
                entry,
                channel=channel,
                status=status,
                callbacks=counts,
                duplicates=duplicates,
                waited_s=round(mine[0].at - entry.sent_at, 3) if mine else None,
            )

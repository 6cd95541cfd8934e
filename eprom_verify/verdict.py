"""The run-wide verdict: wait for what is still due, then judge the ledger, once per run.

Mixed into :class:`~eprom_verify.harness.Harness`; the rules themselves are in
:mod:`eprom_verify.ledger`.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from .contract import CallbackKind
from .evidence_trail import EvidenceTrail
from .ledger import STATUS_KIND, LedgerVerdict
from .listener import CallbackListener
from .settings import RunSettings

__all__ = ["RunVerdict"]


class RunVerdict(EvidenceTrail):
    """``judge_run()`` and what it records about every placement."""

    settings: RunSettings
    listener: CallbackListener
    simulator: Any

    if TYPE_CHECKING:

        def progress(self, label: str, so_far: float, limit: float) -> None: ...

        def _end_progress(self) -> None: ...

    def judge_run(self) -> LedgerVerdict:
        """Wait for what is still due, then judge every placement against every callback.

        Judged once per run (the first caller waits; later ones read the same verdict).
        """
        with self._lock:
            if self._verdict is not None:
                return self._verdict
        self._wait_for_outstanding()
        self._end_progress()
        self._duplicate_window()
        verdict = self.ledger.judge(
            self.listener.received(),
            callback_timeout_s=self.settings.callback_timeout_s,
            answer_timeout_s=self._answer_timeout_s(),
        )
        with self._lock:
            self._verdict = verdict
        self._flush_pending()
        self._describe_all(verdict)
        return verdict

    def _answer_timeout_s(self) -> float:
        return (
            self.settings.callback_timeout_s
            if self.simulator is not None
            else self.settings.fill_timeout_s
        )

    def _duplicate_window(self) -> None:
        """Listen until one duplicate window has passed since the last first callback.

        The one window of the run: each callback's first copy opens a window of
        ``duplicate_window_s`` for its copies; by the time the run is judged most of those
        windows have long passed, so this waits only for what is left of the latest one.
        """
        window = self.settings.duplicate_window_s
        first: dict[tuple[object, object], float] = {}
        for callback in self.listener.received():
            key = (callback.kind, callback.ident)
            first[key] = min(first.get(key, callback.at), callback.at)
        if not first:
            return
        left = max(first.values()) + window - time.time()
        if left > 0:
            time.sleep(left)

    def _wait_for_outstanding(self) -> None:
        """Status callbacks until each one's deadline; answers until theirs."""
        timeout = self.settings.callback_timeout_s
        for entry in self.ledger.outstanding(self.listener.received()):
            left = (entry.answered_at or entry.sent_at) + timeout - time.time()
            kind = STATUS_KIND[entry.kind]
            if left > 0:
                self.listener.wait_for(
                    kind,
                    entry.ident,
                    timeout_s=left,
                    what=f"the {kind} callback of {entry.ident}",
                    progress=self.progress,
                )
        answer_timeout = self._answer_timeout_s()
        for entry in self.ledger.entries():
            if entry.answer_due_at is None:
                continue
            left = entry.answer_due_at + answer_timeout - time.time()
            if left > 0 and not self.listener.received(CallbackKind.ANSWER, entry.ident):
                self.listener.wait_for(
                    CallbackKind.ANSWER,
                    entry.ident,
                    timeout_s=left,
                    what=f"the answer to order {entry.ident}",
                    progress=self.progress,
                )

    def _describe_all(self, verdict: LedgerVerdict) -> None:
        received = self.listener.received()
        problems: dict[str, int] = {}
        for finding in verdict.findings:
            if finding.order_id:
                problems[finding.order_id] = problems.get(finding.order_id, 0) + 1
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
            self._describe(
                entry,
                channel=channel,
                status=status,
                callbacks=counts,
                duplicates=duplicates,
                waited_s=round(mine[0].at - entry.sent_at, 3) if mine else None,
            )

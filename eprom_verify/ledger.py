"""The run-wide ledger: everything the run placed, every callback it received, judged at the end.

A test looks at the orders it placed; the ledger looks at all of them. After the last test,
every callback the listener received counts, whichever test caused it:

* a second callback of the same kind (and status) for one order or letter is a duplicate;
* a callback for an id the run never placed (and not a patient-initiated answer) is an orphan;
* a status callback that never came, or came after the callback timeout, is lost or late;
* an answer the patient delivered that never came is lost;
* every callback must follow the contract and carry our key;
* every status callback reports the channel and status the test person's profile predicts;
* the order of events is ePROM's: order → status → answer, and no answer to an order
  whose status was ``Error`` (LC1).

Each finding names the checkpoint it fails, the order, the case and test that placed it,
and the callbacks (their numbers and times). Plain Python: the suites turn findings into
failed tests (``suites/test_run_ledger.py``), and anything else can call :meth:`Ledger.judge`.

One topic, the rules of the run-wide verdict, so it is long.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .contract import CallbackKind, NotificationChannel
from .listener import ReceivedCallback, utc_clock

__all__ = [
    "CHECKPOINTS_JUDGED",
    "STATUS_KIND",
    "Entry",
    "EntryKind",
    "Finding",
    "Ledger",
    "LedgerVerdict",
]

EntryKind = Literal["form_order", "letter", "privacy"]

#: the checkpoints the ledger judges, in the order the report lists them
CHECKPOINTS_JUDGED: tuple[str, ...] = (
    "V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2", "P1", "L1", "L2", "PV3", "LC1",
)  # fmt: skip

#: the checkpoint a callback kind's duplicates, orphans, contract and key failures belong to
_NO_ERRORS = {
    CallbackKind.STATUS: "V1.4",
    CallbackKind.ANSWER: "V3.2",
    CallbackKind.LETTER: "L1",
    CallbackKind.PRIVACY: "PV3",
}
CALLBACK_NAMES = {
    CallbackKind.STATUS: "status callback",
    CallbackKind.ANSWER: "answer callback",
    CallbackKind.LETTER: "letter status callback",
    CallbackKind.PRIVACY: "privacy-setting callback",
}


#: the callback that reports on each kind of placement (its status)
STATUS_KIND: dict[EntryKind, CallbackKind] = {
    "form_order": CallbackKind.STATUS,
    "letter": CallbackKind.LETTER,
    "privacy": CallbackKind.PRIVACY,
}


@dataclass
class Entry:
    """One thing the run placed: a form order, a letter, or a privacy change it triggered."""

    ident: str
    kind: EntryKind
    sent_at: float
    case: str | None = None
    test: str | None = None
    checkpoint_ids: tuple[str, ...] = ()
    answered_at: float | None = None
    #: a status (letter status, privacy) callback is due for it
    callback_due: bool = True
    test_mode: bool = False
    #: the test person's key in the patients file
    person: str | None = None
    rule: str | None = None
    form: str | None = None
    expected_channel: NotificationChannel | None = None
    expected_status: str | None = None
    #: set when the patient delivered: the answer is due from then on
    answer_due_at: float | None = None
    answer_due_because: str | None = None
    #: privacy changes triggered for this ident (each one callback)
    changes: int = 0

    @property
    def label(self) -> str:
        what = {"form_order": "order", "letter": "letter", "privacy": "privacy setting"}[self.kind]
        placed_by = ", ".join(
            part
            for part in (
                f"case {self.case}" if self.case else "",
                f"placed by {self.test}" if self.test else "",
            )
            if part
        )
        return f"{what} {self.ident}" + (f" ({placed_by})" if placed_by else "")


@dataclass(frozen=True)
class Finding:
    """One thing wrong over the whole run, on one checkpoint."""

    checkpoint_id: str
    message: str
    expected: Any = None
    received: Any = None
    order_id: str | None = None
    case: str | None = None
    test: str | None = None
    callbacks: tuple[str, ...] = ()

    def as_text(self) -> str:
        shown = self.message
        if self.test and self.test not in shown:
            shown += f" (placed by {self.test})"
        if self.callbacks:
            shown += " — " + ", ".join(self.callbacks)
        return shown


@dataclass
class LedgerVerdict:
    """The findings of one judgement, by checkpoint, and what was judged."""

    findings: list[Finding] = field(default_factory=list)
    #: per checkpoint: how many orders/letters/callbacks it looked at
    judged: dict[str, int] = field(default_factory=dict)

    def for_checkpoint(self, checkpoint_id: str) -> list[Finding]:
        return [f for f in self.findings if f.checkpoint_id == checkpoint_id]


class Ledger:
    """Thread-safe record of the run's placements; :meth:`judge` reads the listener's record.

    ``key_ok`` decides whether a callback carried our key (the listener already knows:
    it compares in constant time and never shows the key).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[str, Entry] = {}
        self._refused: list[Finding] = []

    # --- recording (any thread) --------------------------------------------------------
    def place(self, entry: Entry) -> Entry:
        with self._lock:
            existing = self._entries.get(entry.ident)
            if existing is not None and entry.kind == "privacy":
                existing.changes += 1
                return existing
            if entry.kind == "privacy":
                entry.changes = max(entry.changes, 1)
            self._entries[entry.ident] = entry
            return entry

    def refused(self, finding: Finding) -> None:
        """A placement the run made that ePROM refused or never answered (V1.1 / L1)."""
        with self._lock:
            self._refused.append(finding)

    def expect_answer(self, ident: str, *, because: str, at: float) -> None:
        """The patient delivered (or a tester attested it): the answer is due."""
        with self._lock:
            entry = self._entries.get(ident)
            if entry is not None and entry.answer_due_at is None:
                entry.answer_due_at, entry.answer_due_because = at, because

    def entry(self, ident: str | None) -> Entry | None:
        with self._lock:
            return self._entries.get(ident) if ident else None

    def entries(self) -> list[Entry]:
        with self._lock:
            return list(self._entries.values())

    def outstanding(self, received: Sequence[ReceivedCallback]) -> list[Entry]:
        """Entries whose status callback is due and has not come."""
        seen = {(c.kind, c.ident) for c in received}
        return [
            e
            for e in self.entries()
            if e.callback_due and not e.test_mode and (STATUS_KIND[e.kind], e.ident) not in seen
        ]

    # --- judging ----------------------------------------------------------------------
    def judge(
        self,
        callbacks: Iterable[ReceivedCallback],
        *,
        callback_timeout_s: float,
        answer_timeout_s: float,
    ) -> LedgerVerdict:
        """Judge everything placed against every callback received."""
        received = list(callbacks)
        verdict = LedgerVerdict(findings=list(self._refused))
        by_ident: dict[str | None, list[ReceivedCallback]] = defaultdict(list)
        for callback in received:
            by_ident[callback.ident].append(callback)
        entries = {e.ident: e for e in self.entries()}
        verdict.judged = _judged(entries.values(), received)
        for callback in received:
            verdict.findings += _each_callback(callback, entries.get(callback.ident or ""))
        for ident, group in by_ident.items():
            entry = entries.get(ident or "")
            verdict.findings += _duplicates(group, entry)
            if entry is None:
                verdict.findings += _orphans(group)
        for entry in entries.values():
            group = by_ident.get(entry.ident, [])
            verdict.findings += _missing_or_late(
                entry,
                group,
                callback_timeout_s=callback_timeout_s,
                answer_timeout_s=answer_timeout_s,
            )
            if entry.kind == "form_order":
                verdict.findings += _channel_and_status(entry, group)
                verdict.findings += _answer_channel(entry, group)
                verdict.findings += _lifecycle(entry, group)
            elif entry.kind == "letter":
                verdict.findings += _letter_channel(entry, group)
        return verdict


def _judged(entries: Iterable[Entry], received: Sequence[ReceivedCallback]) -> dict[str, int]:
    placed = list(entries)
    orders = [e for e in placed if e.kind == "form_order"]
    letters = [e for e in placed if e.kind == "letter"]

    def count(kind: CallbackKind) -> int:
        return sum(1 for c in received if c.kind is kind)

    return {
        "V1.1": len(orders) + len(letters),
        "V1.2": sum(1 for e in orders if e.callback_due and not e.test_mode),
        "V1.3": sum(1 for e in orders if e.expected_channel is not None),
        "V1.4": count(CallbackKind.STATUS),
        "V3.1": sum(1 for e in orders if e.answer_due_at is not None),
        "V3.2": sum(
            1 for c in received if c.kind is CallbackKind.ANSWER and not c.is_patient_initiated
        ),
        "P1": sum(1 for c in received if c.kind is CallbackKind.ANSWER and c.is_patient_initiated),
        "L1": len(letters) + count(CallbackKind.LETTER),
        "L2": sum(1 for e in letters if e.expected_channel is not None),
        "PV3": sum(1 for e in placed if e.kind == "privacy") + count(CallbackKind.PRIVACY),
        "LC1": sum(1 for e in orders if e.answer_due_at is not None or e.callback_due),
    }


def _checkpoint_of(callback: ReceivedCallback) -> str:
    if callback.kind is CallbackKind.ANSWER and callback.is_patient_initiated:
        return "P1"
    return _NO_ERRORS.get(callback.kind, "V1.4") if callback.kind else "V1.4"


def _finding(
    checkpoint_id: str,
    message: str,
    entry: Entry | None,
    callbacks: Sequence[ReceivedCallback] = (),
    *,
    expected: Any = None,
    received: Any = None,
    ident: str | None = None,
) -> Finding:
    return Finding(
        checkpoint_id=checkpoint_id,
        message=message,
        expected=expected,
        received=received,
        order_id=entry.ident if entry is not None else ident,
        case=entry.case if entry is not None else None,
        test=entry.test if entry is not None else None,
        callbacks=tuple(c.label for c in callbacks),
    )


def _each_callback(callback: ReceivedCallback, entry: Entry | None) -> list[Finding]:
    what = CALLBACK_NAMES.get(callback.kind, "callback") if callback.kind else "callback"
    where = entry.label if entry is not None else f"id {callback.ident}"
    out = []
    checkpoint_id = _checkpoint_of(callback)
    if callback.error is not None:
        out.append(
            _finding(
                checkpoint_id,
                f"the {what} for {where} {callback.error}",
                entry,
                [callback],
                expected="a payload that follows the contract (§4)",
                received=callback.error,
                ident=callback.ident,
            )
        )
    elif not callback.key_ok:
        out.append(
            _finding(
                checkpoint_id,
                f"the {what} for {where} carried a wrong API key — a receiver must refuse it",
                entry,
                [callback],
                expected="our API key",
                received="another key (see the callback's fingerprint in the evidence)",
                ident=callback.ident,
            )
        )
    if entry is not None and entry.test_mode and callback.kind is CallbackKind.ANSWER:
        out.append(
            _finding(
                "V3.2",
                f"an answer came for {where}, a testMode order: the answer shall not be returned",
                entry,
                [callback],
                expected="no answer callback (testMode)",
                received="an answer callback",
            )
        )
    return out


def _duplicates(group: Sequence[ReceivedCallback], entry: Entry | None) -> list[Finding]:
    out: list[Finding] = []
    by_kind: dict[tuple[CallbackKind | None, str | None], list[ReceivedCallback]] = defaultdict(
        list
    )
    for callback in group:
        if not _acknowledged(callback):
            continue  # refused callbacks are redelivered by ePROM: not duplicates
        # a second status callback is a duplicate whatever it says; answers by status
        status = callback.status_value if callback.kind is CallbackKind.ANSWER else None
        by_kind[(callback.kind, status)].append(callback)
    for (kind, _status), same in by_kind.items():
        allowed = entry.changes if entry is not None and kind is CallbackKind.PRIVACY else 1
        if kind is None or len(same) <= max(allowed, 1):
            continue
        what = CALLBACK_NAMES[kind]
        where = entry.label if entry is not None else f"id {same[0].ident}"
        gaps = ", ".join(f"+{c.at - same[0].at:.3f} s" for c in same)
        out.append(
            _finding(
                _checkpoint_of(same[0]),
                f"{len(same)} {what}s for {where} (duplicates; arrival {gaps})",
                entry,
                same,
                expected=f"{max(allowed, 1)} {what}",
                received=f"{len(same)} {what}s",
                ident=same[0].ident,
            )
        )
    return out


def _acknowledged(callback: ReceivedCallback) -> bool:
    return callback.answered_status < 300 and callback.answered.get("success") is True


def _orphans(group: Sequence[ReceivedCallback]) -> list[Finding]:
    strays = [
        c
        for c in group
        if c.kind is not None
        and not (c.kind is CallbackKind.ANSWER and c.is_patient_initiated)
        and c.ident is not None
    ]
    if not strays:
        return []
    kind = strays[0].kind
    assert kind is not None
    return [
        _finding(
            _checkpoint_of(strays[0]),
            f"{len(strays)} {CALLBACK_NAMES[kind]}(s) for id {strays[0].ident}, which this run never "
            "placed (a callback ePROM should not send, or a previous run's late one)",
            None,
            strays,
            expected="callbacks only for ids the run placed (or patient-initiated answers)",
            received=f"{CALLBACK_NAMES[kind]} for {strays[0].ident}",
            ident=strays[0].ident,
        )
    ]


def _missing_or_late(
    entry: Entry,
    group: Sequence[ReceivedCallback],
    *,
    callback_timeout_s: float,
    answer_timeout_s: float,
) -> list[Finding]:
    kind = STATUS_KIND[entry.kind]
    checkpoint_id = {"form_order": "V1.2", "letter": "L1", "privacy": "PV3"}[entry.kind]
    out = []
    firsts = [c for c in group if c.kind is kind]
    if entry.callback_due and not entry.test_mode:
        if not firsts:
            out.append(
                _finding(
                    checkpoint_id,
                    f"no {CALLBACK_NAMES[kind]} for {entry.label} by the end of the run "
                    f"(sent {utc_clock(entry.sent_at)}, limit {callback_timeout_s:g} s)",
                    entry,
                    expected=f"1 {CALLBACK_NAMES[kind]} within {callback_timeout_s:g} s",
                    received="none",
                )
            )
        elif (late := firsts[0].at - (entry.answered_at or entry.sent_at)) > callback_timeout_s:
            out.append(
                _finding(
                    checkpoint_id,
                    f"the {CALLBACK_NAMES[kind]} for {entry.label} came {late:.1f} s after ePROM accepted "
                    f"it; the limit is {callback_timeout_s:g} s",
                    entry,
                    firsts[:1],
                    expected=f"within {callback_timeout_s:g} s",
                    received=f"after {late:.1f} s",
                )
            )
    if entry.answer_due_at is not None:
        answers = [c for c in group if c.kind is CallbackKind.ANSWER]
        if not answers:
            out.append(
                _finding(
                    "V3.1",
                    f"no answer callback for {entry.label}, though {entry.answer_due_because} "
                    f"at {utc_clock(entry.answer_due_at)} (waited up to {answer_timeout_s:g} s)",
                    entry,
                    expected="1 answer callback (formData) after delivery",
                    received="none",
                )
            )
    return out


def _channel_and_status(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    statuses = [c for c in group if c.kind is CallbackKind.STATUS and c.model is not None]
    if not statuses or entry.expected_channel is None:
        return []
    model: Any = statuses[0].model
    expected = {"notificationChannel": entry.expected_channel.wire_name}
    received = {"notificationChannel": model.notification_channel.wire_name}
    if entry.expected_status is not None:
        expected["formOrderStatus"] = entry.expected_status
        received["formOrderStatus"] = model.form_order_status.name
    if expected == received:
        return []
    return [
        _finding(
            "V1.3",
            f"{entry.label} (person {entry.person}, rule {entry.rule}) went to the wrong channel "
            "or status",
            entry,
            statuses[:1],
            expected=expected,
            received=received,
        )
    ]


def _answer_channel(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    """The answer reports the channel the order went to (its status callback's)."""
    statuses = [c for c in group if c.kind is CallbackKind.STATUS and c.model is not None]
    answers = [c for c in group if c.kind is CallbackKind.ANSWER and c.model is not None]
    if not statuses or not answers:
        return []
    said: Any = statuses[0].model
    # the predicted channel when there is one (a wrong status callback is V1.3's finding)
    expected = entry.expected_channel or said.notification_channel
    source = "the channel the profile predicts" if entry.expected_channel else "its status callback"
    out = []
    for answer in answers:
        model: Any = answer.model
        given = model.notification_channel  # optional in the documented example
        if given is not None and given is not expected:
            out.append(
                _finding(
                    "V3.2",
                    f"the answer for {entry.label} reports notificationChannel "
                    f"{given.wire_name}, not {source}",
                    entry,
                    [statuses[0], answer],
                    expected=expected.wire_name,
                    received=given.wire_name,
                )
            )
    return out


def _letter_channel(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    statuses = [c for c in group if c.kind is CallbackKind.LETTER and c.model is not None]
    if not statuses or entry.expected_channel is None:
        return []
    model: Any = statuses[0].model
    if model.notification_channel is entry.expected_channel:
        return []
    return [
        _finding(
            "L2",
            f"the status callback of {entry.label} reports another channel than the "
            "priority list gives",
            entry,
            statuses[:1],
            expected=entry.expected_channel.wire_name,
            received=model.notification_channel.wire_name,
        )
    ]


def _lifecycle(entry: Entry, group: Sequence[ReceivedCallback]) -> list[Finding]:
    statuses = [c for c in group if c.kind is CallbackKind.STATUS]
    answers = [c for c in group if c.kind is CallbackKind.ANSWER]
    out: list[Finding] = []
    if not answers:
        return out
    if not statuses:  # a lost status callback: V1.2 reports it
        return out
    first_answer = min(answers, key=lambda c: c.seq)
    first_status = min(statuses, key=lambda c: c.seq)
    if first_answer.seq < first_status.seq:
        out.append(
            _finding(
                "LC1",
                f"the answer for {entry.label} came before its status callback",
                entry,
                [first_answer, first_status],
                expected="order → status callback → answer callback",
                received="order → answer callback → status callback (a status after the answer)",
            )
        )
    model: Any = first_status.model
    if model is not None and model.form_order_status.name == "Error":
        out.append(
            _finding(
                "LC1",
                f"an answer came for {entry.label}, whose status was Error (nobody was notified)",
                entry,
                [first_status, first_answer],
                expected="no answer to an order whose status is Error",
                received="an answer callback",
            )
        )
    return out

"""The run-wide verdict alone: built with a ledger, the callbacks and time limits, no Harness."""

from __future__ import annotations

import time
from typing import Any

from eprom_verify.contract import CallbackKind
from eprom_verify.ledger import Entry, Ledger
from eprom_verify.verdict import RunVerdict
from eprom_verify.waiting import WaitProgress

from ._fakes import Callbacks, status_callback

ONE, TWO = "11111111-1111-4111-8111-111111111111", "22222222-2222-4222-8222-222222222222"


class Placements:
    """Where the verdict writes what it found: released once, each placement described."""

    def __init__(self) -> None:
        self.released = 0
        self.described: dict[str, dict[str, Any]] = {}

    def release(self) -> None:
        self.released += 1

    def describe(self, entry: Entry, **facts: Any) -> None:
        self.described[entry.ident] = facts


def _verdict(callbacks: Callbacks, ledger: Ledger, placements: Placements) -> RunVerdict:
    return RunVerdict(
        ledger=ledger,
        callbacks=callbacks,
        placements=placements,
        progress=WaitProgress(None),
        callback_timeout_s=5.0,
        answer_timeout_s=5.0,
        duplicate_window_s=0.0,
    )


def test_the_run_is_judged_once_and_each_placement_described():
    now = time.time()
    ledger = Ledger()
    for ident in (ONE, TWO):
        ledger.place(Entry(ident=ident, kind="form_order", sent_at=now - 60, answered_at=now - 60))
    # ONE: its status twice (a duplicate); TWO: nothing at all
    callbacks = Callbacks(
        status_callback(ONE, seq=1, at=now - 59), status_callback(ONE, seq=2, at=now - 58)
    )
    placements = Placements()
    run = _verdict(callbacks, ledger, placements)
    assert run.judged is None

    verdict = run.judge_run()

    assert run.judge_run() is verdict, "a second caller reads the same verdict"
    assert run.judged is verdict
    assert placements.released == 1
    found = sorted((f.checkpoint_id, f.order_id) for f in verdict.findings)
    assert found == [("V1.2", TWO), ("V1.4", ONE)], (
        f"expected V1.4 for the duplicate of {ONE} and V1.2 for {TWO}'s missing status, "
        f"received {found}"
    )
    assert placements.described[ONE]["duplicates"] == 1
    assert placements.described[ONE]["callbacks"] == {"status": 2}
    assert placements.described[TWO]["status"] is None


def test_what_is_still_due_is_waited_for_until_its_own_deadline():
    now = time.time()
    ledger = Ledger()
    ledger.place(Entry(ident=ONE, kind="form_order", sent_at=now, answered_at=now))
    callbacks = Callbacks()

    _verdict(callbacks, ledger, Placements()).judge_run()

    [(kind, ident, timeout)] = callbacks.waits
    assert (kind, ident) == (CallbackKind.STATUS, ONE)
    assert 0 < timeout <= 5.0, f"expected what is left of 5 s, received {timeout}"

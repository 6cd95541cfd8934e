"""The ledger against generated runs: sequences of privacy changes, orders and their callbacks.

A duplicate is defined by content — the same callback delivered again — never by a key
seen twice: a run that changes a setting back and forth gets one callback per change and
passes; one identical callback more fails, and names itself a repeat.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from test_ledger_rules import SETTING, T0, Wire, change, findings, order

from eprom_verify.run.ledger import Ledger

PROPERTY = settings(max_examples=examples(150), derandomize=True, deadline=None)
_FLIP = {"RES": "IRES", "IRES": "RES"}


@dataclass(frozen=True)
class Run:
    """Changes to one setting, in order: (status, made by the ordering system itself)."""

    changes: list[tuple[str, bool]]
    own_reported: bool

    def reported(self) -> list[str]:
        """The statuses ePROM calls back with, in order."""
        return [status for status, own in self.changes if not own or self.own_reported]


@st.composite
def runs(draw: st.DrawFn) -> Run:
    status = draw(st.sampled_from(["RES", "IRES"]))
    changes = []
    for own in draw(st.lists(st.booleans(), min_size=1, max_size=7)):
        changes.append((status, own))
        status = _FLIP[status]  # a change always changes the status
    return Run(changes, draw(st.booleans()))


def _judge(run: Run, callbacks: list[str]) -> list[str]:
    ledger, wire = Ledger(), Wire()
    for n, (status, own) in enumerate(run.changes):
        change(ledger, status, own=own, at=T0 + n)
    for n, status in enumerate(callbacks):
        wire.privacy(status, at=T0 + 0.5 + n)
    return [f"{f.checkpoint_id} {f.message.en}" for f in findings(ledger, wire)]


@PROPERTY
@given(runs())
def test_one_callback_per_reported_change_passes(run: Run) -> None:
    assert _judge(run, run.reported()) == []


@PROPERTY
@given(runs(), st.data())
def test_the_same_callback_again_fails_pv3_as_a_repeat(run: Run, data: st.DataObject) -> None:
    sent = run.reported()
    if not sent:
        return
    which = data.draw(st.integers(0, len(sent) - 1), label="repeated")
    where = data.draw(st.integers(which + 1, len(sent)), label="delivered again at")
    again = [*sent[:where], sent[which], *sent[where:]]
    # RES, IRES, RES is also what an ePROM that reports the run's own change (RES) sends:
    # a repeat only fails where no reading of the guide explains it
    assume(again != Run(run.changes, not run.own_reported).reported())
    found = _judge(run, again)
    assert len(found) == 1, found
    assert found[0].startswith("PV3 ")
    assert "came again with the same content" in found[0]
    assert f"(status {sent[which]};" in found[0]


@PROPERTY
@given(runs(), st.data())
def test_a_citizens_change_not_reported_fails_pv3(run: Run, data: st.DataObject) -> None:
    citizens = [n for n, (_status, own) in enumerate(run.changes) if not own]
    if not citizens:
        return
    lost = data.draw(st.sampled_from(citizens), label="lost")
    sent = [
        status
        for n, (status, own) in enumerate(run.changes)
        if n != lost and (not own or run.own_reported)
    ]
    found = _judge(run, sent)
    assert found, "a lost callback went unnoticed"
    assert all(f.startswith("PV3 ") for f in found)


@PROPERTY
@given(runs())
def test_an_unasked_callback_fails_pv3(run: Run) -> None:
    sent = run.reported()
    last = run.changes[-1][0]
    found = _judge(run, [*sent, _FLIP[last], _FLIP[_FLIP[last]], _FLIP[last]])
    assert found
    assert all(f.startswith("PV3 ") for f in found)


@PROPERTY
@given(
    st.lists(st.sampled_from(["Ordered", "Error"]), min_size=1, max_size=3),
    st.integers(0, 2),
)
def test_an_order_gets_exactly_one_status_callback(statuses: list[str], answers: int) -> None:
    ledger, wire = Ledger(), Wire()
    ident = order(ledger, expected_status=None)
    for status in statuses:
        wire.status(ident, state=status, channel=1 if status == "Ordered" else 0)
    for _ in range(answers):
        wire.answer(str(uuid.uuid4()), patient=True)
    found = findings(ledger, wire)
    duplicates = [f for f in found if f.checkpoint_id == "V1.4"]
    assert len(duplicates) == (len(statuses) > 1)
    if len(set(statuses)) > 1:
        assert "one is due, these say" in duplicates[0].message.en
    assert SETTING not in str([f.message for f in found])

"""One finding type (eprom_verify.findings): made by the ledger, observe's judge and the
receiver checks, registered in rule books, and brought into the report by one path."""

from __future__ import annotations

import dataclasses

import pytest

from eprom_verify import CheckFailure, Text
from eprom_verify.findings import FAILED, Finding, Rule, RuleBook, rule, rule_books
from eprom_verify.report.model import CheckResult


def test_the_ledgers_spelling_and_observes_make_the_same_type() -> None:
    run = Finding(checkpoint_id="V1.2", message=Text(en="lost", nb="borte"), order_id="o1")
    step = Finding(["V1.3"], Text(en="wrong", nb="feil"), rule="channel", step_id="s1",
                   order_ids=["o2"], exchanges=[4])  # fmt: skip
    assert type(run) is type(step) is Finding
    assert (run.checkpoint_id, run.checkpoint_ids, run.order_id) == ("V1.2", ("V1.2",), "o1")
    assert run.outcome == "failed"
    assert run.failed
    assert (step.name, step.check, step.exchanges) == ("s1: channel", "channel", (4,))
    assert Finding("V1.1", "plain words").message == "plain words"  # not ours: not translated


def test_a_finding_survives_replace() -> None:
    """observe marks an unreached step's failure not_run with dataclasses.replace."""
    failed = Finding(["V1.2"], Text(en="no callback", nb="ingen"), step_id="s", order_ids=["o"])
    later = dataclasses.replace(failed, outcome="not_run", message=None)
    assert (later.outcome, later.checkpoint_ids, later.order_ids) == ("not_run", ("V1.2",), ("o",))
    assert not later.failed
    assert FAILED == {"failed", "error"}


def test_as_text_names_the_test_and_the_callbacks() -> None:
    finding = Finding(
        "V1.4",
        Text(en="2 status callbacks", nb="2 statusmeldinger"),
        test="t.py::test_a",
        callbacks=[Text(en="callback #3", nb="tilbakekall #3")],
    )
    assert finding.as_text() == Text(
        en="2 status callbacks (during t.py::test_a) — callback #3",
        nb="2 statusmeldinger (under t.py::test_a) — tilbakekall #3",
    )


def test_one_path_into_the_report_keeps_both_languages_and_the_fix() -> None:
    finding = Finding(
        ["V1.3"],
        Text(en="went to SMS", nb="gikk til SMS"),
        rule="channel",
        step_id="order-1",
        expected=Text(en="Digital", nb="Digital"),
        received={"notificationChannel": "Sms"},
        fix=Text(en="order with Basic", nb="bestill med Basic"),
        order_ids=["o1"],
    )
    row = CheckResult.from_finding(finding, nodeid="observe::order-1::channel")
    assert row.name == "order-1: channel"
    assert row.outcome == "failed"
    assert row.checkpoint_ids == ["V1.3"]
    assert row.message == "went to SMS. What to change: order with Basic"
    assert row.messages["nb"] == "gikk til SMS. Dette må endres: bestill med Basic"
    assert (row.expected, row.expected_texts["nb"]) == ("Digital", "Digital")
    assert (row.received, row.received_texts) == ({"notificationChannel": "Sms"}, {})
    assert row.order_ids == ["o1"]
    passed = dataclasses.replace(finding, outcome="passed")
    assert CheckResult.from_finding(passed, nodeid="n").message == "went to SMS"  # no fix


def test_a_raised_failure_becomes_the_same_finding_with_its_callback() -> None:
    failure = CheckFailure(
        Text(en="the status callback is wrong", nb="statusmeldingen er feil"),
        expected=Text(en="Ordered", nb="Ordered"),
        received=Text(en="an error", nb="en feil"),
        order_id="o9",
        callback={"formOrderId": "o9"},
    )
    finding = Finding.from_failure(failure, ["V1.2"], rule="test_x", duration_s=0.5)
    assert finding.failure is failure
    assert finding.message == Text(en="the status callback is wrong", nb="statusmeldingen er feil")
    row = CheckResult.from_finding(finding, nodeid="suites/t.py::test_x")
    assert row.received == {"summary": "an error", "json": {"formOrderId": "o9"}}
    assert row.received_texts == {"en": "an error", "nb": "en feil"}
    assert (row.order_ids, row.duration_s, row.name) == (["o9"], 0.5, "test_x")


def test_a_rule_book_refuses_unknown_checkpoints_and_twins_and_names_what_it_knows() -> None:
    book: RuleBook[Rule] = RuleBook()

    @rule(book, "V1.3")
    def _wrong_channel() -> list[Finding]:
        """A status callback on the wrong channel."""
        return [Finding("V1.3", "x"), Finding("V1.3", "y", rule="named")]

    assert [f.rule for f in _wrong_channel()] == ["wrong_channel", "named"]
    assert book.names() == ("wrong_channel",)
    assert book.get("wrong_channel").description == "A status callback on the wrong channel."
    assert [r.name for r in book.for_checkpoint("V1.3")] == ["wrong_channel"]
    with pytest.raises(ValueError, match="already registered"):
        book.add(book.get("wrong_channel"))
    with pytest.raises(KeyError, match="X9"):
        book.add(Rule("other", ("X9",), "", lambda: []))
    with pytest.raises(KeyError, match="known: wrong_channel"):
        book.get("missing")


def test_every_producer_registers_its_rules() -> None:
    """The ledger, observe's judge and the receiver are listed with the checkpoints their
    rules decide; every checkpoint the ledger judges has a rule."""
    from eprom_verify.observe import judge  # noqa: F401  (registers observe's rules)
    from eprom_verify.receiver import REGISTRY
    from eprom_verify.run import ledger

    books = rule_books()
    assert {"ledger", "observe", "receiver"} <= set(books)
    assert books["receiver"] is REGISTRY
    for checkpoint_id in ledger.CHECKPOINTS_JUDGED:
        assert books["ledger"].for_checkpoint(checkpoint_id), f"no ledger rule for {checkpoint_id}"
    assert [r.name for r in books["observe"].for_checkpoint("V1.3")] == ["channel"]
    assert {"V2.1", "S1"} <= set(books["observe"].get("attest").checkpoint_ids)

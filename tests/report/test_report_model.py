"""Row status rules, coverage and summary (model.build_rows and friends)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from report_sample import T0, Sample

from eprom_verify.checklist import CHECKPOINTS, checkpoint_ids
from eprom_verify.report import Attestation, CheckResult
from eprom_verify.report.model import build_coverage, build_rows, summarize


def check(cp: str, outcome: str, nodeid: str | None = None) -> CheckResult:
    return CheckResult(
        nodeid=nodeid or f"suites/t.py::test_{cp}_{outcome}",
        name="t",
        checkpoint_ids=[cp],
        outcome=outcome,  # type: ignore[arg-type]
    )


def attest(cp: str, answer: str, *, minutes: int = 0) -> Attestation:
    return Attestation(
        checkpoint_id=cp,
        tester="Kari Nordmann",
        answer=answer,  # type: ignore[arg-type]
        at=T0 + timedelta(minutes=minutes),
        source="file",
    )


def status_of(cp: str, checks: list[CheckResult], atts=(), env: str = "test") -> str:
    rows = build_rows(checks, list(atts), [], environment=env, lang="nb")
    return next(r.status for r in rows if r.id == cp)


@pytest.mark.parametrize(
    ("cp", "outcomes", "answers", "env", "expected"),
    [
        # automatic checkpoint (V1.1 is auto everywhere)
        ("V1.1", ["passed"], [], "test", "passed"),
        ("V1.1", ["passed", "failed"], [], "test", "failed"),
        ("V1.1", ["passed", "error"], [], "test", "failed"),
        ("V1.1", ["skipped"], [], "test", "not_run"),
        ("V1.1", ["not_run"], [], "test", "not_run"),
        ("V1.1", [], [], "test", "not_run"),
        ("V1.1", ["passed"], ["no"], "test", "failed"),
        # manual everywhere (V2.1): a person must see it, the simulator only stored it
        ("V2.1", ["passed"], [], "test", "needs_attestation"),
        ("V2.1", ["passed"], ["yes"], "test", "passed"),
        ("V2.1", ["passed"], ["no"], "test", "failed"),
        ("V2.1", ["passed"], ["yes", "no"], "test", "failed"),
        ("V2.1", ["passed"], [], "simulator", "needs_attestation"),
        ("V2.1", ["passed"], ["yes"], "simulator", "passed"),
        ("V2.1", ["needs_attestation"], [], "simulator", "needs_attestation"),
        ("V2.1", ["needs_attestation"], ["yes"], "qa", "passed"),
        ("V2.1", ["needs_attestation"], ["no"], "qa", "failed"),
        ("V2.1", ["needs_attestation", "failed"], ["yes"], "qa", "failed"),
        # an attestation alone has nothing to vouch for
        ("V2.1", [], ["yes"], "test", "not_run"),
        ("V2.1", ["skipped"], ["yes"], "test", "not_run"),
    ],
)
def test_row_status(cp, outcomes, answers, env, expected):
    checks = [check(cp, o, nodeid=f"t::{i}") for i, o in enumerate(outcomes)]
    atts = [attest(cp, a, minutes=i) for i, a in enumerate(answers)]
    assert status_of(cp, checks, atts, env=env) == expected


def test_a_no_decides_over_a_later_yes():
    rows = build_rows(
        [check("V2.3", "passed")],
        [attest("V2.3", "no", minutes=1), attest("V2.3", "yes", minutes=9)],
        [],
        environment="test",
        lang="nb",
    )
    row = next(r for r in rows if r.id == "V2.3")
    assert (row.status, row.attestation and row.attestation.answer) == ("failed", "no")


def test_every_checkpoint_has_exactly_one_row_in_checklist_order():
    rows = build_rows([], [], [], environment="test", lang="en")
    assert [r.id for r in rows] == list(checkpoint_ids())
    assert [r.title for r in rows] == [cp.title.en for cp in CHECKPOINTS]
    assert {r.hemit for r in rows if r.area in {"V1", "V2", "V3", "S"}} == {True}


def test_a_check_for_two_checkpoints_counts_for_both_and_failures_are_listed():
    both = CheckResult(
        nodeid="t::both", name="both", checkpoint_ids=["V1.2", "V1.4"], outcome="failed"
    )
    rows = {r.id: r for r in build_rows([both], [], [], environment="test", lang="nb")}
    assert rows["V1.2"].status == rows["V1.4"].status == "failed"
    assert rows["V1.2"].failures == [both]


def test_summary_counts_rows(sample: Sample):
    s = sample.data.summary
    assert (s.passed, s.failed, s.needs_attestation) == (6, 1, 1)
    assert s.passed + s.failed + s.needs_attestation + s.not_run == len(CHECKPOINTS)
    assert summarize(sample.data.rows) == s


def test_coverage_lists_tests_and_how(sample: Sample):
    coverage = {c.checkpoint_id: c for c in build_coverage(sample.data.checks)}
    assert list(coverage) == list(checkpoint_ids())
    assert coverage["V2.1"].how.remote.value == "manual"
    assert coverage["V2.1"].how.simulator.value == "manual"  # never "automatic"
    assert coverage["V2.1"].tests == ["suites/test_v2.py::test_form"]
    assert coverage["U1"].tests == []


def test_sample_rows_link_tests_and_evidence(sample: Sample):
    rows = {r.id: r for r in sample.data.rows}
    assert rows["V1.3"].status == "failed"
    assert rows["V1.3"].evidence_ids == ["e0003"]
    assert rows["V1.2"].evidence_ids == ["e0001", "e0003"]  # own check + tagged callback
    assert rows["V2.2"].status == "passed"
    assert rows["V2.2"].attestation is not None
    assert rows["L1"].status == "not_run"
    assert rows["L1"].tests


def test_report_json_round_trips(sample: Sample):
    from eprom_verify.report import ReportData

    raw = (sample.report_dir / "report.json").read_text()
    assert ReportData.model_validate_json(raw) == sample.data


def test_naive_times_are_taken_as_utc():
    naive = attest("V2.1", "yes").model_copy(update={"at": T0.replace(tzinfo=None)})
    again = Attestation.model_validate(naive.model_dump())
    assert again.at == T0


def test_unknown_fields_are_refused_so_a_caller_typo_shows():
    with pytest.raises(ValueError, match="evidence"):
        CheckResult(nodeid="n", name="n", outcome="passed", evidence=["e0001"])  # type: ignore[call-arg]

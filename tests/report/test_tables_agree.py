"""Every table row agrees with the evidence it links, and each old contradiction stays fixed.

The full runs (run and observe, passing and faulted) are in tests/run/test_tables_agree.py
and tests/observe/test_tables_agree.py; here the synthetic runs, the checker's own failure,
the report kinds and one regression test per contradiction issue 21 found.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from markupsafe import escape
from report_full import record_full
from report_sample import KEY, T0, ticking_clock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/tables_agree.py
from tables_agree import disagreements  # noqa: E402

from eprom_verify.redact import Redactor
from eprom_verify.report import CheckResult, Recorder, RunInfo, new_report_dir, render_html
from eprom_verify.report.i18n import EN, NB, strings
from eprom_verify.report.model import Attestation, ReportKind, decide_kind
from eprom_verify.report.views import section_for, status_cell, verdict
from eprom_verify.run.evidence_trail import owning_test

ORDER = "0a1b2c3d-0000-4000-8000-000000000001"


@pytest.mark.parametrize("failing", [False, True], ids=["passing", "failing"])
def test_every_row_of_a_synthetic_run_agrees_with_its_evidence(tmp_path: Path, failing: bool):
    folder = new_report_dir(tmp_path / "reports", "simulator", now=T0)
    sample = record_full(folder, failing=failing)
    assert disagreements(sample.report_dir) == []


def test_the_checker_fails_when_a_table_says_what_the_evidence_does_not(tmp_path: Path):
    folder = new_report_dir(tmp_path / "reports", "simulator", now=T0)
    sample = record_full(folder)
    path = sample.report_dir / "report.json"
    report = json.loads(path.read_text("utf-8"))
    tampered = next(t for t in report["timelines"] if t["callbacks"])
    tampered["callbacks"] = {}
    tampered["status"] = "Ordered" if tampered["status"] != "Ordered" else "Error"
    path.write_text(json.dumps(report), "utf-8")
    found = disagreements(sample.report_dir)
    assert any(tampered["order_id"] in p and "timeline says {}" in p for p in found), found
    assert any(tampered["order_id"] in p and "status" in p for p in found), found


# -- one recorder, the evidence as the run and observe write it ------------------------------


def _recorder(tmp_path: Path, *, environment: str = "simulator", **run: object) -> Recorder:
    info = RunInfo(
        ordering_system="Testsystemet",
        environment=environment,
        base_url="http://127.0.0.1:1/promswebapi",
        callback_url="http://127.0.0.1:2",
        started_at=T0,
        tool_version="0.1.0",
        api_key_fingerprint=None,
        command="eprom-verify run",
        **run,  # type: ignore[arg-type]
    )
    folder = new_report_dir(tmp_path / "reports", environment, now=T0)
    return Recorder(folder, run=info, redactor=Redactor(secrets=[KEY]), clock=ticking_clock())


def _answer(rec: Recorder, *, order_id: str | None, at_s: float) -> str:
    return rec.add_evidence(
        "callback",
        title="PUT /api/PromsFormOrder (answer callback, #41)",
        method="PUT",
        url="/api/PromsFormOrder",
        status=200,
        body={
            "formOrderId": ORDER,
            "formData": "{}",
            "formOrderStatus": "Completed",
            "isPatientInitiated": True,
        },  # fmt: skip
        order_id=order_id,
        at=T0 + timedelta(seconds=at_s),
    )


def test_a_patient_initiated_answer_is_counted_though_its_event_has_a_number(tmp_path: Path):
    """Was: P1 rows showed 0 callbacks although the answers arrived ("answer callback #41")."""
    rec = _recorder(tmp_path)
    eid = _answer(rec, order_id=ORDER, at_s=1)
    rec.add_timeline_event(ORDER, "answer callback #41", kind="patient_initiated", evidence_id=eid)
    rec.add_result(
        CheckResult(
            nodeid="suites/test_p1.py::test_p1",
            name="test_p1",
            checkpoint_ids=["P1"],
            outcome="passed",
            order_ids=[ORDER],
        )  # fmt: skip
    )
    data = rec.finish()
    timeline = next(t for t in data.timelines if t.order_id == ORDER)
    assert timeline.callbacks == {"answer": 1}
    row = next(r for r in data.rows if r.id == "P1")
    cells = section_for(row, data, strings("en")).rows[0]
    assert cells[3].text == "answer 1"
    assert cells[2].text == "Completed"
    assert disagreements(rec.report_dir) == []


def test_observe_evidence_without_an_order_id_still_makes_the_order_row(tmp_path: Path):
    """Was: observe's evidence had order_id null, so V1.2/V1.4 listed every order as '–', 0."""
    rec = _recorder(tmp_path, mode="observe", simulated=True)
    _answer(rec, order_id=None, at_s=1)
    rec.add_result(
        CheckResult(
            nodeid="observe::order-basic::status-callback",
            name="order-basic",
            checkpoint_ids=["V1.2"],
            outcome="passed",
            order_ids=[ORDER],
        )  # fmt: skip
    )
    data = rec.finish()
    assert data.report_kind is ReportKind.PRE_CHECK
    row = next(r for r in data.rows if r.id == "V1.2")
    cells = section_for(row, data, strings("nb")).rows[0]
    assert (cells[2].text, cells[3].text) == ("Completed", "svar 1")
    assert disagreements(rec.report_dir) == []


def test_observe_puts_the_order_on_both_legs_of_an_exchange():
    from eprom_verify.report.derive import ident_of

    assert ident_of({"formOrderId": ORDER, "formOrderStatus": "Ordered"}) == ORDER
    assert ident_of({"id": ORDER, "formId": "x"}) is None  # a request body is not an answer
    assert ident_of({"id": ORDER, "formId": "x"}, response=True) == ORDER


def test_an_expected_error_says_so_and_an_unexpected_one_is_marked(tmp_path: Path):
    """Was: V1.1 said "0 feil" over 37 orders with status Error that no row marked."""
    from eprom_verify.report.model import OrderTimeline

    t = strings("nb")
    expected = OrderTimeline(order_id=ORDER, status="Error", expected_status="Error")
    unexpected = OrderTimeline(order_id=ORDER, status="Error", expected_status="Ordered")
    missing = OrderTimeline(order_id=ORDER, status="Ordered", expected_status="Error")
    assert status_cell(expected, t).text == f"Error ({NB['status_error_expected']})"
    assert not status_cell(expected, t).bad
    assert status_cell(unexpected, t).bad
    assert status_cell(missing, t).bad
    assert status_cell(OrderTimeline(order_id=ORDER, status="Completed",
                                     expected_status="Ordered"), t).text == "Completed"  # fmt: skip


def test_a_batch_order_is_not_filed_under_another_cases_test():
    """Was: a callback filed under test_order_reaches_eprom[…-Basic] for case …-PaperOnly."""
    test = "suites/test_v1_order.py::test_order_reaches_eprom[verification-person-Basic]"
    assert owning_test(test, "verification-person-Basic") == test
    assert owning_test(test, "verification-person-PaperOnly") is None
    assert owning_test(test.replace("Basic]", "BasicOrPaper]"), "verification-person-Basic") is None
    assert (
        owning_test("suites/test_s1.py::test_on_behalf_of", "s1")
        == "suites/test_s1.py::test_on_behalf_of"
    )


# -- the kinds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "simulated", "environment", "kind"),
    [
        ("run", True, "simulator", ReportKind.SELF_CHECK),
        ("run", False, "test", ReportKind.ENVIRONMENT_CHECK),
        ("run", False, "simulator", ReportKind.ENVIRONMENT_CHECK),  # --base-url elsewhere
        ("observe", True, "simulator", ReportKind.PRE_CHECK),
        ("observe", False, "test", ReportKind.GO_LIVE),
        ("observe", False, "relay", ReportKind.GO_LIVE),
        ("check-receiver", False, "receiver", ReportKind.PRE_CHECK),
        (None, None, "simulator", ReportKind.SELF_CHECK),  # a 1.1 report
        (None, None, "qa", ReportKind.ENVIRONMENT_CHECK),  # never go-live without the facts
    ],
)
def test_the_kind_is_decided_from_the_command_and_the_simulator(mode, simulated, environment, kind):
    assert decide_kind(mode=mode, simulated=simulated, environment=environment) is kind


def _all_pass(tmp_path: Path, *, attested: bool, **run: object) -> Recorder:
    rec = _recorder(tmp_path, **run)
    from eprom_verify.checklist import CHECKPOINTS

    for cp in CHECKPOINTS:
        if cp.hemit:
            rec.add_result(CheckResult(nodeid=f"suites/t.py::test_{cp.id}", name=cp.id,
                                       checkpoint_ids=[cp.id], outcome="passed"))  # fmt: skip
            if attested:
                rec.add_attestation(Attestation(checkpoint_id=cp.id, tester="Kari Nordmann",
                                                answer="yes", at=T0, source="file"))  # fmt: skip
    return rec


@pytest.mark.parametrize(
    ("run", "kind"),
    [
        ({"mode": "run", "simulated": True}, ReportKind.SELF_CHECK),
        ({"mode": "observe", "simulated": True}, ReportKind.PRE_CHECK),
        ({"mode": "run", "simulated": False, "environment": "test"}, ReportKind.ENVIRONMENT_CHECK),
    ],
)
def test_no_kind_but_go_live_says_hemits_points_passed(tmp_path: Path, run, kind):
    data = _all_pass(tmp_path, attested=True, **run).finish()
    assert data.report_kind is kind
    for lang, t in (("nb", NB), ("en", EN)):
        html = render_html(data, lang=lang)
        said = verdict(data, lang).sentence(t)
        assert said.startswith(data.report_kind.claim.name.in_language(lang).split(" {")[0])
        for forbidden in ("av Hemits 13", "of Hemit's 13", "Verifisert", "Verified"):
            assert forbidden not in said, said
        assert escape(said) in html
        assert f'<p id="kind" class="kind k-{kind.value}">' in html


def test_a_go_live_run_with_attestations_says_verified(tmp_path: Path):
    data = _all_pass(tmp_path, attested=True, mode="observe", simulated=False,
                     environment="test").finish()  # fmt: skip
    assert data.report_kind is ReportKind.GO_LIVE
    assert verdict(data, "nb").sentence(NB).startswith("Verifisert: alle Hemits 13 punkter")
    assert data.run.run_id  # the report folder's name, in every PDF footer


def test_a_manual_point_is_not_passed_without_a_named_person_in_any_kind(tmp_path: Path):
    for run in ({"mode": "run", "simulated": True},
                {"mode": "observe", "simulated": False, "environment": "test"}):  # fmt: skip
        folder = tmp_path / str(run["mode"])
        data = _all_pass(folder, attested=False, **run).finish()
        rows = {r.id: r.status for r in data.rows}
        for cid in ("V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "S1"):
            assert rows[cid] == "needs_attestation", (run, cid)
        html = render_html(data, lang="nb")
        assert NB["attestation_needed"] in html
        assert "Verifisert" not in verdict(data, "nb").sentence(NB)


def test_a_failure_caused_by_a_request_comes_with_a_curl_that_sends_it_again(tmp_path: Path):
    rec = _recorder(tmp_path, environment="test", mode="run", simulated=False)
    sent = rec.add_evidence(
        "request", title="POST v2/formorder", method="POST",
        url="https://proms.hemitdev.org/promswebapi/api/v2/formorder",
        headers={"Authorization": f"Basic {KEY}"},
        body={"formId": "f-1", "nationalId": "26670271527", "apiKey": KEY},
    )  # fmt: skip
    rec.add_result(
        CheckResult(
            nodeid="suites/t.py::test_order[x]",
            name="test_order[x]",
            checkpoint_ids=["V1.1"],
            outcome="failed",
            evidence_ids=[sent],
            message="ePROM answered 400",
        )  # fmt: skip
    )
    data = rec.finish()
    html = (rec.report_dir / "report.html").read_text("utf-8")
    first = html[html.index('id="failures"') : html.index('id="hemit"')]
    assert (
        "curl -sS -X POST &#39;https://proms.hemitdev.org/promswebapi/api/v2/formorder&#39;"
        in first
    )
    assert "Authorization: Basic $EPROM_API_KEY" in first
    assert KEY not in html
    assert "266702*****" in first  # the body as in the evidence, masked
    assert "suites/t.py::test_order[x]" not in first  # node ids are for the developer section
    assert data.report_kind is ReportKind.ENVIRONMENT_CHECK

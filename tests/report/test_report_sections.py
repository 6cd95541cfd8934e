"""What each checkpoint asserted, as the reviewer reads it: the headline, the one-line
summaries, the per-checkpoint tables, the evidence appendix and the grouped timelines —
each shown to change when the run's data says something else."""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markupsafe import escape
from report_full import BASE, CALLBACK, RECEIVER, WRONG, record_full, record_receiver
from report_sample import KEY, T0, Sample

from eprom_verify.report import CheckResult, new_report_dir, render_html
from eprom_verify.report.i18n import strings
from eprom_verify.report.model import build_rows
from eprom_verify.report.views import display_path, evidence_rows, timeline_groups, verdict

NB = strings("nb")
EN = strings("en")


@pytest.fixture
def make(tmp_path: Path) -> Callable[..., Sample]:
    def build(kind: str = "full", **kwargs: object) -> Sample:
        env = "receiver" if kind == "receiver" else str(kwargs.get("environment", "simulator"))
        folder = new_report_dir(tmp_path / "reports", env, now=T0)
        if kind == "receiver":
            return record_receiver(folder, **kwargs)  # type: ignore[arg-type]
        return record_full(folder, **kwargs)  # type: ignore[arg-type]

    return build


class _Cells(HTMLParser):
    """The text of every cell of the checklist rows and of the V1.3 matrix."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self.bad: list[str] = []
        self._row: str | None = None
        self._cell: list[str] | None = None
        self._bad = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("cp-"):
            self._row = a["id"][3:]
            self.rows[self._row] = []
        if tag in ("td", "th") and self._row:
            self._cell, self._bad = [], "bad" in (a.get("class") or "")
        if tag == "td" and "bad" in (a.get("class") or "") and not self._row:
            self._cell, self._bad = [], True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            if self._row:
                self.rows[self._row].append(text)
            if self._bad:
                self.bad.append(text)
            self._cell = None
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parsed(html: str) -> _Cells:
    p = _Cells()
    p.feed(html)
    return p


def summary_of(html: str, cp: str) -> str:
    return parsed(html).rows[cp][3]


def section(html: str, cp: str) -> str:
    start = html.index(f'id="sec-{cp}"')
    end = html.find('<section class="cp', start + 1)
    return html[start : end if end > 0 else html.index('id="attestations"')]


# -- the headline and the checklist summaries ----------------------------------------------


def test_passing_run_headline_and_summaries(make):
    s = make()
    html = render_html(s.data)
    said = verdict(s.data, "nb")
    assert said.key == "verdict_would"  # not a go-live verification: never "N av Hemits 13"
    assert escape(said.sentence(NB)) in html
    assert "av Hemits" not in said.sentence(NB)
    assert summary_of(html, "V1.2") == "12 bestillinger · 0 feil · 0 duplikater"
    assert summary_of(html, "V1.3") == "kanal som forventet for 3 personer × 4 regler"
    assert summary_of(html, "S2") == "signert dokument lastet ned (48 213 B, application/pdf)"
    assert summary_of(html, "L2") == "prioritetslisten fulgt for 1 brev"
    assert summary_of(html, "S1") == "ingen test kjørte"
    assert summary_of(html, "V2.1").startswith("lagret som bestilt · må sees på Helsenorge")
    assert '<a href="#sec-V1.3"' in html


def test_failing_run_names_the_mismatch_and_the_duplicate(make):
    html = render_html(make(failing=True).data, lang="en")
    said = verdict(make(failing=True).data, "en")
    assert said.key == "verdict_would"
    assert said.numbers["failed"] == 2
    assert escape(said.sentence(EN)) in html
    rows = parsed(html).rows
    assert rows["V1.3"][2].endswith("failed")
    assert rows["V1.3"][3] == "wrong channel in 1 of 12 cases (3 persons × 4 rules)"
    assert rows["V1.4"][3] == "12 orders · 1 error · 1 duplicate"
    ledger = section(html, "V1.4")
    assert "test_ledger[V1.4]" in ledger  # its name; the node id is for developers, lower
    assert "suites/test_zz_ledger.py::test_ledger[V1.4]" not in ledger
    assert "suites/test_zz_ledger.py::test_ledger[V1.4]" in html[html.index('id="developer"') :]
    assert "2 status callbacks, expected exactly 1" in ledger


def test_v13_matrix_person_by_rule_with_the_mismatch_red(make):
    passing = section(render_html(make().data), "V1.3")
    failing = section(render_html(make(failing=True).data), "V1.3")
    for sec in (passing, failing):
        assert re.search(r"<th scope=\"col\">Person</th><th scope=\"col\">Basic</th>", sec)
        assert sec.count('<th scope="row">') == 3  # one row per person
    assert parsed(passing).bad == []
    assert parsed(failing).bad == ["Helsenorge ≠ DigitalMailbox"]
    person, _rule = WRONG
    assert f'<tr><th scope="row">{person}</th>' in failing


def test_order_table_per_order_with_callbacks_waited_and_duplicates(make):
    sec = section(render_html(make(failing=True).data), "V1.2")
    assert sec.count('class="oid"') == 12
    assert "status 2" in sec
    assert "status 1" in sec
    assert "0.31 s" in sec
    assert parsed(sec).bad == ["1"]  # the duplicate, red


def test_signed_document_priority_list_and_simulator_note(make):
    html = render_html(make().data)
    s2 = section(html, "S2")
    for text in ("sf-42", "48 213 B", "application/pdf", "SHA-256"):
        assert text in s2
    l2 = section(html, "L2")
    assert "Helsenorge → DigitalMailbox → Paper" in l2
    assert escape(NB["simulator_proof_note"]) in section(html, "V2.1")
    assert "Svar på PROM-ung innen 14 dager" in section(html, "V2.1")
    test_env = render_html(make(environment="test").data)
    assert escape(NB["simulator_proof_note"]) not in test_env


# -- warnings, faults, the receiver -----------------------------------------------------------


def test_a_warning_does_not_fail_its_row():
    warn = CheckResult(
        nodeid="r::t", name="t", checkpoint_ids=["R5"], outcome="failed", severity="warning"
    )
    fail = warn.model_copy(update={"severity": "failure"})
    (row,) = [
        r for r in build_rows([warn], [], [], environment="receiver", lang="nb") if r.id == "R5"
    ]
    assert (row.status, row.failures, row.warnings) == ("passed", [], [warn])
    (row,) = [
        r for r in build_rows([fail], [], [], environment="receiver", lang="nb") if r.id == "R5"
    ]
    assert (row.status, row.failures, row.warnings) == ("failed", [fail], [])


def test_faults_injected_are_bannered_and_the_headline_depends_on_the_result(make):
    faults = [{"kind": "duplicate_callback", "rate": 1}]
    caught = make(failing=True, faults=faults).data
    missed = make(failing=False, faults=faults).data
    assert verdict(caught).key == "verdict_faults_caught"
    assert verdict(missed).key == "verdict_faults_missed"
    for data in (caught, missed):
        html = render_html(data)
        assert escape(NB["banner_faults"]) in html
        assert "<code>kind=duplicate_callback rate=1</code>" in html
        assert escape(NB["banner_simulator"]) not in html
    assert escape(NB["verdict_faults_caught"].format(failed=2)) in render_html(caught)
    assert escape(NB["verdict_faults_missed"]) in render_html(missed)
    assert NB["banner_faults"] not in render_html(make().data)


def test_receiver_run_header_rows_payload_and_latency(make):
    s = make("receiver")
    html = render_html(s.data)
    header = html[html.index('<header class="top">') : html.index("</header>")]
    assert RECEIVER in header
    assert s.data.run.api_key_fingerprint in header
    assert escape(NB["receiver_under_test"]) in header
    for absent in (NB["banner_simulator"], NB["env_simulator"], NB["no_api_key"]):
        assert escape(absent) not in html, absent
    assert html.index('id="extra"') < html.index('id="hemit"')  # the R rows first
    rows = parsed(html).rows
    assert rows["R4"][2].endswith("feilet")
    assert rows["R5"][2].endswith("bestått")  # the warning does not fail it
    assert "⚠ advarsel" in rows["R5"][3]
    assert rows["R1"][3] == "1 kontroll · 412 eksempler · 0 feilet"
    r4 = section(html, "R4")
    assert escape(NB["failing_payload"]) in r4
    assert "&#34;notificationChannel&#34;: 99" in r4
    r1 = section(html, "R1")
    assert re.search(r"<td>PromsFormOrder</td><td>3.1 ms</td><td>9.0 ms</td><td>300</td>", r1)
    assert "MessageToCitizen" in r1


def test_the_key_shows_one_way(make):
    html = render_html(make("receiver").data)
    assert KEY not in html
    assert escape(NB["no_api_key"]) not in html
    assert escape(NB["key_shown_as"]) in html


# -- the evidence appendix and the timelines --------------------------------------------------


def test_every_evidence_row_is_tagged_and_shows_the_url_base_once(make):
    s = make()
    rows = evidence_rows(s.data)
    assert rows
    assert all(r.checkpoints for r in rows)
    assert all(r.case for r in rows)
    assert {r.path for r in rows} == {"/api/v2/formorder", "/api/PromsFormOrder", ""}
    html = render_html(s.data)
    appendix = html[html.index('id="evidence"') :]
    assert appendix.count(BASE) == 1
    assert appendix.count(CALLBACK) == 1
    assert 'data-cp="V1.1 V1.2 V1.3 V1.4"' in appendix
    assert '<select id="f-cp">' in appendix
    assert '<select id="f-order">' in appendix


def test_evidence_without_checkpoints_takes_them_from_its_order(sample: Sample):
    # e0002 (the response) carries no checkpoint ids; the checks that placed ORDER do
    (row,) = [r for r in evidence_rows(sample.data) if r.evidence.id == "e0002"]
    assert row.evidence.checkpoint_ids == []
    assert "V1.3" in row.checkpoints


def test_display_path_strips_the_longest_base():
    bases = ["http://h/promswebapi", "http://h"]
    assert display_path("http://h/promswebapi/api/v2/formorder", bases) == "/api/v2/formorder"
    assert display_path("http://h/api/PromsFormOrder", bases) == "/api/PromsFormOrder"
    assert display_path("https://elsewhere/x", bases) == "https://elsewhere/x"


def test_timelines_grouped_by_checkpoint_and_case_in_true_order(make):
    s = make()
    groups = timeline_groups(s.data)
    assert [g.checkpoint for g in groups] == ["V1.1", "V3.1"]
    cases = [c.case for c in groups[0].cases]
    assert len(cases) == 12
    assert cases == sorted(cases)
    first = groups[0].cases[0].orders[0]
    # recorded callbacks first; shown sent → answered → callback
    assert [e.what for e in first.events] == ["order sent", "order answered", "status callback"]
    html = render_html(s.data)
    tl = html[html.index('id="timelines"') : html.index('id="evidence"')]
    assert "Person: child-10 · Regel: Basic · Skjema: PROM-ung · Kanal: DigitalMailbox" in tl
    assert "Status: <b>Ordered</b>" in tl


def test_a_mismatched_channel_shows_in_the_timeline_head(make):
    html = render_html(make(failing=True).data, lang="en")
    tl = html[html.index('id="timelines"') : html.index('id="evidence"')]
    assert 'Channel: Helsenorge <span class="warn">(expected DigitalMailbox)</span>' in tl


def test_a_message_shows_in_the_reports_language_and_the_payload_as_it_was(tmp_path: Path):
    from report_full import _recorder, _run

    rec = _recorder(new_report_dir(tmp_path / "r", "test", now=T0), _run("test", []))
    rec.add_result(
        CheckResult(
            nodeid="suites/x.py::t",
            name="t",
            checkpoint_ids=["V1.2"],
            outcome="failed",
            message="no status callback within 30 s",
            messages={
                "nb": f"ingen statusmelding innen 30 s (nøkkel {KEY})",
                "en": "no status callback within 30 s",
            },
            received={"formOrderStatus": "Ordered", "note": "uendret"},
        )
    )
    data = rec.finish()
    nb, en = render_html(data, lang="nb"), render_html(data, lang="en")
    assert "ingen statusmelding innen 30 s (nøkkel «redacted»)" in nb
    assert "no status callback within 30 s" not in nb
    assert "no status callback within 30 s" in en
    for html in (nb, en):
        assert "&#34;note&#34;: &#34;uendret&#34;" in html  # the payload, untranslated
        assert KEY not in html


@pytest.mark.parametrize(
    ("cp", "facts"),
    [
        ("V1.3", {"person": "adult-40"}),  # no channels: a plain facts table
        ("V1.3", {"expected_channel": "Helsenorge"}),  # no person, no rule, nothing received
        ("V1.2", {"order_id": "o-1", "callbacks": 2}),  # a count, not per kind
        ("V1.4", {"order_id": "o-2", "waited_s": "slow", "duplicates": None}),
        ("S2", {"sha256": "ab" * 32}),
        ("L2", {"person": "p", "priority": "Helsenorge"}),
        ("R1", {"examples": "many", "latency": {"PromsFormOrder": "n/a"}}),
        ("V2.1", {"task": {"nested": [1, 2]}, "copy": None}),
        ("PV1", {"x": "y" * 2000}),
    ],
)
def test_odd_or_missing_facts_render_as_dashes(sample: Sample, cp: str, facts: dict):
    check = CheckResult(
        nodeid=f"t::{cp}", name=cp, checkpoint_ids=[cp], outcome="passed", facts=facts
    )
    rows = build_rows([check], [], [], environment="simulator", lang="nb")
    data = sample.data.model_copy(update={"checks": [check], "rows": rows})
    html = render_html(data)
    sec = section(html, cp)
    assert "–" in sec or "…" in sec or "y" * 100 in sec
    assert "None" not in sec


def test_describe_order_keeps_the_kind_unless_given(tmp_path: Path):
    from report_full import _recorder, _run

    rec = _recorder(new_report_dir(tmp_path / "r", "test", now=T0), _run("test", []))
    rec.add_timeline_event("pi-1", "patient answered", kind="patient_initiated", at=T0)
    rec.describe_order("pi-1", person="adult-40", status="Completed")
    rec.describe_order("o-1", case="c")
    data = rec.finish()
    kinds = {tl.order_id: (tl.kind, tl.person) for tl in data.timelines}
    assert kinds == {"pi-1": ("patient_initiated", "adult-40"), "o-1": ("form_order", None)}
    html = render_html(data)
    assert "pasientinitiert · Person: adult-40" in html
    with pytest.raises(TypeError, match="unknown field 'nationalId'"):
        rec.describe_order("o-1", nationalId="26670271527")

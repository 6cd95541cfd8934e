"""HTML and Markdown rendered from report.json, in both languages."""

from __future__ import annotations

import re
import string
from html.parser import HTMLParser

import pytest
from markupsafe import escape
from report_sample import ORDER, Sample

from eprom_verify.checklist import CHECKPOINTS
from eprom_verify.report import CheckResult, render_html, render_markdown
from eprom_verify.report.i18n import EN, LABELS, NB, event_label, strings
from eprom_verify.report.render import load_evidence

STATUS_WORDS = {
    "nb": ("bestått", "feilet", "krever attestasjon", "ikke kjørt"),
    "en": ("passed", "failed", "needs attestation", "not run"),
}


class _Rows(HTMLParser):
    """Collects each checklist row's id and status text from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, str] = {}
        self._row: str | None = None
        self._status = False
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr" and (a.get("id") or "").startswith("cp-"):
            self._row = a["id"][3:]
            self._text = []
        if tag == "td" and a.get("class") == "c-status":
            self._status = True

    def handle_endtag(self, tag):
        if tag == "td" and self._status and self._row:
            self.rows[self._row] = " ".join("".join(self._text).split())
            self._status, self._row = False, None

    def handle_data(self, data):
        if self._status:
            self._text.append(data)


def rows_in(html: str) -> dict[str, str]:
    parser = _Rows()
    parser.feed(html)
    return parser.rows


def test_every_label_is_said_in_both_languages():
    """Each label is one Text; both views of it have every key, nothing empty."""
    assert set(NB) == set(EN) == set(LABELS)
    empty = [k for k, text in LABELS.items() if not (text.nb.strip() and text.en.strip())]
    assert not empty, f"labels without a word in one language: {empty}"
    assert all(NB[k] == LABELS[k].nb and EN[k] == LABELS[k].en for k in LABELS)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_both_languages_of_a_label_fill_in_the_same_numbers():
    """A ``{n}`` forgotten in one language would show a wrong sentence, not fail."""
    differ = {
        key: (sorted(_fields(text.en)), sorted(_fields(text.nb)))
        for key, text in LABELS.items()
        if _fields(text.en) != _fields(text.nb)
    }
    assert not differ, f"label: (English fields, bokmål fields) {differ}"


def test_unknown_language_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="nb, en"):
        strings("sv")


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_html_has_every_row_with_status_text(sample: Sample, lang: str):
    html = render_html(sample.data, lang=lang)
    rows = rows_in(html)
    assert list(rows) == [cp.id for cp in CHECKPOINTS]
    passed, failed, attest, not_run = STATUS_WORDS[lang]
    assert rows["V1.1"].endswith(passed)
    assert rows["V1.3"].endswith(failed)
    assert rows["V2.1"].endswith(attest)
    assert rows["V2.3"].endswith(not_run)
    for cp in CHECKPOINTS:
        assert escape(cp.title.in_language(lang)) in html
    assert f'<html lang="{lang}">' in html


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_html_header_and_sections(sample: Sample, lang: str):
    html = render_html(sample.data, lang=lang)
    t = strings(lang)
    for expected in (
        "Kvalitetsregisteret for testing",
        "https://proms.hemitdev.org/promswebapi",
        "https://tunnel.example.test/api",
        "2026-11-22 10:15:00 UTC",
        sample.data.run.api_key_fingerprint,
        "ci",
        t["hemit_heading"],
        t["extra_heading"],
        t["timelines_heading"],
        ORDER,
        event_label("status callback", lang),
        t["attestations_heading"],
        "Kari Nordmann",
        t["coverage_heading"],
        t["how_manual"],
    ):
        assert escape(expected) in html, expected
    assert t["banner_simulator"] not in html  # run against "test"


def test_html_failure_shows_expected_received_and_evidence_json(sample: Sample):
    evidence = load_evidence(sample.report_dir, ["e0003"])
    html = render_html(sample.data, lang="en", evidence=evidence)
    failure = html[html.index('id="fail-V1.3"') :]
    assert re.search(
        r"Expected</div><pre>\{\s+&#34;notificationChannel&#34;: &#34;Helsenorge", failure
    )
    assert "&#34;notificationChannel&#34;: &#34;DigitalMailbox&#34;" in failure
    assert "&#34;formOrderStatus&#34;: &#34;Ordered&#34;" in failure  # the callback, inline
    assert 'href="evidence/e0003.json"' in failure


def test_html_links_evidence_relatively(sample: Sample):
    html = render_html(sample.data)
    links = set(re.findall(r'href="([^"#]+)"', html))
    assert links == {
        "evidence/e0001.json",
        "evidence/e0002.json",
        "evidence/e0003.json",
        "report.en.html",  # the other language, beside it
    }
    for link in links:
        assert (sample.report_dir / link).is_file()


def test_print_copy_links_no_file(sample: Sample):
    html = render_html(sample.data, for_print=True)
    assert re.findall(r'href="([^"#]+)"', html) == ["report.en.html"]
    assert "<script" not in html
    assert 'id="exchanges"' in html  # the canonical exchanges, not the whole evidence list
    assert 'id="evidence-table"' not in html


def test_html_is_autoescaped(sample: Sample):
    hostile = CheckResult(
        nodeid="t::x",
        name="x",
        checkpoint_ids=["V1.1"],
        outcome="failed",
        message='<script>alert(1)</script><img src="https://evil.example/x.png">',
        received="</pre><style>@import url(https://evil.example/a.css)</style>",
    )
    data = sample.data.model_copy(update={"checks": [hostile]})
    data.rows[0] = data.rows[0].model_copy(update={"failures": [hostile]})
    html = render_html(data)
    assert "<script>alert" not in html
    assert html.count("<script>") == 1  # the report's own filter, nothing injected
    assert '<img src="https://' not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<style>@import" not in html


def test_simulator_and_interrupted_and_shown_ids_are_bannered(sample: Sample):
    run = sample.data.run.model_copy(
        update={"environment": "simulator", "interrupted": True, "national_ids_shown": True}
    )
    data = sample.data.model_copy(update={"run": run})
    for lang in ("nb", "en"):
        t = strings(lang)
        html, md = render_html(data, lang=lang), render_markdown(data, lang=lang)
        for key in ("banner_interrupted", "banner_ids_shown"):
            assert escape(t[key]) in html, key
            assert t[key] in md, key
        assert escape(t["banner_simulator"]) not in html  # the kind says what it is instead
        assert t["banner_simulator"] not in md


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_markdown_is_compact_and_complete(sample: Sample, lang: str):
    md = render_markdown(sample.data, lang=lang)
    table_rows = re.findall(r"^\| (\S+) \| .* \| (.) (.+?) \| \d+ \|", md, flags=re.M)
    assert [r[0] for r in table_rows] == [cp.id for cp in CHECKPOINTS]
    statuses = {r[0]: r[2] for r in table_rows}
    passed, failed, attest, not_run = STATUS_WORDS[lang]
    assert (statuses["V1.1"], statuses["V1.3"], statuses["V2.1"], statuses["V2.3"]) == (
        passed,
        failed,
        attest,
        not_run,
    )
    assert '"notificationChannel": "Helsenorge"' in md
    assert '"notificationChannel": "DigitalMailbox"' in md
    assert "[e0003](evidence/e0003.json)" in md
    assert md.count("\n") < 200


def test_markdown_escapes_table_cells(sample: Sample):
    att = sample.data.attestations[0].model_copy(update={"comment": "a | b <b>x</b>\nnext"})
    data = sample.data.model_copy(update={"attestations": [att]})
    md = render_markdown(data)
    line = next(ln for ln in md.splitlines() if ln.startswith("| V2.2 | ja"))
    assert r"a \| b \<b\>x\</b\> next" in line


def test_markdown_fence_outgrows_backticks_in_the_message(sample: Sample):
    failed = sample.data.rows[2].failures[0].model_copy(update={"message": "see ```code```"})
    data = sample.data.model_copy()
    data.rows[2] = data.rows[2].model_copy(update={"failures": [failed]})
    md = render_markdown(data)
    assert "````\nsee ```code```\n````" in md


def test_parametrized_tests_are_grouped_with_a_count(sample: Sample):
    nodeids = [f"suites/test_l.py::test_letter[case-{i}]" for i in range(25)] + ["suites/x.py::t"]
    data = sample.data.model_copy()
    data.rows[0] = data.rows[0].model_copy(update={"tests": nodeids})
    html = render_html(data)
    row = html[html.index('id="developer"') :]  # node ids are for developers, lower down
    assert '<code>suites/test_l.py::test_letter</code> <span class="muted">×25</span>' in row
    assert "<code>suites/x.py::t</code>" in row
    assert "case-3" not in row


def test_timeline_shows_each_event_with_time_and_offset(sample: Sample):
    html = render_html(sample.data, lang="en")
    section = html[html.index('id="timelines"') : html.index('id="evidence"')]
    assert section.count(f'<tr id="order-{ORDER}">') == 1
    assert "10:15:04.500" in section
    assert "+1.5 s" in section
    assert "+3.0 s" in section
    assert '<a href="#ev-e0003">e0003</a>' in section

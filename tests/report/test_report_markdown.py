"""report.md is level with report.html: the failures first, each with the curl that sends
its request again, from the same records (``views.failures_first``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_sample import KEY, T0, ticking_clock

from eprom_verify.redact import Redactor
from eprom_verify.report import CheckResult, Recorder, RunInfo, new_report_dir
from eprom_verify.report.i18n import strings

URL = "https://proms.hemitdev.org/promswebapi/api/v2/formorder"


def _failing_run(tmp_path: Path, lang: str, *, failures: int = 1) -> Path:
    info = RunInfo(
        ordering_system="Testsystemet", environment="test", base_url=URL.rsplit("/api", 1)[0],
        callback_url="http://127.0.0.1:2", started_at=T0, tool_version="0.1.0",
        api_key_fingerprint=None, command="eprom-verify run", mode="run", simulated=False,
        lang=lang,
    )  # fmt: skip
    folder = new_report_dir(tmp_path / "reports", "test", now=T0)
    rec = Recorder(folder, run=info, redactor=Redactor(secrets=[KEY]), clock=ticking_clock())
    sent = rec.add_evidence(
        "request", title="POST v2/formorder", method="POST", url=URL,
        headers={"Authorization": f"Basic {KEY}"},
        body={"formId": "f-1", "nationalId": "26670271527", "apiKey": KEY},
    )  # fmt: skip
    for n in range(failures):
        rec.add_result(CheckResult(
            nodeid=f"suites/t.py::test_order[{n}]", name=f"test_order[{n}]",
            checkpoint_ids=["V1.1"], outcome="failed", evidence_ids=[sent],
            message=f"ePROM answered 400 ({n})",
        ))  # fmt: skip
    rec.finish()
    return folder


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_the_markdown_shows_the_failures_first_with_their_curl(tmp_path: Path, lang: str):
    t = strings(lang)
    md = (_failing_run(tmp_path, lang) / "report.md").read_text("utf-8")
    heading = f"## {t['failures_first_heading']}"
    assert heading in md, "report.md has no failures-first section"
    first = md[md.index(heading) : md.index(f"## {t['hemit_heading']}")]
    assert md.index(heading) < md.index(f"## {t['hemit_heading']}"), "failures come first"
    assert "### V1.1 · " in first
    assert (
        f"**test_order\\[0\\]** — ✗ {t['outcome_failed']}\n\n```\nePROM answered 400 (0)" in first
    )
    assert "ePROM answered 400 (0)" in first
    assert (
        f"[e0001](evidence/e0001.json)\n\n{t['reproduce']}:\n\n```sh\ncurl -sS -X POST '{URL}'"
        in first
    )
    assert "Authorization: Basic $EPROM_API_KEY" in first
    assert t["reproduce_note"] in first
    assert "266702*****" in first  # the body as in the evidence, masked
    assert "suites/t.py::" not in first  # node ids are for the detailed section
    assert KEY not in md


def test_the_same_records_as_the_html(tmp_path: Path):
    """Three failures shown per point, then "and N more", in both renderings."""
    folder = _failing_run(tmp_path, "en", failures=5)
    md = (folder / "report.md").read_text("utf-8")
    html = (folder / "report.html").read_text("utf-8")
    t = strings("en")
    first = md[md.index(f"## {t['failures_first_heading']}") : md.index(f"## {t['hemit_heading']}")]
    html_first = html[html.index('id="failures"') : html.index('id="hemit"')]
    for n in range(5):
        shown = f"ePROM answered 400 ({n})"
        assert (shown in first) == (shown in html_first) == (n < 3), n
    more = t["failures_more"].format(n=2, id="V1.1")
    assert more in first
    assert more in html_first
    assert first.count("curl -sS") == html_first.count("curl -sS") == 3


def test_no_failures_no_section(tmp_path: Path):
    folder = _failing_run(tmp_path, "en", failures=0)
    md = (folder / "report.md").read_text("utf-8")
    assert strings("en")["failures_first_heading"] not in md

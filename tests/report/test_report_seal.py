"""An honest seal: a re-seal after a change shows in the report and in ``--verify``."""

from __future__ import annotations

import hashlib
import json

from markupsafe import escape
from report_sample import Sample
from test_report_cli import report

from eprom_verify.report import MANIFEST_NAME, verify_manifest
from eprom_verify.report.i18n import strings
from eprom_verify.report.seal import SEAL_LOG, check_chain, read_log

NB = strings("nb")


def _tamper(sample: Sample) -> bytes:
    evidence = sample.report_dir / "evidence" / "e0003.json"
    evidence.write_text(evidence.read_text().replace("Ordered", "Completed"))
    return (sample.report_dir / MANIFEST_NAME).read_bytes()


def test_forced_reseal_is_in_the_report_and_in_verify(sample: Sample):
    sealed = _tamper(sample)
    code, _, err = report(str(sample.report_dir), "--force", "--by", "Ola Nordmann")
    assert (code, err) == (0, "")
    assert verify_manifest(sample.report_dir) == []  # sealed again, as it is

    (entry,) = read_log(sample.report_dir)
    assert entry.forced
    assert entry.by == "Ola Nordmann"
    assert entry.changed == [
        "evidence/e0003.json: changed since the report was sealed (SHA-256 differs)"
    ]
    assert entry.previous_manifest_sha256 == hashlib.sha256(sealed).hexdigest()
    assert (sample.report_dir / entry.previous_manifest).read_bytes() == sealed

    for name, lang in (("report.html", "nb"), ("report.en.html", "en")):
        html = (sample.report_dir / name).read_text()
        top = html[: html.index('id="summary"')]
        assert escape(strings(lang)["banner_resealed"]) in top, name
        assert "evidence/e0003.json" in top
        assert "Ola Nordmann" in top
        assert entry.previous_manifest_sha256[:16] in top
    assert "evidence/e0003.json" in (sample.report_dir / "report.md").read_text()

    code, out, err = report(str(sample.report_dir), "--verify")
    assert (code, err) == (0, "")
    assert "seal 1:" in out
    assert "by Ola Nordmann: re-sealed with --force after changes (evidence/e0003.json" in out
    assert f"previous manifest sha256:{entry.previous_manifest_sha256}" in out
    assert "re-sealed 1 time(s) after files had changed" in out


def test_a_plain_rerender_is_recorded_but_not_bannered(sample: Sample):
    assert report(str(sample.report_dir), "--lang", "en")[0] == 0
    (entry,) = read_log(sample.report_dir)
    assert (entry.forced, entry.changed) == (False, [])
    html = (sample.report_dir / "report.html").read_text()
    assert escape(strings("en")["banner_resealed"]) not in html
    assert escape(strings("en")["seal_rerendered"]) in html
    code, out, _ = report(str(sample.report_dir), "--verify")
    assert code == 0
    assert "re-rendered (no file had changed)" in out
    assert "after files had changed" not in out


def test_a_fresh_folder_has_no_seal_history(sample: Sample):
    assert check_chain(sample.report_dir) == ([], [])
    html = (sample.report_dir / "report.html").read_text()
    assert escape(NB["seals_none"]) in html


def test_verify_fails_when_a_kept_manifest_or_the_log_is_edited(sample: Sample):
    _tamper(sample)
    assert report(str(sample.report_dir), "--force")[0] == 0
    (entry,) = read_log(sample.report_dir)
    kept = sample.report_dir / entry.previous_manifest
    kept.write_text(kept.read_text().replace("e0003", "e0004"))
    code, _, err = report(str(sample.report_dir), "--verify")
    assert code == 1
    assert f"{entry.previous_manifest}: does not match the SHA-256 in {SEAL_LOG} (seal 1)" in err

    log = sample.report_dir / SEAL_LOG
    log.write_text(json.dumps([{"number": "x"}]))
    _, problems = check_chain(sample.report_dir)
    assert problems == [f"{SEAL_LOG}: not a valid seal log — was it edited by hand?"]

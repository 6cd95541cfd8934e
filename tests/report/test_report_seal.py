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
    code, _, err = report(
        str(sample.report_dir), "--force", "--by", "Ola Nordmann", "--reason", "typo in a note"
    )
    assert (code, err) == (0, "")
    assert verify_manifest(sample.report_dir) == []  # sealed again, as it is

    (entry,) = read_log(sample.report_dir)
    assert entry.forced
    assert entry.by == "Ola Nordmann"
    assert entry.reason == "typo in a note"
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

    # every file matches the new manifest, yet the folder is not the one the run sealed
    code, out, err = report(str(sample.report_dir), "--verify")
    assert code == 1
    assert "seal 1:" in out
    assert "by Ola Nordmann: re-sealed with --force after changes (evidence/e0003.json" in out
    assert f"previous manifest sha256:{entry.previous_manifest_sha256}" in out
    problem, summary = err.splitlines()
    assert problem.startswith(f"re-sealed with --force on {entry.at:%Y-%m-%d %H:%M:%S} UTC by ")
    assert "by Ola Nordmann after changes (evidence/e0003.json: changed since" in problem
    assert "reason: typo in a note" in problem
    assert summary.endswith("1 problem(s) — the folder is not as sealed")


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
    assert "not signed (MANIFEST.sha256.sig absent)" in out
    assert "@" in entry.by  # user@host when --by is not given


def test_the_html_says_when_it_was_sealed_and_never_that_it_is_unchanged(sample: Sample):
    for name, lang in (("report.html", "nb"), ("report.en.html", "en")):
        html = (sample.report_dir / name).read_text()
        assert "ikke endret siden" not in html
        assert "not changed since" not in html
        assert escape(strings(lang)["not_signed"]) in html
        assert "eprom-verify report . --verify" in html
        assert "sha256sum -c MANIFEST.sha256" in html


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

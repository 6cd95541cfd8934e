"""No API key and no unmasked national ID anywhere in a finished report folder."""

from __future__ import annotations

import base64
import json
import re
import threading
from pathlib import Path

from report_sample import KEY, NID, NID_MASKED, T0, record_sample, run_info, ticking_clock

from eprom_verify.contract import FormOrderRequest
from eprom_verify.national_id import is_valid
from eprom_verify.redact import Redactor
from eprom_verify.report import Recorder, new_report_dir
from eprom_verify.report.recorder import MAX_EVIDENCE_STRING

_ELEVEN_DIGITS = re.compile(rb"(?<![0-9])[0-9]{11}(?![0-9])")


def leaks(report_dir: Path) -> list[str]:
    """Every file holding the key (plain or base64) or a valid, unmasked national ID."""
    needles = [KEY.encode(), base64.b64encode(KEY.encode()).rstrip(b"=")]
    found = []
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file()):
        raw = path.read_bytes()
        name = path.relative_to(report_dir).as_posix()
        found += [f"{name}: key" for needle in needles if needle in raw]
        found += [
            f"{name}: national ID {m.decode()}"
            for m in _ELEVEN_DIGITS.findall(raw)
            if is_valid(m.decode())
        ]
    return found


def plant_foreign_files(report_dir: Path) -> None:
    """What pytest's junitxml, allure-pytest and a log handler leave in the folder."""
    (report_dir / "junit.xml").write_text(
        f'<testsuite><testcase name="t"><failure message="key {KEY} for {NID}">'
        f"Authorization: Basic {KEY}</failure></testcase></testsuite>"
    )
    allure = report_dir / "allure-results"
    allure.mkdir()
    (allure / "0a1b-result.json").write_text(
        json.dumps({"name": "t", "parameters": [{"name": "nationalId", "value": NID}],
                    "statusDetails": {"message": f"apiKey '{KEY}' doesn't exists"}})
    )  # fmt: skip
    (allure / "0a1b-attachment.txt").write_text(f"PUT body: {{'apiKey': '{KEY}'}}")
    (report_dir / "run.log").write_text(f"ordering for {NID} with {KEY}\n")
    (allure / "0a1b-attachment.bin").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe" + KEY.encode())


def test_finished_folder_holds_no_key_and_no_unmasked_id(tmp_path: Path):
    report_dir = new_report_dir(tmp_path, "test", now=T0)
    plant_foreign_files(report_dir)
    sample = record_sample(report_dir)
    assert leaks(report_dir) == []
    files = {p.relative_to(report_dir).as_posix() for p in report_dir.rglob("*") if p.is_file()}
    assert {"junit.xml", "run.log", "allure-results/0a1b-result.json"} <= files
    assert NID_MASKED in (report_dir / "junit.xml").read_text()
    assert "«redacted»" in (report_dir / "run.log").read_text()
    # the command line held the key too
    assert KEY not in sample.data.run.command
    assert "«redacted»" in sample.data.run.command


def test_the_leak_scan_can_fail(sample):
    """The scan above must see a leak when there is one."""
    (sample.report_dir / "late.log").write_text(f"{KEY} {NID}")
    assert leaks(sample.report_dir) == ["late.log: key", f"late.log: national ID {NID}"]
    (sample.report_dir / "late.log").write_text(base64.b64encode(KEY.encode()).decode())
    assert leaks(sample.report_dir) == ["late.log: key"]


def test_evidence_is_redacted_before_it_is_written(tmp_path: Path):
    recorder = Recorder(tmp_path, run=run_info(), redactor=Redactor(secrets=[KEY]))
    order = FormOrderRequest(
        formId="0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", nationalId=NID, expiryDate="2026-12-24"
    )
    ids = [
        recorder.add_evidence("request", title=f"order for {NID}", body=order),
        recorder.add_evidence(
            "callback",
            title="PUT",
            url=f"https://example.test/cb?apiKey={KEY}",
            headers={"authorization": f"Basic {KEY}"},
            body=json.dumps({"apiKey": KEY, "nationalId": NID}).encode(),
        ),
        recorder.add_evidence("note", title="number", body={"nationalId": int(NID)}),
    ]
    for evidence_id in ids:  # before finish(): the files are already clean
        text = (tmp_path / "evidence" / f"{evidence_id}.json").read_text()
        assert KEY not in text
        assert NID not in text
    first = json.loads((tmp_path / "evidence" / "e0001.json").read_text())
    assert first["body"]["nationalId"] == NID_MASKED
    assert first["title"] == f"order for {NID_MASKED}"
    assert leaks(tmp_path) == []


def test_national_ids_stay_when_the_run_shows_them(tmp_path: Path):
    redactor = Redactor(secrets=[KEY], mask_national_ids=False)
    recorder = Recorder(tmp_path, run=run_info(), redactor=redactor, clock=ticking_clock())
    recorder.add_timeline_event("o1", "order sent", patient=NID)
    data = recorder.finish()
    assert data.timelines[0].patient == NID
    assert KEY not in (tmp_path / "report.json").read_text()


def test_long_strings_are_cut_after_redaction(tmp_path: Path):
    recorder = Recorder(tmp_path, run=run_info(), redactor=Redactor(secrets=[KEY]))
    content = "A" * (MAX_EVIDENCE_STRING - 5) + KEY + "B" * 100_000  # key across the cut
    evidence_id = recorder.add_evidence("request", title="letter", body={"content": content})
    body = json.loads((tmp_path / "evidence" / f"{evidence_id}.json").read_text())["body"]
    assert body["content"].endswith(f"[cut: {len(content) - len(KEY) + 10} characters in all]")
    assert KEY[:5] not in body["content"]


def test_evidence_ids_are_unique_under_concurrent_callbacks(tmp_path: Path):
    recorder = Recorder(tmp_path, run=run_info(), redactor=Redactor(secrets=[KEY]))
    results: list[str] = []
    lock = threading.Lock()

    def record(n: int) -> None:
        for i in range(25):
            evidence_id = recorder.add_evidence("callback", title=f"{n}-{i}", body={"apiKey": KEY})
            with lock:
                results.append(evidence_id)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [f"e{i:04d}" for i in range(1, 201)]
    assert len(list((tmp_path / "evidence").glob("e*.json"))) == 200
    assert leaks(tmp_path) == []


def test_results_holding_models_are_stored_as_wire_json(tmp_path: Path):
    from eprom_verify.report import CheckResult

    recorder = Recorder(tmp_path, run=run_info(), redactor=Redactor(secrets=[KEY]))
    order = FormOrderRequest(
        formId="0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", nationalId=NID, expiryDate="2026-12-24"
    )
    recorder.add_result(
        CheckResult(nodeid="t::x", name="x", outcome="failed", expected=order, received=[KEY])
    )
    data = recorder.finish()
    assert data.checks[0].expected["nationalId"] == NID_MASKED
    assert data.checks[0].received == ["«redacted»"]
    assert leaks(tmp_path) == []


def test_a_text_in_evidence_is_stored_in_both_languages_and_redacted(tmp_path: Path):
    """A Text of ours as an evidence title or inside its body: both languages kept (the body
    as ``{"en", "nb"}``), the key redacted in each — never refused, never English only."""
    from eprom_verify.wording import Text

    recorder = Recorder(tmp_path, run=run_info(), redactor=Redactor(secrets=[KEY]))
    title = Text(en=f"key {KEY} sent", nb=f"nøkkel {KEY} sendt")

    evidence_id = recorder.add_evidence("note", title=title, body={"said": title, "n": 1})

    stored = json.loads((tmp_path / "evidence" / f"{evidence_id}.json").read_text())
    assert KEY not in json.dumps(stored)
    assert stored["title"].startswith("key ")
    assert stored["title"].endswith(" sent")
    assert stored["titles"]["nb"].startswith("nøkkel ")
    assert set(stored["body"]["said"]) == {"en", "nb"}
    assert stored["body"]["said"]["nb"].startswith("nøkkel ")
    assert stored["body"]["n"] == 1

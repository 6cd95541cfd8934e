"""check-receiver through the CLI against a faulty receiver: the report says our sentences in
its language (bokmål in report.html, English in report.en.html) and shows the payload sent
and the receiver's answer as they were, in both (issue 14).

The run is the one test_report_evidence.py reads too (``servers.shared_check``, issue 25):
the receiver refuses unknown fields (R1's generated checks, read here) and crashes on
malformed JSON (R4's check, which no check here shares)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from markupsafe import escape

from eprom_verify.report.model import CheckResult

from .servers import SHARED_GROUP, SHARED_KEY, shared_check
from .wording import english_words

ROOT = Path(__file__).resolve().parents[2]
KEY = SHARED_KEY
#: the shared run's other failure: the malformed JSON (test_report_evidence.py reads it)
MALFORMED = "test_receiver[no_5xx_on_malformed]"
EXTRA_ID = "c0ffee00-0000-4000-8000-000000000000"  # the unknown extra field the corners send
FAILING = {
    f"test_receiver[accepts_generated_{k}_callbacks]": noun
    for k, noun in (
        ("status", "statusmelding"),
        ("answer", "svarmelding"),
        ("letter", "brevstatusmelding"),
        ("privacy", "melding om personverninnstilling"),
    )
}


def _check_receiver(factory: pytest.TempPathFactory) -> Path:
    done, _, report_dir = shared_check(factory)
    assert "was not acknowledged" in done.stdout  # the terminal stays English
    assert "ble ikke godtatt" not in done.stdout
    return report_dir


def _html_lines(text: str) -> list[str]:
    return [str(escape(line)) for line in text.splitlines()]


@SHARED_GROUP
def test_the_report_says_our_sentences_in_its_language_and_the_payload_as_sent(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    report_dir = _check_receiver(tmp_path_factory)
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    nb_html = (report_dir / "report.html").read_text(encoding="utf-8")
    en_html = (report_dir / "report.en.html").read_text(encoding="utf-8")
    checks: dict[str, dict[str, Any]] = {
        c["name"]: c for c in data["checks"] if c["outcome"] == "failed"
    }
    assert set(checks) == {*FAILING, MALFORMED}
    for name, noun in FAILING.items():
        check = checks[name]
        row = CheckResult.model_validate(check)
        nb, en = check["messages"]["nb"], check["messages"]["en"]
        assert en == check["message"]
        assert nb.splitlines()[0] == f"En gyldig {noun} ble ikke godtatt"
        assert en.splitlines()[0].startswith("A valid ")
        assert en.splitlines()[0].endswith(" callback was not acknowledged")
        assert "ukjente ekstra felt: correlationId, newSection" in nb
        assert "unknown extra fields: correlationId, newSection" in en
        assert check["expected_texts"] == {
            "nb": '2xx med {"success": true} (eller "Success")',
            "en": '2xx with {"success": true} (or "Success")',
        }
        assert check["params"] == {"check": name.removeprefix("test_receiver[")[:-1]}
        # the receiver's answer: as it was, in both (and with no languages of its own)
        answer = check["received"]["summary"]
        assert answer.startswith("400 ")
        assert "unknown fields" in answer
        assert check["received_texts"] == {}
        assert row.said("nb")[2] == row.said("en")[2] == check["received"]
        assert f"Mottatt: {answer}" in nb
        assert f"Received: {answer}" in en
        assert english_words(nb, not_ours=(answer,)) == [], nb
        # the payload sent: the same JSON in both languages, with the extra field as sent
        payload = check["facts"]["failing_payload"]
        assert payload == check["received"]["json"]
        assert payload["correlationId"] == EXTRA_ID
        shown = json.dumps(payload, indent=2, ensure_ascii=False)
        assert shown in nb
        assert shown in en
        # each HTML report shows the row's message in its own language only
        for line in _html_lines(nb)[:2] + _html_lines(check["expected_texts"]["nb"]):
            assert line in nb_html
        assert _html_lines(en)[0] not in nb_html
        for line in _html_lines(en)[:2] + _html_lines(check["expected_texts"]["en"]):
            assert line in en_html
        assert _html_lines(nb)[0] not in en_html
        assert str(escape(answer)) in nb_html
        assert str(escape(answer)) in en_html
    assert EXTRA_ID in nb_html
    assert EXTRA_ID in en_html
    # the evidence titles are ours too (evidence/<id>.json; the table shows method and path)
    failing = [e for e in data["evidence"]
               if "failing" in e["title"] and e["test"].rsplit("::", 1)[-1] in FAILING]  # fmt: skip
    assert len(failing) == len(FAILING)
    for evidence in failing:
        assert "— den feilende utvekslingen;" in evidence["titles"]["nb"]
        assert "sendt av denne kontrollen" in evidence["titles"]["nb"]
        assert evidence["titles"]["en"] == evidence["title"]
        stored = json.loads((report_dir / "evidence" / f"{evidence['id']}.json").read_text("utf-8"))
        assert stored["titles"] == evidence["titles"]
        assert stored["body"]["sent"]["correlationId"] == EXTRA_ID
    assert KEY not in nb_html
    assert KEY not in en_html

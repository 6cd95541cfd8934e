"""A run with the embedded simulator saves the simulator's side as evidence (issue 25, flake).

Once in CI a form order got no answer within 30 s although the simulator stored it and sent
its callback. The next time, the report folder says what the simulator received, when it
answered and what it sent: ``simulator-journal.json``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from types import SimpleNamespace

from eprom_verify.config.settings import RunSettings
from eprom_verify.contract import CallbackKind
from eprom_verify.run.session import (
    JOURNAL_NAME,
    make_recorder,
    open_harness,
    save_simulator_journal,
)

KEY = "sk-JOURNAL-5e4d3c2b1a-ZXCVBNMASDFGHJKL"


def test_the_simulator_s_requests_and_callbacks_are_saved_in_the_report_folder(
    tmp_path: Path,
) -> None:
    settings = RunSettings.resolve({"api_key": KEY, "callback_timeout": "10"})
    recorder = make_recorder(
        tmp_path / "r", settings, show_national_ids=False, command="eprom-verify run"
    )
    with open_harness(settings, recorder=recorder) as eprom:
        person = next(p for p in eprom.patients if p.key == "verification-person")
        form = next(f for f in eprom.forms if f.published and not f.must_be_signed)
        placed = eprom.place_order("journal", eprom.order_request(person, form), wait=False)
        eprom.wait(CallbackKind.STATUS, placed.order_id, timeout_s=10, what="the status")
    saved = tmp_path / "r" / JOURNAL_NAME
    assert saved.is_file(), "the simulator's journal is not in the report folder"
    text = saved.read_text(encoding="utf-8")
    journal = json.loads(text)
    orders = [
        r for r in journal["requests"]
        if r["method"] == "POST" and r["path"].endswith("/api/v2/formorder")
    ]  # fmt: skip
    assert [r["status"] for r in orders] == [200], [r["path"] for r in journal["requests"]]
    assert placed.order_id in orders[0]["response"]["body"]
    assert orders[0]["at"], "no time of the answer"
    assert orders[0]["request"]["headers"]["authorization"].endswith("«redacted»")
    status = [c for c in journal["outbox"] if c["subjectId"] == placed.order_id]
    assert [c["kind"] for c in status] == ["status"]
    assert status[0]["attempts"], "the callback's attempts (with their times) are missing"
    for form_of_key in (KEY, base64.b64encode(KEY.encode()).decode(), KEY.replace("-", "\\u002d")):
        assert form_of_key not in text, "the API key is in the saved journal"
    assert person.national_id in text  # the simulator knows test persons only: not masked…
    recorder.finish()
    sealed = saved.read_text(encoding="utf-8")
    assert person.national_id not in sealed, "…but the report folder masks national IDs"
    assert person.national_id[:6] + "*****" in sealed
    assert JOURNAL_NAME in (tmp_path / "r" / "MANIFEST.sha256").read_text(encoding="utf-8")


def test_a_simulator_that_cannot_say_leaves_nothing(tmp_path: Path) -> None:
    def broken(**_: object) -> list[object]:
        raise OSError("connection refused")

    simulator = SimpleNamespace(
        control=SimpleNamespace(requests=broken, outbox=broken),
        settings=SimpleNamespace(journal_size=1000),
    )
    assert save_simulator_journal(simulator, tmp_path) is None
    assert list(tmp_path.iterdir()) == []

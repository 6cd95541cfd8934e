"""An observe run with a fault: the report says our sentences in its language.

The nb report (``report.html`` with ``--lang nb``) carries the bokmål message and fix of the
failed check, the English one (``report.en.html``) the English; ids stay as sent in both.

The observation of ``ack-false`` (with the faults of its group, which fail other rows) in
bokmål is made once per worker: test_faults.py and test_tables_agree.py read it too
(``conftest.observed``, issue 25).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pytest
from bokmal import assert_bokmal

from .conftest import ACK_FALSE_GROUP, ExampleSystem, observed, on_observation
from .test_wording import english_left

NB = "ble besvart med success: false, ikke true. Dette må endres: svar 2xx med"
EN = "answered success: false, not true. What to change: answer 2xx with"


@on_observation(*ACK_FALSE_GROUP)
def test_a_fault_is_reported_in_bokmal_and_in_english(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outcome = observed(example_system, capsys, monkeypatch, ACK_FALSE_GROUP, lang="nb")
    assert outcome.code == 1
    assert outcome.report["run"]["lang"] == "nb"
    failed = [c for c in outcome.report["checks"]
              if c["outcome"] == "failed" and "V1.2" in c["checkpoint_ids"]]  # fmt: skip
    assert failed, outcome.failed()
    check = failed[0]
    (order_id,) = check["order_ids"]
    assert NB in check["messages"]["nb"], check["messages"]
    assert check["messages"]["nb"].startswith(f"steg 'order-basic': statusmeldingen for {order_id}")
    assert not english_left(check["messages"]["nb"]), check["messages"]["nb"]
    assert_bokmal(check["messages"]["nb"], check["messages"]["en"])
    assert EN in check["messages"]["en"]
    assert check["message"] == check["messages"]["en"]
    assert check["expected_texts"]["nb"].startswith('2xx med {"success": true} innen ')
    assert check["expected_texts"]["en"].startswith('2xx with {"success": true} within ')
    assert check["received"]["body"] == '{"success": false}'  # the system's answer, as it was
    assert check["received_texts"] == {}

    nb_html = html.unescape((outcome.report_dir / "report.html").read_text("utf-8"))
    en_html = html.unescape((outcome.report_dir / "report.en.html").read_text("utf-8"))
    assert NB in nb_html
    assert EN not in nb_html
    assert EN in en_html
    assert NB not in en_html
    assert f"statusmeldingen for {order_id}" in nb_html
    assert f"the status callback for {order_id}" in en_html
    assert "bestillersystemet svarte" in nb_html
    assert "system answered" not in nb_html
    assert "system answered" in en_html
    # the terminal stays English
    assert "FAILED V1.2 step 'order-basic': the status callback for" in outcome.out
    # the header names the system by its callback URL (no English words in the nb header)
    assert outcome.report["run"]["ordering_system"] == outcome.report["run"]["callback_url"]

"""A fact a test records in both languages (``Text.by_language()``) is shown in the
report's language, its column named in that language too (the portal pictures' reason)."""

from __future__ import annotations

from bokmal import assert_bokmal

from eprom_verify.report.i18n import strings
from eprom_verify.report.model import CheckResult
from eprom_verify.report.views import _facts
from eprom_verify.wording import Text

REASON = Text(
    en="Chromium not installed: no pictures of the portal",
    nb="Chromium er ikke installert: ingen bilder av portalen",
)


def _check(facts: dict[str, object]) -> CheckResult:
    return CheckResult(
        nodeid="suites/test_v2_v3_fill_and_answer.py::test_portal",
        name="test_portal",
        checkpoint_ids=["V2.1"],
        outcome="passed",
        facts=facts,
    )


def test_a_fact_in_both_languages_is_shown_in_the_reports_language() -> None:
    checks = [_check({"portal_pictures": REASON.by_language(), "order_id": "abc"})]
    nb = _facts(checks, strings("nb"))
    en = _facts(checks, strings("en"))
    assert nb.rows[0][1].text == REASON.nb
    assert en.rows[0][1].text == REASON.en
    assert nb.columns[1] == "Bilder av portalen"
    assert en.columns[1] == "Pictures of the portal"
    assert nb.rows[0][2].text == "abc"  # a plain fact stays as it was
    assert_bokmal(nb.rows[0][1].text, en.rows[0][1].text, not_ours=["Chromium"])
    assert_bokmal(nb.columns[1], en.columns[1])


def test_a_dict_fact_that_is_not_a_sentence_stays_json() -> None:
    checks = [_check({"callbacks": {"nb": 1, "status": 2}})]
    assert _facts(checks, strings("nb")).rows[0][1].text == '{"nb": 1, "status": 2}'

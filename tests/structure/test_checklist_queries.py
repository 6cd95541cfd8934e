"""The checklist's queries give what the id tables they replaced said (behaviour unchanged).

Each expectation here is the table that lived outside the checklist before issue 23 item 1
(`ledger.CHECKPOINTS_JUDGED` and `_NO_ERRORS`, `pytest/ordering._BY_AREA`,
`report/views._ORDER_CHECKPOINTS`/`_RECEIVER`/`_SIMULATOR_PROOF` and its id branches,
`observe/judge._PRIMARY`/`ATTESTED`, the step lists of `observe/scenario.py`).
"""

from __future__ import annotations

import pytest

from eprom_verify import checklist
from eprom_verify.checklist import (
    CHECKPOINTS,
    How,
    ReportSection,
    attested_in_observe,
    checkpoint,
    judged_in_observe,
    judged_over_run,
    kept_under_selection,
    owner_of_callback,
    owner_of_missing_status,
    served_by_step,
)
from eprom_verify.wording import Text

_BY_AREA = {
    "V1": {"V1.1", "V1.2", "V1.3", "V1.4", "LC1"},
    "V2": {"V1.2", "V1.4", "V3.1", "V3.2", "LC1"},
    "V3": {"V1.2", "V1.4", "V3.1", "V3.2", "LC1"},
    "S": {"V1.1", "V1.2", "V1.4", "V3.1", "V3.2", "LC1"},
    "P": {"P1"},
    "L": {"L1", "L2"},
    "PV": {"PV3"},
}


def test_the_ledger_judges_the_same_checkpoints_in_the_same_order():
    assert [c.id for c in judged_over_run()] == [
        "V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "V3.2", "P1", "L1", "L2", "PV3", "LC1",
    ]  # fmt: skip


@pytest.mark.parametrize("cp", CHECKPOINTS, ids=lambda c: c.id)
def test_a_selection_keeps_the_whole_run_rows_of_its_area(cp):
    expected = {cp.id} | _BY_AREA.get(cp.area, set())
    assert kept_under_selection([cp.id]) == expected, cp.id


def test_callback_failures_belong_to_the_same_checkpoints():
    assert owner_of_callback("status") == "V1.4"
    assert owner_of_callback("answer") == "V3.2"
    assert owner_of_callback("answer", patient_initiated=True) == "P1"
    assert owner_of_callback("letter") == "L1"
    assert owner_of_callback("privacy") == "PV3"
    assert owner_of_callback(None) == "V1.4"
    assert owner_of_callback("status", patient_initiated=True) == "V1.4"
    assert [owner_of_missing_status(k) for k in ("form_order", "letter", "privacy")] == [
        "V1.2", "L1", "PV3",
    ]  # fmt: skip
    with pytest.raises(LookupError, match="'sms'"):
        owner_of_missing_status("sms")


def test_each_checkpoint_names_the_report_section_it_had():
    sections = {c.id: c.section for c in CHECKPOINTS}
    orders = {"V1.1", "V1.2", "V1.4", "V3.1", "V3.2", "P1"}
    assert {i for i, s in sections.items() if s is ReportSection.ORDERS} == orders
    assert {i for i, s in sections.items() if s is ReportSection.RECEIVER} == {
        "R1", "R2", "R3", "R4", "R5",
    }  # fmt: skip
    assert sections["V1.3"] is ReportSection.CHANNELS
    assert sections["S2"] is ReportSection.SIGNED
    assert sections["L1"] is ReportSection.LETTERS
    assert sections["L2"] is ReportSection.PRIORITY
    assert {c.id for c in CHECKPOINTS if c.simulator_proves} == {
        "V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "S1",
    }  # fmt: skip


def test_observe_names_the_same_checkpoints_per_step_and_judgement():
    primary = {k: judged_in_observe(k, "request")[0] for k in
               ("form_order", "letter", "sms", "email", "privacy_get", "privacy_set",
                "patient_initiated")}  # fmt: skip
    assert primary == {
        "form_order": "V1.1", "letter": "L1", "sms": "U1", "email": "U2",
        "privacy_get": "PV1", "privacy_set": "PV1", "patient_initiated": "P1",
    }  # fmt: skip
    assert judged_in_observe("form_order", "request", ["S1", "V1.3"]) == ["V1.1", "S1"]
    assert judged_in_observe("form_order", "request", ["S2"]) == ["V1.1", "S2"]
    assert judged_in_observe("form_order", "no-duplicate") == ["V1.4"]
    assert judged_in_observe("letter", "no-duplicate") == ["L1"]
    assert judged_in_observe("privacy_set", "no-duplicate") == ["PV1"]
    assert served_by_step("form_order", ["answered", "signing"]) == [
        "V1.1", "V1.2", "V1.4", "V3.1", "V3.2", "S2",
    ]  # fmt: skip
    assert served_by_step("form_order", ["answered", "on_behalf_of"]) == [
        "V1.1", "V1.2", "V1.3", "V1.4", "V3.1", "S1",
    ]  # fmt: skip
    assert served_by_step("form_order") == ["V1.1", "V1.2", "V1.3", "V1.4"]
    assert served_by_step("letter") == ["L1", "L2"]
    attested = attested_in_observe()
    assert list(attested) == ["V2.1", "V2.2", "V2.3", "V2.4", "V2.5", "S1"]
    assert all(isinstance(t, Text) and t.en and t.nb for t in attested.values())


def test_titles_are_text_and_how_follows_the_report_kind():
    s2 = checkpoint("S2")
    assert isinstance(s2.title, Text)
    assert s2.title.nb.startswith("Signering")
    assert [s2.how_for(k) for k in ("self_check", "pre_check", "environment_check", "go_live")] == [
        How.AUTO, How.AUTO, How.MANUAL, How.MANUAL,
    ]  # fmt: skip
    assert all(isinstance(a.title, Text) for a in checklist.AREAS)

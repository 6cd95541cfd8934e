"""The channel rules of contract §6, rule by rule, with the age and KRR boundaries."""

from __future__ import annotations

import datetime
import random
from typing import Any

import pytest
from bokmal import assert_bokmal

from eprom_verify import channels
from eprom_verify.config import KrrEntry, Patient, PostalAddress, load_patients
from eprom_verify.contract import DistributionRule as R
from eprom_verify.contract import NotificationChannel as C
from eprom_verify.national_id import NationalIdKind, generate

TODAY = datetime.date(2026, 11, 22)
ADDRESS = PostalAddress(
    full_name="Test Testesen", address_line1="Testeveien 1", postal_code="1234", postal_place="Oslo"
)


def person(
    *,
    age: int = 40,
    consent: str = "full",
    represented: bool = False,
    mailbox: bool = True,
    krr_months: int | None = 1,
    email: str | None = "a@example.com",
    phone: str | None = "+4740000000",
    address: bool = True,
    registered: bool = True,
    expect: dict[str, str] | None = None,
    kind: NationalIdKind = NationalIdKind.FODSELSNUMMER,
) -> Patient:
    """A person reachable everywhere unless told otherwise (a fresh, valid national ID)."""
    nid = generate(kind, age=age, today=TODAY, synthetic=True, rng=random.Random(age * 7 + 1))
    krr = (
        None
        if krr_months is None
        else KrrEntry(email=email, phone=phone, updated_months_ago=krr_months)
    )
    data: dict[str, Any] = {
        "key": "p",
        "national_id": nid,
        "name": "P",
        "description": "test person",
        "registered": registered,
        "helsenorge_consent": consent,
        "can_be_represented": represented,
        "digital_mailbox": mailbox,
        "krr": krr,
        "postal_address": ADDRESS if address else None,
        "environments": ["simulator"],
        "expect": expect or {},
    }
    return Patient(**data)


def predict(patient: Patient, rule: R, *, paper_enabled: bool = True) -> C:
    return channels.expected_channel(patient, rule, today=TODAY, paper_enabled=paper_enabled)


def reachable(patient: Patient, *, paper_enabled: bool = True) -> set[C]:
    return set(channels.reachable_channels(patient, today=TODAY, paper_enabled=paper_enabled))


# --- each channel's requirements ---------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"age": 16}, True),
        ({"age": 15}, False),
        ({"age": 15, "represented": True}, True),
        ({"age": 5, "represented": True}, True),
        ({"consent": "limited"}, False),
        ({"consent": "none"}, False),
        ({"krr_months": 18}, True),
        ({"krr_months": 19}, False),
        ({"krr_months": None}, False),
        ({"registered": False}, False),
        ({"kind": NationalIdKind.D_NUMBER}, True),
    ],
)
def test_helsenorge_needs_age_16_or_representation_full_consent_and_digital_activity(
    kwargs: dict[str, Any], expected: bool
) -> None:
    assert (C.Helsenorge in reachable(person(**kwargs))) is expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"age": 18}, True),
        ({"age": 17}, False),
        ({"age": 17, "represented": True}, False),
        ({"mailbox": False}, False),
        ({"krr_months": 18}, True),
        ({"krr_months": 19}, False),
        ({"krr_months": None}, False),
        ({"consent": "none"}, True),
    ],
)
def test_digital_mailbox_needs_age_18_a_mailbox_and_digital_activity(
    kwargs: dict[str, Any], expected: bool
) -> None:
    assert (C.DigitalMailbox in reachable(person(**kwargs))) is expected


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"age": 13}, True),
        ({"age": 12}, False),
        ({"email": None}, True),
        ({"phone": None}, True),
        ({"krr_months": 18}, True),
        ({"krr_months": 19}, False),
        ({"krr_months": None}, False),
        ({"consent": "none", "mailbox": False}, True),
    ],
)
def test_unsecure_needs_krr_contact_age_13_and_digital_activity(
    kwargs: dict[str, Any], expected: bool
) -> None:
    assert (C.Unsecure in reachable(person(**kwargs))) is expected


@pytest.mark.parametrize(
    ("kwargs", "paper_enabled", "expected"),
    [
        ({}, True, True),
        ({"address": False}, True, False),
        ({}, False, False),
        ({"krr_months": None, "age": 3}, True, True),
    ],
)
def test_paper_needs_a_postal_address_and_a_paper_enabled_form(
    kwargs: dict[str, Any], paper_enabled: bool, expected: bool
) -> None:
    assert (
        C.PhysicalMailbox in reachable(person(**kwargs), paper_enabled=paper_enabled)
    ) is expected


# --- each distribution rule --------------------------------------------------------------

EVERYTHING: dict[str, Any] = {}
NO_HN: dict[str, Any] = {"consent": "none"}
NO_HN_DM: dict[str, Any] = {"consent": "none", "mailbox": False}
PAPER_ONLY: dict[str, Any] = {"consent": "none", "mailbox": False, "krr_months": None}
NOTHING: dict[str, Any] = {**PAPER_ONLY, "address": False}


@pytest.mark.parametrize(
    ("rule", "kwargs", "expected"),
    [
        (R.Basic, EVERYTHING, C.Helsenorge),
        (R.Basic, NO_HN, C.DigitalMailbox),
        (R.Basic, NO_HN_DM, C.None_),
        (R.AllowUnsecure, EVERYTHING, C.Helsenorge),
        (R.AllowUnsecure, NO_HN, C.DigitalMailbox),
        (R.AllowUnsecure, NO_HN_DM, C.Unsecure),
        (R.AllowUnsecure, PAPER_ONLY, C.None_),
        (R.BasicOrPaper, EVERYTHING, C.Helsenorge),
        (R.BasicOrPaper, NO_HN, C.DigitalMailbox),
        (R.BasicOrPaper, NO_HN_DM, C.PhysicalMailbox),
        (R.BasicOrPaper, NOTHING, C.None_),
        (R.AllowUnsecureOrPaper, NO_HN_DM, C.Unsecure),
        (R.AllowUnsecureOrPaper, PAPER_ONLY, C.PhysicalMailbox),
        (R.AllowUnsecureOrPaper, NOTHING, C.None_),
        (R.PaperOnly, EVERYTHING, C.PhysicalMailbox),
        (R.PaperOnly, NOTHING, C.None_),
        (R.HelsenorgeOnly, EVERYTHING, C.Helsenorge),
        (R.HelsenorgeOnly, NO_HN, C.None_),
        (R.DigitalMailboxOnly, EVERYTHING, C.DigitalMailbox),
        (R.DigitalMailboxOnly, NO_HN_DM, C.None_),
        (R.UnsecureOnly, EVERYTHING, C.Unsecure),
        (R.UnsecureOnly, PAPER_ONLY, C.None_),
        (R.NoDistribution, EVERYTHING, C.None_),
    ],
)
def test_each_rule_tries_its_channels_in_order(
    rule: R, kwargs: dict[str, Any], expected: C
) -> None:
    assert predict(person(**kwargs), rule) == expected


def test_or_paper_rules_skip_paper_when_the_form_is_not_paper_enabled() -> None:
    assert predict(person(**NO_HN_DM), R.BasicOrPaper, paper_enabled=False) == C.None_
    assert predict(person(**NO_HN_DM), R.BasicOrPaper, paper_enabled=True) == C.PhysicalMailbox


@pytest.mark.parametrize(
    ("age", "basic", "allow_unsecure"),
    [
        (12, C.None_, C.None_),
        (13, C.None_, C.Unsecure),
        (15, C.None_, C.Unsecure),
        (16, C.Helsenorge, C.Helsenorge),
        (17, C.Helsenorge, C.Helsenorge),
        (18, C.Helsenorge, C.Helsenorge),
    ],
)
def test_age_boundaries_pick_the_channel(age: int, basic: C, allow_unsecure: C) -> None:
    assert predict(person(age=age), R.Basic) == basic
    assert predict(person(age=age), R.AllowUnsecure) == allow_unsecure


@pytest.mark.parametrize(("age", "expected"), [(17, C.None_), (18, C.DigitalMailbox)])
def test_mailbox_age_boundary_without_helsenorge(age: int, expected: C) -> None:
    assert predict(person(age=age, consent="none"), R.Basic) == expected


@pytest.mark.parametrize(("months", "expected"), [(18, C.Helsenorge), (19, C.PhysicalMailbox)])
def test_krr_18_months_is_active_19_is_not(months: int, expected: C) -> None:
    assert predict(person(krr_months=months), R.AllowUnsecureOrPaper) == expected


def test_a_pinned_expectation_overrides_the_rules() -> None:
    pinned = person(expect={"Basic": "PhysicalMailbox"})
    assert predict(pinned, R.Basic) == C.PhysicalMailbox
    assert predict(pinned, R.AllowUnsecure) == C.Helsenorge
    said = channels.explain(pinned, R.Basic, today=TODAY)
    assert "pinned" in said.en
    assert "låst til PhysicalMailbox" in said.nb


# --- letters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "priority", "expected"),
    [
        (EVERYTHING, [C.Helsenorge, C.DigitalMailbox], C.Helsenorge),
        (EVERYTHING, [C.DigitalMailbox, C.Helsenorge], C.DigitalMailbox),
        (NO_HN, [C.Helsenorge, C.DigitalMailbox], C.DigitalMailbox),
        (NO_HN_DM, [C.Helsenorge, C.DigitalMailbox], C.None_),
        (NO_HN_DM, [C.Helsenorge, C.PhysicalMailbox], C.PhysicalMailbox),
        (EVERYTHING, [C.None_, C.Unsecure], C.Unsecure),
        (EVERYTHING, [], C.None_),
        ({"registered": False}, [C.Helsenorge, C.PhysicalMailbox], C.None_),
    ],
)
def test_letters_try_the_priority_list_in_order(
    kwargs: dict[str, Any], priority: list[C], expected: C
) -> None:
    assert channels.letter_channel(person(**kwargs), priority, today=TODAY) == expected


# --- explain -----------------------------------------------------------------------------


def test_explain_names_the_channel_and_each_reason() -> None:
    line = channels.explain(
        person(consent="limited", krr_months=24), R.AllowUnsecureOrPaper, today=TODAY
    )
    assert "→ PhysicalMailbox" in line.en
    assert "consent limited, not full" in line.en
    assert "KRR updated 24 months ago (> 18)" in line.en
    assert "\n" not in line.en
    assert "samtykke «limited», ikke full" in line.nb
    assert "KRR oppdatert for 24 måneder siden (> 18)" in line.nb
    assert_bokmal(line.nb, line.en)
    ok = channels.explain(person(age=40), R.Basic, today=TODAY)
    assert "→ Helsenorge: Helsenorge ok (age 40 ≥ 16, consent full, KRR updated 1 month ago)" in (
        ok.en
    )
    assert "Helsenorge ok (alder 40 ≥ 16, samtykke full, KRR oppdatert for 1 måned siden)" in ok.nb


def test_explain_masks_the_national_id() -> None:
    patient = person()
    line = channels.explain(patient, R.Basic, today=TODAY)
    assert patient.national_id not in line.en + line.nb
    assert patient.national_id[:6] + "*****" in line.nb


def test_explain_no_distribution() -> None:
    said = channels.explain(person(), R.NoDistribution, today=TODAY)
    assert "single-use code" in said.en
    assert_bokmal(said.nb, said.en)


# --- the fixture persons agree with their pinned expectations ------------------------------


@pytest.mark.parametrize("patient", load_patients().patients, ids=lambda p: p.key)
def test_fixture_persons_pins_agree_with_the_rules(patient: Patient) -> None:
    for rule_name, channel_name in patient.expect.items():
        rules_say = channels.RULE_CHANNELS[R[rule_name]]
        reach = channels.reachable_channels(patient, today=TODAY)
        derived = next((c for c in rules_say if c in reach), C.None_)
        assert derived == C.parse(channel_name), str(
            channels.explain(patient, R[rule_name], today=TODAY)
        )


# --- explain: every reason, in order (what a person reads when a channel surprises) ------


def _said(patient: Patient, rule: R) -> str:
    return channels.explain(patient, rule, today=TODAY).en.split(": ", 1)[1]


def test_explain_lists_every_refusal_most_specific_first() -> None:
    krr = KrrEntry.model_construct(email=None, phone=None, updated_months_ago=20)
    patient = person(age=12, consent="limited", mailbox=False).model_copy(update={"krr": krr})
    stale = "KRR updated 20 months ago (> 18), so not digitally active"
    assert _said(patient, R.AllowUnsecure) == (
        f"not Helsenorge (consent limited, not full; age 12 < 16 and cannot be represented; "
        f"{stale}), not DigitalMailbox (no digital mailbox; age 12 < 18; {stale}), "
        f"not Unsecure (no e-mail or phone in KRR; age 12 < 13; {stale})"
    )


@pytest.mark.parametrize(
    ("patient", "rule", "said"),
    [
        (person(age=16), R.HelsenorgeOnly,
         "Helsenorge ok (age 16 ≥ 16, consent full, KRR updated 1 month ago)"),
        (person(age=40), R.DigitalMailboxOnly,
         "DigitalMailbox ok (age 40 ≥ 18, has a digital mailbox, KRR updated 1 month ago)"),
        (person(age=40), R.UnsecureOnly,
         "Unsecure ok (age 40 ≥ 13, contact info in KRR, KRR updated 1 month ago)"),
        (person(age=40), R.PaperOnly, "PhysicalMailbox ok (has a postal address)"),
    ],
)  # fmt: skip
def test_explain_names_why_a_channel_reaches(patient: Patient, rule: R, said: str) -> None:
    assert _said(patient, rule) == said


def test_on_behalf_with_no_distribution_is_none_whatever_is_pinned() -> None:
    pinned = person(expect={"NoDistribution": "Helsenorge"})
    assert channels.expected_channel_on_behalf(pinned, None, R.NoDistribution, today=TODAY) is (
        C.None_
    )

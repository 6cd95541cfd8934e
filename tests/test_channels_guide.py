"""The channel of an order "on behalf of" someone, from the guide's words — not from the code.

The expected values below were written from the reference pages, before running the code:

* BestillingAvSkjemaV2.md, ``onBehalfOfNationalId``: "If the person identified by
  onBehalfOfNationalId can be represented on Helsenorge, the form will be sent to that
  person instead." And: "Hvis personen ikke kan kontaktes på helsenorge vil vanlig 'På vegne
  av' rutine følges mot de andre distribueringskanalene" — otherwise the usual on-behalf
  routine is followed on the *other* distribution channels (not Helsenorge: "'På vegne av'
  funksjonalitet er ikke aktiv mot helsenorge", PaVegneAvFlyt.md).
* RepresentasjonPaaHelsenorge.md: ePROM asks Helsenorge whether the person can be
  contacted there; a representation or direct contact makes the form available there.
* eprom-contract §6: Helsenorge needs age ≥ 16 or representable, consent Full, digitally
  active (KRR updated within 18 months); each rule's channels in order; NoDistribution
  notifies nobody; nothing reachable → None.

So, for an order sent to a *recipient* (a parent) about a *child*:

| rule | child on Helsenorge | recipient                      | channel          |
|------|---------------------|--------------------------------|------------------|
| any with Helsenorge | yes  | anything                       | Helsenorge       |
| Basic               | no   | Helsenorge and mailbox         | DigitalMailbox   |
| Basic               | no   | only Helsenorge                | None             |
| HelsenorgeOnly      | no   | Helsenorge                     | None             |
| AllowUnsecure       | no   | Helsenorge and e-mail, no mailbox | Unsecure      |
| BasicOrPaper        | no   | Helsenorge and paper           | PhysicalMailbox  |
| BasicOrPaper, form not paper enabled | no | Helsenorge and paper | None          |
| DigitalMailboxOnly  | yes  | mailbox                        | DigitalMailbox   |
| PaperOnly           | yes  | postal address                 | PhysicalMailbox  |
| NoDistribution      | yes  | anything                       | None             |
| not on behalf (no child) | – | Helsenorge                  | Helsenorge       |
"""

from __future__ import annotations

import pytest
from test_channels import TODAY, person

from eprom_verify import channels
from eprom_verify.config import Patient
from eprom_verify.contract import DistributionRule as R
from eprom_verify.contract import NotificationChannel as C

#: a child Helsenorge reaches through representation (age 10, consent full, KRR fresh)
CHILD_ON_HELSENORGE = person(age=10, represented=True, mailbox=False, address=False)
#: a child Helsenorge does not reach (no full consent)
CHILD_NOT_ON_HELSENORGE = person(age=10, represented=True, consent="limited", mailbox=False)
#: another child Helsenorge does not reach: not digitally active
CHILD_INACTIVE = person(age=10, represented=True, krr_months=19, mailbox=False)

EVERYWHERE = person(age=40)
HELSENORGE_AND_MAILBOX = person(age=40, address=False)
#: (the KRR entry has an e-mail, as every entry must: these are used with rules without Unsecure)
ONLY_HELSENORGE = person(age=40, mailbox=False, address=False)
HELSENORGE_AND_EMAIL = person(age=40, mailbox=False, phone=None, address=False)
HELSENORGE_AND_PAPER = person(age=40, mailbox=False)
ONLY_MAILBOX = person(age=40, consent="limited", address=False)
ONLY_PAPER = person(age=40, consent="none", mailbox=False, krr_months=None)


def on_behalf(recipient: Patient, about: Patient | None, rule: R, *, paper: bool = True) -> C:
    return channels.expected_channel_on_behalf(
        recipient, about, rule, today=TODAY, paper_enabled=paper
    )


@pytest.mark.parametrize(
    "rule",
    [R.Basic, R.AllowUnsecure, R.BasicOrPaper, R.AllowUnsecureOrPaper, R.HelsenorgeOnly],
)
@pytest.mark.parametrize("recipient", [EVERYWHERE, ONLY_MAILBOX, ONLY_PAPER])
def test_a_child_on_helsenorge_gets_it_there_whoever_the_recipient(
    rule: R, recipient: Patient
) -> None:
    assert on_behalf(recipient, CHILD_ON_HELSENORGE, rule) is C.Helsenorge


@pytest.mark.parametrize(
    ("rule", "recipient", "paper", "expected"),
    [
        (R.Basic, HELSENORGE_AND_MAILBOX, True, C.DigitalMailbox),
        (R.Basic, ONLY_HELSENORGE, True, C.None_),
        (R.HelsenorgeOnly, ONLY_HELSENORGE, True, C.None_),
        (R.HelsenorgeOnly, EVERYWHERE, True, C.None_),
        (R.AllowUnsecure, HELSENORGE_AND_EMAIL, True, C.Unsecure),
        (R.AllowUnsecureOrPaper, HELSENORGE_AND_EMAIL, True, C.Unsecure),
        (R.BasicOrPaper, HELSENORGE_AND_PAPER, True, C.PhysicalMailbox),
        (R.BasicOrPaper, HELSENORGE_AND_PAPER, False, C.None_),
        (R.AllowUnsecureOrPaper, ONLY_PAPER, True, C.PhysicalMailbox),
        (R.UnsecureOnly, HELSENORGE_AND_EMAIL, True, C.Unsecure),
    ],
)
@pytest.mark.parametrize("child", [CHILD_NOT_ON_HELSENORGE, CHILD_INACTIVE])
def test_a_child_not_on_helsenorge_goes_to_the_recipient_on_the_other_channels(
    rule: R, recipient: Patient, paper: bool, expected: C, child: Patient
) -> None:
    assert on_behalf(recipient, child, rule, paper=paper) is expected


@pytest.mark.parametrize(
    ("rule", "recipient", "expected"),
    [
        (R.DigitalMailboxOnly, ONLY_MAILBOX, C.DigitalMailbox),
        (R.DigitalMailboxOnly, ONLY_HELSENORGE, C.None_),
        (R.PaperOnly, ONLY_PAPER, C.PhysicalMailbox),
        (R.PaperOnly, ONLY_HELSENORGE, C.None_),
        (R.UnsecureOnly, HELSENORGE_AND_EMAIL, C.Unsecure),
    ],
)
def test_a_rule_without_helsenorge_ignores_the_childs_helsenorge(
    rule: R, recipient: Patient, expected: C
) -> None:
    assert on_behalf(recipient, CHILD_ON_HELSENORGE, rule) is expected


@pytest.mark.parametrize("child", [CHILD_ON_HELSENORGE, CHILD_NOT_ON_HELSENORGE, None])
def test_no_distribution_notifies_nobody_on_behalf_or_not(child: Patient | None) -> None:
    assert on_behalf(EVERYWHERE, child, R.NoDistribution) is C.None_


@pytest.mark.parametrize(
    ("rule", "recipient", "expected"),
    [
        (R.Basic, ONLY_HELSENORGE, C.Helsenorge),
        (R.Basic, ONLY_MAILBOX, C.DigitalMailbox),
        (R.HelsenorgeOnly, EVERYWHERE, C.Helsenorge),
        (R.BasicOrPaper, ONLY_PAPER, C.PhysicalMailbox),
    ],
)
def test_without_a_child_the_rule_applies_to_the_recipient(
    rule: R, recipient: Patient, expected: C
) -> None:
    assert on_behalf(recipient, None, rule) is expected


def test_the_recipients_paper_needs_a_paper_enabled_form_but_the_childs_helsenorge_not() -> None:
    assert on_behalf(ONLY_PAPER, CHILD_ON_HELSENORGE, R.BasicOrPaper, paper=False) is (C.Helsenorge)
    assert on_behalf(ONLY_PAPER, None, R.BasicOrPaper, paper=False) is C.None_


# --- the boundaries of §6, from the contract's numbers -----------------------------------


@pytest.mark.parametrize(
    ("age", "expected"),
    [(15, C.DigitalMailbox), (16, C.Helsenorge)],
)
def test_helsenorge_from_16_without_representation(age: int, expected: C) -> None:
    # a 15-year-old cannot have a mailbox (18): the mailbox rule is checked for 18 below
    patient = person(age=age, mailbox=True)
    got = channels.expected_channel(patient, R.Basic, today=TODAY)
    assert got is (expected if age >= 16 else C.None_)


@pytest.mark.parametrize(("age", "expected"), [(17, C.None_), (18, C.DigitalMailbox)])
def test_the_mailbox_from_18(age: int, expected: C) -> None:
    patient = person(age=age, consent="limited")
    assert channels.expected_channel(patient, R.DigitalMailboxOnly, today=TODAY) is expected


@pytest.mark.parametrize(("age", "expected"), [(12, C.None_), (13, C.Unsecure)])
def test_unsecure_from_13(age: int, expected: C) -> None:
    patient = person(age=age, consent="limited", mailbox=False)
    assert channels.expected_channel(patient, R.UnsecureOnly, today=TODAY) is expected


@pytest.mark.parametrize(("months", "expected"), [(18, C.Helsenorge), (19, C.None_)])
def test_digitally_active_within_18_months(months: int, expected: C) -> None:
    patient = person(krr_months=months, mailbox=False, address=False)
    assert channels.expected_channel(patient, R.HelsenorgeOnly, today=TODAY) is expected


def test_nobody_outside_the_national_registry_is_reachable() -> None:
    assert channels.reachable_channels(person(registered=False), today=TODAY) == frozenset()

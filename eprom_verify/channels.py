"""How ePROM picks a notification channel (contract §6, reference page Personer.md).

One module, two users: the verification suites call it to *predict* the channel a test
person should get, the simulator calls it to *decide* the channel. So a prediction and a
decision can only disagree when a fault is injected on purpose.

A person is *digitally active* when their contact-register (KRR) entry was updated within
the last :data:`DIGITALLY_ACTIVE_MONTHS` months. The reference page states that rule for
the person as a whole, so here it applies to all three electronic channels:

* Helsenorge — age ≥ 16 or can be represented, consent level ``full``, digitally active.
* Secure digital mailbox — age ≥ 18, has a mailbox, digitally active.
* Unsecure (SMS/e-mail) — an e-mail address or phone number in KRR, age ≥ 13, digitally
  active.
* Paper — a postal address (and, for a form, the form is paper enabled).

A person not in the national registry (``registered: false``) is reachable on no channel.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from eprom_verify import national_id
from eprom_verify.config import Patient
from eprom_verify.contract import DistributionRule, NotificationChannel
from eprom_verify.wording import Noun, Text

__all__ = [
    "DIGITALLY_ACTIVE_MONTHS",
    "MIN_AGE_DIGITAL_MAILBOX",
    "MIN_AGE_HELSENORGE",
    "MIN_AGE_UNSECURE",
    "RULE_CHANNELS",
    "expected_channel",
    "expected_channel_on_behalf",
    "explain",
    "letter_channel",
    "reachable_channels",
]

#: KRR entries updated longer ago than this make a person not digitally active.
DIGITALLY_ACTIVE_MONTHS = 18
MIN_AGE_HELSENORGE = 16
MIN_AGE_DIGITAL_MAILBOX = 18
MIN_AGE_UNSECURE = 13

_H = NotificationChannel.Helsenorge
_DM = NotificationChannel.DigitalMailbox
_U = NotificationChannel.Unsecure
_P = NotificationChannel.PhysicalMailbox

#: The channels each distribution rule tries, in order (NoDistribution tries none).
RULE_CHANNELS: dict[DistributionRule, tuple[NotificationChannel, ...]] = {
    DistributionRule.Basic: (_H, _DM),
    DistributionRule.AllowUnsecure: (_H, _DM, _U),
    DistributionRule.NoDistribution: (),
    DistributionRule.BasicOrPaper: (_H, _DM, _P),
    DistributionRule.AllowUnsecureOrPaper: (_H, _DM, _U, _P),
    DistributionRule.PaperOnly: (_P,),
    DistributionRule.HelsenorgeOnly: (_H,),
    DistributionRule.DigitalMailboxOnly: (_DM,),
    DistributionRule.UnsecureOnly: (_U,),
}


def reachable_channels(
    patient: Patient, *, today: datetime.date, paper_enabled: bool = True
) -> frozenset[NotificationChannel]:
    """Every channel on which ePROM can reach ``patient`` on ``today``."""
    return frozenset(
        channel
        for channel in RULE_CHANNELS[DistributionRule.AllowUnsecureOrPaper]
        if not _refusals(patient, channel, today=today, paper_enabled=paper_enabled)
    )


def expected_channel(
    patient: Patient,
    rule: DistributionRule,
    *,
    today: datetime.date,
    paper_enabled: bool = True,
) -> NotificationChannel:
    """The channel ``rule`` lands on for ``patient``; ``None_`` when nothing is reachable.

    A channel pinned in the person's ``expect`` (patients.yaml) wins over the rules.
    NoDistribution notifies nobody, so it is always ``None_``.
    """
    pinned = patient.expect.get(rule.name)
    if pinned is not None:
        return NotificationChannel.parse(pinned)
    reachable = reachable_channels(patient, today=today, paper_enabled=paper_enabled)
    return next((c for c in RULE_CHANNELS[rule] if c in reachable), NotificationChannel.None_)


def expected_channel_on_behalf(
    recipient: Patient,
    about: Patient | None,
    rule: DistributionRule,
    *,
    today: datetime.date,
    paper_enabled: bool = True,
) -> NotificationChannel:
    """An order on behalf of ``about`` sent to ``recipient`` (e.g. a parent).

    Helsenorge when the rule allows it and the person the form is about is reachable there
    (BestillingAvSkjemaV2: "the form will be sent to that person instead"); otherwise the
    usual on-behalf routine "on the other distribution channels" — the rule's channels
    without Helsenorge, for the recipient ("'På vegne av' funksjonalitet er ikke aktiv mot
    helsenorge"). A pin in the recipient's ``expect`` is for their own orders, so not used
    here. ``about`` None: not an on-behalf order, the rule applies to the recipient.
    See docs/simulator.md.
    """
    if rule is DistributionRule.NoDistribution:
        return NotificationChannel.None_
    if about is None:
        return expected_channel(recipient, rule, today=today, paper_enabled=paper_enabled)
    helsenorge = NotificationChannel.Helsenorge
    tried = RULE_CHANNELS[rule]
    if helsenorge in tried and helsenorge in reachable_channels(about, today=today):
        return helsenorge
    reachable = reachable_channels(recipient, today=today, paper_enabled=paper_enabled)
    return next(
        (c for c in tried if c is not helsenorge and c in reachable), NotificationChannel.None_
    )


def letter_channel(
    patient: Patient, priority: Sequence[NotificationChannel], *, today: datetime.date
) -> NotificationChannel:
    """The first channel of a letter's ``notificationPriorityList`` that reaches ``patient``.

    ``None_`` in the list is skipped; an empty list, or one nothing in reaches, gives ``None_``.
    """
    reachable = reachable_channels(patient, today=today)
    return next((c for c in priority if c in reachable), NotificationChannel.None_)


def explain(
    patient: Patient,
    rule: DistributionRule,
    *,
    today: datetime.date,
    paper_enabled: bool = True,
) -> Text:
    """One line a person reads: which channel ``rule`` gives ``patient``, and why."""
    chosen = expected_channel(patient, rule, today=today, paper_enabled=paper_enabled).wire_name
    who = f"{rule.name} for {patient.key} ({national_id.mask(patient.national_id)})"
    if rule is DistributionRule.NoDistribution:
        return Text(
            en=f"{who} → None: NoDistribution notifies nobody (the patient gets a single-use code)",
            nb=f"{who} → None: NoDistribution varsler ingen (pasienten får en engangskode)",
        )
    parts: list[Text] = []
    for channel in RULE_CHANNELS[rule]:
        name = channel.wire_name
        refusals = _refusals(patient, channel, today=today, paper_enabled=paper_enabled)
        if refusals:
            why = Text.join("; ", refusals)
            parts.append(Text(en=f"not {name} ({why.en})", nb=f"ikke {name} ({why.nb})"))
        else:
            why = _reasons(patient, channel, today=today)
            parts.append(Text(en=f"{name} ok ({why.en})", nb=f"{name} ok ({why.nb})"))
            break
    line = f"{who} → {chosen}: " + Text.join(", ", parts)
    if rule.name in patient.expect:
        line += Text(
            en=f" — pinned to {chosen} by 'expect' in patients.yaml",
            nb=f" — låst til {chosen} av «expect» i patients.yaml",
        )
    return line


# --- the rules, one function per channel ----------------------------------------------


def _age(patient: Patient, today: datetime.date) -> int:
    return national_id.parse(patient.national_id).age(on=today)


def _krr_refusals(patient: Patient) -> list[Text]:
    if patient.krr is None:
        return [
            Text(
                en="not in KRR, so not digitally active",
                nb="ikke i KRR, altså ikke digitalt aktiv",
            )
        ]
    months = patient.krr.updated_months_ago
    if months > DIGITALLY_ACTIVE_MONTHS:
        limit = DIGITALLY_ACTIVE_MONTHS
        return [
            _krr_updated(months)
            + Text(
                en=f" (> {limit}), so not digitally active",
                nb=f" (> {limit}), altså ikke digitalt aktiv",
            )
        ]
    return []


def _krr_updated(months: int) -> Text:
    """``KRR updated 1 month ago`` / ``KRR oppdatert for 3 måneder siden``."""
    ago = _MONTHS.count(months)
    return Text(en=f"KRR updated {ago.en} ago", nb=f"KRR oppdatert for {ago.nb} siden")


_MONTHS = Noun(
    Text(en="month", nb="måned"),
    Text(en="months", nb="måneder"),
    Text(en="the month", nb="måneden"),
)


def _age_below(age: int, limit: int) -> Text:
    return Text(en=f"age {age} < {limit}", nb=f"alder {age} < {limit}")


def _refusals(
    patient: Patient,
    channel: NotificationChannel,
    *,
    today: datetime.date,
    paper_enabled: bool,
) -> list[Text]:
    """Why ``channel`` cannot reach ``patient`` — empty when it can."""
    if not patient.registered:
        return [Text(en="not in the national registry", nb="ikke i Folkeregisteret")]
    if channel is _P:
        out = (
            []
            if patient.postal_address is not None
            else [Text(en="no postal address", nb="ingen postadresse")]
        )
        if not paper_enabled:
            out.append(
                Text(en="the form is not paper enabled", nb="skjemaet er ikke aktivert for papir")
            )
        return out
    age = _age(patient, today)
    out = _krr_refusals(patient)
    if channel is _H:
        if age < MIN_AGE_HELSENORGE and not patient.can_be_represented:
            out.insert(
                0,
                _age_below(age, MIN_AGE_HELSENORGE)
                + Text(en=" and cannot be represented", nb=" og kan ikke representeres"),
            )
        if patient.helsenorge_consent != "full":
            consent = patient.helsenorge_consent
            out.insert(
                0, Text(en=f"consent {consent}, not full", nb=f"samtykke «{consent}», ikke full")
            )
    elif channel is _DM:
        if age < MIN_AGE_DIGITAL_MAILBOX:
            out.insert(0, _age_below(age, MIN_AGE_DIGITAL_MAILBOX))
        if not patient.digital_mailbox:
            out.insert(0, Text(en="no digital mailbox", nb="ingen digital postkasse"))
    elif channel is _U:
        if age < MIN_AGE_UNSECURE:
            out.insert(0, _age_below(age, MIN_AGE_UNSECURE))
        if patient.krr is not None and not (patient.krr.email or patient.krr.phone):
            out.insert(
                0, Text(en="no e-mail or phone in KRR", nb="ingen e-post eller telefon i KRR")
            )
    return out


def _reasons(patient: Patient, channel: NotificationChannel, *, today: datetime.date) -> Text:
    """Why ``channel`` reaches ``patient`` (called only when it does)."""
    if channel is _P:
        return Text(en="has a postal address", nb="har postadresse")
    age = _age(patient, today)
    krr = patient.krr
    active = _krr_updated(krr.updated_months_ago) if krr else Text.same("")
    if channel is _H:
        who = (
            Text(en=f"age {age} ≥ {MIN_AGE_HELSENORGE}", nb=f"alder {age} ≥ {MIN_AGE_HELSENORGE}")
            if age >= MIN_AGE_HELSENORGE
            else Text(
                en=f"age {age} but can be represented", nb=f"alder {age}, men kan representeres"
            )
        )
        return who + Text(en=", consent full, ", nb=", samtykke full, ") + active
    if channel is _DM:
        return (
            Text(
                en=f"age {age} ≥ {MIN_AGE_DIGITAL_MAILBOX}, has a digital mailbox, ",
                nb=f"alder {age} ≥ {MIN_AGE_DIGITAL_MAILBOX}, har digital postkasse, ",
            )
            + active
        )
    return (
        Text(
            en=f"age {age} ≥ {MIN_AGE_UNSECURE}, contact info in KRR, ",
            nb=f"alder {age} ≥ {MIN_AGE_UNSECURE}, kontaktinformasjon i KRR, ",
        )
        + active
    )

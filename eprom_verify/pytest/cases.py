"""Parametrization of the suites from the patients and forms files.

A user's own test persons and forms extend the run without code: each case below is
made from the files the run was given, for the environment it runs against.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from eprom_verify.channels import expected_channel
from eprom_verify.config import Form, Patient, PvkDefinition, load_forms, load_patients
from eprom_verify.config.settings import RunSettings
from eprom_verify.contract import DistributionRule, NotificationChannel

__all__ = ["PARAMETRIZERS", "FormCase", "LetterCase", "OrderCase"]


@dataclass(frozen=True)
class OrderCase:
    """One order: a person, a rule, and the channel the profile predicts."""

    patient: Patient
    rule: DistributionRule
    expected: NotificationChannel
    form: Form

    @property
    def id(self) -> str:
        return f"{self.patient.key}-{self.rule.name}"


@dataclass(frozen=True)
class FormCase:
    """A form filled in by a person reachable on Helsenorge, with the copy rule."""

    form: Form
    patient: Patient
    dont_store: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.form.name}-{'nocopy' if self.dont_store else 'copy'}".replace(" ", "_")


@dataclass(frozen=True)
class LetterCase:
    patient: Patient
    priority: tuple[NotificationChannel, ...]
    expected: NotificationChannel

    @property
    def id(self) -> str:
        order = "+".join(c.wire_name for c in self.priority)
        return f"{self.patient.key}-{order}"


@dataclass(frozen=True)
class PvkCase:
    definition: PvkDefinition
    patient: Patient

    @property
    def id(self) -> str:
        return f"{self.definition.name}-{self.patient.key}".replace(" ", "_")


@functools.lru_cache(maxsize=8)
def _load(
    patients: Path | None, forms: Path | None, env: str, *, any_env: bool
) -> tuple[tuple[Patient, ...], tuple[Form, ...], tuple[PvkDefinition, ...]]:
    pf = load_patients(patients)
    ff = load_forms(forms)
    people = tuple(p for p in pf.patients if any_env or env in p.environments)
    return people, tuple(ff.forms), tuple(pf.pvk)


def _data(
    s: RunSettings,
) -> tuple[tuple[Patient, ...], tuple[Form, ...], tuple[PvkDefinition, ...]]:
    return _load(s.patients, s.forms, s.env, any_env=s.base_url is not None)


def _orderable(forms: Sequence[Form]) -> list[Form]:
    return [f for f in forms if f.published and not f.must_be_signed]


def order_cases(s: RunSettings) -> list[OrderCase]:
    """Every rule for every person in the simulator; elsewhere the rules the file expects."""
    people, forms, _ = _data(s)
    usable = _orderable(forms)
    if not usable:
        return []
    paper_form = next((f for f in usable if f.paper_enabled), usable[0])
    today = dt.date.today()
    cases = []
    for patient in people:
        if not patient.registered:
            cases.append(
                OrderCase(patient, DistributionRule.Basic, NotificationChannel.None_, usable[0])
            )
            continue
        if s.embedded:
            rules = list(DistributionRule)
        else:
            rules = [DistributionRule.parse(r) for r in patient.expect] or [DistributionRule.Basic]
        for rule in rules:
            expected = expected_channel(patient, rule, today=today, paper_enabled=True)
            cases.append(OrderCase(patient, rule, expected, paper_form))
    return cases


def helsenorge_person(s: RunSettings) -> Patient | None:
    people, _, _ = _data(s)
    today = dt.date.today()
    for p in people:
        if (
            p.registered
            and expected_channel(p, DistributionRule.Basic, today=today)
            is NotificationChannel.Helsenorge
        ):
            return p
    return None


def form_cases(s: RunSettings) -> list[FormCase]:
    """Each published form without signing, with and without a stored copy."""
    _, forms, _ = _data(s)
    person = helsenorge_person(s)
    if person is None:
        return []
    cases = []
    for form in _orderable(forms):
        cases.append(FormCase(form, person, dont_store=False))
        if s.embedded:
            cases.append(FormCase(form, person, dont_store=True))
    return cases


def signing_cases(s: RunSettings) -> list[FormCase]:
    _, forms, _ = _data(s)
    person = helsenorge_person(s)
    if person is None:
        return []
    return [FormCase(f, person) for f in forms if f.published and f.must_be_signed]


def patient_initiated_cases(s: RunSettings) -> list[FormCase]:
    _, forms, _ = _data(s)
    person = helsenorge_person(s)
    if person is None:
        return []
    return [FormCase(f, person) for f in forms if f.published and f.patient_orderable]


_PRIORITIES: tuple[tuple[NotificationChannel, ...], ...] = (
    (NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox),
    (NotificationChannel.DigitalMailbox, NotificationChannel.Helsenorge),
    (NotificationChannel.Unsecure,),
    (NotificationChannel.PhysicalMailbox,),
    (
        NotificationChannel.Helsenorge,
        NotificationChannel.DigitalMailbox,
        NotificationChannel.Unsecure,
        NotificationChannel.PhysicalMailbox,
    ),
)


def letter_cases(s: RunSettings) -> list[LetterCase]:
    from eprom_verify.channels import letter_channel

    people, _, _ = _data(s)
    today = dt.date.today()
    registered = [p for p in people if p.registered]
    chosen = registered if s.embedded else registered[:1]
    priorities = _PRIORITIES if s.embedded else _PRIORITIES[:1]
    return [
        LetterCase(p, prio, letter_channel(p, prio, today=today))
        for p in chosen
        for prio in priorities
    ]


def pvk_cases(s: RunSettings) -> list[PvkCase]:
    people, _, pvk = _data(s)
    registered = [p for p in people if p.registered]
    if not registered:
        return []
    return [PvkCase(d, registered[0]) for d in pvk]


def callback_cases(s: RunSettings) -> list[OrderCase]:
    """Orders that make an order (a registered person), so a callback is due."""
    return [c for c in order_cases(s) if c.patient.registered]


PARAMETRIZERS: dict[str, Callable[[RunSettings], Sequence[object]]] = {
    "order_case": order_cases,
    "callback_case": callback_cases,
    "form_case": form_cases,
    "signing_case": signing_cases,
    "patient_initiated_case": patient_initiated_cases,
    "letter_case": letter_cases,
    "pvk_case": pvk_cases,
}

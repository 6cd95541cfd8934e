"""Form orders (ordering system → ePROM): ``POST /api/v2/formorder`` bodies, valid or not."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import Any

from hypothesis import strategies as st

from eprom_verify.config import Form, Patient, load_forms, load_patients
from eprom_verify.contract import DistributionRule, TimestampStyle
from eprom_verify.national_id import NationalIdKind, classify
from eprom_verify.strategies._primitives import (
    ABSENT,
    ACCEPTED_KINDS,
    check_members,
    field_names,
    guids,
    json_values,
    national_ids,
    nonempty,
    norwegian_texts,
    optional,
    present,
    timestamps,
)

__all__ = ["form_order_requests", "form_orders"]

_BAD_METADATA = ('{"age":', "{age:76}", "not json", "{'alder': 76}", '{"a":1,}', '{"æ": ø}')


def _metadata() -> st.SearchStrategy[Any]:
    objects = st.dictionaries(field_names(), json_values(max_leaves=3), max_size=5)
    valid = objects.map(lambda o: json.dumps(o, ensure_ascii=False))
    return st.one_of(st.just(ABSENT), st.none(), valid, st.sampled_from(_BAD_METADATA))


def _addresses() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "fullName": norwegian_texts(min_size=1, max_size=60),
            "addressLine1": norwegian_texts(min_size=1, max_size=60),
            "postalCode": st.from_regex(r"\A[0-9]{4}\Z"),
            "postalPlace": st.sampled_from(["Trondheim", "Tromsø", "Ørsta", "Ålesund", "Bærum"]),
        }
    )


def _order_national_ids(
    kinds: Sequence[NationalIdKind], patients: Sequence[Patient]
) -> st.SearchStrategy[str]:
    by_kind: dict[NationalIdKind, list[str]] = {}
    for patient in patients:
        by_kind.setdefault(classify(patient.national_id), []).append(patient.national_id)

    def for_kind(kind: NationalIdKind) -> st.SearchStrategy[str]:
        generated = national_ids(kinds=[kind])
        known = by_kind.get(kind)
        return st.one_of(st.sampled_from(known), generated) if known else generated

    # built once, not once a draw: ``national_ids`` defines an ``st.composite``, and Hypothesis
    # reads and parses its source at every definition (a quarter of a form order's draw)
    per_kind = {kind: for_kind(kind) for kind in kinds}
    return st.sampled_from(kinds).flatmap(per_kind.__getitem__)


def form_order_requests(
    *,
    forms: Sequence[Form],
    patients: Sequence[Patient],
    id_kinds: Iterable[NationalIdKind] = tuple(NationalIdKind),
    rules: Iterable[DistributionRule] = tuple(DistributionRule),
    today: dt.date | None = None,
) -> st.SearchStrategy[dict[str, Any]]:
    """``POST /api/v2/formorder`` bodies over rule × signing × on behalf of × paper address ×
    metadata (valid and invalid JSON) × national-ID kind, as wire dicts.

    ``formId`` is one of ``forms`` or an unknown GUID; ``nationalId`` a configured patient's
    or a generated ID of a kind in ``id_kinds``. Not every order is valid: the documented
    refusals (contract §3.1) are meant to be provoked.
    """
    form_ids = [f.id for f in nonempty("forms", forms, "load_forms().forms")]
    persons = nonempty("patients", patients, "load_patients().patients")
    kinds = nonempty("id_kinds", id_kinds, "(NationalIdKind.FODSELSNUMMER,)")
    check_members("id_kinds", kinds, NationalIdKind)
    chosen_rules = nonempty("rules", rules, "(DistributionRule.Basic,)")
    check_members("rules", chosen_rules, DistributionRule)
    day = today or dt.date.today()
    rule_values = st.sampled_from(chosen_rules).flatmap(
        lambda r: st.sampled_from([r.name, int(r.value), str(int(r.value))])
    )
    expiry = st.integers(1, 90).map(lambda n: day + dt.timedelta(days=n))
    members = {
        "formId": st.one_of(st.sampled_from(form_ids), st.sampled_from(form_ids), guids()),
        "nationalId": _order_national_ids(kinds, persons),
        "expiryDate": expiry.map(lambda d: f"{d.isoformat()}T08:00:00.000Z"),
        "reminderDate": optional(timestamps(styles=[TimestampStyle.UTC_7])),
        "metadata": _metadata(),
        "dontStoreCompletedFormInPha": optional(st.booleans(), null=False),
        "distributionRule": optional(rule_values, null=False),
        "mustBeSigned": optional(st.booleans(), null=False),
        "signingText": optional(norwegian_texts(max_size=80)),
        "physicalAddress": optional(_addresses()),
        "testMode": optional(st.booleans(), null=False),
        "onBehalfOfNationalId": optional(_order_national_ids(ACCEPTED_KINDS, persons)),
    }
    return st.fixed_dictionaries(members).map(present)


def form_orders(*, today: dt.date | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """:func:`form_order_requests` over the forms and patients of the fixture files."""
    return form_order_requests(
        forms=load_forms().forms, patients=load_patients().patients, today=today
    )

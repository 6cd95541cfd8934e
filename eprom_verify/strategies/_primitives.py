"""Building blocks: GUIDs, national IDs, timestamps, enum values, Norwegian text, JSON values,
and the helpers every payload strategy shares (argument checks, absent/null fields)."""

from __future__ import annotations

import datetime as dt
import enum
import random
import string
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from eprom_verify.contract import (
    NIL_GUID,
    TimestampStyle,
    WireEnum,
    WireForm,
    format_timestamp,
)
from eprom_verify.national_id import NationalIdKind, birth_date_for_age, generate

__all__ = [
    "ABSENT",
    "ACCEPTED_KINDS",
    "check_members",
    "enum_values",
    "field_names",
    "guids",
    "json_values",
    "national_ids",
    "non_nil_guids",
    "nonempty",
    "norwegian_texts",
    "optional",
    "present",
    "timestamps",
]

T = TypeVar("T")

ACCEPTED_KINDS = (NationalIdKind.FODSELSNUMMER, NationalIdKind.D_NUMBER)
REFUSED_KINDS = (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER)
NORWEGIAN = "æøåÆØÅ"
PHRASES = (
    "Blåbærsyltetøy",
    "Ærlig talt har jeg hatt vondt i kneet",
    "Søvn: dårlig, men bedre enn før",
    "Å gå i trapper går fint",
    "Øvre del av ryggen",
    "«Sitat» – tankestrek og ‘apostrof’",
    'Linje 1\nLinje 2\t"sitert"\\',
)

ABSENT = object()  # a field left out of the payload (distinct from JSON null)


def nonempty(name: str, values: Iterable[T], example: str) -> tuple[T, ...]:
    items = tuple(values)
    if not items:
        raise InvalidArgument(f"{name}=() is empty: pass at least one value, e.g. {name}={example}")
    return items


def check_members(name: str, values: Sequence[Any], cls: type[enum.Enum]) -> None:
    for value in values:
        if not isinstance(value, cls):
            allowed = ", ".join(f"{cls.__name__}.{m.name}" for m in cls)
            raise InvalidArgument(
                f"{name} holds {value!r}, which is not a {cls.__name__}: use {allowed}"
            )


def guids() -> st.SearchStrategy[str]:
    """GUIDs as ePROM writes them: lower case, with dashes."""
    return st.uuids().map(str)


def non_nil_guids() -> st.SearchStrategy[str]:
    return guids().filter(lambda g: g != NIL_GUID)


def national_ids(
    *,
    kinds: Iterable[NationalIdKind] = ACCEPTED_KINDS,
    synthetic: bool | None = None,
    age: int | None = None,
    today: dt.date | None = None,
) -> st.SearchStrategy[str]:
    """Valid 11-digit national IDs of ``kinds`` (via :func:`eprom_verify.national_id.generate`).

    ``synthetic=None`` mixes real-form and synthetic (month + 65 / + 80) IDs where the kind
    allows; ``age=None`` any age 0–100; ``today`` defaults to the current date.
    """
    chosen = nonempty("kinds", kinds, "(NationalIdKind.FODSELSNUMMER,)")
    check_members("kinds", chosen, NationalIdKind)
    if synthetic and any(kind in REFUSED_KINDS for kind in chosen):
        raise InvalidArgument(
            f"synthetic=True with kinds={[k.name for k in chosen]}: synthetic identities exist "
            "only as FODSELSNUMMER or D_NUMBER; drop H_NUMBER/FH_NUMBER or pass synthetic=None"
        )
    day = today or dt.date.today()
    if age is not None:
        try:
            birth_date_for_age(age, today=day, rng=random.Random(0))
        except ValueError as exc:
            raise InvalidArgument(f"age={age}: {exc}") from None

    # made once, not on every draw: hypothesis validates each new strategy object it draws
    kinds_drawn, coins, rngs = (
        st.sampled_from(chosen),
        st.booleans(),
        st.randoms(use_true_random=False),
    )

    @st.composite
    def draw_id(draw: st.DrawFn) -> str:
        kind = draw(kinds_drawn)
        fake = False if kind in REFUSED_KINDS else synthetic
        if fake is None:
            fake = draw(coins)
        rng = draw(rngs)
        return generate(kind, age=age, today=day, synthetic=fake, rng=rng)

    return draw_id()


def timestamps(
    *, styles: Iterable[TimestampStyle] = tuple(TimestampStyle)
) -> st.SearchStrategy[str]:
    """Timestamps in every documented format (contract §4.5), or only ``styles``."""
    chosen = nonempty("styles", styles, "(TimestampStyle.UTC_7,)")
    check_members("styles", chosen, TimestampStyle)
    offsets = [dt.UTC, dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2))]

    @st.composite
    def draw_timestamp(draw: st.DrawFn) -> str:
        style = draw(st.sampled_from(chosen))
        moment = draw(st.datetimes(dt.datetime(2000, 1, 1), dt.datetime(2035, 12, 31)))
        if style is TimestampStyle.OFFSET:
            moment = moment.replace(tzinfo=draw(st.sampled_from(offsets)))
        return format_timestamp(moment, style)

    return draw_timestamp()


def enum_values(
    enum_cls: type[WireEnum],
    *,
    forms: Iterable[WireForm] = (WireForm.NAME, WireForm.NUMBER),
    numeric_strings: bool = True,
) -> st.SearchStrategy[int | str]:
    """Wire values of ``enum_cls``: names, numbers and (``numeric_strings``) numbers as text."""
    if not (isinstance(enum_cls, type) and issubclass(enum_cls, WireEnum)):
        raise InvalidArgument(
            f"enum_cls={enum_cls!r} is not a WireEnum from eprom_verify.contract "
            "(VolvenStatus is a plain string code: use st.sampled_from(VolvenStatus))"
        )
    chosen = nonempty("forms", forms, "(WireForm.NAME,)")
    check_members("forms", chosen, WireForm)

    members, wire_forms, coins = (
        st.sampled_from(list(enum_cls)),
        st.sampled_from(chosen),
        st.booleans(),
    )

    @st.composite
    def draw_value(draw: st.DrawFn) -> int | str:
        member = draw(members)
        value = member.wire(draw(wire_forms))
        if isinstance(value, int) and numeric_strings and draw(coins):
            return str(value)
        return value

    return draw_value()


def norwegian_texts(*, min_size: int = 0, max_size: int = 200) -> st.SearchStrategy[str]:
    """Text rich in æøåÆØÅ, punctuation, quotes, newlines and any other Unicode, long or short."""
    if not 0 <= min_size <= max_size:
        raise InvalidArgument(f"need 0 <= min_size <= max_size, got {min_size=} and {max_size=}")
    alphabet = st.one_of(
        st.sampled_from(NORWEGIAN),
        st.sampled_from(string.ascii_letters + string.digits + " .,-'\"\\\n"),
        st.characters(codec="utf-8", exclude_categories=["Cs"]),
    )
    texts = [st.text(alphabet, min_size=min_size, max_size=min(max_size, 60))]
    phrases = [p[:max_size] for p in PHRASES if min_size <= len(p[:max_size])]
    if phrases:
        texts.append(st.sampled_from(phrases))
    if max_size >= max(min_size, 1) and max_size > 60:
        texts.append(_long_texts(min_size, max_size))
    return st.one_of(texts)


def _long_texts(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    seed = " ".join(PHRASES[:5]) + " "

    def build(n: int) -> str:
        return (seed * (n // len(seed) + 1))[:n]

    return st.integers(max(min_size, 61), max_size).map(build)


def json_values(*, max_leaves: int = 8) -> st.SearchStrategy[Any]:
    """Small JSON values: null, bools, numbers, Norwegian text, lists and objects of them."""
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**53), 2**53),
        st.floats(allow_nan=False, allow_infinity=False),
        norwegian_texts(max_size=40),
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(norwegian_texts(min_size=1, max_size=12), children, max_size=3)
        ),
        max_leaves=max_leaves,
    )


def field_names() -> st.SearchStrategy[str]:
    realistic = st.sampled_from(
        ["HealthGeneral", "Spørsmål1", "SmerteNå", "Røyker", "Vekt", "Fritekst", "Dato_Åpnet"]
    )
    made_up = st.text(
        string.ascii_letters + string.digits + "_" + NORWEGIAN, min_size=1, max_size=30
    )
    return st.one_of(realistic, made_up)


def optional(
    strategy: st.SearchStrategy[Any], *, absent: bool = True, null: bool = True
) -> st.SearchStrategy[Any]:
    choices: list[st.SearchStrategy[Any]] = [strategy]
    if absent:
        choices.append(st.just(ABSENT))
    if null:
        choices.append(st.none())
    return st.one_of(choices)


def present(mapping: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not ABSENT}

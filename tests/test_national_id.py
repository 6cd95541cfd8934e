import datetime
import random
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples
from stdnum.no import fodselsnummer as stdnum_fnr

from eprom_verify._exceptions import EpromVerifyError
from eprom_verify.national_id import (
    InvalidNationalId,
    NationalId,
    NationalIdKind,
    birth_date_for_age,
    classify,
    generate,
    is_valid,
    mask,
    parse,
)

FNR = NationalIdKind.FODSELSNUMMER
D = NationalIdKind.D_NUMBER
H = NationalIdKind.H_NUMBER
FH = NationalIdKind.FH_NUMBER
TODAY = datetime.date(2025, 6, 15)
PROPERTY = settings(max_examples=examples(200), derandomize=True)


@pytest.mark.parametrize(
    ("value", "kind", "synthetic", "birth_date"),
    [
        pytest.param(
            "26670271527", FNR, True, datetime.date(2002, 2, 26), id="verification-person"
        ),
        pytest.param("26073941651", FNR, False, datetime.date(1939, 7, 26), id="guide-example"),
        pytest.param("01039494104", FNR, False, datetime.date(1994, 3, 1), id="old-verification"),
        pytest.param("55108510071", D, False, datetime.date(1985, 10, 15), id="d-number"),
        pytest.param("66670270050", D, True, datetime.date(2002, 2, 26), id="synthetic-d-number"),
        pytest.param("07447020100", H, False, datetime.date(1970, 4, 7), id="h-number"),
        pytest.param("81234567055", FH, False, None, id="fh-number"),
        pytest.param("15859030014", FNR, True, datetime.date(1990, 5, 15), id="tenor-plus-80"),
        pytest.param("31129950016", FNR, False, datetime.date(1899, 12, 31), id="1800s"),
        pytest.param("01011050081", FNR, False, datetime.date(2010, 1, 1), id="2000s"),
        pytest.param("01015590110", FNR, False, datetime.date(1955, 1, 1), id="1900s-from-900"),
        pytest.param("29020050088", FNR, False, datetime.date(2000, 2, 29), id="leap-day-2000"),
    ],
)
def test_parse_decodes_kind_synthetic_and_birth_date(
    value: str, kind: NationalIdKind, synthetic: bool, birth_date: datetime.date | None
) -> None:
    assert parse(value) == NationalId(value, kind, synthetic=synthetic, birth_date=birth_date)
    assert classify(value) is kind
    assert is_valid(value)


def test_verification_person_is_a_synthetic_fodselsnummer_not_an_h_number() -> None:
    person = parse("26670271527")

    assert person.kind is FNR
    assert person.synthetic
    assert person.accepted_by_eprom
    assert not stdnum_fnr.is_valid("26670271527"), "python-stdnum rejects synthetic IDs"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("123", "national ID '123' must be 11 digits (got 3 characters)"),
        ("2667027152", "must be 11 digits (got 10 characters)"),
        ("266702 71527", "(got 12 characters); remove the spaces or dashes"),
        ("2667027152x", "must be 11 digits 0–9 (got 'x' at position 11)"),
        ("abcdefghijk", "(got 'a' at position 1)"),
        ("26670271528", "national ID '26670271528' check digit 2 is 8, expected 7"),
        ("26670271537", "check digit 1 is 3, expected 2"),
        ("01018500800", "check digit 1 is 0, but digits 1–9 give 10, which is never a check digit"),
        ("30028500013", "has birth date 1985-02-30, which is not a calendar date"),
        ("29020000064", "has birth date 1900-02-29, which is not a calendar date"),
        ("01138510030", "has month digits '13': expected 01–12, H-number 41–52, Test-PREG 66–77"),
        ("01608510091", "has month digits '60'"),
        ("00108510021", "has day digits '00': expected 01–31, D-number 41–71"),
        ("35108510100", "has day digits '35'"),
        ("55448510076", "has both a D-number day (41–71) and an H-number month (41–52)"),
        ("01014580049", "has individual number 800 with year 45, which gives no century"),
    ],
)
def test_parse_rejects_with_a_message_naming_the_problem(value: str, message: str) -> None:
    with pytest.raises(InvalidNationalId, match=re.escape(message)):
        parse(value)
    assert not is_valid(value)


def test_parse_rejects_an_int_and_says_why() -> None:
    with pytest.raises(InvalidNationalId, match=r"got int \(an int loses leading zeros\)"):
        parse(1039494104)  # type: ignore[arg-type]


def test_invalid_national_id_is_a_value_error_in_the_harness_tree() -> None:
    assert issubclass(InvalidNationalId, ValueError)
    assert issubclass(InvalidNationalId, EpromVerifyError)


@pytest.mark.parametrize(
    ("value", "accepted"),
    [("26670271527", True), ("55108510071", True), ("07447020100", False), ("81234567055", False)],
)
def test_accepted_by_eprom_only_for_fodselsnummer_and_d_number(value: str, accepted: bool) -> None:
    assert parse(value).accepted_by_eprom is accepted


def test_mask_keeps_six_digits_of_any_11_digit_string() -> None:
    assert mask("26670271527") == "266702*****"
    assert mask("12345678901") == "123456*****"
    assert parse("26670271527").masked() == "266702*****"
    with pytest.raises(InvalidNationalId, match="got 3 characters"):
        mask("123")


def test_repr_masks_the_value() -> None:
    assert repr(parse("26670271527")) == (
        "NationalId('266702*****', kind=FODSELSNUMMER, synthetic=True, birth_date=2002-02-26)"
    )


@pytest.mark.parametrize(
    ("on", "age"),
    [
        (datetime.date(2002, 2, 26), 0),
        (datetime.date(2025, 2, 25), 22),
        (datetime.date(2025, 2, 26), 23),
    ],
)
def test_age_counts_whole_years(on: datetime.date, age: int) -> None:
    assert parse("26670271527").age(on=on) == age


def test_age_of_a_leap_day_birth_grows_on_1_march_in_common_years() -> None:
    person = parse("29020050088")
    assert person.age(on=datetime.date(2001, 2, 28)) == 0
    assert person.age(on=datetime.date(2001, 3, 1)) == 1


def test_age_refuses_fh_numbers_and_dates_before_birth() -> None:
    with pytest.raises(InvalidNationalId, match="FH-nummer, which has no birth date"):
        parse("81234567055").age(on=TODAY)
    with pytest.raises(ValueError, match="is before the birth date 2002-02-26"):
        parse("26670271527").age(on=datetime.date(2001, 1, 1))


@pytest.mark.parametrize("kind", [H, FH])
def test_generate_refuses_synthetic_h_and_fh_numbers(kind: NationalIdKind) -> None:
    with pytest.raises(ValueError, match="only as FODSELSNUMMER or D_NUMBER"):
        generate(kind, today=TODAY, synthetic=True, rng=random.Random(0))


@pytest.mark.parametrize(
    ("age", "today", "message"),
    [
        (-1, TODAY, "age=-1 must be 0 or more"),
        (172, TODAY, "national IDs can express only birth years 1854–2039"),
        (0, datetime.date(2040, 1, 1), "national IDs can express only birth years 1854–2039"),
    ],
)
def test_birth_date_for_age_refuses_ages_without_a_national_id(
    age: int, today: datetime.date, message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        generate(FNR, age=age, today=today, rng=random.Random(0))


def test_generate_is_deterministic_for_a_seed() -> None:
    def batch() -> list[str]:
        rng = random.Random(42)
        return [generate(kind, today=TODAY, rng=rng) for kind in NationalIdKind]

    assert batch() == batch()


def test_synthetic_ids_use_tenor_for_about_a_quarter() -> None:
    rng = random.Random(7)
    months = [int(generate(FNR, today=TODAY, synthetic=True, rng=rng)[2:4]) for _ in range(400)]

    tenor = sum(month > 80 for month in months)
    assert all(66 <= month <= 77 or 81 <= month <= 92 for month in months)
    assert 60 <= tenor <= 140, f"{tenor} of 400 synthetic IDs use Tenor's +80, expected about 100"


kinds_with_synthetic = st.one_of(
    st.tuples(st.sampled_from([FNR, D]), st.booleans()),
    st.tuples(st.sampled_from([H, FH]), st.just(False)),
)


@PROPERTY
@given(kinds_with_synthetic, st.integers(0, 110), st.randoms(use_true_random=False))
def test_generated_ids_classify_as_the_kind_asked_for(
    kind_synthetic: tuple[NationalIdKind, bool], age: int, rng: random.Random
) -> None:
    kind, synthetic = kind_synthetic
    value = generate(kind, age=age, today=TODAY, synthetic=synthetic, rng=rng)

    parsed = parse(value)
    assert (parsed.kind, parsed.synthetic) == (kind, synthetic), value
    if kind is not FH:
        assert parsed.age(on=TODAY) == age, value


@PROPERTY
@given(st.sampled_from([FNR, D, H]), st.integers(0, 110), st.randoms(use_true_random=False))
def test_generated_non_synthetic_ids_are_valid_for_python_stdnum(
    kind: NationalIdKind, age: int, rng: random.Random
) -> None:
    value = generate(kind, age=age, today=TODAY, rng=rng)

    assert stdnum_fnr.is_valid(value), value
    assert stdnum_fnr.get_birth_date(value) == parse(value).birth_date


@PROPERTY
@given(kinds_with_synthetic, st.randoms(use_true_random=False))
def test_changing_any_single_digit_makes_an_id_invalid(
    kind_synthetic: tuple[NationalIdKind, bool], rng: random.Random
) -> None:
    kind, synthetic = kind_synthetic
    value = generate(kind, today=TODAY, synthetic=synthetic, rng=rng)

    # Every weight is non-zero mod 11, so one changed digit always changes a check digit.
    for position, original in enumerate(value):
        for digit in "0123456789".replace(original, ""):
            changed = value[:position] + digit + value[position + 1 :]
            assert not is_valid(changed), f"{changed} (from {value}) was accepted"


@PROPERTY
@given(
    st.integers(0, 100),
    st.dates(datetime.date(1960, 1, 1), datetime.date(2039, 12, 31)),
    st.randoms(use_true_random=False),
)
def test_birth_date_for_age_gives_that_age_on_today(
    age: int, today: datetime.date, rng: random.Random
) -> None:
    born = birth_date_for_age(age, today=today, rng=rng)

    assert today.year - born.year - ((today.month, today.day) < (born.month, born.day)) == age


def test_birth_date_for_age_reaches_both_ends_of_the_year_of_age() -> None:
    today = datetime.date(2024, 2, 29)
    rng = random.Random(3)

    births = {birth_date_for_age(4, today=today, rng=rng) for _ in range(3000)}

    assert min(births) == datetime.date(2019, 3, 1)
    assert max(births) == datetime.date(2020, 2, 29)


class StuckRandom(random.Random):
    """Always draws 0, as Hypothesis' shrunk randoms do."""

    def getrandbits(self, k: int, /) -> int:
        return 0


def test_generate_terminates_with_a_random_that_repeats_itself() -> None:
    # Born 2024-06-16 with individual number 500 first: 160624500 gives check digit 2 = 10.
    value = generate(FNR, age=0, today=TODAY, rng=StuckRandom())

    assert value.startswith("160624")
    assert parse(value).age(on=TODAY) == 0

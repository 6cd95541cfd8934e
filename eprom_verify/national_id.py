"""Norwegian 11-digit national identity numbers: fødselsnummer, D-, H- and FH-numbers.

Layout ``DDMMYY III KK``: birth date, individual number (whose range gives the century) and
two mod-11 check digits. The kind is read from the date digits:

* D-number: day + 40 (41–71).
* H-number: month + 40 (41–52).
* FH-number: first digit 8 or 9; no birth date.
* Synthetic test identities shift the month: + 65 (66–77, Norsk helsenett's Test-PREG and
  the new person service) or + 80 (81–92, Skatteetaten's Tenor). They are fødselsnumre or
  D-numbers with ``synthetic=True`` — never H-numbers. python-stdnum rejects them; we only
  reuse its check-digit helpers.

ePROM accepts fødselsnumre and D-numbers, synthetic or not, and refuses H- and FH-numbers.
"""

from __future__ import annotations

import datetime
import enum
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass

from stdnum.no import fodselsnummer as _stdnum

from eprom_verify._exceptions import EpromVerifyError

__all__ = [
    "InvalidNationalId",
    "NationalId",
    "NationalIdKind",
    "birth_date_for_age",
    "classify",
    "generate",
    "is_valid",
    "mask",
    "parse",
]

_LENGTH = 11
_D_OFFSET = 40
_H_OFFSET = 40
_TESTPREG_OFFSET = 65
_TENOR_OFFSET = 80
_TENOR_SHARE = 0.25
_FH_FIRST_DIGITS = "89"
_FIRST_YEAR = 1854  # earliest year the individual-number ranges can express
_LAST_YEAR = 2039
_DEFAULT_AGES = (0, 100)
_RANDOM_TRIES = 20  # about 5 in 6 candidates have valid check digits
_MONTH_HELP = "01–12, H-number 41–52, Test-PREG 66–77 or Tenor 81–92"


class NationalIdKind(enum.StrEnum):
    FODSELSNUMMER = "fødselsnummer"
    D_NUMBER = "D-nummer"
    H_NUMBER = "H-nummer"
    FH_NUMBER = "FH-nummer"


class InvalidNationalId(EpromVerifyError, ValueError):
    """An 11-digit national ID is malformed; the message says which part and why."""


@dataclass(frozen=True)
class NationalId:
    """A parsed national ID. Build it with :func:`parse`; the repr masks the value."""

    value: str
    kind: NationalIdKind
    synthetic: bool
    birth_date: datetime.date | None

    def __repr__(self) -> str:
        return (
            f"NationalId({self.masked()!r}, kind={self.kind.name}, "
            f"synthetic={self.synthetic}, birth_date={self.birth_date})"
        )

    def age(self, *, on: datetime.date) -> int:
        """Whole years from the birth date to ``on``."""
        if self.birth_date is None:
            raise InvalidNationalId(
                f"national ID {self.masked()!r} is an {self.kind}, which has no birth date "
                "and so no age"
            )
        if on < self.birth_date:
            raise ValueError(f"on={on} is before the birth date {self.birth_date}")
        return _age(self.birth_date, on=on)

    @property
    def accepted_by_eprom(self) -> bool:
        """ePROM takes fødselsnumre and D-numbers (synthetic or not), not H- or FH-numbers."""
        return self.kind in (NationalIdKind.FODSELSNUMMER, NationalIdKind.D_NUMBER)

    def masked(self) -> str:
        return mask(self.value)


def parse(value: str) -> NationalId:
    """Decode ``value`` (exactly 11 ASCII digits) or raise :class:`InvalidNationalId`."""
    _check_format(value)
    _check_digits(value)
    if value[0] in _FH_FIRST_DIGITS:
        return NationalId(value, NationalIdKind.FH_NUMBER, synthetic=False, birth_date=None)
    kind, day = _decode_day(value)
    month, synthetic, h_number = _decode_month(value)
    if h_number:
        if kind is NationalIdKind.D_NUMBER:
            raise _invalid(value, "has both a D-number day (41–71) and an H-number month (41–52)")
        kind = NationalIdKind.H_NUMBER
    return NationalId(value, kind, synthetic=synthetic, birth_date=_decode_date(value, day, month))


def classify(value: str) -> NationalIdKind:
    return parse(value).kind


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except InvalidNationalId:
        return False
    return True


def mask(value: str) -> str:
    """``'26670271527'`` → ``'266702*****'``; needs 11 digits, not a valid ID."""
    _check_format(value)
    return value[:6] + "*" * (_LENGTH - 6)


def generate(
    kind: NationalIdKind,
    *,
    age: int | None = None,
    today: datetime.date,
    synthetic: bool = False,
    rng: random.Random,
) -> str:
    """A valid ID of ``kind`` for a person ``age`` years old on ``today``.

    ``age=None`` picks an age from 0 to 100. FH-numbers have no birth date and ignore ``age``.
    ``synthetic=True`` shifts the month by 65 (Test-PREG), or by 80 (Tenor) for about a
    quarter of the IDs; only fødselsnumre and D-numbers can be synthetic.
    """
    kind = NationalIdKind(kind)
    if synthetic and kind in (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER):
        raise ValueError(
            f"synthetic=True with kind={kind.name}: synthetic identities shift the month, "
            "so they exist only as FODSELSNUMMER or D_NUMBER"
        )
    if kind is NationalIdKind.FH_NUMBER:
        return _generate_fh(rng)
    if age is None:
        age = rng.randint(*_DEFAULT_AGES)
    birth = birth_date_for_age(age, today=today, rng=rng)
    day = birth.day + (_D_OFFSET if kind is NationalIdKind.D_NUMBER else 0)
    month = birth.month + _month_offset(kind, synthetic=synthetic, rng=rng)
    prefix = f"{day:02d}{month:02d}{birth.year % 100:02d}"
    return _complete(prefix, _individual_numbers(birth.year), rng=rng)


def birth_date_for_age(age: int, *, today: datetime.date, rng: random.Random) -> datetime.date:
    """A random birth date, expressible in a national ID, of someone ``age`` on ``today``."""
    if age < 0:
        raise ValueError(f"age={age} must be 0 or more")
    latest = _years_before(today, age)
    earliest = _years_before(today, age + 1) + datetime.timedelta(days=1)
    if earliest.year < _FIRST_YEAR or latest.year > _LAST_YEAR:
        raise ValueError(
            f"age={age} on {today} gives a birth date between {earliest} and {latest}; "
            f"national IDs can express only birth years {_FIRST_YEAR}–{_LAST_YEAR}"
        )
    return earliest + datetime.timedelta(days=rng.randint(0, (latest - earliest).days))


def _invalid(value: str, problem: str) -> InvalidNationalId:
    shown = value if len(value) <= 20 else value[:20] + "…"
    return InvalidNationalId(f"national ID {shown!r} {problem}")


def _check_format(value: str) -> None:
    if not isinstance(value, str):
        hint = " (an int loses leading zeros)" if isinstance(value, int) else ""
        raise InvalidNationalId(
            f"national ID must be a str of 11 digits, got {type(value).__name__}{hint}"
        )
    if len(value) != _LENGTH:
        stripped = "".join(value.split()).replace("-", "")
        hint = "; remove the spaces or dashes" if len(stripped) == _LENGTH else ""
        raise _invalid(value, f"must be 11 digits (got {len(value)} characters){hint}")
    for position, char in enumerate(value, start=1):
        if char not in "0123456789":
            raise _invalid(value, f"must be 11 digits 0–9 (got {char!r} at position {position})")


def _check_digits(value: str) -> None:
    for number, expected in (
        (1, str(_stdnum.calc_check_digit1(value))),
        (2, str(_stdnum.calc_check_digit2(value))),
    ):
        actual = value[8 + number]
        if expected == "10":
            previous = 9 if number == 1 else 10
            raise _invalid(
                value,
                f"check digit {number} is {actual}, but digits 1–{previous} give 10, which is "
                "never a check digit (a digit is probably mistyped)",
            )
        if actual != expected:
            raise _invalid(value, f"check digit {number} is {actual}, expected {expected}")


def _decode_day(value: str) -> tuple[NationalIdKind, int]:
    day = int(value[0:2])
    if 1 <= day <= 31:
        return NationalIdKind.FODSELSNUMMER, day
    if _D_OFFSET + 1 <= day <= _D_OFFSET + 31:
        return NationalIdKind.D_NUMBER, day - _D_OFFSET
    raise _invalid(
        value,
        f"has day digits {value[0:2]!r}: expected 01–31, D-number 41–71, "
        "or a first digit 8 or 9 for an FH-number",
    )


def _decode_month(value: str) -> tuple[int, bool, bool]:
    """(month, synthetic, H-number) from the month digits."""
    month = int(value[2:4])
    for offset, synthetic, h_number in (
        (0, False, False),
        (_H_OFFSET, False, True),
        (_TESTPREG_OFFSET, True, False),
        (_TENOR_OFFSET, True, False),
    ):
        if offset + 1 <= month <= offset + 12:
            return month - offset, synthetic, h_number
    raise _invalid(value, f"has month digits {value[2:4]!r}: expected {_MONTH_HELP}")


def _decode_date(value: str, day: int, month: int) -> datetime.date:
    year_digits, individual = int(value[4:6]), int(value[6:9])
    century = _century(year_digits, individual)
    if century is None:
        raise _invalid(
            value,
            f"has individual number {value[6:9]} with year {value[4:6]}, which gives no century "
            "(000–499: 1900s; 500–749 with 54–99: 1800s; 500–999 with 00–39: 2000s; "
            "900–999 with 40–99: 1900s)",
        )
    year = century + year_digits
    try:
        return datetime.date(year, month, day)
    except ValueError:
        raise _invalid(
            value, f"has birth date {year}-{month:02d}-{day:02d}, which is not a calendar date"
        ) from None


def _century(year_digits: int, individual: int) -> int | None:
    if individual <= 499:
        return 1900
    if individual <= 749 and year_digits >= 54:
        return 1800
    if year_digits <= 39:
        return 2000
    if individual >= 900:
        return 1900
    return None


def _individual_numbers(year: int) -> Sequence[int]:
    if year < 1900:
        return range(500, 750)
    if year >= 2000:
        return range(500, 1000)
    if year % 100 >= 40:
        return [*range(0, 500), *range(900, 1000)]
    return range(0, 500)


def _with_check_digits(first_nine: str) -> str | None:
    k1 = str(_stdnum.calc_check_digit1(first_nine))
    if k1 == "10":
        return None
    k2 = str(_stdnum.calc_check_digit2(first_nine + k1))
    return None if k2 == "10" else first_nine + k1 + k2


def _generate_fh(rng: random.Random) -> str:
    return _complete(rng.choice(_FH_FIRST_DIGITS), range(10**8), rng=rng)


def _complete(prefix: str, candidates: Sequence[int], *, rng: random.Random) -> str:
    """``prefix`` + a random candidate (zero-padded to 9 digits in all) + check digits."""
    width = 9 - len(prefix)
    for _ in range(_RANDOM_TRIES):
        value = _with_check_digits(f"{prefix}{rng.choice(candidates):0{width}d}")
        if value is not None:
            return value
    # Only a degenerate rng (one that repeats itself) gets here: scan from a random start.
    start = rng.randrange(len(candidates))
    for candidate in itertools.chain(candidates[start:], candidates[:start]):
        value = _with_check_digits(f"{prefix}{candidate:0{width}d}")
        if value is not None:
            return value
    raise RuntimeError(f"no digits after {prefix!r} give valid check digits")


def _month_offset(kind: NationalIdKind, *, synthetic: bool, rng: random.Random) -> int:
    if kind is NationalIdKind.H_NUMBER:
        return _H_OFFSET
    if not synthetic:
        return 0
    return _TENOR_OFFSET if rng.random() < _TENOR_SHARE else _TESTPREG_OFFSET


def _age(birth: datetime.date, *, on: datetime.date) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _years_before(day: datetime.date, years: int) -> datetime.date:
    """The same day ``years`` earlier; 29 February becomes 28 February in a common year."""
    year = day.year - years
    if year < datetime.MINYEAR:
        return datetime.date.min
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)

"""The timestamp forms the docs show, per callback field (contract §4.5).

ePROM writes timestamps in several shapes, and not every field in every shape: the status
callback's ``timestamp`` has seven fraction digits and no zone, an answer's ``timestamp`` an
offset and whole seconds, the event log a space and milliseconds. A careful receiver may
parse each field in the one shape it was shown, so a generated callback writes each field
only in the shapes of that field's documented examples: a shape never seen for a field
(``2000-01-01`` for an answer's ``timestamp``) would fail a correct receiver.

:data:`DOCUMENTED_TIMESTAMPS` holds, per field, the examples as the reference pages print
them; :func:`timestamps_like` draws moments written in an example's shape.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

from eprom_verify.contract import CallbackKind

__all__ = ["DOCUMENTED_TIMESTAMPS", "TimestampShape", "documented_timestamps", "timestamps_like"]

#: (callback kind, field path) → the documented examples of that field. Paths name a field of
#: a nested object or of the items of a list with a dot (``formOrderEventLog.timestampUtc``).
DOCUMENTED_TIMESTAMPS: Mapping[tuple[CallbackKind, str], tuple[str, ...]] = {
    # BestillingAvSkjemaV2.md, the status callback example (the Error example has none).
    (CallbackKind.STATUS, "timestamp"): ("2023-03-29T10:20:10.1804332",),
    (CallbackKind.STATUS, "timestampUtc"): ("2023-03-29T08:20:10.1804332Z",),
    # ReturAvUtfyltSkjema.md, the answer callback example.
    (CallbackKind.ANSWER, "timestamp"): ("2019-05-03T00:00:00+02:00",),
    (CallbackKind.ANSWER, "formOrderEventLog.timestampUtc"): (
        "2021-05-07 09:17:51.220",
        "2021-05-07 09:18:09.627",
    ),
    # PasientinitiertBestillingAvSkjema.md, patientInitiatedValues.
    (CallbackKind.ANSWER, "patientInitiatedValues.orderTimestamp"): ("2023-03-29T10:01:49.857",),
    (CallbackKind.ANSWER, "patientInitiatedValues.orderTimestampUTC"): (
        "2023-03-29T08:01:49.857Z",
    ),
}

_SHAPE = re.compile(
    r"^\d{4}-\d{2}-\d{2}(?P<sep>[T ])\d{2}:\d{2}:\d{2}(?:\.(?P<frac>\d{1,7}))?"
    r"(?P<zone>Z|[+-]\d{2}:\d{2})?$"
)
#: Norwegian time: an offset in an example is written as +01:00 (winter) or +02:00 (summer).
_OFFSETS = (dt.timezone(dt.timedelta(hours=1)), dt.timezone(dt.timedelta(hours=2)))
_FIRST_DAY, _LAST_DAY = dt.date(2000, 1, 1), dt.date(2035, 12, 31)
_DAY_US = 86_400 * 10**6


def _moment(parts: tuple[int, int]) -> dt.datetime:
    day, microsecond = parts
    midnight = dt.datetime.combine(_FIRST_DAY + dt.timedelta(days=day), dt.time())
    return midnight + dt.timedelta(microseconds=microsecond)


#: naive moments 2000-01-01 – 2035-12-31, to the microsecond: two integer draws (the day,
#: the microsecond of that day) where ``st.datetimes`` makes eight (year … microsecond, fold)
#: and throws away the impossible dates (30 February) it drew; the same range, and the same
#: edges (first and last day, midnight, the last microsecond) are where the integers lean.
_MOMENTS = st.tuples(
    st.integers(0, (_LAST_DAY - _FIRST_DAY).days), st.integers(0, _DAY_US - 1)
).map(_moment)


@dataclass(frozen=True)
class TimestampShape:
    """How an example is written: date-time separator, fraction digits, zone (``""``, ``Z``, offset)."""

    separator: str
    fraction_digits: int
    zone: str

    @classmethod
    def of(cls, example: str) -> TimestampShape:
        match = _SHAPE.match(example)
        if match is None:
            raise InvalidArgument(
                f"{example!r} is not a date and time like 2023-03-29T10:20:10.1804332: "
                "a shape needs a date, a time to the second, optionally a fraction and a zone"
            )
        zone = match["zone"] or ""  # "", "Z" or an offset such as "+02:00"
        if zone not in ("", "Z"):
            zone = "offset"
        return cls(match["sep"], len(match["frac"] or ""), zone)

    def write(self, moment: dt.datetime) -> str:
        """``moment`` (aware when the shape has a zone) in this shape."""
        if self.zone == "Z":
            moment = moment.astimezone(dt.UTC)
        text = moment.strftime(f"%Y-%m-%d{self.separator}%H:%M:%S")
        if self.fraction_digits:
            text += "." + f"{moment.microsecond:06d}0"[: self.fraction_digits]
        if self.zone == "Z":
            text += "Z"
        elif self.zone == "offset":
            text += moment.isoformat()[-6:]
        return text


def timestamps_like(*examples: str) -> st.SearchStrategy[str]:
    """Moments 2000–2035 written in the shape of one of ``examples`` (at least one)."""
    if not examples:
        raise InvalidArgument("timestamps_like() needs at least one example to copy the shape of")
    shapes = sorted({TimestampShape.of(e) for e in examples}, key=repr)
    zoned = st.tuples(_MOMENTS, st.sampled_from(_OFFSETS)).map(
        lambda pair: pair[0].replace(tzinfo=pair[1])
    )
    by_shape = [(_MOMENTS if not shape.zone else zoned).map(shape.write) for shape in shapes]
    return st.one_of(by_shape) if len(by_shape) > 1 else by_shape[0]


def documented_timestamps(kind: CallbackKind, path: str) -> st.SearchStrategy[str]:
    """Timestamps for ``path`` of a ``kind`` callback, only in that field's documented shapes."""
    try:
        examples = DOCUMENTED_TIMESTAMPS[(kind, path)]
    except KeyError:
        known = ", ".join(f"{k.value} {p}" for k, p in DOCUMENTED_TIMESTAMPS)
        raise InvalidArgument(
            f"no documented timestamp for {path!r} of a {kind.value} callback; known: {known}"
        ) from None
    return timestamps_like(*examples)

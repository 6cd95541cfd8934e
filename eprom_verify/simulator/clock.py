"""Time as ePROM writes it: Norwegian local time and UTC, in the documented formats."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from eprom_verify.contract import TimestampStyle, format_timestamp, parse_timestamp

__all__ = [
    "NORWAY",
    "epoch_of",
    "iso_utc",
    "local7",
    "local_ms",
    "now",
    "offset",
    "submitted",
    "utc7",
    "utc_ms",
]

try:
    NORWAY: dt.tzinfo = zoneinfo.ZoneInfo("Europe/Oslo")
except zoneinfo.ZoneInfoNotFoundError:  # no tz database on this machine
    NORWAY = dt.UTC


def now() -> dt.datetime:
    """The current moment, aware, in Norwegian time."""
    return dt.datetime.now(NORWAY)


def local7(moment: dt.datetime) -> str:
    """``2023-03-29T10:20:10.1804332`` — local time, 7 fraction digits, no zone."""
    return format_timestamp(moment.astimezone(NORWAY).replace(tzinfo=None), TimestampStyle.LOCAL_7)


def utc7(moment: dt.datetime) -> str:
    """``2023-03-29T08:20:10.1804332Z``."""
    return format_timestamp(moment.astimezone(dt.UTC), TimestampStyle.UTC_7)


def local_ms(moment: dt.datetime) -> str:
    """``2023-03-29T10:01:49.857`` — as in the patient-initiated example."""
    local = moment.astimezone(NORWAY)
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{local.microsecond // 1000:03d}"


def utc_ms(moment: dt.datetime) -> str:
    """``2023-03-29T08:01:49.857Z``."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def offset(moment: dt.datetime) -> str:
    """``2019-05-03T00:00:00+02:00`` — local time with its UTC offset."""
    return moment.astimezone(NORWAY).isoformat(timespec="seconds")


def submitted(moment: dt.datetime) -> dt.datetime:
    """``moment`` rounded up to the whole second: the moment a form answer is submitted.

    The answer's ``timestamp`` is written to the second (``+02:00`` style); rounding up
    keeps it at or after everything that happened before, to the millisecond.
    """
    whole = moment.replace(microsecond=0)
    return whole if whole == moment else whole + dt.timedelta(seconds=1)


def iso_utc(epoch: float) -> str:
    """An epoch time for the control API: ISO 8601 in UTC, milliseconds."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).isoformat(timespec="milliseconds")


def epoch_of(timestamp: str) -> float:
    """Epoch seconds of a documented timestamp; no zone means Norwegian local time."""
    moment = parse_timestamp(timestamp)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=NORWAY)
    return moment.timestamp()

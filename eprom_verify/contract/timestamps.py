"""The timestamp formats seen in ePROM's payloads (contract §4.5).

ePROM writes timestamps in several shapes; a field keeps the exact text it arrived
with (so a payload serialises back unchanged) and :func:`parse_timestamp` reads any of
them. :func:`format_timestamp` writes each documented style.
"""

from __future__ import annotations

import datetime as dt
import enum
import re

__all__ = ["TimestampStyle", "format_timestamp", "parse_timestamp"]

_PATTERN = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2})?)"
    r"(?:\.(?P<frac>\d{1,7}))?(?P<zone>Z|[+-]\d{2}:?\d{2})?$"
)


class TimestampStyle(enum.Enum):
    """The documented styles, named by an example of each."""

    LOCAL_7 = "2023-03-29T10:20:10.1804332"
    UTC_7 = "2023-03-29T08:20:10.1804332Z"
    OFFSET = "2019-05-03T00:00:00+02:00"
    SPACE_MS = "2021-05-07 09:17:51.220"
    DATE = "2023-03-29"


def parse_timestamp(text: str) -> dt.datetime:
    """Read any documented timestamp; naive when the text has no zone.

    Seven fraction digits (.NET ticks) are cut to the six Python keeps.
    """
    if not isinstance(text, str):
        raise ValueError(f"timestamp must be a string, got {type(text).__name__}")
    stripped = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
        return dt.datetime.fromisoformat(stripped)
    match = _PATTERN.match(stripped)
    if match is None:
        raise ValueError(
            f"{text!r} is not a timestamp in a documented format "
            f"(e.g. {', '.join(s.value for s in TimestampStyle)})"
        )
    time = match["time"] if match["time"].count(":") == 2 else match["time"] + ":00"
    frac = (match["frac"] or "").ljust(6, "0")[:6]
    zone = match["zone"] or ""
    if zone == "Z":
        zone = "+00:00"
    elif zone and ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return dt.datetime.fromisoformat(f"{match['date']}T{time}.{frac}{zone}")
    except ValueError as exc:
        raise ValueError(f"{text!r} is not a valid timestamp: {exc}") from None


def format_timestamp(moment: dt.datetime, style: TimestampStyle) -> str:
    """Write ``moment`` in ``style``; aware moments are converted for the UTC style."""
    if style is TimestampStyle.UTC_7:
        utc = moment.astimezone(dt.UTC) if moment.tzinfo else moment
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond:06d}0Z"
    if style is TimestampStyle.LOCAL_7:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond:06d}0"
    if style is TimestampStyle.OFFSET:
        aware = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
        return aware.isoformat(timespec="seconds")
    if style is TimestampStyle.SPACE_MS:
        return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"
    return moment.strftime("%Y-%m-%d")

"""Small statistics: nearest-rank percentiles and medians, rounded for the results file."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

__all__ = ["median", "ms", "percentile", "rounded"]


def percentile(values: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile (``fraction`` 0–1) of ``values``; NaN for no values."""
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction={fraction} must be in (0, 1]")
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else math.nan


def ms(seconds: float) -> float | None:
    """Seconds → milliseconds, 2 decimals; None for NaN (JSON has no NaN)."""
    return None if math.isnan(seconds) else round(seconds * 1000, 2)


def rounded(value: float, digits: int = 2) -> float | None:
    return None if math.isnan(value) else round(value, digits)

"""Where the shipped data lives: the default fixtures and the verification suites.

The one place that knows the layout (a source checkout today); everything else asks here.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FIXTURES_ENV_VAR", "SUITES_ENV_VAR", "fixtures_dir", "suites_dir"]

FIXTURES_ENV_VAR = "EPROM_FIXTURES_DIR"
SUITES_ENV_VAR = "EPROM_SUITES"
_CHECKOUT = Path(__file__).resolve().parent.parent


def fixtures_dir() -> Path:
    """The fixtures folder: ``$EPROM_FIXTURES_DIR`` if set, else the shipped ``fixtures/``."""
    override = os.environ.get(FIXTURES_ENV_VAR)
    return Path(override) if override else _CHECKOUT / "fixtures"


def suites_dir() -> Path:
    """The suites: ``$EPROM_SUITES``, else the shipped ``suites/``."""
    given = os.environ.get(SUITES_ENV_VAR)
    if given:
        return Path(given)
    beside = _CHECKOUT / "suites"
    if beside.is_dir():
        return beside
    return Path.cwd() / "suites"

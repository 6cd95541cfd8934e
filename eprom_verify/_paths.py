"""Where the shipped data lives: the default fixtures and the verification suites.

The one place that knows the layout. The repository keeps them at the top level
(``fixtures/``, ``suites/``: the source); the build maps them into the wheel as
``eprom_verify/_fixtures`` and ``eprom_verify/_suites`` (``pyproject.toml``,
``[tool.setuptools.package-dir]``). An installed wheel finds them inside the package, a
source checkout (or an editable install of it) beside the package.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "FIXTURES_ENV_VAR",
    "SUITES_ENV_VAR",
    "cache_dir",
    "fixtures_dir",
    "pytest_isolation",
    "suites_dir",
]

FIXTURES_ENV_VAR = "EPROM_FIXTURES_DIR"
SUITES_ENV_VAR = "EPROM_SUITES"
_PACKAGE = Path(__file__).resolve().parent
_CHECKOUT = _PACKAGE.parent


def _shipped(installed: str, checkout: str) -> Path:
    inside = _PACKAGE / installed
    return inside if inside.is_dir() else _CHECKOUT / checkout


def fixtures_dir() -> Path:
    """The fixtures folder: ``$EPROM_FIXTURES_DIR`` if set, else the shipped fixtures."""
    override = os.environ.get(FIXTURES_ENV_VAR)
    return Path(override) if override else _shipped("_fixtures", "fixtures")


def suites_dir() -> Path:
    """The suites folder: ``$EPROM_SUITES`` if set, else the shipped suites."""
    given = os.environ.get(SUITES_ENV_VAR)
    return Path(given) if given else _shipped("_suites", "suites")


def cache_dir(name: str) -> Path:
    """``$XDG_CACHE_HOME/eprom-verify/<name>`` (``~/.cache/…`` when the variable is unset).

    What a run may keep between runs to start faster (compiled modules, compiled report
    templates); deleting it is always safe.
    """
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "eprom-verify" / name


def writable_cache_dir(name: str) -> Path | None:
    """:func:`cache_dir`, made if missing; None when it cannot be made or written."""
    try:
        folder = cache_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
    except (OSError, RuntimeError):  # RuntimeError: no home directory to be found
        return None
    return folder if os.access(folder, os.W_OK) else None


def pytest_isolation(suites: Path) -> list[str]:
    """pytest arguments that keep the user's repository out of a run of the installed suites.

    Installed, the suites sit in ``site-packages``, often inside the user's repository
    (``.venv/``): pytest would load that repository's ``conftest.py`` files and its pytest
    configuration into our run. For the installed suites, no configuration file
    (``-c`` an empty one) and no ``conftest.py`` above them (``--confcutdir``); a checkout's
    own suites (or ``--suites DIR``) are run as they are.
    """
    if suites.resolve() != (_PACKAGE / "_suites").resolve():
        return []
    return ["--confcutdir", str(suites), "-c", os.devnull]

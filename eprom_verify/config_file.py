"""The config file a user keeps in their repository: ``eprom-verify.toml`` or ``[tool.eprom-verify]``.

::

    # eprom-verify.toml (the same keys work under [tool.eprom-verify] in pyproject.toml)
    ordering-system = "Min Journal"
    env = "simulator"
    callback-public-url = "https://min-journal.example/eprom"
    patients = "eprom-verify/patients.yaml"
    forms = "eprom-verify/forms.yaml"

Keys are the run's option names without ``--`` (``callback-timeout``, ``fill``, ``lang``…;
underscores work too). Paths are relative to the file. The API key is refused: it does not
belong in a repository (set ``EPROM_API_KEY``).

Where it is found: ``$EPROM_CONFIG`` if set, else the first folder from the current one
upward that holds ``eprom-verify.toml`` or a ``pyproject.toml`` with ``[tool.eprom-verify]``
(``eprom-verify.toml`` wins in one folder), not above the repository's root (a folder with
``.git``). Precedence: command line > environment > this file > defaults.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ._exceptions import UsageError

__all__ = [
    "CONFIG_ENV_VAR",
    "CONFIG_FILE_NAME",
    "ConfigFile",
    "KnownOption",
    "file_settings",
    "find_config_file",
    "read_config_file",
]

CONFIG_ENV_VAR = "EPROM_CONFIG"
CONFIG_FILE_NAME = "eprom-verify.toml"
_TABLE = ("tool", "eprom-verify")
_PATH_KEYS = frozenset({"patients", "forms", "attest", "simulator_faults", "report_dir"})
_REFUSED = {
    "api_key": "the API key does not belong in a file in your repository: set EPROM_API_KEY",
    "control_token": "the simulator's control token does not belong in a file in your "
    "repository: set EPROM_SIM_CONTROL_TOKEN",
}


@dataclass(frozen=True)
class ConfigFile:
    """A config file as read: where it is and its values by option name (``dest``)."""

    path: Path
    label: str
    values: dict[str, Any]

    def source(self, key: str) -> str:
        """How an error names where a value came from, e.g. ``eprom-verify.toml: env``."""
        return f"{self.label}: {key.replace('_', '-')}"


class KnownOption(Protocol):
    """What the file needs to know of an option (``settings.Option`` is one): its key and kind.

    The options are passed in, so this module stays below ``settings`` (which reads the file).
    """

    @property
    def dest(self) -> str: ...

    @property
    def kind(self) -> type: ...


def find_config_file(
    start: Path | None = None, environ: Mapping[str, str] | None = None
) -> Path | None:
    """The config file in force (see the module docstring), or None."""
    env = os.environ if environ is None else environ
    named = env.get(CONFIG_ENV_VAR)
    if named:
        path = Path(named)
        if not path.is_file():
            raise UsageError(f"${CONFIG_ENV_VAR} {named}: file not found")
        return path
    folder = (start or Path.cwd()).resolve()
    for candidate in (folder, *folder.parents):
        own = candidate / CONFIG_FILE_NAME
        if own.is_file():
            return own
        pyproject = candidate / "pyproject.toml"
        if pyproject.is_file() and _has_table(pyproject):
            return pyproject
        if (candidate / ".git").exists():
            return None
    return None


def _has_table(pyproject: Path) -> bool:
    try:
        return _table(_parse(pyproject)) is not None
    except UsageError:
        return True  # a broken pyproject.toml that mentions us: let the reader say what is wrong


def _parse(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML ({exc})") from None


def _table(document: dict[str, Any]) -> Any:
    return document.get(_TABLE[0], {}).get(_TABLE[1])


def read_config_file(path: Path, options: Iterable[KnownOption]) -> ConfigFile:
    """Read and check ``path`` against ``options`` (the keys it may set).

    A bad file is one :class:`UsageError` line naming the file, line and key.
    """
    document = _parse(path)
    in_pyproject = path.name == "pyproject.toml"
    table = _table(document) if in_pyproject else document
    label = f"{path}[tool.eprom-verify]" if in_pyproject else str(path)
    if not isinstance(table, dict):
        raise UsageError(f"{label}: expected a table of settings")
    kinds = {opt.dest: opt.kind for opt in options}
    names = tuple(kinds)
    values: dict[str, Any] = {}
    for key, value in table.items():
        dest = key.replace("-", "_")
        where = f"{path}:{_line_of(path, key)}"
        if dest in _REFUSED:
            raise UsageError(f"{where}: {key}: {_REFUSED[dest]}")
        if dest not in names:
            raise UsageError(f"{where}: unknown key {key!r}{_did_you_mean(dest, names)}")
        if isinstance(value, dict | list) or (kinds[dest] is str and not isinstance(value, str)):
            expected = "a string" if kinds[dest] is str else "a single value"
            raise UsageError(f"{where}: {key}: expected {expected}, got {value!r}")
        if dest in _PATH_KEYS:
            value = str((path.parent / str(value)).resolve())
        values[dest] = value
    return ConfigFile(path=path, label=label, values=values)


def _did_you_mean(dest: str, names: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(dest, names, n=1, cutoff=0.6)
    if close:
        return f" — did you mean {close[0].replace('_', '-')!r}?"
    known = ", ".join(n.replace("_", "-") for n in names if n not in _REFUSED)
    return f" — known keys: {known}"


def _line_of(path: Path, key: str) -> int:
    """The line where ``key`` is set (1 when it cannot be told): TOML errors say no line.

    In ``pyproject.toml`` only the lines after ``[tool.eprom-verify]`` count.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return 1
    first = 0
    if path.name == "pyproject.toml":
        headers = [n for n, line in enumerate(lines) if line.strip() == "[tool.eprom-verify]"]
        first = headers[0] if headers else 0
    for number, line in enumerate(lines[first:], start=first + 1):
        name = line.split("=", 1)[0].strip().strip("\"'")
        if "=" in line and name == key:
            return number
    return 1


def file_settings(
    options: Iterable[KnownOption], environ: Mapping[str, str] | None = None
) -> ConfigFile | None:
    """The config file in force, read and checked against ``options``; None when there is none."""
    path = find_config_file(environ=environ)
    return read_config_file(path, options) if path is not None else None

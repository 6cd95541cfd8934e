"""The run's settings: every option, its ``EPROM_…`` twin, its default, one help text.

Precedence is fixed: command line > environment variable > config file (see
:mod:`eprom_verify.config_file`) > default. The API key is
held in a :class:`Secret` whose ``repr`` and ``str`` never show it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from ._exceptions import UsageError

__all__ = [
    "MIN_API_KEY_LENGTH",
    "OBSERVE_OPTIONS",
    "OPTIONS",
    "RECEIVER_OPTIONS",
    "RUN_OPTIONS",
    "SETTINGS_OPTIONS",
    "Option",
    "RunSettings",
    "Secret",
    "add_options",
    "check_api_key",
    "check_database",
    "check_port",
    "check_report_dir",
    "deprecated",
    "option",
    "parse_listen",
    "resolve_options",
    "resolve_values",
    "unattended",
]

ENVIRONMENTS = ("simulator", "test", "qa", "prod")

#: The redactor cannot find a shorter secret in output (see redact.py), so a shorter key
#: could leak into a report; ePROM's pages give no length, real keys are far longer.
MIN_API_KEY_LENGTH = 8


def unattended(environ: Mapping[str, str] | None = None) -> bool:
    """True in CI (``CI`` set) or when no person is at a terminal (stdin is not a tty)."""
    import sys

    env_vars = os.environ if environ is None else environ
    if env_vars.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
        return True
    stdin = sys.__stdin__
    return not (stdin is not None and stdin.isatty())


def check_port(value: int, where: str) -> int:
    """``value`` if it is a TCP port (0-65535, 0 = any free one), else a one-line error."""
    if not 0 <= value <= 65535:
        raise UsageError(f"{where}: port {value} is out of range; a port is 0-65535")
    return value


class Secret:
    """A value that never prints. ``reveal()`` is the one way to read it."""

    __slots__ = ("__value",)

    def __init__(self, value: str) -> None:
        self.__value = value

    def reveal(self) -> str:
        return self.__value

    def __bool__(self) -> bool:
        return bool(self.__value)

    def __repr__(self) -> str:
        return "Secret(«redacted»)" if self.__value else "Secret(<empty>)"

    __str__ = __repr__


def new_simulator_key() -> str:
    """A fresh key for the embedded simulator's ordering system (never a real one)."""
    import secrets

    return "sim-" + secrets.token_urlsafe(24)


@dataclass(frozen=True)
class Option:
    """One option of the run: its flag, its environment variable and its help text."""

    dest: str
    flag: str
    env: str
    help: str
    default: Any = None
    choices: tuple[str, ...] | None = None
    kind: type = str


OPTIONS: tuple[Option, ...] = (
    Option("env", "--env", "EPROM_ENV", "environment: simulator (default, embedded), test or qa",
           "simulator", ENVIRONMENTS),
    Option("base_url", "--base-url", "EPROM_BASE_URL",
           "ePROM API base URL (promsApiBaseUrl) of any ePROM-compatible server; overrides --env's URL"),
    Option("api_key", "--api-key", "EPROM_API_KEY",
           "the ordering system's API key (prefer the environment variable; never printed)"),
    Option("callback_listen", "--callback-listen", "EPROM_CALLBACK_LISTEN",
           "HOST:PORT where the callback listener binds (default 127.0.0.1 and a free port)"),
    Option("callback_public_url", "--callback-public-url", "EPROM_CALLBACK_PUBLIC_URL",
           "the ApiBaseUrl registered at Hemit when a tunnel or proxy sits in front of the listener"),
    Option("patients", "--patients", "EPROM_PATIENTS", "test persons file (default fixtures/patients.yaml)"),
    Option("forms", "--forms", "EPROM_FORMS", "forms file (default fixtures/forms.yaml)"),
    Option("callback_timeout", "--callback-timeout", "EPROM_CALLBACK_TIMEOUT",
           "seconds to wait for a status callback (default 10 in the simulator, 300 elsewhere)",
           None, None, float),
    Option("duplicate_window", "--duplicate-window", "EPROM_DUPLICATE_WINDOW",
           "seconds to keep listening for a duplicate after a callback (default 0.3 / 10)",
           None, None, float),
    Option("fill", "--fill", "EPROM_FILL",
           "outside the simulator: manual (a person fills in on Helsenorge) or skip "
           "(default manual at a terminal, skip with CI set or no terminal)", None,
           ("manual", "skip")),
    Option("fill_timeout", "--fill-timeout", "EPROM_FILL_TIMEOUT",
           "seconds to wait for a person to fill in a form (default 900)", 900.0, None, float),
    Option("ordering_system", "--ordering-system", "EPROM_ORDERING_SYSTEM",
           "the ordering system's name, for the report"),
    Option("organisation", "--organisation", "EPROM_ORGANISATION",
           "the organisation that owns the ordering system, for the report's cover"),
    Option("system_version", "--system-version", "EPROM_SYSTEM_VERSION",
           "the ordering system's version or commit, for the report's cover (default: "
           "git describe in the current folder; run's self-check against the embedded "
           "simulator names none)"),
    Option("lang", "--lang", "EPROM_LANG", "report language: nb (default) or en", "nb", ("nb", "en")),
    Option("attest", "--attest", "EPROM_ATTEST", "YAML file with the manual steps' attestations"),
    Option("tester", "--tester", "EPROM_TESTER", "name of the person attesting manual steps"),
    Option("simulator_faults", "--simulator-faults", "EPROM_SIMULATOR_FAULTS",
           "YAML file of faults for the embedded simulator to inject (see docs/simulator.md)"),
    Option("receiver_url", "--receiver-url", "EPROM_RECEIVER_URL",
           "check-receiver: the ordering system's callback base URL (ApiBaseUrl)"),
    Option("max_examples", "--max-examples", "EPROM_MAX_EXAMPLES",
           "hypothesis examples per generated check (default: the profile's)", None, None, int),
    Option("receiver_time_limit", "--time-limit", "EPROM_RECEIVER_TIME_LIMIT",
           "check-receiver: seconds a receiver may take to answer (default 10)", 10.0, None, float),
    Option("allure", "--allure", "EPROM_ALLURE",
           "on: also write allure-pytest results (1,000+ files) to the report folder's "
           "allure-results/, for a pipeline that publishes them (default off)", "off", ("on", "off")),
    Option("report_dir", "--report-dir", "EPROM_REPORT_DIR",
           "where the report folder is made (default reports/)", "reports"),
    # observe (docs/observe.md)
    Option("system_callback_url", "--system-callback-url", "EPROM_SYSTEM_CALLBACK_URL",
           "observe: your system's ApiBaseUrl, where its callback service listens"),
    Option("drive", "--drive", "EPROM_DRIVE",
           "observe: run CMD (your integration test or script) and judge what it did"),
    Option("timeout", "--timeout", "EPROM_OBSERVE_TIMEOUT",
           "observe: seconds to wait for the system after --drive ends, or for the whole "
           "scenario without --drive (default 120)", 120.0, None, float),
    Option("settle", "--settle", "EPROM_SETTLE",
           "observe: after --drive ends, seconds to wait for callbacks still due (default 15)",
           15.0, None, float),
    Option("callback_time_limit", "--callback-time-limit", "EPROM_CALLBACK_TIME_LIMIT",
           "observe: seconds the system may take to answer a callback (default 5)",
           5.0, None, float),
    Option("upstream", "--upstream", "EPROM_UPSTREAM",
           "observe: relay toward this ePROM (test, qa or a URL) instead of the embedded "
           "simulator (prod is refused)"),
    Option("control_token", "--control-token", "EPROM_SIM_CONTROL_TOKEN",
           "observe --upstream URL: the control token the eprom-verify simulator there was "
           "started with (the same variable as the simulator's; never printed)"),
    Option("listen", "--listen", "EPROM_LISTEN",
           "observe: HOST:PORT where PromsApiBaseUrl listens (default a free port)",
           "127.0.0.1:0"),
)  # fmt: skip

#: The options of each command that takes the run's settings (the order is --help's).
RUN_OPTIONS = (
    "env", "base_url", "api_key", "callback_listen", "callback_public_url", "patients",
    "forms", "callback_timeout", "duplicate_window", "fill", "fill_timeout",
    "ordering_system", "organisation", "system_version", "lang", "attest", "tester",
    "max_examples", "simulator_faults", "allure", "report_dir",
)  # fmt: skip
RECEIVER_OPTIONS = (
    "receiver_url", "api_key", "lang", "max_examples", "receiver_time_limit", "ordering_system",
    "organisation", "system_version", "allure", "report_dir",
)  # fmt: skip
OBSERVE_OPTIONS = (
    "system_callback_url", "api_key", "drive", "timeout", "settle", "callback_time_limit",
    "upstream", "listen", "callback_listen", "callback_public_url", "report_dir", "attest",
    "lang", "ordering_system", "organisation", "system_version", "control_token",
)  # fmt: skip
_BY_DEST = {opt.dest: opt for opt in OPTIONS}
#: What :class:`RunSettings` resolves — the pytest plugin's ``--eprom-…`` options.
SETTINGS_OPTIONS = tuple(
    _BY_DEST[dest]
    for dest in (*(n for n in RUN_OPTIONS if n != "report_dir"), "receiver_url",
                 "receiver_time_limit")
)  # fmt: skip


def option(dest: str) -> Option:
    """The option whose ``dest`` is ``dest``."""
    return _BY_DEST[dest]


def add_options(parser: argparse.ArgumentParser, names: Sequence[str]) -> None:
    """The options ``names`` of the one table (:data:`~eprom_verify.settings.OPTIONS`)."""
    for dest in names:
        opt = option(dest)
        kwargs: dict[str, object] = {
            "dest": opt.dest,
            "default": None,
            "help": f"{opt.help} [${opt.env}]",
        }
        if opt.choices:
            kwargs["choices"] = opt.choices
        else:
            kwargs["metavar"] = _metavar(opt)
        if opt.dest in ("api_key", "control_token"):
            kwargs["help"] = f"{opt.help} [${opt.env}]; prefer the variable: a flag shows in ps"
        parser.add_argument(opt.flag, **kwargs)  # type: ignore[arg-type]


_METAVARS = {
    "api_key": "KEY", "control_token": "TOKEN", "drive": "CMD", "upstream": "test|qa|URL", "report_dir": "DIR",
    "listen": "HOST:PORT", "callback_listen": "HOST:PORT", "ordering_system": "NAME",
    "tester": "NAME", "max_examples": "N", "organisation": "NAME", "system_version": "VERSION",
}  # fmt: skip


def _metavar(opt: Option) -> str:
    """How ``--help`` names an option's value."""
    if opt.dest in _METAVARS:
        return _METAVARS[opt.dest]
    if opt.kind is float:
        return "SECONDS"
    return "URL" if opt.dest.endswith("url") else "FILE"


def deprecated(parser: argparse.ArgumentParser, old: str, new: str, dest: str) -> None:
    """``old`` still works for one release as ``new``; using it prints one deprecation line."""

    class Alias(argparse.Action):
        def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                     values: Any, option_string: str | None = None) -> None:  # fmt: skip
            sys.stderr.write(
                f"eprom-verify: note: {old} is deprecated and goes away in the next release; "
                f"use {new}\n"
            )
            setattr(namespace, dest, values)

    parser.add_argument(old, dest=dest, action=Alias, help=argparse.SUPPRESS)


def resolve_options(
    given: Mapping[str, Any], names: Iterable[str], environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """The options ``names`` of :data:`OPTIONS`, resolved by :func:`resolve_values` with the
    user's config file (``eprom-verify.toml`` / ``[tool.eprom-verify]``)."""
    env_vars = os.environ if environ is None else environ
    from .config_file import file_settings  # the user's eprom-verify.toml, if any

    options = tuple(_BY_DEST[dest] for dest in names)
    return resolve_values(options, given, env_vars, file_settings(OPTIONS, env_vars))


def check_api_key(key: str) -> None:
    """A key too short to be found and redacted in output is refused, in every command."""
    if key and len(key) < MIN_API_KEY_LENGTH:
        raise UsageError(
            f"the API key has {len(key)} characters, fewer than the {MIN_API_KEY_LENGTH} "
            "a real key has: check EPROM_API_KEY (or --api-key)"
        )


def check_report_dir(path: Path, option: str = "--report-dir") -> None:
    """Refuse, before anything starts, a report folder that cannot be made or written in.

    The nearest existing folder on the way to ``path`` must be a folder, and a probe folder
    must be creatable in it (the one honest test of writability: permissions, a read-only
    mount, an immutable folder, a full disk, root or not). The probe is removed again.
    """
    import tempfile

    existing = path
    while not existing.exists() and not existing.is_symlink() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise UsageError(
            f"{option} {path}: {existing} is a file, not a folder — choose another folder "
            f"(or move the file away)"
        )
    try:
        probe = tempfile.mkdtemp(prefix=".eprom-verify-probe-", dir=existing)
    except OSError as exc:
        raise UsageError(
            f"{option} {path}: cannot write in {existing} ({exc.strerror}) — choose a folder "
            "you can write to"
        ) from None
    os.rmdir(probe)


SQLITE_HEADER = b"SQLite format 3\x00"


def check_database(path: Path, option: str = "--db") -> None:
    """Refuse, before anything starts, a database file that cannot be used.

    Its folder must exist (it is not made: a typo should not grow a tree), it must not be
    a folder, an existing non-empty file must be an SQLite database, and it (or, for a new
    one, its folder) must be writable — tried, not guessed from permission bits.
    """
    import tempfile

    folder = path.parent
    if not folder.is_dir():
        what = "is a file" if folder.exists() else "does not exist"
        raise UsageError(
            f"{option} {path}: the folder {folder} {what} — create the folder first or "
            "choose another path"
        )
    if path.is_dir():
        raise UsageError(f"{option} {path}: is a folder — give a file name, e.g. {path}/eprom.db")
    if path.exists():
        try:
            with path.open("r+b") as file:
                header = file.read(len(SQLITE_HEADER))
        except OSError as exc:
            raise UsageError(
                f"{option} {path}: cannot be opened for writing ({exc.strerror}) — choose a "
                "file you can write"
            ) from None
        if header and header != SQLITE_HEADER:
            raise UsageError(
                f"{option} {path}: is not an SQLite database — give a new file name, or the "
                "database an earlier simulator kept"
            )
        return
    try:
        handle, probe = tempfile.mkstemp(prefix=".eprom-verify-probe-", dir=folder)
    except OSError as exc:
        raise UsageError(
            f"{option} {path}: cannot create a file in {folder} ({exc.strerror}) — choose a "
            "folder you can write to"
        ) from None
    os.close(handle)
    os.unlink(probe)


def parse_listen(value: str) -> tuple[str, int]:
    """``HOST:PORT`` (or ``:PORT`` / ``PORT``) → (host, port)."""
    host, _, port = value.rpartition(":")
    try:
        number = int(port)
    except ValueError:
        raise UsageError(
            f"--callback-listen {value!r}: expected HOST:PORT, e.g. 127.0.0.1:8766"
        ) from None
    check_port(number, f"--callback-listen {value!r}")
    return host or "127.0.0.1", number


class ValueSource(Protocol):
    """Where the third level of values comes from: a config file's values and their labels."""

    @property
    def values(self) -> dict[str, Any]: ...

    def source(self, key: str) -> str: ...


def resolve_values(
    options: tuple[Option, ...],
    given: Mapping[str, Any],
    env_vars: Mapping[str, str],
    in_file: ValueSource | None,
) -> dict[str, Any]:
    """Each option's value: command line > environment variable > config file > default.

    Converted to the option's kind and checked against its choices; a bad value is one
    :class:`UsageError` line naming where it came from (``--port``, ``$EPROM_…``, file: key).
    Shared by the run's :data:`OPTIONS` and the simulator's options (one mechanism).
    """
    raw: dict[str, Any] = {}
    for opt in options:
        value = given.get(opt.dest)
        source = opt.flag
        if value is None and env_vars.get(opt.env):
            value, source = env_vars[opt.env], f"${opt.env}"
        if value is None and in_file is not None and opt.dest in in_file.values:
            value, source = in_file.values[opt.dest], in_file.source(opt.dest)
        if value is None:
            value = opt.default
        if value is not None and opt.kind is not str:
            try:
                value = opt.kind(value)
            except ValueError:
                raise UsageError(f"{source} {value!r}: expected a {opt.kind.__name__}") from None
        if value is not None and opt.choices and value not in opt.choices:
            raise UsageError(
                f"{source} {value!r} is not known; choose one of {', '.join(opt.choices)}"
            )
        raw[opt.dest] = value
    return raw


@dataclass(frozen=True)
class RunSettings:
    """The resolved settings of one run."""

    env: str = "simulator"
    base_url: str | None = None
    api_key: Secret = field(default_factory=lambda: Secret(""))
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    callback_public_url: str | None = None
    patients: Path | None = None
    forms: Path | None = None
    callback_timeout_s: float = 10.0
    duplicate_window_s: float = 0.3
    fill: str = "manual"
    fill_timeout_s: float = 900.0
    ordering_system: str | None = None
    #: for the report's cover (``--organisation``, ``--system-version``)
    organisation: str | None = None
    system_version: str | None = None
    lang: str = "nb"
    attest: Path | None = None
    tester: str | None = None
    simulator_faults: Path | None = None
    receiver_url: str | None = None
    max_examples: int | None = None
    receiver_time_limit_s: float = 10.0
    #: write allure-pytest results into the report folder (``--allure on``)
    allure: bool = False

    @property
    def embedded(self) -> bool:
        """True when the harness starts its own simulator (env simulator, no --base-url)."""
        return self.env == "simulator" and self.base_url is None

    @classmethod
    def resolve(
        cls, given: Mapping[str, Any], environ: Mapping[str, str] | None = None
    ) -> RunSettings:
        """Settings from option values (None = not given) and the environment."""
        env_vars = os.environ if environ is None else environ
        raw = resolve_options(given, [opt.dest for opt in SETTINGS_OPTIONS], env_vars)
        raw["fill"] = raw["fill"] or ("skip" if unattended(env_vars) else "manual")
        return cls._build(raw)

    @classmethod
    def _build(cls, raw: dict[str, Any]) -> RunSettings:
        embedded = raw["env"] == "simulator" and raw["base_url"] is None
        host, port = (
            parse_listen(raw["callback_listen"]) if raw["callback_listen"] else ("127.0.0.1", 0)
        )
        for name in ("base_url", "callback_public_url", "receiver_url"):
            url = raw[name]
            if url and urlsplit(url).scheme not in ("http", "https"):
                raise UsageError(f"--{name.replace('_', '-')} {url!r}: expected an http(s) URL")
        return cls(
            env=raw["env"],
            base_url=raw["base_url"],
            api_key=Secret(raw["api_key"] or ""),
            listen_host=host,
            listen_port=port,
            callback_public_url=raw["callback_public_url"],
            patients=Path(raw["patients"]) if raw["patients"] else None,
            forms=Path(raw["forms"]) if raw["forms"] else None,
            callback_timeout_s=raw["callback_timeout"] or (10.0 if embedded else 300.0),
            duplicate_window_s=raw["duplicate_window"] or (0.3 if embedded else 10.0),
            fill=raw["fill"],
            fill_timeout_s=raw["fill_timeout"],
            ordering_system=raw["ordering_system"],
            organisation=(raw["organisation"] or "").strip() or None,
            system_version=(raw["system_version"] or "").strip() or None,
            lang=raw["lang"],
            attest=Path(raw["attest"]) if raw["attest"] else None,
            tester=raw["tester"],
            simulator_faults=Path(raw["simulator_faults"]) if raw["simulator_faults"] else None,
            receiver_url=raw["receiver_url"],
            max_examples=raw["max_examples"],
            receiver_time_limit_s=raw["receiver_time_limit"],
            allure=raw["allure"] == "on",
        )

    def refuse_unsafe(self, *, reaches_people: bool) -> None:
        """Refuse an environment whose facts (fixtures/environments.yaml) forbid the run.

        ``reachesPeople: true`` is refused for checks that order forms or send messages
        (``reaches_people``); ``requiresApiKey: true`` needs a key, and so does any
        ``--base-url`` server. The facts are read from the YAML, never from the name.
        """
        from .config import load_environments

        facts = load_environments().get(self.env)
        if facts is None:
            return  # resolve_base_url names the known environments
        if facts.reaches_people and reaches_people:
            raise UsageError(
                f"refusing --env {self.env}: these checks order forms and send messages to "
                "real people (reachesPeople: true in environments.yaml); verify in test or qa"
            )
        if facts.requires_api_key and not self.api_key:
            raise UsageError(
                f"--env {self.env} needs the ordering system's API key: "
                "set EPROM_API_KEY (or --api-key)"
            )
        if self.base_url is not None and not self.api_key:
            raise UsageError(
                "--base-url needs the ordering system's API key: set EPROM_API_KEY (or --api-key)"
            )
        self.check_api_key()

    def check_api_key(self) -> None:
        """A key too short to be found and redacted in output is refused (every mode)."""
        check_api_key(self.api_key.reveal())

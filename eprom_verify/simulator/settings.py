"""What a simulator is started with: :class:`SimulatorSettings`, from Python or a YAML file.

The YAML file (``eprom-verify simulator --config FILE``)::

    orderingSystems:
      - {name: my-registry, apiKey: "…", callbackBaseUrl: "http://127.0.0.1:8766/callbacks"}
    patientsFile: my-patients.yaml     # optional; default fixtures/patients.yaml
    formsFile: my-forms.yaml           # optional; default fixtures/forms.yaml
    faults: [{type: duplicate, callback: status, times: 1}]
    autoComplete: {afterSeconds: 30}   # the simulated patient answers by itself
    callbackDelaySeconds: 0
    retry: {baseSeconds: 1, maxSeconds: 60}
    # the service's options (each also a flag and an EPROM_SIM_* variable, see below)
    host: 0.0.0.0
    port: 8765
    db: sim.sqlite3                    # relative to this file
    callbackUrl: http://127.0.0.1:8766/callbacks
    logFormat: json
    journalSize: 1000
    workers: 2                         # worker processes (docs/simulator.md, Workers)

A mistake in it is one line naming the file, the line and the field (:class:`ConfigError`).

The service's options are one table, :data:`SIMULATOR_OPTIONS`, of the same
:class:`~eprom_verify.config.settings.Option` as the run's, resolved by the same
:func:`~eprom_verify.config.settings.resolve_values`: command line > ``EPROM_SIM_*`` environment
variable > this file > default. The control token and the demo key are never read from the
file (they do not belong in a repository).
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from eprom_verify import config
from eprom_verify._exceptions import UsageError
from eprom_verify.config import ConfigError, Form, Patient, PvkDefinition
from eprom_verify.config.settings import MIN_API_KEY_LENGTH, Option, check_port, resolve_values
from eprom_verify.contract import MAX_DOCUMENT_BYTES, DocumentShape
from eprom_verify.simulator.faults import Fault
from eprom_verify.simulator.store import stored_key

__all__ = [
    "DEFAULT_CALLBACK_URL",
    "DEFAULT_JOURNAL_SIZE",
    "MAX_WORKERS",
    "MIN_CONTROL_TOKEN_LENGTH",
    "SIMULATOR_OPTIONS",
    "ConfigError",
    "OrderingSystem",
    "SimulatorConfigFile",
    "ServiceOptions",
    "SimulatorSettings",
    "is_loopback",
    "load_settings",
    "resolve_service",
]

DEFAULT_CALLBACK_URL = "http://127.0.0.1:8766/callbacks"
DEFAULT_JOURNAL_SIZE = 1000
#: A shorter token is refused: it could be guessed, and the redactor needs 4+ characters.
MIN_CONTROL_TOKEN_LENGTH = 12
DEMO_SYSTEM = "demo"
#: The most worker processes ``--workers`` starts (each holds its own connections and
#: delivery lanes; beyond the cores they only contend for SQLite's write lock).
MAX_WORKERS = 32

#: The simulator service's options: flag, ``EPROM_SIM_*`` variable, config-file key, default.
SIMULATOR_OPTIONS: tuple[Option, ...] = (
    Option("host", "--host", "EPROM_SIM_HOST",
           "address to listen on (default 127.0.0.1; beyond loopback needs a control token)",
           "127.0.0.1"),
    Option("port", "--port", "EPROM_SIM_PORT", "port to listen on (default 8765, 0: a free one)",
           8765, None, int),
    Option("db", "--db", "EPROM_SIM_DB",
           "SQLite file to keep orders, pending callbacks and the demo key in across restarts "
           "(default: a temporary database, gone when the simulator stops)"),
    Option("config", "--config", "EPROM_SIM_CONFIG",
           "YAML file: orderingSystems, patientsFile, formsFile, faults, autoComplete, "
           "callbackDelaySeconds, retry and the options below (default: fixtures/ and one demo "
           "ordering system)"),
    Option("callback_url", "--callback-url", "EPROM_SIM_CALLBACK_URL",
           f"callback base URL of the demo ordering system (default {DEFAULT_CALLBACK_URL})"),
    Option("api_key", "--api-key", "EPROM_SIM_API_KEY",
           "the demo ordering system's API key (default: generated once and kept in --db); "
           "prefer the environment variable"),
    Option("control_token", "--control-token", "EPROM_SIM_CONTROL_TOKEN",
           "token the control API (/_simulator/…) requires as 'Authorization: Bearer <token>'; "
           "required when --host is beyond loopback; prefer the environment variable"),
    Option("log_format", "--log-format", "EPROM_SIM_LOG_FORMAT",
           "access log, one line per request: text (default) or json; off: none",
           "text", ("text", "json", "off")),
    Option("journal_size", "--journal-size", "EPROM_SIM_JOURNAL_SIZE",
           f"requests kept in GET /_simulator/requests, oldest dropped first (default "
           f"{DEFAULT_JOURNAL_SIZE}, 0: no journal)", DEFAULT_JOURNAL_SIZE, None, int),
    Option("auto_complete", "--auto-complete", "EPROM_SIM_AUTO_COMPLETE",
           "seconds after which the simulated patient answers an order by itself "
           "(default: never; the control API answers)", None, None, float),
    Option("workers", "--workers", "EPROM_SIM_WORKERS",
           f"worker processes serving one port and one database (default 1; up to "
           f"{MAX_WORKERS}: more use more cores, see docs/simulator.md, Workers)", 1, None, int),
)  # fmt: skip
#: The config-file key (camelCase) of each option that the file may set.
_FILE_KEYS = {
    "host": "host",
    "port": "port",
    "db": "db",
    "callback_url": "callbackUrl",
    "log_format": "logFormat",
    "journal_size": "journalSize",
    "auto_complete": "autoComplete",
    "workers": "workers",
}


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class OrderingSystem(_Camel):
    """A registered ordering system (Bestillersystem): its key and where its callbacks go."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    api_key: str = Field(min_length=1, repr=False)
    callback_base_url: str = Field(description="ePROM calls <this>/api/PromsFormOrder etc.")

    @field_validator("callback_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"must be an http(s) URL like {DEFAULT_CALLBACK_URL} (got {value!r})")
        return value.rstrip("/")

    @classmethod
    def demo(
        cls, callback_base_url: str = DEFAULT_CALLBACK_URL, api_key: str | None = None
    ) -> OrderingSystem:
        """The ordering system a simulator without a config file starts with (fresh key)."""
        key = api_key or f"demo-{secrets.token_urlsafe(18)}"
        return cls(name=DEMO_SYSTEM, api_key=key, callback_base_url=callback_base_url)


class SimulatorSettings(BaseModel):
    """Everything a simulator needs; omitted persons, forms and PVKs come from fixtures/."""

    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True)

    ordering_systems: list[OrderingSystem] = Field(default_factory=lambda: [OrderingSystem.demo()])
    patients: list[Patient] = Field(default_factory=list)
    forms: list[Form] = Field(default_factory=list)
    pvk: list[PvkDefinition] = Field(default_factory=list)
    faults: list[Fault] = Field(default_factory=list)
    callback_delay_seconds: float = Field(default=0.0, ge=0)
    retry_base_seconds: float = Field(default=1.0, gt=0)
    retry_max_seconds: float = Field(default=60.0, gt=0)
    auto_complete_after_seconds: float | None = Field(default=None, ge=0)
    db_path: Path | None = None
    today: datetime.date | None = None
    delivery_concurrency: int = Field(default=64, ge=1)
    callback_timeout_seconds: float = Field(default=10.0, gt=0)
    document_shape: DocumentShape = Field(default_factory=DocumentShape)
    max_document_bytes: int = Field(default=MAX_DOCUMENT_BYTES, gt=0)
    residents_page_size: int = Field(default=100, ge=1)
    #: also tell every ordering system when one of them changes a privacy setting through
    #: setpersonverninnstilling (the guide is silent; off: only a citizen's change is told)
    report_own_privacy_changes: bool = False
    sweep_interval_seconds: float = Field(default=0.2, gt=0)
    #: Answer well-formed form orders without FastAPI's routing (:mod:`.fastpath`; the same
    #: answers — off only to compare the two paths in tests).
    fast_path: bool = True
    #: The control API requires ``Authorization: Bearer <token>`` when set (never printed).
    control_token: str | None = Field(default=None, repr=False)
    #: Requests kept in ``GET /_simulator/requests`` (0: none are kept).
    journal_size: int = Field(default=DEFAULT_JOURNAL_SIZE, ge=0)
    #: This process's name when it is one of several workers sharing ``db_path``
    #: (``--workers N``; set by :mod:`.workers`); None: the only one.
    worker: str | None = None
    #: How long a worker's claim on a pending callback lasts unrenewed: after a worker died,
    #: another sends its callbacks this much later at most (renewed every third of it).
    worker_lease_seconds: float = Field(default=15.0, gt=0)
    #: Expire and auto-complete due orders (every ``sweep_interval_seconds``); of several
    #: workers only the first sweeps (two sweepers would race for the same orders).
    sweeper: bool = True

    @model_validator(mode="before")
    @classmethod
    def _fixtures_by_default(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        if not data.get("patients") and not data.get("pvk"):
            patients_file = config.load_patients()
            data["patients"] = patients_file.patients
            data["pvk"] = patients_file.pvk
        elif not data.get("patients"):
            data["patients"] = config.load_patients().patients
        if not data.get("forms"):
            data["forms"] = config.load_forms().forms
        return data

    @model_validator(mode="after")
    def _unique_systems(self) -> Self:
        names = [s.name for s in self.ordering_systems]
        keys = [s.api_key for s in self.ordering_systems]
        if len(set(names)) != len(names):
            raise ValueError(f"ordering system names must be unique (got {names})")
        if len(set(keys)) != len(keys):
            raise ValueError("two ordering systems share one apiKey: give each its own")
        return self

    def today_date(self) -> datetime.date:
        """The date ages are computed on: ``today`` if set, else the real date."""
        return self.today or datetime.date.today()

    @property
    def api_key(self) -> str:
        """The key of the first ordering system (what a test usually sends)."""
        if not self.ordering_systems:
            raise ValueError("no ordering system is registered: add one to ordering_systems")
        return self.ordering_systems[0].api_key


class _AutoComplete(_Camel):
    after_seconds: float = Field(ge=0)


class _Retry(_Camel):
    base_seconds: float = Field(default=1.0, gt=0)
    max_seconds: float = Field(default=60.0, gt=0)


class SimulatorConfigFile(_Camel):
    """The simulator's YAML config file (see the module docstring)."""

    ordering_systems: list[OrderingSystem] = Field(default_factory=list)
    patients_file: str | None = None
    forms_file: str | None = None
    faults: list[Fault] = Field(default_factory=list)
    auto_complete: _AutoComplete | None = None
    callback_delay_seconds: float = Field(default=0.0, ge=0)
    retry: _Retry = Field(default_factory=_Retry)
    report_own_privacy_changes: bool = False
    #: ``--workers N``: how long a dead worker's callbacks wait before another sends them
    worker_lease_seconds: float = Field(default=15.0, gt=0)
    host: str | None = Field(default=None, min_length=1)
    port: int | None = Field(default=None, ge=0, le=65535)
    db: str | None = Field(default=None, min_length=1)
    callback_url: str | None = None
    log_format: str | None = Field(default=None, pattern="^(text|json|off)$")
    journal_size: int | None = Field(default=None, ge=0)
    workers: int | None = Field(default=None, ge=1, le=MAX_WORKERS)
    control_token: str | None = None
    api_key: str | None = None

    @field_validator("control_token", "api_key")
    @classmethod
    def _no_secrets(cls, value: str | None, info: Any) -> str | None:
        if value is not None:
            variable = (
                "EPROM_SIM_CONTROL_TOKEN"
                if info.field_name == "control_token"
                else ("EPROM_SIM_API_KEY")
            )
            raise ValueError(f"a secret does not belong in a file in a repository: set {variable}")
        return value


@dataclass(frozen=True)
class _FileValues:
    """The config file's values of :data:`SIMULATOR_OPTIONS`, for ``resolve_values``."""

    path: Path
    values: dict[str, Any]

    def source(self, key: str) -> str:
        return f"{self.path}: {_FILE_KEYS.get(key, key)}"

    @classmethod
    def of(cls, path: Path, file: SimulatorConfigFile) -> _FileValues:
        values: dict[str, Any] = {}
        for dest in _FILE_KEYS:
            value = getattr(file, dest)
            if isinstance(value, _AutoComplete):
                value = value.after_seconds
            if dest == "db" and value is not None:
                value = str(_beside(path, value))
            if value is not None:
                values[dest] = value
        return cls(path, values)


@dataclass(frozen=True)
class ServiceOptions:
    """How the simulator service listens and logs (the rest is in :class:`SimulatorSettings`)."""

    host: str
    port: int
    db: Path | None
    log_format: str
    workers: int = 1

    @property
    def loopback(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """True for an address only this machine reaches (127.0.0.0/8, ::1, localhost)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve to anything


def check_control_token(token: str | None, host: str) -> None:
    """One :class:`UsageError` line when the token is too short, or missing beyond loopback."""
    if token is not None and len(token) < MIN_CONTROL_TOKEN_LENGTH:
        raise UsageError(
            f"the control token has {len(token)} characters, fewer than "
            f"{MIN_CONTROL_TOKEN_LENGTH}: choose a longer one (EPROM_SIM_CONTROL_TOKEN)"
        )
    if token is None and not is_loopback(host):
        raise UsageError(
            f"refusing to listen on {host} without a control token: anyone who reaches it "
            "could reset every team's orders — set EPROM_SIM_CONTROL_TOKEN (or "
            "--control-token), or listen on 127.0.0.1"
        )


def resolve_service(
    given: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> tuple[SimulatorSettings, ServiceOptions]:
    """Settings and service options from flags (None = not given), environment and file.

    Raises :class:`UsageError` or :class:`ConfigError`, each one line.
    """
    env = os.environ if environ is None else environ
    first = resolve_values(SIMULATOR_OPTIONS, given, env, None)
    path = Path(first["config"]) if first["config"] else None
    file = config.load_yaml(path, SimulatorConfigFile) if path is not None else None
    in_file = _FileValues.of(path, file) if path is not None and file is not None else None
    raw = resolve_values(SIMULATOR_OPTIONS, given, env, in_file)
    port = check_port(raw["port"], "--port")
    token = raw["control_token"] or None
    check_control_token(token, raw["host"])
    if not 1 <= raw["workers"] <= MAX_WORKERS:
        raise UsageError(f"--workers {raw['workers']}: expected 1 to {MAX_WORKERS}")
    if raw["journal_size"] < 0:
        raise UsageError(f"--journal-size {raw['journal_size']}: expected 0 or more")
    if raw["auto_complete"] is not None and raw["auto_complete"] < 0:
        raise UsageError(f"--auto-complete {raw['auto_complete']}: expected 0 or more seconds")
    url = raw["callback_url"]
    if url is not None and not url.startswith(("http://", "https://")):
        raise UsageError(
            f"--callback-url {url!r}: expected an http(s) URL like {DEFAULT_CALLBACK_URL}"
        )
    key = raw["api_key"] or None
    if key is not None and len(key) < MIN_API_KEY_LENGTH:
        raise UsageError(
            f"the demo API key has {len(key)} characters, fewer than the {MIN_API_KEY_LENGTH} "
            "a real key has: check EPROM_SIM_API_KEY (or --api-key)"
        )
    if key is not None and file is not None and file.ordering_systems:
        raise UsageError(
            f"--api-key sets the demo ordering system's key, but {path} registers its own "
            "ordering systems with their keys: drop one of the two"
        )
    db = Path(raw["db"]) if raw["db"] else None
    if db is not None and not db.parent.is_dir():
        raise UsageError(f"--db {db}: the folder {db.parent} does not exist")
    if db is not None and not os.access(db if db.exists() else db.parent, os.W_OK):
        raise UsageError(f"--db {db}: cannot be written (permissions)")
    settings = load_settings(
        path,
        callback_url=raw["callback_url"],
        db_path=db,
        api_key=key,
        file=file,
    )
    extra: dict[str, Any] = {"control_token": token, "journal_size": raw["journal_size"]}
    if raw["auto_complete"] is not None:
        extra["auto_complete_after_seconds"] = raw["auto_complete"]
    settings = settings.model_copy(update=extra)
    return settings, ServiceOptions(raw["host"], port, db, raw["log_format"], raw["workers"])


def load_settings(
    path: Path | None,
    *,
    callback_url: str | None = None,
    db_path: Path | None = None,
    api_key: str | None = None,
    file: SimulatorConfigFile | None = None,
) -> SimulatorSettings:
    """Settings from a YAML config file, or the defaults (fixtures, one demo system) for None.

    ``callback_url`` sets the demo system's callback base URL when the file registers none;
    its key is ``api_key``, else the one ``db_path`` keeps from an earlier start, else a
    fresh one. ``file`` is the already read ``path``.
    Raises :class:`ConfigError` (one line: file:line: field: problem — hint).
    """

    def demo() -> OrderingSystem:
        key = api_key or (stored_key(db_path, DEMO_SYSTEM) if db_path is not None else None)
        return OrderingSystem.demo(callback_url or DEFAULT_CALLBACK_URL, api_key=key)

    if path is None:
        return SimulatorSettings(ordering_systems=[demo()], db_path=db_path)
    if file is None:
        file = config.load_yaml(path, SimulatorConfigFile)
    systems = file.ordering_systems or [demo()]
    patients = config.load_patients(_beside(path, file.patients_file))
    forms = config.load_forms(_beside(path, file.forms_file))
    try:
        return _settings(file, systems, patients, forms, db_path)
    except ValidationError as exc:
        problem = exc.errors()[0]["msg"].removeprefix("Value error, ")
        raise ConfigError(str(path), None, "orderingSystems", problem, "fix the list") from None


def _settings(
    file: SimulatorConfigFile,
    systems: list[OrderingSystem],
    patients: config.PatientsFile,
    forms: config.FormsFile,
    db_path: Path | None,
) -> SimulatorSettings:
    return SimulatorSettings(
        ordering_systems=systems,
        patients=patients.patients,
        pvk=patients.pvk,
        forms=forms.forms,
        faults=file.faults,
        callback_delay_seconds=file.callback_delay_seconds,
        retry_base_seconds=file.retry.base_seconds,
        retry_max_seconds=file.retry.max_seconds,
        auto_complete_after_seconds=file.auto_complete.after_seconds
        if file.auto_complete
        else None,
        db_path=db_path,
        report_own_privacy_changes=file.report_own_privacy_changes,
        worker_lease_seconds=file.worker_lease_seconds,
    )


def _beside(config_file: Path, name: str | None) -> Path | None:
    if name is None:
        return None
    target = Path(name)
    return target if target.is_absolute() else config_file.parent / target

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

A mistake in it is one line naming the file, the line and the field (:class:`ConfigError`).
"""

from __future__ import annotations

import datetime
import secrets
from pathlib import Path
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic.alias_generators import to_camel

from eprom_verify import config
from eprom_verify.config import ConfigError, Form, Patient, PvkDefinition
from eprom_verify.contract import MAX_DOCUMENT_BYTES, DocumentShape

from .faults import Fault

__all__ = [
    "DEFAULT_CALLBACK_URL",
    "ConfigError",
    "OrderingSystem",
    "SimulatorConfigFile",
    "SimulatorSettings",
    "load_settings",
]

DEFAULT_CALLBACK_URL = "http://127.0.0.1:8766/callbacks"


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
    def demo(cls, callback_base_url: str = DEFAULT_CALLBACK_URL) -> OrderingSystem:
        """The ordering system a simulator without a config file starts with (fresh key)."""
        key = f"demo-{secrets.token_urlsafe(18)}"
        return cls(name="demo", api_key=key, callback_base_url=callback_base_url)


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


def load_settings(
    path: Path | None,
    *,
    callback_url: str | None = None,
    db_path: Path | None = None,
) -> SimulatorSettings:
    """Settings from a YAML config file, or the defaults (fixtures, one demo system) for None.

    ``callback_url`` sets the demo system's callback base URL when the file registers none.
    Raises :class:`ConfigError` (one line: file:line: field: problem — hint).
    """
    if path is None:
        demo = OrderingSystem.demo(callback_url or DEFAULT_CALLBACK_URL)
        return SimulatorSettings(ordering_systems=[demo], db_path=db_path)
    file = config.load_yaml(path, SimulatorConfigFile)
    systems = file.ordering_systems or [OrderingSystem.demo(callback_url or DEFAULT_CALLBACK_URL)]
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
    )


def _beside(config_file: Path, name: str | None) -> Path | None:
    if name is None:
        return None
    target = Path(name)
    return target if target.is_absolute() else config_file.parent / target

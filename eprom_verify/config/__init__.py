"""Typed access to the fixture files: ``environments.yaml``, ``patients.yaml``, ``forms.yaml``.

Each loader reads one YAML file, checks it against its model and returns it. Anything
wrong with a file becomes a single-line :class:`ConfigError` that names the file, the line, the
field and what to do::

    fixtures/patients.yaml:14: patients[2].helsenorgeConsent: must be one of full, limited, none (got 'yes') — use one of those values

The YAML is read with YAML 1.2 booleans (only ``true``/``false``): ``yes``, ``no``, ``on``
and ``off`` stay strings, so ``NO`` is never ``False`` by accident. Models are strict: a
national ID or postal code written without quotes is an error, not a silent number.

The package's modules, one topic each: ``_models`` (the models), ``_yaml`` (the YAML reader
with line locations), ``_validation`` (pydantic errors to one line), ``_errors``
(:class:`ConfigError`) and ``_loaders``. ``fixtures_dir`` and ``FIXTURES_ENV_VAR`` come from
:mod:`eprom_verify._paths`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

from eprom_verify._paths import FIXTURES_ENV_VAR, fixtures_dir
from eprom_verify.config._errors import ConfigError

if TYPE_CHECKING:
    from eprom_verify.config._loaders import load_environments, load_forms, load_patients, load_yaml
    from eprom_verify.config._models import (
        ChannelName,
        ConsentLevel,
        Environment,
        EnvironmentsFile,
        FieldType,
        Form,
        FormField,
        FormsFile,
        KrrEntry,
        Patient,
        PatientsFile,
        PostalAddress,
        PvkDefinition,
        PvkType,
        RuleName,
    )

__all__ = [
    "ChannelName",
    "ConfigError",
    "ConsentLevel",
    "Environment",
    "EnvironmentsFile",
    "FIXTURES_DIR",
    "FIXTURES_ENV_VAR",
    "FieldType",
    "Form",
    "FormField",
    "FormsFile",
    "KrrEntry",
    "Patient",
    "PatientsFile",
    "PostalAddress",
    "PvkDefinition",
    "PvkType",
    "RuleName",
    "fixtures_dir",
    "load_environments",
    "load_forms",
    "load_patients",
    "load_yaml",
]

#: Names loaded on first use: the models and loaders bring pydantic and YAML, which the
#: settings and the config file (``config.settings``, ``config.file``) do not need.
_LAZY: dict[str, str] = {
    "ChannelName": "eprom_verify.config._models",
    "ConsentLevel": "eprom_verify.config._models",
    "Environment": "eprom_verify.config._models",
    "EnvironmentsFile": "eprom_verify.config._models",
    "FieldType": "eprom_verify.config._models",
    "Form": "eprom_verify.config._models",
    "FormField": "eprom_verify.config._models",
    "FormsFile": "eprom_verify.config._models",
    "KrrEntry": "eprom_verify.config._models",
    "Patient": "eprom_verify.config._models",
    "PatientsFile": "eprom_verify.config._models",
    "PostalAddress": "eprom_verify.config._models",
    "PvkDefinition": "eprom_verify.config._models",
    "PvkType": "eprom_verify.config._models",
    "RuleName": "eprom_verify.config._models",
    "load_environments": "eprom_verify.config._loaders",
    "load_forms": "eprom_verify.config._loaders",
    "load_patients": "eprom_verify.config._loaders",
    "load_yaml": "eprom_verify.config._loaders",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


FIXTURES_DIR: Path = fixtures_dir()
"""The fixtures folder as it was at import time; the loaders call :func:`fixtures_dir` anew."""

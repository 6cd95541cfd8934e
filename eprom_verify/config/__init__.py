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

from pathlib import Path

from eprom_verify._paths import FIXTURES_ENV_VAR, fixtures_dir
from eprom_verify.config._errors import ConfigError
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

FIXTURES_DIR: Path = fixtures_dir()
"""The fixtures folder as it was at import time; the loaders call :func:`fixtures_dir` anew."""

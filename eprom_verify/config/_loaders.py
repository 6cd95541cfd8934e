"""The loaders: one YAML file each, checked against its model, errors as one line."""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from eprom_verify._paths import fixtures_dir
from eprom_verify.config._models import Environment, EnvironmentsFile, FormsFile, PatientsFile
from eprom_verify.config._validation import config_error
from eprom_verify.config._yaml import read_yaml

__all__ = ["load_environments", "load_forms", "load_patients", "load_yaml"]


def load_environments(path: Path | None = None) -> dict[str, Environment]:
    """Read ``environments.yaml`` (default: in :func:`fixtures_dir`); name → environment."""
    return _load(path, "environments.yaml", EnvironmentsFile).environments


def load_patients(path: Path | None = None) -> PatientsFile:
    """Read ``patients.yaml`` (default: in :func:`fixtures_dir`)."""
    return _load(path, "patients.yaml", PatientsFile)


def load_forms(path: Path | None = None) -> FormsFile:
    """Read ``forms.yaml`` (default: in :func:`fixtures_dir`)."""
    return _load(path, "forms.yaml", FormsFile)


_M = TypeVar("_M", bound=BaseModel)


def load_yaml(path: Path, model: type[_M]) -> _M:
    """Any YAML file into ``model``, with the same one-line file:line: field errors."""
    return _load(path, path.name, model)


def _load(path: Path | None, default_name: str, model: type[_M]) -> _M:
    file = path if path is not None else fixtures_dir() / default_name
    shown = _display(file)
    root, data = read_yaml(file, shown, model)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, root, shown, model) from None


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)

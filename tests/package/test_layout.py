"""The package's layout: every subpackage ships, and the shipped data is found installed."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from eprom_verify import _paths

REPO = Path(__file__).resolve().parents[2]


def _setuptools() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as file:
        table: dict[str, object] = tomllib.load(file)["tool"]["setuptools"]
    return table


def test_every_subpackage_is_listed_in_pyproject() -> None:
    listed = set(_setuptools()["packages"])  # type: ignore[call-overload]
    on_disk = {
        ".".join(init.parent.relative_to(REPO).parts)
        for init in (REPO / "eprom_verify").rglob("__init__.py")
    }
    missing = sorted(on_disk - listed)
    assert not missing, (
        f"{', '.join(missing)} would be left out of the wheel: "
        "add to [tool.setuptools] packages in pyproject.toml"
    )


def test_suites_and_fixtures_are_mapped_from_the_top_level() -> None:
    mapping = _setuptools()["package-dir"]

    assert mapping == {"eprom_verify._suites": "suites", "eprom_verify._fixtures": "fixtures"}
    assert (REPO / "suites").is_dir()
    assert (REPO / "fixtures" / "environments.yaml").is_file()


def test_every_fixture_file_is_package_data() -> None:
    import fnmatch

    patterns = _setuptools()["package-data"]["eprom_verify._fixtures"]  # type: ignore[index]
    files = [
        p.relative_to(REPO / "fixtures").as_posix()
        for p in (REPO / "fixtures").rglob("*")
        if p.is_file()
    ]
    left_out = [f for f in files if not any(fnmatch.fnmatch(f, pat) for pat in patterns)]
    assert not left_out, f"fixtures not shipped in the wheel: {left_out}"


def test_an_installed_layout_is_found_inside_the_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "_fixtures").mkdir()
    (tmp_path / "_suites").mkdir()
    monkeypatch.setattr(_paths, "_PACKAGE", tmp_path)
    monkeypatch.delenv(_paths.FIXTURES_ENV_VAR, raising=False)
    monkeypatch.delenv(_paths.SUITES_ENV_VAR, raising=False)

    assert _paths.fixtures_dir() == tmp_path / "_fixtures"
    assert _paths.suites_dir() == tmp_path / "_suites"


def test_a_checkout_is_found_beside_the_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(_paths.FIXTURES_ENV_VAR, raising=False)
    monkeypatch.delenv(_paths.SUITES_ENV_VAR, raising=False)

    assert _paths.fixtures_dir() == REPO / "fixtures"
    assert _paths.suites_dir() == REPO / "suites"


def test_the_environment_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_paths.FIXTURES_ENV_VAR, str(tmp_path / "f"))
    monkeypatch.setenv(_paths.SUITES_ENV_VAR, str(tmp_path / "s"))

    assert (_paths.fixtures_dir(), _paths.suites_dir()) == (tmp_path / "f", tmp_path / "s")


def test_the_version_is_written_once() -> None:
    with (REPO / "pyproject.toml").open("rb") as file:
        project = tomllib.load(file)

    assert "version" not in project["project"]
    assert project["project"]["dynamic"] == ["version"]
    assert project["tool"]["setuptools"]["dynamic"]["version"] == {
        "attr": "eprom_verify._version.__version__"
    }


def test_the_installed_suites_are_isolated_from_the_users_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    (tmp_path / "_suites").mkdir()
    monkeypatch.setattr(_paths, "_PACKAGE", tmp_path)

    args = _paths.pytest_isolation(tmp_path / "_suites")

    assert args == ["--confcutdir", str(tmp_path / "_suites"), "-c", os.devnull]


def test_a_checkouts_suites_run_as_they_are() -> None:
    assert _paths.pytest_isolation(REPO / "suites") == []

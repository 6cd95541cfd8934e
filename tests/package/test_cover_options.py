"""``--organisation`` and ``--system-version``: options of run, check-receiver and observe,
with their ``EPROM_…`` twins and config-file keys, shown on the report's cover."""

from __future__ import annotations

from pathlib import Path

import pytest

from eprom_verify._session import make_recorder
from eprom_verify.cli import build_parser
from eprom_verify.report.cover import organisation, system_version
from eprom_verify.settings import OBSERVE_OPTIONS, RECEIVER_OPTIONS, RUN_OPTIONS, RunSettings


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_CONFIG", raising=False)
    return tmp_path


@pytest.mark.parametrize("names", [RUN_OPTIONS, RECEIVER_OPTIONS, OBSERVE_OPTIONS])
def test_every_reporting_command_takes_both(names: tuple[str, ...]) -> None:
    assert "organisation" in names
    assert "system_version" in names


@pytest.mark.parametrize("command", ["run", "check-receiver", "observe"])
def test_the_flags_parse(command: str) -> None:
    parser = build_parser(command)
    args, _ = parser.parse_known_args(
        [command, "--organisation", "Eksempel HF", "--system-version", "4.2.1"]
    )
    assert (args.organisation, args.system_version) == ("Eksempel HF", "4.2.1")


def test_flag_beats_environment_beats_config_file(repo: Path) -> None:
    (repo / "eprom-verify.toml").write_text(
        'organisation = "from-file"\nsystem-version = "file-1.0"\n', encoding="utf-8"
    )
    from_file = RunSettings.resolve({}, environ={})
    assert (from_file.organisation, from_file.system_version) == ("from-file", "file-1.0")
    environ = {"EPROM_ORGANISATION": "from-env", "EPROM_SYSTEM_VERSION": "env-2.0"}
    from_env = RunSettings.resolve({}, environ=environ)
    assert (from_env.organisation, from_env.system_version) == ("from-env", "env-2.0")
    given = {"organisation": "from-flag", "system_version": "flag-3.0"}
    from_flag = RunSettings.resolve(given, environ=environ)
    assert (from_flag.organisation, from_flag.system_version) == ("from-flag", "flag-3.0")


def test_blank_is_not_given(repo: Path) -> None:
    settings = RunSettings.resolve({"organisation": "  ", "system_version": ""}, environ={})
    assert (settings.organisation, settings.system_version) == (None, None)


def test_the_cover_helpers_prefer_the_given_value() -> None:
    env = {"EPROM_ORGANISATION": "env-org", "EPROM_SYSTEM_VERSION": "env-v"}
    assert organisation(env, given="flag-org") == "flag-org"
    assert organisation(env) == "env-org"
    assert organisation({}) is None
    assert system_version(env=env, given="flag-v") == "flag-v"
    assert system_version(env=env) == "env-v"


def test_the_run_records_them_on_the_cover(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a real ePROM (here --base-url) the given values reach RunInfo; the embedded
    self-check proves nothing about the system, so it names no version (as before)."""
    monkeypatch.delenv("EPROM_ORGANISATION", raising=False)
    monkeypatch.delenv("EPROM_SYSTEM_VERSION", raising=False)
    given = {
        "base_url": "http://127.0.0.1:9/promswebapi",
        "organisation": "Eksempel HF",
        "system_version": "4.2.1",
    }
    settings = RunSettings.resolve(given, environ={})
    (repo / "r").mkdir()
    data = make_recorder(repo / "r", settings, show_national_ids=False, command="x").finish()
    assert data.run.organisation == "Eksempel HF"
    assert data.run.system_version == "4.2.1"
    cover = (repo / "r" / "report.html").read_text("utf-8")
    cover = cover[: cover.index("</header>")] if "</header>" in cover else cover
    assert "Eksempel HF" in cover
    assert "4.2.1" in cover

    embedded = RunSettings.resolve({**given, "base_url": None}, environ={})
    (repo / "s").mkdir()
    data = make_recorder(repo / "s", embedded, show_national_ids=False, command="x").finish()
    assert data.run.organisation == "Eksempel HF"
    assert data.run.system_version is None

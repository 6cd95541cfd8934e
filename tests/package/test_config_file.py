"""The config file a user keeps in their repository, and its place in the precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from eprom_verify._exceptions import UsageError
from eprom_verify.config.file import find_config_file, read_config_file
from eprom_verify.config.settings import OPTIONS, RunSettings, unattended


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty repository (a folder with .git) as the current folder."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_CONFIG", raising=False)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def usage_error(**given: object) -> str:
    with pytest.raises(UsageError) as info:
        RunSettings.resolve(given, environ={})
    message = str(info.value)
    assert "\n" not in message, f"expected one line, got {message!r}"
    return message


def test_precedence_command_line_then_environment_then_file_then_default(repo: Path) -> None:
    write(
        repo / "eprom-verify.toml", 'lang = "en"\nordering-system = "from-file"\ntester = "File"\n'
    )
    environ = {"EPROM_ORDERING_SYSTEM": "from-env", "EPROM_TESTER": "Env"}

    settings = RunSettings.resolve({"tester": "Flag"}, environ=environ)

    assert settings.tester == "Flag"  # command line over environment and file
    assert settings.ordering_system == "from-env"  # environment over file
    assert settings.lang == "en"  # file over default
    # default when nobody says: skip when unattended (CI, no terminal), else manual
    assert settings.fill == ("skip" if unattended() else "manual")


def test_without_a_file_the_defaults_hold(repo: Path) -> None:
    settings = RunSettings.resolve({}, environ={})

    assert (settings.lang, settings.ordering_system, settings.patients) == ("nb", None, None)


def test_numbers_and_paths_from_the_file(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(repo / "eprom-verify.toml", 'callback-timeout = 42\npatients = "eprom-verify/p.yaml"\n')
    monkeypatch.chdir(write(repo / "src" / "x.py", "").parent)  # found from a subfolder

    settings = RunSettings.resolve({}, environ={})

    assert settings.callback_timeout_s == 42.0
    assert settings.patients == (repo / "eprom-verify" / "p.yaml").resolve()


def test_unknown_key_is_one_line_with_did_you_mean(repo: Path) -> None:
    write(repo / "eprom-verify.toml", '# settings\nordering_sytem = "Min Journal"\n')

    message = usage_error()

    assert message == (
        f"{repo / 'eprom-verify.toml'}:2: unknown key 'ordering_sytem' "
        "— did you mean 'ordering-system'?"
    )


def test_unknown_key_without_a_close_one_lists_the_known_keys(repo: Path) -> None:
    write(repo / "eprom-verify.toml", 'colour = "blue"\n')

    message = usage_error()

    assert "unknown key 'colour' — known keys: env, base-url," in message
    assert "api-key" not in message


def test_the_api_key_is_refused_and_not_repeated(repo: Path) -> None:
    write(repo / "eprom-verify.toml", 'env = "test"\napi-key = "s3cret-value"\n')

    message = usage_error()

    assert message.endswith(
        ":2: api-key: the API key does not belong in a file in your repository: set EPROM_API_KEY"
    )
    assert "s3cret-value" not in message


def test_a_bad_value_names_the_file_and_the_key(repo: Path) -> None:
    write(repo / "eprom-verify.toml", 'env = "staging"\n')

    message = usage_error()

    assert message == (
        f"{repo / 'eprom-verify.toml'}: env 'staging' is not known; "
        "choose one of simulator, test, qa, prod"
    )


def test_a_number_that_is_not_one(repo: Path) -> None:
    write(repo / "eprom-verify.toml", 'callback-timeout = "soon"\n')

    assert (
        usage_error() == f"{repo / 'eprom-verify.toml'}: callback-timeout 'soon': expected a float"
    )


def test_a_string_setting_given_a_number(repo: Path) -> None:
    write(repo / "eprom-verify.toml", "ordering-system = 7\n")

    assert usage_error().endswith(":1: ordering-system: expected a string, got 7")


def test_invalid_toml_is_one_line(repo: Path) -> None:
    write(repo / "eprom-verify.toml", 'env = "simulator\n')

    message = usage_error()

    assert message.startswith(f"{repo / 'eprom-verify.toml'}: not valid TOML (")


def test_tool_table_in_pyproject(repo: Path) -> None:
    write(repo / "pyproject.toml", '[project]\nname = "x"\n\n[tool.eprom-verify]\nlang = "en"\n')

    assert find_config_file() == repo / "pyproject.toml"
    assert RunSettings.resolve({}, environ={}).lang == "en"


def test_an_unknown_key_in_the_tool_table(repo: Path) -> None:
    write(
        repo / "pyproject.toml",
        '[tool.other]\nlangauge = "x"\n\n[tool.eprom-verify]\nlangauge = "en"\n',
    )  # the line is counted in our table, not in another one

    assert usage_error() == (
        f"{repo / 'pyproject.toml'}:5: unknown key 'langauge' — did you mean 'lang'?"
    )


def test_pyproject_without_the_table_is_not_a_config_file(repo: Path) -> None:
    write(repo / "pyproject.toml", '[project]\nname = "x"\n')

    assert find_config_file() is None


def test_eprom_verify_toml_wins_over_pyproject_in_one_folder(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.eprom-verify]\nlang = "en"\n')
    write(repo / "eprom-verify.toml", 'lang = "nb"\n')

    assert find_config_file() == repo / "eprom-verify.toml"


def test_the_search_stops_at_the_repository_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "eprom-verify.toml", 'lang = "en"\n')  # above the repository: not ours
    inner = tmp_path / "inner"
    (inner / ".git").mkdir(parents=True)
    monkeypatch.chdir(inner)

    assert find_config_file(environ={}) is None


def test_eprom_config_names_the_file(repo: Path) -> None:
    named = write(repo / "ci" / "settings.toml", 'lang = "en"\n')

    settings = RunSettings.resolve({}, environ={"EPROM_CONFIG": str(named)})

    assert settings.lang == "en"
    assert read_config_file(named, OPTIONS).values == {"lang": "en"}


def test_eprom_config_naming_no_file(repo: Path) -> None:
    with pytest.raises(UsageError, match=r"^\$EPROM_CONFIG nowhere\.toml: file not found$"):
        RunSettings.resolve({}, environ={"EPROM_CONFIG": "nowhere.toml"})


def test_a_table_where_a_value_belongs(repo: Path) -> None:
    write(repo / "eprom-verify.toml", '[env]\nname = "qa"\n')

    assert usage_error().endswith(":1: env: expected a string, got {'name': 'qa'}")


def test_an_empty_variable_does_not_hide_the_file(repo: Path) -> None:
    # the CI templates pass EPROM_ENV from an optional input: blank means "as in the file"
    write(repo / "eprom-verify.toml", 'env = "qa"\n')

    assert RunSettings.resolve({}, environ={"EPROM_ENV": ""}).env == "qa"

"""``eprom-verify init``: the files written into the user's repository, and --force."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from eprom_verify import __version__
from eprom_verify._paths import fixtures_dir
from eprom_verify.cli import main
from eprom_verify.config import load_forms, load_patients
from eprom_verify.config_file import find_config_file
from eprom_verify.report.attest import load_attestations
from eprom_verify.settings import RunSettings

WRITTEN = (
    "eprom-verify.toml",
    "eprom-verify/patients.yaml",
    "eprom-verify/forms.yaml",
    "eprom-verify/attestation.yaml",
    ".github/workflows/eprom-verify.yml",
    ".gitlab/eprom-verify.gitlab-ci.yml",
)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_CONFIG", raising=False)
    return tmp_path


def init(*args: str) -> int:
    return main(["init", *args])


def test_writes_the_files_a_user_edits(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        init("--ordering-system", 'Min "Journal"', "--callback-url", "https://mj.example/eprom")
        == 0
    )

    for name in WRITTEN:
        assert (repo / name).is_file(), f"{name} was not written"
    out = capsys.readouterr().out
    assert out.startswith(f"eprom-verify init: wrote {len(WRITTEN)} files in .\n")
    settings = RunSettings.resolve({}, environ={})
    assert settings.ordering_system == 'Min "Journal"'
    assert settings.callback_public_url == "https://mj.example/eprom"
    assert settings.env == "simulator"
    assert settings.patients == (repo / "eprom-verify" / "patients.yaml").resolve()
    assert settings.forms == (repo / "eprom-verify" / "forms.yaml").resolve()
    assert settings.attest == (repo / "eprom-verify" / "attestation.yaml").resolve()


def test_the_copies_load_as_the_shipped_fixtures(repo: Path) -> None:
    init()

    copied = load_patients(repo / "eprom-verify" / "patients.yaml")
    assert copied == load_patients(fixtures_dir() / "patients.yaml")
    assert load_forms(repo / "eprom-verify" / "forms.yaml").forms
    assert load_attestations(repo / "eprom-verify" / "attestation.yaml") == []


def test_the_ordering_system_defaults_to_the_folder_name(repo: Path) -> None:
    init()

    assert RunSettings.resolve({}, environ={}).ordering_system == repo.name


def test_the_github_workflow_runs_and_keeps_the_report(repo: Path) -> None:
    init("--env", "qa")

    workflow = yaml.safe_load((repo / ".github/workflows/eprom-verify.yml").read_text())
    steps = workflow["jobs"]["eprom-verify"]["steps"]
    runs = [s.get("run", "") for s in steps]
    assert f'python -m pip install "eprom-verify=={__version__}"' in runs
    assert "eprom-verify run --report-dir reports" in runs
    keep = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert keep["if"] == "always()"
    assert keep["with"]["path"] == "reports/"
    assert (
        "${{ secrets.EPROM_API_KEY }}" in (repo / ".github/workflows/eprom-verify.yml").read_text()
    )
    assert RunSettings.resolve({}, environ={}).env == "qa"


def test_the_gitlab_job_runs_and_keeps_the_report(repo: Path) -> None:
    init()

    job = yaml.safe_load((repo / ".gitlab/eprom-verify.gitlab-ci.yml").read_text())["eprom-verify"]
    assert job["script"] == [
        f'python -m pip install "eprom-verify=={__version__}"',
        "eprom-verify run --report-dir reports",
    ]
    assert job["artifacts"]["when"] == "always"
    assert job["artifacts"]["paths"] == ["reports/"]
    assert job["artifacts"]["reports"]["junit"] == "reports/*/junit.xml"


def test_refuses_to_overwrite_without_force(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    init()
    patients = repo / "eprom-verify" / "patients.yaml"
    patients.write_text("# mine, adapted\n", encoding="utf-8")
    (repo / "eprom-verify.toml").unlink()  # nothing is written when one file exists
    capsys.readouterr()

    assert init() == 2

    err = capsys.readouterr().err
    assert err == (
        "eprom-verify: error: eprom-verify/patients.yaml exists "
        "— pass --force to overwrite it (or remove it)\n"
    )
    assert patients.read_text() == "# mine, adapted\n"
    assert not (repo / "eprom-verify.toml").exists()


def test_force_overwrites(repo: Path) -> None:
    init()
    (repo / "eprom-verify" / "patients.yaml").write_text("# mine\n", encoding="utf-8")

    assert init("--force") == 0

    assert (repo / "eprom-verify" / "patients.yaml").read_text() != "# mine\n"


def test_into_pyproject(repo: Path) -> None:
    pyproject = repo / "pyproject.toml"
    pyproject.write_text('[project]\nname = "min-journal"\n', encoding="utf-8")

    assert init("--pyproject", "--ordering-system", "MJ") == 0

    assert not (repo / "eprom-verify.toml").exists()
    assert pyproject.read_text().startswith(
        '[project]\nname = "min-journal"\n\n[tool.eprom-verify]\n'
    )
    assert find_config_file() == pyproject
    assert RunSettings.resolve({}, environ={}).ordering_system == "MJ"


def test_into_pyproject_refuses_a_second_table_without_force(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    init("--pyproject", "--ordering-system", "first")
    capsys.readouterr()

    assert init("--pyproject", "--force", "--ordering-system", "second") == 0
    assert init("--pyproject", "--ordering-system", "third") == 2

    text = (repo / "pyproject.toml").read_text()
    assert text.count("[tool.eprom-verify]") == 1
    assert RunSettings.resolve({}, environ={}).ordering_system == "second"
    assert capsys.readouterr().err.endswith(
        "pyproject.toml has [tool.eprom-verify] already — pass --force to replace it\n"
    )


def test_a_callback_url_that_is_not_http(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert init("--callback-url", "mj.example/eprom") == 2

    assert capsys.readouterr().err == (
        "eprom-verify: error: --callback-url 'mj.example/eprom': expected an http(s) URL\n"
    )
    assert not (repo / "eprom-verify").exists()


def test_into_another_folder(tmp_path: Path) -> None:
    target = tmp_path / "their-repo"

    assert init("--dir", str(target)) == 0

    assert (target / "eprom-verify.toml").is_file()
    assert find_config_file(target, environ={}) == target / "eprom-verify.toml"

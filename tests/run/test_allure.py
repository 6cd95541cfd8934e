"""allure-pytest's results (1,000+ files a full run) are written only when asked: --allure on."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from full_runs import V1, on_run, v1_passing

from eprom_verify._exceptions import UsageError
from eprom_verify.config.settings import RunSettings

ONE_CHECK = V1


def _run(tmp_path: Path, *args: str, env: dict[str, str] | None = None):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ.update({"CI": "true", **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run", "--report-dir", str(tmp_path / "r"),
         *args, "--", "-k", ONE_CHECK],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=300,
    )  # fmt: skip


def _folder(tmp_path: Path) -> Path:
    (folder,) = (tmp_path / "r").iterdir()
    return folder


@on_run("v1-passing")
def test_a_default_run_writes_no_allure_results(tmp_path_factory):
    """Reads the shared V1 run (``full_runs.v1_passing``): a default run, as CI makes it."""
    result = v1_passing(tmp_path_factory)
    assert result["code"] == 0, result["out"][-4000:]
    folder = result["folder"]
    assert (folder / "report.json").is_file()
    assert not (folder / "allure-results").exists()
    assert not list(folder.parent.parent.rglob("allure-results"))  # the run's working folder


def test_allure_on_writes_them_into_the_sealed_report_folder(tmp_path: Path):
    done = _run(tmp_path, "--allure", "on")
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    folder = _folder(tmp_path)
    results = list((folder / "allure-results").glob("*-result.json"))
    assert results, "allure-pytest wrote no result"
    assert "  allure-results/" in (folder / "MANIFEST.sha256").read_text()


def test_the_setting_reads_the_environment_and_refuses_an_unknown_value():
    assert RunSettings.resolve({}, {}).allure is False
    assert RunSettings.resolve({}, {"EPROM_ALLURE": "on"}).allure is True
    assert RunSettings.resolve({"allure": "off"}, {"EPROM_ALLURE": "on"}).allure is False
    with pytest.raises(
        UsageError, match=r"^\$EPROM_ALLURE 'yes' is not known; choose one of on, off$"
    ):
        RunSettings.resolve({}, {"EPROM_ALLURE": "yes"})

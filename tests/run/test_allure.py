"""allure-pytest's results (1,000+ files a full run) are written only when asked: --allure on."""

from __future__ import annotations

import pytest
from full_runs import on_run, v1_forged_key_allure, v1_passing

from eprom_verify._exceptions import UsageError
from eprom_verify.config.settings import RunSettings


@on_run("v1-passing")
def test_a_default_run_writes_no_allure_results(tmp_path_factory):
    """Reads the shared V1 run (``full_runs.v1_passing``): a default run, as CI makes it."""
    result = v1_passing(tmp_path_factory)
    assert result["code"] == 0, result["out"][-4000:]
    folder = result["folder"]
    assert (folder / "report.json").is_file()
    assert not (folder / "allure-results").exists()
    assert not list(folder.parent.parent.rglob("allure-results"))  # the run's working folder


@on_run("v1-forged-key-allure")
def test_allure_on_writes_them_into_the_sealed_report_folder(tmp_path_factory):
    """Reads the shared ``--allure on`` V1 run test_trust.py looks for the key in
    (``full_runs.v1_forged_key_allure``): its forged key fails V1.4 (exit 1), and a run that
    failed seals its Allure results as a passing one does."""
    result = v1_forged_key_allure(tmp_path_factory)
    assert result["code"] == 1, result["out"][-4000:]
    folder = result["folder"]
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

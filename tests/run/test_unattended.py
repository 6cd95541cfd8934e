"""Safe when unattended: pre-flight, --fill defaults, signals, and one-line refusals.

Every refusal here is one line on stderr, exit code 2, and no report folder.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from eprom_verify._exceptions import UsageError
from eprom_verify.cli import main
from eprom_verify.config.settings import RunSettings
from eprom_verify.run.preflight import check_callback_address, check_eprom, is_loopback

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
KEY = "sk-FAKE-0123456789-ABCDEFGHIJKLMNOP"


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    for name in [n for n in os.environ if n.startswith("EPROM_")]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _one_line(argv, capsys, tmp_path):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2, err
    assert len(err) == 1, err
    assert not (tmp_path / "reports").exists(), "a refused run must leave no report folder"
    assert KEY not in err[0]
    return err[0]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--report-dri", "x"], "unknown option --report-dri; did you mean --report-dir?"),
        (["run", "--fil", "skip"], "did you mean --fill?"),
        (
            ["run", "-k", "letters"],
            "-k is a pytest option; pytest options go after --: eprom-verify run -- -k letters",
        ),
        (["run", "-x"], "pytest options go after --: eprom-verify run -- -x"),
        (["run", "letters"], "unexpected argument 'letters'; pytest arguments go after --"),
        (["check-receiver", "--tim-limit", "3"], "did you mean --time-limit?"),
        (
            ["run", "--callback-listen", "127.0.0.1:99999"],
            "port 99999 is out of range; a port is 0-65535",
        ),
        (
            ["run", "--base-url", "http://127.0.0.1:9/promswebapi", "--api-key", "short"],
            "the API key has 5 characters, fewer than the 8",
        ),
        (
            ["check-receiver", "--receiver-url", "http://127.0.0.1:9", "--api-key", "k"],
            "the API key has 1 characters",
        ),
        (
            ["check-receiver", "--receiver-url", "http://127.0.0.1:9", "--api-key", KEY],
            "pre-flight: nothing answers at http://127.0.0.1:9",
        ),
        (
            ["run", "--base-url", "http://127.0.0.1:9/promswebapi", "--api-key", KEY],
            "pre-flight: cannot reach ePROM at http://127.0.0.1:9/promswebapi",
        ),
        (
            ["run", "--env", "test", "--api-key", KEY],
            "--env test: ePROM cannot reach a callback listener on 127.0.0.1 (loopback)",
        ),
        (
            ["run", "--env", "qa", "--api-key", KEY,
             "--callback-public-url", "http://localhost:8080/cb"],
            "--callback-public-url http://localhost:8080/cb: a loopback address",
        ),
    ],
)  # fmt: skip
def test_refusals_are_one_line(no_env, capsys, argv, expected):
    assert expected in _one_line(argv, capsys, no_env)


def test_simulator_port_out_of_range(capsys):
    assert main(["simulator", "--port", "99999"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["eprom-verify simulator: --port: port 99999 is out of range; a port is 0-65535"]


def _patients_with(tmp_path: Path, old: str, new: str) -> Path:
    text = (FIXTURES / "patients.yaml").read_text(encoding="utf-8")
    assert f'"{old}"' in text
    bad = tmp_path / "patients.yaml"
    bad.write_text(text.replace(f'"{old}"', f'"{new}"', 1), encoding="utf-8")
    return bad


def test_wrong_check_digit_in_the_patients_file(no_env, capsys):
    bad = _patients_with(no_env, "26670271527", "26670271528")
    line = _one_line(["run", "--patients", str(bad)], capsys, no_env)
    assert line.startswith("eprom-verify: error: patients.yaml:18: patients[0].nationalId")
    assert "('verification-person')" in line
    assert "check digit 2 is 8, expected 7" in line
    assert "26670271528" not in line, "the ID is masked"


def test_h_number_in_the_patients_file(no_env, capsys):
    # 26 Feb 2002 as an H-number: month + 40 → 42, with valid check digits
    from eprom_verify.national_id import _with_check_digits

    h_number = _with_check_digits("264202715")
    assert h_number is not None
    bad = _patients_with(no_env, "26670271527", h_number)
    line = _one_line(["run", "--patients", str(bad)], capsys, no_env)
    assert "is an H-nummer; ePROM accepts fødselsnumre and D-numbers only" in line


def test_environment_facts_come_from_the_yaml(no_env, monkeypatch, capsys):
    fixtures = no_env / "fixtures"
    shutil.copytree(FIXTURES, fixtures)
    environments = yaml.safe_load((fixtures / "environments.yaml").read_text(encoding="utf-8"))
    environments["environments"]["qa"]["reachesPeople"] = True
    environments["environments"]["simulator"]["requiresApiKey"] = True
    (fixtures / "environments.yaml").write_text(yaml.safe_dump(environments), encoding="utf-8")
    monkeypatch.setenv("EPROM_FIXTURES_DIR", str(fixtures))
    line = _one_line(["run", "--env", "qa", "--api-key", KEY], capsys, no_env)
    assert "refusing --env qa" in line
    assert "reachesPeople: true" in line
    line = _one_line(["run"], capsys, no_env)
    assert "--env simulator needs the ordering system's API key" in line


# --- --fill when nobody is there ------------------------------------------------------


@pytest.mark.parametrize(
    ("environ", "given", "expected"),
    [
        ({"CI": "true"}, None, "skip"),
        ({"CI": "1"}, None, "skip"),
        ({"CI": "true"}, "manual", "manual"),
        ({"CI": "true", "EPROM_FILL": "manual"}, None, "manual"),
    ],
)
def test_fill_defaults_to_skip_in_ci(environ, given, expected):
    assert RunSettings.resolve({"fill": given}, environ).fill == expected


def test_fill_defaults_to_skip_without_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "__stdin__", None)
    assert RunSettings.resolve({}, {}).fill == "skip"


def test_fill_is_manual_at_a_terminal(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "__stdin__", Tty())
    assert RunSettings.resolve({}, {"CI": "false"}).fill == "manual"


# --- pre-flight ---------------------------------------------------------------------------


def test_preflight_accepts_a_working_server(httpserver):
    httpserver.expect_request(
        "/webapi/api/v2/getpersonverninnstilling",
        method="POST",
        headers={"Authorization": f"Basic {KEY}"},
    ).respond_with_json({"status": 0})
    check_eprom(httpserver.url_for("/webapi"), KEY, national_id="26670271527", pvk=("p", "t"))
    [(request, _)] = httpserver.log
    assert json.loads(request.data) == {"nationalId": "26670271527", "type": "t", "pvkId": "p"}


def test_preflight_refused_key(httpserver):
    httpserver.expect_request("/webapi/api/v2/getpersonverninnstilling").respond_with_data(
        "Unauthorized", status=401
    )
    with pytest.raises(UsageError, match=r"refused the API key \(401") as info:
        check_eprom(httpserver.url_for("/webapi"), KEY, national_id=None, pvk=None)
    assert KEY not in str(info.value)


def test_preflight_wrong_base_url(httpserver):
    httpserver.expect_request("/nothing/api/v2/getpersonverninnstilling").respond_with_data(
        "Not Found", status=404
    )
    with pytest.raises(UsageError, match="answered 404 — is .* ePROM's API base URL"):
        check_eprom(httpserver.url_for("/nothing"), KEY, national_id=None, pvk=None)


def test_preflight_against_the_simulator_with_a_wrong_key():
    """The real simulator answers the pre-flight call as ePROM does: 401 for a wrong key."""
    from eprom_verify.simulator import OrderingSystem, SimulatorSettings, run_in_thread

    settings = SimulatorSettings(
        ordering_systems=[
            OrderingSystem(name="x", api_key=KEY, callback_base_url="http://127.0.0.1:9")
        ]
    )
    with run_in_thread(settings) as sim:
        check_eprom(sim.base_url, KEY, national_id="26670271527", pvk=None)
        with pytest.raises(UsageError, match="refused the API key"):
            check_eprom(sim.base_url, KEY + "-wrong", national_id="26670271527", pvk=None)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("10.0.0.5", False), ("proxy.example", False)],
)  # fmt: skip
def test_loopback(host, loopback):
    assert is_loopback(host) is loopback


def test_callback_address_public_listen_is_accepted():
    settings = RunSettings.resolve({"env": "test", "callback_listen": "0.0.0.0:8766"}, {})
    check_callback_address(settings, remote_env=True)


def test_closed_port_remote_run_exits_2_within_15_s(tmp_path):
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EPROM_")}
    environ.update(CI="true", EPROM_API_KEY=KEY)
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "eprom_verify", "run",
         "--base-url", "http://127.0.0.1:9/promswebapi"],
        capture_output=True, text=True, cwd=tmp_path, env=environ, timeout=60,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    elapsed = time.monotonic() - start
    assert done.returncode == 2, done.stderr
    assert elapsed < 15
    assert done.stderr.strip().splitlines() == [
        "eprom-verify: error: pre-flight: cannot reach ePROM at "
        "http://127.0.0.1:9/promswebapi ([Errno 111] Connection refused) — check "
        "--base-url/--env and that this machine can reach it"
    ]
    assert not (tmp_path / "reports").exists()


# --- signals ------------------------------------------------------------------------------


# ``run`` stopped by SIGTERM/SIGINT while it waits for a callback (exit 2, "stopped by …",
# INTERRUPTED, a sealed report marked interrupted, no temporary file) is
# tests/cli/test_signals.py::test_run_stopped_while_it_waits_for_a_callback: one run per
# signal for both modules (issue 25), where this module made the same two runs again.


def test_a_signal_before_pytest_began_leaves_no_folder(no_env, monkeypatch, capsys):
    """Stopped while pytest still starts: nothing ran, so nothing half-made stays behind."""

    def stopped_early(_args, **_kwargs):
        raise KeyboardInterrupt("SIGTERM")

    monkeypatch.setattr(pytest, "main", stopped_early)
    assert main(["run"]) == 2
    assert not (no_env / "reports").exists()

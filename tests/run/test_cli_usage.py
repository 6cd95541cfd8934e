"""Bad input gets one clear line and exit 2, and leaves no report folder behind."""

from __future__ import annotations

import contextlib
import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eprom_verify import __version__
from eprom_verify.cli import main

SUITES = Path(__file__).resolve().parents[2] / "suites"


@pytest.fixture
def no_env(monkeypatch, tmp_path):
    for name in ("EPROM_API_KEY", "EPROM_ENV", "EPROM_BASE_URL", "EPROM_PATIENTS", "EPROM_FORMS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _run(argv, capsys):
    code = main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_version(capsys):
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == 0
    assert __version__ in capsys.readouterr().out


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("run", "check-receiver", "simulator", "report", "checklist", "bench"):
        assert command in out


@pytest.mark.parametrize(
    ("argv", "env", "expected"),
    [
        (["run", "--env", "prod"], {"EPROM_API_KEY": "k"}, "refusing --env prod"),
        (
            ["run", "--env", "test"],
            {},
            "--env test needs the ordering system's API key: set EPROM_API_KEY",
        ),
        (["run", "--env", "qa"], {}, "--env qa needs the ordering system's API key"),
        (
            ["run", "--base-url", "http://127.0.0.1:9"],
            {},
            "--base-url needs the ordering system's API key",
        ),
        (["run", "--callback-listen", "nonsense"], {}, "expected HOST:PORT"),
        (["run", "--callback-timeout", "soon"], {}, "expected a float"),
        (
            ["run"],
            {"EPROM_ENV": "staging"},
            "$EPROM_ENV 'staging' is not known; choose one of simulator, test, qa, prod",
        ),
        (["run", "--base-url", "ftp://x"], {"EPROM_API_KEY": "k"}, "expected an http(s) URL"),
        (["check-receiver"], {}, "check-receiver needs --receiver-url URL"),
        (["check-receiver", "--receiver-url", "http://127.0.0.1:9"], {}, "set EPROM_API_KEY"),
    ],
)
def test_usage_errors_are_one_line_and_exit_2(no_env, monkeypatch, capsys, argv, env, expected):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, err = _run(argv, capsys)
    assert code == 2
    assert len(err) == 1, err
    assert expected in err[0]
    assert not (no_env / "reports").exists(), "a refused run must not leave a report folder"


def test_unknown_environment_flag(no_env, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "--env", "staging"])
    assert info.value.code == 2
    assert "invalid choice: 'staging'" in capsys.readouterr().err


def test_malformed_patients_file(no_env, capsys):
    shipped = (SUITES.parent / "fixtures" / "patients.yaml").read_text(encoding="utf-8")
    lines = shipped.splitlines()
    line_no = next(i for i, line in enumerate(lines, 1) if "helsenorgeConsent: full" in line)
    bad = no_env / "patients.yaml"
    bad.write_text(
        shipped.replace("helsenorgeConsent: full", "helsenorgeConsent: yes", 1), encoding="utf-8"
    )
    code, err = _run(["run", "--patients", str(bad)], capsys)
    assert code == 2
    assert len(err) == 1
    assert f"patients.yaml:{line_no}" in err[0]
    assert "patients[0].helsenorgeConsent" in err[0]
    assert "'yes'" in err[0]


def test_port_in_use(no_env, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code, err = _run(["run", "--callback-listen", f"127.0.0.1:{port}"], capsys)
    assert code == 2
    assert len(err) == 1
    assert f"127.0.0.1:{port}" in err[0]
    assert "--callback-listen" in err[0]


def test_api_key_never_in_usage_errors(no_env, monkeypatch, capsys):
    monkeypatch.setenv("EPROM_API_KEY", "sk-SECRET-0123456789")
    code, err = _run(["run", "--env", "prod"], capsys)
    assert code == 2
    assert "sk-SECRET" not in "\n".join(err)


def test_checklist_covers_every_checkpoint(capsys):
    code = main(["checklist", "--suites", str(SUITES)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "NO TEST" not in out.out


def test_checklist_names_an_uncovered_checkpoint(tmp_path, capsys):
    copy = tmp_path / "suites"
    shutil.copytree(SUITES, copy, ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "test_special_cases.py"
    source = target.read_text(encoding="utf-8")
    assert '@pytest.mark.checkpoint("S1")\n' in source
    target.write_text(source.replace('@pytest.mark.checkpoint("S1")\n', ""), encoding="utf-8")
    # In this process, not a fresh one: the modules by the copy's names (the shipped suites',
    # imported by the check above: no package, pytest's "prepend" import mode names them by
    # their file) are set aside for the copy's run and put back afterwards, with sys.path.
    with _modules_set_aside(copy):
        code = main(["checklist", "--suites", str(copy)])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "checkpoint(s) with no test: S1" in err
    # and nothing of the copy is left behind: the shipped suites still cover every checkpoint
    code = main(["checklist", "--suites", str(SUITES)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "NO TEST" not in out.out


@contextlib.contextmanager
def _modules_set_aside(folder: Path) -> Iterator[None]:
    """The modules named as ``folder``'s files out of sys.modules for the block (whichever
    folder they came from: the shipped suites or another copy); sys.modules and sys.path
    as they were before it afterwards, whatever it imported."""
    modules, path = dict(sys.modules), list(sys.path)
    for name in {file.stem for file in folder.glob("*.py")}:
        sys.modules.pop(name, None)
    try:
        yield
    finally:
        for name in [name for name in sys.modules if name not in modules]:
            del sys.modules[name]
        for name, module in modules.items():
            if sys.modules.get(name) is not module:
                sys.modules[name] = module
        sys.path[:] = path

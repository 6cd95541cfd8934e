"""Bad input is one line on stderr and exit 2, checked before anything is ordered."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from eprom_verify.cli import main

from .conftest import DRIVE, ExampleSystem, free_port


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(["observe", *args])
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "observe needs --system-callback-url URL"),
        (["--system-callback-url", "ftp://x"], "must be an http(s) URL"),
        (["--system-callback-url", "http://127.0.0.1:{port}"], "does not answer"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--drive", "no-such-cmd-8c1e"],
         "command not found: 'no-such-cmd-8c1e'"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--upstream", "prod"],
         "--upstream prod is refused"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--upstream",
          "https://pasientrapportering.nhn.no/webapi", "--api-key", "k-123456"],
         "--upstream prod is refused"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--upstream", "test"],
         "--upstream needs the key Hemit registered"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--upstream", "staging"],
         "--upstream 'staging' is not known: use test, qa or a URL"),
        (["--system-callback-url", "http://127.0.0.1:{port}", "--listen", "8769"],
         "--listen must be HOST:PORT (got '8769')"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    words: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    port = str(free_port())
    code, err = _run(capsys, *(a.replace("{port}", port) for a in args), "--report-dir", "out")
    assert code == 2
    assert words in err
    assert len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "out").exists()


def test_a_drive_command_not_found_orders_nothing(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    system = example_system()
    code, err = _run(capsys, "--system-callback-url", system.callback_url,
                     "--drive", f"{tmp_path / 'missing.sh'} --all", "--report-dir",
                     str(tmp_path / "out"))  # fmt: skip
    assert code == 2
    assert "command not found" in err
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "system.db").exists() or "formorder" not in (
        tmp_path / "system.db"
    ).read_bytes().decode("latin-1")
    assert DRIVE.startswith(sys.executable)


def test_a_listen_port_in_use_is_one_line(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    system = example_system()
    taken = system.callback_url.rsplit(":", 1)[1]
    code, err = _run(capsys, "--system-callback-url", system.callback_url, "--listen",
                     f"127.0.0.1:{taken}", "--report-dir", str(tmp_path / "out"))  # fmt: skip
    assert code == 2
    assert f"cannot listen on 127.0.0.1:{taken}" in err
    assert "choose another with --listen" in err
    assert not (tmp_path / "out").exists()

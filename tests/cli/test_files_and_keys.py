"""A report folder, database or init folder that cannot be used, and a key too short: one
line that says what to do, exit 2, before any banner, nothing half-written.

Tests run as root, which chmod does not stop: "read-only" is made with ``chattr +i`` (an
immutable folder refuses even root); the probe is a real attempt to create a file.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from eprom_verify.cli import main


@pytest.fixture
def read_only(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "read-only"
    folder.mkdir()
    subprocess.run(["chattr", "+i", str(folder)], check=True)
    try:
        with pytest.raises(PermissionError):  # the fixture really is read-only, for root too
            (folder / "probe").write_text("x")
        yield folder
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=True)


@pytest.fixture
def a_file(tmp_path: Path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder\n", encoding="utf-8")
    return path


def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2, captured
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert captured.out == "", "nothing printed before the check (no banner)"
    return lines[0]


@pytest.mark.parametrize("command", ["run", "check-receiver", "observe"])
@pytest.mark.parametrize("where", ["file", "under-file", "read-only"])
def test_a_report_dir_that_cannot_be_used(
    command, where, a_file, read_only, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("EPROM_API_KEY", raising=False)
    target = {"file": a_file, "under-file": a_file / "reports",
              "read-only": read_only / "reports"}[where]  # fmt: skip
    extra = {
        "run": [],
        "check-receiver": ["--receiver-url", "http://127.0.0.1:9", "--api-key", "k" * 12],
        "observe": ["--system-callback-url", "http://127.0.0.1:9"],
    }[command]
    line = _one_line(capsys, [command, *extra, "--report-dir", str(target)])
    assert "--report-dir" in line
    assert ("is a file, not a folder" in line) if where != "read-only" else (
        "cannot write in" in line and "choose a folder you can write to" in line
    )  # fmt: skip
    assert not (read_only / "reports").exists()


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("not-sqlite", "is not an SQLite database"),
        ("missing-folder", "does not exist — create the folder first"),
        ("under-file", "is a file — create the folder first"),
        ("a-folder", "is a folder — give a file name"),
        ("read-only-folder", "cannot create a file in"),
        ("read-only-file", "cannot be opened for writing"),
    ],
)
def test_a_db_that_cannot_be_used(case, words, a_file, read_only, tmp_path, capsys):
    if case == "read-only-file":
        db = tmp_path / "kept.db"
        db.write_bytes(b"SQLite format 3\x00" + b"\0" * 84)
        subprocess.run(["chattr", "+i", str(db)], check=True)
    db = {
        "not-sqlite": a_file,
        "missing-folder": tmp_path / "missing" / "sim.db",
        "under-file": a_file / "sim.db",
        "a-folder": tmp_path,
        "read-only-folder": read_only / "sim.db",
        "read-only-file": tmp_path / "kept.db",
    }[case]
    try:
        line = _one_line(capsys, ["simulator", "--port", "0", "--db", str(db)])
    finally:
        if case == "read-only-file":
            subprocess.run(["chattr", "-i", str(db)], check=True)
    assert words in line
    assert a_file.read_text() == "not a folder\n", "the file was left as it was"
    assert not (tmp_path / "missing").exists()


@pytest.mark.parametrize("where", ["file", "under-file", "read-only"])
def test_init_into_a_folder_that_cannot_be_used(where, a_file, read_only, capsys):
    target = {"file": a_file, "under-file": a_file / "repo", "read-only": read_only}[where]
    line = _one_line(capsys, ["init", "--dir", str(target)])
    assert "--dir" in line
    assert list(read_only.iterdir()) == [], "nothing half-written"


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "--api-key", "1234567"],  # embedded: the same rule as against a remote ePROM
        ["observe", "--system-callback-url", "http://127.0.0.1:9", "--api-key", "1234567"],
        ["check-receiver", "--receiver-url", "http://127.0.0.1:9", "--api-key", "1234567"],
    ],
    ids=["run-embedded", "observe", "check-receiver"],
)
def test_a_key_under_8_characters_is_refused_in_every_command(argv, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    line = _one_line(capsys, [*argv, "--report-dir", str(tmp_path / "reports")])
    assert "the API key has 7 characters, fewer than the 8" in line
    assert not (tmp_path / "reports").exists()


def test_the_key_from_the_environment_is_held_to_the_same_rule(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EPROM_API_KEY", "1234567")
    line = _one_line(capsys, ["observe", "--system-callback-url", "http://127.0.0.1:9"])
    assert "the API key has 7 characters" in line


def test_observe_reads_its_options_from_the_environment_and_the_config_file(
    tmp_path, monkeypatch, capsys
):
    """observe's options are rows of the one table: EPROM_* twins and eprom-verify.toml."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "eprom-verify.toml").write_text('listen = "8769"\n', encoding="utf-8")
    monkeypatch.setenv("EPROM_SYSTEM_CALLBACK_URL", "http://127.0.0.1:9")
    line = _one_line(capsys, ["observe"])
    assert "--listen must be HOST:PORT (got '8769')" in line


def test_the_old_spellings_still_work_with_one_deprecation_line(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    code = main(["observe", "--system-callback-url", "http://127.0.0.1:9", "--reports",
                 str(tmp_path / "a-file-to-be" / "x"), "--listen", "bad"])  # fmt: skip
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[0].endswith("--reports is deprecated and goes away in the next release; "
                           "use --report-dir")  # fmt: skip
    assert len(err) == 2, err

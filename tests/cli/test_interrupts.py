"""The one signal rule (eprom_verify.cli.interrupts) and the redacting stream's line handling."""

from __future__ import annotations

import io
import os
import signal

import pytest

from eprom_verify.cli import interrupts
from eprom_verify.cli.output import RedactingStream
from eprom_verify.redact import Redactor


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_first_signal_interrupts_and_the_second_is_ignored(signum, capsys):
    name = signal.Signals(signum).name
    with interrupts.handled():
        with pytest.raises(KeyboardInterrupt, match=name):
            os.kill(os.getpid(), signum)
        assert interrupts.stopped_by() == name
        os.kill(os.getpid(), signum)  # a second one: noted, not obeyed
    assert f"{name} again: still finishing" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_while_a_report_is_written_waits_for_it(signum, capsys):
    name = signal.Signals(signum).name
    finished = False
    with interrupts.handled():
        with interrupts.writing():
            os.kill(os.getpid(), signum)
            os.kill(os.getpid(), signum)
            finished = True
        assert interrupts.stopped_by() == name
    assert finished
    err = capsys.readouterr().err
    assert f"{name} while the report is written: finishing it first" in err
    assert f"{name} again" in err


def test_the_handlers_are_restored_afterwards():
    before = signal.getsignal(signal.SIGTERM)
    with interrupts.handled():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_stop_does_not_outlive_the_command_that_was_stopped():
    """A command called after a stopped one in the same process (the tests call commands'
    functions directly) starts unstopped: seen as ``report`` saying "stopped by SIGTERM" in
    CI, after a test had stopped another command in the same pytest worker."""
    with interrupts.handled():
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGTERM)
    assert interrupts.stopped_by() is None


def test_a_nested_command_hands_its_stop_to_the_one_around_it():
    """``run`` inside the CLI's ``main``: main still knows the run was stopped."""
    with interrupts.handled():
        with interrupts.handled():
            with pytest.raises(KeyboardInterrupt):
                os.kill(os.getpid(), signal.SIGINT)
            assert interrupts.stopped_by() == "SIGINT"
        assert interrupts.stopped_by() == "SIGINT"
    assert interrupts.stopped_by() is None


def _stream(key: str) -> tuple[RedactingStream, io.StringIO]:
    sink = io.StringIO()
    return RedactingStream(sink, Redactor(secrets=[key], mask_national_ids=False)), sink


def test_a_flush_passes_on_what_cannot_become_the_key():
    stream, sink = _stream("secret-key-1234")
    stream.write("tests/x.py ..")
    stream.flush()
    assert sink.getvalue() == "tests/x.py .."  # progress dots appear as they come
    stream.write(". secr")
    stream.flush()
    assert sink.getvalue() == "tests/x.py ... "  # 'secr' may be the key's start: held
    stream.write("et-key-1234 done\n")
    assert sink.getvalue() == "tests/x.py ... «redacted» done\n"


def test_a_basic_header_split_by_a_flush_is_still_redacted():
    key = "secret-key-1234"
    import base64

    credential = base64.b64encode(f"someone:{key}".encode()).decode()
    stream, sink = _stream(key)
    stream.write("Authorization: Ba")
    stream.flush()
    stream.write("sic " + credential[:6])
    stream.flush()
    stream.write(credential[6:] + "\n")
    assert credential[:6] not in sink.getvalue()
    assert sink.getvalue() == "Authorization: Basic «redacted»\n"


def test_a_signal_while_the_drive_pumps_start_still_ends_the_drive_group(monkeypatch):
    """A signal lands between the --drive command's start and its wait (a pump thread
    starting): the command's whole process group is ended all the same (CI once saw the
    drive left running after `observe` exited on SIGINT)."""
    import io
    import os
    import subprocess
    import sys
    import threading

    import pytest

    from eprom_verify.cli import observe as observe_cli

    children: list[subprocess.Popen[bytes]] = []
    popen = subprocess.Popen

    def record(*args, **kwargs):
        children.append(popen(*args, **kwargs))
        return children[-1]

    started = threading.Thread.start
    calls = []

    def start(self):
        calls.append(self)
        if len(calls) == 2:  # the second pump: the signal arrives here
            raise KeyboardInterrupt("SIGINT")
        started(self)

    monkeypatch.setattr(observe_cli.subprocess, "Popen", record)
    monkeypatch.setattr(threading.Thread, "start", start)
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    try:
        with pytest.raises(KeyboardInterrupt):
            observe_cli._drive(argv, dict(os.environ), 60, io.StringIO())
    finally:
        monkeypatch.undo()
        for child in children:
            if child.poll() is None:
                child.kill()
                child.wait()
                pytest.fail("the --drive command was left running after the interrupt")
    assert len(calls) == 2, "the interrupt came while the second pump started"
    [child] = children
    assert child.returncode is not None, "the --drive command was ended and waited for"

"""A signal ends ``eprom-verify simulator`` cleanly at whatever line it lands (server.SignalStop).

A service manager stops a service whenever it likes, just after its start included (a
pipeline that starts the simulator, finds its test step failed and tears down). Python runs
a signal handler between two bytecodes of the main thread, wherever that is; a handler that
raised there left the simulator with a traceback and exit 1 (the banner being written;
FastAPI building its validators, where pydantic turns the exception into a ``SchemaError``;
uvloop being set up) or, when the exception landed in a weakref callback that Python
ignores, serving on with the signal lost. CI saw both (stop 32). Each test here sends the
signal at one such place, in this process, and expects the end a signal gets after a clean
start: SIGTERM exit 0, SIGINT exit 2 (either, exit 2 before the banner: nothing was served),
one line, no traceback, the port closed, no thread left.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import uvicorn

from eprom_verify.cli import simulator as command
from eprom_verify.simulator.server import SignalStop
from eprom_verify.simulator.service import ACCESS_LOGGER

SIGNALS = [signal.SIGTERM, signal.SIGINT]


def _expected(signum: int, *, started: bool) -> tuple[int, str]:
    """The exit code and the one line; before the banner nothing was served, so either
    signal is exit 2 (docs/exit-codes.md)."""
    name = signal.Signals(signum).name
    if not started:
        return 2, f"stopped by {name} before it started"
    if signum == signal.SIGTERM:
        return 0, "stopped by SIGTERM, shut down cleanly"
    return 2, f"stopped by {name}"


@pytest.fixture(autouse=True)
def _access_logger_kept() -> Iterator[None]:
    """The command points the access log at this test's captured stdout: put it back."""
    logger = logging.getLogger(ACCESS_LOGGER)
    kept = (logger.handlers[:], logger.level, logger.propagate)
    yield
    logger.handlers[:], logger.level, logger.propagate = kept


@pytest.fixture
def watchdog() -> Iterator[threading.Event]:
    """Should the signal be lost (the fault these tests look for), a SIGINT after 30 s ends
    the server, and the test fails on the event this sets instead of hanging."""
    fired = threading.Event()

    def fire() -> None:
        fired.set()
        os.kill(os.getpid(), signal.SIGINT)

    timer = threading.Timer(30, fire)
    timer.daemon = True
    timer.start()
    yield fired
    timer.cancel()


def _signalled(signum: int, real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        os.kill(os.getpid(), signum)  # the handler runs before the next line
        return real(*args, **kwargs)

    return wrapper


def _after(signum: int, real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        os.kill(os.getpid(), signum)
        return result

    return wrapper


def _before_uvicorn_catches(signum: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """In the event loop, before uvicorn installs its own handlers (capture_signals)."""
    real = uvicorn.Server.serve

    async def serve(self: uvicorn.Server, sockets: Any = None) -> None:
        os.kill(os.getpid(), signum)
        await real(self, sockets=sockets)

    monkeypatch.setattr(uvicorn.Server, "serve", serve)


WHERE: dict[str, Callable[[int, pytest.MonkeyPatch], None]] = {
    "reading-its-options": lambda s, mp: mp.setattr(
        argparse.ArgumentParser, "parse_args", _after(s, argparse.ArgumentParser.parse_args)
    ),
    "checking-its-settings": lambda s, mp: mp.setattr(
        command, "resolve_service", _after(s, command.resolve_service)
    ),
    "writing-the-banner": lambda s, mp: mp.setattr(
        command, "_print_banner", _after(s, command._print_banner)
    ),
    "building-the-app": lambda s, mp: mp.setattr(
        command, "create_app", _signalled(s, command.create_app)
    ),
    "before-uvicorn-catches-signals": _before_uvicorn_catches,
}


def _port_of(out: str) -> int:
    line = next(line for line in out.splitlines() if "promsApiBaseUrl" in line)
    return int(line.split("promsApiBaseUrl ")[1].split("/promswebapi")[0].rsplit(":", 1)[1])


def _threads_end(before: set[threading.Thread]) -> list[str]:
    deadline = time.monotonic() + 10  # a bound for a loaded machine: they end at once
    while True:
        left = [t.name for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.02)


@pytest.mark.parametrize("signum", SIGNALS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("where", list(WHERE))
def test_a_signal_ends_the_simulator_cleanly_wherever_it_lands(
    where: str,
    signum: int,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    watchdog: threading.Event,
) -> None:
    WHERE[where](signum, monkeypatch)
    before = set(threading.enumerate())

    try:
        code = command.main(["--port", "0", "--callback-url", "http://127.0.0.1:9/cb"])
    except KeyboardInterrupt as exc:  # would end this pytest session: fail the test instead
        pytest.fail(f"the {exc} escaped the command as an exception (a traceback, exit 1)")

    out, err = capsys.readouterr()
    assert not watchdog.is_set(), "the signal was lost: the server served on for 30 s"
    before_banner = where in ("reading-its-options", "checking-its-settings")
    expected_code, said = _expected(signum, started=not before_banner)
    assert ("promsApiBaseUrl" in out) is not before_banner, out
    assert (code, err) == (expected_code, f"eprom-verify simulator: {said}\n"), out
    if "promsApiBaseUrl" in out:  # it had bound its port: it is closed again
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", _port_of(out))) != 0, "the port is still open"
    assert _threads_end(before) == [], "the server's threads (the outbox's…) are stopped"


def test_a_stop_raises_only_inside_a_wait_that_asked_for_it() -> None:
    """The supervisor's ``waitpid`` is woken (KeyboardInterrupt, as before); anywhere else a
    stop is only noted, and a wait entered after one ends at once."""
    stop = SignalStop()
    stop()  # outside a wait: noted, nothing raised
    assert stop.requested
    with pytest.raises(KeyboardInterrupt), stop.interruptible():
        pytest.fail("a wait entered after the stop must not begin")

    woken = SignalStop()
    with pytest.raises(KeyboardInterrupt), woken.interruptible():
        woken()  # the signal arrives during the wait
    woken()  # after it: noted again, nothing raised


def test_a_stop_before_the_server_runs_means_it_never_serves() -> None:
    class Server:
        ran = False

        def run(self, sockets: Any) -> None:
            self.ran = True

    stop, server = SignalStop(), Server()
    stop()
    stop.serve(server, socket.socket())  # type: ignore[arg-type]
    assert not server.ran

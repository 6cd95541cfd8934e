"""``eprom-verify simulator`` processes forked from one interpreter that imported it already.

A simulator process the tests start, kill and restart (``test_restart*.py``,
``test_workers.py``, ``test_concurrency.py``) spent ~0.9 of its ~1.0 CPU-s start importing
Python, FastAPI, pydantic and the package; the restart journal alone starts six. The claims
are about a *process* — SIGKILLed with callbacks pending or PUTs in flight, restarted on its
database, a supervisor ending its workers on SIGTERM — not about the interpreter's start, so
each simulator here is a process of its own, forked from a server (``multiprocessing``'s
``forkserver``, started once a pytest process) that imported :mod:`eprom_verify.cli.simulator`
and nothing else; the child runs the very ``main(argv)`` that ``python -m
eprom_verify.simulator`` runs, with its own environment, folder, stdout and stderr (files),
and no thread of the test process (the server is a fresh interpreter: forking the pytest
process itself, with its receiver and simulator threads, would not be safe). The start of a
real interpreter stays covered: ``test_restart.py``'s first life (``python -m
eprom_verify.simulator``), ``test_service.py`` and ``test_settings_cli.py`` (the banner and
the access log of ``python -m eprom_verify.simulator``), the wheel's ``eprom-verify run``.
"""

from __future__ import annotations

import atexit
import multiprocessing
import multiprocessing.context
import multiprocessing.forkserver
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

#: what the server imports once (the uvicorn parts a server loads when it starts, too)
PRELOAD = [
    "eprom_verify.cli.simulator",
    "eprom_verify.simulator.workers",
    "uvicorn.protocols.http.h11_impl",
    "uvicorn.lifespan.on",
    "uvicorn.loops.asyncio",
]

#: the tests that fork simulators run on one pytest-xdist worker: one server (~1.2 CPU-s to
#: start and import) for all of them, not one on each worker
ONE_SERVER = pytest.mark.xdist_group("simulator-forkserver")

_context: multiprocessing.context.ForkServerContext | None = None


def _forkserver() -> multiprocessing.context.ForkServerContext:
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(PRELOAD)
        atexit.register(_stop)
        _context = context
    return _context


def _stop() -> None:
    """End the server and wait for it: its CPU (and its children's) is counted as the test
    process's children's, as a started interpreter's would be (``time``, ``getrusage``)."""
    multiprocessing.forkserver._forkserver._stop()


def _child(argv: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """In the forked process: the environment, folder and output of a started process."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for path, target in ((out, 1), (err, 2)):
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.dup2(fd, target)
        os.close(fd)
    for sig in (signal.SIGINT, signal.SIGTERM):  # as a fresh interpreter has them
        signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT else signal.SIG_DFL)
    from eprom_verify.cli.simulator import main

    sys.exit(main(argv))


class Forked:
    """The part of :class:`subprocess.Popen` the tests use, for a forked simulator."""

    def __init__(self, process: Any, args: list[str]) -> None:
        self._process = process
        self.args = args

    @property
    def pid(self) -> int:
        pid: int = self._process.pid
        return pid

    @property
    def returncode(self) -> int | None:
        code: int | None = self._process.exitcode
        return code

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        self._process.join(timeout)
        if self.returncode is None:
            raise subprocess.TimeoutExpired(self.args, timeout or 0)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            os.kill(self.pid, sig)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start_simulator(
    argv: list[str], log: Path, *, stderr: Path | None = None, env: dict[str, str] | None = None
) -> Forked:
    """``eprom-verify simulator <argv>`` as a process of its own, in this process's folder and
    environment (``env`` added); its stdout to ``log``, its stderr to ``stderr`` or ``log``."""
    process = _forkserver().Process(
        target=_child,
        args=(argv, {**os.environ, **(env or {})}, os.getcwd(), str(log), str(stderr or log)),
        name="eprom-verify simulator",
        daemon=True,  # ended with the test process should a test leave it running
    )
    process.start()
    return Forked(process, ["eprom-verify", "simulator", *argv])


def read_until(
    process: Forked, out: Path, last: Callable[[str], bool], *, timeout_s: float = 60
) -> str:
    """What ``process`` wrote to ``out`` up to the first line ``last`` accepts (a banner)."""
    deadline = time.monotonic() + timeout_s  # a bound for a loaded machine, not a timing
    while True:
        text = out.read_text(encoding="utf-8") if out.exists() else ""
        lines = text.splitlines(keepends=True)
        for number, line in enumerate(lines):
            if line.endswith("\n") and last(line):
                return "".join(lines[: number + 1])
        if process.poll() is not None or time.monotonic() > deadline:
            ended = "ended" if process.poll() is not None else "still runs"
            raise AssertionError(f"{process.args}: no such line, {ended}; it wrote {text!r}")
        time.sleep(0.02)

"""``eprom-verify simulator --workers N``: N worker processes, one port, one database.

One Python process serves from one core (the GIL); ePROM is an ASP.NET service that uses
every core. The supervisor (the command's own process) binds the port once, prepares the
database, then forks N workers that each run the whole simulator — uvicorn, the engine, the
outbox — on the *inherited listening socket* (the kernel hands each new connection to one
of them, as uvicorn's and gunicorn's workers share theirs) and on the *same SQLite file*
(WAL; see :class:`~.store.Store` for what sharing changes).

* **Before the fork** (no worker runs yet): the schema is made, the claims of an earlier
  run are void and its PUTs in flight marked ``unknown`` (:meth:`Store.release_claims`), and
  the configured faults replace any in the file (:func:`~.shared_faults.seed_faults`).
  Without ``--db`` the database is a temporary file, removed when the supervisor ends.
* **A worker that dies** (killed, crashed) is replaced by a new one under a new name; the
  callbacks the dead one held are taken over by a living worker once its claims run out
  (``worker_lease_seconds``) and sent again: the at-least-once a restart gives.
* **SIGTERM or SIGINT** to the supervisor is passed to every worker as SIGTERM; each
  finishes its requests in flight and closes the database, as one process does — also a
  worker that is still starting (:class:`~.server.SignalStop`; the signals are blocked
  across the fork, so a worker never runs the supervisor's handler).

POSIX only (``os.fork``); the container is Linux.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

import uvicorn

from eprom_verify.simulator.app import create_app
from eprom_verify.simulator.outbox import UNKNOWN_OUTCOME
from eprom_verify.simulator.server import SignalStop, uvicorn_config
from eprom_verify.simulator.settings import SimulatorSettings
from eprom_verify.simulator.shared_faults import seed_faults
from eprom_verify.simulator.store import Store

__all__ = ["prepare_database", "serve_workers"]

#: How long stopping workers may take before they are killed (s): uvicorn's graceful
#: shutdown (2 s) plus closing the engine.
_STOP_SECONDS = 10.0
#: Workers that die within this many seconds of their start, this many times in a row, are
#: not replaced again and again (a bug at start-up): the supervisor stops, exit 2.
_CRASH_LOOP_SECONDS = 2.0
_CRASH_LOOP_TIMES = 3


def prepare_database(settings: SimulatorSettings) -> None:
    """Make ``settings.db_path`` ready for a new group of workers (see the module docs)."""
    store = Store(settings.db_path, worker="supervisor")
    try:
        store.release_claims(UNKNOWN_OUTCOME)
        seed_faults(store, settings.faults)
    finally:
        store.close()


_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def serve_workers(
    settings: SimulatorSettings, sock: socket.socket, count: int, stop: SignalStop
) -> int:
    """Run ``count`` workers on ``sock`` until ``stop`` is called (from the CLI's signal
    handler); 0, or 2 when workers keep crashing. The supervisor's wait for its workers is
    the one place the stop raises :class:`KeyboardInterrupt`, re-raised here once every
    worker has stopped."""
    folder: Path | None = None
    if settings.db_path is None:  # the workers need one file to share
        folder = Path(tempfile.mkdtemp(prefix="eprom-sim-"))
        settings = settings.model_copy(update={"db_path": folder / "simulator.sqlite3"})
    try:
        prepare_database(settings)
        return _supervise(settings, sock, count, stop)
    finally:
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)


def _supervise(
    settings: SimulatorSettings, sock: socket.socket, count: int, stop: SignalStop
) -> int:
    children: dict[int, tuple[int, float]] = {}  # pid → (slot, started at)
    generation = 0
    quick_deaths = 0

    def spawn(slot: int) -> None:
        nonlocal generation
        generation += 1
        name = f"w{slot}.{generation}"
        # blocked across the fork: a signal waits until the worker has its own handler
        signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:
            pid = os.fork()
            if pid == 0:  # the worker
                # one sweeper (expiry, auto-complete): two would race for the same orders
                mine = {"worker": name, "sweeper": slot == 1}
                _run_worker(settings.model_copy(update=mine), sock)
            children[pid] = (slot, time.monotonic())
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)

    try:
        for slot in range(1, count + 1):
            spawn(slot)
        while True:
            with stop.interruptible():
                pid, status = os.waitpid(-1, 0)
            if pid not in children:
                continue
            slot, started = children.pop(pid)
            how = _how_it_ended(status)
            quick = time.monotonic() - started < _CRASH_LOOP_SECONDS
            quick_deaths = quick_deaths + 1 if quick else 0
            if quick_deaths >= _CRASH_LOOP_TIMES:
                sys.stderr.write(
                    f"eprom-verify simulator: worker {slot} {how}; {quick_deaths} workers in a "
                    f"row ended within {_CRASH_LOOP_SECONDS:g} s of their start: stopping\n"
                )
                return 2
            sys.stderr.write(f"eprom-verify simulator: worker {slot} {how}; starting another\n")
            spawn(slot)
    finally:
        _stop(children)


def _how_it_ended(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was killed by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with {os.WEXITSTATUS(status)}"


def _stop(children: dict[int, tuple[int, float]]) -> None:
    """SIGTERM to every worker, wait for them; SIGKILL for one that does not end in time."""
    for pid in children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + _STOP_SECONDS
    while children and time.monotonic() < deadline:
        for pid in list(children):
            with contextlib.suppress(ChildProcessError):
                done, _ = os.waitpid(pid, os.WNOHANG)
                if not done:
                    continue
            children.pop(pid)
        time.sleep(0.02)
    for pid in children:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def _run_worker(settings: SimulatorSettings, sock: socket.socket) -> None:
    """The forked worker (its signals blocked): the whole simulator on the shared socket;
    never returns."""
    code = 0
    try:
        # a signal stops the worker gracefully whenever it comes, while it starts too;
        # uvicorn, once serving, catches it itself and raises it again to this handler
        stop = SignalStop()
        for sig in _SIGNALS:
            signal.signal(sig, lambda *_: stop())
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)
        stop.serve(uvicorn.Server(uvicorn_config(create_app(settings))), sock)
    except BaseException as exc:  # noqa: BLE001 - one line, then the supervisor decides
        sys.stderr.write(f"eprom-verify simulator: worker {settings.worker}: {exc!r}\n")
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)

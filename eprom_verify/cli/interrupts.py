"""SIGINT and SIGTERM, one way for every command.

:func:`handled` installs one handler for both signals (main thread only). The first signal
raises :class:`KeyboardInterrupt` where the main thread is — a wait stops, a command ends its
children and writes its report marked interrupted — unless the command is inside
:func:`writing` (a report being written): then the signal is noted and the writing goes on.
Every further signal is noted and ignored, so a report is never left half-written. The
command then exits with :attr:`~eprom_verify.cli.exit_codes.ExitCode.INTERRUPTED` (2).
Inside :func:`deferred` (a server starting and serving) a signal is noted and handed to a
callback that stops the server, instead of raising at whatever line the main thread is.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

__all__ = ["deferred", "handled", "stopped_by", "writing"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _State:
    def __init__(self) -> None:
        self.stopped: str | None = None
        self.writing = 0
        self.on_signal: Callable[[], None] | None = None
        self.depth = 0  # how many handled() blocks are open


_state = _State()


def stopped_by() -> str | None:
    """The name of the signal that stopped the command (``SIGTERM``…), or None."""
    return _state.stopped


def _handler(signum: int, _frame: FrameType | None) -> None:
    name = signal.Signals(signum).name
    if _state.on_signal is not None:  # a server stops itself, at a line of its choosing
        _state.stopped = _state.stopped or name
        _state.on_signal()
        return
    if _state.stopped is not None:
        sys.stderr.write(f"eprom-verify: {name} again: still finishing, please wait\n")
        return
    _state.stopped = name
    if _state.writing:
        sys.stderr.write(f"eprom-verify: {name} while the report is written: finishing it first\n")
        return
    raise KeyboardInterrupt(name)


@contextlib.contextmanager
def handled() -> Iterator[None]:
    """SIGINT and SIGTERM end the command as described above (no-op off the main thread).

    Read :func:`stopped_by` inside the block: when the outermost block ends, the state is as
    before it began, so a command run after it in the same process (a test calling a
    command's function directly) starts unstopped. A nested block (``run`` inside the CLI's
    ``main``) hands its stop on to the block around it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    before = (_state.stopped, _state.writing, _state.on_signal)
    _state.stopped = None
    _state.writing = 0
    _state.on_signal = None
    _state.depth += 1
    for sig in _SIGNALS:
        signal.signal(sig, _handler)
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
        _state.depth -= 1
        inner = _state.stopped
        _state.stopped, _state.writing, _state.on_signal = before
        if _state.depth:  # nested: the block around it learns of the stop
            _state.stopped = inner or _state.stopped


@contextlib.contextmanager
def writing() -> Iterator[None]:
    """A signal inside this block is noted, not obeyed: the block runs to its end."""
    _state.writing += 1
    try:
        yield
    finally:
        _state.writing -= 1


@contextlib.contextmanager
def deferred(stop: Callable[[], None]) -> Iterator[None]:
    """A signal inside this block is noted and ``stop()`` called (it may raise where that is
    safe: :class:`~eprom_verify.simulator.server.SignalStop`); the handler raises nothing."""
    previous, _state.on_signal = _state.on_signal, stop
    try:
        yield
    finally:
        _state.on_signal = previous

"""A progress line while the receiver checks run: which check, how many examples sent so far.

On a terminal it is a short note after pytest's dots, rewritten in place (at most ten times
a second) and taken back when the check ends, so the cursor is where pytest left it; the
note is cut to fit the terminal's width (moving the cursor back cannot cross a wrapped
line). Otherwise (CI logs) it is a plain line about every ``interval_s`` seconds.
It listens to the target's :class:`~.exchanges.Exchanges`; the stream is whatever reaches
the person (under pytest: its terminal stream, past the output capture).
"""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from typing import Protocol

from eprom_verify.receiver.exchanges import CallbackExchange

__all__ = ["CheckProgress", "Stream"]


class Stream(Protocol):
    def write(self, text: str, /) -> object: ...

    def isatty(self) -> bool: ...


class CheckProgress:
    """Shows the running check and its count; :meth:`sent` is an ``Exchanges`` listener."""

    def __init__(
        self,
        stream: Stream,
        *,
        interval_s: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
        tty: bool | None = None,
        width: int | None = None,
    ) -> None:
        """``tty`` says whether the stream is a terminal (default: ``stream.isatty()``) and
        ``width`` how wide it is (default: as the OS says); under pytest's fd capture, ask
        both while the capture is suspended."""
        self._stream = stream
        self._tty = stream.isatty() if tty is None else tty
        self._every = 0.1 if self._tty else interval_s
        self._clock = clock
        self._lock = threading.Lock()
        self._label = ""
        self._count = 0
        self._started = self._last = clock()
        self._shown = 0  # characters of the note now on a terminal's line
        self._width = width if width is not None else shutil.get_terminal_size((80, 24)).columns

    def start(self, check: str, checkpoint: str, *, index: int, total: int) -> None:
        """A new check begins (``index`` counts from 1)."""
        with self._lock:
            self._label = f"check {index}/{total} {checkpoint} {check}"
            self._count = 0
            self._started = self._clock()
            if self._tty:
                self._render()
            # a plain log gets its first line after interval_s, not one per short check

    def sent(self, exchange: CallbackExchange) -> None:
        """One more example sent (an ``Exchanges`` listener)."""
        with self._lock:
            if not self._label:
                return
            self._count += 1
            if self._clock() - self._last >= self._every:
                self._render()

    def finish(self) -> None:
        """The check ended: a terminal's line is cleared (pytest prints its result there)."""
        with self._lock:
            if self._tty and self._shown:
                self._stream.write(f"\x1b[{self._shown}D\x1b[K")
            self._label, self._shown = "", 0

    def _render(self) -> None:
        now = self._clock()
        self._last = now
        elapsed = now - self._started
        plural = "" if self._count == 1 else "s"
        if not self._tty:
            self._stream.write(
                f"check-receiver: {self._label}: {self._count} example{plural} sent, "
                f"{elapsed:.0f} s\n"
            )
            return
        note = f" [{self._label}: {self._count} sent, {elapsed:.0f} s]"
        note = note[: max(self._width - 30, 20)]
        back = f"\x1b[{self._shown}D\x1b[K" if self._shown else ""
        self._stream.write(back + note)
        self._shown = len(note)

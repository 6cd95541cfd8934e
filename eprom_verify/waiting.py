"""Waiting for callbacks: what the run waits on, and the progress line a person sees meanwhile.

Shared by the :class:`~eprom_verify.harness.Harness` (a test waits for its callbacks), the
:class:`~eprom_verify.verdict.RunVerdict` (the run waits for what is still due) and the
:class:`~eprom_verify.manual.ManualSteps` (a person delivers a form). The
:class:`CallbackSource` protocol is the part of the
:class:`~eprom_verify.listener.CallbackListener` they use, so each can be built and tested
with a stand-in.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from .contract import CallbackKind
    from .listener import Progress, ReceivedCallback

__all__ = ["CallbackSource", "Terminal", "WaitProgress", "wait_for_all"]


class CallbackSource(Protocol):
    """What the run reads of the callback listener: what came, and waiting for more."""

    def received(
        self, kind: CallbackKind | None = None, ident: str | None = None
    ) -> list[ReceivedCallback]: ...

    def wait_for(
        self,
        kind: CallbackKind,
        ident: str,
        *,
        timeout_s: float,
        count: int = 1,
        what: str | None = None,
        progress: Progress | None = None,
    ) -> list[ReceivedCallback]: ...


class Terminal(Protocol):
    """Where the run talks to a person (stderr, or pytest's terminal around its capture).

    ``isatty()`` and ``readline()`` are used when the stream has them.
    """

    def write(self, text: str, /) -> object: ...

    def flush(self) -> object: ...


class WaitProgress:
    """A short progress line while waiting, once a wait takes more than 2 s.

    On a terminal one line is rewritten in place (``end()`` closes it, so what follows
    starts on a line of its own); elsewhere (CI logs) a line every 15 s. ``stream=None``
    shows nothing.
    """

    def __init__(self, stream: Terminal | None) -> None:
        self.stream = stream
        self._last = 0.0
        self._open = False

    def __call__(self, label: str, so_far: float, limit: float) -> None:
        stream = self.stream
        if so_far < 2.0 or stream is None:
            return
        tty = hasattr(stream, "isatty") and stream.isatty()
        now = time.monotonic()
        if not tty and now - self._last < 15:
            return
        self._last = now
        line = f"waiting for {label}: {so_far:.0f} s of {limit:.0f} s"
        stream.write(("\r" + line + " " * 8) if tty else line + "\n")
        stream.flush()
        self._open = tty

    def end(self) -> None:
        """End an updating progress line, so what follows starts on a line of its own."""
        if self._open and self.stream is not None:
            self.stream.write("\n")
            self.stream.flush()
        self._open = False


def wait_for_all(
    callbacks: CallbackSource,
    kind: CallbackKind,
    idents: list[str],
    *,
    timeout_s: float,
    progress: WaitProgress,
) -> dict[str, tuple[list[ReceivedCallback], float]]:
    """Wait for the first ``kind`` callback of each of ``idents`` under one shared deadline.

    The waits overlap instead of adding up. Per ident: what arrived, and how long it took
    (``timeout_s`` when nothing came).
    """
    start = time.monotonic()
    deadline = start + timeout_s
    waited: dict[str, float] = {}
    for ident in idents:
        left = max(0.0, deadline - time.monotonic())
        found = callbacks.wait_for(
            kind, ident, timeout_s=left, what=f"the {kind} callback of {ident}", progress=progress
        )
        waited[ident] = time.monotonic() - start if found else timeout_s
    progress.end()
    return {ident: (callbacks.received(kind, ident), waited[ident]) for ident in idents}

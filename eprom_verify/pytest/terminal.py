"""The terminal adapter: reach the person at the terminal through pytest's capture."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import pytest

__all__ = ["TerminalStream"]


class TerminalStream:
    """stderr with pytest's output capture suspended while writing or reading.

    Progress lines, the tester's instructions and the attestation questions must reach
    the person at the terminal even though pytest captures the tests' output.
    """

    def __init__(self, config: pytest.Config) -> None:
        self._capman = config.pluginmanager.getplugin("capturemanager")

    def _suspended(self) -> Any:
        if self._capman is None:
            return contextlib.nullcontext()
        return self._capman.global_and_fixture_disabled()

    def write(self, text: str) -> int:
        with self._suspended():
            sys.__stderr__.write(text)  # type: ignore[union-attr]
            sys.__stderr__.flush()  # type: ignore[union-attr]
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        """Whether a person's terminal is behind stderr (asked with the capture suspended:
        under pytest's fd capture, file descriptor 2 is a temporary file)."""
        with self._suspended():
            return bool(sys.__stderr__ and sys.__stderr__.isatty())

    def readline(self) -> str:
        with self._suspended():
            return sys.__stdin__.readline() if sys.__stdin__ else ""

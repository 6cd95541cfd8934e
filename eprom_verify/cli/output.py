"""Everything a command prints goes through the report's :class:`~eprom_verify.redact.Redactor`.

:func:`redacted` replaces ``sys.stdout`` and ``sys.stderr`` with :class:`RedactingStream`
for the command's duration; :func:`protect` adds a secret (the API key, as soon as it is
known). A server or proxy that echoes the key — raw, base64, base64 of ``user:key``,
URL-encoded, JSON-escaped — into an error message, a pytest failure block or the ``--drive``
child's output is redacted before it reaches the terminal or a CI log. Text is passed on
line by line; on ``flush()`` the part of an unfinished line that cannot be the start of a
secret's form is passed on too (pytest's progress dots still appear as they come).
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

from eprom_verify.redact import Redactor

__all__ = ["RedactingStream", "protect", "redacted", "redactor"]

_redactor = Redactor(mask_national_ids=False)
#: the end of a line that may still grow into a Basic credential
_BASIC_TAIL = re.compile(r"(?i)\b(?:b|ba|bas|basi|basic(?:[ \t]+[A-Za-z0-9+/_=-]*)?)$")


def redactor() -> Redactor:
    """The redactor of the terminal: every secret :func:`protect` was given."""
    return _redactor


def protect(secret: str | None) -> None:
    """Redact ``secret`` in everything printed from now on."""
    if secret:
        _redactor.add_secret(secret)


class RedactingStream:
    """A text stream that redacts every line before passing it to ``inner``."""

    def __init__(self, inner: TextIO, redactor: Redactor) -> None:
        self.inner = inner
        self._redactor = redactor
        self._pending = ""

    def write(self, s: str) -> int:
        self._pending += s
        cut = self._pending.rfind("\n") + 1
        if cut:
            done, self._pending = self._pending[:cut], self._pending[cut:]
            self.inner.write(self._redactor.text(done))
        return len(s)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self._pending:
            hold = self._held_from(self._pending)
            if hold:
                self.inner.write(self._redactor.text(self._pending[:hold]))
                self._pending = self._pending[hold:]
        self.inner.flush()

    def close_line(self) -> None:
        """Pass on whatever is pending (at the end of the command)."""
        if self._pending:
            self.inner.write(self._redactor.text(self._pending))
            self._pending = ""
        self.inner.flush()

    def _held_from(self, text: str) -> int:
        """Where the part that may still become a secret's form (or a Basic header) begins."""
        forms = self._redactor.forms()
        start = len(text)
        basic = _BASIC_TAIL.search(text)
        if basic:
            start = basic.start()
        for i in range(max(0, len(text) - max((len(f) for f in forms), default=0)), start):
            tail = text[i:]
            if any(form.startswith(tail) for form in forms):
                return i
        return start

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@contextlib.contextmanager
def redacted() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` redacted while the block runs."""
    saved = sys.stdout, sys.stderr
    out = RedactingStream(sys.stdout, _redactor)
    err = RedactingStream(sys.stderr, _redactor)
    sys.stdout, sys.stderr = cast(TextIO, out), cast(TextIO, err)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            out.close_line()
            err.close_line()
        sys.stdout, sys.stderr = saved

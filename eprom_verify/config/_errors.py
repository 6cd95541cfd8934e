"""The one error of the config loaders, and the pieces it is made of.

:class:`ConfigError` is one line (file:line: field: problem — hint); validators raise
:class:`Problem` (what is wrong, what to do, and where below the validated value), which
the pydantic-error formatter turns into a :class:`ConfigError`.
"""

from __future__ import annotations

from collections.abc import Sequence

from eprom_verify._exceptions import UsageError

__all__ = ["ConfigError", "Problem", "format_path"]


class ConfigError(UsageError):
    """A fixture file is missing or wrong. ``str()`` is one line: file:line: field: problem — hint.

    ``others`` holds the one-line messages of further problems found in the same file.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str,
        problem: str,
        hint: str,
        *,
        others: Sequence[str] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.hint = hint
        self.others = tuple(others)
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.problem} — {self.hint}"


class Problem(ValueError):
    """Raised by validators: a message, what to do, and where below the validated value."""

    def __init__(self, problem: str, hint: str, *, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint
        self.at = at


def format_path(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"

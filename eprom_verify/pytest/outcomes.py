"""Typed outcomes besides pass and fail: *not run* and *needs attestation*.

Both are pytest skips (so pytest, JUnit and Allure show them as skipped), told apart by
their type, never by the text of the reason. A check that depends on an earlier one is
*not run* when that one failed, so a fault fails exactly the checkpoint it concerns; a
check only a person can make is *needs attestation* until someone attests it.

The engine raises its own :class:`~eprom_verify._exceptions.AttestationMissing` and
:class:`~eprom_verify._exceptions.PrerequisiteMissing`; the plugin turns them into these.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from eprom_verify.wording import Text

__all__ = ["NeedsAttestation", "NotRun", "Outcome", "needs_attestation", "not_run"]


class Outcome(pytest.skip.Exception):  # type: ignore[misc, name-defined]
    """A skip whose reason is ours: ``texts`` holds it in each report language."""

    prefix: Text

    def __init__(self, reason: str | Text) -> None:
        said = self.prefix + Text.same(reason)
        super().__init__(said.en)
        self.texts: dict[str, str] = said.by_language() if isinstance(reason, Text) else {}


class NotRun(Outcome):
    """The check could not run because something it depends on is missing or failed."""

    prefix = Text(en="not run: ", nb="ikke kjørt: ")


class NeedsAttestation(Outcome):
    """Only a person can make this check; it waits for their attestation."""

    prefix = Text(en="needs attestation: ", nb="krever attestasjon: ")


def not_run(reason: str | Text) -> NoReturn:
    """End the test as *not run*, saying what it lacked (and where that is reported)."""
    raise NotRun(reason)


def needs_attestation(question: str | Text) -> NoReturn:
    """End the test as *needs attestation*, with the question the tester must answer."""
    raise NeedsAttestation(question)

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

__all__ = ["NeedsAttestation", "NotRun", "needs_attestation", "not_run"]

_Skip: type[BaseException] = pytest.skip.Exception


class NotRun(pytest.skip.Exception):  # type: ignore[misc, name-defined]
    """The check could not run because something it depends on is missing or failed."""


class NeedsAttestation(pytest.skip.Exception):  # type: ignore[misc, name-defined]
    """Only a person can make this check; it waits for their attestation."""


def not_run(reason: str) -> NoReturn:
    """End the test as *not run*, saying what it lacked (and where that is reported)."""
    raise NotRun(f"not run: {reason}")


def needs_attestation(question: str) -> NoReturn:
    """End the test as *needs attestation*, with the question the tester must answer."""
    raise NeedsAttestation(f"needs attestation: {question}")

"""How many examples a property test with its own count explores (docs/testing.md).

A full run (CI's ``ci`` profile, the local ``deep``) explores each test's own count; the
quick loop (``-m "not slow"``, conftest.py loads the ``quick`` profile) caps it at the
profile's ``max_examples``, so a test that asks for 150 examples costs there what any other
property test costs. Counts a test's assertions rely on (every field drawn at least once,
a number of exchanges) are not wrapped.
"""

from __future__ import annotations

from hypothesis import settings

#: the profile conftest.py loads for the quick loop: ``ci``'s settings under its own name
QUICK_PROFILE = "quick"


def examples(full: int) -> int:
    """``full``, or at most the loaded profile's ``max_examples`` in the quick loop."""
    if settings.get_current_profile_name() == QUICK_PROFILE:
        return min(full, settings.default.max_examples)
    return full

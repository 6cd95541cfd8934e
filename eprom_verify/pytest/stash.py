"""The plugin's state in ``config.stash``, typed, with public accessors."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from eprom_verify.config.settings import RunSettings

if TYPE_CHECKING:
    from eprom_verify.report.recorder import Recorder
    from eprom_verify.run.harness import Harness

__all__ = [
    "FACTS_KEY",
    "HARNESS_KEY",
    "RECORDER_KEY",
    "SETTINGS_KEY",
    "add_facts",
    "facts_of",
    "harness_of",
    "recorder_of",
]

SETTINGS_KEY = pytest.StashKey[RunSettings]()
HARNESS_KEY = pytest.StashKey["Harness"]()
RECORDER_KEY = pytest.StashKey["Recorder | None"]()
#: per test: what the check compared, for the report's tables (``CheckResult.facts``)
FACTS_KEY = pytest.StashKey[dict[str, Any]]()


def recorder_of(config: pytest.Config) -> Recorder | None:
    """The run's report recorder, or None when no report is written."""
    return config.stash.get(RECORDER_KEY, None)


def harness_of(config: pytest.Config) -> Harness | None:
    """The session's harness once the ``eprom`` fixture has started it, else None."""
    return config.stash.get(HARNESS_KEY, None)


def add_facts(item: pytest.Item, **facts: Any) -> None:
    """Note what the test compared (JSON values); the report shows them as tables."""
    item.stash.setdefault(FACTS_KEY, {}).update(facts)


def facts_of(item: pytest.Item) -> dict[str, Any]:
    if FACTS_KEY not in item.stash:
        return {}
    facts: dict[str, Any] = item.stash[FACTS_KEY]
    return {**facts}

"""The quick loop (docs/testing.md): ``-m "not slow"`` leaves out the slow modules and
explores with Hypothesis's ``ci`` profile unless ``HYPOTHESIS_PROFILE`` says otherwise."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


class FakeConfig:
    def __init__(self, markexpr: str) -> None:
        self.markexpr = markexpr

    def getoption(self, name: str, default: str = "") -> str:
        assert name == "markexpr"
        return self.markexpr


@pytest.fixture
def root_conftest(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """The repository's conftest.py as a module of its own; the profile restored after."""
    before = settings._current_profile
    monkeypatch.delenv("HYPOTHESIS_PROFILE", raising=False)
    monkeypatch.delenv("CI", raising=False)
    spec = importlib.util.spec_from_file_location("root_conftest_probe", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # loads the local default, "deep"
    yield module
    settings.load_profile(before or "default")


def test_the_quick_loop_explores_with_the_ci_profile(root_conftest: ModuleType) -> None:
    assert settings._current_profile == "deep"
    root_conftest.pytest_configure(FakeConfig("not slow"))
    assert settings._current_profile == "ci", "the quick loop kept the deep profile"


@pytest.mark.parametrize("markexpr", ["", "slow", "receiver"])
def test_other_selections_keep_the_profile(root_conftest: ModuleType, markexpr: str) -> None:
    root_conftest.pytest_configure(FakeConfig(markexpr))
    assert settings._current_profile == "deep"


def test_an_explicit_profile_wins(
    root_conftest: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HYPOTHESIS_PROFILE", "deep")
    root_conftest.pytest_configure(FakeConfig("not slow"))
    assert settings._current_profile == "deep"


def test_the_slow_modules_exist() -> None:
    """A renamed module would silently fall back into the quick loop."""
    missing = sorted(m for m in root_conftest_modules() if not (ROOT / m).is_file())
    assert not missing, f"SLOW_MODULES / ONE_WORKER_MODULES name files that do not exist: {missing}"


def root_conftest_modules() -> set[str]:
    spec = importlib.util.spec_from_file_location("root_conftest_names", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    before = settings._current_profile
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings.load_profile(before or "default")
    return set(module.SLOW_MODULES) | set(module.ONE_WORKER_MODULES)

"""The quick loop (docs/testing.md): ``-m "not slow"`` leaves out the slow modules and
explores with Hypothesis's ``ci`` profile unless ``HYPOTHESIS_PROFILE`` says otherwise."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]


class FakePlugins:
    def __init__(self, *names: str) -> None:
        self.names = names

    def hasplugin(self, name: str) -> bool:
        return name in self.names


class FakeConfig:
    def __init__(self, markexpr: str, *plugins: str) -> None:
        self.markexpr = markexpr
        self.pluginmanager = FakePlugins(*plugins)

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


def test_the_quick_loop_explores_with_the_quick_profile(root_conftest: ModuleType) -> None:
    assert settings._current_profile == "deep"
    root_conftest.pytest_configure(FakeConfig("not slow"))
    assert settings._current_profile == "quick", "the quick loop kept the deep profile"
    ci, quick = settings.get_profile("ci"), settings.get_profile("quick")
    differ = [n for n in ("max_examples", "derandomize", "database", "deadline",
                          "suppress_health_check") if getattr(ci, n) != getattr(quick, n)]  # fmt: skip
    assert not differ, f"the quick profile is not ci's settings: {differ}"


@pytest.mark.parametrize(("profile", "capped"), [("quick", True), ("ci", False), ("deep", False)])
def test_a_tests_own_example_count_is_capped_only_in_the_quick_loop(
    root_conftest: ModuleType, profile: str, capped: bool
) -> None:
    from hypothesis_budget import examples

    settings.load_profile(profile)
    limit = settings.get_profile(profile).max_examples
    assert examples(1) == 1
    got = examples(limit + 100)
    assert got == (limit if capped else limit + 100), (
        f"under {profile!r}: {got} examples for a test asking {limit + 100} (profile: {limit})"
    )


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
    assert not missing, (
        f"SLOW_MODULES / ONE_WORKER_MODULES / LONG_FIRST_MODULES name files that do not exist: "
        f"{missing}"
    )


def root_conftest_modules() -> set[str]:
    spec = importlib.util.spec_from_file_location("root_conftest_names", ROOT / "conftest.py")
    assert spec is not None
    assert spec.loader is not None
    before = settings._current_profile
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    settings.load_profile(before or "default")
    names = set(module.SLOW_MODULES) | set(module.ONE_WORKER_MODULES)
    return names | set(module.LONG_FIRST_MODULES)


@pytest.fixture
def writing_disabled(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """This process as under ``PYTHONDONTWRITEBYTECODE=1``; the cache in ``tmp_path``."""
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "eprom-verify" / "pycache"


def test_the_workers_and_children_share_one_bytecode_cache(
    root_conftest: ModuleType, writing_disabled: Path, tmp_path: Path
) -> None:
    environ = {"PYTHONDONTWRITEBYTECODE": "1", "PATH": os.environ.get("PATH", "")}
    assert root_conftest.share_the_bytecode_cache(environ) == str(writing_disabled)
    assert environ.get("PYTHONDONTWRITEBYTECODE") is None, "the children still may not write"
    assert environ.get("PYTHONPYCACHEPREFIX") == str(writing_disabled)
    # a child started with that environment compiles into the cache, not beside the source
    source = tmp_path / "src"
    source.mkdir()
    (source / "probe_module.py").write_text("VALUE = 1\n", encoding="utf-8")
    subprocess.run(  # noqa: S603
        [sys.executable, "-c", "import probe_module"],
        env={**environ, "PYTHONPATH": str(source)}, check=True, timeout=60,
    )  # fmt: skip
    assert not (source / "__pycache__").exists(), "a .pyc was written beside the source"
    compiled = sorted(p.name for p in writing_disabled.rglob("probe_module*.pyc"))
    assert compiled, f"nothing compiled into {writing_disabled}"


def test_an_explicit_prefix_or_writing_allowed_is_left_alone(
    root_conftest: ModuleType, writing_disabled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theirs = {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPYCACHEPREFIX": "/theirs"}
    monkeypatch.setattr(sys, "pycache_prefix", "/theirs")
    assert root_conftest.share_the_bytecode_cache(dict(theirs)) is None
    assert sys.dont_write_bytecode is True, "their prefix with writing disabled was overridden"

    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    allowed: dict[str, str] = {}
    assert root_conftest.share_the_bytecode_cache(allowed) is None
    assert allowed == {}
    assert sys.pycache_prefix is None, "writing beside the sources was redirected"


def test_an_unwritable_cache_changes_nothing(
    root_conftest: ModuleType, writing_disabled: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = writing_disabled.parents[2] / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    environ = {"PYTHONDONTWRITEBYTECODE": "1"}
    assert root_conftest.share_the_bytecode_cache(environ) is None
    assert environ == {"PYTHONDONTWRITEBYTECODE": "1"}
    assert sys.dont_write_bytecode is True


@pytest.mark.parametrize("plugins", [("xdist",), ()], ids=["the harness's tests", "a run"])
def test_only_the_harness_tests_share_the_cache(
    root_conftest: ModuleType,
    writing_disabled: Path,
    monkeypatch: pytest.MonkeyPatch,
    plugins: tuple[str, ...],
) -> None:
    """A run (``eprom-verify run`` loads no pytest-xdist) keeps its own environment."""
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    monkeypatch.delenv("PYTHONPYCACHEPREFIX", raising=False)
    root_conftest.pytest_configure(FakeConfig("", *plugins))
    if plugins:
        assert os.environ.get("PYTHONPYCACHEPREFIX") == str(writing_disabled)
        assert os.environ.get("PYTHONDONTWRITEBYTECODE") is None, "writing still disabled"
    else:
        assert os.environ.get("PYTHONPYCACHEPREFIX") is None, "a run's environment changed"
        assert os.environ.get("PYTHONDONTWRITEBYTECODE") == "1"


def test_collection_moves_what_it_made_out_of_the_collectors_way(
    root_conftest: ModuleType,
) -> None:
    """``gc.freeze()`` after collection: a full collection no longer walks the test items."""
    import gc

    frozen = gc.get_freeze_count()
    gc.unfreeze()
    try:
        assert gc.get_freeze_count() == 0
        root_conftest.pytest_collection_finish(None)  # the session is not read
        assert gc.get_freeze_count() > 0, "nothing was frozen after collection"
    finally:
        if frozen:
            gc.freeze()


class FakeItem:
    def __init__(self, module: str, name: str) -> None:
        self.path = ROOT / module
        self.name = name
        self.markers: list[pytest.MarkDecorator] = []

    def add_marker(self, marker: pytest.MarkDecorator) -> None:
        self.markers.append(marker)


class FakeCollectConfig:
    def __init__(self, *plugins: str) -> None:
        self.rootpath = ROOT
        self.pluginmanager = FakePlugins(*plugins)
        self.option = type("Option", (), {"loadgroup": False})()


def test_the_longest_tests_are_dealt_out_first(root_conftest: ModuleType) -> None:
    """pytest-xdist deals tests out in collection order: the long ones first, each module whole."""
    first, second = root_conftest.LONG_FIRST_MODULES[:2]
    items = [
        FakeItem("tests/test_a.py", "a1"),
        FakeItem(second, "s1"),
        FakeItem("tests/test_b.py", "b1"),
        FakeItem(second, "s2"),
        FakeItem(first, "f1"),
        FakeItem("tests/test_a.py", "a2"),
    ]
    root_conftest.pytest_collection_modifyitems(FakeCollectConfig("xdist"), items)
    order = [item.name for item in items]
    assert order == ["f1", "s1", "s2", "a1", "b1", "a2"], (
        f"expected the LONG_FIRST_MODULES first, in their order, the rest as collected; got {order}"
    )
    kept = items[::-1]
    root_conftest.pytest_collection_modifyitems(FakeCollectConfig(), kept)
    assert [item.name for item in kept] == order[::-1], "a run (no xdist) keeps its own order"

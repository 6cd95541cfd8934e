"""The run's own pytest starts lean: only its plugins, a bytecode cache where writing is off."""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from eprom_verify._paths import suites_dir
from eprom_verify.pytest import launch


def test_the_run_names_its_plugins_and_turns_autoloading_off(tmp_path):
    args = launch.plugin_args([str(suites_dir()), "-q"])
    assert "--disable-plugin-autoload" in args
    named = {args[i + 1] for i, a in enumerate(args) if a == "-p"}
    assert named == {*launch.RUN_PLUGINS, "no:unraisableexception"}
    assert args[-2:] == [str(suites_dir()), "-q"]
    assert launch.ALLURE_PLUGIN not in named  # ~0.06 s of imports a run need not pay
    with_allure = launch.plugin_args([str(suites_dir()), "--alluredir=/tmp/a"])
    assert launch.ALLURE_PLUGIN in {
        with_allure[i + 1] for i, a in enumerate(with_allure) if a == "-p"
    }
    # the checkout's addopts (-n auto, for the harness's tests) stay out of the shipped suites
    assert "addopts=" in args
    assert "addopts=" not in launch.plugin_args([str(tmp_path), "-q"])


@pytest.fixture
def unfrozen() -> Iterator[None]:
    """run_pytest freezes the collector's view of this process: thawed after the test."""
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_an_installed_plugin_the_run_does_not_name_is_not_loaded(tmp_path, unfrozen):
    (tmp_path / "test_one.py").write_text("def test_one():\n    assert True\n", "utf-8")
    (tmp_path / "none.ini").write_text("[pytest]\n", "utf-8")
    loaded: list[str] = []

    class Spy:
        def pytest_configure(self, config: pytest.Config) -> None:
            loaded.extend(name for name, _ in config.pluginmanager.list_name_plugin())

    code = launch.run_pytest(
        [str(tmp_path), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-c", str(tmp_path / "none.ini")],
        plugins=[Spy()],
    )  # fmt: skip
    assert code == 0
    assert "eprom_verify.pytest.plugin" in loaded
    assert "_hypothesis_pytestplugin" in loaded
    # installed with the test extras, registered as pytest11 entry points, not wanted here
    assert not [n for n in loaded if "schemathesis" in n or n == "xdist"], loaded


def test_bytecode_goes_to_our_cache_when_writing_it_is_disabled(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", None)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    launch.use_bytecode_cache()
    assert sys.pycache_prefix == str(tmp_path / "eprom-verify" / "pycache")
    assert sys.dont_write_bytecode is False
    assert Path(sys.pycache_prefix).is_dir()


def test_an_explicit_prefix_or_an_unusable_folder_leaves_python_as_it_was(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path / "theirs"))
    launch.use_bytecode_cache()
    assert sys.pycache_prefix == str(tmp_path / "theirs")
    assert sys.dont_write_bytecode is True

    monkeypatch.setattr(sys, "pycache_prefix", None)
    (tmp_path / "a-file").write_text("", "utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file"))
    launch.use_bytecode_cache()
    assert sys.pycache_prefix is None
    assert sys.dont_write_bytecode is True


def test_what_lives_as_long_as_the_run_is_kept_out_of_the_collectors_way(tmp_path, unfrozen):
    """gc.freeze() before pytest starts and again once the tests are collected."""
    (tmp_path / "test_frozen.py").write_text(  # a name of its own: one process, one module
        "import gc\n\ndef test_frozen():\n    assert gc.get_freeze_count() > 0\n", "utf-8"
    )
    (tmp_path / "none.ini").write_text("[pytest]\n", "utf-8")
    frozen: dict[str, int] = {}

    class Spy:
        def pytest_sessionstart(self) -> None:
            frozen["at start"] = gc.get_freeze_count()

        @pytest.hookimpl(tryfirst=True)
        def pytest_collection_finish(self) -> None:
            frozen["collected"] = gc.get_freeze_count()

        def pytest_runtestloop(self) -> None:
            frozen["before the tests"] = gc.get_freeze_count()

    assert gc.get_freeze_count() == 0
    code = launch.run_pytest(
        [str(tmp_path), "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path),
         "-c", str(tmp_path / "none.ini")],
        plugins=[Spy()],
    )  # fmt: skip
    assert code == 0, "test_frozen saw nothing frozen"
    assert frozen["at start"] > 0, frozen
    assert frozen["before the tests"] > frozen["collected"], (
        f"not frozen after collection: {frozen}"
    )


def test_check_receiver_collects_only_the_receiver_module_of_the_shipped_suites(tmp_path):
    from eprom_verify.cli.run import RECEIVER_MODULE, _collected

    shipped = suites_dir()
    module = shipped / RECEIVER_MODULE
    assert module.is_file()
    # the other suite modules import the simulator and FastAPI for tests -m receiver drops
    assert _collected(shipped, custom=False, receiver=True) == module
    assert _collected(shipped, custom=False, receiver=False) == shipped  # `run`: all of them
    assert _collected(shipped, custom=True, receiver=True) == shipped  # --suites DIR: whole
    (tmp_path / RECEIVER_MODULE).write_text("")
    assert _collected(tmp_path, custom=True, receiver=True) == tmp_path
    # a module of the shipped suites is still "the shipped suites": the checkout's addopts
    # (-n auto, for the harness's tests) stay out
    assert "addopts=" in launch.plugin_args([str(module), "-q"])
    assert "addopts=" not in launch.plugin_args([str(tmp_path / RECEIVER_MODULE), "-q"])

"""Starting pytest from the command line tools (``run``, ``check-receiver``, ``checklist``).

The one place outside the plugin where pytest itself is called; the CLI modules ask here.

Two things make the in-process pytest start fast (issue 25):

* **Only the plugins a verification needs.** Entry-point autoloading is off; our two
  plugins, allure (the Allure results, only with ``--allure on``), Hypothesis (the receiver's
  generated callbacks) and
  pytest's own built-ins (junitxml among them) are loaded by name. Whatever else happens to
  be installed — schemathesis alone costs 0.7 s to import — stays out of the run. A suite
  that needs another plugin names it: ``eprom-verify run -- -p NAME``.
* **A bytecode cache that works where writing one is disabled.** With
  ``PYTHONDONTWRITEBYTECODE`` set (common on CI machines and containers) Python and pytest's
  assertion rewriting recompile everything on every run. We then keep the compiled files in
  a cache folder of our own (``$XDG_CACHE_HOME/eprom-verify/pycache``, see
  :func:`bytecode_cache_dir`) instead of beside the sources, so nothing is written into the
  source tree, as the setting intends. An explicit ``PYTHONPYCACHEPREFIX`` is respected.
* **The garbage collector leaves the imported modules alone.** ``gc.freeze()`` before
  pytest starts and again after collection moves the objects that live as long as the run
  (modules, classes, test items) to the permanent generation, so each collection walks only
  what the tests make. Hypothesis's first ``register_random`` runs a full ``gc.collect()``,
  which alone took 0.2–0.4 s over the unfrozen heap; ``check-receiver`` used ~0.6 CPU-s less.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from eprom_verify._paths import cache_dir, suites_dir, writable_cache_dir

__all__ = [
    "ALLURE_PLUGIN",
    "INTERRUPTED",
    "RUN_PLUGINS",
    "USAGE_ERROR",
    "bytecode_cache_dir",
    "run_pytest",
]

INTERRUPTED = int(pytest.ExitCode.INTERRUPTED)
USAGE_ERROR = int(pytest.ExitCode.USAGE_ERROR)

#: the plugins of a verification run, loaded by name with autoloading off
RUN_PLUGINS = (
    "eprom_verify.pytest.plugin",
    "eprom_verify.pytest.fixtures",
    "_hypothesis_pytestplugin",
)
#: loaded only when the run writes Allure results (``--alluredir``, i.e. ``--allure on``):
#: importing it costs ~0.06 s of every run that does not
ALLURE_PLUGIN = "allure_pytest.plugin"

_AUTOLOAD_FLAG = pytest.version_tuple[:2] >= (8, 4)  # --disable-plugin-autoload


def bytecode_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/eprom-verify/pycache`` (``~/.cache/…`` when the variable is unset)."""
    return cache_dir("pycache")


def use_bytecode_cache() -> None:
    """Cache compiled modules in our own folder when the environment disabled writing them.

    Only when ``sys.dont_write_bytecode`` is set and no ``PYTHONPYCACHEPREFIX`` is given; a
    folder that cannot be made leaves everything as it was (Python then compiles in memory).
    """
    if not sys.dont_write_bytecode or sys.pycache_prefix:
        return
    folder = writable_cache_dir("pycache")
    if folder is None:
        return
    sys.pycache_prefix = str(folder)
    sys.dont_write_bytecode = False


def plugin_args(args: Sequence[str]) -> list[str]:
    """Autoloading off and :data:`RUN_PLUGINS` by name, before ``args``.

    For the shipped suites, the checkout's own ``addopts`` (written for the harness's tests:
    ``-n auto`` needs pytest-xdist, which a run does not load) are left out too.
    """
    chosen: list[str] = []
    allure = any(a == "--alluredir" or a.startswith("--alluredir=") for a in args)
    for name in (*RUN_PLUGINS, *([ALLURE_PLUGIN] if allure else [])):
        chosen += ["-p", name]
    # its clean-up collects garbage over and over at the end (about 0.3 s); an unraisable
    # exception in a finalizer says nothing about ePROM
    chosen += ["-p", "no:unraisableexception"]
    if _runs_shipped_suites(args):
        chosen += ["-o", "addopts="]
    return [*(["--disable-plugin-autoload"] if _AUTOLOAD_FLAG else []), *chosen, *args]


def _runs_shipped_suites(args: Sequence[str]) -> bool:
    shipped = suites_dir().resolve()
    for arg in args:
        if arg.startswith("-"):
            continue
        try:
            path = Path(arg).resolve()
        except OSError:  # pragma: no cover - an unreadable path: not ours
            return False
        return path == shipped or shipped in path.parents  # the folder, or a module of it
    return False


class _FreezeAfterCollection:
    """Moves what collection made (test items, suite modules) out of the collector's way."""

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        gc.freeze()


def run_pytest(args: Sequence[str], *, plugins: Sequence[object] = ()) -> int:
    """``pytest.main(args)`` in this process with only the run's plugins; its exit code."""
    use_bytecode_cache()
    gc.freeze()
    plugins = [*plugins, _FreezeAfterCollection()]
    if _AUTOLOAD_FLAG:
        return int(pytest.main(plugin_args(args), plugins=list(plugins)))
    before = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")  # pragma: no cover - pytest < 8.4
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"  # pragma: no cover
    try:  # pragma: no cover
        return int(pytest.main(plugin_args(args), plugins=list(plugins)))
    finally:  # pragma: no cover
        if before is None:
            os.environ.pop("PYTEST_DISABLE_PLUGIN_AUTOLOAD", None)
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = before

"""Shared by the harness's own tests (tests/) and the verification suites (suites/).

Hypothesis profiles: ``ci`` (derandomized, fixed seed, modest example counts) is loaded
when the ``CI`` environment variable is set; ``deep`` (many examples) otherwise, unless
``HYPOTHESIS_PROFILE`` names one; ``quick`` (``ci``'s settings) in the quick loop. See
eprom_verify.strategies.register_profiles and tests/hypothesis_budget.py.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import MutableMapping
from typing import Any

import pytest
from hypothesis import settings

pytest_plugins = ("pytester",)

try:
    from eprom_verify.strategies import register_profiles
except ImportError:  # the strategies module is optional while the tree is being built
    settings.register_profile("ci", derandomize=True, max_examples=30, deadline=None, database=None)
    settings.register_profile("deep", max_examples=300, deadline=None)
else:
    register_profiles()

# the quick loop's: ``ci``'s settings under a name of its own, so a test's own example count
# can be capped there and only there (tests/hypothesis_budget.py)
settings.register_profile("quick", parent=settings.get_profile("ci"))
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "deep")
)


def pytest_configure(config: pytest.Config) -> None:
    """The quick loop (``-m "not slow"``) explores with ``quick``, not ``deep``, unless told.

    ``deep`` (the local default) runs twenty times the examples; the quick loop is for fast
    feedback, the full ``python -m pytest`` for exploring. ``quick`` is ``ci`` under its own
    name: tests with their own example count are capped at its count there
    (tests/hypothesis_budget.py), not in CI. ``HYPOTHESIS_PROFILE`` wins.
    """
    if config.pluginmanager.hasplugin("xdist"):  # the harness's own tests, not a run
        share_the_bytecode_cache(os.environ)
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return
    if "not slow" in (config.getoption("markexpr", default="") or ""):
        settings.load_profile("quick")


#: pytest-xdist workers a core for ``-n auto``: the harness's tests wait about half their time
#: (the runs, observations and servers they start in subprocesses, callbacks, Chromium), so
#: one worker a core left the cores idle half the time (the suite at 98 % of one core's CPU
#: on two; issue 25, docs/testing.md "Two workers a core")
WORKERS_PER_CORE = 2


@pytest.hookimpl(tryfirst=True, optionalhook=True)  # a run's pytest has no xdist
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto`` is two workers a core; ``PYTEST_XDIST_AUTO_NUM_WORKERS`` still decides."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return WORKERS_PER_CORE * max(cores, 1)


#: entry-point plugins no test here uses: ``addopts`` blocks them in this session (``-p no:``),
#: and :func:`pytester` in the sessions the tests run inside it
UNUSED_PLUGINS = ("schemathesis", "typeguard", "anyio", "allure_pytest")


@pytest.fixture
def pytester(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    """pytester whose in-process runs leave out :data:`UNUSED_PLUGINS`.

    A pytester run reads no ``addopts`` of ours and autoloads every installed plugin; its
    ``sys.modules`` snapshot then drops what the run imported, so each run imported
    schemathesis and typeguard anew: ~1 CPU-s a run, three quarters of the tests of
    tests/run/test_plugin.py. A test that needs one of them names it (``-p NAME`` wins over
    an earlier ``-p no:NAME``).
    """
    inline_run = pytester.inline_run
    blocked = [arg for name in UNUSED_PLUGINS for arg in ("-p", f"no:{name}")]

    def lean_inline_run(*args: str | os.PathLike[str], **kwargs: Any) -> pytest.HookRecorder:
        return inline_run(*blocked, *args, **kwargs)

    monkeypatch.setattr(pytester, "inline_run", lean_inline_run)
    return pytester


def share_the_bytecode_cache(environ: MutableMapping[str, str]) -> str | None:
    """Compile each module once, not once per process, where ``PYTHONDONTWRITEBYTECODE`` is set.

    With writing disabled every pytest-xdist worker and every ``python -m eprom_verify`` the
    tests start recompiled pytest, Hypothesis and our package and re-ran the assertion
    rewriting of every test module: collecting the quick loop took 12.4 CPU-s a process
    instead of 4.9. The compiled files go to the run's own cache folder
    (``$XDG_CACHE_HOME/eprom-verify/pycache``, ``eprom_verify.pytest.launch``), never beside
    the sources, as the setting intends; the workers (started after ``pytest_configure``)
    and the tests' subprocesses inherit it through ``environ``. An explicit
    ``PYTHONPYCACHEPREFIX`` is left alone. Returns the folder, or None when nothing changed.
    """
    from eprom_verify.pytest.launch import use_bytecode_cache

    use_bytecode_cache()  # this process: only if writing is disabled and no prefix given
    if sys.dont_write_bytecode or not sys.pycache_prefix or environ.get("PYTHONPYCACHEPREFIX"):
        return None
    if not environ.get("PYTHONDONTWRITEBYTECODE"):
        return None  # writing was never disabled: __pycache__ beside the sources, as usual
    environ["PYTHONPYCACHEPREFIX"] = sys.pycache_prefix
    del environ["PYTHONDONTWRITEBYTECODE"]
    return sys.pycache_prefix


#: modules whose tests start a full ``eprom-verify run`` (or build the wheel, or start and kill
#: simulator processes, or run a code generator, fuzzer or benchmark) in a subprocess: marked
#: ``slow``, left out by the quick loop ``python -m pytest -m "not slow"`` (docs/testing.md)
SLOW_MODULES = frozenset(
    {
        "tests/run/test_whole_run.py",
        "tests/run/test_report_language.py",
        "tests/run/test_separate_process.py",
        "tests/run/test_trust.py",
        "tests/run/test_terminal_output.py",
        "tests/run/test_run_faults.py",
        "tests/run/test_unattended.py",
        "tests/run/test_run_tables_agree.py",
        "tests/run/test_allure.py",
        "tests/run/test_privacy_replication.py",
        "tests/run/test_xdist_groups.py",
        "tests/cli/test_signals.py",
        "tests/simulator/test_restart.py",
        "tests/simulator/test_restart_journal.py",
        "tests/simulator/test_concurrency.py",
        "tests/simulator/test_openapi_generators.py",
        "tests/simulator/test_openapi_schemathesis.py",
        "tests/simulator/test_fairness_benchmark.py",
        "tests/simulator_fuzz/test_outbound_stateful.py",
        "tests/package/test_wheel.py",
        "tests/test_benchmarks_smoke.py",
        # each test runs pytest in a subprocess on a user's project, a whole check-receiver,
        # an observation of a driven system, two real runs, or a headless Chromium
        "tests/package/test_simulator_plugin.py",
        "tests/receiver/test_suite.py",
        "tests/receiver/test_report_languages.py",
        "tests/receiver/test_report_evidence.py",
        "tests/observe/test_faults.py",
        "tests/observe/test_tables_agree.py",
        "tests/observe/test_without_drive.py",
        "tests/report/test_report_diff.py",
        "tests/report/test_report_browser.py",
        "tests/report/test_browser_session.py",
        "tests/simulator/test_portal_browser.py",
        "tests/cli/test_output_redaction.py",
        # Schemathesis drives the simulator with ~500 generated requests (7.7 CPU-s, the
        # quick loop's costliest test); an observation of the example system driven by 13
        # subprocesses, as in tests/observe/test_faults.py (2.5-2.8 CPU-s, 7-15 s each); the
        # quick loop keeps one whole observation: test_control_token.py
        "tests/simulator/test_property.py",
        "tests/observe/test_example.py",
        "tests/observe/test_relay.py",
        "tests/observe/test_report_language.py",
    }
)
#: modules with an expensive module- or session-scoped fixture: kept on one pytest-xdist
#: worker (``--dist loadgroup``), so the fixture is made once, not once per worker
ONE_WORKER_MODULES = frozenset(
    {
        "tests/package/test_wheel.py",
        "tests/test_benchmarks_smoke.py",
        # one module fixture: a fresh interpreter that imports every old path (~5 s)
        "tests/package/test_old_paths.py",
    }
)

#: the quick loop's modules with the longest single tests (2-5 s each: Hypothesis against a
#: receiver, the simulator's CLI in a subprocess, the one whole observation), handed to the
#: workers first: pytest-xdist deals tests out in collection order, and a 5-s test dealt last
#: kept one worker busy while the other idled (longest first, docs/testing.md)
LONG_FIRST_MODULES = (
    "tests/test_strategies.py",
    "tests/receiver/test_conformance.py",
    "tests/receiver/test_documented_forms.py",
    "tests/simulator/test_service.py",
    "tests/observe/test_control_token.py",
    "tests/simulator/test_delivery_lanes.py",
)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    rank: dict[int, int] = {}
    for item in items:
        try:
            module = item.path.relative_to(root).as_posix()
        except ValueError:
            continue
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if module in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
        if module in LONG_FIRST_MODULES:
            rank[id(item)] = LONG_FIRST_MODULES.index(module)
    if rank and config.pluginmanager.hasplugin("xdist"):  # the harness's own tests, not a run
        # stable: each module's tests stay together and in their order
        items.sort(key=lambda item: rank.get(id(item), len(LONG_FIRST_MODULES)))
    _xdist_groups_on_pytest_9(config, items)


def _xdist_groups_on_pytest_9(config: pytest.Config, items: list[pytest.Item]) -> None:
    """``xdist_group`` working again on pytest ≥ 9 (issue 25).

    pytest-xdist (3.8) puts a test in its group by appending ``@group`` to ``item._nodeid``;
    pytest 9 derives ``nodeid`` from ``item._id``, so the assignment is lost and every group
    was silently spread over the workers (a module fixture of ``ONE_WORKER_MODULES`` made
    once per worker, a shared full run waited for on another worker). This does what xdist
    means, in a worker under ``--dist loadgroup``, with the same group name (the test's
    group names sorted, joined by ``_``); xdist's own assignment after it changes nothing.
    Before pytest 9 (no ``_pytest.nodeid``) xdist's own suffix works and this does nothing.
    """
    if not getattr(config.option, "loadgroup", False):
        return
    try:
        from _pytest.nodeid import NodeId
    except ImportError:
        return
    for item in items:
        names = sorted(
            {str(m.args[0] if m.args else m.kwargs.get("name", "default"))
             for m in item.iter_markers("xdist_group")}
        )  # fmt: skip
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            item._id = NodeId.parse(item.nodeid + suffix)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Move what collection made (modules, test items) out of the garbage collector's way.

    Hypothesis runs a full ``gc.collect()`` before each property test, and every full pass
    walked each imported module and each of the ~1,700 collected items again. Frozen after
    collection (as ``eprom_verify.pytest.launch`` does for a run), the passes walk only what
    the tests make: the property-heavy modules used ~20 % less CPU, the simulator and report
    tests ~5 % (A/B pairs, same tree).
    """
    gc.freeze()

"""Shared by the harness's own tests (tests/) and the verification suites (suites/).

Hypothesis profiles: ``ci`` (derandomized, fixed seed, modest example counts) is loaded
when the ``CI`` environment variable is set; ``deep`` (many examples) otherwise, unless
``HYPOTHESIS_PROFILE`` names one. See eprom_verify.strategies.register_profiles.
"""

from __future__ import annotations

import os

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

settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "deep")
)


def pytest_configure(config: pytest.Config) -> None:
    """The quick loop (``-m "not slow"``) explores with ``ci``, not ``deep``, unless told.

    ``deep`` (the local default) runs ten times the examples; the quick loop is for fast
    feedback, the full ``python -m pytest`` for exploring. ``HYPOTHESIS_PROFILE`` wins.
    """
    if os.environ.get("HYPOTHESIS_PROFILE"):
        return
    if "not slow" in (config.getoption("markexpr", default="") or ""):
        settings.load_profile("ci")


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
    }
)
#: modules with an expensive module- or session-scoped fixture: kept on one pytest-xdist
#: worker (``--dist loadgroup``), so the fixture is made once, not once per worker
ONE_WORKER_MODULES = frozenset(
    {
        "tests/run/test_report_language.py",
        "tests/package/test_wheel.py",
        "tests/test_benchmarks_smoke.py",
    }
)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        try:
            module = item.path.relative_to(root).as_posix()
        except ValueError:
            continue
        if module in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
        if module in ONE_WORKER_MODULES:
            item.add_marker(pytest.mark.xdist_group(module))
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

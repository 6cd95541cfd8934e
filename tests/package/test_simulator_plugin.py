"""The ``eprom_simulator`` plugin in a user's test suite (pytester, subprocesses).

Installing eprom-verify registers two pytest plugins (entry points ``eprom_verify`` and
``eprom_verify_simulator``). A project that uses neither must collect and run exactly as
without them; a project that uses ``eprom_simulator`` gets one simulator per session, reset
before each test, with settings from a fixture it can override.

Cost (issue 25): the pytest each test starts loads only our plugins, by their entry points,
and pytest-httpserver (``OTHERS`` keeps the rest of this environment's plugins out); one
``-v`` run with and one without our plugins show the same tests in the same order with the
same outcomes (four runs before, two of them ``--collect-only``). Where a fresh interpreter is
the claim — nothing heavy imported, a user's whole session with its simulator, the plugins
found by a user's pytest — the run is a subprocess; the two tests of the user's config file
run in-process (``runpytest_inprocess``: the same entry points and the same config file in
the project folder, without an interpreter start).
"""

from __future__ import annotations

import re

import pytest
from _user_project import USER_CONFTEST, USER_OUTCOMES, USER_TESTS

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

WITHOUT = ("-p", "no:eprom_verify", "-p", "no:eprom_verify_simulator")

#: the other installed plugins, which these projects do not use, stay out of every pytest the
#: tests start (schemathesis alone costs ~0.7 s to import); ours are still loaded the way a
#: user's pytest loads them, by their entry points
OTHERS = tuple(
    arg
    for name in ("schemathesis", "typeguard", "xdist", "xdist.looponfail", "allure_pytest",
                 "hypothesispytest", "anyio", "platformdirs", "randomly", "cacheprovider")
    for arg in ("-p", f"no:{name}")
)  # fmt: skip

PLAIN_CONFTEST = """
import pytest

def pytest_addoption(parser):
    parser.addoption("--env", default="dev")           # names a user may well have
    parser.addoption("--simulator", action="store_true")

@pytest.fixture
def settings(request):
    return {"env": request.config.getoption("env")}
"""

PLAIN_TESTS = """
import sys
import pytest

def test_env(settings):
    assert settings == {"env": "dev"}

@pytest.mark.parametrize("n", [1, 2])
def test_numbers(n):
    assert n < 2

@pytest.mark.skip(reason="not today")
def test_skipped():
    pass

def test_nothing_heavy_was_imported():
    heavy = sorted(m for m in ("fastapi", "uvicorn", "starlette", "eprom_verify.simulator")
                   if m in sys.modules)
    assert heavy == []

class TestGroup:
    def test_in_class(self):
        pass
"""


def _outcomes(result: pytest.RunResult) -> list[tuple[str, str]]:
    """Each test and its outcome, in the order they ran (``-v``: the collection order)."""
    return [
        (found[1], found[2])
        for line in result.outlines
        if (found := re.match(r"^(\S+::\S+) (PASSED|FAILED|SKIPPED|ERROR|XFAIL|XPASS)\b", line))
    ]


def test_a_project_without_our_fixtures_runs_exactly_as_before(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(PLAIN_CONFTEST)
    pytester.makepyfile(test_plain=PLAIN_TESTS)
    pytester.makeini("[pytest]\naddopts = --strict-markers\nfilterwarnings = error\n")

    with_plugins = pytester.runpytest_subprocess("-v", *OTHERS)
    without = pytester.runpytest_subprocess("-v", *OTHERS, *WITHOUT)

    with_plugins.assert_outcomes(passed=4, failed=1, skipped=1)
    without.assert_outcomes(passed=4, failed=1, skipped=1)
    # the same tests collected, in the same order, with the same outcomes
    assert _outcomes(with_plugins) == _outcomes(without)
    assert len(_outcomes(with_plugins)) == 6, with_plugins.outlines


def test_the_plugins_are_loaded_in_a_users_project(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess("--fixtures", *OTHERS)

    result.stdout.fnmatch_lines(["*eprom_simulator_settings*", "*eprom_simulator*"])


def test_eprom_simulator_in_a_users_test_suite(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_ordering_system=USER_TESTS)
    pytester.makeini("[pytest]\nfilterwarnings = error\naddopts = --strict-markers\n")

    result = pytester.runpytest_subprocess("-q", *OTHERS)

    result.assert_outcomes(**USER_OUTCOMES)


CONFIGURED_TEST = """
def test_settings_from_the_config_file(eprom_simulator):
    people = [p.national_id for p in eprom_simulator.control.patients()]
    assert people == ["260739*****"]   # the one person of eprom-verify/patients.yaml, masked
    (system,) = eprom_simulator.running.settings.ordering_systems
    assert system.name == "Min Journal"
"""


def test_default_settings_come_from_the_users_config_file(pytester: pytest.Pytester) -> None:
    import yaml

    from eprom_verify.config import fixtures_dir

    shipped = yaml.safe_load((fixtures_dir() / "patients.yaml").read_text(encoding="utf-8"))
    shipped["patients"] = [p for p in shipped["patients"] if p["nationalId"] == "26073941651"]
    pytester.makefile(".yaml", **{"eprom-verify/patients": yaml.safe_dump(shipped)})
    pytester.makefile(
        ".toml",
        **{
            "eprom-verify": 'ordering-system = "Min Journal"\npatients = "eprom-verify/patients.yaml"\n'
        },
    )
    pytester.mkdir(".git")
    pytester.makepyfile(test_configured=CONFIGURED_TEST)

    result = pytester.runpytest_inprocess("-q", *OTHERS)

    result.assert_outcomes(passed=1)


def test_a_bad_config_file_is_one_line_for_the_fixture(pytester: pytest.Pytester) -> None:
    pytester.makefile(".toml", **{"eprom-verify": 'ordering_sytem = "Min Journal"\n'})
    pytester.mkdir(".git")
    pytester.makepyfile(test_configured=CONFIGURED_TEST)

    result = pytester.runpytest_inprocess("-q", *OTHERS)

    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(
        [
            "*eprom_simulator: *eprom-verify.toml:1: unknown key 'ordering_sytem' — did you mean 'ordering-system'?*"
        ]
    )

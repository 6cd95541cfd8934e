"""The pytest plugin: options, markers, fixtures, parametrization and the report hooks.

Thin by design: the engine (client, listener, simulator, checks, report) works without
pytest; this module wires it in. Nothing starts at import or at configure time: the
listener and the simulator start when a test first asks for the ``eprom`` fixture.
Settings live in ``config.stash``.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from eprom_verify import checklist
from eprom_verify._exceptions import AttestationMissing, EpromVerifyError, PrerequisiteMissing
from eprom_verify.config.settings import SETTINGS_OPTIONS, RunSettings, Secret, new_simulator_key
from eprom_verify.pytest.ordering import RunLedgerLast
from eprom_verify.pytest.outcomes import needs_attestation, not_run
from eprom_verify.pytest.results import checkpoint_ids_of, result_of
from eprom_verify.pytest.stash import (
    HARNESS_KEY,
    RECORDER_KEY,
    SETTINGS_KEY,
    harness_of,
    recorder_of,
)
from eprom_verify.pytest.terminal import TerminalStream

if TYPE_CHECKING:
    from eprom_verify.run.harness import Harness

__all__: list[str] = []


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("eprom-verify", "ePROM integration verification")
    for opt in SETTINGS_OPTIONS:
        group.addoption(
            "--eprom-" + opt.flag[2:],
            dest=f"eprom_{opt.dest}",
            default=None,
            help=f"{opt.help} [env {opt.env}]",
        )
    group.addoption(
        "--eprom-report-dir",
        dest="eprom_report_dir",
        default=None,
        help="write evidence and the Hemit report into this folder",
    )
    group.addoption("--eprom-show-national-ids", dest="eprom_show_ids", action="store_true",
                    help="do not mask national IDs in the report")  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "checkpoint(*ids): the checklist ids (V1.1 … S2, P1, L1, R1, …) this test proves",
    )
    config.addinivalue_line("markers", "receiver: a receiver-conformance check (check-receiver)")
    config.addinivalue_line("markers", "embedded_only: runs only against the embedded simulator")
    config.addinivalue_line(
        "markers",
        "run_ledger: judged over the whole run after every other test; kept when -k selects others",
    )
    if not config.pluginmanager.has_plugin(RunLedgerLast.name):
        config.pluginmanager.register(RunLedgerLast(), RunLedgerLast.name)


def _settings(config: pytest.Config) -> RunSettings:
    if SETTINGS_KEY not in config.stash:
        given = {opt.dest: config.getoption(f"eprom_{opt.dest}") for opt in SETTINGS_OPTIONS}
        try:
            settings = RunSettings.resolve(given)
        except EpromVerifyError as exc:
            raise pytest.UsageError(str(exc)) from None
        if settings.embedded and not settings.api_key:
            settings = dataclasses.replace(settings, api_key=Secret(new_simulator_key()))
        config.stash[SETTINGS_KEY] = settings
    return config.stash[SETTINGS_KEY]


# --- collection -------------------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    known = set(checklist.checkpoint_ids())
    # the labels need allure-pytest's hooks; a run loads it only with --allure on
    allure = any(
        config.pluginmanager.has_plugin(n) for n in ("allure_pytest", "allure_pytest.plugin")
    )
    for item in items:
        for mark in item.iter_markers("checkpoint"):
            unknown = [i for i in mark.args if i not in known]
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown checkpoint id(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
        if allure:
            _add_allure_labels(item)
    if any(_is_suite_item(i) for i in items):
        settings = _settings(config)
        reaching = [i for i in items if _is_suite_item(i) and not i.get_closest_marker("receiver")]
        if reaching:
            try:
                settings.refuse_unsafe(reaches_people=True)
            except EpromVerifyError as exc:
                raise pytest.UsageError(str(exc)) from None


def _is_suite_item(item: pytest.Item) -> bool:
    return item.get_closest_marker("checkpoint") is not None


def _add_allure_labels(item: pytest.Item) -> None:
    ids = [i for m in item.iter_markers("checkpoint") for i in m.args]
    if not ids:
        return
    try:
        import allure as _allure
    except ImportError:  # pragma: no cover - allure-pytest is a dependency
        return
    allure: Any = _allure  # allure's decorators are untyped
    first = checklist.checkpoint(ids[0])
    area = next(a for a in checklist.AREAS if a.id == first.area)
    item.add_marker(allure.epic(f"{area.id} {area.title.en}"))
    for cid in ids:
        item.add_marker(allure.story(cid))
    item.add_marker(allure.severity(allure.severity_level(first.severity)))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from eprom_verify.pytest.cases import PARAMETRIZERS

    for name, make in PARAMETRIZERS.items():
        if name in metafunc.fixturenames:
            settings = _settings(metafunc.config)
            cases = make(settings)
            if not cases:
                metafunc.parametrize(name, [pytest.param(None, id="no-case")])
                continue
            metafunc.parametrize(
                name, cases, ids=[str(getattr(c, "id", c)) for c in cases], scope="function"
            )


# --- fixtures ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def eprom_settings(pytestconfig: pytest.Config) -> RunSettings:
    """The resolved settings of this run (options > EPROM_* variables > defaults)."""
    return _settings(pytestconfig)


@pytest.fixture(scope="session")
def eprom(
    pytestconfig: pytest.Config, eprom_settings: RunSettings, request: pytest.FixtureRequest
) -> Iterator[Harness]:
    """The harness: client, callback listener and (by default) the embedded simulator."""
    from eprom_verify.run.session import open_harness

    recorder = recorder_of(pytestconfig)
    stream = TerminalStream(pytestconfig)
    with open_harness(eprom_settings, recorder=recorder, stream=stream) as harness:
        pytestconfig.stash[HARNESS_KEY] = harness
        pictures_browser(takes=harness.simulator is not None and
                         takes_portal_pictures(request.session.items))  # fmt: skip
        yield harness
        capture = sys.modules.get("eprom_verify.simulator.portal_capture")
        if capture is not None:  # the pictures still being taken, before the report
            if capture.finish_pictures(harness):
                pytestconfig.stash[_PICTURES_LOST] = True


#: a portal picture was asked for and not taken (portal_capture.finish_pictures)
_PICTURES_LOST = pytest.StashKey[bool]()


def pictures_browser(*, takes: bool) -> None:
    """Chromium for the portal pictures, once the selected tests are known.

    ``takes``: it is started (in the background, on the other core) unless ``eprom-verify
    run`` started it already, before collection (``report.pdf.start_browser_early``).
    Otherwise one started early is ended, in the background: no test will use it.
    """
    if takes:
        from eprom_verify.report.pdf import warm_shared_browser

        warm_shared_browser()  # the shared browser, if it was started early
        return
    pdf = sys.modules.get("eprom_verify.report.pdf")
    if pdf is not None and pdf.shared_browser_open():
        import threading

        threading.Thread(
            target=pdf.close_shared_browser, name="eprom-chromium-close", daemon=True
        ).start()


def takes_portal_pictures(items: list[pytest.Item]) -> bool:
    """A selected test's module uses ``picture_of_portal``, and the pictures are not off."""
    from eprom_verify.report.pdf import PICTURES_OFF_ENV

    if os.environ.get(PICTURES_OFF_ENV) == "0":
        return False
    return any(
        getattr(getattr(item, "module", None), "picture_of_portal", None) is not None
        for item in items
    )


@pytest.fixture
def sim(eprom: Harness) -> Any:
    """The embedded simulator's control API; the test does not run elsewhere."""
    if eprom.simulator is None:
        not_run("needs the embedded simulator")
    return eprom.simulator.control


@pytest.fixture(scope="session")
def receiver_target(eprom_settings: RunSettings) -> Any:
    """The ordering system's callback service under test (check-receiver)."""
    from hypothesis import settings as hypothesis_settings

    from eprom_verify.receiver import ReceiverTarget
    from eprom_verify.strategies import register_profiles

    # installed from a wheel there is no conftest.py of ours: derandomized in CI, deep locally
    register_profiles()
    hypothesis_settings.load_profile(
        os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "deep")
    )

    if not eprom_settings.receiver_url:
        raise pytest.UsageError(
            "check-receiver needs the callback service's URL: --base-url URL (or EPROM_RECEIVER_URL)"
        )
    if not eprom_settings.api_key:
        raise pytest.UsageError(
            "check-receiver needs the API key your service expects: set EPROM_API_KEY"
        )
    limit = eprom_settings.receiver_time_limit_s
    kwargs: dict[str, Any] = {"timeout_s": max(limit, 10.0), "deadline_s": limit}
    if eprom_settings.max_examples is not None:
        kwargs["max_examples"] = eprom_settings.max_examples
    return ReceiverTarget(eprom_settings.receiver_url, eprom_settings.api_key.reveal(), **kwargs)


# --- report hooks -----------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    config = session.config
    report_dir = config.getoption("eprom_report_dir")
    if not report_dir:
        return
    from eprom_verify.run.session import make_recorder

    settings = _settings(config)
    config.stash[RECORDER_KEY] = make_recorder(
        Path(report_dir),
        settings,
        show_national_ids=bool(config.getoption("eprom_show_ids")),
        command=" ".join(["eprom-verify", *sys.argv[1:]])
        if "EPROM_COMMAND" not in os.environ
        else os.environ["EPROM_COMMAND"],
    )


def pytest_runtest_setup(item: pytest.Item) -> None:
    harness = harness_of(item.config)
    if harness is not None:
        harness.begin_test(item.nodeid, tuple(checkpoint_ids_of(item)), _case_of(item))


def _case_of(item: pytest.Item) -> str | None:
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return None
    ids = [str(getattr(v, "id", v)) for v in callspec.params.values()]
    return ",".join(ids) or None


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Any:
    """The engine's own 'cannot decide' exceptions become the typed outcomes."""
    try:
        return (yield)
    except AttestationMissing as exc:
        needs_attestation(exc.question)
    except PrerequisiteMissing as exc:
        not_run(exc.reason)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    recorder = recorder_of(item.config)
    if recorder is None or not _is_suite_item(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        recorder.add_result(result_of(item, call, report, harness_of(item.config)))
    return report


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    pdf = sys.modules.get("eprom_verify.report.pdf")
    closing = None
    if pdf is not None:  # the pictures' browser ends (Chromium exits) while the report is written
        import threading

        closing = threading.Thread(target=pdf.close_shared_browser, name="eprom-chromium-close")
        closing.start()
    try:
        recorder = recorder_of(session.config)
        if recorder is None:
            return
        if session.config.stash.get(_PICTURES_LOST, False) and exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED  # an error row says why
        interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
        session.config.stash[RECORDER_KEY] = None
        recorder.finish(interrupted=interrupted)
    finally:
        if closing is not None:
            closing.join()


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report_dir = config.getoption("eprom_report_dir")
    if report_dir:
        terminalreporter.write_sep("-", f"Hemit report: {Path(report_dir) / 'report.html'}")

"""The pytest plugin: options, markers, fixtures, parametrization and the report hooks.

Thin by design: the engine (client, listener, simulator, checks, report) works without
pytest; this module wires it in. Nothing starts at import or at configure time: the
listener and the simulator start when a test first asks for the ``eprom`` fixture.
Settings live in ``config.stash``.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import checklist
from ._exceptions import CheckFailure, EpromVerifyError
from .settings import OPTIONS, RunSettings, Secret

__all__ = ["HARNESS_KEY", "SETTINGS_KEY"]

SETTINGS_KEY = pytest.StashKey[RunSettings]()
HARNESS_KEY = pytest.StashKey[Any]()
RECORDER_KEY = pytest.StashKey[Any]()
NEEDS_ATTESTATION = "needs attestation"
NOT_RUN = "not run"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("eprom-verify", "ePROM integration verification")
    for opt in OPTIONS:
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


def _settings(config: pytest.Config) -> RunSettings:
    if SETTINGS_KEY not in config.stash:
        given = {opt.dest: config.getoption(f"eprom_{opt.dest}") for opt in OPTIONS}
        try:
            settings = RunSettings.resolve(given)
        except EpromVerifyError as exc:
            raise pytest.UsageError(str(exc)) from None
        if settings.embedded and not settings.api_key:
            settings = dataclasses.replace(settings, api_key=Secret(new_api_key()))
        config.stash[SETTINGS_KEY] = settings
    return config.stash[SETTINGS_KEY]


# --- collection -------------------------------------------------------------------------


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    known = set(checklist.checkpoint_ids())
    for item in items:
        for mark in item.iter_markers("checkpoint"):
            unknown = [i for i in mark.args if i not in known]
            if unknown:
                raise pytest.UsageError(
                    f"{item.nodeid}: unknown checkpoint id(s) {', '.join(unknown)}; "
                    f"known: {', '.join(sorted(known))}"
                )
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
    item.add_marker(allure.epic(f"{area.id} {area.en}"))
    for cid in ids:
        item.add_marker(allure.story(cid))
    item.add_marker(allure.severity(allure.severity_level(first.severity)))
    item.add_marker(allure.link(f"eprom-contract.md {first.contract}", name=first.contract))


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    from . import _cases

    for name, make in _cases.PARAMETRIZERS.items():
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
def eprom(pytestconfig: pytest.Config, eprom_settings: RunSettings) -> Iterator[Any]:
    """The harness: client, callback listener and (by default) the embedded simulator."""
    from ._session import open_harness

    recorder = pytestconfig.stash.get(RECORDER_KEY, None)
    stream = TerminalStream(pytestconfig)
    with open_harness(eprom_settings, recorder=recorder, stream=stream) as harness:
        pytestconfig.stash[HARNESS_KEY] = harness
        yield harness


@pytest.fixture
def sim(eprom: Any) -> Any:
    """The embedded simulator's control API; the test does not run elsewhere."""
    if eprom.simulator is None:
        pytest.skip(f"{NOT_RUN}: needs the embedded simulator")
    return eprom.simulator.control


@pytest.fixture(scope="session")
def receiver_target(eprom_settings: RunSettings) -> Any:
    """The ordering system's callback service under test (check-receiver)."""
    from .receiver import ReceiverTarget

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
    from ._session import make_recorder

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
    harness = item.config.stash.get(HARNESS_KEY, None)
    if harness is not None:
        harness.current_orders = []
        harness.current_test = item.nodeid
        harness.current_checkpoints = tuple(
            i for m in item.iter_markers("checkpoint") for i in m.args
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    recorder = item.config.stash.get(RECORDER_KEY, None)
    if recorder is None or not _is_suite_item(item):
        return report
    if report.when == "call" or (report.when == "setup" and not report.passed):
        recorder.add_result(_result(item, call, report))
    return report


def _result(item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport) -> Any:
    from .report.model import CheckResult

    ids = [i for m in item.iter_markers("checkpoint") for i in m.args]
    message = expected = received = None
    order_ids: list[str] = []
    if report.passed:
        outcome = "passed"
    elif report.skipped:
        reason = _skip_reason(report)
        outcome = "needs_attestation" if reason.startswith(NEEDS_ATTESTATION) else "not_run"
        message = reason
    else:
        outcome = "failed" if report.when == "call" else "error"
        exc = call.excinfo.value if call.excinfo is not None else None
        if isinstance(exc, CheckFailure):
            message, expected, received = exc.message, exc.expected, exc.received
            if exc.callback is not None:
                received = {"summary": exc.received, "json": exc.callback}
            if exc.order_id:
                order_ids.append(exc.order_id)
        elif exc is not None:
            message = f"{type(exc).__name__}: {exc}"
        else:
            message = str(report.longrepr)[-2000:]
    harness = item.config.stash.get(HARNESS_KEY, None)
    evidence_ids: list[str] = []
    if harness is not None:
        order_ids = list(dict.fromkeys([*order_ids, *harness.current_orders]))
        evidence_ids = harness.evidence_of_current_test()
    params = {}
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        params = {k: getattr(v, "id", str(v)) for k, v in callspec.params.items()}
    return CheckResult(
        nodeid=item.nodeid,
        name=item.name,
        checkpoint_ids=ids,
        outcome=outcome,
        duration_s=report.duration,
        message=message,
        expected=expected,
        received=received,
        evidence_ids=evidence_ids,
        order_ids=order_ids,
        params=params,
    )


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        text = str(longrepr[2])
        return text.removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    recorder = session.config.stash.get(RECORDER_KEY, None)
    if recorder is None:
        return
    harness = session.config.stash.get(HARNESS_KEY, None)
    if harness is not None and getattr(harness, "receiver_latency", None):
        recorder.set_receiver_latency(*harness.receiver_latency)
    interrupted = exitstatus in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.INTERNAL_ERROR)
    session.config.stash[RECORDER_KEY] = None
    recorder.finish(interrupted=interrupted)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    report_dir = config.getoption("eprom_report_dir")
    if report_dir:
        terminalreporter.write_sep("-", f"Hemit report: {Path(report_dir) / 'report.html'}")


class TerminalStream:
    """stderr with pytest's output capture suspended while writing or reading.

    Progress lines, the tester's instructions and the attestation questions must reach
    the person at the terminal even though pytest captures the tests' output.
    """

    def __init__(self, config: pytest.Config) -> None:
        self._capman = config.pluginmanager.getplugin("capturemanager")

    def _suspended(self) -> Any:
        import contextlib

        if self._capman is None:
            return contextlib.nullcontext()
        return self._capman.global_and_fixture_disabled()

    def write(self, text: str) -> int:
        with self._suspended():
            sys.__stderr__.write(text)  # type: ignore[union-attr]
            sys.__stderr__.flush()  # type: ignore[union-attr]
        return len(text)

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return bool(sys.__stderr__ and sys.__stderr__.isatty())

    def readline(self) -> str:
        with self._suspended():
            return sys.__stdin__.readline() if sys.__stdin__ else ""


def new_api_key() -> str:
    """A fresh key for the embedded simulator's ordering system (never a real one)."""
    return "sim-" + secrets.token_urlsafe(24)

"""``eprom-verify run`` and ``check-receiver``: validate, pre-flight, run pytest, summarize.

Everything that can be checked before pytest starts is checked here — options, files,
national IDs, the key's length, and the pre-flight (ePROM answers and accepts the key, the
receiver answers, ePROM can reach the callback address) — so a bad input gives one line
and exit 2 and leaves no half-made report folder behind. The API key goes to pytest
through the environment (``EPROM_API_KEY``), never on a command line.

Exit codes: 0 every executed check passed; 1 a check failed; 2 a usage or configuration
error, a failed pre-flight, or an interrupted run (SIGINT or SIGTERM: the report is still
written, complete and sealed, and marked interrupted).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eprom_verify._exceptions import UsageError
from eprom_verify._paths import SUITES_ENV_VAR, pytest_isolation, suites_dir
from eprom_verify.cli import interrupts
from eprom_verify.cli.exit_codes import ExitCode
from eprom_verify.config.settings import (
    OPTIONS,
    RECEIVER_OPTIONS,
    RUN_OPTIONS,
    RunSettings,
    add_options,
    check_report_dir,
    deprecated,
    resolve_options,
)

__all__ = [
    "ExitCode",
    "add_run_arguments",
    "run_check_receiver",
    "run_verification",
    "suites_dir",
]


#: For every pytest the CLI starts in-process: the CLI has already imported pytest plugins
#: (eprom_verify, anyio) so they cannot be rewritten, and a dependency's deprecation is not
#: a failed check.
PYTEST_BASE_ARGS = (
    "-p", "no:cacheprovider",
    "-W", "ignore::pytest.PytestAssertRewriteWarning",
    "-W", "default::DeprecationWarning",
)  # fmt: skip

#: the shipped suites' module of the callback-service checks (R1–R5)
RECEIVER_MODULE = "test_receiver.py"


def add_run_arguments(parser: argparse.ArgumentParser, *, receiver: bool = False) -> None:
    add_options(parser, RECEIVER_OPTIONS if receiver else RUN_OPTIONS)
    if receiver:
        deprecated(parser, "--base-url", "--receiver-url", "receiver_url")
    parser.add_argument(
        "--show-national-ids", action="store_true", help="do not mask national IDs in the report"
    )
    parser.add_argument(
        "--suites", default=None, help="the suites folder (default: the shipped suites/)"
    )
    parser.add_argument(
        "--quiet", action="store_true", help="print the totals alone, no table and no dots"
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --: arguments for pytest (-k, -x, -v, --tb=long, …)")  # fmt: skip


def _pytest_args(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for opt in OPTIONS:
        if opt.dest in names and opt.dest not in ("api_key", "report_dir", "receiver_url"):
            value = getattr(args, opt.dest, None)
            if value is not None:
                out += ["--eprom-" + opt.flag[2:], str(value)]
    return out


def _prepare(args: argparse.Namespace, names: Sequence[str], *, receiver: bool) -> RunSettings:
    given = {name: getattr(args, name, None) for name in (*names, "receiver_url")}
    settings = RunSettings.resolve(given)
    args.report_dir = resolve_options(given, ["report_dir"])["report_dir"]
    check_report_dir(Path(args.report_dir))
    if receiver:
        if not settings.receiver_url:
            raise UsageError(
                "check-receiver needs --receiver-url URL: your callback service's ApiBaseUrl"
            )
        if not settings.api_key:
            raise UsageError(
                "check-receiver needs the API key your service expects: set EPROM_API_KEY"
            )
        settings.check_api_key()
        from eprom_verify.run.preflight import check_receiver

        check_receiver(settings.receiver_url)
        return settings
    settings.refuse_unsafe(reaches_people=True)
    _check_port_free(settings.listen_host, settings.listen_port)
    from eprom_verify.config import load_environments, load_forms, load_patients

    load_environments()
    patients = load_patients(settings.patients)
    check_national_ids(patients, settings.patients)
    load_forms(settings.forms)
    if settings.simulator_faults is not None:
        from eprom_verify.run.session import load_faults

        load_faults(settings.simulator_faults)
    if settings.attest is not None:
        from eprom_verify.report.attest import load_attestations

        load_attestations(settings.attest)
    if not settings.embedded:
        settings = _preflight(settings, patients)
    return settings


def check_national_ids(patients: Any, path: Path | None) -> None:
    """Every test person's national ID: check digits right, a kind ePROM accepts."""
    from eprom_verify.config import fixtures_dir
    from eprom_verify.national_id import InvalidNationalId, NationalIdKind, mask, parse

    file = path if path is not None else fixtures_dir() / "patients.yaml"
    for index, person in enumerate(patients.patients):
        where = f"{_shown(file)}:{_line_of(file, person.national_id)}: patients[{index}]"
        try:
            parsed = parse(person.national_id)
        except InvalidNationalId as exc:
            problem = str(exc).replace(repr(person.national_id), repr(mask(person.national_id)))
            raise UsageError(f"{where}.nationalId ('{person.key}'): {problem}") from None
        if parsed.kind in (NationalIdKind.H_NUMBER, NationalIdKind.FH_NUMBER):
            raise UsageError(
                f"{where}.nationalId ('{person.key}'): {mask(person.national_id)} is an "
                f"{parsed.kind.value}; ePROM accepts fødselsnumre and D-numbers only"
            )


def _shown(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


def _line_of(file: Path, text: str) -> int | str:
    try:
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if text in line:
                return number
    except OSError:
        pass
    return "?"


def _preflight(settings: RunSettings, patients: Any) -> RunSettings:
    """A remote run: fix the listener's port, refuse a loopback callback, ask ePROM."""
    from eprom_verify.run.preflight import check_callback_address, check_eprom
    from eprom_verify.run.session import resolve_base_url

    check_callback_address(settings, remote_env=settings.base_url is None)
    if settings.listen_port == 0:
        settings = dataclasses.replace(settings, listen_port=_free_port(settings.listen_host))
        if settings.callback_public_url:
            sys.stderr.write(
                f"eprom-verify: note: no --callback-listen port given; listening on "
                f"{settings.listen_host}:{settings.listen_port} for this run — point the "
                "tunnel or proxy there, or fix the port with --callback-listen HOST:PORT\n"
            )
    base_url = resolve_base_url(settings)
    assert base_url is not None
    person = next(
        (p for p in patients.patients if settings.env in p.environments),
        patients.patients[0] if patients.patients else None,
    )
    pvk = (patients.pvk[0].id, str(patients.pvk[0].type)) if patients.pvk else None
    check_eprom(
        base_url,
        settings.api_key.reveal(),
        national_id=person.national_id if person else None,
        pvk=pvk,
    )
    return settings


def _free_port(host: str) -> int:
    """A port free now, so the ApiBaseUrl printed before the run is the listener's."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


def _check_port_free(host: str, port: int) -> None:
    """Fail before anything starts when the listener's port is taken."""
    import socket

    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UsageError(
                f"cannot listen for callbacks on {host}:{port} ({exc.strerror}) "
                "— choose another with --callback-listen HOST:PORT"
            ) from None


def _execute(
    args: argparse.Namespace, settings: RunSettings, extra: list[str], *, env_label: str
) -> int:
    from eprom_verify.pytest.launch import INTERRUPTED, USAGE_ERROR, run_pytest
    from eprom_verify.report.recorder import new_report_dir

    suites = Path(args.suites) if args.suites else suites_dir()
    if not suites.is_dir():
        raise UsageError(
            f"suites folder {suites} not found — pass --suites DIR or set EPROM_SUITES"
        )
    made_base = not Path(args.report_dir).exists()
    report_dir = new_report_dir(Path(args.report_dir), env_label)
    collected = _collected(
        suites,
        custom=bool(args.suites) or SUITES_ENV_VAR in os.environ,
        receiver=env_label == "receiver",
    )
    passthrough = [a for a in (args.pytest_args or []) if a != "--"]
    pytest_args = [
        str(collected),
        *pytest_isolation(suites),
        *extra,
        *(["--eprom-callback-listen", f"{settings.listen_host}:{settings.listen_port}"]
          if settings.listen_port else []),
        "--eprom-report-dir", str(report_dir),
        f"--junitxml={report_dir / 'junit.xml'}",
        # allure-pytest writes 1,000+ files a run: only when asked (--allure on), and inside
        # the report folder, where the recorder redacts and seals them with the rest
        *([f"--alluredir={report_dir / 'allure-results'}"] if settings.allure else []),
        *PYTEST_BASE_ARGS,
        "-p", "eprom_verify.pytest.summary",
        *_terminal_args(passthrough, quiet=bool(getattr(args, "quiet", False))),
        *(["--eprom-show-national-ids"] if args.show_national_ids else []),
        *passthrough,
    ]  # fmt: skip
    if not settings.embedded:
        url = (
            settings.callback_public_url or f"http://{settings.listen_host}:{settings.listen_port}"
        )
        sys.stderr.write(
            f"eprom-verify: ePROM must call this ApiBaseUrl (registered at Hemit for your "
            f"ordering system): {url}\n"
        )
    environ_key = settings.api_key.reveal()
    if environ_key:
        os.environ["EPROM_API_KEY"] = environ_key
    os.environ.setdefault("EPROM_COMMAND", "eprom-verify " + " ".join(_safe_argv()))
    # SIGTERM (a CI runner's cancel) ends the run as Ctrl-C does: pytest ends the session and
    # the plugin writes the report marked interrupted; a second signal is only noted.
    with interrupts.handled():
        try:
            code = run_pytest(pytest_args)
        except KeyboardInterrupt:  # before pytest's session began: no test ran
            code = INTERRUPTED
        stopped = interrupts.stopped_by()
    written = (report_dir / "report.json").exists()
    if not written and code in (USAGE_ERROR, INTERRUPTED):
        _remove_empty(report_dir, parent=made_base)  # pytest refused its args, or never began
        if stopped:
            sys.stderr.write(f"eprom-verify: stopped by {stopped} before any test ran\n")
        return ExitCode.USAGE
    if stopped:
        sys.stderr.write(
            f"eprom-verify: stopped by {stopped}: the report is written and marked "
            "interrupted (exit 2)\n"
        )
        code = INTERRUPTED
    title = f"check-receiver {settings.receiver_url}" if env_label == "receiver" else None
    _print_summary(report_dir, settings, quiet=bool(getattr(args, "quiet", False)), title=title)
    return _exit_code(code)


def _collected(suites: Path, *, custom: bool, receiver: bool) -> Path:
    """What pytest collects: the suites folder, or for ``check-receiver`` of the shipped
    suites only their receiver module.

    The other suite modules import the simulator, FastAPI and the report's helpers: ~0.5 s
    of a 3-s check for tests ``-m receiver`` deselects anyway. A folder of one's own
    (``--suites``, ``EPROM_SUITES``) is collected whole, receiver checks in any module.
    """
    module = suites / RECEIVER_MODULE
    if receiver and not custom and module.is_file():
        return module
    return suites


def _remove_empty(report_dir: Path, *, parent: bool) -> None:
    """Remove a report folder no run wrote into (and ``parent`` when we made it, if empty)."""
    import shutil

    shutil.rmtree(report_dir, ignore_errors=True)
    if parent:
        with contextlib.suppress(OSError):
            report_dir.parent.rmdir()


def _terminal_args(passthrough: Sequence[str], *, quiet: bool) -> list[str]:
    """Short failure blocks unless the person asks for pytest's own (-v, --tb, -l)."""
    wants_pytest = any(
        a in ("-v", "-vv", "-vvv", "--verbose", "-l", "--showlocals", "--full-trace")
        or a.startswith("--tb")
        for a in passthrough
    )
    if quiet:
        return ["-p", "no:terminal", "--eprom-brief"]
    if wants_pytest:
        return []
    return ["-q", "--tb=no", "-rN", "--eprom-brief"]


def _print_summary(
    report_dir: Path, settings: RunSettings, *, quiet: bool, title: str | None = None
) -> None:
    """The checkpoint table from report.json (nothing when pytest wrote none)."""
    from eprom_verify.pytest.summary import print_summary

    report = report_dir / "report.json"
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        sys.stderr.write(f"eprom-verify: no report was written in {report_dir}\n")
        return
    run = data.setdefault("run", {})
    if not run.get("faults_injected") and settings.simulator_faults is not None:
        from eprom_verify.run.session import load_faults

        faults = load_faults(settings.simulator_faults)
        run["faults_injected"] = [f.model_dump(mode="json") for f in faults]
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR") and not os.environ.get("CI")
    sys.stdout.flush()
    print_summary(
        data,
        sys.stdout,
        color=color,
        quiet=quiet,
        report_path=report_dir / "report.html",
        title=title,
    )
    sys.stdout.flush()


def _safe_argv() -> list[str]:
    argv = sys.argv[1:]
    out: list[str] = []
    hide = False
    for arg in argv:
        if hide:
            out.append("«redacted»")
            hide = False
        elif arg == "--api-key":
            out.append(arg)
            hide = True
        elif arg.startswith("--api-key="):
            out.append("--api-key=«redacted»")
        else:
            out.append(arg)
    return out


def _exit_code(code: int) -> int:
    """pytest's codes → ours: 0 all passed, 1 a check failed, 2 usage/config/interrupted."""
    if code == 0:
        return ExitCode.OK
    if code == 1:
        return ExitCode.FAILED
    if code == 5:
        sys.stderr.write("eprom-verify: no checks were selected — check the -k expression\n")
    return ExitCode.USAGE


def run_verification(args: argparse.Namespace) -> int:
    settings = _prepare(args, RUN_OPTIONS, receiver=False)
    extra = _pytest_args(args, RUN_OPTIONS) + ["-m", "not receiver"]
    label = settings.env if settings.base_url is None else "custom"
    if not settings.embedded:
        return _execute(args, settings, extra, env_label=label)
    from eprom_verify.report.pdf import start_browser_early
    from eprom_verify.simulator.child import discard_early_process, start_simulator_early

    # On the other core while this process imports and collects: the simulator's process
    # (forked first, while this process has one thread) and the pictures' Chromium.
    start_simulator_early()
    try:
        start_browser_early(args.pytest_args or ())
        return _execute(args, settings, extra, env_label=label)
    finally:
        discard_early_process()  # a run that never opened its session


def run_check_receiver(args: argparse.Namespace) -> int:
    settings = _prepare(args, RECEIVER_OPTIONS, receiver=True)
    extra = _pytest_args(args, RECEIVER_OPTIONS)
    extra += ["--eprom-receiver-url", str(settings.receiver_url), "-m", "receiver"]
    return _execute(args, settings, extra, env_label="receiver")

"""``eprom-verify run`` and ``check-receiver``: validate, pick the report folder, run pytest.

Everything that can be checked before pytest starts is checked here, so a bad option
gives one line and exit 2 and leaves no half-made report folder behind. The API key
goes to pytest through the environment (``EPROM_API_KEY``), never on a command line.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from ._exceptions import UsageError
from ._paths import pytest_isolation, suites_dir
from .settings import OPTIONS, RunSettings

__all__ = ["ExitCode", "add_run_arguments", "run_check_receiver", "run_verification", "suites_dir"]


class ExitCode:
    OK = 0
    FAILED = 1
    USAGE = 2


RUN_OPTIONS = (
    "env", "base_url", "api_key", "callback_listen", "callback_public_url", "patients",
    "forms", "callback_timeout", "duplicate_window", "fill", "fill_timeout",
    "ordering_system", "lang", "attest", "tester", "max_examples", "simulator_faults",
)  # fmt: skip
RECEIVER_OPTIONS = ("api_key", "lang", "max_examples", "receiver_time_limit", "ordering_system")


#: For every pytest the CLI starts in-process: the CLI has already imported pytest plugins
#: (eprom_verify, anyio) so they cannot be rewritten, and a dependency's deprecation is not
#: a failed check.
PYTEST_BASE_ARGS = (
    "-p", "no:cacheprovider",
    "-W", "ignore::pytest.PytestAssertRewriteWarning",
    "-W", "default::DeprecationWarning",
)  # fmt: skip


def add_run_arguments(parser: argparse.ArgumentParser, *, receiver: bool = False) -> None:
    names = RECEIVER_OPTIONS if receiver else RUN_OPTIONS
    for opt in OPTIONS:
        if opt.dest not in names:
            continue
        kwargs: dict[str, object] = {
            "dest": opt.dest,
            "default": None,
            "help": f"{opt.help} [${opt.env}]",
        }
        if opt.choices:
            kwargs["choices"] = opt.choices
        if opt.dest == "api_key":
            kwargs["help"] = f"{opt.help} [${opt.env}]; prefer the variable: a flag shows in ps"
        parser.add_argument(opt.flag, **kwargs)  # type: ignore[arg-type]
    if receiver:
        parser.add_argument(
            "--base-url",
            dest="receiver_url",
            required=False,
            default=None,
            help="the callback service's base URL (its ApiBaseUrl) [$EPROM_RECEIVER_URL]",
        )
    parser.add_argument(
        "--report-dir",
        default=os.environ.get("EPROM_REPORT_DIR", "reports"),
        help="where the report folder is made (default reports/) [$EPROM_REPORT_DIR]",
    )
    parser.add_argument(
        "--show-national-ids", action="store_true", help="do not mask national IDs in the report"
    )
    parser.add_argument(
        "--suites", default=None, help="the suites folder (default: the shipped suites/)"
    )
    parser.add_argument("pytest_args", nargs=argparse.REMAINDER,
                        help="after --: arguments for pytest (-k, -x, …)")  # fmt: skip


def _pytest_args(args: argparse.Namespace, names: Sequence[str]) -> list[str]:
    out: list[str] = []
    for opt in OPTIONS:
        if opt.dest in names and opt.dest != "api_key":
            value = getattr(args, opt.dest, None)
            if value is not None:
                out += ["--eprom-" + opt.flag[2:], str(value)]
    return out


def _prepare(args: argparse.Namespace, names: Sequence[str], *, receiver: bool) -> RunSettings:
    given = {name: getattr(args, name, None) for name in (*names, "receiver_url")}
    settings = RunSettings.resolve(given)
    if receiver:
        if not settings.receiver_url:
            raise UsageError(
                "check-receiver needs --base-url URL: your callback service's ApiBaseUrl"
            )
        if not settings.api_key:
            raise UsageError(
                "check-receiver needs the API key your service expects: set EPROM_API_KEY"
            )
        return settings
    settings.refuse_unsafe(reaches_people=True)
    _check_port_free(settings.listen_host, settings.listen_port)
    from .config import load_environments, load_forms, load_patients

    load_environments()
    load_patients(settings.patients)
    load_forms(settings.forms)
    if settings.simulator_faults is not None:
        from ._session import load_faults

        load_faults(settings.simulator_faults)
    if settings.attest is not None:
        from .report.attest import load_attestations

        load_attestations(settings.attest)
    return settings


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
    import pytest

    from .report.recorder import new_report_dir

    suites = Path(args.suites) if args.suites else suites_dir()
    if not suites.is_dir():
        raise UsageError(
            f"suites folder {suites} not found — pass --suites DIR or set EPROM_SUITES"
        )
    report_dir = new_report_dir(Path(args.report_dir), env_label)
    passthrough = [a for a in (args.pytest_args or []) if a != "--"]
    pytest_args = [
        str(suites),
        *pytest_isolation(suites),
        *extra,
        "--eprom-report-dir", str(report_dir),
        f"--junitxml={report_dir / 'junit.xml'}",
        f"--alluredir={report_dir / 'allure-results'}",
        *PYTEST_BASE_ARGS,
        "-q",
        *(["--eprom-show-national-ids"] if args.show_national_ids else []),
        *passthrough,
    ]  # fmt: skip
    if not settings.embedded:
        listen = f"http://{settings.listen_host}:{settings.listen_port or '<free port>'}"
        sys.stderr.write(
            "eprom-verify: ePROM must call this ApiBaseUrl (register it for your ordering "
            f"system): {settings.callback_public_url or listen}\n"
        )
        if settings.listen_port == 0 and not settings.callback_public_url:
            sys.stderr.write(
                "eprom-verify: note: no --callback-listen given, so the port is chosen at "
                "random; a real ePROM needs a fixed, registered address\n"
            )
    environ_key = settings.api_key.reveal()
    if environ_key:
        os.environ["EPROM_API_KEY"] = environ_key
    os.environ.setdefault("EPROM_COMMAND", "eprom-verify " + " ".join(_safe_argv()))
    code = pytest.main(pytest_args)
    sys.stderr.write(f"eprom-verify: report in {report_dir}\n")
    return _exit_code(int(code))


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
    """pytest's codes → ours: 0 all passed, 1 a check failed, 2 usage/config problem."""
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
    return _execute(args, settings, extra, env_label=label)


def run_check_receiver(args: argparse.Namespace) -> int:
    settings = _prepare(args, RECEIVER_OPTIONS, receiver=True)
    extra = _pytest_args(args, RECEIVER_OPTIONS)
    extra += ["--eprom-receiver-url", str(settings.receiver_url), "-m", "receiver"]
    return _execute(args, settings, extra, env_label="receiver")

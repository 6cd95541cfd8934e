"""The ``eprom-verify`` command line.

Subcommands: ``run`` (the verification), ``check-receiver`` (the callback service's
conformance), ``simulator`` (the local ePROM), ``report`` (re-render, print, sign, verify
or compare report folders), ``init`` (set up a repository), ``observe`` (judge the
ordering system itself), ``checklist`` (which test proves which checkpoint), ``bench``
(benchmarks).
Every command's output goes through the report's redactor (:mod:`eprom_verify.cli.output`),
and SIGINT/SIGTERM end every command the same way (:mod:`eprom_verify.cli.interrupts`, exit 2).
Every error the user can fix is one line on stderr and exit code 2: an unknown option
says which known one was probably meant, and a pytest option given without ``--`` says
where pytest options go.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from eprom_verify._exceptions import EpromVerifyError
from eprom_verify._version import __version__
from eprom_verify.cli.exit_codes import ExitCode

__all__ = ["build_parser", "main"]

#: Commands whose arguments after ``--`` go to pytest.
PYTEST_COMMANDS = ("run", "check-receiver", "observe")

#: pytest options a person is likely to try on ``run`` directly.
PYTEST_OPTIONS = frozenset(
    "-k -m -x -v -vv -q -s -l -r -p -n --lf --ff --nf --sw --co --pdb --tb --maxfail "
    "--exitfirst --last-failed --failed-first --collect-only --stepwise --durations "
    "--showlocals --full-trace --capture --log-cli-level --deselect --ignore".split()
)

DESCRIPTION = (
    "Verify an ordering system's ePROM integration (Hemit's go-live checklist) against the "
    "embedded simulator or Hemit's test/QA environment, check its callback service, and "
    "write a report for Hemit's review."
)


class _Parser(argparse.ArgumentParser):
    """One line per usage error (``--help`` shows the usage); no abbreviated options."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (all of them when None)."""
    from eprom_verify.cli import run

    def _lazy(parser: argparse.ArgumentParser, module: str) -> None:
        if command is None or parser.prog.endswith(" " + command):
            _wire(parser, module)

    parser = _Parser(prog="eprom-verify", description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"eprom-verify {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p_run = sub.add_parser(
        "run",
        help="run the verification checklist and write a report",
        description="Run Hemit's checklist (and more) against an environment.",
    )
    run.add_run_arguments(p_run)
    p_run.set_defaults(handler=run.run_verification)

    p_init = sub.add_parser(
        "init",
        help="write the config file, persons, forms and CI jobs into your repository",
        description="Set up eprom-verify in your ordering system's repository.",
    )
    _lazy(p_init, "eprom_verify.cli.init")

    p_recv = sub.add_parser(
        "check-receiver",
        help="check your callback service as ePROM would call it",
        description="PUT documented and generated callbacks to your service.",
    )
    run.add_run_arguments(p_recv, receiver=True)
    p_recv.set_defaults(handler=run.run_check_receiver)

    p_sim = sub.add_parser(
        "simulator",
        help="run the local ePROM simulator",
        description="Serve a faithful local ePROM on its own.",
    )
    _lazy(p_sim, "eprom_verify.cli.simulator")

    p_rep = sub.add_parser(
        "report",
        help="re-render, print to PDF, sign or verify a report folder; diff compares two",
        description="Work on a report folder: re-render report.html/report.md from "
        "report.json and re-seal it, print report.pdf, sign the manifest, verify the folder, "
        "or compare two folders (report diff OLD NEW).",
    )
    _lazy(p_rep, "eprom_verify.cli.report")

    p_chk = sub.add_parser(
        "checklist",
        help="list every checkpoint and the tests that prove it",
        description="Print the checklist coverage; exit 1 if a checkpoint has no test.",
    )
    _lazy(p_chk, "eprom_verify.cli.coverage")

    p_bench = sub.add_parser(
        "bench",
        help="run the benchmarks (see benchmarks/)",
        description="Measure verification time and simulator throughput.",
    )
    _lazy(p_bench, "eprom_verify.cli.bench")

    p_obs = sub.add_parser(
        "observe",
        help="verify your ordering system itself: it runs the flows, we judge the checklist",
        description="Your system performs the scenario against a local ePROM (or a recording "
        "relay toward Hemit); the checklist is judged from what it sent and answered.",
    )
    _lazy(p_obs, "eprom_verify.cli.observe")
    return parser  # fmt: skip


def _wire(parser: argparse.ArgumentParser, module: str) -> None:
    """Wire a subcommand whose module provides ``add_arguments`` and ``run``."""
    import importlib

    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        message = f"this command is not available: {exc}"

        def unavailable(_args: argparse.Namespace) -> int:
            raise EpromVerifyError(message)

        parser.set_defaults(handler=unavailable)
        return
    mod.add_arguments(parser)
    handler: Callable[[argparse.Namespace], int] = mod.run
    parser.set_defaults(handler=handler)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command: its output redacted, SIGINT and SIGTERM ending it with exit 2."""
    _without_httpx_cli()
    from eprom_verify.cli import interrupts, output

    output.protect(os.environ.get("EPROM_API_KEY"))
    with output.redacted(), interrupts.handled():
        try:
            return _main(argv)
        except KeyboardInterrupt:
            name = interrupts.stopped_by() or "SIGINT"
            sys.stderr.write(f"eprom-verify: stopped by {name}: nothing was left running\n")
            return ExitCode.INTERRUPTED


def _without_httpx_cli() -> None:
    """``import httpx`` also imports httpx's own command line, and with it click, rich and
    pygments (~0.05 CPU-s, a sixtieth of ``check-receiver``), whenever they are installed —
    uvicorn brings click, we bring rich. Our commands never run httpx's command line: marking
    its module absent (``None`` in ``sys.modules``, Python's own "not importable") makes
    httpx fall back to a stub, as it does where click is missing. Only when httpx is not
    imported yet, i.e. in the command's own process."""
    if "httpx" not in sys.modules and "httpx._main" not in sys.modules:
        sys.modules["httpx._main"] = None  # type: ignore[assignment]  # Python's "absent"


def _main(argv: Sequence[str] | None) -> int:
    from eprom_verify.cli import output

    given = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in given if not a.startswith("-")), None)
    parser = build_parser(command)
    try:
        args = _parse(parser, given, command)
    except EpromVerifyError as exc:
        sys.stderr.write(f"eprom-verify {command}: error: {exc}\n")
        return ExitCode.USAGE
    output.protect(getattr(args, "api_key", None))
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return ExitCode.USAGE
    try:
        return int(args.handler(args))
    except EpromVerifyError as exc:
        sys.stderr.write(f"eprom-verify: error: {exc}\n")
        return ExitCode.USAGE


def _parse(
    parser: argparse.ArgumentParser, given: list[str], command: str | None
) -> argparse.Namespace:
    """Parse; for run/check-receiver/observe everything after ``--`` is pytest's."""
    if command not in PYTEST_COMMANDS:
        return parser.parse_args(given)
    cut = given.index("--") if "--" in given else len(given)
    head, tail = given[:cut], given[cut + 1 :]
    args, unknown = parser.parse_known_args(head)
    stray = [a for a in getattr(args, "pytest_args", None) or [] if a != "--"]
    if unknown or stray:
        raise _unknown_argument(parser, command, [*unknown, *stray][0], given)
    args.pytest_args = tail
    return args


def _unknown_argument(
    parser: argparse.ArgumentParser, command: str | None, arg: str, given: list[str]
) -> EpromVerifyError:
    from eprom_verify._exceptions import UsageError

    flag = arg.split("=", 1)[0]
    if not arg.startswith("-"):
        return UsageError(
            f"unexpected argument {arg!r}; pytest arguments go after --, e.g. "
            f"eprom-verify {command} -- {arg}"
        )
    known = _known_options(parser, command)
    if flag in PYTEST_OPTIONS or (flag.startswith("-k") and len(flag) > 2):
        rest = given[given.index(arg) :]
        example = " ".join(rest[:2]) if flag in ("-k", "-m", "-p", "--tb") else arg
        return UsageError(
            f"{flag} is a pytest option; pytest options go after --: "
            f"eprom-verify {command} -- {example}"
        )
    close = difflib.get_close_matches(flag, known, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else f"; see eprom-verify {command} --help"
    return UsageError(f"unknown option {flag}{hint}")


def _known_options(parser: argparse.ArgumentParser, command: str | None) -> list[str]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and command in action.choices:
            sub: argparse.ArgumentParser = action.choices[command]
            return [o for a in sub._actions for o in a.option_strings if o.startswith("--")]
    return []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

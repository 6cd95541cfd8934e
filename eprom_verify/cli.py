"""The ``eprom-verify`` command line.

Subcommands: ``run`` (the verification), ``check-receiver`` (the callback service's
conformance), ``simulator`` (the local ePROM), ``report`` (re-render a report),
``checklist`` (which test proves which checkpoint), ``bench`` (benchmarks).
Every error the user can fix is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from ._exceptions import EpromVerifyError
from ._version import __version__

__all__ = ["build_parser", "main"]

DESCRIPTION = (
    "Verify an ordering system's ePROM integration (Hemit's go-live checklist) against the "
    "embedded simulator or Hemit's test/QA environment, check its callback service, and "
    "write a report for Hemit's review."
)


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported (all of them when None)."""
    from . import run

    def _lazy(parser: argparse.ArgumentParser, module: str) -> None:
        if command is None or parser.prog.endswith(" " + command):
            _wire(parser, module)

    parser = argparse.ArgumentParser(prog="eprom-verify", description=DESCRIPTION)
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
    _lazy(p_init, "eprom_verify.init")

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
    _lazy(p_sim, "eprom_verify.simulator.cli")

    p_rep = sub.add_parser(
        "report",
        help="re-render a report (HTML, Markdown, PDF)",
        description="Re-render report.html/report.md from report.json.",
    )
    _lazy(p_rep, "eprom_verify.report.cli")

    p_chk = sub.add_parser(
        "checklist",
        help="list every checkpoint and the tests that prove it",
        description="Print the checklist coverage; exit 1 if a checkpoint has no test.",
    )
    _lazy(p_chk, "eprom_verify.coverage")

    p_bench = sub.add_parser(
        "bench",
        help="run the benchmarks (see benchmarks/)",
        description="Measure verification time and simulator throughput.",
    )
    _lazy(p_bench, "eprom_verify.bench")
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
    given = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in given if not a.startswith("-")), None)
    parser = build_parser(command)
    args = parser.parse_args(given)
    if getattr(args, "handler", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except EpromVerifyError as exc:
        sys.stderr.write(f"eprom-verify: error: {exc}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("eprom-verify: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""``eprom-verify checklist``: every checkpoint, the tests that prove it, where it runs.

The tests are found by collecting the suites with pytest (nothing runs); a test proves
the checkpoints its ``checkpoint`` marker names. Exit code 1 when a checkpoint has no
test: a checklist item nobody checks is a gap a reviewer must see.
"""

from __future__ import annotations

import argparse
import io
import sys
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import checklist
from ._exceptions import UsageError

__all__ = ["Coverage", "add_arguments", "collect_coverage", "run"]


@dataclass
class Coverage:
    """checkpoint id → the test functions (file::name) that prove it."""

    tests: dict[str, list[str]] = field(default_factory=dict)

    @property
    def uncovered(self) -> list[str]:
        return [c.id for c in checklist.CHECKPOINTS if not self.tests.get(c.id)]


class _Collector:
    def __init__(self) -> None:
        self.coverage = Coverage()

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        for item in items:
            name = f"{Path(str(item.path)).name}::{getattr(item, 'originalname', item.name)}"
            for mark in item.iter_markers("checkpoint"):
                for cid in mark.args:
                    found = self.coverage.tests.setdefault(cid, [])
                    if name not in found:
                        found.append(name)


def collect_coverage(suites: Path) -> Coverage:
    """Collect ``suites`` (no test runs) and map checkpoints to tests."""
    from ._paths import pytest_isolation
    from .pytest.launch import run_pytest
    from .run import PYTEST_BASE_ARGS

    if not suites.is_dir():
        raise UsageError(f"suites folder {suites} not found — pass --suites DIR")
    collector = _Collector()
    sink = io.StringIO()
    with redirect_stdout(sink):
        code = run_pytest(
            [str(suites), *pytest_isolation(suites), "--collect-only", "-q", *PYTEST_BASE_ARGS],
            plugins=[collector],
        )
    if code not in (0, 5):
        raise UsageError(
            f"collecting {suites} failed (pytest exit {code}):\n{sink.getvalue()[-2000:]}"
        )
    return collector.coverage


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--suites", default=None, help="the suites folder (default: the shipped suites/)"
    )
    parser.add_argument("--lang", choices=("nb", "en"), default="en", help="wording language")


def run(args: argparse.Namespace) -> int:
    from .run import suites_dir

    suites = Path(args.suites) if args.suites else suites_dir()
    coverage = collect_coverage(suites)
    _print(coverage, lang=args.lang, out=sys.stdout)
    if coverage.uncovered:
        sys.stderr.write(
            f"eprom-verify: checkpoint(s) with no test: {', '.join(coverage.uncovered)}\n"
        )
        return 1
    return 0


def _print(coverage: Coverage, *, lang: str, out: Any) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="eprom-verify checklist", show_lines=False)
    for column in ("id", "checkpoint", "simulator", "test/qa", "tests"):
        table.add_column(column, overflow="fold")
    for cp in checklist.CHECKPOINTS:
        tests = coverage.tests.get(cp.id, [])
        table.add_row(
            cp.id,
            cp.title.in_language(lang),
            cp.simulator.value,
            cp.remote.value,
            "\n".join(tests) if tests else "[red]NO TEST[/red]",
        )
    Console(file=out, width=160 if not out.isatty() else None).print(table)

"""Count the processes a test session starts: ``eprom-verify run``/``observe``/``simulator``/
``check-receiver`` and the example ordering system, and the in-process observations.

Not loaded by default. To see what a selection of modules costs in full runs (issue 25)::

    PYTHONPATH=tests/run python -m pytest -n0 -p count_runs tests/run/test_allure.py

prints a table at the end: per module, how many of each were started. With pytest-xdist,
each worker loads it too and the workers' counts are added up (one file, one line each).
``EPROM_TEST_COUNT_FILE`` names the file (default: ``count_runs.jsonl`` in the session's
base temporary folder).
"""

from __future__ import annotations

import json
import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

#: the sub-commands counted, in the order they are looked for in a command line
COMMANDS = ("run", "observe", "simulator", "check-receiver")

_popen_init = subprocess.Popen.__init__
_file: Path | None = None


def kind_of(argv: list[str]) -> str | None:
    """What a command line starts, or None when it is not counted."""
    joined = " ".join(argv)
    if "eprom_verify" in joined or "eprom-verify" in joined:
        return next((word for word in COMMANDS if word in argv), None)
    if "ordering_system.py" in joined:
        return "example-system"
    return None


def _record(kind: str) -> None:
    if _file is None:
        return
    test = os.environ.get("PYTEST_CURRENT_TEST", "?").split("::")[0]
    with _file.open("a", encoding="utf-8") as out:
        out.write(json.dumps({"kind": kind, "module": test}) + "\n")


def _counting_init(self: Any, args: Any, *rest: Any, **kwargs: Any) -> None:
    argv = [str(a) for a in args] if isinstance(args, (list, tuple)) else [str(args)]
    kind = kind_of(argv)
    if kind is not None:
        _record(kind)
    _popen_init(self, args, *rest, **kwargs)


def _count_observe_in_process() -> None:
    """``eprom_verify.cli.main`` counting ``observe`` (tests/observe calls it in-process).

    Done when this module is imported (``-p``), before the conftests import ``main``."""
    import eprom_verify.cli as cli

    main = cli.main

    def counting_main(argv: list[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        if argv and argv[0] == "observe":
            _record("observe (in-process)")
        return main(argv, *rest, **kwargs)

    cli.main = counting_main  # type: ignore[assignment]


subprocess.Popen.__init__ = _counting_init  # type: ignore[method-assign]
_count_observe_in_process()


@pytest.hookimpl(trylast=True)  # after tmpdir made the session's temporary folder factory
def pytest_configure(config: pytest.Config) -> None:
    global _file
    named = os.environ.get("EPROM_TEST_COUNT_FILE")
    if named:
        _file = Path(named)
    else:
        base = config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
        root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
        _file = root / "count_runs.jsonl"
        if not os.environ.get("PYTEST_XDIST_WORKER"):
            _file.unlink(missing_ok=True)
        os.environ["EPROM_TEST_COUNT_FILE"] = str(_file)  # the workers append to it


def counts(path: Path) -> Counter[tuple[str, str]]:
    """(module, kind) → how many, from the file the session wrote."""
    found: Counter[tuple[str, str]] = Counter()
    if path.is_file():
        for line in path.read_text("utf-8").splitlines():
            entry = json.loads(line)
            found[(entry["module"], entry["kind"])] += 1
    return found


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if _file is None or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    found = counts(_file)
    terminalreporter.section("processes started (count_runs)")
    for (module, kind), n in sorted(found.items()):
        terminalreporter.write_line(f"{n:4d}  {kind:22s} {module}")
    totals = Counter[str]()
    for (_module, kind), n in found.items():
        totals[kind] += n
    terminalreporter.write_line(
        "total: " + ", ".join(f"{n} {kind}" for kind, n in sorted(totals.items()))
    )

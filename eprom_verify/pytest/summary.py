"""What a person reads at the end of a run: the checkpoint table and short failure blocks.

Two parts, one topic:

* :func:`print_summary` — the checkpoint table (id, title, status, tests passed/total, the
  first failure in one line), the totals by status, whether faults were injected, the
  report path. It takes report.json's data, so ``run``, ``check-receiver`` and ``observe``
  print the same table after pytest returns, and a script can print it from any report.
* A pytest plugin (``-p eprom_verify.pytest.summary``, which ``eprom-verify run`` loads):
  with ``--eprom-brief`` the failures are our blocks — what failed, expected, received,
  order id, evidence ids, the line of the suite — instead of pytest's tracebacks (no
  harness source, no object reprs). ``-v`` or ``--tb=…`` after ``--`` brings the full
  tracebacks back. It also explains the tests pytest reports as deselected, and holds off
  SIGINT/SIGTERM while the session finishes, so the report being written is never cut.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from eprom_verify._exceptions import CheckFailure
from eprom_verify.wording import Text

__all__ = ["FailureBlock", "failure_block", "first_failure_line", "print_summary"]

#: Failure blocks shown per checkpoint; the rest are counted (all are in report.html).
BLOCKS_PER_CHECKPOINT = 3
_CELL = 200  # characters of the first-failure cell
_STATUS_STYLE = {
    "passed": "green",
    "failed": "bold red",
    "needs_attestation": "yellow",
    "not_run": "dim",
}
_STATUS_TEXT = {
    "passed": "passed",
    "failed": "FAILED",
    "needs_attestation": "needs attestation",
    "not_run": "not run",
}


# --- the checkpoint table ---------------------------------------------------------------


def print_summary(
    report_data: Any,
    stream: Any,
    *,
    color: bool,
    quiet: bool = False,
    report_path: Path | str | None = None,
    title: str | None = None,
) -> None:
    """Print the checkpoint summary of ``report_data`` (report.json's dict or ReportData).

    ``color`` only on a terminal; ``quiet`` prints the totals alone; ``title`` names what
    ran (default: the environment).
    """
    data = _as_dict(report_data)
    rows = [r for r in data.get("rows", []) if _in_run(r, data)]
    absent = [r["id"] for r in data.get("rows", []) if not _in_run(r, data)]
    lines = _totals(data, rows, absent, report_path)
    if quiet or not rows:
        stream.write("\n".join(lines) + "\n")
        return
    from rich.console import Console
    from rich.table import Table

    env = data.get("run", {}).get("environment", "")
    table = Table(title=f"eprom-verify checkpoints ({title or env})", show_lines=False)
    table.add_column("id", no_wrap=True)
    table.add_column("checkpoint", overflow="fold", max_width=44)
    table.add_column("status", no_wrap=True)
    table.add_column("tests", no_wrap=True, justify="right")
    table.add_column("first failure", overflow="fold")
    for row in rows:
        passed, total = _test_counts(row, data)
        status = row["status"]
        table.add_row(
            row["id"],
            row.get("title", ""),
            f"[{_STATUS_STYLE.get(status, '')}]{_STATUS_TEXT.get(status, status)}[/]",
            f"{passed}/{total}",
            _escape(first_failure_line(row)),
        )
    console = Console(
        file=stream,
        width=None if color else 160,
        force_terminal=color,
        no_color=not color,
        highlight=False,
        soft_wrap=False,
    )
    console.print(table)
    for line in lines:
        console.print(_escape(line), style="bold" if line.startswith("checkpoints") else None)


def _as_dict(report_data: Any) -> dict[str, Any]:
    if hasattr(report_data, "model_dump"):
        dumped: dict[str, Any] = report_data.model_dump(mode="json")
        return dumped
    if isinstance(report_data, Mapping):
        return dict(report_data)
    raise TypeError(f"print_summary needs report.json's data, got {type(report_data).__name__}")


def _checks_of(row: Mapping[str, Any], data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [c for c in data.get("checks", []) if row["id"] in c.get("checkpoint_ids", [])]


def _in_run(row: Mapping[str, Any], data: Mapping[str, Any]) -> bool:
    """A checkpoint this run had a test or an attestation for."""
    return bool(_checks_of(row, data)) or row.get("attestation") is not None


def _test_counts(row: Mapping[str, Any], data: Mapping[str, Any]) -> tuple[int, int]:
    checks = _checks_of(row, data)
    return sum(1 for c in checks if c.get("outcome") == "passed"), len(checks)


def first_failure_line(row: Mapping[str, Any]) -> str:
    """The row's first failure in one line: order, what, expected vs received."""
    failures = row.get("failures") or []
    if not failures:
        attestation = row.get("attestation")
        if row.get("status") == "failed" and attestation:
            return (
                f"attested 'no' by {attestation.get('tester')}: {attestation.get('comment') or ''}"
            )
        return ""
    first = failures[0]
    parts = []
    message = _one_line(first.get("message") or first.get("outcome", "failed"))
    orders = [_order_id(o) for o in first.get("order_ids") or []]
    if first.get("expected") is not None or first.get("received") is not None:
        # expected vs received says most in a line; the message is in the block and report
        if orders:
            parts.append(f"{_what(orders[0])} {orders[0]}:")
        parts.append(
            f"expected {_short(first.get('expected'), 64)}, "
            f"received {_short(_summary_of(first), 64)}"
        )
    else:
        if orders and orders[0] not in message:
            parts.append(f"{_what(orders[0])} {orders[0]}:")
        parts.append(message)
    text = " ".join(parts)
    more = len(failures) - 1
    text = text if len(text) <= _CELL else text[: _CELL - 1] + "…"
    return text + (f" [+{more} more]" if more else "")


def _what(ident: str) -> str:
    """What an id the run placed names: a privacy setting (``nationalId:pvkId``) or an order."""
    return "privacy setting" if ":" in ident else "order"


def _order_id(value: Any) -> str:
    return str(value).removeprefix("order ").strip()


def _summary_of(failure: Mapping[str, Any]) -> Any:
    received = failure.get("received")
    if isinstance(received, Mapping) and "summary" in received and "json" in received:
        return received["summary"]
    return received


def _kind_line(data: Mapping[str, Any]) -> str:
    """``kind: Self-check — …``: what kind of evidence the report is (ReportKind), in English."""
    from eprom_verify.report.model import ReportKind, decide_kind

    run = data.get("run", {})
    try:
        kind = ReportKind(data["kind"])
    except (KeyError, ValueError):
        kind = decide_kind(
            mode=run.get("mode"), simulated=run.get("simulated"),
            environment=str(run.get("environment", "")),
        )  # fmt: skip
    system = run.get("ordering_system") or run.get("receiver_url") or "the ordering system"
    env = str(run.get("environment", ""))
    claim = kind.claim
    return f"kind: {claim.name.en.format(system=system)} — {claim.proves.en.format(system=system, env=env)}"


def _totals(
    data: Mapping[str, Any],
    rows: Sequence[Mapping[str, Any]],
    absent: Sequence[str],
    report_path: Path | str | None,
) -> list[str]:
    # "status: N", never "N passed": CI tools and benchmarks read pytest's "N passed … in Xs"
    counts = Counter(r["status"] for r in rows)
    order = ("passed", "failed", "needs_attestation", "not_run")
    text = ", ".join(f"{_STATUS_TEXT[s].lower()}: {counts[s]}" for s in order if counts[s])
    lines = [f"checkpoints {len(rows)} — {text}" if rows else "checkpoints: none"]
    lines.append(_kind_line(data))
    outcomes = Counter(c.get("outcome") for c in data.get("checks", []))
    tests = ", ".join(f"{o.replace('_', ' ')}: {n}" for o, n in sorted(outcomes.items()) if o)
    lines.append(f"tests {sum(outcomes.values())} — {tests or 'none'}")
    if absent:
        shown = " ".join(absent) if len(absent) <= 8 else f"{absent[0]} … {absent[-1]}"
        lines.append(f"not part of this run: {len(absent)} checkpoint(s) ({shown})")
    run = data.get("run", {})
    faults = run.get("faults_injected") or []
    if faults:
        kinds = ", ".join(sorted({str(f.get("type", "?")) for f in faults}))
        lines.append(f"faults injected by the simulator: {len(faults)} ({kinds})")
    else:
        lines.append("faults injected: none")
    if run.get("interrupted"):
        lines.append("INTERRUPTED: the report holds the tests that finished before the stop")
    if report_path is not None:
        lines.append(f"report: {report_path}")
    return lines


def _terminal_json(value: Any) -> Any:
    """The terminal's English for a :class:`Text` nested in a value, else ``str()``."""
    return value.en if isinstance(value, Text) else str(value)


def _one_line(text: str | Text) -> str:
    """One line of the terminal's English (a :class:`Text` of ours is said in English)."""
    return " ".join(Text.same(text).en.split())


def _short(value: Any, limit: int = 50) -> str:
    if isinstance(value, Mapping):
        text = ", ".join(f"{k}={_short(v, limit)}" for k, v in value.items())
    elif isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, default=_terminal_json)
    text = _one_line(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


# --- failure blocks ---------------------------------------------------------------------


@dataclass(frozen=True)
class FailureBlock:
    """One failing test, as a person reads it."""

    checkpoint_ids: tuple[str, ...]
    nodeid: str
    lines: tuple[str, ...]

    def render(self) -> str:
        head = f"{' '.join(self.checkpoint_ids) or '-'} · {self.nodeid}"
        return "\n".join([head, *("  " + line for line in self.lines)])


def failure_block(
    item: pytest.Item,
    excinfo: pytest.ExceptionInfo[BaseException],
    *,
    evidence_ids: Sequence[str] = (),
    when: str = "call",
) -> FailureBlock:
    """Our block for a failed test: message, expected, received, order, evidence, line."""
    from eprom_verify.pytest.results import checkpoint_ids_of

    exc = excinfo.value
    lines: list[str] = []
    if isinstance(exc, CheckFailure):
        lines.append(_one_line(exc.message))
        if exc.expected is not None or exc.received is not None:
            lines.append(f"expected: {_short(exc.expected, 200)}")
            lines.append(f"received: {_short(exc.received, 200)}")
        if exc.order_id:
            ident = _order_id(exc.order_id)
            lines.append(f"{_what(ident) + ':':<9} {ident}")
    else:
        prefix = "" if when == "call" else f"error in {when}: "
        lines.append(prefix + _one_line(excinfo.exconly())[:300])
    if evidence_ids:
        shown = ", ".join(evidence_ids[:4]) + (" …" if len(evidence_ids) > 4 else "")
        lines.append(f"evidence: {shown}")
    where = _suite_line(item, excinfo)
    if where:
        lines.append(f"at {where}")
    return FailureBlock(tuple(checkpoint_ids_of(item)), item.nodeid, tuple(lines))


def _suite_line(item: pytest.Item, excinfo: pytest.ExceptionInfo[BaseException]) -> str | None:
    """The last line of the test's own file in the traceback (not the harness's)."""
    path = getattr(item, "path", None)
    for entry in reversed(excinfo.traceback):
        if path is not None and Path(str(entry.path)) == path:
            return f"{path.name}:{entry.lineno + 1}"
    return None


# --- the plugin -------------------------------------------------------------------------

_BLOCKS = pytest.StashKey[list[FailureBlock]]()
_DESELECTED = pytest.StashKey[Counter[str]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("eprom-verify").addoption(
        "--eprom-brief",
        dest="eprom_brief",
        action="store_true",
        help="failures as short blocks (message, expected, received, order) instead of "
        "tracebacks; eprom-verify run sets it unless -v or --tb is given",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.stash[_BLOCKS] = []
    config.stash[_DESELECTED] = Counter()


def pytest_deselected(items: Sequence[pytest.Item]) -> None:
    for item in items:
        stash = item.config.stash.get(_DESELECTED, None)
        if stash is not None:
            stash["receiver" if item.get_closest_marker("receiver") else "other"] += 1


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if (
        item.config.getoption("eprom_brief", default=False)
        and report.failed
        and call.excinfo is not None
    ):
        evidence: list[str] = []
        from eprom_verify.pytest.stash import harness_of

        harness = harness_of(item.config)
        if harness is not None:
            evidence = harness.evidence_of_current_test()
        block = failure_block(item, call.excinfo, evidence_ids=evidence, when=report.when)
        item.config.stash[_BLOCKS].append(block)
        report.longrepr = block.render()
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Any:
    """While the report is written and sealed, a signal is noted, not obeyed."""
    if threading.current_thread() is not threading.main_thread():
        return (yield)

    def later(signum: int, _frame: Any) -> None:
        name = signal.Signals(signum).name
        sys.stderr.write(f"eprom-verify: {name} while the report is written: finishing it first\n")

    previous = {sig: signal.signal(sig, later) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return (yield)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    blocks = config.stash.get(_BLOCKS, [])
    if blocks:
        terminalreporter.write_sep("=", f"{len(blocks)} failed")
        shown: Counter[str] = Counter()
        hidden: Counter[str] = Counter()
        for block in blocks:
            key = block.checkpoint_ids[0] if block.checkpoint_ids else "-"
            if shown[key] < BLOCKS_PER_CHECKPOINT:
                shown[key] += 1
                terminalreporter.write_line(block.render() + "\n")
            else:
                hidden[key] += 1
        for key, count in sorted(hidden.items()):
            terminalreporter.write_line(
                f"{key}: {count} more failing test(s) of this checkpoint — all are in the report"
            )
    deselected = config.stash.get(_DESELECTED, Counter())
    receiver_run = (config.getoption("markexpr", default="") or "").strip() == "receiver"
    by_mark, by_k = (
        (deselected["other"], deselected["receiver"])
        if receiver_run
        else (deselected["receiver"], deselected["other"])
    )
    if by_mark and receiver_run:
        terminalreporter.write_line(
            f"{by_mark} deselected: the ordering checks (V1.1 … PV3), which `eprom-verify run` runs"
        )
    elif by_mark:
        terminalreporter.write_line(
            f"{by_mark} deselected: the callback-service checks (R1–R5), which "
            "`eprom-verify check-receiver` runs"
        )
    if by_k:
        terminalreporter.write_line(f"{by_k} more deselected by -k/-m")

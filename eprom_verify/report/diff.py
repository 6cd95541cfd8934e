"""``eprom-verify report diff OLD NEW``: what changed between two report folders.

For the re-submission after a fix: the checkpoints whose status changed, the findings added
and resolved, and the differences in what was run against (environment, base URL, ordering
system, versions, injected faults, …). Only ``report.json`` is read, as plain JSON, so a
folder written by an older eprom-verify compares too.

A *finding* is a failed or errored check on a checkpoint. Findings are matched by the
checkpoint and the check's node id (test and case, e.g. ``suites/test_v1.py::
test_v1_order[verification-person-Basic]``) — never by an order id or another id ePROM or
the simulator made up in that run; a UUID that still appears in a node id is masked. A
finding whose check failed in both reports is unchanged, whatever its message says.

Exit codes: 0 the reports were compared (whether or not anything changed), 2 a folder or its
``report.json`` cannot be used (one line says why).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from eprom_verify._exceptions import UsageError

from .render import JSON_NAME

__all__ = ["DiffEntry", "ReportDiff", "RunChange", "StatusChange", "diff_reports", "load_json"]

_FAILED = ("failed", "error")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
#: run fields that differ between any two runs and say nothing about what was verified
_PER_RUN = frozenset({"started_at", "finished_at", "command", "run_id"})
#: a fresh key per run in the embedded simulator: its fingerprint differs every time
_PER_SIMULATOR_RUN = frozenset({"api_key_fingerprint"})
#: a loopback URL's port is a free port picked per run (the embedded simulator, the listener)
_LOOPBACK_PORT = re.compile(r"^(https?://(?:127\.0\.0\.1|localhost|\[::1\])):\d+")
#: the terminal groups a test's findings on one checkpoint beyond this many cases
_GROUP_OVER = 3


@dataclass(frozen=True)
class StatusChange:
    checkpoint: str
    title: str
    #: None when the checkpoint is not in that report
    old: str | None
    new: str | None


@dataclass(frozen=True)
class DiffEntry:
    """A failing row of one report, matched against the other (what the report showed, not
    a :class:`~eprom_verify.findings.Finding`)."""

    checkpoint: str
    #: the check's node id, with any UUID masked: the stable half of the match
    check: str
    outcome: str
    severity: str
    message: str | None


@dataclass(frozen=True)
class RunChange:
    field: str
    old: Any
    new: Any


@dataclass
class ReportDiff:
    old: str
    new: str
    statuses: list[StatusChange] = field(default_factory=list)
    added: list[DiffEntry] = field(default_factory=list)
    resolved: list[DiffEntry] = field(default_factory=list)
    run: list[RunChange] = field(default_factory=list)
    summary: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.statuses or self.added or self.resolved or self.run)

    def to_json(self) -> dict[str, Any]:
        return {
            "old": self.old,
            "new": self.new,
            "changed": not self.empty,
            "statuses": [asdict(s) for s in self.statuses],
            "findings_added": [asdict(f) for f in self.added],
            "findings_resolved": [asdict(f) for f in self.resolved],
            "run": [asdict(r) for r in self.run],
            "summary": self.summary,
        }


def load_json(folder: Path) -> dict[str, Any]:
    """``report.json`` of a folder (or the file itself) as JSON; one-line UsageError."""
    path = folder if folder.is_file() else folder / JSON_NAME
    if not folder.exists():
        raise UsageError(f"{folder}: no such report folder")
    try:
        data = json.loads(path.read_bytes())
    except FileNotFoundError:
        raise UsageError(f"{folder}: no {JSON_NAME} — not a report folder") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"{path}: not readable as JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("rows"), list):
        raise UsageError(f"{path}: not an eprom-verify report (no 'rows')")
    return data


def diff_reports(old_dir: Path, new_dir: Path) -> ReportDiff:
    old, new = load_json(old_dir), load_json(new_dir)
    result = ReportDiff(str(old_dir), str(new_dir))
    result.statuses = _statuses(old, new)
    old_findings, new_findings = _findings(old), _findings(new)
    result.added = [f for key, f in new_findings.items() if key not in old_findings]
    result.resolved = [f for key, f in old_findings.items() if key not in new_findings]
    result.run = _run_changes(old, new)
    result.summary = {
        "old": _counts(old),
        "new": _counts(new),
    }
    return result


def _statuses(old: dict[str, Any], new: dict[str, Any]) -> list[StatusChange]:
    before = {r["id"]: r for r in old["rows"] if isinstance(r, dict) and "id" in r}
    after = {r["id"]: r for r in new["rows"] if isinstance(r, dict) and "id" in r}
    changes = []
    for cid in [*after, *(c for c in before if c not in after)]:
        was, now = before.get(cid, {}).get("status"), after.get(cid, {}).get("status")
        if was != now:
            title = after.get(cid, before.get(cid, {})).get("title", "")
            changes.append(StatusChange(cid, str(title), was, now))
    return changes


def _findings(data: dict[str, Any]) -> dict[tuple[str, str], DiffEntry]:
    found: dict[tuple[str, str], DiffEntry] = {}
    for check in data.get("checks") or []:
        if not isinstance(check, dict) or check.get("outcome") not in _FAILED:
            continue
        nodeid = _UUID.sub("<id>", str(check.get("nodeid", "")))
        messages = check.get("messages") or {}
        message = messages.get("en") or check.get("message")
        for cid in check.get("checkpoint_ids") or ["–"]:
            found.setdefault(
                (cid, nodeid),
                DiffEntry(
                    checkpoint=cid,
                    check=nodeid,
                    outcome=str(check["outcome"]),
                    severity=str(check.get("severity", "failure")),
                    message=message,
                ),
            )
    return found


def _run_changes(old: dict[str, Any], new: dict[str, Any]) -> list[RunChange]:
    changes = []
    for name in ("schema_version", "kind"):
        if old.get(name) != new.get(name):
            changes.append(RunChange(name, old.get(name), new.get(name)))
    before, after = old.get("run") or {}, new.get("run") or {}
    ignored = set(_PER_RUN)
    if before.get("environment") == after.get("environment") == "simulator":
        ignored |= _PER_SIMULATOR_RUN
    for name in [*after, *(k for k in before if k not in after)]:
        if name in ignored:
            continue
        if _same(before.get(name)) != _same(after.get(name)):
            changes.append(RunChange(f"run.{name}", before.get(name), after.get(name)))
    return changes


def _same(value: Any) -> Any:
    return _LOOPBACK_PORT.sub(r"\1:<port>", value) if isinstance(value, str) else value


def _counts(data: dict[str, Any]) -> dict[str, int]:
    summary = data.get("summary")
    if isinstance(summary, dict):
        return {k: int(v) for k, v in summary.items() if isinstance(v, int)}
    return {}


def print_diff(result: ReportDiff, out: TextIO) -> None:
    """The comparison as rich tables (plain text when ``out`` is not a terminal)."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(file=out, width=None if out.isatty() else 160, highlight=False)
    console.print(Text.assemble(("old ", "bold"), result.old, ("\nnew ", "bold"), result.new))
    if result.empty:
        console.print("No differences: the same statuses, findings and run settings.")
        return
    if result.statuses:
        table = Table(title="Checkpoints whose status changed", title_justify="left")
        for column in ("checkpoint", "old", "new", "title"):
            table.add_column(column)
        for s in result.statuses:
            table.add_row(
                *map(Text, (s.checkpoint, s.old or "(absent)", s.new or "(absent)", s.title))
            )
        console.print(table)
    for title, findings in (
        ("Findings added", result.added),
        ("Findings resolved", result.resolved),
    ):
        if not findings:
            continue
        table = Table(title=title, title_justify="left")
        for column in ("checkpoint", "check", "outcome", "message"):
            table.add_column(column, overflow="fold")
        for checkpoint, check, outcome, message in _grouped(findings):
            table.add_row(Text(checkpoint), Text(check), Text(outcome), Text(message))
        console.print(table)
    if result.run:
        table = Table(title="What was run against", title_justify="left")
        for column in ("field", "old", "new"):
            table.add_column(column, overflow="fold")
        for r in result.run:
            table.add_row(Text(r.field), Text(_show(r.old)), Text(_show(r.new)))
        console.print(table)
    if result.summary.get("old") != result.summary.get("new"):
        keys = ("passed", "failed", "needs_attestation", "not_run")
        old, new = result.summary.get("old", {}), result.summary.get("new", {})
        console.print(
            "summary: " + " · ".join(f"{k} {old.get(k, 0)} → {new.get(k, 0)}" for k in keys)
        )


def _grouped(findings: list[DiffEntry]) -> list[tuple[str, str, str, str]]:
    """Table rows: one per finding, or one per test and checkpoint with many cases."""
    groups: dict[tuple[str, str], list[DiffEntry]] = {}
    for f in findings:
        test, _, _ = f.check.partition("[")
        groups.setdefault((f.checkpoint, test), []).append(f)
    rows = []
    for (checkpoint, test), members in groups.items():
        if len(members) <= _GROUP_OVER:
            rows += [(f.checkpoint, f.check, _outcome(f), _first_line(f.message)) for f in members]
            continue
        cases = [f.check.partition("[")[2].rstrip("]") for f in members]
        shown = ", ".join(cases[:_GROUP_OVER])
        check = f"{test} — {len(members)} cases: {shown}, …"
        outcomes = ", ".join(sorted({_outcome(f) for f in members}))
        messages = list(dict.fromkeys(_first_line(f.message) for f in members))
        rows.append((checkpoint, check, outcomes, f"{messages[0]} (first of {len(members)})"))
    return rows


def _outcome(f: DiffEntry) -> str:
    return f.outcome if f.severity == "failure" else f"{f.outcome} ({f.severity})"


def _first_line(text: str | None, limit: int = 200) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _show(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)

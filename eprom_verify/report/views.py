"""What the report shows, computed from :class:`ReportData`: the verdict, one summary line and
one table of what was compared per checkpoint, the evidence appendix, the grouped timelines.

Presentation data only, no HTML: the templates lay these out. Every value comes from
``report.json``; what a check compared is read from ``CheckResult.facts`` first and, where a
check recorded none, from the order timelines the check's ``order_ids`` point at. A missing
key shows as "–", never as an error.

One topic, the presentation data of the report, so it is long.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eprom_verify.checklist import CHECKPOINTS, Checkpoint, ReportSection
from eprom_verify.report.i18n import strings
from eprom_verify.report.model import (
    CheckpointRow,
    CheckResult,
    Evidence,
    OrderTimeline,
    ReportData,
    RunInfo,
)
from eprom_verify.wording import counted

__all__ = [
    "Cell",
    "CheckpointGroup",
    "EvidenceRow",
    "OrderGroup",
    "Exchange",
    "Failure",
    "Section",
    "Step",
    "Verdict",
    "canonical_exchanges",
    "display_path",
    "env_label",
    "evidence_rows",
    "failures_first",
    "kind_name",
    "kind_proves",
    "reproduce_command",
    "section_for",
    "status_cell",
    "timeline_groups",
    "value_text",
    "verdict",
]

_FAILED = ("failed", "error")
_ORDER_RANK = {"sent": 0, "answered": 1}
_CP_ORDER = {cp.id: n for n, cp in enumerate(CHECKPOINTS)}
_MAX_CELL = 400


def value_text(value: Any) -> str:
    """A fact as one short line: scalars as they are, the rest as compact JSON."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        text = str(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)
    return text if len(text) <= _MAX_CELL else text[:_MAX_CELL] + "…"


@dataclass(frozen=True)
class Cell:
    text: str
    bad: bool = False
    #: an order id cell: ``text`` is its first 8 characters, ``order`` the whole id
    order: str | None = None


def order_cell(order_id: str) -> Cell:
    return Cell(order_id[:8], order=order_id)


@dataclass(frozen=True)
class Verdict:
    """The headline: a key into the UI strings, its numbers, and how it should look."""

    key: str
    numbers: Mapping[str, int]
    tone: str  # "pass", "fail", "attention"
    #: the kind of report, named in the sentence of every kind but go-live
    kind: str = ""

    def sentence(self, t: Mapping[str, str]) -> str:
        return counted(t[self.key], kind=self.kind, **self.numbers)


def verdict(data: ReportData, lang: str | None = None) -> Verdict:
    """The headline; only a go-live verification may say Hemit's points passed."""
    lang = lang or data.run.lang
    t = strings(lang)
    rows = data.rows
    failed = sum(r.status == "failed" for r in rows)
    ran = sum(r.status != "not_run" for r in rows)
    numbers = {
        "failed": failed,
        "ran": ran,
        "passed": sum(r.status == "passed" for r in rows),
        "attest": sum(r.status == "needs_attestation" for r in rows),
        "hemit_failed": sum(r.status == "failed" for r in rows if r.hemit),
        "hemit": sum(r.hemit for r in rows),
        "hemit_passed": sum(r.status == "passed" for r in rows if r.hemit),
        "hemit_ran": sum(r.status != "not_run" for r in rows if r.hemit),
    }
    name = kind_name(data, lang, t)
    if data.run.faults_injected:
        if failed:
            return Verdict("verdict_faults_caught", numbers, "attention", name)
        return Verdict("verdict_faults_missed", numbers, "fail", name)
    if data.run.interrupted:
        return Verdict("verdict_interrupted", numbers, "fail", name)
    if not ran:
        return Verdict("verdict_nothing", numbers, "attention", name)
    tone = "fail" if failed else "attention" if numbers["attest"] else "pass"
    if not data.report_kind.verifies:
        key = "verdict_would" if numbers["hemit_ran"] else "verdict_would_other"
        return Verdict(key, numbers, tone, name)
    if failed:
        return Verdict("verdict_failed", numbers, tone, name)
    if numbers["hemit_passed"] == numbers["hemit"]:  # each manual one attested by a person
        return Verdict("verdict_verified", numbers, "pass" if not numbers["attest"] else tone, name)
    if numbers["attest"]:
        return Verdict("verdict_attest", numbers, tone, name)
    return Verdict("verdict_passed", numbers, tone, name)


# -- per checkpoint: the one-line summary and the table of what was compared ----------------


@dataclass
class Section:
    """What one checkpoint asserted: a summary line and a table a person reads."""

    kind: str  # channels, orders, signed, priority, receiver, simulator, facts, none
    summary: str
    #: the column heads; for ``channels`` the rules, after the person column
    columns: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    #: receiver rows: (check name, the payload that failed), as it was sent
    payloads: list[tuple[str, Any]] = field(default_factory=list)
    latency: list[list[str]] = field(default_factory=list)
    note: str | None = None

    @property
    def bad(self) -> bool:
        """Some cell shows a mismatch (the table is shown open)."""
        return any(cell.bad for row in self.rows for cell in row)


def section_for(row: CheckpointRow, data: ReportData, t: Mapping[str, str]) -> Section:
    """The section the checklist names for the row's checkpoint (``Checkpoint.section``)."""
    checks = [c for c in data.checks if row.id in c.checkpoint_ids]
    timelines = {tl.order_id: tl for tl in data.timelines}
    if not checks:
        return Section("none", t["sum_not_run"])
    cp = _CHECKPOINTS.get(row.id)  # a row of an older checklist: the generic table
    kind = cp.section if cp is not None else ReportSection.FACTS
    section = _RENDERERS[kind](checks, data, timelines, t)
    if cp is not None and cp.simulator_proves and data.run.environment == "simulator":
        section.note = t["simulator_proof_note"]
        if section.kind == "facts":
            section.kind = "simulator"
            if not _failed(checks):
                section.summary = counted(t["sum_simulator"], n=len(checks))
    if row.warnings:
        section.summary += " · " + counted(t["sum_warnings"], n=len(row.warnings))
    if row.status == "needs_attestation":
        section.summary += " · " + t["sum_needs_attestation"]
    return section


def _failed(checks: Iterable[CheckResult]) -> int:
    return sum(c.outcome in _FAILED and c.severity == "failure" for c in checks)


def _channels(
    checks: Sequence[CheckResult], timelines: Mapping[str, OrderTimeline], t: Mapping[str, str]
) -> Section:
    """V1.3: person × rule → expected and received channel."""
    entries: list[tuple[str, str, str, str]] = []
    for check in checks:
        f = check.facts
        if "expected_channel" in f or "received_channel" in f:
            entries.append(
                (
                    value_text(f.get("person")),
                    value_text(f.get("rule")),
                    value_text(f.get("expected_channel")),
                    value_text(f.get("received_channel")),
                )
            )
            continue
        for order_id in check.order_ids:
            tl = timelines.get(order_id)
            if tl is not None and (tl.expected_channel or tl.channel):
                entries.append(
                    (
                        value_text(tl.person or tl.patient),
                        value_text(tl.rule),
                        value_text(tl.expected_channel),
                        value_text(tl.channel),
                    )
                )
    if not entries:
        return _facts(checks, t)
    persons = list(dict.fromkeys(e[0] for e in entries))
    rules = list(dict.fromkeys(e[1] for e in entries))
    cells: dict[tuple[str, str], list[Cell]] = {}
    for person, rule, expected, received in entries:
        ok = expected == received
        text = received if ok else f"{received} ≠ {expected}"
        cells.setdefault((person, rule), []).append(Cell(text, bad=not ok))
    rows = [
        [Cell(person)]
        + [
            Cell(" / ".join(c.text for c in found), bad=any(c.bad for c in found))
            if (found := cells.get((person, rule)))
            else Cell("–")
            for rule in rules
        ]
        for person in persons
    ]
    bad = sum(e[2] != e[3] for e in entries)
    key = "sum_channels_bad" if bad else "sum_channels"
    summary = counted(t[key], persons=len(persons), rules=len(rules), bad=bad, n=len(entries))
    return Section("channels", summary, [t["col_person"], *rules], rows)


def _callbacks_text(value: Any, t: Mapping[str, str]) -> str:
    """``status 1 · svar 1``: callbacks counted per kind, the kinds in the report's language."""
    if isinstance(value, Mapping):
        return " · ".join(f"{t.get('cbk_' + str(k), k)} {v}" for k, v in value.items()) or "0"
    return value_text(value)


def _callback_total(value: Any) -> int:
    if isinstance(value, Mapping):
        return sum(v for v in value.values() if isinstance(v, int))
    return value if isinstance(value, int) else 0


def _orders(
    checks: Sequence[CheckResult],
    timelines: Mapping[str, OrderTimeline],
    t: Mapping[str, str],
    *,
    letters: bool = False,
) -> Section:
    """V1.x/V3.x/P1/L1: per order its status, callbacks counted, time waited, duplicates.

    Status and callbacks are the order timeline's, which ``derive.py`` computed from the
    evidence the row links; a check's own facts fill in only what the timeline lacks.
    """
    rows: list[list[Cell]] = []
    duplicates = 0
    expected_errors = 0
    seen: set[str] = set()
    for check in checks:
        failed = check.outcome in _FAILED
        orders = [str(check.facts["order_id"])] if "order_id" in check.facts else check.order_ids
        for order_id in orders:
            if order_id in seen:
                continue
            seen.add(order_id)
            tl = timelines.get(order_id)
            facts = {**check.facts, **_timeline_facts(tl)}
            dups = facts.get("duplicates")
            duplicates += dups if isinstance(dups, int) else 0
            waited = facts.get("waited_s")
            status = status_cell(tl, t)
            expected_errors += status.text.startswith("Error") and not status.bad
            rows.append(
                [
                    order_cell(order_id),
                    Cell(value_text(facts.get("case") or facts.get("person"))),
                    status,
                    Cell(_callbacks_text(facts.get("callbacks", {}), t)),
                    Cell(f"{waited:.2f} s" if isinstance(waited, int | float) else "–"),
                    Cell(value_text(dups), bad=isinstance(dups, int) and dups > 0),
                    Cell(t["outcome_" + check.outcome], bad=failed),
                ]
            )
    columns = [
        t["col_order"],
        t["col_case"],
        t["col_order_status"],
        t["col_callbacks"],
        t["col_waited"],
        t["col_duplicates"],
        t["col_result"],
    ]
    if not rows:
        return _facts(checks, t)
    key = "sum_letters" if letters else "sum_orders"
    summary = counted(t[key], n=len(rows), errors=_failed(checks), dups=duplicates)
    if expected_errors:
        summary += " · " + counted(t["sum_expected_errors"], n=expected_errors)
    return Section("orders", summary, columns, rows)


def status_cell(tl: OrderTimeline | None, t: Mapping[str, str]) -> Cell:
    """An order's status as its evidence shows it; ``Error`` says whether it was predicted.

    A form order to a person the rule gives no channel ends in ``Error`` by design (the
    run predicted it: ``expected_status``); any other ``Error``, or none where one was
    predicted, is marked.
    """
    if tl is None or tl.status is None:
        return Cell("–")
    if tl.expected_status is None or tl.kind != "form_order":
        return Cell(tl.status)
    if tl.status == "Error" and tl.expected_status == "Error":
        return Cell(f"Error ({t['status_error_expected']})")
    if (tl.status == "Error") != (tl.expected_status == "Error"):
        return Cell(f"{tl.status} ≠ {tl.expected_status}", bad=True)
    return Cell(tl.status)


def _timeline_facts(tl: OrderTimeline | None) -> dict[str, Any]:
    """What the order timeline knows; keys it has no value for are left out."""
    if tl is None:
        return {}
    known = {
        "case": tl.case,
        "person": tl.person or tl.patient,
        "status": tl.status,
        "callbacks": dict(tl.callbacks),
        "duplicates": tl.duplicates,
        "waited_s": tl.waited_s,
    }
    return {k: v for k, v in known.items() if v is not None}


def _signed(checks: Sequence[CheckResult], t: Mapping[str, str]) -> Section:
    """S2: the signed document as downloaded."""
    rows = [
        [
            Cell(value_text(c.facts.get("signed_form_id"))),
            Cell(_size(c.facts.get("size"))),
            Cell(value_text(c.facts.get("sha256"))),
            Cell(value_text(c.facts.get("mime"))),
            Cell(t["outcome_" + c.outcome], bad=c.outcome in _FAILED),
        ]
        for c in checks
        if c.facts
    ]
    if not rows:
        return _facts(checks, t)
    first = next(c.facts for c in checks if c.facts)
    summary = counted(
        t["sum_signed"],
        n=len(rows),
        size=_size(first.get("size")),
        mime=value_text(first.get("mime")),
    )
    if _failed(checks):
        summary = counted(t["sum_tests_failed"], failed=_failed(checks), n=len(checks))
    columns = [t["col_signed_id"], t["col_size"], "SHA-256", t["col_mime"], t["col_result"]]
    return Section("signed", summary, columns, rows)


def _size(value: Any) -> str:
    return f"{value:,} B".replace(",", " ") if isinstance(value, int) else value_text(value)


def _priority(
    checks: Sequence[CheckResult], timelines: Mapping[str, OrderTimeline], t: Mapping[str, str]
) -> Section:
    """L2: the priority list given, and the channel expected and received."""
    rows: list[list[Cell]] = []
    for c in checks:
        f = c.facts
        if not f:
            continue
        priority = f.get("priority")
        shown = " → ".join(map(str, priority)) if isinstance(priority, list) else priority
        expected, received = f.get("expected_channel"), f.get("received_channel")
        rows.append(
            [
                Cell(value_text(f.get("person"))),
                Cell(value_text(shown)),
                Cell(value_text(expected)),
                Cell(value_text(received), bad=expected != received),
            ]
        )
    if not rows:
        return _orders(checks, timelines, t, letters=True)
    bad = sum(r[3].bad for r in rows)
    summary = counted(t["sum_priority_bad"] if bad else t["sum_priority"], n=len(rows), bad=bad)
    columns = [t["col_person"], t["col_priority"], t["col_expected_channel"], t["col_channel"]]
    return Section("priority", summary, columns, rows)


def _receiver(checks: Sequence[CheckResult], data: ReportData, t: Mapping[str, str]) -> Section:
    """R1–R5: the checks with their example counts, the failing payload, latency."""
    rows: list[list[Cell]] = []
    payloads: list[tuple[str, Any]] = []
    latency: list[list[str]] = []
    examples = 0
    for c in checks:
        n = c.facts.get("examples")
        examples += n if isinstance(n, int) else 0
        warned = c.severity == "warning" and c.outcome in _FAILED
        outcome = t["outcome_warning"] if warned else t["outcome_" + c.outcome]
        rows.append(
            [
                Cell(c.name),
                Cell(value_text(n)),
                Cell(outcome, bad=c.outcome in _FAILED and not warned),
            ]
        )
        if c.facts.get("failing_payload") is not None:
            payloads.append((c.name, c.facts["failing_payload"]))
        for endpoint, stats in (c.facts.get("latency") or {}).items():
            if isinstance(stats, Mapping):
                latency.append(
                    [
                        str(endpoint),
                        _ms(stats.get("p50_ms")),
                        _ms(stats.get("p95_ms")),
                        value_text(stats.get("count")),
                    ]
                )
    if not latency and data.receiver_latency is not None:
        r = data.receiver_latency
        latency.append([t["latency_all"], _ms(r.p50_ms), _ms(r.p95_ms), str(r.count)])
    failed = _failed(checks)
    summary = counted(t["sum_receiver"], n=len(checks), examples=examples, failed=failed)
    columns = [t["col_check"], t["col_examples"], t["col_result"]]
    return Section("receiver", summary, columns, rows, payloads=payloads, latency=latency)


def _ms(value: Any) -> str:
    return f"{value:.1f} ms" if isinstance(value, int | float) else "–"


def _in_language(value: Any, t: Mapping[str, str]) -> Any:
    """A fact said in both languages (``Text.by_language()``) in the report's language."""
    if isinstance(value, dict) and set(value) == {"nb", "en"}:
        return value[t["language"]]
    return value


def _facts(checks: Sequence[CheckResult], t: Mapping[str, str]) -> Section:
    """Any other checkpoint: each check with the facts it recorded, one column per key."""
    keys = list(dict.fromkeys(k for c in checks for k in c.facts))
    rows = [
        [Cell(c.name)]
        + [Cell(value_text(_in_language(c.facts.get(k), t))) for k in keys]
        + [Cell(t["outcome_" + c.outcome], bad=c.outcome in _FAILED)]
        for c in checks
        if c.facts or c.outcome in _FAILED
    ]
    failed = _failed(checks)
    passed = sum(c.outcome == "passed" for c in checks)
    if failed:
        summary = counted(t["sum_tests_failed"], failed=failed, n=len(checks))
    else:
        summary = counted(t["sum_tests"], passed=passed, n=len(checks))
    named = [t.get("fact_" + k, k) for k in keys]  # a key of a check's own stays as it is
    columns = [t["col_check"], *named, t["col_result"]] if rows else []
    return Section("facts", summary, columns, rows)


# -- the evidence appendix ------------------------------------------------------------------


@dataclass(frozen=True)
class EvidenceRow:
    evidence: Evidence
    path: str  # the URL without the base it shares with the others
    checkpoints: list[str]
    case: str | None


def display_path(url: str | None, bases: Sequence[str]) -> str:
    """``url`` without the longest of ``bases`` it starts with (the base is shown once)."""
    if not url:
        return ""
    for base in sorted((b.rstrip("/") for b in bases if b), key=len, reverse=True):
        if url.startswith(base):
            return url[len(base) :] or "/"
    return url


def url_bases(run: RunInfo) -> list[str]:
    return [b for b in (run.base_url, run.callback_url, run.receiver_url) if b]


def evidence_rows(data: ReportData) -> list[EvidenceRow]:
    """Every evidence record, tagged with the checkpoints and case it serves.

    A record without checkpoint ids of its own takes them from the order it belongs to, or
    from the checks that name it; its case likewise from the order's timeline.
    """
    by_order = _order_context(data)
    by_evidence: dict[str, list[str]] = {}
    for check in data.checks:
        for evidence_id in check.evidence_ids:
            by_evidence.setdefault(evidence_id, []).extend(check.checkpoint_ids)
    bases = url_bases(data.run)
    rows = []
    for e in data.evidence:
        order_cps, order_case = by_order.get(e.order_id or "", ([], None))
        cps = e.checkpoint_ids or order_cps or by_evidence.get(e.id, [])
        rows.append(
            EvidenceRow(
                evidence=e,
                path=display_path(e.url, bases),
                checkpoints=_sorted_cps(cps),
                case=e.case or order_case,
            )
        )
    return rows


def _sorted_cps(ids: Iterable[str]) -> list[str]:
    return sorted(set(ids), key=lambda cid: _CP_ORDER.get(cid, len(_CP_ORDER)))


def _order_context(data: ReportData) -> dict[str, tuple[list[str], str | None]]:
    """Per order: the checkpoints and case it serves, from its timeline or its checks."""
    context: dict[str, tuple[list[str], str | None]] = {}
    for check in data.checks:
        case = next(iter(check.params.values()), None)
        for order_id in check.order_ids:
            cps, known = context.get(order_id, ([], None))
            context[order_id] = ([*cps, *check.checkpoint_ids], known or case)
    for tl in data.timelines:
        cps, case = context.get(tl.order_id, ([], None))
        context[tl.order_id] = (tl.checkpoint_ids or cps, tl.case or case)
    return {k: (_sorted_cps(cps), case) for k, (cps, case) in context.items()}


# -- timelines grouped by checkpoint and case ------------------------------------------------


@dataclass
class OrderGroup:
    checkpoint: str | None
    case: str | None
    orders: list[OrderTimeline] = field(default_factory=list)


@dataclass
class CheckpointGroup:
    checkpoint: str | None
    cases: list[OrderGroup] = field(default_factory=list)


def timeline_groups(data: ReportData) -> list[CheckpointGroup]:
    """Timelines per checkpoint (checklist order), and within it per case."""
    grouped: list[CheckpointGroup] = []
    for group in _case_groups(data):
        if not grouped or grouped[-1].checkpoint != group.checkpoint:
            grouped.append(CheckpointGroup(group.checkpoint))
        grouped[-1].cases.append(group)
    return grouped


def _case_groups(data: ReportData) -> list[OrderGroup]:
    """Timelines grouped by their first checkpoint and their case, in checklist order."""
    context = _order_context(data)
    groups: dict[tuple[str | None, str | None], OrderGroup] = {}
    for tl in data.timelines:
        cps, case = context.get(tl.order_id, ([], None))
        key = (cps[0] if cps else None, case)
        ordered = tl.model_copy(update={"events": _true_order(tl)})
        groups.setdefault(key, OrderGroup(*key)).orders.append(ordered)
    return sorted(
        groups.values(),
        key=lambda g: (_CP_ORDER.get(g.checkpoint or "", len(_CP_ORDER)), g.case or ""),
    )


def _true_order(tl: OrderTimeline) -> list[Any]:
    """Events by time; at the same instant sent before answered before callbacks."""

    def rank(what: str) -> int:
        last = what.strip().split(" ")[-1]
        return _ORDER_RANK.get(last, 2)

    return sorted(tl.events, key=lambda e: (e.at, rank(e.what)))


# -- the first screen: the kind, and what failed ----------------------------------------------


def kind_name(data: ReportData, lang: str, t: Mapping[str, str]) -> str:
    """The kind of report in ``lang``, with the ordering system it is about."""
    claim = data.report_kind.claim
    return claim.name.in_language(lang).format(system=_system(data, t))


def kind_proves(data: ReportData, lang: str, t: Mapping[str, str]) -> str:
    claim = data.report_kind.claim
    return claim.proves.in_language(lang).format(system=_system(data, t), env=env_label(data, t))


def env_label(data: ReportData, t: Mapping[str, str]) -> str:
    """The environment as the report names it; a server given by ``--base-url`` by its URL."""
    run = data.run
    if run.simulated is False and run.environment == "simulator":
        return run.base_url
    return t.get("env_" + run.environment, run.environment)


def _system(data: ReportData, t: Mapping[str, str]) -> str:
    if data.run.environment == "receiver":
        return data.run.receiver_url or t["not_given"]
    return data.run.ordering_system or t["ordering_system_unnamed"]


@dataclass(frozen=True)
class Failure:
    """One failing check as the first screen shows it."""

    row: CheckpointRow
    check: CheckResult
    #: the request that caused it, as a command that sends it again
    reproduce: str | None


def failures_first(
    data: ReportData, bodies: Mapping[str, Evidence], *, per_row: int = 3
) -> list[tuple[CheckpointRow, list[Failure], int]]:
    """Per failing row: its first ``per_row`` failures and how many more there are."""
    out = []
    for row in data.rows:
        if row.status != "failed":
            continue
        shown = [Failure(row, c, reproduce_command(c, bodies)) for c in row.failures[:per_row]]
        out.append((row, shown, max(0, len(row.failures) - per_row)))
    return out


def reproduce_command(check: CheckResult, bodies: Mapping[str, Evidence]) -> str | None:
    """``curl …`` for the request the failure's evidence holds, the key as ``$EPROM_API_KEY``.

    The body is the one in the evidence: the key in it stands as ``$EPROM_API_KEY`` and
    masked national IDs must be filled in by hand.
    """
    request = next(
        (
            e
            for eid in check.evidence_ids
            if (e := bodies.get(eid)) is not None and e.kind == "request" and e.method and e.url
        ),
        None,
    )
    if request is None or request.url is None or not request.url.startswith("http"):
        return None
    lines = [
        f"curl -sS -X {request.method} '{request.url}'",
        '  -H "Authorization: Basic $EPROM_API_KEY"',
    ]
    if request.body is not None:
        text = json.dumps(request.body, ensure_ascii=False, indent=2)
        text = text.replace("«redacted»", "'\"$EPROM_API_KEY\"'")
        lines += ["  -H 'Content-Type: application/json'", f"  --data-binary '{text}'"]
    return " \\\n".join(lines)


# -- the appendix: one canonical exchange per Hemit point ------------------------------------


@dataclass(frozen=True)
class Step:
    label: str  # a key into the UI strings (step_request, step_status, …)
    evidence: Evidence
    ack: str | None = None  # the acknowledgement, when it is the callback's own status


@dataclass
class Exchange:
    row: CheckpointRow
    order_id: str | None
    steps: list[Step] = field(default_factory=list)
    #: the earlier point that shows the same order (its steps are not repeated)
    same_as: str | None = None


def canonical_exchanges(data: ReportData, bodies: Mapping[str, Evidence]) -> list[Exchange]:
    """Per Hemit point that ran: request → ePROM's answer → status callback → the system's
    acknowledgement → answer callback → acknowledgement, for one order that shows it (a
    failing one when the point failed). A point without an order shows its check's
    evidence.
    """
    by_order: dict[str, list[Evidence]] = {}
    for e in sorted(bodies.values(), key=lambda e: (e.at, e.id)):
        if e.order_id:
            by_order.setdefault(e.order_id, []).append(e)
    out = []
    shown: dict[str, str] = {}
    for row in data.rows:
        if not row.hemit or row.status == "not_run":
            continue
        checks = [c for c in data.checks if row.id in c.checkpoint_ids]
        checks.sort(key=lambda c: c.outcome not in _FAILED)
        order_id = next((o for c in checks for o in c.order_ids if o in by_order), None)
        exchange = Exchange(row, order_id)
        if order_id is not None and order_id in shown:
            exchange.same_as = shown[order_id]
        elif order_id is not None:
            shown[order_id] = row.id
            exchange.steps = _chain(by_order[order_id])
        else:
            ids = [e for c in checks for e in c.evidence_ids][:4]
            exchange.steps = [Step("step_evidence", bodies[e]) for e in ids if e in bodies]
        out.append(exchange)
    return out


def _chain(records: list[Evidence]) -> list[Step]:
    from eprom_verify.report.derive import callback_kind

    steps: list[Step] = []
    request = next((e for e in records if e.kind == "request"), None)
    if request is not None:
        steps.append(Step("step_request", request))
        answer = next(
            (e for e in records if e.kind == "response" and e.at >= request.at and e.status), None
        )
        if answer is not None:
            steps.append(Step("step_answer", answer))
    for kind, label in (("status", "step_status"), ("answer", "step_answer_callback")):
        callback = next(
            (e for e in records if e.kind == "callback" and callback_kind(e.body) == kind), None
        )
        if callback is None:
            continue
        later = [e for e in records if e.kind == "response" and e.at >= callback.at]
        reply = next((e for e in later if e.id > callback.id), None)
        if reply is not None and reply.method == "PUT":  # observe: the system's own answer
            steps += [Step(label, callback), Step("step_ack", reply)]
        else:  # run: eprom-verify's listener answered; its status is on the callback
            steps.append(Step(label, callback, ack=str(callback.status or "–")))
    return steps


_Renderer = Callable[
    [Sequence[CheckResult], ReportData, Mapping[str, OrderTimeline], Mapping[str, str]], Section
]
#: one renderer per report section kind; a checkpoint names its kind in the checklist
_RENDERERS: dict[ReportSection, _Renderer] = {
    ReportSection.CHANNELS: lambda checks, data, timelines, t: _channels(checks, timelines, t),
    ReportSection.ORDERS: lambda checks, data, timelines, t: _orders(checks, timelines, t),
    ReportSection.LETTERS: lambda checks, data, timelines, t: _orders(
        checks, timelines, t, letters=True
    ),
    ReportSection.SIGNED: lambda checks, data, timelines, t: _signed(checks, t),
    ReportSection.PRIORITY: lambda checks, data, timelines, t: _priority(checks, timelines, t),
    ReportSection.RECEIVER: lambda checks, data, timelines, t: _receiver(checks, data, t),
    ReportSection.FACTS: lambda checks, data, timelines, t: _facts(checks, t),
}
_CHECKPOINTS: dict[str, Checkpoint] = {cp.id: cp for cp in CHECKPOINTS}

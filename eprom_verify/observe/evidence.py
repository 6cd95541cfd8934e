"""What an observation puts in the report: both legs of every exchange, the findings, timelines.

Each recorded :class:`~eprom_verify.observe.front.Exchange` becomes two pieces of evidence:
the leg toward eprom-verify (what the sender sent, to which address) and the leg it was
forwarded on (where it went and what came back). Each finding becomes a ``CheckResult``
named ``observe::<step>::<check>`` with the step's evidence linked. The recorder redacts the
API key and masks national IDs on the way in.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eprom_verify.report.model import CheckResult
from eprom_verify.report.recorder import Recorder

from .front import Exchange
from .judge import Finding, Judge, api_path, callback_kind
from .session import Observation

__all__ = ["record"]


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _legs(recorder: Recorder, exchange: Exchange) -> list[str]:
    if exchange.leg == "api":
        inbound = f"system → eprom-verify: {exchange.method} {api_path(exchange)}"
        outbound = f"eprom-verify → ePROM: {exchange.method} {api_path(exchange)}"
    else:
        kind = callback_kind(exchange) or "callback"
        again = " (redelivered)" if exchange.leg == "redelivery" else ""
        inbound = f"ePROM → eprom-verify: {kind} callback{again} PUT {exchange.path}"
        outbound = f"eprom-verify → system: {kind} callback{again}, the system's answer"
    first = recorder.add_evidence(
        "request" if exchange.leg == "api" else "callback",
        title=f"#{exchange.seq} {inbound}",
        method=exchange.method,
        url=exchange.inbound_url,
        headers=exchange.request_headers,
        body=_body(exchange.request_body),
        at=exchange.at,
    )
    second = recorder.add_evidence(
        "response",
        title=f"#{exchange.seq} {outbound} ({exchange.duration_s * 1000:.0f} ms)",
        method=exchange.method,
        url=exchange.outbound_url,
        status=exchange.status,
        body=_body(exchange.response_body) if exchange.status is not None else exchange.error,
        at=exchange.at,
    )
    return [first, second]


def record(
    recorder: Recorder,
    obs: Observation,
    judge: Judge,
    findings: list[Finding],
    *,
    scenario_path: Path,
    drive: list[str] | None,
    drive_status: int | None,
) -> None:
    """Evidence, results, timelines and notes of one observation, into ``recorder``."""
    recorder.add_evidence(
        "note",
        title=f"scenario: {scenario_path.name} ({len(judge.scenario.steps)} steps)",
        body=json.loads(scenario_path.read_text(encoding="utf-8")),
    )
    if drive is not None:
        recorder.add_evidence("note", title=f"--drive {' '.join(drive)} exited with {drive_status}")
    for problem in obs.errors:
        recorder.add_evidence("note", title=f"the simulated patient could not act: {problem}")
    ids: dict[int, list[str]] = {}
    for exchange in judge.exchanges:
        ids[exchange.seq] = _legs(recorder, exchange)
    for exchange in judge.unmatched():
        recorder.add_evidence(
            "note", title=f"request #{exchange.seq} {exchange.method} {api_path(exchange)} "
                          "matches no scenario step"
        )  # fmt: skip
    for finding in findings:
        message = finding.message
        if message and finding.fix and finding.outcome == "failed":
            message = f"{message}. What to change: {finding.fix}"
        recorder.add_result(CheckResult(
            nodeid=f"observe::{finding.step_id}::{finding.check}",
            name=finding.name,
            checkpoint_ids=finding.checkpoint_ids,
            outcome=finding.outcome,
            message=message,
            expected=finding.expected,
            received=finding.received,
            evidence_ids=[e for seq in finding.exchanges for e in ids.get(seq, [])],
            order_ids=finding.order_ids,
            params={"step": finding.step_id},
        ))  # fmt: skip
    _timelines(recorder, judge, findings, ids)


def _timelines(
    recorder: Recorder, judge: Judge, findings: list[Finding], ids: dict[int, list[str]]
) -> None:
    steps = {s.id: s for s in judge.scenario.steps}
    seen: set[str] = set()
    for finding in findings:
        for order_id in finding.order_ids:
            if order_id in seen or finding.step_id not in steps:
                continue
            seen.add(order_id)
            step = steps[finding.step_id]
            kind = {"letter": "letter", "patient_initiated": "patient_initiated"}.get(
                step.kind, "form_order"
            )
            for exchange in judge.exchanges:
                if order_id in _mentions(exchange):
                    recorder.add_timeline_event(
                        order_id, f"{step.id}: {_what(exchange)}", kind=kind,  # type: ignore[arg-type]
                        patient=step.national_id or None, evidence_id=ids[exchange.seq][0],
                        at=exchange.at,
                    )  # fmt: skip


def _mentions(exchange: Exchange) -> str:
    return (exchange.request_body + exchange.response_body).decode("utf-8", "replace").lower()


def _what(exchange: Exchange) -> str:
    answer = exchange.status if exchange.status is not None else exchange.error
    if exchange.leg == "api":
        return f"{exchange.method} {api_path(exchange)} → {answer}"
    again = "redelivered " if exchange.leg == "redelivery" else ""
    return f"{again}{callback_kind(exchange)} callback → system answered {answer}"

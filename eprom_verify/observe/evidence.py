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

from eprom_verify.report.derive import ident_of
from eprom_verify.report.model import CheckResult
from eprom_verify.report.recorder import Recorder
from eprom_verify.wording import Text

from .front import Exchange
from .judge import Finding, Judge, answer_error, api_path, callback_kind, callback_words
from .session import Observation

__all__ = ["record"]

#: between a failure's message and its fix hint


def _body(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _legs(recorder: Recorder, exchange: Exchange) -> list[str]:
    if exchange.leg == "api":
        call = f"{exchange.method} {api_path(exchange)}"
        inbound = Text(en=f"system → eprom-verify: {call}",
                       nb=f"bestillersystemet → eprom-verify: {call}")  # fmt: skip
        outbound = Text.same(f"eprom-verify → ePROM: {call}")
    else:
        name, _ = callback_words(callback_kind(exchange))
        if exchange.leg == "redelivery":
            name += Text(en=" (redelivered)", nb=" (levert på nytt)")
        inbound = Text(en=f"ePROM → eprom-verify: {name.en} PUT {exchange.path}",
                       nb=f"ePROM → eprom-verify: {name.nb} PUT {exchange.path}")  # fmt: skip
        outbound = Text(en=f"eprom-verify → system: {name.en}, the system's answer",
                        nb=f"eprom-verify → bestillersystemet: {name.nb}, svaret fra "
                           "bestillersystemet")  # fmt: skip
    # the order or letter both legs are about: a callback names it, ePROM's answer gives it
    if exchange.leg == "api":
        order_id = ident_of(_body(exchange.response_body), response=True)
    else:
        order_id = ident_of(_body(exchange.request_body))
    first = recorder.add_evidence(
        "request" if exchange.leg == "api" else "callback",
        title=f"#{exchange.seq} " + inbound,
        method=exchange.method,
        url=exchange.inbound_url,
        headers=exchange.request_headers,
        body=_body(exchange.request_body),
        order_id=order_id,
        at=exchange.at,
    )
    second = recorder.add_evidence(
        "response",
        title=f"#{exchange.seq} " + outbound + f" ({exchange.duration_s * 1000:.0f} ms)",
        method=exchange.method,
        url=exchange.outbound_url,
        status=exchange.status,
        body=_body(exchange.response_body) if exchange.status is not None else exchange.error,
        order_id=order_id,
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
    steps = len(judge.scenario.steps)
    recorder.add_evidence(
        "note",
        title=Text(en=f"scenario: {scenario_path.name} ({steps} steps)",
                   nb=f"scenario: {scenario_path.name} ({steps} steg)"),
        body=json.loads(scenario_path.read_text(encoding="utf-8")),
    )  # fmt: skip
    if drive is not None:
        command = " ".join(drive)
        recorder.add_evidence(
            "note",
            title=Text(en=f"--drive {command} exited with {drive_status}",
                       nb=f"--drive {command} avsluttet med {drive_status}"),
        )  # fmt: skip
    for problem in obs.errors:
        recorder.add_evidence(
            "note",
            title=Text(en=f"the simulated patient could not act: {problem}",
                       nb=f"den simulerte pasienten fikk ikke gjort det den skulle: {problem}"),
        )  # fmt: skip
    ids: dict[int, list[str]] = {}
    for exchange in judge.exchanges:
        ids[exchange.seq] = _legs(recorder, exchange)
    for exchange in judge.unmatched():
        call = f"#{exchange.seq} {exchange.method} {api_path(exchange)}"
        recorder.add_evidence(
            "note",
            title=Text(en=f"request {call} matches no scenario step",
                       nb=f"forespørsel {call} passer ikke til noe steg i scenariet"),
        )  # fmt: skip
    for finding in findings:
        recorder.add_result(_result(finding, ids))
    _timelines(recorder, judge, findings, ids)


def _result(finding: Finding, ids: dict[int, list[str]]) -> CheckResult:
    """A finding as a report row (the one path: message with the fix, ours in both)."""
    return CheckResult.from_finding(
        finding,
        nodeid=f"observe::{finding.step_id}::{finding.check}",
        evidence_ids=[e for seq in finding.exchanges for e in ids.get(seq, [])],
        params={"step": finding.step_id or ""},
    )


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
            # the step is the order's case; its expected status marks a predicted Error
            recorder.describe_order(
                order_id, kind=kind, case=step.id,  # type: ignore[arg-type]
                expected_status=step.expect.status_callback,
            )  # fmt: skip
            for exchange in judge.exchanges:
                if order_id in _mentions(exchange):
                    recorder.add_timeline_event(
                        order_id, f"{step.id}: " + _what(exchange), kind=kind,  # type: ignore[arg-type]
                        patient=step.national_id or None, evidence_id=ids[exchange.seq][0],
                        at=exchange.at,
                    )  # fmt: skip


def _mentions(exchange: Exchange) -> str:
    return (exchange.request_body + exchange.response_body).decode("utf-8", "replace").lower()


def _what(exchange: Exchange) -> Text:
    answer = Text.same(exchange.status) if exchange.status is not None else answer_error(exchange)
    if exchange.leg == "api":
        call = f"{exchange.method} {api_path(exchange)} → "
        return call + answer
    name, _ = callback_words(callback_kind(exchange))
    if exchange.leg == "redelivery":
        return Text(en=f"redelivered {name.en} → system answered {answer.en}",
                    nb=f"{name.nb} levert på nytt → bestillersystemet svarte {answer.nb}")  # fmt: skip
    return Text(en=f"{name.en} → system answered {answer.en}",
                nb=f"{name.nb} → bestillersystemet svarte {answer.nb}")  # fmt: skip

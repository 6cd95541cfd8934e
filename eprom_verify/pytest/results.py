"""One report row (:class:`~eprom_verify.report.model.CheckResult`) per finished test."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pytest

from eprom_verify._exceptions import CheckFailure
from eprom_verify.findings import Finding, text_of
from eprom_verify.findings import Outcome as Ended
from eprom_verify.wording import Text

from .outcomes import NeedsAttestation, Outcome
from .stash import facts_of

if TYPE_CHECKING:
    from eprom_verify.harness import Harness
    from eprom_verify.report.model import CheckResult

__all__ = ["checkpoint_ids_of", "finding_of", "result_of"]


def checkpoint_ids_of(item: pytest.Item) -> list[str]:
    """The checklist ids the test proves (its ``checkpoint`` markers)."""
    return [i for m in item.iter_markers("checkpoint") for i in m.args]


def _outcome(call: pytest.CallInfo[None], report: pytest.TestReport) -> Ended:
    if report.passed:
        return "passed"
    if report.skipped:
        exc = call.excinfo.value if call.excinfo is not None else None
        return "needs_attestation" if isinstance(exc, NeedsAttestation) else "not_run"
    return "failed" if report.when == "call" else "error"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def result_of(
    item: pytest.Item,
    call: pytest.CallInfo[None],
    report: pytest.TestReport,
    harness: Harness | None,
) -> CheckResult:
    """The row for ``item``: outcome, our failure's fields, the orders and evidence read."""
    from eprom_verify.report.model import CheckResult

    finding = finding_of(item, call, report)
    evidence_ids: list[str] = []
    facts = facts_of(item)
    if harness is not None:
        facts = {**harness.current_facts, **facts}
        orders = dict.fromkeys([*finding.order_ids, *harness.current_orders])
        finding = dataclasses.replace(finding, order_ids=tuple(orders))
        evidence_ids = harness.evidence_of_current_test()
    params: dict[str, Any] = {}
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        # the id when it has one (str() of a case is a long repr, and was made for every test)
        params = {k: v.id if hasattr(v, "id") else str(v) for k, v in callspec.params.items()}
    return CheckResult.from_finding(
        finding,
        nodeid=item.nodeid,
        name=item.name,
        evidence_ids=evidence_ids,
        params=params,
        facts=facts,
    )


def finding_of(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport
) -> Finding:
    """What the test concluded, as a :class:`~eprom_verify.findings.Finding`: its outcome and,
    for our failure, message, expected and received in every language, the order and the
    callback's JSON."""
    outcome = _outcome(call, report)
    checkpoints = checkpoint_ids_of(item)
    exc = call.excinfo.value if call.excinfo is not None else None
    duration = report.duration
    if outcome in ("failed", "error") and isinstance(exc, CheckFailure):
        return Finding.from_failure(
            exc, checkpoints, outcome=outcome, rule=item.name, duration_s=duration
        )
    message: Text | str | None = None
    if outcome in ("not_run", "needs_attestation"):
        reason = _skip_reason(report)
        message = text_of(reason, exc.texts) if isinstance(exc, Outcome) else reason
    elif outcome in ("failed", "error"):
        if exc is not None:
            message = f"{type(exc).__name__}: {exc}"
        else:
            message = str(report.longrepr)[-2000:]
    return Finding(checkpoints, message, outcome=outcome, rule=item.name, duration_s=duration)

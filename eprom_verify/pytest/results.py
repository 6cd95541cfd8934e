"""One report row (:class:`~eprom_verify.report.model.CheckResult`) per finished test."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from eprom_verify._exceptions import CheckFailure

from .outcomes import NeedsAttestation, Outcome
from .stash import facts_of

if TYPE_CHECKING:
    from eprom_verify.harness import Harness
    from eprom_verify.report.model import CheckResult

__all__ = ["checkpoint_ids_of", "result_of"]


def checkpoint_ids_of(item: pytest.Item) -> list[str]:
    """The checklist ids the test proves (its ``checkpoint`` markers)."""
    return [i for m in item.iter_markers("checkpoint") for i in m.args]


def _outcome(call: pytest.CallInfo[None], report: pytest.TestReport) -> str:
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

    outcome = _outcome(call, report)
    message = expected = received = None
    messages: dict[str, str] = {}
    expected_texts: dict[str, str] = {}
    received_texts: dict[str, str] = {}
    order_ids: list[str] = []
    exc = call.excinfo.value if call.excinfo is not None else None
    if outcome in ("not_run", "needs_attestation"):
        message = _skip_reason(report)
        if isinstance(exc, Outcome):
            messages = exc.texts
    elif outcome in ("failed", "error"):
        if isinstance(exc, CheckFailure):
            message, expected, received = exc.message, exc.expected, exc.received
            messages = exc.messages
            expected_texts, received_texts = exc.expected_texts, exc.received_texts
            if exc.callback is not None:
                received = {"summary": exc.received, "json": exc.callback}
            if exc.order_id:
                order_ids.append(exc.order_id)
        elif exc is not None:
            message = f"{type(exc).__name__}: {exc}"
        else:
            message = str(report.longrepr)[-2000:]
    evidence_ids: list[str] = []
    facts = facts_of(item)
    if harness is not None:
        facts = {**harness.current_facts, **facts}
        order_ids = list(dict.fromkeys([*order_ids, *harness.current_orders]))
        evidence_ids = harness.evidence_of_current_test()
    params: dict[str, Any] = {}
    callspec = getattr(item, "callspec", None)
    if callspec is not None:
        # the id when it has one (str() of a case is a long repr, and was made for every test)
        params = {k: v.id if hasattr(v, "id") else str(v) for k, v in callspec.params.items()}
    return CheckResult(
        nodeid=item.nodeid,
        name=item.name,
        checkpoint_ids=checkpoint_ids_of(item),
        outcome=outcome,
        duration_s=report.duration,
        message=message,
        messages=messages,
        expected=expected,
        expected_texts=expected_texts,
        received=received,
        received_texts=received_texts,
        evidence_ids=evidence_ids,
        order_ids=order_ids,
        params=params,
        facts=facts,
    )

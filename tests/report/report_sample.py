"""A synthetic run fed through the Recorder: one failed row, one needing attestation, the rest
passing or not run — the data every report test reads."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from eprom_verify.redact import Redactor, fingerprint
from eprom_verify.report import (
    Attestation,
    CheckResult,
    Recorder,
    ReportData,
    RunInfo,
)

KEY = "sk-TEST-1234567890-ABCDEFGHIJ"
NID = "26670271527"
NID_MASKED = "266702*****"
ORDER = "3f2b8c1e-7d4a-4b1e-9c3d-2a1b0c9d8e7f"
T0 = datetime(2026, 11, 22, 10, 15, tzinfo=UTC)


def ticking_clock(start: datetime = T0, step_s: float = 1.5) -> Callable[[], datetime]:
    counter = itertools.count()
    return lambda: start + timedelta(seconds=step_s * next(counter))


def run_info(*, environment: str = "test", lang: str = "nb") -> RunInfo:
    return RunInfo(
        ordering_system="Kvalitetsregisteret for testing",
        environment=environment,
        base_url="https://proms.hemitdev.org/promswebapi",
        callback_url="https://tunnel.example.test/api",
        started_at=T0,
        finished_at=None,
        tool_version="0.1.0",
        api_key_fingerprint=fingerprint(KEY),
        lang=lang,  # type: ignore[arg-type]
        command=f"eprom-verify run --env {environment} --api-key {KEY}",
        hypothesis_profile="ci",
    )


@dataclass
class Sample:
    report_dir: Path
    recorder: Recorder
    data: ReportData


def record_sample(report_dir: Path, *, environment: str = "test", lang: str = "nb") -> Sample:
    """Feed a recorder the synthetic run and finish it."""
    recorder = Recorder(
        report_dir,
        run=run_info(environment=environment, lang=lang),
        redactor=Redactor(secrets=[KEY]),
        clock=ticking_clock(),
    )
    test = "suites/test_v1_ordering.py::test_form_order[basic-helsenorge]"
    sent = recorder.add_evidence(
        "request",
        title="POST formorder",
        method="POST",
        url="https://proms.hemitdev.org/promswebapi/api/v2/formorder",
        headers={"Authorization": f"Basic {KEY}", "Content-Type": "application/json"},
        body={"formId": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "nationalId": NID},
        order_id=ORDER,
        checkpoint_ids=["V1.1"],
        test=test,
    )
    answered = recorder.add_evidence(
        "response", title="200 OK", status=200, body={"id": ORDER}, order_id=ORDER, test=test
    )
    callback = recorder.add_evidence(
        "callback",
        title="PUT api/PromsFormOrder",
        method="PUT",
        url="https://tunnel.example.test/api/api/PromsFormOrder",
        body={
            "apiKey": KEY,
            "formOrderId": ORDER,
            "notificationChannel": 2,
            "formOrderStatus": "Ordered",
        },
        order_id=ORDER,
        checkpoint_ids=["V1.2", "V1.3"],
        test=test,
    )
    for what, evidence_id in (
        ("order sent", sent),
        ("order answered", answered),
        ("status callback", callback),
    ):
        recorder.add_timeline_event(ORDER, what, patient=NID, evidence_id=evidence_id)
    for cp in ("V1.1", "V1.2", "V1.4", "V3.1", "V3.2"):
        recorder.add_result(_result(cp, "passed", evidence_ids=[sent]))
    recorder.add_result(
        _result(
            "V1.3",
            "failed",
            test=test,
            evidence_ids=[callback],
            message=(
                f"order {ORDER} for {NID} went to DigitalMailbox, expected Helsenorge — "
                f"check the person's consent level. Key used: {KEY}"
            ),
            expected={"notificationChannel": "Helsenorge", "nationalId": NID},
            received={"notificationChannel": "DigitalMailbox", "apiKey": KEY},
        )
    )
    recorder.add_result(_result("V2.1", "needs_attestation", test="suites/test_v2.py::test_form"))
    recorder.add_result(_result("V2.2", "passed", test="suites/test_v2.py::test_cover_letter"))
    recorder.add_attestation(
        Attestation(
            checkpoint_id="V2.2",
            tester="Kari Nordmann",
            answer="yes",
            comment=f"cover letter fine for {NID}",
            at=T0 + timedelta(minutes=5),
            source="file",
        )
    )
    recorder.add_result(_result("L1", "skipped", test="suites/test_letters.py::test_letter"))
    recorder.set_receiver_latency(12.345, 48.91, 40)
    return Sample(report_dir, recorder, recorder.finish())


def _result(
    checkpoint_id: str,
    outcome: str,
    *,
    test: str | None = None,
    evidence_ids: list[str] | None = None,
    message: str | None = None,
    expected: object = None,
    received: object = None,
) -> CheckResult:
    nodeid = test or f"suites/test_checklist.py::test_{checkpoint_id.replace('.', '_').lower()}"
    return CheckResult(
        nodeid=nodeid,
        name=nodeid.rsplit("::", 1)[-1],
        checkpoint_ids=[checkpoint_id],
        outcome=outcome,  # type: ignore[arg-type]
        duration_s=0.123456,
        message=message,
        expected=expected,
        received=received,
        evidence_ids=evidence_ids or [],
        order_ids=[ORDER],
        params={"rule": "Basic", "patient": NID},
    )

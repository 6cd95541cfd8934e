"""The verification report for Hemit: ``report.json`` and the evidence behind it, rendered.

One :class:`Recorder` per run collects evidence, results, timelines and attestations,
redacted on the way in, and :meth:`Recorder.finish` writes the sealed report folder::

    reports/20261122T101500Z-test/
        evidence/e0001.json …   every request, response and callback, redacted
        report.json             ReportData (docs/report-schema.md)
        report.html, report.md  rendered from report.json
        MANIFEST.sha256         written last; ``sha256sum -c MANIFEST.sha256``
"""

from eprom_verify.report.attest import AttestationError, ask_attestation, load_attestations
from eprom_verify.report.manifest import MANIFEST_NAME, verify_manifest, write_manifest
from eprom_verify.report.model import (
    SCHEMA_VERSION,
    Attestation,
    CheckpointRow,
    CheckResult,
    CoverageHow,
    CoverageRow,
    Evidence,
    OrderTimeline,
    ReceiverLatency,
    ReportData,
    RunInfo,
    Summary,
    TimelineEvent,
)
from eprom_verify.report.pdf import ChromiumNotFound, find_chromium, print_pdf
from eprom_verify.report.recorder import Recorder, new_report_dir, redact_tree
from eprom_verify.report.render import (
    ReportError,
    load_report,
    render_html,
    render_markdown,
    write_renderings,
)

__all__ = [
    "MANIFEST_NAME",
    "SCHEMA_VERSION",
    "Attestation",
    "AttestationError",
    "CheckResult",
    "CheckpointRow",
    "ChromiumNotFound",
    "CoverageHow",
    "CoverageRow",
    "Evidence",
    "OrderTimeline",
    "ReceiverLatency",
    "Recorder",
    "ReportData",
    "ReportError",
    "RunInfo",
    "Summary",
    "TimelineEvent",
    "ask_attestation",
    "find_chromium",
    "load_attestations",
    "load_report",
    "new_report_dir",
    "print_pdf",
    "redact_tree",
    "render_html",
    "render_markdown",
    "verify_manifest",
    "write_manifest",
    "write_renderings",
]

"""The package's public surface, and the docs that describe it."""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

import eprom_verify.report as report
from eprom_verify.report import model

ROOT = Path(__file__).parents[2]


def test_exported_names():
    assert set(report.__all__) == {
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
    }
    for name in report.__all__:
        assert hasattr(report, name), name


def test_report_schema_doc_names_every_model_and_field():
    doc = (ROOT / "docs" / "report-schema.md").read_text()
    models = [
        obj
        for name in model.__all__
        if isinstance(obj := getattr(model, name), type) and issubclass(obj, BaseModel)
    ]
    assert len(models) == 13
    for cls in models:
        if cls is model.CoverageHow:
            continue  # documented inline in CoverageRow
        section = re.search(rf"^## {cls.__name__}\n(.*?)(?=^## |\Z)", doc, re.M | re.S)
        assert section, f"docs/report-schema.md has no '## {cls.__name__}' section"
        for field in cls.model_fields:
            assert f"| `{field}` |" in section.group(1), f"{cls.__name__}.{field} undocumented"
    assert f"(schema {model.SCHEMA_VERSION})" in doc


def test_new_report_dir_is_named_by_utc_time_and_unique(tmp_path):
    from datetime import datetime, timedelta, timezone

    oslo = datetime(2026, 11, 22, 11, 15, tzinfo=timezone(timedelta(hours=1)))
    first = report.new_report_dir(tmp_path, "simulator", now=oslo)
    second = report.new_report_dir(tmp_path, "simulator", now=oslo)
    assert (first.name, second.name) == (
        "20261122T101500Z-simulator",
        "20261122T101500Z-simulator-2",
    )
    assert first.is_dir()
    assert second.is_dir()

"""check-receiver through the CLI against a faulty receiver: the R rows of the report link
the failing exchange and a sample of passing ones, the row facts say what was compared,
and the key is nowhere in the output or the report folder (issue 11.7).

The run is the one test_report_languages.py reads too (``servers.shared_check``, issue 25):
the receiver crashes on malformed JSON (R4) and refuses unknown fields (R1)."""

from __future__ import annotations

import base64
import json
import urllib.parse
from pathlib import Path

import pytest

from .servers import SHARED_GROUP, SHARED_KEY, shared_check

ROOT = Path(__file__).resolve().parents[2]
KEY = SHARED_KEY
ENDPOINTS = {"PromsFormOrder", "MessageToCitizen", "PersonvernInnstilling"}


@SHARED_GROUP
def test_the_report_links_each_checks_evidence_and_facts(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    done, url, report_dir = shared_check(tmp_path_factory)
    data = json.loads((report_dir / "report.json").read_text(encoding="utf-8"))
    run = data["run"]
    assert run["environment"] == "receiver"
    assert run["receiver_url"] == url
    assert run["callback_url"] == url
    assert run["api_key_fingerprint"].startswith("sha256:")
    assert run["faults_injected"] == []
    evidence = {e["id"]: e for e in data["evidence"]}
    rows = {r["id"]: r for r in data["rows"] if r["id"].startswith("R")}
    assert {k: r["status"] for k, r in rows.items()} == {
        "R1": "failed", "R2": "passed", "R3": "passed", "R4": "failed", "R5": "passed",
    }  # fmt: skip
    for row in rows.values():
        linked = [evidence[i] for i in row["evidence_ids"]]
        assert linked, f"{row['id']} links no evidence"
        assert all(e["kind"] == "callback" and e["method"] == "PUT" for e in linked)
        assert all(row["id"] in e["checkpoint_ids"] for e in linked)
    failing = [evidence[i] for i in rows["R4"]["evidence_ids"] if "failing" in evidence[i]["title"]]
    assert len(failing) == 1
    assert failing[0]["status"] == 500
    assert failing[0]["title"].startswith("no_5xx_on_malformed (R4): PUT ")
    assert failing[0]["test"] == "suites/test_receiver.py::test_receiver[no_5xx_on_malformed]"
    checks = {c["name"]: c for c in data["checks"]}
    for name, check in checks.items():
        own = [e for e in evidence.values() if e["test"] == check["nodeid"]]
        facts = check["facts"]
        assert len(own) <= 5 + (check["outcome"] == "failed"), name
        assert facts["examples"] >= len(own) - (check["outcome"] == "failed"), name
        assert set(facts["latency"]) <= ENDPOINTS
        assert all(set(v) == {"p50_ms", "p95_ms", "count"} for v in facts["latency"].values())
    malformed = checks["test_receiver[no_5xx_on_malformed]"]["facts"]
    assert "failing_payload" in malformed
    assert (
        set(checks["test_receiver[accepts_documented_examples]"]["facts"]["latency"]) == ENDPOINTS
    )
    forms = (KEY, base64.b64encode(KEY.encode()).decode(), urllib.parse.quote(KEY))
    texts = [done.stdout, done.stderr] + [
        p.read_text(encoding="utf-8", errors="replace")
        for p in report_dir.rglob("*")
        if p.is_file()
    ]
    for text in texts:
        for form in forms:
            assert form not in text

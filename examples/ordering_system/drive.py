"""Drive the example ordering system through an eprom-verify scenario (``--drive``).

``eprom-verify observe`` runs this with ``EPROM_SCENARIO`` (the scenario.json path),
``EPROM_PROMS_API_BASE_URL`` and ``EPROM_API_KEY`` set. For each step the system performs,
it calls the system's own command line (``ordering_system.py order …``) — the system builds
its requests itself; the scenario only says what to do. Then it waits until the system's
database holds every answer (and signed document) it expects, for up to
``EXAMPLE_WAIT_SECONDS`` (default 30), and exits 0 when all arrived, 1 otherwise.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SYSTEM = [sys.executable, str(HERE / "ordering_system.py")]
SAMPLE_PDF = HERE / "brev.pdf"


def reference(step: dict) -> str:
    """Our own id of the request: the step, in this scenario run (one report folder)."""
    return f"{Path(os.environ['EPROM_SCENARIO']).parent.name}/{step['id']}"


def arguments(step: dict) -> list[str] | None:
    """The system's command line for one scenario step (None: not the system's to do)."""
    body = step["request"]["body"] if step.get("request") else {}
    ref = ["--reference", reference(step), "--national-id", body.get("nationalId", "")]
    kind = step["kind"]
    if kind == "form_order":
        args = [
            "order",
            *ref,
            "--form-id",
            body["formId"],
            "--rule",
            body["distributionRule"],
            "--expiry-date",
            body["expiryDate"],
        ]
        if body.get("metadata"):
            args += ["--metadata", body["metadata"]]
        if body.get("mustBeSigned"):
            args += ["--sign", "--signing-text", body.get("signingText", "")]
        if body.get("onBehalfOfNationalId"):
            args += ["--on-behalf-of", body["onBehalfOfNationalId"]]
        return args
    if kind == "letter":
        channels = ",".join(body["notificationPriorityList"])
        return [
            "letter",
            *ref,
            "--pdf",
            str(SAMPLE_PDF),
            "--channels",
            channels,
            "--title",
            body["messageInfo"]["title"],
        ]
    if kind == "sms":
        return ["sms", *ref, "--text", body["smsText"]]
    if kind == "email":
        return ["email", *ref, "--text", body["emailText"], "--title", body["emailTitle"]]
    if kind in ("privacy_get", "privacy_set"):
        args = [
            "privacy-get" if kind == "privacy_get" else "privacy-set",
            *ref,
            "--pvk-id",
            body["pvkId"],
            "--type",
            body["type"],
        ]
        return args + (["--status", body["status"]] if "status" in body else [])
    return None


def missing(steps: list[dict]) -> list[str]:
    """Steps whose answer (or signed document) is not in the system's database yet."""
    connection = sqlite3.connect(os.environ.get("EXAMPLE_DB", "ordering_system.db"))
    try:
        out = []
        for step in steps:
            expect = step.get("expect", {})
            if step.get("performedBy") != "system" or not expect.get("answerCallback"):
                continue
            row = connection.execute(
                "SELECT eprom_id FROM requests WHERE reference = ?", (reference(step),)
            ).fetchone()
            answer = (
                row
                and connection.execute(
                    "SELECT signed_form_id FROM answers WHERE form_order_id = ?", (row[0],)
                ).fetchone()
            )
            if not answer:
                out.append(step["id"])
            elif (
                expect.get("signedDocumentDownload")
                and not connection.execute(
                    "SELECT 1 FROM documents WHERE signed_form_id = ?", (answer[0],)
                ).fetchone()
            ):
                out.append(step["id"])
        return out
    finally:
        connection.close()


def main() -> int:
    scenario = json.loads(Path(os.environ["EPROM_SCENARIO"]).read_text(encoding="utf-8"))
    steps = scenario["steps"]
    for step in steps:
        args = arguments(step) if step.get("performedBy") == "system" else None
        if args is None:
            continue
        done = subprocess.run([*SYSTEM, *args], capture_output=True, text=True, timeout=60)
        try:
            shown = f"HTTP {json.loads(done.stdout)['status']}"
        except (ValueError, KeyError):
            shown = done.stderr.strip()[:200] or "no answer"
        print(f"{step['id']}: {shown}")
    deadline = time.monotonic() + float(os.environ.get("EXAMPLE_WAIT_SECONDS", "30"))
    while (waiting := missing(steps)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if waiting:
        print(f"still waiting for: {', '.join(waiting)}")
        return 1
    print("every answer arrived")
    return 0


if __name__ == "__main__":
    sys.exit(main())

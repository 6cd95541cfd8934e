"""Re-derive every table row of a report folder from its evidence files; list every difference.

Independent of ``eprom_verify/report/derive.py`` on purpose: the callbacks of an order are
counted here from the bodies in ``evidence/*.json`` by our own reading of the contract
(§4: ``formData`` an answer, ``formOrderStatus`` a status callback, ``messageToCitizenId`` a
letter's status) and compared with what ``report.json`` and the rendered tables say.

Used by tests/report/test_tables_agree.py (synthetic runs), tests/run/test_tables_agree.py
and tests/observe/test_tables_agree.py (full runs, passing and faulted).
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

from eprom_verify.report import load_report
from eprom_verify.report.i18n import strings
from eprom_verify.report.views import section_for

_FORM_STATUS = ["Completed", "Expired", "Ordered", "Error", "PhysicalMailReturned",
                "DigipostDelivered"]  # fmt: skip
_SENT_STATUS = ["Sent", "Error"]


def _body(raw: Any) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return {}
    return raw if isinstance(raw, dict) else {}


def _status(body: dict[str, Any]) -> str | None:
    for key, names in (("formOrderStatus", _FORM_STATUS), ("sentStatus", _SENT_STATUS)):
        if key in body:
            value = body[key]
            return names[value] if isinstance(value, int) and value < len(names) else str(value)
    return None


def from_evidence(report_dir: Path) -> dict[str, tuple[Counter[str], str | None]]:
    """Per order id: callbacks by kind and the last status, from the evidence files alone."""
    records = [
        json.loads(p.read_text("utf-8")) for p in sorted((report_dir / "evidence").glob("*.json"))
    ]
    records.sort(key=lambda r: (r["at"], r["id"]))
    found: dict[str, tuple[Counter[str], str | None]] = {}
    for r in records:
        if r["kind"] != "callback":
            continue
        body = _body(r.get("body"))
        if "formData" in body:
            kind = "answer"
        elif "formOrderStatus" in body or "formOrderId" in body:
            kind = "status"
        elif "messageToCitizenId" in body:
            kind = "letter"
        else:
            continue
        order = body.get("formOrderId") or body.get("messageToCitizenId") or r.get("order_id")
        if not order:
            continue
        counts, status = found.get(order, (Counter(), None))
        counts[kind] += 1
        found[order] = (counts, _status(body) or status)
    return found


def disagreements(report_dir: Path) -> list[str]:
    """Every place a table of ``report_dir`` says something its evidence does not."""
    data = load_report(report_dir)
    truth = from_evidence(report_dir)
    problems: list[str] = []
    timelines = {t.order_id: t for t in data.timelines}
    for order, (counts, status) in truth.items():
        tl = timelines.get(order)
        if tl is None:
            problems.append(f"order {order}: callbacks in the evidence but no timeline")
            continue
        if dict(tl.callbacks) != dict(counts):
            problems.append(f"order {order}: timeline says {tl.callbacks}, evidence {dict(counts)}")
        if status is not None and tl.status != status:
            problems.append(f"order {order}: timeline status {tl.status}, evidence {status}")
    for tl in data.timelines:
        if tl.order_id not in truth and tl.callbacks:
            problems.append(f"order {tl.order_id}: {tl.callbacks} without any callback evidence")
    evidence_ids = {p.stem for p in (report_dir / "evidence").glob("*.json")}
    for lang in ("nb", "en"):
        t = strings(lang)
        cbk = {k: t["cbk_" + k] for k in ("status", "answer", "letter")}
        for row in data.rows:
            missing = [e for e in row.evidence_ids if e not in evidence_ids]
            if missing:
                problems.append(f"{row.id}: links evidence that is not in the folder: {missing}")
            section = section_for(row, data, t)
            if section.kind != "orders":
                continue
            for cells in section.rows:
                order = cells[0].order
                assert order is not None
                counts, status = truth.get(order, (Counter(), None))
                shown_status, shown_callbacks = cells[2].text, cells[3].text
                if status is None and shown_status != "–":
                    tl = timelines.get(order)
                    if tl is None or tl.status != shown_status:
                        problems.append(f"{row.id} {order}: status {shown_status!r} from nowhere")
                if status is not None and not shown_status.startswith(status):
                    problems.append(
                        f"{row.id} {order}: table says status {shown_status!r}, evidence {status}"
                    )
                expected = " · ".join(f"{cbk[k]} {n}" for k, n in counts.items()) or "0"
                if sorted(shown_callbacks.split(" · ")) != sorted(expected.split(" · ")):
                    problems.append(
                        f"{row.id} {order}: table says callbacks {shown_callbacks!r}, "
                        f"evidence {expected!r}"
                    )
                if shown_status == "Error" and not cells[2].bad:
                    problems.append(f"{row.id} {order}: status Error neither expected nor marked")
                if row.status == "passed" and (shown_status == "–" and counts):
                    problems.append(f"{row.id} {order}: passed with status '–' over callbacks")
    recount = Counter(r.status for r in data.rows)
    for status in ("passed", "failed", "needs_attestation", "not_run"):
        if getattr(data.summary, status) != recount[status]:
            problems.append(
                f"summary {status}: {getattr(data.summary, status)} ≠ {recount[status]}"
            )
    for e in data.evidence:
        if not _same_case(e.test, e.case):
            problems.append(f"{e.id}: filed under {e.test} but case {e.case}")
    for tl in data.timelines:
        if not _same_case(tl.test, tl.case):
            problems.append(f"order {tl.order_id}: test {tl.test} but case {tl.case}")
    return problems


def _same_case(test: str | None, case: str | None) -> bool:
    """A parametrized test names the case it ran for among its parameters."""
    if not test or not case or "[" not in test:
        return True
    params = test.rsplit("[", 1)[1].rstrip("]")
    return f"-{case}-" in f"-{params}-"

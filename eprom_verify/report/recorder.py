"""The one recorder a run feeds: evidence as it happens, results, and the report at the end.

Thread-safe: callbacks are recorded from the listener's server threads while tests record
from the main thread. Everything is redacted on the way in; :meth:`Recorder.finish`
redacts the whole folder once more by value (JUnit, Allure and log files are written by
other plugins) before it seals it with ``MANIFEST.sha256``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from eprom_verify.contract import EpromModel
from eprom_verify.redact import Redactor
from eprom_verify.report._io import TEMP_PREFIX, write_atomic
from eprom_verify.report.derive import order_facts
from eprom_verify.report.manifest import write_manifest
from eprom_verify.report.model import (
    Attestation,
    CheckResult,
    Evidence,
    EvidenceKind,
    OrderTimeline,
    Picture,
    ReceiverLatency,
    ReportData,
    RunInfo,
    TimelineEvent,
    TimelineKind,
    build_coverage,
    build_rows,
    summarize,
)
from eprom_verify.report.render import JSON_NAME, write_renderings
from eprom_verify.wording import Text, json_default, texts_of

__all__ = ["MAX_EVIDENCE_STRING", "Recorder", "new_report_dir", "redact_tree"]

#: A longer string in an evidence body (a base64 PDF) is cut, keeping its length and SHA-256.
MAX_EVIDENCE_STRING = 16_384


def _utcnow() -> datetime:
    return datetime.now(UTC)


def new_report_dir(base: Path, env: str, *, now: datetime | None = None) -> Path:
    """``base/20261122T101500Z-simulator``, created; ``-2``, ``-3`` … when the name is taken."""
    moment = (now or _utcnow()).astimezone(UTC)
    stem = f"{moment:%Y%m%dT%H%M%SZ}-{env}"
    base.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        candidate = base / (stem if n == 1 else f"{stem}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise FileExistsError(f"{base / stem}: 999 report folders with this name already exist")


class Recorder:
    """Collects one run's evidence and results and writes the report folder."""

    def __init__(
        self,
        report_dir: Path,
        *,
        run: RunInfo,
        redactor: Redactor,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.report_dir = report_dir
        self.evidence_dir = report_dir / "evidence"
        self.evidence_dir.mkdir(parents=True, exist_ok=True)
        self._run = run
        self._redactor = redactor
        self._clock = clock
        self._lock = threading.Lock()
        self._evidence: list[Evidence] = []
        self._results: list[CheckResult] = []
        self._timelines: dict[str, OrderTimeline] = {}
        self._attestations: list[Attestation] = []
        self._latency: ReceiverLatency | None = None
        self._pictures: list[Picture] = []

    def update_run(self, **fields: Any) -> None:
        """Fill in run facts known only once the harness is up (base and callback URL)."""
        with self._lock:
            self._run = self._run.model_copy(update=fields)

    def add_evidence(
        self,
        kind: EvidenceKind,
        *,
        title: str | Text,
        method: str | None = None,
        url: str | None = None,
        status: int | None = None,
        headers: Mapping[str, str] | None = None,
        body: Any = None,
        order_id: str | None = None,
        checkpoint_ids: Iterable[str] = (),
        test: str | None = None,
        case: str | None = None,
        at: datetime | None = None,
    ) -> str:
        """Record one exchange, redacted, as ``evidence/<id>.json``; returns its id."""
        r = self._redactor
        fields = {
            "kind": kind,
            "at": at or self._clock(),
            "title": r.text(Text.same(title).en),
            "titles": {k: r.text(v) for k, v in texts_of(title)[1].items()},
            "method": method,
            "url": r.text(url) if url is not None else None,
            "status": status,
            "headers": {r.text(k): r.text(str(v)) for k, v in (headers or {}).items()},
            "body": _cut(r.data(_jsonable(body))),
            "order_id": order_id,
            "checkpoint_ids": list(checkpoint_ids),
            "test": test,
            "case": case,
        }
        with self._lock:
            evidence = Evidence(id=f"e{len(self._evidence) + 1:04d}", **fields)
            self._evidence.append(evidence)
        write_atomic(
            self.evidence_dir / f"{evidence.id}.json",
            evidence.model_dump_json(indent=2) + "\n",
        )
        return evidence.id

    def add_result(self, result: CheckResult) -> None:
        r = self._redactor
        redacted = result.model_copy(
            update={
                "message": r.text(result.message) if result.message is not None else None,
                "messages": {k: r.text(v) for k, v in result.messages.items()},
                "expected_texts": {k: r.text(v) for k, v in result.expected_texts.items()},
                "received_texts": {k: r.text(v) for k, v in result.received_texts.items()},
                "expected": r.data(_jsonable(result.expected)),
                "received": r.data(_jsonable(result.received)),
                "params": {k: r.text(v) for k, v in result.params.items()},
                "duration_s": round(result.duration_s, 3),
            }
        )
        with self._lock:
            self._results.append(redacted)

    def add_timeline_event(
        self,
        order_id: str,
        what: str | Text,
        *,
        kind: TimelineKind = "form_order",
        patient: str | None = None,
        evidence_id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        plain, texts = texts_of(what)
        event = TimelineEvent(
            at=at or self._clock(), what=str(plain), texts=texts, evidence_id=evidence_id
        )
        shown = self._redactor.text(patient) if patient is not None else None
        with self._lock:
            timeline = self._timelines.setdefault(
                order_id, OrderTimeline(order_id=order_id, kind=kind)
            )
            if shown is not None:
                timeline.patient = shown
            timeline.events.append(event)

    def describe_order(
        self, order_id: str, *, kind: TimelineKind | None = None, **facts: Any
    ) -> None:
        """What an order or letter is (case, test, person key, rule, channel, status, …).

        ``facts`` are :class:`OrderTimeline` fields; a later call updates the earlier one,
        and leaves ``kind`` as it was unless given (a new order is a ``form_order``).
        National IDs never go here: ``person`` is the key in the patients file.
        """
        with self._lock:
            timeline = self._timelines.setdefault(
                order_id, OrderTimeline(order_id=order_id, kind=kind or "form_order")
            )
            for name, value in facts.items():
                if name not in OrderTimeline.model_fields or name in ("order_id", "events"):
                    raise TypeError(f"describe_order: unknown field {name!r}")
                setattr(timeline, name, self._redactor.data(_jsonable(value)))
            if kind is not None:
                timeline.kind = kind

    def add_attestation(self, a: Attestation) -> None:
        redacted = a.model_copy(
            update={"comment": self._redactor.text(a.comment) if a.comment else a.comment}
        )
        with self._lock:
            self._attestations.append(redacted)

    def add_picture(self, picture: Picture) -> None:
        """A portal page captured for checkpoints a person attests (shown beside them)."""
        with self._lock:
            self._pictures.append(picture)

    def set_receiver_latency(self, p50_ms: float, p95_ms: float, count: int) -> None:
        latency = ReceiverLatency(p50_ms=round(p50_ms, 1), p95_ms=round(p95_ms, 1), count=count)
        with self._lock:
            self._latency = latency

    def finish(self, *, interrupted: bool = False) -> ReportData:
        """Build the report, redact the folder, write report.json/.html/.md, then the manifest."""
        data = self._redacted(self._build(interrupted=interrupted))
        redact_tree(self.report_dir, self._redactor)
        write_atomic(self.report_dir / JSON_NAME, data.model_dump_json(indent=2) + "\n")
        write_renderings(self.report_dir, data)
        write_manifest(self.report_dir)
        return data

    def _build(self, *, interrupted: bool) -> ReportData:
        with self._lock:
            checks = list(self._results)
            attestations = list(self._attestations)
            evidence = list(self._evidence)
            timelines = [t.model_copy(deep=True) for t in self._timelines.values()]
            latency = self._latency
            pictures = list(self._pictures)
        _from_evidence(timelines, evidence)
        for timeline in timelines:
            timeline.events.sort(key=lambda e: e.at)
        run = self._run.model_copy(
            update={
                "finished_at": self._run.finished_at or self._clock(),
                "run_id": self._run.run_id or self.report_dir.name,
                "interrupted": interrupted or self._run.interrupted,
            }
        )
        rows = build_rows(
            checks, attestations, evidence, environment=run.environment, lang=run.lang
        )
        return ReportData(
            run=run,
            rows=rows,
            checks=checks,
            timelines=sorted(
                timelines, key=lambda t: t.events[0].at if t.events else run.started_at
            ),
            attestations=attestations,
            pictures=pictures,
            coverage=build_coverage(checks),
            receiver_latency=latency,
            summary=summarize(rows),
            evidence=[e.model_copy(update={"headers": {}, "body": None}) for e in evidence],
        )

    def _redacted(self, data: ReportData) -> ReportData:
        """The whole report redacted by value once more (run info, titles, command line)."""
        return ReportData.model_validate(self._redactor.data(data.model_dump(mode="json")))


def _from_evidence(timelines: list[OrderTimeline], evidence: list[Evidence]) -> None:
    """Callbacks and status of every order as its evidence shows them (see ``derive.py``).

    An order without callback evidence has no callbacks, whatever a check said.
    """
    by_id = {t.order_id: t for t in timelines}
    for each in timelines:
        each.callbacks = {}
    for order_id, facts in order_facts(evidence).items():
        found = by_id.get(order_id)
        if found is not None:
            timeline = found
        else:
            kind: TimelineKind = "letter" if facts.letter else "form_order"
            if facts.patient_initiated:
                kind = "patient_initiated"
            timeline = OrderTimeline(order_id=order_id, kind=kind)
            by_id[order_id] = timeline
            timelines.append(timeline)
        timeline.callbacks = facts.callbacks
        if facts.status is not None:
            timeline.status = facts.status
        known = {e.evidence_id for e in timeline.events}
        for e in evidence:
            if e.id in facts.evidence_ids and e.id not in known:
                what = e.titles.get("en") or e.title
                timeline.events.append(
                    TimelineEvent(at=e.at, what=what, texts=dict(e.titles), evidence_id=e.id)
                )


def redact_tree(report_dir: Path, redactor: Redactor) -> list[Path]:
    """Rewrite every file under ``report_dir`` whose redaction differs; returns those files."""
    changed = []
    for path in sorted(p for p in report_dir.rglob("*") if p.is_file()):
        if path.name.startswith(TEMP_PREFIX):
            continue
        raw = path.read_bytes()
        redacted = _redact_file(raw, redactor)
        if redacted != raw:
            write_atomic(path, redacted)
            changed.append(path)
    return changed


def _redact_file(raw: bytes, redactor: Redactor) -> bytes:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Not UTF-8 text: redact as bytes. Better a damaged attachment than a leaked key.
        return redactor.bytes_(raw)
    return redactor.text(text).encode("utf-8")


def _jsonable(body: Any) -> Any:
    """JSON-ready data: a contract model as on the wire; bytes as JSON, text or a note."""
    if isinstance(body, EpromModel):
        return body.to_wire()
    if isinstance(body, BaseModel):
        return body.model_dump(mode="json", by_alias=True)
    if isinstance(body, bytes | bytearray):
        try:
            text = bytes(body).decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(body)} bytes of binary data>"
        try:
            return json.loads(text)
        except ValueError:
            return text
    return json.loads(json.dumps(body, default=json_default))


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_EVIDENCE_STRING:
        return value[:MAX_EVIDENCE_STRING] + f"…[cut: {len(value)} characters in all]"
    if isinstance(value, Mapping):
        return {k: _cut(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_cut(v) for v in value]
    return value

"""The report's data: the schema of ``report.json`` and how checkpoint rows are derived.

Everything the report shows is in :class:`ReportData`; the HTML and Markdown are rendered
from it (see ``render.py``), never built alongside it. Checkpoint ids, areas and wording
come only from :mod:`eprom_verify.checklist`.

Row status (:func:`build_rows`), in order:

1. ``failed`` when a check for the checkpoint failed or errored, or a tester answered "no";
   a failed check of severity ``warning`` (a tolerance check) does not fail the row: it is
   listed in ``warnings`` and the row is judged on the other checks;
2. ``not_run`` when no check for it passed or asked for an attestation;
3. ``needs_attestation`` when a check asked for one, or the checkpoint is manual in this
   environment (``Checkpoint.how(env)``), and no tester has answered "yes";
4. ``passed`` otherwise.

An attestation without any check in the run does not pass a row: it has nothing to vouch for.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from eprom_verify.checklist import CHECKPOINTS, Checkpoint, How
from eprom_verify.findings import Finding, Outcome
from eprom_verify.wording import Text, texts_of

__all__ = [
    "SCHEMA_VERSION",
    "Attestation",
    "CheckResult",
    "CheckpointRow",
    "CoverageHow",
    "CoverageRow",
    "Evidence",
    "EvidenceKind",
    "Lang",
    "OrderTimeline",
    "Picture",
    "Outcome",
    "KindClaim",
    "ReceiverLatency",
    "ReportData",
    "ReportKind",
    "RowStatus",
    "RunInfo",
    "Summary",
    "TimelineEvent",
    "build_coverage",
    "build_rows",
    "decide_kind",
    "summarize",
]

SCHEMA_VERSION = "1.2"

Lang = Literal["nb", "en"]
EvidenceKind = Literal["request", "response", "callback", "control", "note"]
RowStatus = Literal["passed", "failed", "needs_attestation", "not_run"]
TimelineKind = Literal["form_order", "letter", "patient_initiated"]

_FAILED = frozenset({"failed", "error"})


def _as_utc(moment: datetime) -> datetime:
    """Naive times are taken as UTC; every time in the report is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


UtcDatetime = Annotated[datetime, AfterValidator(_as_utc)]


class ReportKind(enum.StrEnum):
    """What kind of evidence a report is: the one place the kinds and their claims live.

    Decided by :func:`decide_kind` from the command and whether ePROM was the embedded
    simulator — never from names. Only :attr:`GO_LIVE` (with attestations by a named
    person for the manual points) may say Hemit's points are verified.
    """

    SELF_CHECK = "self_check"
    PRE_CHECK = "pre_check"
    ENVIRONMENT_CHECK = "environment_check"
    GO_LIVE = "go_live"

    @property
    def claim(self) -> KindClaim:
        return _CLAIMS[self]

    @property
    def verifies(self) -> bool:
        """Whether a passed Hemit point in this kind of report is verified for Hemit."""
        return self is ReportKind.GO_LIVE


@dataclass(frozen=True)
class KindClaim:
    """What a kind of report is called and what it proves, in both languages.

    ``{system}`` in ``name`` and ``proves`` is the ordering system's name; ``{env}`` the
    environment as the report names it.
    """

    name: Text
    proves: Text
    #: the headline prefix of the verdict (a pre-check says "would pass")
    would: bool


_CLAIMS: dict[ReportKind, KindClaim] = {
    ReportKind.SELF_CHECK: KindClaim(
        name=Text(en="Self-check", nb="Egenkontroll"),
        proves=Text(
            en="eprom-verify against its own ePROM simulator, with its own client and "
            "callback listener. It shows that the harness, the contract and the simulator "
            "agree — nothing about any ordering system.",
            nb="eprom-verify mot sin egen ePROM-simulator, med egen klient og egen "
            "mottakstjeneste. Den viser at verktøyet, kontrakten og simulatoren stemmer "
            "overens — ingenting om noe bestillersystem.",
        ),
        would=True,
    ),
    ReportKind.PRE_CHECK: KindClaim(
        name=Text(en="Pre-check of {system}", nb="Forhåndssjekk av {system}"),
        proves=Text(
            en="{system} against eprom-verify's ePROM simulator, not Hemit's ePROM. It shows "
            "how the system behaves against the documentation before it meets Hemit's "
            "environment; it is not Hemit's verification.",
            nb="{system} mot eprom-verifys ePROM-simulator, ikke Hemits ePROM. Den viser "
            "hvordan systemet oppfører seg mot dokumentasjonen før det møter Hemits "
            "miljø; den er ikke Hemits verifikasjon.",
        ),
        would=True,
    ),
    ReportKind.ENVIRONMENT_CHECK: KindClaim(
        name=Text(en="Environment check", nb="Miljøsjekk"),
        proves=Text(
            en="eprom-verify plays the ordering system against the ePROM in {env}. It shows "
            "that the API key, the forms, the test persons and the callback URL work there "
            "— nothing about the integrator's own ordering system.",
            nb="eprom-verify spiller bestillersystemet mot ePROM i {env}. Den viser at "
            "API-nøkkelen, skjemaene, testpersonene og mottaksadressen virker der — "
            "ingenting om integratørens eget bestillersystem.",
        ),
        would=True,
    ),
    ReportKind.GO_LIVE: KindClaim(
        name=Text(
            en="Go-live verification of {system}",
            nb="Verifikasjon før produksjonssetting av {system}",
        ),
        proves=Text(
            en="{system} itself against the ePROM in {env}, every exchange observed by "
            "eprom-verify. A passed point is shown by this evidence; a manual point is "
            "passed only with a named person's attestation.",
            nb="{system} selv mot ePROM i {env}, hver utveksling observert av eprom-verify. "
            "Et bestått punkt er vist med bevisene her; et manuelt punkt er bestått bare "
            "med attestasjon fra en navngitt person.",
        ),
        would=False,
    ),
}

#: the commands that make a report
Mode = Literal["run", "observe", "check-receiver"]


def decide_kind(*, mode: Mode | None, simulated: bool | None, environment: str) -> ReportKind:
    """The kind of a report from the command and whether ePROM was our simulator.

    ``run`` against the embedded simulator is a self-check; ``run`` anywhere else (``--env
    test|qa``, ``--base-url``) an environment check; ``observe`` against the simulator and
    ``check-receiver`` a pre-check; ``observe --upstream`` the go-live verification. A
    report written before 1.2 (no ``mode``) is judged by its environment alone, never as
    go-live.
    """
    if mode == "check-receiver" or environment == "receiver":
        return ReportKind.PRE_CHECK
    simulator = simulated if simulated is not None else environment == "simulator"
    if mode == "observe":
        return ReportKind.PRE_CHECK if simulator else ReportKind.GO_LIVE
    if mode == "run" or mode is None:
        return ReportKind.SELF_CHECK if simulator else ReportKind.ENVIRONMENT_CHECK
    raise ValueError(f"unknown mode {mode!r}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RunInfo(_Model):
    ordering_system: str | None
    environment: str
    base_url: str
    callback_url: str | None
    started_at: UtcDatetime
    finished_at: UtcDatetime | None = None
    tool_version: str
    api_key_fingerprint: str | None
    lang: Lang = "nb"
    command: str
    hypothesis_profile: str | None = None
    interrupted: bool = False
    national_ids_shown: bool = False
    #: the simulator faults injected on purpose (``--simulator-faults``), as given
    faults_injected: list[dict[str, Any]] = Field(default_factory=list)
    #: check-receiver: the callback service under test (its ApiBaseUrl)
    receiver_url: str | None = None
    #: the command that made the report (decides :class:`ReportKind` with ``simulated``)
    mode: Mode | None = None
    #: ePROM was eprom-verify's embedded simulator (not Hemit's ePROM)
    simulated: bool | None = None
    #: the ordering system's version or commit (given, or ``git describe`` where it ran)
    system_version: str | None = None
    #: the organisation that owns the ordering system
    organisation: str | None = None
    #: who ran it (``--tester``)
    tester: str | None = None
    #: the report folder's name, which names the run
    run_id: str | None = None


class Evidence(_Model):
    """One recorded exchange or observation; stored as ``evidence/<id>.json``."""

    id: str
    kind: EvidenceKind
    at: UtcDatetime
    title: str
    #: ``title`` in each language when it is ours (``{"nb": "… (statusmelding, #43)", …}``)
    titles: dict[str, str] = Field(default_factory=dict)
    method: str | None = None
    url: str | None = None
    status: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    order_id: str | None = None
    checkpoint_ids: list[str] = Field(default_factory=list)
    test: str | None = None
    #: the parametrization case the exchange served (``verification-person-Basic``)
    case: str | None = None


class CheckResult(_Model):
    nodeid: str
    name: str
    checkpoint_ids: list[str] = Field(default_factory=list)
    outcome: Outcome
    duration_s: float = 0.0
    message: str | None = None
    #: the message in each language the check can say it in (``{"nb": …, "en": …}``);
    #: the report shows the one in its language, else ``message``
    messages: dict[str, str] = Field(default_factory=dict)
    expected: Any | None = None
    received: Any | None = None
    #: ``expected`` / ``received`` in each language when they are sentences of ours
    #: (``{"nb": "1 statusmelding", …}``); a payload has none and is shown as it was
    expected_texts: dict[str, str] = Field(default_factory=dict)
    received_texts: dict[str, str] = Field(default_factory=dict)
    evidence_ids: list[str] = Field(default_factory=list)
    order_ids: list[str] = Field(default_factory=list)
    params: dict[str, str] = Field(default_factory=dict)
    #: what the check compared, for the report's tables (e.g. V1.3: person, rule,
    #: expected and received channel); keys are the check's own, values JSON
    facts: dict[str, Any] = Field(default_factory=dict)
    #: a warning (a tolerance check) does not fail its checkpoint
    severity: Literal["failure", "warning"] = "failure"

    @classmethod
    def from_finding(
        cls,
        finding: Finding,
        *,
        nodeid: str,
        name: str | None = None,
        evidence_ids: Iterable[str] = (),
        params: dict[str, str] | None = None,
        facts: dict[str, Any] | None = None,
    ) -> CheckResult:
        """The one path from a finding to a report row (the ledger's, observe's, a receiver
        check's, a suite test's): ours in both languages, payloads as they were."""
        plain, messages = texts_of(finding.said())
        expected, expected_texts = texts_of(finding.expected)
        received, received_texts = texts_of(finding.received)
        if finding.payload is not None:
            received = {"summary": received, "json": finding.payload}
        return cls(
            nodeid=nodeid,
            name=name if name is not None else finding.name,
            checkpoint_ids=list(finding.checkpoint_ids),
            outcome=finding.outcome,
            duration_s=finding.duration_s,
            message=plain,
            messages=messages,
            expected=expected,
            expected_texts=expected_texts,
            received=received,
            received_texts=received_texts,
            evidence_ids=list(evidence_ids),
            order_ids=list(finding.order_ids),
            params=params or {},
            facts=facts or {},
        )

    def said(self, lang: str) -> tuple[str | None, Any, Any]:
        """Message, expected and received as the report in ``lang`` shows them.

        Ours in ``lang`` (else as recorded); payloads and ePROM's texts as they were. A
        received callback stays beside its summary (``{"summary": …, "json": …}``).
        """
        message = self.messages.get(lang) or self.message
        expected = self.expected_texts.get(lang, self.expected)
        received = self.received
        if lang in self.received_texts:
            summary = self.received_texts[lang]
            if isinstance(received, dict) and set(received) == {"summary", "json"}:
                received = {**received, "summary": summary}
            else:
                received = summary
        return message, expected, received


class Picture(_Model):
    """A picture of what a person looks at for checkpoints: a portal page the run captured
    in the simulator, or a tester's own screenshot attached to an attestation.

    Kept as base64 so report.html embeds it as a data URI and stays one file.
    """

    checkpoint_ids: list[str]
    #: what it shows, in each report language (``{"nb": …, "en": …}``)
    captions: dict[str, str] = Field(default_factory=dict)
    media_type: Literal["image/png", "image/jpeg"]
    data: str
    source: Literal["simulator", "tester"]
    order_id: str | None = None

    def caption(self, lang: str) -> str:
        return self.captions.get(lang) or next(iter(self.captions.values()), "")

    @property
    def data_uri(self) -> str:
        return f"data:{self.media_type};base64,{self.data}"


class Attestation(_Model):
    checkpoint_id: str
    tester: str
    answer: Literal["yes", "no"]
    comment: str | None = None
    at: UtcDatetime
    source: Literal["interactive", "file"]
    #: the tester's screenshots (``images:`` in the attestation file)
    pictures: list[Picture] = Field(default_factory=list)


class TimelineEvent(_Model):
    at: UtcDatetime
    what: str
    #: ``what`` in each language (``{"nb": "statusmelding #4", …}``)
    texts: dict[str, str] = Field(default_factory=dict)
    evidence_id: str | None = None


class OrderTimeline(_Model):
    """One order or letter: what it was, and its events in true order."""

    order_id: str
    kind: TimelineKind = "form_order"
    patient: str | None = None
    events: list[TimelineEvent] = Field(default_factory=list)
    #: the case and test that placed it, and the checkpoints it serves
    case: str | None = None
    test: str | None = None
    checkpoint_ids: list[str] = Field(default_factory=list)
    #: the test person's key in the patients file (not the national ID)
    person: str | None = None
    rule: str | None = None
    form: str | None = None
    expected_channel: str | None = None
    channel: str | None = None
    status: str | None = None
    #: callbacks received per kind (status, answer, letter)
    callbacks: dict[str, int] = Field(default_factory=dict)
    duplicates: int = 0
    waited_s: float | None = None
    #: the status the run predicted for it (``Error`` where the person has no channel)
    expected_status: str | None = None


class CheckpointRow(_Model):
    id: str
    area: str
    title: str
    hemit: bool
    status: RowStatus
    tests: list[str] = Field(default_factory=list)
    evidence_ids: list[str] = Field(default_factory=list)
    failures: list[CheckResult] = Field(default_factory=list)
    attestation: Attestation | None = None
    #: failed checks of severity ``warning``: shown on the row, they do not fail it
    warnings: list[CheckResult] = Field(default_factory=list)


class CoverageHow(_Model):
    simulator: How
    remote: How


class CoverageRow(_Model):
    checkpoint_id: str
    tests: list[str] = Field(default_factory=list)
    how: CoverageHow


class ReceiverLatency(_Model):
    p50_ms: float
    p95_ms: float
    count: int


class Summary(_Model):
    passed: int = 0
    failed: int = 0
    needs_attestation: int = 0
    not_run: int = 0


class ReportData(_Model):
    schema_version: str = SCHEMA_VERSION
    #: what kind of evidence this is (:class:`ReportKind`); set from ``run`` when absent
    kind: ReportKind | None = None
    run: RunInfo
    rows: list[CheckpointRow]
    checks: list[CheckResult] = Field(default_factory=list)
    timelines: list[OrderTimeline] = Field(default_factory=list)
    attestations: list[Attestation] = Field(default_factory=list)
    coverage: list[CoverageRow] = Field(default_factory=list)
    receiver_latency: ReceiverLatency | None = None
    summary: Summary
    #: Every evidence record without its headers and body (those stay in ``evidence/``).
    evidence: list[Evidence] = Field(default_factory=list)
    #: portal pages captured in the simulator for the checkpoints a person attests
    pictures: list[Picture] = Field(default_factory=list)

    @model_validator(mode="after")
    def _decide_kind(self) -> ReportData:
        if self.kind is None:
            self.kind = decide_kind(
                mode=self.run.mode, simulated=self.run.simulated, environment=self.run.environment
            )
        return self

    @property
    def report_kind(self) -> ReportKind:
        """:attr:`kind`, never None (the validator sets it)."""
        assert self.kind is not None
        return self.kind


def build_rows(
    checks: Sequence[CheckResult],
    attestations: Sequence[Attestation],
    evidence: Iterable[Evidence],
    *,
    environment: str,
    lang: Lang,
) -> list[CheckpointRow]:
    """One row per checkpoint of the checklist, in checklist order."""
    evidence = list(evidence)
    return [
        _row(
            cp,
            [c for c in checks if cp.id in c.checkpoint_ids],
            [a for a in attestations if a.checkpoint_id == cp.id],
            [e.id for e in evidence if cp.id in e.checkpoint_ids],
            environment=environment,
            lang=lang,
        )
        for cp in CHECKPOINTS
    ]


def _row(
    cp: Checkpoint,
    checks: list[CheckResult],
    attestations: list[Attestation],
    evidence_ids: list[str],
    *,
    environment: str,
    lang: Lang,
) -> CheckpointRow:
    attestation = _deciding_attestation(attestations)
    linked = [*evidence_ids, *(e for c in checks for e in c.evidence_ids)]
    return CheckpointRow(
        id=cp.id,
        area=cp.area,
        title=cp.title.in_language(lang),
        hemit=cp.hemit,
        status=_status(cp, checks, attestation, environment=environment),
        tests=_unique(c.nodeid for c in checks),
        evidence_ids=sorted(set(linked)),
        failures=[c for c in checks if _fails(c)],
        attestation=attestation,
        warnings=[c for c in checks if c.outcome in _FAILED and not _fails(c)],
    )


def _fails(check: CheckResult) -> bool:
    """A failed or crashed check that counts against its row (a warning does not)."""
    return check.outcome in _FAILED and check.severity == "failure"


def _deciding_attestation(attestations: list[Attestation]) -> Attestation | None:
    """A "no" from anyone decides; otherwise the latest "yes"."""
    noes = [a for a in attestations if a.answer == "no"]
    pool = noes or attestations
    return max(pool, key=lambda a: a.at) if pool else None


def _status(
    cp: Checkpoint,
    checks: list[CheckResult],
    attestation: Attestation | None,
    *,
    environment: str,
) -> RowStatus:
    if any(_fails(c) for c in checks) or (attestation is not None and attestation.answer == "no"):
        return "failed"
    outcomes = {c.outcome for c in checks}
    warned = any(c.outcome in _FAILED for c in checks)  # only warnings are left here
    if not outcomes & {"passed", "needs_attestation"} and not warned:
        return "not_run"
    wants_person = "needs_attestation" in outcomes or cp.how(environment) is How.MANUAL
    if wants_person and attestation is None:
        return "needs_attestation"
    return "passed"


def build_coverage(checks: Sequence[CheckResult]) -> list[CoverageRow]:
    """Which tests carry each checkpoint, and how it can be proven where."""
    return [
        CoverageRow(
            checkpoint_id=cp.id,
            tests=_unique(c.nodeid for c in checks if cp.id in c.checkpoint_ids),
            how=CoverageHow(simulator=cp.simulator, remote=cp.remote),
        )
        for cp in CHECKPOINTS
    ]


def summarize(rows: Sequence[CheckpointRow]) -> Summary:
    counts = {status: 0 for status in Summary.model_fields}
    for row in rows:
        counts[row.status] += 1
    return Summary(**counts)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))

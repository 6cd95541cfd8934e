"""The judge: Hemit's checklist, per scenario step, from what the system sent and answered.

Input: the scenario, every recorded exchange (the system's requests toward ePROM, the
callbacks delivered to it and its answers, the redeliveries) and the API key (to compare
the Authorization header; it never appears in a finding). Output: one :class:`Finding` per
check and step, each mapped to checkpoint ids, with expected vs received and what to
change in the system. Pure: no I/O, so every check is tested with recorded exchanges.

Checks, per step (see docs/observe.md for the table):

* ``request`` — path, method, key (``Authorization: Basic <raw key>``, or ``apiKey`` in the
  body for SMS/e-mail), body valid against the contract, and ePROM's answer;
* ``no-duplicate`` — the step was performed once (V1.4 and the step's area);
* ``status-callback`` / ``answer-callback`` / ``letter-callback`` — every delivery answered
  2xx with ``success: true`` within the time limit;
* ``channel`` — the status (letter) callback reports the expected channel and status;
* ``redelivery`` — the redelivered callback is acknowledged again, and no new order follows;
* ``signed-document`` — after a signed answer the system downloads the signed document.

One topic, the judge (every check observe makes), so it is long.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import ValidationError

from eprom_verify import national_id
from eprom_verify.contract import (
    NIL_GUID,
    DistributionRule,
    EmailRequest,
    EpromModel,
    FormOrderRequest,
    FormOrderStatus,
    GetPersonvernInnstillingRequest,
    MessageToCitizenRequest,
    NotificationChannel,
    SetPersonvernInnstillingRequest,
    SmsRequest,
    refusals,
)
from eprom_verify.simulator.outbox import judge_answer

from .front import Exchange
from .scenario import Scenario, Step, StepKind

__all__ = ["ATTESTED", "Finding", "Judge", "api_path", "callback_kind"]

Outcome = Literal["passed", "failed", "needs_attestation"]

_PATH_KIND: dict[str, StepKind] = {
    "/api/v2/formorder": "form_order",
    "/api/v2/messagetocitizen": "letter",
    "/api/unsecuremessagesms": "sms",
    "/api/unsecuremessageemail": "email",
    "/api/v2/getpersonverninnstilling": "privacy_get",
    "/api/v2/setpersonverninnstilling": "privacy_set",
}
_MODELS: dict[StepKind, type[EpromModel]] = {
    "form_order": FormOrderRequest,
    "letter": MessageToCitizenRequest,
    "sms": SmsRequest,
    "email": EmailRequest,
    "privacy_get": GetPersonvernInnstillingRequest,
    "privacy_set": SetPersonvernInnstillingRequest,
}
_PRIMARY: dict[StepKind, str] = {
    "form_order": "V1.1",
    "letter": "L1",
    "sms": "U1",
    "email": "U2",
    "privacy_get": "PV1",
    "privacy_set": "PV1",
    "patient_initiated": "P1",
}
_DOCUMENTED_400 = (
    refusals.FORM_NOT_PUBLISHED,
    refusals.SIGNING_WITH_NO_DISTRIBUTION,
    refusals.SIGNING_ON_BEHALF_OF,
    refusals.METADATA_INVALID_PREFIX,
    refusals.MAIN_DOCUMENT_MISSING,
    "No form with id=",
    "Form with id=",
    "nationalId: ",
    "onBehalfOfNationalId: ",
    "Either nationalId or ",
    "apiKey '",
)
_API_PREFIXES = ("/promswebapi", "/webapi")

#: What the system cannot show through the API: stays "needs attestation" (``--attest``).
ATTESTED: dict[str, str] = {
    "V2.1": "log in as the test person on Helsenorge and check that the form shows and works",
    "V2.2": "check the cover letter on Helsenorge",
    "V2.3": "check that the metadata the system sent is used as intended",
    "V2.4": "check the form task on Helsenorge",
    "V2.5": "check that a copy is (not) stored as dontStoreCompletedFormInPha says",
    "S1": "check that the task and form show who the form is about, and the filler gets no copy",
}


@dataclass
class Finding:
    """One check of one step: its outcome, and on failure expected vs received and a fix."""

    step_id: str
    check: str
    checkpoint_ids: list[str]
    outcome: Outcome
    message: str | None = None
    expected: Any = None
    received: Any = None
    fix: str | None = None
    exchanges: list[int] = field(default_factory=list)
    order_ids: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.step_id}: {self.check}"


def api_path(exchange: Exchange) -> str:
    """The path below ``PromsApiBaseUrl``, lower case, no query, no trailing slash."""
    path = exchange.path.split("?", 1)[0].rstrip("/").lower()
    for prefix in _API_PREFIXES:
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def callback_kind(exchange: Exchange) -> str | None:
    """``status``, ``answer``, ``letter`` or ``privacy`` for a callback exchange."""
    path = exchange.path.split("?", 1)[0].rstrip("/").lower()
    if path.endswith("/api/messagetocitizen"):
        return "letter"
    if path.endswith("/api/personverninnstilling"):
        return "privacy"
    if not path.endswith("/api/promsformorder"):
        return None
    body = _json(exchange.request_body)
    if not isinstance(body, dict):
        return None
    if "formData" in body:
        return "answer"
    status = _enum_name(FormOrderStatus, body.get("formOrderStatus"))
    return "status" if status in ("Ordered", "Error", None) else "answer"


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _enum_name(enum: Any, value: Any) -> str | None:
    if value is None:
        return None
    try:
        return str(enum.parse(value).wire_name)
    except ValueError:
        return str(value)


def _same(expected: Any, observed: Any, name: str) -> bool:
    if name == "distributionRule":
        return _enum_name(DistributionRule, expected) == _enum_name(
            DistributionRule, observed if observed is not None else "Basic"
        )
    if name == "mustBeSigned":
        return bool(expected) == bool(observed)
    if expected is None or observed is None:
        return expected in (None, "") and observed in (None, "")
    return str(expected).lower() == str(observed).lower()


class Judge:
    """Judges one observation. ``time_limit_s``: how long the system may take to answer."""

    def __init__(
        self,
        scenario: Scenario,
        exchanges: Iterable[Exchange],
        *,
        api_key: str,
        time_limit_s: float,
    ) -> None:
        self.scenario = scenario
        self.exchanges = [e for e in exchanges if e.done.is_set()]
        self._key = api_key
        self.limit = time_limit_s
        self.api = [e for e in self.exchanges if e.leg == "api"]
        self.callbacks = [e for e in self.exchanges if e.leg in ("callback", "redelivery")]

    # --- matching ------------------------------------------------------------------

    def requests_of(self, step: Step) -> list[Exchange]:
        """The system's requests that perform ``step``, matched by content."""
        found = []
        for exchange in self.api:
            if _PATH_KIND.get(api_path(exchange)) != step.kind:
                continue
            body = _json(exchange.request_body)
            if not isinstance(body, dict):
                continue
            if all(_same(v, body.get(k), k) for k, v in step.match.items()):
                found.append(exchange)
        return found

    def unmatched(self) -> list[Exchange]:
        """Requests to the ePROM API that no step accounts for (downloads excepted)."""
        matched = {e.seq for step in self.scenario.steps for e in self.requests_of(step)}
        return [
            e
            for e in self.api
            if e.seq not in matched and not api_path(e).startswith("/api/externaldocument/")
        ]

    def _subject(self, exchange: Exchange) -> str | None:
        body = _json(exchange.request_body)
        if not isinstance(body, dict):
            return None
        value = body.get("formOrderId") or body.get("messageToCitizenId")
        return str(value).lower() if value else None

    def callbacks_for(self, subject: str, kind: str) -> list[Exchange]:
        return [
            e
            for e in self.callbacks
            if self._subject(e) == subject.lower() and callback_kind(e) == kind
        ]

    # --- the verdict ---------------------------------------------------------------

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        for step in self.scenario.steps:
            out += self.judge_step(step)
        out += self._attestations()
        return out

    def pending(self) -> list[str]:
        """Ids of the steps whose expected traffic has not all been seen yet."""
        return [step.id for step in self.scenario.steps if not self._complete(step)]

    def _complete(self, step: Step) -> bool:
        if step.kind == "patient_initiated":
            return bool(self._patient_initiated_answers(step))
        requests = [e for e in self.requests_of(step) if e.status is not None]
        ok = [e for e in requests if 200 <= e.status < 300]  # type: ignore[operator]
        if not ok:
            return False
        subject = self._created_id(ok[0])
        expect = step.expect
        if expect.status_callback and not self._acked(self.callbacks_for(subject, "status")):
            return False
        answers = self.callbacks_for(subject, "answer")
        if expect.answer_callback and not self._acked(answers):
            return False
        if expect.letter_callback and not self._acked(self.callbacks_for(subject, "letter")):
            return False
        if expect.signed_document_download:
            signed = self._signed_id(answers)
            return signed is not None and bool(self._downloads(signed))
        return True

    def _acked(self, exchanges: list[Exchange]) -> bool:
        return any(
            e.status is not None and judge_answer(e.status, _text(e)) is None for e in exchanges
        )

    def judge_step(self, step: Step) -> list[Finding]:
        if step.kind == "patient_initiated":
            return [self._patient_initiated(step)]
        requests = self.requests_of(step)
        primary = _PRIMARY[step.kind]
        if not requests:
            return [self._not_performed(step, primary)]
        out = [self._request(step, requests, primary)]
        if step.kind != "privacy_get":
            out.append(self._no_duplicate(step, requests))
        ok = [e for e in requests if e.status is not None and 200 <= e.status < 300]
        if not ok or step.kind in ("sms", "email", "privacy_get", "privacy_set"):
            return out
        subject = self._created_id(ok[0])
        if not subject or subject == NIL_GUID:
            return out
        if step.kind == "letter":
            out += self._letter(step, subject)
            return out
        out += self._form_order(step, subject, requests)
        return out

    # --- request -------------------------------------------------------------------

    def _not_performed(self, step: Step, primary: str) -> Finding:
        assert step.request is not None
        wanted = {k: v for k, v in step.match.items() if v is not None}
        near = [e.seq for e in self.api if _PATH_KIND.get(api_path(e)) == step.kind]
        note = f" ({len(near)} other request(s) to that path did not match)" if near else ""
        elsewhere = [e for e in self.api if _PATH_KIND.get(api_path(e)) is None
                     and _mentions(e, step.national_id)]  # fmt: skip
        if elsewhere:
            wrong = elsewhere[0]
            note += (f"; request #{wrong.seq} {wrong.method} {api_path(wrong)} carries this "
                     f"step's nationalId — the path should be {step.request.path}")  # fmt: skip
        return Finding(
            step.id,
            "performed",
            [primary],
            "failed",
            f"step {step.id!r} was not performed: no {step.request.method} {step.request.path} "
            f"with {_fields(wanted)} was seen{note}",
            expected={"method": step.request.method, "path": step.request.path, "body": wanted},
            received=None,
            fix="perform the step as scenario.json describes (match on the fields listed)",
            exchanges=near + [e.seq for e in elsewhere],
        )

    def _request(self, step: Step, requests: list[Exchange], primary: str) -> Finding:
        ids = [e.seq for e in requests]
        checkpoints = [primary]
        if "S1" in step.checkpoints:
            checkpoints.append("S1")
        if "S2" in step.checkpoints:
            checkpoints.append("S2")
        for exchange in requests:
            problem = self._request_problem(step, exchange)
            if problem is not None:
                message, expected, received, fix = problem
                return Finding(
                    step.id, "request", checkpoints, "failed",
                    f"step {step.id!r}, request #{exchange.seq} ({exchange.method} "
                    f"{api_path(exchange)}): {message}",
                    expected=expected, received=received, fix=fix, exchanges=ids,
                )  # fmt: skip
        return Finding(step.id, "request", checkpoints, "passed", exchanges=ids)

    def _request_problem(self, step: Step, exchange: Exchange) -> tuple[str, Any, Any, str] | None:
        assert step.request is not None
        if exchange.method != step.request.method:
            return (f"method {exchange.method}, expected {step.request.method}",
                    step.request.method, exchange.method, f"send {step.request.method}")  # fmt: skip
        body = _json(exchange.request_body)
        for check in (self._auth_problem, _body_problem):
            problem = check(step, exchange, body)
            if problem is not None:
                return problem
        return _response_problem(step, exchange)

    def _auth_problem(
        self, step: Step, exchange: Exchange, body: Any
    ) -> tuple[str, Any, Any, str] | None:
        assert step.request is not None
        if step.request.auth == "body":
            given = body.get("apiKey") if isinstance(body, dict) else None
            if given == self._key:
                return None
            shown = "missing" if not given else "another value than the key"
            return (f"the body's apiKey is {shown}", "apiKey: <the API key>", f"apiKey: {shown}",
                    "put the raw API key in the apiKey field of the body")  # fmt: skip
        header = exchange.header("Authorization")
        if header == f"Basic {self._key}":
            return None
        received = _describe_authorization(header, self._key)
        return (
            f"Authorization header is {received}",
            "Authorization: Basic <the raw API key>",
            f"Authorization: {received}",
            "send 'Authorization: Basic ' followed by the API key itself — not base64, "
            "not user:password",
        )

    # --- duplicates ----------------------------------------------------------------

    def _no_duplicate(self, step: Step, requests: list[Exchange]) -> Finding:
        accepted = [e for e in requests if e.status is not None and 200 <= e.status < 300]
        checkpoints = sorted({_PRIMARY[step.kind] if step.kind != "form_order" else "V1.4"})
        ids = [self._created_id(e) for e in accepted]
        if len(accepted) <= 1:
            return Finding(step.id, "no-duplicate", checkpoints, "passed",
                           exchanges=[e.seq for e in requests], order_ids=[i for i in ids if i])  # fmt: skip
        after = self._after_redelivery(accepted)
        why = " — after a redelivered callback" if after else " — a retry without idempotency"
        return Finding(
            step.id, "no-duplicate", checkpoints, "failed",
            f"step {step.id!r} was performed {len(accepted)} times (requests "
            f"{', '.join(f'#{e.seq}' for e in accepted)}; ids {', '.join(i or '?' for i in ids)})"
            f"{why}",
            expected="performed once", received=f"performed {len(accepted)} times",
            fix="keep your own reference per order and do not send it again once ePROM "
                "answered 200; a callback that arrives again is not a reason to order again",
            exchanges=[e.seq for e in accepted], order_ids=[i for i in ids if i],
        )  # fmt: skip

    def _after_redelivery(self, accepted: list[Exchange]) -> bool:
        """Did a repeat come after a callback about the first order was delivered again?"""
        first = self._created_id(accepted[0])
        again = [
            e.at for e in self.callbacks if e.leg == "redelivery" and self._subject(e) == first
        ]
        return bool(again) and any(e.at > min(again) for e in accepted[1:])

    # --- callbacks -----------------------------------------------------------------

    def _form_order(self, step: Step, order_id: str, requests: list[Exchange]) -> list[Finding]:
        out: list[Finding] = []
        expect = step.expect
        statuses = self.callbacks_for(order_id, "status")
        answers = self.callbacks_for(order_id, "answer")
        if expect.status_callback:
            out.append(self._acknowledged(step, order_id, "status", statuses, ["V1.2"]))
            out.append(self._channel(step, order_id, statuses))
        if expect.answer_callback:
            out.append(self._acknowledged(step, order_id, "answer", answers, ["V3.1", "V3.2"]))
        out += self._redeliveries(step, order_id, statuses, ["V1.4"])
        out += self._redeliveries(step, order_id, answers, ["V3.2"])
        if expect.signed_document_download:
            out.append(self._signed_document(step, order_id, answers))
        return out

    def _letter(self, step: Step, letter_id: str) -> list[Finding]:
        callbacks = self.callbacks_for(letter_id, "letter")
        out = [self._acknowledged(step, letter_id, "letter", callbacks, ["L1"])]
        if callbacks:
            body = _json(callbacks[0].request_body) or {}
            got = _enum_name(NotificationChannel, body.get("notificationChannel"))
            want = step.expect.notification_channel
            outcome: Outcome = "passed" if got == want else "failed"
            out.append(Finding(
                step.id, "channel", ["L2"], outcome,
                None if outcome == "passed" else
                f"step {step.id!r}: letter {letter_id} went to {got}, expected {want}",
                expected=want, received=got,
                fix="send notificationPriorityList as the scenario lists it",
                exchanges=[callbacks[0].seq], order_ids=[letter_id],
            ))  # fmt: skip
        out += self._redeliveries(step, letter_id, callbacks, ["L1"])
        return out

    def _acknowledged(
        self, step: Step, subject: str, kind: str, exchanges: list[Exchange], checkpoints: list[str]
    ) -> Finding:
        first = [e for e in exchanges if e.leg == "callback"]
        if not first:
            return Finding(
                step.id, f"{kind}-callback", checkpoints, "failed",
                f"step {step.id!r}: no {kind} callback for {subject} reached the system before "
                "the observation ended", expected=f"a {kind} callback, acknowledged",
                received="none", fix="check that ePROM can reach your callback service",
                order_ids=[subject],
            )  # fmt: skip
        for exchange in first:
            problem = self._answer_problem(exchange)
            if problem is not None:
                return Finding(
                    step.id, f"{kind}-callback", checkpoints, "failed",
                    f"step {step.id!r}: the {kind} callback for {subject} (delivery "
                    f"#{exchange.seq}, PUT {exchange.path}) {problem}",
                    expected=f'2xx with {{"success": true}} within {self.limit:g} s',
                    received=_received(exchange), fix=_ack_fix(problem),
                    exchanges=[e.seq for e in first], order_ids=[subject],
                )  # fmt: skip
        return Finding(step.id, f"{kind}-callback", checkpoints, "passed",
                       exchanges=[e.seq for e in first], order_ids=[subject])  # fmt: skip

    def _answer_problem(self, exchange: Exchange) -> str | None:
        if exchange.status is None:
            return f"got no answer: {exchange.error}"
        refusal = judge_answer(exchange.status, _text(exchange))
        if refusal is not None:
            return refusal
        if exchange.duration_s > self.limit:
            return (f"was answered after {exchange.duration_s:.2f} s, over the time limit of "
                    f"{self.limit:g} s")  # fmt: skip
        return None

    def _channel(self, step: Step, order_id: str, statuses: list[Exchange]) -> Finding:
        if not statuses:
            return Finding(step.id, "channel", ["V1.3"], "failed",
                           f"step {step.id!r}: no status callback for {order_id}, so no channel",
                           order_ids=[order_id])  # fmt: skip
        body = _json(statuses[0].request_body) or {}
        got = {
            "notificationChannel": _enum_name(NotificationChannel, body.get("notificationChannel")),
            "formOrderStatus": _enum_name(FormOrderStatus, body.get("formOrderStatus")),
        }
        want = {
            "notificationChannel": step.expect.notification_channel,
            "formOrderStatus": step.expect.status_callback,
        }
        if got == want:
            return Finding(step.id, "channel", ["V1.3"], "passed",
                           exchanges=[statuses[0].seq], order_ids=[order_id])  # fmt: skip
        return Finding(
            step.id, "channel", ["V1.3"], "failed",
            f"step {step.id!r}: order {order_id} was {got['formOrderStatus']} on "
            f"{got['notificationChannel']}, expected {want['formOrderStatus']} on "
            f"{want['notificationChannel']}", expected=want, received=got,
            fix="order the test person with the distribution rule the scenario names",
            exchanges=[statuses[0].seq], order_ids=[order_id],
        )  # fmt: skip

    def _redeliveries(
        self, step: Step, subject: str, exchanges: list[Exchange], checkpoints: list[str]
    ) -> list[Finding]:
        again = [e for e in exchanges if e.leg == "redelivery"]
        if not again:
            return []
        exchange = again[0]
        kind = callback_kind(exchange)
        problem = self._answer_problem(exchange)
        if problem is None:
            return [Finding(step.id, f"redelivered-{kind}", checkpoints, "passed",
                            exchanges=[exchange.seq], order_ids=[subject])]  # fmt: skip
        return [Finding(
            step.id, f"redelivered-{kind}", checkpoints, "failed",
            f"step {step.id!r}: the {kind} callback for {subject} was delivered a second time "
            f"(as ePROM may), and the second delivery {problem}",
            expected=f'2xx with {{"success": true}} within {self.limit:g} s, nothing changed',
            received=_received(exchange),
            fix="treat a callback you already stored as done: answer {\"success\": true} "
                "again without storing or ordering anything",
            exchanges=[exchange.seq], order_ids=[subject],
        )]  # fmt: skip

    def _signed_id(self, answers: list[Exchange]) -> str | None:
        for exchange in answers:
            body = _json(exchange.request_body) or {}
            signed = str(body.get("signedFormId") or NIL_GUID).lower()
            if signed != NIL_GUID:
                return signed
        return None

    def _downloads(self, signed_id: str) -> list[Exchange]:
        return [e for e in self.api if api_path(e) == f"/api/externaldocument/{signed_id}"]

    def _signed_document(self, step: Step, order_id: str, answers: list[Exchange]) -> Finding:
        signed = self._signed_id(answers)
        if signed is None:
            return Finding(step.id, "signed-document", ["S2"], "failed",
                           f"step {step.id!r}: no signed answer for {order_id} arrived",
                           expected="an answer with signedFormId", received="none",
                           order_ids=[order_id])  # fmt: skip
        downloads = self._downloads(signed)
        good = [e for e in downloads
                if e.method == "GET" and e.status == 200
                and (e.header("Authorization") or "") == f"Basic {self._key}"]  # fmt: skip
        if good:
            return Finding(step.id, "signed-document", ["S2"], "passed",
                           exchanges=[e.seq for e in good], order_ids=[order_id])  # fmt: skip
        received = (f"{len(downloads)} attempt(s), answered "
                    f"{', '.join(str(e.status) for e in downloads)}" if downloads else "never")  # fmt: skip
        return Finding(
            step.id, "signed-document", ["S2"], "failed",
            f"step {step.id!r}: the signed document {signed} of order {order_id} was not "
            f"downloaded ({received})",
            expected=f"GET /api/ExternalDocument/{signed} answered 200", received=received,
            fix="after an answer whose signedFormId is not all zeros, GET "
                "{PromsApiBaseUrl}/api/ExternalDocument/{signedFormId} with "
                "'authorization: Basic <key>' and keep the PDF",
            exchanges=[e.seq for e in downloads], order_ids=[order_id],
        )  # fmt: skip

    # --- patient-initiated, attestations -----------------------------------------------

    def _patient_initiated_answers(self, step: Step) -> list[Exchange]:
        out = []
        for exchange in self.callbacks:
            body = _json(exchange.request_body)
            if callback_kind(exchange) != "answer" or not isinstance(body, dict):
                continue
            values = body.get("patientInitiatedValues") or {}
            if body.get("isPatientInitiated") and _same(
                step.match.get("nationalId"), values.get("nationalId"), "nationalId"
            ):
                out.append(exchange)
        return out

    def _patient_initiated(self, step: Step) -> Finding:
        answers = self._patient_initiated_answers(step)
        subject = self._subject(answers[0]) if answers else "(patient-initiated)"
        return self._acknowledged(step, subject or "?", "answer", answers, ["P1"])

    def _attestations(self) -> list[Finding]:
        return [
            Finding("helsenorge", "attest", [cp], "needs_attestation",
                    f"not visible through the API: {what}")
            for cp, what in ATTESTED.items()
        ]  # fmt: skip

    def _created_id(self, exchange: Exchange) -> str:
        body = _json(exchange.response_body)
        if isinstance(body, dict):
            value = body.get("id") or body.get("messageToCitizenId")
            if value:
                return str(value).lower()
        return ""


# --- helpers ---------------------------------------------------------------------------


def _mentions(exchange: Exchange, value: str) -> bool:
    body = _json(exchange.request_body)
    return bool(value) and isinstance(body, dict) and body.get("nationalId") == value


def _text(exchange: Exchange) -> str:
    return exchange.response_body.decode("utf-8", errors="replace")


def _received(exchange: Exchange) -> dict[str, Any]:
    return {
        "status": exchange.status,
        "body": _text(exchange)[:300] if exchange.status is not None else exchange.error,
        "seconds": round(exchange.duration_s, 3),
    }


def _ack_fix(problem: str) -> str:
    if "time limit" in problem:
        return "acknowledge first and do slow work afterwards (a queue or a background job)"
    if "HTTP 404" in problem:
        return "serve every callback path: /api/PromsFormOrder, /api/MessageToCitizen, " \
               "/api/PersonvernInnstilling"  # fmt: skip
    return 'answer 2xx with {"success": true} once the callback is stored'


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in values.items())


def _describe_authorization(header: str | None, key: str) -> str:
    if header is None:
        return "missing"
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return f"'{scheme} …' (not Basic)"
    value = value.strip()
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = None
    if decoded is not None and key in decoded:
        shape = "user:key" if ":" in decoded else "the key"
        return f"'Basic ' + base64 of {shape} (the key is base64-encoded)"
    return "'Basic ' + a value that is not the API key"


def _body_problem(step: Step, exchange: Exchange, body: Any) -> tuple[str, Any, Any, str] | None:
    if not isinstance(body, dict):
        return ("the body is not a JSON object", "a JSON object",
                exchange.request_body[:200].decode("utf-8", "replace"),
                "send Content-Type: application/json with a JSON object")  # fmt: skip
    if step.kind == "form_order":
        problem = _form_order_fields(body)
        if problem is not None:
            return problem
    try:
        _MODELS[step.kind].from_wire(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        return (f"the body does not follow the contract: {where}: {first['msg']}",
                f"{where} as documented", body.get(str(first["loc"][0])) if first["loc"] else body,
                f"fix the field {where}")  # fmt: skip
    for name in ("nationalId", "onBehalfOfNationalId"):
        value = body.get(name)
        if isinstance(value, str) and value:
            problem = _national_id_problem(name, value)
            if problem is not None:
                return problem
    if step.kind == "letter":
        collection = body.get("documentCollection") or {}
        if not isinstance(collection, dict) or not collection.get("mainDocument"):
            return ("documentCollection has no mainDocument", "documentCollection.mainDocument",
                    collection, "add the letter's PDF as the main document")  # fmt: skip
    return None


def _form_order_fields(body: dict[str, Any]) -> tuple[str, Any, Any, str] | None:
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, str):
        return (f"metadata is a JSON {type(metadata).__name__}, not a string",
                'a string holding JSON, e.g. "{\\"age\\":76}"', metadata,
                "serialise the metadata object to a JSON string before putting it in the body")  # fmt: skip
    if isinstance(metadata, str):
        try:
            parsed = json.loads(metadata)
        except ValueError as exc:
            return (f"metadata is not valid JSON ({exc})", "a string holding a JSON object",
                    metadata, "write metadata with a JSON serialiser")  # fmt: skip
        if not isinstance(parsed, dict):
            return ("metadata holds JSON that is not an object", "a JSON object as text",
                    metadata, "wrap the values in an object")  # fmt: skip
    return None


def _national_id_problem(name: str, value: str) -> tuple[str, Any, Any, str] | None:
    try:
        parsed = national_id.parse(value)
    except ValueError as exc:
        return (f"{name} is not a national ID: {exc}", "a fødselsnummer or D-number",
                national_id.mask(value), f"send an 11-digit {name}")  # fmt: skip
    if not parsed.accepted_by_eprom:
        return (f"{name} is an {parsed.kind}, which ePROM refuses",
                "a fødselsnummer or D-number", str(parsed.kind),
                "use a fødselsnummer or D-number")  # fmt: skip
    return None


def _response_problem(step: Step, exchange: Exchange) -> tuple[str, Any, Any, str] | None:
    if exchange.status is None:
        return (f"got no answer from ePROM ({exchange.error})", "an answer", exchange.error,
                "check PromsApiBaseUrl")  # fmt: skip
    text = _text(exchange)
    if exchange.status == 400 and text.startswith(_DOCUMENTED_400):
        return (f"ePROM refused it with 400 {text!r} — a documented refusal: the request is "
                "wrong", "200", {"status": 400, "text": text},
                "change the request so ePROM accepts it (see the text)")  # fmt: skip
    if not 200 <= exchange.status < 300:
        return (f"ePROM answered HTTP {exchange.status}: {text[:200]!r}", "200",
                {"status": exchange.status, "text": text[:200]},
                "see ePROM's answer; 401 means the key is missing or wrong")  # fmt: skip
    answer = _json(exchange.response_body)
    if step.kind in ("sms", "email"):
        success = answer.get("success", answer.get("Success")) if isinstance(answer, dict) else None
        if success is not True:
            return ("ePROM did not answer success: true", {"success": True}, answer,
                    "check the recipient and the text")  # fmt: skip
    if step.kind == "form_order" and isinstance(answer, dict):
        if str(answer.get("id", "")).lower() == NIL_GUID:
            return ("ePROM made no order (id all zeros: the national ID is not in the registry)",
                    "an order id", answer.get("id"), "use the scenario's test person")  # fmt: skip
    return None

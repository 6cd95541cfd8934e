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
import itertools
import json
import re
from collections.abc import Iterable
from typing import Any

from pydantic import ValidationError

from eprom_verify import national_id
from eprom_verify.contract import (
    NIL_GUID,
    CallbackKind,
    DistributionRule,
    EmailRequest,
    EpromModel,
    FormOrderRequest,
    GetPersonvernInnstillingRequest,
    MessageToCitizenRequest,
    NotificationChannel,
    SetPersonvernInnstillingRequest,
    SmsRequest,
    refusals,
)
from eprom_verify.contract.callbacks import (
    ANY_CALLBACK,
    CALLBACK_PATHS,
    acknowledgement_problem,
    callback_name,
    channel_and_status_differ,
    is_acknowledgement,
    kind_of,
    wire_name,
)
from eprom_verify.findings import Finding, Outcome
from eprom_verify.wording import Text

from .front import Exchange
from .scenario import Scenario, Step, StepKind

__all__ = [
    "ATTESTED",
    "Finding",
    "Judge",
    "api_path",
    "answer_error",
    "callback_kind",
    "callback_words",
]


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
ATTESTED: dict[str, Text] = {
    "V2.1": Text(
        en="log in as the test person on Helsenorge and check that the form shows and works",
        nb="logg inn som testpersonen på Helsenorge og kontroller at skjemaet vises og virker",
    ),
    "V2.2": Text(
        en="check the cover letter on Helsenorge", nb="kontroller følgebrevet på Helsenorge"
    ),
    "V2.3": Text(
        en="check that the metadata the system sent is used as intended",
        nb="kontroller at metadataene bestillersystemet sendte, blir brukt som tiltenkt",
    ),
    "V2.4": Text(
        en="check the form task on Helsenorge", nb="kontroller skjemaoppgaven på Helsenorge"
    ),
    "V2.5": Text(
        en="check that a copy is (not) stored as dontStoreCompletedFormInPha says",
        nb="kontroller at en kopi (ikke) blir lagret slik dontStoreCompletedFormInPha sier",
    ),
    "S1": Text(
        en="check that the task and form show who the form is about, and the filler gets no copy",
        nb="kontroller at oppgaven og skjemaet viser hvem skjemaet gjelder, og at den som fyller "
        "det ut, ikke får en kopi",
    ),
}

_NONE = Text(en="none", nb="ingen")
#: a JSON value's Python type, as a bokmål noun phrase (metadata sent as an object)
_JSON_KINDS_NB = {
    "dict": "et JSON-objekt",
    "list": "en JSON-liste",
    "int": "et tall",
    "float": "et tall",
    "bool": "en sannhetsverdi",
}
#: the recording front's own words when the other side did not answer in time
_NO_ANSWER = re.compile(r"no answer within (\S+) s")
#: a problem and what to change, both ours; expected and received may be a payload
_Problem = tuple[Text, Any, Any, Text]


def callback_words(kind: str | None) -> tuple[Text, Text]:
    """``status callback`` and ``the status callback`` in both languages (any kind)."""
    try:
        noun = callback_name(CallbackKind(kind or ""))
    except ValueError:  # a path observe cannot tell apart
        noun = ANY_CALLBACK
    return noun.one, noun.the


def _step(
    step_id: str,
    check: str,
    checkpoint_ids: list[str],
    outcome: Outcome,
    message: Text | None = None,
    **more: Any,
) -> Finding:
    """One check of one step as a :class:`~eprom_verify.findings.Finding`: its outcome, and
    on failure expected vs received and a fix."""
    return Finding(checkpoint_ids, message, outcome=outcome, rule=check, step_id=step_id, **more)


def api_path(exchange: Exchange) -> str:
    """The path below ``PromsApiBaseUrl``, lower case, no query, no trailing slash."""
    path = exchange.path.split("?", 1)[0].rstrip("/").lower()
    for prefix in _API_PREFIXES:
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def callback_kind(exchange: Exchange) -> str | None:
    """``status``, ``answer``, ``letter`` or ``privacy`` for a callback exchange."""
    kind = kind_of(exchange.path, _json(exchange.request_body))
    return kind.value if kind is not None else None


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _enum_name(enum: Any, value: Any) -> str | None:
    return wire_name(enum, value)


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
        return any(is_acknowledgement(e.status, e.response_body) for e in exchanges)

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
        others = "annen forespørsel" if len(near) == 1 else "andre forespørsler"
        note = Text(
            en=f" ({len(near)} other request(s) to that path did not match)",
            nb=f" ({len(near)} {others} til den stien passet ikke)",
        ) if near else Text.same("")  # fmt: skip
        elsewhere = [e for e in self.api if _PATH_KIND.get(api_path(e)) is None
                     and _mentions(e, step.national_id)]  # fmt: skip
        if elsewhere:
            wrong = elsewhere[0]
            note += Text(
                en=f"; request #{wrong.seq} {wrong.method} {api_path(wrong)} carries this "
                f"step's nationalId — the path should be {step.request.path}",
                nb=f"; forespørsel #{wrong.seq} {wrong.method} {api_path(wrong)} har dette "
                f"stegets nationalId — stien skal være {step.request.path}",
            )
        request = f"{step.request.method} {step.request.path}"
        return _step(
            step.id,
            "performed",
            [primary],
            "failed",
            Text(
                en=f"step {step.id!r} was not performed: no {request} with {_fields(wanted)} "
                f"was seen{note.en}",
                nb=f"steg {step.id!r} ble ikke utført: ingen {request} med {_fields(wanted)} "
                f"ble sett{note.nb}",
            ),
            expected={"method": step.request.method, "path": step.request.path, "body": wanted},
            received=None,
            fix=Text(
                en="perform the step as scenario.json describes (match on the fields listed)",
                nb="utfør steget slik scenario.json beskriver det (steget kjennes igjen på "
                "feltene som er nevnt)",
            ),
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
                where = f"#{exchange.seq} ({exchange.method} {api_path(exchange)})"
                return _step(
                    step.id, "request", checkpoints, "failed",
                    Text(en=f"step {step.id!r}, request {where}: {message.en}",
                         nb=f"steg {step.id!r}, forespørsel {where}: {message.nb}"),
                    expected=expected, received=received, fix=fix, exchanges=ids,
                )  # fmt: skip
        return _step(step.id, "request", checkpoints, "passed", exchanges=ids)

    def _request_problem(self, step: Step, exchange: Exchange) -> _Problem | None:
        assert step.request is not None
        if exchange.method != step.request.method:
            want = step.request.method
            return (Text(en=f"method {exchange.method}, expected {want}",
                         nb=f"metode {exchange.method}, forventet {want}"),
                    want, exchange.method, Text(en=f"send {want}", nb=f"bruk {want}"))  # fmt: skip
        body = _json(exchange.request_body)
        for check in (self._auth_problem, _body_problem):
            problem = check(step, exchange, body)
            if problem is not None:
                return problem
        return _response_problem(step, exchange)

    def _auth_problem(self, step: Step, exchange: Exchange, body: Any) -> _Problem | None:
        assert step.request is not None
        if step.request.auth == "body":
            given = body.get("apiKey") if isinstance(body, dict) else None
            if given == self._key:
                return None
            shown = (Text(en="missing", nb="mangler") if not given else
                     Text(en="another value than the key", nb="en annen verdi enn nøkkelen"))  # fmt: skip
            verb = "" if not given else "er "
            return (Text(en=f"the body's apiKey is {shown.en}",
                         nb=f"apiKey i innholdet {verb}{shown.nb}"),
                    Text(en="apiKey: <the API key>", nb="apiKey: <API-nøkkelen>"),
                    "apiKey: " + shown,
                    Text(en="put the raw API key in the apiKey field of the body",
                         nb="legg selve API-nøkkelen i feltet apiKey i innholdet"))  # fmt: skip
        header = exchange.header("Authorization")
        if header == f"Basic {self._key}":
            return None
        received = _describe_authorization(header, self._key)
        verb = "" if header is None else "er "
        return (
            Text(
                en=f"Authorization header is {received.en}",
                nb=f"Authorization-headeren {verb}{received.nb}",
            ),
            Text(
                en="Authorization: Basic <the raw API key>",
                nb="Authorization: Basic <selve API-nøkkelen>",
            ),
            "Authorization: " + received,
            Text(
                en="send 'Authorization: Basic ' followed by the API key itself — not base64, "
                "not user:password",
                nb="send 'Authorization: Basic ' fulgt av selve API-nøkkelen — ikke base64, "
                "ikke user:password",
            ),
        )

    # --- duplicates ----------------------------------------------------------------

    def _no_duplicate(self, step: Step, requests: list[Exchange]) -> Finding:
        accepted = [e for e in requests if e.status is not None and 200 <= e.status < 300]
        if step.kind == "privacy_set":
            accepted = _repeated_changes(accepted)
        checkpoints = sorted({_PRIMARY[step.kind] if step.kind != "form_order" else "V1.4"})
        ids = [self._created_id(e) for e in accepted]
        if len(accepted) <= 1:
            return _step(step.id, "no-duplicate", checkpoints, "passed",
                           exchanges=[e.seq for e in requests], order_ids=[i for i in ids if i])  # fmt: skip
        after = self._after_redelivery(accepted)
        why = (Text(en=" — after a redelivered callback",
                    nb=" — etter et tilbakekall som ble levert på nytt") if after else
               Text(en=" — a retry without idempotency", nb=" — et nytt forsøk uten idempotens"))  # fmt: skip
        n = len(accepted)
        seqs = ", ".join(f"#{e.seq}" for e in accepted)
        shown = ", ".join(i or "?" for i in ids)
        return _step(
            step.id, "no-duplicate", checkpoints, "failed",
            Text(en=f"step {step.id!r} was performed {n} times (requests {seqs}; ids {shown})"
                    f"{why.en}",
                 nb=f"steg {step.id!r} ble utført {n} ganger (forespørsler {seqs}; id-er {shown})"
                    f"{why.nb}"),
            expected=Text(en="performed once", nb="utført én gang"),
            received=Text(en=f"performed {n} times", nb=f"utført {n} ganger"),
            fix=Text(
                en="keep your own reference per order and do not send it again once ePROM "
                   "answered 200; a callback that arrives again is not a reason to order again",
                nb="ta vare på en egen referanse per bestilling, og send den ikke på nytt når "
                   "ePROM har svart 200; et tilbakekall som kommer en gang til, er ingen grunn "
                   "til å bestille på nytt",
            ),
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
            out.append(_step(
                step.id, "channel", ["L2"], outcome,
                None if outcome == "passed" else
                Text(en=f"step {step.id!r}: letter {letter_id} went to {got}, expected {want}",
                     nb=f"steg {step.id!r}: brev {letter_id} gikk til {got}, forventet {want}"),
                expected=want, received=got,
                fix=Text(en="send notificationPriorityList as the scenario lists it",
                         nb="send notificationPriorityList slik scenariet angir den"),
                exchanges=[callbacks[0].seq], order_ids=[letter_id],
            ))  # fmt: skip
        out += self._redeliveries(step, letter_id, callbacks, ["L1"])
        return out

    def _acknowledged(
        self, step: Step, subject: Text | str, kind: str, exchanges: list[Exchange],
        checkpoints: list[str],
    ) -> Finding:  # fmt: skip
        first = [e for e in exchanges if e.leg == "callback"]
        name, the_name = callback_words(kind)
        who = Text.same(subject)
        ident = [subject] if isinstance(subject, str) else []
        if not first:
            return _step(
                step.id, f"{kind}-callback", checkpoints, "failed",
                Text(en=f"step {step.id!r}: no {name.en} for {who.en} reached the system before "
                        "the observation ended",
                     nb=f"steg {step.id!r}: ingen {name.nb} for {who.nb} nådde "
                        "bestillersystemet før observasjonen var slutt"),
                expected=Text(en=f"a {name.en}, acknowledged", nb=f"en kvittert {name.nb}"),
                received=_NONE,
                fix=Text(en="check that ePROM can reach your callback service",
                         nb="kontroller at ePROM når mottakstjenesten"),
                order_ids=ident,
            )  # fmt: skip
        for exchange in first:
            problem = self._answer_problem(exchange)
            if problem is not None:
                delivery = f"#{exchange.seq}, PUT {exchange.path}"
                return _step(
                    step.id, f"{kind}-callback", checkpoints, "failed",
                    Text(en=f"step {step.id!r}: {the_name.en} for {who.en} (delivery "
                            f"{delivery}) {problem.en}",
                         nb=f"steg {step.id!r}: {the_name.nb} for {who.nb} (levering "
                            f"{delivery}) {problem.nb}"),
                    expected=self._ack_expected(),
                    received=_received(exchange), fix=_ack_fix(problem),
                    exchanges=[e.seq for e in first], order_ids=ident,
                )  # fmt: skip
        return _step(step.id, f"{kind}-callback", checkpoints, "passed",
                       exchanges=[e.seq for e in first], order_ids=ident)  # fmt: skip

    def _ack_expected(self, *, again: bool = False) -> Text:
        limit = f"{self.limit:g} s"
        shown = Text(en=f'2xx with {{"success": true}} within {limit}',
                     nb=f'2xx med {{"success": true}} innen {limit}')  # fmt: skip
        return shown + Text(en=", nothing changed", nb=", ingenting endret") if again else shown

    def _answer_problem(self, exchange: Exchange) -> Text | None:
        """Why the system's answer to a callback is no acknowledgement (nb: passive voice)."""
        if exchange.status is None:
            error = answer_error(exchange)
            return Text(en=f"got no answer: {error.en}", nb=f"ble ikke besvart: {error.nb}")
        refusal = acknowledgement_problem(exchange.status, _text(exchange))
        if refusal is not None:
            return refusal
        if exchange.duration_s > self.limit:
            took, limit = f"{exchange.duration_s:.2f} s", f"{self.limit:g} s"
            return Text(en=f"was answered after {took}, over the time limit of {limit}",
                        nb=f"ble besvart etter {took}, over tidsgrensen på {limit}")  # fmt: skip
        return None

    def _channel(self, step: Step, order_id: str, statuses: list[Exchange]) -> Finding:
        if not statuses:
            return _step(step.id, "channel", ["V1.3"], "failed",
                           Text(en=f"step {step.id!r}: no status callback for {order_id}, so no "
                                   "channel",
                                nb=f"steg {step.id!r}: ingen statusmelding for {order_id}, så "
                                   "ingen kanal"),
                           order_ids=[order_id])  # fmt: skip
        differ = channel_and_status_differ(
            _json(statuses[0].request_body),
            channel=step.expect.notification_channel,
            status=step.expect.status_callback,
        )
        if differ is None:
            return _step(step.id, "channel", ["V1.3"], "passed",
                         exchanges=[statuses[0].seq], order_ids=[order_id])  # fmt: skip
        want, got = differ
        was = f"{got['formOrderStatus']}", f"{got['notificationChannel']}"
        wanted = f"{want['formOrderStatus']}", f"{want['notificationChannel']}"
        return _step(
            step.id, "channel", ["V1.3"], "failed",
            Text(en=f"step {step.id!r}: order {order_id} was {was[0]} on {was[1]}, expected "
                    f"{wanted[0]} on {wanted[1]}",
                 nb=f"steg {step.id!r}: bestilling {order_id} fikk {was[0]} på {was[1]}, "
                    f"forventet {wanted[0]} på {wanted[1]}"),
            expected=want, received=got,
            fix=Text(en="order the test person with the distribution rule the scenario names",
                     nb="bestill til testpersonen med distribusjonsregelen scenariet angir"),
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
            return [_step(step.id, f"redelivered-{kind}", checkpoints, "passed",
                            exchanges=[exchange.seq], order_ids=[subject])]  # fmt: skip
        _, the_name = callback_words(kind)
        return [_step(
            step.id, f"redelivered-{kind}", checkpoints, "failed",
            Text(en=f"step {step.id!r}: {the_name.en} for {subject} was delivered a second time "
                    f"(as ePROM may), and the second delivery {problem.en}",
                 nb=f"steg {step.id!r}: {the_name.nb} for {subject} ble levert en gang til "
                    f"(det kan ePROM gjøre), og den andre leveringen {problem.nb}"),
            expected=self._ack_expected(again=True),
            received=_received(exchange),
            fix=Text(
                en="treat a callback you already stored as done: answer {\"success\": true} "
                   "again without storing or ordering anything",
                nb="behandle et tilbakekall som allerede er lagret, som ferdig: svar "
                   "{\"success\": true} igjen uten å lagre eller bestille noe",
            ),
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
            return _step(step.id, "signed-document", ["S2"], "failed",
                           Text(en=f"step {step.id!r}: no signed answer for {order_id} arrived",
                                nb=f"steg {step.id!r}: det kom ingen signert svarmelding for "
                                   f"{order_id}"),
                           expected=Text(en="an answer with signedFormId",
                                         nb="en svarmelding med signedFormId"),
                           received=_NONE, order_ids=[order_id])  # fmt: skip
        downloads = self._downloads(signed)
        good = [e for e in downloads
                if e.method == "GET" and e.status == 200
                and (e.header("Authorization") or "") == f"Basic {self._key}"]  # fmt: skip
        if good:
            return _step(step.id, "signed-document", ["S2"], "passed",
                           exchanges=[e.seq for e in good], order_ids=[order_id])  # fmt: skip
        statuses = ", ".join(str(e.status) for e in downloads)
        received = (Text(en=f"{len(downloads)} attempt(s), answered {statuses}",
                         nb=f"{len(downloads)} forsøk, besvart med {statuses}")
                    if downloads else Text(en="never", nb="ingen forsøk"))  # fmt: skip
        return _step(
            step.id, "signed-document", ["S2"], "failed",
            Text(en=f"step {step.id!r}: the signed document {signed} of order {order_id} was not "
                    f"downloaded ({received.en})",
                 nb=f"steg {step.id!r}: det signerte dokumentet {signed} for bestilling "
                    f"{order_id} ble ikke lastet ned ({received.nb})"),
            expected=Text(en=f"GET /api/ExternalDocument/{signed} answered 200",
                          nb=f"GET /api/ExternalDocument/{signed} besvart med 200"),
            received=received,
            fix=Text(
                en="after an answer whose signedFormId is not all zeros, GET "
                   "{PromsApiBaseUrl}/api/ExternalDocument/{signedFormId} with "
                   "'authorization: Basic <key>' and keep the PDF",
                nb="etter en svarmelding der signedFormId ikke bare er nuller: GET "
                   "{PromsApiBaseUrl}/api/ExternalDocument/{signedFormId} med "
                   "'authorization: Basic <nøkkel>', og ta vare på PDF-en",
            ),
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
        if not answers:
            unknown = Text(en="(patient-initiated)", nb="(pasientinitiert)")
            return self._acknowledged(step, unknown, "answer", answers, ["P1"])
        return self._acknowledged(step, self._subject(answers[0]) or "?", "answer", answers, ["P1"])

    def _attestations(self) -> list[Finding]:
        return [
            _step("helsenorge", "attest", [cp], "needs_attestation",
                    Text(en=f"not visible through the API: {what.en}",
                         nb=f"ikke synlig gjennom API-et: {what.nb}"))
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


def _repeated_changes(accepted: list[Exchange]) -> list[Exchange]:
    """Privacy settings: each change is an event, so setting and then restoring a setting
    is two changes, not a step performed twice; a request with the same content as the one
    before it (the same status again) is the repeat. The first repeat and what it repeats."""
    for before, after in itertools.pairwise(accepted):
        if _json(before.request_body) == _json(after.request_body):
            return [before, after]
    return accepted[:1]


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


def _ack_fix(problem: Text) -> Text:
    if "time limit" in problem.en:
        return Text(
            en="acknowledge first and do slow work afterwards (a queue or a background job)",
            nb="kvitter først og gjør det som tar tid, etterpå (en kø eller en bakgrunnsjobb)",
        )
    if "HTTP 404" in problem.en:
        paths = ", ".join(dict.fromkeys(CALLBACK_PATHS.values()))
        return Text(en=f"serve every callback path: {paths}",
                    nb=f"svar på alle stiene for tilbakekall: {paths}")  # fmt: skip
    return Text(en='answer 2xx with {"success": true} once the callback is stored',
                nb='svar 2xx med {"success": true} når tilbakekallet er lagret')  # fmt: skip


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in values.items())


def _describe_authorization(header: str | None, key: str) -> Text:
    if header is None:
        return Text(en="missing", nb="mangler")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return Text(en=f"'{scheme} …' (not Basic)", nb=f"'{scheme} …' (ikke Basic)")
    value = value.strip()
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = None
    if decoded is not None and key in decoded:
        shape = (Text.same("user:key") if ":" in decoded else
                 Text(en="the key", nb="nøkkelen"))  # fmt: skip
        return Text(en=f"'Basic ' + base64 of {shape.en} (the key is base64-encoded)",
                    nb=f"'Basic ' + base64 av {shape.nb} (nøkkelen er base64-kodet)")  # fmt: skip
    return Text(en="'Basic ' + a value that is not the API key",
                nb="'Basic ' + en verdi som ikke er API-nøkkelen")  # fmt: skip


def _body_problem(step: Step, exchange: Exchange, body: Any) -> _Problem | None:
    if not isinstance(body, dict):
        return (Text(en="the body is not a JSON object", nb="innholdet er ikke et JSON-objekt"),
                Text(en="a JSON object", nb="et JSON-objekt"),
                exchange.request_body[:200].decode("utf-8", "replace"),
                Text(en="send Content-Type: application/json with a JSON object",
                     nb="send Content-Type: application/json med et JSON-objekt"))  # fmt: skip
    if step.kind == "form_order":
        problem = _form_order_fields(body)
        if problem is not None:
            return problem
    try:
        _MODELS[step.kind].from_wire(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        said = f"{where}: {first['msg']}"  # pydantic's words, as it said them
        return (Text(en=f"the body does not follow the contract: {said}",
                     nb=f"innholdet følger ikke kontrakten: {said}"),
                Text(en=f"{where} as documented", nb=f"{where} slik det er dokumentert"),
                body.get(str(first["loc"][0])) if first["loc"] else body,
                Text(en=f"fix the field {where}", nb=f"rett feltet {where}"))  # fmt: skip
    for name in ("nationalId", "onBehalfOfNationalId"):
        value = body.get(name)
        if isinstance(value, str) and value:
            problem = _national_id_problem(name, value)
            if problem is not None:
                return problem
    if step.kind == "letter":
        collection = body.get("documentCollection") or {}
        if not isinstance(collection, dict) or not collection.get("mainDocument"):
            return (Text(en="documentCollection has no mainDocument",
                         nb="documentCollection mangler mainDocument"),
                    "documentCollection.mainDocument", collection,
                    Text(en="add the letter's PDF as the main document",
                         nb="legg ved brevets PDF som hoveddokument (mainDocument)"))  # fmt: skip
    return None


def _form_order_fields(body: dict[str, Any]) -> _Problem | None:
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, str):
        kind = type(metadata).__name__
        shown = _JSON_KINDS_NB.get(kind, f"en JSON-verdi ({kind})")
        return (Text(en=f"metadata is a JSON {kind}, not a string",
                     nb=f"metadata er {shown}, ikke en streng"),
                Text(en='a string holding JSON, e.g. "{\\"age\\":76}"',
                     nb='en streng med JSON, f.eks. "{\\"age\\":76}"'),
                metadata,
                Text(en="serialise the metadata object to a JSON string before putting it in the "
                        "body",
                     nb="gjør metadata-objektet om til en JSON-streng før det legges i "
                        "innholdet"))  # fmt: skip
    if isinstance(metadata, str):
        try:
            parsed = json.loads(metadata)
        except ValueError as exc:
            return (Text(en=f"metadata is not valid JSON ({exc})",
                         nb=f"metadata er ikke gyldig JSON ({exc})"),
                    Text(en="a string holding a JSON object", nb="en streng med et JSON-objekt"),
                    metadata,
                    Text(en="write metadata with a JSON serialiser",
                         nb="skriv metadata med en JSON-serialiserer"))  # fmt: skip
        if not isinstance(parsed, dict):
            return (Text(en="metadata holds JSON that is not an object",
                         nb="metadata inneholder JSON som ikke er et objekt"),
                    Text(en="a JSON object as text", nb="et JSON-objekt som tekst"),
                    metadata,
                    Text(en="wrap the values in an object", nb="legg verdiene i et objekt"))  # fmt: skip
    return None


def _national_id_problem(name: str, value: str) -> _Problem | None:
    expected = Text(en="a fødselsnummer or D-number", nb="et fødselsnummer eller D-nummer")
    try:
        parsed = national_id.parse(value)
    except ValueError as exc:
        return (Text(en=f"{name} is not a national ID: {exc}",
                     nb=f"{name} er ikke et gyldig fødselsnummer eller D-nummer: {exc}"),
                expected, national_id.mask(value),
                Text(en=f"send an 11-digit {name}", nb=f"send {name} med 11 sifre"))  # fmt: skip
    if not parsed.accepted_by_eprom:
        return (Text(en=f"{name} is an {parsed.kind}, which ePROM refuses",
                     nb=f"{name} er et {parsed.kind}, som ePROM avviser"),
                expected, str(parsed.kind),
                Text(en="use a fødselsnummer or D-number",
                     nb="bruk et fødselsnummer eller D-nummer"))  # fmt: skip
    return None


def _response_problem(step: Step, exchange: Exchange) -> _Problem | None:
    if exchange.status is None:
        error = answer_error(exchange)
        return (Text(en=f"got no answer from ePROM ({error.en})",
                     nb=f"fikk ikke svar fra ePROM ({error.nb})"),
                Text(en="an answer", nb="et svar"), error,
                Text(en="check PromsApiBaseUrl", nb="kontroller PromsApiBaseUrl"))  # fmt: skip
    text = _text(exchange)
    if exchange.status == 400 and text.startswith(_DOCUMENTED_400):
        return (Text(en=f"ePROM refused it with 400 {text!r} — a documented refusal: the request "
                        "is wrong",
                     nb=f"ePROM avviste den med 400 {text!r} — en dokumentert avvisning: "
                        "forespørselen er feil"),
                "200", {"status": 400, "text": text},
                Text(en="change the request so ePROM accepts it (see the text)",
                     nb="endre forespørselen slik at ePROM godtar den (se teksten)"))  # fmt: skip
    if not 200 <= exchange.status < 300:
        return (Text(en=f"ePROM answered HTTP {exchange.status}: {text[:200]!r}",
                     nb=f"ePROM svarte HTTP {exchange.status}: {text[:200]!r}"), "200",
                {"status": exchange.status, "text": text[:200]},
                Text(en="see ePROM's answer; 401 means the key is missing or wrong",
                     nb="se svaret fra ePROM; 401 betyr at nøkkelen mangler eller er feil"))  # fmt: skip
    answer = _json(exchange.response_body)
    if step.kind in ("sms", "email"):
        success = answer.get("success", answer.get("Success")) if isinstance(answer, dict) else None
        if success is not True:
            return (Text(en="ePROM did not answer success: true",
                         nb="ePROM svarte ikke success: true"), {"success": True}, answer,
                    Text(en="check the recipient and the text",
                         nb="kontroller mottakeren og teksten"))  # fmt: skip
    if step.kind == "form_order" and isinstance(answer, dict):
        if str(answer.get("id", "")).lower() == NIL_GUID:
            return (Text(en="ePROM made no order (id all zeros: the national ID is not in the "
                            "registry)",
                         nb="ePROM opprettet ingen bestilling (id med bare nuller: "
                            "fødselsnummeret finnes ikke i registeret)"),
                    Text(en="an order id", nb="en bestillings-id"), answer.get("id"),
                    Text(en="use the scenario's test person",
                         nb="bruk testpersonen fra scenariet"))  # fmt: skip
    return None


def answer_error(exchange: Exchange) -> Text:
    """Why an exchange has no answer: ours for a timeout, else the HTTP client's words."""
    error = exchange.error or ""
    timeout = _NO_ANSWER.fullmatch(error)
    if timeout:
        return Text(en=error, nb=f"ikke noe svar innen {timeout.group(1)} s")
    return Text.same(error)

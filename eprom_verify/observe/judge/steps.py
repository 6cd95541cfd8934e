"""The judge itself: per scenario step, which rules apply, and the findings they make."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from eprom_verify.checklist import judged_in_observe
from eprom_verify.contract import (
    NIL_GUID,
    NotificationChannel,
)
from eprom_verify.contract.callbacks import (
    channel_and_status_differ,
    is_acknowledgement,
)
from eprom_verify.findings import Finding, Outcome, Rule, RuleBook, rule
from eprom_verify.observe.front import Exchange
from eprom_verify.observe.judge.attested import ATTESTED
from eprom_verify.observe.judge.callback_rules import _ack_fix, ack_expected, answer_problem
from eprom_verify.observe.judge.reading import (
    _NONE,
    _PATH_KIND,
    _enum_name,
    _fields,
    _json,
    _mentions,
    _received,
    _repeated_changes,
    _same,
    api_path,
    callback_kind,
    callback_words,
)
from eprom_verify.observe.judge.request_rules import request_problem
from eprom_verify.observe.scenario import Scenario, Step
from eprom_verify.wording import Text

#: observe's rules, by name: what each decides (the checks a step gets, see docs/observe.md)
OBSERVE_RULES: RuleBook[Rule] = RuleBook("observe")
#: the steps that place a form order (whose callbacks the order's rules judge)
_FORM_ORDER_STEPS = ("form_order",)


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


class Judge:
    """Judges one observation. ``time_limit_s``: how long the system may take to answer."""

    def __init__(
        self,
        scenario: Scenario,
        exchanges: Iterable[Exchange],
        *,
        api_key: str,
        time_limit_s: float,
        rules: RuleBook[Rule] | None = None,
    ) -> None:
        self.scenario = scenario
        #: the rules :meth:`findings` runs, in their book's order (a test may bring its own)
        self.rules: RuleBook[Rule] = OBSERVE_RULES if rules is None else rules
        self._requests: dict[str, list[Exchange]] = {}
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
        """Every rule of the book, in its order, for each step in the scenario's order, then
        for the observation as a whole (``step`` None): the same inputs to every rule."""
        out: list[Finding] = []
        for step in [*self.scenario.steps, None]:
            for each in self.rules:
                out += each(self, step)
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
        """The findings of one step: every rule of the book, in its order."""
        return [f for each in self.rules for f in each(self, step)]

    def _performed_by(self, step: Step) -> list[Exchange]:
        """The requests that perform ``step`` (memoized: every rule asks)."""
        if step.id not in self._requests:
            self._requests[step.id] = self.requests_of(step)
        return self._requests[step.id]

    def _created_by(self, step: Step, *, kinds: tuple[str, ...]) -> str | None:
        """The id ePROM gave the step's first accepted request, when ``step`` is of one of
        ``kinds`` (an order or a letter) and one was accepted; else None."""
        if step.kind not in kinds:
            return None
        ok = [e for e in self._performed_by(step) if e.status is not None and 200 <= e.status < 300]
        if not ok:
            return None
        subject = self._created_id(ok[0])
        return subject if subject and subject != NIL_GUID else None

    def _order_of(self, step: Step | None) -> str | None:
        """The form order ``step`` created (None: not a form order step, or none created)."""
        if step is None:
            return None
        return self._created_by(step, kinds=_FORM_ORDER_STEPS)

    # --- the rules: registered in OBSERVE_RULES, each given (judge, step) -----------------
    # ``step`` None is the observation as a whole, after the steps. Registering a rule is
    # what makes it run; each says [] where it does not apply.

    @rule(OBSERVE_RULES, "V1.1", "L1", "U1", "U2", "PV1", name="performed")
    def _rule_performed(self, step: Step | None) -> list[Finding]:
        """The step was performed: a request with the step's fields was seen."""
        if step is None or step.kind == "patient_initiated" or self._performed_by(step):
            return []
        return [self._not_performed(step, judged_in_observe(step.kind, "request")[0])]

    @rule(OBSERVE_RULES, "V1.1", "L1", "U1", "U2", "PV1", "S1", "S2", name="request")
    def _rule_request(self, step: Step | None) -> list[Finding]:
        """Path, method, key, body and ePROM's answer of the step's requests."""
        if step is None or step.kind == "patient_initiated" or not self._performed_by(step):
            return []
        primary = judged_in_observe(step.kind, "request")[0]
        return [self._request(step, self._performed_by(step), primary)]

    @rule(OBSERVE_RULES, "V1.4", "L1", "U1", "U2", "PV1", name="no-duplicate")
    def _rule_no_duplicate(self, step: Step | None) -> list[Finding]:
        """The step was performed once (a privacy change: no repeat of the same content)."""
        if step is None or step.kind in ("patient_initiated", "privacy_get"):
            return []
        requests = self._performed_by(step)
        return [self._no_duplicate(step, requests)] if requests else []

    @rule(OBSERVE_RULES, "L1", "L2", name="letter")
    def _rule_letter(self, step: Step | None) -> list[Finding]:
        """A letter's status callback is acknowledged and reports the expected channel."""
        letter_id = self._created_by(step, kinds=("letter",)) if step is not None else None
        return self._letter(step, letter_id) if step is not None and letter_id else []

    @rule(OBSERVE_RULES, "V1.2", "V3.1", "V3.2", "L1", "P1", name="callback-acknowledged")
    def _rule_acknowledged(self, step: Step | None) -> list[Finding]:
        """Every delivery of the callback is answered 2xx with success: true in time."""
        order_id = self._order_of(step)
        if step is None or order_id is None:
            return []
        out = []
        if step.expect.status_callback:
            statuses = self.callbacks_for(order_id, "status")
            out.append(self._acknowledged(step, order_id, "status", statuses, ["V1.2"]))
        if step.expect.answer_callback:
            answers = self.callbacks_for(order_id, "answer")
            out.append(self._acknowledged(step, order_id, "answer", answers, ["V3.1", "V3.2"]))
        return out

    @rule(OBSERVE_RULES, "V1.3", name="channel")
    def _rule_channel(self, step: Step | None) -> list[Finding]:
        """The status callback reports the channel and status the scenario expects."""
        order_id = self._order_of(step)
        if step is None or order_id is None or not step.expect.status_callback:
            return []
        return [self._channel(step, order_id, self.callbacks_for(order_id, "status"))]

    @rule(OBSERVE_RULES, "V1.4", "V3.2", "L1", name="redelivered")
    def _rule_redelivered(self, step: Step | None) -> list[Finding]:
        """A redelivered callback is acknowledged again, nothing changed."""
        order_id = self._order_of(step)
        if step is None or order_id is None:
            return []
        statuses = self.callbacks_for(order_id, "status")
        answers = self.callbacks_for(order_id, "answer")
        return self._redeliveries(step, order_id, statuses, ["V1.4"]) + self._redeliveries(
            step, order_id, answers, ["V3.2"]
        )

    @rule(OBSERVE_RULES, "S2", name="signed-document")
    def _rule_signed_document(self, step: Step | None) -> list[Finding]:
        """After a signed answer the system downloads the signed document."""
        order_id = self._order_of(step)
        if step is None or order_id is None or not step.expect.signed_document_download:
            return []
        return [self._signed_document(step, order_id, self.callbacks_for(order_id, "answer"))]

    @rule(OBSERVE_RULES, "P1", name="patient-initiated")
    def _rule_patient_initiated(self, step: Step | None) -> list[Finding]:
        """A patient-initiated answer for the step's person is acknowledged."""
        if step is None or step.kind != "patient_initiated":
            return []
        return [self._patient_initiated(step)]

    @rule(OBSERVE_RULES, *ATTESTED, name="attest")
    def _rule_attest(self, step: Step | None) -> list[Finding]:
        """What the API cannot show stays "needs attestation"."""
        return self._attestations() if step is None else []

    # --- request -------------------------------------------------------------------

    def _not_performed(self, step: Step, primary: str) -> Finding:
        """The step was performed: a request with the step's fields was seen."""
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
        """Path, method, key, body and ePROM's answer of the step's requests."""
        ids = [e.seq for e in requests]
        checkpoints = [primary] + [
            c for c in judged_in_observe(step.kind, "request", step.checkpoints) if c != primary
        ]
        for exchange in requests:
            problem = request_problem(step, exchange, self._key)
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

    # --- duplicates ----------------------------------------------------------------

    def _no_duplicate(self, step: Step, requests: list[Exchange]) -> Finding:
        """The step was performed once (a privacy change: no repeat of the same content)."""
        accepted = [e for e in requests if e.status is not None and 200 <= e.status < 300]
        if step.kind == "privacy_set":
            accepted = _repeated_changes(accepted)
        checkpoints = sorted(set(judged_in_observe(step.kind, "no-duplicate")))
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

    def _letter(self, step: Step, letter_id: str) -> list[Finding]:
        """A letter's status callback is acknowledged and reports the expected channel."""
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
        """Every delivery of the callback is answered 2xx with success: true in time."""
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
            problem = answer_problem(exchange, self.limit)
            if problem is not None:
                delivery = f"#{exchange.seq}, PUT {exchange.path}"
                return _step(
                    step.id, f"{kind}-callback", checkpoints, "failed",
                    Text(en=f"step {step.id!r}: {the_name.en} for {who.en} (delivery "
                            f"{delivery}) {problem.en}",
                         nb=f"steg {step.id!r}: {the_name.nb} for {who.nb} (levering "
                            f"{delivery}) {problem.nb}"),
                    expected=ack_expected(self.limit),
                    received=_received(exchange), fix=_ack_fix(problem),
                    exchanges=[e.seq for e in first], order_ids=ident,
                )  # fmt: skip
        return _step(step.id, f"{kind}-callback", checkpoints, "passed",
                       exchanges=[e.seq for e in first], order_ids=ident)  # fmt: skip

    def _channel(self, step: Step, order_id: str, statuses: list[Exchange]) -> Finding:
        """The status callback reports the channel and status the scenario expects."""
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
        """A redelivered callback is acknowledged again, nothing changed."""
        again = [e for e in exchanges if e.leg == "redelivery"]
        if not again:
            return []
        exchange = again[0]
        kind = callback_kind(exchange)
        problem = answer_problem(exchange, self.limit)
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
            expected=ack_expected(self.limit, again=True),
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
        """After a signed answer the system downloads the signed document."""
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
        """A patient-initiated answer for the step's person is acknowledged."""
        answers = self._patient_initiated_answers(step)
        if not answers:
            unknown = Text(en="(patient-initiated)", nb="(pasientinitiert)")
            return self._acknowledged(step, unknown, "answer", answers, ["P1"])
        return self._acknowledged(step, self._subject(answers[0]) or "?", "answer", answers, ["P1"])

    def _attestations(self) -> list[Finding]:
        """What the API cannot show stays "needs attestation"."""
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

"""The harness a suite talks to: the client, the listener, the simulator, the ledger, the evidence.

It plays the ordering system. One :class:`Harness` lives for a pytest session (or any
plain-Python run); suites ask it to place orders and letters and to wait for their
callbacks. It is built from collaborators, each constructed with what it needs and usable
alone:

- the run-wide :class:`~eprom_verify.ledger.Ledger` (every placement, judged after the
  last test);
- the :class:`~eprom_verify.evidence_trail.EvidenceTrail` (``harness.trail``): every
  request, response and callback as evidence, tagged with the case and checkpoints it
  serves, and each order's timeline in true order (sent → answered → callbacks);
- the :class:`~eprom_verify.verdict.RunVerdict` (``harness.run_verdict``): wait for what
  is due, judge the ledger once;
- the :class:`~eprom_verify.manual.ManualSteps` (``harness.manual``): instructions to a
  person and attestations;
- the :class:`~eprom_verify.waiting.WaitProgress` line while waiting.

The harness itself places (orders are cached by case so that the tests proving V1.1, V1.2,
V1.3 and V1.4 read one order rather than placing four) and delegates the rest.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import ApiError, CheckFailure, PrerequisiteMissing
from .channels import expected_channel_on_behalf, letter_channel
from .checklist import placement_checkpoints
from .client import EpromClient
from .config import Form, Patient, PvkDefinition
from .contract import (
    NIL_GUID,
    CallbackKind,
    DistributionRule,
    FormOrderRequest,
    MessageToCitizenRequest,
    NotificationChannel,
)
from .evidence_trail import EvidenceTrail, ServingContext
from .ledger import Entry, EntryKind, Finding, Ledger, LedgerVerdict, PrivacyChange
from .listener import CallbackListener, ReceivedCallback
from .manual import ManualSteps
from .placed import PlacedLetter, PlacedOrder
from .settings import RunSettings, Secret
from .verdict import RunVerdict
from .waiting import WaitProgress, wait_for_all
from .wording import Text

if TYPE_CHECKING:
    from .client import Exchange
    from .report.model import Attestation, EvidenceKind
    from .report.recorder import Recorder

__all__ = ["Harness", "PlacedLetter", "PlacedOrder", "expiry_in"]

_A = TypeVar("_A")


def _ids(kind: EntryKind) -> tuple[str, ...]:
    """The checkpoint ids one order or letter serves (the first fails on a refusal)."""
    assert kind != "privacy"
    return tuple(c.id for c in placement_checkpoints(kind))


def expiry_in(days: int) -> str:
    """An ``expiryDate`` ``days`` from now, as the docs' JavaScript example writes it."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Harness:
    """Everything a suite needs, for one environment."""

    def __init__(
        self,
        *,
        settings: RunSettings,
        client: EpromClient,
        listener: CallbackListener,
        patients: list[Patient],
        forms: list[Form],
        pvk: list[PvkDefinition],
        simulator: Any = None,
        recorder: Recorder | None = None,
        today: dt.date | None = None,
        progress_stream: Any = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.listener = listener
        self.patients = patients
        self.forms = forms
        self.pvk = pvk
        self.simulator = simulator
        self.recorder = recorder
        self.today = today or dt.date.today()
        stream = progress_stream if progress_stream is not None else sys.__stderr__
        self.ledger = Ledger()
        self.trail = EvidenceTrail(recorder=recorder, placements=self.ledger)
        self.waiting = WaitProgress(stream)
        self.manual = ManualSteps(
            settings=settings, callbacks=listener, stream=stream, recorder=recorder
        )
        self.run_verdict = RunVerdict(
            ledger=self.ledger,
            callbacks=listener,
            placements=self.trail,
            progress=self.waiting,
            callback_timeout_s=settings.callback_timeout_s,
            # the simulator's patient answers at once; a person takes up to --fill-timeout
            answer_timeout_s=(
                settings.callback_timeout_s if simulator is not None else settings.fill_timeout_s
            ),
            duplicate_window_s=settings.duplicate_window_s,
        )
        self._orders: dict[str, PlacedOrder] = {}
        self._letters: dict[str, PlacedLetter] = {}
        self._lock = threading.Lock()

    # --- the test in progress (kept by the evidence trail) ----------------------------
    def begin_test(self, test: str, checkpoint_ids: tuple[str, ...], case: str | None) -> None:
        """A new test starts: what it places and reads is credited to it."""
        self.trail.begin_test(test, checkpoint_ids, case)

    def fact(self, **facts: Any) -> None:
        """Note what the current test compared (the report's per-checkpoint tables)."""
        self.trail.current.facts.update(facts)

    # the test in progress as attributes, as suites read (and reset) them
    @property
    def current_test(self) -> str | None:
        return self.trail.current.test

    @current_test.setter
    def current_test(self, test: str | None) -> None:
        self.trail.current.test = test

    @property
    def current_checkpoints(self) -> tuple[str, ...]:
        return self.trail.current.checkpoint_ids

    @current_checkpoints.setter
    def current_checkpoints(self, checkpoint_ids: tuple[str, ...]) -> None:
        self.trail.current.checkpoint_ids = checkpoint_ids

    @property
    def current_case(self) -> str | None:
        return self.trail.current.case

    @current_case.setter
    def current_case(self, case: str | None) -> None:
        self.trail.current.case = case

    @property
    def current_facts(self) -> dict[str, Any]:
        return self.trail.current.facts

    @current_facts.setter
    def current_facts(self, facts: dict[str, Any]) -> None:
        self.trail.current.facts = facts

    @property
    def current_orders(self) -> list[str]:
        """The orders and letters the current test read (their evidence is linked to it).

        A suite may reset it (``eprom.current_orders = []``) after placing for others.
        """
        return self.trail.current.orders

    @current_orders.setter
    def current_orders(self, orders: list[str]) -> None:
        self.trail.current.orders = orders

    @property
    def api_key(self) -> Secret:
        """Our key, as a secret: compare with it, never print it."""
        return self.settings.api_key

    # --- evidence (the trail) ---------------------------------------------------------
    @contextmanager
    def serving(
        self, case: str | None, checkpoint_ids: tuple[str, ...] | None = None
    ) -> Iterator[None]:
        """Exchanges made in this block (this thread) serve ``case`` and ``checkpoint_ids``."""
        with self.trail.serving(case, checkpoint_ids):
            yield

    def evidence(self, kind: EvidenceKind, **kwargs: Any) -> str | None:
        """Record evidence for whom the current exchange serves; its id (None: no report)."""
        return self.trail.evidence(kind, **kwargs)

    def touch(self, ident: str | None) -> None:
        """Note that the current test reads this order or letter (links its evidence)."""
        self.trail.touch(ident)

    def evidence_of_current_test(self, *, limit: int = 40) -> list[str]:
        return self.trail.evidence_of_current_test(limit=limit)

    def timeline(self, ident: str, what: Text | str, **kwargs: Any) -> None:
        self.trail.timeline(ident, what, **kwargs)

    def record_exchange(self, exchange: Exchange) -> None:
        """The client's hook: one request and its response as evidence."""
        self.trail.record_exchange(exchange)

    def record_callback(self, callback: ReceivedCallback) -> None:
        """The listener's hook: the callback as evidence once we know whom it serves."""
        self.trail.record_callback(callback)

    @property
    def evidence_by_ident(self) -> dict[str, list[str]]:
        return self.trail.evidence_by_ident

    # --- the run-wide verdict ---------------------------------------------------------
    def judge_run(self) -> LedgerVerdict:
        """Wait for what is still due, then judge every placement (once per run)."""
        return self.run_verdict.judge_run()

    # --- a person (manual steps) ------------------------------------------------------
    @property
    def attestations(self) -> dict[str, Attestation]:
        """The attestations given so far, by checkpoint id (``--attest`` and the terminal)."""
        return self.manual.attestations

    def say(self, text: str) -> None:
        self.manual.say(text)

    def instruct_fill(self, case: Any, placed: PlacedOrder, *, signing: bool = False) -> float:
        """Tell the tester what to do; returns how long to wait (0 with --fill skip)."""
        return self.manual.instruct_fill(case, placed, signing=signing)

    def instruct_fill_on_behalf(
        self, parent: Any, child: Any, form: Any, placed: PlacedOrder
    ) -> None:
        self.manual.instruct_fill_on_behalf(parent, child, form, placed)

    def instruct_patient_initiated(self, case: Any) -> tuple[str | None, float]:
        """Outside the simulator: the tester starts the form from its public URL."""
        return self.manual.instruct_patient_initiated(case)

    def attested_yes(self, checkpoint_ids: tuple[str, ...]) -> Attestation | None:
        return self.manual.attested_yes(checkpoint_ids)

    def delivery_attested(self, order_id: str) -> Attestation | None:
        return self.manual.delivery_attested(order_id)

    def require_attestation(self, checkpoint_id: str, question: str | Text) -> None:
        """Pass with a 'yes', fail with a 'no', else leave the row 'needs attestation'."""
        self.manual.require_attestation(checkpoint_id, question)

    # --- waiting --------------------------------------------------------------------
    def progress(self, label: str, so_far: float, limit: float) -> None:
        """A short progress line while waiting (only once a wait takes > 2 s)."""
        self.waiting(label, so_far, limit)

    def wait(
        self, kind: CallbackKind | str, ident: str, *, timeout_s: float, what: str
    ) -> tuple[list[ReceivedCallback], float]:
        """Wait for the first callback; what has arrived for ``ident`` by then.

        No settle window here: a duplicate that comes later is caught by the run-wide
        verdict, which listens one duplicate window past the last first callback of the run
        (:meth:`~eprom_verify.verdict.RunVerdict.judge_run`), so the windows overlap the run
        instead of adding up, test after test.
        """
        kind = CallbackKind(kind)
        self.touch(ident)
        start = time.monotonic()
        found = self.listener.wait_for(
            kind, ident, timeout_s=timeout_s, what=what, progress=self.waiting
        )
        self.waiting.end()
        return found, time.monotonic() - start

    # --- orders ---------------------------------------------------------------------
    def order_once(
        self,
        case: str,
        build: Callable[[], FormOrderRequest],
        *,
        checkpoint_ids: tuple[str, ...] | None = None,
    ) -> PlacedOrder:
        """Place the order for ``case`` once per session and wait for its status callback."""
        with self._lock:
            cached = self._orders.get(case)
        if cached is None:
            cached = self.place_order(case, build(), checkpoint_ids=checkpoint_ids)
            with self._lock:
                self._orders[case] = cached
        if cached.response is not None:
            self.touch(cached.response.id)
        return cached

    def place_order(
        self,
        case: str,
        request: FormOrderRequest,
        *,
        wait: bool = True,
        checkpoint_ids: tuple[str, ...] | None = None,
    ) -> PlacedOrder:
        """Send one order (recorded in the ledger) and, by default, wait for its status."""
        placed = PlacedOrder(case=case, request=request)
        answer, placed.error, context, sent_at = self._send(
            case, checkpoint_ids, lambda: self.client.order_form(request), "form_order"
        )
        if placed.error is not None:
            return placed
        placed.response = answer
        if placed.made:
            self._register_order(placed, context, sent_at=sent_at)
        if wait and placed.made and not request.test_mode:
            placed.status_callbacks, placed.waited_s = self.wait(
                CallbackKind.STATUS,
                placed.order_id,
                timeout_s=self.settings.callback_timeout_s,
                what=f"the status callback of order {placed.order_id}",
            )
        return placed

    def _send(
        self,
        case: str,
        checkpoint_ids: tuple[str, ...] | None,
        call: Callable[[], _A],
        kind: EntryKind,
    ) -> tuple[_A | None, ApiError | None, ServingContext, float]:
        """One placement in the case's context; a refusal goes to the ledger (V1.1 / L1)."""
        with self.trail.serving(_case_name(case), checkpoint_ids):
            context = self.trail.context()
            sent_at = time.time()
            try:
                return call(), None, context, sent_at
            except ApiError as exc:
                noun = _NOUNS[kind]
                what = Text(
                    en=f"the {noun.en} of case {context.case}",
                    nb=f"{noun.nb} i tilfelle {context.case}",
                )
                refusal = _ids(kind)[0]
                self.ledger.refused(_refused_finding(refusal, what, exc, context))
                return None, exc, context, sent_at

    def missing_answer(self, placed: PlacedOrder, *, waited_s: float, expected: Text | str) -> None:
        """Outside the simulator no answer came: a failure if a person attested delivering it.

        Otherwise the check cannot run (nobody delivered): raised as *not run*.
        """
        attested = self.delivery_attested(placed.order_id)
        if attested is None:
            raise PrerequisiteMissing(
                Text(
                    en=f"nobody delivered order {placed.order_id} in time",
                    nb=f"ingen sendte inn bestilling {placed.order_id} i tide",
                )
            )
        tester = attested.tester
        self.delivered(
            placed,
            because=Text(
                en=f"{tester} attested delivering it",
                nb=f"{tester} attesterte at den ble sendt inn",
            ),
        )
        raise CheckFailure(
            Text(
                en=f"{tester} attested delivering order {placed.order_id}, but no answer "
                f"callback came within {waited_s:.0f} s (--fill-timeout)",
                nb=f"{tester} attesterte at bestilling {placed.order_id} ble sendt inn, men "
                f"ingen svarmelding kom innen {waited_s:.0f} s (--fill-timeout)",
            ),
            expected=expected,
            received=Text(en="none", nb="ingen"),
            order_id=placed.order_id,
        )

    def _register_order(
        self, placed: PlacedOrder, context: ServingContext, *, sent_at: float
    ) -> None:
        request = placed.request
        patient = self._patient(request.national_id)
        form = next((f for f in self.forms if f.id == request.form_id), None)
        rule = request.distribution_rule or DistributionRule.Basic
        predicted: NotificationChannel | None = None
        status: str | None = None
        if patient is not None and form is not None:
            about = self._patient(request.on_behalf_of_national_id)
            predicted = expected_channel_on_behalf(
                patient, about, rule, today=self.today, paper_enabled=form.paper_enabled
            )
            reachable = predicted is not NotificationChannel.None_
            status = "Ordered" if reachable or rule is DistributionRule.NoDistribution else "Error"
        self._record_placement(
            placed.order_id,
            "form_order",
            context,
            sent_at=sent_at,
            test_mode=bool(request.test_mode),
            patient=patient,
            rule=rule.name,
            form=form.name if form is not None else None,
            expected_channel=predicted,
            expected_status=status,
        )

    def _record_placement(
        self,
        ident: str,
        kind: EntryKind,
        context: ServingContext,
        *,
        sent_at: float,
        test_mode: bool,
        patient: Patient | None,
        **facts: Any,
    ) -> None:
        """Into the ledger and the report, then record callbacks that came before it."""
        entry = self.ledger.place(
            Entry(
                ident=ident,
                kind=kind,
                sent_at=sent_at,
                answered_at=time.time(),
                case=context.case,
                test=context.test,
                checkpoint_ids=context.checkpoint_ids,
                test_mode=test_mode,
                person=patient.key if patient is not None else None,
                **facts,
            )
        )
        self.trail.placed(entry)

    def _patient(self, national_id: str | None) -> Patient | None:
        return next((p for p in self.patients if p.national_id == national_id), None)

    def delivered(self, placed: PlacedOrder, *, because: Text | str) -> None:
        """The patient delivered ``placed`` (or a tester attested it): its answer is due."""
        if placed.made:
            self.ledger.expect_answer(placed.order_id, because=because, at=time.time())

    def expect_privacy_change(
        self, ident: str, *, status: str | None = None, own: bool = False
    ) -> None:
        """The run changed privacy setting ``ident`` (``nationalId:pvkId``) to ``status``.

        A citizen's change (``own=False``) must be reported by one callback; the ordering
        system's own change (``own=True``, via setpersonverninnstilling) may be or not.
        """
        now = time.time()
        current = self.trail.current
        self.ledger.place(
            Entry(
                ident=ident,
                kind="privacy",
                sent_at=now,
                case=current.case,
                test=current.test,
                checkpoint_ids=current.checkpoint_ids,
                changes=[PrivacyChange(at=now, status=status, reported=not own)],
            )
        )

    def order_request(
        self,
        patient: Patient,
        form: Form,
        *,
        rule: DistributionRule = DistributionRule.Basic,
        **fields: Any,
    ) -> FormOrderRequest:
        return FormOrderRequest(
            form_id=form.id,
            national_id=patient.national_id,
            expiry_date=expiry_in(7),
            distribution_rule=rule,
            **fields,
        )

    def send_letter_once(
        self, case: str, build: Callable[[], MessageToCitizenRequest]
    ) -> PlacedLetter:
        """Send the letter for ``case`` once per session and wait for its status callback."""
        self.prefetch_letters({case: build})
        with self._lock:
            placed = self._letters[case]
        if placed.response is not None:
            self.touch(placed.response.message_to_citizen_id)
        return placed

    def prefetch_orders(
        self,
        builds: dict[str, Callable[[], FormOrderRequest]],
        *,
        checkpoint_ids: tuple[str, ...] | None = None,
        workers: int = 16,
    ) -> None:
        """Place many orders at once and wait for their callbacks together.

        Each order serves ``checkpoint_ids``, by default the ordering area's (V1.1–V1.4:
        :func:`~eprom_verify.checklist.placement_checkpoints`).

        The waits overlap instead of adding up, so a run with a hundred orders waits about
        as long as one with one (duplicates: the run-wide window of ``judge_run``). Results land in the
        same cache ``order_once`` reads; each order is credited to its own case.
        """
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._orders}
        if not todo:
            return
        serves = checkpoint_ids if checkpoint_ids is not None else _ids("form_order")

        def place(item: tuple[str, Callable[[], FormOrderRequest]]) -> PlacedOrder:
            return self.place_order(item[0], item[1](), wait=False, checkpoint_ids=serves)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            placed = list(pool.map(place, todo.items()))
        waiting = [p for p in placed if p.made and not p.request.test_mode]
        found = self._wait_all(CallbackKind.STATUS, [p.order_id for p in waiting])
        for p in waiting:
            p.status_callbacks, p.waited_s = found[p.order_id]
        with self._lock:
            for p in placed:
                self._orders[p.case] = p

    def prefetch_letters(
        self,
        builds: dict[str, Callable[[], MessageToCitizenRequest]],
        *,
        checkpoint_ids: tuple[str, ...] | None = None,
        workers: int = 16,
    ) -> None:
        """Like :meth:`prefetch_orders`, for letters (by default serving L1–L2)."""
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._letters}
        if not todo:
            return
        serves = checkpoint_ids if checkpoint_ids is not None else _ids("letter")

        def send(item: tuple[str, Callable[[], MessageToCitizenRequest]]) -> PlacedLetter:
            return self.send_letter(item[0], item[1](), checkpoint_ids=serves)

        with ThreadPoolExecutor(max_workers=workers) as pool:
            sent = list(pool.map(send, todo.items()))
        waiting = [
            p
            for p in sent
            if p.response is not None
            and p.response.message_to_citizen_id != NIL_GUID
            and not p.request.test_mode
        ]
        found = self._wait_all(CallbackKind.LETTER, [p.letter_id for p in waiting])
        for p in waiting:
            p.callbacks, p.waited_s = found[p.letter_id]
        with self._lock:
            for p in sent:
                self._letters[p.case] = p

    def send_letter(
        self,
        case: str,
        request: MessageToCitizenRequest,
        *,
        checkpoint_ids: tuple[str, ...] | None = None,
    ) -> PlacedLetter:
        """Send one letter (recorded in the ledger); does not wait for its callback."""
        letter = PlacedLetter(case=case, request=request)
        letter.response, letter.error, context, sent_at = self._send(
            case, checkpoint_ids, lambda: self.client.send_letter(request), "letter"
        )
        response = letter.response
        if response is not None and response.message_to_citizen_id != NIL_GUID:
            patient = self._patient(request.national_id)
            priority = tuple(request.notification_priority_list or ())
            predicted = (
                letter_channel(patient, priority, today=self.today)
                if patient is not None and priority
                else None
            )
            self._record_placement(
                response.message_to_citizen_id,
                "letter",
                context,
                sent_at=sent_at,
                test_mode=bool(request.test_mode),
                patient=patient,
                rule="+".join(c.wire_name for c in priority) or None,
                expected_channel=predicted,
            )
        return letter

    def _wait_all(
        self, kind: CallbackKind, idents: list[str]
    ) -> dict[str, tuple[list[ReceivedCallback], float]]:
        return wait_for_all(
            self.listener,
            kind,
            idents,
            timeout_s=self.settings.callback_timeout_s,
            progress=self.waiting,
        )

    def all_orders(self) -> list[PlacedOrder]:
        with self._lock:
            return list(self._orders.values())


def _case_name(case: str) -> str:
    """``order:verification-person-Basic`` → ``verification-person-Basic``."""
    return case.split(":", 1)[1] if ":" in case else case


#: what a placement of each kind is called in a refusal
_NOUNS: dict[EntryKind, Text] = {
    "form_order": Text(en="order", nb="bestillingen"),
    "letter": Text(en="letter", nb="brevet"),
}


def _refused_finding(
    checkpoint_id: str, what: Text, exc: ApiError, context: ServingContext
) -> Finding:
    received: Text | str
    if exc.transport:
        message = Text(
            en=f"{what.en} did not reach ePROM: {exc.text}",
            nb=f"{what.capitalized().nb} nådde ikke ePROM: «{exc.text}»",
        )
        received = Text(en=f"no answer ({exc.text})", nb=f"ikke noe svar («{exc.text}»)")
    else:
        message = Text(
            en=f"{what.en} was refused: {exc.status} {exc.text}",
            nb=f"{what.capitalized().nb} ble avvist: {exc.status} «{exc.text}»",
        )
        received = f"{exc.status} {exc.text}"
    return Finding(
        checkpoint_id=checkpoint_id,
        message=message,
        expected=Text(en="200 and an id", nb="200 og en id"),
        received=received,
        case=context.case,
        test=context.test,
    )

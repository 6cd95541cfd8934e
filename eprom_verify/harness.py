"""The harness a suite talks to: the client, the listener, the simulator, the ledger, the evidence.

It plays the ordering system. One :class:`Harness` lives for a pytest session (or any
plain-Python run); suites ask it to place orders and letters and to wait for their
callbacks. Every placement goes into the run-wide :class:`~eprom_verify.ledger.Ledger`,
which is judged after the last test; every request, response and callback goes to the
recorder as evidence, tagged with the case and checkpoints it serves, and each order gets
a timeline in true order (sent → answered → callbacks). Orders are cached by case so that
the tests proving V1.1, V1.2, V1.3 and V1.4 read one order rather than placing four.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, TypeVar

from ._exceptions import ApiError, CheckFailure, PrerequisiteMissing
from .channels import expected_channel_on_behalf, letter_channel
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
from .evidence_trail import ServingContext
from .ledger import Entry, EntryKind, Finding, Ledger, LedgerVerdict, PrivacyChange
from .listener import CallbackListener, ReceivedCallback
from .manual import ManualSteps
from .placed import PlacedLetter, PlacedOrder
from .settings import RunSettings, Secret
from .verdict import RunVerdict
from .wording import Text

if TYPE_CHECKING:
    from .report.recorder import Recorder

__all__ = ["Harness", "PlacedLetter", "PlacedOrder", "expiry_in"]

_A = TypeVar("_A")

#: checkpoints the V1 batch of orders serves
V1_CHECKPOINTS = ("V1.1", "V1.2", "V1.3", "V1.4")


def expiry_in(days: int) -> str:
    """An ``expiryDate`` ``days`` from now, as the docs' JavaScript example writes it."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class Harness(RunVerdict, ManualSteps):
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
        self.ledger = Ledger()
        self.current_test: str | None = None
        self.current_checkpoints: tuple[str, ...] = ()
        self.current_case: str | None = None
        self.current_facts: dict[str, Any] = {}
        self._orders: dict[str, PlacedOrder] = {}
        self._letters: dict[str, PlacedLetter] = {}
        self._lock = threading.Lock()
        self._local = threading.local()
        self._pending_callbacks: dict[str, list[ReceivedCallback]] = {}
        self._verdict: LedgerVerdict | None = None
        self._stream = progress_stream if progress_stream is not None else sys.__stderr__
        self._last_progress = 0.0
        self._progress_open = False
        self.attestations: dict[str, Any] = {}
        #: the orders/letters the current test read, and the evidence of each
        self.current_orders: list[str] = []
        self.evidence_by_ident: dict[str, list[str]] = {}

    # --- the test in progress ---------------------------------------------------------
    def begin_test(self, test: str, checkpoint_ids: tuple[str, ...], case: str | None) -> None:
        """A new test starts: what it places and reads is credited to it."""
        self.current_orders = []
        self.current_test = test
        self.current_checkpoints = checkpoint_ids
        self.current_case = case
        self.current_facts = {}

    def fact(self, **facts: Any) -> None:
        """Note what the current test compared (the report's per-checkpoint tables)."""
        self.current_facts.update(facts)

    @property
    def api_key(self) -> Secret:
        """Our key, as a secret: compare with it, never print it."""
        return self.settings.api_key

    # --- waiting --------------------------------------------------------------------
    def progress(self, label: str, so_far: float, limit: float) -> None:
        """A short progress line while waiting (only once a wait takes > 2 s)."""
        if so_far < 2.0 or self._stream is None:
            return
        tty = hasattr(self._stream, "isatty") and self._stream.isatty()
        now = time.monotonic()
        if not tty and now - self._last_progress < 15:
            return
        self._last_progress = now
        line = f"waiting for {label}: {so_far:.0f} s of {limit:.0f} s"
        self._stream.write(("\r" + line + " " * 8) if tty else line + "\n")
        self._stream.flush()
        self._progress_open = tty

    def _end_progress(self) -> None:
        """End an updating progress line, so what follows starts on a line of its own."""
        if self._progress_open and self._stream is not None:
            self._stream.write("\n")
            self._stream.flush()
        self._progress_open = False

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
            kind, ident, timeout_s=timeout_s, what=what, progress=self.progress
        )
        self._end_progress()
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
            case, checkpoint_ids, lambda: self.client.order_form(request), "V1.1", _ORDER
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
        checkpoint_id: str,
        noun: Text,
    ) -> tuple[_A | None, ApiError | None, ServingContext, float]:
        """One placement in the case's context; a refusal goes to the ledger (V1.1 / L1)."""
        with self.serving(_case_name(case), checkpoint_ids):
            context = self._context()
            sent_at = time.time()
            try:
                return call(), None, context, sent_at
            except ApiError as exc:
                what = Text(
                    en=f"the {noun.en} of case {context.case}",
                    nb=f"{noun.nb} i tilfelle {context.case}",
                )
                self.ledger.refused(_refused_finding(checkpoint_id, what, exc, context))
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
        self._describe(entry)
        self._flush_pending(ident)

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
        self.ledger.place(
            Entry(
                ident=ident,
                kind="privacy",
                sent_at=now,
                case=self.current_case,
                test=self.current_test,
                checkpoint_ids=self.current_checkpoints,
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
        checkpoint_ids: tuple[str, ...] = V1_CHECKPOINTS,
        workers: int = 16,
    ) -> None:
        """Place many orders at once and wait for their callbacks together.

        The waits overlap instead of adding up, so a run with a hundred orders waits about
        as long as one with one (duplicates: the run-wide window of ``judge_run``). Results land in the
        same cache ``order_once`` reads; each order is credited to its own case.
        """
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._orders}
        if not todo:
            return

        def place(item: tuple[str, Callable[[], FormOrderRequest]]) -> PlacedOrder:
            return self.place_order(item[0], item[1](), wait=False, checkpoint_ids=checkpoint_ids)

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
        checkpoint_ids: tuple[str, ...] = ("L1", "L2"),
        workers: int = 16,
    ) -> None:
        """Like :meth:`prefetch_orders`, for letters."""
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._letters}
        if not todo:
            return

        def send(item: tuple[str, Callable[[], MessageToCitizenRequest]]) -> PlacedLetter:
            return self.send_letter(item[0], item[1](), checkpoint_ids=checkpoint_ids)

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
            case, checkpoint_ids, lambda: self.client.send_letter(request), "L1", _LETTER
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
        start = time.monotonic()
        deadline = start + self.settings.callback_timeout_s
        waited: dict[str, float] = {}
        for ident in idents:
            left = max(0.0, deadline - time.monotonic())
            found = self.listener.wait_for(
                kind,
                ident,
                timeout_s=left,
                what=f"the {kind} callback of {ident}",
                progress=self.progress,
            )
            waited[ident] = time.monotonic() - start if found else self.settings.callback_timeout_s
        self._end_progress()
        return {ident: (self.listener.received(kind, ident), waited[ident]) for ident in idents}

    def all_orders(self) -> list[PlacedOrder]:
        with self._lock:
            return list(self._orders.values())


def _case_name(case: str) -> str:
    """``order:verification-person-Basic`` → ``verification-person-Basic``."""
    return case.split(":", 1)[1] if ":" in case else case


_ORDER = Text(en="order", nb="bestillingen")
_LETTER = Text(en="letter", nb="brevet")


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

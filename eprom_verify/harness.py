"""The harness a suite talks to: the client, the listener, the simulator, the evidence.

It plays the ordering system. One :class:`Harness` lives for a pytest session (or any
plain-Python run); suites ask it to place orders and letters and to wait for their
callbacks. Every request, response and callback goes to the recorder as evidence, and
each order gets a timeline. Orders are cached by case so that the tests proving V1.1,
V1.2, V1.3 and V1.4 read one order rather than placing four.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._exceptions import ApiError
from .client import EpromClient, Exchange
from .config import Form, Patient, PvkDefinition
from .contract import (
    NIL_GUID,
    DistributionRule,
    FormOrderRequest,
    FormOrderResponse,
    MessageToCitizenRequest,
    MessageToCitizenResponse,
)
from .listener import CallbackKind, CallbackListener, ReceivedCallback
from .settings import RunSettings

if TYPE_CHECKING:
    from .report.model import EvidenceKind
    from .report.recorder import Recorder

__all__ = ["Harness", "PlacedLetter", "PlacedOrder", "expiry_in"]


def _set_status(placed: Any, callbacks: list[ReceivedCallback], waited: float) -> None:
    placed.status_callbacks, placed.waited_s = callbacks, waited


def _set_letter(placed: Any, callbacks: list[ReceivedCallback], waited: float) -> None:
    placed.callbacks, placed.waited_s = callbacks, waited


def expiry_in(days: int) -> str:
    """An ``expiryDate`` ``days`` from now, as the docs' JavaScript example writes it."""
    moment = dt.datetime.now(dt.UTC) + dt.timedelta(days=days)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class PlacedOrder:
    """A form order and what came back for it."""

    case: str
    request: FormOrderRequest
    response: FormOrderResponse | None = None
    error: ApiError | None = None
    status_callbacks: list[ReceivedCallback] = field(default_factory=list)
    waited_s: float = 0.0

    @property
    def order_id(self) -> str:
        return self.response.id if self.response is not None else "(no order)"

    @property
    def made(self) -> bool:
        return self.response is not None and self.response.id != NIL_GUID


@dataclass
class PlacedLetter:
    case: str
    request: MessageToCitizenRequest
    response: MessageToCitizenResponse | None = None
    error: ApiError | None = None
    callbacks: list[ReceivedCallback] = field(default_factory=list)
    waited_s: float = 0.0


class ManualSteps:
    """What a person does outside the simulator: instructions, waiting, attestations.

    Mixed into :class:`Harness`; kept apart because none of it runs in the simulator.
    """

    settings: RunSettings
    recorder: Recorder | None
    _stream: Any
    attestations: dict[str, Any]

    def say(self, text: str) -> None:
        if self._stream is not None:
            self._stream.write("\n" + text.rstrip() + "\n")
            self._stream.flush()

    def _login_hint(self) -> str:
        from .config import load_environments

        env = load_environments().get(self.settings.env)
        portal = env.helsenorge_url if env and env.helsenorge_url else "Helsenorge"
        return f"log in on {portal} (ID-porten: 'TestID på nivå høyt')"

    def instruct_fill(self, case: Any, placed: PlacedOrder, *, signing: bool = False) -> float:
        """Tell the tester what to do; returns how long to wait (0 with --fill skip)."""
        if self.settings.fill == "skip":
            return 0.0
        from .national_id import mask

        steps = "sign and deliver ('Signér og levere')" if signing else "fill it in and deliver"
        self.say(
            f"ACTION for the tester: {self._login_hint()} as the test person "
            f"{mask(case.patient.national_id)} (full number in the patients file, key "
            f"'{case.patient.key}'), open the task '{case.form.task_title}' "
            f"(order {placed.order_id}), {steps}. Waiting up to "
            f"{self.settings.fill_timeout_s:.0f} s (--fill-timeout)."
        )
        return self.settings.fill_timeout_s

    def instruct_fill_on_behalf(
        self, parent: Any, child: Any, form: Any, placed: PlacedOrder
    ) -> None:
        from .national_id import mask

        self.say(
            f"ACTION for the tester: {self._login_hint()} as {mask(parent.national_id)} "
            f"('{parent.key}'); the task '{form.task_title}' (order {placed.order_id}) is "
            f"filled in on behalf of {mask(child.national_id)} ('{child.key}'). Check that both "
            "the task and the form say so, deliver, and check that you got no copy."
        )

    def instruct_patient_initiated(self, case: Any) -> tuple[str | None, float]:
        """Outside the simulator: the tester starts the form from its public URL."""
        if self.settings.fill == "skip":
            return None, 0.0
        self.say(
            f"ACTION for the tester: open the public URL of '{case.form.name}' (form "
            f"{case.form.id}; the URL is under 'Avansert innstilling' → 'Offentlig url' in "
            f"ePROM's form builder), {self._login_hint()} as '{case.patient.key}', fill in and "
            f"deliver. Waiting up to {self.settings.fill_timeout_s:.0f} s."
        )
        listener: CallbackListener = self.listener  # type: ignore[attr-defined]
        known = {r.ident for r in listener.received("answer")}
        deadline = time.monotonic() + self.settings.fill_timeout_s
        while time.monotonic() < deadline:
            for r in listener.received("answer"):
                if (
                    r.ident not in known
                    and isinstance(r.data, dict)
                    and r.data.get("isPatientInitiated")
                ):
                    return r.ident, 1.0
            time.sleep(0.5)
        return None, 0.0

    def require_attestation(self, checkpoint_id: str, question: str) -> None:
        """Pass with a 'yes', fail with a 'no', else leave the row 'needs attestation'."""
        from ._exceptions import AttestationMissing, CheckFailure
        from .checklist import checkpoint

        given = self.attestations.get(checkpoint_id)
        if given is None and _interactive():
            from .report.attest import ask_attestation

            stream = self._stream

            def read(prompt: str) -> str:
                stream.write(prompt)
                line = stream.readline() if hasattr(stream, "readline") else ""
                if not line:
                    raise EOFError
                return str(line).rstrip("\n")

            given = ask_attestation(
                checkpoint(checkpoint_id),
                question,
                tester=self.settings.tester,
                input_fn=read,
                output=stream,
                lang=self.settings.lang,
            )
            if given is not None:
                self.attestations[checkpoint_id] = given
                if self.recorder is not None and hasattr(self.recorder, "add_attestation"):
                    self.recorder.add_attestation(given)
        if given is None:
            raise AttestationMissing(checkpoint_id, question)
        if given.answer != "yes":
            raise CheckFailure(
                f"{given.tester} answered no: {question}"
                + (f" — {given.comment}" if given.comment else ""),
                expected="yes",
                received="no",
            )


class Harness(ManualSteps):
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
        self.current_test: str | None = None
        self.current_checkpoints: tuple[str, ...] = ()
        self.current_case: str | None = None
        self.current_facts: dict[str, Any] = {}
        self._orders: dict[str, PlacedOrder] = {}
        self._letters: dict[str, PlacedLetter] = {}
        self._lock = threading.Lock()
        self._stream = progress_stream if progress_stream is not None else sys.__stderr__
        self._last_progress = 0.0
        self.attestations: dict[str, Any] = {}
        #: the orders/letters the current test read, and the evidence of each
        self.current_orders: list[str] = []
        self.evidence_by_ident: dict[str, list[str]] = {}

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

    # --- lookups --------------------------------------------------------------------
    @property
    def api_key(self) -> str:
        return self.settings.api_key.reveal()

    # --- evidence -------------------------------------------------------------------
    def evidence(self, kind: EvidenceKind, **kwargs: Any) -> str | None:
        if self.recorder is None:
            return None
        kwargs.setdefault("test", self.current_test)
        kwargs.setdefault("checkpoint_ids", self.current_checkpoints)
        eid = self.recorder.add_evidence(kind, **kwargs)
        ident = kwargs.get("order_id")
        if ident:
            with self._lock:
                self.evidence_by_ident.setdefault(str(ident), []).append(eid)
        return eid

    def touch(self, ident: str | None) -> None:
        """Note that the current test reads this order or letter (links its evidence)."""
        if ident and ident != NIL_GUID and ident not in self.current_orders:
            self.current_orders.append(ident)

    def evidence_of_current_test(self, *, limit: int = 40) -> list[str]:
        with self._lock:
            ids = [
                e for ident in self.current_orders for e in self.evidence_by_ident.get(ident, [])
            ]
        return ids[:limit]

    def timeline(self, ident: str, what: str, **kwargs: Any) -> None:
        if self.recorder is not None and ident and ident != NIL_GUID:
            self.recorder.add_timeline_event(ident, what, **kwargs)

    def record_exchange(self, exchange: Exchange) -> None:
        """The client's hook: one request and its response as evidence."""
        ident = None
        if isinstance(exchange.response_body, dict):
            ident = exchange.response_body.get("id") or exchange.response_body.get(
                "messageToCitizenId"
            )
        path = exchange.url.rsplit("/api/", 1)[-1]
        self.evidence(
            "request",
            title=f"{exchange.method} {path}",
            method=exchange.method,
            url=exchange.url,
            headers=exchange.request_headers,
            body=exchange.request_body,
            order_id=ident,
        )
        eid = self.evidence(
            "response",
            title=f"{exchange.status or 'no answer'} {path}",
            method=exchange.method,
            url=exchange.url,
            status=exchange.status,
            body=exchange.response_body if exchange.error is None else exchange.error,
            order_id=ident,
        )
        body = exchange.request_body if isinstance(exchange.request_body, dict) else {}
        patient = body.get("nationalId")
        if ident and "formorder" in path.lower():
            self.timeline(ident, "order sent", evidence_id=eid, patient=patient)
        elif ident and "messagetocitizen" in path.lower():
            self.timeline(ident, "letter sent", kind="letter", evidence_id=eid, patient=patient)

    def record_callback(self, callback: ReceivedCallback) -> None:
        """The listener's hook (server thread): the callback as evidence, on the timeline."""
        ident = callback.ident
        eid = self.evidence(
            "callback",
            title=f"PUT {callback.path} ({callback.kind})",
            method="PUT",
            url=callback.path,
            status=callback.answered_status,
            headers=callback.headers,
            body=callback.data if callback.data is not None else callback.body_text,
            order_id=ident,
            test=None,
            checkpoint_ids=(),
        )
        what = {
            "status": "status callback",
            "answer": "answer callback",
            "letter": "letter status callback",
            "personvern": "privacy-setting callback",
        }.get(callback.kind, "unreadable callback")
        kind = "letter" if callback.kind == "letter" else "form_order"
        if ident and callback.kind != "personvern":
            self.timeline(ident, what, kind=kind, evidence_id=eid)

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

    def wait(
        self, kind: CallbackKind, ident: str, *, timeout_s: float, what: str
    ) -> tuple[list[ReceivedCallback], float]:
        """Wait for the first callback, then a settle window for duplicates."""
        self.touch(ident)
        start = time.monotonic()
        found = self.listener.wait_for(
            kind, ident, timeout_s=timeout_s, what=what, progress=self.progress
        )
        if found:
            found = self.listener.settle(kind, ident, window_s=self.settings.duplicate_window_s)
        return found, time.monotonic() - start

    # --- orders ---------------------------------------------------------------------
    def order_once(self, case: str, build: Callable[[], FormOrderRequest]) -> PlacedOrder:
        """Place the order for ``case`` once per session and wait for its status callback."""
        with self._lock:
            cached = self._orders.get(case)
        if cached is None:
            cached = self.place_order(case, build())
            with self._lock:
                self._orders[case] = cached
        if cached.response is not None:
            self.touch(cached.response.id)
        return cached

    def place_order(
        self, case: str, request: FormOrderRequest, *, wait: bool = True
    ) -> PlacedOrder:
        placed = PlacedOrder(case=case, request=request)
        try:
            placed.response = self.client.order_form(request)
        except ApiError as exc:
            placed.error = exc
            return placed
        if wait and placed.made and not request.test_mode:
            placed.status_callbacks, placed.waited_s = self.wait(
                "status",
                placed.order_id,
                timeout_s=self.settings.callback_timeout_s,
                what=f"the status callback of order {placed.order_id}",
            )
        return placed

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
        self, builds: dict[str, Callable[[], FormOrderRequest]], *, workers: int = 16
    ) -> None:
        """Place many orders at once and wait for their callbacks together.

        The waits and the duplicate-settle window overlap instead of adding up, so a run
        with a hundred orders waits about as long as one with one. Results land in the
        same cache ``order_once`` reads.
        """
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._orders}
        if not todo:
            return
        with ThreadPoolExecutor(max_workers=workers) as pool:
            placed = list(
                pool.map(
                    lambda item: self.place_order(item[0], item[1](), wait=False), todo.items()
                )
            )
        waiting = [p for p in placed if p.made and not p.request.test_mode]
        self._wait_all("status", {p.order_id: p for p in waiting}, _set_status)
        with self._lock:
            for p in placed:
                self._orders[p.case] = p

    def prefetch_letters(
        self, builds: dict[str, Callable[[], MessageToCitizenRequest]], *, workers: int = 16
    ) -> None:
        """Like :meth:`prefetch_orders`, for letters."""
        with self._lock:
            todo = {case: build for case, build in builds.items() if case not in self._letters}
        if not todo:
            return

        def send(item: tuple[str, Callable[[], MessageToCitizenRequest]]) -> PlacedLetter:
            letter = PlacedLetter(case=item[0], request=item[1]())
            try:
                letter.response = self.client.send_letter(letter.request)
            except ApiError as exc:
                letter.error = exc
            return letter

        with ThreadPoolExecutor(max_workers=workers) as pool:
            sent = list(pool.map(send, todo.items()))
        waiting = {
            p.response.message_to_citizen_id: p
            for p in sent
            if p.response is not None
            and p.response.message_to_citizen_id != NIL_GUID
            and not p.request.test_mode
        }
        self._wait_all("letter", waiting, _set_letter)
        with self._lock:
            for p in sent:
                self._letters[p.case] = p

    def _wait_all(
        self,
        kind: CallbackKind,
        by_ident: dict[str, Any],
        store: Callable[[Any, list[ReceivedCallback], float], None],
    ) -> None:
        start = time.monotonic()
        deadline = start + self.settings.callback_timeout_s
        waited: dict[str, float] = {}
        for ident in by_ident:
            left = max(0.0, deadline - time.monotonic())
            found = self.listener.wait_for(
                kind,
                ident,
                timeout_s=left,
                what=f"the {kind} callback of {ident}",
                progress=self.progress,
            )
            waited[ident] = time.monotonic() - start
            if not found:
                waited[ident] = self.settings.callback_timeout_s
        if by_ident:
            time.sleep(self.settings.duplicate_window_s)
        for ident, item in by_ident.items():
            store(item, self.listener.received(kind, ident), waited[ident])

    def all_orders(self) -> list[PlacedOrder]:
        with self._lock:
            return list(self._orders.values())


def _interactive() -> bool:
    import os

    stdin = sys.__stdin__
    return bool(stdin and stdin.isatty()) and not os.environ.get("CI")

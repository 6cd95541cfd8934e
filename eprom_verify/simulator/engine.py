"""The simulator's core, without HTTP: who is asking, what is known, and the outbox.

:class:`Engine` owns the store, the outbox, the fault book and the registry of persons,
forms and privacy-setting definitions. The desks do the work: :class:`OrderDesk` (form
orders and the simulated patient), :class:`MessageDesk` (letters, SMS, e-mail) and
:class:`PrivacyDesk` (personverninnstillinger). The HTTP layer only maps requests to desk
calls and :class:`Refusal` to answers.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import sqlite3
import time
import traceback
from collections.abc import Callable

from eprom_verify.config import Form, Patient, PvkDefinition
from eprom_verify.contract import CallbackKind, EpromModel, refusals
from eprom_verify.simulator import clock
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import REQUEST_EFFECTS, FaultBook, FaultType
from eprom_verify.simulator.messages import MessageDesk
from eprom_verify.simulator.orders import OrderDesk
from eprom_verify.simulator.outbox import Outbox
from eprom_verify.simulator.privacy import PrivacyDesk
from eprom_verify.simulator.settings import SimulatorSettings
from eprom_verify.simulator.shared_faults import SharedFaultBook
from eprom_verify.simulator.store import Store, SystemRow
from eprom_verify.simulator.views import AttemptView, CallbackView, InboxView
from eprom_verify.simulator.wire import wire_json

__all__ = ["Engine"]

log = logging.getLogger("eprom_verify.simulator")


class Engine:
    """State and shared machinery of one simulator. Lives on one event loop."""

    def __init__(
        self,
        settings: SimulatorSettings,
    ) -> None:
        self.settings = settings
        self.errors: list[BaseException] = []
        self.store = Store(
            settings.db_path, worker=settings.worker, lease_seconds=settings.worker_lease_seconds
        )
        # one of several workers (--workers N): the faults are the shared store's
        self.faults = (
            FaultBook(settings.faults) if settings.worker is None else SharedFaultBook(self.store)
        )
        self.patients: dict[str, Patient] = {p.national_id: p for p in settings.patients}
        self.forms: dict[str, Form] = {f.id.lower(): f for f in settings.forms}
        self.pvk: dict[str, PvkDefinition] = {d.id.lower(): d for d in settings.pvk}
        self.outbox = Outbox(
            self.store,
            concurrency=settings.delivery_concurrency,
            retry_base_seconds=settings.retry_base_seconds,
            retry_max_seconds=settings.retry_max_seconds,
            timeout_seconds=settings.callback_timeout_seconds,
            on_error=self.record_error,
        )
        self.orders = OrderDesk(self)
        self.messages = MessageDesk(self)
        self.privacy = PrivacyDesk(self)
        self._sweeper: asyncio.Task[None] | None = None
        for system in settings.ordering_systems:
            self.register_system(system.name, system.api_key, system.callback_base_url)

    async def start(self) -> None:
        await self.outbox.start()
        if self.settings.sweeper:  # of several workers, the first only
            self._sweeper = asyncio.create_task(self._sweep_forever(), name="simulator-sweeper")

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            await asyncio.gather(self._sweeper, return_exceptions=True)
        await self.outbox.stop()
        self.store.close()

    def record_error(self, exc: BaseException) -> None:
        """Keep an internal failure for the test thread (and log it)."""
        self.errors.append(exc)
        log.error("simulator error: %s", "".join(traceback.format_exception(exc)).strip())

    # --- who is asking ---------------------------------------------------------------

    def system_from_header(self, authorization: str | None) -> SystemRow:
        """The ordering system of an ``Authorization: Basic <apiKey>`` header, or 401."""
        if authorization is None or not authorization.strip():
            raise Refusal(
                401,
                "the Authorization header is missing: send 'Authorization: Basic <apiKey>' "
                "with your ordering system's API key",
            )
        scheme, _, key = authorization.strip().partition(" ")
        key = key.strip()
        if scheme.lower() != "basic" or not key:
            raise Refusal(
                401,
                f"the Authorization header uses {scheme!r}: send 'Basic <apiKey>' with the raw "
                "API key after 'Basic '",
            )
        system = self.store.system_by_key(key)
        if system is not None:
            return system
        if self._hidden_in_base64(key):
            raise Refusal(
                401,
                "the Authorization header holds base64 of 'user:password'; ePROM wants the raw "
                "API key after 'Basic ', not base64",
            )
        raise Refusal(
            401,
            "the API key in the Authorization header is not registered: check the key, or "
            "register the ordering system with POST /_simulator/ordering-systems",
        )

    def system_from_body_key(self, api_key: str | None) -> SystemRow:
        """The ordering system of a key sent in the body (or a letter's header), else ePROM's 400."""
        system = self.store.system_by_key(api_key) if api_key else None
        if system is None:
            raise Refusal(400, refusals.unknown_api_key(api_key or ""))
        return system

    def _hidden_in_base64(self, value: str) -> bool:
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return False
        parts = {part for part in decoded.split(":") if part}
        return any(self.store.system_by_key(part) for part in parts)

    def register_system(self, name: str, api_key: str, callback_base_url: str) -> SystemRow:
        try:
            self.store.put_system(name, api_key, callback_base_url.rstrip("/"))
        except sqlite3.IntegrityError:
            raise Refusal(
                409,
                "that apiKey is already registered for another ordering system: give each its own",
            ) from None
        return SystemRow(name, api_key, callback_base_url.rstrip("/"))

    def system_named(self, name: str | None) -> SystemRow:
        systems = self.store.systems()
        if not systems:
            raise Refusal(
                409, "no ordering system is registered: POST /_simulator/ordering-systems"
            )
        if name is None:
            return systems[0]
        for system in systems:
            if system.name == name:
                return system
        known = ", ".join(s.name for s in systems)
        raise Refusal(404, f"no ordering system named {name!r} — registered: {known}")

    # --- what is known ---------------------------------------------------------------

    def registered_patient(self, value: str) -> Patient | None:
        """The person with this ID if the (simulated) national registry has them."""
        patient = self.patients.get(value)
        return patient if patient is not None and patient.registered else None

    def form(self, form_id: str) -> Form | None:
        return self.forms.get(form_id.lower())

    def request_fault(self, fault: FaultType | None) -> None:
        """Raise ePROM's answer of a request fault that fired (its ``REQUEST_EFFECTS`` entry),
        when it is a text of ePROM's own (a Helsenorge failure)."""
        effect = REQUEST_EFFECTS.get(fault) if fault is not None else None
        if effect is not None and effect.text is not None:
            raise Refusal(effect.status, effect.text)

    # --- the outbox ------------------------------------------------------------------

    def enqueue(
        self,
        kind: CallbackKind,
        *,
        subject_id: str,
        system: str,
        build: Callable[[], EpromModel],
        plain: Callable[[], str] | None = None,
    ) -> int:
        """Put one callback in the outbox (in the caller's transaction), faults applied.

        The one place a callback fault takes effect (each fault's effect is in
        ``faults.CALLBACK_EFFECTS``): ``build`` makes the callback as ePROM would send it,
        the faults that fire change the model, the body's enum style and the outbox entry.
        ``plain``, if given, writes the body when no fault applies — the same text as
        ``wire_json(build())``, without building the model (the hot path)."""
        applied = self.faults.take_callback(kind, subject_id)
        if plain is not None and not applied.types:
            body = plain()
        else:
            body = wire_json(applied.changed(build()), enum_form=applied.enum_form)
        dropped = applied.dropped
        due = time.time() + self.settings.callback_delay_seconds + applied.delay_seconds
        outbox_id = self.store.add_outbox(
            kind=kind.value,
            subject_id=subject_id,
            system=system,
            body=body,
            state="dropped" if dropped else "pending",
            due_at=due,
            copies=applied.copies,
            faults=sorted(applied.types),
        )
        if not dropped:
            self.outbox.schedule(outbox_id, due, system)
        return outbox_id

    def callbacks(
        self, *, subject_id: str | None = None, state: str | None = None, limit: int = 1000
    ) -> list[CallbackView]:
        """The outbox (or one order's part of it), with every delivery attempt."""
        rows = self.store.outbox(subject_id=subject_id, state=state, limit=limit)
        attempts = self.store.attempts([row.id for row in rows])
        return [
            CallbackView(
                id=row.id,
                kind=row.kind,
                subject_id=row.subject_id,
                ordering_system=row.system,
                state=row.state,
                faults=row.faults,
                body=json.loads(row.body),
                created_at=clock.iso_utc(row.created_at),
                delivered_at=clock.iso_utc(row.delivered_at) if row.delivered_at else None,
                attempts=[
                    AttemptView(
                        at=clock.iso_utc(a.at),
                        status=a.status,
                        body=a.body,
                        error=a.error,
                        acknowledged=a.acknowledged,
                        outcome=a.outcome,
                    )
                    for a in attempts.get(row.id, [])
                ],
            )
            for row in rows
        ]

    def inbox(self, national_id: str) -> InboxView:
        """What the citizen sees: tasks, letters, SMS, e-mails and stored copies."""
        return InboxView(
            national_id=national_id,
            tasks=self.orders.inbox_tasks(national_id),
            letters=self.messages.inbox_letters(national_id),
            sms=self.messages.inbox_messages("sms", national_id),
            emails=self.messages.inbox_messages("email", national_id),
            stored_copies=self.orders.stored_copies(national_id),
        )

    # --- housekeeping ----------------------------------------------------------------

    def reset(self) -> None:
        """Forget orders, letters, messages, privacy state, outbox and faults; keep systems."""
        self.store.reset()
        self.outbox.forget()
        self.faults.clear()

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.sweep_interval_seconds)
            try:
                self.orders.sweep(time.time())
            except Exception as exc:  # a bug: report it, keep sweeping
                self.record_error(exc)

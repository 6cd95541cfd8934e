"""Form orders (contract §3.1, §4.1, §4.2) and what the simulated patient does with them.

One topic, the form-order flow, so it is long.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
import uuid
from typing import TYPE_CHECKING, Any

from eprom_verify import channels
from eprom_verify.config import Form, Patient, PostalAddress
from eprom_verify.contract import (
    NIL_GUID,
    CallbackKind,
    DistributionRule,
    FormAnswerCallback,
    FormOrderRequest,
    FormOrderResponse,
    FormOrderStatus,
    FormOrderStatusCallback,
    FormOrderStatusErrorCode,
    NotificationChannel,
    PatientInitiatedValues,
    PhysicalAddress,
    refusals,
)
from eprom_verify.simulator import actors, clock
from eprom_verify.simulator.checks import check_national_id
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import RequestKind
from eprom_verify.simulator.store import OrderRow
from eprom_verify.simulator.views import (
    CompleteRequest,
    InboxTask,
    OnBehalfOfView,
    OrderView,
    PatientInitiatedRequest,
    StoredCopyView,
)

if TYPE_CHECKING:
    from eprom_verify.simulator.desk import EngineServices

__all__ = ["PAPER_RULES", "OrderDesk", "status_body"]

#: Rules that may send the form on paper: the form must be paper enabled.
PAPER_RULES = frozenset(
    {
        DistributionRule.BasicOrPaper,
        DistributionRule.AllowUnsecureOrPaper,
        DistributionRule.PaperOnly,
    }
)
#: How FormOrderResponse writes notificationChannel (the request fields are echoed as sent).
_RESPONSE_CHANNEL_FORM = FormOrderResponse._wire_fields["notification_channel"][1].form
#: The documented input parameters a form-order response echoes (no unknown fields).
_ECHOED: dict[str, Any] = {
    name: (set(PhysicalAddress.model_fields) if name == "physical_address" else True)
    for name in FormOrderRequest.model_fields
}
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_PATIENT_INITIATED_RULE = -1


def _went_out_on(
    order_id: str, order: OrderRow, channel: NotificationChannel, otherwise: str
) -> None:
    """A 409 (``order <order_id> went out on <its channel>, <otherwise>``) unless ``order``
    went out on ``channel``."""
    if order.channel != channel:
        shown = NotificationChannel(order.channel).wire_name
        raise Refusal(409, f"order {order_id} went out on {shown}, {otherwise}")


def _new_id() -> str:
    return str(uuid.uuid4())


def _single_use_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


class OrderDesk:
    """Form orders: place, complete, expire, return on paper, patient-initiated."""

    def __init__(self, engine: EngineServices) -> None:
        self._engine = engine
        self._store = engine.store

    # --- POST /api/v2/formorder ------------------------------------------------------

    def place(self, system: str, request: FormOrderRequest, *, root_url: str) -> dict[str, Any]:
        """Validate, decide the channel, store the order, queue its status callback."""
        form = self._validate(request)
        self._engine.request_fault(self._engine.faults.take_request(RequestKind.FORM_ORDER))
        patient = self._engine.registered_patient(request.national_id)
        if patient is None:
            return self._response(request, NIL_GUID, NotificationChannel.None_, None, None)
        rule = request.distribution_rule
        channel = self._decide(patient, request, form)
        order_id = _new_id()
        code = _single_use_code() if rule is DistributionRule.NoDistribution else None
        reached = channel is not NotificationChannel.None_ or code is not None
        now = clock.now()
        auto = self._engine.settings.auto_complete_after_seconds
        with self._store.transaction():
            self._store.add_order(
                id=order_id,
                system=system,
                national_id=request.national_id,
                on_behalf_of=request.on_behalf_of_national_id or None,
                form_id=form.id,
                rule=int(rule),
                channel=int(channel),
                status="Ordered" if reached else "Error",
                must_be_signed=int(request.must_be_signed or form.must_be_signed),
                test_mode=int(request.test_mode),
                dont_store=int(request.dont_store_completed_form_in_pha),
                metadata=request.metadata,
                single_use_code=code,
                signing_text=request.signing_text,
                expiry_at=clock.epoch_of(request.expiry_date),
                auto_complete_at=None if auto is None or not reached else now.timestamp() + auto,
                created_at=now.timestamp(),
            )
            # testMode withholds only the form answer ("the form answer shall not to be
            # returned"): the order's status is called back as for any order.
            self._status_callback(system, order_id, channel, now, reached=reached)
        login = f"{root_url}/proms/"
        return self._response(request, order_id, channel, code, login)

    def _validate(self, request: FormOrderRequest) -> Form:
        check_national_id(request.national_id)
        if request.on_behalf_of_national_id:
            check_national_id(request.on_behalf_of_national_id, field="onBehalfOfNationalId")
        form = self._engine.form(request.form_id)
        if form is None:
            raise Refusal(400, refusals.no_such_form(request.form_id))
        if not form.published:
            raise Refusal(400, refusals.FORM_NOT_PUBLISHED)
        if request.must_be_signed or form.must_be_signed:
            if request.distribution_rule is DistributionRule.NoDistribution:
                raise Refusal(400, refusals.SIGNING_WITH_NO_DISTRIBUTION)
            if request.on_behalf_of_national_id:
                raise Refusal(400, refusals.SIGNING_ON_BEHALF_OF)
        if request.distribution_rule in PAPER_RULES and not form.paper_enabled:
            raise Refusal(400, refusals.not_paper_enabled(request.form_id))
        if request.metadata is not None:
            try:
                json.loads(request.metadata)
            except ValueError as exc:
                raise Refusal(400, refusals.metadata_invalid(str(exc))) from None
        return form

    def _decide(
        self, patient: Patient, request: FormOrderRequest, form: Form
    ) -> NotificationChannel:
        rule = request.distribution_rule
        if rule is DistributionRule.NoDistribution:
            return NotificationChannel.None_
        today = self._engine.settings.today_date()
        about = self._engine.registered_patient(request.on_behalf_of_national_id or "")
        if request.physical_address is not None and patient.postal_address is None:
            patient = _with_address(patient, request)
        return channels.expected_channel_on_behalf(
            patient, about, rule, today=today, paper_enabled=form.paper_enabled
        )

    def _response(
        self,
        request: FormOrderRequest,
        order_id: str,
        channel: NotificationChannel,
        code: str | None,
        login_url: str | None,
    ) -> dict[str, Any]:
        # "I tillegg til alle inn-parametre": every documented input, as ePROM read it —
        # omitted ones with their defaults, unknown fields (and a key) left out, the rule
        # as its name like notificationChannel beside it. Timestamps and metadata as sent.
        echoed = request.model_dump(mode="json", by_alias=True, include=_ECHOED)
        echoed.update(
            distributionRule=request.distribution_rule.wire_name,
            id=order_id,
            singleUseCode=code,
            loginUrl=login_url,
            notificationChannel=channel.wire(_RESPONSE_CHANNEL_FORM),
        )
        return echoed

    def _status_callback(
        self,
        system: str,
        order_id: str,
        channel: NotificationChannel,
        now: dt.datetime,
        *,
        reached: bool,
    ) -> None:
        def build() -> FormOrderStatusCallback:
            return _status_model(order_id, channel, now, reached=reached)

        def plain() -> str:
            return status_body(order_id, channel, now, reached=reached)

        self._engine.enqueue(
            CallbackKind.STATUS, subject_id=order_id, system=system, build=build, plain=plain
        )

    # --- the simulated patient -------------------------------------------------------

    def complete(self, order_id: str, request: CompleteRequest) -> OrderView:
        """The patient answers (generated answers unless given) and delivers."""
        order = self._ordered(order_id, "completed")
        form = self._form_of(order)
        if order.must_be_signed and not request.sign:
            raise Refusal(
                409, f'order {order_id} must be signed before delivery: send "sign": true'
            )
        answers = (
            request.answers
            if request.answers is not None
            else actors.generate_answers(form, seed=order_id)
        )
        channel = (
            NotificationChannel.PhysicalMailbox
            if request.paper
            else NotificationChannel(order.channel)
        )
        filled = self._filled_out_by(order, request, channel)
        with self._store.transaction():
            self._deliver(
                order,
                form,
                answers,
                sign=request.sign,
                paper=request.paper,
                channel=channel,
                warnings=[w.model_dump(by_alias=True) for w in request.warnings or ()],
                filled_out_by=filled,
            )
        return self.view(order_id)

    def _deliver(
        self,
        order: OrderRow,
        form: Form,
        answers: dict[str, Any],
        *,
        sign: bool,
        paper: bool,
        channel: NotificationChannel,
        warnings: list[dict[str, Any]],
        filled_out_by: dict[str, Any] | None,
        initiated: PatientInitiatedValues | None = None,
    ) -> None:
        # Submitted on a whole second (the answer's timestamp is written to the second),
        # never before the order existed: the event log fits between the two.
        now = clock.submitted(clock.now())
        signed_id = _new_id() if sign else None
        scanned_id = _new_id() if paper else None
        if signed_id is not None:
            signer = order.on_behalf_of or order.national_id
            pdf = actors.signed_pdf(
                form_name=form.name,
                order_id=order.id,
                answers=answers,
                signer=f"{signer[:6]}*****",
                signed_at=now,
            )
            self._store.add_document(signed_id, order.id, order.system, pdf)
        if not order.dont_store:
            owner = order.on_behalf_of or order.national_id
            self._store.add_stored_copy(order.id, owner, form.id, form.task_title)
        self._store.finish_order(
            order.id,
            "Completed",
            channel=int(channel),
            signed_form_id=signed_id,
            scanned_paper_id=scanned_id,
        )
        if order.test_mode:
            return
        opened = dt.datetime.fromtimestamp(order.created_at, dt.UTC)
        events = (
            []
            if paper
            else actors.event_log(list(answers), signed=sign, opened=opened, delivered=now)
        )

        def build() -> FormAnswerCallback:
            fields: dict[str, Any] = {
                "form_order_id": order.id,
                "form_data": json.dumps(answers, ensure_ascii=False, separators=(",", ":")),
                "form_order_status": FormOrderStatus.Completed,
                "signed_form_id": signed_id or NIL_GUID,
                "timestamp": clock.offset(now),
                "scanned_paper_id": scanned_id or NIL_GUID,
                "form_data_warnings": warnings,
                "notification_channel": channel,
                "is_patient_initiated": initiated is not None,
                "form_order_event_log": events,
            }
            if initiated is not None:
                fields["patient_initiated_values"] = initiated
            if filled_out_by is not None:
                fields["filled_out_by"] = filled_out_by
            return FormAnswerCallback(**fields)

        self._engine.enqueue(
            CallbackKind.ANSWER, subject_id=order.id, system=order.system, build=build
        )

    def _filled_out_by(
        self, order: OrderRow, request: CompleteRequest, channel: NotificationChannel
    ) -> dict[str, Any] | None:
        if request.filled_out_by is not None:
            return {
                "filledOutByActNationalId": request.filled_out_by.national_id,
                "filledOutByActType": request.filled_out_by.act_type,
            }
        if channel is not NotificationChannel.Helsenorge:
            return None  # only filled in when the form is submitted via Helsenorge
        act = "Foreldrerepresentasjon" if order.on_behalf_of else "SegSelv"
        return {"filledOutByActNationalId": order.national_id, "filledOutByActType": act}

    def expire(self, order_id: str) -> OrderView:
        """The order's expiry date passes before the patient answers."""
        self._end(self._ordered(order_id, "expired"), FormOrderStatus.Expired)
        return self.view(order_id)

    def paper_returned(self, order_id: str) -> OrderView:
        """The paper form comes back undelivered (PhysicalMailReturned)."""
        order = self._ordered(order_id, "returned")
        _went_out_on(
            order_id,
            order,
            NotificationChannel.PhysicalMailbox,
            "not on paper (PhysicalMailbox): only a paper form can come back",
        )
        self._end(order, FormOrderStatus.PhysicalMailReturned)
        return self.view(order_id)

    def digipost_delivered(self, order_id: str) -> OrderView:
        """The form went to the patient's digital mailbox (Digipost) and was delivered there:
        the answer callback says ``DigipostDelivered``, without form data."""
        order = self._ordered(order_id, "delivered to Digipost")
        _went_out_on(
            order_id,
            order,
            NotificationChannel.DigitalMailbox,
            "not to a digital mailbox (DigitalMailbox): only such an order can be "
            "DigipostDelivered",
        )
        self._end(order, FormOrderStatus.DigipostDelivered)
        return self.view(order_id)

    def _end(self, order: OrderRow, status: FormOrderStatus) -> None:
        now = clock.submitted(clock.now())  # written to the second: not before the order
        channel = NotificationChannel(order.channel)
        with self._store.transaction():
            self._store.finish_order(order.id, status.name)
            if order.test_mode:
                return

            def build() -> FormAnswerCallback:
                return FormAnswerCallback(
                    form_order_id=order.id,
                    form_data=None,
                    form_order_status=status,
                    signed_form_id=NIL_GUID,
                    timestamp=clock.offset(now),
                    scanned_paper_id=NIL_GUID,
                    form_data_warnings=[],
                    notification_channel=channel,
                    is_patient_initiated=False,
                    form_order_event_log=[],
                )

            self._engine.enqueue(
                CallbackKind.ANSWER, subject_id=order.id, system=order.system, build=build
            )

    def patient_initiated(self, request: PatientInitiatedRequest) -> OrderView:
        """A patient opens the form's public link, logs in, answers and delivers."""
        form = self._engine.form(request.form_id)
        if form is None:
            raise Refusal(404, f"no form with id {request.form_id!r}: see GET /_simulator/forms")
        if not form.published:
            raise Refusal(
                400, f"form {form.name!r} ({form.id}) is not published, so no one can order it"
            )
        if not form.patient_orderable:
            raise Refusal(
                400,
                f"form {form.name!r} ({form.id}) cannot be ordered by the patient: tick "
                "'Kan bestilles av pasient' in the form builder (patientOrderable in forms.yaml)",
            )
        check_national_id(request.national_id)
        if form.patient_ordered_must_be_signed and not request.sign:
            raise Refusal(
                409,
                f"form {form.name!r} must be signed before delivery when the patient orders it: "
                'send "sign": true',
            )
        system = self._engine.system_named(request.ordering_system)
        now = clock.now()
        order_id = _new_id()
        answers = (
            request.answers
            if request.answers is not None
            else actors.generate_answers(form, seed=order_id)
        )
        initiated = PatientInitiatedValues(
            form_id=form.id,
            national_id=request.national_id,
            order_timestamp=clock.local_ms(now),
            order_timestamp_utc=clock.utc_ms(now),
        )
        with self._store.transaction():
            self._store.add_order(
                id=order_id,
                system=system.name,
                national_id=request.national_id,
                form_id=form.id,
                rule=_PATIENT_INITIATED_RULE,
                channel=int(NotificationChannel.None_),
                status="Ordered",
                must_be_signed=int(form.patient_ordered_must_be_signed),
                test_mode=0,
                dont_store=0,
                patient_initiated=1,
                created_at=now.timestamp(),
            )
            order = self._store.order(order_id)
            if order is None:  # pragma: no cover - just inserted in this transaction
                raise RuntimeError(f"order {order_id} vanished inside its transaction")
            self._deliver(
                order,
                form,
                answers,
                sign=request.sign,
                paper=False,
                channel=NotificationChannel.None_,
                warnings=[],
                filled_out_by=None,
                initiated=initiated,
            )
        return self.view(order_id)

    def sweep(self, now: float) -> None:
        """Expire orders past their expiry date; auto-complete the ones that are due."""
        expired, due = self._store.due_orders(now)
        for order_id in expired:
            self.expire(order_id)
        for order_id in due:
            order = self._store.order(order_id)
            if order is None or order.status != "Ordered":
                continue
            paper = order.channel == NotificationChannel.PhysicalMailbox
            self.complete(order_id, CompleteRequest(sign=order.must_be_signed, paper=paper))

    # --- reading ---------------------------------------------------------------------

    def view(self, order_id: str) -> OrderView:
        order = self._store.order(order_id)
        if order is None:
            raise Refusal(404, f"no order with id {order_id!r} in this simulator")
        form = self._engine.form(order.form_id)
        return OrderView(
            id=order.id,
            ordering_system=order.system,
            recipient=order.national_id,
            on_behalf_of=order.on_behalf_of,
            form_id=order.form_id,
            subject=form.task_title if form else "",
            distribution_rule=(
                "(patient-initiated)"
                if order.rule == _PATIENT_INITIATED_RULE
                else DistributionRule(order.rule).name
            ),
            channel=NotificationChannel(order.channel).wire_name,
            status=order.status,
            must_be_signed=order.must_be_signed,
            test_mode=order.test_mode,
            dont_store_completed_form_in_pha=order.dont_store,
            is_patient_initiated=order.patient_initiated,
            single_use_code=order.single_use_code,
            signed_form_id=order.signed_form_id,
            scanned_paper_id=order.scanned_paper_id,
            created_at=clock.iso_utc(order.created_at),
            finished_at=clock.iso_utc(order.finished_at) if order.finished_at else None,
            callbacks=self._engine.callbacks(subject_id=order.id),
        )

    def inbox_tasks(self, national_id: str) -> list[InboxTask]:
        tasks = []
        for order in self._store.orders_for(national_id):
            if order.status == "Error":
                continue  # nobody could be told: nothing reached the inbox
            form = self._engine.form(order.form_id)
            tasks.append(
                InboxTask(
                    form_order_id=order.id,
                    form_id=order.form_id,
                    title=form.task_title if form else "",
                    cover_letter=form.cover_letter if form else "",
                    metadata=json.loads(order.metadata) if order.metadata else None,
                    on_behalf_of=self._on_behalf_view(order.on_behalf_of),
                    status=order.status,
                    channel=NotificationChannel(order.channel).wire_name,
                    must_be_signed=order.must_be_signed,
                )
            )
        return tasks

    def stored_copies(self, national_id: str) -> list[StoredCopyView]:
        return [
            StoredCopyView(
                form_order_id=row["order_id"], form_id=row["form_id"], title=row["title"]
            )
            for row in self._store.stored_copies(national_id)
        ]

    def _on_behalf_view(self, about: str | None) -> OnBehalfOfView | None:
        if not about:
            return None
        person = self._engine.patients.get(about)
        name = person.name if person is not None else f"{about[:6]}*****"
        return OnBehalfOfView(
            national_id=about, name=name, info_text=actors.on_behalf_info_text(name)
        )

    def _ordered(self, order_id: str, what: str) -> OrderRow:
        order = self._store.order(order_id)
        if order is None:
            raise Refusal(404, f"no order with id {order_id!r} in this simulator")
        if order.status != "Ordered":
            raise Refusal(
                409, f"order {order_id} is {order.status}: only an Ordered order can be {what}"
            )
        return order

    def _form_of(self, order: OrderRow) -> Form:
        form = self._engine.form(order.form_id)
        if form is None:
            raise Refusal(409, f"order {order.id} is for form {order.form_id}, which is not loaded")
        return form


_STATUS_TEMPLATES: dict[tuple[NotificationChannel, bool], dict[str, Any]] = {}
_TEMPLATE_ID = "00000000-0000-4000-8000-000000000000"


def status_body(
    order_id: str, channel: NotificationChannel, now: dt.datetime, *, reached: bool
) -> str:
    """The status callback's body without faults, as :func:`wire_json` writes the model.

    The hot path: the model's validation and serialisation cost ~0.1 ms per order, so
    the body is written from a template that the model itself made once per (channel,
    reached) — the same keys, order and enum forms; ``test_fastpath.py`` compares the two
    for every channel.
    """
    template = _STATUS_TEMPLATES.get((channel, reached))
    if template is None:
        from eprom_verify.simulator.wire import wire_json  # noqa: PLC0415 - wire imports the contract only

        sample = _status_model(_TEMPLATE_ID, channel, dt.datetime.now(dt.UTC), reached=reached)
        template = _STATUS_TEMPLATES[(channel, reached)] = json.loads(wire_json(sample))
    body = dict(template)
    body["formOrderId"] = order_id
    if reached:
        body["timestamp"] = clock.local7(now)
        body["timestampUtc"] = clock.utc7(now)
    return json.dumps(body, ensure_ascii=False)


def _status_model(
    order_id: str, channel: NotificationChannel, now: dt.datetime, *, reached: bool
) -> FormOrderStatusCallback:
    if not reached:
        return FormOrderStatusCallback(
            form_order_id=order_id,
            notification_channel=channel,
            form_order_status=FormOrderStatus.Error,
            form_order_status_error_code=FormOrderStatusErrorCode.PatientUnreachable,
        )
    return FormOrderStatusCallback(
        form_order_id=order_id,
        notification_channel=channel,
        timestamp=clock.local7(now),
        timestamp_utc=clock.utc7(now),
        form_order_status=FormOrderStatus.Ordered,
        form_order_status_error_code=FormOrderStatusErrorCode.None_,
    )


def _with_address(patient: Patient, request: FormOrderRequest) -> Patient:
    address = request.physical_address
    postal = PostalAddress.model_construct(
        full_name=(address.full_name if address else None) or "",
        address_line1=(address.address_line1 if address else None) or "",
        postal_code=(address.postal_code if address else None) or "",
        postal_place=(address.postal_place if address else None) or "",
    )
    return patient.model_copy(update={"postal_address": postal})

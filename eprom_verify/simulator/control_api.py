"""The control API under ``/_simulator/``: play the patient, inject faults, look inside.

Not part of ePROM. A test (or a person in Swagger UI) uses it to answer a form, let an order
expire, change a privacy setting as the citizen, read the citizen's inbox and the outbox,
register ordering systems and inject faults. Errors are plain text like the ePROM API's.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from eprom_verify import channels, national_id
from eprom_verify.contract import DistributionRule

from .api import EpromRoute, engine_of
from .engine import Engine
from .errors import Refusal
from .faults import ActiveFault, Fault
from .views import (
    CallbackView,
    Cleared,
    CompleteRequest,
    FaultView,
    FormView,
    InboxView,
    OrderingSystemRequest,
    OrderingSystemView,
    OrderView,
    PatientInitiatedRequest,
    PatientView,
    PersonvernChangeRequest,
    Queued,
)

__all__ = ["CONTROL_PREFIX", "CONTROL_TAG", "router"]

CONTROL_PREFIX = "/_simulator"
CONTROL_TAG = "simulator control"

_TEXT = {"content": {"text/plain": {"schema": {"type": "string"}}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "the request is wrong (plain text says why)", **_TEXT},
    404: {"description": "no such order, form or ordering system", **_TEXT},
    409: {"description": "not possible in the order's state (plain text says why)", **_TEXT},
}

router = APIRouter(
    prefix=CONTROL_PREFIX, tags=[CONTROL_TAG], responses=_ERRORS, route_class=EpromRoute
)
EngineDep = Annotated[Engine, Depends(engine_of)]


@router.get("/orders/{order_id}", summary="An order: recipient, channel, status, callbacks")
async def get_order(order_id: str, engine: EngineDep) -> OrderView:
    return engine.orders.view(order_id)


@router.post("/orders/{order_id}/complete", summary="The patient answers and delivers")
async def complete_order(
    order_id: str, engine: EngineDep, body: CompleteRequest | None = None
) -> OrderView:
    return engine.orders.complete(order_id, body or CompleteRequest())


@router.post("/orders/{order_id}/expire", summary="The order expires unanswered")
async def expire_order(order_id: str, engine: EngineDep) -> OrderView:
    return engine.orders.expire(order_id)


@router.post("/orders/{order_id}/paper-returned", summary="The paper form comes back")
async def paper_returned(order_id: str, engine: EngineDep) -> OrderView:
    return engine.orders.paper_returned(order_id)


@router.post(
    "/orders/{order_id}/digipost-delivered",
    summary="The form is delivered to the digital mailbox (answer: DigipostDelivered)",
)
async def digipost_delivered(order_id: str, engine: EngineDep) -> OrderView:
    return engine.orders.digipost_delivered(order_id)


@router.get("/inbox/{national_id}", summary="The citizen's inbox")
async def inbox(national_id: str, engine: EngineDep) -> InboxView:
    return engine.inbox(national_id)


@router.post("/personvern/change", summary="The citizen changes a privacy setting")
async def change_personvern(body: PersonvernChangeRequest, engine: EngineDep) -> Queued:
    return Queued(callbacks=engine.privacy.citizen_changes(body))


@router.post("/patient-initiated", summary="A patient orders and answers a form themself")
async def patient_initiated(body: PatientInitiatedRequest, engine: EngineDep) -> OrderView:
    return engine.orders.patient_initiated(body)


@router.get("/forms", summary="The forms, with the public link of patient-orderable ones")
async def forms(request: Request, engine: EngineDep) -> list[FormView]:
    root = str(request.base_url).rstrip("/")
    return [_form_view(form_id, engine, root) for form_id in engine.forms]


@router.get("/forms/{form_id}/public", summary="A form's public (patient-initiated) page")
async def public_form(form_id: str, request: Request, engine: EngineDep) -> FormView:
    form = engine.form(form_id)
    if form is None or not (form.published and form.patient_orderable):
        raise Refusal(
            404,
            f"form {form_id!r} has no public page (unknown, unpublished, or not patient-orderable)",
        )
    return _form_view(form.id, engine, str(request.base_url).rstrip("/"))


def _form_view(form_id: str, engine: Engine, root: str) -> FormView:
    form = engine.forms[form_id.lower()]
    public = form.published and form.patient_orderable
    return FormView(
        id=form.id,
        name=form.name,
        published=form.published,
        paper_enabled=form.paper_enabled,
        must_be_signed=form.must_be_signed,
        patient_orderable=form.patient_orderable,
        patient_ordered_must_be_signed=form.patient_ordered_must_be_signed,
        task_title=form.task_title,
        public_url=f"{root}{CONTROL_PREFIX}/forms/{form.id}/public" if public else None,
        fields=[
            field.model_dump(mode="json", by_alias=True, exclude_none=True) for field in form.fields
        ],
    )


@router.get("/patients", summary="The persons the simulated registry knows, and their channels")
async def patients(engine: EngineDep) -> list[PatientView]:
    today = engine.settings.today_date()
    out = []
    for patient in engine.patients.values():
        reachable = channels.reachable_channels(patient, today=today)
        out.append(
            PatientView(
                key=patient.key,
                national_id=national_id.mask(patient.national_id),
                name=patient.name,
                registered=patient.registered,
                reachable=sorted(c.wire_name for c in reachable),
                channels={
                    rule.name: channels.expected_channel(patient, rule, today=today).wire_name
                    for rule in DistributionRule
                },
            )
        )
    return out


@router.get("/ordering-systems", summary="The registered ordering systems (keys not shown)")
async def ordering_systems(engine: EngineDep) -> list[OrderingSystemView]:
    return [
        OrderingSystemView(name=s.name, callback_base_url=s.callback_base_url)
        for s in engine.store.systems()
    ]


@router.post("/ordering-systems", summary="Register an ordering system, or replace one by name")
async def register_ordering_system(
    body: OrderingSystemRequest, engine: EngineDep
) -> OrderingSystemView:
    if not body.callback_base_url.startswith(("http://", "https://")):
        raise Refusal(
            400, f"callbackBaseUrl must be an http(s) URL (got {body.callback_base_url!r})"
        )
    system = engine.register_system(body.name, body.api_key, body.callback_base_url)
    return OrderingSystemView(name=system.name, callback_base_url=system.callback_base_url)


@router.get("/outbox", summary="Callbacks and every delivery attempt")
async def outbox(
    engine: EngineDep,
    state: Annotated[str | None, Query(description="pending | delivered | dropped")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[CallbackView]:
    return engine.callbacks(state=state, limit=limit)


@router.post("/reset", summary="Forget orders, letters, messages, privacy state, outbox, faults")
async def reset(engine: EngineDep) -> Cleared:
    engine.reset()
    return Cleared(cleared=1)


@router.get("/faults", summary="The active faults")
async def list_faults(engine: EngineDep) -> list[FaultView]:
    return [_fault_view(entry) for entry in engine.faults.active()]


@router.post("/faults", summary="Inject a fault")
async def add_fault(body: Fault, engine: EngineDep) -> FaultView:
    return _fault_view(engine.faults.add(body))


@router.delete("/faults", summary="Clear every fault")
async def clear_faults(engine: EngineDep) -> Cleared:
    count = len(engine.faults.active())
    engine.faults.clear()
    return Cleared(cleared=count)


@router.delete("/faults/{fault_id}", summary="Clear one fault")
async def clear_fault(fault_id: int, engine: EngineDep) -> Cleared:
    if not engine.faults.remove(fault_id):
        raise Refusal(404, f"no active fault with id {fault_id}: see GET /_simulator/faults")
    return Cleared(cleared=1)


@router.get("/errors", summary="Internal errors of the simulator (empty unless it has a bug)")
async def errors(engine: EngineDep) -> list[str]:
    return [f"{type(exc).__name__}: {exc}" for exc in engine.errors]


def _fault_view(entry: ActiveFault) -> FaultView:
    fault = entry.fault
    return FaultView(
        id=entry.id,
        type=fault.type,
        callback=fault.callback,
        times=fault.times,
        remaining=entry.remaining,
        fired=entry.fired,
        seconds=fault.seconds,
        form_order_id=fault.form_order_id,
    )

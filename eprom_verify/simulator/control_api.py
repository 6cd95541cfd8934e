"""The control API under ``/_simulator/``: play the patient, inject faults, look inside.

Not part of ePROM. A test (or a person in Swagger UI) uses it to answer a form, let an order
expire, change a privacy setting as the citizen, read the citizen's inbox and the outbox,
register ordering systems and inject faults. Errors are plain text like the ePROM API's.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eprom_verify import channels, national_id
from eprom_verify.contract import DistributionRule
from eprom_verify.simulator.api import EpromRoute, engine_of
from eprom_verify.simulator.engine import Engine
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import ActiveFault, Fault
from eprom_verify.simulator.service import Journal, health_of
from eprom_verify.simulator.views import (
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
    request: Request, body: OrderingSystemRequest, engine: EngineDep
) -> OrderingSystemView:
    if not body.callback_base_url.startswith(("http://", "https://")):
        raise Refusal(
            400, f"callbackBaseUrl must be an http(s) URL (got {body.callback_base_url!r})"
        )
    system = engine.register_system(body.name, body.api_key, body.callback_base_url)
    journal_of(request).learn(body.api_key)
    return OrderingSystemView(name=system.name, callback_base_url=system.callback_base_url)


@router.get("/outbox", summary="Callbacks and every delivery attempt")
async def outbox(
    engine: EngineDep,
    state: Annotated[str | None, Query(description="pending | delivered | dropped")] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 1000,
) -> list[CallbackView]:
    return engine.callbacks(state=state, limit=limit)


@router.post(
    "/reset",
    summary="Forget orders, letters, messages, privacy state, outbox, faults, journal",
    description="With `orderingSystem`, forget only that system's orders, letters, messages, "
    "signed documents, callbacks and journal entries; other systems' data, the privacy "
    "settings (the citizen's), the faults and the registrations stay.",
)
async def reset(
    request: Request,
    engine: EngineDep,
    ordering_system: Annotated[
        str | None,
        Query(alias="orderingSystem", description="only this ordering system's data"),
    ] = None,
) -> Cleared:
    journal = journal_of(request)
    if ordering_system is None:
        engine.reset()
        journal.clear()
        return Cleared(cleared=1)
    system = engine.system_named(ordering_system)
    removed = engine.store.reset_system(system.name)
    journal.clear(system.name)
    return Cleared(cleared=removed)


class _View(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class HealthView(_View):
    status: str = Field(description="ready | unavailable")
    store: str = Field(description="ok | not answering | not open")
    outbox: str = Field(description="running | not running")
    ordering_systems: int | None = None


class JournalBody(_View):
    headers: dict[str, str] = Field(default_factory=dict)
    content_type: str | None = None
    body: str = Field(description="the first 16 KiB as text, keys redacted")
    size: int = Field(description="bytes in all")
    truncated: bool


class JournalEntryView(_View):
    id: int
    at: str = Field(description="when it arrived (UTC)")
    method: str
    path: str = Field(description="as sent, before the path's case was normalised")
    query: str
    ordering_system: str | None = Field(description="by the key it sent; null if none matched")
    status: int
    ms: float
    warnings: list[str] = Field(
        default_factory=list,
        description="what the simulator accepted but ePROM may refuse (docs/simulator.md)",
    )
    request: JournalBody
    response: JournalBody


class JournalView(_View):
    requests: list[JournalEntryView] = Field(description="newest first")
    total: int = Field(description="entries held now")
    dropped: int = Field(description="entries dropped to keep the bound")
    capacity: int = Field(description="the bound (--journal-size)")


@router.api_route("/health", methods=["HEAD"], include_in_schema=False)
@router.get(
    "/health",
    summary="Ready when the store answers and the outbox runs (200), else 503",
    description="Needs no control token (for orchestrators' health checks).",
    response_model=HealthView,
    responses={503: {"description": "not ready (the body says which part)", "model": HealthView}},
)
async def health(request: Request) -> JSONResponse:
    report = health_of(
        getattr(request.app.state, "engine", None),
        serving=bool(getattr(request.app.state, "serving", False)),
    )
    return JSONResponse(report, status_code=200 if report["status"] == "ready" else 503)


@router.get(
    "/requests",
    summary="The request journal: the last requests, newest first, keys redacted",
    description="Like WireMock's `/__admin/requests`. Bodies are cut at 16 KiB; every "
    "registered API key, the control token, `apiKey` fields and `Authorization` headers are "
    "redacted. The journal holds the last `--journal-size` requests (default 1000); the "
    "oldest is dropped first (`dropped` counts them).",
)
async def requests(
    request: Request,
    ordering_system: Annotated[
        str | None, Query(alias="orderingSystem", description="only this ordering system's")
    ] = None,
    path: Annotated[
        str | None, Query(description="only paths starting with this (any case)")
    ] = None,
    method: Annotated[str | None, Query(description="only this HTTP method")] = None,
    since: Annotated[
        str | None,
        Query(
            description="only requests at or after this time (ISO 8601, UTC if no zone)",
            json_schema_extra={"format": "date-time"},
        ),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=100_000)] = 100,
) -> JournalView:
    journal = journal_of(request)
    after = None
    if since is not None:
        try:
            moment = datetime.datetime.fromisoformat(since)
        except ValueError:
            raise Refusal(
                400, f"since {since!r} is not a time: use ISO 8601, e.g. 2026-12-03T10:00:00Z"
            ) from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)
        after = moment.timestamp()
    return JournalView.model_validate(
        {
            "requests": journal.select(
                ordering_system=ordering_system, path=path, method=method, since=after, limit=limit
            ),
            "total": len(journal),
            "dropped": journal.dropped,
            "capacity": journal.capacity,
        }
    )


@router.delete("/requests", summary="Empty the request journal")
async def clear_requests(request: Request) -> Cleared:
    return Cleared(cleared=journal_of(request).clear())


def journal_of(request: Request) -> Journal:
    journal: Journal = request.app.state.journal
    return journal


@router.get("", include_in_schema=False)
@router.get("/", include_in_schema=False)
async def index(request: Request) -> dict[str, Any]:
    """The control API's endpoints (needs no token: it lists, it shows nothing)."""
    endpoints = sorted(
        f"{method} {route.path}"
        for route in router.routes
        if isinstance(route, APIRoute) and route.include_in_schema
        for method in sorted((route.methods or set()) - {"HEAD"})
    )
    return {
        "controlApi": endpoints,
        "token": "required (Authorization: Bearer <token>)"
        if request.app.state.control_token
        else "not required (listening on loopback)",
        "health": f"{CONTROL_PREFIX}/health",
        "docs": "/swagger",
    }


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

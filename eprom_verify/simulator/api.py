"""The ePROM API (contract §3), under the real paths: ``/promswebapi/api/…``.

Each route authenticates as ePROM does, hands the parsed body to a desk of the engine and
answers with its result; a :class:`~eprom_verify.simulator.errors.Refusal` becomes the
documented error answer (see :mod:`eprom_verify.simulator.app`). Every handler is ``async``
so the whole simulator runs on the event loop's thread (SQLite is used from that thread only).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from pydantic import TypeAdapter, ValidationError

from eprom_verify.contract import (
    EmailRequest,
    FormOrderRequest,
    FormOrderResponse,
    GetPersonvernInnstillingRequest,
    MessageToCitizenRequest,
    MessageToCitizenResponse,
    PersonvernInnstillingResponse,
    PvkError,
    ResidentsActivePiRequest,
    ResidentsActivePiResponse,
    SetPersonvernInnstillingRequest,
    SetPersonvernInnstillingResponse,
    SmsRequest,
    UnsecureMessageResponse,
)

from .engine import Engine
from .errors import Refusal
from .store import SystemRow
from .validation import one_line

__all__ = ["API_PREFIX", "API_TAG", "EpromRoute", "router"]

API_PREFIX = "/promswebapi"
API_TAG = "ePROM API"

_authorization = APIKeyHeader(
    name="Authorization",
    auto_error=False,
    scheme_name="ApiKey",
    description="`Basic <apiKey>` — the raw API key after 'Basic ', not base64",
)


Responses = dict[int | str, dict[str, Any]]


def _text(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}}


_400: Responses = {400: _text("Bad Request: ePROM's text, e.g. a documented validation message")}
_401: Responses = {
    401: _text("Unauthorized: missing or unknown API key in the Authorization header")
}
_HELSENORGE: Responses = {
    502: _text("Unable to communicate with Helsenorge. No message sent."),
    504: _text("Timeout while waiting for response from Helsenorge"),
}
_PVK: Responses = {
    502: {
        "description": "the privacy component (PVK) failed: its error as JSON",
        "model": PvkError,
    }
}


async def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


class EpromRoute(APIRoute):
    """A route that checks as ePROM (ASP.NET Core) does, in ePROM's order.

    * The ``Authorization`` header before the body is read: a request without a valid key
      is a 401 whatever its body holds — even a body that is not JSON or not UTF-8.
    * JSON types strictly, as System.Text.Json binds them: ``0`` is not a boolean, ``false``
      not a number, ``"1"`` not an integer (enums still take a name or a number). FastAPI
      alone would coerce them.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        header_auth = _uses(self.dependant, "header_system")
        body = self.dependant.body_params
        annotation = body[0].field_info.annotation if len(body) == 1 else None
        strict = TypeAdapter(annotation) if annotation is not None else None

        async def checked(request: Request) -> Response:
            if header_auth:
                engine: Engine = request.app.state.engine
                authorization = request.headers.get("authorization")
                request.state.system = engine.system_from_header(authorization)
            if strict is not None:
                await _check_json_types(request, strict)
            return await handler(request)

        return checked


async def _check_json_types(request: Request, strict: TypeAdapter[Any]) -> None:
    """A 400 naming each field whose JSON type is wrong; other problems are FastAPI's."""
    try:
        data = json.loads(await request.body())
    except ValueError:
        return  # not JSON (or not UTF-8): FastAPI answers that
    if isinstance(data, dict) and not isinstance(data.get("metadata", ""), str | None):
        raise Refusal(
            400,
            "metadata: must be a string holding a JSON object (JSON.stringify({age: 76})), "
            f"not a JSON {_JSON_NAMES.get(type(data['metadata']), 'value')}",
        )
    try:
        strict.validate_python(data, strict=True)
    except ValidationError as exc:
        wrong = [e for e in exc.errors() if e["type"] in _TYPE_ERRORS]
        if wrong:
            raise Refusal(400, one_line(wrong)) from None


_JSON_NAMES = {dict: "object", list: "array", int: "number", float: "number", bool: "boolean"}
_TYPE_ERRORS = frozenset(
    {"bool_type", "int_type", "float_type", "string_type", "dict_type", "list_type", "model_type"}
)


def _uses(dependant: Dependant, name: str) -> bool:
    return any(
        getattr(dep.call, "__name__", "") == name or _uses(dep, name)
        for dep in dependant.dependencies
    )


router = APIRouter(prefix=API_PREFIX, tags=[API_TAG], route_class=EpromRoute)


async def header_system(
    request: Request,
    engine: Annotated[Engine, Depends(engine_of)],
    authorization: Annotated[str | None, Depends(_authorization)],
) -> SystemRow:
    """The caller's ordering system (already found by :class:`EpromRoute`, before the body)."""
    system: SystemRow | None = getattr(request.state, "system", None)
    return system if system is not None else engine.system_from_header(authorization)


EngineDep = Annotated[Engine, Depends(engine_of)]
SystemDep = Annotated[SystemRow, Depends(header_system)]


def _root_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


@router.post(
    "/api/v2/formorder",
    summary="Order a form",
    response_model=FormOrderResponse,
    responses={**_400, **_401, **_HELSENORGE},
)
async def form_order(
    body: FormOrderRequest, request: Request, engine: EngineDep, system: SystemDep
) -> Response:
    return JSONResponse(engine.orders.place(system.name, body, root_url=_root_url(request)))


@router.post(
    "/api/v2/messagetocitizen",
    summary="Send a letter — a sensitive document",
    response_model=MessageToCitizenResponse,
    responses={**_400, **_HELSENORGE},
)
async def message_to_citizen(
    body: MessageToCitizenRequest,
    engine: EngineDep,
    authorization: Annotated[str | None, Depends(_authorization)],
) -> Response:
    system = engine.system_from_body_key(_letter_key(authorization, body))
    return JSONResponse(engine.messages.send_letter(system, body))


def _letter_key(authorization: str | None, body: MessageToCitizenRequest) -> str | None:
    """The key of a letter: the v2 header, else the ``apiKey`` the parameter list names."""
    header = _raw_key(authorization)
    if header:
        return header
    in_body = (body.model_extra or {}).get("apiKey")
    return in_body if isinstance(in_body, str) else None


def _raw_key(authorization: str | None) -> str | None:
    if authorization is None:
        return None
    scheme, _, key = authorization.strip().partition(" ")
    return key.strip() if scheme.lower() == "basic" else authorization.strip()


@router.post(
    "/api/unsecuremessagesms",
    summary="Send an SMS — not sensitive; apiKey in the body",
    response_model=UnsecureMessageResponse,
    responses=_400,
)
async def unsecure_message_sms(body: SmsRequest, engine: EngineDep) -> Response:
    return JSONResponse(engine.messages.send_sms(body))


@router.post(
    "/api/unsecuremessageemail",
    summary="Send an e-mail — not sensitive; apiKey in the body",
    response_model=UnsecureMessageResponse,
    responses=_400,
)
async def unsecure_message_email(body: EmailRequest, engine: EngineDep) -> Response:
    return JSONResponse(engine.messages.send_email(body))


@router.get(
    "/api/ExternalDocument/{signedFormId}",
    summary="Download a signed form",
    response_class=Response,
    responses={
        200: {"description": "the signed PDF", "content": {"application/pdf": {}}},
        **_401,
        404: _text("no signed document with this id for this ordering system"),
    },
)
async def external_document(signedFormId: str, engine: EngineDep, system: SystemDep) -> Response:  # noqa: N803 - the documented name
    content = engine.store.document(signedFormId, system.name)
    if content is None:
        return Response(
            f"no signed document with id {signedFormId!r} for this ordering system",
            status_code=404,
            media_type="text/plain",
        )
    return Response(content, media_type="application/pdf")


@router.post(
    "/api/v2/getpersonverninnstilling",
    summary="Check a privacy setting",
    response_model=PersonvernInnstillingResponse,
    responses={**_400, **_401, **_PVK},
)
async def get_personvern(
    body: GetPersonvernInnstillingRequest, engine: EngineDep, system: SystemDep
) -> Response:
    engine.privacy.fault()
    return JSONResponse(engine.privacy.get(body))


@router.post(
    "/api/v2/setpersonverninnstilling",
    summary="Set a privacy setting",
    response_model=SetPersonvernInnstillingResponse,
    responses={**_400, **_401, **_PVK},
)
async def set_personvern(
    body: SetPersonvernInnstillingRequest, engine: EngineDep, system: SystemDep
) -> Response:
    engine.privacy.fault()
    return JSONResponse(engine.privacy.set(body))


@router.post(
    "/api/v2/get-residents-active-pi-for-definition",
    summary="List the residents with an active privacy setting",
    response_model=ResidentsActivePiResponse,
    responses={**_400, **_401, **_PVK},
)
async def residents_active_pi(
    body: ResidentsActivePiRequest, engine: EngineDep, system: SystemDep
) -> Response:
    engine.privacy.fault()
    return JSONResponse(engine.privacy.residents(body))

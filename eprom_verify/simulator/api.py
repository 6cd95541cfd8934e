"""The ePROM API (contract §3), under the real paths: ``/promswebapi/api/…``.

Each route authenticates as ePROM does, hands the parsed body to a desk of the engine and
answers with its result; a :class:`~eprom_verify.simulator.errors.Refusal` becomes the
documented error answer (see :mod:`eprom_verify.simulator.app`). Every handler is ``async``
so the whole simulator runs on the event loop's thread (SQLite is used from that thread only).
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
import types
import typing
from collections.abc import Callable, Coroutine
from functools import cache
from typing import Annotated, Any, Union

from fastapi import APIRouter, Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, TypeAdapter, ValidationError

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
from eprom_verify.simulator import clock
from eprom_verify.simulator.engine import Engine
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.store import SystemRow
from eprom_verify.simulator.validation import one_line

__all__ = [
    "API_PREFIX",
    "API_TAG",
    "EpromRoute",
    "canonical_keys",
    "check_json_types",
    "router",
    "strict_adapter",
    "warn",
    "warn_form_order",
]

log = logging.getLogger("eprom_verify.simulator")

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
    * Property names without regard to case, as ASP.NET Core's JSON binding matches them
      (``PropertyNameCaseInsensitive``): ``{"FormId": …}`` is ``{"formId": …}``. When one
      name comes twice in different cases, the last one wins.
    * Integers outside a C# ``long`` (Int64) are a 400 with System.Text.Json's text, never
      a 500.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        header_auth = _uses(self.dependant, "header_system")
        body = self.dependant.body_params
        annotation = body[0].field_info.annotation if len(body) == 1 else None
        strict = strict_adapter(annotation) if annotation is not None else None  # type: ignore[arg-type]

        async def checked(request: Request) -> Response:
            if header_auth:
                engine: Engine = request.app.state.engine
                authorization = request.headers.get("authorization")
                request.state.system = engine.system_from_header(authorization)
            if strict is not None:
                data = await _canonical_body(request, annotation)
                if data is not _NOT_JSON:
                    check_json_types(data, strict)
            return await handler(request)

        return checked


_NOT_JSON = object()


async def _canonical_body(request: Request, model: Any) -> Any:
    """The body with its property names rewritten to the documented camelCase (any case
    matches), also for FastAPI, which reads it next; ``_NOT_JSON`` when it is not JSON."""
    try:
        data = json.loads(await request.body())
    except ValueError:
        return _NOT_JSON  # not JSON (or not UTF-8): FastAPI answers that
    fixed = canonical_keys(data, model, "$")
    if fixed != data:  # a property was renamed
        request._body = json.dumps(fixed, ensure_ascii=False).encode()
    # FastAPI reads the body with ``request.json()``, which keeps what it parsed in
    # ``_json``: handing it ours spares parsing every body twice (a 40 MB letter: 0.1 s)
    request._json = fixed
    return fixed


_INT64 = (-(2**63), 2**63 - 1)


def canonical_keys(data: Any, model: Any, path: str = "$") -> Any:
    """``data`` with each object's property names matched to ``model``'s without regard to
    case (ASP.NET Core's binding); an integer outside Int64 for an ``int`` field is a 400."""
    if isinstance(data, list):
        item = _list_item(model)
        return [canonical_keys(v, item, f"{path}[{n}]") for n, v in enumerate(data)]
    if _is_int(model) and isinstance(data, int) and not isinstance(data, bool):
        if not _INT64[0] <= data <= _INT64[1]:
            raise Refusal(
                400,
                f"The JSON value could not be converted to System.Int64. Path: {path}",
            )
        return data
    fields = _fields_of(model)
    if not isinstance(data, dict) or fields is None:
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        name, inner = fields.get(key.lower(), (key, None)) if isinstance(key, str) else (key, None)
        out.pop(name, None)  # the last spelling wins, in the position it came
        out[name] = canonical_keys(value, inner, f"{path}.{name}") if inner else value
    return out


@cache
def _fields_of(model: Any) -> dict[str, tuple[str, Any]] | None:
    """lower-case wire name → (documented wire name, annotation) of a model's fields."""
    found = _model_in(model)
    if found is None:
        return None
    names: dict[str, tuple[str, Any]] = {"apikey": ("apiKey", None)}  # the letter's v1 key
    for name, info in found.model_fields.items():
        alias = info.alias or name
        names[alias.lower()] = (alias, info.annotation)
        names.setdefault(name.lower(), (alias, info.annotation))
    return names


def _unwrapped(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _unwrapped(typing.get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _unwrapped(arg)]
    return [annotation]


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for option in _unwrapped(annotation):
        if isinstance(option, type) and issubclass(option, BaseModel):
            return option
    return None


def _list_item(annotation: Any) -> Any:
    for option in _unwrapped(annotation):
        if typing.get_origin(option) is list:
            return typing.get_args(option)[0]
    return None


def _is_int(annotation: Any) -> bool:
    return any(option is int for option in _unwrapped(annotation))


@cache
def strict_adapter(annotation: Any) -> TypeAdapter[Any]:
    """The adapter that checks a body's JSON types strictly (one per annotation)."""
    return TypeAdapter(annotation)


def check_json_types(data: Any, strict: TypeAdapter[Any]) -> None:
    """A 400 naming each field whose JSON type is wrong; other problems are FastAPI's."""
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


def warn(request: Request, text: str) -> None:
    """Accept the request but note what ePROM may refuse: ``request.state.warnings`` (for
    the request journal) and a WARNING log line."""
    warnings: list[str] | None = getattr(request.state, "warnings", None)
    if warnings is None:
        warnings = request.state.warnings = []
    warnings.append(text)
    log.warning("%s %s: %s", request.method, request.url.path, text)


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
    warn_form_order(request, body)
    await engine.outbox.wait_for_room(system.name)  # the callbacks' fair share (outbox.py)
    return JSONResponse(engine.orders.place(system.name, body, root_url=_root_url(request)))


def warn_form_order(request: Request, body: FormOrderRequest) -> None:
    """The form order's warnings (accepted, but ePROM may refuse it)."""
    try:
        expired = clock.epoch_of(body.expiry_date) < time.time()
    except ValueError:
        expired = False
    if expired:
        warn(
            request,
            f"expiryDate {body.expiry_date} is in the past: the order is accepted and expires "
            "at once (status Expired); ePROM may refuse it",
        )
    address = body.physical_address
    if (
        address is not None
        and address.full_name
        and not (address.address_line1 or address.postal_code or address.postal_place)
    ):
        warn(
            request,
            "physicalAddress holds only a name (no addressLine1, postalCode, postalPlace): a "
            "paper letter cannot be delivered to it; ePROM may refuse it",
        )


@router.post(
    "/api/v2/messagetocitizen",
    summary="Send a letter — a sensitive document",
    response_model=MessageToCitizenResponse,
    responses={**_400, **_HELSENORGE},
)
async def message_to_citizen(
    body: MessageToCitizenRequest,
    request: Request,
    engine: EngineDep,
    authorization: Annotated[str | None, Depends(_authorization)],
) -> Response:
    if authorization and authorization.strip().partition(" ")[0].lower() != "basic":
        warn(
            request,
            "the Authorization header holds the key without 'Basic ' in front: accepted; "
            "ePROM documents 'Authorization: Basic <apiKey>'",
        )
    _warn_not_pdf(request, body)
    system = engine.system_from_body_key(_letter_key(authorization, body))
    return JSONResponse(engine.messages.send_letter(system, body))


def _warn_not_pdf(request: Request, body: MessageToCitizenRequest) -> None:
    collection = body.document_collection
    if collection is None:
        return
    documents = [("mainDocument", collection.main_document)] + [
        (f"attachments[{n}]", d) for n, d in enumerate(collection.attachments)
    ]
    for where, document in documents:
        if document is None:
            continue
        try:
            head = base64.b64decode(document.content[:12], validate=True)
        except (binascii.Error, ValueError):
            continue  # not base64: refused with its own message
        if not head.startswith(b"%PDF-"):
            warn(
                request,
                f"documentCollection.{where}.content is not a PDF (it does not start with "
                "%PDF-): accepted; ePROM's letters take PDF files (Digipost refuses others)",
            )


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
        200: {
            "description": "the signed PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
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
    if body.paging_reference < 0:
        raise Refusal(
            400,
            f"pagingReference: must be 0 (the first page) or a pagingReference an answer "
            f"gave, not {body.paging_reference}",
        )
    engine.privacy.fault()
    return JSONResponse(engine.privacy.residents(body))

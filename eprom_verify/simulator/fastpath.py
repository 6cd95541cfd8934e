"""The form order's hot path: ``POST /promswebapi/api/v2/formorder`` without FastAPI's routing.

A form order is the request a load test sends thousands of times. Through FastAPI it
costs about twice its own work: routing, dependency solving (``engine_of``, the header
dependency), the exception middleware and its scope bookkeeping. :class:`FormOrderFastPath`
sits just inside :class:`~eprom_verify.simulator.paths.ApiPathMiddleware` (so it sees the
canonical path, and the service middleware still journals and logs the request) and answers
the one happy path itself, doing exactly what the route does, in the same order:

1. the ``Authorization`` header (:meth:`Engine.system_from_header`) before the body;
2. the body as JSON, property names matched without regard to case
   (:func:`~eprom_verify.simulator.api.canonical_keys`), the strict JSON type check
   (:class:`~eprom_verify.simulator.api.EpromRoute`'s);
3. the body validated by the *route's own* body field (FastAPI's ``ModelField``, the same
   validator and the same defaults);
4. the route's warnings, then :meth:`OrderDesk.place` and the same ``JSONResponse``
   — sent once the order is committed: the order is a :meth:`Store.grouped` unit, so the
   orders of one event-loop turn share one ``COMMIT``.

Everything else goes to FastAPI unchanged, with the body handed on as it was read: a key
that is missing or wrong, a body that is empty, not JSON, not ``application/json`` or does
not validate, any other method or path. So every error answer comes from the one code path
that always made it. A :class:`Refusal` from the desk (unknown form, Helsenorge fault, …)
is answered as the app's handler answers it; any other exception propagates to the app's
500 handler (``ServerErrorMiddleware``), as it would from the route.
``tests/simulator/test_fastpath.py`` sends each request both ways and compares the answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from eprom_verify.simulator.errors import Refusal

if TYPE_CHECKING:
    from fastapi import FastAPI
    from pydantic import TypeAdapter

    from eprom_verify.simulator.engine import Engine
    from eprom_verify.simulator.store import SystemRow

__all__ = ["FORM_ORDER_PATH", "FormOrderFastPath", "refusal_response"]

FORM_ORDER_PATH = "/promswebapi/api/v2/formorder"


def refusal_response(exc: Refusal) -> Response:
    """The answer to a :class:`Refusal`, exactly as the app's exception handler writes it."""
    if exc.json_body is not None:
        return JSONResponse(exc.json_body, status_code=exc.status)
    return PlainTextResponse(exc.text, status_code=exc.status)


class _Fallback(Exception):  # noqa: N818 - a control-flow signal, not an error
    """This request is not the happy path: FastAPI answers it."""


class FormOrderFastPath:
    """Answers well-formed, authorised form orders without FastAPI's routing (see module)."""

    def __init__(self, app: ASGIApp, *, fastapi_app: FastAPI, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled
        self._fastapi = fastapi_app
        self._route: APIRoute | None = None
        self._strict: TypeAdapter[Any] | None = None
        self._annotation: Any = None
        self._roots: dict[tuple[Any, ...], str] = {}
        #: form orders this path answered itself / handed to FastAPI (for tests and stats)
        self.answered = 0
        self.handed_on = 0
        fastapi_app.state.fast_path = self

    def _prepare(self) -> APIRoute:
        from eprom_verify.simulator import api  # noqa: PLC0415 - api imports the engine; this module must not

        for route in api.router.routes:
            if (
                isinstance(route, APIRoute)
                and route.path == FORM_ORDER_PATH
                and "POST" in (route.methods or ())
            ):
                fields = route.dependant.body_params
                self._annotation = fields[0].field_info.annotation
                self._strict = api.strict_adapter(self._annotation)
                self._route = route
                return route
        raise RuntimeError(f"no route POST {FORM_ORDER_PATH}: the fast path has nothing to mirror")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.enabled
            or scope["type"] != "http"
            or scope["method"] != "POST"
            or scope["path"] != FORM_ORDER_PATH
        ):
            await self.app(scope, receive, send)
            return
        engine: Engine | None = getattr(scope["app"].state, "engine", None)
        if engine is None:  # not started (or stopping): the app says so
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        if body is None:  # the client went away before the body came: nobody to answer
            return
        try:
            request, system, order = self._checked(scope, engine, body)
        except _Fallback:
            self.handed_on += 1
            await self.app(scope, _replay(body, receive), send)
            return
        response, committed = await self._place(scope, engine, request, system, order)
        if committed is not None:
            await committed  # the order is in the file before the client hears of it
        self.answered += 1
        await response(scope, receive, send)

    def _checked(self, scope: Scope, engine: Engine, body: bytes) -> tuple[Request, SystemRow, Any]:
        """The route's checks, in its order; :class:`_Fallback` when one does not pass."""
        from eprom_verify.simulator import api  # noqa: PLC0415

        route = self._route or self._prepare()
        headers = _headers(scope)
        try:
            system = engine.system_from_header(headers.get(b"authorization"))
        except Refusal:
            raise _Fallback from None  # FastAPI's route gives the same 401
        content_type = headers.get(b"content-type", "")
        if not body or content_type.split(";", 1)[0].strip().lower() != "application/json":
            raise _Fallback
        try:
            data = json.loads(body)
            data = api.canonical_keys(data, self._annotation, "$")
            if self._strict is not None:
                api.check_json_types(data, self._strict)
        except (ValueError, Refusal):
            raise _Fallback from None
        field = route.body_field
        if field is None:  # pragma: no cover - the route has a body
            raise _Fallback
        order, errors = field.validate(data, {}, loc=("body",))
        if errors:
            raise _Fallback
        request = Request(scope)
        api.warn_form_order(request, order)
        return request, system, order

    async def _place(
        self, scope: Scope, engine: Engine, request: Request, system: SystemRow, order: Any
    ) -> tuple[Response, asyncio.Future[None] | None]:
        await engine.outbox.wait_for_room(system.name)  # the callbacks' fair share
        try:
            with engine.store.grouped() as committed:  # one COMMIT for this loop turn's orders
                answer = engine.orders.place(system.name, order, root_url=self._root_url(scope))
        except Refusal as exc:
            return refusal_response(exc), None
        return JSONResponse(answer), committed

    def _root_url(self, scope: Scope) -> str:
        """``str(request.base_url).rstrip("/")`` — remembered per host, scheme and root path."""
        host = next((v for k, v in scope["headers"] if k == b"host"), None)
        server = scope.get("server")  # [host, port]: a list under some ASGI servers and clients
        key = (
            scope.get("scheme"),
            host,
            tuple(server) if server is not None else None,
            scope.get("root_path", ""),
        )
        root = self._roots.get(key)
        if root is None:
            if len(self._roots) > 256:
                self._roots.clear()
            root = self._roots[key] = str(Request(scope).base_url).rstrip("/")
        return root


def _headers(scope: Scope) -> dict[bytes, str]:
    """The request's headers by lower-case name, the first of each (as Starlette's ``get``)."""
    out: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        key = name.lower()
        if key not in out:
            out[key] = value.decode("latin-1")
    return out


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when the client disconnected first."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands on the body already read, then the original's messages."""
    given = False

    async def replay() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay

"""The simulator as an ASGI app: :func:`create_app`.

* The ePROM API (:mod:`.api`) under ``/promswebapi`` (any case; ``/webapi`` too) and the
  control API (:mod:`.control_api`) under ``/_simulator``.
* Errors: a :class:`Refusal` is answered with its status and plain text
  (``text/plain; charset=utf-8`` — ePROM's error body format is not documented), or the
  privacy component's JSON for its 502. A body that does not validate is a 400 with one
  readable line (never 422). An unexpected exception is a 500 *and* is kept for the test
  thread (``RunningSimulator.check_errors()``).
* The service layer (:mod:`.service`): the control token, CORS for any origin on ePROM's
  own paths only, the access log and the request journal.
* OpenAPI at ``/openapi.json`` with the callbacks as ``webhooks``; Swagger UI at
  ``/swagger`` from a locally installed bundle (works offline), ``/docs`` redirects there;
  ``/`` is a small index page, ``/health`` the same as ``/_simulator/health``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import (
    HTMLResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from eprom_verify.contract import (
    CallbackResponse,
    FormAnswerCallback,
    FormOrderStatusCallback,
    MessageToCitizenCallback,
    PersonvernInnstillingCallback,
)
from eprom_verify.simulator import api, control_api
from eprom_verify.simulator.engine import Engine
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.fastpath import FormOrderFastPath, refusal_response
from eprom_verify.simulator.openapi import refine
from eprom_verify.simulator.paths import ApiPathMiddleware, canonical_segments
from eprom_verify.simulator.portal import add_portal
from eprom_verify.simulator.service import Journal, ServiceMiddleware
from eprom_verify.simulator.settings import SimulatorSettings
from eprom_verify.simulator.validation import one_line

__all__ = ["create_app", "swagger_assets"]

_METHODS = ("DELETE", "GET", "HEAD", "PATCH", "POST", "PUT")
_TITLE = "ePROM simulator (eprom-verify)"
_DESCRIPTION = """A local, offline ePROM: the same paths, authentication, validation, error
texts and asynchronous callbacks as Hemit's ePROM API, plus a control API
(`/_simulator/…`) that plays the patient and injects faults. Errors are plain text.
The callbacks ePROM makes to an ordering system are listed under *Webhooks*."""


def swagger_assets() -> Path | None:
    """The folder of a locally installed Swagger UI (package ``swagger-ui-bundle-v2``)."""
    try:
        import swagger_ui_bundle  # type: ignore[import-untyped]  # noqa: PLC0415 - optional
    except ImportError:
        return None
    return Path(swagger_ui_bundle.swagger_ui_path)


def create_app(settings: SimulatorSettings) -> FastAPI:
    """A new simulator app; its engine (store, outbox) starts and stops with the lifespan."""

    journal = Journal(
        settings.journal_size,
        secrets=[s.api_key for s in settings.ordering_systems]
        + ([settings.control_token] if settings.control_token else []),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = Engine(settings)
        app.state.engine = engine
        for system in engine.store.systems():  # registered in an earlier run of this --db
            journal.learn(system.api_key)
        await engine.start()
        app.state.serving = True
        try:
            yield
        finally:
            app.state.serving = False
            await engine.stop()

    app = FastAPI(
        title=_TITLE,
        description=_DESCRIPTION,
        version="2",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        openapi_tags=[
            {"name": api.API_TAG, "description": "Hemit's ePROM API, as documented"},
            {"name": control_api.CONTROL_TAG, "description": "Not ePROM: drive the simulator"},
        ],
    )
    app.state.journal = journal
    app.state.serving = False
    app.state.control_token = bool(settings.control_token)
    app.include_router(api.router)
    app.include_router(control_api.router)
    _add_error_handlers(app)
    _add_webhooks(app)
    _precise_openapi(app)
    _add_swagger(app)
    add_portal(app)  # the citizen portal at /proms/ (portal.py)
    _add_service_pages(app)
    paths = [route.path for route in api.router.routes if isinstance(route, APIRoute)]
    # innermost: sees the canonical path; the journal and the access log still wrap it
    app.add_middleware(FormOrderFastPath, fastapi_app=app, enabled=settings.fast_path)
    app.add_middleware(
        ApiPathMiddleware,
        canonical=canonical_segments(paths),
    )
    app.add_middleware(
        ServiceMiddleware,
        control_token=settings.control_token,
        journal=journal,
    )
    return app


# --- the service's own pages ----------------------------------------------------------


def _add_service_pages(app: FastAPI) -> None:
    """``/`` (an index), ``/docs`` (to Swagger UI), ``/health``, the API base URL itself."""

    async def index(request: Request) -> HTMLResponse:
        root = str(request.base_url).rstrip("/")
        links = [
            (f"{api.API_PREFIX}", "promsApiBaseUrl: the ePROM API"),
            ("/swagger", "Swagger UI"),
            ("/openapi.json", "OpenAPI document"),
            (control_api.CONTROL_PREFIX, "control API (play the patient, faults, outbox)"),
            (f"{control_api.CONTROL_PREFIX}/health", "health"),
            (f"{control_api.CONTROL_PREFIX}/requests", "request journal"),
            ("/proms/", "the patient's portal (simulated)"),
        ]
        items = "".join(
            f"<li><a href='{path}'>{root}{path}</a> — {text}</li>" for path, text in links
        )
        return HTMLResponse(
            f"<!doctype html><meta charset=utf-8><title>{_TITLE}</title><h1>{_TITLE}</h1>"
            "<p>A local, offline ePROM for integration tests. Not Hemit's service.</p>"
            f"<ul>{items}</ul>"
        )

    async def docs() -> RedirectResponse:
        return RedirectResponse("/swagger", status_code=307)

    async def api_root() -> PlainTextResponse:
        return PlainTextResponse(
            f"ePROM API (simulated) — promsApiBaseUrl. Endpoints: POST {api.API_PREFIX}/api/v2/"
            "formorder, messagetocitizen, … with 'Authorization: Basic <apiKey>'; the list is "
            "in /openapi.json and /swagger."
        )

    app.add_api_route("/", index, include_in_schema=False)
    app.add_api_route("/docs", docs, include_in_schema=False)
    app.add_api_route(
        "/health", control_api.health, methods=["GET", "HEAD"], include_in_schema=False
    )
    app.add_api_route(api.API_PREFIX, api_root, include_in_schema=False)


# --- errors ---------------------------------------------------------------------------


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(Refusal)
    async def refusal(request: Request, exc: Refusal) -> Response:
        return refusal_response(exc)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return PlainTextResponse(one_line(exc.errors()), status_code=400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """Starlette's and FastAPI's own answers (404, 405, a body it cannot read) as text."""
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            allowed = allowed_methods(request)
            headers["Allow"] = ", ".join(allowed)
            text = (
                f"{request.method} is not allowed on {request.url.path}: use {', '.join(allowed)}"
            )
        elif exc.status_code == 404:
            text = (
                f"no endpoint {request.method} {request.url.path}: the ePROM API is under "
                f"{api.API_PREFIX}/api/…, the control API under {control_api.CONTROL_PREFIX}/ "
                "(see /openapi.json)"
            )
        elif exc.status_code == 400:
            text = (
                "the request body could not be read as JSON text in UTF-8: send a JSON object "
                "with Content-Type: application/json; charset=utf-8"
            )
        else:
            text = str(exc.detail)
        return PlainTextResponse(text, status_code=exc.status_code, headers=headers)

    @app.exception_handler(Exception)
    async def crash(request: Request, exc: Exception) -> Response:
        engine: Engine | None = getattr(request.app.state, "engine", None)
        if engine is not None:
            engine.record_error(exc)
        return PlainTextResponse(
            f"internal error in the simulator: {type(exc).__name__} — a bug in eprom-verify, "
            "please report it (details: GET /_simulator/errors)",
            status_code=500,
        )


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves on the request's path (for ``Allow``), sorted."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] is Match.FULL for route in routes
        )
    ]


# --- OpenAPI extras -------------------------------------------------------------------


def _add_webhooks(app: FastAPI) -> None:
    hooks = app.webhooks

    @hooks.put("PromsFormOrder", summary="PUT <ApiBaseUrl>/api/PromsFormOrder — status or answer")
    async def proms_form_order(
        body: FormOrderStatusCallback | FormAnswerCallback,
    ) -> CallbackResponse:  # pragma: no cover - documentation only
        """Order status (§4.1, after the order) or form answer (§4.2); apiKey in the body."""
        return CallbackResponse(success=True)

    @hooks.put("MessageToCitizen", summary="PUT <ApiBaseUrl>/api/MessageToCitizen — letter status")
    async def message_to_citizen(
        body: MessageToCitizenCallback,
    ) -> CallbackResponse:  # pragma: no cover - documentation only
        """Letter status (§4.3); apiKey in the body."""
        return CallbackResponse(success=True)

    @hooks.put(
        "PersonvernInnstilling",
        summary="PUT <ApiBaseUrl>/api/PersonvernInnstilling — privacy setting changed",
    )
    async def personvern(
        body: PersonvernInnstillingCallback,
    ) -> CallbackResponse:  # pragma: no cover - documentation only
        """A citizen changed a privacy setting (§4.4); apiKey in the Authorization header."""
        return CallbackResponse(success=True)


def _precise_openapi(app: FastAPI) -> None:
    """Serve the refined document (:mod:`.openapi`): formats, errors, examples, no 422."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = refine(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _add_swagger(app: FastAPI) -> None:
    assets = swagger_assets()
    if assets is not None:
        app.mount("/swagger/static", StaticFiles(directory=assets), name="swagger-static")

    async def swagger() -> HTMLResponse:
        if assets is None:  # no local bundle: the browser fetches Swagger UI from a CDN
            return get_swagger_ui_html(openapi_url="/openapi.json", title=_TITLE)
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=_TITLE,
            swagger_js_url="/swagger/static/swagger-ui-bundle.js",
            swagger_css_url="/swagger/static/swagger-ui.css",
            swagger_favicon_url="/swagger/static/favicon-32x32.png",
        )

    for path in ("/swagger", "/swagger/index.html", f"{api.API_PREFIX}/swagger/index.html"):
        app.add_api_route(path, swagger, include_in_schema=False)

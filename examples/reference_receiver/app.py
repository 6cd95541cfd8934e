"""A reference callback receiver: what an ordering system's ePROM callback service should do.

It serves the three callback endpoints of the ePROM contract (§4):

* ``PUT /api/PromsFormOrder`` — order status and form answers (``apiKey`` in the body)
* ``PUT /api/MessageToCitizen`` — letter status (``apiKey`` in the body)
* ``PUT /api/PersonvernInnstilling`` — privacy setting changed (``Authorization: Basic <key>``)

and for each: refuses a wrong or missing key (401), refuses a body it cannot read (400),
reads enum values as names or numbers and tolerates unknown fields (it parses with the
contract models), stores the callback in SQLite once — a redelivery is answered
``{"success": true}`` again without a second row — and never answers 5xx to any input.

The logic is in :class:`CallbackReceiver` (no web framework needed); :func:`build_app`
puts it behind FastAPI.
"""

from __future__ import annotations

import enum
import hmac
import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from eprom_verify.contract import (
    FormAnswerCallback,
    MessageToCitizenCallback,
    PersonvernInnstillingCallback,
    parse_form_order_callback,
)

from .store import CallbackStore

__all__ = ["CallbackReceiver", "Endpoint", "Refused", "build_app", "make_app"]


class Endpoint(enum.StrEnum):
    FORM_ORDER = "PromsFormOrder"
    LETTER = "MessageToCitizen"
    PRIVACY = "PersonvernInnstilling"

    @property
    def key_in_body(self) -> bool:
        return self is not Endpoint.PRIVACY


class Refused(Exception):
    """A callback the receiver will not process: the status and a message for the caller."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _explain(exc: ValueError) -> str:
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_input=False, include_url=False)
        return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'body'}: {e['msg']}" for e in errors)
    return str(exc)


class CallbackReceiver:
    """Checks, parses and stores callbacks. Each step is a method a subclass can replace."""

    def __init__(self, api_key: str, store: CallbackStore) -> None:
        if not api_key:
            raise ValueError("api_key is empty: give the key the ordering system has in ePROM")
        self._key = api_key.encode("utf-8")
        self.store = store

    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        """Process one callback: (HTTP status, JSON answer). Never raises for bad input."""
        try:
            data = self.decode(body)
            if not self.authorized(endpoint, data, authorization):
                raise Refused(401, "wrong or missing API key")
            subject = self.parse(endpoint, data)
            self.remember(endpoint, subject, data)
        except Refused as refused:
            return refused.status, {"success": False, "message": refused.message}
        return 200, {"success": True}

    def decode(self, body: bytes) -> dict[str, Any]:
        try:
            data = json.loads(body.decode("utf-8"))
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        except (ValueError, RecursionError) as exc:
            raise Refused(400, f"the body is not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise Refused(400, f"the body must be a JSON object, not {type(data).__name__}")
        return data

    def authorized(
        self, endpoint: Endpoint, data: dict[str, Any], authorization: str | None
    ) -> bool:
        if endpoint.key_in_body:
            key = data.get("apiKey")
            return isinstance(key, str) and hmac.compare_digest(key.encode("utf-8"), self._key)
        scheme, _, credential = (authorization or "").partition(" ")
        return scheme.lower() == "basic" and hmac.compare_digest(
            credential.encode("utf-8"), self._key
        )

    def remember(self, endpoint: Endpoint, subject: str, data: dict[str, Any]) -> None:
        """Store the callback; a redelivery is recognised and not stored again."""
        self.store.add(endpoint.value, subject, data)

    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        """Validate the callback with the contract models; the id it is about."""
        try:
            if endpoint is Endpoint.FORM_ORDER:
                callback = parse_form_order_callback(data)
                if isinstance(callback, FormAnswerCallback):
                    callback.form_data_object()
                return callback.form_order_id
            if endpoint is Endpoint.LETTER:
                return MessageToCitizenCallback.from_wire(data).message_to_citizen_id
            return PersonvernInnstillingCallback.from_wire(data).id
        except ValueError as exc:
            raise Refused(400, f"not a valid {endpoint.value} callback: {_explain(exc)}") from None


def build_app(receiver: CallbackReceiver) -> FastAPI:
    """The receiver behind FastAPI (paths with and without a trailing slash)."""
    app = FastAPI(title="ePROM reference callback receiver", docs_url=None, redoc_url=None)
    app.state.receiver = receiver

    def route(endpoint: Endpoint) -> None:
        async def receive(request: Request) -> JSONResponse:
            body = await request.body()
            authorization = request.headers.get("authorization")
            status, answer = await run_in_threadpool(receiver.handle, endpoint, body, authorization)
            return JSONResponse(answer, status_code=status)

        for path in (f"/api/{endpoint.value}", f"/api/{endpoint.value}/"):
            app.add_api_route(path, receive, methods=["PUT"], name=f"{endpoint.value}{path[-1:]}")

    for endpoint in Endpoint:
        route(endpoint)
    return app


def make_app(api_key: str, db_path: str | Path) -> FastAPI:
    """The reference receiver for ``api_key``, storing in the SQLite file ``db_path``."""
    return build_app(CallbackReceiver(api_key, CallbackStore(db_path)))

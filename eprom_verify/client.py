"""The ePROM API client: every endpoint of contract §3, typed, with the key where it belongs.

The key travels only where the contract puts it: the ``Authorization: Basic <key>``
header for v2, privacy and download calls, the ``apiKey`` body field for SMS and e-mail.
It stays a :class:`~eprom_verify.config.settings.Secret` until the bytes are built inside
:meth:`EpromClient._send` (so no frame pytest prints has it as an argument), it is never in
``repr``, and an :class:`ApiError` carries the server's text with the key replaced (the
simulator and ePROM echo a wrong key back).

Connection-level failures: a refused connection is retried (nothing was sent, so nothing
can be doubled); any other transport error is raised as :class:`TransportError`, never
retried for a request that may have reached ePROM. Idle keep-alive connections expire
before a server would close them, so a connection is not reused as the server drops it.

A transport seam (httpx ``transport=``) lets tests run against an ASGI app or a
``MockTransport``; ``on_exchange`` sees every request/response for the evidence folder.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic_core import to_json

from eprom_verify._exceptions import ApiError, TransportError
from eprom_verify._http import SharedClient
from eprom_verify.config.settings import Secret
from eprom_verify.contract import (
    DocumentShape,
    EmailRequest,
    EpromModel,
    FormOrderRequest,
    FormOrderResponse,
    GetPersonvernInnstillingRequest,
    MessageToCitizenRequest,
    MessageToCitizenResponse,
    PersonvernInnstillingResponse,
    ResidentsActivePiRequest,
    ResidentsActivePiResponse,
    SetPersonvernInnstillingRequest,
    SetPersonvernInnstillingResponse,
    SmsRequest,
    UnsecureMessageResponse,
)
from eprom_verify.redact import REDACTED

__all__ = ["EpromClient", "Exchange"]

M = TypeVar("M", bound=EpromModel)
#: a refused connection is tried this often in all, with a short pause between
_CONNECT_ATTEMPTS = 4
_CONNECT_PAUSE_S = 0.25
#: shorter than any server's keep-alive timeout (uvicorn's default is 5 s)
_KEEPALIVE_EXPIRY_S = 2.0
#: strings longer than this (base64 documents) are kept in evidence as size and hash only
_LONG = 16 * 1024


@dataclass
class Exchange:
    """One request and its answer, as the evidence folder keeps it."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int | None
    response_body: Any
    elapsed_s: float
    error: str | None = None
    started_at: float = field(default_factory=time.time)


def _body_of(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


def _error_text(body: Any) -> str:
    """The server's message, whether a plain string, a JSON string or a JSON object."""
    if isinstance(body, str):
        return body.strip()
    if isinstance(body, dict):
        for key in ("message", "Message", "title", "detail", "error"):
            if isinstance(body.get(key), str):
                return str(body[key])
        return json.dumps(body, ensure_ascii=False)
    return json.dumps(body, ensure_ascii=False)


class EpromClient:
    """A client for one ePROM base URL (``promsApiBaseUrl``) and one ordering system."""

    def __init__(
        self,
        base_url: str,
        api_key: Secret,
        *,
        timeout_s: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        on_exchange: Callable[[Exchange], None] | None = None,
        document_shape: DocumentShape | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.__key = api_key
        self.document_shape = document_shape or DocumentShape()
        self.on_exchange = on_exchange
        limits = httpx.Limits(keepalive_expiry=_KEEPALIVE_EXPIRY_S)
        # the harness places orders from several threads at once: a client per request in
        # flight (eprom_verify/_http.py says why one httpx.Client for all is not safe)
        self._http = SharedClient(timeout=timeout_s, transport=transport, limits=limits)

    def __repr__(self) -> str:
        return f"EpromClient(base_url={self.base_url!r}, api_key={REDACTED})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> EpromClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- 3.1 ------------------------------------------------------------------------
    def order_form(self, request: FormOrderRequest) -> FormOrderResponse:
        """Order a form; the id is NIL_GUID when the person is not in the registry."""
        return self._post("/api/v2/formorder", request, FormOrderResponse, header_auth=True)

    # --- 3.2 ------------------------------------------------------------------------
    def send_letter(self, request: MessageToCitizenRequest) -> MessageToCitizenResponse:
        return self._post(
            "/api/v2/messagetocitizen", request, MessageToCitizenResponse, header_auth=True
        )

    # --- 3.3 / 3.4 ------------------------------------------------------------------
    def send_sms(self, request: SmsRequest) -> UnsecureMessageResponse:
        return self._post(
            "/api/unsecuremessagesms", request, UnsecureMessageResponse, body_key=True
        )

    def send_email(self, request: EmailRequest) -> UnsecureMessageResponse:
        return self._post(
            "/api/unsecuremessageemail", request, UnsecureMessageResponse, body_key=True
        )

    # --- 3.5 ------------------------------------------------------------------------
    def download_signed_form(self, signed_form_id: str) -> bytes:
        """The signed PDF; the ordering system must download and keep it."""
        response = self._send(
            "GET", f"/api/ExternalDocument/{signed_form_id}", None, header_auth=True
        )
        return response.content

    # --- 3.6 ------------------------------------------------------------------------
    def get_personvern(
        self, request: GetPersonvernInnstillingRequest
    ) -> PersonvernInnstillingResponse:
        return self._post(
            "/api/v2/getpersonverninnstilling",
            request,
            PersonvernInnstillingResponse,
            header_auth=True,
        )

    def set_personvern(
        self, request: SetPersonvernInnstillingRequest
    ) -> SetPersonvernInnstillingResponse:
        return self._post(
            "/api/v2/setpersonverninnstilling",
            request,
            SetPersonvernInnstillingResponse,
            header_auth=True,
        )

    def residents_active_pi(self, request: ResidentsActivePiRequest) -> ResidentsActivePiResponse:
        return self._post(
            "/api/v2/get-residents-active-pi-for-definition",
            request,
            ResidentsActivePiResponse,
            header_auth=True,
        )

    def iter_residents_active_pi(
        self, pvk_id: str, *, max_pages: int = 10_000
    ) -> Iterator[ResidentsActivePiResponse]:
        """Every page: start at 0, call again while the returned reference is > 0."""
        reference = 0
        for _ in range(max_pages):
            page = self.residents_active_pi(
                ResidentsActivePiRequest(pvk_id=pvk_id, paging_reference=reference)
            )
            yield page
            if page.paging_reference <= 0:
                return
            if page.paging_reference == reference:
                raise ApiError(
                    method="POST",
                    url=self.base_url + "/api/v2/get-residents-active-pi-for-definition",
                    status=200,
                    text=f"pagingReference {reference} returned itself: the paging never ends",
                )
            reference = page.paging_reference
        raise ApiError(
            method="POST",
            url=self.base_url + "/api/v2/get-residents-active-pi-for-definition",
            status=200,
            text=f"more than {max_pages} pages: giving up",
        )

    # --- plumbing -------------------------------------------------------------------
    def _post(
        self,
        path: str,
        request: EpromModel,
        model: type[M],
        *,
        header_auth: bool = False,
        body_key: bool = False,
    ) -> M:
        """POST ``request``; ``body_key`` puts our key in the body's ``apiKey`` field."""
        response = self._send(
            "POST", path, request.to_wire(), header_auth=header_auth, body_key=body_key
        )
        try:
            return model.from_wire(response.json())
        except ValueError as exc:
            raise ApiError(
                method="POST",
                url=str(response.url),
                status=response.status_code,
                text=f"the answer is not a valid {model.__name__}: {self._scrub(str(exc))}",
            ) from None

    def _send(
        self, method: str, path: str, body: Any, *, header_auth: bool, body_key: bool = False
    ) -> httpx.Response:
        url = self.base_url + path
        shown = {"Content-Type": "application/json; charset=utf-8"}
        if header_auth:
            shown["Authorization"] = f"Basic {REDACTED}"
        if body_key and isinstance(body, dict):
            body = {**body, "apiKey": REDACTED}
        exchange = Exchange(method, url, shown, self._scrub_data(body), None, None, 0.0)
        started = time.perf_counter()
        try:
            response = self._request(method, url, body, header_auth=header_auth, body_key=body_key)
        except httpx.HTTPError as exc:
            exchange.error = self._scrub(f"{type(exc).__name__}: {exc}")
            exchange.elapsed_s = time.perf_counter() - started
            self._emit(exchange)
            raise TransportError(method=method, url=url, text=exchange.error) from None
        exchange.elapsed_s = time.perf_counter() - started
        exchange.status = response.status_code
        is_pdf = response.headers.get("content-type", "").startswith("application/pdf")
        exchange.response_body = (
            f"<{len(response.content)} bytes of PDF>"
            if is_pdf
            else self._scrub_data(_body_of(response))
        )
        self._emit(exchange)
        if response.status_code >= 400:
            text = self._scrub(_error_text(_body_of(response)))
            raise ApiError(method=method, url=url, status=response.status_code, text=text)
        return response

    def _request(
        self, method: str, url: str, body: Any, *, header_auth: bool, body_key: bool
    ) -> httpx.Response:
        """Send once; retry only a refused connection (the request never left)."""
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if header_auth:
            headers["Authorization"] = f"Basic {self.__key.reveal()}"
        if body_key and isinstance(body, dict):
            body = {**body, "apiKey": self.__key.reveal()}
        # pydantic-core's serializer: the same JSON as json.dumps(ensure_ascii=False), compact,
        # in a third of the time — L3's 40 MB letter costs ~0.1 CPU-s instead of ~0.3 (issue 25)
        content = None if body is None else to_json(body)
        for attempt in range(1, _CONNECT_ATTEMPTS + 1):
            try:
                return self._http.request(method, url, content=content, headers=headers)
            except httpx.ConnectError:
                if attempt == _CONNECT_ATTEMPTS:
                    raise
                time.sleep(_CONNECT_PAUSE_S * attempt)
        raise AssertionError("unreachable")  # pragma: no cover

    def _emit(self, exchange: Exchange) -> None:
        if self.on_exchange is not None:
            self.on_exchange(exchange)

    def _scrub_data(self, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: self._scrub_data(v) for k, v in data.items()}
        if isinstance(data, list):
            return [self._scrub_data(v) for v in data]
        if isinstance(data, str):
            if len(data) > _LONG:  # a document's base64: evidence keeps its size and hash
                digest = hashlib.sha256(data.encode()).hexdigest()[:16]
                return f"<{len(data)} characters, sha256 {digest}…>"
            return self._scrub(data)
        return data

    def _scrub(self, text: str) -> str:
        key = self.__key.reveal()
        return text.replace(key, REDACTED) if key else text

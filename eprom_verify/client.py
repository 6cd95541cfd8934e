"""The ePROM API client: every endpoint of contract §3, typed, with the key where it belongs.

The key travels only where the contract puts it: the ``Authorization: Basic <key>``
header for v2, privacy and download calls, the ``apiKey`` body field for SMS and e-mail.
It is kept in a private attribute, never in ``repr``, and an :class:`ApiError` carries the
server's text with the key replaced (the simulator and ePROM echo a wrong key back).

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

from ._exceptions import ApiError
from .contract import (
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

__all__ = ["EpromClient", "Exchange"]

M = TypeVar("M", bound=EpromModel)
REDACTED = "«redacted»"
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
        api_key: str,
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
        self._http = httpx.Client(timeout=timeout_s, transport=transport)

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
        body = request.model_copy(update={"api_key": self.__key})
        return self._post("/api/unsecuremessagesms", body, UnsecureMessageResponse)

    def send_email(self, request: EmailRequest) -> UnsecureMessageResponse:
        body = request.model_copy(update={"api_key": self.__key})
        return self._post("/api/unsecuremessageemail", body, UnsecureMessageResponse)

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
    ) -> M:
        response = self._send("POST", path, request.to_wire(), header_auth=header_auth)
        try:
            return model.from_wire(response.json())
        except ValueError as exc:
            raise ApiError(
                method="POST",
                url=str(response.url),
                status=response.status_code,
                text=f"the answer is not a valid {model.__name__}: {self._scrub(str(exc))}",
            ) from None

    def _send(self, method: str, path: str, body: Any, *, header_auth: bool) -> httpx.Response:
        url = self.base_url + path
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if header_auth:
            headers["Authorization"] = f"Basic {self.__key}"
        content = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        started = time.perf_counter()
        shown = {**headers, "Authorization": f"Basic {REDACTED}"} if header_auth else headers
        exchange = Exchange(method, url, shown, self._scrub_data(body), None, None, 0.0)
        try:
            response = self._http.request(method, url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            exchange.error = self._scrub(f"{type(exc).__name__}: {exc}")
            exchange.elapsed_s = time.perf_counter() - started
            self._emit(exchange)
            raise ApiError(method=method, url=url, status=0, text=exchange.error) from None
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
        return text.replace(self.__key, REDACTED) if self.__key else text

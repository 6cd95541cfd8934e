"""A small typed client for the control API (``/_simulator/…``), for tests and scripts."""

from __future__ import annotations

import time
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, TypeAdapter

from eprom_verify._exceptions import ApiError, CallbackTimeout
from eprom_verify._http import SharedClient
from eprom_verify.simulator.views import (
    CallbackView,
    Cleared,
    FaultView,
    FormView,
    InboxView,
    OrderingSystemView,
    OrderView,
    PatientView,
    Queued,
)

__all__ = ["ControlClient"]

M = TypeVar("M", bound=BaseModel)


class ControlClient:
    """Drives a running simulator: play the patient, inject faults, read the outbox."""

    def __init__(
        self,
        root_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        token: str | None = None,
    ) -> None:
        self.root_url = root_url.rstrip("/")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        # the suites fill forms from several threads at once (eprom_verify/_http.py)
        self._http = SharedClient(
            base_url=f"{self.root_url}/_simulator",
            timeout=30,
            transport=transport,
            trust_env=False,
            headers=headers,
        )

    def __repr__(self) -> str:
        return f"ControlClient({self.root_url!r})"

    def close(self) -> None:
        self._http.close()

    # --- orders and the patient ------------------------------------------------------

    def order(self, order_id: str) -> OrderView:
        return self._call("GET", f"/orders/{order_id}", OrderView)

    def complete(
        self,
        order_id: str,
        *,
        answers: dict[str, Any] | None = None,
        sign: bool = False,
        paper: bool = False,
        filled_out_by: dict[str, str] | None = None,
        warnings: list[dict[str, str]] | None = None,
    ) -> OrderView:
        """The patient answers (answers generated when None) and delivers."""
        body: dict[str, Any] = {"sign": sign, "paper": paper}
        if answers is not None:
            body["answers"] = answers
        if filled_out_by is not None:
            body["filledOutBy"] = filled_out_by
        if warnings is not None:
            body["warnings"] = warnings
        return self._call("POST", f"/orders/{order_id}/complete", OrderView, json=body)

    def expire(self, order_id: str) -> OrderView:
        return self._call("POST", f"/orders/{order_id}/expire", OrderView)

    def paper_returned(self, order_id: str) -> OrderView:
        return self._call("POST", f"/orders/{order_id}/paper-returned", OrderView)

    def digipost_delivered(self, order_id: str) -> OrderView:
        """A DigitalMailbox order is delivered there: answer callback ``DigipostDelivered``."""
        return self._call("POST", f"/orders/{order_id}/digipost-delivered", OrderView)

    def patient_initiated(
        self,
        form_id: str,
        national_id: str,
        *,
        answers: dict[str, Any] | None = None,
        sign: bool = False,
        ordering_system: str | None = None,
    ) -> OrderView:
        body: dict[str, Any] = {"formId": form_id, "nationalId": national_id, "sign": sign}
        if answers is not None:
            body["answers"] = answers
        if ordering_system is not None:
            body["orderingSystem"] = ordering_system
        return self._call("POST", "/patient-initiated", OrderView, json=body)

    def inbox(self, national_id: str) -> InboxView:
        return self._call("GET", f"/inbox/{national_id}", InboxView)

    def change_personvern(
        self, national_id: str, pvk_id: str, status: str, *, ordering_system: str | None = None
    ) -> list[int]:
        """The citizen changes a privacy setting (status RES, IRES, SAM or ISAM)."""
        body: dict[str, Any] = {"nationalId": national_id, "pvkId": pvk_id, "status": status}
        if ordering_system is not None:
            body["orderingSystem"] = ordering_system
        return self._call("POST", "/personvern/change", Queued, json=body).callbacks

    # --- faults ----------------------------------------------------------------------

    def add_fault(
        self,
        type: str,  # noqa: A002 - the documented field name
        *,
        callback: str = "any",
        times: int | None = 1,
        seconds: float | None = None,
        form_order_id: str | None = None,
    ) -> FaultView:
        body: dict[str, Any] = {"type": type, "callback": callback, "times": times}
        if seconds is not None:
            body["seconds"] = seconds
        if form_order_id is not None:
            body["formOrderId"] = form_order_id
        return self._call("POST", "/faults", FaultView, json=body)

    def faults(self) -> list[FaultView]:
        return self._call_list("GET", "/faults", FaultView)

    def clear_faults(self) -> int:
        return self._call("DELETE", "/faults", Cleared).cleared

    # --- the simulator ---------------------------------------------------------------

    def reset(self, *, ordering_system: str | None = None) -> int:
        """Forget orders, letters, messages, privacy state, outbox, faults and the journal.

        With ``ordering_system``, only that system's orders, letters, messages, documents,
        callbacks and journal entries (the number of rows removed is returned).
        """
        params = {"orderingSystem": ordering_system} if ordering_system is not None else None
        return self._call("POST", "/reset", Cleared, params=params).cleared

    def health(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, report) of ``GET /_simulator/health``: 200 ready, 503 not."""
        response = self._http.get("/health")
        return response.status_code, response.json()

    def requests(
        self,
        *,
        ordering_system: str | None = None,
        path: str | None = None,
        method: str | None = None,
        since: str | None = None,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """The request journal, newest first, keys redacted (``GET /_simulator/requests``)."""
        params: dict[str, Any] = {"limit": limit}
        for name, value in (
            ("orderingSystem", ordering_system),
            ("path", path),
            ("method", method),
            ("since", since),
        ):
            if value is not None:
                params[name] = value
        answer: dict[str, Any] = self._send("GET", "/requests", params=params).json()
        requests: list[dict[str, Any]] = answer["requests"]
        return requests

    def clear_requests(self) -> int:
        return self._call("DELETE", "/requests", Cleared).cleared

    def register_ordering_system(
        self, name: str, api_key: str, callback_base_url: str
    ) -> OrderingSystemView:
        body = {"name": name, "apiKey": api_key, "callbackBaseUrl": callback_base_url}
        return self._call("POST", "/ordering-systems", OrderingSystemView, json=body)

    def outbox(self, *, state: str | None = None, limit: int = 1000) -> list[CallbackView]:
        params: dict[str, Any] = {"limit": limit}
        if state is not None:
            params["state"] = state
        return self._call_list("GET", "/outbox", CallbackView, params=params)

    def forms(self) -> list[FormView]:
        return self._call_list("GET", "/forms", FormView)

    def patients(self) -> list[PatientView]:
        return self._call_list("GET", "/patients", PatientView)

    def errors(self) -> list[str]:
        return self._call_list("GET", "/errors", str)

    def wait_for_idle(self, *, timeout: float = 10.0) -> None:
        """Wait until no callback is pending (all delivered or dropped)."""
        deadline = time.monotonic() + timeout
        while self.outbox(state="pending", limit=1):
            if time.monotonic() > deadline:
                pending = len(self.outbox(state="pending", limit=100_000))
                raise CallbackTimeout(
                    f"end of callback delivery ({pending} still pending)", timeout_s=timeout
                )
            time.sleep(0.02)

    # --- plumbing --------------------------------------------------------------------

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        response = self._http.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise ApiError(
                method=method,
                url=str(response.request.url),
                status=response.status_code,
                text=response.text,
            )
        return response

    def _call(self, method: str, path: str, model: type[M], **kwargs: Any) -> M:
        return model.model_validate(self._send(method, path, **kwargs).json())

    def _call_list(self, method: str, path: str, item: Any, **kwargs: Any) -> list[Any]:
        adapter: TypeAdapter[list[Any]] = TypeAdapter(list[item])
        return adapter.validate_python(self._send(method, path, **kwargs).json())

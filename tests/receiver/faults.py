"""Receivers seeded with one fault each: the receiver checks must catch every one."""

from __future__ import annotations

import time
from typing import Any

from examples.reference_receiver.app import CallbackReceiver, Endpoint, Refused

__all__ = ["FAULTS"]

_KNOWN_FIELDS = {
    Endpoint.FORM_ORDER: {
        "apiKey", "formOrderId", "notificationChannel", "timestamp", "timestampUtc",
        "formOrderStatus", "formOrderStatusErrorCode", "formData", "signedFormId",
        "scannedPaperId", "formDataWarnings", "isPatientInitiated", "patientInitiatedValues",
        "formOrderEventLog", "filledOutBy",
    },
    Endpoint.LETTER: {"apiKey", "messageToCitizenId", "notificationChannel", "sentStatus"},
    Endpoint.PRIVACY: {"nationalId", "id", "name", "status"},
}  # fmt: skip


class AcceptsForgedKey(CallbackReceiver):
    def authorized(
        self, endpoint: Endpoint, data: dict[str, Any], authorization: str | None
    ) -> bool:
        return True


class NumbersOnly(CallbackReceiver):
    """Written against the current docs: channels and sent status must be numbers."""

    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        for name in ("notificationChannel", "sentStatus"):
            if isinstance(data.get(name), str):
                raise Refused(400, f"{name} must be a number")
        return super().parse(endpoint, data)


class RefusesUnknownFields(CallbackReceiver):
    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        unknown = set(data) - _KNOWN_FIELDS[endpoint]
        if unknown:
            raise Refused(400, f"unknown fields: {sorted(unknown)}")
        return super().parse(endpoint, data)


class CrashesOnRedelivery(CallbackReceiver):
    def remember(self, endpoint: Endpoint, subject: str, data: dict[str, Any]) -> None:
        if not self.store.add(endpoint.value, subject, data):
            raise Refused(500, "UNIQUE constraint failed: callbacks.digest")


class CrashesOnBadJson(CallbackReceiver):
    def decode(self, body: bytes) -> dict[str, Any]:
        try:
            return super().decode(body)
        except Refused as refused:
            raise RuntimeError("JsonReaderException") from refused

    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        try:
            return super().handle(endpoint, body, authorization)
        except RuntimeError:
            return 500, {"message": "Newtonsoft.Json.JsonReaderException"}


class _AsciiFormData(CallbackReceiver):
    status = 200

    def parse(self, endpoint: Endpoint, data: dict[str, Any]) -> str:
        form_data = data.get("formData")
        if isinstance(form_data, str) and not form_data.isascii():
            raise Refused(self.status, "could not read formData")
        return super().parse(endpoint, data)


class RefusesNorwegianFormData(_AsciiFormData):
    """Answers 200 {"success": false} when formData holds æøå (or any non-ASCII)."""


class CrashesOnNorwegianFormData(_AsciiFormData):
    """Answers 500 when formData holds æøå (or any non-ASCII)."""

    status = 500


class Slow(CallbackReceiver):
    """Takes 0.15 s to answer a letter callback (only those, to keep the test short)."""

    delay_s = 0.15

    def handle(
        self, endpoint: Endpoint, body: bytes, authorization: str | None
    ) -> tuple[int, dict[str, Any]]:
        if endpoint is Endpoint.LETTER:
            time.sleep(self.delay_s)
        return super().handle(endpoint, body, authorization)


FAULTS: dict[str, type[CallbackReceiver]] = {
    "accepts_forged_key": AcceptsForgedKey,
    "numbers_only": NumbersOnly,
    "refuses_unknown_fields": RefusesUnknownFields,
    "crashes_on_redelivery": CrashesOnRedelivery,
    "crashes_on_bad_json": CrashesOnBadJson,
    "refuses_norwegian_form_data": RefusesNorwegianFormData,
    "crashes_on_norwegian_form_data": CrashesOnNorwegianFormData,
    "slow": Slow,
}

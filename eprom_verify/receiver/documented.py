"""The documented example callbacks (``fixtures/payloads/``), as ePROM's pages show them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eprom_verify.config import fixtures_dir
from eprom_verify.contract import CallbackKind

__all__ = ["DOCUMENTED_CALLBACKS", "DocumentedCallback", "documented_callbacks"]

#: File name → kind, for every documented callback of the three receiver endpoints.
DOCUMENTED_CALLBACKS: tuple[tuple[str, CallbackKind], ...] = (
    ("form_order_status_callback_ordered.json", CallbackKind.STATUS),
    ("form_order_status_callback_error.json", CallbackKind.STATUS),
    ("form_answer_callback.json", CallbackKind.ANSWER),
    ("form_answer_callback_patient_initiated.json", CallbackKind.ANSWER),
    ("message_to_citizen_callback.json", CallbackKind.LETTER),
    ("message_to_citizen_callback_2023.json", CallbackKind.LETTER),
    ("personverninnstilling_callback.json", CallbackKind.PRIVACY),
)


@dataclass(frozen=True)
class DocumentedCallback:
    name: str
    kind: CallbackKind
    body: dict[str, Any]


def documented_callbacks(directory: Path | None = None) -> list[DocumentedCallback]:
    """Read the documented callbacks from ``directory`` (default ``<fixtures>/payloads``)."""
    folder = directory if directory is not None else fixtures_dir() / "payloads"
    found = []
    for name, kind in DOCUMENTED_CALLBACKS:
        path = folder / name
        try:
            body = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FileNotFoundError(
                f"cannot read the documented example {path}: {exc}; set EPROM_FIXTURES_DIR to "
                "a folder holding payloads/ with the example callbacks"
            ) from None
        if not isinstance(body, dict):
            raise ValueError(f"{path} must hold a JSON object, found {type(body).__name__}")
        found.append(DocumentedCallback(name, kind, body))
    return found

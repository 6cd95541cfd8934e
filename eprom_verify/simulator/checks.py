"""Checks and texts shared by the desks: national IDs and Helsenorge failures (contract §3)."""

from __future__ import annotations

from eprom_verify import national_id

from .errors import Refusal
from .faults import FaultType

__all__ = ["HELSENORGE_FAULTS", "check_national_id"]

HELSENORGE_FAULTS = {
    FaultType.HELSENORGE_502: (502, "Unable to communicate with Helsenorge. No message sent."),
    FaultType.HELSENORGE_504: (504, "Timeout while waiting for response from Helsenorge"),
}
_NOT_SUPPORTED = (
    "{field}: {kind} is not supported as national ID. "
    "The national ID must be either Norsk fødselsnummer or D-nummer."
)


def check_national_id(value: str, *, field: str = "nationalId") -> national_id.NationalId:
    """Parse an ID ePROM must accept; H- and FH-numbers get ePROM's documented 400 texts."""
    try:
        parsed = national_id.parse(value)
    except national_id.InvalidNationalId as exc:
        text = str(exc)
        if len(value) == 11 and value.isdigit():
            text = text.replace(value, national_id.mask(value))
        raise Refusal(400, f"{field}: {text}") from None
    if parsed.kind is national_id.NationalIdKind.H_NUMBER:
        raise Refusal(400, _NOT_SUPPORTED.format(field=field, kind="H-nummer"))
    if parsed.kind is national_id.NationalIdKind.FH_NUMBER:
        raise Refusal(400, _NOT_SUPPORTED.format(field=field, kind="FH-nummer"))
    return parsed

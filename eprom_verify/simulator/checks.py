"""Checks and texts shared by the desks: national IDs and Helsenorge failures (contract §3)."""

from __future__ import annotations

from eprom_verify import national_id
from eprom_verify.contract import refusals
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import FaultType

__all__ = ["HELSENORGE_FAULTS", "check_national_id"]

HELSENORGE_FAULTS = {
    FaultType.HELSENORGE_502: (502, refusals.HELSENORGE_UNREACHABLE),
    FaultType.HELSENORGE_504: (504, refusals.HELSENORGE_TIMEOUT),
}


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
        raise Refusal(400, refusals.national_id_kind_refused("H-nummer", field=field))
    if parsed.kind is national_id.NationalIdKind.FH_NUMBER:
        raise Refusal(400, refusals.national_id_kind_refused("FH-nummer", field=field))
    return parsed

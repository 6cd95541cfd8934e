"""Checks shared by the desks: national IDs (contract §3). A request fault's answer (the
Helsenorge failures) is in ``faults.REQUEST_EFFECTS``."""

from __future__ import annotations

from eprom_verify import national_id
from eprom_verify.contract import refusals
from eprom_verify.simulator.errors import Refusal

__all__ = ["check_national_id"]


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

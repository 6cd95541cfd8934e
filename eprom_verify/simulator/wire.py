"""Writing contract models the way the docs show them.

A model the simulator builds in Python is written in the form the docs show for each
enum field (``EpromModel`` only remembers forms of values it *read*), or a forced one.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

from eprom_verify.contract import EpromModel, WireForm

__all__ = ["wire_dict", "wire_json"]

M = TypeVar("M", bound=EpromModel)


def wire_dict(model: EpromModel, *, enum_form: WireForm | None = None) -> dict[str, Any]:
    """Every field (set or default), camelCase, enums as documented (or ``enum_form``)."""
    context = {"enum_form": enum_form} if enum_form is not None else None
    return model.model_dump(mode="json", by_alias=True, context=context)


def wire_json(model: EpromModel, *, enum_form: WireForm | None = None) -> str:
    """Only the fields that were set, as JSON text (a callback body)."""
    return json.dumps(model.to_wire(enum_form=enum_form), ensure_ascii=False)

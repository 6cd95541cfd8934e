"""Small helpers shared by the suites (not a test module)."""

from __future__ import annotations

from typing import Any

from eprom_verify import (
    PlacedOrder,
    ReceivedCallback,
    Text,
    callback_name,
)
from eprom_verify.contract import CallbackKind
from eprom_verify.pytest import not_run


def require_order(placed: PlacedOrder) -> None:
    """Dependent checks do not run when the order itself failed (V1.1 reports that)."""
    if placed.error is not None:
        status = placed.error.status
        not_run(
            Text(
                en=f"the order was refused ({status}); see V1.1",
                nb=f"bestillingen ble avvist ({status}); se V1.1",
            )
        )
    if not placed.made:
        not_run(
            Text(
                en="no order was made (unknown person); see V1.1",
                nb="ingen bestilling ble laget (ukjent person); se V1.1",
            )
        )


def require_callback(callbacks: list[ReceivedCallback], kind: CallbackKind) -> ReceivedCallback:
    """The first callback of ``kind``; *not run* when none came (the waiting check fails)."""
    if not callbacks:
        noun = callback_name(kind).one
        not_run(
            Text(
                en=f"no {noun.en} arrived; see the check that waits for it",
                nb=f"ingen {noun.nb} kom; se kontrollen som venter på den",
            )
        )
    return callbacks[0]


def as_dict(view: Any) -> Any:
    """A simulator control view as the camelCase JSON the control API answers."""
    if hasattr(view, "model_dump"):
        return view.model_dump(by_alias=True, mode="json")
    return view


def params_of(request: Any, name: str) -> list[Any]:
    """Every value of parameter ``name`` among the collected tests of this module."""
    seen: dict[str, Any] = {}
    for item in request.session.items:
        if item.module is not request.module:
            continue
        callspec = getattr(item, "callspec", None)
        value = callspec.params.get(name) if callspec is not None else None
        if value is not None:
            seen.setdefault(value.id, value)
    return list(seen.values())

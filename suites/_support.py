"""Small helpers shared by the suites (not a test module)."""

from __future__ import annotations

from typing import Any

from eprom_verify.harness import PlacedOrder
from eprom_verify.listener import ReceivedCallback
from eprom_verify.pytest import not_run


def require_order(placed: PlacedOrder) -> None:
    """Dependent checks do not run when the order itself failed (V1.1 reports that)."""
    if placed.error is not None:
        not_run(f"the order was refused ({placed.error.status}); see V1.1")
    if not placed.made:
        not_run("no order was made (unknown person); see V1.1")


def require_callback(callbacks: list[ReceivedCallback], what: str) -> ReceivedCallback:
    if not callbacks:
        not_run(f"no {what} arrived; see the check that waits for it")
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

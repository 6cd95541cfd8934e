"""What the harness hands back for one placement: the order or letter and its callbacks.

Its own module so that the manual steps and the assertions can name it without importing
the harness (which imports them). ``eprom_verify.run.harness.PlacedOrder`` keeps working.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from eprom_verify._exceptions import ApiError
from eprom_verify.contract import (
    NIL_GUID,
    FormOrderRequest,
    FormOrderResponse,
    MessageToCitizenRequest,
    MessageToCitizenResponse,
)

if TYPE_CHECKING:
    from eprom_verify.run.listener import ReceivedCallback

__all__ = ["PlacedLetter", "PlacedOrder"]


@dataclass
class PlacedOrder:
    """A form order and what came back for it."""

    case: str
    request: FormOrderRequest
    response: FormOrderResponse | None = None
    error: ApiError | None = None
    status_callbacks: list[ReceivedCallback] = field(default_factory=list)
    waited_s: float = 0.0

    @property
    def order_id(self) -> str:
        return self.response.id if self.response is not None else "(no order)"

    @property
    def made(self) -> bool:
        return self.response is not None and self.response.id != NIL_GUID


@dataclass
class PlacedLetter:
    case: str
    request: MessageToCitizenRequest
    response: MessageToCitizenResponse | None = None
    error: ApiError | None = None
    callbacks: list[ReceivedCallback] = field(default_factory=list)
    waited_s: float = 0.0

    @property
    def letter_id(self) -> str:
        return self.response.message_to_citizen_id if self.response else "(no letter)"

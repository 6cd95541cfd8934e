"""What goes wrong inside the simulator, as exceptions.

::

    Refusal            an answer other than 200 that ePROM gives on purpose (400, 401, 404,
                       409, 502, 504): status, text, and for the privacy component's 502 a
                       JSON body. Becomes the HTTP answer; never an error of the simulator.
    SimulatorError     the simulator itself failed (a bug, a crashed task). Collected in the
                       server thread and raised in the test thread (``check_errors()``).
"""

from __future__ import annotations

from typing import Any

from eprom_verify._exceptions import EpromVerifyError

__all__ = ["Refusal", "SimulatorError"]


class Refusal(Exception):
    """ePROM's answer to a request it refuses: ``status`` and the plain text (or JSON body)."""

    def __init__(self, status: int, text: str, *, json_body: dict[str, Any] | None = None) -> None:
        super().__init__(text)
        self.status = status
        self.text = text
        self.json_body = json_body


class SimulatorError(EpromVerifyError):
    """The simulator failed internally; ``errors`` holds what was raised in its thread."""

    def __init__(self, errors: list[BaseException]) -> None:
        self.errors = list(errors)
        first = errors[0] if errors else None
        detail = f"{type(first).__name__}: {first}" if first is not None else "unknown error"
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"the simulator failed internally: {detail}{more} — this is a bug in the simulator; "
            "the traceback is in .errors"
        )

"""eprom-verify: Hemit's ePROM go-live checklist as a CI job, with a local ePROM simulator.

The public surface is re-exported here; each piece lives in a module of one topic.
Importing the package is cheap: the client and the listener (httpx, pytest-httpserver)
load on first use, so the pytest plugin imports nothing heavy.
"""

from typing import TYPE_CHECKING, Any

from ._exceptions import (
    ApiError,
    CallbackTimeout,
    CheckFailure,
    EpromVerifyError,
    ListenerError,
    UsageError,
)
from ._version import __version__
from .settings import RunSettings

if TYPE_CHECKING:
    from .client import EpromClient
    from .listener import CallbackListener

__all__ = [
    "ApiError",
    "CallbackListener",
    "CallbackTimeout",
    "CheckFailure",
    "EpromClient",
    "EpromVerifyError",
    "ListenerError",
    "RunSettings",
    "UsageError",
    "__version__",
]

_LAZY = {"EpromClient": ".client", "CallbackListener": ".listener"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'eprom_verify' has no attribute {name!r}")

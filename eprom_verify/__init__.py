"""eprom-verify: Hemit's ePROM go-live checklist as a CI job, with a local ePROM simulator.

The public surface is re-exported here; each piece lives in a module of one topic.
"""

from ._exceptions import (
    ApiError,
    CallbackTimeout,
    CheckFailure,
    EpromVerifyError,
    ListenerError,
    UsageError,
)
from ._version import __version__
from .client import EpromClient
from .listener import CallbackListener
from .settings import RunSettings

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

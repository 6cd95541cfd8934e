"""A reference ePROM callback receiver (see README.md)."""

from .app import CallbackReceiver, Endpoint, Refused, build_app, make_app
from .store import CallbackStore, StoredCallback

__all__ = [
    "CallbackReceiver",
    "CallbackStore",
    "Endpoint",
    "Refused",
    "StoredCallback",
    "build_app",
    "make_app",
]

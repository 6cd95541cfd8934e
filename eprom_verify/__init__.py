"""eprom-verify: Hemit's ePROM go-live checklist as a CI job, with a local ePROM simulator.

The public surface is re-exported here (see "The public API" in docs/architecture.md);
each piece lives in a module of one topic. Besides this package, the public modules are
:mod:`eprom_verify.pytest` (outcomes and facts for suites), :mod:`eprom_verify.contract`
(ePROM's wire models and documented texts), :mod:`eprom_verify.receiver` (the receiver
checks) and :mod:`eprom_verify.simulator` (the simulator). Everything else is internal;
old deep import paths keep working.

Importing the package is cheap: everything beyond the exceptions, the settings and the
wording (the client, the listener, the assertions, the contract models…) loads on first
use, so the pytest plugin imports nothing heavy.
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
from .wording import Text

if TYPE_CHECKING:
    from .assertions import (
        assert_accepted,
        assert_contract,
        assert_equal,
        assert_exactly_one,
        assert_our_key,
        callback_json,
        expect_refusal,
        letter_label,
        order_label,
    )
    from .channels import explain as explain_channel
    from .client import EpromClient
    from .config import fixtures_dir
    from .contract.callbacks import callback_name
    from .ledger import CHECKPOINTS_JUDGED
    from .listener import CallbackListener, ReceivedCallback
    from .national_id import NationalIdKind
    from .national_id import generate as generate_national_id
    from .placed import PlacedLetter, PlacedOrder

__all__ = [
    "CHECKPOINTS_JUDGED",
    "ApiError",
    "CallbackListener",
    "CallbackTimeout",
    "CheckFailure",
    "EpromClient",
    "EpromVerifyError",
    "ListenerError",
    "NationalIdKind",
    "PlacedLetter",
    "PlacedOrder",
    "ReceivedCallback",
    "RunSettings",
    "Text",
    "UsageError",
    "__version__",
    "assert_accepted",
    "assert_contract",
    "assert_equal",
    "assert_exactly_one",
    "assert_our_key",
    "callback_json",
    "callback_name",
    "expect_refusal",
    "explain_channel",
    "fixtures_dir",
    "generate_national_id",
    "letter_label",
    "order_label",
]

#: name -> (module, name there), loaded on first use: these pull in httpx, pydantic, yaml…
_LAZY: dict[str, tuple[str, str]] = {
    "EpromClient": (".client", "EpromClient"),
    "CallbackListener": (".listener", "CallbackListener"),
    "ReceivedCallback": (".listener", "ReceivedCallback"),
    "PlacedOrder": (".placed", "PlacedOrder"),
    "PlacedLetter": (".placed", "PlacedLetter"),
    "CHECKPOINTS_JUDGED": (".ledger", "CHECKPOINTS_JUDGED"),
    "callback_name": (".contract.callbacks", "callback_name"),
    "fixtures_dir": (".config", "fixtures_dir"),
    "NationalIdKind": (".national_id", "NationalIdKind"),
    "generate_national_id": (".national_id", "generate"),
    "explain_channel": (".channels", "explain"),
    **{
        name: (".assertions", name)
        for name in (
            "assert_accepted",
            "assert_contract",
            "assert_equal",
            "assert_exactly_one",
            "assert_our_key",
            "callback_json",
            "expect_refusal",
            "letter_label",
            "order_label",
        )
    },
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        value = getattr(importlib.import_module(module, __name__), attribute)
        globals()[name] = value  # the next lookup is a plain attribute
        return value
    raise AttributeError(f"module 'eprom_verify' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))

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

from eprom_verify._exceptions import (
    ApiError,
    CallbackTimeout,
    CheckFailure,
    EpromVerifyError,
    ListenerError,
    UsageError,
)
from eprom_verify._version import __version__
from eprom_verify.config.settings import RunSettings
from eprom_verify.wording import Text

if TYPE_CHECKING:
    from eprom_verify.channels import explain as explain_channel
    from eprom_verify.client import EpromClient
    from eprom_verify.config import fixtures_dir
    from eprom_verify.contract.callbacks import callback_name
    from eprom_verify.national_id import NationalIdKind
    from eprom_verify.national_id import generate as generate_national_id
    from eprom_verify.run.assertions import (
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
    from eprom_verify.run.ledger import CHECKPOINTS_JUDGED
    from eprom_verify.run.listener import CallbackListener, ReceivedCallback
    from eprom_verify.run.placed import PlacedLetter, PlacedOrder

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
    "CallbackListener": (".run.listener", "CallbackListener"),
    "ReceivedCallback": (".run.listener", "ReceivedCallback"),
    "PlacedOrder": (".run.placed", "PlacedOrder"),
    "PlacedLetter": (".run.placed", "PlacedLetter"),
    "CHECKPOINTS_JUDGED": (".run.ledger", "CHECKPOINTS_JUDGED"),
    "callback_name": (".contract.callbacks", "callback_name"),
    "fixtures_dir": (".config", "fixtures_dir"),
    "NationalIdKind": (".national_id", "NationalIdKind"),
    "generate_national_id": (".national_id", "generate"),
    "explain_channel": (".channels", "explain"),
    **{
        name: (".run.assertions", name)
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


# Old import paths (before the modules moved into the run/, cli/ and config/ wings) keep
# working for one release, with a DeprecationWarning naming the new path.
from eprom_verify import _aliases as _aliases  # noqa: E402

_aliases.install()

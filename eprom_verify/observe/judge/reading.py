"""Reading the recorded traffic: which API path and callback an exchange is, its JSON,
and how a step's fields are matched. Shared by every rule of the judge."""

from __future__ import annotations

import itertools
import json
import re
from typing import Any

from eprom_verify.contract import (
    CallbackKind,
    DistributionRule,
)
from eprom_verify.contract.callbacks import (
    ANY_CALLBACK,
    callback_name,
    kind_of,
    wire_name,
)
from eprom_verify.wording import Text

from ..front import Exchange
from ..scenario import StepKind

_PATH_KIND: dict[str, StepKind] = {
    "/api/v2/formorder": "form_order",
    "/api/v2/messagetocitizen": "letter",
    "/api/unsecuremessagesms": "sms",
    "/api/unsecuremessageemail": "email",
    "/api/v2/getpersonverninnstilling": "privacy_get",
    "/api/v2/setpersonverninnstilling": "privacy_set",
}

_API_PREFIXES = ("/promswebapi", "/webapi")

_NONE = Text(en="none", nb="ingen")

#: the recording front's own words when the other side did not answer in time
_NO_ANSWER = re.compile(r"no answer within (\S+) s")


def api_path(exchange: Exchange) -> str:
    """The path below ``PromsApiBaseUrl``, lower case, no query, no trailing slash."""
    path = exchange.path.split("?", 1)[0].rstrip("/").lower()
    for prefix in _API_PREFIXES:
        if path.startswith(prefix + "/"):
            return path[len(prefix) :]
    return path


def callback_kind(exchange: Exchange) -> str | None:
    """``status``, ``answer``, ``letter`` or ``privacy`` for a callback exchange."""
    kind = kind_of(exchange.path, _json(exchange.request_body))
    return kind.value if kind is not None else None


def callback_words(kind: str | None) -> tuple[Text, Text]:
    """``status callback`` and ``the status callback`` in both languages (any kind)."""
    try:
        noun = callback_name(CallbackKind(kind or ""))
    except ValueError:  # a path observe cannot tell apart
        noun = ANY_CALLBACK
    return noun.one, noun.the


def answer_error(exchange: Exchange) -> Text:
    """Why an exchange has no answer: ours for a timeout, else the HTTP client's words."""
    error = exchange.error or ""
    timeout = _NO_ANSWER.fullmatch(error)
    if timeout:
        return Text(en=error, nb=f"ikke noe svar innen {timeout.group(1)} s")
    return Text.same(error)


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except ValueError:
        return None


def _enum_name(enum: Any, value: Any) -> str | None:
    return wire_name(enum, value)


def _same(expected: Any, observed: Any, name: str) -> bool:
    if name == "distributionRule":
        return _enum_name(DistributionRule, expected) == _enum_name(
            DistributionRule, observed if observed is not None else "Basic"
        )
    if name == "mustBeSigned":
        return bool(expected) == bool(observed)
    if expected is None or observed is None:
        return expected in (None, "") and observed in (None, "")
    return str(expected).lower() == str(observed).lower()


def _text(exchange: Exchange) -> str:
    return exchange.response_body.decode("utf-8", errors="replace")


def _received(exchange: Exchange) -> dict[str, Any]:
    return {
        "status": exchange.status,
        "body": _text(exchange)[:300] if exchange.status is not None else exchange.error,
        "seconds": round(exchange.duration_s, 3),
    }


def _mentions(exchange: Exchange, value: str) -> bool:
    body = _json(exchange.request_body)
    return bool(value) and isinstance(body, dict) and body.get("nationalId") == value


def _fields(values: dict[str, Any]) -> str:
    return ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in values.items())


def _repeated_changes(accepted: list[Exchange]) -> list[Exchange]:
    """Privacy settings: each change is an event, so setting and then restoring a setting
    is two changes, not a step performed twice; a request with the same content as the one
    before it (the same status again) is the repeat. The first repeat and what it repeats."""
    for before, after in itertools.pairwise(accepted):
        if _json(before.request_body) == _json(after.request_body):
            return [before, after]
    return accepted[:1]

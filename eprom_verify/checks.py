"""Checks on received callbacks: each raises :class:`CheckFailure` a person can read.

A message names the order (or letter), what was expected and what was received, and
shows the callback's JSON. The API key is never shown: a wrong key is reported by
fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ._exceptions import CheckFailure
from .listener import ReceivedCallback
from .redact import fingerprint

__all__ = [
    "assert_contract",
    "assert_exactly_one",
    "assert_our_key",
    "callback_json",
]


def callback_json(callback: ReceivedCallback) -> str:
    """The callback's body, pretty-printed, its apiKey shown only as a fingerprint."""
    data = callback.data
    if isinstance(data, dict):
        if data.get("apiKey"):
            data = {**data, "apiKey": fingerprint(str(data["apiKey"]))}
        return json.dumps(data, ensure_ascii=False, indent=2)
    if isinstance(data, list):
        return json.dumps(data, ensure_ascii=False, indent=2)
    return callback.body_text


def assert_exactly_one(
    callbacks: Sequence[ReceivedCallback], *, what: str, ident: str, waited_s: float
) -> ReceivedCallback:
    """Exactly one callback arrived: none is a lost callback, two a duplicate."""
    if not callbacks:
        raise CheckFailure(
            f"no {what} for {ident} within {waited_s:g} s",
            expected=f"1 {what}",
            received="none",
            order_id=ident,
        )
    if len(callbacks) > 1:
        times = ", ".join(f"+{c.at - callbacks[0].at:.3f} s" for c in callbacks)
        raise CheckFailure(
            f"{len(callbacks)} {what}s for {ident} (duplicates; arrival {times})",
            expected=f"1 {what}",
            received=f"{len(callbacks)} {what}s",
            order_id=ident,
            callback=[json.loads(callback_json(c)) for c in callbacks if c.data is not None],
        )
    return callbacks[0]


def assert_contract(callback: ReceivedCallback, *, what: str, ident: str) -> None:
    """The callback parsed with the contract model."""
    if callback.error is not None:
        raise CheckFailure(
            f"the {what} for {ident} {callback.error}",
            expected="a payload that follows contract §4",
            received=callback.error,
            order_id=ident,
            callback=callback_json(callback),
        )


def assert_our_key(callback: ReceivedCallback, *, what: str, ident: str, our_key: str) -> None:
    """The callback carries our API key (the ordering system's proof it is genuine)."""
    if callback.key_ok:
        return
    if callback.kind == "personvern":
        header = callback.headers.get("Authorization", "")
        sent = header[6:] if header.lower().startswith("basic ") else header
    else:
        sent = str(callback.data.get("apiKey") or "") if isinstance(callback.data, dict) else ""
    shown = fingerprint(sent) if sent else "nothing"
    raise CheckFailure(
        f"the {what} for {ident} carried a wrong API key: {shown}, ours is "
        f"{fingerprint(our_key)} — a receiver must refuse it",
        expected=f"apiKey {fingerprint(our_key)}",
        received=f"apiKey {shown}",
        order_id=ident,
    )

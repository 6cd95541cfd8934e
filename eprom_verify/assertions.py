"""The one failure vocabulary: assertions on ePROM's answers and callbacks.

Each assertion raises :class:`CheckFailure` a person can read: it names the order (or
letter), what was expected and what was received, and shows the callback's JSON. Suites
and the run-wide ledger use these; nothing else spells out a failure by hand.

The API key is never shown: keys are :class:`~eprom_verify.settings.Secret` objects down to
the comparison, and a wrong key is reported by fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ._exceptions import ApiError, CheckFailure
from .contract.refusals import DocumentedRefusal
from .listener import ReceivedCallback, sent_key
from .redact import fingerprint
from .settings import Secret

if TYPE_CHECKING:
    from .harness import PlacedLetter, PlacedOrder

__all__ = [
    "assert_accepted",
    "assert_contract",
    "assert_equal",
    "assert_exactly_one",
    "assert_our_key",
    "callback_json",
    "expect_refusal",
]


def callback_json(callback: ReceivedCallback) -> Any:
    """The callback's body as JSON data, its apiKey shown only as a fingerprint."""
    data = callback.data
    if isinstance(data, dict):
        if data.get("apiKey"):
            data = {**data, "apiKey": fingerprint(str(data["apiKey"]))}
        return data
    if isinstance(data, list):
        return data
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
            callback=[callback_json(c) for c in callbacks if c.data is not None],
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


def assert_our_key(callback: ReceivedCallback, *, what: str, ident: str, key: Secret) -> None:
    """The callback carries our API key (the ordering system's proof it is genuine)."""
    if callback.key_ok:
        return
    sent = sent_key(callback)
    shown = fingerprint(sent) if sent else "nothing"
    ours = fingerprint(key.reveal())
    raise CheckFailure(
        f"the {what} for {ident} carried a wrong API key: {shown}, ours is {ours} "
        "— a receiver must refuse it",
        expected=f"apiKey {ours}",
        received=f"apiKey {shown}",
        order_id=ident,
    )


def assert_equal(what: str, expected: Any, received: Any, *, order_id: str) -> None:
    if expected != received:
        raise CheckFailure(
            f"{what} differs for order {order_id}",
            expected=expected,
            received=received,
            order_id=order_id,
        )


def assert_accepted(placed: PlacedOrder | PlacedLetter, what: str) -> None:
    """The order or letter was accepted; a refusal or a transport error fails here."""
    error = placed.error
    if error is None:
        return
    if error.transport:
        raise CheckFailure(
            f"{what} did not reach ePROM: {error.text}",
            expected="200 and an id",
            received=f"no answer ({error.text})",
        )
    raise CheckFailure(
        f"{what} was refused: {error.status} {error.text}",
        expected="200 and an id",
        received=f"{error.status} {error.text}",
    )


def expect_refusal(
    call: Callable[[], Any],
    refusal: DocumentedRefusal,
    *,
    what: str,
    describe_accepted: Callable[[Any], tuple[str, str | None]] | None = None,
) -> None:
    """``call()`` must be refused exactly as ePROM documents it (status and text).

    ``describe_accepted`` turns an unexpected answer into ``(shown, order_id)``.
    """
    expected = f"{refusal.status} {refusal.text}" + ("…" if refusal.prefix else "")
    try:
        answer = call()
    except ApiError as exc:
        if not refusal.matches(exc.status, exc.text):
            raise CheckFailure(
                f"{what} was refused, but not as documented",
                expected=expected,
                received=f"{exc.status} {exc.text}" if not exc.transport else exc.text,
            ) from None
        return
    shown, order_id = (
        describe_accepted(answer) if describe_accepted is not None else (_shown(answer), None)
    )
    raise CheckFailure(
        f"{what} was accepted ({shown}); ePROM documents a refusal",
        expected=expected,
        received=f"200 {shown}",
        order_id=order_id,
    )


def _shown(answer: Any) -> str:
    if hasattr(answer, "to_wire"):
        return json.dumps(answer.to_wire(), ensure_ascii=False)[:200]
    return repr(answer)[:200]

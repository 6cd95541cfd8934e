"""The one failure vocabulary: assertions on ePROM's answers and callbacks.

Each assertion raises :class:`CheckFailure` a person can read: it names the order (or
letter), what was expected and what was received, and shows the callback's JSON. The suites
use these for what one test sees. The rules that judge many things at once — the run-wide
ledger, observe's judge — return :class:`~eprom_verify.findings.Finding` values instead,
and the receiver checks raise a :class:`CheckFailure` of their own; all three reach the
report as findings, by one path (:meth:`~eprom_verify.report.model.CheckResult.from_finding`).

The API key is never shown: keys are :class:`~eprom_verify.config.settings.Secret` objects down to
the comparison, and a wrong key is reported by fingerprint.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from eprom_verify._exceptions import ApiError, CheckFailure
from eprom_verify.config.settings import Secret
from eprom_verify.contract import CallbackKind
from eprom_verify.contract.callbacks import callback_name
from eprom_verify.contract.refusals import DocumentedRefusal
from eprom_verify.redact import fingerprint
from eprom_verify.run.listener import ReceivedCallback, sent_key
from eprom_verify.wording import Text

if TYPE_CHECKING:
    from eprom_verify.run.placed import PlacedLetter, PlacedOrder

__all__ = [
    "assert_accepted",
    "assert_contract",
    "assert_equal",
    "assert_exactly_one",
    "assert_our_key",
    "callback_json",
    "expect_refusal",
    "letter_label",
    "order_label",
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
    callbacks: Sequence[ReceivedCallback],
    *,
    kind: CallbackKind,
    ident: Text | str,
    waited_s: float,
) -> ReceivedCallback:
    """Exactly one callback arrived: none is a lost callback, two a duplicate."""
    noun, about = callback_name(kind), Text.same(ident)
    if not callbacks:
        raise CheckFailure(
            Text(
                en=f"no {noun.one.en} for {about.en} within {waited_s:.1f} s",
                nb=f"ingen {noun.one.nb} for {about.nb} innen {waited_s:.1f} s",
            ),
            expected=noun.count(1),
            received=Text(en="none", nb="ingen"),
            order_id=_order_id(ident),
        )
    if len(callbacks) > 1:
        times = ", ".join(f"+{c.at - callbacks[0].at:.3f} s" for c in callbacks)
        many = noun.count(len(callbacks))
        raise CheckFailure(
            Text(
                en=f"{many.en} for {about.en} (duplicates; arrival {times})",
                nb=f"{many.nb} for {about.nb} (duplikater; ankomst {times})",
            ),
            expected=noun.count(1),
            received=many,
            order_id=_order_id(ident),
            callback=[callback_json(c) for c in callbacks if c.data is not None],
        )
    return callbacks[0]


def assert_contract(callback: ReceivedCallback, *, kind: CallbackKind, ident: Text | str) -> None:
    """The callback parsed with the contract model."""
    if callback.error is not None:
        the, about = callback_name(kind).the, Text.same(ident)
        raise CheckFailure(
            Text(
                en=f"{the.en} for {about.en}: {callback.error.en}",
                nb=f"{the.capitalized().nb} for {about.nb}: {callback.error.nb}",
            ),
            expected=Text(
                en="a payload that follows contract §4", nb="innhold som følger kontrakten (§4)"
            ),
            received=callback.error,
            order_id=_order_id(ident),
            callback=callback_json(callback),
        )


def assert_our_key(
    callback: ReceivedCallback, *, kind: CallbackKind, ident: Text | str, key: Secret
) -> None:
    """The callback carries our API key (the ordering system's proof it is genuine)."""
    if callback.key_ok:
        return
    sent = sent_key(callback)
    shown = fingerprint(sent) if sent else "nothing"
    ours = fingerprint(key.reveal())
    the, about = callback_name(kind).the, Text.same(ident)
    raise CheckFailure(
        Text(
            en=f"{the.en} for {about.en} carried a wrong API key: {shown}, ours is {ours} "
            "— a receiver must refuse it",
            nb=f"{the.capitalized().nb} for {about.nb} hadde feil API-nøkkel: "
            f"{shown if sent else 'ingen'}, vår er {ours} — en mottakstjeneste skal avvise den",
        ),
        expected=f"apiKey {ours}",
        received=f"apiKey {shown}",
        order_id=_order_id(ident),
    )


def assert_equal(what: Text | str, expected: Any, received: Any, *, order_id: str) -> None:
    """``expected == received`` for the order; ``what`` names the values compared."""
    if expected != received:
        said = Text.same(what)
        raise CheckFailure(
            Text(
                en=f"{said.en} differs for order {order_id}",
                nb=f"{said.capitalized().nb} stemmer ikke for bestilling {order_id}",
            ),
            expected=expected,
            received=received,
            order_id=order_id,
        )


_ACCEPTED = Text(en="200 and an id", nb="200 og en id")


def assert_accepted(placed: PlacedOrder | PlacedLetter, what: Text | str) -> None:
    """The order or letter was accepted; a refusal or a transport error fails here."""
    error = placed.error
    if error is None:
        return
    said = Text.same(what)
    if error.transport:
        raise CheckFailure(
            Text(
                en=f"{said.en} did not reach ePROM: {error.text}",
                nb=f"{said.capitalized().nb} nådde ikke ePROM: «{error.text}»",
            ),
            expected=_ACCEPTED,
            received=Text(en=f"no answer ({error.text})", nb=f"ikke noe svar («{error.text}»)"),
        )
    raise CheckFailure(
        Text(
            en=f"{said.en} was refused: {error.status} {error.text}",
            nb=f"{said.capitalized().nb} ble avvist: {error.status} «{error.text}»",
        ),
        expected=_ACCEPTED,
        received=f"{error.status} {error.text}",
    )


def expect_refusal(
    call: Callable[[], Any],
    refusal: DocumentedRefusal,
    *,
    what: Text | str,
    describe_accepted: Callable[[Any], tuple[str, str | None]] | None = None,
) -> None:
    """``call()`` must be refused exactly as ePROM documents it (status and text).

    ``describe_accepted`` turns an unexpected answer into ``(shown, order_id)``.
    """
    expected = f"{refusal.status} {refusal.text}" + ("…" if refusal.prefix else "")
    said = Text.same(what)
    try:
        answer = call()
    except ApiError as exc:
        if not refusal.matches(exc.status, exc.text):
            raise CheckFailure(
                Text(
                    en=f"{said.en} was refused, but not as documented",
                    nb=f"{said.capitalized().nb} ble avvist, men ikke slik det er dokumentert",
                ),
                expected=expected,
                received=f"{exc.status} {exc.text}" if not exc.transport else exc.text,
            ) from None
        return
    shown, order_id = (
        describe_accepted(answer) if describe_accepted is not None else (_shown(answer), None)
    )
    raise CheckFailure(
        Text(
            en=f"{said.en} was accepted ({shown}); ePROM documents a refusal",
            nb=f"{said.capitalized().nb} ble godtatt ({shown}); ePROM dokumenterer en avvisning",
        ),
        expected=expected,
        received=f"200 {shown}",
        order_id=order_id,
    )


def order_label(order_id: str) -> Text:
    """``order <id>`` / ``bestilling <id>``: how a failure names an order."""
    return Text(en=f"order {order_id}", nb=f"bestilling {order_id}")


def letter_label(letter_id: str) -> Text:
    """``letter <id>`` / ``brev <id>``."""
    return Text(en=f"letter {letter_id}", nb=f"brev {letter_id}")


def _order_id(ident: Text | str) -> str | None:
    """The id in ``order <id>`` / ``letter <id>`` (what the report links), if it names one."""
    last = Text.same(ident).en.rsplit(" ", 1)[-1]
    return last if _ID.fullmatch(last) else None


_ID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def _shown(answer: Any) -> str:
    if hasattr(answer, "to_wire"):
        return json.dumps(answer.to_wire(), ensure_ascii=False)[:200]
    return repr(answer)[:200]

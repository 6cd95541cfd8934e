"""The receiver checks (R1–R5): ePROM's side of the callback contract, played with hypothesis.

Each check is registered in :data:`~.registry.REGISTRY` with the checkpoint it proves and
raises :class:`~.failure.ReceiverCheckFailure` with the exact JSON that was sent — for a
generated payload, the smallest one hypothesis could shrink it to.

* R1 ``accepts_documented_examples``, ``accepts_generated_{status,answer,letter,privacy}_callbacks``
* R2 ``refuses_forged_key``, ``refuses_missing_key``
* R3 ``acknowledges_redelivery``
* R4 ``no_5xx_on_malformed``, ``no_5xx_on_valid``
* R5 ``answers_within_limit``
"""

from __future__ import annotations

import string
from collections.abc import Callable

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from eprom_verify.contract import CallbackKind
from eprom_verify.strategies import GeneratedCallback, callback_payloads, key_in_body

from .corners import MALFORMED_CORNERS, corner_callbacks
from .documented import documented_callbacks
from .exchanges import CallbackExchange, Exchanges
from .failure import ReceiverCheckFailure
from .malformed import MalformedCallback, malformed_callbacks
from .registry import REGISTRY, Check
from .runner import CORNER_NOTE, Sender, for_all, with_new_id
from .target import ForgedKey, Key, KeyChoice, ReceiverTarget

__all__ = ["ACKNOWLEDGED"]

#: What a receiver answers when it has processed a callback.
ACKNOWLEDGED = '2xx with {"success": true} (or "Success")'
_ACCEPT_HINT = (
    "accept every documented field and form: enum values as names or numbers, optional "
    "fields absent or null, unknown extra fields (ePROM adds fields over time), every "
    "documented timestamp format, formData as a JSON string in UTF-8 (æøå); answer "
    '{"success": true} once the callback is stored'
)


def _describe(callback: GeneratedCallback) -> str:
    form = "as documented" if callback.enum_form is None else f"as {callback.enum_form.value}s"
    parts = [
        f"{_article(callback.kind.value)} {callback.kind.value} callback, enum values written {form}"
    ]
    if callback.extra_fields:
        parts.append(f"unknown extra fields: {', '.join(callback.extra_fields)}")
    form_data = callback.body.get("formData")
    if isinstance(form_data, str) and not form_data.isascii():
        parts.append("formData holds non-ASCII text (like æøå)")
    return "; ".join(parts) + "."


def _article(word: str) -> str:
    return "An" if word[:1] in "aeiou" else "A"


def _documented() -> list[GeneratedCallback]:
    return [GeneratedCallback(d.kind, d.body, None) for d in documented_callbacks()]


def _all_callbacks() -> st.SearchStrategy[GeneratedCallback]:
    return st.one_of([callback_payloads(kind) for kind in CallbackKind])


# --- R1 ---------------------------------------------------------------------------------


@REGISTRY.register("R1")
def accepts_documented_examples(target: ReceiverTarget, recorder: Exchanges) -> None:
    """Every documented example callback (our key in it) is acknowledged."""
    sender = Sender(target, recorder, "accepts_documented_examples")
    refused: list[tuple[str, CallbackExchange]] = []
    for example in documented_callbacks():
        exchange = sender.deliver(example.kind, example.body)
        if not exchange.acknowledged:
            refused.append((example.name, exchange))
    if refused:
        name, exchange = refused[0]
        others = ", ".join(n for n, _ in refused[1:])
        raise ReceiverCheckFailure(
            f"the documented example {name} was not acknowledged",
            check=sender.check,
            expected=ACKNOWLEDGED,
            exchange=exchange,
            note=f"Also not acknowledged: {others}." if others else "",
            hint=_ACCEPT_HINT,
        )


def _accepts_generated(kind: CallbackKind) -> Callable[[ReceiverTarget, Exchanges], None]:
    name = f"accepts_generated_{kind.value}_callbacks"

    def check(target: ReceiverTarget, recorder: Exchanges) -> None:
        sender = Sender(target, recorder, name)

        def test(callback: GeneratedCallback) -> None:
            exchange = sender.deliver(kind, callback.body)
            if not exchange.acknowledged:
                raise ReceiverCheckFailure(
                    f"a valid {kind.value} callback was not acknowledged",
                    check=name,
                    expected=ACKNOWLEDGED,
                    exchange=exchange,
                    note=_describe(callback),
                    hint=_ACCEPT_HINT,
                )

        for_all(target, callback_payloads(kind), test, name=name, corners=corner_callbacks(kind))

    check.__name__ = name
    check.__doc__ = f"Generated valid {kind.value} callbacks (hypothesis) are acknowledged."
    return check


for _kind in CallbackKind:
    _function = _accepts_generated(_kind)
    REGISTRY.add(Check(_function.__name__, "R1", _function.__doc__ or "", _function))


# --- R2 ---------------------------------------------------------------------------------

_KEY_CHARS = string.ascii_letters + string.digits + "-_.+/="


def _forged_keys() -> st.SearchStrategy[ForgedKey]:
    return st.one_of(
        st.sampled_from(
            [
                ForgedKey("test"),
                ForgedKey("00000000-0000-0000-0000-000000000000"),
                ForgedKey("null"),
            ]
        ),
        st.text(_KEY_CHARS, min_size=1, max_size=64).map(ForgedKey),
        st.text(_KEY_CHARS, min_size=1, max_size=8).map(lambda t: ForgedKey(t, after_ours=True)),
    )


def _refuses(
    target: ReceiverTarget,
    recorder: Exchanges,
    name: str,
    keys: st.SearchStrategy[Key],
    corner_key: Key,
) -> None:
    sender = Sender(target, recorder, name)

    def test(case: tuple[GeneratedCallback, Key]) -> None:
        callback, key = case
        where = "the apiKey field" if key_in_body(callback.kind) else "the Authorization header"
        exchange = sender.deliver(callback.kind, callback.body, key=key)
        if exchange.acknowledged:
            shown = _shown_key(key)
            raise ReceiverCheckFailure(
                f"a {callback.kind.value} callback with {shown} was acknowledged",
                check=name,
                expected='4xx, or 2xx with {"success": false}',
                exchange=exchange,
                note=f"The key was sent in {where}: {shown}.",
                hint="compare the whole key, exactly, with the key ePROM was given; refuse "
                "the callback when the key is wrong or missing (contract §2, §4)",
            )

    corners = [(callback, corner_key) for callback in _documented()]
    for_all(target, st.tuples(_all_callbacks(), keys), test, name=name, corners=corners)


def _shown_key(key: Key) -> str:
    if isinstance(key, ForgedKey):
        if key.after_ours:
            return f"our key followed by {key.text!r}"
        return f"the forged key {key.text!r}"
    return {
        KeyChoice.ABSENT: "no key at all",
        KeyChoice.NULL: "a null key",
        KeyChoice.EMPTY: "an empty key",
        KeyChoice.OURS: "our key",
    }[key]


@REGISTRY.register("R2")
def refuses_forged_key(target: ReceiverTarget, recorder: Exchanges) -> None:
    """A callback with a wrong key is never answered success: true."""
    _refuses(target, recorder, "refuses_forged_key", _forged_keys(), ForgedKey("not-the-key"))


@REGISTRY.register("R2")
def refuses_missing_key(target: ReceiverTarget, recorder: Exchanges) -> None:
    """A callback without a key (absent, null, empty) is never answered success: true."""
    missing = st.sampled_from([KeyChoice.ABSENT, KeyChoice.NULL, KeyChoice.EMPTY])
    _refuses(target, recorder, "refuses_missing_key", missing, KeyChoice.ABSENT)


# --- R3 ---------------------------------------------------------------------------------


@REGISTRY.register("R3")
def acknowledges_redelivery(target: ReceiverTarget, recorder: Exchanges) -> None:
    """The same callback delivered twice is acknowledged both times."""
    name = "acknowledges_redelivery"
    sender = Sender(target, recorder, name)

    untestable = ReceiverCheckFailure(
        "no callback was acknowledged on first delivery, so redelivery could not be tested",
        check=name,
        expected=f"{ACKNOWLEDGED} for a first delivery",
        received="every first delivery refused",
        hint="fix the R1 findings first",
    )
    firsts = {"acknowledged": 0, "refused": 0}

    def redeliver(callback: GeneratedCallback) -> bool:
        """Deliver twice; False when the first delivery was refused (R1's finding)."""
        body = callback.body
        if target.sent_before(callback.kind, body):
            body = with_new_id(callback.kind, body)
        if not sender.deliver(callback.kind, body, fresh=False).acknowledged:
            firsts["refused"] += 1
            if not firsts["acknowledged"] and firsts["refused"] >= max(10, target.max_examples):
                sender.give_up(untestable)
            return False
        firsts["acknowledged"] += 1
        again = sender.deliver(callback.kind, body, fresh=False)
        if not again.acknowledged:
            raise ReceiverCheckFailure(
                f"a {callback.kind.value} callback delivered a second time was not acknowledged",
                check=name,
                expected=f"{ACKNOWLEDGED}, as for the first delivery",
                exchange=again,
                note="The first delivery of this exact payload was acknowledged.",
                hint="treat a redelivery as already done: answer success again without "
                "storing it twice (ePROM may repeat a callback, e.g. after a timeout)",
            )
        return True

    def test(callback: GeneratedCallback) -> None:
        if not redeliver(callback):
            reject()  # the first delivery failing is R1's finding, not this check's

    for corner in _documented():
        try:
            redeliver(corner)
        except ReceiverCheckFailure as failure:
            raise failure.with_note(CORNER_NOTE) from None
    try:
        for_all(target, _all_callbacks(), test, name=name)
    except Unsatisfiable:
        raise untestable.with_note("") from None


# --- R4 ---------------------------------------------------------------------------------


@REGISTRY.register("R4")
def no_5xx_on_malformed(target: ReceiverTarget, recorder: Exchanges) -> None:
    """Bad JSON, wrong types, empty and array bodies get 4xx or success: false, never 5xx."""
    name = "no_5xx_on_malformed"
    sender = Sender(target, recorder, name)

    def test(bad: MalformedCallback) -> None:
        if bad.body is not None:
            exchange = sender.deliver(bad.kind, bad.body)
        else:
            exchange = sender.put(bad.kind, bad.content or b"")
        status = exchange.status or 0  # _Sender raised if there was no answer
        claimed = bad.must_refuse and exchange.acknowledged
        if status >= 500 or claimed:
            what = "claimed to have processed" if claimed else "answered 5xx to"
            raise ReceiverCheckFailure(
                f"the receiver {what} a malformed {bad.kind.value} callback ({bad.description})",
                check=name,
                expected='4xx, or 2xx with {"success": false}'
                + ("" if bad.must_refuse else ", or success: true if the field is not used"),
                exchange=exchange,
                hint="validate the body before using it and answer 400 with "
                '{"success": false}; a 5xx tells ePROM the fault is yours',
            )

    corners = [
        MalformedCallback(kind, description, must_refuse=True, content=content)
        for kind in (CallbackKind.STATUS, CallbackKind.LETTER, CallbackKind.PRIVACY)
        for content, description in MALFORMED_CORNERS
    ]
    for_all(target, malformed_callbacks(), test, name=name, corners=corners)


@REGISTRY.register("R4")
def no_5xx_on_valid(target: ReceiverTarget, recorder: Exchanges) -> None:
    """No generated valid callback of any kind gets a 5xx."""
    name = "no_5xx_on_valid"
    sender = Sender(target, recorder, name)

    def test(callback: GeneratedCallback) -> None:
        exchange = sender.deliver(callback.kind, callback.body)
        if exchange.status is not None and exchange.status >= 500:
            raise ReceiverCheckFailure(
                f"the receiver answered 5xx to a valid {callback.kind.value} callback",
                check=name,
                expected=ACKNOWLEDGED,
                exchange=exchange,
                note=_describe(callback),
                hint=_ACCEPT_HINT,
            )

    corners = [c for kind in CallbackKind for c in corner_callbacks(kind)]
    for_all(target, _all_callbacks(), test, name=name, corners=corners)


# --- R5 ---------------------------------------------------------------------------------


@REGISTRY.register("R5")
def answers_within_limit(target: ReceiverTarget, recorder: Exchanges) -> None:
    """Every answer of the run (and of a sample of its own) comes within the limit."""
    name = "answers_within_limit"
    for example in documented_callbacks():
        target.deliver(example.kind, example.body, recorder=recorder, check=name)

    def test(callback: GeneratedCallback) -> None:
        target.deliver(callback.kind, callback.body, recorder=recorder, check=name)

    for_all(target, _all_callbacks(), test, name=name, shrink=False)
    exchanges = recorder.snapshot()
    late = [e for e in exchanges if e.elapsed_s > target.deadline_s or e.status is None]
    if late:
        slowest = max(late, key=lambda e: e.elapsed_s)
        raise ReceiverCheckFailure(
            f"{len(late)} of {len(exchanges)} answers came later than {target.deadline_s:g} s",
            check=name,
            expected=f"every answer within {target.deadline_s:g} s",
            exchange=slowest,
            received=f"{slowest.elapsed_s:.3f} s for the slowest ({slowest.received()})",
            note=f"Latency over the run: {recorder.latency_summary()}.",
            hint="answer at once and do slow work (parsing PDFs, notifying people) after "
            "the answer, e.g. from a queue",
        )

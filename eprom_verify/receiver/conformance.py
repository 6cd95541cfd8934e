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

from eprom_verify.contract import CallbackKind, WireForm
from eprom_verify.contract.callbacks import ACKNOWLEDGEMENT, callback_name
from eprom_verify.strategies import GeneratedCallback, callback_payloads, key_in_body
from eprom_verify.wording import Text

from .corners import MALFORMED_CORNERS, corner_callbacks
from .documented import documented_callbacks
from .exchanges import CallbackExchange, Exchanges, LatencySummary
from .failure import ReceiverCheckFailure, received_of
from .malformed import MalformedCallback, malformed_callbacks
from .registry import REGISTRY, Check
from .runner import CORNER_NOTE, Sender, for_all, with_new_id
from .target import ForgedKey, Key, KeyChoice, ReceiverTarget

__all__ = ["ACKNOWLEDGED"]

#: What a receiver answers when it has processed a callback (the contract's rule, in words).
ACKNOWLEDGED = ACKNOWLEDGEMENT
#: What a receiver answers when it refuses a callback.
_REFUSED = Text(
    en='4xx, or 2xx with {"success": false}', nb='4xx, eller 2xx med {"success": false}'
)
_ACCEPT_HINT = Text(
    en="accept every documented field and form: enum values as names or numbers, optional "
    "fields absent or null, unknown extra fields (ePROM adds fields over time), every "
    "documented timestamp format, formData as a JSON string in UTF-8 (æøå); answer "
    '{"success": true} once the callback is stored',
    nb="godta alle dokumenterte felt og former: enum-verdier som navn eller tall, valgfrie "
    "felt som mangler eller er null, ukjente ekstra felt (ePROM legger til felt over tid), "
    "alle dokumenterte tidsstempelformater, formData som en JSON-streng i UTF-8 (æøå); svar "
    '{"success": true} når tilbakekallet er lagret',
)
_ENUM_FORMS = {
    None: Text(en="as documented", nb="som dokumentert"),
    WireForm.NAME: Text(en="as names", nb="som navn"),
    WireForm.NUMBER: Text(en="as numbers", nb="som tall"),
}


def _a(kind: CallbackKind, adjective: Text | None = None) -> Text:
    """``a status callback`` / ``en statusmelding`` (``an answer callback``), with an
    ``adjective`` if given (``a valid answer callback`` / ``en gyldig svarmelding``)."""
    noun = callback_name(kind).one
    said = noun if adjective is None else adjective + " " + noun
    article = "an" if said.en[:1] in "aeiou" else "a"
    return Text(en=f"{article} {said.en}", nb=f"en {said.nb}")


def _describe(callback: GeneratedCallback) -> Text:
    form = _ENUM_FORMS[callback.enum_form]
    parts = [
        Text(
            en=f"{_a(callback.kind).en}, enum values written {form.en}",
            nb=f"{_a(callback.kind).nb}, enum-verdier skrevet {form.nb}",
        ).capitalized()
    ]
    if callback.extra_fields:
        fields = ", ".join(callback.extra_fields)
        parts.append(
            Text(en=f"unknown extra fields: {fields}", nb=f"ukjente ekstra felt: {fields}")
        )
    form_data = callback.body.get("formData")
    if isinstance(form_data, str) and not form_data.isascii():
        parts.append(
            Text(
                en="formData holds non-ASCII text (like æøå)",
                nb="formData inneholder tegn utenfor ASCII (som æøå)",
            )
        )
    return Text.join("; ", parts) + "."


def _latency(summary: LatencySummary) -> Text:
    """:class:`LatencySummary` as a sentence in both languages (its ``str()`` is the English)."""
    if not summary.count:
        return Text(en=str(summary), nb="ingen forespørsler")
    times = f"p50 {summary.p50_s * 1000:.0f} ms, p95 {summary.p95_s * 1000:.0f} ms"
    return Text(
        en=str(summary),
        nb=f"{summary.count} forespørsler: {times}, maks {summary.max_s * 1000:.0f} ms",
    )


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
            Text(
                en=f"the documented example {name} was not acknowledged",
                nb=f"det dokumenterte eksempelet {name} ble ikke godtatt",
            ),
            check=sender.check,
            expected=ACKNOWLEDGED,
            exchange=exchange,
            note=Text(en=f"Also not acknowledged: {others}.", nb=f"Heller ikke godtatt: {others}.")
            if others
            else "",
            hint=_ACCEPT_HINT,
        )


def _accepts_generated(kind: CallbackKind) -> Callable[[ReceiverTarget, Exchanges], None]:
    name = f"accepts_generated_{kind.value}_callbacks"

    def check(target: ReceiverTarget, recorder: Exchanges) -> None:
        sender = Sender(target, recorder, name)

        def test(callback: GeneratedCallback) -> None:
            exchange = sender.deliver(kind, callback.body)
            if not exchange.acknowledged:
                valid = _a(kind, Text(en="valid", nb="gyldig"))
                raise ReceiverCheckFailure(
                    Text(en=f"{valid.en} was not acknowledged", nb=f"{valid.nb} ble ikke godtatt"),
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
        where = (
            Text(en="the apiKey field", nb="feltet apiKey")
            if key_in_body(callback.kind)
            else Text(en="the Authorization header", nb="headeren Authorization")
        )
        exchange = sender.deliver(callback.kind, callback.body, key=key)
        if exchange.acknowledged:
            shown, about = _shown_key(key), _a(callback.kind)
            absent = key is KeyChoice.ABSENT
            with_key = "uten nøkkel" if absent else f"med {shown.nb}"
            sent_nb = (
                f"Nøkkelen manglet i {where.nb}."
                if absent
                else (f"Nøkkelen ble sendt i {where.nb}: {shown.nb}.")
            )
            raise ReceiverCheckFailure(
                Text(
                    en=f"{about.en} with {shown.en} was acknowledged",
                    nb=f"{about.nb} {with_key} ble godtatt",
                ),
                check=name,
                expected=_REFUSED,
                exchange=exchange,
                note=Text(
                    en=f"The key was sent in {where.en}: {shown.en}.",
                    nb=sent_nb,
                ),
                hint=Text(
                    en="compare the whole key, exactly, with the key ePROM was given; refuse "
                    "the callback when the key is wrong or missing (contract §2, §4)",
                    nb="sammenlign hele nøkkelen, nøyaktig, med nøkkelen ePROM fikk; avvis "
                    "tilbakekallet når nøkkelen er feil eller mangler (kontrakten §2, §4)",
                ),
            )

    corners = [(callback, corner_key) for callback in _documented()]
    for_all(target, st.tuples(_all_callbacks(), keys), test, name=name, corners=corners)


def _shown_key(key: Key) -> Text:
    if isinstance(key, ForgedKey):
        if key.after_ours:
            return Text(
                en=f"our key followed by {key.text!r}", nb=f"vår nøkkel etterfulgt av {key.text!r}"
            )
        return Text(en=f"the forged key {key.text!r}", nb=f"den forfalskede nøkkelen {key.text!r}")
    return {
        KeyChoice.ABSENT: Text(en="no key at all", nb="ingen nøkkel i det hele tatt"),
        KeyChoice.NULL: Text(en="a null key", nb="en nøkkel som er null"),
        KeyChoice.EMPTY: Text(en="an empty key", nb="en tom nøkkel"),
        KeyChoice.OURS: Text(en="our key", nb="vår nøkkel"),
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
        Text(
            en="no callback was acknowledged on first delivery, so redelivery could not be tested",
            nb="ingen tilbakekall ble godtatt ved første levering, så ny levering kunne ikke "
            "testes",
        ),
        check=name,
        expected=ACKNOWLEDGED + Text(en=" for a first delivery", nb=" ved første levering"),
        received=Text(en="every first delivery refused", nb="alle første leveringer ble avvist"),
        hint=Text(en="fix the R1 findings first", nb="rett funnene under R1 først"),
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
            about = _a(callback.kind)
            raise ReceiverCheckFailure(
                Text(
                    en=f"{about.en} delivered a second time was not acknowledged",
                    nb=f"{about.nb} som ble levert for andre gang, ble ikke godtatt",
                ),
                check=name,
                expected=ACKNOWLEDGED
                + Text(en=", as for the first delivery", nb=", som ved første levering"),
                exchange=again,
                note=Text(
                    en="The first delivery of this exact payload was acknowledged.",
                    nb="Første levering av nøyaktig dette innholdet ble godtatt.",
                ),
                hint=Text(
                    en="treat a redelivery as already done: answer success again without "
                    "storing it twice (ePROM may repeat a callback, e.g. after a timeout)",
                    nb="behandle en ny levering som allerede utført: svar success igjen uten "
                    "å lagre den to ganger (ePROM kan sende et tilbakekall på nytt, f.eks. "
                    "etter et tidsavbrudd)",
                ),
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
            what = (
                Text(en="claimed to have processed", nb="hevdet å ha behandlet")
                if claimed
                else Text(en="answered 5xx to", nb="svarte 5xx på")
            )
            about, said = _a(bad.kind, Text(en="malformed", nb="ugyldig")), bad.description
            lenient = Text(
                en=", or success: true if the field is not used",
                nb=", eller success: true hvis feltet ikke brukes",
            )
            raise ReceiverCheckFailure(
                Text(
                    en=f"the receiver {what.en} {about.en} ({said.en})",
                    nb=f"mottakstjenesten {what.nb} {about.nb} ({said.nb})",
                ),
                check=name,
                expected=_REFUSED + ("" if bad.must_refuse else lenient),
                exchange=exchange,
                hint=Text(
                    en="validate the body before using it and answer 400 with "
                    '{"success": false}; a 5xx tells ePROM the fault is yours',
                    nb="valider innholdet før du bruker det, og svar 400 med "
                    '{"success": false}; en 5xx sier til ePROM at feilen ligger hos dere',
                ),
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
            valid = _a(callback.kind, Text(en="valid", nb="gyldig"))
            raise ReceiverCheckFailure(
                Text(
                    en=f"the receiver answered 5xx to {valid.en}",
                    nb=f"mottakstjenesten svarte 5xx på {valid.nb}",
                ),
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
        limit, answer = f"{target.deadline_s:g} s", received_of(slowest)
        latency = _latency(recorder.latency_summary())
        raise ReceiverCheckFailure(
            Text(
                en=f"{len(late)} of {len(exchanges)} answers came later than {limit}",
                nb=f"{len(late)} av {len(exchanges)} svar kom senere enn {limit}",
            ),
            check=name,
            expected=Text(en=f"every answer within {limit}", nb=f"alle svar innen {limit}"),
            exchange=slowest,
            received=Text(
                en=f"{slowest.elapsed_s:.3f} s for the slowest ({answer.en})",
                nb=f"{slowest.elapsed_s:.3f} s for det tregeste ({answer.nb})",
            ),
            note=Text(
                en=f"Latency over the run: {latency.en}.",
                nb=f"Svartid over kjøringen: {latency.nb}.",
            ),
            hint=Text(
                en="answer at once and do slow work (parsing PDFs, notifying people) after "
                "the answer, e.g. from a queue",
                nb="svar med en gang og gjør tregt arbeid (lese PDF-er, varsle folk) etter "
                "svaret, f.eks. fra en kø",
            ),
        )

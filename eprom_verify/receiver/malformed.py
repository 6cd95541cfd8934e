"""Malformed callbacks for R4: bodies that are not JSON, not a JSON object, or hold wrong types.

A receiver must answer each with 4xx or ``{"success": false}`` — and never 5xx. Bodies
that are not even a JSON object can never be processed, so for those ``success: true``
is a failure too (``must_refuse``). A wrong-typed field only has to be survived: a
lenient receiver may ignore a field it does not use.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from eprom_verify.contract import CallbackKind
from eprom_verify.strategies import GeneratedCallback, callback_payloads, key_in_body
from eprom_verify.wording import Text

__all__ = ["MalformedCallback", "malformed_callbacks"]

_NOT_JSON = (
    b"",
    b"{",
    b'{"formOrderId": ',
    b"not json",
    b"{'apiKey': 'x'}",
    b'{"a": 1,}',
    b'{"formData": "\xff\xfe\xe6"}',
    b"\xef\xbb\xbf\xef\xbb\xbf{}",
    b"[" * 5000,
)
_NOT_OBJECTS: tuple[Any, ...] = ([], "tekst æøå", 42, True, None, [{}], [[1, 2]])
_WRONG_VALUES: tuple[Any, ...] = (
    123,
    -1,
    1.5,
    1e308,
    True,
    [],
    {},
    ["a"],
    {"a": 1},
    "ikke-gyldig-verdi-æøå",
    "",
)
_NOT_JSON_SAID = Text(en="a body that is not JSON", nb="innhold som ikke er JSON")
_RANDOM_SAID = Text(en="random bytes", nb="tilfeldige byte")


@dataclass(frozen=True)
class MalformedCallback:
    """A bad body for ``kind``'s endpoint: raw ``content``, or a JSON object ``body``
    (our key is put into it when sent). ``description`` says what is wrong with it."""

    kind: CallbackKind
    description: Text
    must_refuse: bool
    content: bytes | None = None
    body: dict[str, Any] | None = None


def _is_object(content: bytes) -> bool:
    try:
        return isinstance(json.loads(content), dict)
    except (ValueError, RecursionError):
        return False


def _raw(kind: CallbackKind, content: bytes, description: Text) -> MalformedCallback:
    return MalformedCallback(kind, description, must_refuse=True, content=content)


def _not_json(kind: CallbackKind) -> st.SearchStrategy[MalformedCallback]:
    def truncate(pair: tuple[GeneratedCallback, float]) -> MalformedCallback:
        text = json.dumps(pair[0].body, ensure_ascii=False).encode("utf-8")
        cut = int(len(text) * pair[1])
        return _raw(
            kind,
            text[:cut],
            Text(
                en=f"a valid callback cut off after {cut} bytes",
                nb=f"et gyldig tilbakekall kuttet etter {cut} byte",
            ),
        )

    fixed = st.sampled_from(_NOT_JSON).map(lambda c: _raw(kind, c, _NOT_JSON_SAID))
    cut = st.tuples(callback_payloads(kind), st.floats(0, 0.99)).map(truncate)
    noise = st.binary(max_size=64).filter(lambda c: not _is_object(c))
    return st.one_of(fixed, cut, noise.map(lambda c: _raw(kind, c, _RANDOM_SAID)))


def _not_objects(kind: CallbackKind) -> st.SearchStrategy[MalformedCallback]:
    def wrap(value: Any) -> MalformedCallback:
        return _raw(
            kind,
            json.dumps(value, ensure_ascii=False).encode("utf-8"),
            Text(
                en=f"JSON that is a {type(value).__name__}, not an object",
                nb=f"JSON som er en {type(value).__name__}, ikke et objekt",
            ),
        )

    in_array = callback_payloads(kind).map(lambda cb: [cb.body])
    return st.one_of(st.sampled_from(_NOT_OBJECTS), in_array).map(wrap)


def _wrong_types(kind: CallbackKind) -> st.SearchStrategy[MalformedCallback]:
    payloads, coins, wrong_values = (
        callback_payloads(kind),
        st.booleans(),
        st.sampled_from(_WRONG_VALUES),
    )  # made once: hypothesis validates every new strategy object it draws

    @st.composite
    def draw_wrong(draw: st.DrawFn) -> MalformedCallback:
        body = dict(draw(payloads).body)
        fields = sorted(k for k in body if k != "apiKey")
        name = draw(st.sampled_from(fields))
        if draw(coins):
            body.pop(name)
            said = Text(en=f"{name} left out", nb=f"{name} utelatt")
            return MalformedCallback(kind, said, must_refuse=False, body=body)
        value = draw(wrong_values)
        body[name] = value
        shown = json.dumps(value, ensure_ascii=False)
        said = Text(en=f"{name} set to {shown}", nb=f"{name} satt til {shown}")
        return MalformedCallback(kind, said, must_refuse=False, body=body)

    return draw_wrong()


def _wrong_key_type(kind: CallbackKind) -> st.SearchStrategy[MalformedCallback]:
    def build(pair: tuple[GeneratedCallback, Any]) -> MalformedCallback:
        body = {**pair[0].body, "apiKey": pair[1]}
        content = json.dumps(body, ensure_ascii=False).encode("utf-8")
        shown = json.dumps(pair[1])
        return _raw(kind, content, Text(en=f"apiKey set to {shown}", nb=f"apiKey satt til {shown}"))

    values = st.sampled_from([v for v in _WRONG_VALUES if not isinstance(v, str)])
    return st.tuples(callback_payloads(kind), values).map(build)


def malformed_callbacks(
    *, kinds: tuple[CallbackKind, ...] = tuple(CallbackKind)
) -> st.SearchStrategy[MalformedCallback]:
    """Malformed bodies for the endpoints of ``kinds``: not JSON, not an object, wrong types."""

    @functools.cache  # a flatmap's function: one strategy per kind, not one per example
    def for_kind(kind: CallbackKind) -> st.SearchStrategy[MalformedCallback]:
        parts = [_not_json(kind), _not_objects(kind), _wrong_types(kind)]
        if key_in_body(kind):
            parts.append(_wrong_key_type(kind))
        return st.one_of(parts)

    return st.sampled_from(kinds).flatmap(for_kind)

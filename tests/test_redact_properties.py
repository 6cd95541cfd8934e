"""The redactor against generated keys in every encoding a server or proxy may echo, and its
edges: a Basic header with another credential, bad base64, overlapping matches, the exact
boundaries inside a longer base64 run."""

from __future__ import annotations

import base64
import json
import re
import string
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_budget import examples

from eprom_verify.redact import REDACTED, Redactor

PROPERTY = settings(max_examples=examples(150), derandomize=True, deadline=None)
KEY = "sk_live_5e1f7A9b"

#: keys as a person or a generator makes them: letters, digits, punctuation, some non-ASCII
keys = st.text(
    alphabet=st.characters(
        codec="utf-8", categories=("L", "N", "P", "S", "Zs"), exclude_characters="\x00"
    ),
    min_size=8,
    max_size=48,
)
#: text around an echoed key that cannot run into its encodings
around = st.text(alphabet=" \n\t,;()[]<>|!", max_size=12)


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


ENCODINGS = {
    "raw": lambda k: k,
    "base64": lambda k: _b64(k.encode()),
    "base64-urlsafe": lambda k: base64.urlsafe_b64encode(k.encode()).decode(),
    "base64-unpadded": lambda k: _b64(k.encode()).rstrip("="),
    "basic-user-key": lambda k: "Basic " + _b64(f"hemit-client:{k}".encode()),
    "basic-key-only": lambda k: "Basic " + _b64(k.encode()),
    "url-quote": lambda k: quote(k, safe=""),
    "url-quote-plus": quote_plus,
    "url-lowercase-hex": lambda k: re.sub(
        "%[0-9A-F]{2}", lambda m: m[0].lower(), quote(k, safe="")
    ),
    "json-escaped": lambda k: json.dumps(k)[1:-1],
    "json-escaped-utf8": lambda k: json.dumps(k, ensure_ascii=False)[1:-1],
}


@PROPERTY
@given(keys, st.sampled_from(sorted(ENCODINGS)), around, around)
def test_a_generated_key_never_survives_in_any_encoding(
    key: str, encoding: str, before: str, after: str
) -> None:
    echoed = ENCODINGS[encoding](key)
    if encoding.startswith("basic"):
        echoed = echoed.removeprefix("Basic ")
        text = f"{before}Authorization: Basic {echoed}{after}"
    else:
        text = before + echoed + after
    out = Redactor(secrets=[key]).text(text)
    assert echoed not in out
    assert key not in out
    assert REDACTED in out
    assert out.startswith(before.split(echoed)[0])  # what comes before is kept


@PROPERTY
@given(keys, st.sampled_from(sorted(ENCODINGS)))
def test_bytes_and_data_redact_as_text_does(key: str, encoding: str) -> None:
    echoed = ENCODINGS[encoding](key)
    redactor = Redactor(secrets=[key])
    assert redactor.bytes_(f"[{echoed}]".encode()) == redactor.text(f"[{echoed}]").encode()
    assert redactor.data({"v": [f"[{echoed}]"]}) == {"v": [redactor.text(f"[{echoed}]")]}


@PROPERTY
@given(keys, st.binary(max_size=8), st.binary(max_size=8))
def test_a_key_inside_a_longer_base64_run_is_cut_out_exactly(
    key: str, prefix: bytes, suffix: bytes
) -> None:
    """The characters whose six bits all come from the key are gone (computed here from bit
    positions, not from the redactor's arithmetic); the exact cut is pinned below."""
    raw = key.encode()
    blob = _b64(prefix + raw + suffix)
    start_bit, end_bit = 8 * len(prefix), 8 * (len(prefix) + len(raw))
    first = -(-start_bit // 6)  # the first character starting at or after the key's first bit
    last = end_bit // 6  # one past the last character ending at or before its last bit
    out = Redactor(secrets=[key]).text(blob)
    assert blob[first:last] not in out
    assert REDACTED in out


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab"])
def test_the_exact_cut_at_each_alignment(prefix: bytes) -> None:
    # the suffix's bits differ from base64's zero padding: no whole-token form matches
    blob = _b64(prefix + KEY.encode() + b"\xff\xff")
    bits = 8 * len(prefix)
    first, last = -(-bits // 6), (bits + 8 * len(KEY)) // 6
    assert Redactor(secrets=[KEY]).text(blob) == blob[:first] + REDACTED + blob[last:]


# --- Basic headers ------------------------------------------------------------------------


def test_a_basic_header_with_another_credential_is_kept() -> None:
    other = _b64(b"hemit-client:someone-elses-password")
    text = f"Authorization: Basic {other}"
    assert Redactor(secrets=[KEY]).text(text) == text


@pytest.mark.parametrize("token", ["abcde", "a!bcd", "Zm9v=Zm9v", "====", "YWJj-_"])
def test_a_basic_header_with_bad_base64_is_kept_and_does_not_raise(token: str) -> None:
    text = f"Authorization: Basic {token}"
    assert Redactor(secrets=[KEY]).text(text) == text


@pytest.mark.parametrize("spelled", ["Basic", "basic", "BASIC"])
@pytest.mark.parametrize("gap", [" ", "\t", "  "])
def test_a_basic_header_is_found_however_spelled(spelled: str, gap: str) -> None:
    credential = _b64(f"me:{KEY}:more".encode())
    out = Redactor(secrets=[KEY]).text(f"Authorization: {spelled}{gap}{credential}\r\n")
    assert out == f"Authorization: {spelled}{gap}{REDACTED}\r\n"


def test_a_urlsafe_basic_credential_is_decoded_too() -> None:
    # a key whose base64 has + and /: the URL-safe spelling has - and _
    key = "k>>>??~~~k"
    credential = base64.urlsafe_b64encode(f"u:{key}".encode()).decode()
    assert "-" in credential or "_" in credential
    out = Redactor(secrets=[key]).text(f"Basic {credential}")
    assert out == f"Basic {REDACTED}"


# --- overlapping and repeated matches ----------------------------------------------------


def test_a_key_overlapping_itself_is_redacted_whole() -> None:
    assert Redactor(secrets=["aaaa"]).text("xaaaaay") == f"x{REDACTED}y"


def test_two_keys_overlapping_merge_into_one() -> None:
    redactor = Redactor(secrets=["abcd1234", "1234wxyz"])
    assert redactor.text("<abcd1234wxyz>") == f"<{REDACTED}>"
    assert redactor.text("<abcd1234><1234wxyz>") == f"<{REDACTED}><{REDACTED}>"


def test_a_key_inside_another_is_one_match() -> None:
    redactor = Redactor(secrets=["abcdefgh", "cdef"])
    assert redactor.text("(abcdefgh)(cdef)") == f"({REDACTED})({REDACTED})"


# --- JSON forms, lengths, data ------------------------------------------------------------


@pytest.mark.parametrize("ascii_only", [True, False])
def test_a_json_escaped_non_ascii_key_with_a_quote_is_redacted_whole(ascii_only: bool) -> None:
    key = 'æøå"ключ\\'
    body = json.dumps({"apiKey": key}, ensure_ascii=ascii_only)
    assert json.loads(Redactor(secrets=[key]).text(body)) == {"apiKey": REDACTED}


def test_a_key_of_four_characters_counts_and_three_do_not() -> None:
    assert Redactor(secrets=["abcd"]).text("abcd") == REDACTED
    assert Redactor(secrets=["abc"]).text("abc") == "abc"


def test_the_same_key_twice_is_one_secret() -> None:
    redactor = Redactor(secrets=[KEY, KEY])
    redactor.add_secret(KEY)
    assert repr(redactor) == "Redactor(<1 secrets>, mask_national_ids=True)"


def test_data_keeps_none_and_booleans_even_when_they_spell_a_secret() -> None:
    redactor = Redactor(secrets=["None", "True", "1234567"])
    assert redactor.data([None, True, False, 7654321, 1234567]) == [
        None,
        True,
        False,
        7654321,
        REDACTED,
    ]


def test_data_redacts_bytes_and_bytearrays_as_bytes() -> None:
    redactor = Redactor(secrets=[KEY])
    assert redactor.data(f"<{KEY}>".encode()) == f"<{REDACTED}>".encode()
    assert redactor.data(bytearray(f"<{KEY}>".encode())) == f"<{REDACTED}>".encode()
    assert redactor.data((KEY,)) == (REDACTED,)


def test_national_ids_in_bytes_are_masked_unless_told_not_to() -> None:
    assert Redactor().bytes_(b"nin 26670271527") == b"nin 266702*****"
    assert Redactor(mask_national_ids=False).bytes_(b"nin 26670271527") == b"nin 26670271527"


@pytest.mark.parametrize("key", ["abcd", "a b+c/d?", "Ω≈ç√∫˜µ"])
def test_every_url_spelling_of_a_key_is_redacted(key: str) -> None:
    redactor = Redactor(secrets=[key])
    for spelled in {quote(key, safe=""), quote(key), quote_plus(key)}:
        for case in (spelled, re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), spelled)):
            assert redactor.text(f"?k={case}&") == f"?k={REDACTED}&", case


def test_text_with_no_secret_is_returned_as_it_was() -> None:
    text = string.printable
    assert Redactor(secrets=[KEY]).text(text) == text

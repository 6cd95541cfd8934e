"""Redaction by value: secrets (keys, passwords, tokens) and national IDs out of logs and reports.

A secret is found as itself and in the forms it takes on the wire: URL-encoded, JSON-escaped,
base64 (standard or URL-safe, alone or at any alignment inside a longer base64 run) and as
the credential of an HTTP ``Basic`` header whose decoded ``user:password`` contains it.
Each match becomes :data:`REDACTED`; overlapping matches merge, so the longer one wins.
National IDs — an 11-digit run, not part of a longer digit run, that parses — are masked
to their first six digits.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, quote_plus

from eprom_verify.national_id import is_valid, mask

__all__ = ["REDACTED", "Redactor", "fingerprint"]

REDACTED = "«redacted»"
_MIN_SECRET_LENGTH = 4
_NATIONAL_ID = re.compile(r"(?<![0-9])[0-9]{11}(?![0-9])")
_BASIC = re.compile(r"\bBasic[ \t]+([A-Za-z0-9+/_-]{4,}={0,2})", re.IGNORECASE)
_PERCENT_ESCAPE = re.compile(r"%[0-9A-F]{2}")


#: how many texts, and how long a text, ``Redactor.text`` remembers
_MEMO_SIZE, _MEMO_LONGEST = 50_000, 4_096


class Redactor:
    """Replaces known secrets and masks national IDs in text, bytes and JSON-like data."""

    def __init__(self, *, secrets: Iterable[str] = (), mask_national_ids: bool = True) -> None:
        self._secrets: list[str] = []
        self._forms: list[str] = []
        self._mask_national_ids = mask_national_ids
        #: text → its redacted text; a report repeats the same strings (keys, ids, names)
        #: thousands of times. Emptied when a secret is added.
        self._memo: dict[str, str] = {}
        for secret in secrets:
            self.add_secret(secret)

    def __repr__(self) -> str:
        return (
            f"Redactor(<{len(self._secrets)} secrets>, mask_national_ids={self._mask_national_ids})"
        )

    def add_secret(self, secret: str) -> None:
        """Redact ``secret`` from now on; values under 4 characters are ignored."""
        if len(secret) < _MIN_SECRET_LENGTH or secret in self._secrets:
            return
        self._secrets.append(secret)
        self._forms = sorted({*self._forms, *_forms_of(secret)}, key=len, reverse=True)
        self._memo = {}

    def forms(self) -> tuple[str, ...]:
        """Every form the secrets are found in (for a stream that holds back a line's end)."""
        return tuple(self._forms)

    def text(self, s: str) -> str:
        done = self._memo.get(s)
        if done is None:
            done = self._redact(s, forms=self._forms, encode=_identity)
            if len(self._memo) < _MEMO_SIZE and len(s) <= _MEMO_LONGEST:
                self._memo[s] = done
        return done

    def bytes_(self, b: bytes) -> bytes:
        # Latin-1 maps each byte to one character, so any byte string (UTF-8 or not) round-trips
        # and a secret's UTF-8 bytes are found as its UTF-8 bytes spelled in Latin-1.
        forms = [_as_latin1(form) for form in self._forms]
        return self._redact(bytes(b).decode("latin-1"), forms=forms, encode=_as_latin1).encode(
            "latin-1"
        )

    def data(self, obj: Any) -> Any:
        """A copy of JSON-like ``obj`` with :meth:`text` applied to every string and dict key.

        A number or other scalar whose text would change (a national ID sent as a JSON number)
        is replaced by its redacted text.
        """
        if isinstance(obj, str):
            return self.text(obj)
        if isinstance(obj, bytes | bytearray):
            return self.bytes_(bytes(obj))
        if isinstance(obj, Mapping):
            return {self.data(key): self.data(value) for key, value in obj.items()}
        if isinstance(obj, list | tuple):
            items = [self.data(item) for item in obj]
            return items if isinstance(obj, list) else tuple(items)
        if obj is None or isinstance(obj, bool):
            return obj
        shown = str(obj)
        redacted = self.text(shown)
        return obj if redacted == shown else redacted

    def _redact(self, s: str, *, forms: Sequence[str], encode: Callable[[str], str]) -> str:
        spans = [span for form in forms for span in _occurrences(s, form)]
        spans += self._basic_credentials(s)
        out = _replace_spans(s, spans, encode(REDACTED))
        if self._mask_national_ids:
            out = _NATIONAL_ID.sub(_mask_if_valid, out)
        return out

    def _basic_credentials(self, s: str) -> list[tuple[int, int]]:
        secrets = [secret.encode() for secret in self._secrets]
        spans = []
        for match in _BASIC.finditer(s):
            decoded = _b64decode(match[1])
            if decoded is not None and any(secret in decoded for secret in secrets):
                spans.append(match.span(1))
        return spans


def fingerprint(secret: str) -> str:
    """``sha256:`` and the first 12 hex digits of the secret's SHA-256: safe to print."""
    return "sha256:" + hashlib.sha256(secret.encode()).hexdigest()[:12]


def _identity(s: str) -> str:
    return s


def _as_latin1(s: str) -> str:
    return s.encode().decode("latin-1")


def _forms_of(secret: str) -> set[str]:
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    for encoded in (quote(secret, safe=""), quote(secret), quote_plus(secret)):
        forms.add(encoded)
        forms.add(_PERCENT_ESCAPE.sub(lambda m: m[0].lower(), encoded))
    raw = secret.encode()
    for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
        forms.update({b64.decode(), b64.decode().rstrip("=")})
    forms.update(_base64_fragments(raw))
    return {form for form in forms if len(form) >= _MIN_SECRET_LENGTH}


def _base64_fragments(raw: bytes) -> set[str]:
    """The base64 characters fixed by ``raw`` wherever it sits in a longer encoded run."""
    fragments = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw + b"\0\0").decode()
        first = -(-8 * offset // 6)  # first character whose 6 bits all come from raw
        last = 8 * (offset + len(raw)) // 6  # one past the last such character
        fragment = encoded[first:last]
        fragments.update({fragment, fragment.translate(str.maketrans("+/", "-_"))})
    return fragments


def _b64decode(token: str) -> bytes | None:
    padded = token.rstrip("=").translate(str.maketrans("-_", "+/"))
    padded += "=" * (-len(padded) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return None


def _occurrences(s: str, form: str) -> list[tuple[int, int]]:
    spans = []
    start = s.find(form)
    while start != -1:
        spans.append((start, start + len(form)))
        start = s.find(form, start + 1)
    return spans


def _replace_spans(s: str, spans: list[tuple[int, int]], placeholder: str) -> str:
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        if start >= position:
            pieces += [s[position:start], placeholder]
        position = end
    pieces.append(s[position:])
    return "".join(pieces)


def _mask_if_valid(match: re.Match[str]) -> str:
    return mask(match[0]) if is_valid(match[0]) else match[0]

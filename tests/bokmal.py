"""Test helper: the English words a bokmål sentence of ours must not contain.

What is the same in both languages is removed first: test node ids, ids, fingerprints,
options, URLs and paths, JSON, quoted text (ePROM's words, the receiver's answer, a value
from a file), field names and ``key=value`` tokens — and anything the caller names in
``not_ours``. What is left is our sentence; an English word in it means a sentence of ours
was not translated: a plain English ``str`` composed into a :class:`~eprom_verify.wording.Text`
(``Text.same("no answer")``, ``nb=reason`` with an English ``reason``) or a label or title
left in English on the bokmål page. One checker for the ledger, the suites, observe's judge,
the receiver checks and the whole bokmål report page.

The other way English got in, a :class:`Text` formatted without its language, no longer
needs this list: ``f"{x}"``, ``format``, ``str.format``, ``counted`` and ``{{ x }}`` in a
report template raise :class:`TypeError` (tests/test_wording.py), and ``x.en``, ``{x!s}`` or
``str(x)`` written in the ``nb=`` half of a ``Text(...)`` is found in the source
(tests/test_wording_source.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["ENGLISH", "assert_bokmal", "english_left_in"]

#: English words of our sentences that are not also bokmål words (``for``, ``to``, ``by``,
#: ``is``, ``sent``, ``status``, ``system``, ``problem`` are both, so they are not here)
ENGLISH = frozenset(
    """
    a an the was were are am been came come did does do not no none nothing within after
    before whose which what with of and or on into than though once every callback callbacks
    order orders letter letters answer answers answered received expected placed duplicates
    arrival never wrong key keys refused refuses refuse accepted acknowledged reach reached
    delivered delivery attested nobody run problems differs carried carries must other
    another reports went channel setting limit waited step request requests missing
    performed times perform should says use keep put serve treat add fix wrap write change
    got document downloaded attempt visible through copy stored receiver endpoint payload
    exact shrunk generated shows forged valid malformed claimed processed fixed corner case
    documented example also unknown extra fields holds text written names numbers empty body
    cut off random bytes left out set slowest latency compare whole redelivery findings
    first check runs validate using fault yours accept
    """.split()
)

_SAME_IN_BOTH = re.compile(
    r"(?:suites|tests)/\S+"  # test node ids
    r"|https?://\S+"  # URLs
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}"  # ids
    r"|sha256:[0-9a-f]+|\b[0-9a-f]{16,}\b"  # key fingerprints and digests
    r"|--[a-z-]+"  # options
    r"|\S*/\S*"  # paths
    r"|\{.*\}|\[.*\]"  # JSON
    r"|«[^»]*»|\"[^\"]*\"|'[^']*'"  # quoted text (ePROM's, the receiver's, a file's)
    r"|\b[a-z]+[A-Z]\w*\b"  # field names (notificationChannel, formData)
    r"|\S+=\S+"  # key=value
    # identifiers, file names, keys and case ids (x.json, docs-example-person, RAND-12-copy)
    r"|\b\w+(?:[-.]\w+)+\b|\b\w*_\w*\b",
    re.S,
)


def english_left_in(nb: str, *, not_ours: Iterable[str] = ()) -> list[str]:
    """The English words in ``nb`` once what is the same in both languages is removed."""
    for part in not_ours:
        if part:
            nb = nb.replace(part, " ")
    ours = _SAME_IN_BOTH.sub(" ", nb)
    return sorted({w for w in re.findall(r"[A-Za-z]+", ours) if _english(w)})


def _english(word: str) -> bool:
    """A word of ours in English: lower case, or capitalised at a sentence's start.

    ``PUT`` (a method) and ``None`` (a channel) are names, the same in both languages.
    """
    if word.isupper() or word in ("None",):
        return False
    return word.lower() in ENGLISH and (word.islower() or word[1:].islower())


def assert_bokmal(nb: str, en: str, *, not_ours: Iterable[str] = ()) -> None:
    """``nb`` is a translation of ``en``: it differs, and no English word is left in it."""
    assert nb != en, f"not translated: {en!r}"
    left = english_left_in(nb, not_ours=not_ours)
    assert not left, f"English words {left} in the bokmål {nb!r} (English: {en!r})"

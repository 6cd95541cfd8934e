"""Test helper: the English words a bokmål sentence of ours must not contain.

Ids, test node ids, paths, options and JSON are removed first: they are the same in both
languages. What is left is our sentence; an English function word in it means a sentence
was not translated (an ``{x}`` where ``{x.nb}`` was meant, or a plain ``str``).
"""

from __future__ import annotations

import re

#: English words that are not also bokmål words (``for``, ``til``, ``status`` are both)
ENGLISH = frozenset(
    """the a an was were is are came come did does not no none within after before whose
    which callback callbacks order orders letter letters answer answers received expected
    placed by duplicates arrival never wrong key refused accepted reach and of to with
    delivered attested nobody run problem problems more differs carried must other
    another than reports went channel setting limit waited though sent""".split()
)

_SAME_IN_BOTH = re.compile(
    r"(?:suites|tests)/\S+"  # test node ids
    r"|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27}"  # ids
    r"|sha256:[0-9a-f]+"  # key fingerprints
    r"|--[a-z-]+"  # options
    r"|/api/\S+"  # paths
    r"|\{.*\}|\[.*\]"  # JSON
    r"|«[^»]*»|\"[^\"]*\"|'[^']*'"  # quoted text (ePROM's, the receiver's)
    r"|\b[a-z]+[A-Z]\w*\b"  # field names (notificationChannel, formData)
    r"|\btestMode\b",
    re.S,
)


def english_left_in(nb: str) -> list[str]:
    """The English words in ``nb`` once what is the same in both languages is removed."""
    ours = _SAME_IN_BOTH.sub(" ", nb)
    return sorted({w for w in re.findall(r"[a-z]+", ours) if w in ENGLISH})


def assert_bokmal(nb: str, en: str) -> None:
    """``nb`` is a translation of ``en``: it differs, and no English word is left in it."""
    assert nb != en, f"not translated: {en!r}"
    left = english_left_in(nb)
    assert not left, f"English words {left} in the bokmål {nb!r} (English: {en!r})"

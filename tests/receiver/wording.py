"""What the receiver tests look for in a bokmål text: no English sentence of ours left in it.

The payload (between its heading and the hint), the receiver's own answer and quoted values
(a forged key, a JSON string) are not ours and are left out before looking; a token is a word with its underscores and dots, so a file
name like ``form_answer_callback.json`` or a field like ``formData`` is not a word.
"""

from __future__ import annotations

from bokmal import english_left_in

__all__ = ["english_words", "ours_in"]

_PAYLOAD_HEADING = "Innhold sendt ("
_HINT = "Hva du bør gjøre: "


def ours_in(nb: str, *, not_ours: tuple[str, ...] = ()) -> str:
    """``nb`` without the payload block and without each of ``not_ours`` (the receiver's answer)."""
    kept, in_payload = [], False
    for line in nb.splitlines():
        if line.startswith(_PAYLOAD_HEADING):
            in_payload = True
            continue
        if line.startswith(_HINT):
            in_payload = False
        if not in_payload:
            kept.append(line)
    text = "\n".join(kept)
    for part in not_ours:
        if part:
            text = text.replace(part, " ")
    return text


def english_words(nb: str, *, not_ours: tuple[str, ...] = ()) -> list[str]:
    """The English words in the part of ``nb`` that is ours (:mod:`bokmal` decides)."""
    return english_left_in(ours_in(nb, not_ours=not_ours))

"""Our own sentences in both report languages: :class:`Text` holds the bokmål and the English.

A failure message, a *not run* reason, a timeline event or an evidence title is ours, so the
report shows it in its language; what ePROM or the ordering system sent (an error text, a
payload, an id) is shown as it was, in both.

Compose with ``+`` and :meth:`Text.join`; a plain ``str`` in a composition is the same in
both languages (an id, a status code, ePROM's own words)::

    Text(en=f"no status callback for {label.en}", nb=f"ingen statusmelding for {label.nb}")
    Text.join(", ", [label, Text.same(order_id)])

Wherever a :class:`Text` becomes a string it must be told its language: ``label.nb`` for
the bokmål, ``label.en`` for the terminal, logs, JUnit and exception messages (English by
rule), ``label.in_language(lang)`` for the report's. Every other way is a :class:`TypeError`
that says what to write, rather than slip English into a bokmål sentence:

- ``str(label)``, ``{label!s}``, ``"%s" % label`` and so an exception or a log line given a
  bare Text (:meth:`Text.__str__`);
- ``f"{label}"``, ``format(label)``, ``"{}".format(label)`` (:meth:`Text.__format__`);
- ``{{ label }}`` in a report template (the report's Jinja environment finalizes every
  value with :func:`require_language`), and ``markupsafe.escape(label)`` / ``Markup % label``
  (:meth:`Text.__html__`);
- a :class:`Text` among the numbers of :func:`counted`.

``repr(label)`` works (debuggers, pytest's assertion output). Where a value may be ours or
plain (``str | Text``), ``Text.same(value).en`` is its English.

Numbers: ``{n:one|many}`` in a sentence is the number and its noun, by :func:`plural` (the
one plural rule: singular for exactly 1), filled in by :func:`counted` or
:meth:`Text.counted`; :meth:`Noun.count` follows the same rule.
"""

from __future__ import annotations

import string
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = ["Noun", "Text", "counted", "json_default", "plural", "require_language", "texts_of"]


def plural(n: int, one: str, many: str) -> str:
    """The one plural rule: the singular for exactly 1, else the plural (both languages)."""
    return one if n == 1 else many


@dataclass(frozen=True, slots=True)
class Text:
    """One sentence of ours, in bokmål (``nb``) and English (``en``)."""

    en: str
    nb: str

    @classmethod
    def same(cls, value: object) -> Text:
        """A value said the same in both languages (an id, a number, ePROM's own text)."""
        return value if isinstance(value, Text) else cls(en=str(value), nb=str(value))

    def __str__(self) -> str:
        """Refused: ``str(text)``, ``{text!s}`` and ``"%s" % text`` must choose the language."""
        raise TypeError(
            f"str() of a Text ({self.en!r}) needs a language: write text.en (the terminal's "
            "English) or text.nb, or text.in_language(lang)"
        )

    def __format__(self, spec: str) -> str:
        """Refused: an f-string must choose the language (``{x.nb}``, ``{x.en}``)."""
        raise TypeError(
            f"formatting a Text ({self.en!r}) needs a language: write {{text.en}} or "
            "{text.nb} (or text.in_language(lang))"
        )

    def __html__(self) -> str:
        """Refused: markupsafe (and so an autoescaping template) must get ``text.nb``/``.en``."""
        raise TypeError(
            f"putting a Text ({self.en!r}) into HTML needs a language: write {{{{ text.nb }}}} "
            "or {{ text.en }} (or text.in_language(lang))"
        )

    def __add__(self, other: Text | str) -> Text:
        right = Text.same(other)
        return Text(en=self.en + right.en, nb=self.nb + right.nb)

    def __radd__(self, other: str) -> Text:
        return Text.same(other) + self

    def __bool__(self) -> bool:
        return bool(self.en or self.nb)

    def capitalized(self) -> Text:
        """The first letter upper case in both (the rest as it was)."""
        return Text(en=self.en[:1].upper() + self.en[1:], nb=self.nb[:1].upper() + self.nb[1:])

    def counted(self, **numbers: Any) -> Text:
        """The sentence with its numbers filled in, ``{n:one|many}`` with its noun (see
        :func:`counted`)::

            Text(en="{n:order|orders}", nb="{n:bestilling|bestillinger}").counted(n=2)
        """
        return Text(en=counted(self.en, **numbers), nb=counted(self.nb, **numbers))

    def in_language(self, lang: str) -> str:
        return self.nb if lang == "nb" else self.en

    def by_language(self) -> dict[str, str]:
        """``{"nb": …, "en": …}``, as the report model stores it."""
        return {"nb": self.nb, "en": self.en}

    @classmethod
    def join(cls, separator: Text | str, parts: Iterable[Text | str]) -> Text:
        sep = cls.same(separator)
        items = [cls.same(p) for p in parts]
        return cls(
            en=sep.en.join(p.en for p in items),
            nb=sep.nb.join(p.nb for p in items),
        )


@dataclass(frozen=True, slots=True)
class Noun:
    """A thing we name and count: singular, plural and definite, in both languages."""

    one: Text
    many: Text
    #: ``the status callback`` / ``statusmeldingen`` (bokmål puts the article on the noun)
    the: Text

    def count(self, n: int) -> Text:
        """``2 status callbacks`` / ``2 statusmeldinger``."""
        return Text(
            en=f"{n} {plural(n, self.one.en, self.many.en)}",
            nb=f"{n} {plural(n, self.one.nb, self.many.nb)}",
        )


class _Counting(string.Formatter):
    """``{n:brev|brev}``: the number and its noun by :func:`plural`; other fields as usual."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if "|" in format_spec and isinstance(value, int):
            one, many = format_spec.split("|", 1)
            return f"{value} {plural(value, one, many)}"
        return str(super().format_field(value, format_spec))


def counted(template: str, **numbers: Any) -> str:
    """``template`` (one language's) with its numbers filled in, each ``{n:one|many}`` with
    its noun: ``counted("{n:brev|brev} · {errors} feil", n=1, errors=0)`` is ``1 brev · 0 feil``.
    A :class:`Text` among the values is refused as in an f-string (it needs a language)."""
    return _Counting().format(template, **numbers)


def require_language(value: Any) -> Any:
    """A Jinja ``finalize``: ``{{ text }}`` with a bare :class:`Text` is a TypeError."""
    if isinstance(value, Text):
        raise TypeError(
            f"a template printed a Text ({value.en!r}) without a language: write "
            "{{ text.nb }} or {{ text.en }} (or text.in_language(lang))"
        )
    return value


def json_default(value: Any) -> Any:
    """``json.dumps(..., default=json_default)``: a :class:`Text` in data is stored with both
    its languages (``{"en": …, "nb": …}``, as pydantic stores it), anything else as its
    ``str()`` — so a Text nested in a payload neither loses its bokmål nor stops the run."""
    if isinstance(value, Text):
        return {"en": value.en, "nb": value.nb}
    return str(value)


def texts_of(value: Any) -> tuple[Any, dict[str, str]]:
    """``value`` as a plain value (English for a :class:`Text`) and its languages, if any."""
    if isinstance(value, Text):
        return value.en, value.by_language()
    return value, {}

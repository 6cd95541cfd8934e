"""A Text must be told its language wherever it becomes a string; one plural rule.

Refused (TypeError): ``str()``, ``{x!s}``, ``"%s" %``, an f-string, ``format()``,
``str.format``, ``{{ text }}`` in a template (the report's own environment and a plain Jinja
one with markupsafe), ``markupsafe.escape``, an exception's message and a Text among
:func:`counted`'s numbers. ``repr()`` still works (debuggers, pytest's assertion output).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

import jinja2
import markupsafe
import pytest

from eprom_verify.report.render import _environment
from eprom_verify.wording import Noun, Text, counted, json_default, plural, require_language

LABEL = Text(en="order 42", nb="bestilling 42")


@pytest.mark.parametrize("spec", ["", ">20", "s"])
def test_formatting_without_a_language_is_refused(spec: str) -> None:
    with pytest.raises(TypeError) as raised:
        format(LABEL, spec)

    message = str(raised.value)
    assert "'order 42'" in message, "the message names the Text"
    assert "{text.en}" in message
    assert "{text.nb}" in message
    assert "text.in_language(lang)" in message


def test_an_f_string_without_a_language_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a language"):
        f"ingen statusmelding for {LABEL}"  # noqa: B018


@pytest.mark.parametrize("template", ["ingen statusmelding for {}", "for {0:>20}", "for {x}"])
def test_str_format_without_a_language_is_refused(template: str) -> None:
    with pytest.raises(TypeError, match="needs a language"):
        template.format(LABEL, x=LABEL)


def test_the_reports_templates_refuse_a_bare_text() -> None:
    """The report's own Jinja environment: ``{{ text }}`` fails, ``{{ text.nb }}`` works."""
    template = _environment().from_string("<td>{{ label }}</td>")

    with pytest.raises(TypeError, match=r"without a language: write \{\{ text\.nb \}\}"):
        template.render(label=LABEL)
    chosen = _environment().from_string("<td>{{ label.nb }}</td>").render(label=LABEL)
    assert chosen == "<td>bestilling 42</td>"
    plain = _environment().from_string("{{ n }} {{ s }}").render(n=3, s="brev")
    assert plain == "3 brev", "other values pass through the finalize unchanged"


@pytest.mark.parametrize("autoescape", [True, False])
def test_any_jinja_environment_with_the_finalize_refuses(autoescape: bool) -> None:
    env = jinja2.Environment(autoescape=autoescape, finalize=require_language)
    with pytest.raises(TypeError, match="'order 42'"):
        env.from_string("{{ label }}").render(label=LABEL)


def test_html_escaping_without_a_language_is_refused() -> None:
    """An autoescaping template without the finalize, ``Markup`` and ``escape`` reach
    ``__html__``: refused there too."""
    with pytest.raises(TypeError, match="into HTML needs a language"):
        markupsafe.escape(LABEL)
    with pytest.raises(TypeError, match="into HTML needs a language"):
        markupsafe.Markup("<td>%s</td>") % LABEL
    with pytest.raises(TypeError, match="into HTML needs a language"):
        jinja2.Environment(autoescape=True).from_string("{{ label }}").render(label=LABEL)
    assert markupsafe.escape(LABEL.nb) == "bestilling 42"


@pytest.mark.parametrize(
    "way",
    [
        pytest.param(lambda t: str(t), id="str"),
        pytest.param(lambda t: f"for {t!s}", id="f-string-!s"),
        pytest.param(lambda t: "for %s" % t, id="percent"),  # noqa: UP031
        pytest.param(lambda t: "for %s" % (t,), id="percent-tuple"),  # noqa: UP031
        pytest.param(lambda t: "for {!s}".format(t), id="format-!s"),  # noqa: UP032
        pytest.param(lambda t: "for {}".format(t), id="format"),  # noqa: UP032
        pytest.param(lambda t: format(t), id="format-builtin"),
        pytest.param(lambda t: f"for {t}", id="f-string"),
        pytest.param(lambda t: f"for {t:>20}", id="f-string-spec"),
    ],
)
def test_every_way_to_a_string_without_a_language_is_refused(way: Callable[[Text], str]) -> None:
    """No way of turning a Text into a string gives the English silently: each one says
    what to write instead."""
    with pytest.raises(TypeError, match="needs a language") as raised:
        way(LABEL)

    message = str(raised.value)
    assert "'order 42'" in message, "the message names the Text"
    assert "text.en" in message
    assert "text.nb" in message


def test_str_says_what_to_write_instead() -> None:
    with pytest.raises(TypeError) as raised:
        str(LABEL)

    assert str(raised.value) == (
        "str() of a Text ('order 42') needs a language: write text.en (the terminal's "
        "English) or text.nb, or text.in_language(lang)"
    )


def test_an_exception_with_a_text_message_cannot_be_shown_without_a_language() -> None:
    """Say ``ValueError(label.en)``: a bare Text in an exception cannot be shown."""
    with pytest.raises(TypeError, match="needs a language"):
        str(ValueError(LABEL))
    assert str(ValueError(LABEL.en)) == "order 42"


def test_repr_still_works_for_debuggers() -> None:
    assert repr(LABEL) == "Text(en='order 42', nb='bestilling 42')"
    assert f"{LABEL!r}" == "Text(en='order 42', nb='bestilling 42')"
    assert "%r" % (LABEL,) == "Text(en='order 42', nb='bestilling 42')"  # noqa: UP031


def test_choosing_the_language_works() -> None:
    assert f"for {LABEL.nb}" == "for bestilling 42"
    assert f"for {LABEL.en:>10}" == "for   order 42"
    template = "for {.nb}"  # a template kept apart from its values, as the report does
    assert template.format(LABEL) == "for bestilling 42"
    assert LABEL.in_language("nb") == "bestilling 42"
    assert LABEL.in_language("en") == "order 42"


@pytest.mark.parametrize(
    ("n", "en", "nb"),
    [
        (0, "0 letters · 0 errors", "0 brev · 0 feil"),
        (1, "1 letter · 1 error", "1 brev · 1 feil"),
        (2, "2 letters · 2 errors", "2 brev · 2 feil"),
    ],
)
def test_counted_takes_the_singular_for_exactly_one(n: int, en: str, nb: str) -> None:
    sentence = Text(en="{n:letter|letters} · {e:error|errors}", nb="{n:brev|brev} · {e} feil")

    said = sentence.counted(n=n, e=n)

    assert (said.en, said.nb) == (en, nb)
    assert counted("{n:bestilling|bestillinger} av {m}", n=n, m=4) == (
        f"{n} {'bestilling' if n == 1 else 'bestillinger'} av 4"
    )


def test_counted_refuses_a_text_among_its_values() -> None:
    with pytest.raises(TypeError, match="needs a language"):
        counted("{what}: {n:brev|brev}", what=LABEL, n=2)


def test_one_plural_rule_for_nouns_and_sentences() -> None:
    noun = Noun(
        one=Text(en="status callback", nb="statusmelding"),
        many=Text(en="status callbacks", nb="statusmeldinger"),
        the=Text(en="the status callback", nb="statusmeldingen"),
    )
    sentence = Text(
        en="{n:status callback|status callbacks}", nb="{n:statusmelding|statusmeldinger}"
    )
    for n in (0, 1, 2, 11):
        assert noun.count(n) == sentence.counted(n=n), n
        assert plural(n, "one", "many") == ("one" if n == 1 else "many")


def test_a_text_nested_in_data_is_stored_with_both_languages() -> None:
    """``json.dumps(default=json_default)``, as the recorder stores evidence: a Text inside
    a payload keeps both languages (as pydantic stores a Text), other values their str()."""
    body = {"what": LABEL, "when": date(2026, 12, 3), "n": 2}

    stored = json.loads(json.dumps(body, default=json_default))

    assert stored == {
        "what": {"en": "order 42", "nb": "bestilling 42"},
        "when": "2026-12-03",
        "n": 2,
    }
    with pytest.raises(TypeError, match="needs a language"):
        json.dumps(body, default=str)

"""A Text in an f-string must be told its language; str() stays the terminal's English."""

from __future__ import annotations

import pytest

from eprom_verify.wording import Text

LABEL = Text(en="order 42", nb="bestilling 42")


@pytest.mark.parametrize("spec", ["", ">20", "s"])
def test_formatting_without_a_language_is_refused(spec: str) -> None:
    with pytest.raises(TypeError) as raised:
        format(LABEL, spec)

    message = str(raised.value)
    assert "'order 42'" in message, "the message names the Text"
    assert "{text.en}" in message
    assert "{text.nb}" in message
    assert "str(text)" in message


def test_an_f_string_without_a_language_is_refused() -> None:
    with pytest.raises(TypeError, match="needs a language"):
        f"ingen statusmelding for {LABEL}"  # noqa: B018


def test_choosing_the_language_works() -> None:
    assert f"for {LABEL.nb}" == "for bestilling 42"
    assert f"for {LABEL.en:>10}" == "for   order 42"
    assert f"for {LABEL!s}" == "for order 42", "!s is the terminal's English"
    assert str(LABEL) == "order 42"
    assert "%s" % LABEL == "order 42"  # noqa: UP031

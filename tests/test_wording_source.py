"""No sentence of ours takes the other language's words: read from the source.

``f"{label}"``, ``str(label)``, ``{label!s}`` and ``"%s" % label`` are a TypeError at run
time (tests/test_wording.py), but ``label.en`` is the English on purpose (the terminal's), so
written inside the bokmål half of a ``Text(en=..., nb=...)`` it would put English on the
bokmål page without failing. This test reads every ``Text(...)`` in the package and the
suites and refuses, in ``nb=``: ``.en`` and ``in_language("en")``; in ``en=``: ``.nb`` and
``in_language("nb")``. (``str(x)`` and ``{x!s}`` in ``nb=`` were refused here too while
``str()`` of a Text was its English; the type refuses them now.)
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("eprom_verify", "suites")
_OTHER = {"nb": "en", "en": "nb"}


def _is_text_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (isinstance(func, ast.Name) and func.id == "Text") or (
        isinstance(func, ast.Attribute) and func.attr == "Text"
    )


def _wrong_language(lang: str, value: ast.expr) -> Iterator[tuple[int, str]]:
    """Where the ``lang`` half of a Text takes the other language's words, and what."""
    other = _OTHER[lang]
    for sub in ast.walk(value):
        if isinstance(sub, ast.Attribute) and sub.attr == other:
            yield sub.lineno, f"{ast.unparse(sub)} (the {other} words)"
        elif isinstance(sub, ast.Call) and (
            isinstance(sub.func, ast.Attribute)
            and sub.func.attr == "in_language"
            and any(isinstance(a, ast.Constant) and a.value == other for a in sub.args)
        ):
            yield sub.lineno, f"{ast.unparse(sub)} (the {other} words)"


def wrong_language_in(source: str, filename: str) -> list[str]:
    """``file:line: ...`` for every half of a Text that takes the other language's words."""
    problems = []
    for node in ast.walk(ast.parse(source, filename)):
        if not _is_text_call(node):
            continue
        assert isinstance(node, ast.Call)
        for keyword in node.keywords:
            if keyword.arg in _OTHER:
                for line, what in _wrong_language(keyword.arg, keyword.value):
                    problems.append(
                        f"{filename}:{line}: the {keyword.arg} sentence takes {what}; write "
                        f"the {keyword.arg} words (x.{keyword.arg}, or f'{{n}}' for a number)"
                    )
    return problems


def test_no_sentence_of_ours_takes_the_other_languages_words() -> None:
    problems = [
        problem
        for folder in SOURCES
        for path in sorted((ROOT / folder).rglob("*.py"))
        for problem in wrong_language_in(path.read_text("utf-8"), str(path.relative_to(ROOT)))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ('Text(en=f"for {x.en}", nb=f"for {x.en}")', "the nb sentence takes x.en (the en words)"),
        ('wording.Text(en=f"{x.nb}", nb="b")', "the en sentence takes x.nb (the nb words)"),
        ('Text(en="a", nb=x.in_language("en"))', "takes x.in_language('en') (the en words)"),
    ],
)
def test_a_sentence_with_the_other_languages_words_is_found(source: str, said: str) -> None:
    problems = wrong_language_in(source, "eprom_verify/x.py")

    assert len(problems) == 1, problems
    assert problems[0].startswith("eprom_verify/x.py:1: ")
    assert said in problems[0]


def test_each_language_in_its_own_half_passes() -> None:
    source = 'Text(en=f"for {x.en} ({n})", nb=f"for {x.nb} ({n!s}) " + str(n), extra=x.en)'
    assert wrong_language_in(source, "x.py") == []

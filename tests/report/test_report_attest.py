"""Attestations from a YAML file and from the terminal."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from eprom_verify.checklist import checkpoint
from eprom_verify.report import AttestationError, ask_attestation, load_attestations

EXAMPLE = Path(__file__).parents[2] / "examples" / "attest.yaml"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "attest.yaml"
    path.write_text(text)
    return path


def test_the_documented_example_loads():
    attestations = load_attestations(EXAMPLE)
    assert [a.checkpoint_id for a in attestations] == ["V2.1", "V2.2", "V2.3", "V2.4", "V2.5"]
    first, last = attestations[0], attestations[-1]
    assert (first.tester, first.answer, first.source) == ("Kari Nordmann", "yes", "file")
    assert first.at == datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    assert (last.tester, last.answer) == ("Ola Nordmann", "no")
    assert last.at == datetime(2026, 11, 22, 9, 20, tzinfo=UTC)  # +01:00 → UTC
    assert "dontStoreCompletedFormInPha" in (last.comment or "")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "tester: Kari\nattestations:\n  - checkpoint: V2.1\n    answer: maybe\n"
            "    at: 2026-11-22T10:00:00Z\n",
            ":4: attestations[0].answer: expected yes or no, got 'maybe'",
        ),
        (
            "tester: Kari\nattestations:\n  - checkpoint: V2.1\n    answer: yes\n",
            ":3: attestations[0].at: missing; when the tester checked it",
        ),
        (
            "tester: Kari\nattestations:\n  - checkpoint: V2.1\n    answer: yes\n"
            "    at: 2026-11-22T10:00:00\n",
            ":5: attestations[0].at: 2026-11-22 10:00:00 has no time zone; add Z for UTC",
        ),
        (
            "tester: Kari\nattestations:\n  - checkpoint: V2.1\n    answer: yes\n"
            "    at: 2026-11-22\n",
            ":5: attestations[0].at: 2026-11-22 has no time of day",
        ),
        (
            "attestations:\n  - checkpoint: V2.1\n    answer: yes\n    at: 2026-11-22T10:00:00Z\n",
            ":2: tester: missing; write the tester's name",
        ),
        (
            "tester: Kari\nattestations:\n  - checkpoint: V2.1\n    answer: yes\n"
            "    at: 2026-11-22T10:00:00Z\n    signature: x\n",
            ":6: attestations[0].signature: unknown field; expected one of: answer, at,",
        ),
        (
            "tester: Kari\nattestation: []\n",
            ":2: attestation: unknown field; expected one of: attestations, tester",
        ),
        ("tester: Kari\nattestations: V2.1\n", ":2: attestations: expected a list"),
        (
            "tester: Kari\nattestations:\n  - [V2.1, yes]\n",
            ":3: attestations[0]: expected a mapping",
        ),
        (
            "tester: Kari\nattestations:\n"
            "  - {checkpoint: V2.1, answer: yes, at: 2026-11-22T10:00:00Z}\n"
            "  - {checkpoint: V2.1, answer: no, at: 2026-11-22T11:00:00Z}\n",
            ":4: attestations[1].checkpoint: V2.1 is attested twice (lines 3 and 4); keep one",
        ),
        ("tester: [unclosed\n", ":2: not valid YAML"),
        ("", ": empty — see docs/attestation.md"),
    ],
)
def test_a_bad_file_is_refused_in_one_line_naming_file_line_field(tmp_path, text, message):
    path = write(tmp_path, text)
    with pytest.raises(AttestationError) as info:
        load_attestations(path)
    text = str(info.value)
    assert "\n" not in text
    assert text.startswith(str(path))
    assert message in text


def test_an_unknown_checkpoint_is_refused_with_the_known_ids(tmp_path):
    path = write(
        tmp_path,
        "tester: Kari\nattestations:\n  - checkpoint: V2.9\n    answer: yes\n"
        "    at: 2026-11-22T10:00:00Z\n",
    )
    with pytest.raises(AttestationError, match=r":3: attestations\[0\].checkpoint: unknown "
                       r"checkpoint 'V2.9'; known: V1.1, V1.2, .*, S2, P1, .*R5$"):  # fmt: skip
        load_attestations(path)


def test_quoted_and_norwegian_answers(tmp_path):
    path = write(
        tmp_path,
        "tester: Kari\nattestations:\n"
        "  - {checkpoint: V2.1, answer: 'ja', at: '2026-11-22T10:00:00Z'}\n"
        "  - {checkpoint: V2.2, answer: Nei, at: '2026-11-22T10:00:00+02:00'}\n",
    )
    a, b = load_attestations(path)
    assert (a.answer, b.answer) == ("yes", "no")
    assert b.at == datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def test_a_missing_file_is_one_line(tmp_path):
    with pytest.raises(AttestationError, match=r"nope\.yaml: cannot be read"):
        load_attestations(tmp_path / "nope.yaml")


def replies(*answers: str):
    it: Iterator[str] = iter(answers)
    prompts: list[str] = []

    def input_fn(prompt: str) -> str:
        prompts.append(prompt)
        try:
            return next(it)
        except StopIteration:
            raise EOFError from None

    return input_fn, prompts


def test_ask_records_a_yes_with_the_given_tester():
    input_fn, prompts = replies("j", "")
    out = io.StringIO()
    a = ask_attestation(
        checkpoint("V2.2"), "Vises følgebrevet?", tester="Kari", input_fn=input_fn, output=out
    )
    assert a is not None
    assert (a.checkpoint_id, a.tester, a.answer, a.comment, a.source) == (
        "V2.2",
        "Kari",
        "yes",
        None,
        "interactive",
    )
    assert "V2.2 — Følgebrevet vises som forventet" in out.getvalue()
    assert "Vises følgebrevet?" in out.getvalue()
    assert len(prompts) == 2


def test_ask_asks_the_name_repeats_a_bad_answer_and_keeps_a_comment():
    input_fn, prompts = replies("Ola", "kanskje", "no", "Kopien ble lagret")
    out = io.StringIO()
    a = ask_attestation(
        checkpoint("V2.5"), "Copy stored?", tester=None, input_fn=input_fn, output=out, lang="en"
    )
    assert a is not None
    assert (a.tester, a.answer, a.comment) == ("Ola", "no", "Kopien ble lagret")
    assert "Answer y (yes), n (no) or s (skip)." in out.getvalue()
    assert prompts[0] == "Your name (the tester): "


@pytest.mark.parametrize("answers", [("h",), ("skip",), (), ("x", "x", "x", "x", "x")])
def test_ask_returns_none_on_skip_eof_or_no_usable_answer(answers):
    input_fn, _ = replies(*answers)
    out = io.StringIO()
    result = ask_attestation(checkpoint("V2.1"), "?", tester="Kari", input_fn=input_fn, output=out)
    assert result is None
    assert "Hoppet over" in out.getvalue()

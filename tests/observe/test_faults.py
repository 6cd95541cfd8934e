"""Faulty variants of the example system: each fails the right checkpoint, naming the step.

The fault → checkpoint table of docs/observe.md is this list.

An observation several tests only read is made once per worker (``conftest.observed``):
the two rows of ``redelivery-5xx`` here, the ``ack-false`` and ``double-order`` observations
test_tables_agree.py re-derives, and ``ack-false`` in bokmål, which test_report_language.py
reads (issue 25: the report holds both languages, ``--lang nb`` only decides which is
``report.html``; the messages read here are the English ones, as the terminal's). The tests
that read one observation share an xdist group (``conftest.on_observation``), so they run on
the worker that made it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import ExampleSystem, observed, on_observation

#: observations read by more than one test: () is the passing one (test_example.py's two
#: tests and test_tables_agree.py)
SHARED = {(), ("double-order",), ("ack-false",), ("redelivery-5xx",)}

FAULTS = [
    # (EXAMPLE_FAULT, checkpoint, step named, words of the message, extra env, extra args)
    ("double-order", "V1.4", "order-basic", "times (requests", {}, []),
    ("ack-false", "V1.2", "order-basic", "answered success: false, not true", {}, []),
    ("redelivery-5xx", "V1.4", "", "delivered a second time", {}, []),
    ("redelivery-5xx", "V3.2", "", "the second delivery answered HTTP 500, not 2xx", {}, []),
    ("no-download", "S2", "order-signing", "was not downloaded (never)", {}, []),
    ("metadata-object", "V1.1", "order-basic", "metadata is a JSON dict, not a string", {}, []),
    ("base64-key", "V1.1", "order-basic", "base64 of user:key (the key is base64-encoded)",
     {}, []),
    ("letter-404", "L1", "letter", "answered HTTP 404, not 2xx", {}, []),
    ("slow-ack", "V1.2", "order-", "over the time limit of 0.5 s",
     {"EXAMPLE_SLOW_SECONDS": "0.8"}, ["--callback-time-limit", "0.5"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("fault", "checkpoint", "step", "words", "env", "args"),
    [
        pytest.param(*f, id=f"{f[0]}-{f[1]}",
                     marks=[on_observation(f[0])] if (f[0],) in SHARED and not f[4] else [])
        for f in FAULTS
    ],
)  # fmt: skip
def test_fault_fails_its_checkpoint(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
    checkpoint: str,
    step: str,
    words: str,
    env: dict[str, str],
    args: list[str],
) -> None:
    outcome = observed(example_system, capsys, monkeypatch, (fault,), env, tuple(args))
    assert outcome.code == 1
    assert outcome.status(checkpoint) == "failed", (checkpoint, outcome.failed())
    messages = outcome.failures(checkpoint)
    assert any(words in m and f"step '{step}" in m for m in messages), messages
    assert any("What to change:" in m for m in messages), messages
    if fault == "double-order":
        assert any("performed 2 times" in m and "a retry without idempotency" in m
                   for m in messages), messages  # fmt: skip
    assert f"FAILED {checkpoint}" in outcome.out or f"/{checkpoint}" in outcome.out

"""Faulty variants of the example system: each fails the right checkpoint, naming the step.

The fault → checkpoint table of docs/observe.md is this list.

An observation several tests only read is made once per worker (:func:`observed`): the two
rows of ``redelivery-5xx`` here, and the ``ack-false`` and ``double-order`` observations
test_tables_agree.py re-derives (issue 25). The tests that read one observation share an
xdist group (:func:`on_observation`), so they run on the worker that made it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import ExampleSystem, Outcome, observe

#: (faults, extra env, extra args) → the observation made for it in this process
_OBSERVED: dict[tuple[tuple[str, ...], tuple[tuple[str, str], ...], tuple[str, ...]], Outcome] = {}


def observed(
    example_system: Callable[..., ExampleSystem],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    faults: tuple[str, ...],
    env: dict[str, str] | None = None,
    args: tuple[str, ...] = (),
) -> Outcome:
    """``observe`` of the example system with ``faults``: made by the first test to ask in
    this process, read by the others (an Outcome is only read; its folder stays)."""
    key = (tuple(faults), tuple(sorted((env or {}).items())), tuple(args))
    if key not in _OBSERVED:
        _OBSERVED[key] = observe(example_system(*faults, **(env or {})), capsys, monkeypatch, *args)
    return _OBSERVED[key]


def on_observation(*faults: str) -> pytest.MarkDecorator:
    """The tests that read one observation go to one pytest-xdist worker."""
    return pytest.mark.xdist_group("observation-" + ("+".join(faults) or "none"))


#: observations read by more than one test
SHARED = {("double-order",), ("ack-false",), ("redelivery-5xx",)}

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

"""Faulty variants of the example system: each fails the right checkpoint, naming the step.

The fault → checkpoint table of docs/observe.md is this list.

Faults whose rows cannot meet share one observation (issue 25, as tests/run/test_whole_run.py's
GROUPS share runs): ``FAILS`` is every row a fault fails when it is the system's only fault
(measured one by one), the faults of a group fail disjoint rows, and none refuses the step
another is asserted on (``REFUSES``). So 8 observations are 4: ``ack-false`` beside
``double-order`` and ``letter-404`` (made in bokmål: test_report_language.py reads it, the
report holds both languages and the terminal stays English), ``redelivery-5xx`` (its two rows)
beside ``no-download`` and ``metadata-object``; ``base64-key`` and ``slow-ack`` fail rows of
every other group and stay alone. **Each fault is still its own test** and asserts its row
failed with its words and its step; and the observation failed no row outside the union of
its group's ``FAILS`` (a fault that spilled onto another row fails every test of the group,
naming the faults). test_tables_agree.py re-derives the two group
observations' tables. The tests that read one observation share an xdist group
(``conftest.on_observation``), so they run on the worker that made it.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .conftest import ACK_FALSE_GROUP, ExampleSystem, observed, on_observation

#: every row each fault fails when it is the system's only fault (observed one by one: a
#: status callback answered ``success: false`` leaves its order without an answer, V3.1, V3.2
#: and S2; the base64 key is refused, so nothing that needs an accepted request passes; a
#: slow acknowledgement holds every callback past the limit)
FAILS: dict[str, set[str]] = {
    "double-order": {"V1.4"},
    "ack-false": {"V1.2", "V3.1", "V3.2", "S2"},
    "redelivery-5xx": {"V1.4", "V3.2"},
    "no-download": {"S2"},
    "metadata-object": {"V1.1"},
    "base64-key": {"V1.1", "S1", "S2", "L1", "PV1"},
    "letter-404": {"L1"},
    "slow-ack": {"V1.2", "V1.4", "V3.1", "V3.2", "P1", "L1"},
}

#: the steps whose request ePROM refuses with the fault (``metadata-object``: the order with
#: metadata, ``order-basic``; ``base64-key``: every one): that step's order never exists, so a
#: fault asserted on that step cannot share an observation with it (measured: ``double-order``
#: and ``ack-false`` then showed on the next order step instead)
REFUSES: dict[str, set[str]] = {"metadata-object": {"order-basic"}, "base64-key": {"*"}}

#: the faults that share one observation
GROUPS: list[tuple[str, ...]] = [
    ACK_FALSE_GROUP,
    ("redelivery-5xx", "no-download", "metadata-object"),
    ("base64-key",),
    ("slow-ack",),
]
GROUP_OF = {fault: group for group in GROUPS for fault in group}

#: observations read by more than one test: () is the passing one (test_example.py's two
#: tests and test_tables_agree.py), the groups of more than one fault
SHARED = {(), *(group for group in GROUPS if len(group) > 1)}

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


def test_the_groups_share_no_row_and_hold_every_fault_once() -> None:
    assert sorted(GROUP_OF) == sorted(FAILS) == sorted({f[0] for f in FAULTS})
    assert sum(len(group) for group in GROUPS) == len(FAILS), "a fault in two groups"
    for group in GROUPS:
        rows = [row for fault in group for row in FAILS[fault]]
        assert len(rows) == len(set(rows)), f"{group}: two faults fail the same row"
        extra = {f[0]: f for f in FAULTS if f[0] in group and (f[4] or f[5])}
        assert not extra or len(group) == 1, f"{group}: a fault with its own options shares"
        for fault, _, step, *_ in (f for f in FAULTS if f[0] in group):
            for other in set(group) - {fault}:
                refused = REFUSES.get(other, set())
                assert not refused & {step, "*"}, f"{other} refuses {fault}'s step {step!r}"


def test_a_spilled_row_fails_the_group_and_names_it() -> None:
    """The check of the union can fail: a row outside it is named, with the faults."""
    outcome_failed = {"V1.2", "V3.1", "V3.2", "S2", "V1.4", "L1", "U1"}
    with pytest.raises(AssertionError, match=r"ack-false, double-order.*\['U1'\]"):
        _assert_no_row_outside(GROUPS[0], outcome_failed)


def _assert_no_row_outside(group: tuple[str, ...], failed: set[str]) -> None:
    union = set().union(*(FAILS[fault] for fault in group))
    assert failed <= union, (
        f"the observation of {', '.join(group)} failed {sorted(failed - union)}, outside the "
        f"rows its faults fail alone ({sorted(union)}): a fault spilled onto another row"
    )


@pytest.mark.parametrize(
    ("fault", "checkpoint", "step", "words", "env", "args"),
    [
        pytest.param(*f, id=f"{f[0]}-{f[1]}",
                     marks=[on_observation(*GROUP_OF[f[0]])] if GROUP_OF[f[0]] in SHARED else [])
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
    group = GROUP_OF[fault]
    outcome = observed(example_system, capsys, monkeypatch, group, env, tuple(args))
    assert outcome.code == 1
    assert outcome.status(checkpoint) == "failed", (checkpoint, outcome.failed())
    _assert_no_row_outside(group, outcome.failed())
    messages = outcome.failures(checkpoint)
    assert any(words in m and f"step '{step}" in m for m in messages), messages
    assert any("What to change:" in m for m in messages), messages
    if fault == "double-order":
        assert any("performed 2 times" in m and "a retry without idempotency" in m
                   for m in messages), messages  # fmt: skip
    assert f"FAILED {checkpoint}" in outcome.out or f"/{checkpoint}" in outcome.out

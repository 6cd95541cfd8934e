"""R1–R5: the ordering system's own callback service, checked by playing ePROM.

One test per registered receiver check (``eprom_verify.receiver``); the checks themselves
are plain Python. ``receiver_target`` comes from the plugin (``--receiver-url`` and the
API key); ``eprom-verify check-receiver`` selects this module with ``-m receiver``.

While a check runs, a progress line (which check, examples sent so far) reaches the
terminal past pytest's capture. After it, the report gets the check's evidence — the
failing exchange and a spread sample of the others, with the count of all — and its facts
(examples sent, the failing payload, answer times per endpoint).
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator

import pytest

from eprom_verify.pytest import TerminalStream, add_facts, recorder_of
from eprom_verify.receiver import (
    REGISTRY,
    Check,
    CheckProgress,
    ReceiverCheckFailure,
    ReceiverTarget,
    check_evidence,
)

pytestmark = pytest.mark.receiver


@pytest.fixture(scope="module")
def progress(
    receiver_target: ReceiverTarget, pytestconfig: pytest.Config
) -> Iterator[CheckProgress]:
    """The progress line, fed by every exchange the target records."""
    tty, width = _terminal(pytestconfig)
    shown = CheckProgress(TerminalStream(pytestconfig), tty=tty, width=width)
    receiver_target.exchanges.add_listener(shown.sent)
    yield shown
    receiver_target.exchanges.remove_listener(shown.sent)


def _terminal(config: pytest.Config) -> tuple[bool, int]:
    """Whether the real stderr is a terminal, and its width: asked with pytest's capture
    suspended (under fd capture, file descriptors 1 and 2 are temporary files meanwhile)."""
    capman = config.pluginmanager.getplugin("capturemanager")
    suspended = capman.global_and_fixture_disabled() if capman else contextlib.nullcontext()
    with suspended:
        tty = bool(sys.__stderr__ and sys.__stderr__.isatty())
        return tty, shutil.get_terminal_size((80, 24)).columns


def _position(request: pytest.FixtureRequest) -> tuple[int, int]:
    """(this test's number among the selected receiver tests, how many were selected)."""
    here = request.node.path
    ours = [item for item in request.session.items if item.path == here]
    index = next((i for i, item in enumerate(ours, 1) if item is request.node), len(ours))
    return index, len(ours)


def _report(
    request: pytest.FixtureRequest,
    check: Check,
    target: ReceiverTarget,
    failure: ReceiverCheckFailure | None,
) -> None:
    """Facts on the row; evidence and the run's latency to the report, when one is written."""
    evidence = check_evidence(check.name, check.checkpoint, target.exchanges, failure=failure)
    add_facts(request.node, **evidence.facts())
    recorder = recorder_of(request.config)
    if recorder is None:
        return
    for exchange, title in evidence.linked():
        recorder.add_evidence(
            "callback",
            **evidence.record_fields(exchange, title),
            test=request.node.nodeid,
            case=check.name,
        )
    summary = target.exchanges.latency_summary()
    if summary.count:
        recorder.set_receiver_latency(summary.p50_s * 1000, summary.p95_s * 1000, summary.count)


@pytest.mark.parametrize(
    "check",
    # by name: the report's row shows its parameters, and a name is the same in both languages
    [pytest.param(c.name, id=c.name, marks=pytest.mark.checkpoint(c.checkpoint)) for c in REGISTRY],
)
def test_receiver(
    check: str,
    receiver_target: ReceiverTarget,
    progress: CheckProgress,
    request: pytest.FixtureRequest,
) -> None:
    chosen = REGISTRY.get(check)
    index, total = _position(request)
    progress.start(chosen.name, chosen.checkpoint, index=index, total=total)
    failure: ReceiverCheckFailure | None = None
    try:
        chosen(receiver_target, receiver_target.exchanges)
    except ReceiverCheckFailure as exc:
        failure = exc
        raise
    finally:
        progress.finish()
        _report(request, chosen, receiver_target, failure)

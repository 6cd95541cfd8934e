"""R1–R5: the ordering system's own callback service, checked by playing ePROM.

One test per registered receiver check (``eprom_verify.receiver``); the checks themselves
are plain Python. ``receiver_target`` comes from the plugin (``--receiver-url`` and the
API key); ``eprom-verify check-receiver`` selects this module with ``-m receiver``.
"""

from __future__ import annotations

from typing import Any

import pytest

from eprom_verify.receiver import REGISTRY, ReceiverTarget

pytestmark = pytest.mark.receiver


def _publish_latency(config: pytest.Config, target: ReceiverTarget) -> None:
    """Hand p50/p95 over the run so far to the report, when one is being written."""
    from eprom_verify.pytest import recorder_of

    recorder = recorder_of(config)
    summary = target.exchanges.latency_summary()
    if recorder is not None and summary.count:
        recorder.set_receiver_latency(summary.p50_s * 1000, summary.p95_s * 1000, summary.count)


@pytest.mark.parametrize(
    "check",
    [pytest.param(c, id=c.name, marks=pytest.mark.checkpoint(c.checkpoint)) for c in REGISTRY],
)
def test_receiver(
    check: Any, receiver_target: ReceiverTarget, request: pytest.FixtureRequest
) -> None:
    try:
        check(receiver_target, receiver_target.exchanges)
    finally:
        _publish_latency(request.config, receiver_target)

"""A pytest plugin for running suites/test_receiver.py against a local receiver, without the
eprom_verify plugin: ``-p tests.receiver.suite_plugin`` (fault from $RECEIVER_TEST_FAULT)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from eprom_verify.receiver import ReceiverTarget
from examples.reference_receiver import CallbackReceiver, CallbackStore, build_app

from .faults import FAULTS
from .servers import serve

KEY = "suite-key-0b9f3e2a71c4"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "checkpoint(*ids): the checklist ids this test proves")
    config.addinivalue_line("markers", "receiver: a receiver-conformance check")


@pytest.fixture(scope="session")
def receiver_target() -> Iterator[ReceiverTarget]:
    fault = os.environ.get("RECEIVER_TEST_FAULT")
    receiver_cls = FAULTS[fault] if fault else CallbackReceiver
    with (
        serve(build_app(receiver_cls(KEY, CallbackStore(":memory:")))) as url,
        ReceiverTarget(url, KEY, max_examples=10, derandomize=True) as target,
    ):
        yield target

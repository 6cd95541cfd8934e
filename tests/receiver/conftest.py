"""Fixtures for the receiver-check tests: the reference receiver (and faulty ones) served on
a free loopback port in a thread, and targets pointed at them."""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager

import httpx
import pytest

from eprom_verify.receiver import ReceiverTarget
from examples.reference_receiver import CallbackReceiver, CallbackStore, build_app

from .servers import serve

KEY = "test-key-7c1e9a4f2b8d"

MakeTarget = Callable[..., AbstractContextManager[ReceiverTarget]]

#: built once: a target's client otherwise builds a TLS context from certifi's bundle, ~30 ms
#: of CPU a target, for plain HTTP to 127.0.0.1 (docs/testing.md)
_TLS = ssl.create_default_context()


def _transport() -> httpx.HTTPTransport:
    """What ``httpx.Client`` builds by default, on the shared TLS context (one per target:
    closing a target closes its transport)."""
    return httpx.HTTPTransport(verify=_TLS)


def pytest_configure(config: pytest.Config) -> None:
    # Registered by the eprom_verify plugin too; repeated here for runs with -p no:eprom_verify.
    config.addinivalue_line("markers", "checkpoint(*ids): the checklist ids this test proves")
    config.addinivalue_line("markers", "receiver: a receiver-conformance check")


@pytest.fixture(scope="session")
def reference_url() -> Iterator[str]:
    """The reference receiver, for the whole session."""
    with serve(build_app(CallbackReceiver(KEY, CallbackStore(":memory:")))) as url:
        yield url


@contextmanager
def _target_for(
    receiver_cls: type[CallbackReceiver], *, max_examples: int = 10, **kwargs: float
) -> Iterator[ReceiverTarget]:
    app = build_app(receiver_cls(KEY, CallbackStore(":memory:")))
    with (
        serve(app) as url,
        ReceiverTarget(
            url, KEY, max_examples=max_examples, derandomize=True, transport=_transport(), **kwargs
        ) as target,
    ):
        yield target


@pytest.fixture
def target_for() -> MakeTarget:
    """``with target_for(ReceiverClass, max_examples=…) as target:`` — a fresh receiver."""
    return _target_for


@pytest.fixture
def receiver_target(reference_url: str) -> Iterator[ReceiverTarget]:
    """A target on the session's reference receiver (the suite's fixture, for our runs)."""
    with ReceiverTarget(
        reference_url, KEY, max_examples=10, derandomize=True, transport=_transport()
    ) as target:
        yield target

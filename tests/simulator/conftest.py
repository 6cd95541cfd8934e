"""Shared fixtures: a callback receiver, a simulator that calls it, an API client."""

from __future__ import annotations

import datetime
import itertools
import ssl
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import (
    OrderingSystem,
    RunningSimulator,
    SimulatorSettings,
    run_in_thread,
)

from .receiver import Received, Receiver

TODAY = datetime.date(2026, 11, 22)
_TEST_NUMBERS = itertools.count(1)
KEY = "test-key-5f0e6c1d9a8b4e27"

# Persons of fixtures/patients.yaml
VERIFY = "26670271527"
DOCS = "26073941651"
HANNE = "12718410019"
MAILBOX = "03747110076"
LIMITED = "21669020160"
UNSECURE = "17769630120"
PAPER = "08694610073"
STALE = "30738825086"
TEEN = "14701250029"
CHILD = "09681650099"
UNREACHABLE = "25757515027"
NOT_REGISTERED = "02776830030"
UNKNOWN = "01010112345"  # not in patients.yaml at all (valid check digits not needed: see tests)

# Forms of fixtures/forms.yaml
RAND12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
CONSENT = "3f6b2d1e-7c48-4a9b-b5e2-0d81c4f7a926"
DRAFT = "8a0e5c73-2b19-4f6d-9c84-e7d3a1b50f42"
VISIT = "c2d94f18-6e0a-4b73-a15c-9f3e8b26d7e4"
SIDE_EFFECTS = "5e7a1c9d-4b2f-4d86-8e30-b6f1a9c2d570"

PVK_RES = "b3cda307-154c-4af4-87d3-30567c931924"
PVK_SAM = "6e1f0c4a-93b2-4d57-8a1e-2c9d7b5f3a60"


#: One client for the tests' one-off requests to a server on 127.0.0.1. ``httpx.get(...)``
#: builds a client per call, and with it a TLS context from certifi's bundle: ~30 ms of CPU
#: a call (measured) for a plain-HTTP request to loopback — polling a starting process every
#: 0.05 s cost a CPU-second a start. No kept-alive connections: each request opens its own,
#: as ``httpx.get`` does, so a server killed and restarted on the same port is never asked
#: on a dead connection (a test that wants one worker's connection makes its own client).
_TLS = ssl.create_default_context()  # built once; every client below shares it


def loopback_client(**options: Any) -> httpx.Client:
    """``httpx.Client(**options)`` without building a TLS context of its own (~30 ms of CPU)."""
    return httpx.Client(verify=_TLS, **options)


LOOPBACK = loopback_client(timeout=5, limits=httpx.Limits(max_keepalive_connections=0))


def settings_for(callback_base_url: str, **overrides: Any) -> SimulatorSettings:
    values: dict[str, Any] = {
        "ordering_systems": [
            OrderingSystem(name="test-system", api_key=KEY, callback_base_url=callback_base_url)
        ],
        "today": TODAY,
        "retry_base_seconds": 0.05,
        "retry_max_seconds": 0.2,
        "sweep_interval_seconds": 0.05,
        **overrides,
    }
    return SimulatorSettings(**values)


def order_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "formId": RAND12,
        "nationalId": VERIFY,
        "expiryDate": "2030-01-01T00:00:00",
        "metadata": '{"age":76}',
    }
    body.update(overrides)
    return body


@pytest.fixture(scope="session")
def shared_receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running


@pytest.fixture(scope="session")
def shared_sim(shared_receiver: Receiver) -> Iterator[RunningSimulator]:
    with run_in_thread(settings_for(shared_receiver.base_url)) as running:
        yield running


@pytest.fixture
def receiver(shared_receiver: Receiver, request: pytest.FixtureRequest) -> Receiver:
    """This test's share of the receiver: callbacks under /cb/<test name>/ only."""
    return shared_receiver.view(f"t{next(_TEST_NUMBERS)}")


@pytest.fixture
def sim(shared_sim: RunningSimulator, receiver: Receiver) -> Iterator[RunningSimulator]:
    """The shared simulator, reset, its ordering system calling this test's receiver."""
    shared_sim.control.reset()
    shared_sim.control.register_ordering_system("test-system", KEY, receiver.base_url)
    yield shared_sim
    shared_sim.check_errors()


@pytest.fixture
def api(sim: RunningSimulator) -> Iterator[httpx.Client]:
    with loopback_client(
        base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def anon(sim: RunningSimulator) -> Iterator[httpx.Client]:
    """A client without credentials."""
    with loopback_client(base_url=sim.base_url, timeout=30) as client:
        yield client


def place(api: httpx.Client, **overrides: Any) -> dict[str, Any]:
    response = api.post("/api/v2/formorder", json=order_body(**overrides))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def settled(sim: RunningSimulator, receiver: Receiver, *, timeout: float = 30) -> list[Received]:
    """Everything the simulator will ever send for this test, received: no fixed wait.

    A callback is in the simulator's outbox before the request that caused it is answered
    (``Engine.enqueue`` runs in the request's transaction, committed before the answer), and a
    row stays ``pending`` until its last copy was answered by the receiver. So once nothing
    is pending, nothing more can come: what the receiver holds is final — a duplicate, a
    callback that should not exist, a retry. (Replaces ``receiver.settle(0.3)``, a guess.)
    """
    deadline = time.monotonic() + timeout  # a bound for a loaded machine, not a timing
    while pending := sim.control.outbox(state="pending"):
        if time.monotonic() > deadline:
            raise AssertionError(
                f"{len(pending)} callbacks still pending after {timeout:g} s: "
                + ", ".join(f"{row.kind} for {row.subject_id}" for row in pending[:5])
            )
        time.sleep(0.01)
    return receiver.mine()

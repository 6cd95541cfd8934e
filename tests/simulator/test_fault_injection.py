"""Every fault, end to end: what the receiver (or the caller) gets."""

from __future__ import annotations

import time

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.outbox import FORGED_API_KEY

from .conftest import KEY, LOOPBACK, PVK_RES, VERIFY, order_body, place, settled
from .receiver import Receiver
from .test_messages import letter


def test_duplicate_delivers_the_callback_twice(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("duplicate", callback="status")
    order = place(api)
    first, second = receiver.wait_for(2)
    assert first.body == second.body
    assert first.body["formOrderId"] == order["id"]
    assert len(settled(sim, receiver)) == 2
    [row] = sim.control.outbox()
    assert row.faults == ["duplicate"]
    assert len(row.attempts) == 2


def test_drop_never_delivers_and_is_marked(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("drop")
    order = place(api)
    assert settled(sim, receiver) == []
    [row] = sim.control.order(order["id"]).callbacks
    assert row.state == "dropped"
    assert row.attempts == []


def test_delay_holds_the_callback(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("delay", seconds=0.6)
    started = time.monotonic()
    place(api)
    assert receiver.settle(0.3) == []
    receiver.wait_for(1, timeout=5)
    assert time.monotonic() - started >= 0.6


def test_forge_key_sends_a_wrong_key(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("forge_key", callback="status")
    place(api)
    [callback] = receiver.wait_for(1)
    assert callback.body["apiKey"] == FORGED_API_KEY != KEY


def test_forge_key_on_privacy_goes_in_the_header(sim: RunningSimulator, receiver: Receiver) -> None:
    sim.control.add_fault("forge_key", callback="privacy")
    sim.control.change_personvern(VERIFY, PVK_RES, "RES", ordering_system="test-system")
    [callback] = receiver.wait_for(1)
    assert callback.headers["authorization"] == f"Basic {FORGED_API_KEY}"


def test_wrong_channel_reports_another_channel(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("wrong_channel", callback="status")
    order = place(api)
    assert order["notificationChannel"] == "Helsenorge"
    [callback] = receiver.wait_for(1)
    assert callback.body["notificationChannel"] not in (1, "Helsenorge")


def test_enum_names_writes_the_2023_style(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("enum_names", times=None)
    place(api)
    api.post("/api/v2/messagetocitizen", json=letter())
    callbacks = {c.path.rsplit("/", 1)[-1]: c.body for c in receiver.wait_for(2)}
    assert callbacks["PromsFormOrder"]["notificationChannel"] == "Helsenorge"
    assert callbacks["MessageToCitizen"]["notificationChannel"] == "Helsenorge"
    assert callbacks["MessageToCitizen"]["sentStatus"] == "Sent"


@pytest.mark.parametrize(
    ("fault", "status", "text"),
    [
        ("helsenorge_502", 502, "Unable to communicate with Helsenorge. No message sent."),
        ("helsenorge_504", 504, "Timeout while waiting for response from Helsenorge"),
    ],
)
def test_helsenorge_faults_fail_the_next_order_or_letter(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver, fault: str, status: int, text: str
) -> None:
    sim.control.add_fault(fault, times=2)
    failed = api.post("/api/v2/formorder", json=order_body())
    assert (failed.status_code, failed.text) == (status, text)
    failed_letter = api.post("/api/v2/messagetocitizen", json=letter())
    assert (failed_letter.status_code, failed_letter.text) == (status, text)
    assert api.post("/api/v2/formorder", json=order_body()).status_code == 200
    assert len(receiver.wait_for(1)) == 1


def test_pvk_502_answers_the_components_json(api: httpx.Client, sim: RunningSimulator) -> None:
    sim.control.add_fault("pvk_502")
    response = api.post(
        "/api/v2/getpersonverninnstilling", json={"nationalId": VERIFY, "type": 0, "pvkId": PVK_RES}
    )
    assert response.status_code == 502
    assert response.json() == {
        "statusCode": 503,
        "status": "ServiceUnavailable",
        "message": "Personvernkomponenten (PVK) svarte ikke. Prøv igjen senere.",
    }
    again = api.post(
        "/api/v2/getpersonverninnstilling", json={"nationalId": VERIFY, "type": 0, "pvkId": PVK_RES}
    )
    assert again.status_code == 200


def test_a_fault_narrowed_to_one_order(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    first = place(api)
    receiver.wait_for(1)
    sim.control.add_fault("drop", form_order_id=first["id"], times=None)
    second = place(api)
    sim.control.expire(first["id"])
    sim.control.expire(second["id"])
    got = receiver.wait_for(3)
    assert len(settled(sim, receiver)) == 3
    statuses = sorted(
        (c.body["formOrderId"] == first["id"], c.body["formOrderStatus"]) for c in got
    )
    assert statuses == [(False, "Expired"), (False, "Ordered"), (True, "Ordered")]
    assert [c.state for c in sim.control.order(first["id"]).callbacks] == ["delivered", "dropped"]


def test_faults_can_be_listed_and_cleared(sim: RunningSimulator) -> None:
    sim.control.add_fault("drop", times=None)
    sim.control.add_fault("delay", seconds=1, callback="letter")
    listed = sim.control.faults()
    assert [(f.type, f.callback, f.times) for f in listed] == [
        ("drop", "any", None),
        ("delay", "letter", 1),
    ]
    response = LOOPBACK.delete(f"{sim.root_url}/_simulator/faults/{listed[0].id}")
    assert response.json() == {"cleared": 1}
    assert sim.control.clear_faults() == 1
    assert sim.control.faults() == []

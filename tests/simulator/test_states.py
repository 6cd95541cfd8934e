"""Every state the guide lists can be produced: one test per state (docs/simulator.md,
"Every documented state, and how to reach it")."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest

from eprom_verify.pytest.fixtures import EpromSimulator
from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.control import ApiError

from .conftest import HANNE, PAPER, UNREACHABLE, VERIFY, place
from .receiver import Receiver

LETTER = {
    "nationalId": VERIFY,
    "documentCollection": {"mainDocument": {"fileName": "a.pdf", "content": "JVBERi0xLjQK"}},
    "notificationPriorityList": ["Helsenorge"],
}


def callback(receiver: Receiver, subject: str, field: str, value: str) -> dict[str, Any]:
    """The one callback about ``subject`` whose ``field`` is ``value``; fails naming what came."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        bodies = [r.body for r in receiver.mine() if subject in r.body.values()]
        found = [b for b in bodies if b.get(field) == value]
        if found:
            return found[0]
        time.sleep(0.02)
    pytest.fail(f"no callback about {subject} with {field}: {value}; received: {bodies}")


def test_status_ordered(api: httpx.Client, receiver: Receiver) -> None:
    order = place(api)
    body = callback(receiver, order["id"], "formOrderStatus", "Ordered")
    assert body["formOrderStatusErrorCode"] == "None"


def test_status_error_patient_unreachable(api: httpx.Client, receiver: Receiver) -> None:
    order = place(api, nationalId=UNREACHABLE)
    body = callback(receiver, order["id"], "formOrderStatus", "Error")
    assert body["formOrderStatusErrorCode"] == "PatientUnreachable"


def test_status_error_sikker_digital_post_error(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    sim.control.add_fault("sdp_error", callback="status")
    order = place(api, nationalId=HANNE, distributionRule="DigitalMailboxOnly")
    body = callback(receiver, order["id"], "formOrderStatus", "Error")
    assert body["formOrderStatusErrorCode"] == "SikkerDigitalPostError"
    assert "timestamp" not in body, "the documented error example has no timestamps"
    later = place(api, nationalId=HANNE, distributionRule="DigitalMailboxOnly")
    assert callback(receiver, later["id"], "formOrderStatus", "Ordered"), "times: 1 fires once"


def test_sdp_error_applies_to_status_callbacks_only(sim: RunningSimulator) -> None:
    with pytest.raises(ApiError, match="sdp_error cannot change letter callbacks"):
        sim.control.add_fault("sdp_error", callback="letter")


def test_answer_completed(api: httpx.Client, sim: RunningSimulator, receiver: Receiver) -> None:
    order = place(api)
    sim.control.complete(order["id"])
    assert callback(receiver, order["id"], "formOrderStatus", "Completed")["formData"]


def test_answer_expired(api: httpx.Client, sim: RunningSimulator, receiver: Receiver) -> None:
    order = place(api)
    sim.control.expire(order["id"])
    assert callback(receiver, order["id"], "formOrderStatus", "Expired")["formData"] is None


def test_answer_physical_mail_returned(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, nationalId=PAPER, distributionRule="PaperOnly")
    sim.control.paper_returned(order["id"])
    callback(receiver, order["id"], "formOrderStatus", "PhysicalMailReturned")


def test_answer_digipost_delivered(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api, nationalId=HANNE, distributionRule="DigitalMailboxOnly")
    assert order["notificationChannel"] == "DigitalMailbox"
    view = EpromSimulator(sim).digipost_delivered(order["id"])  # the pytest plugin's handle
    assert view.status == "DigipostDelivered"
    body = callback(receiver, order["id"], "formOrderStatus", "DigipostDelivered")
    assert body["formData"] is None
    assert body["notificationChannel"] == 2


def test_digipost_delivered_needs_a_digital_mailbox_order(
    api: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(api)  # Helsenorge
    with pytest.raises(ApiError, match="not to a digital mailbox") as conflict:
        sim.control.digipost_delivered(order["id"])
    assert conflict.value.status == 409


def test_letter_sent(api: httpx.Client, receiver: Receiver) -> None:
    letter = api.post("/api/v2/messagetocitizen", json=LETTER).json()
    assert callback(receiver, letter["messageToCitizenId"], "sentStatus", 0)


def test_letter_sent_status_error(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    EpromSimulator(sim).inject_fault("sent_status_error", callback="letter")
    letter = api.post("/api/v2/messagetocitizen", json=LETTER).json()
    body = callback(receiver, letter["messageToCitizenId"], "sentStatus", 1)  # 1 = Error
    assert body["notificationChannel"] == 1

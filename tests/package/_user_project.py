"""A small pytest project of an ordering system that uses ``eprom_simulator``.

Its conftest registers the ordering system with its own key and points the simulator's
callbacks at a pytest-httpserver, the way an integrator's own test suite would; its tests
place an order, play the patient, receive the callbacks, inject a fault. Used from the
checkout (test_simulator_plugin.py) and from an installed wheel (test_wheel.py).
"""

from __future__ import annotations

USER_CONFTEST = """
import pytest
from eprom_verify.simulator import OrderingSystem, SimulatorSettings

KEY = "min-journal-test-key-0001"

@pytest.fixture(scope="session")
def eprom_simulator_settings(make_httpserver):
    system = OrderingSystem(name="min-journal", api_key=KEY,
                            callback_base_url=make_httpserver.url_for("/callbacks"))
    return SimulatorSettings(ordering_systems=[system])
"""

USER_TESTS = """
import datetime
import httpx
import pytest

FORM = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
PERSON = "26073941651"
ORDERS = []

def place_order(sim):
    expiry = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=14)
    body = {"formId": FORM, "nationalId": PERSON, "distributionRule": "Basic",
            "expiryDate": expiry.strftime("%Y-%m-%dT%H:%M:%S.000Z")}
    response = httpx.post(f"{sim.base_url}/api/v2/formorder", json=body,
                          headers={"Authorization": f"Basic {sim.api_key}"})
    assert response.status_code == 200, response.text
    return response.json()["id"]

def received(httpserver):
    return [r.get_json() for r, _ in httpserver.log if r.path == "/callbacks/api/PromsFormOrder"]

def test_order_and_answer(eprom_simulator, httpserver):
    httpserver.expect_request("/callbacks/api/PromsFormOrder", method="PUT").respond_with_json(
        {"success": True})
    assert eprom_simulator.api_key == "min-journal-test-key-0001"
    order_id = place_order(eprom_simulator)
    ORDERS.append(order_id)
    eprom_simulator.complete(order_id)
    eprom_simulator.wait_for_callbacks()
    callbacks = received(httpserver)
    assert [c["formOrderId"] for c in callbacks] == [order_id] * len(callbacks)
    assert len(callbacks) == 2   # the status callback, then the answer

def test_reset_before_each_test(eprom_simulator):
    from eprom_verify import ApiError
    with pytest.raises(ApiError):
        eprom_simulator.control.order(ORDERS[0])
    assert eprom_simulator.control.outbox() == []

def test_a_duplicate_fault(eprom_simulator, httpserver):
    httpserver.expect_request("/callbacks/api/PromsFormOrder", method="PUT").respond_with_json(
        {"success": True})
    eprom_simulator.inject_fault("duplicate", callback="status")
    order_id = place_order(eprom_simulator)
    eprom_simulator.wait_for_callbacks()
    assert [c["formOrderId"] for c in received(httpserver)] == [order_id, order_id]

def test_a_fault_that_does_not_exist(eprom_simulator):
    with pytest.raises(ValueError, match=r"^inject_fault\\('duplicat'\\): type: Input should be"):
        eprom_simulator.inject_fault("duplicat")

def test_waiting_for_a_held_callback_times_out(eprom_simulator, httpserver):
    from eprom_verify import CallbackTimeout
    httpserver.expect_request("/callbacks/api/PromsFormOrder", method="PUT").respond_with_json(
        {"success": True})
    eprom_simulator.inject_fault("delay", callback="status", seconds=30)
    place_order(eprom_simulator)
    with pytest.raises(CallbackTimeout, match="1 still pending"):
        eprom_simulator.wait_for_callbacks(timeout=0.3)

def test_one_simulator_per_session(eprom_simulator, eprom_simulator_server):
    assert eprom_simulator.running is eprom_simulator_server
    assert eprom_simulator.base_url.startswith("http://127.0.0.1:")
"""


#: What running the project must give.
USER_OUTCOMES = {"passed": 6}

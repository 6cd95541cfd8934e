"""Privacy settings: get, set, residents list (§3.6) and the change callback (§4.4)."""

from __future__ import annotations

import httpx
import pytest

from eprom_verify.contract import PersonvernInnstillingCallback
from eprom_verify.simulator import RunningSimulator, run_in_thread

from .conftest import KEY, LOOPBACK, PVK_RES, PVK_SAM, VERIFY, loopback_client, settings_for
from .receiver import Receiver

GET = "/api/v2/getpersonverninnstilling"
SET = "/api/v2/setpersonverninnstilling"
LIST = "/api/v2/get-residents-active-pi-for-definition"


def test_get_before_any_change_is_not_active(api: httpx.Client) -> None:
    body = api.post(GET, json={"nationalId": VERIFY, "type": 0, "pvkId": PVK_RES}).json()
    assert body["status"] == 0
    assert body["sequenceNumber"] == 0
    assert (body["id"], body["name"], body["type"]) == (PVK_RES, "Reservasjon mot registrering", 0)


def test_set_then_get_then_set_again(api: httpx.Client) -> None:
    first = api.post(
        SET, json={"nationalId": VERIFY, "pvkId": PVK_RES, "type": "Reservasjon", "status": "Aktiv"}
    )
    assert first.json() == {"instansEndret": 1}
    again = api.post(SET, json={"nationalId": VERIFY, "pvkId": PVK_RES, "type": 0, "status": 1})
    assert again.json() == {"instansEndret": 0}
    body = api.post(GET, json={"nationalId": VERIFY, "type": 0, "pvkId": PVK_RES}).json()
    assert (body["status"], body["sequenceNumber"]) == (1, 1)
    assert body["createdDateTimeOffset"]
    assert body["lastChangedDateTimeOffset"]


def test_residents_are_paged(receiver: Receiver) -> None:
    with run_in_thread(settings_for(receiver.base_url, residents_page_size=2)) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        people = ["12718410019", "26670271527", "26073941651", "21669020160", "17769630120"]
        for person in people:
            api.post(SET, json={"nationalId": person, "pvkId": PVK_SAM, "type": 1, "status": 1})
        api.post(SET, json={"nationalId": people[0], "pvkId": PVK_SAM, "type": 1, "status": 0})
        seen, reference, pages = [], 0, 0
        while True:
            page = api.post(LIST, json={"pvkId": PVK_SAM, "pagingReference": reference}).json()
            assert (page["id"], page["partKode"], page["type"]) == (PVK_SAM, "TESTSTUDIE", 1)
            seen += [item["nationalId"] for item in page["personvernInnstillinger"]]
            pages += 1
            reference = page["pagingReference"]
            if reference == 0:
                break
        assert sorted(seen) == sorted(people[1:])
        assert pages == 2


@pytest.mark.parametrize(
    ("path", "body", "fragment"),
    [
        (GET, {"type": 0, "pvkId": PVK_RES}, "nationalId must be given"),
        (GET, {"nationalId": "123", "type": 0, "pvkId": PVK_RES}, "11 characters"),
        (GET, {"nationalId": VERIFY, "pvkId": PVK_RES}, "type is missing"),
        (SET, {"nationalId": VERIFY, "pvkId": PVK_RES, "status": 1}, "type is missing"),
        (SET, {"nationalId": VERIFY, "pvkId": PVK_RES, "type": 0}, "status is missing"),
        (
            SET,
            {"nationalId": "1234567890123", "pvkId": PVK_RES, "type": 0, "status": 1},
            "11 characters",
        ),
        (LIST, {"pagingReference": 0}, "pvkId is missing"),
        (
            GET,
            {"nationalId": VERIFY, "type": 7, "pvkId": PVK_RES},
            "type: 7 is not a PersonvernType",
        ),
    ],
)
def test_bad_requests_are_400(
    api: httpx.Client, path: str, body: dict[str, object], fragment: str
) -> None:
    response = api.post(path, json=body)
    assert response.status_code == 400
    assert fragment in response.text


@pytest.mark.parametrize("path", [GET, SET, LIST])
def test_wrong_key_is_401(anon: httpx.Client, path: str) -> None:
    response = anon.post(
        path,
        json={"nationalId": VERIFY, "type": 0, "status": 1, "pvkId": PVK_RES},
        headers={"Authorization": "Basic wrong"},
    )
    assert response.status_code == 401


def test_unknown_definition_is_400_naming_the_known_ones(api: httpx.Client) -> None:
    response = api.post(
        GET, json={"nationalId": VERIFY, "type": 0, "pvkId": "11111111-2222-3333-4444-555555555555"}
    )
    assert response.status_code == 400
    assert "is not a known privacy-setting definition" in response.text
    assert PVK_RES in response.text


def test_citizen_change_calls_back_with_the_key_in_the_header(
    sim: RunningSimulator, receiver: Receiver, api: httpx.Client
) -> None:
    ids = sim.control.change_personvern(VERIFY, PVK_RES, "RES", ordering_system="test-system")
    assert len(ids) == 1
    [callback] = receiver.wait_for(1)
    assert callback.path.endswith("/api/PersonvernInnstilling")
    assert callback.headers["authorization"] == f"Basic {KEY}"
    assert callback.body == {
        "nationalId": VERIFY,
        "id": PVK_RES,
        "name": "Reservasjon mot registrering",
        "status": "RES",
    }
    PersonvernInnstillingCallback.from_wire(callback.body)
    body = api.post(GET, json={"nationalId": VERIFY, "type": 0, "pvkId": PVK_RES}).json()
    assert body["status"] == 1


def test_citizen_change_must_match_the_definition_type(sim: RunningSimulator) -> None:
    response = LOOPBACK.post(
        f"{sim.root_url}/_simulator/personvern/change",
        json={"nationalId": VERIFY, "pvkId": PVK_RES, "status": "SAM"},
    )
    assert response.status_code == 400
    assert "use RES or IRES" in response.text


def test_citizen_change_tells_every_ordering_system_by_default(sim: RunningSimulator) -> None:
    systems = LOOPBACK.get(f"{sim.root_url}/_simulator/ordering-systems").json()
    ids = sim.control.change_personvern(VERIFY, PVK_SAM, "SAM")
    assert len(ids) == len(systems)
    assert {c.ordering_system for c in sim.control.outbox()} == {s["name"] for s in systems}


def test_the_ordering_systems_own_change_is_not_told_by_default(sim: RunningSimulator) -> None:
    api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
    body = {"nationalId": VERIFY, "pvkId": PVK_RES, "type": 0, "status": 1}
    assert api.post(SET, json=body).json() == {"instansEndret": 1}
    assert sim.control.outbox() == []


def test_report_own_privacy_changes_tells_each_change_not_a_same_status(
    receiver: Receiver,
) -> None:
    """``reportOwnPrivacyChanges``: a remote ePROM that replicates every change back."""
    settings = settings_for(receiver.base_url, report_own_privacy_changes=True)
    with run_in_thread(settings) as sim:
        api = loopback_client(base_url=sim.base_url, headers={"Authorization": f"Basic {KEY}"})
        for status in (1, 1, 0):  # set, the same again (no change), restore
            api.post(
                SET, json={"nationalId": VERIFY, "pvkId": PVK_SAM, "type": 1, "status": status}
            )
        callbacks = receiver.wait_for(2)
        # one callback per change; the lane's workers deliver concurrently, so two changes
        # made back to back may arrive in either order (docs/simulator.md, "Delivery")
        assert sorted(c.body["status"] for c in callbacks) == ["ISAM", "SAM"]
        assert all(c.headers["authorization"] == f"Basic {KEY}" for c in callbacks)

"""observe's relay forwards requests that arrive together on clients of their own.

Each front answers a request in a thread of its own and forwards it upstream; one
``httpx.Client`` shared by those threads could lose a request to httpcore's pool (a
kept-alive connection closed under it by another thread: ``tests/test_http_shared.py``),
and observe would then answer the system under test 502 and record a failure that neither
the system nor ePROM made.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx

from eprom_verify._http import SharedClient
from eprom_verify.observe.scenario import Scenario, build_scenario
from eprom_verify.observe.session import Observation, ObservationSettings

KEY = "observe-threads-key-5a1c9e"


def test_requests_that_arrive_together_are_forwarded_on_clients_of_their_own() -> None:
    settings = ObservationSettings(
        system_callback_url="http://127.0.0.1:9/cb", api_key=KEY, redeliver=False, patient=False
    )

    def scenario_for(base: str) -> Scenario:
        return build_scenario(proms_api_base_url=base, system_callback_url="http://127.0.0.1:9")

    with Observation(settings, scenario_for) as observation:
        relay = observation._client
        assert isinstance(relay, SharedClient), f"the relay forwards on {type(relay).__name__}"
        url = f"{observation.proms_api_base_url}/api/v2/getpersonverninnstilling"

        def ask(_: int) -> httpx.Response:
            with httpx.Client(trust_env=False, timeout=30) as sender:
                return sender.post(url, json={}, headers={"Authorization": f"Basic {KEY}"})

        with ThreadPoolExecutor(6) as pool:
            answers = list(pool.map(ask, range(6)))
    relayed = [a for a in answers if not a.text.startswith("eprom-verify:")]
    assert len(relayed) == 6, [f"{a.status_code} {a.text[:200]}" for a in answers]
    assert 1 <= relay.made <= 6

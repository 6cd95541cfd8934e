"""OpenAPI, webhooks, Swagger UI (offline), CORS, the patient portal page."""

from __future__ import annotations

import httpx

from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.app import swagger_assets

from .conftest import LOOPBACK


def test_openapi_lists_every_endpoint_and_the_webhooks(sim: RunningSimulator) -> None:
    schema = LOOPBACK.get(f"{sim.root_url}/openapi.json").json()
    paths = set(schema["paths"])
    assert {
        "/promswebapi/api/v2/formorder",
        "/promswebapi/api/v2/messagetocitizen",
        "/promswebapi/api/unsecuremessagesms",
        "/promswebapi/api/unsecuremessageemail",
        "/promswebapi/api/ExternalDocument/{signedFormId}",
        "/promswebapi/api/v2/getpersonverninnstilling",
        "/promswebapi/api/v2/setpersonverninnstilling",
        "/promswebapi/api/v2/get-residents-active-pi-for-definition",
        "/_simulator/orders/{order_id}/complete",
        "/_simulator/faults",
    } <= paths
    assert set(schema["webhooks"]) == {
        "PromsFormOrder",
        "MessageToCitizen",
        "PersonvernInnstilling",
    }
    control = schema["paths"]["/_simulator/reset"]["post"]
    assert control["tags"] == ["simulator control"]
    order = schema["paths"]["/promswebapi/api/v2/formorder"]["post"]
    assert {"400", "401", "502", "504"} <= set(order["responses"])
    assert "422" not in order["responses"]


def test_swagger_ui_is_served_from_local_files(sim: RunningSimulator) -> None:
    assert swagger_assets() is not None, "install swagger-ui-bundle-v2 for an offline Swagger UI"
    page = LOOPBACK.get(f"{sim.root_url}/swagger")
    assert page.status_code == 200
    assert "/swagger/static/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    bundle = LOOPBACK.get(f"{sim.root_url}/swagger/static/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert len(bundle.content) > 100_000
    assert LOOPBACK.get(f"{sim.root_url}/PromsWebApi/swagger/index.html").status_code == 200


def test_cors_preflight_and_simple_requests_for_any_origin(sim: RunningSimulator) -> None:
    preflight = httpx.options(
        f"{sim.base_url}/api/v2/formorder",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    simple = LOOPBACK.post(
        f"{sim.base_url}/api/v2/formorder", json={}, headers={"Origin": "https://example.org"}
    )
    assert simple.headers["access-control-allow-origin"] == "*"


def test_the_login_url_page_exists(sim: RunningSimulator) -> None:
    page = LOOPBACK.get(f"{sim.root_url}/proms/")
    assert page.status_code == 200
    assert "simulert" in page.text

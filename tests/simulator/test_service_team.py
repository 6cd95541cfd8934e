"""A simulator a team can share: the control token, CORS per path, reset per ordering system
(issue 22, item 3)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from eprom_verify._exceptions import UsageError
from eprom_verify.cli.simulator import main
from eprom_verify.simulator import OrderingSystem, RunningSimulator, run_in_thread
from eprom_verify.simulator.settings import is_loopback

from .conftest import KEY, LOOPBACK, loopback_client, order_body, settings_for
from .receiver import Receiver

TOKEN = "team-token-0b9c8d7e6f5a4b3c"
OTHER_KEY = "other-key-7c1e9b0a2d4f6e83"


@pytest.fixture
def guarded(shared_receiver: Receiver) -> Iterator[RunningSimulator]:
    settings = settings_for(shared_receiver.base_url, control_token=TOKEN)
    with run_in_thread(settings) as running:
        yield running


# --- the control token ---------------------------------------------------------------


def test_the_control_api_refuses_without_the_token(guarded: RunningSimulator) -> None:
    root = guarded.root_url
    missing = LOOPBACK.post(root + "/_simulator/reset")
    assert missing.status_code == 401
    assert missing.text == (
        "the control API needs the control token: send 'Authorization: Bearer <token>' "
        "with the simulator's EPROM_SIM_CONTROL_TOKEN"
    )
    assert missing.headers["www-authenticate"].startswith("Bearer ")
    for authorization in (
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        "Bearer",
        TOKEN,
        f"Bearer {TOKEN[:-1]}",
    ):
        wrong = LOOPBACK.get(root + "/_simulator/outbox", headers={"Authorization": authorization})
        assert wrong.status_code == 401, authorization
        assert wrong.text.startswith("the control token is wrong")
    assert TOKEN not in missing.text + wrong.text
    for path in ("/_simulator/ordering-systems", "/_simulator/requests", "/_simulator/faults"):
        assert LOOPBACK.get(root + path).status_code == 401, path


def test_the_control_api_accepts_the_token(guarded: RunningSimulator) -> None:
    root = guarded.root_url
    answer = LOOPBACK.get(root + "/_simulator/outbox", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200
    assert guarded.control.reset() == 1  # the client of run_in_thread sends the token
    with loopback_client(
        base_url=guarded.base_url, headers={"Authorization": f"Basic {KEY}"}
    ) as api:
        assert api.post("/api/v2/formorder", json=order_body()).status_code == 200


def test_health_and_the_index_need_no_token(guarded: RunningSimulator) -> None:
    for path in ("/_simulator/health", "/health", "/_simulator", "/", "/openapi.json"):
        assert LOOPBACK.get(guarded.root_url + path).status_code == 200, path
    index = LOOPBACK.get(guarded.root_url + "/_simulator").json()
    assert index["token"].startswith("required")
    assert "POST /_simulator/reset" in index["controlApi"]


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.1.2.3", True),
        ("::1", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.20", False),
        ("sim.example", False),
    ],
)
def test_what_counts_as_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_beyond_loopback_the_cli_refuses_to_start_without_a_token(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EPROM_SIM_CONTROL_TOKEN", raising=False)
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "eprom-verify simulator: refusing to listen on 0.0.0.0 without a control token: "
        "anyone who reaches it could reset every team's orders — set EPROM_SIM_CONTROL_TOKEN "
        "(or --control-token), or listen on 127.0.0.1\n"
    )
    monkeypatch.setenv("EPROM_SIM_CONTROL_TOKEN", "short")
    assert main(["--host", "0.0.0.0", "--port", "0"]) == 2
    assert "the control token has 5 characters, fewer than 12" in capsys.readouterr().err


def test_beyond_loopback_run_in_thread_requires_a_token(shared_receiver: Receiver) -> None:
    with pytest.raises(UsageError, match="without a control token"):
        with run_in_thread(settings_for(shared_receiver.base_url), host="0.0.0.0"):
            pass  # pragma: no cover - refused before binding


def test_beyond_loopback_with_a_token_the_control_api_requires_it(
    shared_receiver: Receiver,
) -> None:
    # binds 0.0.0.0 on a free port; every request below goes to 127.0.0.1 only
    settings = settings_for(shared_receiver.base_url, control_token=TOKEN)
    with run_in_thread(settings, host="0.0.0.0") as sim:
        root = f"http://127.0.0.1:{sim.port}"
        assert LOOPBACK.get(root + "/_simulator/outbox").status_code == 401
        assert sim.control.outbox() == []


# --- cross-origin --------------------------------------------------------------------


def test_cors_only_on_eproms_paths(sim: RunningSimulator) -> None:
    origin = {"Origin": "http://localhost:3000"}
    preflight = {
        **origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    for path in ("/promswebapi/api/v2/formorder", "/WebApi/api/v2/FormOrder"):
        answer = httpx.options(sim.root_url + path, headers=preflight)
        assert answer.status_code == 200, path
        assert answer.headers["access-control-allow-origin"] in ("*", "http://localhost:3000")
    assert (
        LOOPBACK.get(sim.root_url + "/openapi.json", headers=origin).headers[
            "access-control-allow-origin"
        ]
        == "*"
    )
    control = httpx.options(sim.root_url + "/_simulator/reset", headers=preflight)
    assert "access-control-allow-origin" not in control.headers
    assert control.status_code in (403, 405)
    swagger = LOOPBACK.get(sim.root_url + "/swagger", headers=origin)
    assert "access-control-allow-origin" not in swagger.headers


def test_without_a_token_a_page_of_another_origin_cannot_drive_the_control_api(
    sim: RunningSimulator,
) -> None:
    evil = LOOPBACK.post(sim.root_url + "/_simulator/reset", headers={"Origin": "http://evil.test"})
    assert evil.status_code == 403
    assert "another origin (http://evil.test)" in evil.text
    own = LOOPBACK.post(sim.root_url + "/_simulator/reset", headers={"Origin": sim.root_url})
    assert own.status_code == 200
    assert LOOPBACK.post(sim.root_url + "/_simulator/reset").status_code == 200  # no browser


def test_with_a_token_the_control_api_sends_no_cors_headers(guarded: RunningSimulator) -> None:
    answer = LOOPBACK.get(
        guarded.root_url + "/_simulator/outbox",
        headers={"Origin": "http://localhost:3000", "Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


# --- reset per ordering system -------------------------------------------------------


def test_a_reset_of_one_ordering_system_leaves_the_others(receiver: Receiver) -> None:
    settings = settings_for(receiver.base_url)
    other = OrderingSystem(name="other", api_key=OTHER_KEY, callback_base_url=receiver.base_url)
    settings = settings.model_copy(update={"ordering_systems": [*settings.ordering_systems, other]})
    with run_in_thread(settings) as sim:
        orders = {}
        for name, key in (("test-system", KEY), ("other", OTHER_KEY)):
            with loopback_client(
                base_url=sim.base_url, headers={"Authorization": f"Basic {key}"}
            ) as api:
                answer = api.post("/api/v2/formorder", json=order_body())
                assert answer.status_code == 200, answer.text
                orders[name] = answer.json()["id"]
        receiver.wait_for(2)
        sim.control.wait_for_idle()
        assert sim.control.reset(ordering_system="other") >= 2  # the order and its callback
        assert sim.control.order(orders["test-system"]).id == orders["test-system"]
        gone = LOOPBACK.get(f"{sim.root_url}/_simulator/orders/{orders['other']}")
        assert gone.status_code == 404
        assert {row.ordering_system for row in sim.control.outbox()} == {"test-system"}
        journal = sim.control.requests()
        assert [e["path"] for e in journal if e["orderingSystem"] == "other"] == [
            "/_simulator/reset"  # the reset itself, nothing from before it
        ]
        assert any(e["orderingSystem"] == "test-system" for e in journal)
        registered = LOOPBACK.get(sim.root_url + "/_simulator/ordering-systems").json()
        assert [system["name"] for system in registered] == ["test-system", "other"]  # kept


def test_a_reset_of_an_unknown_ordering_system_is_404(sim: RunningSimulator) -> None:
    answer = LOOPBACK.post(sim.root_url + "/_simulator/reset", params={"orderingSystem": "nobody"})
    assert answer.status_code == 404
    assert answer.text.startswith("no ordering system named 'nobody' — registered: test-system")

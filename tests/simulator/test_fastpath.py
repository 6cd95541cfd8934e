"""The form order's hot path (:mod:`eprom_verify.simulator.fastpath`) answers as FastAPI does,
and its status-callback template and key splice write what the model and ``json`` write.

Every request goes to two simulators, one with the hot path and one without
(``fast_path=False``), and the answers — status, content type, body with generated ids
masked — must be the same, as must the status callbacks queued, the journal's warnings and
the order in which the checks fire. A request the hot path does not take (401, bad JSON, …)
must be counted as handed on, so a hot path that answered errors itself would show.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eprom_verify.contract import NotificationChannel
from eprom_verify.simulator import RunningSimulator, run_in_thread
from eprom_verify.simulator.orders import _status_model, status_body
from eprom_verify.simulator.outbox import _with_key
from eprom_verify.simulator.wire import wire_json

from .conftest import (
    KEY,
    RAND12,
    UNKNOWN,
    UNREACHABLE,
    VERIFY,
    loopback_client,
    order_body,
    settings_for,
)
from .receiver import Receiver

_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_CODE = re.compile(r'"singleUseCode":"[A-Z0-9]{8}"')
_PORT = re.compile(r"127\.0\.0\.1:\d+")
_NOW = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z?")


@pytest.fixture(scope="module")
def pair(shared_receiver: Receiver) -> Iterator[tuple[RunningSimulator, RunningSimulator]]:
    fast_rx = shared_receiver.view("fast")
    slow_rx = shared_receiver.view("slow")
    with (
        run_in_thread(settings_for(fast_rx.base_url)) as fast,
        run_in_thread(settings_for(slow_rx.base_url, fast_path=False)) as slow,
    ):
        yield fast, slow
        fast.check_errors()
        slow.check_errors()


def _masked(text: str) -> str:
    nil = "00000000-0000-0000-0000-000000000000"
    text = _GUID.sub(lambda m: m[0] if m[0] == nil else "<id>", text)
    return _PORT.sub("<host>", _CODE.sub('"singleUseCode":"<code>"', text))


def _send(sim: RunningSimulator, content: bytes, headers: dict[str, str]) -> httpx.Response:
    with loopback_client(timeout=30) as client:
        return client.post(f"{sim.base_url}/api/v2/formorder", content=content, headers=headers)


def _both(
    pair: tuple[RunningSimulator, RunningSimulator], content: bytes, headers: dict[str, str]
) -> tuple[httpx.Response, httpx.Response, int]:
    fast, slow = pair
    path = fast.app.state.fast_path
    answered = path.answered
    a = _send(fast, content, headers)
    b = _send(slow, content, headers)
    assert b.status_code == a.status_code, (
        f"status: hot path {a.status_code} {a.text[:200]!r}, FastAPI {b.status_code} {b.text[:200]!r}"
    )
    assert a.headers["content-type"] == b.headers["content-type"]
    assert _masked(a.text) == _masked(b.text), (
        f"answers differ:\n hot path: {a.text}\n FastAPI:  {b.text}"
    )
    return a, b, path.answered - answered


JSON = {"Authorization": f"Basic {KEY}", "Content-Type": "application/json; charset=utf-8"}


def _json(**overrides: Any) -> bytes:
    return json.dumps(order_body(**overrides)).encode()


ANSWERED = {
    "plain order": (_json(), JSON),
    "PascalCase names": (
        json.dumps({"FormId": RAND12, "NationalId": VERIFY, "ExpiryDate": "2030-01-01"}).encode(),
        JSON,
    ),
    "rule by number": (_json(distributionRule=3), JSON),
    "NoDistribution": (_json(distributionRule="NoDistribution"), JSON),
    "unreachable person": (_json(nationalId=UNREACHABLE), JSON),
    "not in the registry": (_json(nationalId=UNKNOWN), JSON),
    "unknown form (refused by the desk)": (
        _json(formId="00000000-1111-2222-3333-444444444444"),
        JSON,
    ),
    "metadata not JSON (refused by the desk)": (_json(metadata="{nope"), JSON),
    "unknown fields left out": (_json(extra="x", Another=1), JSON),
    "expiry in the past (warning)": (_json(expiryDate="2001-01-01T00:00:00"), JSON),
    "only a name on paper (warning)": (
        _json(distributionRule="PaperOnly", physicalAddress={"fullName": "Kari"}),
        JSON,
    ),
}

HANDED_ON = {
    "no key": (_json(), {"Content-Type": "application/json"}),
    "wrong key": (_json(), {**JSON, "Authorization": "Basic not-a-key-at-all"}),
    "key as base64": (_json(), {**JSON, "Authorization": "Basic dXNlcjp0ZXN0LWtleS01ZjBl"}),
    "not JSON": (b"{not json", JSON),
    "not UTF-8": (b'{"formId": "\xff"}', JSON),
    "empty body": (b"", JSON),
    "text/plain": (_json(), {**JSON, "Content-Type": "text/plain"}),
    "no content type": (_json(), {"Authorization": f"Basic {KEY}"}),
    "boolean as number": (_json(testMode=0), JSON),
    "metadata as object": (_json(metadata={"age": 76}), JSON),
    "missing formId": (json.dumps({"nationalId": VERIFY}).encode(), JSON),
    "bad GUID": (_json(formId="x"), JSON),
    "outside Int64": (_json(distributionRule=2**64), JSON),
    "a list": (b"[]", JSON),
}


@pytest.mark.parametrize("case", list(ANSWERED))
def test_the_hot_path_answers_as_fastapi_does(
    pair: tuple[RunningSimulator, RunningSimulator], case: str
) -> None:
    content, headers = ANSWERED[case]
    _, _, taken = _both(pair, content, headers)
    assert taken == 1, f"{case}: the hot path should have answered it, FastAPI did"


@pytest.mark.parametrize("case", list(HANDED_ON))
def test_every_other_request_is_answered_by_fastapi(
    pair: tuple[RunningSimulator, RunningSimulator], case: str
) -> None:
    content, headers = HANDED_ON[case]
    _, _, taken = _both(pair, content, headers)
    assert taken == 0, f"{case}: the hot path answered a request it should hand on"


def test_the_same_status_callback_and_journal(
    pair: tuple[RunningSimulator, RunningSimulator],
) -> None:
    fast, slow = pair
    a, b, _ = _both(pair, _json(expiryDate="2001-01-01T00:00:00"), JSON)
    views = []
    for sim, answer in ((fast, a), (slow, b)):
        order = sim.control.order(answer.json()["id"])
        status = [c for c in order.callbacks if c.kind == "status"]
        assert len(status) == 1, order
        entry = sim.control.requests(path="/promswebapi/api/v2/formorder", limit=1)[0]
        views.append(
            (
                _NOW.sub("<now>", _masked(json.dumps(status[0].body))),
                entry["warnings"],
                entry["status"],
            )
        )
    assert views[0] == views[1]
    assert views[0][1], "the past expiryDate should be a warning in the journal"


def test_a_helsenorge_fault_fires_once_on_either_path(
    pair: tuple[RunningSimulator, RunningSimulator],
) -> None:
    for sim in pair:
        sim.control.add_fault("helsenorge_502", callback="status", times=1)
    a, _, taken = _both(pair, _json(), JSON)
    assert (a.status_code, taken) == (502, 1)
    again, _, _ = _both(pair, _json(), JSON)
    assert again.status_code == 200


@pytest.mark.parametrize("reached", [True, False])
@pytest.mark.parametrize("channel", list(NotificationChannel))
def test_the_status_template_writes_what_the_model_writes(
    channel: NotificationChannel, reached: bool
) -> None:
    order_id = str(uuid.uuid4())
    for now in (
        dt.datetime(2026, 3, 29, 0, 59, 59, 999999, tzinfo=dt.UTC),  # DST starts at 01:00Z
        dt.datetime(2026, 10, 25, 1, 0, 0, 1, tzinfo=dt.UTC),
        dt.datetime.now(dt.UTC),
    ):
        model = wire_json(_status_model(order_id, channel, now, reached=reached))
        assert status_body(order_id, channel, now, reached=reached) == model


@pytest.mark.parametrize(
    "body", ['{"formOrderId": "x", "n": 1}', '{"a": "ø\\"apiKey\\"", "b": [1, 2.5, null]}', "{}"]
)
def test_the_key_spliced_in_is_the_key_dumped_in(body: str) -> None:
    data = json.loads(body)
    for key in ('k-ø-"quoted"-\\', "plain-key"):
        assert _with_key(body, key) == json.dumps({"apiKey": key, **data}, ensure_ascii=False)


@pytest.mark.filterwarnings("ignore:Using `httpx` with `starlette.testclient`")
def test_a_form_order_through_an_asgi_client_that_gives_the_server_as_a_list() -> None:
    """The ASGI spec lets ``scope["server"]`` be any two-item iterable; Starlette's TestClient
    (and so a Python integrator testing against the app in-process) gives a list. The hot
    path keyed a dict on it and answered every form order with a 500 (Schemathesis's
    ``from_asgi`` found it)."""
    from starlette.testclient import TestClient

    from eprom_verify.simulator.app import create_app

    app = create_app(settings_for("http://127.0.0.1:9/nowhere", retry_base_seconds=60))
    with TestClient(app, raise_server_exceptions=True) as client:
        answer = client.post(
            "/promswebapi/api/v2/formorder",
            json=order_body(),
            headers={"Authorization": f"Basic {KEY}"},
        )
        again = client.post(  # the second order reads the remembered root URL
            "/promswebapi/api/v2/formorder",
            json=order_body(),
            headers={"Authorization": f"Basic {KEY}"},
        )
    assert (answer.status_code, again.status_code) == (200, 200), answer.text
    assert answer.json()["loginUrl"].startswith("http://testserver/"), answer.json()

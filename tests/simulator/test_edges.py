"""The edges of issue 15: the answer's timeline, FastAPI's defaults, the letter's key, …"""

from __future__ import annotations

import asyncio
import datetime as dt
import socket

import httpx
import pytest

from eprom_verify.contract import parse_timestamp
from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.app import create_app
from eprom_verify.simulator.server import KEEP_ALIVE_SECONDS, bind, uvicorn_config

from .conftest import LOOPBACK, SIDE_EFFECTS, VISIT, order_body, place, settings_for, settled
from .receiver import Receiver


def _moment(text: str) -> dt.datetime:
    """A documented timestamp as an aware UTC moment (no zone: UTC for the event log)."""
    moment = parse_timestamp(text)
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


@pytest.mark.parametrize(("form", "sign"), [(VISIT, False), (SIDE_EFFECTS, True)])
def test_the_answer_timeline_is_possible(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver, form: str, sign: bool
) -> None:
    """Order created ≤ FormOpened ≤ … ≤ FormDelivered ≤ the answer's timestamp."""
    order = place(api, formId=form)
    sim.control.complete(order["id"], sign=sign)
    callbacks = receiver.wait_for(2)
    [status] = [c.body for c in callbacks if c.body["formOrderStatus"] == "Ordered"]
    [answer] = [c.body for c in callbacks if c.body["formOrderStatus"] == "Completed"]
    created = _moment(status["timestampUtc"])
    submitted = _moment(answer["timestamp"])
    events = answer["formOrderEventLog"]
    moments = [_moment(event["timestampUtc"]) for event in events]
    assert events[0]["eventType"] == "FormOpened"
    assert events[-1]["eventType"] == "FormDelivered"
    assert created <= moments[0], f"FormOpened {moments[0]} is before the order {created}"
    assert moments == sorted(moments), f"events out of order: {moments}"
    assert moments[-1] <= submitted, f"FormDelivered {moments[-1]} after timestamp {submitted}"
    assert submitted - created < dt.timedelta(seconds=5), "the answer is not invented later"


def test_an_expired_answer_is_not_stamped_before_the_order(
    api: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    order = place(api)
    sim.control.expire(order["id"])
    callbacks = receiver.wait_for(2)
    [status] = [c.body for c in callbacks if c.body["formOrderStatus"] == "Ordered"]
    [expired] = [c.body for c in callbacks if c.body["formOrderStatus"] == "Expired"]
    assert _moment(status["timestampUtc"]) <= _moment(expired["timestamp"])


# --- FastAPI's defaults do not leak through ---------------------------------------------


def test_unknown_paths_are_a_plain_text_404(sim: RunningSimulator) -> None:
    for url in (f"{sim.base_url}/api/v2/nothing", f"{sim.root_url}/nothing"):
        response = LOOPBACK.get(url)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/plain")
        assert "detail" not in response.text
        assert "/promswebapi/api/" in response.text


def test_a_wrong_method_is_a_plain_text_405_listing_every_method(sim: RunningSimulator) -> None:
    response = LOOPBACK.get(f"{sim.base_url}/api/v2/formorder", headers={"Authorization": "x"})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("text/plain")
    assert response.headers["allow"] == "POST"
    assert response.text == "GET is not allowed on /promswebapi/api/v2/formorder: use POST"
    faults = LOOPBACK.request("OPTIONS", f"{sim.root_url}/_simulator/faults")  # no Origin
    assert faults.status_code == 405
    assert faults.headers["allow"] == "DELETE, GET, POST"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v2/formorder",
        "/api/v2/getpersonverninnstilling",
        "/api/v2/setpersonverninnstilling",
        "/api/v2/get-residents-active-pi-for-definition",
    ],
)
@pytest.mark.parametrize("authorization", [None, "Basic not-a-key"])
def test_the_401_comes_before_reading_the_body(
    sim: RunningSimulator, path: str, authorization: str | None
) -> None:
    headers = {"Content-Type": "application/json"}
    if authorization is not None:
        headers["Authorization"] = authorization
    for content in (b'{"formId": "\xff\xfe"}', b"not json", b""):
        response = LOOPBACK.post(f"{sim.base_url}{path}", content=content, headers=headers)
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("text/plain")


def test_a_body_that_is_not_utf8_is_a_plain_text_400_with_the_key(api: httpx.Client) -> None:
    response = api.post(
        "/api/v2/formorder",
        content=b'{"formId": "\xff\xfe"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "detail" not in response.text
    assert "UTF-8" in response.text


def test_a_body_that_is_not_utf8_without_a_body_key_is_a_plain_text_400(
    anon: httpx.Client,
) -> None:
    response = anon.post(
        "/api/unsecuremessagesms",
        content=b'{"apiKey": "\xff"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/plain")
    assert "detail" not in response.text


# --- keep-alive ---------------------------------------------------------------------------


def test_idle_keep_alive_connections_outlive_a_client_pool(receiver: Receiver) -> None:
    """The server keeps idle connections 75 s (uvicorn's default is 5, httpx expires at 5)."""
    config = uvicorn_config(create_app(settings_for(receiver.base_url)))
    assert config.timeout_keep_alive == KEEP_ALIVE_SECONDS == 75


def _read_answer(sock: socket.socket) -> bytes:
    """One whole HTTP answer (headers and its Content-Length body) from ``sock``."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(4096)
    return head


@pytest.mark.slow  # 5.5 s idle by its nature (past uvicorn's 5 s); CI runs it, not the quick loop
def test_a_connection_idle_longer_than_uvicorns_default_is_still_open(
    sim: RunningSimulator,
) -> None:
    """Behaviour, not only the setting: one socket, two requests 5.5 s apart."""
    request = (f"GET /_simulator/faults HTTP/1.1\r\nHost: 127.0.0.1:{sim.port}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", sim.port), timeout=10) as sock:
        sock.sendall(request)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200")
        sock.settimeout(5.5)
        with pytest.raises(TimeoutError):  # the server does not close it (recv → b"")
            sock.recv(1)
        sock.settimeout(10)
        sock.sendall(request)
        assert _read_answer(sock).startswith(b"HTTP/1.1 200")


def test_the_listening_socket_is_tcp_so_answers_are_not_held_back() -> None:
    """asyncio sets TCP_NODELAY only when the socket's proto says TCP."""
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
    finally:
        sock.close()


def _nodelay_of_accepted(listening: socket.socket) -> int:
    """TCP_NODELAY of a connection asyncio (as uvicorn) accepts on ``listening``."""

    async def accept_one() -> int:
        seen: list[int] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connection = writer.get_extra_info("socket")
            seen.append(connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listening)
        port = server.sockets[0].getsockname()[1]
        async with server:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            await reader.read()  # until the server closes it: handle has run
            writer.close()
        assert len(seen) == 1
        return seen[0]

    return asyncio.run(accept_one())


def test_keep_alive_requests_are_not_delayed_by_nagle() -> None:
    """Before TCP_NODELAY every request on a kept-alive connection waited ~40 ms.

    Checked where it is decided, not by timing requests (the machine is shared): a
    connection accepted on the simulator's listening socket has Nagle's algorithm off; on
    a socket made the usual way (proto 0) asyncio leaves it on.
    """
    assert _nodelay_of_accepted(bind("127.0.0.1", 0)) != 0, "Nagle is on: answers wait ~40 ms"
    usual = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    usual.bind(("127.0.0.1", 0))
    assert _nodelay_of_accepted(usual) == 0, "the contrast case: proto 0 leaves Nagle on"


# --- JSON types as ASP.NET Core binds them --------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        ("testMode", 0, "testMode: Input should be a valid boolean"),
        ("mustBeSigned", "true", "mustBeSigned: Input should be a valid boolean"),
        ("nationalId", 26670271527, "nationalId: Input should be a valid string"),
        ("metadata", {"age": 76}, "metadata: must be a string holding a JSON object"),
    ],
)
def test_a_json_value_of_the_wrong_type_is_a_400_naming_the_field(
    api: httpx.Client,
    receiver: Receiver,
    sim: RunningSimulator,
    field: str,
    value: object,
    text: str,
) -> None:
    response = api.post("/api/v2/formorder", json=order_body(**{field: value}))
    assert response.status_code == 400
    assert response.text.startswith(text), response.text
    assert settled(sim, receiver) == []


def test_enums_still_take_a_name_in_any_case_or_a_number(api: httpx.Client) -> None:
    for rule in ("basic", 0, "0", "Basic"):
        assert (
            api.post("/api/v2/formorder", json=order_body(distributionRule=rule)).status_code == 200
        )


def test_the_control_api_is_strict_too(sim: RunningSimulator) -> None:
    response = LOOPBACK.post(
        f"{sim.root_url}/_simulator/faults", json={"type": "delay", "seconds": False}
    )
    assert (response.status_code, response.text) == (
        400,
        "seconds: Input should be a valid number",
    )

"""The callback listener on its own: parsing, acknowledging, waiting, the port."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest

from eprom_verify._exceptions import PortInUse
from eprom_verify.config.settings import Secret
from eprom_verify.contract import CallbackKind
from eprom_verify.run.listener import CallbackListener

KEY = "listener-test-key-0123456789"
PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"


def payload(name: str, **changes) -> dict:
    return {**json.loads((PAYLOADS / f"{name}.json").read_text("utf-8")), **changes}


@pytest.fixture(scope="module")
def running_listener():
    """One listener a module: stopping one waits up to 0.5 s (werkzeug's poll interval)."""
    with CallbackListener(api_key=Secret(KEY), path_prefix="/eprom") as running:
        yield running


@pytest.fixture
def listener(running_listener):
    """Empty for each test: ``clear()`` also starts the numbering again, as a fresh one."""
    running_listener.clear()
    yield running_listener
    running_listener.clear()


def test_each_callback_is_parsed_numbered_and_acknowledged(listener):
    status = payload("form_order_status_callback_ordered", apiKey=KEY)
    answer = payload("form_answer_callback", apiKey=KEY)
    letter = payload("message_to_citizen_callback", apiKey=KEY)
    privacy = payload("personverninnstilling_callback")
    answers = [
        httpx.put(listener.url + "/api/PromsFormOrder", json=status),
        httpx.put(listener.url + "/api/promsformorder/", json=answer),
        httpx.put(listener.url + "/api/MessageToCitizen", json=letter),
        httpx.put(
            listener.url + "/api/PersonvernInnstilling",
            json=privacy,
            headers={"Authorization": f"Basic {KEY}"},
        ),  # fmt: skip
    ]
    assert [a.json() for a in answers] == [{"success": True}] * 4
    got = listener.received()
    assert [c.kind for c in got] == [
        CallbackKind.STATUS, CallbackKind.ANSWER, CallbackKind.LETTER, CallbackKind.PRIVACY,
    ]  # fmt: skip
    assert [c.seq for c in got] == [1, 2, 3, 4]
    assert got[0].status_value == "Ordered"
    assert got[1].status_value == "Completed"
    assert got[0].label.en.startswith("callback #1 (status, ")
    assert got[0].label.nb.startswith("tilbakekall #1 (status, ")


def test_a_wrong_key_or_a_broken_body_is_refused(listener):
    forged = httpx.put(
        listener.url + "/api/PromsFormOrder",
        json=payload("form_order_status_callback_ordered", apiKey="forged"),
    )
    broken = httpx.put(listener.url + "/api/PromsFormOrder", content=b"{not json")
    assert forged.json() == {"success": False}
    assert broken.status_code == 400
    first, second = listener.received()
    assert first.key_ok is False
    assert second.error is not None
    assert second.error.en.startswith("the body is not JSON")
    assert KEY not in repr(listener)


def test_wait_for_returns_as_soon_as_the_callback_is_there(listener):
    body = payload("form_order_status_callback_ordered", apiKey=KEY)
    ident = body["formOrderId"]
    threading.Timer(0.2, lambda: httpx.put(listener.url + "/api/PromsFormOrder", json=body)).start()
    started = time.monotonic()
    found = listener.wait_for(CallbackKind.STATUS, ident, timeout_s=10)
    assert len(found) == 1
    assert time.monotonic() - started < 5
    assert listener.wait_for(CallbackKind.ANSWER, ident, timeout_s=0.2) == []


def test_settle_collects_late_duplicates(listener):
    body = payload("form_order_status_callback_ordered", apiKey=KEY)
    httpx.put(listener.url + "/api/PromsFormOrder", json=body)
    threading.Timer(0.1, lambda: httpx.put(listener.url + "/api/PromsFormOrder", json=body)).start()
    settled = listener.settle(CallbackKind.STATUS, body["formOrderId"], window_s=0.6)
    assert len(settled) == 2


def test_a_lookup_by_kind_and_id_agrees_with_the_whole_record(listener):
    """The (kind, id) index gives what a scan of every callback gives, in arrival order."""
    first = payload("form_order_status_callback_ordered", apiKey=KEY)
    other = payload("form_order_status_callback_ordered", apiKey=KEY, formOrderId="other-id")
    for body in (first, other, first):
        httpx.put(listener.url + "/api/PromsFormOrder", json=body)
    httpx.put(listener.url + "/api/PromsFormOrder", content=b"{not json")
    everything = listener.received()
    for kind in (CallbackKind.STATUS, CallbackKind.ANSWER, None):
        for ident in (first["formOrderId"], "other-id", None):
            scanned = [
                r
                for r in everything
                if (kind is None or r.kind == kind) and (ident is None or r.ident == ident)
            ]
            assert [r.seq for r in listener.received(kind, ident)] == [r.seq for r in scanned], (
                f"expected the callbacks {[r.seq for r in scanned]} for {kind}, {ident}"
            )
    assert [r.seq for r in listener.received(CallbackKind.STATUS, first["formOrderId"])] == [1, 3]
    listener.clear()
    assert listener.received(CallbackKind.STATUS, first["formOrderId"]) == []


def test_a_taken_port_is_one_clear_error(listener):
    with pytest.raises(PortInUse, match="in use — choose another with --callback-listen"):
        CallbackListener(api_key=Secret(KEY), port=listener.port).start()

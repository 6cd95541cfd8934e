"""Callback facts, said once (contract/callbacks.py): paths, the acknowledgement rule, the
nouns — and every part of the tool reading them rather than its own copy."""

from __future__ import annotations

import subprocess
import sys

import pytest

from eprom_verify.contract import CallbackKind
from eprom_verify.contract.callbacks import (
    CALLBACK_NAMES,
    CALLBACK_PATHS,
    ENDPOINT_NAMES,
    acknowledgement_problem,
    callback_name,
    channel_and_status_differ,
    endpoint_of,
    is_acknowledgement,
    kind_of,
)


def test_one_path_per_kind_status_and_answer_share_one() -> None:
    assert CALLBACK_PATHS == {
        CallbackKind.STATUS: "/api/PromsFormOrder",
        CallbackKind.ANSWER: "/api/PromsFormOrder",
        CallbackKind.LETTER: "/api/MessageToCitizen",
        CallbackKind.PRIVACY: "/api/PersonvernInnstilling",
    }
    assert ENDPOINT_NAMES == ("PromsFormOrder", "MessageToCitizen", "PersonvernInnstilling")


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        ("/api/PromsFormOrder", "form_order"),
        ("/cb/api/promsformorder/", "form_order"),
        ("/x/api/MessageToCitizen?x=1", "letter"),
        ("/api/PersonvernInnstilling", "privacy"),
        ("/api/v2/formorder", None),
        ("/PromsFormOrder", None),
    ],
)
def test_endpoint_of_a_path(path: str, endpoint: str | None) -> None:
    assert endpoint_of(path) == endpoint


@pytest.mark.parametrize(
    ("path", "body", "kind"),
    [
        ("/api/PromsFormOrder", {"formOrderStatus": "Ordered"}, CallbackKind.STATUS),
        ("/api/PromsFormOrder", {"formOrderStatus": 3}, CallbackKind.STATUS),  # Error
        ("/api/PromsFormOrder", {"formOrderStatus": "Completed"}, CallbackKind.ANSWER),
        ("/api/PromsFormOrder", {"formData": "{}"}, CallbackKind.ANSWER),
        ("/api/PromsFormOrder", "not an object", None),
        ("/api/MessageToCitizen", None, CallbackKind.LETTER),
        ("/api/PersonvernInnstilling", {}, CallbackKind.PRIVACY),
        ("/api/Other", {}, None),
    ],
)
def test_kind_of_a_callback(path: str, body: object, kind: CallbackKind | None) -> None:
    assert kind_of(path, body) is kind


@pytest.mark.parametrize(
    ("status", "body", "problem"),
    [
        (200, '{"success": true}', None),
        (200, b'{"Success": true}', None),
        (201, {"success": True}, None),
        (200, {"success": False}, "answered success: false, not true"),
        (200, {}, "without 'success'"),
        (200, "OK", "not JSON"),
        (200, "[true]", "not an object"),
        (400, {"success": True}, "answered HTTP 400, not 2xx"),
        (199, {"success": True}, "answered HTTP 199, not 2xx"),
    ],
)
def test_the_acknowledgement_rule(status: int, body: object, problem: str | None) -> None:
    said = acknowledgement_problem(status, body)  # type: ignore[arg-type]
    assert is_acknowledgement(status, body) is (problem is None)  # type: ignore[arg-type]
    if problem is None:
        assert said is None
    else:
        assert said is not None
        assert problem in said.en
        assert said.nb.startswith("ble besvart med ")


def test_no_answer_is_no_acknowledgement() -> None:
    assert not is_acknowledgement(None, {"success": True})


def test_every_part_reads_the_one_rule_and_the_one_names() -> None:
    """The outbox, the receiver's exchanges, the ledger and the judge agree because they
    call the same function; the old homes of the words are the same objects."""
    from eprom_verify import ledger
    from eprom_verify.observe import judge
    from eprom_verify.receiver.exchanges import CallbackExchange
    from eprom_verify.simulator import outbox

    assert outbox.judge_answer is acknowledgement_problem
    assert outbox.CALLBACK_PATHS is CALLBACK_PATHS
    assert ledger.CALLBACK_NAMES is CALLBACK_NAMES
    assert ledger.callback_name is callback_name
    assert judge.callback_words("letter") == (
        CALLBACK_NAMES[CallbackKind.LETTER].one,
        CALLBACK_NAMES[CallbackKind.LETTER].the,
    )
    refused = CallbackExchange(
        check="c",
        method="PUT",
        url="http://127.0.0.1/api/PromsFormOrder",
        request_headers={},
        request_body="{}",
        status=200,
        response_headers={},
        response_body='{"Success": false}',
        elapsed_s=0.0,
    )
    assert not refused.acknowledged
    assert not is_acknowledgement(refused.status, refused.response_body)


_HEAVY = ("fastapi", "pytest", "pytest_httpserver", "eprom_verify.ledger",
          "eprom_verify.listener", "eprom_verify.harness", "eprom_verify._session",
          "eprom_verify.verdict", "eprom_verify.simulator")  # fmt: skip


@pytest.mark.parametrize(
    "module",
    [
        "eprom_verify.contract.callbacks",
        "eprom_verify.findings",
        "eprom_verify.observe.judge",
        "eprom_verify.receiver",
    ],
)
def test_judging_loads_neither_the_run_side_nor_fastapi_nor_pytest(module: str) -> None:
    """Observe's judge and the receiver checks say a word without the run side: importing
    them in a fresh interpreter loads none of the run's modules, pytest or FastAPI."""
    code = f"import sys, {module}\nprint(' '.join(m for m in {_HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "", f"importing {module} loaded: {done.stdout.strip()}"


@pytest.mark.parametrize(
    ("body", "status", "differ"),
    [
        ({"notificationChannel": "Helsenorge", "formOrderStatus": "Ordered"}, "Ordered", None),
        ({"notificationChannel": 1, "formOrderStatus": 2}, "Ordered", None),  # numbers
        ({"notificationChannel": "helsenorge"}, None, None),  # no status predicted
        (
            {"notificationChannel": 3, "formOrderStatus": "Ordered"},
            "Ordered",
            (
                {"notificationChannel": "Helsenorge", "formOrderStatus": "Ordered"},
                {"notificationChannel": "Unsecure", "formOrderStatus": "Ordered"},
            ),
        ),
        (
            {"notificationChannel": "Helsenorge", "formOrderStatus": 3},
            "Ordered",
            (
                {"notificationChannel": "Helsenorge", "formOrderStatus": "Ordered"},
                {"notificationChannel": "Helsenorge", "formOrderStatus": "Error"},
            ),
        ),
        (
            "not an object",
            None,
            ({"notificationChannel": "Helsenorge"}, {"notificationChannel": None}),
        ),
        (
            {"notificationChannel": "Carrier pigeon"},
            None,
            ({"notificationChannel": "Helsenorge"}, {"notificationChannel": "Carrier pigeon"}),
        ),
    ],
)
def test_v13_channel_and_status_said_once(body: object, status: str | None, differ: object) -> None:
    """The one V1.3 comparison the ledger (parsed callbacks' JSON) and observe's judge (raw
    bytes) both call: expected vs received by documented names, numbers or names sent."""
    assert channel_and_status_differ(body, channel="Helsenorge", status=status) == differ

"""Swagger UI's "Authorize": the OpenAPI document names both credentials.

The ePROM API takes the ordering system's key (``ApiKey``: ``Authorization: Basic <key>``);
the control API (``/_simulator/…``) takes the control token (``controlToken``: HTTP bearer)
when the simulator was started with one. Each operation references its scheme, so Swagger
UI sends the token to control calls and the key to ePROM calls.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import SimulatorSettings, run_in_thread
from eprom_verify.simulator.openapi import CONTROL_SCHEME

from .conftest import loopback_client

TOKEN = "swagger-control-token-8d41"
CONTROL = "/_simulator"
PUBLIC = {"/_simulator/health"}
#: no proxy from the environment; one TLS context shared (``httpx.get`` built one a call);
#: no connection kept open between calls, so none is left for the interpreter's exit to
#: find unclosed (the module's tests may run in several workers, so no fixture closes it)
_PLAIN = loopback_client(trust_env=False, limits=httpx.Limits(max_keepalive_connections=0))


@pytest.fixture(scope="module")
def guarded() -> Iterator[tuple[str, dict[str, Any]]]:
    """A simulator with a control token: its root URL and the document it serves."""
    with run_in_thread(SimulatorSettings(control_token=TOKEN)) as sim:
        root = sim.base_url.rsplit("/", 1)[0]
        yield root, _PLAIN.get(f"{root}/openapi.json").json()


def _control_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, operations in document["paths"].items()
        if path.startswith(CONTROL)
        for method, operation in operations.items()
    ]


def test_the_document_has_both_schemes(guarded: tuple[str, dict[str, Any]]) -> None:
    schemes = guarded[1]["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "apiKey", "in": "header", "name": "Authorization",
        "description": schemes["ApiKey"]["description"],
    }  # fmt: skip
    assert schemes[CONTROL_SCHEME]["type"] == "http"
    assert schemes[CONTROL_SCHEME]["scheme"] == "bearer"
    assert "EPROM_SIM_CONTROL_TOKEN" in schemes[CONTROL_SCHEME]["description"]


def test_every_guarded_control_operation_references_the_token(
    guarded: tuple[str, dict[str, Any]],
) -> None:
    operations = _control_operations(guarded[1])
    assert len(operations) > 15
    for path, method, operation in operations:
        where = f"{method.upper()} {path}"
        if path in PUBLIC:
            assert operation["security"] == [], f"{where} needs no token"
            continue
        # the token, or nothing when the simulator runs without one
        assert operation["security"] == [{CONTROL_SCHEME: []}, {}], where
        assert "401" in operation["responses"], f"{where} does not document its 401"
    api = [op for p, ops in guarded[1]["paths"].items() if not p.startswith(CONTROL)
           for op in ops.values()]  # fmt: skip
    assert not any(CONTROL_SCHEME in str(op.get("security")) for op in api)


def test_the_documented_401_is_what_a_control_call_gets(
    guarded: tuple[str, dict[str, Any]],
) -> None:
    root, document = guarded
    forms = document["paths"]["/_simulator/forms"]["get"]
    texts = [e["value"] for e in
             forms["responses"]["401"]["content"]["text/plain"]["examples"].values()]  # fmt: skip
    none = _PLAIN.get(f"{root}/_simulator/forms")
    wrong = _PLAIN.get(f"{root}/_simulator/forms", headers={"Authorization": "Bearer wrong"})
    assert (none.status_code, wrong.status_code) == (401, 401)
    assert [none.text, wrong.text] == texts


def test_what_authorize_sends_passes(guarded: tuple[str, dict[str, Any]]) -> None:
    """Swagger UI sends an http bearer scheme as 'Authorization: Bearer <value>'."""
    root, document = guarded
    scheme = document["components"]["securitySchemes"][CONTROL_SCHEME]["scheme"]
    header = f"{scheme.capitalize()} {TOKEN}"
    answer = _PLAIN.get(f"{root}/_simulator/forms", headers={"Authorization": header})  # fmt: skip
    assert answer.status_code == 200, answer.text

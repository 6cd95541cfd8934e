"""Input where the guide is silent, taken as ePROM's ASP.NET Core service takes it.

Property names match without regard to case; integers outside a C# ``long`` are a 400, not a
500; each leniency Hemit may not share is refused or accepted with a warning (docs/simulator.md,
"Leniencies").
"""

from __future__ import annotations

import base64
import logging
from typing import Any

import httpx
import pytest

from eprom_verify.simulator import RunningSimulator

from .conftest import KEY, LOOPBACK, PVK_RES, RAND12, UNSECURE, VERIFY, order_body, place

WARNINGS = "eprom_verify.simulator"


def pascal(data: Any) -> Any:
    if isinstance(data, dict):
        return {k[:1].upper() + k[1:]: pascal(v) for k, v in data.items()}
    if isinstance(data, list):
        return [pascal(v) for v in data]
    return data


def _comparable(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if k not in ("id", "singleUseCode", "loginUrl")}


def test_a_pascal_case_order_is_answered_as_the_camel_case_one(api: httpx.Client) -> None:
    body = order_body(
        physicalAddress={
            "fullName": "Kari Nordmann",
            "addressLine1": "Gate 1",
            "postalCode": "0150",
            "postalPlace": "Oslo",
        },
        distributionRule="Basic",
    )
    camel = api.post("/api/v2/formorder", json=body)
    shouted = api.post("/api/v2/formorder", json=pascal(body))
    assert camel.status_code == 200, camel.text
    assert shouted.status_code == 200, (
        f"a PascalCase order (as a C# client sends it) was refused: {shouted.text}"
    )
    assert sorted(shouted.json()) == sorted(camel.json()), "the answers' keys differ"
    assert _comparable(shouted.json()) == _comparable(camel.json())


def test_any_case_matches_and_the_last_spelling_wins(api: httpx.Client) -> None:
    answer = api.post(
        "/api/v2/formorder",
        json={
            "FORMID": RAND12,
            "nationalid": "00000000000",
            "NationalId": VERIFY,
            "EXPIRYdate": "2030-01-01T00:00:00",
        },
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["nationalId"] == VERIFY
    assert answer.json()["formId"] == RAND12


def test_pascal_case_reaches_every_endpoint(api: httpx.Client, anon: httpx.Client) -> None:
    sms = anon.post(
        "/api/unsecuremessagesms",
        json={"ApiKey": KEY, "SmsText": "Hei", "NationalId": UNSECURE},
    )
    assert sms.status_code == 200, sms.text
    residents = api.post(
        "/api/v2/get-residents-active-pi-for-definition",
        json={"PvkId": PVK_RES, "PagingReference": 0},
    )
    assert residents.status_code == 200, residents.text


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**30])
def test_a_paging_reference_outside_int64_is_a_400(api: httpx.Client, value: int) -> None:
    answer = api.post(
        "/api/v2/get-residents-active-pi-for-definition",
        json={"pvkId": PVK_RES, "pagingReference": value},
    )
    assert answer.status_code == 400, f"pagingReference {value}: {answer.status_code} {answer.text}"
    assert answer.text == (
        "The JSON value could not be converted to System.Int64. Path: $.pagingReference"
    )


def test_a_negative_paging_reference_is_a_400(api: httpx.Client) -> None:
    answer = api.post(
        "/api/v2/get-residents-active-pi-for-definition",
        json={"pvkId": PVK_RES, "pagingReference": -1},
    )
    assert answer.status_code == 400, answer.text
    assert "pagingReference" in answer.text
    assert "-1" in answer.text


def test_the_largest_int64_paging_reference_is_an_empty_page(api: httpx.Client) -> None:
    answer = api.post(
        "/api/v2/get-residents-active-pi-for-definition",
        json={"pvkId": PVK_RES, "pagingReference": 2**63 - 1},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["personvernInnstillinger"] == []


# --- the leniencies, one by one ---------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", None])
def test_an_empty_sms_text_is_refused(anon: httpx.Client, text: str | None) -> None:
    body: dict[str, Any] = {"apiKey": KEY, "nationalId": UNSECURE}
    if text is not None:
        body["smsText"] = text
    answer = anon.post("/api/unsecuremessagesms", json=body)
    assert answer.status_code == 400, answer.text
    assert answer.text == "The SmsText field is required."


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == WARNINGS and r.levelname == "WARNING"
    ]


def test_an_expiry_date_in_the_past_is_accepted_with_a_warning(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WARNINGS)
    place(api, expiryDate="2020-01-01T00:00:00")
    assert any("expiryDate 2020-01-01T00:00:00 is in the past" in w for w in _warnings(caplog))


def test_a_future_expiry_date_gives_no_warning(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WARNINGS)
    place(api)
    assert not _warnings(caplog)


def test_a_postal_address_with_only_a_name_is_accepted_with_a_warning(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WARNINGS)
    place(api, physicalAddress={"fullName": "Kari Nordmann"})
    assert any("physicalAddress holds only a name" in w for w in _warnings(caplog))


def _letter(content: bytes) -> dict[str, Any]:
    return {
        "nationalId": VERIFY,
        "documentCollection": {
            "mainDocument": {
                "title": "Brev",
                "fileName": "brev.pdf",
                "mimeType": "application/pdf",
                "content": base64.b64encode(content).decode(),
            }
        },
    }


def test_a_letter_that_is_not_a_pdf_is_accepted_with_a_warning(
    api: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WARNINGS)
    answer = api.post("/api/v2/messagetocitizen", json=_letter(b"plain text, not a PDF"))
    assert answer.status_code == 200, answer.text
    assert any("mainDocument.content is not a PDF" in w for w in _warnings(caplog))
    caplog.clear()
    answer = api.post("/api/v2/messagetocitizen", json=_letter(b"%PDF-1.4\n%%EOF\n"))
    assert answer.status_code == 200, answer.text
    assert not _warnings(caplog)


def test_a_letter_key_without_basic_is_accepted_with_a_warning(
    anon: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger=WARNINGS)
    answer = anon.post(
        "/api/v2/messagetocitizen",
        json=_letter(b"%PDF-1.4\n%%EOF\n"),
        headers={"Authorization": KEY},
    )
    assert answer.status_code == 200, answer.text
    warned = _warnings(caplog)
    assert any("without 'Basic '" in w for w in warned), warned
    assert all(KEY not in w for w in warned), "a warning shows the key"


def test_a_warning_is_in_the_request_journal(api: httpx.Client, sim: RunningSimulator) -> None:
    placed = place(api, expiryDate="2020-01-01T00:00:00")
    journal = LOOPBACK.get(
        f"{sim.root_url}/_simulator/requests", params={"path": "/promswebapi/api/v2/formorder"}
    ).json()["requests"]
    newest = journal[0]
    assert placed["id"] in newest["response"]["body"]
    assert [w for w in newest["warnings"] if "expiryDate 2020-01-01T00:00:00" in w], newest
    clean = place(api)
    again = LOOPBACK.get(
        f"{sim.root_url}/_simulator/requests", params={"path": "/promswebapi/api/v2/formorder"}
    ).json()["requests"]
    assert clean["id"] in again[0]["response"]["body"]
    assert again[0]["warnings"] == []


def test_a_letter_body_is_parsed_once(api: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:
    """The case check's parse is the one FastAPI binds (a 40 MB letter is not read twice)."""
    import json

    parsed: list[bytes] = []
    real = json.loads

    def counting(text: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(text, bytes) and b"documentcollection" in text.lower():
            parsed.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(json, "loads", counting)
    for body in (_letter(b"%PDF-1.4\n%%EOF\n"), pascal(_letter(b"%PDF-1.4\n%%EOF\n"))):
        parsed.clear()
        answer = api.post("/api/v2/messagetocitizen", json=body)
        assert answer.status_code == 200, answer.text
        assert len(parsed) == 1, f"expected the letter's body parsed once, it was {len(parsed)}×"

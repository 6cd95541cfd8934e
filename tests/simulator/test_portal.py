"""The citizen portal at /proms/ over plain HTTP (no browser): pages, refusals, the answer.

The browser test (test_portal_browser.py) drives the same pages in Chromium; these run
everywhere and pin what each page must show and refuse.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from eprom_verify.contract import NIL_GUID
from eprom_verify.simulator import RunningSimulator
from eprom_verify.simulator.portal import LOGIN_REFUSED

from .conftest import CHILD, CONSENT, HANNE, VERIFY, loopback_client, place, settled
from .receiver import Receiver
from .test_messages import PDF, send

#: every RAND-12 item answered with its first option
RAND12_FIRST = {
    "HealthGeneral": 1, "HealthLimitingActivities": 1, "HealthLimitingFloors": 1,
    "PhysicalHealthLessDone": 1, "PhysicalHealthLimitingActivity": 1,
    "EmotionalIssuesLessDone": 1, "EmotionalIssuesLimitingActivity": 1, "LastFourWeeksPain": 1,
    "LastFourWeeksRelaxed": 1, "LastFourWeeksSurplusOfEnergy": 1, "LastFourWeeksDepressed": 1,
    "LastFourWeeksSocial": 1,
}  # fmt: skip


@pytest.fixture
def web(sim: RunningSimulator) -> Iterator[httpx.Client]:
    """A browser without JavaScript: follows no redirects by itself."""
    with loopback_client(base_url=sim.root_url, timeout=30) as client:
        yield client


def posted(answers: dict[str, Any]) -> dict[str, str]:
    return {f"q.{name}": str(value).lower() for name, value in answers.items()}


def answers_of(receiver: Receiver, order_id: str) -> dict[str, Any]:
    """The one answer callback of ``order_id`` (waits for it)."""
    count = 1
    while True:
        got = receiver.wait_for(count, path="/api/PromsFormOrder")
        mine = [r.body for r in got if r.body["formOrderId"] == order_id and "formData" in r.body]
        if mine:
            [answer] = mine
            return answer  # type: ignore[no-any-return]
        count = len(got) + 1


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


def crawl(web: httpx.Client, start: str = "/proms/") -> dict[str, str]:
    """Every page reachable by plain links from ``start`` (GET only, same site)."""
    seen: dict[str, str] = {}
    queue = [start]
    while queue:
        path = queue.pop()
        if path in seen or not path.startswith("/proms"):
            continue
        response = web.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        seen[path] = response.text if "html" in response.headers["content-type"] else ""
        parser = _Links()
        parser.feed(seen[path])
        queue += [urljoin(path, link) for link in parser.links]
    return seen


def test_a_crawler_finds_the_task_of_an_order_just_placed(
    api: httpx.Client, web: httpx.Client
) -> None:
    order = place(api, nationalId=VERIFY)
    pages = crawl(web)
    assert f"/proms/tasks/{order['id']}" in pages
    assert order["loginUrl"].endswith("/proms/")
    assert web.get("/proms").headers["location"] == "/proms/"


def test_the_inbox_shows_the_task_sender_deadline_cover_letter_and_on_behalf_of(
    api: httpx.Client, web: httpx.Client
) -> None:
    order = place(
        api, nationalId=HANNE, onBehalfOfNationalId=CHILD, expiryDate="2030-01-31T12:00:00"
    )
    inbox = web.get("/proms/persons/helsenorge-adult").text
    assert "Spørreskjema om helse (RAND-12)" in inbox
    assert "test-system" in inbox  # the sender: the ordering system
    assert "31.01.2030 12:00" in inbox
    assert "Dette skjemaet fylles ut på vegne av Bjørn Barn." in inbox
    task = web.get(f"/proms/tasks/{order['id']}").text
    assert "Hei! Vi ber deg svare på noen spørsmål" in task  # the cover letter
    task_part, form_part = task.split('id="form"')
    assert "fylles ut på vegne av Bjørn Barn" in task_part  # in the task …
    assert "fylles ut på vegne av Bjørn Barn" in form_part  # … and in the form (S1)
    assert "Stort sett, vil du si at helsen din er:" in task
    assert 'lang="en"' in task
    assert "Form task" in task


def test_metadata_is_shown_escaped_and_prefills_a_question_of_its_name(
    api: httpx.Client, web: httpx.Client
) -> None:
    meta = {"age": 76, "HealthGeneral": 3, "note": "<script>alert(1)</script>"}
    order = place(api, metadata=json.dumps(meta))
    task = web.get(f"/proms/tasks/{order['id']}").text
    assert "<script>alert(1)" not in task
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in task
    assert re.search(r'name="q.HealthGeneral" value="3" checked', task)
    assert re.search(r"<code>age</code></th><td>76</td>", task)


def test_a_required_item_left_empty_is_refused_and_nothing_is_sent(
    api: httpx.Client, web: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    order = place(api)
    partial = dict(RAND12_FIRST)
    del partial["LastFourWeeksSocial"]
    response = web.post(f"/proms/tasks/{order['id']}", data=posted(partial))
    assert response.status_code == 400
    assert 'id="err-LastFourWeeksSocial"' in response.text
    assert response.text.count('class="field-error"') == 1
    wrong = web.post(
        f"/proms/tasks/{order['id']}", data=posted({**RAND12_FIRST, "HealthGeneral": 9})
    )
    assert wrong.status_code == 400
    assert 'id="err-HealthGeneral"' in wrong.text
    assert sim.control.order(order["id"]).status == "Ordered"
    assert [c.kind for c in sim.control.order(order["id"]).callbacks] == ["status"]


def test_submitting_sends_the_answer_the_control_api_would(
    api: httpx.Client, web: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    by_portal = place(api)
    response = web.post(f"/proms/tasks/{by_portal['id']}", data=posted(RAND12_FIRST))
    assert response.status_code == 303
    assert response.headers["location"] == f"/proms/tasks/{by_portal['id']}"
    answer = answers_of(receiver, by_portal["id"])
    assert json.loads(answer["formData"]) == RAND12_FIRST
    assert answer["filledOutBy"] == {
        "filledOutByActNationalId": VERIFY,
        "filledOutByActType": "SegSelv",
    }
    by_control = place(api)
    sim.control.complete(by_control["id"], answers=RAND12_FIRST)
    control_answer = answers_of(receiver, by_control["id"])  # its status may come after it
    assert set(control_answer) == set(answer)
    assert control_answer["formData"] == answer["formData"]
    done = web.get(f"/proms/tasks/{by_portal['id']}").text
    assert "Skjemaet er levert." in done
    assert 'name="q.' not in done
    again = web.post(f"/proms/tasks/{by_portal['id']}", data=posted(RAND12_FIRST))
    assert again.status_code == 303  # a second submit changes nothing
    assert len(settled(sim, receiver)) == 4


def test_a_form_that_must_be_signed_shows_the_signing_text_and_delivers_signed(
    api: httpx.Client, web: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    order = place(api, formId=CONSENT, signingText="Jeg samtykker <b>frivillig</b>.")
    answers = {"ConsentGiven": "true", "ConsentDate": "2026-11-20", "ContactPermission": "ja"}
    page = web.post(f"/proms/tasks/{order['id']}", data={f"q.{k}": v for k, v in answers.items()})
    assert page.status_code == 200
    assert "Jeg samtykker &lt;b&gt;frivillig&lt;/b&gt;." in page.text
    assert sim.control.order(order["id"]).status == "Ordered"  # not yet: signing first
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text))
    signed = web.post(f"/proms/tasks/{order['id']}/sign", data=hidden)
    assert signed.status_code == 303
    answer = answers_of(receiver, order["id"])
    assert answer["signedFormId"] != NIL_GUID
    assert json.loads(answer["formData"]) == {
        "ConsentGiven": True,
        "ConsentDate": "2026-11-20",
        "ContactPermission": "ja",
    }
    pdf = web.get(f"/proms/tasks/{order['id']}/signed.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    assert pdf.content == api.get(f"/api/ExternalDocument/{answer['signedFormId']}").content


def test_on_behalf_of_the_copy_goes_to_the_person_the_form_is_about(
    api: httpx.Client, web: httpx.Client, receiver: Receiver
) -> None:
    order = place(api, nationalId=HANNE, onBehalfOfNationalId=CHILD)
    assert web.post(f"/proms/tasks/{order['id']}", data=posted(RAND12_FIRST)).status_code == 303
    answer = answers_of(receiver, order["id"])
    assert answer["filledOutBy"]["filledOutByActType"] == "Foreldrerepresentasjon"
    child = web.get("/proms/persons/child-10/archive").text
    assert f'data-order="{order["id"]}"' in child.split('id="copies"')[1]
    parent = web.get("/proms/persons/helsenorge-adult/archive").text
    assert "Ingen lagrede kopier." in parent
    assert f'data-order="{order["id"]}"' in parent.split('id="filled-for-others"')[1]


def test_dont_store_leaves_the_archive_empty_and_says_so(
    api: httpx.Client, web: httpx.Client, receiver: Receiver
) -> None:
    order = place(api, dontStoreCompletedFormInPha=True)
    web.post(f"/proms/tasks/{order['id']}", data=posted(RAND12_FIRST))
    answers_of(receiver, order["id"])
    archive = web.get("/proms/persons/verification-person/archive").text
    assert "Ingen lagrede kopier." in archive
    assert "dontStoreCompletedFormInPha = true" in archive
    assert "Ingen kopi lagres i helsearkivet" in web.get(f"/proms/tasks/{order['id']}").text
    kept = place(api)
    web.post(f"/proms/tasks/{kept['id']}", data=posted(RAND12_FIRST))
    answers_of(receiver, kept["id"])
    archive = web.get("/proms/persons/verification-person/archive").text
    assert f'data-order="{kept["id"]}"' in archive.split('id="copies"')[1]


@pytest.mark.parametrize(
    ("code", "birth"),
    [("right", "wrong"), ("wrong", "right"), ("", "right"), ("right", "")],
    ids=["wrong-date", "wrong-code", "no-code", "no-date"],
)
def test_a_wrong_single_use_code_or_date_of_birth_is_refused_with_one_message(
    api: httpx.Client, web: httpx.Client, code: str, birth: str
) -> None:
    order = place(api, nationalId=HANNE, distributionRule="NoDistribution")
    codes = {"right": order["singleUseCode"], "wrong": "ABCDEFGH", "": ""}
    births = {"right": "12.06.1984", "wrong": "13.06.1984", "": ""}
    response = web.post("/proms/login", data={"code": codes[code], "birthDate": births[birth]})
    assert response.status_code == 401
    assert LOGIN_REFUSED[0] in response.text
    assert LOGIN_REFUSED[1] in response.text
    assert "location" not in response.headers


@pytest.mark.parametrize("birth", ["12.06.1984", "1984-06-12", "12061984"])
def test_the_single_use_code_and_date_of_birth_open_the_task(
    api: httpx.Client, web: httpx.Client, birth: str
) -> None:
    order = place(api, nationalId=HANNE, distributionRule="NoDistribution")
    code = order["singleUseCode"].lower()  # typed in small letters: still the code
    response = web.post("/proms/login", data={"code": code, "birthDate": birth})
    assert response.status_code == 303
    assert response.headers["location"] == f"/proms/tasks/{order['id']}"


def test_letters_sms_and_email_are_in_the_inbox_and_the_pdf_downloads(
    api: httpx.Client, web: httpx.Client, sim: RunningSimulator, receiver: Receiver
) -> None:
    assert send(api).status_code == 200
    sms = {"apiKey": sim.api_key, "nationalId": VERIFY, "smsText": "Husk timen <i>i dag</i>"}
    assert api.post("/api/unsecuremessagesms", json=sms).json() == {"success": True}
    inbox = web.get("/proms/persons/verification-person").text
    assert "Ikkesensitiv tittel" in inbox
    assert "<p>Beskrivelse</p>" in inbox  # messageInfo.description
    assert "Testregisteret" in inbox
    assert "Husk timen &lt;i&gt;i dag&lt;/i&gt;" in inbox
    [link] = re.findall(r'href="(/proms/letters/[^"]+)"', inbox)
    document = web.get(link)
    assert document.status_code == 200
    assert document.content == PDF
    assert document.headers["content-type"] == "application/pdf"


def test_unknown_pages_are_a_404_page_in_both_languages(web: httpx.Client) -> None:
    for path in (
        "/proms/persons/nobody",
        "/proms/tasks/no-such-order",
        "/proms/tasks/x/signed.pdf",
    ):
        response = web.get(path)
        assert response.status_code == 404, path
        assert 'lang="en"' in response.text
        assert "<h1>" in response.text


def test_state_changes_are_posts_only(
    api: httpx.Client, web: httpx.Client, sim: RunningSimulator
) -> None:
    order = place(api)
    assert web.get(f"/proms/tasks/{order['id']}/sign").status_code == 405
    assert sim.control.order(order["id"]).status == "Ordered"


def test_the_portal_and_the_control_api_deliver_through_one_function(
    api: httpx.Client, web: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from eprom_verify.simulator.orders import OrderDesk  # noqa: PLC0415

    calls: list[tuple[str, Any]] = []
    real = OrderDesk.complete

    def spy(self: OrderDesk, order_id: str, request: Any) -> Any:
        calls.append((order_id, request))
        return real(self, order_id, request)

    monkeypatch.setattr(OrderDesk, "complete", spy)
    order = place(api)
    assert web.post(f"/proms/tasks/{order['id']}", data=posted(RAND12_FIRST)).status_code == 303
    [(order_id, request)] = calls
    assert order_id == order["id"]
    assert (request.answers, request.sign, request.paper) == (RAND12_FIRST, False, False)

"""The citizen portal in a real browser: headless Chromium driven by Playwright, checked by axe.

Playwright for Python drives the system's Chromium (``executable_path``: no browser
download); axe-core comes bundled in the ``axe-playwright-python`` wheel (its
``axe.min.js``), so the accessibility check works offline after ``pip install -e
'.[test]'``. Without Chromium or Playwright the tests are skipped with the reason, unless
``EPROM_REQUIRE_BROWSER=1`` (CI) makes that a failure.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from eprom_verify.contract import NIL_GUID
from eprom_verify.report.pdf import find_chromium
from eprom_verify.simulator import RunningSimulator

from .conftest import CHILD, CONSENT, HANNE, place
from .receiver import Receiver
from .test_portal import answers_of

REQUIRE_ENV = "EPROM_REQUIRE_BROWSER"
LAUNCH_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def _missing(message: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{message}; {REQUIRE_ENV}=1 requires it", pytrace=False)
    pytest.skip(f"{message}; set {REQUIRE_ENV}=1 to make this a failure")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium = find_chromium()
    if chromium is None:
        _missing("Chromium not found on PATH — install it (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright  # noqa: PLC0415 - optional test dep
    except ImportError:
        _missing("playwright is not installed — pip install -e '.[test]'")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=LAUNCH_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, sim: RunningSimulator) -> Iterator[Any]:
    context = browser.new_context(base_url=sim.root_url, java_script_enabled=True)
    opened = context.new_page()
    yield opened
    context.close()


def accessible(page: Any) -> None:
    """axe-core finds no violation on the page (WCAG 2 A/AA rules and best practices)."""
    from axe_playwright_python.sync_playwright import Axe  # noqa: PLC0415 - optional test dep

    results = Axe().run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"


#: how long a check waits for the page a click leads to (a busy CI machine, four workers)
WAIT_MS = 30_000


def shown(locator: Any) -> None:
    """Wait until ``locator`` is visible: a click that submits a form or follows a link
    returns before the next page is there, and ``is_visible()`` would read the old one."""
    from playwright.sync_api import expect  # noqa: PLC0415 - optional test dep

    expect(locator).to_be_visible(timeout=WAIT_MS)


def arrived(page: Any, path: str) -> None:
    """Wait until the page's URL ends with ``path`` (the page a click led to)."""
    page.wait_for_url(lambda url: url.endswith(path), timeout=WAIT_MS)


def answer_rand12(page: Any) -> None:
    """Tick the first answer of every question, as a person would, by its label.

    ``all()`` does not wait: right after the click that opens the form, it could list the
    previous page's (no) fieldsets, and the form would go in unanswered and be refused."""
    page.locator("form fieldset").first.wait_for(timeout=WAIT_MS)
    for fieldset in page.locator("form fieldset").all():
        fieldset.locator("input[type=radio]").first.check()


def test_log_in_fill_in_and_submit(
    page: Any, api: httpx.Client, receiver: Receiver, sim: RunningSimulator
) -> None:
    order = place(api, metadata=json.dumps({"age": 76}))
    page.goto("/proms/")
    accessible(page)
    page.get_by_role("link", name="Hemits verifikasjonsperson").click()
    arrived(page, "/proms/persons/verification-person")  # axe on a page being replaced fails
    accessible(page)
    page.get_by_role("link", name="Spørreskjema om helse (RAND-12)").click()
    arrived(page, f"/proms/tasks/{order['id']}")
    shown(page.get_by_text("Hei! Vi ber deg svare"))
    accessible(page)
    page.get_by_role("button", name="Send inn").click()  # nothing answered: refused
    shown(page.locator("#form-errors"))
    assert page.locator(".field-error").count() == 12
    accessible(page)
    answer_rand12(page)
    page.get_by_role("button", name="Send inn").click()
    shown(page.get_by_text("Skjemaet er levert."))
    accessible(page)
    answer = answers_of(receiver, order["id"])
    assert json.loads(answer["formData"])["HealthGeneral"] == 1
    assert sim.control.order(order["id"]).status == "Completed"


def test_sign_a_form_that_must_be_signed(page: Any, api: httpx.Client, receiver: Receiver) -> None:
    order = place(api, formId=CONSENT, signingText="Jeg gir mitt samtykke.")
    page.goto(f"/proms/tasks/{order['id']}")
    page.get_by_role("radio", name="Ja").first.check()
    page.get_by_label("Dato for samtykket").fill("2026-11-20")
    page.locator("fieldset#f-ContactPermission").get_by_role("radio", name="Nei").check()
    page.get_by_role("button", name="Gå til signering").click()
    assert page.locator("#signing-text").inner_text().endswith("Jeg gir mitt samtykke.")
    accessible(page)
    page.get_by_role("button", name="Signer og send inn").click()
    answer = answers_of(receiver, order["id"])
    assert answer["signedFormId"] != NIL_GUID
    assert json.loads(answer["formData"]) == {
        "ConsentGiven": True,
        "ConsentDate": "2026-11-20",
        "ContactPermission": "nei",
    }
    with page.expect_download() as download:
        page.get_by_role("link", name="Last ned signert skjema").click()
    assert download.value.suggested_filename == f"signert-{order['id']}.pdf"


def test_answer_on_behalf_of_someone_and_log_in_with_a_single_use_code(
    page: Any, api: httpx.Client, receiver: Receiver
) -> None:
    order = place(api, nationalId=HANNE, onBehalfOfNationalId=CHILD)
    page.goto("/proms/persons/helsenorge-adult")
    assert page.locator('[data-test="on-behalf"]').first.inner_text().count("Bjørn Barn") == 2
    page.get_by_role("link", name="Spørreskjema om helse (RAND-12)").click()
    arrived(page, f"/proms/tasks/{order['id']}")
    answer_rand12(page)
    page.get_by_role("button", name="Send inn").click()
    shown(page.get_by_text("Skjemaet er levert."))
    answer = answers_of(receiver, order["id"])
    assert answer["filledOutBy"]["filledOutByActType"] == "Foreldrerepresentasjon"
    page.goto("/proms/persons/child-10/archive")
    shown(page.locator(f'#copies [data-order="{order["id"]}"]'))
    accessible(page)

    coded = place(api, nationalId=HANNE, distributionRule="NoDistribution")
    page.goto("/proms/")
    page.get_by_role("link", name="Logg inn med engangskode").click()
    page.get_by_label("Engangskode").fill(coded["singleUseCode"])
    page.get_by_label("Fødselsdato").fill("01.01.1984")
    page.get_by_role("button", name="Logg inn").click()
    assert page.get_by_role("alert").inner_text().startswith("Innloggingen mislyktes.")
    accessible(page)
    page.get_by_label("Fødselsdato").fill("12.06.1984")
    page.get_by_role("button", name="Logg inn").click()
    arrived(page, f"/proms/tasks/{coded['id']}")

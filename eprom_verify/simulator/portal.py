"""The citizen's side of the simulator: a small server-rendered portal at ``/proms/``.

What a person sees on Helsenorge and in ePROM's form filler, simulated: the test persons (in
place of BankID), the single-use-code login of ``NoDistribution`` orders, the inbox (form
tasks, letters, SMS and e-mail), the form with its questions, signing, and the health
archive. Plain HTML from Jinja2 templates (autoescaped), no JavaScript; every page is
reachable by links from ``/proms/`` and every change is a POST.

Delivering a form calls :meth:`OrderDesk.complete` — the function behind the control API's
``POST /_simulator/orders/{id}/complete`` — so the answer callback is the same either way.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, quote

import jinja2
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from eprom_verify import national_id
from eprom_verify.config import Form, FormField, Patient
from eprom_verify.contract import NotificationChannel
from eprom_verify.simulator import actors, clock
from eprom_verify.simulator.api import engine_of
from eprom_verify.simulator.engine import Engine
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.store import OrderRow
from eprom_verify.simulator.views import CompleteRequest

__all__ = ["PORTAL_PREFIX", "parse_answers", "router"]

PORTAL_PREFIX = "/proms"
_TEMPLATES = Path(__file__).with_name("portal_templates")
_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
#: The one message for every failed single-use-code login: which part was wrong is not told.
LOGIN_REFUSED = (
    "Innloggingen mislyktes. Kontroller engangskoden og fødselsdatoen og prøv igjen.",
    "Login failed. Check the single-use code and the date of birth and try again.",
)
_DEFAULT_SIGNING_TEXT = "Jeg bekrefter at svarene i skjemaet er riktige."

router = APIRouter(prefix=PORTAL_PREFIX, include_in_schema=False)


# --- what a page shows ----------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    national_id: str
    name: str
    description: str
    registered: bool
    birth_date: dt.date | None

    @property
    def masked(self) -> str:
        return national_id.mask(self.national_id)


@dataclass(frozen=True)
class Task:
    """A form task as the citizen sees it."""

    order: OrderRow
    form: Form | None
    recipient: Person | None
    about: Person | None
    on_behalf_text: str | None

    @property
    def id(self) -> str:
        return self.order.id

    @property
    def title(self) -> str:
        return self.form.task_title if self.form else self.order.form_id

    @property
    def sender(self) -> str:
        return self.order.system

    @property
    def deadline(self) -> str | None:
        return _local(self.order.expiry_at) if self.order.expiry_at else None

    @property
    def metadata(self) -> dict[str, Any] | None:
        if not self.order.metadata:
            return None
        value = json.loads(self.order.metadata)
        return value if isinstance(value, dict) else {"metadata": value}

    @property
    def channel(self) -> str:
        return NotificationChannel(self.order.channel).wire_name

    @property
    def open(self) -> bool:
        return self.order.status == "Ordered"

    @property
    def stored_copy_owner(self) -> Person | None:
        return self.about or self.recipient


def _local(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, clock.NORWAY).strftime("%d.%m.%Y %H:%M")


def _person(patient: Patient) -> Person:
    try:
        born = national_id.parse(patient.national_id).birth_date
    except national_id.InvalidNationalId:
        born = None
    return Person(
        key=patient.key,
        national_id=patient.national_id,
        name=patient.name,
        description=patient.description,
        registered=patient.registered,
        birth_date=born,
    )


def _person_of(engine: Engine, value: str | None) -> Person | None:
    patient = engine.patients.get(value or "")
    return _person(patient) if patient is not None else None


def _person_by_key(engine: Engine, key: str) -> Person:
    for patient in engine.patients.values():
        if patient.key == key:
            return _person(patient)
    raise _NotFound(f"Ingen testperson «{key}»", f"No test person {key!r}")


def _task(engine: Engine, order: OrderRow) -> Task:
    about = _person_of(engine, order.on_behalf_of)
    text = None
    if order.on_behalf_of:
        name = about.name if about else national_id.mask(order.on_behalf_of)
        text = actors.on_behalf_info_text(name)
    return Task(
        order=order,
        form=engine.form(order.form_id),
        recipient=_person_of(engine, order.national_id),
        about=about,
        on_behalf_text=text,
    )


def _task_by_id(engine: Engine, order_id: str) -> Task:
    order = engine.store.order(order_id)
    if order is None or order.status == "Error":
        raise _NotFound(f"Ingen skjemaoppgave {order_id}", f"No form task {order_id}")
    return _task(engine, order)


class _NotFound(Exception):
    def __init__(self, nb: str, en: str) -> None:
        super().__init__(en)
        self.nb, self.en = nb, en


# --- answers ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    field: str
    nb: str
    en: str


def parse_answers(
    form: Form, posted: list[tuple[str, str]]
) -> tuple[dict[str, Any], list[Problem]]:
    """The answers of a posted form (``q.<field>`` inputs), and what is wrong with them.

    A required item left empty, a value that is not one of the options, a number outside
    its bounds, a date that is not a date or a text over its length is a problem; an
    optional item left empty is not answered (left out of ``formData``).
    """
    given = {key[2:]: value.strip() for key, value in posted if key.startswith("q.")}
    answers: dict[str, Any] = {}
    problems: list[Problem] = []
    for field in form.fields:
        raw = given.get(field.name, "")
        if not raw:
            if field.required:
                problems.append(
                    Problem(field.name, "Du må svare på dette spørsmålet.", "Answer this question.")
                )
            continue
        try:
            answers[field.name] = _value(field, raw)
        except ValueError as exc:
            nb, en = exc.args
            problems.append(Problem(field.name, nb, en))
    return answers, problems


def _value(field: FormField, raw: str) -> Any:
    if field.type == "choice":
        for option, _label in field.choices():
            if str(option) == raw:
                return option
        raise ValueError("Velg et av svarene.", "Choose one of the answers.")
    if field.type == "boolean":
        if raw in ("true", "false"):
            return raw == "true"
        raise ValueError("Svar ja eller nei.", "Answer yes or no.")
    if field.type == "integer":
        try:
            number = int(raw)
        except ValueError:
            raise ValueError("Skriv et helt tall.", "Write a whole number.") from None
        low, high = field.minimum, field.maximum
        if (low is not None and number < low) or (high is not None and number > high):
            raise ValueError(f"Skriv et tall fra {low} til {high}.", f"Write {low} to {high}.")
        return number
    if field.type == "date":
        try:
            return dt.date.fromisoformat(raw).isoformat()
        except ValueError:
            raise ValueError(
                "Skriv datoen som åååå-mm-dd.", "Write the date as yyyy-mm-dd."
            ) from None
    if field.max_length is not None and len(raw) > field.max_length:
        raise ValueError(
            f"Høyst {field.max_length} tegn (du skrev {len(raw)}).",
            f"At most {field.max_length} characters (you wrote {len(raw)}).",
        )
    return raw


def _prefill(form: Form, task: Task) -> dict[str, str]:
    """A field whose name is a key of the order's metadata starts with that value."""
    metadata = task.metadata or {}
    lower = {str(key).lower(): value for key, value in metadata.items()}
    values = {}
    for field in form.fields:
        if field.name.lower() in lower:
            value = lower[field.name.lower()]
            values[field.name] = json.dumps(value) if isinstance(value, bool) else str(value)
    return values


# --- rendering ----------------------------------------------------------------------------


def _page(template: str, status: int = 200, **context: Any) -> HTMLResponse:
    html = _ENV.get_template(template).render(prefix=PORTAL_PREFIX, **context)
    return HTMLResponse(html, status_code=status)


async def _posted(request: Request) -> list[tuple[str, str]]:
    body = (await request.body()).decode("utf-8", errors="replace")
    return parse_qsl(body, keep_blank_values=True)


EngineDep = Depends(engine_of)


def _see(path: str) -> RedirectResponse:
    return RedirectResponse(f"{PORTAL_PREFIX}{path}", status_code=303)


# --- pages ----------------------------------------------------------------------------------


@router.get("/")
async def persons(engine: Engine = EngineDep) -> HTMLResponse:
    people = [_person(p) for p in engine.patients.values()]
    return _page("persons.html.j2", persons=people)


@router.get("/login")
async def login_form() -> HTMLResponse:
    return _page("login.html.j2", error=None, code="", birth_date="")


@router.post("/login")
async def login(request: Request, engine: Engine = EngineDep) -> Response:
    posted = dict(await _posted(request))
    code = posted.get("code", "").strip().upper()
    born = posted.get("birthDate", "").strip()
    order = engine.store.order_by_code(code) if code else None
    if order is not None and order.status != "Error" and _born_on(order.national_id, born):
        return _see(f"/tasks/{order.id}")
    return _page(
        "login.html.j2",
        status=401,
        error=LOGIN_REFUSED,
        code=posted.get("code", ""),
        birth_date=born,
    )


def _born_on(value: str, typed: str) -> bool:
    try:
        born = national_id.parse(value).birth_date
    except national_id.InvalidNationalId:
        return False
    for pattern in ("%Y-%m-%d", "%d.%m.%Y", "%d%m%Y", "%d%m%y"):
        try:
            if dt.datetime.strptime(typed, pattern).date() == born:  # noqa: DTZ007 - a date
                return True
        except ValueError:
            continue
    return False


@router.get("/persons/{key}")
async def inbox(key: str, engine: Engine = EngineDep) -> HTMLResponse:
    person = _person_by_key(engine, key)
    tasks = [
        _task(engine, order)
        for order in engine.store.orders_for(person.national_id)
        if order.status != "Error"
    ]
    letters = [
        (row, engine.store.letter_description(row.id))
        for row in engine.store.letters_for(person.national_id)
        if row.sent_status == "Sent"
    ]
    return _page(
        "inbox.html.j2",
        person=person,
        tasks=tasks,
        letters=letters,
        sms=engine.messages.inbox_messages("sms", person.national_id),
        emails=engine.messages.inbox_messages("email", person.national_id),
    )


@router.get("/persons/{key}/archive")
async def archive(key: str, engine: Engine = EngineDep) -> HTMLResponse:
    person = _person_by_key(engine, key)
    copies = engine.store.stored_copies(person.national_id)
    for copy in copies:
        copy["at"] = _local(copy["created_at"])
    done = [
        _task(engine, order)
        for order in engine.store.orders_for(person.national_id)
        if order.status == "Completed"
    ]
    return _page("archive.html.j2", person=person, copies=copies, done=done)


@router.get("/tasks/{order_id}")
async def task_page(order_id: str, engine: Engine = EngineDep) -> HTMLResponse:
    task = _task_by_id(engine, order_id)
    values = _prefill(task.form, task) if task.form else {}
    return _page("task.html.j2", task=task, values=values, problems={})


@router.post("/tasks/{order_id}")
async def submit(order_id: str, request: Request, engine: Engine = EngineDep) -> Response:
    """Deliver the form; a form that must be signed goes to the signing page first."""
    task = _task_by_id(engine, order_id)
    if not task.open or task.form is None:
        return _see(f"/tasks/{order_id}")
    posted = await _posted(request)
    answers, problems = parse_answers(task.form, posted)
    if problems:
        values = {key[2:]: value for key, value in posted if key.startswith("q.")}
        by_field = {p.field: p for p in problems}
        return _page("task.html.j2", status=400, task=task, values=values, problems=by_field)
    if task.order.must_be_signed:
        return _page(
            "sign.html.j2",
            task=task,
            answers=answers,
            posted=[(k, v) for k, v in posted if k.startswith("q.")],
            signing_text=task.order.signing_text or _DEFAULT_SIGNING_TEXT,
        )
    return _deliver(engine, task, answers, sign=False)


@router.post("/tasks/{order_id}/sign")
async def sign(order_id: str, request: Request, engine: Engine = EngineDep) -> Response:
    task = _task_by_id(engine, order_id)
    if not task.open or task.form is None:
        return _see(f"/tasks/{order_id}")
    posted = await _posted(request)
    answers, problems = parse_answers(task.form, posted)
    if problems:  # the answers travel in hidden inputs: check them again
        values = {key[2:]: value for key, value in posted if key.startswith("q.")}
        by_field = {p.field: p for p in problems}
        return _page("task.html.j2", status=400, task=task, values=values, problems=by_field)
    return _deliver(engine, task, answers, sign=True)


def _deliver(engine: Engine, task: Task, answers: dict[str, Any], *, sign: bool) -> Response:
    # The control API's complete: one code path for the answer callback.
    try:
        engine.orders.complete(task.id, CompleteRequest(answers=answers, sign=sign))
    except Refusal as exc:  # answered or expired meanwhile
        return _page("error.html.j2", status=exc.status, nb=exc.text, en=exc.text)
    return _see(f"/tasks/{task.id}")


@router.get("/tasks/{order_id}/signed.pdf")
async def signed_pdf(order_id: str, engine: Engine = EngineDep) -> Response:
    task = _task_by_id(engine, order_id)
    signed = task.order.signed_form_id
    content = engine.store.document(signed, task.order.system) if signed else None
    if content is None:
        raise _NotFound("Skjemaet er ikke signert", "The form is not signed")
    return _pdf(content, f"signert-{order_id}.pdf")


@router.get("/letters/{letter_id}/documents/{index}")
async def letter_document(letter_id: str, index: int, engine: Engine = EngineDep) -> Response:
    letter = engine.store.letter(letter_id)
    if letter is None or not 0 <= index < len(letter.documents):
        raise _NotFound("Ingen slik vedlegg", "No such document")
    document = letter.documents[index]
    content = engine.store.document(str(document.get("documentId", "")), letter.system)
    if content is None:
        raise _NotFound("Dokumentet er ikke tatt vare på", "The document was not kept")
    return _pdf(content, str(document.get("fileName") or f"dokument-{index + 1}.pdf"))


def _pdf(content: bytes, file_name: str) -> Response:
    disposition = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return Response(
        content, media_type="application/pdf", headers={"Content-Disposition": disposition}
    )


def add_portal(app: FastAPI) -> None:
    """Mount the portal on the simulator's app (with its 404 and refusal pages)."""
    app.include_router(router)

    @app.exception_handler(_NotFound)
    async def not_found(request: Request, exc: _NotFound) -> Response:
        return _page("error.html.j2", status=404, nb=exc.nb, en=exc.en)

    async def no_slash() -> RedirectResponse:
        return RedirectResponse(f"{PORTAL_PREFIX}/", status_code=308)

    app.add_api_route(PORTAL_PREFIX, no_slash, include_in_schema=False)

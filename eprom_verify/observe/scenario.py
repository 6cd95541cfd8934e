"""The scenario: the steps the ordering system must perform, written as ``scenario.json``.

Each step has a stable ``id``, the checkpoints it serves, the exact request to make (method,
path below ``PromsApiBaseUrl``, where the key goes, the body) and what eprom-verify expects
to see afterwards (the channel, the callbacks, a signed-document download). ``match`` names
the body fields an observed request is matched by. The format is documented in
docs/observe.md and docs/scenario.schema.json.

The test persons and forms come from fixtures/patients.yaml and forms.yaml; the expected
channel of each order is computed by :mod:`eprom_verify.channels`, the same code the
simulator decides with.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eprom_verify import channels, config
from eprom_verify.checklist import served_by_step
from eprom_verify.config import Form, Patient
from eprom_verify.contract import DistributionRule, NotificationChannel

__all__ = [
    "API_KEY_PLACEHOLDER",
    "SCENARIO_VERSION",
    "Expect",
    "Scenario",
    "Step",
    "StepKind",
    "StepRequest",
    "build_scenario",
    "scenario_schema",
]

SCENARIO_VERSION = "1"
#: Written where the key goes in a body (SMS, e-mail): the file never holds the key itself.
API_KEY_PLACEHOLDER = "${EPROM_API_KEY}"

StepKind = Literal[
    "form_order", "letter", "sms", "email", "privacy_get", "privacy_set", "patient_initiated"
]

_RAND12 = "1bc5f9f0-2607-49eb-94f0-6af955bbd79a"
_SIGNED_FORM = "3f6b2d1e-7c48-4a9b-b5e2-0d81c4f7a926"
_PVK = "b3cda307-154c-4af4-87d3-30567c931924"


def _sample_pdf() -> str:
    return base64.b64encode((config.fixtures_dir() / "sample.pdf").read_bytes()).decode()


class _Camel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)


class StepRequest(_Camel):
    method: Literal["POST", "GET"]
    path: str = Field(description="below PromsApiBaseUrl, e.g. /api/v2/formorder")
    auth: Literal["header", "body"] = Field(
        description="header: 'Authorization: Basic <raw key>'; body: the apiKey field"
    )
    body: dict[str, Any]


class Expect(_Camel):
    notification_channel: str | None = Field(
        default=None, description="the channel the status (or letter) callback must report"
    )
    status_callback: Literal["Ordered", "Error"] | None = None
    answer_callback: bool = False
    letter_callback: bool = False
    signed_document_download: bool = False
    success: bool = Field(default=False, description="SMS/e-mail: the answer says success")


class Step(_Camel):
    id: str
    title: str
    kind: StepKind
    performed_by: Literal["system", "patient"] = "system"
    checkpoints: list[str]
    request: StepRequest | None = None
    match: dict[str, Any] = Field(
        default_factory=dict, description="body fields (name → value) this step is matched by"
    )
    expect: Expect = Field(default_factory=Expect)
    patient: str = Field(description="key of the test person in fixtures/patients.yaml")

    @property
    def national_id(self) -> str:
        value = self.match.get("nationalId", "")
        return str(value)


class Scenario(_Camel):
    schema_version: str = SCENARIO_VERSION
    proms_api_base_url: str
    system_callback_url: str
    api_key_placeholder: str = API_KEY_PLACEHOLDER
    steps: list[Step]

    def step(self, step_id: str) -> Step:
        for step in self.steps:
            if step.id == step_id:
                return step
        raise KeyError(f"no step {step_id!r} in the scenario")

    def system_steps(self) -> list[Step]:
        return [s for s in self.steps if s.performed_by == "system"]

    def write(self, path: Path) -> Path:
        text = json.dumps(self.model_dump(mode="json", by_alias=True), indent=2, ensure_ascii=False)
        path.write_text(text + "\n", encoding="utf-8")
        return path


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of scenario.json (docs/scenario.schema.json is this, written out)."""
    schema = Scenario.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "eprom-verify observe scenario",
        "description": "The steps an ordering system performs for `eprom-verify observe` "
        "(docs/observe.md). Version " + SCENARIO_VERSION + ".",
        **{k: v for k, v in schema.items() if k not in ("title", "description")},
    }


def build_scenario(
    *,
    proms_api_base_url: str,
    system_callback_url: str,
    today: dt.date | None = None,
    patients: Sequence[Patient] | None = None,
    forms: Sequence[Form] | None = None,
) -> Scenario:
    """The standard scenario: every flow of Hemit's checklist and the extra areas."""
    today = today or dt.date.today()
    people = {p.key: p for p in (patients or config.load_patients().patients)}
    known_forms = {f.id: f for f in (forms or config.load_forms().forms)}
    expiry = f"{today + dt.timedelta(days=30):%Y-%m-%d}T00:00:00"
    make = _Maker(people, known_forms, today, expiry)
    steps = [
        make.order("order-basic", "Order RAND-12 with rule Basic", "verification-person",
                   rule="Basic", metadata={"age": 24, "visit": "poliklinikk"}),
        make.order("order-allow-unsecure", "Order with rule AllowUnsecure (SMS/e-mail only)",
                   "unsecure-only", rule="AllowUnsecure"),
        make.order("order-no-distribution", "Order with rule NoDistribution (single-use code)",
                   "helsenorge-adult", rule="NoDistribution"),
        make.order("order-paper", "Order with rule BasicOrPaper to a person with only an address",
                   "paper-only", rule="BasicOrPaper"),
        make.order("order-mailbox-only", "Order with rule DigitalMailboxOnly", "mailbox-only",
                   rule="DigitalMailboxOnly"),
        make.order("order-unreachable", "Order to a person reachable on no channel",
                   "unreachable", rule="Basic", answer=False),
        make.order("order-signing", "Order a form that must be signed", "helsenorge-adult",
                   rule="Basic", form_id=_SIGNED_FORM, sign=True),
        make.order("order-on-behalf-of", "Order on behalf of a child (the parent receives)",
                   "helsenorge-adult", rule="Basic", on_behalf_of="child-10"),
        make.letter("letter", "Send a letter (sensitive document)", "helsenorge-adult"),
        make.unsecure("sms", "Send an SMS", "unsecure-only"),
        make.unsecure("email", "Send an e-mail", "unsecure-only"),
        make.privacy("privacy-get", "Read a privacy setting", "verification-person", set_=False),
        make.privacy("privacy-set", "Set a privacy setting", "verification-person", set_=True),
        Step(id="patient-initiated", title="A patient orders and answers RAND-12 themself",
             kind="patient_initiated", performed_by="patient",
             checkpoints=served_by_step("patient_initiated"),
             match={"formId": _RAND12, "nationalId": people["docs-example-person"].national_id},
             expect=Expect(answer_callback=True), patient="docs-example-person"),
    ]  # fmt: skip
    return Scenario(
        proms_api_base_url=proms_api_base_url,
        system_callback_url=system_callback_url,
        steps=steps,
    )


class _Maker:
    def __init__(
        self, people: dict[str, Patient], forms: dict[str, Form], today: dt.date, expiry: str
    ) -> None:
        self.people = people
        self.forms = forms
        self.today = today
        self.expiry = expiry

    def order(
        self,
        step_id: str,
        title: str,
        patient: str,
        *,
        rule: str,
        form_id: str = _RAND12,
        sign: bool = False,
        on_behalf_of: str | None = None,
        metadata: dict[str, Any] | None = None,
        answer: bool = True,
    ) -> Step:
        person = self.people[patient]
        about = self.people[on_behalf_of] if on_behalf_of else None
        parsed = DistributionRule.parse(rule)
        form = self.forms[form_id]
        channel = self._channel(person, about, parsed, form)
        reached = (
            channel is not NotificationChannel.None_ or parsed is DistributionRule.NoDistribution
        )
        # what the step is, in the checklist's words (``Checkpoint.observe``)
        traits = [
            t
            for t, has in (("answered", answer and reached), ("signing", sign),
                           ("on_behalf_of", about is not None))
            if has
        ]  # fmt: skip
        body: dict[str, Any] = {
            "formId": form_id,
            "nationalId": person.national_id,
            "expiryDate": self.expiry,
            "distributionRule": rule,
            "mustBeSigned": sign,
            "dontStoreCompletedFormInPha": False,
        }
        if metadata is not None:
            body["metadata"] = json.dumps(metadata, separators=(",", ":"))
        if sign:
            body["signingText"] = "Jeg samtykker til deltakelse."
        if about is not None:
            body["onBehalfOfNationalId"] = about.national_id
        match = {k: body.get(k) for k in ("formId", "nationalId", "distributionRule",
                                           "mustBeSigned")}  # fmt: skip
        match["onBehalfOfNationalId"] = about.national_id if about else None
        return Step(
            id=step_id,
            title=title,
            kind="form_order",
            checkpoints=served_by_step("form_order", traits),
            request=StepRequest(method="POST", path="/api/v2/formorder", auth="header", body=body),
            match=match,
            expect=Expect(
                notification_channel=channel.wire_name,
                status_callback="Ordered" if reached else "Error",
                answer_callback=answer and reached,
                signed_document_download=sign,
            ),
            patient=patient,
        )

    def _channel(
        self, person: Patient, about: Patient | None, rule: DistributionRule, form: Form
    ) -> NotificationChannel:
        if about is not None:  # the representing parent gets it on Helsenorge (§3.1)
            helsenorge = NotificationChannel.Helsenorge
            if helsenorge in channels.reachable_channels(about, today=self.today):
                return helsenorge
        return channels.expected_channel(
            person, rule, today=self.today, paper_enabled=form.paper_enabled
        )

    def letter(self, step_id: str, title: str, patient: str) -> Step:
        person = self.people[patient]
        priority = [NotificationChannel.Helsenorge, NotificationChannel.DigitalMailbox]
        channel = channels.letter_channel(person, priority, today=self.today)
        body = {
            "nationalId": person.national_id,
            "senderInfo": {"organisationName": "Eksempelregisteret", "organisationNr": "999999999"},
            "messageInfo": {"title": "Brev fra registeret", "description": "Resultat"},
            "documentCollection": {
                "mainDocument": {
                    "title": "Brev fra registeret",
                    "fileName": "brev.pdf",
                    "mimeType": "application/pdf",
                    "content": _sample_pdf(),
                },
                "attachments": [],
            },
            "notificationPriorityList": [c.wire_name for c in priority],
        }
        return Step(
            id=step_id,
            title=title,
            kind="letter",
            checkpoints=served_by_step("letter"),
            request=StepRequest(
                method="POST", path="/api/v2/messagetocitizen", auth="header", body=body
            ),
            match={"nationalId": person.national_id},
            expect=Expect(notification_channel=channel.wire_name, letter_callback=True),
            patient=patient,
        )

    def unsecure(self, kind: Literal["sms", "email"], title: str, patient: str) -> Step:
        person = self.people[patient]
        if kind == "sms":
            path = "/api/unsecuremessagesms"
            body = {"apiKey": API_KEY_PLACEHOLDER, "smsText": "Husk timen din i morgen.",
                    "nationalId": person.national_id}  # fmt: skip
        else:
            path = "/api/unsecuremessageemail"
            body = {"apiKey": API_KEY_PLACEHOLDER, "emailTitle": "Påminnelse",
                    "emailText": "Husk timen din i morgen.", "nationalId": person.national_id}  # fmt: skip
        return Step(
            id=kind,
            title=title,
            kind=kind,
            checkpoints=served_by_step(kind),
            request=StepRequest(method="POST", path=path, auth="body", body=body),
            match={"nationalId": person.national_id},
            expect=Expect(success=True),
            patient=patient,
        )

    def privacy(self, step_id: str, title: str, patient: str, *, set_: bool) -> Step:
        person = self.people[patient]
        body: dict[str, Any] = {"nationalId": person.national_id, "pvkId": _PVK,
                                "type": "Reservasjon"}  # fmt: skip
        if set_:
            body["status"] = "Aktiv"
        path = "/api/v2/setpersonverninnstilling" if set_ else "/api/v2/getpersonverninnstilling"
        kind: StepKind = "privacy_set" if set_ else "privacy_get"
        return Step(
            id=step_id,
            title=title,
            kind=kind,
            checkpoints=served_by_step(kind),
            request=StepRequest(method="POST", path=path, auth="header", body=body),
            match={"nationalId": person.national_id, "pvkId": _PVK},
            patient=patient,
        )

"""Bodies of the control API (``/_simulator/…``): what a test sends and reads back.

camelCase on the wire like the ePROM API; :class:`~eprom_verify.simulator.control.ControlClient`
parses answers into these models.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from eprom_verify.contract import VolvenStatus
from eprom_verify.simulator.faults import FaultTarget, FaultType

__all__ = [
    "AttemptView",
    "CallbackView",
    "Cleared",
    "CompleteRequest",
    "FaultView",
    "FilledOutByRequest",
    "FormView",
    "InboxLetter",
    "InboxMessage",
    "InboxView",
    "InboxTask",
    "OnBehalfOfView",
    "OrderView",
    "OrderingSystemRequest",
    "OrderingSystemView",
    "PatientInitiatedRequest",
    "PatientView",
    "PersonvernChangeRequest",
    "Queued",
    "StoredCopyView",
    "WarningRequest",
]


class _View(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class _Request(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


# --- requests ------------------------------------------------------------------------


class FilledOutByRequest(_Request):
    national_id: str
    act_type: str = Field(
        default="SegSelv", description="Ukjent | SegSelv | Foreldrerepresentasjon | Fullmakt"
    )


class WarningRequest(_Request):
    field_name: str
    warning: str


class CompleteRequest(_Request):
    """``POST /_simulator/orders/{id}/complete``: the patient answers and delivers."""

    answers: dict[str, Any] | None = Field(
        default=None, description="field → value; generated from the form's fields when absent"
    )
    sign: bool = False
    paper: bool = Field(default=False, description="answered on paper: scannedPaperId is set")
    filled_out_by: FilledOutByRequest | None = None
    warnings: list[WarningRequest] | None = None


class PatientInitiatedRequest(_Request):
    """``POST /_simulator/patient-initiated``: a patient orders and answers a form themself."""

    form_id: str
    national_id: str
    answers: dict[str, Any] | None = None
    sign: bool = False
    ordering_system: str | None = Field(
        default=None, description="who gets the answer; default the first registered system"
    )


class PersonvernChangeRequest(_Request):
    """``POST /_simulator/personvern/change``: the citizen changes a privacy setting."""

    national_id: str
    pvk_id: str
    status: VolvenStatus
    ordering_system: str | None = Field(
        default=None, description="who is told; default every registered ordering system"
    )


class OrderingSystemRequest(_Request):
    """``POST /_simulator/ordering-systems``: register an ordering system (or replace one)."""

    name: str = Field(min_length=1)
    api_key: str = Field(min_length=1)
    callback_base_url: str


# --- answers -------------------------------------------------------------------------


class OrderingSystemView(_View):
    name: str
    callback_base_url: str


class AttemptView(_View):
    at: str
    status: int | None
    body: str | None
    error: str | None
    acknowledged: bool
    outcome: str | None = Field(
        default=None,
        description="acknowledged | refused | failed | unknown (cut off by a crash) | in flight",
    )


class CallbackView(_View):
    """One callback in the outbox and every attempt to deliver it."""

    id: int
    kind: str = Field(description="status | answer | letter | privacy")
    subject_id: str = Field(description="formOrderId, messageToCitizenId or nationalId")
    ordering_system: str
    state: str = Field(description="pending | delivered | dropped")
    faults: list[str]
    body: dict[str, Any] = Field(description="the payload, without the API key")
    created_at: str
    delivered_at: str | None
    attempts: list[AttemptView]


class OrderView(_View):
    """``GET /_simulator/orders/{id}``."""

    id: str
    ordering_system: str
    recipient: str
    on_behalf_of: str | None
    form_id: str
    subject: str = Field(description="the form's task title")
    distribution_rule: str
    channel: str
    status: str
    must_be_signed: bool
    test_mode: bool
    dont_store_completed_form_in_pha: bool
    is_patient_initiated: bool
    single_use_code: str | None
    signed_form_id: str | None
    scanned_paper_id: str | None
    created_at: str
    finished_at: str | None
    callbacks: list[CallbackView]


class OnBehalfOfView(_View):
    national_id: str
    name: str
    info_text: str


class InboxTask(_View):
    form_order_id: str
    form_id: str
    title: str
    cover_letter: str
    metadata: dict[str, Any] | None
    on_behalf_of: OnBehalfOfView | None
    status: str
    channel: str
    must_be_signed: bool


class InboxLetter(_View):
    message_to_citizen_id: str
    title: str | None
    sender: str | None
    channel: str
    documents: list[dict[str, Any]]


class InboxMessage(_View):
    address: str | None
    title: str | None
    text: str | None
    delivered: bool


class StoredCopyView(_View):
    form_order_id: str
    form_id: str
    title: str


class InboxView(_View):
    """``GET /_simulator/inbox/{nationalId}``: what the citizen sees."""

    national_id: str
    tasks: list[InboxTask]
    letters: list[InboxLetter]
    sms: list[InboxMessage]
    emails: list[InboxMessage]
    stored_copies: list[StoredCopyView]


class FaultView(_View):
    id: int
    type: FaultType
    callback: FaultTarget
    times: int | None
    remaining: int | None
    fired: int
    seconds: float | None
    form_order_id: str | None


class FormView(_View):
    id: str
    name: str
    published: bool
    paper_enabled: bool
    must_be_signed: bool
    patient_orderable: bool
    patient_ordered_must_be_signed: bool
    task_title: str
    public_url: str | None = Field(description="the patient-initiated link, when orderable")
    fields: list[dict[str, Any]]


class Queued(_View):
    """Outbox ids of the callbacks an action queued."""

    callbacks: list[int]


class Cleared(_View):
    cleared: int


class PatientView(_View):
    """A person in the simulated registry (national ID masked) and the channel per rule."""

    key: str
    national_id: str
    name: str
    registered: bool
    reachable: list[str]
    channels: dict[str, str]

"""Every request, response and callback of the ePROM contract (§3 and §4), once.

The client sends these, the simulator validates and answers with them, the listener
parses callbacks with them, the hypothesis strategies generate from them and the report
prints them. Field names follow the docs exactly (camelCase on the wire).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AliasChoices, Field

from eprom_verify.contract._base import (
    EpromModel,
    Guid,
    JsonObjectText,
    Timestamp,
    VolvenField,
    enum_field,
    json_object_text,
)
from eprom_verify.contract.enums import (
    DistributionRule,
    EventType,
    FilledOutByActType,
    FormOrderStatus,
    FormOrderStatusErrorCode,
    InstansEndret,
    NotificationChannel,
    PersonvernStatus,
    PersonvernType,
    SentStatus,
    WireForm,
)

__all__ = [
    "ANSWER_STATUSES",
    "NIL_GUID",
    "CallbackResponse",
    "Document",
    "DocumentCollection",
    "EmailRequest",
    "FilledOutBy",
    "FormAnswerCallback",
    "FormDataWarning",
    "FormOrderEvent",
    "FormOrderRequest",
    "FormOrderResponse",
    "FormOrderStatusCallback",
    "GetPersonvernInnstillingRequest",
    "MessageInfo",
    "MessageToCitizenCallback",
    "MessageToCitizenRequest",
    "MessageToCitizenResponse",
    "PatientInitiatedValues",
    "PersonvernInnstillingCallback",
    "PersonvernInnstillingResponse",
    "PhysicalAddress",
    "PvkError",
    "ResidentPersonvernInnstilling",
    "ResidentsActivePiRequest",
    "ResidentsActivePiResponse",
    "SenderInfo",
    "SetPersonvernInnstillingRequest",
    "SetPersonvernInnstillingResponse",
    "SmsRequest",
    "UnsecureMessageResponse",
    "parse_form_order_callback",
]

#: The id ePROM answers when no order was made (unknown national ID), and the value of
#: ``signedFormId`` / ``scannedPaperId`` when the form was not signed / not on paper.
NIL_GUID = "00000000-0000-0000-0000-000000000000"

RuleName = Annotated[DistributionRule, *enum_field(DistributionRule, WireForm.NAME)]
ChannelName = Annotated[NotificationChannel, *enum_field(NotificationChannel, WireForm.NAME)]
ChannelNumber = Annotated[NotificationChannel, *enum_field(NotificationChannel, WireForm.NUMBER)]
StatusName = Annotated[FormOrderStatus, *enum_field(FormOrderStatus, WireForm.NAME)]
ErrorCodeName = Annotated[
    FormOrderStatusErrorCode, *enum_field(FormOrderStatusErrorCode, WireForm.NAME)
]
SentStatusNumber = Annotated[SentStatus, *enum_field(SentStatus, WireForm.NUMBER)]
PvTypeNumber = Annotated[PersonvernType, *enum_field(PersonvernType, WireForm.NUMBER)]
PvStatusNumber = Annotated[PersonvernStatus, *enum_field(PersonvernStatus, WireForm.NUMBER)]
InstansEndretNumber = Annotated[InstansEndret, *enum_field(InstansEndret, WireForm.NUMBER)]
EventTypeName = Annotated[EventType, *enum_field(EventType, WireForm.NAME)]
ActTypeName = Annotated[FilledOutByActType, *enum_field(FilledOutByActType, WireForm.NAME)]


# --- 3.1 form order -----------------------------------------------------------------


class PhysicalAddress(EpromModel):
    full_name: str | None = None
    address_line1: str | None = None
    postal_code: str | None = None
    postal_place: str | None = None


class FormOrderRequest(EpromModel):
    """``POST {base}/api/v2/formorder`` (key in the Authorization header)."""

    form_id: Guid
    national_id: str
    expiry_date: Timestamp
    reminder_date: Timestamp | None = None
    metadata: JsonObjectText | None = None
    dont_store_completed_form_in_pha: bool = False
    distribution_rule: RuleName = DistributionRule.Basic
    must_be_signed: bool = False
    signing_text: str | None = None
    physical_address: PhysicalAddress | None = None
    test_mode: bool = False
    on_behalf_of_national_id: str | None = None

    def metadata_object(self) -> dict[str, Any] | None:
        return json_object_text(self.metadata, field="metadata")


class FormOrderResponse(FormOrderRequest):
    """The answer to a form order: every request field plus the order's id and channel."""

    id: Guid
    single_use_code: str | None = None
    login_url: str | None = None
    notification_channel: ChannelName = NotificationChannel.None_


# --- 3.2 letter (sensitive document) ------------------------------------------------


class SenderInfo(EpromModel):
    organisation_name: str | None = None
    organisation_nr: str | None = None


class MessageInfo(EpromModel):
    title: str | None = None
    description: str | None = None
    merknad: str | None = None


class Document(EpromModel):
    """One PDF of a letter. The shape is not documented: see the README, "What the docs leave open"."""

    title: str | None = None
    file_name: str | None = None
    mime_type: str = "application/pdf"
    content: str = Field(description="the file, base64")


class DocumentCollection(EpromModel):
    main_document: Document | None = None
    attachments: list[Document] = Field(default_factory=list)


class MessageToCitizenRequest(EpromModel):
    """``POST {base}/api/v2/messagetocitizen`` (key in the Authorization header)."""

    national_id: str
    sender_info: SenderInfo | None = None
    message_info: MessageInfo | None = None
    document_collection: DocumentCollection | None = None
    notification_priority_list: list[ChannelName] = Field(default_factory=list)
    test_mode: bool = False
    paper_color_print: bool = False


class MessageToCitizenResponse(EpromModel):
    notification_channel: ChannelName
    message_to_citizen_id: Guid


# --- 3.3 / 3.4 SMS and e-mail (key in the body) --------------------------------------


class SmsRequest(EpromModel):
    api_key: str | None = None
    sms_text: str | None = None
    national_id: str | None = None
    phone_number: str | None = None


class EmailRequest(EpromModel):
    api_key: str | None = None
    email_title: str | None = None
    email_text: str | None = None
    national_id: str | None = None
    email_address: str | None = None


class UnsecureMessageResponse(EpromModel):
    """``{success}``; the docs' examples read ``Success`` too, so both are accepted."""

    success: bool = Field(validation_alias=AliasChoices("success", "Success"))


# --- 3.6 privacy settings (key in the Authorization header) --------------------------


class GetPersonvernInnstillingRequest(EpromModel):
    national_id: str | None = None
    type: PvTypeNumber | None = None
    pvk_id: Guid | None = None


class PersonvernInnstillingResponse(EpromModel):
    national_id: str | None = None
    type: PvTypeNumber | None = None
    id: Guid | None = None
    name: str | None = None
    status: PvStatusNumber | None = None
    sequence_number: int | None = None
    created_date_time_offset: Timestamp | None = None
    last_changed_date_time_offset: Timestamp | None = None


class SetPersonvernInnstillingRequest(EpromModel):
    national_id: str | None = None
    pvk_id: Guid | None = None
    type: PvTypeNumber | None = None
    status: PvStatusNumber | None = None


class SetPersonvernInnstillingResponse(EpromModel):
    instans_endret: InstansEndretNumber


class ResidentsActivePiRequest(EpromModel):
    pvk_id: Guid | None = None
    paging_reference: int = 0


class ResidentPersonvernInnstilling(EpromModel):
    national_id: str
    sequence_number: int | None = None
    created_date_time_offset: Timestamp | None = None
    last_changed_date_time_offset: Timestamp | None = None


class ResidentsActivePiResponse(EpromModel):
    paging_reference: int
    id: Guid | None = None
    name: str | None = None
    part_kode: str | None = None
    type: PvTypeNumber | None = None
    personvern_innstillinger: list[ResidentPersonvernInnstilling] = Field(default_factory=list)


class PvkError(EpromModel):
    """The body of a 502 from the privacy endpoints: the privacy component's error."""

    status_code: int | None = None
    status: str | None = None
    message: str | None = None


# --- 4.1 / 4.2 callbacks on <ApiBaseUrl>/api/PromsFormOrder ------------------------


class FormOrderStatusCallback(EpromModel):
    """Order status: sent once the patient has been notified (or could not be)."""

    api_key: str | None = None
    form_order_id: Guid
    notification_channel: ChannelNumber = NotificationChannel.None_
    timestamp: Timestamp | None = None
    timestamp_utc: Timestamp | None = None
    form_order_status: StatusName
    form_order_status_error_code: ErrorCodeName = FormOrderStatusErrorCode.None_


class FormDataWarning(EpromModel):
    field_name: str | None = None
    warning: str | None = None


class PatientInitiatedValues(EpromModel):
    form_id: Guid | None = None
    national_id: str | None = None
    order_timestamp: Timestamp | None = None
    order_timestamp_utc: Timestamp | None = Field(default=None, alias="orderTimestampUTC")


class FormOrderEvent(EpromModel):
    event_type: EventTypeName
    question_id: str | None = None
    timestamp_utc: Timestamp | None = None


class FilledOutBy(EpromModel):
    filled_out_by_act_national_id: str | None = None
    filled_out_by_act_type: ActTypeName | None = None


class FormAnswerCallback(EpromModel):
    """Form answer: sent when the patient delivers, or the order expires."""

    api_key: str | None = None
    form_order_id: Guid
    form_data: JsonObjectText | None = None
    form_order_status: StatusName
    signed_form_id: Guid | None = None
    timestamp: Timestamp | None = None
    scanned_paper_id: Guid | None = None
    form_data_warnings: list[FormDataWarning] | None = None
    notification_channel: ChannelNumber | None = None
    is_patient_initiated: bool | None = None
    patient_initiated_values: PatientInitiatedValues | None = None
    form_order_event_log: list[FormOrderEvent] | None = None
    filled_out_by: FilledOutBy | None = None

    def form_data_object(self) -> dict[str, Any] | None:
        """``formData`` read as the JSON object it carries (raises ValueError if it is not)."""
        return json_object_text(self.form_data, field="formData")

    @property
    def is_signed(self) -> bool:
        return self.signed_form_id not in (None, NIL_GUID)


#: Statuses that only an answer callback carries; Ordered and Error are order-status.
ANSWER_STATUSES = frozenset(
    {
        FormOrderStatus.Completed,
        FormOrderStatus.Expired,
        FormOrderStatus.PhysicalMailReturned,
        FormOrderStatus.DigipostDelivered,
    }
)


def parse_form_order_callback(
    data: dict[str, Any],
) -> FormOrderStatusCallback | FormAnswerCallback:
    """Tell an order-status callback from an answer callback (same URL) and parse it.

    An answer has ``formData`` or an answer status (Completed, Expired, …); a status
    callback has Ordered or Error.
    """
    status = data.get("formOrderStatus")
    try:
        parsed = FormOrderStatus.parse(status)
    except ValueError:
        parsed = None
    if "formData" in data or parsed in ANSWER_STATUSES:
        return FormAnswerCallback.from_wire(data)
    return FormOrderStatusCallback.from_wire(data)


# --- 4.3 / 4.4 --------------------------------------------------------------------


class MessageToCitizenCallback(EpromModel):
    """Letter status on ``<ApiBaseUrl>/api/MessageToCitizen``."""

    api_key: str | None = None
    message_to_citizen_id: Guid
    notification_channel: ChannelNumber = NotificationChannel.None_
    sent_status: SentStatusNumber


class PersonvernInnstillingCallback(EpromModel):
    """Privacy setting changed, on ``<ApiBaseUrl>/api/PersonvernInnstilling`` (key in header)."""

    national_id: str
    id: Guid
    name: str | None = None
    status: VolvenField


class CallbackResponse(EpromModel):
    """What the ordering system answers to every callback."""

    success: bool = Field(validation_alias=AliasChoices("success", "Success"))

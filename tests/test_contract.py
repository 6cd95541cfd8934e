"""The contract as code: every documented payload round-trips, every code list reads both forms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from eprom_verify import contract
from eprom_verify.contract import (
    DistributionRule,
    EventType,
    FilledOutByActType,
    FormAnswerCallback,
    FormOrderStatus,
    FormOrderStatusCallback,
    FormOrderStatusErrorCode,
    InstansEndret,
    MessageToCitizenCallback,
    NotificationChannel,
    PersonvernStatus,
    PersonvernType,
    SentStatus,
    TimestampStyle,
    WireForm,
    format_timestamp,
    parse_form_order_callback,
    parse_timestamp,
)

PAYLOADS = Path(__file__).resolve().parent.parent / "fixtures" / "payloads"

#: payload file → the model it is (files with two documents are lists)
MODELS = {
    "form_order_request.json": contract.FormOrderRequest,
    "form_order_response.json": contract.FormOrderResponse,
    "form_order_status_callback_ordered.json": FormOrderStatusCallback,
    "form_order_status_callback_error.json": FormOrderStatusCallback,
    "form_answer_callback.json": FormAnswerCallback,
    "form_answer_callback_patient_initiated.json": FormAnswerCallback,
    "message_to_citizen_request.json": contract.MessageToCitizenRequest,
    "message_to_citizen_response.json": contract.MessageToCitizenResponse,
    "message_to_citizen_callback.json": MessageToCitizenCallback,
    "message_to_citizen_callback_2023.json": MessageToCitizenCallback,
    "sms_request.json": contract.SmsRequest,
    "email_request.json": contract.EmailRequest,
    "unsecure_message_response.json": contract.UnsecureMessageResponse,
    "unsecure_message_response_pascal.json": contract.UnsecureMessageResponse,
    "physical_address.json": contract.PhysicalAddress,
    "get_personverninnstilling_request.json": contract.GetPersonvernInnstillingRequest,
    "get_personverninnstilling_response.json": contract.PersonvernInnstillingResponse,
    "set_personverninnstilling_request.json": contract.SetPersonvernInnstillingRequest,
    "set_personverninnstilling_response.json": contract.SetPersonvernInnstillingResponse,
    "residents_active_pi_request.json": contract.ResidentsActivePiRequest,
    "residents_active_pi_response.json": contract.ResidentsActivePiResponse,
    "personverninnstilling_callback.json": contract.PersonvernInnstillingCallback,
    "pvk_error.json": contract.PvkError,
    "callback_response_true.json": contract.CallbackResponse,
    "callback_response_false.json": contract.CallbackResponse,
}

#: Read-only aliases: the docs' examples read `Success`; we write `success`.
NORMALISED = {"unsecure_message_response_pascal.json": {"Success": "success"}}


def test_every_payload_file_has_a_model():
    files = {p.name for p in PAYLOADS.glob("*.json")}
    assert files == set(MODELS), f"unmapped: {files - set(MODELS)}; missing: {set(MODELS) - files}"


@pytest.mark.parametrize("name", sorted(MODELS))
def test_payload_round_trips(name):
    document = json.loads((PAYLOADS / name).read_text(encoding="utf-8"))
    expected = document
    for old, new in NORMALISED.get(name, {}).items():
        expected = {(new if k == old else k): v for k, v in expected.items()}
    model = MODELS[name].from_wire(document)
    assert model.to_wire() == expected


def test_status_and_answer_callbacks_are_told_apart():
    ordered = json.loads((PAYLOADS / "form_order_status_callback_ordered.json").read_text())
    answer = json.loads((PAYLOADS / "form_answer_callback.json").read_text())
    assert isinstance(parse_form_order_callback(ordered), FormOrderStatusCallback)
    assert isinstance(parse_form_order_callback(answer), FormAnswerCallback)


def test_unknown_fields_are_kept():
    data = {
        "messageToCitizenId": "184738d0-3c39-e611-9c2a-34e6d72e03c7",
        "sentStatus": 0,
        "newField": {"x": [1]},
    }
    assert MessageToCitizenCallback.from_wire(data).to_wire() == data


def test_json_in_a_string_both_ways():
    request = contract.FormOrderRequest(
        form_id="1bc5f9f0-2607-49eb-94f0-6af955bbd79a",
        national_id="26670271527",
        expiry_date="2026-12-01T00:00:00.000Z",
        metadata={"age": 76, "sted": "Tromsø"},
    )
    assert request.to_wire()["metadata"] == '{"age":76,"sted":"Tromsø"}'
    assert request.metadata_object() == {"age": 76, "sted": "Tromsø"}
    answer = json.loads((PAYLOADS / "form_answer_callback.json").read_text())
    assert FormAnswerCallback.from_wire(answer).form_data_object()["HealthGeneral"] == 1


def test_enum_form_follows_the_field_and_can_be_forced():
    callback = MessageToCitizenCallback(
        message_to_citizen_id="184738d0-3c39-e611-9c2a-34e6d72e03c7",
        notification_channel=NotificationChannel.Helsenorge,
        sent_status=SentStatus.Sent,
    )
    assert callback.to_wire()["notificationChannel"] == 1
    assert callback.to_wire(enum_form=WireForm.NAME)["sentStatus"] == "Sent"


CODE_LISTS = [
    (DistributionRule, ["Basic", "AllowUnsecure", "NoDistribution", "BasicOrPaper", "AllowUnsecureOrPaper", "PaperOnly", "HelsenorgeOnly", "DigitalMailboxOnly", "UnsecureOnly"]),
    (NotificationChannel, ["None", "Helsenorge", "DigitalMailbox", "Unsecure", "PhysicalMailbox"]),
    (FormOrderStatus, ["Completed", "Expired", "Ordered", "Error", "PhysicalMailReturned", "DigipostDelivered"]),
    (FormOrderStatusErrorCode, ["None", "PatientUnreachable", "SikkerDigitalPostError"]),
    (SentStatus, ["Sent", "Error"]),
    (PersonvernType, ["Reservasjon", "Samtykke"]),
    (PersonvernStatus, ["IkkeAktiv", "Aktiv"]),
    (InstansEndret, ["IkkeEndret", "Endret"]),
    (EventType, ["FormOpened", "QuestionAccessed", "SigningStarted", "SigningCancelled", "SigningError", "SigningCompleted", "FormDelivered"]),
    (FilledOutByActType, ["Ukjent", "SegSelv", "Foreldrerepresentasjon", "Fullmakt"]),
]  # fmt: skip


@pytest.mark.parametrize(("enum", "names"), CODE_LISTS, ids=[e.__name__ for e, _ in CODE_LISTS])
def test_code_list_reads_names_and_numbers(enum, names):
    for number, name in enumerate(names):
        by_name, by_number = enum.parse(name), enum.parse(number)
        assert by_name is by_number
        assert enum.parse(str(number)) is by_name
        assert enum.parse(name.lower()) is by_name
        assert by_name.wire(WireForm.NAME) == name
        assert by_name.wire(WireForm.NUMBER) == number


@pytest.mark.parametrize(("enum", "names"), CODE_LISTS, ids=[e.__name__ for e, _ in CODE_LISTS])
@pytest.mark.parametrize("bad", ["Nope", len, 99, -1, True, None, 1.5])
def test_code_list_refuses_others_listing_allowed(enum, names, bad):
    value = len(names) if bad is len else bad
    with pytest.raises(ValueError, match="allowed") as info:
        enum.parse(value)
    for name in names:
        assert name in str(info.value)


def test_model_refusal_lists_allowed_values():
    with pytest.raises(ValueError, match="0 = None, 1 = Helsenorge"):
        MessageToCitizenCallback.from_wire(
            {
                "messageToCitizenId": "184738d0-3c39-e611-9c2a-34e6d72e03c7",
                "sentStatus": 0,
                "notificationChannel": "Fax",
            }
        )


@pytest.mark.parametrize(
    "text",
    ["2023-03-29T10:20:10.1804332", "2023-03-29T08:20:10.1804332Z", "2019-05-03T00:00:00+02:00",
     "2021-05-07 09:17:51.220", "2023-03-29T10:01:49.857", "2023-03-29T08:01:49.857Z"],
)  # fmt: skip
def test_documented_timestamps_parse(text):
    assert parse_timestamp(text).year in (2019, 2021, 2023)


@given(
    st.datetimes(
        min_value=__import__("datetime").datetime(1990, 1, 1),
        max_value=__import__("datetime").datetime(2090, 1, 1),
    )
)
def test_timestamps_round_trip_in_every_style(moment):
    for style in (TimestampStyle.LOCAL_7, TimestampStyle.SPACE_MS, TimestampStyle.UTC_7):
        back = parse_timestamp(format_timestamp(moment, style))
        precision = 1000 if style is TimestampStyle.SPACE_MS else 1
        assert abs((back.replace(tzinfo=None) - moment).total_seconds()) * 1e6 < precision


@pytest.mark.parametrize("bad", ["yesterday", "2023-13-01T00:00:00", "29.03.2023 10:20"])
def test_bad_timestamps_are_refused(bad):
    with pytest.raises(ValueError, match="timestamp"):
        parse_timestamp(bad)


def test_public_surface_is_sorted_and_complete():
    import eprom_verify

    def order(names):  # constants first, then the rest, each sorted (ruff's RUF022 order)
        return sorted(names, key=lambda n: (not n.isupper(), n))

    assert eprom_verify.__all__ == order(eprom_verify.__all__)
    assert contract.__all__ == order(contract.__all__)
    for name in contract.__all__:
        assert hasattr(contract, name)

"""Letters (contract §3.2, §4.3), SMS (§3.3) and e-mail (§3.4)."""

from __future__ import annotations

import string
import time
import uuid
from typing import TYPE_CHECKING, Any

from eprom_verify import channels
from eprom_verify.contract import (
    NIL_GUID,
    CallbackKind,
    DocumentShape,
    EmailRequest,
    MessageToCitizenCallback,
    MessageToCitizenRequest,
    MessageToCitizenResponse,
    NotificationChannel,
    PlainDocument,
    SentStatus,
    SmsRequest,
    refusals,
)
from eprom_verify.simulator.checks import check_national_id
from eprom_verify.simulator.errors import Refusal
from eprom_verify.simulator.faults import RequestKind
from eprom_verify.simulator.store import LetterRow, SystemRow
from eprom_verify.simulator.views import InboxLetter, InboxMessage
from eprom_verify.simulator.wire import wire_dict

if TYPE_CHECKING:
    from eprom_verify.simulator.desk import EngineServices

__all__ = ["MessageDesk"]

_MB = 1024 * 1024
#: the base64 alphabet and its padding ``=`` (which only may end a document's content)
_BASE64_ALPHABET = (string.ascii_letters + string.digits + "+/=").encode("ascii")


class MessageDesk:
    """Letters to citizens, SMS and e-mail."""

    def __init__(self, engine: EngineServices) -> None:
        self._engine = engine
        self._store = engine.store

    # --- POST /api/v2/messagetocitizen -----------------------------------------------

    def send_letter(self, system: SystemRow, request: MessageToCitizenRequest) -> dict[str, Any]:
        check_national_id(request.national_id)
        documents = self._documents(request)
        self._engine.request_fault(self._engine.faults.take_request(RequestKind.LETTER))
        patient = self._engine.registered_patient(request.national_id)
        if patient is None:  # not in the registry: nothing sent, no letter, no callback
            return _letter_response(NotificationChannel.None_, NIL_GUID)
        channel = channels.letter_channel(
            patient, request.notification_priority_list, today=self._engine.settings.today_date()
        )
        if channel is NotificationChannel.None_:
            # Unreachable on every listed channel: "er det ikke sendt noe melding til
            # innbygger" — the same answer as an unknown national ID, and no letter exists
            # whose status could be called back (docs/simulator.md, choices).
            return _letter_response(NotificationChannel.None_, NIL_GUID)
        letter_id = str(uuid.uuid4())
        info = request.message_info
        sender = request.sender_info
        row = LetterRow(
            id=letter_id,
            system=system.name,
            national_id=request.national_id,
            channel=int(channel),
            sent_status=SentStatus.Sent.name,
            title=info.title if info else None,
            sender=sender.organisation_name if sender else None,
            documents=[
                {
                    "title": d.title,
                    "fileName": d.file_name,
                    "bytes": len(d.content),
                    "documentId": f"{letter_id}/{n}",  # the portal's download (a '/': no GUID)
                }
                for n, d in enumerate(documents)
            ],
            test_mode=request.test_mode,
            created_at=time.time(),
        )
        with self._store.transaction():
            self._store.add_letter(row)
            self._store.add_letter_description(letter_id, info.description if info else None)
            for n, document in enumerate(documents):
                self._store.add_document(
                    f"{letter_id}/{n}", letter_id, system.name, document.content
                )
            if not request.test_mode:
                self._letter_callback(system.name, letter_id, channel)
        return _letter_response(channel, letter_id)

    def _documents(self, request: MessageToCitizenRequest) -> list[PlainDocument]:
        raw = (
            request.document_collection.model_dump(mode="json", by_alias=True)
            if request.document_collection is not None
            else None
        )
        shape = self._engine.settings.document_shape
        limit = self._engine.settings.max_document_bytes
        oversized = _oversized_before_decoding(shape, raw, limit)
        if oversized is not None:
            name, size = oversized
            raise Refusal(400, _too_big(name, size, limit))
        try:
            main, attachments = shape.decode(raw)
        except ValueError as exc:
            raise Refusal(400, f"documentCollection: {exc}") from None
        if main is None:
            raise Refusal(400, refusals.MAIN_DOCUMENT_MISSING)
        for document in (main, *attachments):
            size = len(document.content)
            if size > limit:
                raise Refusal(400, _too_big(document.file_name, size, limit))
        return [main, *attachments]

    def _letter_callback(self, system: str, letter_id: str, channel: NotificationChannel) -> None:
        def build() -> MessageToCitizenCallback:
            return MessageToCitizenCallback(
                message_to_citizen_id=letter_id,
                notification_channel=channel,
                sent_status=SentStatus.Sent,
            )

        self._engine.enqueue(CallbackKind.LETTER, subject_id=letter_id, system=system, build=build)

    # --- POST /api/unsecuremessagesms and /api/unsecuremessageemail ------------------

    def send_sms(self, request: SmsRequest) -> dict[str, Any]:
        return self._send_unsecure(
            "sms", request.api_key, request.national_id, request.phone_number,
            title=None, text=request.sms_text,
        )  # fmt: skip

    def send_email(self, request: EmailRequest) -> dict[str, Any]:
        return self._send_unsecure(
            "email", request.api_key, request.national_id, request.email_address,
            title=request.email_title, text=request.email_text,
        )  # fmt: skip

    def _send_unsecure(
        self,
        kind: str,
        api_key: str | None,
        national_id: str | None,
        given_address: str | None,
        *,
        title: str | None,
        text: str | None,
    ) -> dict[str, Any]:
        """SMS or e-mail: to the given address, else the person's KRR one when reachable."""
        system = self._engine.system_from_body_key(api_key)
        if not national_id and not given_address:
            field = "phoneNumber" if kind == "sms" else "emailAddress"
            raise Refusal(400, refusals.recipient_missing(field))
        if kind == "sms" and not (text or "").strip():
            # Silent in the guide; ASP.NET's [Required] text (docs/simulator.md, leniencies)
            raise Refusal(400, "The SmsText field is required.")
        address = given_address or self._krr_address(
            national_id, "phone" if kind == "sms" else "email"
        )
        self._store.add_unsecure_message(
            system=system.name,
            kind=kind,
            national_id=national_id or None,
            address=address,
            title=title,
            text=text,
            success=address is not None,
        )
        return {"success": address is not None}

    def _krr_address(self, national_id: str | None, kind: str) -> str | None:
        """The person's KRR phone or e-mail, when the Unsecure channel reaches them."""
        patient = self._engine.registered_patient(national_id or "")
        if patient is None or patient.krr is None:
            return None
        today = self._engine.settings.today_date()
        if NotificationChannel.Unsecure not in channels.reachable_channels(patient, today=today):
            return None
        return patient.krr.phone if kind == "phone" else patient.krr.email

    # --- the citizen's inbox ---------------------------------------------------------

    def inbox_letters(self, national_id: str) -> list[InboxLetter]:
        return [
            InboxLetter(
                message_to_citizen_id=row.id,
                title=row.title,
                sender=row.sender,
                channel=NotificationChannel(row.channel).wire_name,
                documents=row.documents,
            )
            for row in self._store.letters_for(national_id)
            if row.sent_status == SentStatus.Sent.name
        ]

    def inbox_messages(self, kind: str, national_id: str) -> list[InboxMessage]:
        patient = self._engine.patients.get(national_id)
        addresses: list[str] = []
        if patient is not None and patient.krr is not None:
            address = patient.krr.phone if kind == "sms" else patient.krr.email
            addresses = [address] if address else []
        return [
            InboxMessage(
                address=row["address"],
                title=row["title"],
                text=row["text"],
                delivered=bool(row["success"]),
            )
            for row in self._store.unsecure_messages(kind, national_id, addresses)
        ]


def _letter_response(channel: NotificationChannel, letter_id: str) -> dict[str, Any]:
    response = MessageToCitizenResponse(
        notification_channel=channel, message_to_citizen_id=letter_id
    )
    return wire_dict(response)


def _too_big(file_name: str, size: int, limit: int) -> str:
    return (
        f"Document '{file_name}' is {size} bytes ({size / _MB:.1f} MB): "
        f"letters take PDF files up to {limit} bytes ({limit / _MB:g} MB) — "
        "split it or make it smaller"
    )


def _oversized_before_decoding(
    shape: DocumentShape, raw: Any, limit: int
) -> tuple[str, int] | None:
    """The first document over ``limit`` (file name, bytes), told from its base64's length.

    Only when the collection is one :meth:`DocumentShape.decode` reads without an error (a
    main document; every content plain padded base64) — then the refusal is the one decoding
    would give, without decoding 40 MB of it (issue 25: 0.2 s of the run). Anything else is
    None: decode as always, and its error comes first as before.
    """
    if not isinstance(raw, dict) or not raw.get(shape.main_document):
        return None
    items = raw.get(shape.attachments) or []
    if not isinstance(items, list):
        return None
    first: tuple[str, int] | None = None
    for document in (raw[shape.main_document], *items):
        if not isinstance(document, dict):
            return None
        size = _plain_base64_size(document.get(shape.content))
        if size is None:
            return None
        if size > limit and first is None:
            first = (str(document.get(shape.file_name) or ""), size)
    return first


def _plain_base64_size(content: Any) -> int | None:
    """The decoded length of ``content`` if it is plain base64 (length a multiple of 4, the
    alphabet, at most two ``=`` at the end) — what ``b64decode(validate=True)`` takes
    as it is; None for anything else."""
    if not isinstance(content, str) or not content.isascii() or len(content) % 4:
        return None
    pads = content.count("=")  # (no copy of 40 MB: count, then one encode and translate)
    if pads > 2 or not content.endswith("=" * pads):
        return None
    if content.encode("ascii").translate(None, _BASE64_ALPHABET):
        return None
    return len(content) // 4 * 3 - pads

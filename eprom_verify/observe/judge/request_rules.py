"""Rules about the system's own requests toward ePROM: method, key, body and ePROM's answer.

Each returns a problem — (what is wrong, expected, received, what to change), ours in
both languages — or None; :class:`~.steps.Judge` turns the first one into the step's
``request`` finding."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pydantic import ValidationError

from eprom_verify import national_id
from eprom_verify.contract import (
    NIL_GUID,
    EmailRequest,
    EpromModel,
    FormOrderRequest,
    GetPersonvernInnstillingRequest,
    MessageToCitizenRequest,
    SetPersonvernInnstillingRequest,
    SmsRequest,
    refusals,
)
from eprom_verify.wording import Text

from ..front import Exchange
from ..scenario import Step, StepKind
from .reading import _json, _text, answer_error

_MODELS: dict[StepKind, type[EpromModel]] = {
    "form_order": FormOrderRequest,
    "letter": MessageToCitizenRequest,
    "sms": SmsRequest,
    "email": EmailRequest,
    "privacy_get": GetPersonvernInnstillingRequest,
    "privacy_set": SetPersonvernInnstillingRequest,
}

_DOCUMENTED_400 = (
    refusals.FORM_NOT_PUBLISHED,
    refusals.SIGNING_WITH_NO_DISTRIBUTION,
    refusals.SIGNING_ON_BEHALF_OF,
    refusals.METADATA_INVALID_PREFIX,
    refusals.MAIN_DOCUMENT_MISSING,
    "No form with id=",
    "Form with id=",
    "nationalId: ",
    "onBehalfOfNationalId: ",
    "Either nationalId or ",
    "apiKey '",
)

#: a JSON value's Python type, as a bokmål noun phrase (metadata sent as an object)
_JSON_KINDS_NB = {
    "dict": "et JSON-objekt",
    "list": "en JSON-liste",
    "int": "et tall",
    "float": "et tall",
    "bool": "en sannhetsverdi",
}

#: a problem and what to change, both ours; expected and received may be a payload
_Problem = tuple[Text, Any, Any, Text]


def request_problem(step: Step, exchange: Exchange, key: str) -> _Problem | None:
    """The first problem with one request of ``step`` (None: it is right)."""
    assert step.request is not None
    if exchange.method != step.request.method:
        want = step.request.method
        return (Text(en=f"method {exchange.method}, expected {want}",
                     nb=f"metode {exchange.method}, forventet {want}"),
                want, exchange.method, Text(en=f"send {want}", nb=f"bruk {want}"))  # fmt: skip
    body = _json(exchange.request_body)
    problem = auth_problem(step, exchange, body, key)
    if problem is None:
        problem = _body_problem(step, exchange, body)
    return problem if problem is not None else _response_problem(step, exchange)


def auth_problem(step: Step, exchange: Exchange, body: Any, key: str) -> _Problem | None:
    """The key: ``Authorization: Basic <raw key>``, or ``apiKey`` in the body (SMS, e-mail)."""
    assert step.request is not None
    if step.request.auth == "body":
        given = body.get("apiKey") if isinstance(body, dict) else None
        if given == key:
            return None
        shown = (Text(en="missing", nb="mangler") if not given else
                 Text(en="another value than the key", nb="en annen verdi enn nøkkelen"))  # fmt: skip
        verb = "" if not given else "er "
        return (Text(en=f"the body's apiKey is {shown.en}",
                     nb=f"apiKey i innholdet {verb}{shown.nb}"),
                Text(en="apiKey: <the API key>", nb="apiKey: <API-nøkkelen>"),
                "apiKey: " + shown,
                Text(en="put the raw API key in the apiKey field of the body",
                     nb="legg selve API-nøkkelen i feltet apiKey i innholdet"))  # fmt: skip
    header = exchange.header("Authorization")
    if header == f"Basic {key}":
        return None
    received = _describe_authorization(header, key)
    verb = "" if header is None else "er "
    return (
        Text(
            en=f"Authorization header is {received.en}",
            nb=f"Authorization-headeren {verb}{received.nb}",
        ),
        Text(
            en="Authorization: Basic <the raw API key>",
            nb="Authorization: Basic <selve API-nøkkelen>",
        ),
        "Authorization: " + received,
        Text(
            en="send 'Authorization: Basic ' followed by the API key itself — not base64, "
            "not user:password",
            nb="send 'Authorization: Basic ' fulgt av selve API-nøkkelen — ikke base64, "
            "ikke user:password",
        ),
    )


def _describe_authorization(header: str | None, key: str) -> Text:
    if header is None:
        return Text(en="missing", nb="mangler")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        return Text(en=f"'{scheme} …' (not Basic)", nb=f"'{scheme} …' (ikke Basic)")
    value = value.strip()
    try:
        decoded = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        decoded = None
    if decoded is not None and key in decoded:
        shape = (Text.same("user:key") if ":" in decoded else
                 Text(en="the key", nb="nøkkelen"))  # fmt: skip
        return Text(en=f"'Basic ' + base64 of {shape.en} (the key is base64-encoded)",
                    nb=f"'Basic ' + base64 av {shape.nb} (nøkkelen er base64-kodet)")  # fmt: skip
    return Text(en="'Basic ' + a value that is not the API key",
                nb="'Basic ' + en verdi som ikke er API-nøkkelen")  # fmt: skip


def _body_problem(step: Step, exchange: Exchange, body: Any) -> _Problem | None:
    if not isinstance(body, dict):
        return (Text(en="the body is not a JSON object", nb="innholdet er ikke et JSON-objekt"),
                Text(en="a JSON object", nb="et JSON-objekt"),
                exchange.request_body[:200].decode("utf-8", "replace"),
                Text(en="send Content-Type: application/json with a JSON object",
                     nb="send Content-Type: application/json med et JSON-objekt"))  # fmt: skip
    if step.kind == "form_order":
        problem = _form_order_fields(body)
        if problem is not None:
            return problem
    try:
        _MODELS[step.kind].from_wire(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        said = f"{where}: {first['msg']}"  # pydantic's words, as it said them
        return (Text(en=f"the body does not follow the contract: {said}",
                     nb=f"innholdet følger ikke kontrakten: {said}"),
                Text(en=f"{where} as documented", nb=f"{where} slik det er dokumentert"),
                body.get(str(first["loc"][0])) if first["loc"] else body,
                Text(en=f"fix the field {where}", nb=f"rett feltet {where}"))  # fmt: skip
    for name in ("nationalId", "onBehalfOfNationalId"):
        value = body.get(name)
        if isinstance(value, str) and value:
            problem = _national_id_problem(name, value)
            if problem is not None:
                return problem
    if step.kind == "letter":
        collection = body.get("documentCollection") or {}
        if not isinstance(collection, dict) or not collection.get("mainDocument"):
            return (Text(en="documentCollection has no mainDocument",
                         nb="documentCollection mangler mainDocument"),
                    "documentCollection.mainDocument", collection,
                    Text(en="add the letter's PDF as the main document",
                         nb="legg ved brevets PDF som hoveddokument (mainDocument)"))  # fmt: skip
    return None


def _form_order_fields(body: dict[str, Any]) -> _Problem | None:
    metadata = body.get("metadata")
    if metadata is not None and not isinstance(metadata, str):
        kind = type(metadata).__name__
        shown = _JSON_KINDS_NB.get(kind, f"en JSON-verdi ({kind})")
        return (Text(en=f"metadata is a JSON {kind}, not a string",
                     nb=f"metadata er {shown}, ikke en streng"),
                Text(en='a string holding JSON, e.g. "{\\"age\\":76}"',
                     nb='en streng med JSON, f.eks. "{\\"age\\":76}"'),
                metadata,
                Text(en="serialise the metadata object to a JSON string before putting it in the "
                        "body",
                     nb="gjør metadata-objektet om til en JSON-streng før det legges i "
                        "innholdet"))  # fmt: skip
    if isinstance(metadata, str):
        try:
            parsed = json.loads(metadata)
        except ValueError as exc:
            return (Text(en=f"metadata is not valid JSON ({exc})",
                         nb=f"metadata er ikke gyldig JSON ({exc})"),
                    Text(en="a string holding a JSON object", nb="en streng med et JSON-objekt"),
                    metadata,
                    Text(en="write metadata with a JSON serialiser",
                         nb="skriv metadata med en JSON-serialiserer"))  # fmt: skip
        if not isinstance(parsed, dict):
            return (Text(en="metadata holds JSON that is not an object",
                         nb="metadata inneholder JSON som ikke er et objekt"),
                    Text(en="a JSON object as text", nb="et JSON-objekt som tekst"),
                    metadata,
                    Text(en="wrap the values in an object", nb="legg verdiene i et objekt"))  # fmt: skip
    return None


def _national_id_problem(name: str, value: str) -> _Problem | None:
    expected = Text(en="a fødselsnummer or D-number", nb="et fødselsnummer eller D-nummer")
    try:
        parsed = national_id.parse(value)
    except ValueError as exc:
        return (Text(en=f"{name} is not a national ID: {exc}",
                     nb=f"{name} er ikke et gyldig fødselsnummer eller D-nummer: {exc}"),
                expected, national_id.mask(value),
                Text(en=f"send an 11-digit {name}", nb=f"send {name} med 11 sifre"))  # fmt: skip
    if not parsed.accepted_by_eprom:
        return (Text(en=f"{name} is an {parsed.kind}, which ePROM refuses",
                     nb=f"{name} er et {parsed.kind}, som ePROM avviser"),
                expected, str(parsed.kind),
                Text(en="use a fødselsnummer or D-number",
                     nb="bruk et fødselsnummer eller D-nummer"))  # fmt: skip
    return None


def _response_problem(step: Step, exchange: Exchange) -> _Problem | None:
    if exchange.status is None:
        error = answer_error(exchange)
        return (Text(en=f"got no answer from ePROM ({error.en})",
                     nb=f"fikk ikke svar fra ePROM ({error.nb})"),
                Text(en="an answer", nb="et svar"), error,
                Text(en="check PromsApiBaseUrl", nb="kontroller PromsApiBaseUrl"))  # fmt: skip
    text = _text(exchange)
    if exchange.status == 400 and text.startswith(_DOCUMENTED_400):
        return (Text(en=f"ePROM refused it with 400 {text!r} — a documented refusal: the request "
                        "is wrong",
                     nb=f"ePROM avviste den med 400 {text!r} — en dokumentert avvisning: "
                        "forespørselen er feil"),
                "200", {"status": 400, "text": text},
                Text(en="change the request so ePROM accepts it (see the text)",
                     nb="endre forespørselen slik at ePROM godtar den (se teksten)"))  # fmt: skip
    if not 200 <= exchange.status < 300:
        return (Text(en=f"ePROM answered HTTP {exchange.status}: {text[:200]!r}",
                     nb=f"ePROM svarte HTTP {exchange.status}: {text[:200]!r}"), "200",
                {"status": exchange.status, "text": text[:200]},
                Text(en="see ePROM's answer; 401 means the key is missing or wrong",
                     nb="se svaret fra ePROM; 401 betyr at nøkkelen mangler eller er feil"))  # fmt: skip
    answer = _json(exchange.response_body)
    if step.kind in ("sms", "email"):
        success = answer.get("success", answer.get("Success")) if isinstance(answer, dict) else None
        if success is not True:
            return (Text(en="ePROM did not answer success: true",
                         nb="ePROM svarte ikke success: true"), {"success": True}, answer,
                    Text(en="check the recipient and the text",
                         nb="kontroller mottakeren og teksten"))  # fmt: skip
    if step.kind == "form_order" and isinstance(answer, dict):
        if str(answer.get("id", "")).lower() == NIL_GUID:
            return (Text(en="ePROM made no order (id all zeros: the national ID is not in the "
                            "registry)",
                         nb="ePROM opprettet ingen bestilling (id med bare nuller: "
                            "fødselsnummeret finnes ikke i registeret)"),
                    Text(en="an order id", nb="en bestillings-id"), answer.get("id"),
                    Text(en="use the scenario's test person",
                         nb="bruk testpersonen fra scenariet"))  # fmt: skip
    return None

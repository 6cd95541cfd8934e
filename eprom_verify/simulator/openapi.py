"""The OpenAPI document of the simulator: ePROM's API as precisely as the guide allows.

FastAPI generates the skeleton from the routes and the contract models; :func:`refine`
then adds what the models cannot say on their own and what the simulator enforces:

* formats and patterns — GUIDs (``format: uuid``), national IDs (11 digits), the
  documented timestamp styles — on every field that carries one;
* the fields every answer always holds (``required``), and the enums as names *and*
  numbers (a request may send either; the description says which form ePROM writes);
* the documented error answers of each operation, with ePROM's texts as examples. A 400
  that ePROM documents for a *well-formed* request (an unknown form, an H-number, …) is
  marked ``x-eprom-refuses-well-formed-requests: true`` — a request that fits the schema
  can still get it, and a client must handle it;
* how each operation authenticates: the ``Authorization`` header (401 when wrong), the
  letter's header *or* body key (400 when wrong, so the header is optional), the body key
  of SMS and e-mail; the control API's bearer token (``controlToken``, needed only when the
  simulator was started with one), so Swagger UI's "Authorize" can send both;
* the guide's example payloads (``fixtures/payloads/``) as examples, the three callbacks
  as ``webhooks`` with their bodies and answers, and links from an order to the control
  API (so a stateful test can follow an order);
* the control API's fault format, with ``seconds`` only for delay faults.

The published copy is ``docs/eprom-openapi.json``; regenerate it with
``eprom-verify simulator --write-openapi docs/eprom-openapi.json`` (a test asserts it
equals what the server serves).

One topic, the published OpenAPI document, so it is long.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from eprom_verify.contract import EpromModel, WireForm, refusals
from eprom_verify.contract import models as contract_models

from .faults import CALLBACK_FAULTS, NARROWS, REQUEST_FAULTS, FaultTarget, FaultType
from .service import PUBLIC_CONTROL_PATHS, TOKEN_MISSING, TOKEN_WRONG

__all__ = [
    "CONTROL_SCHEME",
    "GUID_PATTERN",
    "NATIONAL_ID_PATTERN",
    "REFUSES_WELL_FORMED",
    "TIMESTAMP_PATTERN",
    "in_written_form",
    "published_text",
    "refine",
]

Schema = dict[str, Any]

GUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
NATIONAL_ID_PATTERN = "^[0-9]{11}$"
#: Every documented style (contract §4.5): a date, or a date and time with an optional
#: fraction of 1–7 digits and an optional zone (``Z``, ``+02:00``).
#: A date the simulator can read: year 0001–9999, each month's own days (29 February is
#: left out: a pattern cannot tell leap years; the simulator reads it in a leap year).
TIMESTAMP_PATTERN = (
    "^(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-"
    "((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    "|02-(0[1-9]|1[0-9]|2[0-8]))"
    "([T ]([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?([.][0-9]{1,7})?"
    "(Z|[+-](0[0-9]|1[0-4]):?[0-5][0-9])?)?$"
)
#: What a C# ``long`` holds: a larger number is a 400 (System.Text.Json's text).
INT64_MAX = 2**63 - 1
#: The security scheme of the control API (``/_simulator/…``): Swagger UI's "Authorize".
CONTROL_SCHEME = "controlToken"
#: Marks a 400 that ePROM documents for requests that fit the schema.
REFUSES_WELL_FORMED = "x-eprom-refuses-well-formed-requests"

_PAYLOADS = Path(__file__).resolve().parent.parent.parent / "fixtures" / "payloads"
_API = "/promswebapi"
_CONTROL = "/_simulator"

_GUID_FIELDS = frozenset(
    {"formId", "id", "formOrderId", "messageToCitizenId", "signedFormId", "scannedPaperId", "pvkId"}
)
_TIMESTAMP_FIELDS = frozenset(
    {
        "expiryDate",
        "reminderDate",
        "timestamp",
        "timestampUtc",
        "orderTimestamp",
        "orderTimestampUTC",
        "createdDateTimeOffset",
        "lastChangedDateTimeOffset",
    }
)
#: National IDs the simulator checks (11 digits; check digits and kind are checked too,
#: with a documented 400). Where it does not check one (SMS, e-mail: the outcome is
#: ``success: false``), the schema does not claim it.
_NATIONAL_ID_FIELDS: dict[str, tuple[str, ...]] = {
    "FormOrderRequest": ("nationalId",),
    "FormOrderResponse": ("nationalId",),
    "MessageToCitizenRequest": ("nationalId",),
    "PersonvernInnstillingCallback": ("nationalId",),
    "FilledOutBy": ("filledOutByActNationalId",),
    "PatientInitiatedValues": ("nationalId",),
    "PatientInitiatedRequest": ("nationalId",),
}
#: The privacy endpoints check only the length ("not 11 characters": a 400), so their
#: national IDs (and what they answer with) are described as 11 characters.
_ELEVEN_CHARACTERS: dict[str, tuple[str, ...]] = {
    "GetPersonvernInnstillingRequest": ("nationalId",),
    "SetPersonvernInnstillingRequest": ("nationalId",),
    "PersonvernInnstillingResponse": ("nationalId",),
    "ResidentPersonvernInnstilling": ("nationalId",),
}
#: Request fields the simulator refuses to go without (a 400), so not null either.
_REQUEST_REQUIRED: dict[str, tuple[str, ...]] = {
    "GetPersonvernInnstillingRequest": ("nationalId", "type", "pvkId"),
    "SetPersonvernInnstillingRequest": ("nationalId", "pvkId", "type", "status"),
    "ResidentsActivePiRequest": ("pvkId",),
    "MessageToCitizenRequest": ("nationalId", "documentCollection"),
    "SmsRequest": ("smsText",),
    "DocumentCollection": ("mainDocument",),
}
#: ``onBehalfOfNationalId`` may be empty (= not on behalf of anyone).
_OPTIONAL_NATIONAL_ID = "^([0-9]{11})?$"

#: Fields every answer or callback of the simulator holds (the docs' examples hold them).
_REQUIRED: dict[str, tuple[str, ...]] = {
    "FormOrderResponse": ("formId", "nationalId", "expiryDate", "id", "notificationChannel"),
    "MessageToCitizenResponse": ("notificationChannel", "messageToCitizenId"),
    "SetPersonvernInnstillingResponse": ("instansEndret",),
    "PersonvernInnstillingResponse": ("nationalId", "type", "id", "status", "sequenceNumber"),
    "ResidentsActivePiResponse": ("pagingReference", "personvernInnstillinger"),
    "FormOrderStatusCallback": ("formOrderId", "notificationChannel", "formOrderStatus"),
    "FormAnswerCallback": ("formOrderId", "formOrderStatus"),
    "MessageToCitizenCallback": ("messageToCitizenId", "notificationChannel", "sentStatus"),
    "PersonvernInnstillingCallback": ("nationalId", "id", "status"),
}

#: Request and response examples: (path, payload file).
_REQUEST_EXAMPLES = {
    "/api/v2/formorder": ["form_order_request.json"],
    "/api/v2/messagetocitizen": ["message_to_citizen_request.json"],
    "/api/unsecuremessagesms": ["sms_request.json"],
    "/api/unsecuremessageemail": ["email_request.json"],
    "/api/v2/getpersonverninnstilling": ["get_personverninnstilling_request.json"],
    "/api/v2/setpersonverninnstilling": ["set_personverninnstilling_request.json"],
    "/api/v2/get-residents-active-pi-for-definition": ["residents_active_pi_request.json"],
}
_RESPONSE_EXAMPLES = {
    "/api/v2/formorder": ["form_order_response.json"],
    "/api/v2/messagetocitizen": ["message_to_citizen_response.json"],
    "/api/unsecuremessagesms": [
        "unsecure_message_response.json",
        "unsecure_message_response_pascal.json",
    ],
    "/api/unsecuremessageemail": [
        "unsecure_message_response.json",
        "unsecure_message_response_pascal.json",
    ],
    "/api/v2/getpersonverninnstilling": ["get_personverninnstilling_response.json"],
    "/api/v2/setpersonverninnstilling": ["set_personverninnstilling_response.json"],
    "/api/v2/get-residents-active-pi-for-definition": ["residents_active_pi_response.json"],
}
_WEBHOOK_EXAMPLES = {
    "PromsFormOrder": [
        "form_order_status_callback_ordered.json",
        "form_order_status_callback_error.json",
        "form_answer_callback.json",
        "form_answer_callback_patient_initiated.json",
    ],
    "MessageToCitizen": [
        "message_to_citizen_callback.json",
        "message_to_citizen_callback_2023.json",
    ],
    "PersonvernInnstilling": ["personverninnstilling_callback.json"],
}
_CALLBACK_ANSWERS = ["callback_response_true.json", "callback_response_false.json"]

_FORM_ORDER_400 = [
    refusals.FORM_NOT_PUBLISHED,
    refusals.no_such_form("{formId}"),
    refusals.SIGNING_WITH_NO_DISTRIBUTION,
    refusals.SIGNING_ON_BEHALF_OF,
    refusals.not_paper_enabled("{formId}"),
    refusals.metadata_invalid("{parser message}"),
    refusals.national_id_kind_refused("FH-nummer"),
    refusals.national_id_kind_refused("H-nummer"),
]
#: Operation path → (documented 400 texts, whether a well-formed request can get one).
_ERRORS_400: dict[str, tuple[list[str], bool]] = {
    "/api/v2/formorder": (_FORM_ORDER_400, True),
    "/api/v2/messagetocitizen": (
        [
            refusals.MAIN_DOCUMENT_MISSING,
            refusals.unknown_api_key("{apiKey}"),
            refusals.national_id_kind_refused("H-nummer"),
        ],
        True,
    ),
    "/api/unsecuremessagesms": (
        [refusals.unknown_api_key("{apiKey}"), refusals.recipient_missing("phoneNumber")],
        True,
    ),
    "/api/unsecuremessageemail": (
        [refusals.unknown_api_key("{apiKey}"), refusals.recipient_missing("emailAddress")],
        True,
    ),
    "/api/v2/getpersonverninnstilling": (
        ["nationalId must be given and be 11 characters long (it is missing)"],
        True,
    ),
    "/api/v2/setpersonverninnstilling": (
        ["status is missing: send 0 (IkkeAktiv) or 1 (Aktiv)"],
        True,
    ),
    "/api/v2/get-residents-active-pi-for-definition": (
        ["pvkId is missing: send the GUID of the privacy-setting definition"],
        True,
    ),
}
_HEADER_AUTH = frozenset(
    {
        "/api/v2/formorder",
        "/api/ExternalDocument/{signedFormId}",
        "/api/v2/getpersonverninnstilling",
        "/api/v2/setpersonverninnstilling",
        "/api/v2/get-residents-active-pi-for-definition",
    }
)
_HELSENORGE = frozenset({"/api/v2/formorder", "/api/v2/messagetocitizen"})
_PVK = frozenset(
    {
        "/api/v2/getpersonverninnstilling",
        "/api/v2/setpersonverninnstilling",
        "/api/v2/get-residents-active-pi-for-definition",
    }
)
#: Control operations whose 400 a well-formed request can get (a state, not a shape).
_CONTROL_REFUSES_WELL_FORMED = frozenset(
    {
        ("post", "/personvern/change"),
        ("post", "/patient-initiated"),
        ("post", "/ordering-systems"),
    }
)


def refine(schema: Schema) -> Schema:
    """The FastAPI-generated ``schema``, made precise (a new document; the input is kept)."""
    out = copy.deepcopy(schema)
    out["openapi"] = "3.1.0"
    components = out.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    _fill_answer_schemas(schemas)
    _merge_input_output(out)
    schemas = components["schemas"]
    for name, component in schemas.items():
        _refine_component(name, component)
    _plain_enums(schemas, skip=_webhook_only(out), read=_in_requests(out))
    _answers_hold_every_field(out)
    schemas["Fault"] = _fault_schema()
    schemas["UnsecureMessageResponse"] = _success_schema("UnsecureMessageResponse")
    schemas["CallbackResponse"] = _success_schema("CallbackResponse")
    components["securitySchemes"] = {
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Basic <apiKey>` — the raw API key after 'Basic ', not base64",
        },
        CONTROL_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "the control token the simulator was started with "
            "(EPROM_SIM_CONTROL_TOKEN); a simulator started without one needs none",
        },
    }
    for path, operations in out.get("paths", {}).items():
        for method, operation in operations.items():
            operation.get("responses", {}).pop("422", None)
            if path.startswith(_API):
                _refine_api_operation(path.removeprefix(_API), operation)
            elif path.startswith(_CONTROL):
                _refine_control_operation(method, path.removeprefix(_CONTROL), operation)
    for name, operations in out.get("webhooks", {}).items():
        for operation in operations.values():
            operation.get("responses", {}).pop("422", None)
            _refine_webhook(name, operation)
    _add_links(out)
    return out


# --- components -----------------------------------------------------------------------


def _merge_input_output(document: Schema) -> None:
    """One schema per model: ``X-Input`` / ``X-Output`` (pydantic's two modes) become ``X``.

    Generators derive class names from schema names; ``PhysicalAddress``,
    ``PhysicalAddress-Input`` and ``PhysicalAddress-Output`` collide in every one of them
    (openapi-python-client then drops the models that use them). The two modes differ only
    in defaults, and the contract models read what they write.
    """
    schemas: Schema = document["components"]["schemas"]
    renamed: dict[str, str] = {}
    for name in sorted(schemas):
        base, dash, mode = name.rpartition("-")
        if dash and mode in ("Input", "Output"):
            renamed[name] = base
            kept = schemas.pop(name)
            if base not in schemas or mode == "Input":
                schemas[base] = kept
    if renamed:
        _rewrite_refs(
            document,
            {f"#/components/schemas/{a}": f"#/components/schemas/{b}" for a, b in renamed.items()},
        )


def _rewrite_refs(node: Any, refs: dict[str, str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref in refs:
            node["$ref"] = refs[ref]
        for value in node.values():
            _rewrite_refs(value, refs)
    elif isinstance(node, list):
        for value in node:
            _rewrite_refs(value, refs)


def _in_requests(document: Schema) -> set[str]:
    """The schemas ePROM's API reads (request bodies, and what they nest)."""
    schemas: Schema = document["components"]["schemas"]
    bodies: list[str] = []
    for path, operations in document.get("paths", {}).items():
        if path.startswith(_API):
            for operation in operations.values():
                bodies += _refs_in(operation.get("requestBody", {}))
    return _closure(schemas, bodies)


def _webhook_only(document: Schema) -> set[str]:
    """The schemas only the callbacks use: a receiver must read a name *and* a number there
    (the 2023 pages show names, the current ones numbers), so their enums stay int-or-string."""
    schemas: Schema = document["components"]["schemas"]
    hooks = _closure(schemas, _refs_in(document.get("webhooks", {})))
    api = _closure(schemas, _refs_in(document.get("paths", {})))
    return hooks - api


def in_written_form(payload: Any, schema_name: str) -> Any:
    """A guide example for an API request or answer with each enum in the documented form
    (the schema's); the guide's examples mix names and numbers."""
    model = _CONTRACT_MODELS.get(schema_name)
    if model is None or not isinstance(payload, dict):
        return payload
    out = dict(payload)
    for alias, wire in model._wire_fields.values():
        value = out.get(alias)
        if isinstance(value, list):
            out[alias] = [wire.enum.parse(v).wire(wire.form) for v in value]
        elif value is not None:
            out[alias] = wire.enum.parse(value).wire(wire.form)
    return out


def _plain_enums(schemas: Schema, *, skip: set[str], read: set[str]) -> None:
    """Each enum field of ePROM's models as plain enums: the names or the numbers.

    An inline int-or-string ``anyOf`` makes generators wrap the value (openapi-generator
    for C# throws on a plain one). So each form is a named plain enum: ``<Enum>Name``
    (strings) or ``<Enum>Number`` (integers, with ``x-enum-varnames`` / ``x-enumNames``
    for the member names).

    * In an **answer** a field is the one form the simulator writes (decided per field,
      ``written as …`` in its description): a generated client parses a plain value.
    * In a **request** a field is ``anyOf`` the documented form first and the other one,
      because ePROM reads both (the guide: «Tallverdien kan sendes») and a schema must
      not call an accepted request invalid; each branch is still a plain enum.
    * The **callbacks** (webhooks) keep int-or-string: a receiver must read both.
    """
    for name, model in _CONTRACT_MODELS.items():
        component = schemas.get(name)
        if component is None or name in skip:
            continue
        properties: dict[str, Schema] = component.get("properties", {})
        for alias, wire in model._wire_fields.values():
            prop = properties.get(alias)
            if prop is None:
                continue
            ref = _enum_schema(schemas, wire.enum, wire.form)
            other = WireForm.NUMBER if wire.form is WireForm.NAME else WireForm.NAME
            also = _enum_schema(schemas, wire.enum, other) if name in read else None
            properties[alias] = _with_enum_ref(prop, ref, wire, also)


def _enum_schema(schemas: Schema, cls: Any, form: Any) -> str:
    members = list(cls)
    names = [m.wire(WireForm.NAME) for m in members]
    if form is WireForm.NAME:
        title = f"{cls.__name__}Name"
        schema: Schema = {"type": "string", "enum": names}
    else:
        title = f"{cls.__name__}Number"
        schema = {
            "type": "integer",
            "enum": [int(m.value) for m in members],
            "x-enum-varnames": names,
            "x-enumNames": names,
        }
    schemas[title] = {
        "title": title,
        **schema,
        "description": f"{cls.__name__} written as its {form.value}: {cls.allowed()}",
    }
    return f"#/components/schemas/{title}"


def _with_enum_ref(prop: Schema, ref: str, wire: Any, also: str | None) -> Schema:
    extra: Schema = {}
    if "description" in prop:
        extra["description"] = prop["description"]
    if "default" in prop and prop["default"] is not None:
        extra["default"] = wire.enum.parse(prop["default"]).wire(wire.form)
    branches: list[Schema] = [{"$ref": ref}] + ([{"$ref": also}] if also else [])
    value: Schema = branches[0] if len(branches) == 1 else {"anyOf": branches}
    if prop.get("type") == "array":
        return {**{k: v for k, v in prop.items() if k != "items"}, "items": value}
    if any(b.get("type") == "null" for b in prop.get("anyOf", ())):
        return {"anyOf": [*branches, {"type": "null"}], **extra, "default": prop.get("default")}
    return {**value, **extra}


def _answers_hold_every_field(document: Schema) -> None:
    """``required``: every field, for the schemas of ePROM's 200 answers (and what they
    nest): the simulator writes each answer as a typed .NET object is written — every
    field, ``null`` where unset (a form-order answer always holds its 16 keys)."""
    schemas: Schema = document["components"]["schemas"]
    seen: set[str] = set()
    todo: list[str] = []
    in_requests: list[str] = []
    for path, operations in document.get("paths", {}).items():
        if not path.startswith(_API):
            continue
        for operation in operations.values():
            for media in operation.get("responses", {}).get("200", {}).get("content", {}).values():
                todo += _refs_in(media.get("schema", {}))
            in_requests += _refs_in(operation.get("requestBody", {}))
    shared = _closure(schemas, in_requests)  # a request may leave their fields out
    while todo:
        name = todo.pop()
        if name in seen or name not in schemas or name in _SUCCESS_SCHEMAS or name in shared:
            continue
        seen.add(name)
        component = schemas[name]
        properties = component.get("properties", {})
        if properties:
            component["required"] = sorted(properties)
        todo += _refs_in(properties)


def _closure(schemas: Schema, names: list[str]) -> set[str]:
    """``names`` and every schema they refer to, transitively."""
    found: set[str] = set()
    while names:
        name = names.pop()
        if name not in found and name in schemas:
            found.add(name)
            names += _refs_in(schemas[name])
    return found


_SUCCESS_SCHEMAS = frozenset({"UnsecureMessageResponse", "CallbackResponse"})


def _refs_in(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.append(ref.removeprefix("#/components/schemas/"))
        for value in node.values():
            found += _refs_in(value)
    elif isinstance(node, list):
        for value in node:
            found += _refs_in(value)
    return found


def _fill_answer_schemas(schemas: Schema) -> None:
    """The contract models FastAPI leaves empty (``{}``) in answers, from their fields.

    A contract model writes itself through a wrapping serializer (enums in the documented
    form), so pydantic cannot derive a serialization schema; what it writes has the fields
    it reads, so the validation schema describes the answer.
    """
    for name, component in list(schemas.items()):
        model = _CONTRACT_MODELS.get(name.split("-")[0])
        if component or model is None:
            continue
        generated = model.model_json_schema(
            mode="validation", ref_template="#/components/schemas/{model}"
        )
        for inner, definition in generated.pop("$defs", {}).items():
            schemas.setdefault(inner, definition)
        schemas[name] = generated


_CONTRACT_MODELS: dict[str, type[EpromModel]] = {
    name: value
    for name in contract_models.__all__
    if isinstance(value := getattr(contract_models, name), type) and issubclass(value, EpromModel)
}


def _refine_component(full_name: str, component: Schema) -> None:
    name = full_name.split("-")[0]  # PhysicalAddress-Input / -Output
    properties: dict[str, Schema] = component.get("properties", {})
    for field in _REQUEST_REQUIRED.get(name, ()):
        properties[field] = _not_null(properties[field])
    for field, prop in properties.items():
        prop.pop("title", None)
        if field in _GUID_FIELDS and name not in _CONTROL_VIEWS:
            _constrain(prop, {"type": "string", "format": "uuid", "pattern": GUID_PATTERN})
        if field in _TIMESTAMP_FIELDS:
            _constrain(prop, {"type": "string", "pattern": TIMESTAMP_PATTERN})
        if field in _NATIONAL_ID_FIELDS.get(name, ()):
            _constrain(prop, {"type": "string", "pattern": NATIONAL_ID_PATTERN})
        if field in _ELEVEN_CHARACTERS.get(name, ()):
            _constrain(prop, {"type": "string", "minLength": 11, "maxLength": 11})
        if field == "onBehalfOfNationalId":
            _constrain(prop, {"type": "string", "pattern": _OPTIONAL_NATIONAL_ID})
    if name == "Document":
        _constrain(
            properties["content"],
            {"type": "string", "format": "byte", "contentEncoding": "base64"},
        )
    if name == "ResidentsActivePiRequest":  # a negative or too large one is a 400
        prop = properties["pagingReference"]
        prop.update({"type": "integer", "format": "int64", "minimum": 0, "maximum": INT64_MAX})
    if name == "SmsRequest":  # an empty text is refused (docs/simulator.md, leniencies)
        _constrain(properties["smsText"], {"type": "string", "pattern": "\\S"})
    if name == "OrderingSystemRequest":
        _constrain(properties["callbackBaseUrl"], {"type": "string", "pattern": "^https?://"})
    required = (*_REQUIRED.get(name, ()), *_REQUEST_REQUIRED.get(name, ()))
    if required:
        component["required"] = sorted({*component.get("required", ()), *required})
    if name in _ENUM_WRITTEN:
        _describe_written_forms(component, _ENUM_WRITTEN[name])


#: Components of the control API (not ePROM): their ids are not all GUIDs.
_CONTROL_VIEWS = frozenset({"FaultView", "CallbackView", "AttemptView"})

#: How the simulator writes the enums of its answers (a request may send either form).
_ENUM_WRITTEN: dict[str, dict[str, str]] = {
    "FormOrderResponse": {"distributionRule": "name", "notificationChannel": "name"},
    "MessageToCitizenResponse": {"notificationChannel": "name"},
    "FormOrderStatusCallback": {
        "notificationChannel": "number",
        "formOrderStatus": "name",
        "formOrderStatusErrorCode": "name",
    },
    "FormAnswerCallback": {"notificationChannel": "number", "formOrderStatus": "name"},
    "MessageToCitizenCallback": {"notificationChannel": "number", "sentStatus": "number"},
}


def _describe_written_forms(component: Schema, forms: dict[str, str]) -> None:
    for field, form in forms.items():
        prop = component["properties"][field]
        prop["description"] = (
            f"{prop.get('description', '')} The simulator writes the {form}; a reader must "
            "accept both (the 2023 pages show names, the current ones numbers)."
        ).strip()


def _not_null(prop: Schema) -> Schema:
    """``prop`` without its ``null`` branch (and without a ``null`` default)."""
    branches = [b for b in prop.get("anyOf", ()) if b.get("type") != "null"]
    if "anyOf" not in prop:
        out = dict(prop)
    elif len(branches) == 1:
        out = {**{k: v for k, v in prop.items() if k != "anyOf"}, **branches[0]}
    else:
        out = {**prop, "anyOf": branches}
    if out.get("default", ...) is None:
        del out["default"]
    return out


def _constrain(prop: Schema, constraint: Schema) -> None:
    """Put ``constraint`` on the string branch of ``prop`` (a plain or a nullable string)."""
    for branch in _string_branches(prop):
        branch.update(constraint)


def _string_branches(prop: Schema) -> Iterator[Schema]:
    if prop.get("type") == "string":
        yield prop
    for branch in prop.get("anyOf", ()):
        if branch.get("type") == "string":
            yield branch


def _success_schema(name: str) -> Schema:
    what = "sending the message was ok" if name == "UnsecureMessageResponse" else "processed"
    return {
        "title": name,
        "type": "object",
        "description": (
            f"`success`: whether {what}. The guide's JavaScript reads `Success`, so a reader "
            "accepts either spelling; the simulator writes `success`."
        ),
        "properties": {"success": {"type": "boolean"}, "Success": {"type": "boolean"}},
        "anyOf": [{"required": ["success"]}, {"required": ["Success"]}],
        "additionalProperties": True,
    }


def _fault_schema() -> Schema:
    """``Fault``: one variant per family, so ``seconds`` belongs to delay faults only."""
    any_target = [t.value for t in FaultTarget]

    def targets(fault: FaultType) -> list[str]:
        kinds = CALLBACK_FAULTS.get(fault)
        if kinds is not None:
            return [t.value for t in FaultTarget if t.kind is None or t.kind in kinds]
        requests = REQUEST_FAULTS[fault]
        return [t.value for t in FaultTarget if t is FaultTarget.ANY or NARROWS[t] in requests]

    groups: dict[tuple[bool, tuple[str, ...]], list[str]] = {}
    for fault in FaultType:
        if fault is not FaultType.DELAY:
            key = (fault in CALLBACK_FAULTS, tuple(targets(fault)))
            groups.setdefault(key, []).append(fault.value)
    common: Schema = {
        "times": {
            "anyOf": [{"type": "integer", "minimum": 1}, {"type": "null"}],
            "default": 1,
            "description": "how often it fires; null = until cleared",
        },
    }
    order: Schema = {
        "formOrderId": {
            "anyOf": [{"type": "string"}, {"type": "null"}],
            "description": "only the callbacks of this formOrderId / messageToCitizenId",
        }
    }
    variants: list[Schema] = [
        {
            "title": "DelayFault",
            "type": "object",
            "properties": {
                "type": {"const": FaultType.DELAY.value},
                "callback": {"enum": any_target, "default": "any"},
                "seconds": {"type": "number", "minimum": 0, "description": "how long to hold"},
                **common,
                **order,
            },
            "required": ["type", "seconds"],
            "additionalProperties": False,
        }
    ]
    for (callback_fault, allowed), types in groups.items():
        family = "CallbackFault" if callback_fault else "RequestFault"
        variants.append(
            {
                "title": f"{family}{''.join(t.title().replace('_', '') for t in types[:1])}",
                "type": "object",
                "properties": {
                    "type": {"enum": types},
                    "callback": {"enum": list(allowed), "default": "any"},
                    "seconds": {"type": "null"},
                    **common,
                    **(order if callback_fault else {}),
                },
                "required": ["type"],
                "additionalProperties": False,
            }
        )
    return {
        "title": "Fault",
        "description": (
            "A fault the simulator makes on purpose. Callback faults change the next matching "
            "callback(s); request faults fail the next matching request. `seconds` is for "
            "`delay` only; `formOrderId` narrows callback faults only."
        ),
        "oneOf": variants,
    }


# --- operations -----------------------------------------------------------------------


def _text(description: str, texts: list[str] | None = None) -> Schema:
    media: Schema = {"schema": {"type": "string"}}
    if texts:
        media["examples"] = {f"text{n}": {"value": text} for n, text in enumerate(texts, 1)}
    return {"description": description, "content": {"text/plain": media}}


def _refine_api_operation(path: str, operation: Schema) -> None:
    responses: Schema = operation.setdefault("responses", {})
    if path in _HEADER_AUTH:
        operation["security"] = [{"ApiKey": []}]
        responses["401"] = _text(
            "Unauthorized: the Authorization header is missing or holds no registered key "
            "(checked before the body is read)"
        )
    elif path == "/api/v2/messagetocitizen":
        # The key comes in the header or, as the parameter list names it, in the body; a
        # missing or wrong key is ePROM's 400, so the header itself is optional.
        operation["security"] = [{"ApiKey": []}, {}]
    else:
        operation["security"] = []  # the key is the body's apiKey
    if path in _ERRORS_400:
        texts, well_formed = _ERRORS_400[path]
        error = _text(
            "Bad Request: ePROM's text (plain text). The documented texts are the examples; "
            "a body that does not fit the schema gets one line naming each bad field.",
            texts,
        )
        if well_formed:
            error[REFUSES_WELL_FORMED] = True
        responses["400"] = error
    if path in _HELSENORGE:
        responses["502"] = _text("Helsenorge failed", [refusals.HELSENORGE_UNREACHABLE])
        responses["504"] = _text("Helsenorge timed out", [refusals.HELSENORGE_TIMEOUT])
    if path in _PVK:
        responses["502"] = {
            "description": "the privacy component (PVK) failed: its error as JSON",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/PvkError"},
                    **_examples(["pvk_error.json"]),
                }
            },
        }
    ok = responses.get("200", {})
    for media in ok.get("content", {}).values():
        media.update(_examples(_RESPONSE_EXAMPLES.get(path, []), _schema_name(media)))
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        body.update(_examples(_REQUEST_EXAMPLES.get(path, []), _schema_name(body)))


def _schema_name(media: Schema) -> str:
    ref = str(media.get("schema", {}).get("$ref", ""))
    return ref.removeprefix("#/components/schemas/")


def _refine_control_operation(method: str, path: str, operation: Schema) -> None:
    responses: Schema = operation.setdefault("responses", {})
    if "400" in responses and (method, path) in _CONTROL_REFUSES_WELL_FORMED:
        responses["400"] = {**responses["400"], REFUSES_WELL_FORMED: True}
    if _CONTROL + path in PUBLIC_CONTROL_PATHS:
        operation["security"] = []
        return
    # the token only when the simulator was started with one: the empty alternative says so
    operation["security"] = [{CONTROL_SCHEME: []}, {}]
    responses["401"] = _text(
        "Unauthorized: the simulator was started with a control token and the request has "
        "none or a wrong one ('WWW-Authenticate: Bearer')",
        [TOKEN_MISSING, TOKEN_WRONG],
    )


def _refine_webhook(name: str, operation: Schema) -> None:
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        body.update(_examples(_WEBHOOK_EXAMPLES.get(name, [])))
    for media in operation.get("responses", {}).get("200", {}).get("content", {}).values():
        media.update(_examples(_CALLBACK_ANSWERS))
    if name == "PersonvernInnstilling":
        operation["security"] = [{"ApiKey": []}]
    else:
        operation["security"] = []  # the key is the body's apiKey


def _examples(files: list[str], schema_name: str = "") -> Schema:
    """The guide's payloads as examples; for an API schema with each enum in its form."""
    examples = {}
    for file in files:
        path = _PAYLOADS / file
        if path.is_file():
            value = json.loads(path.read_text(encoding="utf-8"))
            examples[path.stem] = {
                "summary": f"from the guide (fixtures/payloads/{file})",
                "value": in_written_form(value, schema_name),
            }
    return {"examples": examples} if examples else {}


def _add_links(schema: Schema) -> None:
    """An order's id leads to the control API; a signed answer's id to the document."""
    paths = schema.get("paths", {})
    order = paths.get(f"{_API}/api/v2/formorder", {}).get("post")
    if order is not None:
        order["responses"]["200"]["links"] = {
            name: {
                "operationId": _operation_id(paths, f"{_CONTROL}{target}", method),
                "parameters": {"order_id": "$response.body#/id"},
                "description": description,
            }
            for name, method, target, description in (
                ("GetOrder", "get", "/orders/{order_id}", "the order in the simulator"),
                ("Complete", "post", "/orders/{order_id}/complete", "the patient answers"),
                ("Expire", "post", "/orders/{order_id}/expire", "the order expires"),
            )
        }
    complete = paths.get(f"{_CONTROL}/orders/{{order_id}}/complete", {}).get("post")
    if complete is not None:
        complete["responses"]["200"]["links"] = {
            "SignedDocument": {
                "operationId": _operation_id(
                    paths, f"{_API}/api/ExternalDocument/{{signedFormId}}", "get"
                ),
                "parameters": {"signedFormId": "$response.body#/signedFormId"},
                "description": "the signed PDF (when the answer was signed)",
            }
        }
    add = paths.get(f"{_CONTROL}/faults", {}).get("post")
    if add is not None:
        add["responses"]["200"]["links"] = {
            "ClearFault": {
                "operationId": _operation_id(paths, f"{_CONTROL}/faults/{{fault_id}}", "delete"),
                "parameters": {"fault_id": "$response.body#/id"},
            }
        }


def _operation_id(paths: Schema, path: str, method: str) -> str:
    operation_id: str = paths[path][method]["operationId"]
    return operation_id


# --- the published copy ---------------------------------------------------------------


def published_text(document: Schema) -> str:
    """The document as the published file holds it: sorted keys, two-space indent."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"

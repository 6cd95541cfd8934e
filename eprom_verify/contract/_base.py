"""The base of every contract model: camelCase on the wire, extras kept, enums as documented.

Three rules every model follows:

* Field names are snake_case in Python and the documented camelCase on the wire
  (irregular names such as ``orderTimestampUTC`` carry an explicit alias).
* Unknown fields are tolerated and kept, and written back (ePROM adds fields over time).
* An enum field is written in the form the docs show for that field (:class:`Wire`),
  unless the value arrived in the other form: then it goes back out as it came, so a
  payload round-trips unchanged. ``to_wire(enum_form=...)`` forces one form everywhere
  (the simulator uses that to speak the 2023 name style).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PrivateAttr,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WithJsonSchema,
    model_serializer,
    model_validator,
)
from pydantic.alias_generators import to_camel

from eprom_verify.contract.enums import VolvenStatus, WireEnum, WireForm
from eprom_verify.contract.timestamps import parse_timestamp

__all__ = [
    "EpromModel",
    "Guid",
    "JsonObjectText",
    "Timestamp",
    "Wire",
    "enum_field",
    "json_object_text",
]

_GUID_CHARS = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True)
class Wire:
    """Field metadata: the enum class and the form the docs write it in."""

    enum: type[WireEnum]
    form: WireForm


def enum_field(cls: type[WireEnum], form: WireForm) -> tuple[Any, ...]:
    """The Annotated metadata for an enum field read leniently and written in ``form``."""
    names = [m.wire(WireForm.NAME) for m in cls]
    numbers = [int(m.value) for m in cls]
    schema = {
        "anyOf": [
            {"type": "integer", "enum": numbers},
            {"type": "string", "enum": names},
        ],
        "description": f"{cls.__name__}: {cls.allowed()} (name or number; written as {form.value})",
    }
    return (BeforeValidator(cls.parse), WithJsonSchema(schema), Wire(cls, form))


def _check_guid(value: str) -> str:
    parts = value.split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12] or not set(
        value.replace("-", "")
    ) <= _GUID_CHARS:
        raise ValueError(f"{value!r} is not a GUID (expected 8-4-4-4-12 hex digits)")
    return value


def _check_timestamp(value: str) -> str:
    parse_timestamp(value)
    return value


def _dump_mapping(value: Any) -> Any:
    if isinstance(value, Mapping):
        return json.dumps(dict(value), ensure_ascii=False, separators=(",", ":"))
    return value


def json_object_text(text: str | None, *, field: str) -> dict[str, Any] | None:
    """Read a JSON-inside-a-string field (``metadata``, ``formData``) as an object."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{field} is not valid JSON: {exc}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{field} must hold a JSON object, got {type(value).__name__}")
    return value


Guid = Annotated[str, AfterValidator(_check_guid)]
Timestamp = Annotated[str, AfterValidator(_check_timestamp)]
#: A JSON object carried as a string. A mapping given in Python is dumped to text.
JsonObjectText = Annotated[str, BeforeValidator(_dump_mapping)]


def _find_wire(annotation: Any) -> Wire | None:
    for meta in getattr(annotation, "__metadata__", ()):
        if isinstance(meta, Wire):
            return meta
    for arg in typing.get_args(annotation):
        found = _find_wire(arg)
        if found is not None:
            return found
    return None


def _form_of(raw: Any) -> WireForm | None:
    if isinstance(raw, WireEnum):  # built in Python: the field's documented form applies
        return None
    if isinstance(raw, list):
        forms = {_form_of(item) for item in raw} - {None}
        return forms.pop() if len(forms) == 1 else None
    if isinstance(raw, str) and not raw.strip().lstrip("-").isdigit():
        return WireForm.NAME
    if isinstance(raw, int | str):
        return WireForm.NUMBER
    return None


def _write(value: Any, form: WireForm) -> Any:
    if isinstance(value, list):
        return [_write(item, form) for item in value]
    if isinstance(value, WireEnum):
        return value.wire(form)
    return value


class EpromModel(BaseModel):
    """Base of every request, response and callback model."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="allow",
        validate_assignment=False,
    )

    #: field name → (wire alias, Wire) for every enum field, filled per subclass.
    _wire_fields: ClassVar[dict[str, tuple[str, Wire]]] = {}
    _read_forms: dict[str, WireForm] = PrivateAttr(default_factory=dict)

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        fields: dict[str, tuple[str, Wire]] = {}
        for name, info in cls.model_fields.items():
            wire = _find_wire(info.annotation)
            for meta in info.metadata:
                if isinstance(meta, Wire):
                    wire = meta
            if wire is not None:
                fields[name] = (info.alias or name, wire)
        cls._wire_fields = fields

    @model_validator(mode="wrap")
    @classmethod
    def _remember_forms(
        cls, data: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo
    ) -> Any:
        instance = handler(data)
        if isinstance(data, Mapping) and isinstance(instance, EpromModel):
            for name, (alias, _wire) in cls._wire_fields.items():
                raw = data.get(alias, data.get(name))
                form = _form_of(raw)
                if form is not None:
                    instance._read_forms[name] = form
        return instance

    @model_serializer(mode="wrap")
    def _write_forms(self, handler: SerializerFunctionWrapHandler, info: SerializationInfo) -> Any:
        out = handler(self)
        if not isinstance(out, dict):
            return out
        forced = (info.context or {}).get("enum_form") if info.context else None
        for name, (alias, wire) in self._wire_fields.items():
            key = alias if info.by_alias else name
            if key not in out:
                continue
            form = forced or self._read_forms.get(name, wire.form)
            out[key] = _write(getattr(self, name), form)
        return out

    @classmethod
    def from_wire(cls, data: Mapping[str, Any] | str | bytes) -> Self:
        """Parse a payload (a mapping or JSON text) as ePROM sends it."""
        if isinstance(data, str | bytes):
            return cls.model_validate_json(data)
        return cls.model_validate(data)

    def to_wire(self, *, enum_form: WireForm | None = None) -> dict[str, Any]:
        """The payload as JSON-ready data, camelCase, only the fields that were set."""
        context = {"enum_form": enum_form} if enum_form is not None else None
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True, context=context)

    def to_json(self, *, enum_form: WireForm | None = None) -> str:
        return json.dumps(self.to_wire(enum_form=enum_form), ensure_ascii=False)


def _volven(value: Any) -> VolvenStatus:
    return VolvenStatus.parse(value)


VolvenField = Annotated[VolvenStatus, BeforeValidator(_volven)]

"""The models of the fixture files: environments, test persons, privacy settings, forms.

Strict (a national ID or postal code written without quotes is an error, not a number),
frozen, camelCase aliases as in the YAML. Validators raise :class:`~._errors.Problem`.
Code-list names (``expect`` in patients.yaml) are the contract enums' names
(:class:`~eprom_verify.contract.DistributionRule`, :class:`~eprom_verify.contract.NotificationChannel`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from eprom_verify.config._errors import Problem
from eprom_verify.contract import DistributionRule, NotificationChannel, WireEnum

__all__ = [
    "ChannelName",
    "ConsentLevel",
    "Environment",
    "EnvironmentsFile",
    "FieldType",
    "Form",
    "FormField",
    "FormsFile",
    "KrrEntry",
    "Patient",
    "PatientsFile",
    "PostalAddress",
    "PvkDefinition",
    "PvkType",
    "RuleName",
]

_T = TypeVar("_T")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def _wire_names(enum_cls: type[WireEnum], *, what: str) -> AfterValidator:
    """Accept exactly the documented names of ``enum_cls`` (contract §5), as written."""
    names = [member.wire_name for member in enum_cls]

    def check(value: str) -> str:
        if value not in names:
            raise Problem(
                f"{what} be one of {', '.join(names)} (got {value!r})", "use one of those values"
            )
        return value

    return AfterValidator(check)


#: A distribution rule by its documented name (a key of ``expect``), e.g. ``"Basic"``.
RuleName = Annotated[str, _wire_names(DistributionRule, what="key must")]
#: A notification channel by its documented name, e.g. ``"DigitalMailbox"``.
ChannelName = Annotated[str, _wire_names(NotificationChannel, what="must")]
ConsentLevel = Literal["full", "limited", "none"]
PvkType = Literal["Reservasjon", "Samtykke"]
FieldType = Literal["choice", "text", "integer", "boolean", "date"]


def _guid(value: str) -> str:
    if not _GUID.match(value):
        raise Problem(
            f"must be a lower-case GUID like 1bc5f9f0-2607-49eb-94f0-6af955bbd79a (got {value!r})",
            "write 32 hex digits in 8-4-4-4-12 groups, lower case",
        )
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise Problem(f"must be an http(s) URL (got {value!r})", "start it with https://")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class Environment(_Model):
    """One place the harness can run: the embedded simulator or a real ePROM installation."""

    description: str
    embedded: bool = False
    base_url: str | None = Field(default=None, validate_default=True)
    patient_portal_url: str | None = None
    admin_url: str | None = None
    helsenorge_url: str | None = None
    former_base_urls: list[str] = Field(default_factory=list)
    reaches_people: bool
    requires_api_key: bool

    @field_validator("base_url")
    @classmethod
    def _base_url_matches_embedded(cls, value: str | None, info: ValidationInfo) -> str | None:
        embedded = info.data.get("embedded", False)
        if embedded and value is not None:
            raise Problem(
                "an embedded environment has no baseUrl", "remove baseUrl or set embedded: false"
            )
        if not embedded and value is None:
            raise Problem(
                "a real environment needs its ePROM API base URL",
                'add baseUrl: "https://…/webapi" (or set embedded: true for the simulator)',
            )
        return None if value is None else _http_url(value).rstrip("/")

    @field_validator("patient_portal_url", "admin_url", "helsenorge_url")
    @classmethod
    def _urls(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)

    @field_validator("former_base_urls")
    @classmethod
    def _former_urls(cls, value: list[str]) -> list[str]:
        for index, url in enumerate(value):
            try:
                _http_url(url)
            except Problem as problem:
                raise Problem(problem.problem, problem.hint, at=(index,)) from None
        return value


class EnvironmentsFile(_Model):
    """``environments.yaml``: environment name → :class:`Environment`."""

    environments: dict[str, Environment] = Field(min_length=1)

    @field_validator("environments")
    @classmethod
    def _names_are_slugs(cls, value: dict[str, Environment]) -> dict[str, Environment]:
        for name in value:
            if not _SLUG.match(name):
                raise Problem(
                    f"environment name {name!r} is not a lower-case slug",
                    "use letters, digits and dashes, e.g. test-2",
                    at=(name,),
                )
        return value


class KrrEntry(_Model):
    """A person's entry in the contact register (KRR)."""

    email: str | None = None
    phone: str | None = None
    updated_months_ago: int = Field(ge=0)

    @model_validator(mode="after")
    def _has_contact_info(self) -> KrrEntry:
        if self.email is None and self.phone is None:
            raise Problem(
                "a KRR entry needs an email or a phone",
                "add one, or write krr: null for a person not in the register",
            )
        return self


class PostalAddress(_Model):
    """A postal address, as in the order's ``physicalAddress`` (contract §3.1)."""

    full_name: str = Field(min_length=1)
    address_line1: str = Field(min_length=1)
    postal_code: str
    postal_place: str = Field(min_length=1)

    @field_validator("postal_code")
    @classmethod
    def _four_digits(cls, value: str) -> str:
        if not re.fullmatch(r"\d{4}", value):
            raise Problem(
                f"must be a Norwegian postal code of 4 digits (got {value!r})",
                'write it in quotes, e.g. "7030"',
            )
        return value


class Patient(_Model):
    """A test person and what ePROM knows about how to reach them (contract §6, §8)."""

    key: str
    national_id: str
    name: str = Field(min_length=1)
    description: str = Field(min_length=1)
    registered: bool = True
    helsenorge_consent: ConsentLevel
    can_be_represented: bool = False
    digital_mailbox: bool
    krr: KrrEntry | None
    postal_address: PostalAddress | None
    environments: list[str] = Field(min_length=1)
    expect: dict[RuleName, ChannelName] = Field(default_factory=dict)

    @field_validator("key")
    @classmethod
    def _key_is_slug(cls, value: str) -> str:
        if not _SLUG.match(value):
            raise Problem(
                f"must be a lower-case slug (got {value!r})",
                "use letters, digits and dashes, e.g. stale-krr",
            )
        return value

    @field_validator("national_id")
    @classmethod
    def _eleven_digits(cls, value: str) -> str:
        if not re.fullmatch(r"\d{11}", value):
            raise Problem(
                f"must be 11 digits (got {value!r})",
                'write the fødselsnummer or D-number in quotes, e.g. "26670271527"',
            )
        return value

    @field_validator("environments")
    @classmethod
    def _environments_unique(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if name in value[:index]:
                raise Problem(f"{name!r} is listed twice", "remove one", at=(index,))
        return value


class PvkDefinition(_Model):
    """A privacy-setting definition (personverninnstilling, contract §3.6)."""

    id: str
    name: str = Field(min_length=1)
    part_kode: str = Field(min_length=1)
    type: PvkType

    @field_validator("id")
    @classmethod
    def _id_is_guid(cls, value: str) -> str:
        return _guid(value)


class PatientsFile(_Model):
    """``patients.yaml``: the test persons and privacy-setting definitions."""

    patients: list[Patient] = Field(min_length=1)
    pvk: list[PvkDefinition] = Field(default_factory=list)

    @field_validator("patients")
    @classmethod
    def _unique_patients(cls, value: list[Patient]) -> list[Patient]:
        _check_unique(value, "key", lambda p: p.key)
        _check_unique(value, "nationalId", lambda p: p.national_id)
        return value

    @field_validator("pvk")
    @classmethod
    def _unique_pvk(cls, value: list[PvkDefinition]) -> list[PvkDefinition]:
        _check_unique(value, "id", lambda d: d.id)
        return value

    def patient(self, key: str) -> Patient:
        """The person with this key; ``KeyError`` lists the keys there are."""
        for person in self.patients:
            if person.key == key:
                return person
        keys = ", ".join(p.key for p in self.patients)
        raise KeyError(f"no test person {key!r} — available: {keys}")


class FormField(_Model):
    """One answer field of a form, so answers can be generated and checked.

    ``question`` and ``optionLabels`` are what the simulator's citizen portal shows (the
    field's name and the bare option values when absent); ``required`` items must be
    answered before the portal delivers the form.
    """

    name: str = Field(pattern=r"^\S+$")
    type: FieldType
    options: list[Any] | None = Field(default=None, validate_default=True)
    max_length: int | None = Field(default=None, gt=0)
    minimum: int | None = Field(default=None, alias="min")
    maximum: int | None = Field(default=None, alias="max")
    question: str | None = Field(default=None, min_length=1)
    required: bool = True
    option_labels: list[str] | None = None

    @property
    def label(self) -> str:
        """The question as the portal shows it."""
        return self.question or self.name

    def choices(self) -> list[tuple[Any, str]]:
        """(value, label) of each option of a choice field."""
        labels = self.option_labels or [str(option) for option in self.options or ()]
        return list(zip(self.options or (), labels, strict=True))

    @field_validator("options")
    @classmethod
    def _options_for_choice(cls, value: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        is_choice = info.data.get("type") == "choice"
        if not is_choice:
            if value is not None:
                raise Problem("only choice fields have options", "remove them or use type: choice")
            return None
        if not value:
            raise Problem(
                "a choice field needs a non-empty options list", "add options: [1, 2, 3, …]"
            )
        for index, option in enumerate(value):
            if isinstance(option, bool) or not isinstance(option, int | str):
                raise Problem(
                    f"an option must be a number or a string (got {option!r})",
                    'write it as 1 or as "a quoted string"',
                    at=(index,),
                )
            if option in value[:index]:
                raise Problem(f"option {option!r} is listed twice", "remove one", at=(index,))
        return value

    @field_validator("option_labels")
    @classmethod
    def _one_label_per_option(
        cls, value: list[str] | None, info: ValidationInfo
    ) -> list[str] | None:
        if value is None:
            return None
        options = info.data.get("options")
        if options is None:
            raise Problem("only choice fields have optionLabels", "remove them or add options")
        if len(value) != len(options):
            raise Problem(
                f"{len(value)} optionLabels for {len(options)} options",
                "give one label per option, in the same order",
            )
        return value

    @field_validator("max_length")
    @classmethod
    def _max_length_for_text(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("type") != "text":
            raise Problem("only text fields have maxLength", "remove it or use type: text")
        return value

    @field_validator("minimum", "maximum")
    @classmethod
    def _bounds_for_integer(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        if info.data.get("type") != "integer":
            raise Problem("only integer fields have min and max", "remove it or use type: integer")
        minimum = info.data.get("minimum")
        if info.field_name == "maximum" and minimum is not None and value < minimum:
            raise Problem(f"max ({value}) is below min ({minimum})", "swap or fix the bounds")
        return value


class Form(_Model):
    """A form in ePROM's form builder, with the settings the order checks depend on."""

    id: str
    name: str = Field(min_length=1)
    published: bool
    paper_enabled: bool
    must_be_signed: bool
    patient_orderable: bool
    patient_ordered_must_be_signed: bool
    cover_letter: str = Field(min_length=1)
    task_title: str = Field(min_length=1)
    fields: list[FormField] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id_is_guid(cls, value: str) -> str:
        return _guid(value)

    @field_validator("patient_ordered_must_be_signed")
    @classmethod
    def _only_if_orderable(cls, value: bool, info: ValidationInfo) -> bool:  # noqa: FBT001 (pydantic calls it)
        if value and info.data.get("patient_orderable") is False:
            raise Problem(
                "only a patient-orderable form can require signing when the patient orders it",
                "set patientOrderable: true or patientOrderedMustBeSigned: false",
            )
        return value

    @field_validator("fields")
    @classmethod
    def _unique_field_names(cls, value: list[FormField]) -> list[FormField]:
        _check_unique(value, "name", lambda f: f.name)
        return value


class FormsFile(_Model):
    """``forms.yaml``: the forms the simulator knows."""

    forms: list[Form] = Field(min_length=1)

    @field_validator("forms")
    @classmethod
    def _unique_forms(cls, value: list[Form]) -> list[Form]:
        _check_unique(value, "id", lambda f: f.id)
        _check_unique(value, "name", lambda f: f.name)
        return value

    def form(self, id_or_name: str) -> Form:
        """The form with this id or name; ``KeyError`` lists the names there are."""
        for form in self.forms:
            if id_or_name in (form.id, form.name):
                return form
        names = ", ".join(f"{f.name} ({f.id})" for f in self.forms)
        raise KeyError(f"no form {id_or_name!r} — available: {names}")


def _check_unique(items: Sequence[_T], alias: str, get: Callable[[_T], str]) -> None:
    seen: dict[str, int] = {}
    for index, item in enumerate(items):
        value = get(item)
        if value in seen:
            raise Problem(
                f"{value!r} is already used by entry [{seen[value]}]",
                f"give every entry its own {alias}",
                at=(index, alias),
            )
        seen[value] = index

"""Typed access to the fixture files: ``environments.yaml``, ``patients.yaml``, ``forms.yaml``.

Each loader reads one YAML file, checks it against the models below and returns them. Anything
wrong with a file becomes a single-line :class:`ConfigError` that names the file, the line, the
field and what to do::

    fixtures/patients.yaml:14: patients[2].helsenorgeConsent: must be one of full, limited, none (got 'yes') — use one of those values

The YAML is read with YAML 1.2 booleans (only ``true``/``false``): ``yes``, ``no``, ``on``
and ``off`` stay strings, so ``NO`` is never ``False`` by accident. Models are strict: a
national ID or postal code written without quotes is an error, not a silent number.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

from ._exceptions import UsageError
from ._paths import FIXTURES_ENV_VAR, fixtures_dir

__all__ = [
    "ChannelName",
    "ConfigError",
    "ConsentLevel",
    "Environment",
    "EnvironmentsFile",
    "FIXTURES_DIR",
    "FIXTURES_ENV_VAR",
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
    "fixtures_dir",
    "load_environments",
    "load_forms",
    "load_patients",
    "load_yaml",
]

# Plain literals for now; contract §5. (The lead will swap in the contract enums.)
RuleName = Literal[
    "Basic",
    "AllowUnsecure",
    "NoDistribution",
    "BasicOrPaper",
    "AllowUnsecureOrPaper",
    "PaperOnly",
    "HelsenorgeOnly",
    "DigitalMailboxOnly",
    "UnsecureOnly",
]
ChannelName = Literal["None", "Helsenorge", "DigitalMailbox", "Unsecure", "PhysicalMailbox"]
ConsentLevel = Literal["full", "limited", "none"]
PvkType = Literal["Reservasjon", "Samtykke"]
FieldType = Literal["choice", "text", "integer", "boolean", "date"]

FIXTURES_DIR: Path = fixtures_dir()
"""The fixtures folder as it was at import time; the loaders call :func:`fixtures_dir` anew."""

_T = TypeVar("_T")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


# --------------------------------------------------------------------------------------------
# Errors


class ConfigError(UsageError):
    """A fixture file is missing or wrong. ``str()`` is one line: file:line: field: problem — hint.

    ``others`` holds the one-line messages of further problems found in the same file.
    """

    def __init__(
        self,
        file: str,
        line: int | None,
        field: str,
        problem: str,
        hint: str,
        *,
        others: Sequence[str] = (),
    ) -> None:
        self.file = file
        self.line = line
        self.field = field
        self.problem = problem
        self.hint = hint
        self.others = tuple(others)
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        field = f" {self.field}:" if self.field else ""
        return f"{where}:{field} {self.problem} — {self.hint}"


class _Problem(ValueError):
    """Raised by validators: a message, what to do, and where below the validated value."""

    def __init__(self, problem: str, hint: str, *, at: tuple[str | int, ...] = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.hint = hint
        self.at = at


def _guid(value: str) -> str:
    if not _GUID.match(value):
        raise _Problem(
            f"must be a lower-case GUID like 1bc5f9f0-2607-49eb-94f0-6af955bbd79a (got {value!r})",
            "write 32 hex digits in 8-4-4-4-12 groups, lower case",
        )
    return value


def _http_url(value: str) -> str:
    if not value.startswith(("https://", "http://")):
        raise _Problem(f"must be an http(s) URL (got {value!r})", "start it with https://")
    return value


# --------------------------------------------------------------------------------------------
# Models


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
            raise _Problem(
                "an embedded environment has no baseUrl", "remove baseUrl or set embedded: false"
            )
        if not embedded and value is None:
            raise _Problem(
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
            except _Problem as problem:
                raise _Problem(problem.problem, problem.hint, at=(index,)) from None
        return value


class EnvironmentsFile(_Model):
    """``environments.yaml``: environment name → :class:`Environment`."""

    environments: dict[str, Environment] = Field(min_length=1)

    @field_validator("environments")
    @classmethod
    def _names_are_slugs(cls, value: dict[str, Environment]) -> dict[str, Environment]:
        for name in value:
            if not _SLUG.match(name):
                raise _Problem(
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
            raise _Problem(
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
            raise _Problem(
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
            raise _Problem(
                f"must be a lower-case slug (got {value!r})",
                "use letters, digits and dashes, e.g. stale-krr",
            )
        return value

    @field_validator("national_id")
    @classmethod
    def _eleven_digits(cls, value: str) -> str:
        if not re.fullmatch(r"\d{11}", value):
            raise _Problem(
                f"must be 11 digits (got {value!r})",
                'write the fødselsnummer or D-number in quotes, e.g. "26670271527"',
            )
        return value

    @field_validator("environments")
    @classmethod
    def _environments_unique(cls, value: list[str]) -> list[str]:
        for index, name in enumerate(value):
            if name in value[:index]:
                raise _Problem(f"{name!r} is listed twice", "remove one", at=(index,))
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
    """One answer field of a form, so answers can be generated and checked."""

    name: str = Field(pattern=r"^\S+$")
    type: FieldType
    options: list[Any] | None = Field(default=None, validate_default=True)
    max_length: int | None = Field(default=None, gt=0)
    minimum: int | None = Field(default=None, alias="min")
    maximum: int | None = Field(default=None, alias="max")

    @field_validator("options")
    @classmethod
    def _options_for_choice(cls, value: list[Any] | None, info: ValidationInfo) -> list[Any] | None:
        is_choice = info.data.get("type") == "choice"
        if not is_choice:
            if value is not None:
                raise _Problem("only choice fields have options", "remove them or use type: choice")
            return None
        if not value:
            raise _Problem(
                "a choice field needs a non-empty options list", "add options: [1, 2, 3, …]"
            )
        for index, option in enumerate(value):
            if isinstance(option, bool) or not isinstance(option, int | str):
                raise _Problem(
                    f"an option must be a number or a string (got {option!r})",
                    'write it as 1 or as "a quoted string"',
                    at=(index,),
                )
            if option in value[:index]:
                raise _Problem(f"option {option!r} is listed twice", "remove one", at=(index,))
        return value

    @field_validator("max_length")
    @classmethod
    def _max_length_for_text(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("type") != "text":
            raise _Problem("only text fields have maxLength", "remove it or use type: text")
        return value

    @field_validator("minimum", "maximum")
    @classmethod
    def _bounds_for_integer(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is None:
            return None
        if info.data.get("type") != "integer":
            raise _Problem("only integer fields have min and max", "remove it or use type: integer")
        minimum = info.data.get("minimum")
        if info.field_name == "maximum" and minimum is not None and value < minimum:
            raise _Problem(f"max ({value}) is below min ({minimum})", "swap or fix the bounds")
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
            raise _Problem(
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
            raise _Problem(
                f"{value!r} is already used by entry [{seen[value]}]",
                f"give every entry its own {alias}",
                at=(index, alias),
            )
        seen[value] = index


# --------------------------------------------------------------------------------------------
# Loaders


def load_environments(path: Path | None = None) -> dict[str, Environment]:
    """Read ``environments.yaml`` (default: in :func:`fixtures_dir`); name → environment."""
    return _load(path, "environments.yaml", EnvironmentsFile).environments


def load_patients(path: Path | None = None) -> PatientsFile:
    """Read ``patients.yaml`` (default: in :func:`fixtures_dir`)."""
    return _load(path, "patients.yaml", PatientsFile)


def load_forms(path: Path | None = None) -> FormsFile:
    """Read ``forms.yaml`` (default: in :func:`fixtures_dir`)."""
    return _load(path, "forms.yaml", FormsFile)


_M = TypeVar("_M", bound=BaseModel)


def load_yaml(path: Path, model: type[_M]) -> _M:
    """Any YAML file into ``model``, with the same one-line file:line: field errors."""
    return _load(path, path.name, model)


def _load(path: Path | None, default_name: str, model: type[_M]) -> _M:
    file = path if path is not None else fixtures_dir() / default_name
    shown = _display(file)
    root, data = _read_yaml(file, shown, model)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise _config_error(exc, root, shown, model) from None


def _display(file: Path) -> str:
    try:
        return str(file.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(file)


# --------------------------------------------------------------------------------------------
# YAML reading


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans: only true/false, never yes/no/on/off."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _read_yaml(file: Path, shown: str, model: type[BaseModel]) -> tuple[yaml.Node, Any]:
    top_keys = ", ".join(f.alias or n for n, f in model.model_fields.items())
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            shown, None, "", "file not found", f"create it or set {FIXTURES_ENV_VAR}"
        ) from None
    except IsADirectoryError:
        raise ConfigError(
            shown, None, "", "is a folder, not a file", "name the YAML file"
        ) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            shown, None, "", f"not UTF-8 text ({exc.reason})", "save as UTF-8"
        ) from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as exc:
        raise _syntax_error(exc, text, shown) from None
    finally:
        loader.dispose()
    if node is None:
        raise ConfigError(
            shown, 1, "(top level)", "the file is empty", f"it needs the top-level keys {top_keys}"
        )
    _check_duplicate_keys(node, shown)
    return node, data


def _syntax_error(exc: yaml.YAMLError, text: str, shown: str) -> ConfigError:
    hint = "check the indentation, colons and quotes here"
    if not isinstance(exc, yaml.MarkedYAMLError) or exc.problem_mark is None:
        return ConfigError(shown, None, "", f"YAML syntax error: {exc}", hint)
    problem = exc.problem or "invalid YAML"
    mark = exc.problem_mark
    context = exc.context or ""
    if exc.context_mark is not None and context.startswith(
        ("while scanning", "while parsing a flow")
    ):
        problem = f"{context}, {problem} (line {mark.line + 1})"
        mark = exc.context_mark
    path = _format_path(_path_at_syntax_error(text))
    return ConfigError(shown, mark.line + 1, path, f"YAML syntax error: {problem}", hint)


def _path_at_syntax_error(text: str) -> tuple[str | int, ...]:
    """The field path the parser had reached when the YAML broke.

    Each open collection is ``[kind, key or index, state]``; state is "open" while inside the
    current key's value or the current item, "key" (mapping) or "done" (list) in between.
    """
    stack: list[list[Any]] = []
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.NodeEvent):
                _advance(stack, event)
                if isinstance(event, yaml.MappingStartEvent):
                    stack.append(["map", None, "key"])
                elif isinstance(event, yaml.SequenceStartEvent):
                    stack.append(["seq", -1, "done"])
            elif isinstance(event, yaml.CollectionEndEvent):
                stack.pop()
                if stack:
                    stack[-1][2] = "key" if stack[-1][0] == "map" else "done"
    except yaml.YAMLError:
        pass
    return tuple(where for _, where, state in stack if state == "open")


def _advance(stack: list[list[Any]], event: yaml.NodeEvent) -> None:
    if not stack:
        return
    top = stack[-1]
    complete = isinstance(event, yaml.ScalarEvent | yaml.AliasEvent)
    if top[0] == "seq":
        top[1] += 1
        top[2] = "done" if complete else "open"
    elif top[2] == "key":
        top[1] = event.value if isinstance(event, yaml.ScalarEvent) else "?"
        top[2] = "open"
    else:
        top[2] = "key" if complete else "open"


def _check_duplicate_keys(root: yaml.Node, shown: str) -> None:
    duplicate = next(_duplicate_keys(root, (), set()), None)
    if duplicate is not None:
        path, key, first = duplicate
        raise ConfigError(
            shown,
            key.start_mark.line + 1,
            _format_path((*path, key.value)),
            f"duplicate key (first at line {first.start_mark.line + 1})",
            "remove one of them: YAML would silently keep only the last",
        )


def _duplicate_keys(
    node: yaml.Node, path: tuple[str | int, ...], seen: set[int]
) -> Iterator[tuple[tuple[str | int, ...], yaml.ScalarNode, yaml.ScalarNode]]:
    if id(node) in seen:
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        firsts: dict[str, yaml.ScalarNode] = {}
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in firsts:
                    yield path, key, firsts[key.value]
                firsts.setdefault(key.value, key)
                yield from _duplicate_keys(value, (*path, key.value), seen)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(item, (*path, index), seen)


# --------------------------------------------------------------------------------------------
# From pydantic errors to one line


def _config_error(
    exc: ValidationError, root: yaml.Node, shown: str, model: type[BaseModel]
) -> ConfigError:
    """All problems, in file order; the first is the message, the rest go to ``others``."""
    errors = _drop_missing_explained_by_typos(exc.errors(), model)
    found: list[tuple[int, str, str, str]] = []
    for error in errors:
        loc = tuple(error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, _Problem):
            loc = (*loc, *cause.at)
        line, path, node = _locate(root, loc)
        item = (line, _format_path(path), *_describe(error, model, node))
        if item not in found:
            found.append(item)
    found.sort(key=lambda item: item[0])
    rendered = [str(ConfigError(shown, *item)) for item in found]
    return ConfigError(shown, *found[0], others=rendered[1:])


def _drop_missing_explained_by_typos(errors: list[Any], model: type[BaseModel]) -> list[Any]:
    """A misspelt key gives "unknown field" and "missing": keep only the first, it says both."""
    typos: set[tuple[tuple[str | int, ...], str]] = set()
    for error in errors:
        if error["type"] == "extra_forbidden":
            parent, key = tuple(error["loc"][:-1]), str(error["loc"][-1])
            allowed = _allowed_keys(model, parent)
            typos.update((parent, name) for name in difflib.get_close_matches(key, allowed, n=1))
    return [
        error
        for error in errors
        if error["type"] != "missing" or (tuple(error["loc"][:-1]), error["loc"][-1]) not in typos
    ]


def _describe(error: Any, model: type[BaseModel], node: yaml.Node | None) -> tuple[str, str]:
    """(what is wrong, what to do) for one pydantic error."""
    kind: str = error["type"]
    loc: tuple[str | int, ...] = error["loc"]
    ctx: dict[str, Any] = error.get("ctx", {})
    if isinstance(ctx.get("error"), _Problem):
        return ctx["error"].problem, ctx["error"].hint
    if kind == "missing":
        where = "at the top level" if len(loc) == 1 else "to this entry"
        return "required field is missing", f"add {loc[-1]}: {where}"
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f"did you mean {close[0]}?" if close else "remove it or fix the spelling"
        return "unknown field", f"{hint} (allowed: {', '.join(allowed)})" if allowed else hint
    got = _got(error.get("input"), node)
    if kind == "literal_error":
        expected = ctx["expected"].replace("'", "").replace(" or ", ", ")
        what = "key must" if loc and loc[-1] == "[key]" else "must"
        return f"{what} be one of {expected} (got {got})", "use one of those values"
    if kind == "string_type" and isinstance(node, yaml.ScalarNode) and not node.style:
        return f"must be a string (got {got}, read as a {_kind(error['input'])})", (
            f'put it in quotes: "{node.value}"'
        )
    if kind in ("greater_than", "greater_than_equal"):
        sign = ">" if kind == "greater_than" else ">="
        limit = ctx.get("gt", ctx.get("ge"))
        return f"must be {sign} {limit} (got {got})", f"use a number {sign} {limit}"
    if kind in ("too_short", "string_too_short"):
        return (
            "must not be empty",
            "add at least one entry" if kind == "too_short" else "write some text",
        )
    problem, hint = _TYPE_PROBLEMS.get(kind, (_lower_first(error["msg"]), "see fixtures/README.md"))
    return f"{problem} (got {got})", hint


_TYPE_PROBLEMS: dict[str, tuple[str, str]] = {
    "bool_type": ("must be true or false", "write true or false"),
    "string_type": ("must be a string", "write text, in quotes if in doubt"),
    "int_type": ("must be a whole number", "write a number without quotes"),
    "list_type": ("must be a list", "write [a, b] or one '- item' per line"),
    "dict_type": ("must be a mapping", "write key: value lines"),
    "model_type": ("must be a mapping", "write key: value lines"),
    "string_pattern_mismatch": ("must be one word without spaces", "remove the spaces"),
}


def _got(value: Any, node: yaml.Node | None) -> str:
    """How the offending value looks in the file."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(node, yaml.ScalarNode) and node.value:
        return str(node.value)
    return _kind(value)


def _kind(value: Any) -> str:
    kinds = {bool: "boolean", int: "number", float: "number", str: "string", list: "list"}
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "mapping"
    return kinds.get(type(value), type(value).__name__)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _locate(
    root: yaml.Node, loc: tuple[str | int, ...]
) -> tuple[int, tuple[str | int, ...], yaml.Node | None]:
    """Walk the YAML node tree along a pydantic ``loc``: (line, path that exists, node).

    A key the mapping lacks (a missing field) ends the path. Python field names in ``loc``
    (pydantic uses them for defaults it validated) are shown as their camelCase aliases.
    """
    node: yaml.Node = root
    line = root.start_mark.line + 1
    path: list[str | int] = []
    for position, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            name = str(part)
            names = {name, to_camel(name)}
            entry = next(
                (
                    (k, v)
                    for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and k.value in names
                ),
                None,
            )
            if entry is None:
                if position == len(loc) - 1 and isinstance(part, str):
                    path.append(to_camel(part) if "_" in part else part)
                return line, tuple(path), None
            line, node = entry[0].start_mark.line + 1, entry[1]
            path.append(entry[0].value)
        elif (
            isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value)
        ):
            node = node.value[part]
            line = node.start_mark.line + 1
            path.append(part)
        else:
            break  # e.g. pydantic's "[key]" marker below a scalar
    return line, tuple(path), node


def _format_path(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _allowed_keys(model: type[BaseModel], loc: Sequence[str | int]) -> list[str]:
    target: Any = model
    for part in loc:
        target = _unwrap_optional(target)
        if isinstance(target, type) and issubclass(target, BaseModel):
            field = next(
                (f for n, f in target.model_fields.items() if (f.alias or n) == part), None
            )
            if field is None:
                return []
            target = field.annotation
        elif get_origin(target) is list and isinstance(part, int):
            target = get_args(target)[0]
        elif get_origin(target) is dict:
            target = get_args(target)[1]
        else:
            return []
    target = _unwrap_optional(target)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return [f.alias or n for n, f in target.model_fields.items()]
    return []


def _unwrap_optional(annotation: Any) -> Any:
    if get_origin(annotation) in (Union, types.UnionType):
        others = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(others) == 1:
            return others[0]
    return annotation

"""From pydantic's validation errors to one-line :class:`~._errors.ConfigError` messages.

Each error is located in the YAML node tree (line, field path as written in the file) and
described as what is wrong and what to do; a misspelt key is reported once, with the key
it was probably meant to be.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Sequence
from typing import Any, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_camel

from eprom_verify.config._errors import ConfigError, Problem, format_path

__all__ = ["config_error"]


def config_error(
    exc: ValidationError, root: yaml.Node, shown: str, model: type[BaseModel]
) -> ConfigError:
    """All problems, in file order; the first is the message, the rest go to ``others``."""
    errors = _drop_missing_explained_by_typos(exc.errors(), model)
    found: list[tuple[int, str, str, str]] = []
    for error in errors:
        loc = tuple(error["loc"])
        cause = error.get("ctx", {}).get("error")
        if isinstance(cause, Problem):
            loc = (*loc, *cause.at)
        line, path, node = _locate(root, loc)
        item = (line, format_path(path), *_describe(error, model, node))
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
    if isinstance(ctx.get("error"), Problem):
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

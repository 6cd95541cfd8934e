"""Reading YAML with line locations: YAML 1.2 booleans, duplicate keys and syntax errors
reported as file:line: field.

The YAML is read with YAML 1.2 booleans (only ``true``/``false``): ``yes``, ``no``, ``on``
and ``off`` stay strings, so ``NO`` is never ``False`` by accident.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from eprom_verify._paths import FIXTURES_ENV_VAR
from eprom_verify.config._errors import ConfigError, format_path

__all__ = ["read_yaml"]


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


def read_yaml(file: Path, shown: str, model: type[BaseModel]) -> tuple[yaml.Node, Any]:
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
    path = format_path(_path_at_syntax_error(text))
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
            format_path((*path, key.value)),
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

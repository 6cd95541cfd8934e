"""Attestations: a tester's yes or no for a checkpoint only a person can see (V2, S1, S2 …).

From a YAML file (``docs/attestation.md``, ``examples/attest.yaml``) for CI and for a
tester who checks Helsenorge after the run, or asked at the terminal during an
interactive run. A bad file is refused with one line: file, line, field, what to write.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

import yaml

from eprom_verify._exceptions import UsageError
from eprom_verify.checklist import Checkpoint, checkpoint_ids

from .i18n import strings
from .model import Attestation, Picture

__all__ = ["AttestationError", "ask_attestation", "load_attestations"]

_TOP_FIELDS = {"tester", "attestations"}
_ITEM_FIELDS = {"checkpoint", "answer", "comment", "at", "tester", "images"}
#: an attached screenshot: PNG or JPEG, at most this big (it is embedded in report.html)
MAX_IMAGE_BYTES = 5 * 1024 * 1024
_IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
_MAX_TRIES = 5


class AttestationError(UsageError):
    """An attestation file cannot be used; the message is ``file:line: field: problem``."""


def load_attestations(path: Path) -> list[Attestation]:
    """Read the attestations in ``path``; :class:`AttestationError` on the first problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AttestationError(f"{path}: cannot be read ({exc.strerror})") from None
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise AttestationError(f"{path}: empty — see docs/attestation.md for the format")
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else 1
        raise AttestationError(f"{path}:{line}: not valid YAML ({exc.problem})") from None
    finally:
        loader.dispose()
    return _Reader(path, node).attestations(document)


class _Reader:
    """Checks the constructed data, naming lines from the YAML node tree."""

    def __init__(self, path: Path, root: yaml.Node) -> None:
        self.path = path
        self.root = root

    def fail(self, node: yaml.Node, field: str, problem: str) -> AttestationError:
        return AttestationError(f"{self.path}:{node.start_mark.line + 1}: {field}: {problem}")

    def attestations(self, document: Any) -> list[Attestation]:
        if not isinstance(document, dict) or not isinstance(self.root, yaml.MappingNode):
            raise self.fail(self.root, "(top)", "expected a mapping with tester and attestations")
        self._no_unknown(self.root, document, _TOP_FIELDS, "(top)")
        items = document.get("attestations")
        items_node = _child(self.root, "attestations") or self.root
        if not isinstance(items, list) or not isinstance(items_node, yaml.SequenceNode):
            raise self.fail(items_node, "attestations", "expected a list of attestations")
        tester = document.get("tester")
        seen: dict[str, int] = {}
        result = []
        for index, (item, node) in enumerate(zip(items, items_node.value, strict=True)):
            attestation = self.item(item, node, f"attestations[{index}]", tester)
            line = node.start_mark.line + 1
            if attestation.checkpoint_id in seen:
                raise self.fail(
                    node,
                    f"attestations[{index}].checkpoint",
                    f"{attestation.checkpoint_id} is attested twice "
                    f"(lines {seen[attestation.checkpoint_id]} and {line}); keep one",
                )
            seen[attestation.checkpoint_id] = line
            result.append(attestation)
        return result

    def item(self, item: Any, node: yaml.Node, where: str, tester: Any) -> Attestation:
        if not isinstance(item, dict) or not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where, "expected a mapping with checkpoint, answer and at")
        self._no_unknown(node, item, _ITEM_FIELDS, where)

        def field(name: str) -> tuple[Any, yaml.Node]:
            return item.get(name), _child(node, name) or node

        checkpoint_id = self._checkpoint(*field("checkpoint"), f"{where}.checkpoint")
        return Attestation(
            checkpoint_id=checkpoint_id,
            tester=self._tester(item.get("tester", tester), node, where),
            answer=self._answer(*field("answer"), f"{where}.answer"),
            comment=self._comment(*field("comment"), f"{where}.comment"),
            at=self._at(*field("at"), f"{where}.at"),
            source="file",
            pictures=self._images(*field("images"), f"{where}.images", checkpoint_id),
        )

    def _no_unknown(
        self, node: yaml.Node, data: dict[Any, Any], known: set[str], where: str
    ) -> None:
        for key in data:
            if key not in known:
                raise self.fail(
                    _child(node, key) or node,
                    f"{where}.{key}" if where != "(top)" else str(key),
                    f"unknown field; expected one of: {', '.join(sorted(known))}",
                )

    def _checkpoint(self, value: Any, node: yaml.Node, where: str) -> str:
        known = checkpoint_ids()
        if value is None:
            raise self.fail(node, where, f"missing; one of: {', '.join(known)}")
        text = str(value).strip()
        if text not in known:
            raise self.fail(node, where, f"unknown checkpoint {text!r}; known: {', '.join(known)}")
        return text

    def _tester(self, value: Any, node: yaml.Node, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(
                _child(node, "tester") or _child(self.root, "tester") or node,
                f"{where}.tester" if _child(node, "tester") else "tester",
                'missing; write the tester\'s name, e.g. tester: "Kari Nordmann"',
            )
        return value.strip()

    def _answer(self, value: Any, node: yaml.Node, where: str) -> Literal["yes", "no"]:
        # YAML 1.1 reads a bare yes/no as a boolean; both spellings mean the same here.
        if value is True or str(value).strip().lower() in {"yes", "ja", "y", "j"}:
            return "yes"
        if value is False or str(value).strip().lower() in {"no", "nei", "n"}:
            return "no"
        raise self.fail(node, where, f"expected yes or no, got {value!r}")

    def _comment(self, value: Any, node: yaml.Node, where: str) -> str | None:
        if value is None:
            return None
        if not isinstance(value, str | int | float):
            raise self.fail(node, where, "expected text")
        return str(value)

    def _images(self, value: Any, node: yaml.Node, where: str, checkpoint_id: str) -> list[Picture]:
        """Screenshots the tester took: paths relative to the attestation file."""
        if value is None:
            return []
        nodes = node.value if isinstance(node, yaml.SequenceNode) else []
        if not isinstance(value, list) or len(nodes) != len(value):
            raise self.fail(node, where, "expected a list of image files, e.g. [task.png]")
        return [
            self._image(item, item_node, f"{where}[{n}]", checkpoint_id)
            for n, (item, item_node) in enumerate(zip(value, nodes, strict=True))
        ]

    def _image(self, value: Any, node: yaml.Node, where: str, checkpoint_id: str) -> Picture:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(node, where, "expected the path of a PNG or JPEG file")
        path = self.path.parent / value.strip()
        try:
            with path.open("rb") as file:
                content = file.read(MAX_IMAGE_BYTES + 1)
        except OSError as exc:
            raise self.fail(node, where, f"{path}: cannot be read ({exc.strerror})") from None
        if len(content) > MAX_IMAGE_BYTES:
            raise self.fail(
                node, where, f"{path} is over {MAX_IMAGE_BYTES // 2**20} MB; crop or shrink it"
            )
        media = next((m for magic, m in _IMAGE_TYPES.items() if content.startswith(magic)), None)
        if media is None:
            raise self.fail(node, where, f"{path} is not a PNG or JPEG image")
        name = path.name
        return Picture(
            checkpoint_ids=[checkpoint_id],
            captions={
                "nb": f"Testerens skjermbilde: {name}",
                "en": f"The tester's screenshot: {name}",
            },
            media_type=media,
            data=base64.b64encode(content).decode("ascii"),
            source="tester",
        )

    def _at(self, value: Any, node: yaml.Node, where: str) -> datetime:
        example = "e.g. at: 2026-11-22T10:00:00Z"
        if value is None:
            raise self.fail(node, where, f"missing; when the tester checked it, {example}")
        if isinstance(value, str):
            try:
                value = datetime.fromisoformat(value.strip())
            except ValueError:
                raise self.fail(
                    node, where, f"{value!r} is not a date and time; {example}"
                ) from None
        if not isinstance(value, datetime) and isinstance(value, date):
            raise self.fail(node, where, f"{value} has no time of day; {example}")
        if not isinstance(value, datetime):
            raise self.fail(node, where, f"expected a date and time, {example}")
        if value.tzinfo is None:
            raise self.fail(node, where, f"{value} has no time zone; add Z for UTC, {example}")
        return value.astimezone(UTC)


def _child(node: yaml.Node, key: str) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node."""
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            found: yaml.Node = value_node
            return found
    return None


def ask_attestation(
    checkpoint: Checkpoint,
    question: str,
    *,
    tester: str | None,
    input_fn: Callable[[str], str] = input,
    output: TextIO = sys.stdout,
    lang: str = "nb",
) -> Attestation | None:
    """Ask a tester at the terminal; ``None`` when they skip or the input ends (EOF)."""
    t = strings(lang)
    title = checkpoint.title.in_language(lang)
    output.write(f"\n{t['ask_heading']} {checkpoint.id} — {title}\n{question}\n")
    try:
        name = tester or _ask_name(input_fn, output, t)
        answer = _ask_answer(input_fn, output, t) if name else None
        if answer is None or name is None:
            output.write(t["ask_skipped"] + "\n")
            return None
        comment = input_fn(t["ask_comment"]).strip() or None
    except EOFError:
        output.write("\n" + t["ask_skipped"] + "\n")
        return None
    output.write(f"{t['ask_recorded']}: {checkpoint.id} = {t['answer_' + answer]}\n")
    return Attestation(
        checkpoint_id=checkpoint.id,
        tester=name,
        answer=answer,
        comment=comment,
        at=datetime.now(UTC),
        source="interactive",
    )


def _ask_name(input_fn: Callable[[str], str], output: TextIO, t: Mapping[str, str]) -> str | None:
    for _ in range(_MAX_TRIES):
        name = input_fn(t["ask_tester"]).strip()
        if name:
            return name
    return None


def _ask_answer(
    input_fn: Callable[[str], str], output: TextIO, t: Mapping[str, str]
) -> Literal["yes", "no"] | None:
    words = {kind: set(t[f"words_{kind}"].split()) for kind in ("yes", "no", "skip")}
    for _ in range(_MAX_TRIES):
        reply = input_fn(t["ask_answer"]).strip().lower()
        if reply in words["yes"]:
            return "yes"
        if reply in words["no"]:
            return "no"
        if reply in words["skip"]:
            return None
        output.write(t["ask_invalid"] + "\n")
    return None

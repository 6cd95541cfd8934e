"""The JSON shape of a letter's ``documentCollection`` — undocumented, so kept in one place.

The docs name the field but its shape is a type of Hemit's NuGet client. We assume::

    {"mainDocument": {"title", "fileName", "mimeType", "content" (base64)},
     "attachments": [same shape]}

A user who learns the real shape replaces the key names with a small JSON file
(a JSON file read by ``DocumentShape.load``; see the README); the client encodes with it
and the simulator decodes with it, so nothing else changes.
"""

from __future__ import annotations

import base64
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

__all__ = ["MAX_DOCUMENT_BYTES", "DocumentShape", "PlainDocument"]

#: Letters support PDF files up to 30 MB ("PDF-filer på opp til 30MB").
MAX_DOCUMENT_BYTES = 30 * 1024 * 1024


@dataclass(frozen=True)
class PlainDocument:
    """One document as bytes, before it is put on the wire."""

    content: bytes
    title: str = "Dokument"
    file_name: str = "dokument.pdf"
    mime_type: str = "application/pdf"


@dataclass(frozen=True)
class DocumentShape:
    """The key names of the document collection on the wire."""

    main_document: str = "mainDocument"
    attachments: str = "attachments"
    title: str = "title"
    file_name: str = "fileName"
    mime_type: str = "mimeType"
    content: str = "content"

    @classmethod
    def load(cls, path: Path) -> DocumentShape:
        """Read a shape file: a JSON object mapping our names to the wire's key names."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path}: cannot read the document shape: {exc}") from None
        known = set(asdict(cls()))
        if not isinstance(raw, dict) or not set(raw) <= known:
            raise ValueError(f"{path}: keys must be among {sorted(known)}")
        return cls(**{k: str(v) for k, v in raw.items()})

    def encode(
        self, main: PlainDocument | None, attachments: list[PlainDocument]
    ) -> dict[str, Any]:
        """The wire form of a collection (``main`` None leaves the main document out)."""
        out: dict[str, Any] = {self.attachments: [self._one(a) for a in attachments]}
        if main is not None:
            out[self.main_document] = self._one(main)
        return out

    def decode(self, data: Any) -> tuple[PlainDocument | None, list[PlainDocument]]:
        """Read a collection; raises ValueError naming the bad part."""
        if not isinstance(data, dict):
            return None, []
        main_raw = data.get(self.main_document)
        main = self._read(main_raw, self.main_document) if main_raw else None
        items = data.get(self.attachments) or []
        if not isinstance(items, list):
            raise ValueError(f"{self.attachments} must be a list")
        attachments = [self._read(a, f"{self.attachments}[{i}]") for i, a in enumerate(items)]
        return main, attachments

    def _one(self, doc: PlainDocument) -> dict[str, Any]:
        return {
            self.title: doc.title,
            self.file_name: doc.file_name,
            self.mime_type: doc.mime_type,
            self.content: base64.b64encode(doc.content).decode("ascii"),
        }

    def _read(self, raw: Any, where: str) -> PlainDocument:
        if not isinstance(raw, dict) or not isinstance(raw.get(self.content), str):
            raise ValueError(f"{where}.{self.content} is missing or not a base64 string")
        try:
            content = base64.b64decode(raw[self.content], validate=True)
        except ValueError:
            raise ValueError(f"{where}.{self.content} is not valid base64") from None
        return PlainDocument(
            content=content,
            title=str(raw.get(self.title) or ""),
            file_name=str(raw.get(self.file_name) or ""),
            mime_type=str(raw.get(self.mime_type) or "application/pdf"),
        )

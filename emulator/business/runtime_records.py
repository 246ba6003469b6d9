"""The runtime's records in the state file, as record sections (sections.py):

- "documents": report and feed documents (`emulator.runtime.documents`), one record a
  document (its fields, the bytes as base64), written when one is made, uploaded or dropped;
- "clock": the emulator clock's offset, so time never runs backwards across a restart.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from emulator.business import snapshot
from emulator.business.sections import Section, Sections
from emulator.runtime.clock import Clock
from emulator.runtime.documents import Document, DocumentStore

DOCUMENTS = "documents"
CLOCK = "clock"


def _record(document: Document) -> dict[str, Any]:
    data = snapshot.dump(replace(document, content=None))
    data["content"] = (base64.b64encode(document.content).decode("ascii")
                       if document.content is not None else None)
    return data


class DocumentSection(Section):
    def __init__(self, documents: DocumentStore) -> None:
        self.documents = documents

    def record(self, key: str) -> Any | None:
        document = self.documents.get(key)
        return _record(document) if document is not None else None

    def records(self) -> Iterable[tuple[str, Any]]:
        for document in self.documents.all():
            yield document.document_id, _record(document)

    def load(self, key: str, value: Any | None) -> None:
        if value is None:
            self.documents.remove(key)
            return
        if not isinstance(value, dict):
            raise ValueError("expected an object")
        content = value.get("content")
        if content is not None and not isinstance(content, str):
            raise ValueError("content: expected base64 text")
        document = snapshot.load(Document, {**value, "content": None}, key)
        if document.document_id != key:
            raise ValueError(f"its id is {document.document_id!r}")
        if content is not None:
            try:
                document.content = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise ValueError("content: not base64") from None
        self.documents.restore(document)


class ClockSection(Section):
    """The offset `POST /_emulator/clock/advance` added: only ever grows."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def record(self, key: str) -> Any | None:
        return self.clock.offset

    def records(self) -> Iterable[tuple[str, Any]]:
        yield "offset", self.clock.offset

    def load(self, key: str, value: Any | None) -> None:
        if key != "offset" or isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0 <= value < float("inf"):
            raise ValueError("expected the offset: a number of seconds, 0 or more")
        self.clock.offset = max(self.clock.offset, float(value))


def install(documents: DocumentStore, clock: Clock, sections: Sections) -> None:
    """Keep the documents and the clock in the state file, each change written before it is
    acknowledged."""
    sections.register(DOCUMENTS, DocumentSection(documents))
    documents.listeners.append(lambda document_id: sections.touch(DOCUMENTS, document_id))
    sections.register(CLOCK, ClockSection(clock))
    clock.listeners.append(lambda: sections.touch(CLOCK, "offset"))

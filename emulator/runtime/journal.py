"""The journal: every SP-API request the emulator answered, newest last, in bounded memory.

`GET /_emulator/journal` reads it with filters. Entries keep no secrets: the app is its client
id, the seller its id; tokens, bodies and headers are never recorded.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from emulator.runtime.clock import iso


# Recorded on every request: kept cheap (slots, no formatting); formatted when read.
@dataclass(slots=True)
class Entry:
    timestamp: float  # emulator clock, seconds since the epoch
    request_id: str
    method: str
    path: str
    operation: str | None  # operation uid, e.g. ordersV0.getOrders
    app: str | None  # client id
    seller: str | None
    status: int
    latency_ms: float  # recorded as seconds; milliseconds once read
    throttled: bool
    fault: str | None
    source: str  # stateful | sandbox-case | synthesized | gateway (the answer's origin)
    note: str | None = None  # why, when the emulator has something to say (e.g. a lifecycle)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["time"] = iso(data.pop("timestamp"))
        return data


def _entry(fields: tuple[Any, ...]) -> Entry:
    entry = Entry(*fields)
    entry.latency_ms = round(entry.latency_ms * 1000, 3)
    return entry


class Journal:
    def __init__(self, size: int) -> None:
        self.size = size
        # Entries are kept as plain tuples in Entry's field order: recording is on every
        # request's path, reading is rare.
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=max(size, 1))
        self.recorded = 0  # requests seen since start, including those rotated out

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def record(self, fields: tuple[Any, ...]) -> None:
        """Record one request: `fields` in Entry's order, latency in seconds."""
        self._entries.append(fields)
        self.recorded += 1

    def clear(self) -> None:
        self._entries.clear()

    def query(self, *, limit: int = 100, **filters: Any) -> list[Entry]:
        """Matching entries, oldest first, at most the `limit` most recent ones."""
        return self.search(limit=limit, **filters)[0]

    def search(self, *, operation: str | None = None, seller: str | None = None,
               app: str | None = None, status: int | None = None, throttled: bool | None = None,
               since: float | None = None, source: str | None = None,
               limit: int = 100) -> tuple[list[Entry], int]:
        """Matching entries, oldest first, at most the `limit` most recent ones; and how many
        entries match in all."""
        found: Iterable[Entry] = (_entry(fields) for fields in self._entries)
        if operation is not None:
            # A bare operationId (getOrders) matches it in every model; a uid matches exactly.
            found = (e for e in found if e.operation is not None and (
                e.operation == operation or e.operation.split(".")[1] == operation))
        if seller is not None:
            found = (e for e in found if e.seller == seller)
        if app is not None:
            found = (e for e in found if e.app == app)
        if status is not None:
            found = (e for e in found if e.status == status)
        if throttled is not None:
            found = (e for e in found if e.throttled == throttled)
        if since is not None:
            found = (e for e in found if e.timestamp >= since)
        if source is not None:
            found = (e for e in found if e.source == source)
        selected = list(found)
        return (selected[-limit:] if limit > 0 else []), len(selected)

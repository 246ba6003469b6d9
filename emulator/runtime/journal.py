"""The journal: every request the emulator answered, newest last, in bounded memory.

`GET /_emulator/journal` reads its SP-API requests with filters; the inspector's Requests page
reads all of it (SP-API, LWA, the control plane, document URLs). Entries keep no secrets: the
app is its client id, the seller its id; tokens and headers are never recorded. Bodies are kept
apart (`Bodies`), for the most recent requests only and each cut at BODY_CAP bytes; what the
inspector shows of them has tokens masked.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any

from emulator.runtime.clock import iso

SP_API = "sp-api"
PLANES = (SP_API, "lwa", "control", "documents")
BODY_CAP = 16 * 1024  # bytes kept of each request and response body


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
    # Why the answer was what it was: the token's kind (seller, grantless, rdt) once the token
    # stage let it through; the throttling bucket (tokens left after this request, rate per
    # second, burst); the SP-API error the request ended with ("Unauthorized: <details>").
    auth: str | None = None
    bucket: tuple[float, float, int] | None = None
    error: str | None = None
    plane: str = SP_API  # sp-api | lwa | control | documents
    case: int | None = None  # with source sandbox-case: the case's position in the model
    number: int = 0  # its position among every request recorded (1 = the first); not stored

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["number"]
        data["time"] = iso(data.pop("timestamp"))
        bucket = data.pop("bucket")
        data["bucket"] = None if bucket is None else {
            "tokens": round(bucket[0], 3), "rate": bucket[1], "burst": bucket[2]}
        return data


def _entry(fields: tuple[Any, ...]) -> Entry:
    entry = Entry(*fields)
    entry.latency_ms = round(entry.latency_ms * 1000, 3)
    return entry


@dataclass(frozen=True, slots=True)
class Bodies:
    """What a request sent and got back, each body cut at BODY_CAP bytes."""

    query: bytes
    request: bytes
    response: bytes
    response_type: str | None
    request_size: int  # before the cut
    response_size: int


class Journal:
    def __init__(self, size: int, bodies: int = 0) -> None:
        self.size = size
        # Entries are kept as plain tuples in Entry's field order: recording is on every
        # request's path, reading is rare.
        self._entries: deque[tuple[Any, ...]] = deque(maxlen=max(size, 1))
        self.recorded = 0  # requests seen since start, including those rotated out
        self.bodies_kept = bodies if size > 0 else 0
        self._bodies: dict[str, tuple[Any, ...]] = {}  # Bodies' fields
        self._body_order: deque[str] = deque()

    @property
    def enabled(self) -> bool:
        return self.size > 0

    def record(self, fields: tuple[Any, ...]) -> None:
        """Record one request: `fields` in Entry's order, latency in seconds."""
        self._entries.append(fields)
        self.recorded += 1

    def keep_bodies(self, request_id: str, query: bytes, request: bytes, response: bytes,
                    response_type: str | None) -> None:
        """Keep one request's bodies (cut at BODY_CAP), forgetting the oldest beyond the
        `bodies` most recent. Slicing bytes that fit copies nothing but a reference."""
        if not self.bodies_kept:
            return
        # A tuple in Bodies' field order: made on every request, read rarely (a frozen
        # dataclass costs a microsecond more to make).
        self._bodies[request_id] = (query[:BODY_CAP], request[:BODY_CAP],
                                    response[:BODY_CAP], response_type, len(request),
                                    len(response))
        order = self._body_order
        order.append(request_id)
        if len(order) > self.bodies_kept:
            self._bodies.pop(order.popleft(), None)

    def bodies(self, request_id: str) -> Bodies | None:
        kept = self._bodies.get(request_id)
        return Bodies(*kept) if kept is not None else None

    def clear(self) -> None:
        self._entries.clear()
        self._bodies.clear()
        self._body_order.clear()

    def after(self, number: int, limit: int,
              keep: Callable[[tuple[Any, ...]], bool] | None = None) -> list[Entry]:
        """Entries recorded after the `number`-th that `keep` keeps (a `matcher`), oldest
        first: at most the `limit` newest of them (a live tail that fell behind skips ahead
        instead of catching up). Only the records it returns become Entries."""
        count = min(self.recorded - number, len(self._entries))
        found: list[Entry] = []
        for index, fields in enumerate(reversed(self._entries)):
            if index >= count or len(found) >= limit:
                break
            if keep is None or keep(fields):
                entry = _entry(fields)
                entry.number = self.recorded - index
                found.append(entry)
        found.reverse()
        return found

    def find(self, request_id: str) -> Entry | None:
        for index, fields in enumerate(reversed(self._entries)):
            if fields[1] == request_id:
                entry = _entry(fields)
                entry.number = self.recorded - index
                return entry
        return None

    def entries(self, newest_first: bool = False) -> Iterable[tuple[Any, ...]]:
        """The raw records in Entry's field order, oldest first (or newest first): for
        summaries that must not build an Entry per record. Read them before the next await."""
        return reversed(self._entries) if newest_first else iter(self._entries)

    @staticmethod
    def matcher(*, operation: str | None = None, seller: str | None = None,
                app: str | None = None, status: int | None = None,
                throttled: bool | None = None, since: float | None = None,
                source: str | None = None, plane: str | None = SP_API,
                fault: bool | None = None) -> Callable[[tuple[Any, ...]], bool]:
        """A test of raw records for these filters (None: any); `plane` None is every
        plane. A bare operationId (getOrders) matches it in every model, a uid exactly."""
        tests: list[Callable[[tuple[Any, ...]], bool]] = []
        if plane is not None:
            tests.append(lambda f: f[16] == plane)
        if operation is not None:
            suffix = "." + operation
            tests.append(lambda f: f[4] is not None and (
                f[4] == operation or f[4].endswith(suffix)))
        if seller is not None:
            tests.append(lambda f: f[6] == seller)
        if app is not None:
            tests.append(lambda f: f[5] == app)
        if status is not None:
            tests.append(lambda f: f[7] == status)
        if throttled is not None:
            tests.append(lambda f: f[9] == throttled)
        if fault is not None:
            tests.append(lambda f: (f[10] is not None) == fault)
        if since is not None:
            tests.append(lambda f: f[0] >= since)
        if source is not None:
            tests.append(lambda f: f[11] == source)
        return lambda fields: all(test(fields) for test in tests)

    def search(self, *, limit: int = 100, **filters: Any) -> tuple[list[Entry], int]:
        """What `query` finds, and how many entries match in all (a walk of the whole
        journal: the control plane's `total`)."""
        keep = self.matcher(**filters)
        matching = sum(1 for fields in self._entries if keep(fields))
        return self.query(limit=limit, **filters), matching

    def query(self, *, operation: str | None = None, seller: str | None = None,
              app: str | None = None, status: int | None = None, throttled: bool | None = None,
              since: float | None = None, source: str | None = None, limit: int = 100,
              plane: str | None = SP_API, fault: bool | None = None,
              before: int | None = None) -> list[Entry]:
        """Matching entries, oldest first, at most the `limit` most recent ones (see
        `matcher`); `before` leaves out the newest entries, from the `before`-th request
        recorded (a position in `recorded`) on: a page further back.

        Walks from the newest record back and stops at `limit`, building an Entry only for
        what it returns."""
        keep = self.matcher(operation=operation, seller=seller, app=app, status=status,
                            throttled=throttled, since=since, source=source, plane=plane,
                            fault=fault)
        if limit <= 0:
            return []
        records: Iterable[tuple[Any, ...]] = reversed(self._entries)
        if before is not None:
            # Record number n (1-based) sits at index n - 1 - (recorded - len).
            skip = self.recorded - max(before, 0) + 1
            records = itertools.islice(records, max(skip, 0), None)
        selected: list[Entry] = []
        newest = self.recorded if before is None else min(self.recorded, max(before, 0) - 1)
        for index, fields in enumerate(records):
            if keep(fields):
                entry = _entry(fields)
                entry.number = newest - index
                selected.append(entry)
                if len(selected) >= limit:
                    break
        selected.reverse()
        return selected

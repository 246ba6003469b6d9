"""The requests page's view of the journal: filters, pages, one request's story (who it was,
its throttling bucket, the fault that hit it, the error it ended with) and its bodies, with
every token masked."""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from emulator.runtime.clock import iso
from emulator.runtime.faults import Faults
from emulator.runtime.journal import BODY_CAP, PLANES, Bodies, Entry, Journal

PAGE = 100
# LWA access and refresh tokens, RDTs: never shown whole.
_TOKEN = re.compile(r"(Atz[a-z]*(?:\.[a-z]+)?\|)[^\"'\s&,}]+")


# The journal's `source` (the x-spapi-emulator-source header), in words.
_SOURCES = {"stateful": "the stateful handler, over the seller's state",
            "sandbox-case": "Amazon's static sandbox case",
            "synthesized": "synthesized from the operation's schema",
            "gateway": "the gateway itself, before any answer was chosen"}


class FilterError(ValueError):
    """A filter the page cannot use; the message names it."""


@dataclass(frozen=True)
class Filters:
    operation: str | None = None
    seller: str | None = None
    app: str | None = None
    status: int | None = None
    throttled: bool | None = None
    fault: bool | None = None
    plane: str | None = None  # None: every plane
    source: str | None = None  # the answer's source (stateful, sandbox-case, ...)
    before: int | None = None  # a page further back: entries recorded before this number

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> Filters:
        def text(name: str) -> str | None:
            value = query.get(name, "").strip()
            return value or None

        def flag(name: str) -> bool | None:
            value = text(name)
            if value is None:
                return None
            if value not in ("yes", "no"):
                raise FilterError(f"'{name}' is yes or no")
            return value == "yes"

        def number(name: str) -> int | None:
            value = text(name)
            if value is None:
                return None
            if not value.isdigit():
                raise FilterError(f"'{name}' is a number")
            return int(value)

        plane = text("plane")
        if plane is not None and plane not in PLANES:
            raise FilterError(f"'plane' is one of {', '.join(PLANES)}")
        source = text("source")
        if source is not None and source not in _SOURCES:
            raise FilterError(f"'source' is one of {', '.join(_SOURCES)}")
        return cls(text("operation"), text("seller"), text("app"), number("status"),
                   flag("throttled"), flag("fault"), plane, source, number("before"))

    def query(self, **changes: Any) -> dict[str, str]:
        """These filters as query parameters (for links and the live tail's URL)."""
        values = {"operation": self.operation, "seller": self.seller, "app": self.app,
                  "status": self.status, "plane": self.plane, "before": self.before,
                  "source": self.source,
                  "throttled": None if self.throttled is None else
                  ("yes" if self.throttled else "no"),
                  "fault": None if self.fault is None else ("yes" if self.fault else "no")}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v is not None}

    def matcher(self) -> Callable[[tuple[Any, ...]], bool]:
        """The journal's test of raw records for these filters (the live tail's)."""
        return Journal.matcher(operation=self.operation, seller=self.seller, app=self.app,
                               status=self.status, throttled=self.throttled,
                               source=self.source, plane=self.plane, fault=self.fault)


@dataclass(frozen=True)
class Page:
    entries: list[Entry]  # newest first
    older: int | None  # `before` of the next page back, when there is one
    total: int


def page(journal: Journal, filters: Filters, size: int = PAGE) -> Page:
    found = journal.query(operation=filters.operation, seller=filters.seller, app=filters.app,
                          status=filters.status, throttled=filters.throttled,
                          fault=filters.fault, plane=filters.plane, before=filters.before,
                          source=filters.source,
                          limit=size + 1)
    older = found[1].number if len(found) > size else None
    shown = found[-size:]
    shown.reverse()
    return Page(shown, older, journal.recorded)


def time_of(entry: Entry) -> str:
    return iso(entry.timestamp)


def why(entry: Entry, faults: Faults) -> list[tuple[str, str]]:
    """How the emulator came to its answer, step by step, in words."""
    steps: list[tuple[str, str]] = [("plane", entry.plane)]
    if entry.plane != "sp-api":
        return steps + ([("error", entry.error)] if entry.error else [])
    if entry.operation is None:
        steps.append(("routing", "no SP-API operation has this method and path: Amazon's "
                                 "gateway answers 403 Unauthorized"))
        return steps
    steps.append(("operation", entry.operation))
    if entry.auth is not None:
        who = f"app {entry.app}" + (f", seller {entry.seller}" if entry.seller else "")
        steps.append(("auth", f"{entry.auth} token accepted ({who})"))
    elif entry.error and entry.error.startswith("Unauthorized"):
        steps.append(("auth", "refused: " + entry.error.partition(": ")[2]))
    if entry.bucket is not None:
        tokens, rate, burst = entry.bucket
        if entry.throttled and entry.fault is None:
            steps.append(("throttling", f"bucket empty ({tokens:.2f} of {burst} tokens; "
                                        f"refills {rate:g} per second): 429 QuotaExceeded"))
        else:
            steps.append(("throttling", f"{tokens:.2f} of {burst} tokens left after this "
                                        f"request; refills {rate:g} per second"))
    elif entry.auth is not None:
        steps.append(("throttling", "off"))
    steps.append(("answer", _SOURCES.get(entry.source, entry.source) + (
        f" #{entry.case} of the model's x-amzn-api-sandbox cases"
        if entry.case is not None else "")))
    if entry.fault is not None:
        rule = next((r for r in faults.rules() if r.id == entry.fault), None)
        detail = (f" (status {rule.status or '-'}, latency {rule.latency_ms} ms, probability "
                  f"{rule.probability:g}, fired {rule.fired} times)" if rule else
                  " (removed since)")
        steps.append(("fault", f"rule {entry.fault}{detail}"))
    if entry.error:
        steps.append(("error", entry.error))
    if entry.note:
        steps.append(("note", entry.note))
    return steps


def mask(text: str) -> str:
    """Tokens cut to their kind: `Atza|…`."""
    return _TOKEN.sub(lambda m: m.group(1) + "…", text)


@dataclass(frozen=True)
class ShownBody:
    text: str
    note: str | None  # cut, binary, empty


def show(body: bytes, size: int, content_type: str | None = None) -> ShownBody:
    """A body as the page shows it: JSON indented, text as it is, tokens masked."""
    if not size:
        return ShownBody("", "empty")
    cut = f"the first {BODY_CAP // 1024} KiB of {size} bytes" if size > len(body) else None
    if content_type and ("gzip" in content_type or "octet-stream" in content_type):
        return ShownBody("", f"binary, {size} bytes")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        if cut is None:
            return ShownBody("", f"binary, {size} bytes")
        text = body.decode("utf-8", "ignore")
    if cut is None and text.lstrip()[:1] in ("{", "["):
        with contextlib.suppress(ValueError):
            text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    return ShownBody(mask(text), cut)


def bodies_of(journal: Journal, entry: Entry) -> dict[str, Any] | None:
    kept: Bodies | None = journal.bodies(entry.request_id)
    if kept is None:
        return None
    return {"query": mask(kept.query.decode("utf-8", "replace")),
            "request": show(kept.request, kept.request_size),
            "response": show(kept.response, kept.response_size, kept.response_type),
            "response_type": kept.response_type}

"""Record sections: what the families keep besides the sellers' entities (reports, feeds,
documents, notification registrations...), in the state file, without the business core
knowing any family.

A section is a named table of JSON records by key, owned by whoever registered it
(`store.sections.register(name, section)`, at install). The owner says when a record changed
(`store.sections.touch(name, key)`); when the store writes, it asks for that record's JSON
(`record(key)`, None once it is gone), when it compacts for every live record (`records()`).
At start it gives the records of the state file back, oldest first (`load(key, value)`, value
None: deleted), then calls `resume()` once, so lifecycles can go on where they stopped.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from typing import Any


class Section:
    """A table of records a family keeps in the state file; subclasses fill in the four
    methods. `load` raises ValueError (with what is wrong) for a record it cannot take."""

    def record(self, key: str) -> Any | None:
        """The record's JSON now, or None when it no longer exists."""
        raise NotImplementedError

    def records(self) -> Iterable[tuple[str, Any]]:
        """Every live record, as (key, JSON)."""
        raise NotImplementedError

    def load(self, key: str, value: Any | None) -> None:
        """Take a record from the state file (None: it was deleted)."""
        raise NotImplementedError

    def resume(self) -> None:
        """Every record is loaded: requeue what was under way (lifecycles, deliveries)."""


class Sections:
    """The registered sections and the records touched since the last write."""

    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}
        self._touched: dict[tuple[str, str], None] = {}  # insertion-ordered set
        self._lock = threading.Lock()

    def register(self, name: str, section: Section) -> None:
        if name in self._sections:
            raise ValueError(f"a record section {name!r} exists already")
        self._sections[name] = section

    def get(self, name: str) -> Section | None:
        return self._sections.get(name)

    def __iter__(self) -> Iterator[tuple[str, Section]]:
        return iter(list(self._sections.items()))

    def touch(self, name: str, key: str) -> None:
        """Record `key` of section `name` changed (or went): it is written before the change
        is acknowledged."""
        with self._lock:
            self._touched[(name, key)] = None

    def take_touched(self) -> list[tuple[str, str]]:
        with self._lock:
            touched = list(self._touched)
            self._touched.clear()
        return touched

    def forget_touched(self) -> None:
        with self._lock:
            self._touched.clear()

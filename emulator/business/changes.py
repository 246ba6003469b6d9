"""The change journal: every change to a seller's records with its cause, newest last, in
bounded memory. `scenario` (the living store), `client` (an SP-API call, or a report or feed a
client asked for) or `control` (the control plane). `GET /_emulator/journal/changes` reads it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from emulator.runtime.clock import iso

CAUSES = ("scenario", "client", "control")


@dataclass(frozen=True, slots=True)
class Change:
    time: float
    seller: str
    cause: str
    kind: str  # order, listing, inventory, catalog, offers, settlement
    key: str  # the record's key: order id, SKU, ASIN...
    what: str  # what happened, e.g. "shipped by Amazon", "status Canceled"

    def as_dict(self) -> dict[str, Any]:
        return {"time": iso(self.time), "seller": self.seller, "cause": self.cause,
                "kind": self.kind, "key": self.key, "what": self.what}


class ChangeLog:
    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._entries: deque[Change] = deque(maxlen=max(size, 1))
        self.total = 0  # changes seen since start, including those rotated out

    def record(self, change: Change) -> None:
        if self.size > 0:
            self._entries.append(change)
            self.total += 1

    def clear(self) -> None:
        self._entries.clear()

    def query(self, *, seller: str | None = None, cause: str | None = None,
              kind: str | None = None, key: str | None = None, since: float | None = None,
              limit: int = 100) -> list[Change]:
        """Matching changes, oldest first, at most the `limit` most recent ones."""
        found = [c for c in self._entries
                 if (seller is None or c.seller == seller) and (cause is None or c.cause == cause)
                 and (kind is None or c.kind == kind) and (key is None or c.key == key)
                 and (since is None or c.time >= since)]
        return found[-limit:] if limit > 0 else []

"""Records the families keep of their own (fulfillment orders, inbound plans, fee bookings...):
how the store snapshots, persists and restores them without knowing their shapes.

A family registers a RecordKind with the store at install: its name (the state file's `kind`
and the snapshot's section), how a record becomes plain JSON and back, and optionally how a
restored record re-arms its lifecycle on the scheduler (a restored fulfillment order still
ships on time). The records themselves live in the seller's state (`SellerState.table(kind)`),
so a reset forgets them with everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from emulator.business import snapshot

if TYPE_CHECKING:  # the store imports this module
    from emulator.business.store import SellerState

Loader = Callable[[Any, str], Any]  # (JSON, where) -> record; SnapshotError naming `where`
Rearm = Callable[["SellerState", Any], None]


@dataclass(frozen=True)
class RecordKind:
    name: str
    load: Loader
    dump: Callable[[Any], Any] = snapshot.dump
    rearm: Rearm | None = None


def dataclass_kind(name: str, cls: type, rearm: Rearm | None = None) -> RecordKind:
    """The kind of records that are dataclasses: dumped field by field and loaded strictly
    (snapshot.load checks every field's type)."""
    return RecordKind(name, lambda data, where: snapshot.load(cls, data, where), rearm=rearm)

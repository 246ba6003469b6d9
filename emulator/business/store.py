"""The state store: every seller's business, generated on first use from scenario and seed.

A SellerState holds one seller's records. Family modules change records and then call
`store.changed(...)`: that bumps the seller's version, publishes the event, records the change
with its cause in the change journal, and queues the record for the state file, which
`flush()` writes (and syncs) before the change is acknowledged to the client.

With the living store on (`living`), every use of a seller first plays what the scenario has
due up to now (`business/living/`); its changes carry their own time and the cause
`scenario` (`acting`).
Inside `store.transaction()` (transactions.py) a rule calls `store.prepare(...)` before it
touches a record, and the request's changes are committed whole or undone whole.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from emulator.auth.accounts import Accounts, Seller
from emulator.business import generate, snapshot, transactions
from emulator.business.changes import Change, ChangeLog
from emulator.business.entities import CatalogItem, Inventory, Listing, LivingPosition, Order
from emulator.business.marketplaces import Marketplace
from emulator.business.persistence import StateFile
from emulator.business.records import RecordKind, dataclass_kind
from emulator.business.scenario import Scenario
from emulator.runtime.clock import Clock
from emulator.runtime.events import Event, EventBus
from emulator.runtime.rng import Randomness

Kind = Literal["catalog", "listing", "inventory", "order"]
# The store's own record kind: each seller's living-store position (LivingPosition).
LIVING = "living"
KINDS: dict[str, type] = {"catalog": CatalogItem, "listing": Listing, "inventory": Inventory,
                          "order": Order}
SNAPSHOT_VERSION = 1


@dataclass
class SellerState:
    seller: Seller
    markets: list[Marketplace]
    anchor: float  # the moment the generated business ends (emulator clock)
    catalog: dict[str, CatalogItem]
    listings: dict[str, Listing]
    inventory: dict[str, Inventory]
    orders: dict[str, Order]
    maker: generate.OrderMaker
    # Orders by purchase date, oldest first: date ranges are a bisect away at any scale.
    order_list: list[Order] = field(default_factory=list)
    order_times: list[float] = field(default_factory=list)
    version: int = 0
    # The families' own records (fulfillment orders, inbound plans...) by kind, then key;
    # snapshotted and persisted through the kinds registered with the store (records.py).
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    def table(self, kind: str) -> dict[str, Any]:
        """The records of one registered kind, by key (made empty on first use)."""
        found = self.records.get(kind)
        if found is None:
            found = self.records[kind] = {}
        return found
    # The living store: when its next event falls due (infinity: nothing due, or off).
    next_due: float = math.inf

    @property
    def position(self) -> LivingPosition | None:
        """Where the living store stands (None: at the anchor, or the living store is off);
        a record of the store's own kind `living`."""
        found: LivingPosition | None = self.records.get(LIVING, {}).get("position")
        return found

    @position.setter
    def position(self, value: LivingPosition) -> None:
        self.table(LIVING)["position"] = value

    @property
    def offer_moves(self) -> dict[str, int]:
        """ASIN -> times competitors repriced it since the anchor."""
        position = self.position
        return position.offer_moves if position is not None else {}

    @property
    def seller_id(self) -> str:
        return self.seller.seller_id

    def add_order(self, order: Order) -> None:
        self.orders[order.order_id] = order
        index = bisect.bisect_right(self.order_times, order.purchase_date)
        self.order_list.insert(index, order)
        self.order_times.insert(index, order.purchase_date)

    def orders_between(self, after: float | None, before: float | None) -> list[Order]:
        """Orders purchased in [after, before), oldest first."""
        low = 0 if after is None else bisect.bisect_left(self.order_times, after)
        high = (len(self.order_list) if before is None
                else bisect.bisect_left(self.order_times, before))
        return self.order_list[low:high]

    def market(self, marketplace_id: str) -> Marketplace | None:
        return next((m for m in self.markets if m.id == marketplace_id), None)


class Living(Protocol):
    """What the store asks of the living store (`business/living/engine.py`)."""

    played: int  # scenario events played since start

    def attach(self, state: SellerState) -> None: ...

    def catch_up(self, state: SellerState) -> None: ...


class StateStore:
    def __init__(self, scenario: Scenario, seed: int, clock: Clock, accounts: Accounts,
                 events: EventBus, state_file: StateFile | None = None) -> None:
        self.clock = clock
        self.accounts = accounts
        self.events = events
        self.state_file = state_file
        self._sellers: dict[str, SellerState] = {}
        # Called when the state is reset, reseeded or restored: lifecycle books (reports,
        # feeds) and documents forget what belonged to the old state.
        self.reset_listeners: list[Callable[[], None]] = []
        self._pending: list[dict[str, Any]] = []
        self._replay: dict[str, list[dict[str, Any]]] = {}
        # The families' record kinds (records.py), by name.
        self.record_kinds: dict[str, RecordKind] = {}
        self.register(dataclass_kind(LIVING, LivingPosition))
        self.scenario = scenario
        self.seed = seed
        self.randomness = Randomness(seed)
        self.anchor = scenario.anchor_time(clock.now())
        self.living: Living | None = None  # set when the living store is on
        self.changes = ChangeLog()
        # Who is changing the state and at what time: a client (default, now), the control
        # plane, or the living store (at each event's own time).
        self.cause = "client"
        self.at: float | None = None
        if state_file is not None:
            self._open(state_file)

    # -- life cycle -----------------------------------------------------------------------

    def _open(self, state_file: StateFile) -> None:
        header, records = state_file.read()
        if header is None:
            state_file.start(self._header())
            return
        # The state file's seed and scenario win: its records are changes to that business.
        self.seed = int(header["seed"])
        self.randomness = Randomness(self.seed)
        self.scenario = _scenario_from(header, self.scenario)
        # The day the file's business was generated for, even if "today" has moved on since.
        self.anchor = float(header.get("anchor", self.anchor))
        for record in records:
            self._replay.setdefault(record["seller"], []).append(record)

    def _header(self) -> dict[str, Any]:
        return {"version": SNAPSHOT_VERSION, "seed": self.seed, "anchor": self.anchor,
                "scenario": self.scenario.as_dict(), "shapes": {
                    k: v.as_dict() for k, v in self.scenario.shapes.items()}}

    def reset(self) -> None:
        """Back to the seeded state: every seller is generated afresh on next use."""
        self._sellers.clear()
        self._pending.clear()
        self._replay.clear()
        self._notify_reset()
        if self.state_file is not None:
            self.state_file.start(self._header())

    def _notify_reset(self) -> None:
        for listener in self.reset_listeners:
            listener()

    def reseed(self, seed: int, scenario: Scenario) -> None:
        self.seed, self.scenario = seed, scenario
        self.randomness = Randomness(seed)
        self.anchor = scenario.anchor_time(self.clock.now())
        self.reset()

    def register(self, kind: RecordKind) -> None:
        """Keep a family's records of this kind in snapshots and the state file."""
        known = self.record_kinds.get(kind.name)
        if known is not None and known is not kind:
            raise ValueError(f"record kind {kind.name!r} is registered twice")
        self.record_kinds[kind.name] = kind

    def _rearm(self, state: SellerState) -> None:
        """Restored records pick up their lifecycles again (scheduled steps are not state)."""
        for kind in self.record_kinds.values():
            if kind.rearm is not None:
                for record in list(state.table(kind.name).values()):
                    kind.rearm(state, record)

    # -- sellers --------------------------------------------------------------------------

    def of(self, seller: Seller) -> SellerState:
        state = self._sellers.get(seller.seller_id)
        if state is None:
            state = self._sellers[seller.seller_id] = self._generate(seller)
            replayed = self._replay.pop(seller.seller_id, [])
            for record in replayed:
                self._apply(state, record)
            if replayed:
                self._rearm(state)
            if self.living is not None:
                self.living.attach(state)
        # The living store plays what fell due first (a dictionary read when nothing did).
        if state.next_due <= self.clock.now() and self.living is not None:
            self.living.catch_up(state)
        transaction = transactions.current()
        if transaction is not None:
            transactions.join(transaction, state)
        return state

    def is_current(self, state: SellerState) -> bool:
        """Whether `state` is still the seller's (not dropped by a reset or a restore): what
        a step scheduled earlier checks before it changes anything."""
        return self._sellers.get(state.seller_id) is state

    def generated_state(self, seller_id: str) -> SellerState | None:
        """A seller's state if it exists, as it is (nothing generated, nothing played)."""
        return self._sellers.get(seller_id)

    def generated(self) -> Iterator[SellerState]:
        return iter(list(self._sellers.values()))

    def _generate(self, seller: Seller) -> SellerState:
        shape = self.scenario.shape(seller.seller_id)
        rnd = self.randomness.derive("seller", self.scenario.name, seller.seller_id)
        markets = generate.markets_of(seller)
        # One anchor for every seller, fixed when the store was made: a seller generated after
        # midnight still belongs to the same business day as the others.
        anchor = self.anchor
        brands = generate._brands(rnd, 8)
        items = generate.catalog(rnd, shape.catalog_items, brands)
        listings = generate.listings(rnd, items, shape.listings, shape, markets, anchor)
        inventory = generate.inventory(rnd, listings, anchor)
        people = generate.people_for(rnd, markets) if shape.orders else {}
        maker = generate.OrderMaker(rnd=rnd, shape=shape, markets=markets, listings=[
            listing for listing in listings if listing.status[markets[0].id][:1] == ["BUYABLE"]
        ] or listings, people=people, taken_ids=set())
        state = SellerState(
            seller=seller, markets=markets, anchor=anchor,
            catalog={i.asin: i for i in items}, listings={x.sku: x for x in listings},
            inventory={r.sku: r for r in inventory}, orders={}, maker=maker,
        )
        for order in generate.orders(maker, shape.orders, shape.days, anchor):
            state.orders[order.order_id] = order
            state.order_list.append(order)
            state.order_times.append(order.purchase_date)
        return state

    # -- changes --------------------------------------------------------------------------

    @contextmanager
    def acting(self, cause: str, at: float | None = None) -> Iterator[None]:
        """Changes made in the block are `cause`'s, at time `at` (default: the clock's)."""
        previous = self.cause, self.at
        self.cause, self.at = cause, at
        try:
            yield
        finally:
            self.cause, self.at = previous

    def now(self) -> float:
        """The time of the change being made: the living store's event time, else now."""
        return self.at if self.at is not None else self.clock.now()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """The block's changes, committed whole when it ends, undone whole when it raises
        (transactions.py). Inside an open transaction, a block joins it."""
        opened = transactions.begin()
        if opened is None:
            yield
            return
        transaction, token = opened
        try:
            yield
        except BaseException:
            transactions.rollback(transaction, _table)
            raise
        finally:
            transactions.end(token)
        if self.state_file is not None:
            self._pending.extend(transaction.records)
        for change in transaction.changes:
            self.changes.record(change)
        for event in transaction.events:
            self.events.publish(event)

    def prepare(self, state: SellerState, kind: Kind | str, key: str) -> None:
        """Before a rule changes, creates or deletes record `key`: keep it as it is, so that
        a transaction that fails can put it back."""
        transaction = transactions.current()
        if transaction is not None:
            transactions.prepare(transaction, state, kind, key, _table(state, kind))

    def changed(self, state: SellerState, kind: Kind | str, key: str, entity: Any | None,
                event: str | None = None, data: dict[str, Any] | None = None,
                app_id: str | None = None) -> None:
        """Record that `entity` (None: deleted) changed: version, event, change journal,
        state file."""
        transaction = transactions.current()
        if transaction is not None:
            transactions.check_prepared(transaction, state, kind, key)
        state.version += 1
        self.keep(state, kind, key, entity)
        when = self.now()
        data = data or {}
        what = data.get("change") or (f"status {data['status']}" if "status" in data
                                      else "deleted" if entity is None else "updated")
        change = Change(when, state.seller_id, self.cause, kind, key, str(what))
        published = Event(event, state.seller_id, when, data, app_id) if event else None
        if transaction is not None:  # told when the transaction commits
            transaction.changes.append(change)
            if published is not None:
                transaction.events.append(published)
            return
        self.changes.record(change)
        if published is not None:
            self.events.publish(published)

    def note(self, state: SellerState, kind: str, key: str, what: str) -> None:
        """A change journal entry for something that happened without changing a record (an
        order turning late, competitors repricing)."""
        self.changes.record(Change(self.now(), state.seller_id, self.cause, kind, key, what))

    def keep(self, state: SellerState, kind: Kind | str, key: str, entity: Any | None) -> None:
        """Queue a record for the state file (nothing else)."""
        if self.state_file is not None:
            record = {"seller": state.seller_id, "kind": kind, "key": key,
                      "value": self._dump(kind, entity) if entity is not None else None}
            transaction = transactions.current()
            (transaction.records if transaction is not None else self._pending).append(record)

    def flush(self) -> None:
        """Write queued changes to the state file and sync it, before the client hears back."""
        if self._pending and self.state_file is not None:
            self.state_file.append(self._pending)
        self._pending = []

    def _dump(self, kind: str, entity: Any) -> Any:
        extension = self.record_kinds.get(kind)
        return extension.dump(entity) if extension is not None else snapshot.dump(entity)

    def _apply(self, state: SellerState, record: dict[str, Any]) -> None:
        kind, key, value = record["kind"], record["key"], record["value"]
        extension = self.record_kinds.get(kind)
        if extension is not None:
            records = state.table(kind)
            if value is None:
                records.pop(key, None)
            else:
                records[key] = extension.load(value, f"{kind} {key}")
            return
        table = _table(state, kind)
        if value is None:
            table.pop(key, None)
            if kind == "order":
                state.order_list = [o for o in state.order_list if o.order_id != key]
                state.order_times = [o.purchase_date for o in state.order_list]
            return
        entity = snapshot.load(KINDS[kind], value, f"{kind} {key}")
        if kind == "order":
            old = state.orders.get(key)
            if old is not None:
                index = state.order_list.index(old)
                state.order_list[index] = entity
                state.orders[key] = entity
            else:
                state.add_order(entity)
            state.maker.taken_ids.add(key)
        else:
            table[key] = entity

    # -- snapshots ------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        return {
            **self._header(),
            "sellers": {
                s.seller_id: {
                    "catalog": [snapshot.dump(i) for i in s.catalog.values()],
                    "listings": [snapshot.dump(i) for i in s.listings.values()],
                    "inventory": [snapshot.dump(i) for i in s.inventory.values()],
                    "orders": [snapshot.dump(o) for o in s.order_list],
                    "records": {kind: {key: self._dump(kind, r) for key, r in table.items()}
                                for kind, table in s.records.items() if table},
                } for s in self._sellers.values()
            },
        }

    def restore(self, data: Any) -> None:
        """Replace the state with a snapshot; a snapshot that does not fit changes nothing."""
        if not isinstance(data, dict) or data.get("version") != SNAPSHOT_VERSION:
            raise snapshot.SnapshotError(f"expected a snapshot of version {SNAPSHOT_VERSION}")
        seed = data.get("seed")
        if isinstance(seed, bool) or not isinstance(seed, int) or abs(seed) > snapshot.MAX_INT:
            raise snapshot.SnapshotError("seed: expected an integer")
        sellers = data.get("sellers")
        if not isinstance(sellers, dict):
            raise snapshot.SnapshotError("sellers: expected an object")
        scenario = _scenario_from(data, self.scenario)
        anchor = snapshot.load_time(data.get("anchor", self.anchor), "anchor")
        rebuilt: dict[str, SellerState] = {}
        previous = (self.seed, self.scenario, self.randomness, self.anchor)
        self.seed, self.scenario, self.randomness = seed, scenario, Randomness(seed)
        self.anchor = float(anchor)
        try:
            for seller_id, records in sellers.items():
                rebuilt[seller_id] = self._rebuild(seller_id, records)
        except BaseException as error:
            # Refused whole: the store is as it was, whatever went wrong.
            self.seed, self.scenario, self.randomness, self.anchor = previous
            if isinstance(error, snapshot.SnapshotError) or not isinstance(
                    error, KeyError | TypeError | ValueError | ArithmeticError):
                raise
            raise snapshot.SnapshotError(f"sellers: {error!r}") from None
        self._sellers = rebuilt
        self._pending.clear()
        self._replay.clear()
        self._notify_reset()
        if self.state_file is not None:
            self.state_file.start(self._header())
            self.state_file.append([
                {"seller": s.seller_id, "kind": kind, "key": key, "value": snapshot.dump(e)}
                for s in rebuilt.values() for kind in KINDS
                for key, e in _table(s, kind).items()
            ] + [
                {"seller": s.seller_id, "kind": kind, "key": key, "value": self._dump(kind, r)}
                for s in rebuilt.values() for kind, table in s.records.items()
                for key, r in table.items()
            ])
        for state in rebuilt.values():
            self._rearm(state)
        if self.living is not None:
            for state in rebuilt.values():
                self.living.attach(state)

    def _rebuild(self, seller_id: str, records: Any) -> SellerState:
        seller = self.accounts.seller(seller_id)
        if seller is None:
            raise snapshot.SnapshotError(f"sellers.{seller_id}: unknown seller")
        if not isinstance(records, dict):
            raise snapshot.SnapshotError(f"sellers.{seller_id}: expected an object")
        state = self._generate(seller)
        for kind, name, key_of in (("catalog", "catalog", "asin"), ("listing", "listings", "sku"),
                                   ("inventory", "inventory", "sku"),
                                   ("order", "orders", "order_id")):
            items = records.get(name, [])
            if not isinstance(items, list):
                raise snapshot.SnapshotError(f"sellers.{seller_id}.{name}: expected a list")
            loaded = [snapshot.load(KINDS[kind], v, f"sellers.{seller_id}.{name}[{i}]")
                      for i, v in enumerate(items)]
            snapshot.unique((getattr(e, key_of) for e in loaded), f"sellers.{seller_id}.{name}")
            if kind == "order":
                loaded.sort(key=lambda o: o.purchase_date)
                state.orders = {o.order_id: o for o in loaded}
                state.order_list = loaded
                state.order_times = [o.purchase_date for o in loaded]
                state.maker.taken_ids = set(state.orders)
            else:
                table = {getattr(e, key_of): e for e in loaded}
                setattr(state, name, table)
        self._load_records(state, records.get("records", {}), f"sellers.{seller_id}.records")
        return state

    def _load_records(self, state: SellerState, sections: Any, where: str) -> None:
        if not isinstance(sections, dict):
            raise snapshot.SnapshotError(f"{where}: expected an object")
        for kind, entries in sections.items():
            extension = self.record_kinds.get(kind)
            if extension is None:
                raise snapshot.SnapshotError(f"{where}: unknown record kind {kind!r}")
            if not isinstance(entries, dict):
                raise snapshot.SnapshotError(f"{where}.{kind}: expected an object")
            state.table(kind).update({key: extension.load(value, f"{where}.{kind}.{key}")
                                      for key, value in entries.items()})


def _table(state: SellerState, kind: str) -> dict[str, Any]:
    tables = {"catalog": state.catalog, "listing": state.listings, "inventory": state.inventory,
              "order": state.orders}
    return tables[kind] if kind in tables else state.table(kind)


def _scenario_from(data: dict[str, Any], fallback: Scenario) -> Scenario:
    """The scenario a snapshot or state file was made with (shapes and shipping included)."""
    from emulator.business.scenario import ScenarioError, parse

    described = data.get("scenario") or {}
    shapes = data.get("shapes")
    if not isinstance(described, dict) or (shapes is not None and not isinstance(shapes, dict)):
        raise snapshot.SnapshotError("scenario: expected an object")
    if shapes is None:
        return fallback
    try:
        scenario = parse({"name": described.get("name", fallback.name),
                          "anchor": described.get("anchor", fallback.anchor),
                          "sellers": shapes,
                          "shipping": described.get("shipping",
                                                    fallback.shipping.as_dict())}, "snapshot")
    except ScenarioError as error:
        raise snapshot.SnapshotError(f"scenario: {error}") from None
    snapshot.check_shapes(scenario.shapes.values())
    scale = described.get("scale")
    if scale is not None and (isinstance(scale, bool) or not isinstance(scale, int)
                              or not 0 <= scale <= snapshot.MAX_ORDERS):
        raise snapshot.SnapshotError(
            f"scenario.scale: expected an integer from 0 to {snapshot.MAX_ORDERS}")
    from dataclasses import replace

    return replace(scenario, scale=scale)

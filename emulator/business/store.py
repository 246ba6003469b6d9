"""The state store: every seller's business, generated on first use from scenario and seed.

A SellerState holds one seller's records. Family modules change records and then call
`store.changed(...)`: that bumps the seller's version, publishes the event, records the change
with its cause in the change journal, and queues the record for the state file, which
`flush()` writes (and syncs) before the change is acknowledged to the client. The families' own
records (reports, feeds, documents,
notification registrations) reach the state file through record sections (sections.py).

With the living store on (`living`), every use of a seller first plays what the scenario has
due up to now (`business/living/`); its changes carry their own time and the cause
`scenario` (`acting`).
Inside `store.transaction()` (transactions.py) a rule calls `store.prepare(...)` before it
touches a record, and the request's changes are committed whole or undone whole.

Memory: a seller nobody changed is the seed's business and is regenerated identically on
next use, so only the UNCHANGED_SELLERS most recently used of them are kept (and no more
than UNCHANGED_ORDERS orders among them); a seller with changes stays until a reset.
"""

from __future__ import annotations

import bisect
import math
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, Protocol, TypeVar

from emulator.auth.accounts import Accounts, Seller
from emulator.business import generate, snapshot, transactions
from emulator.business import scenario as scenarios
from emulator.business.changes import Change, ChangeLog
from emulator.business.entities import CatalogItem, Inventory, Listing, LivingPosition, Order
from emulator.business.marketplaces import Marketplace
from emulator.business.persistence import FORMAT_VERSION, Line, StateFile, StateFileError
from emulator.business.records import RecordKind, dataclass_kind
from emulator.business.scenario import Scenario
from emulator.business.sections import Sections
from emulator.runtime.clock import Clock
from emulator.runtime.events import Event, EventBus
from emulator.runtime.rng import Randomness

Kind = Literal["catalog", "listing", "inventory", "order"]
# The store's own record kind: each seller's living-store position (LivingPosition).
LIVING = "living"
KINDS: dict[str, type] = {"catalog": CatalogItem, "listing": Listing, "inventory": Inventory,
                          "order": Order}
KEYS = {"catalog": "asin", "listing": "sku", "inventory": "sku", "order": "order_id"}
SNAPSHOT_VERSION = 1
# Sellers nobody changed kept in memory (the least recently used beyond these are let go).
UNCHANGED_SELLERS = 8
UNCHANGED_ORDERS = 200_000
# Sellers let go after the living store played them, and up to when (see _let_go): at most
# this many remembered (one float each); one forgotten is played again aloud.
QUIET_SELLERS = 65_536


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
    # (kind, key) of every entity that differs from the seed's business: what the state file
    # keeps of this seller.
    changed_keys: set[tuple[str, str]] = field(default_factory=set)
    # Changed by someone other than the living store's scenario (a client, the control
    # plane, the state file): it can no longer be generated again (see `regenerable`).
    client_changed: bool = False
    generation: int = 0  # the store's generation it belongs to (a reset starts a new one)
    # The families' own records (fulfillment orders, inbound plans...) by kind, then key;
    # snapshotted and persisted through the kinds registered with the store (records.py).
    records: dict[str, dict[str, Any]] = field(default_factory=dict)

    # The living store: when its next event falls due (infinity: nothing due, or off).
    next_due: float = math.inf

    def table(self, kind: str) -> dict[str, Any]:
        """The records of one registered kind, by key (made empty on first use)."""
        found = self.records.get(kind)
        if found is None:
            found = self.records[kind] = {}
        return found

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

    @property
    def regenerable(self) -> bool:
        """Made by the seed and the scenario alone: generated again and played by the living
        store up to the same time, it is the same business (the living store plays the same
        whenever it is looked at; tests/test_living.py)."""
        return not self.client_changed

    def add_order(self, order: Order) -> None:
        self.orders[order.order_id] = order
        index = bisect.bisect_right(self.order_times, order.purchase_date)
        self.order_list.insert(index, order)
        self.order_times.insert(index, order.purchase_date)

    def remove_order(self, order: Order) -> None:
        self.orders.pop(order.order_id, None)
        low = bisect.bisect_left(self.order_times, order.purchase_date)
        high = bisect.bisect_right(self.order_times, order.purchase_date)
        for index in range(low, high):
            if self.order_list[index] is order:
                del self.order_list[index]
                del self.order_times[index]
                return

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

    def detach(self, seller_id: str) -> None: ...

    def catch_up(self, state: SellerState) -> None: ...


class StateStore:
    def __init__(self, scenario: Scenario, seed: int, clock: Clock, accounts: Accounts,
                 events: EventBus, state_file: StateFile | None = None) -> None:
        self.clock = clock
        self.accounts = accounts
        self.events = events
        self.state_file = state_file
        # Generated sellers, least recently used first (unchanged ones are let go, see of()).
        self._sellers: OrderedDict[str, SellerState] = OrderedDict()
        # Seller -> up to when the living store had played it when it was let go.
        self._quiet: OrderedDict[str, float] = OrderedDict()
        # Sellers that must stay in memory while they are regenerable (families' say, e.g.
        # sellers with notification subscriptions, whose events must come on time).
        self.keep_alive: list[Callable[[str], bool]] = []
        events.replayed = self._replayed
        self._generation = 0  # bumped by reset, reseed and restore: older states are stale
        # Called when the state is reset, reseeded or restored: lifecycle books (reports,
        # feeds) and documents forget what belonged to the old state.
        self.reset_listeners: list[Callable[[], None]] = []
        # What the families keep in the state file besides the entities: their records of a
        # seller (records.py, by kind name) and their records of no one seller (sections.py).
        self.record_kinds: dict[str, RecordKind] = {}
        self.sections = Sections()
        # Two locks, always taken in this order: writes to the state file (flush, compact),
        # then the bookkeeping of sellers and pending changes (held briefly, calling nobody).
        self._write_lock = threading.Lock()
        self._lock = threading.RLock()
        # Entities changed since the last write: (seller, kind, key) -> entity (None: gone).
        self._pending: dict[tuple[str, str, str], Any | None] = {}
        # The state file's entities of sellers not generated yet: laid over them on first use.
        self._replay: dict[str, dict[tuple[str, str], Any | None]] = {}
        self._section_lines: list[Line] = []
        self._record_lines: list[Line] = []  # of families' kinds: read once they registered
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
            self._read(state_file)

    # -- the state file -------------------------------------------------------------------

    def _read(self, state_file: StateFile) -> None:
        """Read and check the whole state file now, so that a bad record stops the start
        (StateFileError names its line) instead of breaking its seller later."""
        header, lines = state_file.read()
        if header is None:
            return
        self._check_header(state_file, header)
        where = str(state_file.path)
        anchor = header.get("anchor", self.anchor)
        if isinstance(anchor, bool) or not isinstance(anchor, int | float) or not (
                math.isfinite(anchor)):
            raise StateFileError(f"{where}:1: anchor: expected a number")
        # The day the file's business was generated for, even if "today" has moved on since.
        self.anchor = float(anchor)
        for line in lines:
            record = line.record
            if "section" in record:
                self._section_lines.append(line)
                continue
            kind, key, value = record["kind"], record["key"], record["value"]
            if kind not in KINDS:
                self._record_lines.append(line)
                continue
            try:
                entity = (None if value is None
                          else snapshot.load(KINDS[kind], value, f"{kind} {key}"))
            except snapshot.SnapshotError as error:
                raise StateFileError(f"{where}:{line.number}: {error}") from None
            if entity is not None and getattr(entity, KEYS[kind]) != key:
                raise StateFileError(f"{where}:{line.number}: {kind} {key}: its "
                                     f"{KEYS[kind]} is {getattr(entity, KEYS[kind])!r}")
            self._replay.setdefault(record["seller"], {})[(kind, key)] = entity

    def _check_header(self, state_file: StateFile, header: dict[str, Any]) -> None:
        """A state file holds changes to one business: refuse it for another seed or
        scenario instead of laying its records over a business they do not belong to."""
        where = f"{state_file.path}:1"
        if header.get("version", 1) not in (1, FORMAT_VERSION):
            raise StateFileError(f"{where}: state file version {header.get('version')!r} is "
                                 f"not known (this emulator writes {FORMAT_VERSION})")
        try:
            scenario = _scenario_from(header, self.scenario)
        except (snapshot.SnapshotError, scenarios.ScenarioError) as error:
            raise StateFileError(f"{where}: {error}") from None
        seed = header.get("seed")
        if seed == self.seed and _same_business(scenario, self.scenario):
            return
        raise StateFileError(
            f"{state_file.path} holds the changes to the business of seed {seed!r} and "
            f"{_describe(scenario)}; this run is seed {self.seed} and "
            f"{_describe(self.scenario)}. Start with the state file's --seed, --scenario and "
            "--scale, or use another --state-file.")

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

    def open(self) -> None:
        """Load the families' records (once every kind and section is registered), let them
        resume what was under way, and start the state file (compacted) if it was new or
        long."""
        where = str(self.state_file.path) if self.state_file is not None else ""
        for line in self._record_lines:
            record = line.record
            kind, key, value = record["kind"], record["key"], record["value"]
            extension = self.record_kinds.get(kind)
            if extension is None:
                raise StateFileError(f"{where}:{line.number}: unknown kind {kind!r}")
            try:
                loaded = None if value is None else extension.load(value, f"{kind} {key}")
            except (snapshot.SnapshotError, ValueError, KeyError, TypeError) as error:
                raise StateFileError(f"{where}:{line.number}: {_reason(error)}") from None
            self._replay.setdefault(record["seller"], {})[(kind, key)] = loaded
        self._record_lines = []
        for line in self._section_lines:
            record = line.record
            section = self.sections.get(record["section"])
            if section is None:
                raise StateFileError(f"{where}:{line.number}: unknown record section "
                                     f"{record['section']!r}")
            try:
                section.load(record["key"], record["value"])
            except (ValueError, KeyError, TypeError, AttributeError) as error:
                raise StateFileError(f"{where}:{line.number}: {record['section']} "
                                     f"{record['key']}: {_reason(error)}") from None
        self._section_lines = []
        for _, section in self.sections:
            section.resume()
        self.sections.forget_touched()
        if self.state_file is not None and (
                self.state_file.size == 0 or self.state_file.needs_compaction()):
            self.compact()

    def _header(self) -> dict[str, Any]:
        return {"version": SNAPSHOT_VERSION, "seed": self.seed, "anchor": self.anchor,
                "scenario": self.scenario.as_dict(), "shapes": {
                    k: v.as_dict() for k, v in self.scenario.shapes.items()}}

    def flush(self) -> None:
        """Write the changes since the last flush to the state file and sync it, before the
        client hears back; compact it when the log has outgrown the snapshot."""
        if self.state_file is None:
            return
        with self._write_lock:
            with self._lock:
                pending, self._pending = self._pending, {}
            records = [self._record(seller_id, kind, key, entity)
                       for (seller_id, kind, key), entity in pending.items()]
            records.extend(self._section_records(self.sections.take_touched()))
            if not records:
                return
            self.state_file.append(records)
            if self.state_file.needs_compaction():
                self._compact()

    def compact(self) -> None:
        """Write every live record as the new snapshot (atomically: aside, fsync, rename)."""
        if self.state_file is None:
            return
        with self._write_lock:
            self._compact()

    def _compact(self) -> None:
        assert self.state_file is not None
        with self._lock:
            self._pending = {}
            sellers = list(self._sellers.values())
            replay = {seller_id: dict(records) for seller_id, records in self._replay.items()}
        self.sections.forget_touched()
        self.state_file.rewrite({**self._header(), "version": FORMAT_VERSION},
                                self._live_records(sellers, replay))

    def close(self) -> None:
        """A clean shutdown: the last changes written, the file compacted."""
        self.flush()
        self.compact()

    def _live_records(self, sellers: list[SellerState],
                      replay: dict[str, dict[tuple[str, str], Any]]) -> Iterator[dict[str, Any]]:
        for state in sellers:
            for kind, key in sorted(state.changed_keys):
                yield self._record(state.seller_id, kind, key,
                                   self._table(state, kind).get(key))
        for seller_id, records in replay.items():
            for (kind, key), entity in records.items():
                yield self._record(seller_id, kind, key, entity)
        for name, section in self.sections:
            for key, value in section.records():
                yield {"section": name, "key": key, "value": value}

    def _section_records(self, touched: list[tuple[str, str]]) -> list[dict[str, Any]]:
        records = []
        for name, key in touched:
            section = self.sections.get(name)
            if section is not None:
                records.append({"section": name, "key": key, "value": section.record(key)})
        return records

    # -- life cycle -----------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seeded state: every seller is generated afresh on next use."""
        with self._lock:
            self._sellers.clear()
            self._pending.clear()
            self._replay.clear()
            self._quiet.clear()
            self._generation += 1
        self._notify_reset()
        self.compact()

    def _notify_reset(self) -> None:
        for listener in self.reset_listeners:
            listener()

    def reseed(self, seed: int, scenario: Scenario) -> None:
        with self._lock:
            self.seed, self.scenario = seed, scenario
            self.randomness = Randomness(seed)
            self.anchor = scenario.anchor_time(self.clock.now())
        self.reset()

    # -- sellers --------------------------------------------------------------------------

    def of(self, seller: Seller) -> SellerState:
        sellers = self._sellers
        state = sellers.get(seller.seller_id)
        if state is not None:
            sellers.move_to_end(seller.seller_id)
        else:
            with self._lock:
                state = sellers.get(seller.seller_id)
                if state is None:
                    state = self._generate(seller)
                    replayed = self._replay.pop(seller.seller_id, {})
                    for (kind, key), entity in replayed.items():
                        self._apply(state, kind, key, entity)
                    sellers[seller.seller_id] = state
                    self._let_go(state)
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

    def _let_go(self, keep: SellerState) -> None:
        """Sellers nobody but the scenario changed are the seed's, regenerated identically on
        next use: past UNCHANGED_SELLERS of them (or UNCHANGED_ORDERS orders), the least
        recently used go. One the living store had played is played again silently up to
        where it stood (what happened then was journaled, published and written once)."""
        unchanged = [s for s in self._sellers.values() if s is not keep and s.regenerable
                     and not any(alive(s.seller_id) for alive in self.keep_alive)]
        orders = sum(len(s.orders) for s in unchanged) + len(keep.orders)
        count = len(unchanged) + 1
        for state in unchanged:
            if count <= UNCHANGED_SELLERS and orders <= UNCHANGED_ORDERS:
                break
            del self._sellers[state.seller_id]
            count -= 1
            orders -= len(state.orders)
            position = state.position
            if self.living is not None and position is not None:
                self.living.detach(state.seller_id)
                self._quiet[state.seller_id] = position.until
                self._quiet.move_to_end(state.seller_id)
                if len(self._quiet) > QUIET_SELLERS:
                    self._quiet.popitem(last=False)

    def _replaying(self, seller_id: str, when: float) -> bool:
        """Whether the scenario is playing again what it played before the seller was let
        go."""
        if self.cause != "scenario":
            return False
        until = self._quiet.get(seller_id)
        return until is not None and when <= until

    def _replayed(self, event: Event) -> bool:
        return self._replaying(event.seller_id, event.time)

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
        people = generate.people_for(rnd, markets, shape.orders) if shape.orders else {}
        maker = generate.OrderMaker(rnd=rnd, shape=shape, markets=markets, listings=[
            listing for listing in listings if listing.status[markets[0].id][:1] == ["BUYABLE"]
        ] or listings, people=people, taken_ids=set())
        state = SellerState(
            seller=seller, markets=markets, anchor=anchor,
            catalog={i.asin: i for i in items}, listings={x.sku: x for x in listings},
            inventory={r.sku: r for r in inventory}, orders={}, maker=maker,
            generation=self._generation,
        )
        for order in generate.orders(maker, shape.orders, shape.days, anchor):
            state.orders[order.order_id] = order
            state.order_list.append(order)
            state.order_times.append(order.purchase_date)
        # From now on the orders themselves say which ids are taken (no second set of 100k).
        maker.taken_ids = generate.TakenIds(state.orders)
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
        with self._lock:
            for staged in transaction.records:
                self._stage(*staged)
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
        with self._lock:
            state.version += 1
        self.keep(state, kind, key, entity)
        when = self.now()
        data = data or {}
        what = data.get("change") or (f"status {data['status']}" if "status" in data
                                      else "deleted" if entity is None else "updated")
        change = Change(when, state.seller_id, self.cause, kind, key, str(what))
        published = Event(event, state.seller_id, when, data, app_id) if event else None
        if self._replaying(state.seller_id, when):
            # Journaled the first time; the event goes to those who keep state from it.
            if published is not None:
                self.events.publish(published)
            return
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
        if self._replaying(state.seller_id, self.now()):
            return
        self.changes.record(Change(self.now(), state.seller_id, self.cause, kind, key, what))

    def keep(self, state: SellerState, kind: Kind | str, key: str, entity: Any | None) -> None:
        """Queue a record for the state file (nothing else): the seller now differs from the
        seed's business there. Inside a transaction it waits for the commit."""
        if self.cause != "scenario":
            state.client_changed = True
        elif self._replaying(state.seller_id, self.now()):
            return  # written the first time it was played
        transaction = transactions.current()
        if transaction is not None:
            transaction.records.append((state, kind, key, entity))
            return
        with self._lock:
            self._stage(state, kind, key, entity)

    def _stage(self, state: SellerState, kind: str, key: str, entity: Any | None) -> None:
        state.changed_keys.add((kind, key))
        current = self._sellers.get(state.seller_id)
        if current is not state and state.generation == self._generation and (
                current is None or current.regenerable):
            # Let go of (see _let_go) while a request still held it: it is the one now.
            self._sellers[state.seller_id] = state
            if self.living is not None:
                self.living.attach(state)
        if self.state_file is not None:
            self._pending[(state.seller_id, kind, key)] = entity

    def _record(self, seller_id: str, kind: str, key: str, entity: Any | None) -> dict[str, Any]:
        """An entity (or a family's record) as the state file keeps it."""
        return {"seller": seller_id, "kind": kind, "key": key,
                "value": self._dump(kind, entity) if entity is not None else None}

    def _dump(self, kind: str, entity: Any) -> Any:
        extension = self.record_kinds.get(kind)
        return extension.dump(entity) if extension is not None else snapshot.dump(entity)

    def _table(self, state: SellerState, kind: str) -> dict[str, Any]:
        return _table(state, kind)

    def _apply(self, state: SellerState, kind: str, key: str, entity: Any | None) -> None:
        """Lay one entity (or a family's record) of the state file over a freshly generated
        seller."""
        table = self._table(state, kind)
        state.changed_keys.add((kind, key))
        state.client_changed = True  # whoever changed it then, it is not the seed's alone
        old = table.get(key)
        if kind != "order":
            if entity is None:
                table.pop(key, None)
            else:
                table[key] = entity
            return
        if old is not None:
            state.remove_order(old)
        if entity is not None:
            state.add_order(entity)
            state.maker.taken_ids.add(key)

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
        with self._lock:
            rebuilt: dict[str, SellerState] = {}
            previous = (self.seed, self.scenario, self.randomness, self.anchor,
                        self._generation)
            self.seed, self.scenario, self.randomness = seed, scenario, Randomness(seed)
            self.anchor = float(anchor)
            self._generation += 1
            try:
                for seller_id, records in sellers.items():
                    rebuilt[seller_id] = self._rebuild(seller_id, records)
            except BaseException as error:
                # Refused whole: the store is as it was, whatever went wrong.
                (self.seed, self.scenario, self.randomness, self.anchor,
                 self._generation) = previous
                if isinstance(error, snapshot.SnapshotError) or not isinstance(
                        error, KeyError | TypeError | ValueError | ArithmeticError):
                    raise
                raise snapshot.SnapshotError(f"sellers: {error!r}") from None
            self._sellers = OrderedDict(rebuilt)
            self._pending.clear()
            self._replay.clear()
            self._quiet.clear()
        self._notify_reset()
        self.compact()
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
        # Every key the seed made or the snapshot holds differs from the seed's business (or
        # may): the state file keeps them all, those the snapshot left out as deletions.
        generated = {(kind, key) for kind in KINDS for key in _table(state, kind)}
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
                state.maker.taken_ids = generate.TakenIds(state.orders)
            else:
                table = {getattr(e, key_of): e for e in loaded}
                setattr(state, name, table)
        self._load_records(state, records.get("records", {}), f"sellers.{seller_id}.records")
        state.changed_keys = generated | {(kind, key) for kind in KINDS
                                          for key in _table(state, kind)} | {
            (kind, key) for kind, table in state.records.items() for key in table}
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


T = TypeVar("T")


class PerSeller(Generic[T]):
    """What a family keeps about a seller's current state (an index, a ledger, marks): an
    entry belongs to one SellerState object, and goes when that state is gone (a reset, a
    restore, a seller let go of). With a `limit`, entries of at most that many sellers are
    kept, the least recently used going first (for caches that can be made again)."""

    def __init__(self, limit: int | None = None) -> None:
        self.limit = limit
        self._entries: OrderedDict[Any, tuple[weakref.ref[SellerState], T]] = OrderedDict()

    def get(self, state: SellerState, key: Any = None) -> T | None:
        entry = self._entries.get((state.seller_id, key))
        if entry is None or entry[0]() is not state:
            return None
        self._entries.move_to_end((state.seller_id, key))
        return entry[1]

    def put(self, state: SellerState, value: T, key: Any = None) -> T:
        self._entries[(state.seller_id, key)] = (weakref.ref(state), value)
        self._entries.move_to_end((state.seller_id, key))
        for name, (ref, _) in list(self._entries.items()):
            if ref() is None:
                del self._entries[name]
        while self.limit is not None and len(self._entries) > self.limit:
            self._entries.popitem(last=False)
        return value

    def __len__(self) -> int:
        return len(self._entries)


def _table(state: SellerState, kind: str) -> dict[str, Any]:
    tables = {"catalog": state.catalog, "listing": state.listings, "inventory": state.inventory,
              "order": state.orders}
    return tables[kind] if kind in tables else state.table(kind)


def _same_business(one: Scenario, other: Scenario) -> bool:
    return (one.name, one.anchor, one.scale, one.shapes, one.shipping) == (
        other.name, other.anchor, other.scale, other.shapes, other.shipping)


def _describe(scenario: Scenario) -> str:
    scale = f"scale {scenario.scale}" if scenario.scale is not None else "no --scale"
    return f"scenario {scenario.name!r} (anchor {scenario.anchor}, {scale})"


def _reason(error: Exception) -> str:
    return str(error) if isinstance(error, ValueError) else f"{type(error).__name__}: {error}"


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

"""Finding a seller's orders a page at a time: what Orders v0 getOrders and Orders 2026-01-01
searchOrders share. Plain Python over the store, no HTTP.

A query walks one sorted sequence of orders: by purchase date (the store's own index,
`SellerState.order_list`), by last update (an index kept here, rebuilt when the seller's state
changed), or the few orders a list of ids names. Date bounds are two bisects; the filters are
tested only on the orders the walk passes, and the walk stops once a page is full and one more
match proves that a next page exists, so a page never builds the whole result.

A page ends with a `Cursor`: the sort key of the next order and how many orders with that same
key come before it in the sequence. It survives orders being added or updated elsewhere in the
sequence, which an index position would not.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Literal

from emulator.business.entities import Order
from emulator.business.store import PerSeller, SellerState

SortKey = Literal["created", "updated"]
Range = tuple[float | None, float | None]  # inclusive bounds, either may be open

# Both Orders APIs want every "before" at least two minutes in the past, and without one they
# stop two minutes before now: orders are complete only that long after the fact.
SETTLE_SECONDS = 120.0


class QueryError(ValueError):
    """A query Amazon refuses; the message says which rule it breaks."""


@dataclass(frozen=True)
class DateWindow:
    """The date bounds a request gives, as epoch seconds, with the request's names for them
    (CreatedAfter or createdAfter...) so that errors speak the caller's API."""

    names: tuple[str, str, str, str]  # created after, created before, updated after, before
    created_after: float | None = None
    created_before: float | None = None
    updated_after: float | None = None
    updated_before: float | None = None

    def resolve(self, now: float, ids_given: bool = False,
                fixed_before: float | None = None) -> tuple[SortKey, float | None,
                                                             float | None]:
        """(sort, after, before) of the query; `fixed_before` is the bound an earlier page
        settled on. Exactly one of the two "after" dates is needed unless orders are named by
        id; a "before" needs its own "after", comes after it and two minutes before now."""
        c_after, c_before, u_after, u_before = self.names
        created = self.created_after is not None or self.created_before is not None
        updated = self.updated_after is not None or self.updated_before is not None
        if created and updated:
            raise QueryError(f"{c_after} and {c_before} cannot be combined with {u_after} "
                             f"or {u_before}.")
        if self.created_before is not None and self.created_after is None:
            raise QueryError(f"{c_before} can only be given with {c_after}.")
        if self.updated_before is not None and self.updated_after is None:
            raise QueryError(f"{u_before} can only be given with {u_after}.")
        if not created and not updated:
            if ids_given:
                return "created", None, None
            raise QueryError(f"Exactly one of {c_after} or {u_after} is required.")
        sort: SortKey = "created" if created else "updated"
        after = self.created_after if created else self.updated_after
        before = self.created_before if created else self.updated_before
        names = (c_after, c_before) if created else (u_after, u_before)
        latest = now - SETTLE_SECONDS
        assert after is not None
        if after > latest:
            raise QueryError(f"{names[0]} must be at least two minutes before the time of the "
                             "request.")
        if before is not None and before > latest:
            raise QueryError(f"{names[1]} must be at least two minutes before the time of the "
                             "request.")
        if before is not None and before < after:
            raise QueryError(f"{names[1]} must be equal to or after {names[0]}.")
        if fixed_before is not None:
            before = fixed_before
        return sort, after, latest if before is None else before


@dataclass(frozen=True)
class OrderFilter:
    """Conditions an order must meet; None means "any". Sets hold Orders v0 spellings."""

    marketplace_ids: frozenset[str] | None = None
    statuses: frozenset[str] | None = None
    fulfillment_channels: frozenset[str] | None = None
    payment_methods: frozenset[str] | None = None
    buyer_email: str | None = None
    seller_order_id: str | None = None
    easy_ship_statuses: frozenset[str] | None = None
    electronic_invoice_statuses: frozenset[str] | None = None
    is_ispu: bool | None = None
    store_chain_store_id: str | None = None
    # The emulator's orders never name a fulfillment supply source (it is set for orders a
    # seller fulfils from a registered supply source), so asking for one matches nothing.
    supply_source_id: str | None = None
    earliest_delivery: Range = (None, None)
    latest_delivery: Range = (None, None)

    def matches(self, order: Order) -> bool:
        return (
            _member(order.marketplace_id, self.marketplace_ids)
            and _member(order.status, self.statuses)
            and _member(order.fulfillment, self.fulfillment_channels)
            and _member(order.payment_method, self.payment_methods)
            and _member(order.easy_ship_status, self.easy_ship_statuses)
            and _member(order.electronic_invoice_status, self.electronic_invoice_statuses)
            and (self.buyer_email is None
                 or order.buyer_email.lower() == self.buyer_email.lower())
            and (self.seller_order_id is None or order.seller_order_id == self.seller_order_id)
            and (self.is_ispu is None or order.is_ispu == self.is_ispu)
            and (self.store_chain_store_id is None
                 or order.store_chain_store_id == self.store_chain_store_id)
            and self.supply_source_id is None
            and self._delivers(order)
        )

    def _delivers(self, order: Order) -> bool:
        if self.earliest_delivery == (None, None) and self.latest_delivery == (None, None):
            return True
        # Only seller-fulfilled orders carry delivery promises (Orders v0 returns them for
        # those only), so only they can match a delivery-date bound.
        return (order.fulfillment == "MFN"
                and _within(order.earliest_delivery, self.earliest_delivery)
                and _within(order.latest_delivery, self.latest_delivery))


def _member(value: str | None, allowed: frozenset[str] | None) -> bool:
    return allowed is None or value in allowed


def _within(value: float, bounds: Range) -> bool:
    low, high = bounds
    return (low is None or value >= low) and (high is None or value <= high)


@dataclass(frozen=True)
class OrderQuery:
    sort: SortKey  # the date the bounds apply to and the orders are sorted by, oldest first
    after: float | None = None  # inclusive
    before: float | None = None  # inclusive
    order_ids: tuple[str, ...] | None = None  # only these orders (Orders v0 AmazonOrderIds)
    filter: OrderFilter = OrderFilter()


@dataclass(frozen=True)
class Cursor:
    key: float
    skip: int  # orders with exactly this key that precede the next one

    def to_json(self) -> list[float]:
        return [self.key, self.skip]

    @classmethod
    def from_json(cls, value: object) -> Cursor:
        """A cursor read back from a (signed) page token; ValueError when it is not one."""
        if (isinstance(value, list) and len(value) == 2
                and isinstance(value[0], int | float) and isinstance(value[1], int)
                and not isinstance(value[1], bool) and value[1] >= 0):
            return cls(float(value[0]), value[1])
        raise ValueError(f"not a cursor: {value!r}")


@dataclass(frozen=True)
class Page:
    orders: list[Order]
    next: Cursor | None


@dataclass
class _Sorted:
    orders: Sequence[Order]
    keys: Sequence[float]


@dataclass
class _UpdateIndex:
    version: int
    count: int
    sorted: _Sorted


class OrderQueries:
    """Runs order queries; keeps the by-last-update index of each seller it has seen."""

    def __init__(self) -> None:
        # Rebuilt on demand, so only the most recently used sellers' indexes are kept.
        self._by_update: PerSeller[_UpdateIndex] = PerSeller(limit=16)

    def page(self, state: SellerState, query: OrderQuery, size: int,
             cursor: Cursor | None = None) -> Page:
        """Up to `size` matching orders from `cursor` on (from the start without one)."""
        source = self._sequence(state, query)
        keys = source.keys
        start = 0 if query.after is None else bisect_left(keys, query.after)
        if cursor is not None:
            start = max(start, bisect_left(keys, cursor.key) + cursor.skip)
        end = len(keys) if query.before is None else bisect_right(keys, query.before)
        found: list[Order] = []
        for index in range(start, end):
            order = source.orders[index]
            if not query.filter.matches(order):
                continue
            if len(found) == size:
                key = keys[index]
                return Page(found, Cursor(key, index - bisect_left(keys, key)))
            found.append(order)
        return Page(found, None)

    def _sequence(self, state: SellerState, query: OrderQuery) -> _Sorted:
        if query.order_ids is not None:
            return _named(state, query.order_ids, query.sort)
        if query.sort == "created":
            return _Sorted(state.order_list, state.order_times)
        return self._update_index(state)

    def _update_index(self, state: SellerState) -> _Sorted:
        # Any change bumps the state's version; a changed order may have a new LastUpdateDate,
        # so the index is rebuilt (sorting 100k orders that are nearly in order takes ~25 ms).
        cached = self._by_update.get(state)
        if (cached is not None and cached.version == state.version
                and cached.count == len(state.order_list)):
            return cached.sorted
        ordered = sorted(state.order_list, key=attrgetter("last_update"))
        index = _Sorted(ordered, [o.last_update for o in ordered])
        self._by_update.put(state, _UpdateIndex(state.version, len(state.order_list), index))
        return index


def _named(state: SellerState, order_ids: tuple[str, ...], sort: SortKey) -> _Sorted:
    attribute = "purchase_date" if sort == "created" else "last_update"
    found = {state.orders[i].order_id: state.orders[i] for i in order_ids if i in state.orders}
    ordered = sorted(found.values(), key=attrgetter(attribute))
    return _Sorted(ordered, [getattr(o, attribute) for o in ordered])

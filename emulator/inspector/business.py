"""The business pages' view of a seller: orders (filters, pages that stay fast at 100k
orders, one order's items, addresses, timeline, shipments and financial events), listings,
FBA inventory and the catalog."""

from __future__ import annotations

import bisect
import dataclasses
import json
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from emulator.business import shipments
from emulator.business.entities import CatalogItem, Listing, Order, money_str
from emulator.business.store import SellerState
from emulator.families.finances import ledger
from emulator.runtime import events
from emulator.runtime.clock import iso

T = TypeVar("T")
PAGE = 50
ORDER_STATUSES = ("Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled",
                  "Unfulfillable", "InvoiceUnconfirmed", "PendingAvailability")
HISTORY_ORDERS = 10_000  # orders whose observed changes the timeline keeps


@dataclass(frozen=True)
class OrderFilters:
    status: str | None = None
    fulfillment: str | None = None
    marketplace: str | None = None
    search: str | None = None  # in the order id or the seller order id
    before: str | None = None  # the order id the page starts after (newest first)

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> OrderFilters:
        def text(name: str) -> str | None:
            value = query.get(name, "").strip()
            return value[:100] or None

        return cls(text("status"), text("fulfillment"), text("marketplace"), text("q"),
                   text("before"))

    def test(self) -> Callable[[Order], bool]:
        status, channel, market = self.status, self.fulfillment, self.marketplace
        search = self.search.upper() if self.search else None
        return lambda o: ((status is None or o.status == status)
                          and (channel is None or o.fulfillment == channel)
                          and (market is None or o.marketplace_id == market)
                          and (search is None or search in o.order_id
                               or search in o.seller_order_id.upper()))

    def query(self, **changes: Any) -> dict[str, str]:
        values = {"status": self.status, "fulfillment": self.fulfillment,
                  "marketplace": self.marketplace, "q": self.search, "before": self.before}
        values.update(changes)
        return {k: str(v) for k, v in values.items() if v is not None}


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]  # newest first
    older: str | None  # `before` of the next page, when there is one
    total: int  # the seller's orders (all of them)


def order_page(state: SellerState, filters: OrderFilters, size: int = PAGE) -> OrderPage:
    """Newest first, from `before` on: a bisection to the start, then a walk back that stops
    as soon as the page is full."""
    orders = state.order_list
    start = len(orders)
    if filters.before is not None:
        anchor = state.orders.get(filters.before)
        if anchor is not None:
            start = bisect.bisect_left(state.order_times, anchor.purchase_date)
            while start < len(orders) and orders[start].order_id != anchor.order_id:
                start += 1
    keep = filters.test()
    found: list[Order] = []
    index = start - 1
    while index >= 0 and len(found) <= size:
        order = orders[index]
        if keep(order):
            found.append(order)
        index -= 1
    older = found[size - 1].order_id if len(found) > size else None
    return OrderPage(found[:size], older, len(orders))


class OrderHistory:
    """Status changes of orders seen on the event bus since the emulator started (the
    generated past has no such record: its timeline comes from the order's own dates)."""

    def __init__(self, bus: events.EventBus) -> None:
        self._changes: OrderedDict[tuple[str, str], list[tuple[float, str, str]]] = OrderedDict()
        bus.subscribe(self._seen, events.ORDER_CREATED, events.ORDER_CHANGED)

    def _seen(self, event: events.Event) -> None:
        key = (event.seller_id, str(event.data.get("order_id")))
        what = "created" if event.type == events.ORDER_CREATED else str(
            event.data.get("change") or "changed")
        self._changes.setdefault(key, []).append((event.time, str(event.data.get("status")),
                                                  what))
        self._changes.move_to_end(key)
        if len(self._changes) > HISTORY_ORDERS:
            self._changes.popitem(last=False)

    def of(self, seller_id: str, order_id: str) -> list[tuple[float, str, str]]:
        return list(self._changes.get((seller_id, order_id), ()))

    def forget(self) -> None:
        self._changes.clear()


def timeline(order: Order, observed: list[tuple[float, str, str]]) -> list[tuple[str, str, str]]:
    """(time, status, what happened), oldest first: the order's own dates, then every change
    seen since the emulator started."""
    steps: list[tuple[float, str, str]] = [(order.purchase_date, "Pending", "purchased")]
    for number, shipment in enumerate(order.shipments, 1):
        units = sum(quantity for _, quantity in shipment.items)
        steps.append((shipment.ship_date, "Shipped",
                      f"shipment {number}: {units} unit(s) by {shipment.carrier}"))
    if order.cancelled_at is not None:
        steps.append((order.cancelled_at, "Canceled", "cancelled"))
    if order.refunded and order.shipments:
        steps.append((ledger.refund_time(order), order.status, "refunded"))
    steps.extend(observed)
    steps.sort(key=lambda s: s[0])
    steps.append((order.last_update, order.status, "last update"))
    return [(iso(moment), status, what) for moment, status, what in steps]


def record_fields(record: object) -> list[tuple[str, Any]]:
    """A record's fields as (name, value): shipments show whatever the state holds (labels
    included, when a family adds them)."""
    if not dataclasses.is_dataclass(record):
        return []
    shown = []
    for item in dataclasses.fields(record):
        value = getattr(record, item.name)
        if isinstance(value, float) and (item.name.endswith("date") or item.name.endswith("_at")):
            value = iso(value)
        elif isinstance(value, tuple):
            value = list(value)  # the records keep tuples (memory); the page shows lists
        shown.append((item.name, value))
    return shown


def money(minor: int, currency: str) -> str:
    return f"{money_str(minor, currency)} {currency}"


# The labels bought for an order (Merchant Fulfillment, Shipping v2): a file each, by format.
LABEL_FILES = {"PDF": ("application/pdf", "pdf"), "PNG": ("image/png", "png"),
               "ZPL203": ("text/plain", "zpl"), "ZPL300": ("text/plain", "zpl")}


def order_labels(state: SellerState, order_id: str, now: float) -> list[dict[str, Any]]:
    found = []
    for label in shipments.of_order(state, order_id):
        found.append({
            "shipment_id": label.shipment_id, "api": label.api,
            "service": f"{label.carrier.name} {label.service.name}",
            "tracking_id": label.tracking_id, "status": label.status(now),
            "format": label.label_format, "purchased": iso(label.purchased_at),
            "ship_date": iso(label.ship_date), "cost": money(label.total, label.currency)})
    return found


def label_download(state: SellerState, shipment_id: str) -> tuple[bytes, str, str] | None:
    """A label's file, its media type and its file name."""
    label = shipments.book(state).get(shipment_id)
    if label is None:
        return None
    media, suffix = LABEL_FILES.get(label.label_format, ("application/octet-stream", "bin"))
    return shipments.label_file(label), media, f"{shipment_id}.{suffix}"


def financial_events(state: SellerState, order: Order) -> list[dict[str, Any]]:
    currency = order.currency
    shown = []
    for found in ledger.order_events(state, order):
        shown.append({
            "kind": found.kind, "posted": iso(found.posted),
            "total": money(found.total, currency),
            "postage": [(kind, money(amount, currency)) for kind, amount in found.postage],
            "lines": [{"sku": line.item.sku, "quantity": line.quantity,
                       "charges": money(line.charges, currency),
                       "promotion": money(line.promotion, currency),
                       "fees": money(line.fees, currency), "net": money(line.net, currency)}
                      for line in found.lines]})
    return shown


# -- listings, inventory, catalog -------------------------------------------------------------

@dataclass(frozen=True)
class Paged:
    rows: list[Any]
    page: int  # 1-based
    pages: int
    total: int


def paged(rows: list[Any], page: int, size: int = PAGE) -> Paged:
    pages = max(1, -(-len(rows) // size))
    page = min(max(page, 1), pages)
    return Paged(rows[(page - 1) * size:page * size], page, pages, len(rows))


def searched(rows: Iterable[T], search: str | None, texts: Callable[[T], tuple[str, ...]],
             key: Callable[[T], str]) -> list[T]:
    """The rows any of whose `texts` contains `search` (any case), sorted by `key`."""
    needle = search.lower() if search else None
    found = [row for row in rows
             if needle is None or any(needle in text.lower() for text in texts(row))]
    found.sort(key=key)
    return found


def listings(state: SellerState, search: str | None) -> list[Listing]:
    return searched(state.listings.values(), search, lambda x: (x.sku, x.asin, x.item_name),
                    lambda x: x.sku)


def listing_prices(state: SellerState, listing: Listing) -> list[str]:
    shown = []
    for market_id, minor in sorted(listing.prices.items()):
        market = state.market(market_id)
        currency = market.currency if market is not None else "USD"
        shown.append(f"{market.country if market else market_id} {money(minor, currency)}")
    return shown


def listing_statuses(state: SellerState, listing: Listing) -> list[str]:
    """A listing's statuses, the marketplaces sharing one named by country:
    ["BUYABLE, DISCOVERABLE: US CA", "not buyable: MX"]."""
    by_status: dict[tuple[str, ...], list[str]] = {}
    for market_id, statuses in listing.status.items():
        market = state.market(market_id)
        by_status.setdefault(tuple(statuses), []).append(market.country if market else market_id)
    return [f"{', '.join(statuses) or 'not buyable'}: {' '.join(countries)}"
            for statuses, countries in by_status.items()]


def attributes_text(listing: Listing) -> str:
    return json.dumps(listing.attributes, indent=2, ensure_ascii=False, sort_keys=True)


def catalog(state: SellerState, search: str | None) -> list[CatalogItem]:
    return searched(state.catalog.values(), search, lambda i: (i.asin, i.title, i.brand),
                    lambda i: i.asin)


# -- the families' own records ---------------------------------------------------------------

def record_kinds(state: SellerState, kinds: Iterable[str]) -> list[tuple[str, int]]:
    """Each record kind the families registered, with how many records the seller has."""
    return [(kind, len(state.records.get(kind, ()))) for kind in sorted(kinds)]


def record_text(record: Any, dump: Callable[[Any], Any]) -> str:
    return json.dumps(dump(record), indent=2, ensure_ascii=False, sort_keys=True, default=str)


def records_of_order(state: SellerState, order_id: str) -> list[tuple[str, str, Any]]:
    """(kind, key, record) of every family record that names this order (`order_id` or
    `amazon_order_id`): shipping labels and the like, whatever the families keep."""
    found = []
    for kind, table in sorted(state.records.items()):
        if kind == shipments.KIND:  # the order page shows its labels on their own
            continue
        for key, record in table.items():
            if order_id in (getattr(record, "order_id", None),
                            getattr(record, "amazon_order_id", None)):
                found.append((kind, key, record))
    return found

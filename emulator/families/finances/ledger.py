"""Financial events, derived from the orders on every read and never stored, so they always
agree with them. Plain Python over the store.

- A shipment event per shipment, posted when it shipped. Per item: the principal (unit price
  times units), tax, shipping charge and shipping tax as charges; the referral fee
  (Commission) and, for FBA orders, the per-unit fulfillment fee as fees, from fees.py (the
  schedule the Product Fees API estimates with); a seller promotion as a discount. An item
  shipped in parts gets each part's share of its tax, shipping and discount, the shares adding
  up to the whole.
- A refund event per refunded order, posted when the refund was issued: every shipped unit's
  charges and discount given back, the referral fee returned, Amazon's refund administration
  fee (20% of the referral fee, at most $5 a unit) charged. The FBA fee is not refunded.
- An order that never shipped (pending, unshipped, cancelled) has none.
- A service fee event per fee booked outside an order's sale (business/service_fees.py:
  Multi-Channel Fulfillment, inbound placement, the partnered carrier), posted when booked.
- Postage of the shipping labels bought for an order (Buy Shipping, Amazon Shipping for an
  Amazon order): a postage event when the label was bought, one charge per rate item (the
  base rate, fuel, signature, insurance); a postage refund event when the carrier applied the
  refund of a cancelled label, every charge given back. Labels of other channels (Amazon
  Shipping's EXTERNAL) are not charged to the seller's Amazon account.

Amounts are minor units, signed as the seller's account sees them: charges positive, fees and
discounts negative (the other way round in a refund).

Settlement (financial event groups): 14-day periods per marketplace, the grid fixed by the
seller's anchor (the group open at the anchor began a week before it). A group exists for each
period and marketplace with events, and the current period of the home marketplace always
has one; its total is the sum of its events.
"""

from __future__ import annotations

import base64
import hashlib
import math
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from emulator.business import fees, service_fees, shipments
from emulator.business.entities import Order, OrderItem
from emulator.business.marketplaces import Marketplace
from emulator.business.store import PerSeller, SellerState

DAY = 86400.0
PERIOD = 14 * DAY
OPEN_GROUP_LEAD = 7 * DAY
REFUND_ADMIN_SHARE = 0.2
REFUND_ADMIN_CAP_USD_CENTS = 500  # per unit
SHIPMENT, REFUND, SERVICE_FEE = "Shipment", "Refund", "ServiceFee"
POSTAGE, POSTAGE_REFUND = "PostageBilling", "PostageRefund"
_KINDS = (SHIPMENT, REFUND, SERVICE_FEE, POSTAGE, POSTAGE_REFUND)
# How Amazon books Buy Shipping postage: an AdjustmentEvent per charge, typed
# PostageBilling_<charge> when the label is bought and PostageRefund_<charge> when its refund
# is applied (types seen in sellers' live data; the model documents PostageBilling and
# PostageRefund). Which rate items map to which suffix is the emulator's reading.
POSTAGE_TYPES = {"BASE_RATE": "Postage", "FUEL_SURCHARGE": "FuelSurcharge",
                 "SIGNATURE_CONFIRMATION": "SignatureConfirmation",
                 "ADULT_SIGNATURE_CONFIRMATION": "SignatureConfirmation",
                 "INSURANCE": "Insurance", "ADDITIONAL_SURCHARGE": "Postage"}

# (posted, order id, kind rank, shipment index): the order events are listed in.
Key = tuple[float, str, int, int]


@dataclass(frozen=True, slots=True)
class Line:
    """One order item's part in an event, in minor units of the order's currency."""

    item: OrderItem
    quantity: int
    principal: int
    tax: int
    shipping: int
    shipping_tax: int
    promotion: int
    commission: int
    fba_fee: int
    refund_commission: int = 0

    @property
    def charges(self) -> int:
        return self.principal + self.tax + self.shipping + self.shipping_tax

    @property
    def fees(self) -> int:
        return self.commission + self.fba_fee + self.refund_commission

    @property
    def net(self) -> int:
        return self.charges + self.promotion + self.fees


@dataclass(frozen=True, slots=True)
class Ref:
    """An event not computed yet: where it sits in the books. A service fee's has the fee
    booking instead of an order."""

    key: Key
    order: Order  # None for a service fee
    period: int
    fee: service_fees.FeeBooking | None = None

    @property
    def posted(self) -> float:
        return self.key[0]

    @property
    def marketplace_id(self) -> str:
        return self.fee.marketplace_id if self.fee is not None else self.order.marketplace_id

    @property
    def kind(self) -> str:
        return _KINDS[self.key[2]]


@dataclass(frozen=True, slots=True)
class Event:
    kind: str  # SHIPMENT | REFUND | POSTAGE | POSTAGE_REFUND
    order: Order
    index: int  # the shipment's (or label's) position in the order (0 for a refund)
    posted: float
    lines: tuple[Line, ...]
    # Postage events: (adjustment type, signed minor units) per charge, and the label.
    postage: tuple[tuple[str, int], ...] = ()
    label: shipments.LabelShipment | None = None

    @property
    def total(self) -> int:
        return sum(line.net for line in self.lines) + sum(amount for _, amount in self.postage)


@dataclass(frozen=True, slots=True)
class Group:
    """A settlement period of one marketplace."""

    group_id: str
    marketplace: Marketplace
    period: int
    start: float
    end: float

    def closed(self, now: float) -> bool:
        return self.end <= now


def refund_time(order: Order) -> float:
    """When a refunded order's refund was issued (`refunded_at`; orders of older snapshots:
    their last change, what set `refunded`), never before its last shipment."""
    issued = order.refunded_at if order.refunded_at is not None else order.last_update
    return max(order.shipments[-1].ship_date, issued)


def charged_labels(state: SellerState, order: Order) -> list[shipments.LabelShipment]:
    """The labels bought for an order and charged to the seller, oldest first."""
    return sorted((s for s in shipments.of_order(state, order.order_id)
                   if s.channel == "AMAZON"), key=lambda s: (s.purchased_at, s.shipment_id))


def postage(label: shipments.LabelShipment, refund: bool) -> tuple[tuple[str, int], ...]:
    prefix, sign = ("PostageRefund", 1) if refund else ("PostageBilling", -1)
    return tuple((f"{prefix}_{POSTAGE_TYPES.get(kind, 'Postage')}", sign * amount)
                 for kind, amount in label.charges if amount)


def event(state: SellerState, ref: Ref) -> Event:
    order = ref.order
    index = ref.key[3]
    if ref.kind in (POSTAGE, POSTAGE_REFUND):
        label = charged_labels(state, order)[index]
        return Event(ref.kind, order, index, ref.posted, (),
                     postage(label, ref.kind == POSTAGE_REFUND), label)
    lines = _refund_lines(state, order) if ref.kind == REFUND else _shipment_lines(
        state, order, index)
    return Event(ref.kind, order, index, ref.posted, lines)


class Ledger:
    """Every event of a seller in posting order: date ranges, groups and pages are bisections.
    Built once per seller state, then kept up to date: an order that changed moved its
    LastUpdateDate (orders.py's rule), so a change costs a look at each order's date and the
    changed orders' events, not a rebuild. Each event's net amount is kept once computed."""

    def __init__(self, state: SellerState, now: float) -> None:
        self.origin = state.anchor - OPEN_GROUP_LEAD
        self._labels = _labels_by_order(state)
        self.by_order = {order.order_id: self.refs_of(order) for order in state.order_list}
        refs = [ref for found in self.by_order.values() for ref in found]
        bookings = service_fees.bookings(state)
        self._fee_ids = {b.fee_id for b in bookings}
        refs += [self.fee_ref(b) for b in bookings]
        refs.sort(key=lambda r: r.key)
        self.refs = refs
        self.keys = [r.key for r in refs]
        self.active = Counter((r.period, r.marketplace_id) for r in refs)
        self._nets: dict[Key, int] = {}
        self._unit_fees: dict[tuple[str, str, int, str, str], fees.FeeBreakdown] = {}
        self._fee_inputs = _fee_inputs(state)
        self._version = state.version
        self._seen_at = now

    def refresh(self, state: SellerState, now: float) -> None:
        """Catch up with the changes made to the state since the last look."""
        if state.version == self._version:
            return
        inputs = _fee_inputs(state)
        if inputs != self._fee_inputs:  # a product's fees changed: every amount may have
            self._fee_inputs = inputs
            self._nets.clear()
            self._unit_fees.clear()
        self._labels = _labels_by_order(state)
        relabelled = {s.order_id for s in shipments.book(state).values()
                      if s.updated >= self._seen_at}
        for order in state.order_list:
            if order.last_update >= self._seen_at or order.order_id in relabelled:
                self._replace(order)
        self._add_fees(state)
        self._version, self._seen_at = state.version, now

    def fee_ref(self, booking: service_fees.FeeBooking) -> Ref:
        return Ref((booking.posted, booking.fee_id, 2, 0), None, self.period(booking.posted),
                   booking)  # type: ignore[arg-type]

    def _add_fees(self, state: SellerState) -> None:
        """Fees booked since the last look (bookings are only ever added)."""
        bookings = service_fees.bookings(state)
        if len(bookings) == len(self._fee_ids):
            return
        for booking in bookings:
            if booking.fee_id not in self._fee_ids:
                self._fee_ids.add(booking.fee_id)
                ref = self.fee_ref(booking)
                index = bisect_left(self.keys, ref.key)
                self.refs.insert(index, ref)
                self.keys.insert(index, ref.key)
                self.active[(ref.period, booking.marketplace_id)] += 1

    def _replace(self, order: Order) -> None:
        for ref in self.by_order.pop(order.order_id, []):
            index = bisect_left(self.keys, ref.key)
            del self.refs[index], self.keys[index]
            self._nets.pop(ref.key, None)
            self.active[(ref.period, order.marketplace_id)] -= 1
        found = self.refs_of(order)
        for ref in found:
            index = bisect_left(self.keys, ref.key)
            self.refs.insert(index, ref)
            self.keys.insert(index, ref.key)
            self.active[(ref.period, order.marketplace_id)] += 1
        self.by_order[order.order_id] = found

    def period(self, moment: float) -> int:
        return math.floor((moment - self.origin) / PERIOD)

    def refs_of(self, order: Order) -> list[Ref]:
        """The events of one order, in posting order."""
        return order_refs(order, self.period, self._labels.get(order.order_id, ()))

    def groups(self, state: SellerState, seed: int, now: float) -> list[Group]:
        """The seller's groups up to the one open now, oldest first."""
        current = self.period(now)
        home = state.markets[0].id
        wanted = {g for g, count in self.active.items() if count and g[0] <= current}
        wanted.add((current, home))
        order = {m.id: i for i, m in enumerate(state.markets)}
        groups = []
        for period, market_id in sorted(wanted, key=lambda g: (g[0], order.get(g[1], 99))):
            market = state.market(market_id)
            if market is None:  # an order of a marketplace the seller no longer has
                continue
            start = self.origin + period * PERIOD
            groups.append(Group(group_id(seed, state.seller_id, market_id, period), market,
                                period, start, start + PERIOD))
        return groups

    def group_refs(self, group: Group, now: float) -> list[Ref]:
        """A group's events posted so far, in posting order."""
        low = bisect_left(self.keys, (group.start,))
        high = bisect_left(self.keys, (min(group.end, now),))
        return [r for r in self.refs[low:high] if r.marketplace_id == group.marketplace.id]

    def total(self, state: SellerState, group: Group, now: float) -> int:
        """The sum of a group's events."""
        return sum(self.net(state, ref) for ref in self.group_refs(group, now))

    def net(self, state: SellerState, ref: Ref) -> int:
        """An event's net amount; what `event(state, ref).total` is, computed once."""
        if ref.fee is not None:
            return ref.fee.total
        found = self._nets.get(ref.key)
        if found is None:
            order = ref.order
            if ref.kind == SHIPMENT and len(order.shipments) == 1 and order.units_unshipped == 0:
                # The one shipment of a whole order (most orders): charges are the order total.
                found = order.total - sum(self._fees(state, order, item).total * item.quantity
                                          for item in order.items)
            else:
                found = event(state, ref).total
            self._nets[ref.key] = found
        return found

    def _fees(self, state: SellerState, order: Order, item: OrderItem) -> fees.FeeBreakdown:
        key = (item.asin, item.sku, item.unit_price, order.currency, order.fulfillment)
        found = self._unit_fees.get(key)
        if found is None:
            found = self._unit_fees[key] = _unit_fees(state, order, item)
        return found


def _labels_by_order(state: SellerState) -> dict[str, list[tuple[float, float | None]]]:
    """(bought, refunded) of the charged labels of each order, in charged_labels' order."""
    found: dict[str, list[tuple[float, float | None]]] = {}
    for label in sorted(shipments.book(state).values(),
                        key=lambda s: (s.purchased_at, s.shipment_id)):
        if label.channel == "AMAZON" and label.order_id is not None:
            found.setdefault(label.order_id, []).append((label.purchased_at,
                                                         label.refunded_at()))
    return found


def order_refs(order: Order, period: Callable[[float], int],
               labels: Sequence[tuple[float, float | None]] = ()) -> list[Ref]:
    """The events of one order, in posting order, each in the settlement period `period`
    gives its posting time; `labels` are its charged labels' (bought, refunded) times."""
    found = [Ref((s.ship_date, order.order_id, 0, i), order, period(s.ship_date))
             for i, s in enumerate(order.shipments) if s.items]
    if order.refunded and found:
        posted = refund_time(order)
        found.append(Ref((posted, order.order_id, 1, 0), order, period(posted)))
    for index, (bought, refunded) in enumerate(labels):
        found.append(Ref((bought, order.order_id, 3, index), order, period(bought)))
        if refunded is not None:
            found.append(Ref((refunded, order.order_id, 4, index), order, period(refunded)))
    if len(found) > 1:
        found.sort(key=lambda r: r.key)
    return found


def order_events(state: SellerState, order: Order) -> list[Event]:
    """One order's financial events, computed (the inspector's order page)."""
    labels = [(label.purchased_at, label.refunded_at())
              for label in charged_labels(state, order)]
    return [event(state, ref) for ref in order_refs(order, lambda _moment: 0, labels)]


def select(refs: Sequence[Ref], keys: Sequence[Key], after: float | None, before: float,
           cursor: Key | None, keep: Callable[[Ref], bool],
           limit: int) -> tuple[list[Ref], bool]:
    """Up to `limit` kept refs posted in [after, before) and past `cursor`; and whether more
    follow. The cursor is the key of the last ref of the previous page, so pages stay right
    while new events are posted."""
    start = 0 if after is None else bisect_left(keys, (after,))
    if cursor is not None:
        start = max(start, bisect_right(keys, cursor))
    end = bisect_left(keys, (before,))
    picked: list[Ref] = []
    for index in range(start, end):
        ref = refs[index]
        if keep(ref):
            if len(picked) == limit:
                return picked, True
            picked.append(ref)
    return picked, False


class Ledgers:
    """The ledger of each seller's current state (a reset or a restore starts a new one)."""

    def __init__(self) -> None:
        # Made again on demand: only the most recently used sellers' ledgers are kept.
        self._cache: PerSeller[Ledger] = PerSeller(limit=16)

    def of(self, state: SellerState, now: float) -> Ledger:
        ledger = self._cache.get(state)
        if ledger is not None:
            ledger.refresh(state, now)
            return ledger
        return self._cache.put(state, Ledger(state, now))


def _fee_inputs(state: SellerState) -> int:
    """A digest of what fees depend on (product types, sizes, weights): when it moves, every
    kept amount is computed again."""
    return hash((tuple((x.sku, x.asin, x.product_type) for x in state.listings.values()),
                 tuple((i.asin, i.product_type, i.length_in, i.width_in, i.height_in,
                        i.weight_lb) for i in state.catalog.values())))


def group_id(seed: int, seller_id: str, marketplace_id: str, period: int) -> str:
    """A group's id, in the shape of Amazon's (43 characters of URL-safe base64)."""
    return _opaque_id("group", seed, seller_id, marketplace_id, period)


def transaction_id(seed: int, seller_id: str, key: Key) -> str:
    return _opaque_id("transaction", seed, seller_id, key[1], key[2], key[3])


def _opaque_id(*parts: object) -> str:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _share(total: int, start: int, stop: int, quantity: int) -> int:
    """Units start..stop's share of a line amount; consecutive shares add up to the total."""
    return round(total * stop / quantity) - round(total * start / quantity)


def _unit_fees(state: SellerState, order: Order, item: OrderItem) -> fees.FeeBreakdown:
    catalog_item = state.catalog.get(item.asin)
    listing = state.listings.get(item.sku)
    product_type = (catalog_item.product_type if catalog_item is not None
                    else listing.product_type if listing is not None else "")
    return fees.fees_for(catalog_item, product_type, item.unit_price, order.currency,
                         order.fulfillment == "AFN")


def _line(state: SellerState, order: Order, item: OrderItem, start: int, stop: int) -> Line:
    """Units start..stop of an item as shipped (the refund is this line negated)."""
    quantity = stop - start
    unit = _unit_fees(state, order, item)
    tax = _share(item.tax, start, stop, item.quantity)
    shipping_tax = _share(item.shipping_tax, start, stop, item.quantity)
    # With tax-inclusive prices (VAT), the tax is split out of the price: Principal and
    # ShippingCharge are net, and the charges still add up to what the buyer paid.
    inside = order.tax_included
    return Line(
        item=item, quantity=quantity,
        principal=item.unit_price * quantity - (tax if inside else 0), tax=tax,
        shipping=_share(item.shipping_price, start, stop, item.quantity)
        - (shipping_tax if inside else 0),
        shipping_tax=shipping_tax,
        promotion=-_share(item.promotion_discount, start, stop, item.quantity),
        commission=-unit.referral * quantity, fba_fee=-unit.fba * quantity,
    )


def _shipment_lines(state: SellerState, order: Order, index: int) -> tuple[Line, ...]:
    shipped_before: dict[str, int] = {}
    for shipment in order.shipments[:index]:
        for item_id, quantity in shipment.items:
            shipped_before[item_id] = shipped_before.get(item_id, 0) + quantity
    items = {item.order_item_id: item for item in order.items}
    lines = []
    for item_id, quantity in order.shipments[index].items:
        item = items.get(item_id)
        if item is not None:
            start = shipped_before.get(item_id, 0)
            lines.append(_line(state, order, item, start, start + quantity))
    return tuple(lines)


def _refund_lines(state: SellerState, order: Order) -> tuple[Line, ...]:
    cap = fees.from_usd_cents(REFUND_ADMIN_CAP_USD_CENTS, order.currency)
    lines = []
    for item in order.items:
        if item.shipped == 0:
            continue
        sold = _line(state, order, item, 0, item.shipped)
        admin = min(round(-sold.commission * REFUND_ADMIN_SHARE), cap * sold.quantity)
        lines.append(Line(
            item=item, quantity=sold.quantity, principal=-sold.principal, tax=-sold.tax,
            shipping=-sold.shipping, shipping_tax=-sold.shipping_tax,
            promotion=-sold.promotion, commission=-sold.commission, fba_fee=0,
            refund_commission=-admin,
        ))
    return tuple(lines)

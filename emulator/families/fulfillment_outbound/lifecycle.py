"""A fulfillment order's way through Amazon's network on the emulator clock:

    New -> Received (validated: stock reserved) -> Planning -> Processing (shipments PENDING,
    packages and carriers assigned) -> shipments SHIPPED (stock leaves, fees booked) ->
    Complete | CompletePartialled | Unfulfillable

or Invalid at validation (FillOrKill without the stock), Cancelled (by the seller while
Received or Planning, or a Hold left 14 days). The fulfillment policy decides what happens to
units without stock: FillOrKill makes the order Invalid, FillAllAvailable cancels them as
unfulfillable at once, FillAll keeps looking for stock for 24 hours (shipping what turns up)
and then gives up on the rest. Returns are received at the fulfillment center a few days after
they were authorized, their units back in stock as sellable or not by their condition.

Every change is saved and published for FULFILLMENT_ORDER_STATUS (Order, Shipment, Return).
"""

from __future__ import annotations

import random
from collections import Counter

from emulator.business import fba_stock, fees, service_fees
from emulator.business import fulfillment_centers as centers
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState, StateStore
from emulator.families.fulfillment_outbound import carriers, timeline
from emulator.families.fulfillment_outbound.book import McfBook
from emulator.families.fulfillment_outbound.records import (
    CANCELLED,
    CANCELLED_BY_SELLER,
    COMPLETE,
    INVALID,
    NEW,
    PARTIAL,
    PENDING,
    PLANNING,
    PROCESSING,
    RECEIVED,
    SHIPPED,
    UNFULFILLABLE,
    FulfillmentOrder,
    Package,
    ReturnItem,
    Shipment,
)

MIXED_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
UNITS_PER_PACKAGE = 10
SPLIT_SHARE = 0.2  # orders of several SKUs that ship from two fulfillment centers
CONDITIONS = (("Sellable", 0.85), ("CustomerDamaged", 0.06), ("Defective", 0.05),
              ("CarrierDamaged", 0.02), ("FulfillerDamaged", 0.02))
# Booking shape: Amazon's financial events for MCF are not documented field by field; the
# emulator books MCF fees as ServiceFeeEvents with the fee names of getFulfillmentPreview's
# estimatedFees and the fulfillment order's id as AmazonOrderId. [assumption]
FEE_REASON = "MultiChannelFulfillment"


class Lifecycle:
    def __init__(self, book: McfBook) -> None:
        self.book = book
        self.store: StateStore = book.store
        book.on_step = self.run
        book.on_receipt = self.receive

    def start(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        self.book.schedule(state, order, "validate", when + self.book.validation)

    def run(self, state: SellerState, order: FulfillmentOrder, step: str, when: float) -> None:
        {"validate": self.validate, "plan": self.plan, "pick": self.pick, "ship": self.ship,
         "backorder": self.backorder, "hold_expiry": self.expire_hold}[step](state, order, when)

    # -- steps ----------------------------------------------------------------------------

    def validate(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        if order.status != NEW:
            return
        book = self.book
        if order.policy == "FillOrKill" and self._short(state, order):
            # "no items in the order will ship"
            for item in order.items:
                item.unfulfillable = item.quantity
            self._end(state, order, INVALID, when)
            return
        self._reserve(state, order)
        if order.policy == "FillAllAvailable":
            for item in order.items:
                item.unfulfillable += item.waiting
            if not any(item.reserved for item in order.items):
                self._end(state, order, UNFULFILLABLE, when)
                return
        book.set_status(order, RECEIVED, when)
        self._after_receipt(state, order, when)
        book.save(state, order, when)
        book.publish(state, order, when)

    def _after_receipt(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        """What a received order waits for: its hold's end, or planning."""
        if order.action == "Hold":
            order.deadline = when + timeline.HOLD_LIMIT
            self.book.schedule(state, order, "hold_expiry", order.deadline)
            return
        if order.policy == "FillAll":
            order.deadline = when + timeline.FILL_ALL_WAIT
        self.book.schedule(state, order, "plan", when + timeline.TO_PLANNING)

    def release(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        """A held order is released for shipping (updateFulfillmentOrder)."""
        order.action = "Ship"
        order.deadline = None
        if order.status == RECEIVED:
            self._after_receipt(state, order, when)

    def plan(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        if order.status != RECEIVED or order.action == "Hold":
            return
        self.book.set_status(order, PLANNING, when)
        self.book.schedule(state, order, "pick",
                           when + timeline.TO_PROCESSING - timeline.TO_PLANNING)
        self.book.save(state, order, when)
        self.book.publish(state, order, when)

    def pick(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        if order.status != PLANNING:
            return
        self._reserve(state, order)
        self.book.set_status(order, PROCESSING, when)
        made = self._make_shipments(state, order, when,
                                    when + timeline.ship_after(order.speed)
                                    - timeline.TO_PROCESSING)
        self._next_after_pick(state, order, made, when)
        self.book.save(state, order, when)
        self.book.publish(state, order, when)
        for shipment in made:
            self.book.publish(state, order, when, "Shipment", shipment)

    def _next_after_pick(self, state: SellerState, order: FulfillmentOrder,
                         made: list[Shipment], when: float) -> None:
        if made:
            self.book.schedule(state, order, "ship", made[0].ship_date)
        else:
            self._retry(state, order, when)

    def _retry(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        deadline = order.deadline if order.deadline is not None else when
        self.book.schedule(state, order, "backorder",
                           max(when, min(when + timeline.BACKORDER_RETRY, deadline)))

    def ship(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        if order.status != PROCESSING:
            return
        shipped = self.ship_pending(state, order, when)
        if any(item.waiting for item in order.items):
            self._retry(state, order, when)
            self.book.save(state, order, when)
        else:
            self._finish(state, order, when)
        for shipment in shipped:
            self.book.publish(state, order, when, "Shipment", shipment)

    def ship_pending(self, state: SellerState, order: FulfillmentOrder,
                     when: float) -> list[Shipment]:
        """Every pending shipment leaves now: its units leave the stock, its fees are booked."""
        items = {item.item_id: item for item in order.items}
        shipped = []
        for shipment in order.shipments:
            if shipment.status != PENDING:
                continue
            shipment.status, shipment.ship_date = SHIPPED, when
            shipment.arrival = timeline.arrival_window(order.speed, when)[1]
            for sku, item_id, quantity, _ in shipment.items:
                fba_stock.ship_reserved(self.store, state, sku, quantity, "mcf shipped")
                item = items[item_id]
                item.reserved -= quantity
                item.shipped += quantity
            self._book_fees(state, order, shipment, when)
            shipped.append(shipment)
        return shipped

    def backorder(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        """A FillAll order looks for stock for its waiting units again."""
        if order.status != PROCESSING:
            return
        self._reserve(state, order)
        made = self._make_shipments(state, order, when, when + timeline.TO_PROCESSING)
        if made:
            self.book.schedule(state, order, "ship", made[0].ship_date)
        elif order.deadline is None or when >= order.deadline:
            for item in order.items:
                item.unfulfillable += item.waiting
            self._finish(state, order, when)
        else:
            self._retry(state, order, when)
        self.book.save(state, order, when)
        for shipment in made:
            self.book.publish(state, order, when, "Shipment", shipment)

    def expire_hold(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        if order.status in (NEW, RECEIVED) and order.action == "Hold":
            self.cancel(state, order, when)

    # -- the seller's moves ---------------------------------------------------------------

    def cancel(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        """Stops the order: reserved units go back to stock, pending shipments are cancelled,
        every open unit counts as cancelled."""
        cancelled = []
        for shipment in order.shipments:
            if shipment.status == PENDING:
                shipment.status = CANCELLED_BY_SELLER
                cancelled.append(shipment)
        for item in order.items:
            fba_stock.release(self.store, state, item.sku, item.reserved, "mcf cancelled")
            item.reserved = 0
            item.cancelled += item.open
        self.book.schedule(state, order, None, None)
        self.book.set_status(order, CANCELLED, when)
        self.book.save(state, order, when)
        self.book.publish(state, order, when)
        for shipment in cancelled:
            self.book.publish(state, order, when, "Shipment", shipment)

    def give_up(self, state: SellerState, order: FulfillmentOrder, status: str,
                when: float) -> None:
        """Ends the order as Unfulfillable or Invalid (the sandbox's forced status): its
        reserved units go back to stock and every open unit is unfulfillable."""
        for shipment in order.shipments:
            if shipment.status == PENDING:
                shipment.status = CANCELLED_BY_SELLER
        for item in order.items:
            fba_stock.release(self.store, state, item.sku, item.reserved, "mcf unfulfillable")
            item.reserved = 0
            item.unfulfillable += item.open
        self._end(state, order, status, when)

    def finish_now(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        """Ships whatever is reserved now and ends the order (the sandbox's forced end)."""
        self._reserve(state, order)
        self._make_shipments(state, order, when, when)
        shipped = self.ship_pending(state, order, when)
        for item in order.items:
            item.unfulfillable += item.waiting
        self._finish(state, order, when)
        for shipment in shipped:
            self.book.publish(state, order, when, "Shipment", shipment)

    # -- returns --------------------------------------------------------------------------

    def receive(self, state: SellerState, order: FulfillmentOrder, item: ReturnItem,
                when: float) -> None:
        """A return reaches its fulfillment center: graded, and back in stock."""
        rnd = self.book.draw(state, order, "return-condition")
        draw, condition = rnd.random(), CONDITIONS[0][0]
        for name, share in CONDITIONS:
            if draw < share:
                condition = name
                break
            draw -= share
        item.status, item.changed, item.condition = "Processed", when, condition
        item.amazon_reason = _amazon_reason(item.reason)
        fba_stock.return_units(self.store, state, item.sku, 1, condition == "Sellable")
        self.book.save(state, order, when)
        self.book.publish(state, order, when, "Return", returned=item)

    # -- helpers --------------------------------------------------------------------------

    def _short(self, state: SellerState, order: FulfillmentOrder) -> bool:
        needed: Counter[str] = Counter()
        for item in order.items:
            needed[item.sku] += item.waiting
        return any(fba_stock.sellable(state, sku) < units for sku, units in needed.items())

    def _reserve(self, state: SellerState, order: FulfillmentOrder) -> None:
        for item in order.items:
            if item.waiting > 0:
                item.reserved += fba_stock.reserve(self.store, state, item.sku, item.waiting,
                                                   "mcf reserved")

    def _finish(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        shipped = sum(item.shipped for item in order.items)
        quantity = sum(item.quantity for item in order.items)
        status = COMPLETE if shipped == quantity else PARTIAL if shipped else UNFULFILLABLE
        self._end(state, order, status, when)

    def _end(self, state: SellerState, order: FulfillmentOrder, status: str,
             when: float) -> None:
        self.book.schedule(state, order, None, None)
        self.book.set_status(order, status, when)
        self.book.save(state, order, when)
        self.book.publish(state, order, when)

    def _make_shipments(self, state: SellerState, order: FulfillmentOrder, when: float,
                        ship_at: float) -> list[Shipment]:
        """Shipments for the reserved units not in a shipment yet: from one fulfillment center,
        or (a seeded share of orders of several SKUs) two; packages of up to ten units."""
        pending: Counter[str] = Counter()
        for shipment in order.shipments:
            if shipment.status == PENDING:
                for _, item_id, quantity, _ in shipment.items:
                    pending[item_id] += quantity
        lines = [(item, item.reserved - pending[item.item_id]) for item in order.items
                 if item.reserved > pending[item.item_id]]
        if not lines:
            return []
        rnd = self.book.draw(state, order, "shipments")
        market = marketplace(order.marketplace_id)
        country = market.country if market is not None else "US"
        groups = [lines]
        if len(lines) > 1 and rnd.random() < SPLIT_SHARE:
            groups = [lines[: len(lines) // 2], lines[len(lines) // 2:]]
        places = centers.pick(rnd, country, len(groups))
        block_amzl = any(f.get("featureName") == "BLOCK_AMZL"
                         and f.get("featureFulfillmentPolicy") == "Required"
                         for f in order.features)
        options = carriers.carriers_for(order.address.get("countryCode", country), block_amzl)
        made = []
        for index, group in enumerate(groups):
            center = places[index % len(places)]
            carrier = rnd.choice(options)[0]
            units = sum(quantity for _, quantity in group)
            packages = [self._package(state, rnd, carrier)
                        for _ in range(-(-units // UNITS_PER_PACKAGE))]
            items, filled = [], 0
            for item, quantity in group:
                package = packages[min(filled // UNITS_PER_PACKAGE, len(packages) - 1)]
                items.append((item.sku, item.item_id, quantity, package.number))
                filled += quantity
            shipment = Shipment(
                shipment_id="D" + "".join(rnd.choices(MIXED_ALNUM, k=8)),
                center=center.warehouse_id, status=PENDING, items=items, packages=packages,
                ship_date=ship_at, arrival=timeline.arrival_window(order.speed, ship_at)[1])
            order.shipments.append(shipment)
            index_of = len(order.shipments) - 1
            for package in packages:
                self.book.packages(state)[package.number] = (order.order_id, index_of)
            made.append(shipment)
        return made

    def _package(self, state: SellerState, rnd: random.Random, carrier: str) -> Package:
        return Package(number=self.book.package_number(state, rnd), carrier=carrier,
                       tracking_number=carriers.tracking_number(carrier, rnd),
                       outcome=carriers.outcome(rnd))

    def _book_fees(self, state: SellerState, order: FulfillmentOrder, shipment: Shipment,
                   when: float) -> None:
        market = state.market(order.marketplace_id) or state.markets[0]
        currency = market.currency
        first = shipment is next(s for s in order.shipments if s.status == SHIPPED)
        weight = 0.0
        for line, (sku, _, quantity, _) in enumerate(shipment.items):
            listing = state.listings.get(sku)
            item = state.catalog.get(listing.asin) if listing is not None else None
            weight += (item.weight_lb if item is not None else 1.0) * quantity
            unit = fees.mcf_unit_fee(item, order.speed, currency)
            service_fees.book(self.store, state, service_fees.FeeBooking(
                fee_id=f"mcf/{order.order_id}/{shipment.shipment_id}/{line}", posted=when,
                marketplace_id=market.id, currency=currency, reason=FEE_REASON,
                description=f"Multi-Channel Fulfillment, {quantity} unit(s) of {sku}",
                fees=[("FBAPerUnitFulfillmentFee", -unit * quantity)],
                order_id=order.order_id, sku=sku,
                fnsku=listing.fnsku if listing is not None else None,
                asin=listing.asin if listing is not None else None))
        charges = [("FBATransportationFee", -fees.mcf_transport_fee(weight, currency))]
        if first:
            charges.insert(0, ("FBAPerOrderFulfillmentFee",
                               -fees.mcf_order_fee(order.speed, currency)))
        service_fees.book(self.store, state, service_fees.FeeBooking(
            fee_id=f"mcf/{order.order_id}/{shipment.shipment_id}/order", posted=when,
            marketplace_id=market.id, currency=currency, reason=FEE_REASON,
            description=f"Multi-Channel Fulfillment, shipment {shipment.shipment_id}",
            fees=charges, order_id=order.order_id))


def _amazon_reason(seller_reason: str) -> str:
    """Amazon's own code for a return reason (the seller's code without its prefix)."""
    for prefix in ("CR-", "AMZ-PG-"):
        if seller_reason.startswith(prefix):
            return seller_reason[len(prefix):]
    return "UNKNOWN_OTHER_REASON"

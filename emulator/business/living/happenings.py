"""What each scenario event does to a seller's business, through the same moves as the APIs
(`business/order_moves.py`): an order arrives and takes stock, an order moves on its plan,
competitors reprice an ASIN, the restock review sends units to Amazon, an inbound lot moves a
stage, a settlement period closes. Every draw comes from `Randomness.derive` keyed by the
seller and the event, so the outcome depends on the state it meets, never on when it ran.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from emulator.business import fba_stock, order_moves
from emulator.business.entities import InboundLot, Listing, Order
from emulator.business.living import plan
from emulator.business.scenario import SellerShape
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events
from emulator.runtime.events import Event


@dataclass
class Seller:
    """What the happenings of one seller need besides its state."""

    store: StateStore
    state: SellerState
    shape: SellerShape

    def derive(self, *parts: object) -> random.Random:
        return self.store.randomness.derive("living", parts[0], self.state.seller_id, *parts[1:])

    @property
    def now(self) -> float:
        return self.store.now()


# -- orders ---------------------------------------------------------------------------------------


def arrive(seller: Seller, key: str) -> Order | None:
    """A buyer orders: one to three of the seller's buyable listings with stock (whoever
    created them), in one marketplace, all FBA or all merchant-fulfilled; nothing when nothing
    is in stock."""
    state, store, shape = seller.state, seller.store, seller.shape
    rnd = seller.derive("arrival", key)
    maker = state.maker
    markets = state.markets
    market = markets[0] if len(markets) == 1 or rnd.random() < 0.8 else rnd.choice(markets[1:])

    def sellable(listing: Listing) -> bool:
        return ("BUYABLE" in listing.status.get(market.id, ()) and market.id in listing.prices
                and order_moves.available(state, listing) > 0)

    # Every listing as it stands now: those the client created too, none it deleted.
    pool = list(state.listings.values())
    first = _pick(rnd, pool, sellable)
    if first is None:
        store.note(state, "order", "-", f"no sale in {market.id}: nothing in stock")
        return None
    chosen = [first]
    if rnd.random() < shape.multi_item_share:
        for _ in range(rnd.randint(1, 2)):
            other = _pick(rnd, pool, lambda x: x.fulfillment == first.fulfillment
                          and all(x is not c for c in chosen) and sellable(x))
            if other is not None:
                chosen.append(other)
    lines: list[tuple[Listing, int]] = []
    for listing in chosen:
        wanted = 1 if rnd.random() < 0.85 else rnd.randint(2, 3)
        lines.append((listing, min(wanted, order_moves.available(state, listing))))
    now = seller.now
    order = replace(maker, rnd=rnd).make(now, now, market=market, lines=lines,
                                         status="Pending")
    state.add_order(order)
    for listing, quantity in lines:
        order_moves.take_stock(store, state, listing, quantity, now)
    store.changed(state, "order", order.order_id, order, events.ORDER_CREATED,
                  {"order_id": order.order_id, "status": order.status, "change": "new order"})
    return order


def _pick(rnd: random.Random, listings: list[Listing],
          wanted: Callable[[Listing], bool]) -> Listing | None:
    """A listing drawn evenly among those `wanted`: a few blind draws first (most listings
    are wanted; this keeps a busy seller's arrivals cheap), then a draw among all wanted."""
    for _ in range(12 if listings else 0):
        listing = rnd.choice(listings)
        if wanted(listing):
            return listing
    found = [x for x in listings if wanted(x)]
    return rnd.choice(found) if found else None


def applies(order: Order, move: str, shape: SellerShape) -> bool:
    """Whether a step of an order's plan still applies to the order as it is: a client may
    have shipped, cancelled, returned or refunded it meanwhile."""
    status = order.status
    if move == plan.PAY:
        return status == "Pending"
    if move == plan.SHIP:
        return status in ("Unshipped", "PartiallyShipped") and (
            order.fulfillment == "AFN" or shape.mfn_shipped_by == "scenario")
    if move in (plan.CANCEL, plan.AUTO_CANCEL):
        return status in ("Pending", "Unshipped")
    if move == plan.LATE:
        return status in ("Unshipped", "PartiallyShipped")
    if move == plan.DELIVER:
        return any(s.delivered is None for s in order.shipments)
    if move == plan.RETURN:
        returned = sum(r.quantity for r in order.returns or ())
        return not order.refunded and order.units_shipped > returned
    if move == plan.REFUND:
        return bool(order.units_shipped) and not order.refunded
    return False


def move_order(seller: Seller, order_id: str, move: str) -> None:
    """One step of an order's plan, when it still applies to the order as it is now."""
    state, store, shape = seller.state, seller.store, seller.shape
    order = state.orders.get(order_id)
    if order is None or not applies(order, move, shape):
        return
    now = seller.now
    if move == plan.PAY:
        order_moves.pay(store, state, order, now)
    elif move == plan.SHIP:
        order_moves.ship(store, state, order, now, seller.derive("ship", order_id))
    elif move == plan.CANCEL:
        order_moves.cancel(store, state, order, now, "buyer")
    elif move == plan.LATE:
        store.note(state, "order", order_id, "late: not shipped by LatestShipDate")
    elif move == plan.AUTO_CANCEL:
        order_moves.cancel(store, state, order, now, "amazon",
                           f"cancelled by Amazon: not shipped {shape.mfn_auto_cancel_days} "
                           "business days after LatestShipDate")
    elif move == plan.DELIVER:
        order_moves.deliver(store, state, order, now)
    elif move == plan.RETURN:
        order_moves.return_items(store, state, order, now, seller.derive("return", order_id),
                                 shape.return_sellable_share)
    elif move == plan.REFUND:
        order_moves.refund(store, state, order, now)


# -- the rest of the business ---------------------------------------------------------------------


def reprice(seller: Seller, moves: dict[str, int], asin: str) -> None:
    """Competitors reprice an ASIN (its offers are now those of the next move): every
    marketplace the seller offers it in hears of it (ANY_OFFER_CHANGED, External)."""
    state, store = seller.state, seller.store
    moves[asin] = moves.get(asin, 0) + 1
    store.note(state, "offers", asin, "competitors repriced")
    for listing in [x for x in state.listings.values() if x.asin == asin]:
        for market_id in listing.prices:
            store.events.publish(Event(events.PRICE_CHANGED, state.seller_id, seller.now, {
                "sku": listing.sku, "asin": asin, "marketplaceId": market_id,
                "offerChangeType": "External"}))


def review_stock(seller: Seller, day: int) -> list[InboundLot]:
    """The morning review: FBA SKUs running low with nothing on the way get a shipment to
    Amazon (`restock_share` of them), which arrives over `restock_days`; when the scenario
    plays the merchant, low merchant-fulfilled listings are topped up at once."""
    state, store, shape = seller.state, seller.store, seller.shape
    rnd = seller.derive("restock", day)
    now = seller.now
    lots = []
    for sku in sorted(state.inventory):
        record = state.inventory[sku]
        on_the_way = record.inbound_working + record.inbound_shipped + record.inbound_receiving
        if record.fulfillable >= shape.restock_below or on_the_way or state.listings.get(
                sku) is None or rnd.random() >= shape.restock_share:
            continue
        quantity = rnd.randint(30, 200)
        total = max(shape.restock_days, 0.1) * plan.DAY
        times = [now + rnd.uniform(0.1, 0.25) * total, now + rnd.uniform(0.5, 0.75) * total,
                 now + rnd.uniform(0.9, 1.0) * total]
        store.note(state, "inventory", sku, f"restock: {quantity} units sent to Amazon")
        fba_stock.inbound_working(store, state, sku, quantity)
        lots.append(InboundLot(f"{day:05d}/{sku}", sku, quantity, 0, times))
    if shape.mfn_shipped_by == "scenario":
        for listing in sorted(state.listings.values(), key=lambda x: x.sku):
            if (listing.fulfillment == "MFN" and listing.quantity < shape.restock_below
                    and rnd.random() < shape.restock_share):
                order_moves.set_quantity(store, state, listing,
                                         listing.quantity + rnd.randint(20, 100), now)
    return lots


def advance_lot(seller: Seller, lot: InboundLot) -> None:
    """An inbound lot moves a stage: shipped, being received, then received (fulfillable)."""
    state, store = seller.state, seller.store
    stage = lot.stage
    lot.stage += 1
    lot.times.pop(0)
    if stage == 0:
        fba_stock.inbound_shipped(store, state, lot.sku, lot.quantity)
    elif stage == 1:
        fba_stock.inbound_receiving(store, state, lot.sku, lot.quantity)
    else:
        fba_stock.inbound_received(store, state, lot.sku, lot.quantity, 0, 0)


def close_settlement(seller: Seller, close: float) -> None:
    """A settlement period closes (its report follows, made by the reports family)."""
    state, store = seller.state, seller.store
    store.note(state, "settlement", str(int(close)), "settlement period closed")
    store.events.publish(Event(events.SETTLEMENT_CLOSED, state.seller_id, close,
                               {"period_end": close}))

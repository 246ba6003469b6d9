"""How an order moves, with everything that follows from it: stock taken when the order comes
and given back when it is cancelled, payment clearing, shipment (by Amazon for FBA orders: the
units leave the fulfillment network; by the seller for merchant-fulfilled ones), delivery,
returns (FBA units back as sellable or unfulfillable) and refunds.

Each move changes the record (`order_records`, `generate.ship`), moves LastUpdateDate to its
time and publishes its event through `store.changed`, so notifications, finances and reports
follow. FBA units move through `fba_stock`, a merchant's shipment through `fulfillment` (the
one rule every way of shipping an MFN order takes). The Orders APIs, the control plane and
the living store all move orders through here; the callers check that a move applies (the
functions here assume it does).
"""

from __future__ import annotations

import random

from emulator.business import fba_stock, fulfillment, generate, order_records
from emulator.business.entities import Listing, Order, ReturnedItem, Shipment
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events

# -- stock ---------------------------------------------------------------------------------------


def units(count: int) -> str:
    return f"{count} unit" if count == 1 else f"{count} units"


def available(state: SellerState, listing: Listing) -> int:
    """Units a buyer can order now: FBA fulfillable units, or the merchant's quantity."""
    if listing.fulfillment == "AFN":
        record = state.inventory.get(listing.sku)
        return record.fulfillable if record else 0
    return listing.quantity


def take_stock(store: StateStore, state: SellerState, listing: Listing, quantity: int,
               when: float) -> None:
    """An order takes units: FBA fulfillable to reserved, or the merchant's quantity (a
    listing with none left stops being buyable)."""
    if listing.fulfillment == "AFN":
        fba_stock.reserve(store, state, listing.sku, quantity,
                          f"{units(quantity)} reserved for an order")
        return
    set_quantity(store, state, listing, listing.quantity - quantity, when,
                 f"{units(quantity)} ordered")


def set_quantity(store: StateStore, state: SellerState, listing: Listing, quantity: int,
                 when: float, why: str | None = None) -> None:
    """A merchant-fulfilled listing's quantity; at 0 it is no longer buyable, and buyable
    again when units come back (unless an error issue keeps it out)."""
    store.prepare(state, "listing", listing.sku)
    listing.quantity = max(0, quantity)
    listing.updated = when
    # The Listings rules' BUYABLE: priced, in stock and free of errors.
    clean = not any(issue.severity == "ERROR" for issue in listing.issues)
    for market_id, status in listing.status.items():
        buyable = clean and listing.quantity > 0 and market_id in listing.prices
        if not buyable and "BUYABLE" in status:
            listing.status[market_id] = [s for s in status if s != "BUYABLE"]
        elif buyable and "BUYABLE" not in status:
            listing.status[market_id] = ["BUYABLE", *status]
    for entry in listing.attributes.get("fulfillment_availability", []):
        if isinstance(entry, dict) and entry.get("fulfillment_channel_code") == "DEFAULT":
            entry["quantity"] = listing.quantity
    store.changed(state, "listing", listing.sku, listing, events.LISTING_CHANGED,
                  {"sku": listing.sku, "quantity": listing.quantity,
                   "change": why or f"quantity {listing.quantity}"})


def release_stock(store: StateStore, state: SellerState, order: Order, when: float) -> None:
    """A cancelled order gives its unshipped units back: FBA reserved to fulfillable, the
    merchant's quantity up again."""
    for item in order.items:
        listing = state.listings.get(item.sku)
        unshipped = item.quantity - item.shipped
        if listing is None or unshipped == 0:
            continue
        if listing.fulfillment == "AFN":
            fba_stock.release(store, state, item.sku, unshipped,
                              f"{units(unshipped)} released by a cancellation")
        else:
            set_quantity(store, state, listing, listing.quantity + unshipped, when,
                         f"{units(unshipped)} back from a cancellation")


def ship_out(store: StateStore, state: SellerState, order: Order, shipment: Shipment,
             when: float) -> None:
    """Amazon shipped an FBA package: its units leave the reserved stock (and the network)."""
    if order.fulfillment != "AFN":
        return
    by_id = {item.order_item_id: item for item in order.items}
    for item_id, quantity in shipment.items:
        item = by_id.get(item_id)
        if item is not None:
            fba_stock.ship_reserved(store, state, item.sku, quantity,
                                    f"{units(quantity)} shipped to a buyer")


# -- moves ---------------------------------------------------------------------------------------


changed = fulfillment.order_changed  # an order's change published (ORDER_CHANGE follows)


def pay(store: StateStore, state: SellerState, order: Order, when: float) -> None:
    store.prepare(state, "order", order.order_id)
    if order_records.pay(order, when):
        changed(store, state, order, "payment cleared")


def ship(store: StateStore, state: SellerState, order: Order, when: float,
         rnd: random.Random, *, carrier: str | None = None, tracking: str | None = None,
         items: list[tuple[str, int]] | None = None, method: str | None = None,
         why: str | None = None) -> Shipment:
    """Ships `items` (default: every unshipped unit): Amazon's package for an FBA order (its
    units leave the network), the seller's for a merchant-fulfilled one (through the one
    shipping rule, `fulfillment.ship_items`, which refuses what cannot ship)."""
    store.prepare(state, "order", order.order_id)
    carrier = carrier or rnd.choice(generate.CARRIERS)
    tracking = tracking or "".join(rnd.choices("0123456789", k=12))
    if order.fulfillment == "MFN":
        return fulfillment.ship_items(store, state, order, carrier=carrier,
                                      tracking_number=tracking, ship_date=when, items=items,
                                      method=method, why=why or "shipped by the seller")
    shipment = generate.ship(order, when, carrier, tracking, rnd, items, method)
    ship_out(store, state, order, shipment, when)
    changed(store, state, order, why or "shipped by Amazon")
    return shipment


def cancel(store: StateStore, state: SellerState, order: Order, when: float, by: str,
           why: str | None = None) -> None:
    """Cancels an order that has not shipped in full; its unshipped units come back."""
    store.prepare(state, "order", order.order_id)
    order_records.cancel(order, when, by)
    release_stock(store, state, order, when)
    changed(store, state, order, why or f"cancelled by the {by}")


def deliver(store: StateStore, state: SellerState, order: Order, when: float) -> None:
    store.prepare(state, "order", order.order_id)
    if order_records.deliver(order, when):
        changed(store, state, order, "delivered")


def return_items(store: StateStore, state: SellerState, order: Order, when: float,
                 rnd: random.Random, sellable_share: float,
                 items: list[tuple[str, int]] | None = None, disposition: str | None = None,
                 reason: str | None = None) -> list[ReturnedItem]:
    """The buyer sent units back: recorded on the order (the FBA returns report lists them);
    FBA units go back to the seller's inventory, sellable or unfulfillable."""
    store.prepare(state, "order", order.order_id)
    made = order_records.add_returns(order, when, rnd, sellable_share, items, disposition,
                                     reason)
    if order.fulfillment == "AFN":
        for entry in made:
            fba_stock.return_units(store, state, entry.sku, entry.quantity,
                                   entry.disposition == "SELLABLE")
    if made:
        changed(store, state, order, "returned")
    return made


def refund(store: StateStore, state: SellerState, order: Order, when: float) -> None:
    """Refunds the order: a refund event posts in Finances at `when`."""
    store.prepare(state, "order", order.order_id)
    if order_records.refund(order, when):
        changed(store, state, order, "refunded")

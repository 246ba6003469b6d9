"""Moving units through the seller's FBA stock: the movements several families make
(Multi-Channel Fulfillment orders reserve and ship units, returns bring them back, Send to
Amazon shipments go inbound and are received), each a small function that moves units
between the quantities of one SKU's record and publishes the change.

Units are conserved: what leaves one quantity enters another or leaves the network (shipped
to a buyer). A movement never drives a quantity below zero: it moves what is there and says
how much that was. Every change moves the record's `updated` to the emulator clock and is
published as INVENTORY_CHANGED (FBA Inventory summaries, FBA_INVENTORY_AVAILABILITY_CHANGES).
"""

from __future__ import annotations

from emulator.business.entities import Inventory
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events

UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def sellable(state: SellerState, sku: str) -> int:
    """Units of `sku` that can be sold or sent now (fulfillable)."""
    record = state.inventory.get(sku)
    return record.fulfillable if record is not None else 0


def _changed(store: StateStore, state: SellerState, record: Inventory, change: str) -> None:
    record.updated = store.now()  # the clock's, or the living store's event time
    store.changed(state, "inventory", record.sku, record, events.INVENTORY_CHANGED,
                  {"sku": record.sku, "fulfillable": record.fulfillable, "change": change})


def _move(store: StateStore, state: SellerState, sku: str, quantity: int, source: str,
          target: str | None, change: str) -> int:
    """Up to `quantity` units of a SKU from one quantity to another (None: out of the
    network); returns the units moved."""
    store.prepare(state, "inventory", sku)
    record = state.inventory.get(sku)
    moved = min(quantity, getattr(record, source)) if record is not None else 0
    if record is not None and moved > 0:
        setattr(record, source, getattr(record, source) - moved)
        if target is not None:
            setattr(record, target, getattr(record, target) + moved)
        _changed(store, state, record, change)
    return moved


def reserve(store: StateStore, state: SellerState, sku: str, quantity: int,
            change: str = "reserved") -> int:
    """Fulfillable to reserved for a customer order; returns the units reserved."""
    return _move(store, state, sku, quantity, "fulfillable", "reserved_customer_order", change)


def release(store: StateStore, state: SellerState, sku: str, quantity: int,
            change: str = "released") -> int:
    """Reserved back to fulfillable (an order cancelled before it shipped)."""
    return _move(store, state, sku, quantity, "reserved_customer_order", "fulfillable", change)


def ship_reserved(store: StateStore, state: SellerState, sku: str, quantity: int,
                  change: str = "shipped") -> int:
    """Reserved units leave the network: they shipped to the buyer."""
    return _move(store, state, sku, quantity, "reserved_customer_order", None, change)


def return_units(store: StateStore, state: SellerState, sku: str, quantity: int,
                 sellable_condition: bool) -> None:
    """Returned units received at a fulfillment center: sellable ones become fulfillable,
    the others unfulfillable (damaged, defective)."""
    record = _record_for(store, state, sku)
    if record is None or quantity <= 0:
        return
    if sellable_condition:
        record.fulfillable += quantity
    else:
        record.unfulfillable += quantity
    _changed(store, state, record, "returned")


# -- inbound ---------------------------------------------------------------------------------

def inbound_working(store: StateStore, state: SellerState, sku: str, quantity: int) -> None:
    """Units of a confirmed inbound shipment that has not left the seller yet."""
    record = _record_for(store, state, sku)
    if record is not None and quantity > 0:
        record.inbound_working += quantity
        _changed(store, state, record, "inbound working")


def cancel_inbound_working(store: StateStore, state: SellerState, sku: str,
                           quantity: int) -> None:
    """A cancelled inbound shipment's units never come."""
    _move(store, state, sku, quantity, "inbound_working", None, "inbound cancelled")


def inbound_shipped(store: StateStore, state: SellerState, sku: str, quantity: int) -> None:
    """Working to shipped: the carrier has the boxes."""
    _move(store, state, sku, quantity, "inbound_working", "inbound_shipped", "inbound shipped")


def inbound_receiving(store: StateStore, state: SellerState, sku: str, quantity: int) -> None:
    """Shipped to receiving: the boxes were checked in at the fulfillment center."""
    _move(store, state, sku, quantity, "inbound_shipped", "inbound_receiving",
          "inbound receiving")


def inbound_received(store: StateStore, state: SellerState, sku: str, sellable_units: int,
                     damaged: int, missing: int) -> None:
    """Receiving ends: sellable units become fulfillable, damaged ones unfulfillable, and
    missing ones go to researching (Amazon investigates units it expected and did not find)."""
    store.prepare(state, "inventory", sku)
    record = state.inventory.get(sku)
    if record is None:
        return
    expected = sellable_units + damaged + missing
    taken = min(expected, record.inbound_receiving)
    if taken <= 0:
        return
    # Should receiving hold fewer units than expected, the shortfall counts as missing.
    missing -= expected - taken
    if missing < 0:
        sellable_units += missing
        missing = 0
    record.inbound_receiving -= taken
    record.fulfillable += max(0, sellable_units)
    record.unfulfillable += damaged
    record.researching += missing
    _changed(store, state, record, "inbound received")


def _record_for(store: StateStore, state: SellerState, sku: str) -> Inventory | None:
    """The SKU's FBA record, made empty for an FBA listing that has none yet (an inbound
    shipment is how a new FBA SKU gets its first units). Prepared for a change."""
    store.prepare(state, "inventory", sku)
    record = state.inventory.get(sku)
    if record is not None:
        return record
    listing = state.listings.get(sku)
    if listing is None or listing.fulfillment != "AFN":
        return None
    fnsku = listing.fnsku or fnsku_for(store, state, sku)
    record = Inventory(sku=sku, asin=listing.asin, fnsku=fnsku, condition="NewItem",
                       fulfillable=0, inbound_working=0, inbound_shipped=0,
                       inbound_receiving=0, reserved_customer_order=0,
                       reserved_transshipment=0, reserved_fc_processing=0, unfulfillable=0,
                       researching=0, updated=store.now())
    state.inventory[sku] = record
    return record


def fnsku_for(store: StateStore, state: SellerState, sku: str) -> str:
    """The FNSKU of an FBA listing that has none recorded: seeded by seller and SKU."""
    rnd = store.randomness.derive("fnsku", state.seller_id, sku)
    return "X00" + "".join(rnd.choices(UPPER_ALNUM, k=7))

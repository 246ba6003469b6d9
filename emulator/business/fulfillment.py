"""Shipping a merchant-fulfilled order's items: the one rule every way of shipping goes
through (Orders confirmShipment, a Buy Shipping label, an Amazon-channel Shipping v2 label,
the order fulfillment feeds).

The named units (default: every unshipped unit) are recorded as one package with its
carrier, tracking number, ship date and method; the order becomes Shipped, or
PartiallyShipped while units remain; LastUpdateDate moves to the emulator clock and the change
is published (ORDER_CHANGE notifications follow). Inventory is not touched: a
merchant-fulfilled order took its listing's quantity when it was placed.
"""

from __future__ import annotations

from emulator.business.entities import Order, Shipment
from emulator.business.generate import ship
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events

SHIPPABLE = ("Unshipped", "PartiallyShipped")
ALREADY_FULFILLED = ("Failed to create package due to not finding a matching package or "
                     "order already fulfilled.")  # Amazon's words (models#5037)


class OrderError(ValueError):
    """A change the order's state does not allow; `code` is SP-API's error code."""

    def __init__(self, message: str, code: str = "InvalidInput", status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def check_shippable(order: Order) -> None:
    """Refuses an order the seller cannot ship: not merchant-fulfilled, or not waiting to
    ship (Pending, Shipped, Canceled...)."""
    if order.fulfillment != "MFN":
        raise OrderError("Only merchant-fulfilled orders can be confirmed by the seller.")
    if order.status == "Shipped":
        raise OrderError(ALREADY_FULFILLED)
    if order.status not in SHIPPABLE:
        raise OrderError(f"The order is {order.status}; only Unshipped or PartiallyShipped "
                         "orders can be confirmed.")


def unshipped_units(order: Order, items: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """`items` with each order item's quantities summed, checked against what is unshipped."""
    if not items:
        raise OrderError("A package must contain at least one order item.")
    by_id = {i.order_item_id: i for i in order.items}
    wanted: dict[str, int] = {}
    for item_id, quantity in items:
        if item_id not in by_id:
            raise OrderError(f"Invalid orderItemId '{item_id}' for this order.")
        if quantity < 1:
            raise OrderError(f"Quantity {quantity} of order item {item_id} must be at least 1.")
        wanted[item_id] = wanted.get(item_id, 0) + quantity
    for item_id, quantity in wanted.items():
        item = by_id[item_id]
        if quantity > item.quantity - item.shipped:
            raise OrderError(f"Quantity {quantity} exceeds the {item.quantity - item.shipped} "
                             f"unshipped units of order item {item_id}.")
    return list(wanted.items())


def ship_items(store: StateStore, state: SellerState, order: Order, *, carrier: str,
               tracking_number: str, ship_date: float, items: list[tuple[str, int]] | None,
               method: str | None = None, package_reference_id: str | None = None,
               why: str = "shipment confirmed") -> Shipment:
    """Ships `items` (None: every unshipped unit) as one package; refuses (OrderError) an
    order that cannot ship them, changing nothing."""
    check_shippable(order)
    store.prepare(state, "order", order.order_id)
    units = unshipped_units(order, items) if items is not None else None
    shipment = ship(order, max(ship_date, order.purchase_date), carrier, tracking_number,
                    state.maker.rnd, units, method)
    if package_reference_id is not None:
        shipment.package_reference_id = package_reference_id
    order.last_update = store.now()  # the clock's, or the living store's event time
    order_changed(store, state, order, why)
    return shipment


def order_changed(store: StateStore, state: SellerState, order: Order, why: str) -> None:
    """Records and publishes a change of an order (its state file record, ORDER_CHANGE)."""
    store.changed(state, "order", order.order_id, order, events.ORDER_CHANGED,
                  {"order_id": order.order_id, "status": order.status, "change": why})

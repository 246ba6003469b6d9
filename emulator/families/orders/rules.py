"""Orders: the rules of how orders come and change. Plain Python over the store.

New orders take inventory (FBA: fulfillable to reserved; merchant-fulfilled: the listing's
quantity); confirming a shipment ships the named units and moves the order to Shipped or
PartiallyShipped; in-store pickup orders move with the buyer's visit (update_pickup); every
change moves LastUpdateDate to the emulator clock and is published.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Shipping an order is the business core's rule (every way of shipping goes through it);
# its refusals are the orders' refusals (OrderError).
from emulator.business import fulfillment, order_moves
from emulator.business.entities import Listing, Order
from emulator.business.fulfillment import OrderError
from emulator.business.fulfillment import order_changed as _mark
from emulator.business.fulfillment import unshipped_units as _unshipped_units
from emulator.business.generate import ship
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events

# Orders v0 statuses a seller (or the control plane) may move an order to.
STATUSES = ("Pending", "Unshipped", "PartiallyShipped", "Shipped", "Canceled", "Unfulfillable",
            "InvoiceUnconfirmed", "PendingAvailability")


@dataclass(frozen=True)
class NewOrder:
    """What `POST /_emulator/orders` asks for; every field has a sensible default."""

    marketplace_id: str | None = None
    lines: tuple[tuple[str, int], ...] = ()  # (sku, quantity); default: one random listing
    status: str | None = None  # default: Pending
    fulfillment: str | None = None  # MFN | AFN, to pick the default listing
    is_ispu: bool = False  # an in-store pickup order (merchant-fulfilled, from a store)


def parse_new_order(data: dict[str, Any]) -> NewOrder:
    """Read a control-plane order spec; raises OrderError naming the bad field."""
    known = {"seller_id", "marketplace_id", "items", "status", "fulfillment", "is_ispu"}
    unknown = set(data) - known
    if unknown:
        raise OrderError(f"unknown field(s) {sorted(unknown)}; known: {sorted(known)}")
    lines: list[tuple[str, int]] = []
    for index, item in enumerate(data.get("items") or []):
        if not isinstance(item, dict) or not isinstance(item.get("sku"), str):
            raise OrderError(f"items[{index}]: expected {{\"sku\": …, \"quantity\": …}}")
        quantity = item.get("quantity", 1)
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
            raise OrderError(f"items[{index}].quantity: a whole number >= 1")
        lines.append((item["sku"], quantity))
    status = data.get("status")
    if status is not None and status not in ("Pending", "Unshipped", "Shipped", "Canceled"):
        raise OrderError("status: one of Pending, Unshipped, Shipped, Canceled")
    fulfillment = data.get("fulfillment")
    if fulfillment is not None and fulfillment not in ("MFN", "AFN"):
        raise OrderError("fulfillment: MFN or AFN")
    marketplace_id = data.get("marketplace_id")
    if marketplace_id is not None and not isinstance(marketplace_id, str):
        raise OrderError("marketplace_id: a string")
    is_ispu = data.get("is_ispu", False)
    if not isinstance(is_ispu, bool):
        raise OrderError("is_ispu: true or false")
    if is_ispu and fulfillment == "AFN":
        raise OrderError("is_ispu: in-store pickup orders are merchant-fulfilled (MFN)")
    return NewOrder(marketplace_id, tuple(lines), status, fulfillment, is_ispu)


def create_order(store: StateStore, state: SellerState, spec: NewOrder) -> Order:
    """A new order placed now, with the requested lines (or a buyable listing), taking
    inventory; published as ORDER_CREATED."""
    market = state.markets[0]
    if spec.marketplace_id is not None:
        found = state.market(spec.marketplace_id)
        if found is None:
            raise OrderError(f"seller {state.seller_id} does not sell in {spec.marketplace_id}")
        market = found
    lines = [(_listing(state, sku), quantity) for sku, quantity in spec.lines]
    channel = "MFN" if spec.is_ispu else spec.fulfillment
    if not lines:
        # The generated offers as the listings stand now (a restore replaces the records).
        current = [state.listings[x.sku] for x in state.maker.listings if x.sku in state.listings]
        candidates = [x for x in current
                      if channel in (None, x.fulfillment) and _available(state, x) > 0]
        if not candidates:
            raise OrderError(f"seller {state.seller_id} has no listing with stock to order")
        lines = [(state.maker.rnd.choice(candidates), 1)]
    fulfillments = {listing.fulfillment for listing, _ in lines}
    if len(fulfillments) > 1:
        raise OrderError("an order's items are all FBA (AFN) or all merchant-fulfilled (MFN)")
    if spec.is_ispu and fulfillments != {"MFN"}:
        raise OrderError("is_ispu: in-store pickup orders are merchant-fulfilled (MFN)")
    for listing, quantity in lines:
        if _available(state, listing) < quantity:
            raise OrderError(f"SKU {listing.sku} has {_available(state, listing)} units "
                             f"available, {quantity} ordered")
    now = store.clock.now()
    order = state.maker.make(now, now, market=market, lines=lines,
                             status=spec.status or "Pending")
    if spec.is_ispu:
        order.is_ispu = True
        order.store_chain_store_id = f"STORE-{state.maker.rnd.randrange(10**4):04d}"
    store.prepare(state, "order", order.order_id)
    state.add_order(order)
    if order.status != "Canceled":
        for listing, quantity in lines:
            _take_stock(store, state, listing, quantity)
        for shipment in order.shipments:  # created as Shipped: its FBA units have left
            order_moves.ship_out(store, state, order, shipment, now)
    store.changed(state, "order", order.order_id, order, events.ORDER_CREATED,
                  {"order_id": order.order_id, "status": order.status})
    return order


def _listing(state: SellerState, sku: str) -> Listing:
    listing = state.listings.get(sku)
    if listing is None:
        raise OrderError(f"seller {state.seller_id} has no listing with SKU {sku!r}")
    return listing


def _available(state: SellerState, listing: Listing) -> int:
    return order_moves.available(state, listing)


def _take_stock(store: StateStore, state: SellerState, listing: Listing, quantity: int) -> None:
    order_moves.take_stock(store, state, listing, quantity, store.clock.now())


def find(state: SellerState, order_id: str) -> Order:
    order = state.orders.get(order_id)
    if order is None:
        raise OrderError(f"Invalid orderId '{order_id}'.", code="NotFound", status=404)
    return order


def confirm_shipment(store: StateStore, state: SellerState, order: Order, *,
                     package_reference_id: str, carrier: str, tracking_number: str,
                     ship_date: float, items: list[tuple[str, int]],
                     method: str | None = None) -> None:
    """Orders v0 confirmShipment: ships the named units of a merchant-fulfilled order, or
    corrects a package confirmed before (Amazon lets sellers edit shipped packages: the same
    packageReferenceId gets the new carrier, tracking number, ship date and method)."""
    if order.fulfillment != "MFN":
        raise OrderError("Only merchant-fulfilled orders can be confirmed by the seller.")
    store.prepare(state, "order", order.order_id)
    confirmed = next((s for s in order.shipments
                      if s.package_reference_id == package_reference_id), None)
    if confirmed is not None:
        confirmed.carrier, confirmed.tracking_number = carrier, tracking_number
        confirmed.ship_date = max(ship_date, order.purchase_date)
        confirmed.ship_method = method or confirmed.ship_method
        order.last_update = store.clock.now()
        _mark(store, state, order, "shipment corrected")
        return
    # A new package for a fulfilled order gets Amazon's words for a package that matches none
    # of the order's packages (fulfillment.ALREADY_FULFILLED).
    fulfillment.ship_items(store, state, order, carrier=carrier, tracking_number=tracking_number,
                           ship_date=ship_date, items=items, method=method,
                           package_reference_id=package_reference_id)


def set_status(store: StateStore, state: SellerState, order: Order, status: str) -> None:
    """Moves an order to `status` (control plane and lifecycle rules), now."""
    if status not in STATUSES:
        raise OrderError(f"Unknown order status {status!r}; one of {', '.join(STATUSES)}.")
    if status == order.status:
        return
    if order.status in ("Shipped", "Canceled") and status != "Shipped":
        raise OrderError(f"A {order.status} order cannot become {status}.")
    store.prepare(state, "order", order.order_id)
    now = store.clock.now()
    if status == "Shipped":
        order_moves.ship(store, state, order, now, state.maker.rnd, carrier="UPS",
                         tracking=str(state.maker.rnd.randrange(10**11, 10**12)),
                         why=f"status {status}")
        return
    if status == "Canceled":
        order_moves.cancel(store, state, order, now, "seller", why=f"status {status}")
        return
    order.status = status
    order.last_update = now
    _mark(store, state, order, f"status {status}")


PICKUP_STATUSES = ("ReadyForPickup", "PickedUp", "RefusedPickup")


def update_pickup(store: StateStore, state: SellerState, order: Order, status: str,
                  items: list[tuple[str, int]] | None = None) -> None:
    """Orders v0 updateShipmentStatus, which sellers in the In-store Pickup program call as
    the buyer's visit goes: the order is ReadyForPickup at the store (it stays Unshipped, only
    LastUpdateDate moves), the buyer PickedUp the named units (default: all; they ship, as
    confirmShipment would ship them) or RefusedPickup (the order is canceled, as set_status
    cancels). A refusal covers the whole order: the emulator does not model partly refused
    orders."""
    if status not in PICKUP_STATUSES:
        raise OrderError(f"Unknown shipment status {status!r}; one of "
                         f"{', '.join(PICKUP_STATUSES)}.")
    if not order.is_ispu:
        raise OrderError(f"Order {order.order_id} is not an in-store pickup order; "
                         "shipment status updates apply to in-store pickup orders only.")
    if order.status not in ("Unshipped", "PartiallyShipped"):
        raise OrderError(f"The order is {order.status}; only Unshipped or PartiallyShipped "
                         "in-store pickup orders can change their shipment status.")
    store.prepare(state, "order", order.order_id)
    now = store.clock.now()
    if status == "RefusedPickup":
        units = _unshipped_units(order, items) if items else None
        if order.units_shipped or (units is not None and sum(q for _, q in units)
                                   < order.units_unshipped):
            raise OrderError("A refused pickup must cover the whole order; the emulator does "
                             "not model partly refused in-store pickup orders.")
        set_status(store, state, order, "Canceled")
        return
    if status == "PickedUp":
        ship(order, now, "STORE_PICKUP", "", state.maker.rnd,
             _unshipped_units(order, items) if items else None, "In-store pickup")
    order.last_update = now
    _mark(store, state, order, f"pickup {status}")


def acknowledge(store: StateStore, state: SellerState, order: Order,
                merchant_order_id: str | None) -> None:
    """The order acknowledgement feed's Success: the seller has the order, under its own id
    (MerchantOrderID becomes SellerOrderId); the status does not move."""
    if order.status in ("Canceled", "Pending"):
        raise OrderError(f"The order is {order.status}; only orders waiting to ship can be "
                         "acknowledged.")
    if merchant_order_id:
        order.seller_order_id = merchant_order_id
    order.last_update = store.clock.now()
    _mark(store, state, order, "acknowledged")


def cancel_by_seller(store: StateStore, state: SellerState, order: Order,
                     items: list[str] | None) -> None:
    """The seller cancels an order it cannot fulfil (the acknowledgement feed's Failure, or
    every item with a CancelReason). A cancellation covers the whole order: the emulator does
    not model partly cancelled orders."""
    if order.fulfillment != "MFN":
        raise OrderError("Only merchant-fulfilled orders can be cancelled by the seller.")
    if order.status not in ("Pending", "Unshipped") or order.units_shipped:
        raise OrderError(f"The order is {order.status}; only orders not shipped yet can be "
                         "cancelled.")
    if items is not None and set(items) != {i.order_item_id for i in order.items}:
        unknown = sorted(set(items) - {i.order_item_id for i in order.items})
        if unknown:
            raise OrderError(f"Invalid AmazonOrderItemCode {unknown[0]} for this order.")
        raise OrderError("A cancellation must cover every item of the order; the emulator does "
                         "not model partly cancelled orders.")
    set_status(store, state, order, "Canceled")


# -- moves the control plane asks for ---------------------------------------------------------

CANCELLERS = ("seller", "buyer")
DISPOSITIONS = ("SELLABLE", "CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED")


def ship_order(store: StateStore, state: SellerState, order: Order, *,
               carrier: str | None = None, tracking_number: str | None = None,
               ship_date: float | None = None, items: list[tuple[str, int]] | None = None,
               method: str | None = None) -> None:
    """Ships an order as its fulfiller would: Amazon an FBA order (its reserved units leave
    the network), the seller a merchant-fulfilled one (as confirmShipment does). The ship
    date defaults to now and is never in the future."""
    if order.status not in ("Unshipped", "PartiallyShipped"):
        raise OrderError(f"The order is {order.status}; only Unshipped or PartiallyShipped "
                         "orders can ship (a Pending order waits for its payment).")
    now = store.clock.now()
    when = now if ship_date is None else min(max(ship_date, order.purchase_date), now)
    units = _unshipped_units(order, items) if items else None
    order_moves.ship(store, state, order, when, state.maker.rnd, carrier=carrier,
                     tracking=tracking_number, items=units, method=method)


def cancel_order(store: StateStore, state: SellerState, order: Order, by: str) -> None:
    """The seller cancels an order, or the buyer does; its units come back to stock."""
    if by not in CANCELLERS:
        raise OrderError(f"by: one of {', '.join(CANCELLERS)}")
    if order.status in ("Shipped", "PartiallyShipped", "Canceled"):
        raise OrderError(f"The order is {order.status}; only orders with no unit shipped can "
                         "be cancelled.")
    order_moves.cancel(store, state, order, store.clock.now(), by)


def _shipped(order: Order, move: str) -> None:
    if not order.units_shipped:
        raise OrderError(f"The order is {order.status}; only an order with shipped units can "
                         f"be {move}.")


def deliver_order(store: StateStore, state: SellerState, order: Order) -> None:
    _shipped(order, "delivered")
    if all(s.delivered is not None for s in order.shipments):
        raise OrderError("Every package of the order was delivered already.")
    order_moves.deliver(store, state, order, store.clock.now())


def return_order(store: StateStore, state: SellerState, order: Order, *,
                 items: list[tuple[str, int]] | None = None, disposition: str | None = None,
                 reason: str | None = None) -> None:
    """The buyer sends units back (default: every shipped unit not returned yet); returned
    FBA units go back to inventory, sellable or not as `disposition` says."""
    _shipped(order, "returned")
    if disposition is not None and disposition not in DISPOSITIONS:
        raise OrderError(f"disposition: one of {', '.join(DISPOSITIONS)}")
    if items:
        by_id = {i.order_item_id: i for i in order.items}
        for item_id, quantity in items:
            if item_id not in by_id:
                raise OrderError(f"Invalid orderItemId '{item_id}' for this order.")
            if quantity < 1:
                raise OrderError(f"Quantity {quantity} of order item {item_id} must be at "
                                 "least 1.")
    if order.fulfillment == "MFN" and disposition is not None:
        raise OrderError("disposition: only FBA returns are graded by Amazon.")
    made = order_moves.return_items(store, state, order, store.clock.now(), state.maker.rnd,
                                    state.maker.shape.return_sellable_share, items, disposition,
                                    reason)
    if not made:
        raise OrderError("Nothing to return: every shipped unit named came back already.")


def refund_order(store: StateStore, state: SellerState, order: Order) -> None:
    """Refunds the whole order (a refund event posts in Finances now)."""
    _shipped(order, "refunded")
    if order.refunded:
        raise OrderError("The order was refunded already.")
    order_moves.refund(store, state, order, store.clock.now())

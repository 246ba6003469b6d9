"""How an order's record changes as it moves after payment: paid, delivered, cancelled,
returned, refunded (shipping is `generate.ship`). Pure changes to the record, no stock and no
events: the history is made with them, and `order_moves` adds the stock and the events for
the APIs, the control plane and the living store.
"""

from __future__ import annotations

import random
import string

from emulator.business.entities import Order, ReturnedItem

# Amazon's return reason codes (FBA customer returns report), the common ones.
RETURN_REASONS = ("UNWANTED_ITEM", "NOT_COMPATIBLE", "DEFECTIVE", "ORDERED_WRONG_ITEM",
                  "FOUND_BETTER_PRICE", "NOT_AS_DESCRIBED", "QUALITY_UNACCEPTABLE",
                  "MISSED_ESTIMATED_DELIVERY", "DAMAGED_BY_CARRIER", "APPAREL_TOO_SMALL")
UNSELLABLE = ("CUSTOMER_DAMAGED", "DEFECTIVE", "CARRIER_DAMAGED")
RETURNED_TO_INVENTORY = "Unit returned to inventory"
RETURNED_TO_SELLER = "Returned to seller"
# Fulfillment centers that receive returns, by marketplace country (a few of Amazon's codes).
RETURN_CENTERS = {"US": ("PHX7", "ONT8", "MDW2", "SDF8", "CLT2"), "CA": ("YYZ4", "YVR3"),
                  "GB": ("LBA4", "MAN1"), "DE": ("FRA3", "LEJ1"), "JP": ("NRT5", "KIX3")}


def pay(order: Order, when: float) -> bool:
    """Payment cleared: a Pending order becomes Unshipped. False when it is not Pending."""
    if order.status != "Pending":
        return False
    order.status = "Unshipped"
    order.last_update = max(order.last_update, when)
    return True


def cancel(order: Order, when: float, by: str) -> None:
    order.status = "Canceled"
    order.cancelled_at = when
    order.cancelled_by = by
    order.last_update = max(order.last_update, when)


def deliver(order: Order, when: float) -> bool:
    """The carrier delivered the order's packages that were still on their way."""
    moved = False
    for shipment in order.shipments:
        if shipment.delivered is None:
            shipment.delivered = max(when, shipment.ship_date)
            moved = True
    return moved


def add_returns(order: Order, when: float, rnd: random.Random, sellable_share: float,
                items: list[tuple[str, int]] | None = None,
                disposition: str | None = None, reason: str | None = None
                ) -> list[ReturnedItem]:
    """The buyer sent back `items` (default: every shipped unit not returned yet). FBA units
    are graded sellable or not (`sellable_share`) where `disposition` does not say."""
    returned = {i.order_item_id: 0 for i in order.items}
    for entry in order.returns or ():
        returned[entry.order_item_id] = returned.get(entry.order_item_id, 0) + entry.quantity
    wanted = dict(items) if items is not None else None
    fba = order.fulfillment == "AFN"
    country = order.address.country_code
    made = []
    for item in order.items:
        open_units = item.shipped - returned.get(item.order_item_id, 0)
        quantity = open_units if wanted is None else min(wanted.get(item.order_item_id, 0),
                                                         open_units)
        if quantity <= 0:
            continue
        graded = disposition or (("SELLABLE" if rnd.random() < sellable_share
                                  else rnd.choice(UNSELLABLE)) if fba else "")
        entry = ReturnedItem(
            order_item_id=item.order_item_id, sku=item.sku, quantity=quantity, returned=when,
            reason=reason or rnd.choice(RETURN_REASONS), disposition=graded,
            status=RETURNED_TO_INVENTORY if fba else RETURNED_TO_SELLER,
            license_plate=("LPN" + "".join(rnd.choices(string.ascii_uppercase + string.digits,
                                                        k=9))) if fba else "",
            fulfillment_center=rnd.choice(RETURN_CENTERS.get(country, RETURN_CENTERS["US"]))
            if fba else "")
        if order.returns is None:
            order.returns = []
        order.returns.append(entry)
        made.append(entry)
    if made:
        order.last_update = max(order.last_update, when)
    return made


def refund(order: Order, when: float) -> bool:
    """The buyer was refunded (the whole order: the emulator models no partial refunds)."""
    if order.refunded or not order.shipments:
        return False
    order.refunded = True
    order.refunded_at = when
    order.last_update = max(order.last_update, when)
    return True

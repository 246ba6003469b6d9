"""The seller's fulfillment orders and what keeps them moving: where they are kept, how their
next step is put on the scheduler (and put back after a restore), how their changes are
saved and published, and the seeded draws their ids come from.

Each order has at most one lifecycle step due (`order.step` at `order.due`), and each return
item its receipt (`item.due`). A scheduled step acts only if it is still the one due: a step
the seller's own call made moot (a cancel, a released hold) is skipped when its time comes,
and so is everything of a state that a reset or a restore replaced.
"""

from __future__ import annotations

import random
import weakref
from collections.abc import Callable

from emulator.business import service_fees
from emulator.business.records import dataclass_kind
from emulator.business.store import SellerState, StateStore
from emulator.families.common import Refusal
from emulator.families.fulfillment_outbound import timeline
from emulator.families.fulfillment_outbound.records import (
    KIND_NAME,
    FulfillmentOrder,
    ReturnItem,
    Shipment,
)
from emulator.runtime import events
from emulator.runtime.events import Event
from emulator.runtime.scheduler import Scheduler

Step = Callable[[SellerState, FulfillmentOrder, str, float], None]
Receipt = Callable[[SellerState, FulfillmentOrder, ReturnItem, float], None]


class McfError(Refusal):
    """A request the Fulfillment Outbound API refuses: `status` 400 or 404, Amazon's code."""


class McfBook:
    def __init__(self, store: StateStore, scheduler: Scheduler, lifecycle: str) -> None:
        self.store = store
        self.scheduler = scheduler
        self.validation = timeline.VALIDATION.get(lifecycle, timeline.VALIDATION["fast"])
        self.kind = dataclass_kind(KIND_NAME, FulfillmentOrder, rearm=self.rearm)
        store.register(self.kind)
        store.register(service_fees.KIND)
        # Set by the lifecycle at install: what a due step and a due return receipt do.
        self.on_step: Step | None = None
        self.on_receipt: Receipt | None = None
        self._packages: dict[str, tuple[weakref.ref[SellerState], dict[int, tuple[str, int]]]]
        self._packages = {}

    # -- records --------------------------------------------------------------------------

    def orders(self, state: SellerState) -> dict[str, FulfillmentOrder]:
        return state.table(KIND_NAME)

    def find(self, state: SellerState, order_id: str) -> FulfillmentOrder:
        order = self.orders(state).get(order_id)
        if order is None:
            # Amazon's wording for an unknown order is not documented; the status and code
            # are the model's 404.
            raise McfError(f"Fulfillment order {order_id!r} was not found.",
                           "No fulfillment order with this sellerFulfillmentOrderId exists for "
                           "the seller.", status=404)
        # An order looked up in a write may change: kept as it is until the request succeeds.
        self.store.prepare(state, KIND_NAME, order_id)
        return order

    def draw(self, state: SellerState, order: FulfillmentOrder, purpose: str) -> random.Random:
        """A seeded source for the order's next id or fate: the same calls give the same ids."""
        order.sequence += 1
        return self.store.randomness.derive("mcf", state.seller_id, order.order_id, purpose,
                                            order.sequence)

    def save(self, state: SellerState, order: FulfillmentOrder, when: float) -> None:
        order.updated = max(order.updated, when)
        self.store.changed(state, KIND_NAME, order.order_id, order)

    def set_status(self, order: FulfillmentOrder, status: str, when: float) -> None:
        order.status = status
        order.status_updated = when

    def publish(self, state: SellerState, order: FulfillmentOrder, when: float,
                event_type: str = "Order", shipment: Shipment | None = None,
                returned: ReturnItem | None = None) -> None:
        """Tells the bus what FULFILLMENT_ORDER_STATUS reports about this change."""
        data: dict[str, object] = {"event_type": event_type, "order_id": order.order_id,
                                   "status": order.status,
                                   "marketplace_id": order.marketplace_id}
        if shipment is not None:
            # Packages are told once they left (a pending shipment's are still being packed).
            data["shipment"] = {
                "status": shipment.status, "shipment_id": shipment.shipment_id,
                "arrival": shipment.arrival,
                "packages": [(p.number, p.carrier, p.tracking_number)
                             for p in shipment.packages] if shipment.status == "SHIPPED"
                else []}
        if returned is not None:
            data["return_item"] = {"received": returned.changed, "quantity": 1,
                                   "sku": returned.sku}
        self.store.events.publish(Event(events.FULFILLMENT_ORDER_CHANGED, state.seller_id, when,
                                        data))

    # -- the clock ------------------------------------------------------------------------

    def schedule(self, state: SellerState, order: FulfillmentOrder, step: str | None,
                 when: float | None) -> None:
        """Makes `step` the order's next step, due `when` (None: nothing is due)."""
        order.step, order.due = step, when
        if step is not None and when is not None:
            self.scheduler.at(when, lambda: self._fire(state, order, step, when))

    def _fire(self, state: SellerState, order: FulfillmentOrder, step: str, when: float) -> None:
        if not self._live(state, order) or order.step != step or order.due != when:
            return
        order.step = order.due = None
        if self.on_step is not None:
            self.on_step(state, order, step, when)

    def schedule_receipt(self, state: SellerState, order: FulfillmentOrder,
                         item: ReturnItem) -> None:
        due = item.due
        self.scheduler.at(due, lambda: self._receive(state, order, item, due))

    def _receive(self, state: SellerState, order: FulfillmentOrder, item: ReturnItem,
                 due: float) -> None:
        if (self._live(state, order) and item.status == "New" and item.due == due
                and item in order.returns and self.on_receipt is not None):
            self.on_receipt(state, order, item, due)

    def _live(self, state: SellerState, order: FulfillmentOrder) -> bool:
        return self.store.is_current(state) and self.orders(state).get(order.order_id) is order

    def rearm(self, state: SellerState, order: FulfillmentOrder) -> None:
        """A restored order's next step and pending return receipts go back on the clock."""
        self.schedule(state, order, order.step, order.due)
        for item in order.returns:
            if item.status == "New":
                self.schedule_receipt(state, order, item)

    # -- packages -------------------------------------------------------------------------

    def packages(self, state: SellerState) -> dict[int, tuple[str, int]]:
        """packageNumber -> (sellerFulfillmentOrderId, shipment index), for the seller."""
        entry = self._packages.get(state.seller_id)
        if entry is None or entry[0]() is not state:
            index = {p.number: (o.order_id, i) for o in self.orders(state).values()
                     for i, s in enumerate(o.shipments) for p in s.packages}
            entry = self._packages[state.seller_id] = (weakref.ref(state), index)
        return entry[1]

    def package_number(self, state: SellerState, rnd: random.Random) -> int:
        """A new package number (nine digits, like Amazon's), unique for the seller."""
        taken = self.packages(state)
        number = rnd.randrange(100_000_000, 999_999_999)
        while number in taken:
            number = rnd.randrange(100_000_000, 999_999_999)
        return number

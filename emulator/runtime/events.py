"""The internal event bus: state changes and lifecycle ends, published as they happen.

Producers (orders, listings, inventory, reports, feeds) publish; consumers (notifications,
the journal's notes, tests) subscribe by event type. Delivery is synchronous and in order;
a failing subscriber is logged and never breaks the change that published the event.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("emulator.runtime.events")

# The event types the emulator publishes.
ORDER_CREATED = "order.created"
ORDER_CHANGED = "order.changed"  # status change, shipment confirmation, cancellation
LISTING_CHANGED = "listing.changed"  # created, updated, deleted; status or quantity moved
PRICE_CHANGED = "price.changed"
INVENTORY_CHANGED = "inventory.changed"
REPORT_FINISHED = "report.finished"
FEED_FINISHED = "feed.finished"
# A Multi-Channel Fulfillment order, one of its shipments or one of its returns changed; the
# data carries what FULFILLMENT_ORDER_STATUS tells (event_type Order, Shipment or Return).
FULFILLMENT_ORDER_CHANGED = "fulfillment_order.changed"
SETTLEMENT_CLOSED = "settlement.closed"  # a 14-day settlement period ended (living store)


@dataclass(frozen=True)
class Event:
    type: str
    seller_id: str
    time: float  # emulator clock
    data: dict[str, Any] = field(default_factory=dict)
    app_id: str | None = None  # the app a lifecycle event belongs to (reports, feeds)


Subscriber = Callable[[Event], None]


def _live(event: Event) -> bool:
    return False


class EventBus:
    def __init__(self) -> None:
        self._subscribers: dict[str, list[Subscriber]] = defaultdict(list)
        self._everything: list[Subscriber] = []
        # Subscribers that also receive replayed events (see `replayed`).
        self._replayers: list[Subscriber] = []
        # Whether an event is one published once already, played again by a seller
        # generated anew (the store decides): only subscribers that keep state from events
        # hear it; notifications, reports and pages heard it the first time.
        self.replayed: Callable[[Event], bool] = _live

    def subscribe(self, subscriber: Subscriber, *types: str, replays: bool = False) -> None:
        """Receive events of these types (of every type when none is named); with `replays`,
        also events played again (a subscriber whose state follows from the events)."""
        if not types:
            self._everything.append(subscriber)
        for event_type in types:
            self._subscribers[event_type].append(subscriber)
        if replays:
            self._replayers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._everything = [s for s in self._everything if s is not subscriber]
        self._replayers = [s for s in self._replayers if s != subscriber]
        for event_type, subscribers in self._subscribers.items():
            self._subscribers[event_type] = [s for s in subscribers if s is not subscriber]

    def publish(self, event: Event) -> None:
        replayed = self.replayed(event)
        for subscriber in (*self._subscribers.get(event.type, ()), *self._everything):
            if replayed and subscriber not in self._replayers:
                continue
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed on %s", event.type)

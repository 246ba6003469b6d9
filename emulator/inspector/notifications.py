"""The notifications page's view: every application's destinations and subscriptions, and
the outbox with each delivery's status, attempts and error."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.families.notifications.records import (
    DELIVERY_STATUSES,
    Destination,
    OutboxEntry,
    Subscription,
)
from emulator.inspector.sources import Sources

LISTED = 100


@dataclass(frozen=True)
class OutboxFilters:
    notification_type: str | None = None
    seller: str | None = None
    status: str | None = None

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> OutboxFilters:
        def text(name: str) -> str | None:
            return query.get(name, "").strip()[:200] or None

        status = text("status")
        return cls(text("type"), text("seller"), status if status in DELIVERY_STATUSES else None)

    def keeps(self, entry: OutboxEntry) -> bool:
        return ((self.notification_type is None
                 or entry.notification_type == self.notification_type)
                and (self.seller is None or entry.seller_id == self.seller)
                and (self.status is None or any(d.status == self.status
                                                for d in entry.deliveries)))


@dataclass(frozen=True)
class NotificationsView:
    available: bool
    destinations: list[Destination]
    subscriptions: list[Subscription]
    outbox: list[OutboxEntry]  # newest first
    total: int  # messages ever made
    types: list[str]


def view(sources: Sources, filters: OutboxFilters) -> NotificationsView:
    notifier = sources.notifier
    if notifier is None:
        return NotificationsView(False, [], [], [], 0, [])
    destinations, subscriptions = notifier.state.everything()
    kept = [e for e in reversed(notifier.outbox.entries()) if filters.keeps(e)]
    return NotificationsView(True, destinations, subscriptions, kept[:LISTED],
                             notifier.outbox.total, sorted(notifier.types))


def message_text(entry: OutboxEntry) -> str:
    return json.dumps(entry.message, indent=2, ensure_ascii=False)


def retryable(entry: OutboxEntry) -> bool:
    return any(d.status == "failed" for d in entry.deliveries)


def destination_resource(destination: Destination) -> dict[str, Any]:
    return destination.resource()

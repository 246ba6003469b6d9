"""Notifications: the destinations and subscriptions apps register, and the outbox of every
message the emulator made for them. Plain Python, no HTTP and no delivery (notifier.py,
delivery.py).

Destinations belong to an application (they are created with grantless tokens); subscriptions
belong to an application and one selling partner, one per notification type and payload
version. The outbox keeps the latest messages with each target's delivery status; it is
shared with the delivery thread, so every method takes its lock.
"""

from __future__ import annotations

import random
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from emulator.business.snapshot import dump
from emulator.runtime.clock import iso

DestinationKind = Literal["sqs", "eventBridge"]
DeliveryStatus = Literal["pending", "delivered", "failed", "recorded"]
DELIVERY_STATUSES: tuple[DeliveryStatus, ...] = ("pending", "delivered", "failed", "recorded")
OUTBOX_CAPACITY = 10_000


class NotificationStateError(ValueError):
    """A request the notification state refuses; `details` says why (SP-API's `details`)."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self.details = details


class UnknownResource(NotificationStateError):
    """No such destination or subscription for this application."""


class DuplicateDestination(NotificationStateError):
    """The application already has a destination for this queue or AWS account."""


class DuplicateSubscription(NotificationStateError):
    """The seller already has a subscription of this type and payload version."""


class DestinationInUse(NotificationStateError):
    """A destination that subscriptions still deliver to cannot be deleted."""


def new_uuid(rnd: random.Random) -> str:
    """A version-4 UUID from a seeded generator (ids are reproducible for a seed)."""
    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


@dataclass(frozen=True)
class SqsQueue:
    """An SQS queue ARN taken apart: `arn:aws:sqs:<region>:<account>:<name>`."""

    arn: str
    region: str
    account_id: str
    name: str

    @classmethod
    def parse(cls, arn: str) -> SqsQueue | None:
        parts = arn.split(":")
        if len(parts) != 6 or parts[:3] != ["arn", "aws", "sqs"] or not all(parts[3:]):
            return None
        return cls(arn, parts[3], parts[4], parts[5])


@dataclass(frozen=True)
class Destination:
    destination_id: str
    app_id: str  # the LWA client id of the application that created it
    application_id: str  # its application id (amzn1.sellerapps.app....)
    name: str
    kind: DestinationKind
    queue: SqsQueue | None = None  # sqs
    account_id: str = ""  # eventBridge
    region: str = ""  # eventBridge
    source_name: str = ""  # eventBridge: the partner event source's name

    def resource(self) -> dict[str, Any]:
        if self.queue is not None:
            return {"sqs": {"arn": self.queue.arn}}
        return {"eventBridge": {"name": self.source_name, "region": self.region,
                                "accountId": self.account_id}}

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "destinationId": self.destination_id,
                "resource": self.resource()}


@dataclass(frozen=True)
class Subscription:
    subscription_id: str
    app_id: str  # LWA client id
    application_id: str  # what notifications' metadata names
    seller_id: str
    notification_type: str
    payload_version: str
    destination_id: str
    processing_directive: dict[str, Any] | None = None
    created: float = 0.0

    @property
    def event_filter(self) -> dict[str, Any]:
        return (self.processing_directive or {}).get("eventFilter") or {}

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"subscriptionId": self.subscription_id,
                                "payloadVersion": self.payload_version,
                                "destinationId": self.destination_id}
        if self.processing_directive:
            body["processingDirective"] = self.processing_directive
        return body


def _unchanged(key: str) -> None:
    """The default change listener: nobody keeps the records."""


class NotificationState:
    """Every application's destinations and subscriptions. `on_change` is told the key of
    each record made or deleted (`destination/ID`, `subscription/ID`, and `ids` when the id
    stream moved): the state file keeps them."""

    def __init__(self, rnd: random.Random) -> None:
        self._rnd = self.id_stream = rnd
        self._lock = threading.RLock()
        self._destinations: dict[str, Destination] = {}
        self._subscriptions: dict[str, Subscription] = {}
        # (seller, type) -> subscriptions: what each event is matched against.
        self._by_seller_type: dict[tuple[str, str], list[Subscription]] = {}
        self.on_change: Callable[[str], None] = _unchanged

    def clear(self, rnd: random.Random) -> None:
        """Forget every destination and subscription (a control-plane reset); new ids come
        from `rnd`, as after a start."""
        with self._lock:
            gone = [f"destination/{d}" for d in self._destinations] + [
                f"subscription/{s}" for s in self._subscriptions]
            self._rnd = self.id_stream = rnd
            self._destinations.clear()
            self._subscriptions.clear()
            self._by_seller_type.clear()
            for key in [*gone, "ids"]:
                self.on_change(key)

    # -- destinations ---------------------------------------------------------------------

    def add_sqs_destination(self, app_id: str, application_id: str, name: str,
                            queue: SqsQueue) -> Destination:
        with self._lock:
            for existing in self.destinations_of(app_id):
                if existing.queue is not None and existing.queue.arn == queue.arn:
                    raise DuplicateDestination(f"A destination with arn {queue.arn} already "
                                               f"exists for the application {application_id}")
            return self._store(Destination(new_uuid(self._rnd), app_id, application_id, name,
                                           "sqs", queue=queue))

    def add_event_bridge_destination(self, app_id: str, application_id: str, name: str,
                                     account_id: str, region: str) -> Destination:
        with self._lock:
            # Amazon: "You can only create one EventBridge destination per AWS account."
            for existing in self.destinations_of(app_id):
                if existing.kind == "eventBridge" and existing.account_id == account_id:
                    raise DuplicateDestination(
                        f"An EventBridge destination for account {account_id} already exists "
                        f"for the application {application_id}")
            return self._store(Destination(
                new_uuid(self._rnd), app_id, application_id, name, "eventBridge",
                account_id=account_id, region=region,
                source_name=f"sellingpartnerapi.amazon.com/{application_id}"))

    def _store(self, destination: Destination) -> Destination:
        self._destinations[destination.destination_id] = destination
        self.on_change("ids")
        self.on_change(f"destination/{destination.destination_id}")
        return destination

    def find_destination(self, destination_id: str) -> Destination | None:
        with self._lock:
            return self._destinations.get(destination_id)

    def all_destinations(self) -> list[Destination]:
        with self._lock:
            return list(self._destinations.values())

    def all_subscriptions(self) -> list[Subscription]:
        with self._lock:
            return list(self._subscriptions.values())

    def restore_destination(self, destination: Destination) -> None:
        """A destination read back from the state file."""
        with self._lock:
            self._destinations[destination.destination_id] = destination

    def drop_destination(self, destination_id: str) -> None:
        with self._lock:
            self._destinations.pop(destination_id, None)

    def restore_subscription(self, subscription: Subscription) -> None:
        """A subscription read back from the state file."""
        with self._lock:
            self.drop_subscription(subscription.subscription_id)
            self._subscriptions[subscription.subscription_id] = subscription
            key = (subscription.seller_id, subscription.notification_type)
            self._by_seller_type.setdefault(key, []).append(subscription)

    def drop_subscription(self, subscription_id: str) -> None:
        with self._lock:
            found = self._subscriptions.pop(subscription_id, None)
            if found is not None:
                key = (found.seller_id, found.notification_type)
                self._by_seller_type[key] = [s for s in self._by_seller_type[key]
                                             if s is not found]

    def destinations_of(self, app_id: str) -> list[Destination]:
        with self._lock:
            return [d for d in self._destinations.values() if d.app_id == app_id]

    def destination(self, app_id: str, destination_id: str) -> Destination:
        with self._lock:
            found = self._destinations.get(destination_id)
        if found is None or found.app_id != app_id:
            raise UnknownResource(f"Destination {destination_id} does not exist.")
        return found

    def delete_destination(self, app_id: str, destination_id: str) -> None:
        with self._lock:
            self.destination(app_id, destination_id)
            if any(s.destination_id == destination_id for s in self._subscriptions.values()):
                raise DestinationInUse("Destination has subscriptions")
            del self._destinations[destination_id]
            self.on_change(f"destination/{destination_id}")

    # -- subscriptions --------------------------------------------------------------------

    def subscribe(self, destination: Destination, seller_id: str, notification_type: str,
                  payload_version: str, processing_directive: dict[str, Any] | None,
                  now: float) -> Subscription:
        app_id = destination.app_id
        with self._lock:
            self.destination(app_id, destination.destination_id)  # not deleted meanwhile
            key = (seller_id, notification_type)
            for existing in self._by_seller_type.get(key, ()):
                if existing.app_id == app_id and existing.payload_version == payload_version:
                    raise DuplicateSubscription(
                        f"A subscription of {notification_type} with payload version "
                        f"{payload_version} already exists: {existing.subscription_id}.")
            subscription = Subscription(new_uuid(self._rnd), app_id, destination.application_id,
                                        seller_id, notification_type, payload_version,
                                        destination.destination_id, processing_directive, now)
            self._subscriptions[subscription.subscription_id] = subscription
            self._by_seller_type.setdefault(key, []).append(subscription)
            self.on_change("ids")
            self.on_change(f"subscription/{subscription.subscription_id}")
            return subscription

    def subscription(self, app_id: str, notification_type: str,
                     subscription_id: str) -> Subscription:
        with self._lock:
            found = self._subscriptions.get(subscription_id)
        if (found is None or found.app_id != app_id
                or found.notification_type != notification_type):
            raise UnknownResource(
                f"Subscription {subscription_id} of {notification_type} does not exist.")
        return found

    def unsubscribe(self, app_id: str, notification_type: str, subscription_id: str) -> None:
        with self._lock:
            self.subscription(app_id, notification_type, subscription_id)
            self.drop_subscription(subscription_id)
            self.on_change(f"subscription/{subscription_id}")

    def everything(self) -> tuple[list[Destination], list[Subscription]]:
        """Every application's destinations and subscriptions (the inspector lists them)."""
        with self._lock:
            return list(self._destinations.values()), list(self._subscriptions.values())

    def live(self, subscription_id: str) -> Subscription | None:
        with self._lock:
            return self._subscriptions.get(subscription_id)

    def subscribed(self, seller_id: str) -> bool:
        """Whether any app subscribed to any notification of this seller."""
        with self._lock:
            return any(found and key[0] == seller_id
                       for key, found in self._by_seller_type.items())

    def matching(self, seller_id: str, notification_type: str,
                 app_id: str | None = None) -> list[Subscription]:
        """Who gets an event of this seller and type: every app's subscription, or only the
        given app's (a report or feed is the business of the app that asked for it)."""
        with self._lock:
            found = self._by_seller_type.get((seller_id, notification_type))
            if not found:
                return []
            return [s for s in found if app_id is None or s.app_id == app_id]

    def app_subscriptions(self, app_id: str, notification_type: str) -> list[Subscription]:
        with self._lock:
            return [s for s in self._subscriptions.values()
                    if s.app_id == app_id and s.notification_type == notification_type]


# -- the outbox -----------------------------------------------------------------------------

@dataclass
class Delivery:
    """One target of a message: the destination's queue or bus, or the webhook."""

    target: str  # sqs | eventbridge | webhook | record
    address: str
    status: DeliveryStatus = "pending"
    attempts: int = 0
    error: str | None = None
    last_attempt: float | None = None
    delivered_at: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"target": self.target, "address": self.address, "status": self.status,
                "attempts": self.attempts, "error": self.error,
                "last_attempt": iso(self.last_attempt) if self.last_attempt else None,
                "delivered_at": iso(self.delivered_at) if self.delivered_at else None}


@dataclass
class OutboxEntry:
    notification_id: str
    notification_type: str
    seller_id: str
    app_id: str
    subscription_id: str
    destination_id: str
    created: float
    message: dict[str, Any]
    deliveries: list[Delivery] = field(default_factory=list)
    test: bool = False  # made by sendTestNotification

    @property
    def status(self) -> DeliveryStatus:
        """The entry's summary: pending while any target is, then failed if any failed."""
        statuses = {d.status for d in self.deliveries}
        for status in ("pending", "failed", "delivered"):
            if status in statuses:
                return status  # type: ignore[return-value]
        return "recorded"

    def as_dict(self) -> dict[str, Any]:
        return {"notification_id": self.notification_id,
                "notification_type": self.notification_type, "seller_id": self.seller_id,
                "app_id": self.app_id, "subscription_id": self.subscription_id,
                "destination_id": self.destination_id, "created": iso(self.created),
                "test": self.test, "status": self.status,
                "deliveries": [d.as_dict() for d in self.deliveries], "message": self.message}


class Outbox:
    """The latest messages, oldest first, bounded (OUTBOX_CAPACITY); `total` counts every
    message ever added, so a reader can tell how many fell off the front. `on_change` is told
    `message/ID` of each message added or fallen off (the state file keeps them)."""

    def __init__(self, capacity: int = OUTBOX_CAPACITY) -> None:
        self.capacity = capacity
        self.total = 0
        self._entries: deque[OutboxEntry] = deque(maxlen=capacity)
        self._by_id: dict[str, OutboxEntry] = {}
        self._lock = threading.Lock()
        self.on_change: Callable[[str], None] = _unchanged

    def add(self, entry: OutboxEntry) -> None:
        with self._lock:
            if len(self._entries) == self.capacity:
                dropped = self._entries[0]
                self._by_id.pop(dropped.notification_id, None)
                self.on_change(f"message/{dropped.notification_id}")
            self._entries.append(entry)
            self._by_id[entry.notification_id] = entry
            self.total += 1
        self.on_change(f"message/{entry.notification_id}")

    def find(self, notification_id: str) -> OutboxEntry | None:
        with self._lock:
            return self._by_id.get(notification_id)

    def entries(self) -> list[OutboxEntry]:
        """Every kept entry, oldest first (a copy: the delivery thread appends meanwhile)."""
        with self._lock:
            return list(self._entries)

    def dump(self, entry: OutboxEntry) -> Any:
        """An entry as the state file keeps it (read under the lock the deliveries take)."""
        with self._lock:
            return dump(entry)

    def restore(self, entry: OutboxEntry) -> None:
        """A message read back from the state file (a later record of it replaces it)."""
        with self._lock:
            old = self._by_id.get(entry.notification_id)
            if old is not None:
                self._entries[self._entries.index(old)] = entry
            else:
                self._entries.append(entry)
                self.total += 1
            self._by_id[entry.notification_id] = entry

    def drop(self, notification_id: str) -> None:
        with self._lock:
            old = self._by_id.pop(notification_id, None)
            if old is not None:
                self._entries.remove(old)

    def clear(self) -> None:
        """Forget every message (a control-plane reset); deliveries under way still finish."""
        with self._lock:
            gone = list(self._by_id)
            self._entries.clear()
            self._by_id.clear()
            self.total = 0
        for notification_id in gone:
            self.on_change(f"message/{notification_id}")

    def update(self, delivery: Delivery, **changes: Any) -> None:
        """Change a delivery's fields (the delivery thread reports through this)."""
        with self._lock:
            for name, value in changes.items():
                setattr(delivery, name, value)

    def query(self, *, notification_type: str | None = None, seller: str | None = None,
              status: str | None = None, destination: str | None = None,
              limit: int = 100) -> list[dict[str, Any]]:
        """Matching entries as JSON, newest last, at most the `limit` most recent. `status`
        matches an entry with any target in that status."""
        with self._lock:
            found: Iterable[OutboxEntry] = self._entries
            if notification_type is not None:
                found = (e for e in found if e.notification_type == notification_type)
            if seller is not None:
                found = (e for e in found if e.seller_id == seller)
            if destination is not None:
                found = (e for e in found if e.destination_id == destination)
            if status is not None:
                found = (e for e in found if any(d.status == status for d in e.deliveries))
            selected = list(found)[-limit:] if limit > 0 else []
            return [e.as_dict() for e in selected]

"""The notifier: state events in, notification messages out.

For each event it finds the subscriptions of the event's seller (of the app that asked, for
reports and feeds), builds each type's payload from the seller's state, applies the
subscription's event filter and aggregation window (on the emulator clock, through the
scheduler), wraps the payload in its envelope, records the message in the outbox and hands
it to the delivery thread. Nothing here waits on the network.

Targets of a destination: its SQS queue through `--sqs-endpoint`, its EventBridge account
through `--eventbridge-endpoint`; without the endpoint the message is recorded in the outbox
only (status `recorded`). `--webhook URL` adds a POST of every message.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from emulator.auth.accounts import Accounts
from emulator.business.store import PerSeller, SellerState, StateStore
from emulator.config import Settings
from emulator.families.notifications import saved
from emulator.families.notifications.delivery import (
    AwsClients,
    Deliverer,
    EventBridgeTarget,
    RetryPolicy,
    SqsTarget,
    Target,
    WebhookTarget,
    event_source,
)
from emulator.families.notifications.messages import (
    APP_SCOPED_EVENTS,
    BUILDERS,
    CHANGE_TRACKED,
    ROUTES,
    Draft,
    envelope,
    listing_marks,
    sample_event,
)
from emulator.families.notifications.records import (
    Delivery,
    Destination,
    NotificationState,
    NotificationStateError,
    Outbox,
    OutboxEntry,
    Subscription,
    new_uuid,
)
from emulator.families.notifications.types import NotificationType, load_types
from emulator.runtime.clock import Clock
from emulator.runtime.events import Event, EventBus
from emulator.runtime.rng import Randomness
from emulator.runtime.scheduler import Scheduler

AGGREGATION_PERIODS = {"FiveMinutes": 300.0, "TenMinutes": 600.0}


class NoTestScenario(ValueError):
    """sendTestNotification of a type the emulator can build no message of."""


class Marks:
    """The last value seen per (seller, type, key), for drafts that report a change. A
    seller's state made afresh (reset, reseed) starts with no marks."""

    def __init__(self) -> None:
        self._seen: PerSeller[dict[Any, Any]] = PerSeller()

    def _of(self, state: SellerState, notification_type: str) -> dict[Any, Any]:
        seen = self._seen.get(state, notification_type)
        return seen if seen is not None else self._seen.put(state, {}, notification_type)

    def moved(self, state: SellerState, notification_type: str, key: Any, value: Any) -> bool:
        """Whether `value` differs from the last one seen (an unknown key has moved)."""
        seen = self._of(state, notification_type)
        if key in seen and seen[key] == value:
            return False
        seen[key] = value
        return True

    def prime(self, state: SellerState, notification_type: str,
              marks: Iterable[tuple[Any, Any]]) -> None:
        self._of(state, notification_type).update(marks)


@dataclass
class _Window:
    """An aggregation window of one subscription and marketplace/ASIN: events in it are
    held, the last one is sent when it ends."""

    ends: float
    held: Event | None = None


class Notifier:
    def __init__(self, settings: Settings, clock: Clock, scheduler: Scheduler,
                 store: StateStore, accounts: Accounts,
                 policy: RetryPolicy | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.scheduler = scheduler
        self.store = store
        self.accounts = accounts
        self.types: dict[str, NotificationType] = load_types(
            settings.models_dir / "schemas" / "notifications")
        randomness = Randomness(settings.seed)
        self.state = NotificationState(randomness.derive("notifications", "resources"))
        self.outbox = Outbox()
        self.deliverer = Deliverer(self.outbox, clock.now, policy)
        self._aws = AwsClients()
        self._ids = randomness.derive("notifications", "messages")
        self._lock = threading.RLock()  # events may come from any thread (tests publish)
        self._marks = Marks()
        self._windows: dict[tuple[str, str], _Window] = {}
        self._targets: dict[str, Target] = {}
        self._webhook = (WebhookTarget(self.deliverer.http, settings.webhook_url)
                         if settings.webhook_url else None)
        # Destinations, subscriptions and the outbox are kept in the state file.
        self.state.on_change = self.outbox.on_change = self._changed
        store.sections.register(saved.NAME, saved.NotificationRecords(
            self.state, self.outbox,
            lambda: {"resources": self.state.id_stream, "messages": self._ids},
            self._resume_deliveries))

    def _changed(self, key: str) -> None:
        self.store.sections.touch(saved.NAME, key)

    def _resume_deliveries(self) -> None:
        """After a restart: messages not yet delivered are handed to the delivery thread
        again (a target this run has no endpoint for fails, saying so)."""
        for entry in self.outbox.entries():
            pending = [d for d in entry.deliveries if d.status == "pending"]
            if not pending:
                continue
            destination = self.state.find_destination(entry.destination_id)
            targets = self._targets_of(destination) if destination is not None else []
            body = json.dumps(entry.message)
            for delivery in pending:
                target = next((t for t in targets if t.kind == delivery.target
                               and t.address == delivery.address), None)
                if target is None:
                    self.outbox.update(delivery, status="failed",
                                       error="no endpoint for it after the restart")
                else:
                    self.deliverer.submit(target, delivery, body)

    def attach(self, bus: EventBus) -> None:
        bus.subscribe(self.on_event, *ROUTES)

    def close(self) -> None:
        # With a state file, what is still pending is sent after the restart.
        self.deliverer.close(keep_pending=self.settings.state_file is not None)

    def clear_registrations(self) -> None:
        """`POST /_emulator/reset {"notifications": true}`: no destination, no subscription."""
        with self._lock:
            self.state.clear(Randomness(self.settings.seed).derive("notifications",
                                                                   "resources"))
            self._windows.clear()

    def forget_state(self) -> None:
        """The seller state was reset, reseeded or restored: aggregation windows holding its
        events end without sending them. Destinations, subscriptions and the outbox stay:
        they are the apps' registrations and what was already sent."""
        with self._lock:
            self._windows.clear()

    # -- events -> messages ---------------------------------------------------------------

    def on_event(self, event: Event) -> None:
        app_id = event.app_id if event.type in APP_SCOPED_EVENTS else None
        with self._lock:
            for notification_type in ROUTES.get(event.type, ()):
                # What happened before a subscription existed is not its business (the
                # reports module publishes a seller's past settlement reports, for one).
                subscriptions = [s for s in self.state.matching(
                    event.seller_id, notification_type, app_id) if s.created <= event.time]
                state = self._seller_state(event.seller_id) if subscriptions else None
                if state is None:
                    continue
                for draft in BUILDERS[notification_type](event, state, self.store):
                    if draft.change is not None and not self._marks.moved(
                            state, notification_type, *draft.change):
                        continue
                    for subscription in subscriptions:
                        if _passes(subscription, draft):
                            self._route(subscription, draft, event)

    def subscribed(self, subscription: Subscription) -> None:
        """A new subscription: the seller's business exists from now on (the living store
        plays it on the clock: the subscription hears of it without any other call), and
        types that report changes start from the seller's state now."""
        state = self._seller_state(subscription.seller_id)
        if state is not None and subscription.notification_type in CHANGE_TRACKED:
            with self._lock:
                self._marks.prime(state, subscription.notification_type,
                                  listing_marks(subscription.notification_type, state))

    def _seller_state(self, seller_id: str) -> SellerState | None:
        seller = self.accounts.seller(seller_id)
        return self.store.of(seller) if seller is not None else None

    def _route(self, subscription: Subscription, draft: Draft, event: Event) -> None:
        period = _period(subscription)
        if period is None or draft.aggregate is None:
            self._emit(subscription, draft.payload, event.time)
            return
        # Amazon: "if 50 price updates occur for an ASIN within 5 minutes, Amazon will send
        # only two notifications; one for the first event, and then a subsequent notification
        # 5 minutes later with the final end state of the data."
        key = (subscription.subscription_id, draft.aggregate)
        window = self._windows.get(key)
        if window is not None:
            window.held = event
            return
        self._emit(subscription, draft.payload, event.time)
        # From the event's time: the living store plays events at their own times, possibly
        # after a clock jump.
        self._open(key, event.time + period)

    def _open(self, key: tuple[str, str], ends: float) -> None:
        self._windows[key] = _Window(ends)
        self.scheduler.at(ends, lambda: self._close(key))

    def _close(self, key: tuple[str, str]) -> None:
        """A window ends: the held event's final state is sent and a new window opens."""
        with self._lock:
            window = self._windows.pop(key, None)  # None: forgotten by a reset
            subscription = self.state.live(key[0])  # None: deleted meanwhile
            state = self._seller_state(subscription.seller_id) if subscription else None
            if window is None or window.held is None or subscription is None or state is None:
                return
            drafts = BUILDERS[subscription.notification_type](window.held, state, self.store)
            draft = next((d for d in drafts if d.aggregate == key[1]), None)
            period = _period(subscription)
            if draft is None or period is None:
                return
            self._emit(subscription, draft.payload, window.held.time)
            self._open(key, window.ends + period)

    # -- test notifications ---------------------------------------------------------------

    def send_test(self, subscription: Subscription, destination: Destination,
                  payload_version: str) -> OutboxEntry:
        """sendTestNotification: a message of the subscription's type about its seller's own
        data where the emulator can build one, else the type's example from its schema."""
        kind = self.types[subscription.notification_type]
        now = self.clock.now()
        with self._lock:
            state = self._seller_state(subscription.seller_id)
            event = sample_event(kind.name, state, now) if state is not None else None
            drafts = (BUILDERS[kind.name](event, state, self.store)
                      if event is not None and state is not None else [])
            payload = drafts[0].payload if drafts else kind.examples.get(payload_version)
            if payload is None:
                raise NoTestScenario(f"The emulator has no test message of {kind.name} "
                                     f"payload version {payload_version}.")
            return self._emit(subscription, payload, now, destination=destination,
                              payload_version=payload_version, test=True)

    # -- messages -> outbox and delivery --------------------------------------------------

    def _emit(self, subscription: Subscription, payload: Any, event_time: float, *,
              destination: Destination | None = None, payload_version: str | None = None,
              test: bool = False) -> OutboxEntry:
        kind = self.types[subscription.notification_type]
        if destination is None:
            destination = self.state.destination(subscription.app_id,
                                                 subscription.destination_id)
        now = self.clock.now()
        notification_id = new_uuid(self._ids)
        self._changed("ids")
        message = envelope(kind, payload_version or subscription.payload_version, payload,
                           event_time, subscription.application_id,
                           subscription.subscription_id, now, notification_id)
        entry = OutboxEntry(notification_id, kind.name, subscription.seller_id,
                            subscription.app_id, subscription.subscription_id,
                            destination.destination_id, now, message, test=test)
        pairs = [(t, Delivery(t.kind, t.address)) for t in self._targets_of(destination)]
        if all(target.kind == "webhook" for target, _ in pairs):
            # No endpoint for the destination's service: the outbox is where it lands.
            entry.deliveries.append(Delivery("record", _address(destination), "recorded"))
        entry.deliveries.extend(delivery for _, delivery in pairs)
        self.outbox.add(entry)
        body = json.dumps(message)
        for target, delivery in pairs:
            self.deliverer.submit(target, delivery, body)
        return entry

    def retry(self, notification_id: str) -> int:
        """Send a message again to each target it failed to reach (the inspector's retry
        button); returns how many deliveries were queued again."""
        entry = self.outbox.find(notification_id)
        if entry is None:
            return 0
        with self._lock:
            try:
                destination = self.state.destination(entry.app_id, entry.destination_id)
            except NotificationStateError:
                destination = None  # deleted since: only the webhook can be tried again
            targets = {(t.kind, t.address): t for t in (
                self._targets_of(destination) if destination is not None
                else [self._webhook] if self._webhook is not None else [])}
            body = json.dumps(entry.message)
            queued = 0
            for delivery in entry.deliveries:
                target = targets.get((delivery.target, delivery.address))
                if delivery.status == "failed" and target is not None:
                    self.outbox.update(delivery, status="pending", attempts=0, error=None)
                    self.deliverer.submit(target, delivery, body)
                    queued += 1
            return queued

    def _targets_of(self, destination: Destination) -> list[Target]:
        target = self._targets.get(destination.destination_id)
        if target is None:
            if destination.queue is not None and self.settings.sqs_endpoint:
                target = SqsTarget(self._aws, self.settings.sqs_endpoint, destination.queue)
            elif destination.kind == "eventBridge" and self.settings.eventbridge_endpoint:
                target = EventBridgeTarget(self._aws, self.settings.eventbridge_endpoint,
                                           destination.account_id, destination.region,
                                           destination.application_id)
            if target is not None:
                self._targets[destination.destination_id] = target
        return [t for t in (target, self._webhook) if t is not None]


def _address(destination: Destination) -> str:
    if destination.queue is not None:
        return destination.queue.arn
    return event_source(destination.account_id, destination.application_id)


def _period(subscription: Subscription) -> float | None:
    """The aggregation window of the subscription's eventFilter, in seconds (None: none)."""
    settings = subscription.event_filter.get("aggregationSettings") or {}
    return AGGREGATION_PERIODS.get(settings.get("aggregationTimePeriod", ""))


def _passes(subscription: Subscription, draft: Draft) -> bool:
    """The subscription's event filter: marketplaceIds and orderChangeTypes (absent: all)."""
    event_filter = subscription.event_filter
    markets = event_filter.get("marketplaceIds")
    if markets and draft.marketplace_id is not None and draft.marketplace_id not in markets:
        return False
    change_types = event_filter.get("orderChangeTypes")
    return not (change_types and draft.order_change_type is not None
                and draft.order_change_type not in change_types)

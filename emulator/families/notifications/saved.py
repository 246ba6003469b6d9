"""The notifications in the state file: the record section "notifications" (see
emulator/business/sections.py) keeps every destination, subscription and outbox message, and
the seeded streams their ids come from, so ids go on without repeating after a restart.

Each is written when it is made or deleted. A message's delivery statuses are written with
the message and at every compaction: after a kill, a message whose delivery was not yet
recorded as done is sent again (at least once, as SQS itself delivers).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable
from typing import Any

from emulator.business import snapshot
from emulator.business.sections import Section
from emulator.families.notifications.records import (
    Destination,
    NotificationState,
    Outbox,
    OutboxEntry,
    Subscription,
)

NAME = "notifications"
DESTINATION, SUBSCRIPTION, MESSAGE, IDS = "destination", "subscription", "message", "ids"


def _state_of(rnd: random.Random) -> list[Any]:
    version, internal, gauss = rnd.getstate()
    return [version, list(internal), gauss]


def _set_state(rnd: random.Random, value: Any, where: str) -> None:
    if (not isinstance(value, list) or len(value) != 3 or not isinstance(value[1], list)
            or not all(isinstance(n, int) and not isinstance(n, bool) for n in value[1])):
        raise ValueError(f"{where}: expected a random generator's state")
    try:
        rnd.setstate((value[0], tuple(value[1]), value[2]))
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: {error}") from None


class NotificationRecords(Section):
    def __init__(self, state: NotificationState, outbox: Outbox,
                 streams: Callable[[], dict[str, random.Random]],
                 resume: Callable[[], None]) -> None:
        self.state = state
        self.outbox = outbox
        self.streams = streams  # name -> the seeded stream its ids come from, now
        self._resume = resume

    def record(self, key: str) -> Any | None:
        kind, _, name = key.partition("/")
        if kind == IDS:
            return {n: _state_of(rnd) for n, rnd in self.streams().items()}
        if kind == DESTINATION:
            found: Any = self.state.find_destination(name)
        elif kind == SUBSCRIPTION:
            found = self.state.live(name)
        elif kind == MESSAGE:
            found = self.outbox.find(name)
        else:
            return None
        return snapshot.dump(found) if found is not None else None

    def records(self) -> Iterable[tuple[str, Any]]:
        yield IDS, self.record(IDS)
        for destination in self.state.all_destinations():
            yield f"{DESTINATION}/{destination.destination_id}", snapshot.dump(destination)
        for subscription in self.state.all_subscriptions():
            yield f"{SUBSCRIPTION}/{subscription.subscription_id}", snapshot.dump(subscription)
        for entry in self.outbox.entries():
            yield f"{MESSAGE}/{entry.notification_id}", self.outbox.dump(entry)

    def load(self, key: str, value: Any | None) -> None:
        kind, _, name = key.partition("/")
        if kind == IDS:
            streams = self.streams()
            if not isinstance(value, dict) or set(value) != set(streams):
                raise ValueError(f"expected the states of {sorted(streams)}")
            for stream, rnd in streams.items():
                _set_state(rnd, value[stream], stream)
        elif kind == DESTINATION:
            if value is None:
                self.state.drop_destination(name)
            else:
                self.state.restore_destination(_loaded(Destination, value, key,
                                                       "destination_id", name))
        elif kind == SUBSCRIPTION:
            if value is None:
                self.state.drop_subscription(name)
            else:
                self.state.restore_subscription(_loaded(Subscription, value, key,
                                                        "subscription_id", name))
        elif kind == MESSAGE:
            if value is None:
                self.outbox.drop(name)
            else:
                self.outbox.restore(_loaded(OutboxEntry, value, key, "notification_id", name))
        else:
            raise ValueError(f"unknown record {key!r}")

    def resume(self) -> None:
        self._resume()


def _loaded(cls: type, value: Any, key: str, id_field: str, name: str) -> Any:
    found = snapshot.load(cls, value, key)
    if getattr(found, id_field) != name:
        raise ValueError(f"its id is {getattr(found, id_field)!r}")
    return found

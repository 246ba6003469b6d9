"""Notifications v1 and the messages themselves: destinations and subscriptions
(`records.py`, `handlers.py`), state events turned into Amazon's notification messages
(`notifier.py`, `messages.py`, `types.py`) and their delivery to SQS, EventBridge and a
webhook off the request path (`delivery.py`).

Installing the family starts its notifier on the event bus and adds the outbox
(`GET /_emulator/notifications`) to the control plane.
"""

from __future__ import annotations

from emulator.families import ApiContext
from emulator.families.notifications import handlers
from emulator.families.notifications.control_routes import NOTIFICATION_PATHS, notification_routes
from emulator.families.notifications.notifier import Notifier
from emulator.gateway.registry import HandlerRegistry


def install(registry: HandlerRegistry, context: ApiContext) -> Notifier:
    # Events of the state become notification messages: outbox, SQS, EventBridge, webhook.
    notifier = Notifier(context.settings, context.clock, context.scheduler, context.store,
                        context.accounts)
    notifier.attach(context.events)
    context.store.reset_listeners.append(notifier.forget_state)
    # A subscribed seller's scenario events must come on time: it is never let go.
    context.store.keep_alive.append(lambda seller_id: notifier.state.subscribed(seller_id))
    context.on_shutdown.append(notifier.close)
    context.control.routes.extend(notification_routes(notifier.outbox))
    context.control.paths.update(NOTIFICATION_PATHS)
    # What `POST /_emulator/reset` clears on request (the seller state reset keeps both).
    context.control.resets["notifications"] = notifier.clear_registrations
    context.control.resets["outbox"] = notifier.outbox.clear
    handlers.install(registry, notifier)
    return notifier

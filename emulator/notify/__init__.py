"""Notifications delivered: events of the seller state become SP-API notification messages
(messages.py), kept in an outbox and sent to SQS, EventBridge or a webhook (delivery.py) by
the notifier (notifier.py)."""

from emulator.notify.delivery import RetryPolicy
from emulator.notify.notifier import NoTestScenario, Notifier

__all__ = ["NoTestScenario", "Notifier", "RetryPolicy"]

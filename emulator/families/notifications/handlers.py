"""Notifications API v1, stateful: destinations per application (grantless), subscriptions
per application and seller, and sendTestNotification, which sends a real message of the type
to the subscription's destination (Amazon runs it in its sandbox only).

Every answer is wrapped in `{"payload": ...}` as the v1 model says. Error bodies are the ones
developers report (fact sheet section 7); where none is known, the model's response
description is the message, as Amazon's known ones are.
"""

from __future__ import annotations

from typing import Any

from emulator.families import common
from emulator.families.notifications.notifier import NoTestScenario, Notifier
from emulator.families.notifications.records import (
    DestinationInUse,
    DuplicateDestination,
    DuplicateSubscription,
    NotificationStateError,
    SqsQueue,
    Subscription,
    UnknownResource,
)
from emulator.families.notifications.types import NotificationType, version_order
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "notifications"
MAX_NAME = 256  # the Destination schema's maxLength of `name`
# The event filters each eventFilterType supports (Amazon's notification type values page).
EVENT_FILTERS = {
    "ANY_OFFER_CHANGED": frozenset({"aggregationSettings", "marketplaceIds"}),
    "ORDER_CHANGE": frozenset({"marketplaceIds", "orderChangeTypes"}),
    "SHIPMENT_TRACKING_MILESTONE_CHANGED": frozenset({"trackingIdentifier"}),
}


class BadRequest(InvalidInput):
    # The message Amazon's Notifications API answers a 400 with (models#2323).
    default_message = "Request has missing or invalid parameters and cannot be parsed."


class ResourceNotFound(SpApiError):
    status = 404
    code = "NotFound"
    default_message = "The resource specified does not exist."


class StateConflict(SpApiError):
    status = 409
    code = "StateConflict"
    default_message = "The resource specified conflicts with the current state."


class Conflict(SpApiError):
    status = 409
    code = "Conflict"
    default_message = "The requested resource conflict with a resource in the server."


class Forbidden(SpApiError):
    # docs#1800: deleting a destination that still has subscriptions.
    status = 403
    code = "Unauthorized"
    default_message = "The requested action is forbidden."


_REFUSALS: dict[type[NotificationStateError], type[SpApiError]] = {
    UnknownResource: ResourceNotFound,
    DuplicateDestination: Conflict,
    DuplicateSubscription: StateConflict,
    DestinationInUse: Forbidden,
}


def _refusal(error: NotificationStateError) -> SpApiError:
    return _REFUSALS[type(error)](details=error.details)


def _params(call: Call) -> dict[str, Any]:
    assert call.params is not None  # validation ran before any handler
    return call.params


def _payload(value: Any) -> Reply:
    return json_reply(200, {"payload": value})


def directive_problem(notification_type: str, directive: dict[str, Any] | None) -> str | None:
    """Why a processingDirective does not fit the type (None: it does)."""
    if not directive:
        return None
    if "filterExpression" in directive:
        # Accepting a CEL filter and then not applying it would deliver what the app asked
        # not to get; the emulator refuses it instead. [emulator limitation]
        return "filterExpression is not supported by the emulator; use an eventFilter."
    event_filter = directive.get("eventFilter")
    if not event_filter:
        return None
    supported = EVENT_FILTERS.get(notification_type)
    if supported is None:
        return f"{notification_type} does not support an eventFilter."
    if event_filter.get("eventFilterType") != notification_type:
        return f"The eventFilterType of a {notification_type} subscription is {notification_type}."
    unsupported = sorted(set(event_filter) - supported - {"eventFilterType"})
    if unsupported:
        return (f"{notification_type} does not support the filter(s) {unsupported}; "
                f"supported: {sorted(supported)}.")
    return None


class NotificationsApi:
    def __init__(self, notifier: Notifier) -> None:
        self.notifier = notifier
        self.state = notifier.state

    def _type(self, call: Call, name: str | None = None) -> NotificationType:
        name = name if name is not None else _params(call)["notificationType"]
        kind = self.notifier.types.get(name)
        if kind is None:
            raise BadRequest(details=f"{name} is not a supported notificationType.")
        return kind

    @staticmethod
    def _version(kind: NotificationType, version: str | None) -> str:
        if version is None:
            return kind.latest_version
        if version not in kind.versions:
            raise BadRequest(details=f"payloadVersion {version} is not supported for "
                             f"{kind.name}; supported: {', '.join(sorted(kind.versions))}.")
        return version

    # -- destinations (grantless) ---------------------------------------------------------

    async def get_destinations(self, call: Call) -> Reply:
        app = call.principal.app
        return _payload([d.as_json() for d in self.state.destinations_of(app.client_id)])

    async def create_destination(self, call: Call) -> Reply:
        body = _params(call)["body"]
        app = call.principal.app
        name, spec = body["name"], body["resourceSpecification"]
        if len(name) > MAX_NAME:
            raise BadRequest(details=f"name is longer than {MAX_NAME} characters.")
        if len(spec) != 1 or not ({"sqs", "eventBridge"} & set(spec)):
            raise BadRequest(details="resourceSpecification needs exactly one of sqs and "
                             "eventBridge.")
        try:
            if "sqs" in spec:
                queue = SqsQueue.parse(spec["sqs"]["arn"])
                if queue is None:
                    raise BadRequest(details=f"{spec['sqs']['arn']} is not an SQS queue ARN "
                                     "(arn:aws:sqs:<region>:<account>:<queue>).")
                destination = self.state.add_sqs_destination(
                    app.client_id, app.application_id, name, queue)
            else:
                bridge = spec["eventBridge"]
                if not (bridge["accountId"].isdigit() and len(bridge["accountId"]) == 12):
                    raise BadRequest(details="accountId must be a 12-digit AWS account id.")
                destination = self.state.add_event_bridge_destination(
                    app.client_id, app.application_id, name, bridge["accountId"],
                    bridge["region"])
        except NotificationStateError as error:
            raise _refusal(error) from None
        return _payload(destination.as_json())

    async def get_destination(self, call: Call) -> Reply:
        try:
            destination = self.state.destination(call.principal.app.client_id,
                                                 _params(call)["destinationId"])
        except NotificationStateError as error:
            raise _refusal(error) from None
        return _payload(destination.as_json())

    async def delete_destination(self, call: Call) -> Reply:
        try:
            self.state.delete_destination(call.principal.app.client_id,
                                          _params(call)["destinationId"])
        except NotificationStateError as error:
            raise _refusal(error) from None
        return json_reply(200, {})

    # -- subscriptions (seller tokens) ----------------------------------------------------

    def _callers(self, call: Call, kind: NotificationType) -> list[Subscription]:
        """The calling app's subscriptions of a type for the calling seller."""
        principal = call.principal
        return self.state.matching(principal.seller.seller_id, kind.name,
                                   principal.app.client_id)

    async def get_subscriptions(self, call: Call) -> Reply:
        params = _params(call)
        if params.get("nextToken"):
            # One subscription per type and payload version: a page of 30 holds them all, so
            # no token was ever issued.
            raise InvalidInput(common.INVALID_TOKEN)
        kind = self._type(call, params["notificationTypes"][0])
        version = params.get("payloadVersion")
        found = [s.as_json() for s in self._callers(call, kind)
                 if version is None or s.payload_version == version]
        return _payload({"subscriptions": found})

    async def get_subscription(self, call: Call) -> Reply:
        kind = self._type(call)
        version = _params(call).get("payloadVersion")
        found = [s for s in self._callers(call, kind)
                 if version is None or s.payload_version == version]
        if not found:
            raise ResourceNotFound(details=f"No subscription of {kind.name} found.")
        # Without payloadVersion: "the latest payload version subscription's information".
        latest = max(found, key=lambda s: version_order(s.payload_version))
        return _payload(latest.as_json())

    async def create_subscription(self, call: Call) -> Reply:
        kind = self._type(call)
        body = _params(call)["body"]
        version = self._version(kind, body["payloadVersion"])
        principal = call.principal
        try:
            destination = self.state.destination(principal.app.client_id, body["destinationId"])
        except UnknownResource as error:
            raise BadRequest(details=error.details) from None
        if destination.kind != kind.workflow:
            raise BadRequest(details=f"{kind.name} is delivered to {kind.workflow} "
                             f"destinations only; {destination.destination_id} is "
                             f"{destination.kind}.")
        directive = body.get("processingDirective")
        problem = directive_problem(kind.name, directive)
        if problem:
            raise BadRequest(details=problem)
        try:
            subscription = self.state.subscribe(destination, principal.seller.seller_id,
                                                kind.name, version, directive or None,
                                                self.notifier.clock.now())
        except NotificationStateError as error:
            raise _refusal(error) from None
        self.notifier.subscribed(subscription)
        return _payload(subscription.as_json())

    # -- subscriptions by id (grantless) --------------------------------------------------

    def _by_id(self, call: Call) -> Subscription:
        kind = self._type(call)
        try:
            return self.state.subscription(call.principal.app.client_id, kind.name,
                                           _params(call)["subscriptionId"])
        except NotificationStateError as error:
            raise _refusal(error) from None

    async def get_subscription_by_id(self, call: Call) -> Reply:
        return _payload(self._by_id(call).as_json())

    async def delete_subscription_by_id(self, call: Call) -> Reply:
        found = self._by_id(call)
        self.state.unsubscribe(found.app_id, found.notification_type, found.subscription_id)
        return json_reply(200, {})

    async def send_test_notification(self, call: Call) -> Reply:
        kind = self._type(call)
        body = _params(call)["body"] or {}
        version = self._version(kind, (body.get("testNotification") or {}).get("payloadVersion"))
        app_id = call.principal.app.client_id
        destination_id = body.get("destinationId")
        candidates = self.state.app_subscriptions(app_id, kind.name)
        try:
            destination = (self.state.destination(app_id, destination_id)
                           if destination_id else None)
        except NotificationStateError as error:
            raise _refusal(error) from None
        if destination is not None:
            candidates = [s for s in candidates if s.destination_id == destination_id]
        if not candidates:
            where = f" delivering to {destination_id}" if destination_id else ""
            raise ResourceNotFound(details=f"No subscription of {kind.name}{where}: a test "
                                   "notification goes to a subscription's destination.")
        subscription = candidates[-1]
        destination = destination or self.state.destination(app_id, subscription.destination_id)
        try:
            self.notifier.send_test(subscription, destination, version)
        except NoTestScenario as error:
            raise BadRequest(details=str(error)) from None
        return json_reply(200, {})


def install(registry: HandlerRegistry, notifier: Notifier) -> object:
    api = NotificationsApi(notifier)
    for operation, handler in (
        ("getDestinations", api.get_destinations),
        ("createDestination", api.create_destination),
        ("getDestination", api.get_destination),
        ("deleteDestination", api.delete_destination),
        ("getSubscriptions", api.get_subscriptions),
        ("getSubscription", api.get_subscription),
        ("createSubscription", api.create_subscription),
        ("getSubscriptionById", api.get_subscription_by_id),
        ("deleteSubscriptionById", api.delete_subscription_by_id),
        ("sendTestNotification", api.send_test_notification),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api

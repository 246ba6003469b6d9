"""Notifications API v1 over HTTP: destinations and subscriptions with Amazon's errors, and
the messages state events make (ORDER_CHANGE, ANY_OFFER_CHANGED with filters and
aggregation windows, listings, FBA inventory, reports, test notifications), each checked
against Amazon's notification schema. Destinations here have no endpoint, so messages are
recorded in the outbox only; tests/test_notification_delivery.py delivers them to queues.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest

from emulator.config import Settings
from emulator.families.orders import rules as order_rules
from emulator.harness.embedded import Running, running
from emulator.runtime.events import FEED_FINISHED, REPORT_FINISHED, Event
from tests.support import control_order
from tests.test_listings import Api, checked, offer, seller_client, some_listing

BASE = "/notifications/v1"
MODEL = "notifications"
SCOPE = "sellingpartnerapi::notifications"
US, CA = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"
UK, DE = "A1F83G8C2ARO7P", "A1PA6795UKMFR9"
ARN = "arn:aws:sqs:us-east-1:123456789012:"
SCHEMA_FILES = {
    "ORDER_CHANGE": "OrderChangeNotification.json",
    "ANY_OFFER_CHANGED": "AnyOfferChangedNotification.json",
    "REPORT_PROCESSING_FINISHED": "ReportProcessingFinishedNotification.json",
    "FEED_PROCESSING_FINISHED": "FeedProcessingFinishedNotification.json",
    "LISTINGS_ITEM_STATUS_CHANGE": "ListingsItemStatusChangeNotification.json",
    "LISTINGS_ITEM_MFN_QUANTITY_CHANGE": "ListingsItemMfnQuantityChange.json",
    "FBA_INVENTORY_AVAILABILITY_CHANGES": "FBAInventoryAvailabilityChangeNotification.json",
}
BAD_REQUEST = "Request has missing or invalid parameters and cannot be parsed."


# -- helpers shared with tests/test_notification_delivery.py ----------------------------------

def schema_errors(models_dir: Path, message: dict[str, Any]) -> list[str]:
    """What breaks Amazon's schema of the message's type (draft-07, formats checked)."""
    kind = message.get("NotificationType") or message["notificationType"]
    path = models_dir / "schemas" / "notifications" / SCHEMA_FILES[kind]
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(message)
            if not _status_type_quirk(e)]


def _status_type_quirk(error: jsonschema.ValidationError) -> bool:
    # The status schema's NotificationType enum says LISTINGS_ITEM_STATUS_CHANGED while its
    # own example, Amazon's documentation and the subscription's type say ..._CHANGE: the
    # emulator sends the documented name, and only that mismatch is tolerated here.
    return (error.validator == "enum" and list(error.absolute_path) == ["NotificationType"]
            and error.instance == "LISTINGS_ITEM_STATUS_CHANGE")


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until `condition()` is truthy; its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            assert value, "timed out waiting"
            return value
        time.sleep(0.02)


@dataclass
class Notifications:
    """Notifications API calls on one emulator, every answer checked against the model."""

    server: Running
    grantless: httpx.Client
    outbox_http: httpx.Client

    def seller(self, index: int = 0) -> httpx.Client:
        return seller_client(self.server, index)

    def seller_id(self, index: int = 0) -> str:
        return self.server.app.accounts.sellers[index].seller_id

    def call(self, client: httpx.Client, operation: str, method: str, path: str,
             **kwargs: Any) -> httpx.Response:
        return checked(self.server, client, f"{MODEL}.{operation}", method, BASE + path,
                       **kwargs)

    def create_destination(self, spec: dict[str, Any], name: str = "dest") -> httpx.Response:
        return self.call(self.grantless, "createDestination", "POST", "/destinations",
                         json={"name": name, "resourceSpecification": spec})

    def sqs_destination(self, queue: str) -> str:
        """A destination for a queue's ARN, or for a queue name in ARN's account."""
        arn = queue if queue.startswith("arn:") else ARN + queue
        response = self.create_destination({"sqs": {"arn": arn}}, arn.rsplit(":", 1)[1])
        assert response.status_code == 200, response.text
        return str(response.json()["payload"]["destinationId"])

    def bridge_destination(self, account: str) -> str:
        response = self.create_destination(
            {"eventBridge": {"accountId": account, "region": "us-east-1"}})
        assert response.status_code == 200, response.text
        return str(response.json()["payload"]["destinationId"])

    def subscribe(self, notification_type: str, destination_id: str, seller: int = 0,
                  version: str = "1.0", **body: Any) -> httpx.Response:
        with self.seller(seller) as client:
            return self.call(client, "createSubscription", "POST",
                             f"/subscriptions/{notification_type}",
                             json={"payloadVersion": version, "destinationId": destination_id,
                                   **body})

    def subscribed(self, notification_type: str, destination_id: str, seller: int = 0,
                   **body: Any) -> str:
        response = self.subscribe(notification_type, destination_id, seller, **body)
        assert response.status_code == 200, response.text
        return str(response.json()["payload"]["subscriptionId"])

    def unsubscribe(self, notification_type: str, subscription_id: str) -> None:
        response = self.call(self.grantless, "deleteSubscriptionById", "DELETE",
                             f"/subscriptions/{notification_type}/{subscription_id}")
        assert response.status_code == 200, response.text

    def outbox(self, **filters: Any) -> list[dict[str, Any]]:
        response = self.outbox_http.get("/_emulator/notifications", params=filters)
        assert response.status_code == 200, response.text
        return list(response.json()["notifications"])

    def messages(self, notification_type: str, seller: int = 0) -> list[dict[str, Any]]:
        return [e["message"] for e in self.outbox(type=notification_type,
                                                  seller=self.seller_id(seller), limit=1000)]

    def new_order(self, seller: int = 0, **spec: Any) -> dict[str, Any]:
        return control_order(self.server, self.seller_id(seller), **spec)

    def advance(self, seconds: float) -> None:
        response = httpx.post(f"{self.server.base_url}/_emulator/clock/advance",
                              json={"seconds": seconds})
        assert response.status_code == 200


def notifications_on(server: Running) -> Notifications:
    from tests.conftest import TokenSource

    token = TokenSource(server).grantless(SCOPE)
    grantless = httpx.Client(base_url=server.base_url, timeout=30,
                             headers={"x-amz-access-token": token})
    # The outbox, read over HTTP from the control plane (no token).
    outbox = httpx.Client(base_url=server.base_url, timeout=30)
    return Notifications(server, grantless, outbox)


@pytest.fixture(scope="module")
def api(models_dir: Path) -> Iterator[Notifications]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          lifecycle="instant")) as server:
        notes = notifications_on(server)
        yield notes
        notes.grantless.close()


# -- destinations -----------------------------------------------------------------------------

def test_destinations_are_created_listed_fetched_and_deleted(api: Notifications) -> None:
    created = api.create_destination({"sqs": {"arn": ARN + "lifecycle"}}, "SQSDestination")
    assert created.status_code == 200
    destination = created.json()["payload"]
    assert destination["name"] == "SQSDestination"
    assert destination["resource"] == {"sqs": {"arn": ARN + "lifecycle"}}
    destination_id = destination["destinationId"]
    listed = api.call(api.grantless, "getDestinations", "GET", "/destinations").json()
    assert destination in listed["payload"]
    fetched = api.call(api.grantless, "getDestination", "GET", f"/destinations/{destination_id}")
    assert fetched.json() == {"payload": destination}
    deleted = api.call(api.grantless, "deleteDestination", "DELETE",
                       f"/destinations/{destination_id}")
    assert (deleted.status_code, deleted.json()) == (200, {})
    gone = api.call(api.grantless, "getDestination", "GET", f"/destinations/{destination_id}")
    assert gone.status_code == 404
    assert gone.json()["errors"][0]["code"] == "NotFound"
    assert gone.json()["errors"][0]["message"] == "The resource specified does not exist."


def test_a_second_destination_for_the_same_arn_is_amazons_409(api: Notifications) -> None:
    api.sqs_destination("twice")
    again = api.create_destination({"sqs": {"arn": ARN + "twice"}})
    application_id = api.server.app.accounts.apps[0].application_id
    assert again.status_code == 409
    assert again.json() == {"errors": [{
        "code": "Conflict",
        "message": "The requested resource conflict with a resource in the server.",
        "details": f"A destination with arn {ARN}twice already exists for the application "
                   f"{application_id}"}]}


def test_event_bridge_destinations_name_their_partner_event_source(api: Notifications) -> None:
    response = api.create_destination({"eventBridge": {"accountId": "111122223333",
                                                       "region": "us-west-2"}})
    application_id = api.server.app.accounts.apps[0].application_id
    assert response.json()["payload"]["resource"] == {"eventBridge": {
        "name": f"sellingpartnerapi.amazon.com/{application_id}", "region": "us-west-2",
        "accountId": "111122223333"}}
    # One EventBridge destination per AWS account.
    again = api.create_destination({"eventBridge": {"accountId": "111122223333",
                                                    "region": "us-east-1"}})
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "Conflict"


@pytest.mark.parametrize("spec", [
    {"sqs": {"arn": "arn:aws:sqs:us-east-1:123456789012:queue:extra"}},
    {"sqs": {"arn": ARN + "both"}, "eventBridge": {"accountId": "111122223333",
                                                  "region": "us-east-1"}},
    {},
    {"eventBridge": {"accountId": "not-an-account", "region": "us-east-1"}},
])
def test_invalid_destinations_are_refused(api: Notifications, spec: dict[str, Any]) -> None:
    response = api.create_destination(spec)
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_destinations_need_a_grantless_token(api: Notifications) -> None:
    with api.seller() as client:
        response = api.call(client, "getDestinations", "GET", "/destinations")
    assert response.status_code == 403


# -- subscriptions ----------------------------------------------------------------------------

def test_subscription_lifecycle(api: Notifications) -> None:
    destination_id = api.sqs_destination("lifecycle-subscriptions")
    created = api.subscribe("FEED_PROCESSING_FINISHED", destination_id, version="2020-09-04")
    assert created.status_code == 200
    subscription = created.json()["payload"]
    assert subscription["destinationId"] == destination_id
    assert subscription["payloadVersion"] == "2020-09-04"
    subscription_id = subscription["subscriptionId"]

    again = api.subscribe("FEED_PROCESSING_FINISHED", destination_id, version="2020-09-04")
    assert again.status_code == 409
    assert again.json()["errors"][0]["code"] == "StateConflict"
    assert again.json()["errors"][0]["message"] == (
        "The resource specified conflicts with the current state.")

    with api.seller() as client:
        got = api.call(client, "getSubscription", "GET", "/subscriptions/FEED_PROCESSING_FINISHED")
        listed = api.call(client, "getSubscriptions", "GET", "/subscriptions",
                          params={"notificationTypes": "FEED_PROCESSING_FINISHED"})
    assert got.json() == {"payload": subscription}
    assert listed.json() == {"payload": {"subscriptions": [subscription]}}
    by_id = api.call(api.grantless, "getSubscriptionById", "GET",
                     f"/subscriptions/FEED_PROCESSING_FINISHED/{subscription_id}")
    assert by_id.json() == {"payload": subscription}
    wrong_type = api.call(api.grantless, "getSubscriptionById", "GET",
                          f"/subscriptions/ORDER_CHANGE/{subscription_id}")
    assert wrong_type.status_code == 404

    in_use = api.call(api.grantless, "deleteDestination", "DELETE",
                      f"/destinations/{destination_id}")
    assert in_use.status_code == 403
    assert in_use.json() == {"errors": [{"code": "Unauthorized",
                                         "message": "The requested action is forbidden.",
                                         "details": "Destination has subscriptions"}]}

    api.unsubscribe("FEED_PROCESSING_FINISHED", subscription_id)
    with api.seller() as client:
        after = api.call(client, "getSubscription", "GET",
                         "/subscriptions/FEED_PROCESSING_FINISHED")
    assert after.status_code == 404
    deleted = api.call(api.grantless, "deleteDestination", "DELETE",
                       f"/destinations/{destination_id}")
    assert deleted.status_code == 200


def test_subscriptions_belong_to_their_seller(api: Notifications) -> None:
    destination_id = api.sqs_destination("per-seller")
    api.subscribed("FEED_PROCESSING_FINISHED", destination_id, seller=1, version="2020-09-04")
    with api.seller(3) as other:
        missing = api.call(other, "getSubscription", "GET",
                           "/subscriptions/FEED_PROCESSING_FINISHED")
    assert missing.status_code == 404
    # The other seller may subscribe the same app to the same destination.
    assert api.subscribe("FEED_PROCESSING_FINISHED", destination_id, seller=3,
                         version="2020-09-04").status_code == 200


@pytest.fixture(scope="module")
def spare_destination(api: Notifications) -> str:
    return api.sqs_destination("spare")


@pytest.mark.parametrize(("notification_type", "body", "details"), [
    ("NOT_A_TYPE", {}, "NOT_A_TYPE is not a supported notificationType."),
    ("ORDER_CHANGE", {"payloadVersion": "9.9"}, "payloadVersion 9.9 is not supported"),
    ("ORDER_CHANGE", {"destinationId": "no-such-destination"}, "does not exist"),
    ("LISTINGS_ITEM_STATUS_CHANGE", {}, "delivered to eventBridge destinations only"),
    ("REPORT_PROCESSING_FINISHED", {"payloadVersion": "2020-09-04", "processingDirective": {
        "eventFilter": {"eventFilterType": "ORDER_CHANGE"}}}, "does not support an eventFilter"),
    ("ORDER_CHANGE", {"processingDirective": {"eventFilter": {
        "eventFilterType": "ANY_OFFER_CHANGED"}}}, "The eventFilterType of a ORDER_CHANGE"),
    ("ORDER_CHANGE", {"processingDirective": {"eventFilter": {
        "eventFilterType": "ORDER_CHANGE",
        "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"}}}},
     "does not support the filter(s) ['aggregationSettings']"),
    ("ORDER_CHANGE", {"processingDirective": {"filterExpression": "true"}},
     "filterExpression is not supported"),
])
def test_subscription_refusals(api: Notifications, spare_destination: str,
                               notification_type: str, body: dict[str, Any],
                               details: str) -> None:
    response = api.subscribe(notification_type, spare_destination, seller=4, **body)
    assert response.status_code == 400, response.text
    error = response.json()["errors"][0]
    assert (error["code"], error["message"]) == ("InvalidInput", BAD_REQUEST)
    assert details in error["details"]


def test_an_sqs_type_is_refused_for_an_event_bridge_destination(api: Notifications) -> None:
    response = api.subscribe("ORDER_CHANGE", api.bridge_destination("444455556666"), seller=4)
    assert response.status_code == 400
    assert "delivered to sqs destinations only" in response.json()["errors"][0]["details"]


# -- messages from the state ------------------------------------------------------------------

def test_a_new_order_and_its_status_changes_are_order_change_messages(
        api: Notifications, models_dir: Path) -> None:
    destination_id = api.sqs_destination("orders")
    subscription_id = api.subscribed("ORDER_CHANGE", destination_id)
    order = api.new_order(marketplace_id=US)
    [message] = api.messages("ORDER_CHANGE")
    assert schema_errors(models_dir, message) == []
    change = message["Payload"]["OrderChangeNotification"]
    assert change["AmazonOrderId"] == order["order_id"]
    assert change["SellerId"] == api.seller_id()
    assert change["OrderChangeType"] == "OrderStatusChange"
    assert change["Summary"]["OrderStatus"] == "Pending"
    assert change["Summary"]["MarketplaceId"] == US
    metadata = message["NotificationMetadata"]
    assert metadata["SubscriptionId"] == subscription_id
    assert metadata["ApplicationId"] == api.server.app.accounts.apps[0].application_id
    [entry] = api.outbox(type="ORDER_CHANGE", seller=api.seller_id())
    assert entry["deliveries"] == [{"target": "record", "address": ARN + "orders",
                                    "status": "recorded", "attempts": 0, "error": None,
                                    "last_attempt": None, "delivered_at": None}]

    app = api.server.app
    state = app.store.of(app.accounts.sellers[0])
    order_rules.set_status(app.store, state, state.orders[order["order_id"]], "Canceled")
    statuses = [m["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
                for m in api.messages("ORDER_CHANGE")]
    assert statuses == ["Pending", "Canceled"]
    api.unsubscribe("ORDER_CHANGE", subscription_id)
    api.new_order()
    assert len(api.messages("ORDER_CHANGE")) == 2  # no subscription, no message


def test_order_change_filters_drop_what_they_exclude(api: Notifications,
                                                     models_dir: Path) -> None:
    destination_id = api.sqs_destination("filtered-orders")
    api.subscribed("ORDER_CHANGE", destination_id, seller=1, processingDirective={
        "eventFilter": {"eventFilterType": "ORDER_CHANGE", "marketplaceIds": [DE]}})
    api.subscribed("ORDER_CHANGE", destination_id, seller=3, processingDirective={
        "eventFilter": {"eventFilterType": "ORDER_CHANGE",
                        "orderChangeTypes": ["BuyerRequestedChange"]}})
    api.new_order(seller=1, marketplace_id=UK)
    api.new_order(seller=3)
    assert api.messages("ORDER_CHANGE", seller=1) == []
    assert api.messages("ORDER_CHANGE", seller=3) == []
    order = api.new_order(seller=1, marketplace_id=DE)
    [message] = api.messages("ORDER_CHANGE", seller=1)
    assert message["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == order["order_id"]
    assert schema_errors(models_dir, message) == []


def test_any_offer_changed_follows_price_changes_and_aggregates(
        api: Notifications, models_dir: Path) -> None:
    destination_id = api.sqs_destination("offers")
    with api.seller() as client:
        listings = Api(api.server, client)
        listing = some_listing(listings, "MFN")

        def price(amount: float) -> None:
            answer = listings.patch(listing.sku, [{
                "op": "replace", "path": "/attributes/purchasable_offer",
                "value": offer(amount)}])
            assert answer.json()["status"] == "ACCEPTED", answer.text

        def my_prices() -> list[float]:
            return [next(o["ListingPrice"]["Amount"] for o in m["Payload"][
                "AnyOfferChangedNotification"]["Offers"] if o["SellerId"] == api.seller_id())
                for m in api.messages("ANY_OFFER_CHANGED")]

        plain = api.subscribed("ANY_OFFER_CHANGED", destination_id)
        price(31.5)
        price(32.5)
        assert my_prices() == [31.5, 32.5]  # every change, without aggregation
        message = api.messages("ANY_OFFER_CHANGED")[-1]
        assert schema_errors(models_dir, message) == []
        trigger = message["Payload"]["AnyOfferChangedNotification"]["OfferChangeTrigger"]
        assert (trigger["MarketplaceId"], trigger["ASIN"]) == (US, listing.asin)
        api.unsubscribe("ANY_OFFER_CHANGED", plain)

        api.subscribed("ANY_OFFER_CHANGED", destination_id, processingDirective={
            "eventFilter": {"eventFilterType": "ANY_OFFER_CHANGED", "marketplaceIds": [US],
                            "aggregationSettings": {"aggregationTimePeriod": "FiveMinutes"}}})
        price(40)  # the first change is sent at once
        price(41)
        price(42)  # held: the window's end sends the final state
        assert my_prices() == [31.5, 32.5, 40]
        api.advance(299)
        assert my_prices() == [31.5, 32.5, 40]
        api.advance(1)
        assert my_prices() == [31.5, 32.5, 40, 42]
        api.advance(300)  # nothing happened in the next window: nothing is sent
        assert my_prices() == [31.5, 32.5, 40, 42]
        price(43)  # the window closed: sent at once again
        assert my_prices() == [31.5, 32.5, 40, 42, 43]
        assert all(schema_errors(models_dir, m) == [] for m in api.messages("ANY_OFFER_CHANGED"))


def test_listing_status_and_mfn_quantity_messages(api: Notifications, models_dir: Path) -> None:
    destination_id = api.bridge_destination("123456789012")
    api.subscribed("LISTINGS_ITEM_STATUS_CHANGE", destination_id)
    api.subscribed("LISTINGS_ITEM_MFN_QUANTITY_CHANGE", destination_id)
    with api.seller() as client:
        listings = Api(api.server, client)
        listing = some_listing(listings, "MFN", quantity=listing_quantity(listings))
        listings.patch(listing.sku, [{"op": "replace", "path": "/attributes/item_name",
                                      "value": [{"value": "Renamed", "language_tag": "en_US"}]}])
        # A new name moves neither status nor quantity.
        assert api.messages("LISTINGS_ITEM_STATUS_CHANGE") == []
        assert api.messages("LISTINGS_ITEM_MFN_QUANTITY_CHANGE") == []
        listings.patch(listing.sku, [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 0}]}])
    [quantity] = api.messages("LISTINGS_ITEM_MFN_QUANTITY_CHANGE")
    assert quantity["Payload"] == {"SellerId": api.seller_id(), "FulfillmentChannelCode": "DEFAULT",
                                   "Sku": listing.sku, "Quantity": 0}
    # Nothing left to buy: one message per marketplace the listing stopped being buyable in.
    statuses = api.messages("LISTINGS_ITEM_STATUS_CHANGE")
    assert {m["Payload"]["MarketplaceId"]: m["Payload"]["Status"] for m in statuses} == {
        market: ["DISCOVERABLE"] for market, status in listing.status.items() if status}
    assert all(m["NotificationType"] == "LISTINGS_ITEM_STATUS_CHANGE"
               and m["Payload"]["Sku"] == listing.sku for m in statuses)
    for message in (quantity, *statuses):
        assert schema_errors(models_dir, message) == []
    entry = api.outbox(type="LISTINGS_ITEM_STATUS_CHANGE")[0]
    assert [(d["target"], d["status"]) for d in entry["deliveries"]] == [("record", "recorded")]


def listing_quantity(listings: Api) -> int:
    """A quantity some buyable MFN listing in the US has (more than zero)."""
    return next(x.quantity for x in listings.state.listings.values()
                if x.fulfillment == "MFN" and "BUYABLE" in x.status.get(US, ()) and x.quantity)


def test_fba_inventory_changes(api: Notifications, models_dir: Path) -> None:
    api.subscribed("FBA_INVENTORY_AVAILABILITY_CHANGES", api.sqs_destination("fba"))
    order = api.new_order(fulfillment="AFN", marketplace_id=US)
    sku = order["items"][0]["sku"]
    [message] = api.messages("FBA_INVENTORY_AVAILABILITY_CHANGES")
    assert schema_errors(models_dir, message) == []
    payload = message["Payload"]
    app = api.server.app
    record = app.store.of(app.accounts.sellers[0]).inventory[sku]
    assert (payload["SKU"], payload["FNSKU"]) == (sku, record.fnsku)
    inventory = payload["FulfillmentInventoryByMarketplace"][0]["FulfillmentInventory"]
    assert inventory["Fulfillable"] == record.fulfillable
    assert inventory["ReservedQuantityBreakdown"]["PendingCustomerOrder"] == (
        record.reserved_customer_order)


def test_report_processing_finished_goes_to_the_app_that_asked(
        api: Notifications, models_dir: Path) -> None:
    api.subscribed("REPORT_PROCESSING_FINISHED", api.sqs_destination("reports"),
                   version="2020-09-04")
    with api.seller() as client:
        created = client.post("/reports/2021-06-30/reports", json={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
    assert created.status_code == 202, created.text
    report_id = created.json()["reportId"]

    def finished(report: str) -> list[dict[str, Any]]:
        return [m for m in api.messages("REPORT_PROCESSING_FINISHED") if m["payload"][
            "reportProcessingFinishedNotification"]["reportId"] == report]

    [message] = wait_for(lambda: finished(report_id))
    assert schema_errors(models_dir, message) == []
    body = message["payload"]["reportProcessingFinishedNotification"]
    assert body["reportType"] == "GET_MERCHANT_LISTINGS_ALL_DATA"
    assert body["processingStatus"] == "DONE" and body["reportDocumentId"]
    assert body["accountId"] == f"amzn1.merchant.o.{api.seller_id()}"
    assert message["notificationVersion"] == "2020-09-04"
    # Another app's report is none of this app's business.
    for app_id in ("another-app", api.server.app.accounts.apps[0].client_id):
        api.server.app.events.publish(Event(REPORT_FINISHED, api.seller_id(),
                                            api.server.app.clock.now(), {
            "report_id": app_id, "report_type": "GET_MERCHANT_LISTINGS_ALL_DATA",
            "processing_status": "CANCELLED", "report_document_id": None}, app_id))
    assert finished("another-app") == []
    assert len(finished(api.server.app.accounts.apps[0].client_id)) == 1


def test_feed_processing_finished_of_a_vendor(api: Notifications, models_dir: Path) -> None:
    # Published here as the feeds lifecycle publishes it (its createFeed is not in yet).
    api.subscribed("FEED_PROCESSING_FINISHED", api.sqs_destination("feeds"), seller=4,
                   version="2020-09-04")
    app = api.server.app
    app.events.publish(Event(FEED_FINISHED, api.seller_id(4), app.clock.now(), {
        "feed_id": "50001018000", "feed_type": "JSON_LISTINGS_FEED",
        "processing_status": "DONE", "result_feed_document_id": "amzn1.tortuga.4.na.result"},
        app.accounts.apps[0].client_id))
    [message] = api.messages("FEED_PROCESSING_FINISHED", seller=4)
    assert schema_errors(models_dir, message) == []
    body = message["payload"]["feedProcessingFinishedNotification"]
    assert body.pop("accountId").startswith("amzn1.vg.")  # a vendor: no sellerId either
    assert body == {"feedId": "50001018000", "feedType": "JSON_LISTINGS_FEED",
                    "processingStatus": "DONE",
                    "resultFeedDocumentId": "amzn1.tortuga.4.na.result"}


def test_send_test_notification(api: Notifications, models_dir: Path) -> None:
    missing = api.call(api.grantless, "sendTestNotification", "POST",
                       "/subscriptions/ITEM_SALES_EVENT_CHANGE/testNotification", json={})
    assert missing.status_code == 404
    destination_id = api.sqs_destination("tests")
    api.subscribed("ANY_OFFER_CHANGED", destination_id, seller=2)
    api.subscribed("REPORT_PROCESSING_FINISHED", destination_id, seller=4,
                   version="2020-09-04")
    for notification_type, seller in (("ANY_OFFER_CHANGED", 2),
                                      ("REPORT_PROCESSING_FINISHED", 4)):
        sent = api.call(api.grantless, "sendTestNotification", "POST",
                        f"/subscriptions/{notification_type}/testNotification",
                        json={"destinationId": destination_id})
        assert (sent.status_code, sent.json()) == (200, {})
        [entry] = api.outbox(type=notification_type, seller=api.seller_id(seller))
        assert entry["test"] is True and entry["destination_id"] == destination_id
        assert schema_errors(models_dir, entry["message"]) == []
    # A type the emulator builds is about the seller's own offers; others are the schema's
    # example.
    [offers] = api.messages("ANY_OFFER_CHANGED", seller=2)
    changed = offers["Payload"]["AnyOfferChangedNotification"]
    app = api.server.app
    asins = {x.asin for x in app.store.of(app.accounts.sellers[2]).listings.values()}
    assert changed["SellerId"] == api.seller_id(2)
    assert changed["OfferChangeTrigger"]["ASIN"] in asins


# -- the outbox -------------------------------------------------------------------------------

def test_the_outbox_filters(api: Notifications) -> None:
    destination_id = api.sqs_destination("outbox")
    api.subscribed("ORDER_CHANGE", destination_id, seller=2)
    first, second = api.new_order(seller=2), api.new_order(seller=2)
    entries = api.outbox(destination=destination_id)
    assert [e["message"]["Payload"]["OrderChangeNotification"]["AmazonOrderId"]
            for e in entries] == [first["order_id"], second["order_id"]]  # newest last
    assert api.outbox(destination=destination_id, limit=1) == entries[-1:]
    assert api.outbox(destination=destination_id, status="recorded") == entries
    assert api.outbox(destination=destination_id, status="failed") == []
    assert api.outbox(destination=destination_id, type="ANY_OFFER_CHANGED") == []
    assert all(e["seller_id"] == api.seller_id(2) for e in api.outbox(seller=api.seller_id(2)))
    whole = api.outbox_http.get("/_emulator/notifications").json()
    assert whole["total"] >= len(whole["notifications"]) and whole["capacity"] == 10_000
    for bad in ({"colour": "red"}, {"status": "lost"}, {"limit": "-1"}, {"limit": "many"}):
        response = api.outbox_http.get("/_emulator/notifications", params=bad)
        assert response.status_code == 400
        assert response.json()["errors"][0]["code"] == "InvalidInput"


# Last: it resets the module's emulator.
def test_a_reset_ends_aggregation_windows_and_keeps_subscriptions(api: Notifications) -> None:
    seller_id = api.seller_id(3)
    api.subscribed("ANY_OFFER_CHANGED", api.sqs_destination("reset"), seller=3,
                   processingDirective={"eventFilter": {
                       "eventFilterType": "ANY_OFFER_CHANGED",
                       "aggregationSettings": {"aggregationTimePeriod": "TenMinutes"}}})
    app = api.server.app
    listing = next(x for x in app.store.of(app.accounts.sellers[3]).listings.values()
                   if US in x.prices)
    with api.seller(3) as client:
        for amount in (12.5, 13.5):  # the second is held for the window's end
            answer = client.patch(f"/listings/2021-08-01/items/{seller_id}/{listing.sku}",
                                  params={"marketplaceIds": US}, json={
                                      "productType": "PRODUCT", "patches": [{
                                          "op": "replace",
                                          "path": "/attributes/purchasable_offer",
                                          "value": offer(amount)}]})
            assert answer.json()["status"] == "ACCEPTED", answer.text
        assert len(api.messages("ANY_OFFER_CHANGED", seller=3)) == 1
        assert httpx.post(f"{api.server.base_url}/_emulator/reset", json={}).status_code == 200
        api.advance(600)
        assert len(api.messages("ANY_OFFER_CHANGED", seller=3)) == 1
        kept = api.call(client, "getSubscription", "GET", "/subscriptions/ANY_OFFER_CHANGED")
    assert kept.status_code == 200


# -- resets -----------------------------------------------------------------------------------

def test_reset_keeps_registrations_and_outbox_unless_asked(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          lifecycle="instant")) as server:
        notes = notifications_on(server)
        reset = f"{server.base_url}/_emulator/reset"
        first = notes.sqs_destination("kept")
        notes.subscribed("ORDER_CHANGE", first)
        notes.new_order()
        wait_for(lambda: notes.outbox(type="ORDER_CHANGE"))

        def destinations() -> list[dict[str, Any]]:
            return list(notes.call(notes.grantless, "getDestinations", "GET",
                                   "/destinations").json()["payload"])

        plain = httpx.post(reset, json={})
        assert plain.status_code == 200 and plain.json()["cleared"] == []
        assert [d["destinationId"] for d in destinations()] == [first]
        assert notes.outbox(type="ORDER_CHANGE")

        both = httpx.post(reset, json={"notifications": True, "outbox": True})
        assert both.status_code == 200 and both.json()["cleared"] == ["notifications", "outbox"]
        assert destinations() == [] and notes.outbox() == []
        # Ids start again as after a start: the same calls make the same ids.
        assert notes.sqs_destination("kept") == first

        for bad in ({"everything": True}, {"outbox": "yes"}, [1]):
            refused = httpx.post(reset, json=bad)
            assert refused.status_code == 400, bad
            assert "notifications" in refused.json()["errors"][0]["message"]
        notes.grantless.close()

"""Notifications delivered end to end: a real SQS/EventBridge API (moto in server mode, from
PyPI) receives what the emulator sends, and the tests read it with boto3 exactly as an app
would; a webhook gets every message too. Failing targets are retried with backoff and end
`failed` in the outbox with the service's reason, or `delivered` once the service is up.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from emulator.config import Settings
from emulator.families.notifications.delivery import RetryPolicy
from emulator.harness.embedded import running
from tests.test_listings import Api, some_listing
from tests.test_notifications import (
    Notifications,
    notifications_on,
    schema_errors,
    wait_for,
)

US, UK = "ATVPDKIKX0DER", "A1F83G8C2ARO7P"
REGION, ACCOUNT = "us-east-1", "123456789012"
FAST = RetryPolicy(attempts=3, first_delay=0.05)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def aws(service: str, url: str) -> Any:
    return boto3.client(service, endpoint_url=url, region_name=REGION,
                        aws_access_key_id="testing", aws_secret_access_key="testing")


def start_moto(port: int) -> ThreadedMotoServer:
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto logs every request
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    return server


def new_queue(sqs: Any, name: str) -> tuple[str, str]:
    """A queue's URL and ARN, made as an app's developer makes it."""
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    return url, arn["Attributes"]["QueueArn"]


def receive(sqs: Any, queue_url: str, timeout: float = 10.0) -> dict[str, Any]:
    """The next message's body, as an app reads it (and deletes it)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=1,
                                       MaxNumberOfMessages=1).get("Messages", [])
        if messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=messages[0]["ReceiptHandle"])
            return dict(json.loads(messages[0]["Body"]))
    raise AssertionError(f"no message on {queue_url} within {timeout} s")


class Webhook:
    """A local HTTP server that keeps the JSON bodies POSTed to it."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                received.append(json.loads(self.rfile.read(length)))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notifications"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = start_moto(port)
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture(scope="module")
def webhook() -> Iterator[Webhook]:
    hook = Webhook()
    yield hook
    hook.close()


@pytest.fixture(scope="module")
def api(models_dir: Path, moto_url: str, webhook: Webhook) -> Iterator[Notifications]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          lifecycle="instant", sqs_endpoint=moto_url,
                          eventbridge_endpoint=moto_url, webhook_url=webhook.url)) as server:
        notes = notifications_on(server)
        yield notes
        notes.grantless.close()


@pytest.fixture
def fast_retries(api: Notifications) -> Iterator[None]:
    deliverer = api.server.app.families["notifications"].deliverer
    deliverer.policy, before = FAST, deliverer.policy
    yield
    deliverer.policy = before


def delivered(api: Notifications, notification_id: str) -> dict[str, Any] | None:
    """The outbox entry once none of its targets is pending any more."""
    entry = next(e for e in api.outbox(limit=10_000)
                 if e["notification_id"] == notification_id)
    return entry if entry["status"] != "pending" else None


def test_an_order_change_reaches_the_queue_and_the_webhook(
        api: Notifications, moto_url: str, webhook: Webhook, models_dir: Path) -> None:
    sqs = aws("sqs", moto_url)
    queue_url, arn = new_queue(sqs, "orders")
    destination_id = api.sqs_destination(arn)
    api.subscribed("ORDER_CHANGE", destination_id)
    order = api.new_order(marketplace_id=US)

    message = receive(sqs, queue_url)
    assert schema_errors(models_dir, message) == []
    change = message["Payload"]["OrderChangeNotification"]
    assert change["AmazonOrderId"] == order["order_id"]
    assert change["SellerId"] == api.seller_id()
    assert message["NotificationType"] == "ORDER_CHANGE"

    notification_id = message["NotificationMetadata"]["NotificationId"]
    entry = wait_for(lambda: delivered(api, notification_id))
    assert entry["message"] == message
    assert {d["target"]: (d["status"], d["attempts"]) for d in entry["deliveries"]} == {
        "sqs": ("delivered", 1), "webhook": ("delivered", 1)}
    assert wait_for(lambda: [m for m in webhook.received if m == message])


def test_a_finished_report_reaches_the_queue(api: Notifications, moto_url: str,
                                             models_dir: Path) -> None:
    sqs = aws("sqs", moto_url)
    queue_url, arn = new_queue(sqs, "reports")
    destination_id = api.sqs_destination(arn)
    api.subscribed("REPORT_PROCESSING_FINISHED", destination_id, version="2020-09-04")
    with api.seller() as client:  # the Reports API's createReport, lifecycle instant
        created = client.post("/reports/2021-06-30/reports", json={
            "reportType": "GET_MERCHANT_LISTINGS_ALL_DATA", "marketplaceIds": [US]})
    assert created.status_code == 202, created.text

    message = receive(sqs, queue_url)
    assert schema_errors(models_dir, message) == []
    finished = message["payload"]["reportProcessingFinishedNotification"]
    assert finished["reportId"] == created.json()["reportId"]
    assert finished["processingStatus"] == "DONE"


def test_a_missing_queue_is_retried_then_failed_with_the_reason(
        api: Notifications, fast_retries: None) -> None:
    destination_id = api.sqs_destination("no-such-queue")
    api.subscribed("ORDER_CHANGE", destination_id, seller=1)
    api.new_order(seller=1, marketplace_id=UK)
    [entry] = api.outbox(destination=destination_id)
    done = wait_for(lambda: delivered(api, entry["notification_id"]))
    sqs = next(d for d in done["deliveries"] if d["target"] == "sqs")
    assert (sqs["status"], sqs["attempts"]) == ("failed", FAST.attempts)
    assert "NonExistentQueue" in sqs["error"]
    assert done["status"] == "failed"
    assert api.outbox(destination=destination_id, status="failed") == [done]


def test_event_bridge_destinations_get_put_events(api: Notifications, moto_url: str,
                                                  models_dir: Path) -> None:
    sqs, bridge = aws("sqs", moto_url), aws("events", moto_url)
    application_id = api.server.app.accounts.apps[0].application_id
    source = f"aws.partner/sellingpartnerapi.amazon.com/{ACCOUNT}/{application_id}"
    # The app's side: a rule on the bus that sends Amazon's events to a queue.
    queue_url, arn = new_queue(sqs, "bridged")
    bridge.put_rule(Name="spapi", EventPattern=json.dumps({"source": [source]}))
    bridge.put_targets(Rule="spapi", Targets=[{"Id": "queue", "Arn": arn}])
    api.subscribed("LISTINGS_ITEM_MFN_QUANTITY_CHANGE", api.bridge_destination(ACCOUNT))
    with api.seller() as client:
        listings = Api(api.server, client)
        listing = some_listing(listings, "MFN")
        listings.patch(listing.sku, [{
            "op": "replace", "path": "/attributes/fulfillment_availability",
            "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 3}]}])

    event = receive(sqs, queue_url)
    assert event["source"] == source
    assert event["detail-type"] == "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
    assert schema_errors(models_dir, event["detail"]) == []
    assert event["detail"]["Payload"]["Sku"] == listing.sku
    assert event["detail"]["Payload"]["Quantity"] == 3


def test_an_endpoint_that_is_down_is_retried_until_it_is_up(models_dir: Path) -> None:
    port = free_port()  # nothing listens here yet
    url = f"http://127.0.0.1:{port}"
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          sqs_endpoint=url)) as server:
        server.app.families["notifications"].deliverer.policy = RetryPolicy(
            attempts=60, first_delay=0.05, max_delay=0.2)
        api = notifications_on(server)
        destination_id = api.sqs_destination(f"arn:aws:sqs:{REGION}:{ACCOUNT}:late")
        api.subscribed("ORDER_CHANGE", destination_id)
        started = time.monotonic()
        order = api.new_order()
        assert time.monotonic() - started < 1.0  # delivery never holds up the request

        def retried() -> dict[str, Any] | None:
            [entry] = api.outbox(destination=destination_id)
            sqs = entry["deliveries"][0]
            return entry if sqs["status"] == "pending" and sqs["attempts"] >= 2 else None

        entry = wait_for(retried)
        assert entry["deliveries"][0]["error"]  # why the last attempt failed
        moto = start_moto(port)
        try:
            sqs = aws("sqs", url)
            queue_url, _ = new_queue(sqs, "late")
            done = wait_for(lambda: delivered(api, entry["notification_id"]))
            assert done["deliveries"][0]["status"] == "delivered"
            assert done["deliveries"][0]["error"] is None
            message = receive(sqs, queue_url)
            assert message["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == (
                order["order_id"])
        finally:
            api.grantless.close()
            moto.stop()

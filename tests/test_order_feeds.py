"""Order feeds end to end over HTTP: POST_ORDER_FULFILLMENT_DATA (XML, and a flat file under
the same type), POST_FLAT_FILE_FULFILLMENT_DATA and POST_ORDER_ACKNOWLEDGEMENT_DATA change
the seller's orders through the Orders rules (as confirmShipment does), with Amazon's XML and
flat-file processing reports; records the rules refuse are reported and change nothing; the
Order Report no longer lists what was shipped."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from tests.conftest import TokenSource
from tests.support import control_order
from tests.test_feeds import Feeds, feeds_of
from tests.test_merchant_fulfillment import server

XML = "text/xml; charset=UTF-8"
TSV = "text/tab-separated-values; charset=UTF-8"
__all__ = ["server"]  # the fixture: an emulator of this module's own


@pytest.fixture
def feeds(server: Running) -> Iterator[Feeds]:
    yield from feeds_of(server, TokenSource(server).seller())


def state_of(server: Running) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[0])


def new_order(server: Running, **spec: Any) -> dict[str, Any]:
    return control_order(server, **{"status": "Unshipped", "fulfillment": "MFN", **spec})


def envelope(message_type: str, messages: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?><AmazonEnvelope '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            'xsi:noNamespaceSchemaLocation="amzn-envelope.xsd"><Header><DocumentVersion>1.01'
            '</DocumentVersion><MerchantIdentifier>M_TEST</MerchantIdentifier></Header>'
            f"<MessageType>{message_type}</MessageType>{messages}</AmazonEnvelope>").encode()


def fulfillment(message_id: int, order_id: str, tracking: str, items: str = "",
                date: str = "2030-01-01T10:00:00Z", reference: str = "") -> str:
    package = f"<MerchantFulfillmentID>{reference}</MerchantFulfillmentID>" if reference else ""
    return (f"<Message><MessageID>{message_id}</MessageID><OperationType>Update</OperationType>"
            f"<OrderFulfillment><AmazonOrderID>{order_id}</AmazonOrderID>{package}"
            f"<FulfillmentDate>{date}</FulfillmentDate><FulfillmentData><CarrierCode>UPS"
            "</CarrierCode><ShippingMethod>Ground</ShippingMethod><ShipperTrackingNumber>"
            f"{tracking}</ShipperTrackingNumber></FulfillmentData>{items}</OrderFulfillment>"
            "</Message>")


def report(feeds: Feeds, feed_type: str, content: bytes, content_type: str = XML
           ) -> tuple[str, str]:
    feed, raw = feeds.result(feeds.submit(feed_type, content, content_type))
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
    return feed["processingStatus"], text


def results(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    root = ElementTree.fromstring(text)
    summary = {e.tag: e.text or "" for e in root.find("Message/ProcessingReport/"
                                                      "ProcessingSummary")}  # type: ignore[union-attr]
    found = []
    for result in root.iter("Result"):
        found.append({e.tag: e.text or "" for e in result if e.tag != "AdditionalInfo"}
                     | {e.tag: e.text or "" for e in result.iter("AmazonOrderID")})
    return summary, found


def test_fulfillment_xml_ships_orders(server: Running, feeds: Feeds) -> None:
    whole, partial = new_order(server), new_order(server)
    sku = next(x.sku for x in state_of(server).listings.values()
               if x.fulfillment == "MFN" and x.quantity >= 3)
    three = new_order(server, items=[{"sku": sku, "quantity": 3}])
    item = three["items"][0]["order_item_id"]
    messages = "".join((
        fulfillment(1, whole["order_id"], "1ZWHOLE"),
        fulfillment(2, three["order_id"], "1ZPART", items=(
            f"<Item><AmazonOrderItemCode>{item}</AmazonOrderItemCode><Quantity>2</Quantity>"
            "</Item>"), reference="4242"),
        fulfillment(3, "111-1111111-1111111", "1ZNONE"),
        fulfillment(4, partial["order_id"], "1ZBADDATE", date="yesterday"),
    ))
    status, text = report(feeds, "POST_ORDER_FULFILLMENT_DATA",
                          envelope("OrderFulfillment", messages))
    assert status == "DONE"
    summary, found = results(text)
    assert summary == {"MessagesProcessed": "4", "MessagesSuccessful": "2",
                       "MessagesWithError": "2", "MessagesWithWarning": "0"}
    assert found == [
        {"MessageID": "3", "ResultCode": "Error", "ResultMessageCode": "25",
         "ResultDescription": "Invalid orderId '111-1111111-1111111'.",
         "AmazonOrderID": "111-1111111-1111111"},
        {"MessageID": "4", "ResultCode": "Error", "ResultMessageCode": "18028",
         "ResultDescription": "The data you submitted is incomplete or invalid.",
         "AmazonOrderID": partial["order_id"]}]
    state = state_of(server)
    assert state.orders[whole["order_id"]].status == "Shipped"
    [package] = state.orders[whole["order_id"]].shipments
    assert (package.carrier, package.tracking_number, package.ship_method) == (
        "UPS", "1ZWHOLE", "Ground")
    assert state.orders[three["order_id"]].status == "PartiallyShipped"
    assert state.orders[three["order_id"]].shipments[0].package_reference_id == "4242"
    assert state.orders[partial["order_id"]].status == "Unshipped"
    # The same MerchantFulfillmentID again corrects the package, as confirmShipment does.
    report(feeds, "POST_ORDER_FULFILLMENT_DATA", envelope("OrderFulfillment", fulfillment(
        1, three["order_id"], "1ZFIXED", reference="4242", items=(
            f"<Item><AmazonOrderItemCode>{item}</AmazonOrderItemCode><Quantity>2</Quantity>"
            "</Item>"))))
    assert state.orders[three["order_id"]].shipments[0].tracking_number == "1ZFIXED"
    assert state.orders[three["order_id"]].status == "PartiallyShipped"


def test_fulfillment_flat_files(server: Running, feeds: Feeds) -> None:
    first, second = new_order(server), new_order(server)
    header = ("order-id\torder-item-id\tquantity\tship-date\tcarrier-code\tcarrier-name\t"
              "tracking-number\tship-method\n")
    rows = "".join(
        f"{o['order_id']}\t{o['items'][0]['order_item_id']}\t{o['items'][0]['quantity']}\t"
        f"2030-01-02\tUSPS\t\t9400{n}\tPriority Mail\n" for n, o in enumerate((first, second)))
    rows += f"{first['order_id']}\t99999999999999\t1\t2030-01-02\tUSPS\t\t9400X\tPriority\n"
    for feed_type in ("POST_FLAT_FILE_FULFILLMENT_DATA", "POST_ORDER_FULFILLMENT_DATA"):
        status, text = report(feeds, feed_type, (header + rows).encode(), TSV)
        assert status == "DONE"
        lines = text.splitlines()
        assert lines[1].split("\t")[-1] == "3"
        assert lines[4].split("\t") == ["original-record-number", "order-id", "order-item-id",
                                        "error-code", "error-type", "error-message"]
        if feed_type == "POST_FLAT_FILE_FULFILLMENT_DATA":
            assert lines[2].split("\t")[-1] == "2"
            assert lines[5].split("\t")[:5] == ["3", first["order_id"], "99999999999999", "25",
                                                "Error"]
    state = state_of(server)
    assert state.orders[first["order_id"]].status == "Shipped"
    assert state.orders[second["order_id"]].shipments[0].tracking_number == "94001"
    status, text = report(feeds, "POST_FLAT_FILE_FULFILLMENT_DATA", b"sku\tqty\nA\t1\n", TSV)
    assert status == "DONE"
    assert text.splitlines()[5].split("\t") == [
        "0", "", "", "90012", "Fatal",
        "The required order-id field is missing from the file. To correct this error, download "
        "the template again and use the new copy, or insert the required field into your "
        "existing file."]


def test_acknowledgements(server: Running, feeds: Feeds) -> None:
    acked, failed, cancelled = (new_order(server) for _ in range(3))
    shipped = new_order(server, status="Shipped")
    two = [x.sku for x in state_of(server).listings.values()
           if x.fulfillment == "MFN" and x.quantity >= 1][:2]
    partly = new_order(server, items=[{"sku": sku, "quantity": 1} for sku in two])

    def message(number: int, order: dict[str, Any], status: str, body: str = "") -> str:
        return (f"<Message><MessageID>{number}</MessageID><OrderAcknowledgement><AmazonOrderID>"
                f"{order['order_id']}</AmazonOrderID>{body}<StatusCode>{status}</StatusCode>"
                "</OrderAcknowledgement></Message>")

    def cancel_items(order: dict[str, Any]) -> str:
        return "".join(f"<Item><AmazonOrderItemCode>{i['order_item_id']}</AmazonOrderItemCode>"
                       "<CancelReason>NoInventory</CancelReason></Item>"
                       for i in order["items"])

    messages = "".join((
        message(1, acked, "Success", "<MerchantOrderID>MY-ORDER-1</MerchantOrderID>"),
        message(2, failed, "Failure"),
        message(3, cancelled, "Success", cancel_items(cancelled)),
        message(4, shipped, "Failure"),
        message(5, partly, "Success", cancel_items({"items": partly["items"][:1]})),
    ))
    status, text = report(feeds, "POST_ORDER_ACKNOWLEDGEMENT_DATA",
                          envelope("OrderAcknowledgement", messages))
    assert status == "DONE"
    summary, found = results(text)
    assert (summary["MessagesProcessed"], summary["MessagesSuccessful"]) == ("5", "3")
    assert [(r["MessageID"], r["ResultDescription"]) for r in found] == [
        ("4", "The order is Shipped; only orders not shipped yet can be cancelled."),
        ("5", "A cancellation must cover every item of the order; the emulator does not model "
              "partly cancelled orders.")]
    state = state_of(server)
    assert state.orders[acked["order_id"]].seller_order_id == "MY-ORDER-1"
    assert state.orders[acked["order_id"]].status == "Unshipped"
    assert state.orders[failed["order_id"]].status == "Canceled"
    assert state.orders[cancelled["order_id"]].status == "Canceled"
    assert state.orders[shipped["order_id"]].status == "Shipped"
    assert state.orders[partly["order_id"]].status == "Unshipped"


def test_a_document_that_is_not_the_right_xml_is_fatal(server: Running, feeds: Feeds) -> None:
    order = new_order(server)
    for content in (b"<AmazonEnvelope><MessageType>OrderFulfillment", envelope(
            "Inventory", fulfillment(1, order["order_id"], "1Z"))):
        status, text = report(feeds, "POST_ORDER_FULFILLMENT_DATA", content)
        assert status == "FATAL"
        assert results(text)[1][0]["ResultMessageCode"] == "5001"
    assert state_of(server).orders[order["order_id"]].status == "Unshipped"


def test_the_order_report_lists_only_what_is_left_to_ship(server: Running,
                                                          feeds: Feeds) -> None:
    sku = next(x.sku for x in state_of(server).listings.values()
               if x.fulfillment == "MFN" and x.quantity >= 4)
    other = next(x.sku for x in state_of(server).listings.values()
                 if x.fulfillment == "MFN" and x.quantity >= 1 and x.sku != sku)
    order = new_order(server, items=[{"sku": sku, "quantity": 2}, {"sku": other, "quantity": 1}])
    shipped_item = order["items"][0]["order_item_id"]
    report(feeds, "POST_ORDER_FULFILLMENT_DATA", envelope("OrderFulfillment", fulfillment(
        1, order["order_id"], "1ZHALF", items=(
            f"<Item><AmazonOrderItemCode>{shipped_item}</AmazonOrderItemCode><Quantity>2"
            "</Quantity></Item>"))))
    http = feeds.http
    created = http.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING",
        "marketplaceIds": ["ATVPDKIKX0DER"], "dataStartTime": "2020-01-01T00:00:00Z"})
    assert created.status_code == 202, created.text
    report_id = created.json()["reportId"]
    finished = http.get(f"/reports/2021-06-30/reports/{report_id}").json()
    assert finished["processingStatus"] == "DONE"
    document_id = finished["reportDocumentId"]
    rdt = TokenSource(server).rdt("GET", f"/reports/2021-06-30/documents/{document_id}")
    info = http.get(f"/reports/2021-06-30/documents/{document_id}",
                    headers={"x-amz-access-token": rdt}).json()
    raw = httpx.get(info["url"]).content
    text = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode()
    rows = [line.split("\t") for line in text.splitlines()[1:]
            if line.startswith(order["order_id"])]
    assert [row[1] for row in rows] == [order["items"][1]["order_item_id"]]


def test_the_fba_shipments_report_lists_amazon_fulfilled_orders_only(server: Running,
                                                                      feeds: Feeds) -> None:
    shipped_mfn = new_order(server, status="Shipped")
    http = feeds.http
    created = http.post("/reports/2021-06-30/reports", json={
        "reportType": "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL",
        "marketplaceIds": ["ATVPDKIKX0DER"], "dataStartTime": "2020-01-01T00:00:00Z"})
    assert created.status_code == 202, created.text
    finished = http.get(f"/reports/2021-06-30/reports/{created.json()['reportId']}").json()
    assert finished["processingStatus"] == "DONE"
    info = http.get(f"/reports/2021-06-30/documents/{finished['reportDocumentId']}").json()
    raw = httpx.get(info["url"]).content
    lines = (gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw).decode().splitlines()
    header = lines[0].split("\t")
    assert header[:3] == ["amazon-order-id", "merchant-order-id", "shipment-id"]
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    state = state_of(server)
    assert rows and {row["fulfillment-channel"] for row in rows} == {"AFN"}
    assert all(state.orders[row["amazon-order-id"]].fulfillment == "AFN" for row in rows)
    assert shipped_mfn["order_id"] not in {row["amazon-order-id"] for row in rows}
    first = rows[0]
    order = state.orders[first["amazon-order-id"]]
    assert first["tracking-number"] in {s.tracking_number for s in order.shipments}
    assert first["buyer-email"] == "" and first["ship-postal-code"] == order.address.postal_code

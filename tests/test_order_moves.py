"""The control plane moves orders through the same rules as the APIs and the living store:
`POST /_emulator/orders` answers Orders v0's Order, and `/_emulator/orders/{id}/ship|cancel|
deliver|return|refund` ship (FBA or MFN, with tracking), cancel (seller or buyer), deliver,
return (FBA units back to inventory, in the returns report) and refund (Finances)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from tests.conftest import TokenSource
from tests.test_report_documents import parse
from tests.test_reports import Reports, iso, reports_of

US = "ATVPDKIKX0DER"
ORDER = {"$ref": "#/definitions/Order"}


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off",
                          lifecycle="instant")) as emulator:
        yield emulator


@pytest.fixture
def seller(server: Running) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30, headers={
            "x-amz-access-token": TokenSource(server).seller()}) as client:
        yield client


@pytest.fixture
def reports(server: Running) -> Iterator[Reports]:
    yield from reports_of(server, TokenSource(server).seller())


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def state_of(server: Running) -> SellerState:
    return server.app.store.of(server.app.accounts.sellers[0])


def seller_id(server: Running) -> str:
    return server.app.accounts.sellers[0].seller_id


def order_errors(server: Running, body: Any) -> list[str]:
    model = server.app.models.models["ordersV0"]
    return [e.message for e in validator_for(model, ORDER).iter_errors(body)]


def create(server: Running, **spec: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.base_url}/_emulator/orders",
                          json={"seller_id": seller_id(server), **spec})
    assert response.status_code == 201, response.text
    body = response.json()
    assert order_errors(server, body) == []
    assert response.headers["location"] == f"/orders/v0/orders/{body['AmazonOrderId']}"
    return dict(body)


def move(server: Running, order_id: str, name: str, status: int = 200,
         **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.base_url}/_emulator/orders/{order_id}/{name}",
                          json={"seller_id": seller_id(server), **body})
    assert response.status_code == status, response.text
    answer = response.json()
    if status == 200:
        assert order_errors(server, answer) == []
    return dict(answer)


def stocked(server: Running, fulfillment: str, units: int = 3) -> str:
    state = state_of(server)
    for sku, listing in sorted(state.listings.items()):
        if listing.fulfillment != fulfillment or "BUYABLE" not in listing.status.get(US, ()):
            continue
        record = state.inventory.get(sku)
        have = record.fulfillable if fulfillment == "AFN" and record else listing.quantity
        if have >= units:
            return sku
    raise AssertionError(f"no {fulfillment} SKU with {units} units")


def test_a_new_order_answers_orders_v0s_order_and_lists_after_two_minutes(
        server: Running, seller: httpx.Client) -> None:
    order = create(server, status="Unshipped", fulfillment="MFN")
    assert order["OrderStatus"] == "Unshipped" and order["FulfillmentChannel"] == "MFN"
    assert order["ShippingAddress"]["AddressLine1"]  # the control plane sees the buyer's data
    listed = {"MarketplaceIds": US, "CreatedAfter": iso(epoch(order["PurchaseDate"]) - 121)}

    def ids() -> list[str]:
        response = seller.get("/orders/v0/orders", params=listed)
        assert response.status_code == 200, response.text
        return [o["AmazonOrderId"] for o in response.json()["payload"]["Orders"]]

    # getOrders stops two minutes before now, as Amazon's does: not listed yet...
    assert order["AmazonOrderId"] not in ids()
    server.app.clock.advance(121)
    assert order["AmazonOrderId"] in ids()


def test_an_order_created_shipped_releases_its_reserved_units(server: Running) -> None:
    sku = stocked(server, "AFN")
    record = state_of(server).inventory[sku]
    fulfillable, reserved = record.fulfillable, record.reserved_customer_order
    order = create(server, status="Shipped", items=[{"sku": sku, "quantity": 2}])
    assert order["OrderStatus"] == "Shipped"
    assert (record.fulfillable, record.reserved_customer_order) == (fulfillable - 2, reserved)


def test_amazon_ships_an_fba_order(server: Running, seller: httpx.Client) -> None:
    sku = stocked(server, "AFN")
    record = state_of(server).inventory[sku]
    order = create(server, status="Unshipped", items=[{"sku": sku, "quantity": 1}])
    reserved = record.reserved_customer_order
    shipped = move(server, order["AmazonOrderId"], "ship", carrier="AMZN_US",
                   tracking_number="TBA123456789000")
    assert shipped["OrderStatus"] == "Shipped" and shipped["NumberOfItemsShipped"] == 1
    assert record.reserved_customer_order == reserved - 1  # the unit left the network
    events = seller.get(f"/finances/v0/orders/{order['AmazonOrderId']}/financialEvents").json()
    assert len(events["payload"]["FinancialEvents"]["ShipmentEventList"]) == 1
    # A shipped order cannot ship again, nor be cancelled.
    move(server, order["AmazonOrderId"], "ship", 400)
    move(server, order["AmazonOrderId"], "cancel", 400)


def test_the_seller_ships_a_merchant_order_with_tracking(server: Running,
                                                         seller: httpx.Client) -> None:
    order = create(server, status="Unshipped", fulfillment="MFN")
    shipped = move(server, order["AmazonOrderId"], "ship", carrier="USPS",
                   tracking_number="9400100000000000000000", method="Priority Mail")
    assert shipped["OrderStatus"] == "Shipped"
    response = seller.get(f"/orders/2026-01-01/orders/{order['AmazonOrderId']}",
                          params={"includedData": "PACKAGES"})
    package = response.json()["order"]["packages"][0]
    assert (package["carrier"], package["trackingNumber"], package["shippingService"]) == (
        "USPS", "9400100000000000000000", "Priority Mail")
    assert package["packageStatus"]["status"] == "SHIPPED"
    move(server, order["AmazonOrderId"], "deliver")
    response = seller.get(f"/orders/2026-01-01/orders/{order['AmazonOrderId']}",
                          params={"includedData": "PACKAGES"})
    assert response.json()["order"]["packages"][0]["packageStatus"]["status"] == "DELIVERED"
    move(server, order["AmazonOrderId"], "deliver", 400)  # nothing left on its way


def test_cancellations_by_the_buyer_and_the_seller(server: Running,
                                                   seller: httpx.Client) -> None:
    sku = stocked(server, "MFN")
    listing = state_of(server).listings[sku]
    quantity = listing.quantity
    order = create(server, items=[{"sku": sku, "quantity": 2}])
    assert listing.quantity == quantity - 2
    cancelled = move(server, order["AmazonOrderId"], "cancel", by="buyer")
    assert cancelled["OrderStatus"] == "Canceled" and "OrderTotal" not in cancelled
    assert listing.quantity == quantity  # the units are for sale again
    items = seller.get(f"/orders/v0/orders/{order['AmazonOrderId']}/orderItems").json()
    assert items["payload"]["OrderItems"][0]["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] \
        == "true"
    other = create(server, status="Unshipped")
    assert move(server, other["AmazonOrderId"], "cancel")["OrderStatus"] == "Canceled"
    items = seller.get(f"/orders/v0/orders/{other['AmazonOrderId']}/orderItems").json()
    assert items["payload"]["OrderItems"][0]["BuyerRequestedCancel"]["IsBuyerRequestedCancel"] \
        == "false"
    move(server, create(server)["AmazonOrderId"], "cancel", 400, by="robot")


def test_a_return_puts_fba_units_back_and_a_refund_posts(server: Running, seller: httpx.Client,
                                                         reports: Reports) -> None:
    sku = stocked(server, "AFN")
    record = state_of(server).inventory[sku]
    order = create(server, status="Shipped", items=[{"sku": sku, "quantity": 2}])
    order_id = order["AmazonOrderId"]
    state_order = state_of(server).orders[order_id]
    item_id = state_order.items[0].order_item_id
    fulfillable, unfulfillable = record.fulfillable, record.unfulfillable
    move(server, order_id, "return", items=[{"order_item_id": item_id, "quantity": 1}],
         disposition="SELLABLE", reason="UNWANTED_ITEM")
    move(server, order_id, "return", disposition="CUSTOMER_DAMAGED")  # the other unit
    assert (record.fulfillable, record.unfulfillable) == (fulfillable + 1, unfulfillable + 1)
    move(server, order_id, "return", 400)  # nothing left to return
    move(server, order_id, "refund")
    move(server, order_id, "refund", 400)  # once
    events = seller.get(f"/finances/v0/orders/{order_id}/financialEvents").json()
    refunds = events["payload"]["FinancialEvents"]["RefundEventList"]
    assert len(refunds) == 1
    server.app.clock.advance(1)
    text = reports.text(reports.create("GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
                                       dataStartTime=order["PurchaseDate"]))
    _, rows = parse(text)
    mine = [r for r in rows if r["order-id"] == order_id]
    assert [(r["sku"], r["quantity"], r["detailed-disposition"], r["reason"]) for r in mine] \
        == [(sku, "1", "SELLABLE", "UNWANTED_ITEM"), (sku, "1", "CUSTOMER_DAMAGED",
                                                      mine[1]["reason"])]
    assert all(r["status"] == "Unit returned to inventory" and r["license-plate-number"]
               for r in mine)


def test_moves_refuse_what_does_not_apply(server: Running) -> None:
    pending = create(server)
    move(server, pending["AmazonOrderId"], "ship", 400)  # the payment has not cleared
    move(server, pending["AmazonOrderId"], "return", 400)
    move(server, pending["AmazonOrderId"], "refund", 400)
    move(server, pending["AmazonOrderId"], "cancel", 400, colour="red")
    mfn = create(server, status="Shipped", fulfillment="MFN")
    move(server, mfn["AmazonOrderId"], "return", 400, disposition="SELLABLE")  # FBA grades
    move(server, "111-1111111-1111111", "ship", 404)
    response = httpx.post(f"{server.base_url}/_emulator/orders/{pending['AmazonOrderId']}/ship",
                          json={"seller_id": "ANOBODY"})
    assert response.status_code == 404


def test_the_returns_report_lists_the_historys_returns(server: Running,
                                                       reports: Reports) -> None:
    state = state_of(server)
    start = state.anchor - 60 * 86400.0
    text = reports.text(reports.create("GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA",
                                       dataStartTime=iso(start), dataEndTime=iso(state.anchor)))
    header, rows = parse(text)
    assert header[:3] == ["return-date", "order-id", "sku"] and len(header) == 13
    expected = sorted((r.returned, o.order_id, r.sku) for o in state.order_list
                      if o.fulfillment == "AFN" and o.marketplace_id == US for r in o.returns or ()
                      if start <= r.returned <= state.anchor)
    assert expected
    assert [r["return-date"] for r in rows] == sorted(r["return-date"] for r in rows)
    assert sorted((r["order-id"], r["sku"]) for r in rows) == sorted(
        (o, s) for _, o, s in expected)

"""Multi-Channel Fulfillment (Fulfillment Outbound 2020-07-01) over HTTP: previews, Amazon's
validation, orders moving on the clock with the FBA stock following, the fulfillment
policies, holds, cancels, tracking, returns, features, the sandbox's forced status, fees in
Finances, FULFILLMENT_ORDER_STATUS messages, and the state surviving a snapshot."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from emulator.config import Settings
from emulator.harness.embedded import running
from tests.fba_support import ADDRESS, US, Fba
from tests.test_notifications import notifications_on

BASE = "/fba/outbound/2020-07-01"
OP = "fulfillmentOutbound_2020-07-01"
HOUR, DAY = 3600.0, 86400.0


@pytest.fixture(scope="module")
def fba(models_dir: Path) -> Iterator[Fba]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=20,
                          lifecycle="instant")) as server:
        yield Fba(server)


def order_body(order_id: str, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    return {"sellerFulfillmentOrderId": order_id, "displayableOrderId": order_id,
            "displayableOrderDate": "2024-05-01T12:00:00Z",
            "displayableOrderComment": "Thank you for your order", "shippingSpeedCategory":
            "Standard", "destinationAddress": ADDRESS,
            "items": [{"sellerSku": sku, "quantity": quantity,
                       "sellerFulfillmentOrderItemId": f"{order_id}-{n}"}
                      for n, (sku, quantity) in enumerate(lines)], **extra}


def create(fba: Fba, order_id: str, lines: list[tuple[str, int]], status: int = 200,
           **extra: Any) -> Any:
    response = fba.call(f"{OP}.createFulfillmentOrder", "POST", f"{BASE}/fulfillmentOrders",
                        json=order_body(order_id, lines, **extra))
    assert response.status_code == status, response.text
    return response.json()


def get(fba: Fba, order_id: str) -> dict[str, Any]:
    response = fba.call(f"{OP}.getFulfillmentOrder", "GET",
                        f"{BASE}/fulfillmentOrders/{order_id}")
    assert response.status_code == 200, response.text
    return dict(response.json()["payload"])


def status(fba: Fba, order_id: str) -> str:
    return str(get(fba, order_id)["fulfillmentOrder"]["fulfillmentOrderStatus"])


def error(response: Any) -> dict[str, Any]:
    return dict(response.json()["errors"][0])


# -- previews ---------------------------------------------------------------------------------

def test_previews_per_speed_from_the_stock_with_fees_and_windows(fba: Fba) -> None:
    sku, other = fba.skus(2)
    now = fba.now
    response = fba.call(f"{OP}.getFulfillmentPreview", "POST", f"{BASE}/fulfillmentOrders/preview",
                        json={"address": ADDRESS, "items": [
                            {"sellerSku": sku, "quantity": 2, "sellerFulfillmentOrderItemId": "a"},
                            {"sellerSku": other, "quantity": 1,
                             "sellerFulfillmentOrderItemId": "b"}]})
    assert response.status_code == 200, response.text
    previews = response.json()["payload"]["fulfillmentPreviews"]
    assert [p["shippingSpeedCategory"] for p in previews] == ["Standard", "Expedited",
                                                              "Priority"]
    assert all(p["isFulfillable"] and not p["unfulfillablePreviewItems"] for p in previews)
    fees = {p["shippingSpeedCategory"]: {f["name"]: float(f["amount"]["value"])
                                         for f in p["estimatedFees"]} for p in previews}
    assert set(fees["Standard"]) == {"FBAPerUnitFulfillmentFee", "FBAPerOrderFulfillmentFee",
                                     "FBATransportationFee"}
    # Faster costs more, and arrives sooner.
    assert (fees["Standard"]["FBAPerUnitFulfillmentFee"]
            < fees["Expedited"]["FBAPerUnitFulfillmentFee"]
            < fees["Priority"]["FBAPerUnitFulfillmentFee"])
    arrivals = [p["fulfillmentPreviewShipments"][0]["latestArrivalDate"] for p in previews]
    assert arrivals[2] < arrivals[1] < arrivals[0]
    first = previews[0]["fulfillmentPreviewShipments"][0]
    assert first["earliestShipDate"] > _iso(now)
    assert {i["sellerSku"] for i in first["fulfillmentPreviewItems"]} == {sku, other}


def test_previews_say_why_items_cannot_be_fulfilled(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    too_many = fba.stock(sku).fulfillable + 1
    response = fba.call(f"{OP}.getFulfillmentPreview", "POST", f"{BASE}/fulfillmentOrders/preview",
                        json={"address": ADDRESS, "shippingSpeedCategories": ["Standard"],
                              "items": [
            {"sellerSku": "NO-SUCH-SKU", "quantity": 1, "sellerFulfillmentOrderItemId": "a"},
            {"sellerSku": fba.mfn_sku(), "quantity": 1, "sellerFulfillmentOrderItemId": "b"},
            {"sellerSku": sku, "quantity": too_many, "sellerFulfillmentOrderItemId": "c"}]})
    preview = response.json()["payload"]["fulfillmentPreviews"][0]
    assert preview["isFulfillable"] is False
    reasons = {i["sellerFulfillmentOrderItemId"]: i["itemUnfulfillableReasons"]
               for i in preview["unfulfillablePreviewItems"]}
    assert reasons == {"a": ["InvalidSKU"], "b": ["InventoryUnavailable"],
                       "c": ["InventoryUnavailable"]}
    bad_address = {**ADDRESS, "postalCode": "ABCDE"}
    response = fba.call(f"{OP}.getFulfillmentPreview", "POST", f"{BASE}/fulfillmentOrders/preview",
                        json={"address": bad_address, "shippingSpeedCategories": ["Standard",
                                                                                  "ScheduledDelivery"],
                              "items": [{"sellerSku": sku, "quantity": 1,
                                         "sellerFulfillmentOrderItemId": "a"}]})
    standard, scheduled = response.json()["payload"]["fulfillmentPreviews"]
    assert standard["orderUnfulfillableReasons"] == ["InvalidDestinationAddress"]
    assert "DeliverySLAUnavailable" in scheduled["orderUnfulfillableReasons"]


def test_delivery_offers_promise_dates_from_the_clock(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    response = fba.call(f"{OP}.deliveryOffers", "POST", f"{BASE}/deliveryOffers", json={
        "product": {"productIdentifier": {"merchantSku": sku},
                    "amount": {"unitOfMeasure": "Eaches", "value": "1"}},
        "terms": {"origin": {"countryCode": "US"},
                  "destination": {"deliveryAddress": {"countryCode": "US",
                                                      "postalCode": "98101"}}}})
    offers = response.json()["payload"]["deliveryOffers"]
    assert len(offers) == 3
    assert all(o["expiresAt"] > _iso(fba.now) for o in offers)
    assert offers[0]["policy"]["message"]["text"].startswith("Get it as soon as ")
    unknown = fba.call(f"{OP}.deliveryOffers", "POST", f"{BASE}/deliveryOffers", json={
        "product": {"productIdentifier": {"merchantSku": "NO-SUCH-SKU"}},
        "terms": {"origin": {"countryCode": "US"}, "destination": {}}})
    assert unknown.status_code == 400


# -- creating: Amazon's validation, nothing changes on a refusal --------------------------------

def test_create_refuses_what_amazon_refuses(fba: Fba) -> None:
    sku, other = fba.skus(2)
    before = fba.stock(sku).fulfillable
    create(fba, "MCF-DUP", [(sku, 1)])
    cases: list[tuple[dict[str, Any], str]] = [
        (order_body("MCF-DUP", [(sku, 1)]), "already exists"),
        (order_body("MCF-X1", [("NO-SUCH-SKU", 1)]),
         "the SellerSKU for Item Id: MCF-X1-0 is invalid."),
        (order_body("MCF-X2", [(fba.mfn_sku(), 1)]),
         "the SellerSKU for Item Id: MCF-X2-0 is invalid."),
        (order_body("MCF-X3", [(sku, 1)] * 101), "at most 100 line items"),
        (order_body("MCF-X4", [(sku, 200), (other, 51)]), "at most 250 units"),
        (order_body("MCF-X5", [(sku, 1)], destinationAddress={**ADDRESS, "city": ""}),
         "The destinationAddress is invalid."),
        (order_body("MCF-X6", [(sku, 1)], destinationAddress={**ADDRESS, "postalCode": "9810"}),
         "The destinationAddress is invalid."),
        (order_body("MCF-X7", [(sku, 1)], shippingSpeedCategory="ScheduledDelivery"),
         "ScheduledDelivery is available only in the JP marketplace."),
        (order_body("MCF-X8", [(sku, 1)], deliveryPreferences={
            "dropOffLocation": {"type": "FRONT_DOOR"}}), "supported only in the JP marketplace"),
        (order_body("MCF-X9", [(sku, 1)], featureConstraints=[
            {"featureName": "TELEPORT", "featureFulfillmentPolicy": "Required"}]),
         "Invalid featureName"),
    ]
    for body, message in cases:
        response = fba.call(f"{OP}.createFulfillmentOrder", "POST", f"{BASE}/fulfillmentOrders",
                            json=body)
        assert response.status_code == 400, body["sellerFulfillmentOrderId"]
        assert error(response)["code"] == "InvalidInput"
        assert message in error(response)["message"], error(response)
    assert fba.stock(sku).fulfillable == before - 1  # only the first order reserved a unit
    missing = fba.call(f"{OP}.getFulfillmentOrder", "GET", f"{BASE}/fulfillmentOrders/MCF-X4")
    assert missing.status_code == 404


# -- the order's way, and the stock's ---------------------------------------------------------

def test_an_order_moves_on_the_clock_and_the_stock_follows(fba: Fba) -> None:
    sku, other = fba.skus(2)
    fulfillable, reserved = fba.stock(sku).fulfillable, fba.stock(sku).reserved_customer_order
    assert create(fba, "MCF-FLOW", [(sku, 3), (other, 1)]) == {}
    order = get(fba, "MCF-FLOW")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Received"  # instant
    assert (fba.stock(sku).fulfillable, fba.stock(sku).reserved_customer_order) == (
        fulfillable - 3, reserved + 3)
    assert order["fulfillmentShipments"] == []
    fba.advance(0.5 * HOUR)
    assert status(fba, "MCF-FLOW") == "Planning"
    fba.advance(1.5 * HOUR)
    order = get(fba, "MCF-FLOW")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Processing"
    shipments = order["fulfillmentShipments"]
    assert {s["fulfillmentShipmentStatus"] for s in shipments} == {"PENDING"}
    assert all("fulfillmentShipmentPackage" not in s for s in shipments)
    assert fba.stock(sku).reserved_customer_order == reserved + 3  # picked, not gone yet
    fba.advance(18 * HOUR)
    order = get(fba, "MCF-FLOW")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Complete"
    assert {s["fulfillmentShipmentStatus"] for s in order["fulfillmentShipments"]} == {"SHIPPED"}
    packages = [p for s in order["fulfillmentShipments"] for p in s["fulfillmentShipmentPackage"]]
    assert packages and all(100_000_000 <= p["packageNumber"] < 1_000_000_000 for p in packages)
    assert (fba.stock(sku).fulfillable, fba.stock(sku).reserved_customer_order) == (
        fulfillable - 3, reserved)
    assert [i["cancelledQuantity"] + i["unfulfillableQuantity"]
            for i in order["fulfillmentOrderItems"]] == [0, 0]
    # FBA Inventory shows it.
    summary = fba.call("fbaInventory.getInventorySummaries", "GET",
                       "/fba/inventory/v1/summaries", params={
                           "granularityType": "Marketplace", "granularityId": US,
                           "marketplaceIds": US, "sellerSku": sku, "details": "true"})
    details = summary.json()["payload"]["inventorySummaries"][0]["inventoryDetails"]
    assert details["fulfillableQuantity"] == fulfillable - 3
    # The fees: one service fee event per shipped line, and the order's fees (Finances lists
    # what was posted more than two minutes ago).
    fba.advance(300)
    fees = _service_fees(fba, "MCF-FLOW")
    kinds = {f["FeeType"] for e in fees for f in e["FeeList"]}
    assert kinds == {"FBAPerUnitFulfillmentFee", "FBAPerOrderFulfillmentFee",
                     "FBATransportationFee"}
    assert all(f["FeeAmount"]["CurrencyAmount"] < 0 for e in fees for f in e["FeeList"])


def _service_fees(fba: Fba, order_id: str) -> list[dict[str, Any]]:
    found, token = [], None
    after = _iso(fba.now - 40 * DAY)
    while True:
        params: dict[str, Any] = {"NextToken": token} if token else {"PostedAfter": after}
        response = fba.call("financesV0.listFinancialEvents", "GET",
                            "/finances/v0/financialEvents",
                            params={**params, "MaxResultsPerPage": 100})
        payload = response.json()["payload"]
        found += [e for e in payload["FinancialEvents"]["ServiceFeeEventList"]
                  if e.get("AmazonOrderId") == order_id]
        token = payload.get("NextToken")
        if not token:
            return found


def test_cancel_only_while_received_or_planning(fba: Fba) -> None:
    sku, other = fba.skus(2)
    fulfillable = fba.stock(sku).fulfillable
    create(fba, "MCF-CANCEL", [(sku, 2)])
    response = fba.call(f"{OP}.cancelFulfillmentOrder", "PUT",
                        f"{BASE}/fulfillmentOrders/MCF-CANCEL/cancel")
    assert response.status_code == 200 and response.json() == {}
    order = get(fba, "MCF-CANCEL")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Cancelled"
    assert order["fulfillmentOrderItems"][0]["cancelledQuantity"] == 2
    assert fba.stock(sku).fulfillable == fulfillable
    create(fba, "MCF-LATE", [(other, 1)])
    fba.advance(2 * HOUR)
    assert status(fba, "MCF-LATE") == "Processing"
    response = fba.call(f"{OP}.cancelFulfillmentOrder", "PUT",
                        f"{BASE}/fulfillmentOrders/MCF-LATE/cancel")
    assert response.status_code == 400
    assert "cannot be cancelled: its status is Processing" in error(response)["message"]
    assert status(fba, "MCF-LATE") == "Processing"


def test_a_hold_waits_is_changed_released_or_cancelled_after_14_days(fba: Fba) -> None:
    sku, other = fba.skus(2)
    create(fba, "MCF-HOLD", [(sku, 1)], fulfillmentAction="Hold")
    create(fba, "MCF-HOLD-2", [(other, 1)], fulfillmentAction="Hold")
    fba.advance(3 * DAY)
    assert status(fba, "MCF-HOLD") == "Received"
    moved = {**ADDRESS, "addressLine1": "2 Other St"}
    response = fba.call(f"{OP}.updateFulfillmentOrder", "PUT",
                        f"{BASE}/fulfillmentOrders/MCF-HOLD",
                        json={"destinationAddress": moved, "shippingSpeedCategory": "Priority"})
    assert response.status_code == 200, response.text
    response = fba.call(f"{OP}.updateFulfillmentOrder", "PUT",
                        f"{BASE}/fulfillmentOrders/MCF-HOLD", json={"fulfillmentAction": "Ship"})
    assert response.status_code == 200, response.text
    fba.advance(5 * HOUR)
    order = get(fba, "MCF-HOLD")["fulfillmentOrder"]
    assert order["fulfillmentOrderStatus"] == "Complete"
    assert order["destinationAddress"]["addressLine1"] == "2 Other St"
    assert order["shippingSpeedCategory"] == "Priority"
    again = fba.call(f"{OP}.updateFulfillmentOrder", "PUT",
                     f"{BASE}/fulfillmentOrders/MCF-HOLD", json={"fulfillmentAction": "Hold"})
    assert again.status_code == 400
    fulfillable = fba.stock(other).fulfillable
    fba.advance(11 * DAY)
    assert status(fba, "MCF-HOLD-2") == "Cancelled"
    assert fba.stock(other).fulfillable == fulfillable + 1


def test_fulfillment_policies_decide_what_happens_without_stock(fba: Fba) -> None:
    sku, scarce = fba.skus(2)
    have = fba.stock(scarce).fulfillable
    create(fba, "MCF-FOK", [(sku, 1), (scarce, have + 5)])
    assert status(fba, "MCF-FOK") == "Invalid"
    create(fba, "MCF-FAA", [(sku, 1), (scarce, have + 5)], fulfillmentPolicy="FillAllAvailable")
    fba.advance(20 * HOUR)
    order = get(fba, "MCF-FAA")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "CompletePartialled"
    assert order["fulfillmentOrderItems"][1]["unfulfillableQuantity"] == 5
    assert fba.stock(scarce).fulfillable == 0
    # FillAll waits for stock: what arrives within 24 hours ships.
    create(fba, "MCF-FA", [(scarce, 4)], fulfillmentPolicy="FillAll")
    fba.advance(3 * HOUR)
    assert status(fba, "MCF-FA") == "Processing"
    added = fba.call("fbaInventory.addInventory", "POST", "/fba/inventory/v1/items/inventory",
                     headers={"x-amzn-idempotency-token": "mcf-fill-all"},
                     json={"inventoryItems": [{"sellerSku": scarce, "marketplaceId": US,
                                               "quantity": 3}]})
    assert added.status_code == 200, added.text
    fba.advance(21 * HOUR)
    order = get(fba, "MCF-FA")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "CompletePartialled"
    item = order["fulfillmentOrderItems"][0]
    assert (item["quantity"], item["unfulfillableQuantity"]) == (4, 1)
    assert sum(i["quantity"] for s in order["fulfillmentShipments"]
               for i in s["fulfillmentShipmentItem"]) == 3


def test_package_tracking_moves_with_the_clock(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    create(fba, "MCF-TRACK", [(sku, 1)], shippingSpeedCategory="Priority")
    fba.advance(4 * HOUR + 1)
    package = get(fba, "MCF-TRACK")["fulfillmentShipments"][0]["fulfillmentShipmentPackage"][0]

    def track() -> dict[str, Any]:
        response = fba.call(f"{OP}.getPackageTrackingDetails", "GET", f"{BASE}/tracking",
                            params={"packageNumber": package["packageNumber"]})
        assert response.status_code == 200, response.text
        return dict(response.json()["payload"])

    early = track()
    assert early["currentStatus"] == "IN_TRANSIT"
    assert [e["eventCode"] for e in early["trackingEvents"]] == ["EVENT_102", "EVENT_101"]
    assert early["trackingNumber"] == package["trackingNumber"]
    assert early["shipToAddress"] == {"city": "Seattle", "state": "WA", "country": "US"}
    fba.advance(10 * DAY)
    late = track()
    assert late["currentStatus"] in ("DELIVERED", "RETURNED")
    codes = [e["eventCode"] for e in late["trackingEvents"]]
    assert codes[-2:] == ["EVENT_102", "EVENT_101"] and len(codes) > 4
    assert late["trackingEvents"] == sorted(late["trackingEvents"], key=lambda e: e["eventDate"],
                                            reverse=True)
    unknown = fba.call(f"{OP}.getPackageTrackingDetails", "GET", f"{BASE}/tracking",
                       params={"packageNumber": 1})
    assert unknown.status_code == 404


def test_returns_of_shipped_items_come_back_to_stock(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    reasons = fba.call(f"{OP}.listReturnReasonCodes", "GET", f"{BASE}/returnReasonCodes",
                       params={"sellerSku": sku}).json()["payload"]["reasonCodeDetails"]
    codes = [r["returnReasonCode"] for r in reasons]
    assert "CR-DEFECTIVE" in codes
    create(fba, "MCF-RET", [(sku, 2)])
    early = fba.call(f"{OP}.createFulfillmentReturn", "PUT",
                     f"{BASE}/fulfillmentOrders/MCF-RET/return", json={"items": [
                         {"sellerReturnItemId": "r0", "sellerFulfillmentOrderItemId": "MCF-RET-0",
                          "amazonShipmentId": "DNOSUCHID", "returnReasonCode": "CR-DEFECTIVE"}]})
    assert early.json()["payload"]["invalidReturnItems"][0]["invalidItemReason"][
        "invalidItemReasonCode"] == "InvalidValues"
    fba.advance(20 * HOUR)
    shipment = get(fba, "MCF-RET")["fulfillmentShipments"][0]["amazonShipmentId"]
    stock = fba.stock(sku)
    before = stock.fulfillable + stock.unfulfillable

    def item(return_id: str, reason: str = "CR-DEFECTIVE") -> dict[str, str]:
        return {"sellerReturnItemId": return_id, "sellerFulfillmentOrderItemId": "MCF-RET-0",
                "amazonShipmentId": shipment, "returnReasonCode": reason}

    response = fba.call(f"{OP}.createFulfillmentReturn", "PUT",
                        f"{BASE}/fulfillmentOrders/MCF-RET/return", json={"items": [
                            item("r1"), item("r2", "CR-UNWANTED_ITEM"), item("r1"), item("r3"),
                            item("r4", "NOT-A-CODE")]})
    payload = response.json()["payload"]
    assert [r["sellerReturnItemId"] for r in payload["returnItems"]] == ["r1", "r2"]
    assert {r["status"] for r in payload["returnItems"]} == {"New"}
    invalid = {i["sellerReturnItemId"]: i["invalidItemReason"]["invalidItemReasonCode"]
               for i in payload["invalidReturnItems"]}
    assert invalid == {"r1": "DuplicateRequest", "r3": "NoReturnableQuantity",
                       "r4": "InvalidValues"}
    authorization = payload["returnAuthorizations"][0]
    assert authorization["rmaPageURL"].endswith(authorization["amazonRmaId"])
    fba.advance(8 * DAY)
    returned = get(fba, "MCF-RET")["returnItems"]
    assert {r["status"] for r in returned} == {"Processed"}
    assert all(r["returnReceivedCondition"] for r in returned)
    stock = fba.stock(sku)
    assert stock.fulfillable + stock.unfulfillable == before + 2


def test_list_all_orders_pages_and_filters_by_update_time(fba: Fba) -> None:
    sku, other = fba.skus(2)
    since = _iso(fba.now)
    for n in range(3):
        create(fba, f"MCF-LIST-{n}", [(sku if n % 2 else other, 1)])
    response = fba.call(f"{OP}.listAllFulfillmentOrders", "GET", f"{BASE}/fulfillmentOrders",
                        params={"queryStartDate": since})
    listed = [o["sellerFulfillmentOrderId"] for o in
              response.json()["payload"]["fulfillmentOrders"]]
    assert listed == ["MCF-LIST-0", "MCF-LIST-1", "MCF-LIST-2"]
    everything = fba.call(f"{OP}.listAllFulfillmentOrders", "GET", f"{BASE}/fulfillmentOrders")
    assert len(everything.json()["payload"]["fulfillmentOrders"]) >= 3


def test_features_and_their_skus(fba: Fba) -> None:
    features = fba.call(f"{OP}.getFeatures", "GET", f"{BASE}/features",
                        params={"marketplaceId": US}).json()["payload"]["features"]
    names = {f["featureName"] for f in features}
    assert {"BLOCK_AMZL", "BLANK_BOX", "SIGNATURE_CONFIRMATION"} <= names
    inventory = fba.call(f"{OP}.getFeatureInventory", "GET",
                         f"{BASE}/features/inventory/BLANK_BOX",
                         params={"marketplaceId": US}).json()["payload"]
    assert inventory["featureSkus"] and all(s["skuCount"] > 0 for s in inventory["featureSkus"])
    sku = inventory["featureSkus"][0]["sellerSku"]
    eligible = fba.call(f"{OP}.getFeatureSKU", "GET", f"{BASE}/features/inventory/BLANK_BOX/{sku}",
                        params={"marketplaceId": US}).json()["payload"]
    assert eligible["isEligible"] is True and eligible["skuCount"] == fba.stock(sku).fulfillable
    invalid = fba.call(f"{OP}.getFeatureSKU", "GET",
                       f"{BASE}/features/inventory/BLANK_BOX/NO-SUCH-SKU",
                       params={"marketplaceId": US}).json()["payload"]
    assert invalid["isEligible"] is False and invalid["ineligibleReasons"] == ["INVALID_SKU"]
    assert fba.call(f"{OP}.getFeatureInventory", "GET", f"{BASE}/features/inventory/TELEPORT",
                    params={"marketplaceId": US}).status_code == 400


def test_the_sandbox_status_update_moves_an_order_forward_only(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    create(fba, "MCF-FORCE", [(sku, 1)])
    path = f"{BASE}/fulfillmentOrders/MCF-FORCE/status"
    response = fba.call(f"{OP}.submitFulfillmentOrderStatusUpdate", "PUT", path,
                        json={"fulfillmentOrderStatus": "Processing"})
    assert response.status_code == 200
    assert status(fba, "MCF-FORCE") == "Processing"
    back = fba.call(f"{OP}.submitFulfillmentOrderStatusUpdate", "PUT", path,
                    json={"fulfillmentOrderStatus": "Received"})
    assert back.status_code == 400
    fba.call(f"{OP}.submitFulfillmentOrderStatusUpdate", "PUT", path,
             json={"fulfillmentOrderStatus": "Complete"})
    order = get(fba, "MCF-FORCE")
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Complete"
    assert order["fulfillmentShipments"][0]["fulfillmentShipmentStatus"] == "SHIPPED"


# -- notifications ----------------------------------------------------------------------------

def _schema_errors(models_dir: Path, message: dict[str, Any]) -> list[str]:
    """Amazon's schema of FULFILLMENT_ORDER_STATUS, less its generator's artefacts: it was
    made from one example and requires FulfillmentShipment (with an `info` object) and
    FulfillmentReturnItem in every message, where Amazon's guide sends each only with its
    EventType."""
    path = models_dir / "schemas" / "notifications" / "FulfillmentOrderStatusNotification.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(
        schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    artefacts = {"'FulfillmentShipment' is a required property",
                 "'FulfillmentReturnItem' is a required property",
                 "'info' is a required property"}
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(message)
            if e.message not in artefacts]


def test_fulfillment_order_status_messages(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          lifecycle="instant")) as server:
        notes = notifications_on(server)
        notes.subscribed("FULFILLMENT_ORDER_STATUS", notes.sqs_destination("mcf"))
        fba = Fba(server)
        (sku,) = fba.skus(1)
        create(fba, "MCF-NOTE", [(sku, 1)])
        fba.advance(21 * HOUR)
        shipment = get(fba, "MCF-NOTE")["fulfillmentShipments"][0]["amazonShipmentId"]
        fba.call(f"{OP}.createFulfillmentReturn", "PUT",
                 f"{BASE}/fulfillmentOrders/MCF-NOTE/return", json={"items": [
                     {"sellerReturnItemId": "r1", "sellerFulfillmentOrderItemId": "MCF-NOTE-0",
                      "amazonShipmentId": shipment, "returnReasonCode": "CR-DEFECTIVE"}]})
        fba.advance(8 * DAY)
        messages = notes.messages("FULFILLMENT_ORDER_STATUS")
        bodies = [m["Payload"]["FulfillmentOrderStatusNotification"] for m in messages]
        told = [(b["EventType"], b["FulfillmentOrderStatus"],
                 b.get("FulfillmentShipment", {}).get("FulfillmentShipmentStatus")) for b in bodies]
        assert told == [("Order", "Received", None), ("Order", "Planning", None),
                        ("Order", "Processing", None), ("Shipment", "Processing", "Pending"),
                        ("Order", "Complete", None), ("Shipment", "Complete", "Shipped"),
                        ("Return", "Complete", None)]
        shipped = bodies[5]["FulfillmentShipment"]
        assert shipped["AmazonShipmentId"] == shipment
        assert shipped["FulfillmentShipmentPackages"][0]["PackageNumber"] > 0
        assert bodies[6]["FulfillmentReturnItem"]["SellerSKU"] == sku
        assert [e for m in messages for e in _schema_errors(models_dir, m)] == []
        assert all(b["SellerFulfillmentOrderId"] == "MCF-NOTE" for b in bodies)


# -- state ------------------------------------------------------------------------------------

def test_orders_survive_a_snapshot_and_keep_moving_and_a_reset_forgets_them(
        models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          lifecycle="instant")) as server:
        fba = Fba(server)
        (sku,) = fba.skus(1)
        create(fba, "MCF-SNAP", [(sku, 2)])
        snapshot = fba.control("GET", "/_emulator/state").json()
        assert "MCF-SNAP" in snapshot["sellers"][fba.state.seller_id]["records"][
            "fulfillment_order"]
        assert fba.control("POST", "/_emulator/reset", json={}).status_code == 200
        assert fba.call(f"{OP}.getFulfillmentOrder", "GET",
                        f"{BASE}/fulfillmentOrders/MCF-SNAP").status_code == 404
        assert fba.control("PUT", "/_emulator/state", json=snapshot).status_code == 200
        assert status(fba, "MCF-SNAP") == "Received"
        assert fba.stock(sku).reserved_customer_order >= 2
        fba.advance(21 * HOUR)  # the restored order's steps were put back on the clock
        assert status(fba, "MCF-SNAP") == "Complete"


def _iso(moment: float) -> str:
    from emulator.runtime.clock import iso

    return iso(moment)

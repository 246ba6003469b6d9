"""python-amazon-sp-api's FulfillmentOutbound and FulfillmentInbound (2024-03-20 and v0)
clients, unmodified, driving Multi-Channel Fulfillment and Send to Amazon with the partnered
carrier against the emulator, the clock moved on through the control plane."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
from sp_api.api import FulfillmentInbound, FulfillmentOutbound
from sp_api.auth import access_token_client
from sp_api.util import throttle_retry

from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.runtime.clock import iso

Make = Callable[..., Any]
US = "ATVPDKIKX0DER"
HOUR, DAY = 3600.0, 86400.0
ADDRESS = {"name": "Jane Doe", "addressLine1": "1 Main St", "city": "Seattle",
           "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US"}
SOURCE = {"name": "Northwind Warehouse", "addressLine1": "400 Dock St", "city": "Seattle",
          "stateOrProvinceCode": "WA", "postalCode": "98101", "countryCode": "US",
          "phoneNumber": "2065550100"}


def advance(emulator: Running, seconds: float) -> None:
    response = httpx.post(f"{emulator.base_url}/_emulator/clock/advance",
                          json={"seconds": seconds})
    assert response.status_code == 200
    # The library keeps access tokens for 3200 s of its own time; they expired on the
    # emulator's clock (the README's advice).
    access_token_client.cache.clear()


def stocked(state: SellerState, count: int) -> list[str]:
    return sorted(r.sku for r in state.inventory.values() if r.fulfillable >= 30)[:count]


def test_mcf_order_previewed_created_shipped_and_tracked(spapi_python_sp_api: Make,
                                                        spapi_emulator: Running,
                                                        state: SellerState) -> None:
    outbound = spapi_python_sp_api(FulfillmentOutbound)
    (sku,) = stocked(state, 1)
    fulfillable = state.inventory[sku].fulfillable
    item = {"sellerSku": sku, "quantity": 2, "sellerFulfillmentOrderItemId": "line-1"}
    previews = outbound.get_fulfillment_preview(address=ADDRESS, items=[item]).payload
    assert all(p["isFulfillable"] for p in previews["fulfillmentPreviews"])
    outbound.create_fulfillment_order(
        sellerFulfillmentOrderId="SHOP-1001", displayableOrderId="SHOP-1001",
        displayableOrderDate="2024-05-01T12:00:00Z", displayableOrderComment="Thanks!",
        shippingSpeedCategory="Expedited", destinationAddress=ADDRESS, items=[item])
    order = outbound.get_fulfillment_order("SHOP-1001").payload
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Received"
    assert state.inventory[sku].fulfillable == fulfillable - 2
    advance(spapi_emulator, 9 * HOUR)
    order = outbound.get_fulfillment_order("SHOP-1001").payload
    assert order["fulfillmentOrder"]["fulfillmentOrderStatus"] == "Complete"
    package = order["fulfillmentShipments"][0]["fulfillmentShipmentPackage"][0]
    advance(spapi_emulator, 3 * DAY)
    tracking = outbound.get_package_tracking_details(
        packageNumber=package["packageNumber"]).payload
    assert tracking["trackingNumber"] == package["trackingNumber"]
    assert tracking["currentStatus"] in ("DELIVERED", "DELIVERY_ATTEMPTED", "DELAYED",
                                         "OUT_FOR_DELIVERY")
    listed = outbound.list_all_fulfillment_orders().payload["fulfillmentOrders"]
    assert [o["sellerFulfillmentOrderId"] for o in listed] == ["SHOP-1001"]


def test_send_to_amazon_with_the_partnered_carrier(spapi_python_sp_api: Make,
                                                  spapi_emulator: Running,
                                                  state: SellerState) -> None:
    inbound = spapi_python_sp_api(FulfillmentInbound, version="2024-03-20")

    # getInboundOperationStatus allows 2 calls a second (burst 6): polling after each step
    # waits out Amazon's throttling the way the library's users do.
    @throttle_retry(tries=5, delay=0.6, rate=1.5)
    def status(operation_id: str) -> Any:
        return inbound.get_inbound_operation_status(operation_id)

    def done(response: Any) -> Any:
        operation = status(response.payload["operationId"])
        assert operation.payload["operationStatus"] == "SUCCESS", operation.payload
        return response.payload

    skus = stocked(state, 2)
    plan_id = done(inbound.create_inbound_plan(
        destinationMarketplaces=[US], sourceAddress=SOURCE,
        items=[{"msku": sku, "quantity": 12, "labelOwner": "SELLER", "prepOwner": "SELLER"}
               for sku in skus]))["inboundPlanId"]
    done(inbound.generate_packing_options(plan_id))
    option = inbound.list_packing_options(plan_id).payload["packingOptions"][0]
    done(inbound.confirm_packing_option(plan_id, option["packingOptionId"]))
    group = option["packingGroups"][0]
    items = inbound.list_packing_group_items(plan_id, group).payload["items"]
    done(inbound.set_packing_information(plan_id, packageGroupings=[{
        "packingGroupId": group, "boxes": [{
            "contentInformationSource": "BOX_CONTENT_PROVIDED", "quantity": 1,
            "dimensions": {"length": 18, "width": 12, "height": 10, "unitOfMeasurement": "IN"},
            "weight": {"unit": "LB", "value": 15},
            "items": [{"msku": i["msku"], "quantity": i["quantity"], "labelOwner": "SELLER",
                       "prepOwner": "SELLER"}]} for i in items]}]))
    done(inbound.generate_placement_options(plan_id))
    placement = min(inbound.list_placement_options(plan_id).payload["placementOptions"],
                    key=lambda o: len(o["shipmentIds"]))
    done(inbound.generate_transportation_options(
        plan_id, placementOptionId=placement["placementOptionId"],
        shipmentTransportationConfigurations=[
            {"shipmentId": s, "readyToShipWindow": {"start": iso(spapi_emulator.app.clock.now())}}
            for s in placement["shipmentIds"]]))
    options = inbound.list_transportation_options(
        plan_id, placementOptionId=placement["placementOptionId"]).payload
    partnered = [t for t in options["transportationOptions"]
                 if t["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"]
    done(inbound.confirm_placement_option(plan_id, placement["placementOptionId"]))
    done(inbound.confirm_transportation_options(plan_id, transportationSelections=[
        {"shipmentId": t["shipmentId"], "transportationOptionId": t["transportationOptionId"]}
        for t in partnered]))
    shipment_id = placement["shipmentIds"][0]
    shipment = inbound.get_shipment(plan_id, shipment_id).payload
    assert shipment["status"] == "READY_TO_SHIP"
    labels = spapi_python_sp_api(FulfillmentInbound, version="v0").get_labels(
        shipment["shipmentConfirmationId"], PageType="PackageLabel_Thermal", LabelType="UNIQUE")
    pdf = httpx.get(labels.payload["DownloadURL"])
    assert pdf.content.startswith(b"%PDF")
    before = {sku: state.inventory[sku].fulfillable for sku in skus}
    advance(spapi_emulator, 7 * DAY)
    assert inbound.get_shipment(plan_id, shipment_id).payload["status"] == "CLOSED"
    arrived = sum(state.inventory[sku].fulfillable - before[sku] for sku in skus)
    assert 0.9 * 24 <= arrived <= 24

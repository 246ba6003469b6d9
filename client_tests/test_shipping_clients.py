"""Buy Shipping (Merchant Fulfillment v0) and Amazon Shipping v2 through the real Python
clients, unmodified: python-amazon-sp-api's `MerchantFulfillment` and `ShippingV2` classes,
and amzn-sp-api's generated `MerchantFulfillmentApi` and `ShippingApi` (whose models refuse a
reply that breaks the model). Each test ships an order of its own seller and reads the label
file the client got back."""

from __future__ import annotations

import base64
import gzip
from collections.abc import Callable
from typing import Any

import httpx
from sp_api.api import MerchantFulfillment, ShippingV2, Tokens
from spapi.api.merchant_fulfillment_v0.merchant_fulfillment_api import MerchantFulfillmentApi
from spapi.api.shipping_v2.shipping_api import ShippingApi
from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi
from spapi.models.tokens_v2021_03_01 import CreateRestrictedDataTokenRequest, RestrictedResource

from client_tests.test_amzn_sp_api import restricted_client
from emulator.business.snapshot import dump
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.harness.pytest_plugin import SpApiCredentials, SpApiSeller

Make = Callable[..., Any]
SHIP_FROM_MFN = {"Name": "Acme Goods", "AddressLine1": "300 Turnbull Ave",
                 "Email": "ops@acme.test", "City": "Detroit", "StateOrProvinceCode": "MI",
                 "PostalCode": "48123", "CountryCode": "US", "Phone": "7132341234"}
SHIP_FROM_V2 = {"name": "Acme Goods", "addressLine1": "300 Turnbull Ave", "city": "Detroit",
                "stateOrRegion": "MI", "postalCode": "48123", "countryCode": "US"}
SPEC = {"format": "PNG", "size": {"width": 4, "length": 6, "unit": "INCH"}, "dpi": 203,
        "pageLayout": "DEFAULT", "needFileJoining": False, "requestedDocumentTypes": ["LABEL"]}


def mfn_order(server: Running, seller: SpApiSeller) -> dict[str, Any]:
    """A new order (the control plane answers Orders v0's Order) as the state holds it."""
    response = httpx.post(f"{server.base_url}/_emulator/orders", json={
        "seller_id": seller.seller_id, "status": "Unshipped", "fulfillment": "MFN"})
    assert response.status_code == 201, response.text
    record = server.app.store.of(seller.account).orders[response.json()["AmazonOrderId"]]
    return dict(dump(record))


def request_details(order: dict[str, Any]) -> dict[str, Any]:
    return {"AmazonOrderId": order["order_id"],
            "ItemList": [{"OrderItemId": i["order_item_id"], "Quantity": i["quantity"]}
                         for i in order["items"]],
            "ShipFromAddress": SHIP_FROM_MFN,
            "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"},
            "Weight": {"Value": 20, "Unit": "oz"},
            "ShippingServiceOptions": {"DeliveryExperience":
                                       "DeliveryConfirmationWithoutSignature",
                                       "CarrierWillPickUp": False, "LabelFormat": "PDF"}}


def v2_body(order: dict[str, Any]) -> dict[str, Any]:
    return {"shipFrom": SHIP_FROM_V2, "channelDetails": {
        "channelType": "AMAZON", "amazonOrderDetails": {"orderId": order["order_id"]}},
        "packages": [{"dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
                      "weight": {"value": 1.5, "unit": "POUND"},
                      "insuredValue": {"value": 0, "unit": "USD"},
                      "packageClientReferenceId": "BOX-1",
                      "items": [{"itemIdentifier": i["order_item_id"], "quantity": i["quantity"]}
                                for i in order["items"]]}]}


def test_python_amazon_sp_api_buys_a_label(spapi_python_sp_api: Make, spapi_emulator: Running,
                                           spapi_seller: SpApiSeller,
                                           state: SellerState) -> None:
    order = mfn_order(spapi_emulator, spapi_seller)
    details = request_details(order)
    offers = spapi_python_sp_api(MerchantFulfillment).get_eligible_shipment_services(
        details).payload["ShippingServiceList"]
    offer = offers[0]
    rdt = spapi_python_sp_api(Tokens).create_restricted_data_token(restrictedResources=[
        {"method": "POST", "path": "/mfn/v0/shipments"}]).payload["restrictedDataToken"]
    buying = spapi_python_sp_api(MerchantFulfillment, restricted_data_token=rdt)
    shipment = buying.create_shipment(
        details, offer["ShippingServiceId"],
        ShippingServiceOfferId=offer["ShippingServiceOfferId"]).payload
    pdf = gzip.decompress(base64.b64decode(shipment["Label"]["FileContents"]["Contents"]))
    assert pdf.startswith(b"%PDF-") and shipment["Status"] == "Purchased"
    assert state.orders[order["order_id"]].status == "Shipped"
    path = f"/mfn/v0/shipments/{shipment['ShipmentId']}"
    rdt = spapi_python_sp_api(Tokens).create_restricted_data_token(restrictedResources=[
        {"method": "DELETE", "path": path}]).payload["restrictedDataToken"]
    cancelled = spapi_python_sp_api(MerchantFulfillment, restricted_data_token=rdt
                                    ).cancel_shipment(shipment["ShipmentId"]).payload
    assert cancelled["Status"] == "RefundPending"


def test_python_amazon_sp_api_shipping_v2(spapi_python_sp_api: Make, spapi_emulator: Running,
                                          spapi_seller: SpApiSeller,
                                          state: SellerState) -> None:
    order = mfn_order(spapi_emulator, spapi_seller)
    shipping = spapi_python_sp_api(ShippingV2)
    rates = shipping.get_rates(**v2_body(order)).payload
    rate = next(r for r in rates["rates"] if r["carrierId"] == "USPS")
    bought = shipping.purchase_shipment(
        requestToken=rates["requestToken"], rateId=rate["rateId"],
        requestedDocumentSpecification=SPEC,
        requestedValueAddedServices=[{"id": "NO_SIGNATURE"}]).payload
    [detail] = bought["packageDocumentDetails"]
    png = base64.b64decode(detail["packageDocuments"][0]["contents"])
    assert png.startswith(b"\x89PNG")
    assert state.orders[order["order_id"]].status == "Shipped"
    tracking = shipping.get_tracking(trackingId=detail["trackingId"], carrierId="USPS").payload
    assert tracking["summary"]["status"] == "PreTransit"
    documents = shipping.get_shipment_documents(
        bought["shipmentId"], packageClientReferenceId="BOX-1", format="ZPL").payload
    assert base64.b64decode(documents["packageDocumentDetail"]["packageDocuments"][0][
        "contents"]).startswith(b"^XA")
    assert shipping.cancel_shipment(bought["shipmentId"]).payload == {}


def test_amzn_sp_api_buys_a_label(spapi_amzn_client: Make, spapi_emulator: Running,
                                  spapi_seller: SpApiSeller, spapi_credentials: SpApiCredentials,
                                  state: SellerState) -> None:
    order = mfn_order(spapi_emulator, spapi_seller)
    details = request_details(order)
    client = spapi_amzn_client()
    offers = MerchantFulfillmentApi(client.api_client).get_eligible_shipment_services(
        {"ShipmentRequestDetails": details}).payload.shipping_service_list
    offer = offers[0]
    rdt = TokensApi(client.api_client).create_restricted_data_token(
        CreateRestrictedDataTokenRequest(restricted_resources=[
            RestrictedResource(method="POST", path="/mfn/v0/shipments")]))
    mfn = MerchantFulfillmentApi(restricted_client(spapi_credentials.endpoint,
                                                   rdt.restricted_data_token))
    shipment = mfn.create_shipment({
        "ShipmentRequestDetails": details, "ShippingServiceId": offer.shipping_service_id,
        "ShippingServiceOfferId": offer.shipping_service_offer_id}).payload
    assert shipment.status == "Purchased"
    assert shipment.tracking_id and shipment.label.file_contents.file_type == "application/pdf"
    assert state.orders[order["order_id"]].status == "Shipped"


def test_amzn_sp_api_shipping_v2(spapi_amzn_client: Make, spapi_emulator: Running,
                                 spapi_seller: SpApiSeller, state: SellerState) -> None:
    order = mfn_order(spapi_emulator, spapi_seller)
    shipping = ShippingApi(spapi_amzn_client().api_client)
    rates = shipping.get_rates(v2_body(order)).payload
    rate = next(r for r in rates.rates if r.carrier_id == "UPS")
    bought = shipping.purchase_shipment({
        "requestToken": rates.request_token, "rateId": rate.rate_id,
        "requestedDocumentSpecification": SPEC,
        "requestedValueAddedServices": [{"id": "NO_SIGNATURE"}]}).payload
    [detail] = bought.package_document_details
    assert base64.b64decode(detail.package_documents[0].contents).startswith(b"\x89PNG")
    tracking = shipping.get_tracking(detail.tracking_id, "UPS").payload
    assert tracking.summary.status == "PreTransit"
    assert state.orders[order["order_id"]].status == "Shipped"

"""Merchant Fulfillment v0 (Buy Shipping) over HTTP, on one emulator of this module: offers
for the seller's merchant-fulfilled orders, buying a label that is a real file and ships the
order (ORDER_CHANGE, LastUpdateDate, postage in Finances), reading and cancelling it (refund
on the emulator clock, in Finances too), buying again after a cancel, international
shipments' inputs, and every refusal with its exact error, changing nothing."""

from __future__ import annotations

import base64
import copy
import gzip
import hashlib
import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from emulator.business import shipments
from emulator.business.store import SellerState
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from tests.conftest import TokenSource
from tests.support import control_order
from tests.test_notifications import notifications_on

MODEL = "merchantFulfillmentV0"
MFN = "/mfn/v0"
DAY = 86400.0
SHIP_FROM = {"Name": "Acme Goods", "AddressLine1": "300 Turnbull Ave", "Email": "ops@acme.test",
             "City": "Detroit", "StateOrProvinceCode": "MI", "PostalCode": "48123",
             "CountryCode": "US", "Phone": "7132341234"}
EXPIRED = ("The shipping offering Id has expired.  Please make another "
           "GetEligibleShippingServices call to get a new id.")


@pytest.fixture(scope="module")
def server(models_dir: Path) -> Iterator[Running]:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=50,
                          lifecycle="instant")) as running_server:
        yield running_server


@pytest.fixture(scope="module")
def tokens(server: Running) -> TokenSource:
    return TokenSource(server)


class Mfn:
    """Merchant Fulfillment calls on one emulator, each answer checked against the model."""

    def __init__(self, server: Running, tokens: TokenSource) -> None:
        self.server, self.tokens = server, tokens
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    @property
    def state(self) -> SellerState:
        app = self.server.app
        return app.store.of(app.accounts.sellers[0])

    def call(self, operation: str, method: str, path: str, status: int = 200,
             rdt: bool = False, **kwargs: Any) -> Any:
        token = (self.tokens.rdt(method, path) if rdt else self.tokens.seller())
        response = self.http.request(method, path, headers={"x-amz-access-token": token},
                                     **kwargs)
        assert response.status_code == status, response.text
        return checked(self.server, f"{MODEL}.{operation}", response)

    def new_order(self, **spec: Any) -> dict[str, Any]:
        return control_order(self.server, **{"status": "Unshipped", "fulfillment": "MFN",
                                             **spec})

    def details(self, order: dict[str, Any], **changes: Any) -> dict[str, Any]:
        body = {"AmazonOrderId": order["order_id"],
                "ItemList": [{"OrderItemId": i["order_item_id"], "Quantity": i["quantity"]}
                             for i in order["items"]],
                "ShipFromAddress": dict(SHIP_FROM),
                "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4, "Unit": "inches"},
                "Weight": {"Value": 20, "Unit": "oz"},
                "ShippingServiceOptions": {"DeliveryExperience":
                                           "DeliveryConfirmationWithoutSignature",
                                           "CarrierWillPickUp": False}}
        body.update(changes)
        return body

    def eligible(self, details: dict[str, Any], status: int = 200, **body: Any) -> Any:
        return self.call("getEligibleShipmentServices", "POST", f"{MFN}/eligibleShippingServices",
                         status, json={"ShipmentRequestDetails": details, **body})

    def offers(self, details: dict[str, Any]) -> list[dict[str, Any]]:
        return list(self.eligible(details)["payload"]["ShippingServiceList"])

    def create(self, details: dict[str, Any], offer: dict[str, Any] | None = None,
               status: int = 200, **body: Any) -> Any:
        if offer is not None:
            body.setdefault("ShippingServiceId", offer["ShippingServiceId"])
            body.setdefault("ShippingServiceOfferId", offer["ShippingServiceOfferId"])
        return self.call("createShipment", "POST", f"{MFN}/shipments", status, rdt=True,
                         json={"ShipmentRequestDetails": details, **body})

    def shipment(self, shipment_id: str, status: int = 200) -> Any:
        return self.call("getShipment", "GET", f"{MFN}/shipments/{shipment_id}", status,
                         rdt=True)

    def cancel(self, shipment_id: str, status: int = 200) -> Any:
        return self.call("cancelShipment", "DELETE", f"{MFN}/shipments/{shipment_id}", status,
                         rdt=True)

    def order(self, order_id: str) -> dict[str, Any]:
        response = self.http.get(f"/orders/v0/orders/{order_id}",
                                 headers={"x-amz-access-token": self.tokens.seller()})
        return dict(response.json()["payload"])

    def advance(self, seconds: float) -> None:
        self.server.app.clock.advance(seconds)


def checked(server: Running, uid: str, response: httpx.Response) -> Any:
    operation = server.app.models.operation(uid)
    body = response.json()
    schema = operation.responses[str(response.status_code)]["schema"]
    errors = list(validator_for(operation.model, schema).iter_errors(body))
    assert not errors, f"{uid}: {errors[0].message} at {list(errors[0].absolute_path)}"
    return body


def error(body: Any) -> dict[str, str]:
    [only] = body["errors"]
    return dict(only)


@pytest.fixture(scope="module")
def mfn(server: Running, tokens: TokenSource) -> Mfn:
    return Mfn(server, tokens)


def label_file(shipment: dict[str, Any]) -> bytes:
    contents = shipment["Label"]["FileContents"]
    data = gzip.decompress(base64.b64decode(contents["Contents"]))
    assert contents["Checksum"] == base64.b64encode(hashlib.md5(data).digest()).decode()
    return data


def epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


# -- offers -------------------------------------------------------------------------------------

def test_offers_for_an_unshipped_order(mfn: Mfn) -> None:
    order = mfn.new_order()
    payload = mfn.eligible(mfn.details(order))["payload"]
    offers = payload["ShippingServiceList"]
    assert len(offers) >= 8
    carriers = {o["CarrierName"] for o in offers}
    assert {"USPS", "UPS®", "FedEx", "Amazon Shipping"} <= carriers
    rates = [o["Rate"]["Amount"] for o in offers]
    assert rates == sorted(rates) and all(r > 0 for r in rates)
    now = mfn.server.app.clock.now()
    for offer in offers:
        assert offer["Rate"]["CurrencyCode"] == "USD"
        assert now - 60 <= epoch(offer["ShipDate"]) <= epoch(
            offer["EarliestEstimatedDeliveryDate"]) <= epoch(offer["LatestEstimatedDeliveryDate"])
        assert len(offer["ShippingServiceOfferId"]) > 200
        assert "ShippingServiceDefault" in offer["AvailableLabelFormats"]
        assert offer["RequiresAdditionalSellerInputs"] is False
    # The seller has not accepted DHL eCommerce's terms (the default scenario says so).
    assert payload["TermsAndConditionsNotAcceptedCarrierList"] == [{"CarrierName": "DHLECOMMERCE"}]
    # International services are rejected for a domestic parcel, with Amazon's reason code.
    rejected = {r["ShippingServiceId"]: r["RejectionReasonCode"]
                for r in payload["RejectedShippingServiceList"]}
    assert rejected["UPS_PTP_WW_SAVER"] == "NO_COVERAGE"
    # Same request, same moment, same offers.
    again = mfn.eligible(mfn.details(order))["payload"]["ShippingServiceList"]
    assert [o["Rate"] for o in again] == [o["Rate"] for o in offers]


def test_rates_follow_weight_size_distance_and_signature(mfn: Mfn) -> None:
    order = mfn.new_order()

    def rate(service: str, **changes: Any) -> float:
        offers = mfn.offers(mfn.details(order, **changes))
        return float(next(o for o in offers if o["ShippingServiceId"] == service)["Rate"]["Amount"])

    base = rate("UPS_PTP_GND")
    assert rate("UPS_PTP_GND", Weight={"Value": 200, "Unit": "oz"}) > base
    assert rate("UPS_PTP_GND", PackageDimensions={"Length": 24, "Width": 20, "Height": 18,
                                                  "Unit": "inches"}) > base
    near = dict(SHIP_FROM, PostalCode=mfn.state.orders[order["order_id"]].address.postal_code)
    assert rate("UPS_PTP_GND", ShipFromAddress=near) <= base
    signed = {"DeliveryExperience": "DeliveryConfirmationWithSignature", "CarrierWillPickUp": False}
    assert rate("UPS_PTP_GND", ShippingServiceOptions=signed) > base
    assert rate("UPS_PTP_NEXT_DAY_AIR_SAVER") > rate("UPS_PTP_2ND_DAY_AIR") > base


def test_services_reject_what_they_cannot_carry(mfn: Mfn) -> None:
    order = mfn.new_order()
    address = mfn.state.orders[order["order_id"]].address
    saved = (address.line1, address.postal_code)
    try:
        address.line1 = "PO Box 1234"
        payload = mfn.eligible(mfn.details(order))["payload"]
        rejected = {r["ShippingServiceId"]: (r["RejectionReasonCode"], r["RejectionReasonMessage"])
                    for r in payload["RejectedShippingServiceList"]}
        assert rejected["UPS_PTP_GND"] == ("CARRIER_CANNOT_SHIP_TO_POBOX",
                                           "The carrier cannot ship to a PO box")
        offered = {o["ShippingServiceId"] for o in payload["ShippingServiceList"]}
        assert "USPS_PTP_PRI" in offered and "UPS_PTP_GND" not in offered
        address.line1, address.postal_code = saved[0], "99501"  # Anchorage: Amazon does not go
        rejected = {r["ShippingServiceId"]: r["RejectionReasonCode"] for r in mfn.eligible(
            mfn.details(order))["payload"]["RejectedShippingServiceList"]}
        assert rejected["AMZN_US_GROUND"] == "NO_COVERAGE"
    finally:
        address.line1, address.postal_code = saved
    heavy = mfn.eligible(mfn.details(order, Weight={"Value": 40000, "Unit": "g"}))["payload"]
    rejected = {r["ShippingServiceId"]: r["RejectionReasonCode"]
                for r in heavy["RejectedShippingServiceList"]}
    assert rejected["USPS_PTP_PRI"] == "WEIGHT_RESTRICTIONS"
    assert rejected["AMZN_US_GROUND"] == "WEIGHT_RESTRICTIONS"
    assert "UPS_PTP_GND" in {o["ShippingServiceId"] for o in heavy["ShippingServiceList"]}


def test_a_carrier_box_and_the_offering_filter(mfn: Mfn) -> None:
    order = mfn.new_order()
    boxed = mfn.offers(mfn.details(order, PackageDimensions={
        "PredefinedPackageDimensions": "USPS_MediumFlatRateBox1"}))
    assert boxed and {o["CarrierName"] for o in boxed} == {"USPS"}
    picked_up = mfn.eligible(mfn.details(order), ShippingOfferingFilter={
        "CarrierWillPickUp": "CarrierWillPickUp"})["payload"]["ShippingServiceList"]
    assert {o["CarrierName"] for o in picked_up} == {"Dynamex"}
    adult = mfn.eligible(mfn.details(order), ShippingOfferingFilter={
        "DeliveryExperience": "DeliveryConfirmationWithAdultSignature"})["payload"]
    assert all(o["ShippingServiceOptions"]["DeliveryExperience"]
               == "DeliveryConfirmationWithAdultSignature" for o in adult["ShippingServiceList"])
    assert {r["RejectionReasonCode"] for r in adult["RejectedShippingServiceList"]} >= {
        "UNSUPPORTED_VAS"}


# -- buying -------------------------------------------------------------------------------------

def test_buying_a_label_ships_the_order(mfn: Mfn, models_dir: Path) -> None:
    notes = notifications_on(mfn.server)
    notes.subscribed("ORDER_CHANGE", notes.sqs_destination("mfn-orders"))
    order = mfn.new_order()
    order_id = order["order_id"]
    before = mfn.order(order_id)
    details = mfn.details(order)
    offer = next(o for o in mfn.offers(details) if o["ShippingServiceId"] == "UPS_PTP_GND")
    mfn.advance(30)
    bought_at = mfn.server.app.clock.now()
    shipment = mfn.create(details, offer)["payload"]
    assert shipment["Status"] == "Purchased"
    assert shipment["AmazonOrderId"] == order_id
    assert shipment["ItemList"] == details["ItemList"]
    assert shipment["ShipFromAddress"] == SHIP_FROM
    address = mfn.state.orders[order_id].address
    assert shipment["ShipToAddress"]["PostalCode"] == address.postal_code
    assert shipment["ShippingService"]["ShippingServiceId"] == "UPS_PTP_GND"
    assert shipment["ShippingService"]["Rate"] == offer["Rate"]
    assert shipment["TrackingId"].startswith("1Z")
    label = shipment["Label"]
    assert label["Dimensions"] == {"Length": 6.0, "Width": 4.0, "Unit": "inches"}
    # UPS's default format is ZPL (ShippingServiceDefault).
    assert (label["LabelFormat"], label["FileContents"]["FileType"]) == ("ZPL203",
                                                                        "application/zpl")
    zpl = label_file(shipment).decode()
    assert f"^FD{shipment['TrackingId']}^FS" in zpl and address.postal_code in zpl
    # The order shipped: status, counts, LastUpdateDate, the package, ORDER_CHANGE.
    after = mfn.order(order_id)
    assert after["OrderStatus"] == "Shipped"
    assert after["NumberOfItemsUnshipped"] == 0
    assert epoch(after["LastUpdateDate"]) == pytest.approx(bought_at, abs=2)
    assert epoch(after["LastUpdateDate"]) > epoch(before["LastUpdateDate"])
    [package] = mfn.state.orders[order_id].shipments
    assert (package.carrier, package.tracking_number, package.ship_method) == (
        "UPS", shipment["TrackingId"], "UPS Ground")
    statuses = [m["Payload"]["OrderChangeNotification"]["Summary"]["OrderStatus"]
                for m in notes.messages("ORDER_CHANGE")
                if m["Payload"]["OrderChangeNotification"]["AmazonOrderId"] == order_id]
    assert statuses[-1] == "Shipped"
    # getShipment reads the same label again (same bytes).
    read = mfn.shipment(shipment["ShipmentId"])["payload"]
    assert label_file(read) == label_file(shipment) and read["Status"] == "Purchased"


@pytest.mark.parametrize(("label_format", "media_type"), [
    ("PDF", "application/pdf"), ("PNG", "image/png"), ("ZPL300", "application/zpl")])
def test_labels_in_every_format_open_and_scan(mfn: Mfn, label_format: str,
                                              media_type: str) -> None:
    order = mfn.new_order()
    options = {"DeliveryExperience": "DeliveryConfirmationWithoutSignature",
               "CarrierWillPickUp": False, "LabelFormat": label_format}
    details = mfn.details(order, ShippingServiceOptions=options)
    offer = mfn.offers(details)[0]
    shipment = mfn.create(details, offer)["payload"]
    assert shipment["Label"]["FileContents"]["FileType"] == media_type
    data = label_file(shipment)
    assert len(data) < 20 * 1024
    if label_format == "PDF":
        page = pypdfium2.PdfDocument(data)[0]
        assert page.get_size() == (288.0, 432.0)
        image = page.render(scale=300 / 72).to_pil()
    elif label_format == "PNG":
        image = Image.open(io.BytesIO(data))
        assert image.size == (812, 1218)
    else:
        assert "^PW1200" in data.decode() and f"^FD{shipment['TrackingId']}^FS" in data.decode()
        return
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [shipment["TrackingId"]]


def test_part_of_an_order_and_then_the_rest(mfn: Mfn) -> None:
    sku = next(x.sku for x in mfn.state.listings.values()
               if x.fulfillment == "MFN" and x.quantity >= 3)
    order = mfn.new_order(items=[{"sku": sku, "quantity": 3}])
    item = order["items"][0]["order_item_id"]
    first = mfn.details(order, ItemList=[{"OrderItemId": item, "Quantity": 2}])
    mfn.create(first, mfn.offers(first)[0])
    assert mfn.order(order["order_id"])["OrderStatus"] == "PartiallyShipped"
    too_many = mfn.details(order, ItemList=[{"OrderItemId": item, "Quantity": 2}])
    assert error(mfn.eligible(too_many, 400))["message"] == (
        f"Quantity 2 exceeds the 1 unshipped units of OrderItemId {item}.")
    rest = mfn.details(order, ItemList=[{"OrderItemId": item, "Quantity": 1}])
    mfn.create(rest, mfn.offers(rest)[0])
    assert mfn.order(order["order_id"])["OrderStatus"] == "Shipped"


def test_postage_is_charged_and_refunded_in_finances(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order, ShippingServiceOptions={
        "DeliveryExperience": "DeliveryConfirmationWithSignature", "CarrierWillPickUp": False})
    offer = next(o for o in mfn.offers(details) if o["ShippingServiceId"] == "USPS_PTP_PRI")
    shipment = mfn.create(details, offer)["payload"]

    def adjustments() -> list[dict[str, Any]]:
        response = mfn.http.get(f"/finances/v0/orders/{order['order_id']}/financialEvents",
                                headers={"x-amz-access-token": mfn.tokens.seller()})
        assert response.status_code == 200, response.text
        return list(response.json()["payload"]["FinancialEvents"]["AdjustmentEventList"])

    billed = adjustments()
    assert {a["AdjustmentType"] for a in billed} == {"PostageBilling_Postage",
                                                     "PostageBilling_SignatureConfirmation"}
    assert round(-sum(a["AdjustmentAmount"]["CurrencyAmount"] for a in billed), 2) == (
        offer["Rate"]["Amount"])
    mfn.advance(180)  # listTransactions lists what posted two minutes ago and before
    transactions = mfn.http.get("/finances/2024-06-19/transactions", params={
        "relatedIdentifierName": "ORDER_ID", "relatedIdentifierValue": order["order_id"]},
        headers={"x-amz-access-token": mfn.tokens.seller()}).json()["payload"]["transactions"]
    postage = [t for t in transactions if t["description"] == "PostageBilling"]
    assert [t["totalAmount"]["currencyAmount"] for t in postage] == [-offer["Rate"]["Amount"]]
    assert {"relatedIdentifierName": "SHIPMENT_ID",
            "relatedIdentifierValue": shipment["ShipmentId"]} in postage[0]["relatedIdentifiers"]
    # Cancelled: RefundPending, then USPS applies the refund 10 days later.
    cancelled = mfn.cancel(shipment["ShipmentId"])["payload"]
    assert cancelled["Status"] == "RefundPending"
    assert cancelled["Label"]["FileContents"]["Contents"] == ""
    assert len(adjustments()) == 2
    mfn.advance(10 * DAY + 60)
    assert mfn.shipment(shipment["ShipmentId"])["payload"]["Status"] == "RefundApplied"
    refunds = [a for a in adjustments() if a["AdjustmentType"].startswith("PostageRefund")]
    assert round(sum(a["AdjustmentAmount"]["CurrencyAmount"] for a in refunds), 2) == (
        offer["Rate"]["Amount"])
    # The order stays shipped, as Amazon says.
    assert mfn.order(order["order_id"])["OrderStatus"] == "Shipped"


def test_a_cancelled_label_can_be_bought_again(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order)
    first = mfn.create(details, mfn.offers(details)[0])["payload"]
    assert error(mfn.eligible(details, 400))["code"] == "ShipmentAlreadyExists"
    mfn.cancel(first["ShipmentId"])
    second = mfn.create(details, mfn.offers(details)[-1])["payload"]
    assert second["Status"] == "Purchased"
    [package] = mfn.state.orders[order["order_id"]].shipments
    assert package.tracking_number == second["TrackingId"]
    assert mfn.order(order["order_id"])["OrderStatus"] == "Shipped"
    assert error(mfn.eligible(details, 400))["code"] == "ShipmentAlreadyExists"


def test_refunds_are_rejected_once_the_carrier_has_the_parcel(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order)
    offer = next(o for o in mfn.offers(details) if o["CarrierName"] == "USPS")
    shipment = mfn.create(details, offer)["payload"]
    mfn.advance(epoch(offer["ShipDate"]) - mfn.server.app.clock.now() + 2 * 3600)
    assert mfn.cancel(shipment["ShipmentId"])["payload"]["Status"] == "RefundPending"
    mfn.advance(11 * DAY)
    assert mfn.shipment(shipment["ShipmentId"])["payload"]["Status"] == "RefundRejected"


def test_past_the_carriers_window_a_label_cannot_be_cancelled(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order)
    offer = next(o for o in mfn.offers(details) if o["ShippingServiceId"] == "UPS_PTP_GND")
    shipment = mfn.create(details, offer)["payload"]
    mfn.advance(DAY + 60)  # UPS: one day
    assert error(mfn.cancel(shipment["ShipmentId"], 400)) == {
        "code": "LabelCancelWindowExpired",
        "message": shipments.LABEL_CANCEL_WINDOW_EXPIRED, "details": ""}
    assert mfn.shipment(shipment["ShipmentId"])["payload"]["Status"] == "Purchased"


# -- international shipments ------------------------------------------------------------------

def test_international_shipments_need_additional_inputs(mfn: Mfn) -> None:
    order = mfn.new_order()
    abroad = dict(SHIP_FROM, City="Toronto", StateOrProvinceCode="ON", PostalCode="M5V 2T6",
                  CountryCode="CA")
    details = mfn.details(order, ShipFromAddress=abroad)
    offers = mfn.offers(details)
    assert offers and all(o["RequiresAdditionalSellerInputs"] for o in offers)
    inputs = mfn.call("getAdditionalSellerInputs", "POST", f"{MFN}/additionalSellerInputs",
                      json={"ShippingServiceId": offers[0]["ShippingServiceId"],
                            "ShipFromAddress": abroad, "OrderId": order["order_id"]})["payload"]
    [shipment_level] = inputs["ShipmentLevelFields"]
    assert shipment_level["AdditionalInputFieldName"] == "NON_DELIVERABLE_INSTRUCTIONS"
    assert inputs["ItemLevelFieldsList"][0]["AdditionalInputs"][0][
        "AdditionalInputFieldName"] == "COUNTRY_OF_ORIGIN"
    refused = error(mfn.create(details, offers[0], 400))
    assert "NON_DELIVERABLE_INSTRUCTIONS is required" in refused["message"]
    assert mfn.order(order["order_id"])["OrderStatus"] == "Unshipped"
    with_inputs = copy.deepcopy(details)
    for item in with_inputs["ItemList"]:
        item["ItemLevelSellerInputsList"] = [{"AdditionalInputFieldName": "COUNTRY_OF_ORIGIN",
                                              "AdditionalSellerInput": {"DataType": "STRING",
                                                                        "ValueAsString": "CN"}}]
    shipment = mfn.create(with_inputs, offers[0], ShipmentLevelSellerInputsList=[{
        "AdditionalInputFieldName": "NON_DELIVERABLE_INSTRUCTIONS",
        "AdditionalSellerInput": {"DataType": "STRING", "ValueAsString": "RETURN_TO_SENDER"}}])
    assert shipment["payload"]["Status"] == "Purchased"
    domestic = mfn.call("getAdditionalSellerInputs", "POST", f"{MFN}/additionalSellerInputs",
                        json={"ShippingServiceId": "UPS_PTP_GND", "ShipFromAddress": SHIP_FROM,
                              "OrderId": order["order_id"]})["payload"]
    assert domestic == {"ShipmentLevelFields": [], "ItemLevelFieldsList": []}
    bad = mfn.call("getAdditionalSellerInputs", "POST", f"{MFN}/additionalSellerInputs", 400,
                   json={"ShippingServiceId": "UPS_PTP_GND", "OrderId": order["order_id"],
                         "ShipFromAddress": dict(SHIP_FROM, CountryCode="XX")})
    assert error(bad)["message"] == (
        "Invalid Ship From Address when calling GetAdditionalSellerInputs")


# -- refusals ---------------------------------------------------------------------------------

def test_stale_foreign_and_tampered_offer_ids_are_expired(mfn: Mfn) -> None:
    order, other = mfn.new_order(), mfn.new_order()
    details = mfn.details(order)
    offer = mfn.offers(details)[0]
    foreign = mfn.offers(mfn.details(other))[0]
    changed = mfn.details(order, Weight={"Value": 21, "Unit": "oz"})
    tampered = offer["ShippingServiceOfferId"][:-8] + "AAAAAAA="
    for request, offer_id, service in (
        (details, foreign["ShippingServiceOfferId"], offer["ShippingServiceId"]),
        (changed, offer["ShippingServiceOfferId"], offer["ShippingServiceId"]),
        (details, tampered, offer["ShippingServiceId"]),
        (details, offer["ShippingServiceOfferId"], "FEDEX_PTP_TWO_DAY"),
        (details, "not-an-offer-id", offer["ShippingServiceId"]),
    ):
        body = mfn.create(request, None, 400, ShippingServiceId=service,
                          ShippingServiceOfferId=offer_id)
        assert error(body) == {"code": "InvalidInput", "message": EXPIRED, "details": ""}
    mfn.advance(601)  # offers live ten minutes
    assert error(mfn.create(details, offer, 400))["message"] == EXPIRED
    assert mfn.order(order["order_id"])["OrderStatus"] == "Unshipped"
    assert not shipments.of_order(mfn.state, order["order_id"])
    # Without an offer id, the service is bought at its current rate.
    assert mfn.create(details, None, ShippingServiceId=offer["ShippingServiceId"])[
        "payload"]["Status"] == "Purchased"


def test_requests_amazon_refuses_change_nothing(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order)
    item = order["items"][0]["order_item_id"]
    afn = mfn.new_order(fulfillment="AFN")
    pending = mfn.new_order(status="Pending")
    cases: list[tuple[dict[str, Any], dict[str, str]]] = [
        (dict(details, ShipFromAddress=dict(SHIP_FROM, CountryCode="USA")),
         {"code": "InvalidInput", "details": "", "message": (
             "1 validation error detected: Value 'USA' at 'shipmentRequestDetails."
             "shipFromAddress.countryCode' failed to satisfy constraint: Member must have "
             "length less than or equal to 2")}),
        (dict(details, ShipFromAddress={k: v for k, v in SHIP_FROM.items()
                                        if k != "StateOrProvinceCode"}),
         {"code": "InvalidInput", "details": "", "message": (
             "1 validation error detected: Value null at 'shipmentRequestDetails."
             "shipFromAddress.stateOrProvinceCode' failed to satisfy constraint: Member must "
             "not be null")}),
        (dict(details, ShipFromAddress=dict(SHIP_FROM, Name="N" * 31)),
         {"code": "InvalidInput", "details": "", "message": (
             f"1 validation error detected: Value '{'N' * 31}' at 'shipmentRequestDetails."
             "shipFromAddress.name' failed to satisfy constraint: Member must have length "
             "less than or equal to 30")}),
        (dict(details, ItemList=[{"OrderItemId": item, "Quantity": 0}],
              Weight={"Value": 0, "Unit": "oz"}),
         {"code": "InvalidInput", "details": "", "message": (
             "2 validation errors detected: Value '0' at 'shipmentRequestDetails.itemList.1."
             "member.quantity' failed to satisfy constraint: Member must have value greater "
             "than or equal to 1; Value '0' at 'shipmentRequestDetails.weight.value' failed to "
             "satisfy constraint: Member must have value greater than 0")}),
        (dict(details, AmazonOrderId="111-1111111-1111111"),
         {"code": "InvalidInput", "details": "", "message": (
             "The AmazonOrderId 111-1111111-1111111 does not exist or does not belong to the "
             "seller.")}),
        (mfn.details(afn), {"code": "InvalidInput", "details": "", "message": (
            f"The AmazonOrderId {afn['order_id']} is fulfilled by Amazon; Buy Shipping ships "
            "merchant-fulfilled orders only.")}),
        (mfn.details(pending), {"code": "InvalidInput", "details": "", "message": (
            f"The AmazonOrderId {pending['order_id']} is Pending; only Unshipped or "
            "PartiallyShipped orders can be shipped.")}),
        (dict(details, ItemList=[{"OrderItemId": "12345678901234", "Quantity": 1}]),
         {"code": "InvalidInput", "details": "", "message": (
             f"Invalid OrderItemId 12345678901234 for AmazonOrderId {order['order_id']}.")}),
    ]
    offer = mfn.offers(details)[0]
    for request, expected in cases:
        assert error(mfn.eligible(request, 400)) == expected
        assert error(mfn.create(request, offer, 400)) == expected
    assert error(mfn.create(dict(details, ShippingServiceOptions={
        "DeliveryExperience": "DeliveryConfirmationWithoutSignature", "CarrierWillPickUp": False,
        "LabelFormat": "ZPL203"}), None, 400, ShippingServiceId="DYNAMEX_PTP_SAME_DAY")) == {
        "code": "LabelFormatNotSupported", "details": "",
        "message": "The requested LabelFormat does not match the available formats."}
    assert error(mfn.create(details, None, 400, ShippingServiceId="NO_SUCH_SERVICE")) == {
        "code": "ShipmentRequestDetailsTooRestrictive", "details": "", "message": (
            "The specified ShipmentRequestDetails and ShippingServiceId values are so "
            "restrictive that no shipping service offer is available.")}
    for target in (order, afn, pending):
        assert mfn.order(target["order_id"])["OrderStatus"] == mfn.state.orders[
            target["order_id"]].status
        assert not shipments.of_order(mfn.state, target["order_id"])
    assert mfn.order(order["order_id"])["OrderStatus"] == "Unshipped"


def test_shipment_ids_are_checked(mfn: Mfn) -> None:
    assert error(mfn.shipment("TEST_CASE_400x", 400))["message"] == (
        "1 validation error detected: Value 'TEST_CASE_400x' at 'shipmentId' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: "
        "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
    unknown = "be7a0a53-00c3-4f6f-a63a-639f76ee9254"
    assert error(mfn.shipment(unknown, 404))["code"] == "NotFound"
    assert error(mfn.cancel(unknown, 404))["code"] == "NotFound"


def test_labels_need_a_restricted_data_token(mfn: Mfn) -> None:
    order = mfn.new_order()
    details = mfn.details(order)
    response = mfn.http.post(f"{MFN}/shipments", json={
        "ShipmentRequestDetails": details, "ShippingServiceId": "UPS_PTP_GND"},
        headers={"x-amz-access-token": mfn.tokens.seller()})
    assert response.status_code == 403
    assert mfn.order(order["order_id"])["OrderStatus"] == "Unshipped"


def test_the_sandbox_cases_still_answer(mfn: Mfn) -> None:
    body = {"ShipmentRequestDetails": {
        "AmazonOrderId": "TEST_CASE_400", "ItemList": [{"OrderItemId": "1", "Quantity": 1}],
        "ShipFromAddress": dict(SHIP_FROM, CountryCode="USA"),
        "PackageDimensions": {"Length": 10, "Width": 10, "Height": 10, "Unit": "inches"},
        "Weight": {"Value": 10, "Unit": "oz"},
        "ShippingServiceOptions": {"DeliveryExperience": "NoTracking",
                                   "CarrierWillPickUp": False}}}
    response = mfn.http.post(f"{MFN}/eligibleShippingServices", json=body,
                             headers={"x-amz-access-token": mfn.tokens.seller()})
    assert response.status_code == 400
    assert "'USA' at 'shipmentRequestDetails.shipFromAddress.countryCode'" in (
        response.json()["errors"][0]["message"])

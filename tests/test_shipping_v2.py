"""Amazon Shipping v2 over HTTP, both channels, on one emulator of this module: rates for an
Amazon order and for any parcel, buying them (purchaseShipment with its token, rate,
value-added services and document rules; oneClickShipment; directPurchaseShipment), the
documents under each operation's own field name, cancelling, tracking that moves on the
emulator clock, NDR feedback, claims, access points and collection forms; every refusal with
Amazon's details, changing nothing."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp
from PIL import Image

from emulator.business import shipments
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from tests.conftest import TokenSource
from tests.support import control_order
from tests.test_merchant_fulfillment import checked, epoch, error, server

MODEL = "shippingV2"
V2 = "/shipping/v2"
DAY = 86400.0
SHIP_FROM = {"name": "Acme Goods", "addressLine1": "300 Turnbull Ave", "city": "Detroit",
             "stateOrRegion": "MI", "postalCode": "48123", "countryCode": "US"}
SHIP_TO = {"name": "Pat Buyer", "addressLine1": "1 Pine St", "city": "Seattle",
           "stateOrRegion": "WA", "postalCode": "98101", "countryCode": "US",
           "email": "pat@example.com"}
UK_FROM = {"name": "Orville Miller", "addressLine1": "16 Daugherty Way", "city": "London",
           "stateOrRegion": "London", "postalCode": "NW10 0TL", "countryCode": "UK"}
UK_TO = {"name": "Arlene Purdy", "addressLine1": "8 Armstrong Road", "city": "Leeds",
         "stateOrRegion": "West Yorkshire", "postalCode": "LS1 4AP", "countryCode": "GB"}
SPEC = {"format": "PDF", "size": {"width": 4, "length": 6, "unit": "INCH"}, "dpi": 203,
        "pageLayout": "DEFAULT", "needFileJoining": False, "requestedDocumentTypes": ["LABEL"]}
REQUEST_ERROR = "Request is missing or has invalid parameters"
__all__ = ["server"]  # the fixture: an emulator of this module's own

VAS_INVALID = ("The requested value added services are invalid. Please check the value added "
               "services offered in the GetRates response.")


class V2Api:
    def __init__(self, server: Running) -> None:
        self.server = server
        self.tokens = TokenSource(server)
        self.http = httpx.Client(base_url=server.base_url, timeout=30)

    @property
    def state(self) -> SellerState:
        app = self.server.app
        return app.store.of(app.accounts.sellers[0])

    def call(self, operation: str, method: str, path: str, status: int = 200,
             **kwargs: Any) -> Any:
        headers = {"x-amz-access-token": self.tokens.seller(), **kwargs.pop("headers", {})}
        response = self.http.request(method, V2 + path, headers=headers, **kwargs)
        assert response.status_code == status, response.text
        if status == 204:
            assert response.content == b""
            return None
        return checked(self.server, f"{MODEL}.{operation}", response)

    def new_order(self, **spec: Any) -> dict[str, Any]:
        return control_order(self.server, **{"status": "Unshipped", "fulfillment": "MFN",
                                             **spec})

    def order_status(self, order_id: str) -> str:
        return self.state.orders[order_id].status

    def rates(self, body: dict[str, Any], status: int = 200) -> Any:
        return self.call("getRates", "POST", "/shipments/rates", status, json=body)

    def purchase(self, token: str, rate_id: str, status: int = 200, spec: Any = None,
                 vas: list[str] | None = None, key: str | None = None, **body: Any) -> Any:
        payload = {"requestToken": token, "rateId": rate_id,
                   "requestedDocumentSpecification": spec or SPEC, **body}
        if vas is not None:
            payload["requestedValueAddedServices"] = [{"id": v} for v in vas]
        headers = {"x-amzn-IdempotencyKey": key} if key else {}
        return self.call("purchaseShipment", "POST", "/shipments", status, json=payload,
                         headers=headers)

    def one_click(self, body: dict[str, Any], status: int = 200) -> Any:
        return self.call("oneClickShipment", "POST", "/oneClickShipment", status, json=body)

    def tracking(self, tracking_id: str, carrier_id: str, status: int = 200) -> Any:
        return self.call("getTracking", "GET", "/tracking", status,
                         params={"trackingId": tracking_id, "carrierId": carrier_id})

    def advance(self, seconds: float) -> None:
        self.server.app.clock.advance(seconds)


@pytest.fixture(scope="module")
def api(server: Running) -> V2Api:
    return V2Api(server)


def package(reference: str = "PKG-1", items: list[dict[str, Any]] | None = None,
            **changes: Any) -> dict[str, Any]:
    body = {"dimensions": {"length": 10, "width": 8, "height": 4, "unit": "INCH"},
            "weight": {"value": 2, "unit": "POUND"}, "insuredValue": {"value": 0, "unit": "USD"},
            "packageClientReferenceId": reference,
            "items": items if items is not None else [
                {"quantity": 1, "itemValue": {"value": 25, "unit": "USD"},
                 "description": "A thing"}]}
    body.update(changes)
    return body


def amazon_body(order: dict[str, Any], **changes: Any) -> dict[str, Any]:
    items = [{"itemIdentifier": i["order_item_id"], "quantity": i["quantity"]}
             for i in order["items"]]
    body = {"shipFrom": SHIP_FROM, "packages": [package(items=items)],
            "channelDetails": {"channelType": "AMAZON",
                               "amazonOrderDetails": {"orderId": order["order_id"]}}}
    body.update(changes)
    return body


def external_body(**changes: Any) -> dict[str, Any]:
    body = {"shipFrom": SHIP_FROM, "shipTo": SHIP_TO, "packages": [package()],
            "channelDetails": {"channelType": "EXTERNAL"}}
    body.update(changes)
    return body


def one_click_body(service: str = "USPS_PTP_GA", **changes: Any) -> dict[str, Any]:
    body = external_body(labelSpecifications=SPEC, serviceSelection={"serviceId": [service]},
                         valueAddedServicesDetails=[{"id": "NO_SIGNATURE"}])
    body.update(changes)
    return body


def details(body: Any) -> str:
    refusal = error(body)
    assert (refusal["code"], refusal["message"]) == ("InvalidRequest", REQUEST_ERROR)
    return refusal["details"]


def document(detail: dict[str, Any]) -> bytes:
    [only] = detail["packageDocuments"]
    assert only["type"] == "LABEL"
    return base64.b64decode(only["contents"])


# -- rates --------------------------------------------------------------------------------------

def test_rates_for_an_amazon_order(api: V2Api) -> None:
    order = api.new_order()
    payload = api.rates(amazon_body(order, shipTo=UK_TO))["payload"]
    assert len(payload["requestToken"]) == 29
    rates = payload["rates"]
    assert {r["carrierId"] for r in rates} >= {"USPS", "UPS", "FEDEX", "AMZN_US"}
    for rate in rates:
        assert len(rate["rateId"]) == 29 and rate["totalCharge"]["unit"] == "USD"
        assert rate["paymentType"] == "PAY_THROUGH_AMAZON"
        assert {s["format"] for s in rate["supportedDocumentSpecifications"]} == {
            "PDF", "PNG", "ZPL"}
        assert round(sum(i["rateItemCharge"]["value"] for i in rate["rateItemList"]), 2) == (
            rate["totalCharge"]["value"])
    ups = next(r for r in rates if r["serviceId"] == "UPS_PTP_GND")
    [group] = ups["availableValueAddedServiceGroups"]
    assert group["isRequired"] is True
    assert {v["id"] for v in group["valueAddedServices"]} == {"NO_SIGNATURE", "SIGNATURE",
                                                              "ADULT_SIGNATURE"}
    ineligible = {r["serviceId"]: r["ineligibilityReasons"][0]["code"]
                  for r in payload["ineligibleRates"]}
    assert ineligible["DHLECOMMERCE_GROUND"] == "TERMS_AND_CONDITIONS_NOT_ACCEPTED"
    assert ineligible["UPS_PTP_WW_SAVER"] == "NO_COVERAGE"
    # The ship-to address is the order's, whatever the request says ("ignored").
    bought = api.purchase(payload["requestToken"], ups["rateId"], vas=["NO_SIGNATURE"])
    label = document(bought["payload"]["packageDocumentDetails"][0])
    text = pypdfium2.PdfDocument(label)[0].get_textpage().get_text_range()
    assert api.state.orders[order["order_id"]].address.postal_code in text
    assert "LS1 4AP" not in text


def test_rates_for_any_parcel(api: V2Api) -> None:
    payload = api.rates(external_body(shipFrom=UK_FROM, shipTo=UK_TO, packages=[package(
        weight={"value": 1, "unit": "KILOGRAM"}, insuredValue={"value": 0, "unit": "GBP"},
        dimensions={"length": 30, "width": 10, "height": 10, "unit": "CENTIMETER"})]))["payload"]
    services = {r["serviceId"]: r for r in payload["rates"]}
    assert "SWA-UK-PREM" in services  # "UK" is taken for GB, as Amazon's samples send it
    assert services["SWA-UK-PREM"]["totalCharge"]["unit"] == "GBP"
    assert services["SWA-UK-PREM"]["billedWeight"]["unit"] == "KILOGRAM"


def test_rate_requests_amazon_refuses(api: V2Api) -> None:
    order = api.new_order()
    afn = api.new_order(fulfillment="AFN")
    no_state = {k: v for k, v in SHIP_TO.items() if k != "stateOrRegion"}
    cases = [
        ({k: v for k, v in external_body().items() if k != "channelDetails"},
         "ChannelDetails object cannot be null"),
        (external_body(channelDetails={"channelType": "AMAZON"}),
         "AmazonOrderDetails object cannot be null"),
        ({k: v for k, v in external_body().items() if k != "shipTo"},
         "ShipTo object cannot be null"),
        (external_body(shipTo=no_state), "StateOrRegion cannot be null"),
        (external_body(packages=[package(items=[{"quantity": 1}])]), "ItemValue cannot be null"),
        (amazon_body(order, packages=[package(items=[{"quantity": 1}])]),
         "ItemIdentifier cannot be null"),
        (amazon_body(dict(order, order_id="111-1111111-1111111")),
         "Order not found for specified orderId"),
        (amazon_body(afn), f"Order {afn['order_id']} is fulfilled by Amazon; only "
                           "merchant-fulfilled orders can be shipped."),
        (external_body(packages=[package(), package("PKG-2")]),
         "At this time, each shipment is limited to a single package."),
    ]
    for body, expected in cases:
        assert details(api.rates(body, 400)) == expected
    assert api.order_status(order["order_id"]) == "Unshipped"


# -- buying -------------------------------------------------------------------------------------

def test_purchase_ships_the_order_once(api: V2Api) -> None:
    order = api.new_order()
    payload = api.rates(amazon_body(order))["payload"]
    rate = next(r for r in payload["rates"] if r["serviceId"] == "FEDEX_PTP_HOME_DELIVERY")
    bought = api.purchase(payload["requestToken"], rate["rateId"], vas=["SIGNATURE"],
                          key="order-1")["payload"]
    [detail] = bought["packageDocumentDetails"]
    assert detail["packageClientReferenceId"] == "PKG-1"
    image = pypdfium2.PdfDocument(document(detail))[0].render(scale=300 / 72).to_pil()
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [detail["trackingId"]]
    assert bought["promise"]["deliveryWindow"] == rate["promise"]["deliveryWindow"]
    assert api.order_status(order["order_id"]) == "Shipped"
    [package_record] = api.state.orders[order["order_id"]].shipments
    assert package_record.tracking_number == detail["trackingId"]
    label = shipments.book(api.state)[bought["shipmentId"]]
    signature = next(v["cost"]["value"] for v in rate["availableValueAddedServiceGroups"][0][
        "valueAddedServices"] if v["id"] == "SIGNATURE")
    assert round(label.total / 100, 2) == round(rate["totalCharge"]["value"] + signature, 2)
    # The same idempotency key gets the same shipment; another purchase is refused.
    again = api.purchase(payload["requestToken"], rate["rateId"], vas=["SIGNATURE"],
                         key="order-1")["payload"]
    assert again["shipmentId"] == bought["shipmentId"]
    assert details(api.purchase(payload["requestToken"], rate["rateId"], 400,
                                vas=["SIGNATURE"])) == (
        "Failed to create package due to not finding a matching package or order already "
        "fulfilled.")
    assert len(shipments.of_order(api.state, order["order_id"])) == 1


def test_purchase_refusals_change_nothing(api: V2Api) -> None:
    order = api.new_order()
    payload = api.rates(amazon_body(order))["payload"]
    token = payload["requestToken"]
    ups = next(r for r in payload["rates"] if r["serviceId"] == "UPS_PTP_GND")
    assert details(api.purchase("null", ups["rateId"], 400)) == "RequestToken cannot be null"
    assert details(api.purchase("ABC", ups["rateId"], 400)) == (
        "Request not found for specified requestToken")
    assert details(api.purchase(token, "ABC", 400)) == "Rate not found for specified rateId"
    for vas in (None, ["NO_SUCH_SERVICE"], ["SIGNATURE", "ADULT_SIGNATURE"]):
        assert error(api.purchase(token, ups["rateId"], 400, vas=vas)) == {
            "code": "InvalidInput", "message": "Invalid input.", "details": VAS_INVALID}
    for spec, expected in (
        (dict(SPEC, size={"width": 4, "length": 4, "unit": "INCH"}), "Supported size"),
        (dict(SPEC, dpi=150), "Supported DPIs"),
        (dict(SPEC, needFileJoining=True), "File joining"),
        (dict(SPEC, requestedDocumentTypes=["PACKSLIP"]), "Supported document types"),
        (dict(SPEC, format="GIF"), "'GIF' is not one of"),
    ):
        assert expected in details(api.purchase(token, ups["rateId"], 400, spec=spec,
                                                vas=["NO_SIGNATURE"]))
    assert details(api.purchase(token, "", 400, vas=["NO_SIGNATURE"])) == (
        "Rate not found for specified rateId")
    assert details(api.call("purchaseShipment", "POST", "/shipments", 400, json={
        "requestToken": token, "requestedDocumentSpecification": SPEC})) == (
        "RateId cannot be null")
    api.advance(601)  # "within 10 minutes of rate creation"
    assert error(api.purchase(token, ups["rateId"], 400, vas=["NO_SIGNATURE"]))[
        "code"] == "TOKEN_EXPIRED"
    assert api.order_status(order["order_id"]) == "Unshipped"
    assert not shipments.of_order(api.state, order["order_id"])


def test_documents_under_each_operations_name(api: V2Api) -> None:
    bought = api.one_click(one_click_body(labelSpecifications=dict(SPEC, format="ZPL")))
    one_click = bought["payload"]
    assert (one_click["carrier"], one_click["service"]) == (
        {"id": "USPS", "name": "USPS"}, {"id": "USPS_PTP_GA", "name": "USPS Ground Advantage"})
    [detail] = one_click["packageDocumentDetails"]
    assert document(detail).startswith(b"^XA")
    reprint = api.call("getShipmentDocuments", "GET",
                       f"/shipments/{one_click['shipmentId']}/documents",
                       params={"packageClientReferenceId": "PKG-1", "format": "PNG",
                               "dpi": 300})["payload"]
    image = Image.open(io.BytesIO(document(reprint["packageDocumentDetail"])))
    assert image.size == (1200, 1800)
    assert [r.text for r in zxingcpp.read_barcodes(image)] == [detail["trackingId"]]
    order = api.new_order()
    direct = api.call("directPurchaseShipment", "POST", "/shipments/directPurchase", json={
        "shipFrom": SHIP_FROM, "channelDetails": {
            "channelType": "AMAZON", "amazonOrderDetails": {"orderId": order["order_id"]}}})
    [direct_detail] = direct["payload"]["packageDocumentDetailList"]
    # Default: PNG, 203 DPI, 4x6.
    assert Image.open(io.BytesIO(document(direct_detail))).size == (812, 1218)
    assert api.order_status(order["order_id"]) == "Shipped"
    for path, params, expected in (
        ("/shipments/nope/documents", {"packageClientReferenceId": "PKG-1"},
         "Shipment not found for specified shipmentId"),
        (f"/shipments/{one_click['shipmentId']}/documents", {"packageClientReferenceId": "X"},
         "Package not found for specified packageClientReferenceId"),
    ):
        assert details(api.call("getShipmentDocuments", "GET", path, 400,
                                params=params)) == expected


def test_external_shipments_touch_no_order_and_no_finances(api: V2Api) -> None:
    before = len(api.state.order_list)
    bought = api.one_click(one_click_body())["payload"]
    label = shipments.book(api.state)[bought["shipmentId"]]
    assert (label.channel, label.order_id) == ("EXTERNAL", None)
    assert len(api.state.order_list) == before
    refused = api.one_click(one_click_body(service="NO_SUCH"), 400)
    assert details(refused) == "No eligible rate for the selected serviceIds: NO_SUCH"


def test_cancel(api: V2Api) -> None:
    bought = api.one_click(one_click_body())["payload"]
    shipment_id = bought["shipmentId"]
    assert api.call("cancelShipment", "PUT", f"/shipments/{shipment_id}/cancel") == {
        "payload": {}}
    assert details(api.call("cancelShipment", "PUT", f"/shipments/{shipment_id}/cancel",
                            400)) == "The shipment has already been cancelled."
    assert "cancelled" in details(api.call(
        "getShipmentDocuments", "GET", f"/shipments/{shipment_id}/documents", 400,
        params={"packageClientReferenceId": "PKG-1"}))
    tracking = api.tracking(bought["packageDocumentDetails"][0]["trackingId"], "USPS")
    assert tracking["payload"]["summary"]["status"] == "PickupCancelled"
    assert details(api.call("cancelShipment", "PUT", "/shipments/TEST_CASE_400/cancel",
                            400)) == "Shipment not found for specified shipmentId"
    picked = api.one_click(one_click_body())["payload"]
    api.advance(2 * DAY)
    assert details(api.call("cancelShipment", "PUT", f"/shipments/{picked['shipmentId']}/cancel",
                            400)) == ("The shipment cannot be cancelled: the carrier has "
                                      "already picked it up.")


# -- tracking, NDR, claims ----------------------------------------------------------------------

def bought_until(api: V2Api, ending: str, tries: int = 400) -> dict[str, Any]:
    """EXTERNAL labels bought until one whose seeded delivery goes as `ending` says."""
    for _ in range(tries):
        bought = api.one_click(one_click_body())["payload"]
        label = shipments.book(api.state)[bought["shipmentId"]]
        if shipments.planned_ending(label, api.server.app.store.randomness) == ending:
            return dict(bought)
    raise AssertionError(f"no {ending} parcel in {tries} labels")


def test_tracking_moves_on_the_clock(api: V2Api) -> None:
    bought = bought_until(api, "delivered")
    tracking_id = bought["packageDocumentDetails"][0]["trackingId"]
    label = shipments.find_by_tracking(api.state, tracking_id)
    assert label is not None
    seen = []
    while True:
        payload = api.tracking(tracking_id, "USPS")["payload"]
        seen.append(payload["summary"]["status"])
        if seen[-1] == "Delivered":
            break
        api.advance(3 * 3600)
    assert list(dict.fromkeys(seen)) in (["PreTransit", "InTransit", "OutForDelivery",
                                         "Delivered"], ["PreTransit", "InTransit", "Delivered"])
    codes = [e["eventCode"] for e in payload["eventHistory"]]
    assert codes[:2] == ["ReadyForReceive", "PickupDone"] and codes[-1] == "Delivered"
    times = [epoch(e["eventTime"]) for e in payload["eventHistory"]]
    assert times == sorted(times)
    assert payload["alternateLegTrackingId"] == "null"
    assert payload["summary"]["trackingDetailCodes"]["forward"] == ["DeliveredToPorch"]
    assert epoch(payload["promisedDeliveryDate"]) == label.latest
    assert details(api.tracking(tracking_id, "UPS", 400)) == (
        "Tracking not found for specified trackingId and carrierId")
    # A claim for a delivered parcel, once.
    claim = api.call("createClaim", "POST", "/claims", 201, json={
        "trackingId": tracking_id, "claimReason": "DELIVERED_NOT_RECEIVED",
        "settlementType": "REFUND", "declaredValue": {"value": 25, "unit": "USD"}})
    assert len(claim["claimId"]) == 13 and claim["claimId"].isdigit()
    assert error(api.call("createClaim", "POST", "/claims", 400, json={
        "trackingId": tracking_id, "claimReason": "DELIVERED_NOT_RECEIVED",
        "settlementType": "REFUND", "declaredValue": {"value": 25, "unit": "USD"}})) == {
        "code": "InvalidInputException", "message": REQUEST_ERROR,
        "details": "Claim already exists for the trackingId"}


def test_ndr_feedback_after_a_failed_attempt(api: V2Api) -> None:
    bought = bought_until(api, "attempted")
    tracking_id = bought["packageDocumentDetails"][0]["trackingId"]

    def ndr(action: str, status: int = 204, **data: Any) -> Any:
        return api.call("submitNdrFeedback", "POST", "/ndrFeedback", status, json={
            "trackingId": tracking_id, "ndrAction": action, "ndrRequestData": data})

    assert "failed" in details(ndr("REATTEMPT", 400, additionalAddressNotes="Gate code 1234"))
    while api.tracking(tracking_id, "USPS")["payload"]["summary"]["status"] != (
            "DeliveryAttempted"):
        api.advance(2 * 3600)
    assert details(ndr("RESCHEDULE", 400)) == "RescheduleDate is missing in the request"
    assert details(ndr("REATTEMPT", 400)) == "AdditionalAddressNotes is missing in the request"
    ndr("RTO")
    api.advance(12 * DAY)  # back to the sender: the service's slowest days and one more
    payload = api.tracking(tracking_id, "USPS")["payload"]
    legs = [(e["eventCode"], e["shipmentType"]) for e in payload["eventHistory"]]
    assert ("ReturnInitiated", "RETURNS") in legs and legs[-1] == ("Delivered", "RETURNS")
    assert payload["alternateLegTrackingId"] == f"{tracking_id}R"
    assert "CustomerUnavailable" in payload["summary"]["trackingDetailCodes"]["forward"]


def test_claims_amazon_refuses(api: V2Api) -> None:
    bought = api.one_click(one_click_body())["payload"]
    tracking_id = bought["packageDocumentDetails"][0]["trackingId"]
    base = {"trackingId": tracking_id, "settlementType": "REFUND"}
    for body, expected in (
        ({**base, "claimReason": "LOST_IN_TRANSIT", "declaredValue": {"value": 1,
                                                                      "unit": "USD"}},
         "A LOST_IN_TRANSIT claim needs a shipment past its promised delivery date and not "
         "delivered."),
        ({**base, "claimReason": "DAMAGED_IN_TRANSIT"}, "DeclaredValue cannot be null"),
        ({**base, "trackingId": "NOPE", "claimReason": "DAMAGED_IN_TRANSIT"},
         "Tracking not found for specified trackingId"),
    ):
        assert details(api.call("createClaim", "POST", "/claims", 400, json=body)) == expected
    assert not shipments.find_by_tracking(api.state, tracking_id).claims  # type: ignore[union-attr]


# -- access points and collection forms ---------------------------------------------------------

def test_access_points_are_seeded_and_sorted(api: V2Api) -> None:
    params = {"accessPointTypes": "HELIX,CORE_LOCKER", "countryCode": "US",
              "postalCode": "98101"}
    first = api.call("getAccessPoints", "GET", "/accessPoints", params=params)["payload"]
    again = api.call("getAccessPoints", "GET", "/accessPoints", params=params)["payload"]
    assert first == again
    assert set(first["accessPointsMap"]) == {"HELIX", "CORE_LOCKER"}
    for kind, points in first["accessPointsMap"].items():
        assert 1 <= len(points) <= 40 and all(p["type"] == kind for p in points)
        distances = [float(p["accessibilityAttributes"]["distance"]) for p in points]
        assert distances == sorted(distances)


def test_collection_forms_over_the_labels_bought(api: V2Api) -> None:
    ups_from = dict(SHIP_FROM, addressLine1="1 Depot Road", postalCode="10001",
                    stateOrRegion="NY", city="New York")
    labels = [api.one_click(one_click_body(service="UPS_PTP_GND", shipFrom=ups_from))[
        "payload"] for _ in range(3)]
    unmanifested = api.call("getUnmanifestedShipments", "PUT", "/unmanifestedShipments",
                            json={})["unmanifestedCarrierInformationList"]
    ups = next(c for c in unmanifested if c["carrierId"] == "UPS")
    assert any(loc["address"]["postalCode"] == "10001"
               for loc in ups["unmanifestedShipmentLocationList"])
    form = api.call("generateCollectionForm", "POST", "/collectionForms",
                    json={"carrierId": "UPS", "shipFromAddress": ups_from},
                    headers={"x-amzn-IdempotencyKey": "form-1"})["collectionsFormDocument"]
    assert form["documentFormat"] == "application/pdf"
    pdf = pypdfium2.PdfDocument(base64.b64decode(form["base64EncodedContent"]))
    text = pdf[0].get_textpage().get_text_range()
    assert all(label["packageDocumentDetails"][0]["trackingId"] in text for label in labels)
    again = api.call("generateCollectionForm", "POST", "/collectionForms",
                     json={"carrierId": "UPS", "shipFromAddress": ups_from},
                     headers={"x-amzn-IdempotencyKey": "form-1"})["collectionsFormDocument"]
    assert again == form
    assert details(api.call("generateCollectionForm", "POST", "/collectionForms", 400,
                            json={"carrierId": "UPS", "shipFromAddress": ups_from})) == (
        "No unmanifested shipments found for specified carrierId and shipFromAddress")
    history = api.call("getCollectionFormHistory", "PUT", "/collectionForms/history",
                       json={"carrierId": "UPS"})["collectionFormsHistoryRecordList"]
    [record] = history
    assert record["generationStatus"] == "Completed"
    fetched = api.call("getCollectionForm", "GET",
                       f"/collectionForms/{record['collectionFormId']}")
    assert fetched["collectionsFormDocument"] == form
    assert details(api.call("getCollectionForm", "GET", "/collectionForms/nope", 400)) == (
        "Collection form not found for specified collectionFormId")


# -- international ------------------------------------------------------------------------------

def test_international_rates_need_additional_inputs(api: V2Api) -> None:
    abroad = dict(UK_TO, countryCode="FR", postalCode="75001", city="Paris",
                  stateOrRegion="Paris")
    payload = api.rates(external_body(shipFrom=UK_FROM, shipTo=abroad))["payload"]
    rate = next(r for r in payload["rates"] if r["requiresAdditionalInputs"])
    schema = api.call("getAdditionalInputs", "GET", "/shipments/additionalInputs/schema",
                      params={"requestToken": payload["requestToken"],
                              "rateId": rate["rateId"]})["payload"]
    assert schema["required"] == ["customsContentType", "nonDeliverableInstructions"]
    assert details(api.purchase(payload["requestToken"], rate["rateId"], 400)) == (
        "AdditionalInputs cannot be null")
    bought = api.purchase(payload["requestToken"], rate["rateId"], additionalInputs={
        "customsContentType": "MERCHANDISE", "nonDeliverableInstructions": "ABANDON"})
    assert bought["payload"]["shipmentId"].startswith("amzn1.sid.")
    assert details(api.call("getAdditionalInputs", "GET", "/shipments/additionalInputs/schema",
                            400, params={"requestToken": "null", "rateId": "x"})) == (
        "RequestToken cannot be null")

"""Send to Amazon (Fulfillment Inbound 2024-03-20, v0 getLabels) over HTTP: the three
documented flows end to end with their asynchronous operations on the clock, Amazon's ids,
the step order and its errors, failed operations that change nothing, cancelling within the
void window, box labels that decode, the FBA stock following the shipments into fulfillable
units, fees in Finances, paging, expiry, and plans surviving a restart on a state file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp

from emulator.config import Settings
from emulator.harness.embedded import running
from emulator.runtime.clock import iso
from tests.fba_support import SOURCE, US, Fba

BASE = "/inbound/fba/2024-03-20"
OP = "fulfillmentInbound_2024-03-20"
HOUR, DAY = 3600.0, 86400.0
ID = re.compile(r"(wf|po|pg|pl|sh|to|dw|pk)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                r"[0-9a-f]{12}")


@pytest.fixture(scope="module")
def fba(models_dir: Path) -> Iterator[Fba]:
    # `fast`: every operation is IN_PROGRESS for a few seconds of emulator time.
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=20,
                          lifecycle="fast")) as server:
        yield Fba(server)


class Flow:
    """One plan's calls: each mutating call is followed until its operation ends."""

    def __init__(self, fba: Fba) -> None:
        self.fba = fba
        self.plan_id = ""

    def call(self, operation: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return self.fba.call(f"{OP}.{operation}", method,
                             BASE + path.replace("{plan}", self.plan_id), **kwargs)

    def run(self, operation: str, method: str, path: str, ok: bool = True,
            **kwargs: Any) -> dict[str, Any]:
        """A mutating call: 202 with an operationId, IN_PROGRESS at first, then its end."""
        response = self.call(operation, method, path, **kwargs)
        assert response.status_code == 202, response.text
        operation_id = response.json()["operationId"]
        assert re.fullmatch(ID.pattern[ID.pattern.index("[0-9a-f]"):], operation_id)
        first = self.status(operation_id)
        assert first["operationStatus"] == "IN_PROGRESS" and first["operation"] == operation
        self.fba.advance(10)
        done = self.status(operation_id)
        assert done["operationStatus"] == ("SUCCESS" if ok else "FAILED"), done
        return {**response.json(), **done}

    def status(self, operation_id: str) -> dict[str, Any]:
        response = self.call("getInboundOperationStatus", "GET", f"/operations/{operation_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())

    def refused(self, operation: str, method: str, path: str, message: str,
                **kwargs: Any) -> None:
        response = self.call(operation, method, path, **kwargs)
        assert response.status_code == 400, response.text
        error = response.json()["errors"][0]
        assert error["code"] == "BadRequest"
        assert message in error["message"], error

    def create(self, items: list[tuple[str, int]], ok: bool = True) -> dict[str, Any]:
        done = self.run("createInboundPlan", "POST", "/inboundPlans", ok=ok, json={
            "destinationMarketplaces": [US], "sourceAddress": SOURCE, "name": "Spring restock",
            "items": [{"msku": sku, "quantity": quantity, "labelOwner": "SELLER",
                       "prepOwner": "SELLER"} for sku, quantity in items]})
        self.plan_id = done["inboundPlanId"]
        assert ID.fullmatch(self.plan_id) and self.plan_id.startswith("wf")
        return done

    def pack_by_groups(self, boxes_of: int = 2) -> None:
        """Packing options, the first confirmed, its groups' items packed in boxes."""
        self.run("generatePackingOptions", "POST", "/inboundPlans/{plan}/packingOptions")
        options = self.call("listPackingOptions", "GET",
                            "/inboundPlans/{plan}/packingOptions").json()["packingOptions"]
        option = options[0]
        assert ID.fullmatch(option["packingOptionId"]) and option["status"] == "OFFERED"
        self.run("confirmPackingOption", "POST",
                 f"/inboundPlans/{{plan}}/packingOptions/{option['packingOptionId']}/confirmation")
        groupings = []
        for group in option["packingGroups"]:
            items = self.call("listPackingGroupItems", "GET",
                              f"/inboundPlans/{{plan}}/packingGroups/{group}/items",
                              params={"pageSize": 100}).json()["items"]
            groupings.append({"packingGroupId": group, "boxes": [
                box([(i["msku"], i["quantity"] // boxes_of)], boxes_of) for i in items]})
        self.run("setPackingInformation", "POST", "/inboundPlans/{plan}/packingInformation",
                 json={"packageGroupings": groupings})

    def placement(self, pick: str = "MINIMAL") -> dict[str, Any]:
        self.run("generatePlacementOptions", "POST", "/inboundPlans/{plan}/placementOptions",
                 json={})
        options = self.call("listPlacementOptions", "GET",
                            "/inboundPlans/{plan}/placementOptions").json()["placementOptions"]
        # The minimal split (one place) pays a placement fee; Amazon-optimized is free.
        options.sort(key=lambda o: len(o["shipmentIds"]))
        return options[0] if pick == "MINIMAL" else options[-1]

    def transport(self, option: dict[str, Any], **config: Any) -> list[dict[str, Any]]:
        self.run("generateTransportationOptions", "POST",
                 "/inboundPlans/{plan}/transportationOptions", json={
                     "placementOptionId": option["placementOptionId"],
                     "shipmentTransportationConfigurations": [
                         {"shipmentId": s, "readyToShipWindow": {"start": iso(self.fba.now)},
                          **config} for s in option["shipmentIds"]]})
        return list(self.call("listTransportationOptions", "GET",
                              "/inboundPlans/{plan}/transportationOptions",
                              params={"placementOptionId": option["placementOptionId"]}
                              ).json()["transportationOptions"])

    def confirm_placement(self, option: dict[str, Any]) -> None:
        self.run("confirmPlacementOption", "POST", f"/inboundPlans/{{plan}}/placementOptions/"
                 f"{option['placementOptionId']}/confirmation")

    def confirm_transport(self, choices: list[dict[str, Any]]) -> None:
        self.run("confirmTransportationOptions", "POST",
                 "/inboundPlans/{plan}/transportationOptions/confirmation",
                 json={"transportationSelections": [
                     {"shipmentId": t["shipmentId"],
                      "transportationOptionId": t["transportationOptionId"]} for t in choices]})

    def partnered(self, items: list[tuple[str, int]], boxes_of: int = 2) -> dict[str, Any]:
        """A plan sent with the partnered carrier, confirmed; its placement option."""
        self.create(items)
        self.pack_by_groups(boxes_of)
        option = self.placement("MINIMAL")
        partnered = [t for t in self.transport(option)
                     if t["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"]
        self.confirm_placement(option)
        self.confirm_transport(partnered)
        return option

    def shipment(self, shipment_id: str) -> dict[str, Any]:
        response = self.call("getShipment", "GET",
                             f"/inboundPlans/{{plan}}/shipments/{shipment_id}")
        assert response.status_code == 200, response.text
        return dict(response.json())


def box(lines: list[tuple[str, int]], count: int = 1, pounds: float = 18.0) -> dict[str, Any]:
    return {"contentInformationSource": "BOX_CONTENT_PROVIDED", "quantity": count,
            "dimensions": {"length": 20, "width": 14, "height": 10, "unitOfMeasurement": "IN"},
            "weight": {"unit": "LB", "value": pounds},
            "items": [{"msku": msku, "quantity": units, "labelOwner": "SELLER",
                       "prepOwner": "SELLER"} for msku, units in lines]}


def inbound(fba: Fba, skus: list[str]) -> list[tuple[int, int, int]]:
    return [(fba.stock(s).inbound_working, fba.stock(s).inbound_shipped,
             fba.stock(s).inbound_receiving) for s in skus]


def decode(fba: Fba, url: str) -> tuple[int, list[tuple[str, str]]]:
    """(pages, barcodes of the first page) of the PDF at a presigned URL."""
    pdf = httpx.get(url)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(pdf.content)
    image = document[0].render(scale=200 / 72).to_pil()
    return len(document), [(b.format.name, b.text) for b in zxingcpp.read_barcodes(image)]


# -- the flows --------------------------------------------------------------------------------

def test_small_parcel_with_the_partnered_carrier_to_fulfillable_stock(fba: Fba) -> None:
    skus = fba.skus(2)
    start = {s: (fba.stock(s).fulfillable, fba.stock(s).unfulfillable,
                 fba.stock(s).researching) for s in skus}
    flow = Flow(fba)
    flow.create([(skus[0], 40), (skus[1], 20)])
    plan = flow.call("getInboundPlan", "GET", "/inboundPlans/{plan}").json()
    assert (plan["status"], plan["name"], plan["marketplaceIds"]) == ("ACTIVE", "Spring restock",
                                                                     [US])
    flow.pack_by_groups()
    option = flow.placement("MINIMAL")
    fee = option["fees"][0]
    assert (fee["type"], fee["target"]) == ("FEE", "Placement Services")
    choices = flow.transport(option)
    partnered = [t for t in choices if t["shippingSolution"] == "AMAZON_PARTNERED_CARRIER"]
    assert partnered and all(t["quote"]["cost"]["amount"] > 0 and t["preconditions"] == []
                             for t in partnered)
    flow.confirm_placement(option)
    assert inbound(fba, skus) == [(40, 0, 0), (20, 0, 0)]
    flow.confirm_transport(partnered)
    shipment_id = option["shipmentIds"][0]
    shipment = flow.shipment(shipment_id)
    assert shipment["status"] == "READY_TO_SHIP"
    assert re.fullmatch(r"FBA[0-9A-Z]{9}", shipment["shipmentConfirmationId"])
    assert shipment["selectedTransportationOptionId"] == partnered[0]["transportationOptionId"]
    boxes = flow.call("listShipmentBoxes", "GET",
                      f"/inboundPlans/{{plan}}/shipments/{shipment_id}/boxes",
                      params={"pageSize": 100}).json()["boxes"]
    confirmation = shipment["shipmentConfirmationId"]
    assert sorted(b["boxId"] for b in boxes) == [f"{confirmation}U{n:06d}" for n in range(1, 5)]
    # v0 getLabels with the confirmation id: a PDF whose barcodes decode.
    labels = fba.call("fulfillmentInboundV0.getLabels", "GET",
                      f"/fba/inbound/v0/shipments/{confirmation}/labels",
                      params={"PageType": "PackageLabel_Letter_2", "LabelType": "UNIQUE"})
    assert labels.status_code == 200, labels.text
    pages, codes = decode(fba, labels.json()["payload"]["DownloadURL"])
    assert pages == 2  # four boxes, two labels a page
    texts = [text for _, text in codes]
    assert f"{confirmation}U000001" in texts and f"{confirmation}U000002" in texts
    tracking = {i["boxId"]: i["trackingId"]
                for i in shipment["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"]}
    assert tracking[f"{confirmation}U000001"] in texts  # the carrier's barcode too
    # On the clock: shipped, in transit, delivered, checked in, receiving, closed.
    seen = []
    for hours in (5, 6, 67, 3, 12, 48):
        fba.advance(hours * HOUR)
        seen.append(flow.shipment(shipment_id)["status"])
        if seen[-1] == "SHIPPED":
            assert inbound(fba, skus) == [(0, 40, 0), (0, 20, 0)]
        if seen[-1] == "CHECKED_IN":
            assert inbound(fba, skus) == [(0, 0, 40), (0, 0, 20)]
    assert seen == ["SHIPPED", "IN_TRANSIT", "DELIVERED", "CHECKED_IN", "RECEIVING", "CLOSED"]
    assert flow.call("getInboundPlan", "GET", "/inboundPlans/{plan}").json()["status"] == \
        "SHIPPED"
    for sku, sent in zip(skus, (40, 20), strict=True):
        fulfillable, unfulfillable, researching = start[sku]
        stock = fba.stock(sku)
        arrived = (stock.fulfillable - fulfillable, stock.unfulfillable - unfulfillable,
                   stock.researching - researching)
        assert sum(arrived) == sent and arrived[0] >= sent * 0.9
        assert (stock.inbound_working, stock.inbound_shipped, stock.inbound_receiving) == (0, 0, 0)
    # Finances: the partnered carrier's charge and the placement fee.
    fba.advance(300)
    events = fba.call("financesV0.listFinancialEvents", "GET", "/finances/v0/financialEvents",
                      params={"PostedAfter": iso(fba.now - 10 * DAY), "MaxResultsPerPage": 100}
                      ).json()["payload"]["FinancialEvents"]["ServiceFeeEventList"]
    mine = [f for e in events if confirmation in e["FeeDescription"] for f in e["FeeList"]]
    assert {f["FeeType"] for f in mine} == {"FBAInboundTransportationFee",
                                            "FBAInboundPlacementServiceFee"}
    charged = -sum(f["FeeAmount"]["CurrencyAmount"] for f in mine
                   if f["FeeType"] == "FBAInboundTransportationFee")
    assert charged == pytest.approx(partnered[0]["quote"]["cost"]["amount"])


def test_small_parcel_with_your_own_carrier_needs_a_delivery_window(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    flow = Flow(fba)
    flow.create([(sku, 12)])
    flow.pack_by_groups()
    option = flow.placement("MINIMAL")
    choices = flow.transport(option)
    own = [t for t in choices if t["shippingSolution"] == "USE_YOUR_OWN_CARRIER"
           and t["shippingMode"] == "GROUND_SMALL_PARCEL"]
    assert own[0]["preconditions"] == ["CONFIRMED_DELIVERY_WINDOW"]
    shipment_id = option["shipmentIds"][0]
    flow.run("generateDeliveryWindowOptions", "POST",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions")
    windows = flow.call("listDeliveryWindowOptions", "GET",
                        f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions"
                        ).json()["deliveryWindowOptions"]
    assert len(windows) == 6 and all(ID.fullmatch(w["deliveryWindowOptionId"]) for w in windows)
    flow.refused("confirmDeliveryWindowOptions", "POST",
                 f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions/"
                 f"{windows[0]['deliveryWindowOptionId']}/confirmation",
                 "The requested shipmentId does not exist under the associated inbound plan.")
    flow.confirm_placement(option)
    flow.refused("confirmTransportationOptions", "POST",
                 "/inboundPlans/{plan}/transportationOptions/confirmation",
                 "A delivery window must be confirmed", json={"transportationSelections": [
                     {"shipmentId": shipment_id,
                      "transportationOptionId": own[0]["transportationOptionId"]}]})
    latest = max(windows, key=lambda w: w["endDate"])  # what Amazon's sample picks
    flow.run("confirmDeliveryWindowOptions", "POST",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions/"
             f"{latest['deliveryWindowOptionId']}/confirmation")
    flow.confirm_transport(own)
    shipment = flow.shipment(shipment_id)
    assert shipment["selectedDeliveryWindow"]["deliveryWindowOptionId"] == \
        latest["deliveryWindowOptionId"]
    boxes = flow.call("listShipmentBoxes", "GET",
                      f"/inboundPlans/{{plan}}/shipments/{shipment_id}/boxes").json()["boxes"]
    flow.run("updateShipmentTrackingDetails", "PUT",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/trackingDetails",
             json={"trackingDetails": {"spdTrackingDetail": {"spdTrackingItems": [
                 {"boxId": b["boxId"], "trackingId": f"1Z999AA1012345678{n}"}
                 for n, b in enumerate(boxes)]}}})
    items = flow.shipment(shipment_id)["trackingDetails"]["spdTrackingDetail"]["spdTrackingItems"]
    assert sorted(i["trackingId"] for i in items) == [f"1Z999AA1012345678{n}"
                                                      for n in range(len(boxes))]
    flow.refused("updateShipmentTrackingDetails", "PUT",
                 f"/inboundPlans/{{plan}}/shipments/{shipment_id}/trackingDetails",
                 "is not a box of this shipment", json={"trackingDetails": {
                     "spdTrackingDetail": {"spdTrackingItems": [{"boxId": "FBA0000000U0",
                                                                 "trackingId": "1Z"}]}}})
    # Delivered within the confirmed window.
    fba.advance(12 * DAY)
    assert flow.shipment(shipment_id)["status"] in ("RECEIVING", "CLOSED")


def test_pack_later_with_pallets(fba: Fba) -> None:
    skus = fba.skus(2)
    flow = Flow(fba)
    flow.create([(skus[0], 30), (skus[1], 30)])
    option = flow.placement("MINIMAL")  # placement first: the cartons are not known yet
    flow.confirm_placement(option)
    shipment_id = option["shipmentIds"][0]
    items = flow.call("listShipmentItems", "GET",
                      f"/inboundPlans/{{plan}}/shipments/{shipment_id}/items").json()["items"]
    assert sorted((i["msku"], i["quantity"]) for i in items) == sorted(
        [(skus[0], 30), (skus[1], 30)])
    flow.refused("setPackingInformation", "POST", "/inboundPlans/{plan}/packingInformation",
                 "The PackingGroupId can only be provided before placement confirmation.",
                 json={"packageGroupings": [{"packingGroupId": "pg" + "0" * 36,
                                             "boxes": [box([(skus[0], 30)])]}]})
    flow.run("setPackingInformation", "POST", "/inboundPlans/{plan}/packingInformation",
             json={"packageGroupings": [{"shipmentId": shipment_id, "boxes": [
                 box([(skus[0], 10)], 3), box([(skus[1], 15)], 2)]}]})
    choices = flow.transport(option, pallets=[{"quantity": 2, "stackability": "STACKABLE",
                                               "dimensions": {"length": 48, "width": 40,
                                                              "height": 50,
                                                              "unitOfMeasurement": "IN"},
                                               "weight": {"unit": "LB", "value": 400}}],
                             freightInformation={"freightClass": "FC_50", "declaredValue": {
                                 "code": "USD", "amount": 900}})
    ltl = [t for t in choices if t["shippingMode"] == "FREIGHT_LTL"]
    assert {t["shippingSolution"] for t in ltl} == {"AMAZON_PARTNERED_CARRIER",
                                                    "USE_YOUR_OWN_CARRIER"}
    own = [t for t in ltl if t["shippingSolution"] == "USE_YOUR_OWN_CARRIER"]
    flow.run("generateDeliveryWindowOptions", "POST",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions")
    window = flow.call("listDeliveryWindowOptions", "GET",
                       f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions"
                       ).json()["deliveryWindowOptions"][0]
    flow.run("confirmDeliveryWindowOptions", "POST",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/deliveryWindowOptions/"
             f"{window['deliveryWindowOptionId']}/confirmation")
    flow.confirm_transport(own)
    pallets = flow.call("listInboundPlanPallets", "GET", "/inboundPlans/{plan}/pallets").json()
    assert [p["quantity"] for p in pallets["pallets"]] == [2]
    flow.run("updateShipmentTrackingDetails", "PUT",
             f"/inboundPlans/{{plan}}/shipments/{shipment_id}/trackingDetails",
             json={"trackingDetails": {"ltlTrackingDetail": {
                 "freightBillNumber": ["PRO123456"], "billOfLadingNumber": "BOL998877"}}})
    shipment = flow.shipment(shipment_id)
    assert shipment["trackingDetails"]["ltlTrackingDetail"] == {
        "freightBillNumber": ["PRO123456"], "billOfLadingNumber": "BOL998877"}
    assert shipment["freightInformation"]["freightClass"] == "FC_50"
    confirmation = shipment["shipmentConfirmationId"]
    no_page = fba.call("fulfillmentInboundV0.getLabels", "GET",
                       f"/fba/inbound/v0/shipments/{confirmation}/labels",
                       params={"PageType": "PackageLabel_Plain_Paper", "LabelType": "PALLET",
                               "NumberOfPallets": 2})
    assert no_page.status_code == 400  # non-partnered LTL needs PageSize and PageStartIndex
    labels = fba.call("fulfillmentInboundV0.getLabels", "GET",
                      f"/fba/inbound/v0/shipments/{confirmation}/labels",
                      params={"PageType": "PackageLabel_Plain_Paper", "LabelType": "PALLET",
                              "NumberOfPallets": 2, "PageSize": 100, "PageStartIndex": 0})
    pages, codes = decode(fba, labels.json()["payload"]["DownloadURL"])
    assert pages == 8  # four identical labels per pallet, one a page
    assert codes == [("Code128", f"{confirmation}PLT001")]
    a4 = fba.call("fulfillmentInboundV0.getLabels", "GET",
                  f"/fba/inbound/v0/shipments/{confirmation}/labels",
                  params={"PageType": "PackageLabel_A4_4", "LabelType": "UNIQUE",
                          "PageSize": 10, "PageStartIndex": 0})
    assert a4.status_code == 400 and "not supported in marketplace" in a4.text


# -- what goes wrong --------------------------------------------------------------------------

def test_problems_fail_the_operation_and_change_nothing(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    flow = Flow(fba)
    failed = flow.create([(sku, 5), ("NO-SUCH-SKU", 5), (fba.mfn_sku(), 5)], ok=False)
    problems = {p["code"]: p for p in failed["operationProblems"]}
    assert set(problems) == {"FBA_INB_0006", "BadRequest"}
    unknown = problems["FBA_INB_0006"]
    assert unknown["severity"] == "ERROR"
    assert unknown["message"] == "ERROR: The SKU for this product is unknown or cannot be found."
    assert unknown["details"] == "There's an input error with the resource 'NO-SUCH-SKU'."
    assert flow.call("getInboundPlan", "GET", "/inboundPlans/{plan}").json()["status"] == "VOIDED"
    flow.refused("generatePackingOptions", "POST", "/inboundPlans/{plan}/packingOptions",
                 "The inbound plan is not in a valid state to generate packing options.")
    # Box contents that disagree with the packing group fail setPackingInformation.
    flow = Flow(fba)
    flow.create([(sku, 10)])
    flow.run("generatePackingOptions", "POST", "/inboundPlans/{plan}/packingOptions")
    option = flow.call("listPackingOptions", "GET",
                       "/inboundPlans/{plan}/packingOptions").json()["packingOptions"][0]
    flow.run("confirmPackingOption", "POST",
             f"/inboundPlans/{{plan}}/packingOptions/{option['packingOptionId']}/confirmation")
    group = option["packingGroups"][0]
    failed = flow.run("setPackingInformation", "POST", "/inboundPlans/{plan}/packingInformation",
                      ok=False, json={"packageGroupings": [
                          {"packingGroupId": group, "boxes": [box([(sku, 7)])]}]})
    assert "10 expected" in failed["operationProblems"][0]["details"]
    assert flow.call("listInboundPlanBoxes", "GET", "/inboundPlans/{plan}/boxes").json() == {
        "boxes": []}
    flow.refused("generatePlacementOptions", "POST", "/inboundPlans/{plan}/placementOptions",
                 "The inbound plan is not in a valid state to generate placement options.",
                 json={})
    heavy = flow.run("setPackingInformation", "POST", "/inboundPlans/{plan}/packingInformation",
                     ok=False, json={"packageGroupings": [
                         {"packingGroupId": group, "boxes": [box([(sku, 10)], pounds=60)]}]})
    assert "at most 50 lb" in heavy["operationProblems"][0]["message"]


def test_the_step_order_and_unknown_ids_are_amazons_400s(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    flow = Flow(fba)
    flow.plan_id = "not-a-plan"
    flow.refused("getInboundPlan", "GET", "/inboundPlans/wf" + "1" * 36,
                 "The inboundPlanId is malformed.")
    flow.refused("getInboundPlan", "GET", "/inboundPlans/wf1234abcd-1234-abcd-5678-1234abcd5678",
                 "The requested inbound plan does not exist.")
    flow.refused("getInboundOperationStatus", "GET", "/operations/" + "x" * 36,
                 "The operationId is malformed.")
    bad = fba.call(f"{OP}.createInboundPlan", "POST", BASE + "/inboundPlans", json={
        "destinationMarketplaces": ["A1PA6795UKMFR9"], "sourceAddress": SOURCE,
        "items": [{"msku": sku, "quantity": 1, "labelOwner": "SELLER", "prepOwner": "SELLER"}]})
    assert bad.status_code == 400 and bad.json()["errors"][0]["message"] == \
        "Invalid destinationMarketplace provided."
    flow.create([(sku, 6)])
    flow.refused("confirmPackingOption", "POST",
                 "/inboundPlans/{plan}/packingOptions/po1234abcd-1234-abcd-5678-1234abcd5678/"
                 "confirmation",
                 "The requested packingOptionId does not exist for the given inbound plan.")
    flow.refused("confirmTransportationOptions", "POST",
                 "/inboundPlans/{plan}/transportationOptions/confirmation",
                 "A placement option must be confirmed", json={"transportationSelections": [
                     {"shipmentId": "sh" + "0" * 36, "transportationOptionId": "to" + "0" * 36}]})
    option = flow.placement("MINIMAL")
    flow.refused("generateTransportationOptions", "POST",
                 "/inboundPlans/{plan}/transportationOptions",
                 "The requested shipmentId does not exist under the provided placement option.",
                 json={"placementOptionId": option["placementOptionId"],
                       "shipmentTransportationConfigurations": [
                           {"shipmentId": "sh" + "0" * 36,
                            "readyToShipWindow": {"start": iso(fba.now)}}]})
    flow.confirm_placement(option)
    flow.refused("confirmPlacementOption", "POST", f"/inboundPlans/{{plan}}/placementOptions/"
                 f"{option['placementOptionId']}/confirmation", "already been confirmed")
    flow.refused("generatePackingOptions", "POST", "/inboundPlans/{plan}/packingOptions",
                 "The inbound plan is not in a valid state to generate packing options.")
    flow.refused("getShipment", "GET", "/inboundPlans/{plan}/shipments/sh" + "0" * 36,
                 "The requested shipment does not exist for the provided inbound plan.")
    flow.refused("listTransportationOptions", "GET", "/inboundPlans/{plan}/transportationOptions",
                 "Either placementOptionId or shipmentId must be specified.")


def test_options_expire(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    flow = Flow(fba)
    flow.create([(sku, 4)])
    option = flow.placement("MINIMAL")
    fba.advance(4 * DAY)
    flow.refused("confirmPlacementOption", "POST", f"/inboundPlans/{{plan}}/placementOptions/"
                 f"{option['placementOptionId']}/confirmation", "The placement option has expired.")


def test_cancelling_within_the_void_window_gives_the_carrier_charge_back(fba: Fba) -> None:
    (sku,) = fba.skus(1)
    working = fba.stock(sku).inbound_working
    flow = Flow(fba)
    option = flow.partnered([(sku, 8)])
    assert fba.stock(sku).inbound_working == working + 8
    shipment = flow.shipment(option["shipmentIds"][0])
    listed = flow.call("listTransportationOptions", "GET",
                       "/inboundPlans/{plan}/transportationOptions",
                       params={"shipmentId": option["shipmentIds"][0]}).json()
    chosen = next(t for t in listed["transportationOptions"]
                  if t["transportationOptionId"] == shipment["selectedTransportationOptionId"])
    assert chosen["quote"]["voidableUntil"] > iso(fba.now)  # 24 hours for small parcel
    flow.run("cancelInboundPlan", "PUT", "/inboundPlans/{plan}/cancellation")
    assert flow.call("getInboundPlan", "GET", "/inboundPlans/{plan}").json()["status"] == "VOIDED"
    assert flow.shipment(option["shipmentIds"][0])["status"] == "CANCELLED"
    assert fba.stock(sku).inbound_working == working
    flow.refused("cancelInboundPlan", "PUT", "/inboundPlans/{plan}/cancellation",
                 "The inbound plan is already cancelled.")
    fba.advance(300)
    events = fba.call("financesV0.listFinancialEvents", "GET", "/finances/v0/financialEvents",
                      params={"PostedAfter": iso(fba.now - DAY), "MaxResultsPerPage": 100}
                      ).json()["payload"]["FinancialEvents"]["ServiceFeeEventList"]
    mine = [f["FeeAmount"]["CurrencyAmount"] for e in events
            if shipment["shipmentConfirmationId"] in e["FeeDescription"] for f in e["FeeList"]]
    assert len(mine) == 2 and sum(mine) == pytest.approx(0)
    # A plan whose boxes have left cannot be cancelled.
    shipped = Flow(fba)
    shipped.partnered([(sku, 2)], boxes_of=1)
    fba.advance(5 * HOUR)
    shipped.refused("cancelInboundPlan", "PUT", "/inboundPlans/{plan}/cancellation",
                    "its shipments have shipped")


def test_lists_page_with_page_size_and_token(fba: Fba) -> None:
    skus = fba.skus(5, at_least=1)
    flow = Flow(fba)
    flow.create([(s, 3) for s in skus])
    seen, token = [], None
    while True:
        params: dict[str, Any] = {"pageSize": 2, **({"paginationToken": token} if token else {})}
        page = flow.call("listInboundPlanItems", "GET", "/inboundPlans/{plan}/items",
                         params=params).json()
        assert len(page["items"]) <= 2
        seen += [i["msku"] for i in page["items"]]
        token = page.get("pagination", {}).get("nextToken")
        if token is None:
            break
    assert seen == skus
    voided = flow.call("listInboundPlans", "GET", "/inboundPlans",
                       params={"status": "VOIDED", "pageSize": 30}).json()["inboundPlans"]
    assert all(p["status"] == "VOIDED" for p in voided)
    active = flow.call("listInboundPlans", "GET", "/inboundPlans",
                       params={"status": "ACTIVE", "sortBy": "CREATION_TIME",
                               "sortOrder": "DESC", "pageSize": 1}).json()
    assert active["inboundPlans"][0]["inboundPlanId"] == flow.plan_id
    assert "nextToken" in active["pagination"]


# -- state ------------------------------------------------------------------------------------

def test_plans_persist_in_the_state_file_and_keep_moving(models_dir: Path,
                                                         tmp_path: Path) -> None:
    path = tmp_path / "state.jsonl"
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                        lifecycle="instant", state_file=path)
    with running(settings) as server:
        fba = Fba(server)
        skus = fba.skus(1)
        flow = Flow.__new__(Flow)
        flow.fba, flow.plan_id = fba, ""
        flow.run = _instant(flow)  # type: ignore[method-assign]
        option = flow.partnered([(skus[0], 10)])
        plan_id, shipment_id = flow.plan_id, option["shipmentIds"][0]
        working = fba.stock(skus[0]).inbound_working
        offset = server.app.clock.offset
    with running(settings) as server:
        fba = Fba(server)
        fba.advance(offset)  # back where the clock was
        flow = Flow(fba)
        flow.plan_id = plan_id
        assert flow.shipment(shipment_id)["status"] == "READY_TO_SHIP"
        assert fba.stock(skus[0]).inbound_working == working
        fba.advance(6 * DAY)  # the restored shipment's steps are back on the clock
        assert flow.shipment(shipment_id)["status"] == "CLOSED"
        assert fba.stock(skus[0]).inbound_working == working - 10


def _instant(flow: Flow) -> Any:
    """`Flow.run` for an emulator with the instant lifecycle: operations are done at once."""
    def run(operation: str, method: str, path: str, ok: bool = True,
            **kwargs: Any) -> dict[str, Any]:
        response = flow.call(operation, method, path, **kwargs)
        assert response.status_code == 202, response.text
        done = flow.status(response.json()["operationId"])
        assert done["operationStatus"] == ("SUCCESS" if ok else "FAILED"), done
        return {**response.json(), **done}
    return run

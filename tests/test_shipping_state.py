"""Labels, their tracking and the collection forms are part of the seller's state: in the
snapshot (`GET/PUT /_emulator/state`, a bad record refused whole), in the state file (a
restarted emulator reads the same label, tracking and refund), and forgotten by
`POST /_emulator/reset`."""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

import httpx

from emulator.config import Settings
from emulator.harness.embedded import Running, running
from tests.conftest import TokenSource
from tests.support import control_order
from tests.test_merchant_fulfillment import SHIP_FROM
from tests.test_shipping_v2 import SPEC, external_body

SELLER = "AUJZDE8GXD6NCF"


class Seller:
    def __init__(self, server: Running) -> None:
        self.server, self.tokens = server, TokenSource(server)
        self.http = httpx.Client(base_url=server.base_url, timeout=60)

    def call(self, method: str, path: str, rdt: bool = False, **kwargs: Any) -> httpx.Response:
        token = self.tokens.rdt(method, path) if rdt else self.tokens.seller()
        return self.http.request(method, path, headers={"x-amz-access-token": token}, **kwargs)

    def mfn_label(self) -> dict[str, Any]:
        order = control_order(self.server, SELLER, status="Unshipped", fulfillment="MFN")
        details = {"AmazonOrderId": order["order_id"],
                   "ItemList": [{"OrderItemId": i["order_item_id"], "Quantity": i["quantity"]}
                                for i in order["items"]],
                   "ShipFromAddress": SHIP_FROM,
                   "PackageDimensions": {"Length": 10, "Width": 8, "Height": 4,
                                         "Unit": "inches"},
                   "Weight": {"Value": 20, "Unit": "oz"},
                   "ShippingServiceOptions": {
                       "DeliveryExperience": "DeliveryConfirmationWithoutSignature",
                       "CarrierWillPickUp": False, "LabelFormat": "PNG"}}
        response = self.call("POST", "/mfn/v0/shipments", rdt=True, json={
            "ShipmentRequestDetails": details, "ShippingServiceId": "USPS_PTP_GA"})
        assert response.status_code == 200, response.text
        return dict(response.json()["payload"])

    def v2_label(self) -> dict[str, Any]:
        response = self.call("POST", "/shipping/v2/oneClickShipment", json=external_body(
            labelSpecifications=SPEC, serviceSelection={"serviceId": ["UPS_PTP_GND"]},
            valueAddedServicesDetails=[{"id": "NO_SIGNATURE"}]))
        assert response.status_code == 200, response.text
        return dict(response.json()["payload"])

    def mfn_shipment(self, shipment_id: str) -> httpx.Response:
        return self.call("GET", f"/mfn/v0/shipments/{shipment_id}", rdt=True)

    def tracking(self, tracking_id: str, carrier_id: str) -> httpx.Response:
        return self.call("GET", "/shipping/v2/tracking",
                         params={"trackingId": tracking_id, "carrierId": carrier_id})

    def state(self) -> dict[str, Any]:
        response = self.http.get("/_emulator/state", params={"seller": SELLER})
        assert response.status_code == 200
        return dict(response.json())


def label_bytes(shipment: dict[str, Any]) -> bytes:
    return gzip.decompress(base64.b64decode(shipment["Label"]["FileContents"]["Contents"]))


def test_snapshot_restore_and_reset(models_dir: Path) -> None:
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=30)) as server:
        seller = Seller(server)
        mfn = seller.mfn_label()
        v2 = seller.v2_label()
        tracking_id = v2["packageDocumentDetails"][0]["trackingId"]
        assert seller.http.post("/_emulator/clock/advance", json={"seconds": 60}).is_success
        form = seller.call("POST", "/shipping/v2/collectionForms", json={"carrierId": "UPS"})
        assert form.status_code == 200
        snapshot = seller.state()
        records = snapshot["sellers"][SELLER]["records"]
        assert set(records["label"]) == {mfn["ShipmentId"], v2["shipmentId"]}
        assert len(records["collection_form"]) == 1
        before = seller.tracking(tracking_id, "UPS").json()
        # Reset forgets them.
        assert seller.http.post("/_emulator/reset", json={}).is_success
        assert seller.mfn_shipment(mfn["ShipmentId"]).status_code == 404
        assert seller.tracking(tracking_id, "UPS").status_code == 400
        assert not seller.state()["sellers"][SELLER].get("records")
        # A snapshot with a bad label is refused whole.
        broken = json.loads(json.dumps(snapshot))
        broken["sellers"][SELLER]["records"]["label"][mfn["ShipmentId"]]["weight_g"] = "heavy"
        refused = seller.http.put("/_emulator/state", json=broken)
        assert refused.status_code == 400 and "weight_g" in refused.text
        assert seller.mfn_shipment(mfn["ShipmentId"]).status_code == 404
        # The snapshot brings them back: the same label file, the same tracking.
        assert seller.http.put("/_emulator/state", json=snapshot).status_code == 200
        again = seller.mfn_shipment(mfn["ShipmentId"])
        assert again.status_code == 200 and label_bytes(again.json()["payload"]) == (
            label_bytes(mfn))
        assert seller.tracking(tracking_id, "UPS").json() == before
        assert seller.state() == snapshot


def test_the_state_file_keeps_labels_across_restarts(models_dir: Path, tmp_path: Path) -> None:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=30,
                        state_file=tmp_path / "state.jsonl")
    with running(settings) as server:
        seller = Seller(server)
        mfn = seller.mfn_label()
        cancelled = seller.call("DELETE", f"/mfn/v0/shipments/{mfn['ShipmentId']}", rdt=True)
        assert cancelled.json()["payload"]["Status"] == "RefundPending"
        v2 = seller.v2_label()
        offset = server.app.clock.offset
    with running(settings) as server:
        server.app.clock.advance(offset)
        seller = Seller(server)
        shipment = seller.mfn_shipment(mfn["ShipmentId"])
        assert shipment.status_code == 200
        assert shipment.json()["payload"]["Status"] == "RefundPending"
        server.app.clock.advance(11 * 86400)
        seller = Seller(server)
        assert seller.mfn_shipment(mfn["ShipmentId"]).json()["payload"]["Status"] == (
            "RefundApplied")
        tracking = seller.tracking(v2["packageDocumentDetails"][0]["trackingId"], "UPS")
        assert tracking.status_code == 200
        assert tracking.json()["payload"]["summary"]["status"] != "PreTransit"
        order_id = mfn["AmazonOrderId"]
        order = seller.call("GET", f"/orders/v0/orders/{order_id}").json()["payload"]
        assert order["OrderStatus"] == "Shipped"

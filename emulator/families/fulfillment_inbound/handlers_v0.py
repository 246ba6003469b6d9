"""Fulfillment Inbound v0 getLabels for Send to Amazon shipments: called with the shipment's
confirmation id (FBA…), as Amazon's samples do, it answers a presigned DownloadURL on the
emulator to a PDF of the shipment's box (or pallet) labels in the asked PageType.

Amazon says the URL is valid for 15 seconds (the model); the emulator's is too, on its clock.
Page types are those of the destination's paper: Letter in North America, A4 elsewhere;
plain paper and thermal everywhere ("Submitting a PageType value that is not supported in
your marketplace returns an error").
"""

from __future__ import annotations

from typing import Any

from emulator.business import box_labels
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState
from emulator.families import ApiContext
from emulator.families.common import seller_state
from emulator.families.fulfillment_inbound.book import InboundBook
from emulator.families.fulfillment_inbound.records import (
    CANCELLED,
    LTL,
    MOVING,
    OWN_CARRIER,
    READY_TO_SHIP,
    InboundPlan,
    Shipment,
)
from emulator.families.fulfillment_inbound.render import center_address
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.clock import iso
from emulator.runtime.documents import Document

LABEL_URL_LIFETIME = 15  # seconds: "The URL will only be valid for 15 seconds" (the model)
PALLET_COPIES = 4  # "This returns four identical labels for each pallet." (the model)
NORTH_AMERICA = frozenset({"US", "CA", "MX"})


class IncorrectPackageIdentifier(InvalidInput):
    """The error code the model names for PackageLabelsToPrint that are not the boxes'."""

    code = "IncorrectPackageIdentifier"


def _lines(address: dict[str, Any]) -> list[str]:
    city = ", ".join(p for p in (address.get("city"), " ".join(
        p for p in (address.get("stateOrProvinceCode"), address.get("postalCode")) if p))
        if p)
    return [line for line in (address.get("name"), address.get("companyName"),
                              address.get("addressLine1"), address.get("addressLine2"), city,
                              address.get("countryCode")) if line]


class Labels:
    def __init__(self, context: ApiContext, book: InboundBook) -> None:
        self.context = context
        self.book = book

    def _find(self, state: SellerState, shipment_id: str) -> tuple[InboundPlan, Shipment]:
        for plan in self.book.plans(state).values():
            for shipment in plan.shipments:
                if shipment_id in (shipment.confirmation_id, shipment.shipment_id):
                    return plan, shipment
        raise InvalidInput(f"Invalid shipmentId {shipment_id!r}.",
                           details="No confirmed inbound shipment of the seller has this "
                           "shipment confirmation id (FBA…).")

    async def get_labels(self, call: Call) -> Reply:
        self.context.scheduler.run_due()
        params = call.params or {}
        state = seller_state(self.context.store, call)
        plan, shipment = self._find(state, params["shipmentId"])
        if shipment.status == CANCELLED or (shipment.status != READY_TO_SHIP
                                            and shipment.status not in MOVING):
            raise InvalidInput(f"Labels are not available for shipment {params['shipmentId']}: "
                               f"its status is {shipment.status}.",
                               details="Labels are printed once the shipment's transportation "
                               "is confirmed.")
        page_type = params["PageType"]
        market = marketplace(plan.marketplace_id)
        country = market.country if market is not None else "US"
        if (("_Letter_" in page_type and country not in NORTH_AMERICA)
                or ("_A4_" in page_type and country in NORTH_AMERICA)):
            raise InvalidInput(f"PageType {page_type} is not supported in marketplace "
                               f"{plan.marketplace_id}.")
        labels = self._labels(state, plan, shipment, params)
        start = int(params.get("PageStartIndex") or 0)
        if params.get("PageSize") is not None:
            labels = labels[start:start + int(params["PageSize"])]
        elif self._own_freight(plan, shipment):
            raise InvalidInput("PageSize and PageStartIndex are required for non-partnered LTL "
                               "shipments.")
        documents = self.context.documents
        document = documents.add(Document(
            document_id=documents.new_id(market.region if market else "na", "LABEL"),
            kind="label", app_id=call.principal.app_id if call.principal else "",
            seller_id=state.seller_id, created=self.context.clock.now(),
            content_type="application/pdf",
            content=box_labels.render(labels, page_type), lifetime=LABEL_URL_LIFETIME))
        return json_reply(200, {"payload": {"DownloadURL": documents.url(document, "GET")}})

    @staticmethod
    def _own_freight(plan: InboundPlan, shipment: Shipment) -> bool:
        option = next((t for t in plan.transport_options if t.option_id == shipment.transport),
                      None)
        return option is not None and option.mode == LTL and option.solution == OWN_CARRIER

    def _labels(self, state: SellerState, plan: InboundPlan, shipment: Shipment,
                params: dict[str, Any]) -> list[box_labels.BoxLabel]:
        conf = shipment.confirmation_id or shipment.shipment_id
        created = iso(self.context.clock.now())[:10]
        ship_from = _lines(shipment.source_address)
        ship_to = [f"FBA: {state.seller.name}"[:48], *_lines(center_address(
            shipment.warehouse_id)), shipment.warehouse_id]
        option = next((t for t in plan.transport_options if t.option_id == shipment.transport),
                      None)
        carrier = option.carrier_name if option is not None else None
        if params["LabelType"] == "PALLET":
            pallets = params.get("NumberOfPallets") or sum(p.quantity for p in shipment.pallets)
            if not pallets:
                raise InvalidInput("NumberOfPallets is required for PALLET labels.")
            return [box_labels.BoxLabel(
                barcode=f"{conf}PLT{n:03d}", shipment_id=conf, shipment_name=shipment.name,
                ship_from=ship_from, ship_to=ship_to, number=n, count=int(pallets),
                created=created, carrier=carrier, pallet=True)
                for n in range(1, int(pallets) + 1) for _ in range(PALLET_COPIES)]
        fnskus = {i.msku: i.fnsku for i in plan.items}
        boxes = [b for b in plan.boxes if b.shipment_id == shipment.shipment_id]
        wanted = params.get("PackageLabelsToPrint")
        if wanted:
            known = {b.box_id for b in boxes}
            unknown = [w for w in wanted if w not in known]
            if unknown:
                raise IncorrectPackageIdentifier(
                    f"PackageLabelsToPrint {unknown[0]!r} is not a box of shipment {conf}.",
                    details="Use the boxId values of listShipmentBoxes.")
            boxes = [b for b in boxes if b.box_id in wanted]
        two_d = params["LabelType"] == "BARCODE_2D"
        if not boxes:  # boxes never described: numbered labels for NumberOfPackages boxes
            count = int(params.get("NumberOfPackages") or 0)
            if not count:
                raise InvalidInput("NumberOfPackages is required: the shipment's boxes are not "
                                   "known.")
            return [box_labels.BoxLabel(
                barcode=f"{conf}U{n:06d}", shipment_id=conf, shipment_name=shipment.name,
                ship_from=ship_from, ship_to=ship_to, number=n, count=count, created=created,
                carrier=carrier) for n in range(1, count + 1)]
        total = len([b for b in plan.boxes if b.shipment_id == shipment.shipment_id])
        return [box_labels.BoxLabel(
            barcode=box.box_id or f"{conf}U{n:06d}", shipment_id=conf,
            shipment_name=shipment.name, ship_from=ship_from, ship_to=ship_to,
            number=int((box.box_id or "U0")[-6:]) if box.box_id else n, count=total,
            created=created,
            contents=[(msku, fnskus.get(msku, ""), units) for msku, units, *_ in box.items],
            weight=f"{box.weight:g} {box.weight_unit.lower()}", carrier=carrier,
            tracking=shipment.spd_tracking.get(box.box_id or "")
            if option is not None and option.solution != OWN_CARRIER else None,
            two_d=two_d) for n, box in enumerate(boxes, 1)]


def install(registry: HandlerRegistry, context: ApiContext, book: InboundBook) -> Labels:
    api = Labels(context, book)
    registry.register("fulfillmentInboundV0.getLabels", api.get_labels)
    return api

"""Inbound plans, options, boxes, shipments and operations in the JSON shapes of Fulfillment
Inbound 2024-03-20 (unwrapped bodies, camelCase, Currency as {amount, code})."""

from __future__ import annotations

from typing import Any

from emulator.business import fulfillment_centers as centers
from emulator.business.entities import money_float
from emulator.families.fulfillment_inbound.records import (
    LTL,
    MOVING,
    OWN_CARRIER,
    PARTNERED,
    SMALL_PARCEL,
    Box,
    InboundPlan,
    Incentive,
    Operation,
    PackingOption,
    Pallet,
    PlacementOption,
    PlanItem,
    Shipment,
    TransportOption,
    WindowOption,
)
from emulator.runtime.clock import iso

AMAZON_LABEL_FEE_USD_CENTS = 55  # Amazon's FBA label service, per unit (its rate card)


def currency(minor: int, code: str) -> dict[str, Any]:
    return {"amount": money_float(minor, code), "code": code}


def plan_summary(plan: InboundPlan) -> dict[str, Any]:
    return {"inboundPlanId": plan.plan_id, "name": plan.name, "status": plan.status,
            "createdAt": iso(plan.created), "lastUpdatedAt": iso(plan.updated),
            "marketplaceIds": [plan.marketplace_id], "sourceAddress": plan.source_address}


def plan(found: InboundPlan) -> dict[str, Any]:
    return {**plan_summary(found),
            "packingOptions": [{"packingOptionId": o.option_id, "status": o.status}
                               for o in found.packing_options],
            "placementOptions": [{"placementOptionId": o.option_id, "status": o.status}
                                 for o in found.placement_options],
            "shipments": [{"shipmentId": s.shipment_id, "status": s.status}
                          for s in found.confirmed_shipments()]}


def item(found: PlanItem, quantity: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"msku": found.msku, "asin": found.asin, "fnsku": found.fnsku,
                            "labelOwner": found.label_owner,
                            "quantity": found.quantity if quantity is None else quantity}
    instructions = []
    if found.label_owner != "NONE":
        instruction: dict[str, Any] = {"prepType": "ITEM_LABELING",
                                       "prepOwner": found.label_owner}
        if found.label_owner == "AMAZON":
            instruction["fee"] = currency(AMAZON_LABEL_FEE_USD_CENTS, "USD")
        instructions.append(instruction)
    body["prepInstructions"] = instructions
    if found.expiration:
        body["expiration"] = found.expiration
    if found.lot:
        body["manufacturingLotCode"] = found.lot
    return body


def items_of(plan: InboundPlan, lines: list[tuple[str, int]]) -> list[dict[str, Any]]:
    """(msku, quantity) lines as Items, with the plan's details of each MSKU."""
    known = {i.msku: i for i in plan.items}
    return [item(known[msku], quantity) for msku, quantity in lines if msku in known
            and known[msku].asin]


# The box and shipping configurations Send to Amazon supports for small parcel and LTL.
_SHIPPING = [{"shippingSolution": solution, "shippingMode": mode}
             for solution in (PARTNERED, OWN_CARRIER) for mode in (SMALL_PARCEL, LTL)]
_CONFIGURATIONS = [{
    "boxPackingMethods": ["BOX_CONTENT_PROVIDED", "MANUAL_PROCESS", "BARCODE_2D"],
    "boxRequirements": {"weight": {"unit": "LB", "minimum": 0, "maximum": 50}},
    "shippingRequirements": [{"solution": PARTNERED, "modes": [SMALL_PARCEL, LTL]},
                             {"solution": OWN_CARRIER, "modes": [SMALL_PARCEL, LTL]}],
}]


def packing_option(option: PackingOption) -> dict[str, Any]:
    return {"packingOptionId": option.option_id, "packingGroups": option.group_ids,
            "status": option.status, "expiration": iso(option.expiration), "fees": [],
            "discounts": [], "supportedConfigurations": _CONFIGURATIONS,
            "supportedShippingConfigurations": _SHIPPING}


def incentive(found: Incentive) -> dict[str, Any]:
    return {"type": found.type, "target": found.target, "description": found.description,
            "value": currency(found.amount, found.currency)}


def placement_option(option: PlacementOption) -> dict[str, Any]:
    return {"placementOptionId": option.option_id, "status": option.status,
            "shipmentIds": option.shipment_ids, "expiration": iso(option.expiration),
            "fees": [incentive(f) for f in option.fees],
            "discounts": [incentive(d) for d in option.discounts]}


def box(plan: InboundPlan, found: Box) -> dict[str, Any]:
    length, width, height = found.dimensions
    body: dict[str, Any] = {
        "packageId": found.package_id, "contentInformationSource": found.source,
        "dimensions": {"length": length, "width": width, "height": height,
                       "unitOfMeasurement": found.dimension_unit},
        "weight": {"unit": found.weight_unit, "value": found.weight}, "quantity": 1,
    }
    if found.box_id is not None:
        body["boxId"] = found.box_id
    known = {i.msku: i for i in plan.items}
    body["items"] = [
        {**item(known[msku], quantity), "labelOwner": label,
         **({"expiration": expiration} if expiration else {}),
         **({"manufacturingLotCode": lot} if lot else {})}
        for msku, quantity, label, _, expiration, lot in found.items
        if msku in known and known[msku].asin]
    shipment = plan.shipment(found.shipment_id) if found.shipment_id else None
    if shipment is not None:
        center = centers.CENTERS.get(shipment.warehouse_id)
        body["destinationRegion"] = {"warehouseId": shipment.warehouse_id,
                                     "countryCode": center.country if center else "US",
                                     "state": center.state if center else ""}
    return body


def pallet(found: Pallet) -> dict[str, Any]:
    body: dict[str, Any] = {"packageId": found.package_id, "quantity": found.quantity}
    if found.dimensions is not None:
        length, width, height = found.dimensions
        body["dimensions"] = {"length": length, "width": width, "height": height,
                              "unitOfMeasurement": found.dimension_unit or "IN"}
    if found.weight is not None:
        body["weight"] = {"unit": found.weight_unit or "LB", "value": found.weight}
    if found.stackability is not None:
        body["stackability"] = found.stackability
    return body


def center_address(warehouse_id: str) -> dict[str, Any]:
    center = centers.CENTERS.get(warehouse_id)
    if center is None:
        return {"name": f"Amazon {warehouse_id}", "addressLine1": "Amazon fulfillment center",
                "city": "Unknown", "countryCode": "US", "postalCode": "00000"}
    return {"name": center.name, "addressLine1": center.address_line1, "city": center.city,
            "stateOrProvinceCode": center.state, "postalCode": center.postal_code,
            "countryCode": center.country}


def shipment(plan: InboundPlan, found: Shipment) -> dict[str, Any]:
    body: dict[str, Any] = {
        "shipmentId": found.shipment_id, "placementOptionId": found.placement_option_id,
        "name": found.name, "status": found.status,
        "source": {"sourceType": "SELLER_FACILITY", "address": found.source_address},
        "destination": {"destinationType": "AMAZON_OPTIMIZED", "warehouseId":
                        found.warehouse_id, "address": center_address(found.warehouse_id)},
    }
    if found.confirmation_id is not None:
        body["shipmentConfirmationId"] = found.confirmation_id
    if found.transport is not None:
        body["selectedTransportationOptionId"] = found.transport
    if found.ready_window is not None:
        start, end, editable = found.ready_window
        body["dates"] = {"readyToShipWindow": {"start": iso(start), "end": iso(end),
                                               "editableUntil": iso(editable)}}
    if found.window is not None and found.window_dates is not None:
        start, end, editable = found.window_dates
        option = next((w for w in found.window_options if w.option_id == found.window), None)
        body["selectedDeliveryWindow"] = {
            "deliveryWindowOptionId": found.window, "startDate": iso(start),
            "endDate": iso(end), "editableUntil": iso(editable),
            "availabilityType": option.availability if option is not None else "AVAILABLE"}
    if found.contact is not None:
        body["contactInformation"] = found.contact
    if found.freight is not None:
        body["freightInformation"] = found.freight
    tracking = _tracking(found)
    if tracking:
        body["trackingDetails"] = tracking
    return body


def _tracking(found: Shipment) -> dict[str, Any]:
    body: dict[str, Any] = {}
    # Carriers' numbers validate asynchronously; the emulator's once the boxes move.
    status = "VALIDATED" if found.status in MOVING else "NOT_VALIDATED"
    if found.spd_tracking:
        body["spdTrackingDetail"] = {"spdTrackingItems": [
            {"boxId": box_id, "trackingId": tracking_id,
             "trackingNumberValidationStatus": status}
            for box_id, tracking_id in found.spd_tracking.items()]}
    if found.freight_bills or found.bill_of_lading:
        ltl: dict[str, Any] = {}
        if found.freight_bills:
            ltl["freightBillNumber"] = found.freight_bills
        if found.bill_of_lading:
            ltl["billOfLadingNumber"] = found.bill_of_lading
        body["ltlTrackingDetail"] = ltl
    return body


def transport_option(found: TransportOption, voidable_until: float | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "transportationOptionId": found.option_id, "shipmentId": found.shipment_id,
        "shippingMode": found.mode, "shippingSolution": found.solution,
        "carrier": {"name": found.carrier_name, "alphaCode": found.carrier_code},
        "preconditions": found.preconditions,
    }
    if found.cost is not None:
        quote: dict[str, Any] = {"cost": currency(found.cost, found.currency or "USD"),
                                 "expiration": iso(found.expiration)}
        if voidable_until is not None:
            quote["voidableUntil"] = iso(voidable_until)
        body["quote"] = quote
    if found.appointment is not None:
        body["carrierAppointment"] = {"startTime": iso(found.appointment[0]),
                                      "endTime": iso(found.appointment[1])}
    return body


def window_option(found: WindowOption) -> dict[str, Any]:
    return {"deliveryWindowOptionId": found.option_id, "startDate": iso(found.start),
            "endDate": iso(found.end), "validUntil": iso(found.valid_until),
            "availabilityType": found.availability}


def operation(found: Operation) -> dict[str, Any]:
    return {"operation": found.name, "operationId": found.operation_id,
            "operationStatus": found.status,
            "operationProblems": [
                {"code": code, "message": message, "severity": severity,
                 **({"details": details} if details else {})}
                for code, message, details, severity in found.problems]}


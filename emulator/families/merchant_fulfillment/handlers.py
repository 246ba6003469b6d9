"""Merchant Fulfillment v0 over HTTP: reads the validated call, asks the rules (rules.py),
renders Amazon's shapes (payload-wrapped, PascalCase).

Labels are delivered as Amazon does: FileContents.Contents is base64 of the gzip of the file
(PDF, PNG or ZPL), Checksum base64 of the MD5 of the file itself (the model says the hash
validates "the PDF document data"; whether Amazon hashes the gzip or the file is not known),
Dimensions 4 x 6 inches. A cancelled shipment's label is empty, as Amazon says.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import re
from collections.abc import Mapping
from typing import Any

from emulator.business import carriers, shipments
from emulator.business.entities import Address, Order, money_float
from emulator.business.shipments import LabelShipment
from emulator.business.store import SellerState, StateStore
from emulator.families import ApiContext
from emulator.families.common import iso, parse_time, seller_state
from emulator.families.merchant_fulfillment import rules
from emulator.families.merchant_fulfillment.rules import Refusal, Request
from emulator.gateway.call import Call
from emulator.gateway.errors import CodedError, InvalidInput, NotFound
from emulator.gateway.phrasing import coral
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.clock import Clock

MODEL = "merchantFulfillmentV0"
EXPERIENCES = ("DeliveryConfirmationWithAdultSignature", "DeliveryConfirmationWithSignature",
               "DeliveryConfirmationWithoutSignature", "NoTracking")
_DIMENSIONS = re.compile(r"([\d.]+)\s*x\s*([\d.]+)\s*x\s*([\d.]+)\s*(in|cm)")


def _error(refusal: Refusal) -> InvalidInput | CodedError:
    if refusal.problems:
        return coral(refusal.problems)
    if refusal.code == "InvalidInput":
        return InvalidInput(refusal.message, details=refusal.details)
    return CodedError(refusal.code, refusal.message, refusal.details, refusal.status)


def predefined_packages(document: Mapping[str, Any]) -> dict[str, tuple[float, float, float]]:
    """The sides (cm) of the carriers' predefined packages, read from the model's table."""
    table = document["definitions"]["PredefinedPackageDimensions"].get(
        "x-docgen-enum-table-extension", [])
    sides: dict[str, tuple[float, float, float]] = {}
    for row in table:
        match = _DIMENSIONS.search(row.get("description", ""))
        if match:
            scale = carriers.CM_PER_INCH if match.group(4) == "in" else 1.0
            sides[row["value"]] = tuple(float(match.group(i)) * scale  # type: ignore[assignment]
                                        for i in (1, 2, 3))
    return sides


# -- JSON ----------------------------------------------------------------------------------------

def money(minor: int, currency: str) -> dict[str, Any]:
    return {"CurrencyCode": currency, "Amount": money_float(minor, currency)}


def address_json(address: Address, email: str = "") -> dict[str, Any]:
    value: dict[str, Any] = {"Name": address.name[:30], "AddressLine1": address.line1,
                             "Email": email, "City": address.city[:30],
                             "PostalCode": address.postal_code,
                             "CountryCode": address.country_code, "Phone": address.phone}
    if address.line2:
        value["AddressLine2"] = address.line2[:60]
    if address.state:
        value["StateOrProvinceCode"] = address.state
    return value


def _formats(carrier: carriers.Carrier) -> list[str]:
    return [*carrier.formats, "ShippingServiceDefault"]


def _options(service: carriers.Service, currency: str) -> dict[str, Any]:
    pickups = [{"CarrierWillPickUpOption": "ShipperWillDropOff", "Charge": money(0, currency)}]
    if service.carrier.pickup is not None:
        pickups.append({"CarrierWillPickUpOption": "CarrierWillPickUp",
                        "Charge": money(service.carrier.pickup, currency)})
    experiences = [{"DeliveryExperienceOption": name, "Charge": money(charge, currency)}
                   for name in EXPERIENCES
                   if (charge := service.experience_charge(name)) is not None]
    return {"AvailableCarrierWillPickUpOptions": pickups,
            "AvailableDeliveryExperienceOptions": experiences}


def _benefits(order: Order, latest: float) -> dict[str, Any]:
    # Claims protection for labels that deliver by the order's promise; the reason code of an
    # excluded benefit is the emulator's (Amazon's codes are not documented).
    if latest <= order.latest_delivery:
        return {"IncludedBenefits": ["CLAIMS_PROTECTED"], "ExcludedBenefits": []}
    return {"IncludedBenefits": [], "ExcludedBenefits": [
        {"Benefit": "CLAIMS_PROTECTED", "ReasonCodes": ["LATE_DELIVERY_RISK"]}]}


def service_json(service: carriers.Service, offer_id: str, total: int, currency: str,
                 ship_date: float, earliest: float, latest: float, experience: str,
                 pickup: bool, label_format: str | None, order: Order,
                 declared: dict[str, Any] | None) -> dict[str, Any]:
    options: dict[str, Any] = {"DeliveryExperience": experience, "CarrierWillPickUp": pickup,
                               "CarrierWillPickUpOption": "CarrierWillPickUp" if pickup
                               else "ShipperWillDropOff"}
    if declared:
        options["DeclaredValue"] = declared
    if label_format:
        options["LabelFormat"] = label_format
    return {
        "ShippingServiceName": service.name, "CarrierName": service.carrier.name,
        "ShippingServiceId": service.id, "ShippingServiceOfferId": offer_id,
        "ShipDate": iso(ship_date), "EarliestEstimatedDeliveryDate": iso(earliest),
        "LatestEstimatedDeliveryDate": iso(latest), "Rate": money(total, currency),
        "RateWithAdjustments": money(total, currency), "ShippingServiceOptions": options,
        "AvailableShippingServiceOptions": _options(service, currency),
        "AvailableLabelFormats": _formats(service.carrier),
        "AvailableFormatOptionsForLabel": [
            {"IncludePackingSlipWithLabel": fmt == "PDF", "LabelFormat": fmt}
            for fmt in _formats(service.carrier)],
        "RequiresAdditionalSellerInputs": service.international,
        "Benefits": _benefits(order, latest),
    }


def _label_json(label: LabelShipment, now: float) -> dict[str, Any]:
    chosen = label.details.get("label_format", "PDF")
    fmt = rules.LABEL_FORMATS[chosen][0]
    value: dict[str, Any] = {"Dimensions": {"Length": 6.0, "Width": 4.0, "Unit": "inches"},
                             "LabelFormat": chosen}
    if label.status(now) != shipments.PURCHASED:
        # "If the shipment is canceled, an empty label is returned."
        value["FileContents"] = {"Contents": "", "FileType": _media_type(fmt), "Checksum": ""}
    else:
        data = shipments.label_file(label)
        value["FileContents"] = {
            "Contents": base64.b64encode(gzip.compress(data, mtime=0)).decode(),
            "FileType": _media_type(fmt),
            "Checksum": base64.b64encode(hashlib.md5(data).digest()).decode()}
    if label.details.get("custom_text"):
        value["CustomTextForLabel"] = label.details["custom_text"]
    request = label.details.get("request") or {}
    standard = (request.get("LabelCustomization") or {}).get("StandardIdForLabel")
    if standard:
        value["StandardIdForLabel"] = standard
    return value


def _media_type(fmt: str) -> str:
    return {"PDF": "application/pdf", "PNG": "image/png", "ZPL": "application/zpl"}[fmt]


def shipment_json(state: SellerState, label: LabelShipment, now: float) -> dict[str, Any]:
    request = label.details.get("request") or {}
    order = state.orders[label.order_id or ""]
    options = request.get("ShippingServiceOptions") or {}
    declared = options.get("DeclaredValue")
    insurance = declared or money(carriers.insurance_cover(label.currency), label.currency)
    service = label.service
    value: dict[str, Any] = {
        "ShipmentId": label.shipment_id, "AmazonOrderId": label.order_id,
        "ItemList": request.get("ItemList", []),
        "ShipFromAddress": request.get("ShipFromAddress", {}),
        "ShipToAddress": address_json(order.address, order.buyer_email),
        "PackageDimensions": request.get("PackageDimensions", {}),
        "Weight": request.get("Weight", {}), "Insurance": insurance,
        "ShippingService": service_json(
            service, label.details.get("offer_id", ""), label.total, label.currency,
            label.ship_date, label.earliest, label.latest, label.details.get("experience", ""),
            bool(label.details.get("pickup")), label.details.get("label_format"), order,
            declared),
        "Label": _label_json(label, now), "Status": label.status(now),
        "TrackingId": label.tracking_id, "CreatedDate": iso(label.purchased_at),
    }
    if request.get("SellerOrderId"):
        value["SellerOrderId"] = request["SellerOrderId"]
    changed = max(label.updated, label.refund_due() or 0.0)
    if changed > label.purchased_at and changed <= now:
        value["LastUpdatedDate"] = iso(changed)
    return value


# -- handlers ------------------------------------------------------------------------------------

class MerchantFulfillment:
    def __init__(self, context: ApiContext) -> None:
        self.store: StateStore = context.store
        self.clock: Clock = context.clock
        self.ids = rules.OfferIds(context.store.randomness)
        self.predefined = predefined_packages(context.models.models[MODEL].document)

    def _request(self, state: SellerState, details: Mapping[str, Any],
                 experience: str | None = None) -> Request:
        return rules.read_request(state, details, self.clock.now(), self.predefined,
                                  parse_time, experience)

    async def eligible_services(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        offering = body.get("ShippingOfferingFilter") or {}
        wanted = offering.get("DeliveryExperience")
        try:
            request = self._request(state, body["ShipmentRequestDetails"],
                                    wanted if wanted and wanted != "NoPreference" else None)
            found = rules.offers(self.store, state, request)
        except Refusal as refusal:
            raise _error(refusal) from None
        now = self.clock.now()
        pickup = offering.get("CarrierWillPickUp")
        listed = [q for q in found.offers
                  if pickup in (None, "NoPreference")
                  or (pickup == "CarrierWillPickUp") == (q.service.carrier.pickup is not None)]
        if offering.get("IncludePackingSlipWithLabel"):
            listed = [q for q in listed if "PDF" in q.service.carrier.formats]
        order = request.order
        options = request.details.get("ShippingServiceOptions") or {}
        payload: dict[str, Any] = {
            "ShippingServiceList": [service_json(
                q.service, self.ids.issue(state.seller_id, request, q, now), q.total,
                q.currency, q.ship_date, q.earliest, q.latest, request.experience,
                request.parcel.pickup, options.get("LabelFormat"), order,
                options.get("DeclaredValue")) for q in listed],
            "RejectedShippingServiceList": [
                {"CarrierName": r.service.carrier.name, "ShippingServiceName": r.service.name,
                 "ShippingServiceId": r.service.id, "RejectionReasonCode": r.code,
                 "RejectionReasonMessage": r.message} for r in found.refused],
            "TemporarilyUnavailableCarrierList": [{"CarrierName": c.name}
                                                  for c in found.unavailable],
            "TermsAndConditionsNotAcceptedCarrierList": [{"CarrierName": c.name}
                                                         for c in found.terms_not_accepted],
        }
        return json_reply(200, {"payload": payload})

    async def create_shipment(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        details = body["ShipmentRequestDetails"]
        items = {str(i.get("OrderItemId")): i.get("ItemLevelSellerInputsList") or []
                 for i in details.get("ItemList") or []}
        purchase = rules.Purchase(
            service_id=body["ShippingServiceId"], offer_id=body.get("ShippingServiceOfferId"),
            shipment_inputs=body.get("ShipmentLevelSellerInputsList") or [], item_inputs=items,
            packing_slip=bool((body.get("LabelFormatOption") or {}).get(
                "IncludePackingSlipWithLabel")), hazmat=body.get("HazmatType"))
        custom = (details.get("LabelCustomization") or {}).get("CustomTextForLabel")
        try:
            request = self._request(state, details)
            label = rules.buy(self.store, state, self.ids, request, purchase, custom)
        except Refusal as refusal:
            raise _error(refusal) from None
        finally:
            self.store.flush()
        return json_reply(200, {"payload": shipment_json(state, label, self.clock.now())})

    def _label(self, call: Call) -> tuple[SellerState, LabelShipment]:
        shipment_id = call.path_params["shipmentId"]
        if not rules.SHIPMENT_ID.fullmatch(shipment_id):
            raise coral([(shipment_id, "shipmentId", "Member must satisfy regular expression "
                          f"pattern: {rules.SHIPMENT_ID.pattern}")])
        state = seller_state(self.store, call)
        label = rules.find_label(state, shipment_id)
        if label is None:
            # Amazon's words for an unknown shipment are not known; the emulator's.
            raise NotFound(f"The shipment {shipment_id} was not found.")
        return state, label

    async def get_shipment(self, call: Call) -> Reply:
        state, label = self._label(call)
        return json_reply(200, {"payload": shipment_json(state, label, self.clock.now())})

    async def cancel_shipment(self, call: Call) -> Reply:
        state, label = self._label(call)
        try:
            rules.cancel(self.store, state, label)
        except Refusal as refusal:
            raise _error(refusal) from None
        finally:
            self.store.flush()
        return json_reply(200, {"payload": shipment_json(state, label, self.clock.now())})

    async def additional_seller_inputs(self, call: Call) -> Reply:
        body = (call.params or {})["body"]
        state = seller_state(self.store, call)
        ship_from = body["ShipFromAddress"]
        country = ship_from.get("CountryCode", "")
        if not re.fullmatch(r"[A-Za-z]{2}", country) or not _is_country(country):
            raise InvalidInput(rules.BAD_SHIP_FROM)
        try:
            international = rules.needs_inputs(state, body["ShippingServiceId"],
                                               country.upper(), body["OrderId"])
        except Refusal as refusal:
            raise _error(refusal) from None
        order = state.orders[body["OrderId"]]
        payload: dict[str, Any] = {"ShipmentLevelFields": [], "ItemLevelFieldsList": []}
        if international:
            payload = {"ShipmentLevelFields": [_non_deliverable()],
                       "ItemLevelFieldsList": [{"Asin": asin, "AdditionalInputs": [
                           _country_of_origin()]} for asin in dict.fromkeys(
                               i.asin for i in order.items)]}
        return json_reply(200, {"payload": payload})


def _is_country(code: str) -> bool:
    from emulator.business.marketplaces import MARKETPLACES

    return code.upper() in {m.country for m in MARKETPLACES.values()}


def _non_deliverable() -> dict[str, Any]:
    return {"AdditionalInputFieldName": rules.NON_DELIVERABLE, "SellerInputDefinition": {
        "IsRequired": True, "DataType": "STRING", "Constraints": [],
        "InputDisplayText": "Non-Deliverable Instructions", "InputTarget": "SHIPMENT_LEVEL",
        "StoredValue": {"DataType": "STRING", "ValueAsString": rules.NON_DELIVERABLE_VALUES[0]},
        "RestrictedSetValues": list(rules.NON_DELIVERABLE_VALUES)}}


def _country_of_origin() -> dict[str, Any]:
    return {"AdditionalInputFieldName": rules.COUNTRY_OF_ORIGIN, "SellerInputDefinition": {
        "IsRequired": True, "DataType": "STRING",
        "Constraints": [{"ValidationRegEx": "^[A-Z]{2}$",
                         "ValidationString": "A two-letter country code (ISO 3166-1 alpha-2)."}],
        "InputDisplayText": "Country of Origin", "InputTarget": "ITEM_LEVEL",
        "StoredValue": {"DataType": "STRING", "ValueAsString": ""}}}


def install(registry: HandlerRegistry, context: ApiContext) -> MerchantFulfillment:
    api = MerchantFulfillment(context)
    for operation, handler in (
        ("getEligibleShipmentServices", api.eligible_services),
        ("createShipment", api.create_shipment), ("getShipment", api.get_shipment),
        ("cancelShipment", api.cancel_shipment),
        ("getAdditionalSellerInputs", api.additional_seller_inputs),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api

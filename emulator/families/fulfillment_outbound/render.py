"""Fulfillment orders, shipments, returns and package tracking in the JSON shapes of
Fulfillment Outbound 2020-07-01 (camelCase, ISO 8601 timestamps, Money as decimal strings)."""

from __future__ import annotations

import random
from typing import Any

from emulator.families.fulfillment_outbound import carriers, timeline
from emulator.families.fulfillment_outbound.records import (
    CANCELLED_BY_FULFILLER,
    CANCELLED_BY_SELLER,
    SHIPPED,
    FulfillmentOrder,
    OrderItem,
    ReturnItem,
    Shipment,
)
from emulator.families.fulfillment_outbound.rules import (
    Authorization,
    market_domain,
    return_address,
)
from emulator.runtime.clock import iso


def fulfillment_order(order: FulfillmentOrder) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sellerFulfillmentOrderId": order.order_id, "marketplaceId": order.marketplace_id,
        "displayableOrderId": order.displayable_id,
        "displayableOrderDate": order.displayable_date,
        "displayableOrderComment": order.displayable_comment,
        "shippingSpeedCategory": order.speed, "destinationAddress": order.address,
        "fulfillmentAction": order.action, "fulfillmentPolicy": order.policy,
        "receivedDate": iso(order.received), "fulfillmentOrderStatus": order.status,
        "statusUpdatedDate": iso(order.status_updated),
    }
    if order.delivery_window is not None:
        body["deliveryWindow"] = order.delivery_window
    if order.cod is not None:
        body["codSettings"] = order.cod
    if order.emails:
        body["notificationEmails"] = order.emails
    if order.features:
        body["featureConstraints"] = order.features
    return body


def _estimates(order: FulfillmentOrder, item: OrderItem) -> tuple[float, float]:
    """(estimated ship, estimated arrival) of an item: its shipment's, else the promise."""
    for shipment in order.shipments:
        if shipment.status not in (CANCELLED_BY_SELLER, CANCELLED_BY_FULFILLER) and any(
                line[1] == item.item_id for line in shipment.items):
            return shipment.ship_date, shipment.arrival
    ship = order.received + timeline.ship_after(order.speed)
    return ship, timeline.arrival_window(order.speed, ship)[1]


def order_items(order: FulfillmentOrder) -> list[dict[str, Any]]:
    found = []
    for item in order.items:
        ship, arrival = _estimates(order, item)
        body: dict[str, Any] = {
            "sellerSku": item.sku, "sellerFulfillmentOrderItemId": item.item_id,
            "quantity": item.quantity, "fulfillmentNetworkSku": item.fnsku,
            "orderItemDisposition": "Sellable", "cancelledQuantity": item.cancelled,
            "unfulfillableQuantity": item.unfulfillable, "estimatedShipDate": iso(ship),
            "estimatedArrivalDate": iso(arrival),
        }
        for name, value in (("giftMessage", item.gift_message),
                            ("displayableComment", item.comment),
                            ("perUnitDeclaredValue", item.declared_value),
                            ("perUnitPrice", item.unit_price), ("perUnitTax", item.unit_tax)):
            if value is not None:
                body[name] = value
        found.append(body)
    return found


def shipment(found: Shipment) -> dict[str, Any]:
    shipped = found.status == SHIPPED
    body: dict[str, Any] = {
        "amazonShipmentId": found.shipment_id, "fulfillmentCenterId": found.center,
        "fulfillmentShipmentStatus": found.status, "shippingDate": iso(found.ship_date),
    }
    # "If the shipment has been cancelled, estimatedArrivalDate is not returned."
    if found.status not in (CANCELLED_BY_SELLER, CANCELLED_BY_FULFILLER):
        body["estimatedArrivalDate"] = iso(found.arrival)
    # Packages are numbered once they are packed and handed to the carrier; until then the
    # items carry package number 0 (as Amazon's example of a pending shipment does).
    body["fulfillmentShipmentItem"] = [
        {"sellerSku": sku, "sellerFulfillmentOrderItemId": item_id, "quantity": quantity,
         "packageNumber": number if shipped else 0}
        for sku, item_id, quantity, number in found.items]
    if shipped:
        body["fulfillmentShipmentPackage"] = [
            {"packageNumber": p.number, "carrierCode": p.carrier,
             "trackingNumber": p.tracking_number, "estimatedArrivalDate": iso(found.arrival)}
            for p in found.packages]
    return body


def return_item(item: ReturnItem) -> dict[str, Any]:
    body: dict[str, Any] = {
        "sellerReturnItemId": item.return_item_id,
        "sellerFulfillmentOrderItemId": item.item_id, "amazonShipmentId": item.shipment_id,
        "sellerReturnReasonCode": item.reason, "status": item.status,
        "statusChangedDate": iso(item.changed), "returnAuthorizationId": item.authorization_id,
        "fulfillmentCenterId": item.center,
    }
    if item.comment is not None:
        body["returnComment"] = item.comment
    if item.amazon_reason is not None:
        body["amazonReturnReasonCode"] = item.amazon_reason
    if item.condition is not None:
        body["returnReceivedCondition"] = item.condition
    return body


def authorization(order: FulfillmentOrder, found: Authorization) -> dict[str, Any]:
    return {"returnAuthorizationId": found.authorization_id,
            "fulfillmentCenterId": found.center, "returnToAddress": return_address(found.center),
            "amazonRmaId": found.amazon_rma_id,
            "rmaPageURL": f"https://{market_domain(order.marketplace_id)}/gp/orc/rml/"
                          f"{found.amazon_rma_id}"}


def order_result(order: FulfillmentOrder) -> dict[str, Any]:
    body: dict[str, Any] = {
        "fulfillmentOrder": fulfillment_order(order),
        "fulfillmentOrderItems": order_items(order),
        "fulfillmentShipments": [shipment(s) for s in order.shipments],
        "returnItems": [return_item(r) for r in order.returns],
        "returnAuthorizations": [authorization(order, a) for a in order.authorizations],
    }
    if order.payment:
        body["paymentInformation"] = order.payment
    return body


def tracking(order: FulfillmentOrder, found: Shipment, number: int, now: float,
             status_text: dict[str, str], event_text: dict[str, str],
             rnd: random.Random) -> dict[str, Any]:
    package = next(p for p in found.packages if p.number == number)
    address = order.address
    seen = carriers.track(package, found, address, now, rnd)
    body: dict[str, Any] = {
        "packageNumber": number, "trackingNumber": package.tracking_number,
        "customerTrackingLink": f"https://www.swiship.com/track?id={package.tracking_number}",
        "carrierCode": package.carrier, "carrierURL": carriers.carrier_site(package.carrier),
        "shipDate": iso(found.ship_date), "estimatedArrivalDate": iso(seen.arrival),
        "shipToAddress": {"city": address.get("city") or address.get("districtOrCounty") or "",
                          "state": address.get("stateOrRegion") or "",
                          "country": address.get("countryCode", "")},
        "currentStatus": seen.status,
        "currentStatusDescription": status_text.get(seen.status, seen.status),
        "trackingEvents": [
            {"eventDate": iso(e.time),
             "eventAddress": {"city": e.city, "state": e.state, "country": e.country},
             "eventCode": e.code, "eventDescription": event_text.get(e.code, e.code)}
            for e in seen.events],
    }
    if seen.drop_off is not None:
        body["additionalLocationInfo"] = seen.drop_off
    return body

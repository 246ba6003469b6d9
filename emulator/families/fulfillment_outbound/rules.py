"""What the seller may ask of Multi-Channel Fulfillment, checked as Amazon checks it: creating
an order (unique id, at most 100 lines and 250 units, FBA SKUs, the destination address's
rules for its country, the JP-only options, no Hold with ScheduledDelivery), updating it
(release a hold; address, speed and items only while it is held), cancelling it (only while
Received or Planning), the sandbox's forced status, and returns of shipped items.

A refused request raises McfError and changes nothing. Amazon's exact wording is documented
for an invalid SKU only ("the SellerSKU for Item Id: ... is invalid."); the other messages are
the emulator's, saying what is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emulator.business import fulfillment_centers as centers
from emulator.business.fba_stock import fnsku_for
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState
from emulator.families.fulfillment_outbound import timeline
from emulator.families.fulfillment_outbound.book import McfBook, McfError
from emulator.families.fulfillment_outbound.lifecycle import Lifecycle
from emulator.families.fulfillment_outbound.records import (
    CANCELLABLE,
    CANCELLED,
    COMPLETE,
    INVALID,
    KIND_NAME,
    NEW,
    PARTIAL,
    PLANNING,
    PROCESSING,
    RECEIVED,
    SHIPPED,
    UNFULFILLABLE,
    Authorization,
    FulfillmentOrder,
    OrderItem,
    ReturnItem,
)

MAX_LINES = 100
MAX_UNITS = 250
JAPAN = "A1VC38T7YXB528"
INDIA = "A21TJRUUN4KGV"
US = "ATVPDKIKX0DER"
UPPER_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
MIXED_ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# Postal code shapes by destination country (the national formats).
POSTAL_CODES = {
    "US": r"\d{5}(-\d{4})?", "CA": r"[A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d", "MX": r"\d{5}",
    "GB": r"[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}", "DE": r"\d{5}", "FR": r"\d{5}",
    "IT": r"\d{5}", "ES": r"\d{5}", "NL": r"\d{4} ?[A-Za-z]{2}", "JP": r"\d{3}-?\d{4}",
    "AU": r"\d{4}", "IN": r"\d{6}", "BR": r"\d{5}-?\d{3}",
}
STATE_REQUIRED = frozenset({"US", "CA", "AU", "IN", "BR", "MX"})
# Where the order stands on its way; a forced status may only move forward.
ORDER = {NEW: 0, RECEIVED: 1, PLANNING: 2, PROCESSING: 3}
TERMINALS = frozenset({COMPLETE, PARTIAL, CANCELLED, UNFULFILLABLE, INVALID})


@dataclass(frozen=True)
class Feature:
    name: str
    description: str


@dataclass(frozen=True)
class ReturnResult:
    returns: list[ReturnItem]
    invalid: list[tuple[dict[str, Any], str]]  # (the requested item, invalidItemReasonCode)
    authorizations: list[Authorization]


class Rules:
    def __init__(self, book: McfBook, lifecycle: Lifecycle, features: list[Feature],
                 reason_codes: list[str]) -> None:
        self.book = book
        self.lifecycle = lifecycle
        self.features = {f.name: f for f in features}
        self.reason_codes = frozenset(reason_codes)

    # -- createFulfillmentOrder -----------------------------------------------------------

    def create(self, state: SellerState, body: Mapping[str, Any], now: float) -> FulfillmentOrder:
        order_id = body["sellerFulfillmentOrderId"]
        if order_id in self.book.orders(state):
            raise McfError(f"A fulfillment order with sellerFulfillmentOrderId {order_id!r} "
                           "already exists.", "sellerFulfillmentOrderId must be unique for "
                           "each fulfillment order that a seller creates.")
        market_id = self._marketplace(state, body.get("marketplaceId"))
        speed = body["shippingSpeedCategory"]
        action = body.get("fulfillmentAction", "Ship")
        self._check_speed(market_id, speed, action)
        self._check_japan_only(market_id, body)
        self.check_address(body["destinationAddress"], market_id)
        self.check_features(body.get("featureConstraints") or [], body["destinationAddress"])
        self._check_india(market_id, body)
        items = self._items(state, body["items"], market_id)
        order = FulfillmentOrder(
            order_id=order_id, marketplace_id=market_id,
            displayable_id=body["displayableOrderId"],
            displayable_date=body["displayableOrderDate"],
            displayable_comment=body["displayableOrderComment"], speed=speed,
            address=dict(body["destinationAddress"]), action=action,
            policy=body.get("fulfillmentPolicy", "FillOrKill"), status=NEW, received=now,
            status_updated=now, updated=now, items=items,
            emails=list(body.get("notificationEmails") or []),
            features=[dict(f) for f in body.get("featureConstraints") or []],
            delivery_window=body.get("deliveryWindow"),
            delivery_preferences=body.get("deliveryPreferences"),
            cod=body.get("codSettings"), payment=body.get("paymentInformation"),
            ship_from_country=body.get("shipFromCountryCode"))
        self.book.store.prepare(state, KIND_NAME, order_id)
        self.book.orders(state)[order_id] = order
        self.lifecycle.start(state, order, now)
        self.book.save(state, order, now)
        return order

    def _marketplace(self, state: SellerState, marketplace_id: str | None) -> str:
        if marketplace_id is None:
            return state.markets[0].id
        if state.market(marketplace_id) is None:
            raise McfError(f"Invalid marketplaceId {marketplace_id!r}.",
                           f"The seller does not sell in marketplace {marketplace_id!r}.")
        return marketplace_id

    @staticmethod
    def _check_speed(market_id: str, speed: str, action: str) -> None:
        if speed == "ScheduledDelivery" and market_id != JAPAN:
            raise McfError("ScheduledDelivery is available only in the JP marketplace.",
                           f"shippingSpeedCategory ScheduledDelivery in {market_id}.")
        if speed == "ScheduledDelivery" and action == "Hold":
            raise McfError("Hold is not a valid fulfillmentAction value when the "
                           "shippingSpeedCategory value is ScheduledDelivery.")

    @staticmethod
    def _check_japan_only(market_id: str, body: Mapping[str, Any]) -> None:
        for name in ("deliveryWindow", "deliveryPreferences"):
            if body.get(name) is not None and market_id != JAPAN:
                raise McfError(f"{name} is supported only in the JP marketplace.",
                               f"{name} given for marketplace {market_id}.")
        if body.get("deliveryWindow") is not None and (
                body.get("shippingSpeedCategory") != "ScheduledDelivery"):
            raise McfError("deliveryWindow is valid only with the ScheduledDelivery "
                           "shippingSpeedCategory.")
        cod = body.get("codSettings")
        if cod is not None and cod.get("isCodRequired") and market_id != JAPAN:
            raise McfError("Cash on delivery (codSettings.isCodRequired) is available only in "
                           "the JP marketplace.")
        drop_off = (body.get("deliveryPreferences") or {}).get("dropOffLocation") or {}
        if drop_off.get("type") == "FALLBACK_NEIGHBOR_DELIVERY":
            attributes = drop_off.get("attributes") or {}
            missing = [a for a in ("neighborName", "houseNumber") if not attributes.get(a)]
            if missing:
                raise McfError("FALLBACK_NEIGHBOR_DELIVERY needs the attributes "
                               f"{', '.join(missing)}.")

    @staticmethod
    def _check_india(market_id: str, body: Mapping[str, Any]) -> None:
        if market_id != INDIA:
            return
        if not body.get("paymentInformation"):
            raise McfError("paymentInformation is required for orders in the IN marketplace.")
        for item in body["items"]:
            if item.get("perUnitDeclaredValue") is None:
                raise McfError("perUnitDeclaredValue is required for items in the IN "
                               "marketplace.", f"Item Id: {item['sellerFulfillmentOrderItemId']}")

    def check_address(self, address: Mapping[str, Any], market_id: str) -> None:
        """The destination address's rules for its country (Amazon validates these before an
        order is accepted; its messages for each are not documented)."""
        country = str(address.get("countryCode", ""))
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise McfError("The destinationAddress is invalid.",
                           f"countryCode {country!r} is not an ISO 3166 two-letter code.")
        for name in ("name", "addressLine1", "postalCode"):
            if not str(address.get(name, "")).strip():
                raise McfError("The destinationAddress is invalid.", f"{name} is empty.")
        if country != "JP" and not str(address.get("city", "")).strip():
            raise McfError("The destinationAddress is invalid.",
                           "city is required in all countries except Japan.")
        if country in STATE_REQUIRED and not str(address.get("stateOrRegion", "")).strip():
            raise McfError("The destinationAddress is invalid.",
                           f"stateOrRegion is required for addresses in {country}.")
        pattern = POSTAL_CODES.get(country)
        postal = str(address.get("postalCode", "")).strip()
        if pattern is not None and not re.fullmatch(pattern, postal):
            raise McfError("The destinationAddress is invalid.",
                           f"postalCode {postal!r} is not a valid {country} postal code.")

    def check_features(self, constraints: list[Mapping[str, Any]],
                       address: Mapping[str, Any]) -> None:
        for constraint in constraints:
            name = constraint.get("featureName")
            if name not in self.features:
                raise McfError(f"Invalid featureName {name!r}.",
                               f"Valid feature names: {', '.join(sorted(self.features))}.")
            if (name == "SIGNATURE_CONFIRMATION" and address.get("countryCode") != "US"
                    and constraint.get("featureFulfillmentPolicy") == "Required"):
                raise McfError("SIGNATURE_CONFIRMATION is supported only in the US "
                               "marketplace.")

    def _items(self, state: SellerState, requested: list[Mapping[str, Any]],
               market_id: str) -> list[OrderItem]:
        if not requested:
            raise McfError("A fulfillment order needs at least one item.")
        if len(requested) > MAX_LINES:
            raise McfError(f"A fulfillment order has at most {MAX_LINES} line items; this one "
                           f"has {len(requested)}.")
        units = sum(int(item["quantity"]) for item in requested)
        if units > MAX_UNITS:
            raise McfError(f"A fulfillment order has at most {MAX_UNITS} units; this one has "
                           f"{units}.")
        seen: set[str] = set()
        items = []
        for item in requested:
            item_id, quantity = item["sellerFulfillmentOrderItemId"], int(item["quantity"])
            if item_id in seen:
                raise McfError(f"Duplicate sellerFulfillmentOrderItemId {item_id!r}.")
            seen.add(item_id)
            if quantity < 1:
                raise McfError(f"The quantity for Item Id: {item_id} must be at least 1.")
            listing = state.listings.get(item["sellerSku"])
            if listing is None or listing.fulfillment != "AFN":
                # Amazon's message (models#2979); the id is the sellerFulfillmentOrderItemId.
                raise McfError(f"the SellerSKU for Item Id: {item_id} is invalid.")
            items.append(OrderItem(
                sku=listing.sku, item_id=item_id, quantity=quantity,
                fnsku=listing.fnsku or fnsku_for(self.book.store, state, listing.sku),
                gift_message=item.get("giftMessage"), comment=item.get("displayableComment"),
                declared_value=item.get("perUnitDeclaredValue"),
                unit_price=item.get("perUnitPrice"), unit_tax=item.get("perUnitTax")))
        return items

    # -- updateFulfillmentOrder -----------------------------------------------------------

    def update(self, state: SellerState, order_id: str, body: Mapping[str, Any],
               now: float) -> FulfillmentOrder:
        order = self.book.find(state, order_id)
        if order.terminal or order.status == PROCESSING:
            raise McfError(f"Fulfillment order {order_id!r} cannot be updated: its status is "
                           f"{order.status}.", "Only orders that are not yet Processing can "
                           "be updated.")
        held = order.action == "Hold"
        needs_hold = [name for name in ("destinationAddress", "shippingSpeedCategory",
                                        "fulfillmentPolicy", "featureConstraints")
                      if body.get(name) is not None]
        if needs_hold and not held:
            raise McfError(f"{', '.join(needs_hold)} can be changed only while the order is "
                           "on hold.", f"Fulfillment order {order_id!r} was released for "
                           "shipping.")
        if body.get("marketplaceId") not in (None, order.marketplace_id):
            raise McfError("The marketplaceId of a fulfillment order cannot be changed.")
        action = body.get("fulfillmentAction")
        if action == "Hold" and not held:
            raise McfError("Once an order is released with fulfillmentAction Ship, it cannot "
                           "be held again.")
        speed = body.get("shippingSpeedCategory", order.speed)
        self._check_speed(order.marketplace_id, speed, action or order.action)
        address = body.get("destinationAddress")
        if address is not None:
            self.check_address(address, order.marketplace_id)
        if body.get("featureConstraints") is not None:
            self.check_features(body["featureConstraints"], address or order.address)
        item_changes = self._item_changes(order, body.get("items") or [])
        # Everything checked: apply.
        for name, attribute in (("displayableOrderId", "displayable_id"),
                                ("displayableOrderDate", "displayable_date"),
                                ("displayableOrderComment", "displayable_comment"),
                                ("fulfillmentPolicy", "policy"),
                                ("shipFromCountryCode", "ship_from_country")):
            if body.get(name) is not None:
                setattr(order, attribute, body[name])
        order.speed = speed
        if address is not None:
            order.address = dict(address)
        if body.get("notificationEmails") is not None:
            order.emails = list(body["notificationEmails"])
        if body.get("featureConstraints") is not None:
            order.features = [dict(f) for f in body["featureConstraints"]]
        for item, change in item_changes:
            for name, attribute in (("giftMessage", "gift_message"),
                                    ("displayableComment", "comment"),
                                    ("perUnitDeclaredValue", "declared_value"),
                                    ("perUnitPrice", "unit_price"), ("perUnitTax", "unit_tax")):
                if change.get(name) is not None:
                    setattr(item, attribute, change[name])
        if action == "Ship" and held:
            self.lifecycle.release(state, order, now)
        self.book.save(state, order, now)
        return order

    @staticmethod
    def _item_changes(order: FulfillmentOrder, changes: list[Mapping[str, Any]]
                      ) -> list[tuple[OrderItem, Mapping[str, Any]]]:
        items = {item.item_id: item for item in order.items}
        found = []
        for change in changes:
            item = items.get(change["sellerFulfillmentOrderItemId"])
            if item is None:
                raise McfError(f"Invalid sellerFulfillmentOrderItemId "
                               f"{change['sellerFulfillmentOrderItemId']!r}.",
                               "Items of an update must be items of the order.")
            if change.get("sellerSku") not in (None, item.sku):
                raise McfError(f"The SKU of Item Id: {item.item_id} cannot be changed.")
            if int(change["quantity"]) != item.quantity:
                raise McfError(f"The quantity of Item Id: {item.item_id} cannot be changed.",
                               "Cancel the order and create a new one for other quantities.")
            found.append((item, change))
        return found

    # -- cancelFulfillmentOrder -----------------------------------------------------------

    def cancel(self, state: SellerState, order_id: str, now: float) -> FulfillmentOrder:
        order = self.book.find(state, order_id)
        if order.status not in CANCELLABLE:
            raise McfError(f"Fulfillment order {order_id!r} cannot be cancelled: its status is "
                           f"{order.status}.", "A fulfillment order can be cancelled only "
                           "while its status is Received or Planning.")
        self.lifecycle.cancel(state, order, now)
        return order

    # -- submitFulfillmentOrderStatusUpdate (sandbox) -------------------------------------

    def force(self, state: SellerState, order_id: str, status: str, now: float) -> None:
        """Moves the order towards `status` now, through the steps between (Amazon documents
        no transition table: the emulator allows every move forward, none backward)."""
        order = self.book.find(state, order_id)
        if order.terminal:
            raise McfError(f"Fulfillment order {order_id!r} is {order.status}; its status can "
                           "no longer change.")
        if status == order.status:
            return
        if status in ORDER and ORDER[status] < ORDER[order.status]:
            raise McfError(f"Fulfillment order {order_id!r} cannot go back from "
                           f"{order.status} to {status}.")
        life = self.lifecycle
        if status == CANCELLED:
            life.cancel(state, order, now)
        elif status in (UNFULFILLABLE, INVALID):
            life.give_up(state, order, status, now)
        else:
            target = ORDER.get(status, len(ORDER))
            steps = ((NEW, life.validate), (RECEIVED, life.plan), (PLANNING, life.pick))
            for before, step in steps:
                if order.status == before and ORDER[before] < target:
                    if before == RECEIVED:
                        order.action = "Ship"
                    step(state, order, now)
            if status in (COMPLETE, PARTIAL) and not order.terminal:
                life.finish_now(state, order, now)
        # The seller's stock may decide otherwise on the way (a FillOrKill order without the
        # units becomes Invalid): the order is where its rules took it.

    # -- createFulfillmentReturn ----------------------------------------------------------

    def create_return(self, state: SellerState, order_id: str,
                      requested: list[Mapping[str, Any]], now: float) -> ReturnResult:
        order = self.book.find(state, order_id)
        items = {item.item_id: item for item in order.items}
        shipments = {s.shipment_id: s for s in order.shipments}
        taken = {r.return_item_id for r in order.returns}
        returned: dict[tuple[str, str], int] = {}
        for r in order.returns:
            returned[(r.item_id, r.shipment_id)] = returned.get((r.item_id, r.shipment_id),
                                                                0) + 1
        valid: list[tuple[dict[str, Any], str, str]] = []  # (request, center, sku)
        invalid: list[tuple[dict[str, Any], str]] = []
        for entry in requested:
            entry = dict(entry)
            item = items.get(entry["sellerFulfillmentOrderItemId"])
            shipment = shipments.get(entry["amazonShipmentId"])
            in_shipment = sum(q for _, item_id, q, _ in shipment.items
                              if item is not None and item_id == item.item_id) \
                if shipment is not None else 0
            key = (entry["sellerFulfillmentOrderItemId"], entry["amazonShipmentId"])
            if entry["sellerReturnItemId"] in taken:
                invalid.append((entry, "DuplicateRequest"))
            elif item is None or shipment is None or not in_shipment \
                    or entry["returnReasonCode"] not in self.reason_codes:
                invalid.append((entry, "InvalidValues"))
            elif shipment.status != SHIPPED:
                invalid.append((entry, "NoCompletedShipItems"))
            elif returned.get(key, 0) >= in_shipment:
                invalid.append((entry, "NoReturnableQuantity"))
            else:
                taken.add(entry["sellerReturnItemId"])
                returned[key] = returned.get(key, 0) + 1
                valid.append((entry, shipment.center, item.sku))
        authorizations: dict[str, Authorization] = {}
        made = []
        for entry, center, sku in valid:
            authorization = authorizations.get(center)
            if authorization is None:
                rnd = self.book.draw(state, order, "authorization")
                authorization = authorizations[center] = Authorization(
                    authorization_id="RMA" + "".join(rnd.choices(UPPER_ALNUM, k=13)),
                    center=center,
                    amazon_rma_id="D" + "".join(rnd.choices(MIXED_ALNUM, k=7)) + "RRMA")
                order.authorizations.append(authorization)
            rnd = self.book.draw(state, order, "return")
            item = ReturnItem(
                return_item_id=entry["sellerReturnItemId"],
                item_id=entry["sellerFulfillmentOrderItemId"], sku=sku,
                shipment_id=entry["amazonShipmentId"], reason=entry["returnReasonCode"],
                authorization_id=authorization.authorization_id, center=center, status="New",
                changed=now, due=now + rnd.uniform(*timeline.RETURN_TRANSIT),
                comment=entry.get("returnComment"))
            order.returns.append(item)
            made.append(item)
            self.book.schedule_receipt(state, order, item)
        if made:
            self.book.save(state, order, now)
        return ReturnResult(made, invalid, list(authorizations.values()))


def return_address(center_id: str) -> dict[str, str]:
    """Where returns to a fulfillment center go (ReturnAuthorization.returnToAddress)."""
    center = centers.CENTERS.get(center_id)
    if center is None:
        return {"name": "Returns Department", "addressLine1": "Amazon Returns",
                "countryCode": "US", "postalCode": "00000"}
    return {"name": "Returns Department", "addressLine1": center.address_line1,
            "city": center.city, "stateOrRegion": center.state,
            "countryCode": center.country, "postalCode": center.postal_code}


def market_domain(marketplace_id: str) -> str:
    market = marketplace(marketplace_id)
    return "www." + (market.channel.lower() if market is not None else "amazon.com")

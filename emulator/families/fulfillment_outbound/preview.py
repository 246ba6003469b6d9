"""What Multi-Channel Fulfillment could do before anything is ordered: fulfillment previews per
shipping speed (from the seller's FBA stock and the fee schedule, with ship and arrival
windows from the emulator clock), delivery offers for one SKU, and the MCF features with the
SKUs eligible for them.

Unfulfillable items carry the reasons Amazon's MWS-era documentation lists
(`InventoryUnavailable`); an unknown SKU is `InvalidSKU`, a SKU Amazon does not fulfill has
no FBA inventory (`InventoryUnavailable`). A speed not offered to the destination is
`DeliverySLAUnavailable`, an address that breaks its country's rules
`InvalidDestinationAddress` (the reasons the notes quote).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from emulator.business import fees
from emulator.business.entities import money_str
from emulator.business.marketplaces import marketplace
from emulator.business.store import SellerState
from emulator.families.fulfillment_outbound import timeline
from emulator.families.fulfillment_outbound.book import McfError
from emulator.families.fulfillment_outbound.rules import JAPAN, Feature, Rules
from emulator.runtime.clock import iso

SPEEDS = ("Standard", "Expedited", "Priority")
HOUR = 3600.0
_FEATURE_LINE = re.compile(r"^- `([A-Z_]+)`: (.+)$", re.MULTILINE)


def features_of(description: str) -> list[Feature]:
    """The MCF features the model's FeatureSettings.featureName description names."""
    return [Feature(name, text.strip()) for name, text in _FEATURE_LINE.findall(description)]


def _weight(state: SellerState, sku: str) -> float:
    listing = state.listings.get(sku)
    item = state.catalog.get(listing.asin) if listing is not None else None
    return item.weight_lb if item is not None else 1.0


def _money(minor: int, currency: str) -> dict[str, str]:
    return {"currencyCode": currency, "value": money_str(minor, currency)}


def _pounds(value: float) -> dict[str, str]:
    return {"unit": "POUNDS", "value": f"{value:.2f}"}


def previews(rules: Rules, state: SellerState, body: Mapping[str, Any],
             now: float) -> list[dict[str, Any]]:
    market_id = body.get("marketplaceId") or state.markets[0].id
    if state.market(market_id) is None:
        raise McfError(f"Invalid marketplaceId {market_id!r}.",
                       f"The seller does not sell in marketplace {market_id!r}.")
    speeds = body.get("shippingSpeedCategories") or (
        [*SPEEDS, "ScheduledDelivery"] if market_id == JAPAN else list(SPEEDS))
    address_problem = _address_problem(rules, body["address"], market_id)
    features = body.get("featureConstraints") or []
    rules.check_features(features, body["address"])
    market = state.market(market_id) or state.markets[0]
    currency = market.currency
    # Which requested units the stock can serve (each SKU's stock shared by its lines).
    stock: Counter[str] = Counter()
    unfulfillable: dict[str, list[str]] = {}
    for item in body["items"]:
        listing = state.listings.get(item["sellerSku"])
        record = state.inventory.get(item["sellerSku"])
        if listing is None:
            unfulfillable[item["sellerFulfillmentOrderItemId"]] = ["InvalidSKU"]
            continue
        available = (record.fulfillable if record is not None and listing.fulfillment == "AFN"
                     else 0) - stock[listing.sku]
        if available < int(item["quantity"]):
            unfulfillable[item["sellerFulfillmentOrderItemId"]] = ["InventoryUnavailable"]
        else:
            stock[listing.sku] += int(item["quantity"])
    shipped = [i for i in body["items"] if i["sellerFulfillmentOrderItemId"] not in unfulfillable]
    found = []
    for speed in speeds:
        reasons = []
        if address_problem:
            reasons.append("InvalidDestinationAddress")
        if speed == "ScheduledDelivery" and market_id != JAPAN:
            reasons.append("DeliverySLAUnavailable")
        preview: dict[str, Any] = {"shippingSpeedCategory": speed,
                                   "isFulfillable": not reasons and not unfulfillable,
                                   "isCODCapable": market_id == JAPAN
                                   and bool(body.get("includeCODFulfillmentPreview")),
                                   "marketplaceId": market_id}
        weight = sum(_weight(state, i["sellerSku"]) * int(i["quantity"]) for i in shipped)
        preview["estimatedShippingWeight"] = _pounds(weight)
        if shipped and not reasons:
            unit_fees = 0
            for item in shipped:
                listing = state.listings[item["sellerSku"]]
                unit_fees += fees.mcf_unit_fee(state.catalog.get(listing.asin), speed,
                                               currency) * int(item["quantity"])
            preview["estimatedFees"] = [
                {"name": "FBAPerOrderFulfillmentFee",
                 "amount": _money(fees.mcf_order_fee(speed, currency), currency)},
                {"name": "FBATransportationFee",
                 "amount": _money(fees.mcf_transport_fee(weight, currency), currency)},
                {"name": "FBAPerUnitFulfillmentFee", "amount": _money(unit_fees, currency)}]
            preview["fulfillmentPreviewShipments"] = [_shipment(state, shipped, speed, now)]
            if speed == "ScheduledDelivery" and body.get("includeDeliveryWindows"):
                preview["scheduledDeliveryInfo"] = _delivery_windows(now)
        else:
            preview["fulfillmentPreviewShipments"] = []
        preview["unfulfillablePreviewItems"] = [
            {"sellerSku": i["sellerSku"], "quantity": int(i["quantity"]),
             "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
             "itemUnfulfillableReasons": unfulfillable[i["sellerFulfillmentOrderItemId"]]}
            for i in body["items"] if i["sellerFulfillmentOrderItemId"] in unfulfillable]
        if reasons:
            preview["orderUnfulfillableReasons"] = reasons
        preview["featureConstraints"] = [dict(f) for f in features]
        found.append(preview)
    return found


def _address_problem(rules: Rules, address: Mapping[str, Any], market_id: str) -> bool:
    try:
        rules.check_address(address, market_id)
    except McfError:
        return True
    return False


def _shipment(state: SellerState, items: list[Mapping[str, Any]], speed: str,
              now: float) -> dict[str, Any]:
    earliest_ship = now + timeline.ship_after(speed)
    latest_ship = earliest_ship + 4 * HOUR
    return {
        "earliestShipDate": iso(earliest_ship), "latestShipDate": iso(latest_ship),
        "earliestArrivalDate": iso(timeline.arrival_window(speed, earliest_ship)[0]),
        "latestArrivalDate": iso(timeline.arrival_window(speed, latest_ship)[1]),
        "fulfillmentPreviewItems": [
            {"sellerSku": i["sellerSku"], "quantity": int(i["quantity"]),
             "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
             "estimatedShippingWeight": _pounds(_weight(state, i["sellerSku"])
                                                * int(i["quantity"])),
             "shippingWeightCalculationMethod": "Package"} for i in items],
    }


def _delivery_windows(now: float) -> dict[str, Any]:
    """Scheduled Delivery's two-hour windows over the next three days (Tokyo time)."""
    day = datetime.fromtimestamp(now, UTC).replace(hour=0, minute=0, second=0,
                                                   microsecond=0).timestamp()
    windows = []
    for offset in range(1, 4):
        for start_hour in (0, 2, 4, 6, 8, 10):  # 09:00 to 21:00 in Japan, in UTC
            start = day + offset * 86400 + start_hour * HOUR
            windows.append({"startDate": iso(start), "endDate": iso(start + 2 * HOUR)})
    return {"deliveryTimeZone": "Asia/Tokyo", "deliveryWindows": windows}


def delivery_offers(state: SellerState, body: Mapping[str, Any],
                    now: float) -> list[dict[str, Any]]:
    """deliveryOffers: a promise per speed the stock can serve for this quantity of a SKU."""
    product = body["product"]
    sku = product["productIdentifier"]["merchantSku"]
    listing = state.listings.get(sku)
    if listing is None or listing.fulfillment != "AFN":
        raise McfError(f"The merchantSku {sku!r} is invalid.",
                       "It is not a SKU the seller has fulfilled by Amazon.")
    amount = product.get("amount") or {"value": "1"}
    try:
        quantity = int(float(amount.get("value", "1")))
    except ValueError:
        raise McfError(f"Invalid amount value {amount.get('value')!r}.",
                       "amount.value is a whole number of units.") from None
    record = state.inventory.get(sku)
    if record is None or record.fulfillable < max(1, quantity):
        return []
    market = next((m for m in state.markets
                   if m.country == body["terms"]["origin"]["countryCode"]), state.markets[0])
    locale = market.language
    offers = []
    for speed in SPEEDS:
        ship = now + timeline.ship_after(speed)
        earliest, latest = timeline.arrival_window(speed, ship)
        offers.append({
            "expiresAt": iso(now + timeline.OFFER_VALIDITY),
            "dateRange": {"earliest": iso(earliest), "latest": iso(latest)},
            "policy": {"message": {"text": "Get it as soon as " + datetime.fromtimestamp(
                earliest, UTC).strftime("%a, %b %-d"), "locale": locale}},
        })
    return offers


def feature_list(state: SellerState, features: list[Feature],
                 marketplace_id: str) -> list[dict[str, Any]]:
    check_market(state, marketplace_id)
    return [{"featureName": f.name, "featureDescription": f.description,
             "sellerEligible": eligible(f.name, marketplace_id)} for f in features]


def eligible(feature: str, marketplace_id: str) -> bool:
    """Signature confirmation is US-only (the model); every other feature is open."""
    market = marketplace(marketplace_id)
    return feature != "SIGNATURE_CONFIRMATION" or (market is not None and market.country == "US")


def check_market(state: SellerState, marketplace_id: str) -> None:
    if state.market(marketplace_id) is None:
        raise McfError(f"Invalid marketplaceId {marketplace_id!r}.",
                       f"The seller does not sell in marketplace {marketplace_id!r}.")


def check_feature(features: list[Feature], name: str) -> None:
    if name not in {f.name for f in features}:
        raise McfError(f"Invalid featureName {name!r}.",
                       f"Valid feature names: {', '.join(sorted(f.name for f in features))}.")

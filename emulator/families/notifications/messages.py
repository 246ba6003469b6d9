"""From state events to notification payloads, one builder per notification type, and the
envelope around a payload in its type's casing.

Builders read the seller's state as it is when the event is handled (right after the change)
and return drafts: the payload plus what subscriptions filter and aggregate on. A draft may
carry a `change` (key, value): the notifier sends it only when the value moved since the last
one it saw for that key, so a listing update that leaves its status alone is no
LISTINGS_ITEM_STATUS_CHANGE.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from emulator.business import offers as pricing
from emulator.business.entities import Inventory, Order, money_float
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState, StateStore
from emulator.families.notifications.types import NotificationType
from emulator.runtime import events
from emulator.runtime.clock import iso
from emulator.runtime.events import Event

ORDER_CHANGE = "ORDER_CHANGE"
ANY_OFFER_CHANGED = "ANY_OFFER_CHANGED"
REPORT_FINISHED = "REPORT_PROCESSING_FINISHED"
FEED_FINISHED = "FEED_PROCESSING_FINISHED"
LISTING_STATUS = "LISTINGS_ITEM_STATUS_CHANGE"
MFN_QUANTITY = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE"
FBA_INVENTORY = "FBA_INVENTORY_AVAILABILITY_CHANGES"
FULFILLMENT_ORDER = "FULFILLMENT_ORDER_STATUS"
MAX_OFFERS = 20  # ANY_OFFER_CHANGED lists the top 20 offers


@dataclass(frozen=True)
class Draft:
    payload: dict[str, Any]
    marketplace_id: str | None = None  # what `marketplaceIds` filters look at
    order_change_type: str | None = None  # what `orderChangeTypes` filters look at
    aggregate: str | None = None  # the marketplace/ASIN an aggregation window is kept for
    change: tuple[Any, Any] | None = None  # (key, value): sent only when the value moved


Builder = Callable[[Event, SellerState, StateStore], list[Draft]]


def _money(minor: int, currency: str) -> dict[str, Any]:
    return {"Amount": money_float(minor, currency), "CurrencyCode": currency}


# -- ORDER_CHANGE -----------------------------------------------------------------------------

def _order_change(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    order = state.orders.get(event.data.get("order_id", ""))
    if order is None:
        return []
    # Amazon's reasons are free text; the emulator's say what happened. [inferred]
    reason = ("New order" if event.type == events.ORDER_CREATED
              else f"Order status changed to {order.status}")
    payload = {"OrderChangeNotification": {
        "NotificationLevel": "OrderLevel",
        "SellerId": state.seller_id,
        "AmazonOrderId": order.order_id,
        "OrderChangeType": "OrderStatusChange",
        "OrderChangeTrigger": {"TimeOfOrderChange": iso(event.time), "ChangeReason": reason},
        "Summary": _order_summary(order),
    }}
    return [Draft(payload, marketplace_id=order.marketplace_id,
                  order_change_type="OrderStatusChange",
                  change=(order.order_id, order.status))]


def _order_summary(order: Order) -> dict[str, Any]:
    programs = [name for name, on in (("Business", order.is_business), ("Prime", order.is_prime),
                                      ("Premium", order.is_premium)) if on]
    shipping = [name for name, on in (("ISPU", order.is_ispu),
                                      ("EasyShip", order.easy_ship_status is not None)) if on]
    summary: dict[str, Any] = {
        "MarketplaceId": order.marketplace_id,
        "OrderStatus": order.status,
        "PurchaseDate": iso(order.purchase_date),
        "DestinationPostalCode": order.address.postal_code,
        "FulfillmentType": order.fulfillment,
        "OrderType": order.order_type,
        "NumberOfItemsShipped": order.units_shipped,
        "NumberOfItemsUnshipped": order.units_unshipped,
        "EarliestDeliveryDate": iso(order.earliest_delivery),
        "LatestDeliveryDate": iso(order.latest_delivery),
        "EarliestShipDate": iso(order.earliest_ship),
        "LatestShipDate": iso(order.latest_ship),
        "OrderPrograms": programs,
        "ShippingPrograms": shipping,
    }
    if order.easy_ship_status:
        summary["EasyShipShipmentStatus"] = order.easy_ship_status
    if order.electronic_invoice_status:
        summary["ElectronicInvoiceStatus"] = order.electronic_invoice_status
    summary["OrderItems"] = [{
        "OrderItemId": item.order_item_id,
        "SellerSKU": item.sku,
        "SupplySourceId": None,  # the emulator has no supply sources
        "OrderItemStatus": "Shipped" if item.shipped >= item.quantity else "Unshipped",
        "Quantity": item.quantity,
        "QuantityShipped": item.shipped,
        "IsBuyerRequestedCancel": order.cancelled_by == "buyer",
        "ItemEarliestDeliveryDate": iso(order.earliest_delivery),
        "ItemLatestDeliveryDate": iso(order.latest_delivery),
    } for item in order.items]
    return summary


# -- ANY_OFFER_CHANGED ------------------------------------------------------------------------

def _any_offer_changed(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    market = state.market(event.data.get("marketplaceId", ""))
    asin = event.data.get("asin")
    if market is None or not asin:
        return []
    listing = state.listings.get(event.data.get("sku", ""))
    condition = pricing.condition_of(listing) if listing is not None else "New"
    offers = pricing.all_offers(state, store.randomness, asin, market)
    payload = {"AnyOfferChangedNotification": {
        "SellerId": state.seller_id,
        "OfferChangeTrigger": {"MarketplaceId": market.id, "ASIN": asin,
                               "ItemCondition": condition,
                               "TimeOfOfferChange": iso(event.time),
                               # The seller's own price moved (Internal), or competitors
                               # repriced (External, from the living store).
                               "OfferChangeType": event.data.get("offerChangeType",
                                                                 "Internal")},
        "Summary": _offer_summary(state, asin, market, offers),
        "Offers": [_offer(o, market, event.time) for o in offers[:MAX_OFFERS]],
    }}
    return [Draft(payload, marketplace_id=market.id, aggregate=f"{market.id}/{asin}")]


def _channel(offer: pricing.Offer) -> str:
    return "Amazon" if offer.fba else "Merchant"


def _counts(offers: Iterable[pricing.Offer]) -> list[dict[str, Any]]:
    counts: dict[tuple[str, str], int] = {}
    for offer in offers:
        key = (offer.condition.lower(), _channel(offer))
        counts[key] = counts.get(key, 0) + 1
    return [{"Condition": c, "FulfillmentChannel": f, "OfferCount": n}
            for (c, f), n in counts.items()]


def _prices(offer: pricing.Offer, currency: str) -> dict[str, Any]:
    return {"LandedPrice": _money(offer.landed, currency),
            "ListingPrice": _money(offer.price, currency),
            "Shipping": _money(offer.shipping, currency)}


def _offer_summary(state: SellerState, asin: str, market: Marketplace,
                   offers: list[pricing.Offer]) -> dict[str, Any]:
    currency = market.currency
    item = state.catalog.get(asin)
    reference = pricing.reference_price(item, market, offers[0].price if offers else 0)
    eligible = [o for o in offers if o.featured]
    winners = [w for w in (pricing.buy_box(offers, c) for c in ("New", "Used")) if w]
    lowest_landed = min((o.landed for o in offers), default=reference)
    # Amazon's figures behind these three are not public: the emulator's are derived from
    # the offers so that they move with them. [inferred]
    threshold = min((o.landed for o in eligible), default=lowest_landed)
    return {
        "NumberOfOffers": _counts(offers),
        "LowestPrices": [{"Condition": o.condition.lower(), "FulfillmentChannel": _channel(o),
                          **_prices(o, currency)} for o in pricing.lowest(offers)],
        "BuyBoxPrices": [{"Condition": w.condition.lower(), **_prices(w, currency)}
                         for w in winners],
        "ListPrice": _money(reference, currency),
        "MinimumAdvertisedPrice": _money(reference * 9 // 10, currency),
        "SuggestedLowerPricePlusShipping": _money(max(lowest_landed - 1, 0), currency),
        "TotalBuyBoxEligibleOffers": len(eligible),
        "SalesRankings": ([{"ProductCategoryId": item.display_group, "Rank": item.sales_rank}]
                          if item is not None else []),
        "NumberOfBuyBoxEligibleOffers": _counts(eligible),
        "CompetitivePriceThreshold": _money(threshold, currency),
    }


def _offer(offer: pricing.Offer, market: Marketplace, when: float) -> dict[str, Any]:
    currency = market.currency
    return {
        "SellerId": offer.seller_id,
        "SubCondition": offer.sub_condition,
        "SellerFeedbackRating": {"FeedbackCount": offer.feedback_count,
                                 "SellerPositiveFeedbackRating": int(offer.rating)},
        "ShippingTime": {"MinimumHours": 0 if offer.fba else 24,
                         "MaximumHours": 0 if offer.fba else 48,
                         "AvailabilityType": "NOW", "AvailableDate": iso(when)},
        "ListingPrice": _money(offer.price, currency),
        "Points": {"PointsNumber": 0},
        "Shipping": _money(offer.shipping, currency),
        "ShipsFrom": {"Country": market.country, "State": offer.ships_from_state or ""},
        "IsFulfilledByAmazon": offer.fba,
        "PrimeInformation": {"IsOfferPrime": offer.fba, "IsOfferNationalPrime": offer.fba},
        "IsExpeditedShippingAvailable": offer.fba,
        "IsFeaturedMerchant": offer.featured,
        "ShipsDomestically": True,
        "ShipsInternationally": False,
    }


# -- REPORT_PROCESSING_FINISHED, FEED_PROCESSING_FINISHED -------------------------------------

def account_id(state: SellerState) -> str:
    """The `accountId` of report and feed notifications: `amzn1.merchant.o.<sellerId>` for
    sellers, `amzn1.vg.<number>` for vendors (Amazon's examples)."""
    if state.seller.account_type == "vendor":
        number = int.from_bytes(hashlib.sha256(state.seller_id.encode()).digest()[:4], "big")
        return f"amzn1.vg.{number % 10_000_000}"
    return f"amzn1.merchant.o.{state.seller_id}"


def _finished(kind: str, document: tuple[str, str]) -> Builder:
    """The builder of a report's or feed's end: their events and payloads differ only in
    names. `document`: the event's key of the output document and the payload's name."""
    def build(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
        data = event.data
        body: dict[str, Any] = {}
        if state.seller.account_type != "vendor":  # vendors' payloads have no sellerId
            body["sellerId"] = state.seller_id
        body.update({"accountId": account_id(state), f"{kind}Id": str(data[f"{kind}_id"]),
                     f"{kind}Type": data[f"{kind}_type"],
                     "processingStatus": data["processing_status"]})
        if data.get(document[0]):
            body[document[1]] = data[document[0]]
        return [Draft({f"{kind}ProcessingFinishedNotification": body})]
    return build


# -- listings ---------------------------------------------------------------------------------

def _listing_status(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    sku = event.data.get("sku", "")
    listing = state.listings.get(sku)
    asin = listing.asin if listing is not None else event.data.get("asin")
    if event.data.get("action") == "deleted":
        deleted = event.data.get("marketplaceId")
        markets = {deleted: ["DELETED"]} if deleted else {}
    else:
        markets = dict(listing.status) if listing is not None else {}
    drafts = []
    for market_id, status in sorted(markets.items()):
        payload: dict[str, Any] = {"SellerId": state.seller_id, "MarketplaceId": market_id,
                                   "Sku": sku, "Status": list(status)}
        if asin:
            payload["Asin"] = asin
        if listing is not None:
            payload["CreatedDate"] = iso(listing.created)
        drafts.append(Draft(payload, marketplace_id=market_id,
                            change=((sku, market_id), tuple(status))))
    return drafts


def _mfn_quantity(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    listing = state.listings.get(event.data.get("sku", ""))
    if listing is None or listing.fulfillment != "MFN":
        return []
    payload = {"SellerId": state.seller_id, "FulfillmentChannelCode": "DEFAULT",
               "Sku": listing.sku, "Quantity": listing.quantity}
    return [Draft(payload, change=(listing.sku, listing.quantity))]


def listing_marks(notification_type: str, state: SellerState) -> Iterable[tuple[Any, Any]]:
    """The (key, value) of every listing now, for a type whose drafts carry changes: the
    starting point when a seller is subscribed, so the first change is told apart from an
    update that changed nothing the type reports."""
    for listing in list(state.listings.values()):
        if notification_type == LISTING_STATUS:
            yield from (((listing.sku, m), tuple(s)) for m, s in listing.status.items())
        elif notification_type == MFN_QUANTITY and listing.fulfillment == "MFN":
            yield listing.sku, listing.quantity


# -- FBA_INVENTORY_AVAILABILITY_CHANGES -------------------------------------------------------

def _fba_inventory(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    sku = event.data.get("sku", "")
    record = state.inventory.get(sku)
    listing = state.listings.get(sku)
    if record is None and (listing is None or not listing.fnsku):
        return []
    asin = record.asin if record is not None else listing.asin  # type: ignore[union-attr]
    fnsku = record.fnsku if record is not None else listing.fnsku  # type: ignore[union-attr]
    name = listing.item_name if listing is not None else _title(state, asin)
    # FBA inventory is pooled per region: every marketplace the SKU is offered in sees it.
    markets = [m.id for m in state.markets if listing is None or m.id in listing.status]
    payload = {"SellerId": state.seller_id, "FNSKU": fnsku, "ASIN": asin, "SKU": sku,
               "FulfillmentInventoryByMarketplace": [
                   {"MarketplaceId": m, "ItemName": name,
                    "FulfillmentInventory": _fulfillment_inventory(record)} for m in markets]}
    return [Draft(payload)]


def _title(state: SellerState, asin: str) -> str:
    item = state.catalog.get(asin)
    return item.title if item is not None else ""


def _fulfillment_inventory(record: Inventory | None) -> dict[str, Any]:
    """A record's quantities; all zero for an item whose record was deleted."""
    def of(name: str) -> int:
        return int(getattr(record, name)) if record is not None else 0

    return {
        "InboundQuantityBreakdown": {"Working": of("inbound_working"),
                                     "Shipped": of("inbound_shipped"),
                                     "Receiving": of("inbound_receiving")},
        "Fulfillable": of("fulfillable"),
        "Unfulfillable": of("unfulfillable"),
        "Researching": of("researching"),
        "ReservedQuantityBreakdown": {"WarehouseProcessing": of("reserved_fc_processing"),
                                      "WarehouseTransfer": of("reserved_transshipment"),
                                      "PendingCustomerOrder": of("reserved_customer_order")},
        "FutureSupplyBuyable": 0,
        "PendingCustomerOrderInTransit": 0,
    }


# -- FULFILLMENT_ORDER_STATUS -----------------------------------------------------------------

# The notification spells shipment statuses in PascalCase where the REST API has upper case
# (Amazon's notification guide: Pending, Shipped, CancelledByFulfiller, CancelledBySeller).
_SHIPMENT_STATUS = {"PENDING": "Pending", "SHIPPED": "Shipped",
                    "CANCELLED_BY_FULFILLER": "CancelledByFulfiller",
                    "CANCELLED_BY_SELLER": "CancelledBySeller"}


def _fulfillment_order(event: Event, state: SellerState, store: StateStore) -> list[Draft]:
    """A Multi-Channel Fulfillment change, as the event of the fulfillment_outbound family
    tells it. As Amazon's notification guide says, FulfillmentShipment comes only with
    EventType Shipment and FulfillmentReturnItem only with Return (the type's JSON schema,
    generated from one example, requires both and an `info` object: its artefact, not what
    Amazon sends)."""
    data = event.data
    body: dict[str, Any] = {
        "SellerId": state.seller_id, "EventType": data["event_type"],
        "StatusUpdatedDateTime": iso(event.time),
        "SellerFulfillmentOrderId": data["order_id"],
        "FulfillmentOrderStatus": data["status"],
    }
    shipment = data.get("shipment")
    if shipment is not None:
        found: dict[str, Any] = {
            "FulfillmentShipmentStatus": _SHIPMENT_STATUS.get(shipment["status"],
                                                              shipment["status"]),
            "AmazonShipmentId": shipment["shipment_id"]}
        if shipment["status"] in ("PENDING", "SHIPPED"):  # none once cancelled
            found["EstimatedArrivalDateTime"] = iso(shipment["arrival"])
        # Empty until the packages leave (the guide calls the list optional, the schema
        # requires it).
        found["FulfillmentShipmentPackages"] = [
            {"PackageNumber": number, "CarrierCode": carrier, "TrackingNumber": tracking}
            for number, carrier, tracking in shipment["packages"]]
        body["FulfillmentShipment"] = found
    returned = data.get("return_item")
    if returned is not None:
        body["FulfillmentReturnItem"] = {"ReceivedDateTime": iso(returned["received"]),
                                         "ReturnedQuantity": returned["quantity"],
                                         "SellerSKU": returned["sku"]}
    return [Draft({"FulfillmentOrderStatusNotification": body},
                  marketplace_id=data.get("marketplace_id"))]


# -- the tables -------------------------------------------------------------------------------

BUILDERS: dict[str, Builder] = {
    ORDER_CHANGE: _order_change,
    ANY_OFFER_CHANGED: _any_offer_changed,
    REPORT_FINISHED: _finished("report", ("report_document_id", "reportDocumentId")),
    FEED_FINISHED: _finished("feed", ("result_feed_document_id", "resultFeedDocumentId")),
    LISTING_STATUS: _listing_status,
    MFN_QUANTITY: _mfn_quantity,
    FBA_INVENTORY: _fba_inventory,
    FULFILLMENT_ORDER: _fulfillment_order,
}

# Which notification types each state event may produce.
ROUTES: dict[str, tuple[str, ...]] = {
    events.ORDER_CREATED: (ORDER_CHANGE,),
    events.ORDER_CHANGED: (ORDER_CHANGE,),
    events.PRICE_CHANGED: (ANY_OFFER_CHANGED,),
    events.REPORT_FINISHED: (REPORT_FINISHED,),
    events.FEED_FINISHED: (FEED_FINISHED,),
    events.LISTING_CHANGED: (LISTING_STATUS, MFN_QUANTITY),
    events.INVENTORY_CHANGED: (FBA_INVENTORY,),
    events.FULFILLMENT_ORDER_CHANGED: (FULFILLMENT_ORDER,),
}

# Reports and feeds are the business of the app that asked for them (event.app_id).
APP_SCOPED_EVENTS = frozenset({events.REPORT_FINISHED, events.FEED_FINISHED})
CHANGE_TRACKED = frozenset({LISTING_STATUS, MFN_QUANTITY})


def sample_event(notification_type: str, state: SellerState, now: float) -> Event | None:
    """An event about the seller's own data for sendTestNotification, where the type has a
    builder and the seller has something to tell about (None: use the schema's example)."""
    seller = state.seller_id
    if notification_type == ORDER_CHANGE and state.order_list:
        order = state.order_list[-1]
        return Event(events.ORDER_CHANGED, seller, now, {"order_id": order.order_id})
    if notification_type == FBA_INVENTORY and state.inventory:
        return Event(events.INVENTORY_CHANGED, seller, now, {"sku": next(iter(state.inventory))})
    for listing in state.listings.values():
        market = next((m for m in state.markets if m.id in listing.prices), None)
        if notification_type == ANY_OFFER_CHANGED and market is not None:
            return Event(events.PRICE_CHANGED, seller, now,
                         {"sku": listing.sku, "asin": listing.asin, "marketplaceId": market.id})
        if (notification_type == LISTING_STATUS and listing.status) or (
                notification_type == MFN_QUANTITY and listing.fulfillment == "MFN"):
            return Event(events.LISTING_CHANGED, seller, now, {"sku": listing.sku})
    return None


def envelope(kind: NotificationType, payload_version: str, payload: Any, event_time: float,
             application_id: str, subscription_id: str, publish_time: float,
             notification_id: str) -> dict[str, Any]:
    """The whole message, in the type's casing (PascalCase or camelCase, per its schema)."""
    key = kind.key
    return {
        key("notificationVersion"): kind.notification_version,
        key("notificationType"): kind.name,
        key("payloadVersion"): payload_version,
        key("eventTime"): iso(event_time),
        key("payload"): payload,
        key("notificationMetadata"): {
            key("applicationId"): application_id,
            key("subscriptionId"): subscription_id,
            key("publishTime"): iso(publish_time),
            key("notificationId"): notification_id,
        },
    }

"""Orders API 2026-01-01, stateful: searchOrders and getOrder over the same orders Orders v0
answers with, in this API's shape.

Without `includedData` an order has its basic information only (ids, dates, sales channel,
programs, items with their product); each dataset adds its part: BUYER the buyer, RECIPIENT
the delivery address, PROCEEDS the money, FULFILLMENT the fulfillment status and windows,
PACKAGES the packages of a merchant-fulfilled order. The emulator models no data for EXPENSE,
PROMOTION, CANCELLATION, TAX, PAYMENT and FULFILLMENT_ORDERS, so asking for them adds nothing.
This API needs no Restricted Data Token: PII comes with the datasets (Amazon's roles decide).

A paginationToken is valid only with the parameters of the request it came from, except
maxResultsPerPage (Amazon: "All parameters must match the original request except
maxResultsPerPage"), and for 24 hours.
"""

from __future__ import annotations

from typing import Any

from emulator.business.entities import Address, Order, OrderItem, money_str
from emulator.business.marketplaces import MARKETPLACES
from emulator.business.store import SellerState, StateStore
from emulator.families import ApiContext
from emulator.families.common import filter_names, iso, seller_state
from emulator.families.orders.handlers_v0 import (
    ADDRESS_STATUSES,
    broken_rule,
    check_marketplaces,
    find_order,
    page_size,
    request_time,
    sent_filters,
)
from emulator.families.orders.queries import (
    Cursor,
    DateWindow,
    OrderFilter,
    OrderQueries,
    OrderQuery,
    QueryError,
)
from emulator.gateway.call import Call
from emulator.gateway.errors import AccessDenied, InvalidInput
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.runtime.paging import PageTokens, TokenRejected

MODEL = "orders_2026-01-01"
# Amazon's answer to a paginationToken used with other parameters (selling-partner-api-sdk#717).
INVALID_TOKEN = ("The paginationToken you have submitted is not valid. All parameters must "
                 "match the original request except maxResultsPerPage.")
_PAGING = frozenset({"maxResultsPerPage", "paginationToken"})
_DATES = ("createdAfter", "createdBefore", "lastUpdatedAfter", "lastUpdatedBefore")

# Orders v0 statuses in this API (InvoiceUnconfirmed orders have shipped every item).
FULFILLMENT_STATUS = {
    "PendingAvailability": "PENDING_AVAILABILITY", "Pending": "PENDING",
    "Unshipped": "UNSHIPPED", "PartiallyShipped": "PARTIALLY_SHIPPED", "Shipped": "SHIPPED",
    "InvoiceUnconfirmed": "SHIPPED", "Canceled": "CANCELLED", "Unfulfillable": "UNFULFILLABLE",
}
FULFILLED_BY = {"MFN": "MERCHANT", "AFN": "AMAZON"}
SERVICE_LEVEL = {"Standard": "STANDARD", "Expedited": "EXPEDITED", "SecondDay": "SECOND_DAY",
                 "NextDay": "NEXT_DAY", "SameDay": "SAME_DAY", "FreeEconomy": "FREE_ECONOMY",
                 "Priority": "PRIORITY", "Scheduled": "SCHEDULED"}


def _v0_values(mapping: dict[str, str], wanted: list[str] | None) -> frozenset[str] | None:
    if wanted is None:
        return None
    return frozenset(v0 for v0, value in mapping.items() if value in wanted)


# -- JSON --------------------------------------------------------------------------------------


def money(minor: int, currency: str) -> dict[str, str]:
    return {"amount": money_str(minor, currency), "currencyCode": currency}


def programs(order: Order) -> list[str]:
    flags = (("AMAZON_BUSINESS", order.is_business), ("AMAZON_EASY_SHIP",
                                                      order.easy_ship_status is not None),
             ("IN_STORE_PICK_UP", order.is_ispu), ("PREMIUM", order.is_premium),
             ("PRIME", order.is_prime))
    return [name for name, present in flags if present]


def address_json(address: Address) -> dict[str, Any]:
    value: dict[str, Any] = {
        "name": address.name, "addressLine1": address.line1, "city": address.city,
        "stateOrRegion": address.state, "postalCode": address.postal_code,
        "countryCode": address.country_code, "phone": address.phone,
        "addressType": address.address_type.upper(),
    }
    if address.line2:
        value["addressLine2"] = address.line2
    if address.company:
        value["companyName"] = address.company
    return value


def buyer_json(order: Order) -> dict[str, Any]:
    value: dict[str, Any] = {"buyerName": order.buyer_name}
    if order.fulfillment == "MFN":  # "Only available for merchant-fulfilled (FBM) orders."
        value["buyerEmail"] = order.buyer_email
    if order.is_business and order.address.company:
        value["buyerCompanyName"] = order.address.company
    if order.purchase_order_number:
        value["buyerPurchaseOrderNumber"] = order.purchase_order_number
    return value


def _window(earliest: float, latest: float) -> dict[str, str]:
    return {"earliestDateTime": iso(earliest), "latestDateTime": iso(latest)}


def fulfillment_json(order: Order) -> dict[str, Any]:
    value: dict[str, Any] = {
        "fulfillmentStatus": FULFILLMENT_STATUS[order.status],
        "fulfilledBy": FULFILLED_BY[order.fulfillment],
        "fulfillmentServiceLevel": SERVICE_LEVEL.get(order.ship_category, "STANDARD"),
        "shipByWindow": _window(order.earliest_ship, order.latest_ship),
    }
    if order.fulfillment == "MFN":
        value["deliverByWindow"] = _window(order.earliest_delivery, order.latest_delivery)
    return value


def _breakdown(kind: str, minor: int, currency: str) -> dict[str, Any]:
    return {"type": kind, "subtotal": money(minor, currency)}


def _proceeds_parts(order: Order, items: list[OrderItem]) -> list[tuple[str, int]]:
    """The proceeds categories of some items; a discount counts against the seller. With
    tax-inclusive prices the item and shipping parts are net of the tax, so the parts add up
    to what the buyer paid either way."""
    inside = order.tax_included
    parts = [("ITEM", sum(i.item_price - (i.tax if inside else 0) for i in items)),
             ("SHIPPING", sum(i.shipping_price - (i.shipping_tax if inside else 0)
                              for i in items)),
             ("TAX", sum(i.tax + i.shipping_tax for i in items)),
             ("DISCOUNT", -sum(i.promotion_discount for i in items))]
    return [(kind, amount) for kind, amount in parts if amount or kind == "ITEM"]


def proceeds_json(order: Order) -> dict[str, Any]:
    currency = order.currency
    return {"grandTotal": money(order.total, currency),
            "breakdowns": [_breakdown(k, a, currency)
                           for k, a in _proceeds_parts(order, order.items)]}


def packages_json(order: Order) -> list[dict[str, Any]]:
    return [{
        "packageReferenceId": shipment.package_reference_id,
        "createdTime": iso(shipment.ship_date),
        "packageStatus": {"status": "DELIVERED" if shipment.delivered is not None
                          else "SHIPPED"},
        "carrier": shipment.carrier,
        "shipTime": iso(shipment.ship_date),
        "shippingService": shipment.ship_method,
        "trackingNumber": shipment.tracking_number,
        "packageItems": [{"orderItemId": item_id, "quantity": quantity}
                         for item_id, quantity in shipment.items],
    } for shipment in order.shipments]


def _code(value: str) -> str:
    return value.upper().replace(" ", "_")


def item_json(order: Order, item: OrderItem, included: frozenset[str]) -> dict[str, Any]:
    priced = order.status not in ("Pending", "Canceled")
    product: dict[str, Any] = {
        "asin": item.asin, "title": item.title, "sellerSku": item.sku,
        "condition": {"conditionType": _code(item.condition),
                      "conditionSubtype": _code(item.condition_subtype)},
    }
    if priced:
        product["price"] = {"unitPrice": money(item.unit_price, order.currency)}
    value: dict[str, Any] = {"orderItemId": item.order_item_id,
                             "quantityOrdered": item.quantity, "product": product}
    if "PROCEEDS" in included and priced:
        value["proceeds"] = {
            "proceedsTotal": money(order.line_total(item), order.currency), "breakdowns": [
                _breakdown(k, a, order.currency) for k, a in _proceeds_parts(order, [item])]}
    if "FULFILLMENT" in included:
        fulfillment: dict[str, Any] = {"quantityFulfilled": item.shipped,
                                       "quantityUnfulfilled": item.quantity - item.shipped}
        if item.is_gift:
            gift = {"giftWrapLevel": "STANDARD"}
            if item.gift_message:
                gift["giftMessage"] = item.gift_message
            fulfillment["packing"] = {"giftOption": gift}
        value["fulfillment"] = fulfillment
    return value


def order_json(order: Order, included: frozenset[str]) -> dict[str, Any]:
    value: dict[str, Any] = {
        "orderId": order.order_id,
        "orderAliases": [{"aliasId": order.seller_order_id, "aliasType": "SELLER_ORDER_ID"}],
        "createdTime": iso(order.purchase_date),
        "lastUpdatedTime": iso(order.last_update),
        "programs": programs(order),
        "salesChannel": {"channelName": "AMAZON", "marketplaceId": order.marketplace_id,
                         "marketplaceName": order.sales_channel},
        "orderItems": [item_json(order, item, included) for item in order.items],
    }
    if "BUYER" in included:
        value["buyer"] = buyer_json(order)
    if "RECIPIENT" in included and order.status in ADDRESS_STATUSES:
        value["recipient"] = {"deliveryAddress": address_json(order.address)}
    if "PROCEEDS" in included and order.status not in ("Pending", "Canceled"):
        value["proceeds"] = proceeds_json(order)
    if "FULFILLMENT" in included:
        value["fulfillment"] = fulfillment_json(order)
    if "PACKAGES" in included and order.fulfillment == "MFN" and order.shipments:
        value["packages"] = packages_json(order)
    return value


# -- handlers ----------------------------------------------------------------------------------


class Orders2026:
    def __init__(self, context: ApiContext) -> None:
        self.store: StateStore = context.store
        self.clock = context.clock
        self.tokens: PageTokens = context.page_tokens
        self.queries = OrderQueries()
        model = context.models.models[MODEL]
        self.filter_names = filter_names(model, "searchOrders", _PAGING)

    async def search_orders(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        size = page_size(params.get("maxResultsPerPage"), "maxResultsPerPage")
        filters = sent_filters(params, self.filter_names)
        position: dict[str, Any] | None = None
        token = params.get("paginationToken")
        if token:
            try:
                position = self.tokens.read(token, f"{MODEL}.searchOrders", state.seller_id,
                                            filters)
            except TokenRejected as rejected:
                raise InvalidInput(INVALID_TOKEN, details=f"The token is {rejected.reason}."
                                   if rejected.reason != "filters" else "") from None
        window = DateWindow(_DATES, *(request_time(filters, name, _invalid_date)
                                      for name in _DATES))
        try:
            sort, after, before = window.resolve(
                self.clock.now(), fixed_before=position["b"] if position else None)
        except QueryError as error:
            raise broken_rule(str(error)) from None
        markets = filters.get("marketplaceIds") or [m.id for m in state.markets]
        _check_region(state, markets)
        check_marketplaces(state, markets, "marketplaceIds")
        query = OrderQuery(sort, after, before, filter=OrderFilter(
            marketplace_ids=frozenset(markets),
            statuses=_v0_values(FULFILLMENT_STATUS, filters.get("fulfillmentStatuses")),
            fulfillment_channels=_v0_values(FULFILLED_BY, filters.get("fulfilledBy"))))
        cursor = Cursor.from_json(position["c"]) if position else None
        page = self.queries.page(state, query, size, cursor)
        included = frozenset(filters.get("includedData", ()))
        body: dict[str, Any] = {"orders": [order_json(o, included) for o in page.orders]}
        if page.next is not None:
            body["pagination"] = {"nextToken": self.tokens.issue(
                f"{MODEL}.searchOrders", state.seller_id, filters,
                {"b": before, "c": page.next.to_json()})}
        assert before is not None  # a search always has a date window
        body["createdBefore" if sort == "created" else "lastUpdatedBefore"] = iso(before)
        return json_reply(200, body)

    async def get_order(self, call: Call) -> Reply:
        order = find_order(seller_state(self.store, call), call.path_params["orderId"])
        included = frozenset((call.params or {}).get("includedData") or ())
        return json_reply(200, {"order": order_json(order, included)})


def _check_region(state: SellerState, marketplace_ids: list[str]) -> None:
    """A marketplace of another region than the seller's: Amazon's 403, as observed on this
    API (selling-partner-api-models#5126); other unknown marketplaces are check_marketplaces'
    400."""
    region = state.markets[0].region
    for marketplace_id in marketplace_ids:
        known = MARKETPLACES.get(marketplace_id)
        if known is not None and known.region != region:
            raise AccessDenied("The marketplaces you provided are not valid for region.",
                               error_type="AccessDeniedException")


def _invalid_date(name: str) -> InvalidInput:
    return broken_rule(f"Invalid date-time field(s) [{name}].")


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = Orders2026(context)
    registry.register(f"{MODEL}.searchOrders", api.search_orders)
    registry.register(f"{MODEL}.getOrder", api.get_order)
    return api

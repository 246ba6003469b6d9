"""Orders API v0, stateful: getOrders and the per-order reads over the seller's orders, and
confirmShipment and updateShipmentStatus changing them (emulator/families/orders/rules.py).

Answers carry the full buyer data; emulator/gateway/answer.py removes the PII a token has no
RDT for.
Errors use Amazon's wording where it is known. getOrders' query rules are answered, as Amazon
does, with its generic InvalidInput message; the emulator adds the broken rule in `details`
(Amazon sends ""). Refusals of the order rules (state/orders.py) carry their own message.

The helpers at the top (errors, page sizes, page tokens) are shared with orders_2026.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from emulator.business.entities import Address, Order, OrderItem, money_str
from emulator.business.marketplaces import MARKETPLACES
from emulator.business.store import SellerState, StateStore
from emulator.families import ApiContext
from emulator.families.common import filter_names, iso, parse_time, seller_state
from emulator.families.orders import rules as order_rules
from emulator.families.orders.queries import (
    Cursor,
    DateWindow,
    OrderFilter,
    OrderQueries,
    OrderQuery,
    QueryError,
)
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, NotFound, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply
from emulator.models.spec import ApiModel
from emulator.runtime.paging import PageTokens, TokenRejected

MODEL = "ordersV0"
MAX_PAGE = 100  # MaxResultsPerPage: "Value must be 1 - 100. Default 100."
# Amazon does not say how many items a getOrderItems page holds; 30 keeps paging reachable
# with a control-plane order of a few dozen lines.
ITEMS_PER_PAGE = 30
# Statuses whose orders show a shipping address ("ShippingAddress is only available for orders
# with the following status values: Unshipped, PartiallyShipped, Shipped and
# InvoiceUnconfirmed").
ADDRESS_STATUSES = frozenset({"Unshipped", "PartiallyShipped", "Shipped", "InvoiceUnconfirmed"})
# Observed on getOrders with a NextToken that does not decode (models#2382, docs#522).
UNDECODABLE_TOKEN = ("We could not decode your NextToken. Possible reasons include: a "
                     "transmission error, improper quoting or a truncation problem.")
# Why a NextToken that decodes is refused (Amazon's own words are not known).
TOKEN_REFUSALS = {
    "expired": "NextToken has expired; start again without it.",
    "filters": "NextToken was issued for another operation, order or seller.",
}
_DATES = ("CreatedAfter", "CreatedBefore", "LastUpdatedAfter", "LastUpdatedBefore")
# The parameters getOrders pages with; every other query parameter filters.
_PAGING = frozenset({"MarketplaceIds", "MaxResultsPerPage", "NextToken"})


# -- helpers shared with orders_2026.py --------------------------------------------------------


def broken_rule(details: str) -> InvalidInput:
    """Amazon's generic InvalidInput (what it answers for the Orders query rules), with the
    rule the request breaks in `details`."""
    return InvalidInput(details=details)


def constraint_error(value: Any, field: str, constraint: str) -> InvalidInput:
    """Amazon's request-model validation message, as getOrders answers an unknown
    ElectronicInvoiceStatuses value (jlevers/selling-partner-api#434)."""
    shown = f"[{', '.join(map(str, value))}]" if isinstance(value, list) else str(value)
    return InvalidInput(f"1 validation error detected: Value '{shown}' at '{field}' failed to "
                        f"satisfy constraint: {constraint}")


def page_size(value: int | None, field: str) -> int:
    """A MaxResultsPerPage value checked against its bounds (absent: the maximum)."""
    if value is None:
        return MAX_PAGE
    if value < 1:
        raise constraint_error(value, field, "Member must have value greater than or equal to 1")
    if value > MAX_PAGE:
        raise constraint_error(value, field,
                               f"Member must have value less than or equal to {MAX_PAGE}")
    return value


def model_enum(model: ApiModel, *path: str) -> tuple[str, ...]:
    """An enum of the model, found by its path in the document (never typed again here)."""
    node: Any = model.document
    for part in path:
        node = model.deref(node)[part]
    return tuple(model.deref(node)["enum"])


def sent_filters(params: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    """The filter parameters a request gives, normalized for comparing two requests: empty
    values dropped (clients send `OrderStatuses=`), lists sorted."""
    sent: dict[str, Any] = {}
    for name in names:
        value = params.get(name)
        if isinstance(value, list):
            value = sorted(str(v) for v in value if v != "")
        if value is None or value == "" or value == []:
            continue
        sent[name] = value
    return sent


def request_time(params: dict[str, Any], name: str, error: Callable[[str], SpApiError]
                 ) -> float | None:
    value = params.get(name)
    if value is None:
        return None
    try:
        return parse_time(value, name)
    except InvalidInput:
        raise error(name) from None


def unknown_marketplace() -> InvalidInput:
    """updateShipmentStatus's answer to a marketplace id the order does not belong to (the
    model's sandbox case); confirmShipment answers the same."""
    return InvalidInput("Marketplace ID is not defined", details="1001")


def check_marketplaces(state: SellerState, marketplace_ids: Iterable[str], field: str) -> None:
    """getOrders and searchOrders take only marketplaces the seller sells in: an unknown id, or
    one of another seller's marketplaces, is 400 InvalidInput (as Listings, Catalog, Pricing
    and Fees refuse them). Amazon's wording for Orders is not known: its generic message, and
    the marketplace in `details`."""
    sold = {market.id for market in state.markets}
    for marketplace_id in marketplace_ids:
        if marketplace_id in sold:
            continue
        known = MARKETPLACES.get(marketplace_id)
        if known is None:
            raise broken_rule(f"Invalid {field}: '{marketplace_id}' is not a marketplace id.")
        raise broken_rule(f"Invalid {field}: the seller does not sell in {marketplace_id} "
                          f"({known.name}).")


def find_order(state: SellerState, order_id: str) -> Order:
    try:
        return order_rules.find(state, order_id)
    except order_rules.OrderError as error:
        raise NotFound(str(error)) from None


# -- Orders v0 JSON ----------------------------------------------------------------------------


def money(minor: int, currency: str) -> dict[str, str]:
    return {"CurrencyCode": currency, "Amount": money_str(minor, currency)}


def address_json(address: Address) -> dict[str, Any]:
    value: dict[str, Any] = {
        "Name": address.name, "AddressLine1": address.line1, "City": address.city,
        "StateOrRegion": address.state, "PostalCode": address.postal_code,
        "CountryCode": address.country_code, "Phone": address.phone,
        "AddressType": address.address_type,
    }
    if address.line2:
        value["AddressLine2"] = address.line2
    if address.company:
        value["CompanyName"] = address.company
    return value


def buyer_info(order: Order) -> dict[str, Any]:
    value = {"BuyerEmail": order.buyer_email, "BuyerName": order.buyer_name}
    if order.purchase_order_number:
        value["PurchaseOrderNumber"] = order.purchase_order_number
    return value


def order_json(order: Order) -> dict[str, Any]:
    value: dict[str, Any] = {
        "AmazonOrderId": order.order_id,
        "SellerOrderId": order.seller_order_id,
        "PurchaseDate": iso(order.purchase_date),
        "LastUpdateDate": iso(order.last_update),
        "OrderStatus": order.status,
        "FulfillmentChannel": order.fulfillment,
        "SalesChannel": order.sales_channel,
        "ShipServiceLevel": order.ship_service_level,
        "NumberOfItemsShipped": order.units_shipped,
        "NumberOfItemsUnshipped": order.units_unshipped,
        "PaymentMethod": order.payment_method,
        "PaymentMethodDetails": ["CashOnDelivery" if order.payment_method == "COD"
                                 else "Standard"],
        "MarketplaceId": order.marketplace_id,
        "ShipmentServiceLevelCategory": order.ship_category,
        "OrderType": order.order_type,
        "IsBusinessOrder": order.is_business,
        "IsPrime": order.is_prime,
        "IsPremiumOrder": order.is_premium,
        "IsGlobalExpressEnabled": False,
        "IsReplacementOrder": False,
        "IsSoldByAB": False,
        "IsISPU": order.is_ispu,
        "IsAccessPointOrder": False,
        "HasRegulatedItems": False,
        "BuyerInfo": buyer_info(order),
        "AutomatedShippingSettings": {"HasAutomatedShippingSettings": False},
    }
    if order.status != "Canceled":  # a canceled order has no total to charge
        value["OrderTotal"] = money(order.total, order.currency)
    if order.fulfillment == "MFN":
        # Ship and delivery promises are "only returned for seller-fulfilled orders", the
        # latest delivery date not while the order is pending or once it is canceled.
        value["EarliestShipDate"] = iso(order.earliest_ship)
        value["LatestShipDate"] = iso(order.latest_ship)
        value["EarliestDeliveryDate"] = iso(order.earliest_delivery)
        if order.status not in ("PendingAvailability", "Pending", "Canceled"):
            value["LatestDeliveryDate"] = iso(order.latest_delivery)
    if order.status in ADDRESS_STATUSES:
        value["ShippingAddress"] = address_json(order.address)
    if order.easy_ship_status:
        value["EasyShipShipmentStatus"] = order.easy_ship_status
    if order.electronic_invoice_status:
        value["ElectronicInvoiceStatus"] = order.electronic_invoice_status
    return value


def item_json(order: Order, item: OrderItem) -> dict[str, Any]:
    value: dict[str, Any] = {
        "ASIN": item.asin, "SellerSKU": item.sku, "OrderItemId": item.order_item_id,
        "Title": item.title, "QuantityOrdered": item.quantity, "QuantityShipped": item.shipped,
        "ProductInfo": {"NumberOfItems": "1"},
        "ConditionId": item.condition, "ConditionSubtypeId": item.condition_subtype,
        "IsTransparency": False, "SerialNumberRequired": False,
        "BuyerRequestedCancel": _buyer_cancel(order),
    }
    if order.store_chain_store_id:
        value["StoreChainStoreId"] = order.store_chain_store_id
    if order.status == "Pending":
        # "When an order is in the Pending state ... getOrderItems does not return information
        # about pricing, taxes, shipping charges, gift status or promotions".
        return value
    currency = order.currency
    value.update({
        "ItemPrice": money(item.item_price, currency), "ItemTax": money(item.tax, currency),
        "ShippingPrice": money(item.shipping_price, currency),
        "ShippingTax": money(item.shipping_tax, currency),
        "ShippingDiscount": money(0, currency), "ShippingDiscountTax": money(0, currency),
        "PromotionDiscount": money(item.promotion_discount, currency),
        "PromotionDiscountTax": money(0, currency),
        "IsGift": "true" if item.is_gift else "false",
    })
    if order.marketplace_id == "ATVPDKIKX0DER":  # US marketplace-facilitator tax states
        value["TaxCollection"] = {"Model": "MarketplaceFacilitator",
                                  "ResponsibleParty": "Amazon Services, Inc."}
    gift = item_buyer_info(item)
    if gift:
        value["BuyerInfo"] = gift
    return value


def _buyer_cancel(order: Order) -> dict[str, str]:
    # Amazon's reasons are the buyer's free text; the emulator's buyers give no reason.
    if order.cancelled_by == "buyer":
        return {"IsBuyerRequestedCancel": "true", "BuyerCancelReason": ""}
    return {"IsBuyerRequestedCancel": "false", "BuyerCancelReason": ""}


def item_buyer_info(item: OrderItem) -> dict[str, Any]:
    value: dict[str, Any] = {}
    if item.gift_message:
        value["GiftMessageText"] = item.gift_message
    if item.is_gift:
        value["GiftWrapLevel"] = "Standard"
    return value


# -- handlers ----------------------------------------------------------------------------------


class OrdersV0:
    def __init__(self, context: ApiContext) -> None:
        self.store: StateStore = context.store
        self.clock = context.clock
        self.tokens: PageTokens = context.page_tokens
        self.queries = OrderQueries()
        model = context.models.models[MODEL]
        self.filter_names = filter_names(model, "getOrders", _PAGING)
        self.enums = {
            # Amazon's validation names the member singular, in camel case (observed for
            # electronicInvoiceStatus); the allowed values come from the model.
            "OrderStatuses": ("orderStatus", model_enum(model, "definitions", "Order",
                                                        "properties", "OrderStatus")),
            "FulfillmentChannels": ("fulfillmentChannel", model_enum(
                model, "definitions", "Order", "properties", "FulfillmentChannel")),
            "PaymentMethods": ("paymentMethod", model_enum(model, "definitions", "Order",
                                                           "properties", "PaymentMethod")),
            "EasyShipShipmentStatuses": ("easyShipShipmentStatus", model_enum(
                model, "definitions", "EasyShipShipmentStatus")),
            "ElectronicInvoiceStatuses": ("electronicInvoiceStatus", model_enum(
                model, "definitions", "ElectronicInvoiceStatus")),
        }

    # -- getOrders -----------------------------------------------------------------------------

    async def get_orders(self, call: Call) -> Reply:
        params = call.params or {}
        state = seller_state(self.store, call)
        explicit_size = params.get("MaxResultsPerPage")
        size = page_size(explicit_size, "maxResultsPerPage")
        filters = sent_filters(params, self.filter_names)
        markets: list[str] = params["MarketplaceIds"]
        check_marketplaces(state, markets, "MarketplaceIds")
        fixed_before: float | None = None
        cursor: Cursor | None = None
        token = params.get("NextToken")
        if token:
            position = self._read_token(token, state, "getOrders", {})
            stored: dict[str, Any] = position["f"]
            if any(stored.get(name) != value for name, value in filters.items()):
                raise broken_rule("NextToken belongs to a request with other filters; send it "
                                  "alone or with the filters of the request that returned it.")
            # With a token, the token's filters and marketplaces govern (clients send only
            # NextToken and the MarketplaceIds the model requires on every call).
            filters, markets, fixed_before = stored, position["m"], position["b"]
            cursor = Cursor.from_json(position["c"])
            size = size if explicit_size is not None else position["n"]
        query, echo = self._query(filters, markets, fixed_before)
        page = self.queries.page(state, query, size, cursor)
        payload: dict[str, Any] = {"Orders": [order_json(o) for o in page.orders]}
        if page.next is not None:
            payload["NextToken"] = self.tokens.issue(
                f"{MODEL}.getOrders", state.seller_id, {},
                {"f": filters, "m": markets, "b": query.before, "n": size,
                 "c": page.next.to_json()})
        if echo is not None and query.before is not None:
            payload[echo] = iso(query.before)
        return json_reply(200, {"payload": payload})

    def _query(self, filters: dict[str, Any], markets: list[str],
               fixed_before: float | None) -> tuple[OrderQuery, str | None]:
        """The query a getOrders request stands for, and the name of the "before" date the
        answer echoes; InvalidInput for a request Amazon refuses."""
        _check_seller_order_id(filters)
        order_filter = self._filter(filters, markets)
        window = DateWindow(_DATES, *(request_time(filters, name, _not_iso8601)
                                      for name in _DATES))
        order_ids = filters.get("AmazonOrderIds")
        try:
            sort, after, before = window.resolve(self.clock.now(), order_ids is not None,
                                                 fixed_before)
        except QueryError as error:
            raise broken_rule(str(error)) from None
        query = OrderQuery(sort, after, before,
                           tuple(order_ids) if order_ids is not None else None, order_filter)
        if after is None:  # orders named by id only: no window to echo
            return query, None
        return query, "CreatedBefore" if sort == "created" else "LastUpdatedBefore"

    def _filter(self, filters: dict[str, Any], markets: list[str]) -> OrderFilter:
        sets = {name: self._enum_values(filters, name) for name in self.enums}
        return OrderFilter(
            marketplace_ids=frozenset(markets), statuses=sets["OrderStatuses"],
            fulfillment_channels=sets["FulfillmentChannels"],
            payment_methods=sets["PaymentMethods"], buyer_email=filters.get("BuyerEmail"),
            seller_order_id=filters.get("SellerOrderId"),
            easy_ship_statuses=sets["EasyShipShipmentStatuses"],
            electronic_invoice_statuses=sets["ElectronicInvoiceStatuses"],
            is_ispu=filters.get("IsISPU"),
            store_chain_store_id=filters.get("StoreChainStoreId"),
            supply_source_id=filters.get("ActualFulfillmentSupplySourceId"),
            earliest_delivery=_delivery_range(filters, "EarliestDeliveryDate"),
            latest_delivery=_delivery_range(filters, "LatestDeliveryDate"),
        )

    def _enum_values(self, filters: dict[str, Any], name: str) -> frozenset[str] | None:
        values = filters.get(name)
        if values is None:
            return None
        field, allowed = self.enums[name]
        if any(v not in allowed for v in values):
            raise constraint_error(values, field, "Member must satisfy constraint: [Member must "
                                   f"satisfy enum value set: [{', '.join(allowed)}]]")
        return frozenset(values)

    def _read_token(self, token: str, state: SellerState, operation: str,
                    filters: dict[str, Any]) -> Any:
        try:
            return self.tokens.read(token, f"{MODEL}.{operation}", state.seller_id, filters)
        except TokenRejected as rejected:
            if rejected.reason == "malformed":
                raise InvalidInput(UNDECODABLE_TOKEN) from None
            raise broken_rule(TOKEN_REFUSALS[rejected.reason]) from None

    # -- one order -----------------------------------------------------------------------------

    async def get_order(self, call: Call) -> Reply:
        order = find_order(seller_state(self.store, call), call.path_params["orderId"])
        return json_reply(200, {"payload": order_json(order)})

    async def get_order_address(self, call: Call) -> Reply:
        order = find_order(seller_state(self.store, call), call.path_params["orderId"])
        payload: dict[str, Any] = {"AmazonOrderId": order.order_id}
        if order.status in ADDRESS_STATUSES:
            payload["ShippingAddress"] = address_json(order.address)
            if order.address.company:
                payload["BuyerCompanyName"] = order.address.company
        return json_reply(200, {"payload": payload})

    async def get_order_buyer_info(self, call: Call) -> Reply:
        order = find_order(seller_state(self.store, call), call.path_params["orderId"])
        return json_reply(200, {"payload": {"AmazonOrderId": order.order_id,
                                            **buyer_info(order)}})

    async def get_order_items(self, call: Call) -> Reply:
        return self._items_page(call, "getOrderItems", item_json)

    async def get_order_items_buyer_info(self, call: Call) -> Reply:
        return self._items_page(call, "getOrderItemsBuyerInfo", lambda order, item: {
            "OrderItemId": item.order_item_id, **item_buyer_info(item)})

    def _items_page(self, call: Call, operation: str,
                    render: Callable[[Order, OrderItem], dict[str, Any]]) -> Reply:
        state = seller_state(self.store, call)
        order = find_order(state, call.path_params["orderId"])
        binding = {"orderId": order.order_id}
        token = (call.params or {}).get("NextToken")
        start = self._read_token(token, state, operation, binding) if token else 0
        if not isinstance(start, int) or not 0 <= start <= len(order.items):
            raise InvalidInput(UNDECODABLE_TOKEN)
        end = start + ITEMS_PER_PAGE
        payload: dict[str, Any] = {
            "AmazonOrderId": order.order_id,
            "OrderItems": [render(order, item) for item in order.items[start:end]],
        }
        if end < len(order.items):
            payload["NextToken"] = self.tokens.issue(f"{MODEL}.{operation}", state.seller_id,
                                                     binding, end)
        return json_reply(200, {"payload": payload})

    # -- changes -------------------------------------------------------------------------------

    async def confirm_shipment(self, call: Call) -> Reply:
        state = seller_state(self.store, call)
        order = find_order(state, call.path_params["orderId"])
        body = (call.params or {})["payload"]
        if body["marketplaceId"] != order.marketplace_id:
            raise unknown_marketplace()
        package = body["packageDetail"]
        reference = str(package["packageReferenceId"])
        if not reference.isdigit() or int(reference) < 1:
            # Amazon's words (jlevers/selling-partner-api#489).
            raise InvalidInput("PackageReferenceId: is invalid, must be a positive numeric value.")
        carrier = package["carrierCode"]
        if carrier == "Other":
            if not package.get("carrierName"):
                raise broken_rule('carrierName is required when carrierCode is "Other".')
            carrier = package["carrierName"]
        ship_date = request_time(package, "shipDate", _not_iso8601)
        assert ship_date is not None  # the model requires shipDate
        items = [(i["orderItemId"], i["quantity"]) for i in package["orderItems"]]
        self._change(lambda: order_rules.confirm_shipment(
            self.store, state, order, package_reference_id=reference, carrier=carrier,
            tracking_number=package["trackingNumber"], ship_date=ship_date, items=items,
            method=package.get("shippingMethod")))
        return Reply(204, b"", None)

    async def update_shipment_status(self, call: Call) -> Reply:
        state = seller_state(self.store, call)
        order = find_order(state, call.path_params["orderId"])
        body = (call.params or {})["payload"]
        if body["marketplaceId"] != order.marketplace_id:
            raise unknown_marketplace()
        items = [(i.get("orderItemId", ""), i.get("quantity", 0))
                 for i in body.get("orderItems") or []]
        self._change(lambda: order_rules.update_pickup(self.store, state, order,
                                                       body["shipmentStatus"], items or None))
        return Reply(204, b"", None)

    def _change(self, change: Callable[[], None]) -> None:
        """Runs a state change; the order rules' refusals are the API's 400s."""
        try:
            change()
        except order_rules.OrderError as error:
            raise InvalidInput(str(error)) from None
        finally:
            self.store.flush()


def _not_iso8601(name: str) -> InvalidInput:
    # Amazon's words for a date it cannot read (selling-partner-api-docs#598), naming the field.
    return InvalidInput("timestamp must follow ISO8601", details=f"Invalid date-time field(s) "
                                                                 f"[{name}].")


def _check_seller_order_id(filters: dict[str, Any]) -> None:
    """The model's rule: with SellerOrderId, none of FulfillmentChannels, OrderStatuses,
    PaymentMethods, LastUpdatedAfter, LastUpdatedBefore and BuyerEmail may be given."""
    if "SellerOrderId" not in filters:
        return
    excluded = [name for name in ("FulfillmentChannels", "OrderStatuses", "PaymentMethods",
                                  "LastUpdatedAfter", "LastUpdatedBefore", "BuyerEmail")
                if name in filters]
    if excluded:
        raise broken_rule(f"If SellerOrderId is specified, then {', '.join(excluded)} cannot "
                          "be specified.")


def _delivery_range(filters: dict[str, Any], prefix: str) -> tuple[float | None, float | None]:
    after = request_time(filters, f"{prefix}After", _not_iso8601)
    before = request_time(filters, f"{prefix}Before", _not_iso8601)
    if after is not None and before is not None and before < after:
        raise broken_rule(f"{prefix}Before must be equal to or after {prefix}After.")
    return after, before


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = OrdersV0(context)
    for operation, handler in (
        ("getOrders", api.get_orders), ("getOrder", api.get_order),
        ("getOrderAddress", api.get_order_address),
        ("getOrderBuyerInfo", api.get_order_buyer_info),
        ("getOrderItems", api.get_order_items),
        ("getOrderItemsBuyerInfo", api.get_order_items_buyer_info),
        ("confirmShipment", api.confirm_shipment),
        ("updateShipmentStatus", api.update_shipment_status),
    ):
        registry.register(f"{MODEL}.{operation}", handler)
    return api

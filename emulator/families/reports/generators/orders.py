"""Order reports: the All Orders flat files (by order date, by last update), the
merchant-fulfilled Order Report (GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING, restricted: it
carries the buyer's name, email and address) and the FBA shipments report
(GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL).

One row per order item, for the orders of the requested marketplaces in [dataStartTime,
dataEndTime] (purchase date or last update). The values are the Orders API's: the same order
ids, SKUs, quantities, line prices (unit price times quantity, as ItemPrice) and dates. A range
without orders cancels the report, as Amazon does.

Rows are built with plain string operations: a 100k-order report must take well under two
seconds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from functools import lru_cache

from emulator.business.documents import clean, flat_file, iso_offset
from emulator.business.entities import Order, OrderItem, money_str
from emulator.business.store import SellerState
from emulator.families.reports.generators.base import (
    NoData,
    ReportFamily,
    ReportOutput,
    ReportRequest,
    markets_of,
)

# Fact sheet section 6: the MWS-era header (caponica/AmazonMwsComplete; a 2017 fixture).
ALL_ORDERS_HEADER = (
    "amazon-order-id", "merchant-order-id", "purchase-date", "last-updated-date",
    "order-status", "fulfillment-channel", "sales-channel", "order-channel", "url",
    "ship-service-level", "product-name", "sku", "asin", "item-status", "quantity", "currency",
    "item-price", "item-tax", "shipping-price", "shipping-tax", "gift-wrap-price",
    "gift-wrap-tax", "item-promotion-discount", "ship-promotion-discount", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "promotion-ids", "is-business-order",
    "purchase-order-number", "price-designation",
)
# The Order Report's header as a 2017 report carried it (header and rows of a real file quoted
# in public code); Amazon has appended columns since, which are not known for certain.
SHIPPING_HEADER = (
    "order-id", "order-item-id", "purchase-date", "payments-date", "buyer-email", "buyer-name",
    "buyer-phone-number", "sku", "product-name", "quantity-purchased", "currency",
    "item-price", "item-tax", "shipping-price", "shipping-tax", "ship-service-level",
    "recipient-name", "ship-address-1", "ship-address-2", "ship-address-3", "ship-city",
    "ship-state", "ship-postal-code", "ship-country", "ship-phone-number",
    "delivery-start-date", "delivery-end-date", "delivery-time-zone", "delivery-Instructions",
    "sales-channel",
)
# Order statuses as the flat files spell them (Orders v0 says Canceled and PartiallyShipped).
_STATUS = {"Canceled": "Cancelled", "PartiallyShipped": "Shipping"}
_CHANNEL = {"AFN": "Amazon", "MFN": "Merchant"}
# Prices, taxes and shipping charges repeat across rows: formatting each amount once makes a
# 100k-row report a third faster.
_money = lru_cache(maxsize=1 << 16)(money_str)


def _window(state: SellerState, request: ReportRequest) -> list[Order]:
    """Orders purchased in the range, inclusive of dataEndTime."""
    return state.orders_between(request.start, math.nextafter(request.end, math.inf))


def _item_status(order: Order, item: OrderItem) -> str:
    if order.status == "Canceled":
        return "Cancelled"
    return "Shipped" if item.shipped >= item.quantity else "Unshipped"


def _discount(minor: int, currency: str) -> str:
    # Discounts lower what the buyer pays: the flat files show them negative.
    return _money(-minor, currency)


def _all_orders_lines(orders: Iterable[Order], markets: frozenset[str]) -> list[str]:
    """One line per item; what the items of an order share is joined once per order."""
    lines: list[str] = []
    for order in orders:
        if order.marketplace_id not in markets:
            continue
        currency = order.currency
        address = order.address
        head = "\t".join((
            order.order_id, order.seller_order_id, iso_offset(order.purchase_date),
            iso_offset(order.last_update), _STATUS.get(order.status, order.status),
            _CHANNEL[order.fulfillment], order.sales_channel, "", "", order.ship_category))
        tail = "\t".join((
            _money(0, currency), clean(address.city), clean(address.state),
            clean(address.postal_code), address.country_code, "",
            "true" if order.is_business else "false", order.purchase_order_number or "",
            "BusinessPrice" if order.is_business else ""))
        for item in order.items:
            lines.append("\t".join((
                head, clean(item.title), item.sku, item.asin, _item_status(order, item),
                str(item.quantity), currency, _amounts(order, item), tail)))
    return lines


def _amounts(order: Order, item: OrderItem) -> str:
    """item-price to item-promotion-discount. A Pending order has no pricing yet: the Orders
    API leaves it out, the report leaves it blank."""
    if order.status == "Pending":
        return "\t" * 6
    currency = order.currency
    return "\t".join((
        _money(item.item_price, currency), _money(item.tax, currency),
        _money(item.shipping_price, currency), _money(item.shipping_tax, currency), "", "",
        _discount(item.promotion_discount, currency)))


def _output(header: tuple[str, ...], lines: list[str], request: ReportRequest,
            state: SellerState) -> ReportOutput:
    if not lines:
        raise NoData("no orders in the requested range")
    return ReportOutput(flat_file(header, lines), "tsv", markets_of(state, request)[0])


def by_order_date(state: SellerState, request: ReportRequest) -> ReportOutput:
    markets = frozenset(request.marketplace_ids)
    return _output(ALL_ORDERS_HEADER, _all_orders_lines(_window(state, request), markets),
                   request, state)


def by_last_update(state: SellerState, request: ReportRequest) -> ReportOutput:
    """Orders last updated in the range. An order is updated at or after its purchase, so
    only orders purchased before the range ends can qualify; orders come in purchase order,
    re-sorted by last update as Amazon lists them."""
    end = request.end
    candidates = state.orders_between(None, math.nextafter(end, math.inf))
    changed = sorted((o for o in candidates if request.start <= o.last_update <= end),
                     key=lambda o: o.last_update)
    markets = frozenset(request.marketplace_ids)
    return _output(ALL_ORDERS_HEADER, _all_orders_lines(changed, markets), request, state)


def shipping(state: SellerState, request: ReportRequest) -> ReportOutput:
    """The merchant-fulfilled orders still to ship (Unshipped or PartiallyShipped) purchased
    in the range, with their items not shipped yet: what a seller prints packing slips
    from."""
    markets = frozenset(request.marketplace_ids)
    lines: list[str] = []
    for order in _window(state, request):
        if (order.marketplace_id not in markets or order.fulfillment != "MFN"
                or order.status not in ("Unshipped", "PartiallyShipped")):
            continue
        purchased = iso_offset(order.purchase_date)
        address, currency = order.address, order.currency
        for item in order.items:
            if item.shipped >= item.quantity:  # shipped already (a label, confirmShipment)
                continue
            lines.append("\t".join(clean(value) for value in (
                order.order_id, item.order_item_id, purchased, purchased, order.buyer_email,
                order.buyer_name, address.phone, item.sku, item.title, str(item.quantity),
                currency, _money(item.item_price, currency), _money(item.tax, currency),
                _money(item.shipping_price, currency),
                _money(item.shipping_tax, currency), order.ship_category, address.name,
                address.line1, address.line2 or "", "", address.city, address.state,
                address.postal_code, address.country_code, address.phone, "", "", "", "",
                order.sales_channel)))
    return _output(SHIPPING_HEADER, lines, request, state)


# The FBA shipments report's columns (caponica/AmazonMwsComplete ReportFbaFulfilledShipments,
# the MWS-era layout; Amazon may have appended columns since).
FBA_SHIPMENTS_HEADER = (
    "amazon-order-id", "merchant-order-id", "shipment-id", "shipment-item-id",
    "amazon-order-item-id", "merchant-order-item-id", "purchase-date", "payments-date",
    "shipment-date", "reporting-date", "buyer-email", "buyer-name", "buyer-phone-number", "sku",
    "product-name", "quantity-shipped", "currency", "item-price", "item-tax", "shipping-price",
    "shipping-tax", "gift-wrap-price", "gift-wrap-tax", "ship-service-level", "recipient-name",
    "ship-address-1", "ship-address-2", "ship-address-3", "ship-city", "ship-state",
    "ship-postal-code", "ship-country", "ship-phone-number", "bill-address-1", "bill-address-2",
    "bill-address-3", "bill-city", "bill-state", "bill-postal-code", "bill-country",
    "item-promotion-discount", "ship-promotion-discount", "carrier", "tracking-number",
    "estimated-arrival-date", "fulfillment-center-id", "fulfillment-channel", "sales-channel",
)
_FULFILLMENT_CENTERS = ("PHX7", "ONT8", "BFI4", "MDW2", "SDF8", "TPA1", "ABE2", "DFW7")


def fba_shipments(state: SellerState, request: ReportRequest) -> ReportOutput:
    """Amazon-fulfilled shipments made in the range (by shipment date), one row per shipped
    item: FBA orders only, never merchant-fulfilled ones (their shipments are the seller's,
    labels included). The buyer's name, email, phone and street lines are left blank: the
    emulator does not take this report for a restricted one (the fact sheet's list does not
    name it), and an unrestricted answer carries no PII, as the Orders API's does not."""
    markets = frozenset(request.marketplace_ids)
    start, end = request.start, request.end
    lines: list[str] = []
    for order in state.orders_between(None, math.nextafter(end, math.inf)):
        if order.fulfillment != "AFN" or order.marketplace_id not in markets:
            continue
        address, currency = order.address, order.currency
        items = {i.order_item_id: i for i in order.items}
        center = _FULFILLMENT_CENTERS[int(order.order_id[-3:]) % len(_FULFILLMENT_CENTERS)]
        for shipment in order.shipments:
            if not start <= shipment.ship_date <= end:
                continue
            for index, (item_id, units) in enumerate(shipment.items):
                item = items.get(item_id)
                if item is None:
                    continue
                share = units / item.quantity
                lines.append("\t".join(clean(value) for value in (
                    order.order_id, order.seller_order_id, f"D{shipment.package_reference_id}",
                    f"D{shipment.package_reference_id}{index:02d}", item.order_item_id, "",
                    iso_offset(order.purchase_date), iso_offset(order.purchase_date),
                    iso_offset(shipment.ship_date), iso_offset(shipment.ship_date), "", "", "",
                    item.sku, item.title, str(units), currency,
                    _money(round(item.item_price * share), currency),
                    _money(round(item.tax * share), currency),
                    _money(round(item.shipping_price * share), currency),
                    _money(round(item.shipping_tax * share), currency), "", "",
                    order.ship_category, "", "", "", "", address.city, address.state,
                    address.postal_code, address.country_code, "", "", "", "", "", "", "", "",
                    _discount(round(item.promotion_discount * share), currency), "",
                    shipment.carrier, shipment.tracking_number,
                    iso_offset(order.latest_delivery), center, "AFN", order.sales_channel)))
    return _output(FBA_SHIPMENTS_HEADER, lines, request, state)


FAMILIES = {
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_ORDER_DATE_GENERAL": ReportFamily(by_order_date, True,
                                                                        1.5),
    "GET_FLAT_FILE_ALL_ORDERS_DATA_BY_LAST_UPDATE_GENERAL": ReportFamily(by_last_update, True,
                                                                         1.5),
    "GET_FLAT_FILE_ORDER_REPORT_DATA_SHIPPING": ReportFamily(shipping, True, 1.5),
    "GET_AMAZON_FULFILLED_SHIPMENTS_DATA_GENERAL": ReportFamily(fba_shipments, True, 1.5),
}

"""FBA customer returns (GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA): one row per returned line
of an FBA order received in [dataStartTime, dataEndTime], with how Amazon graded the units
(detailed disposition), the buyer's reason, where they came back and the unit's license plate
number. The returns are the orders' own (`Order.returns`), made by the living store, the
control plane (`POST /_emulator/orders/{id}/return`) and the history.
"""

from __future__ import annotations

from emulator.business.documents import iso_offset, tsv
from emulator.business.store import SellerState
from emulator.families.reports.generators.base import (
    NoData,
    ReportFamily,
    ReportOutput,
    ReportRequest,
    markets_of,
)

# The report's columns, in the order public parsers of Amazon's file read them.
HEADER = ("return-date", "order-id", "sku", "asin", "fnsku", "product-name", "quantity",
          "fulfillment-center-id", "detailed-disposition", "reason", "status",
          "license-plate-number", "customer-comments")
# Returns come within weeks of the order: orders older than this cannot hold one in range.
LOOKBACK = 120 * 86400.0


def customer_returns(state: SellerState, request: ReportRequest) -> ReportOutput:
    markets = markets_of(state, request)
    wanted = {m.id for m in markets}
    rows = []
    for order in state.orders_between(request.start - LOOKBACK, request.end):
        if order.fulfillment != "AFN" or order.marketplace_id not in wanted:
            continue
        titles = {item.order_item_id: (item.asin, item.title) for item in order.items}
        for entry in order.returns or ():
            if not request.start <= entry.returned <= request.end:
                continue
            asin, title = titles.get(entry.order_item_id, ("", ""))
            listing = state.listings.get(entry.sku)
            rows.append((entry.returned, [
                iso_offset(entry.returned), order.order_id, entry.sku, asin,
                (listing.fnsku if listing is not None else None) or "", title,
                str(entry.quantity), entry.fulfillment_center, entry.disposition, entry.reason,
                entry.status, entry.license_plate, ""]))
    if not rows:
        raise NoData("no FBA customer returns in the range")
    rows.sort(key=lambda row: row[0])
    return ReportOutput(tsv(HEADER, [row for _, row in rows]), "tsv", markets[0])


FAMILIES = {"GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA": ReportFamily(customer_returns, True)}

"""FBA inventory: GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA (Manage FBA Inventory), one row per
SKU the seller keeps in Amazon's fulfillment network, with the quantities the FBA Inventory
API reports for it (fulfillable, inbound, reserved, unfulfillable, researching, total).
"""

from __future__ import annotations

from emulator.business.documents import tsv
from emulator.business.entities import Inventory, money_str
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.families.reports.generators.base import (
    NoData,
    ReportFamily,
    ReportOutput,
    ReportRequest,
    markets_of,
)

# Fact sheet section 6 (column order of airbytehq/airbyte's schema).
HEADER = (
    "sku", "fnsku", "asin", "product-name", "condition", "your-price", "mfn-listing-exists",
    "mfn-fulfillable-quantity", "afn-listing-exists", "afn-warehouse-quantity",
    "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity",
    "afn-total-quantity", "per-unit-volume", "afn-inbound-working-quantity",
    "afn-inbound-shipped-quantity", "afn-inbound-receiving-quantity",
    "afn-researching-quantity", "afn-reserved-future-supply", "afn-future-supply-buyable",
)
_CONDITIONS = {"NewItem": "New", "UsedLikeNew": "Used - Like New", "UsedVeryGood":
               "Used - Very Good", "UsedGood": "Used - Good", "UsedAcceptable":
               "Used - Acceptable", "Refurbished": "Refurbished"}
CUBIC_INCHES_PER_FOOT = 1728.0


def _row(state: SellerState, record: Inventory, market: Marketplace) -> list[str]:
    listing = state.listings.get(record.sku)
    item = state.catalog.get(record.asin)
    price = listing.prices.get(market.id) if listing else None
    volume = (item.length_in * item.width_in * item.height_in / CUBIC_INCHES_PER_FOOT
              if item else 0.0)
    # Units in the warehouse: everything Amazon holds, sellable or not; the total adds inbound.
    warehouse = (record.fulfillable + record.unfulfillable + record.reserved
                 + record.researching)
    return [
        record.sku, record.fnsku, record.asin,
        listing.item_name if listing else item.title if item else "",
        _CONDITIONS.get(record.condition, "New"),
        money_str(price, market.currency) if price is not None else "", "No", "", "Yes",
        str(warehouse), str(record.fulfillable), str(record.unfulfillable),
        str(record.reserved), str(record.total), f"{volume:.2f}", str(record.inbound_working),
        str(record.inbound_shipped), str(record.inbound_receiving), str(record.researching),
        "0", "0",
    ]


def unsuppressed(state: SellerState, request: ReportRequest) -> ReportOutput:
    market = markets_of(state, request)[0]
    rows = [_row(state, record, market) for record in state.inventory.values()]
    if not rows:
        raise NoData("no FBA inventory")
    return ReportOutput(tsv(HEADER, rows), "tsv", market)


FAMILIES = {"GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA": ReportFamily(unsuppressed)}

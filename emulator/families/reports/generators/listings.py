"""Listings reports: GET_MERCHANT_LISTINGS_ALL_DATA (every listing, with its status),
GET_MERCHANT_LISTINGS_DATA (active listings) and GET_FLAT_FILE_OPEN_LISTINGS_DATA (the
inventory report: SKU, ASIN, price, quantity).

Listings reports describe one marketplace: the first one requested (Amazon documents them as
marketplace-specific and clients request one at a time). Prices and quantities are the ones
the Listings Items API answers: the listing's price in that marketplace and the merchant-
fulfilled quantity (blank for FBA listings, whose stock the FBA inventory report shows).
"""

from __future__ import annotations

from collections.abc import Iterator

from emulator.business.documents import local_time, tsv
from emulator.business.entities import Listing, money_str
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.families.reports.generators.base import (
    NoData,
    ReportFamily,
    ReportOutput,
    ReportRequest,
    choice,
    markets_of,
)

# The MWS-era columns every merchant listings report starts with (fact sheet section 6;
# caponica/AmazonMwsComplete ReportListingAllListings).
_MERCHANT_COLUMNS = (
    "item-name", "item-description", "listing-id", "seller-sku", "price", "quantity",
    "open-date", "image-url", "item-is-marketplace", "product-id-type", "zshop-shipping-fee",
    "item-note", "item-condition", "zshop-category1", "zshop-browse-path",
    "zshop-storefront-feature", "asin1", "asin2", "asin3", "will-ship-internationally",
    "expedited-shipping", "zshop-boldface", "product-id", "bid-for-featured-placement",
    "add-delete", "pending-quantity", "fulfillment-channel",
)
ALL_DATA_HEADER = (*_MERCHANT_COLUMNS, "merchant-shipping-group", "status")
# Amazon Business pricing columns, as the US reports carry them (airbytehq/airbyte's
# GET_MERCHANT_LISTINGS_DATA and GET_FLAT_FILE_OPEN_LISTINGS_DATA schemas, in their order).
_QUANTITY_TIERS = tuple(column for tier in range(1, 6) for column in (
    f"Quantity Lower Bound {tier}", f"Quantity Price {tier}"))
_PROGRESSIVE_TIERS = tuple(column for tier in range(1, 4) for column in (
    f"Progressive Lower Bound {tier}", f"Progressive Price {tier}"))
_BUSINESS = ("Business Price", "Quantity Price Type", *_QUANTITY_TIERS)
_PROGRESSIVE = ("Progressive Price Type", *_PROGRESSIVE_TIERS)
ACTIVE_HEADER = (*_MERCHANT_COLUMNS, *_BUSINESS, "merchant-shipping-group", *_PROGRESSIVE)
OPEN_LISTINGS_HEADER = ("sku", "asin", "price", "quantity", *_BUSINESS, *_PROGRESSIVE)

# Flat-file item-condition codes (Amazon's inventory file template).
_CONDITION_CODES = {
    "used_like_new": "1", "used_very_good": "2", "used_good": "3", "used_acceptable": "4",
    "collectible_like_new": "5", "collectible_very_good": "6", "collectible_good": "7",
    "collectible_acceptable": "8", "new_refurbished": "10", "new_new": "11",
}
_BLANK_BUSINESS = ("",) * len(_BUSINESS)
_BLANK_PROGRESSIVE = ("",) * len(_PROGRESSIVE)


def status(listing: Listing, market: Marketplace) -> str:
    """Active when buyable there; Incomplete when an error issue keeps it from selling."""
    if "BUYABLE" in listing.status.get(market.id, ()):
        return "Active"
    if any(issue.severity == "ERROR" for issue in listing.issues):
        return "Incomplete"
    return "Inactive"


def _listings(state: SellerState, market: Marketplace, active_only: bool) -> Iterator[Listing]:
    for listing in state.listings.values():
        if market.id not in listing.prices:
            continue
        if active_only and status(listing, market) != "Active":
            continue
        yield listing


def _quantity(listing: Listing) -> str:
    return str(listing.quantity) if listing.fulfillment == "MFN" else ""


def _channel(listing: Listing, market: Marketplace) -> str:
    if listing.fulfillment == "MFN":
        return "DEFAULT"
    return "AMAZON_JP" if market.country == "JP" else f"AMAZON_{market.region.upper()}"


def _merchant_row(state: SellerState, listing: Listing, market: Marketplace) -> list[str]:
    item = state.catalog.get(listing.asin)
    return [
        listing.item_name, item.description if item else "", listing.listing_id, listing.sku,
        money_str(listing.prices[market.id], market.currency), _quantity(listing),
        local_time(listing.created, market), "", "y", "1", "", "",
        _CONDITION_CODES.get(listing.condition, "11"), "", "", "", listing.asin, "", "", "",
        "", "", listing.asin, "", "", "", _channel(listing, market),
    ]


def _shipping_group(listing: Listing) -> str:
    return "Migrated Template" if listing.fulfillment == "MFN" else ""


def _market(state: SellerState, request: ReportRequest) -> Marketplace:
    # `custom=true` asks Seller Central's custom column set; the emulator has one column set,
    # but a value other than true/false is refused as Amazon refuses it.
    choice(request.options, "custom", ("true", "false"), "false")
    return markets_of(state, request)[0]


def all_listings(state: SellerState, request: ReportRequest) -> ReportOutput:
    market = _market(state, request)
    rows = [[*_merchant_row(state, listing, market), _shipping_group(listing),
             status(listing, market)]
            for listing in _listings(state, market, active_only=False)]
    return _output(ALL_DATA_HEADER, rows, market)


def active_listings(state: SellerState, request: ReportRequest) -> ReportOutput:
    market = _market(state, request)
    rows = [[*_merchant_row(state, listing, market), *_BLANK_BUSINESS,
             _shipping_group(listing), *_BLANK_PROGRESSIVE]
            for listing in _listings(state, market, active_only=True)]
    return _output(ACTIVE_HEADER, rows, market)


def open_listings(state: SellerState, request: ReportRequest) -> ReportOutput:
    market = _market(state, request)
    rows = [[listing.sku, listing.asin, money_str(listing.prices[market.id], market.currency),
             _quantity(listing), *_BLANK_BUSINESS, *_BLANK_PROGRESSIVE]
            for listing in _listings(state, market, active_only=True)]
    return _output(OPEN_LISTINGS_HEADER, rows, market)


def _output(header: tuple[str, ...], rows: list[list[str]], market: Marketplace) -> ReportOutput:
    if not rows:
        raise NoData(f"no listings in {market.id}")
    return ReportOutput(tsv(header, rows), "tsv", market)


FAMILIES = {
    "GET_MERCHANT_LISTINGS_ALL_DATA": ReportFamily(all_listings),
    "GET_MERCHANT_LISTINGS_DATA": ReportFamily(active_listings),
    "GET_FLAT_FILE_OPEN_LISTINGS_DATA": ReportFamily(open_listings),
}

"""Quantity and price feeds of merchant-fulfilled offers: POST_INVENTORY_AVAILABILITY_DATA (XML
Inventory messages) and the flat files POST_FLAT_FILE_INVLOADER_DATA (Inventory Loader) and
POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA, with the XML and flat-file processing
reports of results.py.

Every record becomes the Listings Items submission that means the same (a patch of
`fulfillment_availability`, `purchasable_offer` or `condition_type`; a put of a new offer; a
delete), checked and applied by emulator/families/listings/rules.py: a bad value gets the issue
putListingsItem would give (4000001 for a quantity that is not a whole number, 90220 for a
missing value...), and a record with errors changes nothing. Records apply in the feed's first
marketplace.

Choices where Amazon's behaviour is not pinned down:
- An inventory message for a SKU the seller does not list is refused with 13013 "This SKU does
  not exist in the Amazon catalog. Your inventory data was not processed." (an MWS-era error;
  SP-API was seen reporting such messages successful and making stray listings, docs#2784).
- A quantity for a SKU fulfilled by Amazon makes it merchant-fulfilled, as a Listings patch of
  its fulfillment_availability does (the known effect of inventory feeds on FBA SKUs).
- An Inventory Loader row for a new SKU lists an offer on the catalog item its product-id
  names (product-id-type 1 ASIN, 2 ISBN, 3 UPC, 4 EAN), condition new_new unless given.
- A document that cannot be read at all ends FATAL, with one error about record 0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from xml.etree import ElementTree

from emulator.business.documents import charset
from emulator.business.entities import Listing
from emulator.families.feeds.processors.base import (
    DONE,
    FATAL,
    Applied,
    FeedInput,
    Outcome,
    Processing,
    Unreadable,
    decode,
    issue,
    patch,
    submit,
    unpack,
)
from emulator.families.feeds.processors.base import xml_child as _child
from emulator.families.feeds.processors.base import xml_local as _local
from emulator.families.feeds.processors.base import xml_text as _text
from emulator.families.feeds.processors.results import UNREADABLE, Results, tsv_report, xml_report
from emulator.families.listings import rules

XML_TYPE = "POST_INVENTORY_AVAILABILITY_DATA"
INVLOADER_TYPE = "POST_FLAT_FILE_INVLOADER_DATA"
PRICE_QUANTITY_TYPE = "POST_FLAT_FILE_PRICEANDQUANTITYONLY_UPDATE_DATA"
UNKNOWN_SKU = ("13013", "This SKU does not exist in the Amazon catalog. Your inventory data "
                        "was not processed.")
# Inventory Loader's item-condition numbers, as Listings condition_type values.
CONDITIONS = {"1": "used_like_new", "2": "used_very_good", "3": "used_good",
              "4": "used_acceptable", "5": "collectible_like_new",
              "6": "collectible_very_good", "7": "collectible_good",
              "8": "collectible_acceptable", "10": "refurbished_refurbished", "11": "new_new"}
PRODUCT_ID_TYPES = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}
_PARSE_POSITION = re.compile(r":\s*line \d+, column \d+$")


# -- values -----------------------------------------------------------------------------------

def _number(text: str, kind: Callable[[str], Any]) -> Any:
    """The value as a number; text that is not one stays text, for the rules to refuse
    (4000001) as putListingsItem refuses it."""
    try:
        return kind(text)
    except ValueError:
        return text


def _availability(quantity: str | None, latency: str | None,
                  current: int = 0) -> dict[str, Any] | None:
    """The replace patch of `fulfillment_availability` for a new quantity and/or handling
    time; None when neither is given. Without a quantity, `current` stays."""
    if quantity is None and latency is None:
        return None
    entry: dict[str, Any] = {"fulfillment_channel_code": "DEFAULT", "quantity": (
        _number(quantity, int) if quantity is not None else current)}
    if latency is not None:
        entry["lead_time_to_ship_max_days"] = _number(latency, int)
    return {"op": "replace", "path": "/attributes/fulfillment_availability", "value": [entry]}


def _merchant_quantity(listing: Listing) -> int:
    return listing.quantity if listing.fulfillment == "MFN" else 0


def _price(market: str, currency: str, price: str) -> list[dict[str, Any]]:
    return [{"marketplace_id": market, "currency": currency,
             "our_price": [{"schedule": [{"value_with_tax": _number(price, float)}]}]}]


# -- XML: POST_INVENTORY_AVAILABILITY_DATA -------------------------------------------------------

def _parse_xml(feed: FeedInput) -> ElementTree.Element:
    """The envelope, or Unreadable with Amazon's parsing error text."""
    try:
        root = ElementTree.fromstring(unpack(feed.content, feed.content_type))
    except ElementTree.ParseError as error:
        line, column = error.position
        reason = _PARSE_POSITION.sub("", str(error))
        raise Unreadable(f"XML Parsing Error at Line {line}, Column {column}: {reason}.") from None
    if _local(root.tag) != "AmazonEnvelope":
        raise Unreadable(f"XML Parsing Error: the root element is '{_local(root.tag)}', not "
                         "'AmazonEnvelope'.")
    if _text(root, "MessageType") != "Inventory":
        raise Unreadable(f"XML Parsing Error: MessageType must be 'Inventory' for {XML_TYPE}.")
    return root


def _inventory_message(env: Processing, market: str, message: ElementTree.Element,
                       inventory: ElementTree.Element) -> Applied:
    sku = _text(inventory, "SKU")
    if not sku:
        return Applied([rules.missing("SKU")])
    listing = env.state.listings.get(sku)
    if listing is None:
        return Applied([issue(*UNKNOWN_SKU)])
    quantity = _text(inventory, "Quantity")
    if (_text(message, "OperationType") == "Delete"
            or _text(inventory, "Available") == "false"):
        quantity = "0"
    change = _availability(quantity, _text(inventory, "FulfillmentLatency"),
                           _merchant_quantity(listing))
    return patch(env, sku, market, [change]) if change is not None else Applied()


def process_xml(feed: FeedInput, env: Processing) -> Outcome:
    results = Results()
    try:
        root = _parse_xml(feed)
    except Unreadable as error:
        return Outcome(FATAL, xml_report(feed.seller_id, feed.feed_id,
                                         results.whole(UNREADABLE, str(error))))
    market = env.market(feed).id
    for index, message in enumerate(m for m in root if _local(m.tag) == "Message"):
        number = _number(_text(message, "MessageID") or "", int)
        record = number if isinstance(number, int) else index + 1
        inventory = _child(message, "Inventory")
        if inventory is None:
            applied = Applied([rules.missing("Inventory")])
        else:
            applied = _inventory_message(env, market, message, inventory)
        sku = _text(inventory, "SKU") if inventory is not None else None
        results.record(record, sku or "", applied.issues)
    return Outcome(DONE, xml_report(feed.seller_id, feed.feed_id, results))


# -- flat files: Inventory Loader, price and quantity ------------------------------------------

def _rows(text: str) -> list[dict[str, str]]:
    """Data rows by column name (lower case, `_` as `-`); the header is the first line with a
    `sku` column (Amazon's templates may put a TemplateType line above it)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        names = [cell.strip().lower().replace("_", "-") for cell in line.split("\t")]
        if "sku" in names:
            return [dict(zip(names, (c.strip() for c in row.split("\t")), strict=False))
                    for row in lines[index + 1:] if row.strip()]
    raise Unreadable("The file has no header row with a 'sku' column.")


def _offer(row: dict[str, str], market: str, currency: str) -> dict[str, Any]:
    """The sales terms a row sets (only those with a value)."""
    attributes: dict[str, Any] = {}
    if row.get("price"):
        attributes["purchasable_offer"] = _price(market, currency, row["price"])
    condition = row.get("item-condition")
    if condition:
        attributes["condition_type"] = [{"value": CONDITIONS.get(condition, condition),
                                         "marketplace_id": market}]
    if row.get("item-note"):
        attributes["condition_note"] = [{"value": row["item-note"], "marketplace_id": market}]
    return attributes


def _product(row: dict[str, str], market: str) -> dict[str, Any]:
    """The catalog item a new SKU's row names: merchant_suggested_asin for an ASIN, else an
    externally_assigned_product_identifier."""
    value = row.get("product-id")
    if not value:
        return {}
    kind = PRODUCT_ID_TYPES.get(row.get("product-id-type", ""),
                                row.get("product-id-type", "").upper())
    if kind == "ASIN":
        return {"merchant_suggested_asin": [{"value": value, "marketplace_id": market}]}
    return {"externally_assigned_product_identifier": [
        {"type": kind.lower(), "value": value, "marketplace_id": market}]}


def _update(env: Processing, market: str, currency: str, listing: Listing,
            row: dict[str, str]) -> Applied:
    patches: list[dict[str, Any]] = [
        {"op": "merge" if name == "purchasable_offer" else "replace",
         "path": f"/attributes/{name}", "value": value}
        for name, value in _offer(row, market, currency).items()]
    change = _availability(row.get("quantity") or None, row.get("handling-time") or None,
                           _merchant_quantity(listing))
    if change is not None:
        patches.append(change)
    return patch(env, listing.sku, market, patches) if patches else Applied()


def _add(env: Processing, market: str, currency: str, sku: str, row: dict[str, str]) -> Applied:
    """A new offer (putListingsItem with LISTING_OFFER_ONLY) on the item the row names."""
    attributes = {"condition_type": [{"value": "new_new", "marketplace_id": market}],
                  **_product(row, market), **_offer(row, market, currency)}
    change = _availability(row.get("quantity") or None, row.get("handling-time") or None)
    if change is not None:
        attributes["fulfillment_availability"] = change["value"]
    asin, _ = rules.resolve_asin(env.state, attributes, None, True)
    item = env.state.catalog.get(asin or "")
    product_type = item.product_type if item is not None else "PRODUCT"
    return submit(env, rules.put(env.state, env.rules, sku, market, product_type,
                                 "LISTING_OFFER_ONLY", attributes))


def _row(env: Processing, market: str, currency: str, row: dict[str, str]) -> Applied:
    sku = row.get("sku", "")
    if not sku:
        return Applied([rules.missing("sku")])
    action = (row.get("add-delete") or "a").lower()
    if action in ("d", "x"):
        rules.delete(env.store, env.state, sku, market)
        return Applied()
    if action != "a":
        return Applied([rules.invalid("add_delete")])
    listing = env.state.listings.get(sku)
    if listing is None:
        return _add(env, market, currency, sku, row)
    return _update(env, market, currency, listing, row)


def process_tsv(feed: FeedInput, env: Processing) -> Outcome:
    results = Results()
    market = env.market(feed)
    try:
        rows = _rows(decode(feed, charset(market)))
    except Unreadable as error:
        return Outcome(FATAL, tsv_report(results.whole(UNREADABLE, str(error))))
    for number, row in enumerate(rows, start=1):
        applied = _row(env, market.id, market.currency, row)
        results.record(number, row.get("sku", ""), applied.issues)
    return Outcome(DONE, tsv_report(results))

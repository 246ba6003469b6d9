"""Listings Items rules: submissions (put and patch) and their issues, what a listing's
attributes mean for its price, quantity, condition and status, deletion, and search.

The attributes dict of a Listing is the source of truth: a submission replaces or patches it,
and the listing's prices, quantity, condition, name and ASIN are derived from it. Submissions
are validated the way Amazon's synchronous checks answer (issue codes seen on SP-API):
  90220   '<attribute>' is required but not supplied.          (MISSING_ATTRIBUTE)
  4000001 The provided value for '<Attribute>' is invalid.        (INVALID_ATTRIBUTE/PRICE)
  99022   The field '<field>' for the attribute '<attribute>' does not have enough values...
  8105    The data you provided for an attribute is invalid...     (an ASIN Amazon lacks)
An invalid submission changes nothing. Amazon checks attributes against the product type's
schema; the emulator checks the attributes every listing needs and the values it derives
listings from (documented choice: other attributes are accepted as sent).
"""

from __future__ import annotations

import copy
import random
import re
import string
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from emulator.business import catalog
from emulator.business.entities import CatalogItem, Listing, ListingIssue, decimals
from emulator.business.store import SellerState, StateStore
from emulator.runtime import events

REQUIRED = {
    "LISTING": ("item_name", "brand", "condition_type", "purchasable_offer"),
    "LISTING_PRODUCT_ONLY": ("item_name", "brand"),
    "LISTING_OFFER_ONLY": ("condition_type",),
}
# Sales terms; everything else is a product fact. A LISTING_OFFER_ONLY put replaces only these,
# a LISTING_PRODUCT_ONLY put everything but these, a LISTING put all of the SKU's attributes.
OFFER_ATTRIBUTES = frozenset({
    "condition_type", "condition_note", "purchasable_offer", "fulfillment_availability",
    "list_price", "merchant_shipping_group", "skip_offer", "max_order_quantity",
    "merchant_release_date", "product_tax_code", "main_offer_image_locator",
})
# Attributes Amazon keeps for every marketplace at once (answered without marketplace_id).
UNSCOPED = frozenset({"fulfillment_availability"})
# What tells values of one attribute apart, in patches' merge and delete.
SELECTORS = ("marketplace_id", "language_tag", "fulfillment_channel_code", "audience")
NUMBER = (int, float)
_PATCH_PATH = re.compile(r"^/attributes/([A-Za-z0-9_]+)$")
_UPPER_ALNUM = string.ascii_uppercase + string.digits


class PatchError(ValueError):
    """A patch the Listings Items API refuses outright (400), naming the bad patch."""


@dataclass(frozen=True)
class Rules:
    """What validation needs from the model: the condition_type values Amazon knows."""

    conditions: frozenset[str]


@dataclass
class Submission:
    """A put or patch, checked: its resulting attributes, its issues and the ASIN it lists."""

    sku: str
    marketplace_id: str
    product_type: str
    attributes: dict[str, Any]
    touched: set[str]  # attributes the submission set, replaced or removed
    issues: list[ListingIssue]
    asin: str | None  # None with no issues: a new product, Amazon assigns the ASIN
    offer_only: bool  # product facts stay as they are (LISTING_OFFER_ONLY)

    @property
    def valid(self) -> bool:
        return not any(issue.severity == "ERROR" for issue in self.issues)


# -- issues ---------------------------------------------------------------------------------

def _label(name: str) -> str:
    return name.replace("_", " ").title()


def missing(name: str) -> ListingIssue:
    category = "MISSING_PRICE" if name == "purchasable_offer" else "MISSING_ATTRIBUTE"
    return ListingIssue("90220", f"'{name}' is required but not supplied.", "ERROR", [name],
                        [category])


def invalid(name: str) -> ListingIssue:
    category = "INVALID_PRICE" if name == "purchasable_offer" else "INVALID_ATTRIBUTE"
    return ListingIssue("4000001", f"The provided value for '{_label(name)}' is invalid.",
                        "ERROR", [name], [category])


def too_few(field_name: str, name: str) -> ListingIssue:
    return ListingIssue(
        "99022", f"The field '{field_name}' for the attribute '{name}' does not have enough "
        "values. The required minimum is '1' value(s).", "ERROR", [name], ["INVALID_ATTRIBUTE"])


def unknown_product(name: str) -> ListingIssue:
    return ListingIssue(
        "8105", "The data you provided for an attribute is invalid. Please refer the data "
        "definitions and resubmit with a valid value.", "ERROR", [name], ["INVALID_ATTRIBUTE"])


# -- reading attributes ---------------------------------------------------------------------

def _entries(attributes: dict[str, Any], name: str) -> list[dict[str, Any]]:
    values = attributes.get(name)
    return [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []


def _number(value: Any) -> bool:
    return isinstance(value, NUMBER) and not isinstance(value, bool)


def _our_price(entry: dict[str, Any]) -> Any:
    """value_with_tax of the first schedule of `our_price` (missing: None)."""
    prices = entry.get("our_price")
    if not isinstance(prices, list) or not prices or not isinstance(prices[0], dict):
        return None
    schedule = prices[0].get("schedule")
    if not isinstance(schedule, list) or not schedule or not isinstance(schedule[0], dict):
        return None
    return schedule[0].get("value_with_tax")


def _consumer_offer(entry: dict[str, Any]) -> bool:
    audience = entry.get("audience", "ALL")
    return audience == "ALL" or (isinstance(audience, dict) and audience.get("value") == "ALL")


def text_value(attributes: dict[str, Any], name: str, marketplace_id: str) -> str | None:
    """The attribute's value for a marketplace (else its first value), as text."""
    entries = [e for e in _entries(attributes, name) if isinstance(e.get("value"), str)]
    chosen = next((e for e in entries if e.get("marketplace_id") == marketplace_id),
                  entries[0] if entries else None)
    return chosen["value"] if chosen else None


def offer_prices(attributes: dict[str, Any], state: SellerState) -> dict[str, int]:
    """Consumer prices by marketplace, in minor units of each marketplace's currency."""
    prices: dict[str, int] = {}
    for entry in _entries(attributes, "purchasable_offer"):
        market = state.market(str(entry.get("marketplace_id")))
        value = _our_price(entry)
        if market is not None and _number(value) and _consumer_offer(entry):
            prices[market.id] = round(value * 10 ** decimals(market.currency))
    return prices


def availability(attributes: dict[str, Any]) -> tuple[str, int] | None:
    """(MFN, quantity) for the DEFAULT channel, (AFN, 0) for an Amazon channel, else None."""
    for entry in _entries(attributes, "fulfillment_availability"):
        code = entry.get("fulfillment_channel_code")
        if code == "DEFAULT":
            return "MFN", int(entry.get("quantity", 0))
        if isinstance(code, str) and code.startswith("AMAZON"):
            return "AFN", 0
    return None


# -- checks ---------------------------------------------------------------------------------

def _check_offer(state: SellerState, entry: dict[str, Any], default_market: str) -> list[
        ListingIssue]:
    market = state.market(str(entry.get("marketplace_id", default_market)))
    if "our_price" not in entry:
        return [too_few("our_price", "purchasable_offer")]
    value = _our_price(entry)
    currency = entry.get("currency")
    if (market is None or not _number(value) or value < 0
            or (currency is not None and currency != market.currency)):
        return [invalid("purchasable_offer")]
    return []


def _check_availability(entry: dict[str, Any]) -> list[ListingIssue]:
    code = entry.get("fulfillment_channel_code")
    if not isinstance(code, str) or not code:
        return [too_few("fulfillment_channel_code", "fulfillment_availability")]
    quantity = entry.get("quantity", 0)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
        return [invalid("fulfillment_availability")]
    return []


def _check_attribute(state: SellerState, rules: Rules, name: str, values: Any,
                     market: str) -> list[ListingIssue]:
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        return [invalid(name)]
    for entry in values:
        tag = entry.get("marketplace_id")
        if tag is not None and state.market(str(tag)) is None:
            return [invalid(name)]
        if name == "purchasable_offer":
            found = _check_offer(state, entry, market)
        elif name == "fulfillment_availability":
            found = _check_availability(entry)
        elif name == "condition_type":
            found = [] if entry.get("value") in rules.conditions else [invalid(name)]
        elif name in ("item_name", "brand", "merchant_suggested_asin"):
            value = entry.get("value")
            found = [] if isinstance(value, str) and value.strip() else [invalid(name)]
        else:
            found = []
        if found:
            return found
    return []


def check(state: SellerState, rules: Rules, attributes: dict[str, Any], names: Iterable[str],
          market: str) -> list[ListingIssue]:
    """Issues with the values of the named attributes."""
    return [issue for name in sorted(names) if name in attributes
            for issue in _check_attribute(state, rules, name, attributes[name], market)]


def required(attributes: dict[str, Any], requirements: str) -> list[ListingIssue]:
    return [missing(name) for name in REQUIRED[requirements] if not attributes.get(name)]


def resolve_asin(state: SellerState, attributes: dict[str, Any], existing: Listing | None,
                 offer_only: bool) -> tuple[str | None, list[ListingIssue]]:
    """The ASIN a submission lists: the one it names (merchant_suggested_asin, or the item an
    externally_assigned_product_identifier finds), else the SKU's own; a new product (None)
    when product facts come with it; an offer needs an existing ASIN."""
    for entry in _entries(attributes, "merchant_suggested_asin"):
        asin = str(entry.get("value", "")).upper()
        if asin in state.catalog:
            return asin, []
        return None, [unknown_product("merchant_suggested_asin")]
    for entry in _entries(attributes, "externally_assigned_product_identifier"):
        item = catalog.by_external_id(state, str(entry.get("type", "")),
                                      str(entry.get("value", "")))
        if item is not None:
            return item.asin, []
        if offer_only:
            return None, [unknown_product("externally_assigned_product_identifier")]
    if existing is not None:
        return existing.asin, []
    if offer_only:
        return None, [missing("merchant_suggested_asin")]
    return None, []


# -- building submissions -------------------------------------------------------------------

def _scoped(values: list[dict[str, Any]], name: str, market: str) -> list[dict[str, Any]]:
    """Copies of the values, each tagged with the request's marketplace unless it names one
    (Amazon answers attributes with marketplace_id filled in)."""
    copies = copy.deepcopy(values)
    if name not in UNSCOPED:
        for entry in copies:
            entry.setdefault("marketplace_id", market)
    return copies


def _scope(requirements: str, names: Iterable[str]) -> set[str]:
    """The existing attributes a put of these requirements replaces."""
    names = set(names)
    if requirements == "LISTING_OFFER_ONLY":
        return names & OFFER_ATTRIBUTES
    if requirements == "LISTING_PRODUCT_ONLY":
        return names - OFFER_ATTRIBUTES
    return names


def put(state: SellerState, rules: Rules, sku: str, market: str, product_type: str,
        requirements: str, attributes: dict[str, Any]) -> Submission:
    """A putListingsItem submission: creates the SKU or replaces its attributes (those its
    requirements cover)."""
    existing = state.listings.get(sku)
    offer_only = requirements == "LISTING_OFFER_ONLY"
    issues = check(state, rules, attributes, attributes, market) + required(attributes,
                                                                           requirements)
    if issues:
        return Submission(sku, market, product_type, {}, set(), issues, None, offer_only)
    old = existing.attributes if existing else {}
    replaced = _scope(requirements, old) | set(attributes)
    result = {k: copy.deepcopy(v) for k, v in old.items() if k not in replaced}
    result.update({k: _scoped(v, k, market) for k, v in attributes.items()})
    asin, issues = resolve_asin(state, result, existing, offer_only)
    return Submission(sku, market, product_type, result, replaced, issues, asin, offer_only)


def _same_slot(value: dict[str, Any], probe: dict[str, Any]) -> bool:
    return all(value.get(key) == probe[key] for key in SELECTORS if key in probe)


def _merge(old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[dict[str, Any]]:
    merged = copy.deepcopy(old)
    for entry in new:
        target = next((v for v in merged if _same_slot(v, entry)), None)
        if target is None:
            merged.append(entry)
        else:
            target.update(entry)
    return merged


def apply_patches(attributes: dict[str, Any], patches: Sequence[dict[str, Any]],
                  market: str) -> tuple[dict[str, Any], set[str]]:
    """JSON patches on top-level attributes (the only ones Amazon lets patch): the patched
    copy and the names touched. `add` and `replace` set the attribute, `merge` merges values
    by marketplace/language/channel, `delete` drops the values named (all without a value)."""
    result = copy.deepcopy(attributes)
    touched: set[str] = set()
    for patch in patches:
        path = str(patch.get("path", ""))
        match = _PATCH_PATH.match(path)
        if match is None:
            raise PatchError(f"Invalid patch path '{path}': only top-level attributes "
                             "(/attributes/<name>) can be patched.")
        name, op, value = match[1], patch.get("op"), patch.get("value")
        if op != "delete" and not value:
            raise PatchError(f"The '{op}' operation on '{path}' needs a value.")
        values = _scoped(value or [], name, market)
        if op in ("add", "replace"):
            result[name] = values
        elif op == "merge":
            result[name] = _merge(_entries(result, name), values)
        else:
            kept = [v for v in _entries(result, name)
                    if values and not any(_same_slot(v, probe) for probe in values)]
            if kept:
                result[name] = kept
            else:
                result.pop(name, None)
        touched.add(name)
    return result, touched


def patch(state: SellerState, rules: Rules, sku: str, market: str, product_type: str,
          patches: Sequence[dict[str, Any]]) -> Submission:
    """A patchListingsItem submission. Patching an unknown SKU creates it when the patches
    make a complete offer (an upsert, as Amazon's patch of an offer does); PatchError for a
    patch Amazon refuses outright."""
    existing = state.listings.get(sku)
    result, touched = apply_patches(existing.attributes if existing else {}, patches, market)
    issues = check(state, rules, result, touched, market)
    if existing is None:
        issues += required(result, "LISTING_OFFER_ONLY")
    if issues:
        return Submission(sku, market, product_type, {}, set(), issues, None, True)
    asin, issues = resolve_asin(state, result, existing, existing is None)
    # A patch names the product type to validate against; it does not change the listing's.
    kept_type = existing.product_type if existing else product_type
    return Submission(sku, market, kept_type, result, touched, issues, asin, existing is None)


# -- committing -----------------------------------------------------------------------------

@dataclass
class Draw:
    """Identifiers for new records, from the seller's seeded generator."""

    rnd: random.Random
    taken: Callable[[str], bool] = field(default=lambda code: False)

    def code(self, prefix: str, length: int, alphabet: str = _UPPER_ALNUM) -> str:
        while True:
            value = prefix + "".join(self.rnd.choices(alphabet, k=length))
            if not self.taken(value):
                return value

    def digits(self, length: int) -> str:
        return "".join(self.rnd.choices(string.digits, k=length))


def _facts(attributes: dict[str, Any], names: Iterable[str], market: str) -> dict[str, str]:
    found = {}
    for name in names:
        if name in catalog.FACT_FIELDS:
            value = text_value(attributes, name, market)
            if value is not None:
                found[name] = value
    return found


def _new_product(store: StateStore, state: SellerState, sub: Submission, draw: Draw,
                 today: str) -> CatalogItem:
    facts = _facts(sub.attributes, catalog.FACT_FIELDS, sub.marketplace_id)
    codes = {str(e.get("type", "")).lower(): str(e.get("value", ""))
             for e in _entries(sub.attributes, "externally_assigned_product_identifier")}
    upc = codes.get("upc") or draw.digits(12)
    ean = codes.get("ean") or "0" + draw.digits(12)
    asin = Draw(draw.rnd, lambda code: code in state.catalog).code("B0", 8)
    item = catalog.new_item(asin, sub.product_type, facts, upc, ean, today)
    store.prepare(state, "catalog", asin)
    state.catalog[asin] = item
    store.changed(state, "catalog", asin, item)
    return item


def _update_product(store: StateStore, state: SellerState, sub: Submission) -> None:
    """Product facts of a submission reach the ASIN's catalog item (see catalog.apply_facts)."""
    item = state.catalog.get(sub.asin or "")
    if item is None or sub.offer_only:
        return
    store.prepare(state, "catalog", item.asin)
    if catalog.apply_facts(item, _facts(sub.attributes, sub.touched, sub.marketplace_id)):
        store.changed(state, "catalog", item.asin, item)


def _derive(state: SellerState, listing: Listing, sub: Submission, draw: Draw) -> None:
    """The listing's fields from its (new) attributes, where the submission touched them."""
    market = sub.marketplace_id
    listing.status.setdefault(market, [])
    touched = sub.touched
    if "purchasable_offer" in touched:
        # Prices count where the SKU is listed: a submission lists it in its marketplace.
        prices = offer_prices(sub.attributes, state)
        listing.prices.pop(market, None)
        listing.prices.update({m: p for m, p in prices.items() if m in listing.status})
    found = availability(sub.attributes) if "fulfillment_availability" in touched else None
    if found is not None:
        listing.fulfillment, listing.quantity = found
        if listing.fulfillment == "AFN" and listing.fnsku is None:
            listing.fnsku = draw.code("X00", 7)
    condition = text_value(sub.attributes, "condition_type", market)
    if "condition_type" in touched and condition:
        listing.condition = condition
    name = text_value(sub.attributes, "item_name", market)
    if "item_name" in touched and name:
        listing.item_name = name
    # Resubmitting an attribute answers the issues that named it.
    listing.issues = [i for i in listing.issues
                      if not i.attribute_names or not set(i.attribute_names) <= touched]
    refresh_status(listing)


def refresh_status(listing: Listing) -> None:
    """BUYABLE: priced, in stock (or fulfilled by Amazon) and free of errors; every listing of
    an ASIN is DISCOVERABLE (as the generated listings are)."""
    clean = not any(issue.severity == "ERROR" for issue in listing.issues)
    stocked = listing.fulfillment == "AFN" or listing.quantity > 0
    for market in listing.status:
        buyable = clean and stocked and market in listing.prices
        listing.status[market] = ["BUYABLE", "DISCOVERABLE"] if buyable else ["DISCOVERABLE"]


def _tracked(listing: Listing) -> dict[str, Any]:
    """What a change is published for: prices apart, the rest (the offer's price attribute
    aside, which PRICE_CHANGED covers) as LISTING_CHANGED."""
    return {"prices": listing.prices, "quantity": listing.quantity, "status": listing.status,
            "attributes": {k: v for k, v in listing.attributes.items()
                           if k != "purchasable_offer"},
            "asin": listing.asin, "fulfillment": listing.fulfillment,
            "condition": listing.condition, "item_name": listing.item_name,
            "product_type": listing.product_type}


def _publish(store: StateStore, state: SellerState, listing: Listing, before: dict[str, Any],
             created: bool, market: str) -> None:
    """One LISTING_CHANGED for anything but price (created, attributes, status, quantity),
    one PRICE_CHANGED per marketplace whose price moved; prices in minor units."""
    base = {"sku": listing.sku, "asin": listing.asin}
    changed = created or any(before[k] != _tracked(listing)[k] for k in before if k != "prices")
    if changed:
        store.changed(state, "listing", listing.sku, listing, events.LISTING_CHANGED, {
            **base, "action": "created" if created else "updated", "marketplaceId": market,
            "status": copy.deepcopy(listing.status), "quantity": listing.quantity})
    moved = [m for m in sorted(set(before["prices"]) | set(listing.prices))
             if before["prices"].get(m) != listing.prices.get(m)]
    for market_id in moved:
        store.changed(state, "listing", listing.sku, listing, events.PRICE_CHANGED, {
            **base, "marketplaceId": market_id, "currency": _currency(state, market_id),
            "price": listing.prices.get(market_id),
            "previousPrice": before["prices"].get(market_id)})
    if not changed and not moved:
        store.changed(state, "listing", listing.sku, listing)  # only lastUpdatedDate moved


def _currency(state: SellerState, market_id: str) -> str:
    market = state.market(market_id)
    return market.currency if market else ""


def commit(store: StateStore, state: SellerState, sub: Submission, draw: Draw) -> Listing:
    """Apply a valid submission: the listing (created if new), its catalog item, events."""
    now = store.clock.now()
    store.prepare(state, "listing", sub.sku)
    listing = state.listings.get(sub.sku)
    created = listing is None
    if sub.asin is None:
        sub.asin = _new_product(store, state, sub, draw, _day(now)).asin
    _update_product(store, state, sub)
    if listing is None:
        listing = Listing(
            sku=sub.sku, asin=sub.asin, product_type=sub.product_type, condition="new_new",
            item_name=state.catalog[sub.asin].title, prices={}, quantity=0, fulfillment="MFN",
            status={}, issues=[], created=now, updated=now,
            listing_id=f"{draw.digits(4)}{draw.code('', 6)}{draw.digits(4)}",
        )
        state.listings[sub.sku] = listing
    before = copy.deepcopy(_tracked(listing))
    listing.attributes = sub.attributes
    listing.asin = sub.asin
    listing.product_type = sub.product_type
    listing.updated = now
    _derive(state, listing, sub, draw)
    _publish(store, state, listing, before, created, sub.marketplace_id)
    return listing


def commit_seeded(store: StateStore, state: SellerState, sub: Submission) -> Listing:
    """`commit` with identifiers (new ASIN, listing id, FNSKU) drawn from the seller's seeded
    stream for this SKU and state version: what putListingsItem and patchListingsItem draw,
    so a listings feed makes the same records as the API."""
    rnd = store.randomness.derive("listings", state.seller_id, sub.sku, state.version)
    return commit(store, state, sub, Draw(rnd))


def _day(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")


def delete(store: StateStore, state: SellerState, sku: str, market: str) -> bool:
    """Remove the SKU's listing from a marketplace (the whole SKU when none is left); whether
    there was one."""
    listing = state.listings.get(sku)
    if listing is None or market not in listing.status:
        return False
    store.prepare(state, "listing", sku)
    del listing.status[market]
    listing.prices.pop(market, None)
    data = {"sku": sku, "asin": listing.asin, "action": "deleted", "marketplaceId": market}
    if not listing.status:
        del state.listings[sku]
        store.changed(state, "listing", sku, None, events.LISTING_CHANGED, data)
        return True
    listing.attributes = {name: kept for name, values in listing.attributes.items()
                          if (kept := [v for v in values if not isinstance(v, dict)
                                       or v.get("marketplace_id") != market])}
    listing.updated = store.clock.now()
    store.changed(state, "listing", sku, listing, events.LISTING_CHANGED, data)
    return True


# -- search ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Query:
    """searchListingsItems filters (times as epoch seconds)."""

    marketplace_ids: tuple[str, ...]
    identifiers: tuple[str, ...] = ()
    identifiers_type: str | None = None
    variation_parent_sku: str | None = None
    package_hierarchy_sku: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    updated_after: float | None = None
    updated_before: float | None = None
    severities: frozenset[str] = frozenset()
    with_status: frozenset[str] = frozenset()
    without_status: frozenset[str] = frozenset()
    sort_by: str = "lastUpdatedDate"
    descending: bool = True


def statuses(listing: Listing, markets: Iterable[str]) -> set[str]:
    return {s for m in markets for s in listing.status.get(m, ())}


def _identifier_test(state: SellerState, query: Query) -> Callable[[Listing], bool]:
    """Whether a listing carries one of the query's identifiers; product codes (EAN, UPC,
    GTIN...) are looked up in the catalog once per search."""
    wanted = set(query.identifiers)
    kind = query.identifiers_type
    if kind == "SKU":
        return lambda listing: listing.sku in wanted
    if kind == "FNSKU":
        return lambda listing: listing.fnsku in wanted
    asins = {v.upper() for v in wanted} if kind == "ASIN" else {
        item.asin for item in catalog.lookup(state, str(kind), query.identifiers)}
    return lambda listing: listing.asin in asins


def _parent_asin(state: SellerState, listing: Listing) -> str | None:
    item = state.catalog.get(listing.asin)
    return item.parent_asin if item else None


def _passes(state: SellerState, listing: Listing, query: Query,
            identified: Callable[[Listing], bool]) -> bool:
    present = [m for m in query.marketplace_ids if m in listing.status]
    if not present or not identified(listing):
        return False
    if query.variation_parent_sku is not None:
        parent = state.listings.get(query.variation_parent_sku)
        if parent is None or _parent_asin(state, listing) != parent.asin:
            return False
    if query.package_hierarchy_sku is not None:
        return False  # the emulated listings have no package hierarchies
    if not _between(listing.created, query.created_after, query.created_before):
        return False
    if not _between(listing.updated, query.updated_after, query.updated_before):
        return False
    if query.severities and not any(i.severity in query.severities for i in listing.issues):
        return False
    have = statuses(listing, present)
    if query.with_status and not have & query.with_status:
        return False
    return not have & query.without_status


def _between(moment: float, after: float | None, before: float | None) -> bool:
    return (after is None or moment >= after) and (before is None or moment <= before)


def search(state: SellerState, query: Query) -> list[Listing]:
    """Matching listings in the requested order (SKU breaks ties, so pages are stable)."""
    identified = (_identifier_test(state, query) if query.identifiers_type
                  else lambda listing: True)
    found = [listing for listing in state.listings.values()
             if _passes(state, listing, query, identified)]
    field_name = {"sku": "sku", "createdDate": "created"}.get(query.sort_by, "updated")
    found.sort(key=lambda listing: listing.sku)
    found.sort(key=lambda listing: getattr(listing, field_name), reverse=query.descending)
    return found


def variation_family(state: SellerState) -> dict[str, list[str]]:
    """The seller's SKUs by ASIN, to name a listing's variation parents and children."""
    skus: dict[str, list[str]] = {}
    for listing in state.listings.values():
        skus.setdefault(listing.asin, []).append(listing.sku)
    return skus

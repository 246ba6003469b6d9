"""The seller's catalog: finding items by keyword or identifier, their browse classifications,
variation families, and the product facts a listing submission writes back.

The emulated catalog is the seller's own (the ASINs of `SellerState.catalog`), so the Catalog
Items API answers about those items only; an ASIN outside it is Amazon's "not found".
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from emulator.business.entities import CatalogItem
from emulator.business.generate import CATEGORIES
from emulator.business.store import SellerState

_WORD = re.compile(r"[\w'&-]+")

# Product facts of a listing's attributes and the catalog field each one feeds.
FACT_FIELDS = {"item_name": "title", "brand": "brand", "manufacturer": "manufacturer",
               "color": "color", "size": "size", "model_number": "model_number",
               "product_description": "description"}

DISPLAY_GROUP_NAMES = {
    "home_display_on_website": "Home", "kitchen_display_on_website": "Kitchen",
    "apparel_display_on_website": "Apparel", "shoes_display_on_website": "Shoes",
    "toy_display_on_website": "Toy", "ce_display_on_website": "Electronics",
    "sporting_goods_display_on_website": "Sports", "pet_products_display_on_website":
    "Pet Products", "beauty_display_on_website": "Beauty",
}


def words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def keyword_match(item: CatalogItem, keywords: Sequence[str]) -> bool:
    """Amazon returns items matching *all* keywords (models#2619); a keyword of several words
    needs each of them, in the title or the brand."""
    found = words(item.title) | words(item.brand)
    return all(words(keyword) <= found for keyword in keywords)


def search(state: SellerState, keywords: Sequence[str], brands: Sequence[str] = (),
           classification_ids: Sequence[str] = ()) -> list[CatalogItem]:
    """Keyword matches, best sales rank first (then ASIN, so pages are stable)."""
    wanted_brands = {b.lower() for b in brands}
    wanted_nodes = set(classification_ids)
    found = [item for item in state.catalog.values()
             if keyword_match(item, keywords)
             and (not wanted_brands or item.brand.lower() in wanted_brands)
             and (not wanted_nodes or item.classification_id in wanted_nodes)]
    found.sort(key=lambda item: (item.sales_rank, item.asin))
    return found


def gtin(item: CatalogItem) -> str:
    """The item's GTIN-14: its EAN-13 with a leading zero."""
    return "0" + item.ean


def _matches(item: CatalogItem, kind: str, value: str) -> bool:
    if kind == "ASIN":
        return item.asin == value.upper()
    if kind == "UPC":
        return item.upc == value
    if kind == "EAN":
        return item.ean == value
    if kind == "GTIN":
        return value in (gtin(item), item.ean, item.upc)
    return False  # ISBN, JAN, MINSAN: the emulated catalog has none


def lookup(state: SellerState, kind: str, identifiers: Sequence[str]) -> list[CatalogItem]:
    """Items found by identifiers, in the order they were asked for, each once. SKUs name the
    seller's listings and find their ASINs."""
    found: dict[str, CatalogItem] = {}
    for value in identifiers:
        if kind == "SKU":
            listing = state.listings.get(value)
            item = state.catalog.get(listing.asin) if listing else None
            hits = [item] if item else []
        elif kind == "ASIN":
            item = state.catalog.get(value.upper())
            hits = [item] if item else []
        else:
            hits = [item for item in state.catalog.values() if _matches(item, kind, value)]
        for item in hits:
            found.setdefault(item.asin, item)
    return list(found.values())


def by_external_id(state: SellerState, kind: str, value: str) -> CatalogItem | None:
    """The item a listing's externally_assigned_product_identifier names (upc, ean, gtin,
    asin), or None."""
    hits = lookup(state, kind.upper(), [value])
    return hits[0] if hits else None


@dataclass(frozen=True)
class Node:
    """One browse node of an item's classification, leaf first."""

    name: str
    node_id: str


def classification(item: CatalogItem) -> list[Node]:
    """The browse path as nodes, leaf first. The leaf is the item's own node; the ancestors'
    ids are derived from their path, so every item of a category shares them."""
    parts = [p.strip() for p in item.classification_path.split(">")]
    nodes = []
    for depth in range(len(parts), 0, -1):
        if depth == len(parts):
            node_id = item.classification_id
        else:
            node_id = str(1000 + zlib.crc32(" > ".join(parts[:depth]).encode()) % 9_000_000)
        nodes.append(Node(parts[depth - 1], node_id))
    return nodes


def category_rank(item: CatalogItem) -> int:
    """The rank in the item's leaf category (a category holds a slice of the store)."""
    return item.sales_rank // 40 + 1


def children(state: SellerState) -> dict[str, list[str]]:
    """Variation children by parent ASIN."""
    family: dict[str, list[str]] = defaultdict(list)
    for item in state.catalog.values():
        if item.parent_asin:
            family[item.parent_asin].append(item.asin)
    return family


def apply_facts(item: CatalogItem, facts: dict[str, str]) -> bool:
    """Write a listing's product facts (FACT_FIELDS names) into the item; whether it changed.

    The emulated seller owns the brand of every item it lists, so its product facts win on the
    detail page, as a brand owner's do on Amazon."""
    changed = False
    for name, value in facts.items():
        field = FACT_FIELDS[name]
        if getattr(item, field) != value:
            setattr(item, field, value)
            changed = True
    return changed


def new_item(asin: str, product_type: str, facts: dict[str, str], upc: str, ean: str,
             release_date: str) -> CatalogItem:
    """A catalog item Amazon creates for a listing that names no existing ASIN. Its size and
    weight are placeholders (10 x 8 x 4 inches, 1 lb) until the emulator models them."""
    category = next((c for c in CATEGORIES if c[0] == product_type), None)
    group, path = (category[1], category[2]) if category else (
        "home_display_on_website", "Everything Else")
    title = facts.get("item_name", "")
    brand = facts.get("brand", "Generic")
    return CatalogItem(
        asin=asin, title=title, brand=brand, manufacturer=facts.get("manufacturer", brand),
        product_type=product_type, display_group=group,
        classification_id=str(1000 + zlib.crc32(path.encode()) % 9_000_000),
        classification_path=path, sales_rank=999_999, color=facts.get("color"),
        size=facts.get("size"), model_number=facts.get("model_number", ""), upc=upc,
        ean=ean, images=[], length_in=10.0, width_in=8.0, height_in=4.0, weight_lb=1.0,
        list_price=0, bullet_points=[], description=facts.get("product_description", title),
        release_date=release_date,
    )

"""FBA inventory: the seller's stock in Amazon's fulfillment network. Plain Python over the store.

One record per SKU and region (NA, EU and FE each pool their stock, so every marketplace of a
region sees the same quantities, as on SP-API). Orders move units from fulfillable to reserved
(orders.py); the sandbox-only operations of the FBA Inventory API create a record, add
fulfillable units and delete a record. Every change goes through `store.changed` and publishes
INVENTORY_CHANGED.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, replace

from emulator.business import generate
from emulator.business.entities import CatalogItem, Inventory, Listing
from emulator.business.store import PerSeller, SellerState, StateStore
from emulator.runtime import events

# Brand of the catalog items the sandbox creates: Amazon's own word for unbranded goods.
SANDBOX_BRAND = "Generic"


class InventoryError(ValueError):
    """A change the inventory does not allow; `status` is the HTTP status SP-API answers."""

    def __init__(self, message: str, details: str = "", status: int = 400) -> None:
        super().__init__(message)
        self.details = details
        self.status = status


@dataclass(frozen=True)
class Addition:
    """One entry of addInventory: units to add to a SKU's fulfillable quantity."""

    sku: str
    marketplace_id: str
    quantity: int


def records(state: SellerState, since: float | None = None,
            skus: Iterable[str] | None = None) -> list[Inventory]:
    """The records the summaries show, by SKU: those updated after `since` when it is given,
    else those of `skus` when given, else all."""
    if since is not None:
        found = [r for r in state.inventory.values() if r.updated > since]
    elif skus is not None:
        found = [r for sku in set(skus) if (r := state.inventory.get(sku)) is not None]
    else:
        found = list(state.inventory.values())
    return sorted(found, key=lambda r: r.sku)


def product_name(state: SellerState, record: Inventory) -> str:
    """The title buyers see: the listing's item name, else the catalog item's title."""
    listing = state.listings.get(record.sku)
    if listing is not None:
        return listing.item_name
    item = state.catalog.get(record.asin)
    return item.title if item is not None else ""


def check_marketplace(state: SellerState, marketplace_id: str) -> None:
    if state.market(marketplace_id) is None:
        raise InventoryError(
            "Invalid request, please check your input.",
            f"Seller {state.seller_id} does not sell in marketplace {marketplace_id!r}.")


def create_item(store: StateStore, state: SellerState, sku: str, marketplace_id: str,
                name: str) -> Inventory:
    """createInventoryItem: an empty FBA record for `sku`. A SKU the seller does not list yet
    becomes a product: a catalog item titled `name` and an FBA listing, so the control plane
    can order it like any other SKU (Amazon's sandbox pairs these items with its Fulfillment
    Outbound sandbox the same way)."""
    check_marketplace(state, marketplace_id)
    if sku in state.inventory:
        raise InventoryError(f"An inventory item with sellerSku {sku!r} already exists.",
                             "Delete it first, or add units with addInventory.")
    listing = state.listings.get(sku)
    if listing is not None and listing.fulfillment != "AFN":
        raise InventoryError(f"The SKU {sku!r} is fulfilled by the merchant.",
                             "Only SKUs fulfilled by Amazon (AFN) have FBA inventory.")
    rnd = store.randomness.derive("sandbox-inventory", state.seller_id, sku)
    now = store.clock.now()
    if listing is None:
        listing = _new_product(store, state, sku, name, rnd, now)
    fnsku = listing.fnsku or _fnsku(rnd)
    record = Inventory(sku=sku, asin=listing.asin, fnsku=fnsku, condition="NewItem",
                       fulfillable=0, inbound_working=0, inbound_shipped=0,
                       inbound_receiving=0, reserved_customer_order=0,
                       reserved_transshipment=0, reserved_fc_processing=0, unfulfillable=0,
                       researching=0, updated=now)
    store.prepare(state, "inventory", sku)
    state.inventory[sku] = record
    _changed(store, state, record, "created")
    return record


def add_units(store: StateStore, state: SellerState, additions: list[Addition]) -> None:
    """addInventory: all entries are checked before any is applied (all or nothing)."""
    if not additions:
        raise InventoryError("inventoryItems must list at least one item.")
    for entry in additions:
        check_marketplace(state, entry.marketplace_id)
        if entry.quantity < 1:
            raise InventoryError(f"Invalid quantity {entry.quantity} for sellerSku "
                                 f"{entry.sku!r}: add at least 1 unit.")
        if entry.sku not in state.inventory:
            raise _unknown(entry.sku)
    now = store.clock.now()
    for entry in additions:
        store.prepare(state, "inventory", entry.sku)
        record = state.inventory[entry.sku]
        record.fulfillable += entry.quantity
        record.updated = now
        _changed(store, state, record, "added")


def delete_item(store: StateStore, state: SellerState, sku: str, marketplace_id: str) -> None:
    """deleteInventoryItem: the record goes; the SKU's listing stays (with nothing to sell)."""
    check_marketplace(state, marketplace_id)
    store.prepare(state, "inventory", sku)
    record = state.inventory.pop(sku, None)
    if record is None:
        raise _unknown(sku)
    store.changed(state, "inventory", sku, None, events.INVENTORY_CHANGED,
                  {"sku": sku, "fulfillable": 0, "change": "deleted"})


IDEMPOTENCY_TOKENS = 10_000  # remembered per seller; the oldest are forgotten first


class IdempotencyTokens:
    """addInventory's `x-amzn-idempotency-token`: a token seen before answers as it did and
    changes nothing. Remembered as long as the seller's state lives (a reset forgets them),
    the latest IDEMPOTENCY_TOKENS of each seller."""

    def __init__(self) -> None:
        self._seen: PerSeller[dict[str, str]] = PerSeller()

    def seen(self, state: SellerState) -> dict[str, str]:
        """Token -> digest of the request that used it, for this generation of the state."""
        seen = self._seen.get(state)
        return seen if seen is not None else self._seen.put(state, {})

    def remember(self, state: SellerState, token: str, digest: str) -> None:
        seen = self.seen(state)
        seen[token] = digest
        while len(seen) > IDEMPOTENCY_TOKENS:
            del seen[next(iter(seen))]


def _unknown(sku: str) -> InventoryError:
    return InventoryError("The requested resource was not found.",
                          f"No inventory item with sellerSku {sku!r}; create it with "
                          "createInventoryItem.", status=404)


def _changed(store: StateStore, state: SellerState, record: Inventory, change: str) -> None:
    store.changed(state, "inventory", record.sku, record, events.INVENTORY_CHANGED,
                  {"sku": record.sku, "fulfillable": record.fulfillable, "change": change})


def _fnsku(rnd: random.Random) -> str:
    return "X00" + "".join(rnd.choices(generate.UPPER_ALNUM, k=7))


def _new_product(store: StateStore, state: SellerState, sku: str, name: str,
                 rnd: random.Random, now: float) -> Listing:
    """A catalog item and an FBA listing for a SKU the sandbox creates, offered (buyable) in
    every marketplace of the seller."""
    item = generate.catalog(rnd, 1, [SANDBOX_BRAND])[0]
    while item.asin in state.catalog:
        item = replace(item, asin=generate.asin(rnd))
    item = replace(item, title=name, description=name)
    store.prepare(state, "catalog", item.asin)
    state.catalog[item.asin] = item
    store.changed(state, "catalog", item.asin, item)
    listing = _listing(state, item, sku, _fnsku(rnd), rnd, now)
    store.prepare(state, "listing", sku)
    state.listings[sku] = listing
    store.changed(state, "listing", sku, listing, events.LISTING_CHANGED,
                  {"sku": sku, "quantity": 0})
    return listing


def _listing(state: SellerState, item: CatalogItem, sku: str, fnsku: str, rnd: random.Random,
             now: float) -> Listing:
    prices = {m.id: generate.price_in(item.list_price, m) for m in state.markets}
    home = state.markets[0]
    digits = "".join(rnd.choices("0123456789", k=8))
    return Listing(
        sku=sku, asin=item.asin, product_type=item.product_type, condition="new_new",
        item_name=item.title, prices=prices, quantity=0, fulfillment="AFN",
        status={m.id: ["BUYABLE", "DISCOVERABLE"] for m in state.markets}, issues=[],
        created=now, updated=now,
        listing_id=digits[:4] + "".join(rnd.choices(generate.UPPER_ALNUM, k=6)) + digits[4:],
        fnsku=fnsku,
        attributes=generate.listing_attributes(item, home, prices[home.id], 0, "AFN"),
    )

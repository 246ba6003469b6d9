"""The offers on an ASIN in one marketplace: the seller's own (from its listings, live) and
competitors' (generated), the Buy Box among them, and the lowest prices.

Competitors are drawn from `randomness.derive("offers", seller, asin)`, so the same seed gives
the same competition on every call, whatever happened before. Their prices sit around the
item's list price, not the seller's price: a price change through the Listings Items API moves
the seller's offer and can win or lose the Buy Box, while the competition stays put. When the
living store has them reprice (the n-th move of an ASIN), each competitor's price moves by a
factor drawn from the seed for that ASIN and n: the Buy Box can change hands.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, replace

from emulator.business.entities import CatalogItem, Listing
from emulator.business.generate import price_in
from emulator.business.marketplaces import Marketplace
from emulator.business.store import SellerState
from emulator.runtime.rng import Randomness

_UPPER_ALNUM = string.ascii_uppercase + string.digits
# Listings condition_type prefix -> the Product Pricing API's condition.
CONDITIONS = {"new": "New", "used": "Used", "collectible": "Collectible",
              "refurbished": "Refurbished", "club": "Club"}
SUB_CONDITIONS = {"new_new": "New", "new_open_box": "Open Box", "new_oem": "OEM",
                  "refurbished_refurbished": "Refurbished", "used_like_new": "Mint",
                  "used_very_good": "Very Good", "used_good": "Good",
                  "used_acceptable": "Acceptable", "collectible_like_new": "Mint",
                  "collectible_very_good": "Very Good", "collectible_good": "Good",
                  "collectible_acceptable": "Acceptable", "club_club": "Club"}
MAX_COMPETITORS = 8
STATES = ("CA", "TX", "NY", "FL", "WA", "NJ", "IL", "GA")


@dataclass(frozen=True)
class Offer:
    """One offer on an ASIN in one marketplace; money in minor units of its currency."""

    seller_id: str
    condition: str  # New, Used, ...
    sub_condition: str  # New, Mint, Very Good, ...
    price: int
    shipping: int
    fba: bool
    featured: bool  # eligible for the Buy Box
    rating: float  # positive feedback, percent
    feedback_count: int
    ships_from_state: str | None
    mine: bool = False
    sku: str | None = None

    @property
    def landed(self) -> int:
        return self.price + self.shipping


def condition_of(listing: Listing) -> str:
    return CONDITIONS.get(listing.condition.split("_", 1)[0], "New")


def reference_price(item: CatalogItem | None, market: Marketplace, fallback: int) -> int:
    """The item's list price in the marketplace's currency; a listing's price when the item
    has none (items made by a listing submission)."""
    if item is None or item.list_price <= 0:
        return fallback
    return price_in(item.list_price, market)


def _shipping(rnd: random.Random, market: Marketplace) -> int:
    usd = rnd.choice((0, 0, 399, 599))
    return price_in(usd, market) if usd else 0


def competitors(randomness: Randomness, seller_id: str, asin: str, market: Marketplace,
                reference: int, moves: int = 0) -> list[Offer]:
    """Other sellers' offers: 0 to MAX_COMPETITORS, mostly new, priced around `reference`,
    as they stand after `moves` repricings."""
    offers = _competitors(randomness.derive("offers", seller_id, asin), market, reference)
    if moves:
        rnd = randomness.derive("offer-moves", seller_id, asin, moves)
        offers = [replace(o, price=max(1, round(o.price * rnd.uniform(0.9, 1.06))))
                  for o in offers]
    return offers


def _competitors(rnd: random.Random, market: Marketplace, reference: int) -> list[Offer]:
    offers = []
    for _ in range(rnd.randint(0, MAX_COMPETITORS)):
        used = rnd.random() < 0.2
        factor = rnd.uniform(0.6, 0.85) if used else rnd.uniform(0.9, 1.15)
        fba = rnd.random() < 0.5
        shipping = 0 if fba else _shipping(rnd, market)
        offers.append(Offer(
            seller_id="A" + "".join(rnd.choices(_UPPER_ALNUM, k=13)),
            condition="Used" if used else "New",
            sub_condition=rnd.choice(("Very Good", "Good", "Acceptable")) if used else "New",
            price=max(1, round(reference * factor)), shipping=shipping, fba=fba,
            featured=rnd.random() < 0.85, rating=float(rnd.randint(80, 100)),
            feedback_count=rnd.randint(5, 25000),
            ships_from_state=None if fba else rnd.choice(STATES),
        ))
    return offers


def my_offers(state: SellerState, asin: str, market: Marketplace) -> list[Offer]:
    """The seller's priced listings of the ASIN in the marketplace, live."""
    return [my_offer(state, listing, market) for listing in state.listings.values()
            if listing.asin == asin and market.id in listing.prices]


def my_offer(state: SellerState, listing: Listing, market: Marketplace) -> Offer:
    # The emulator does not model shipping templates: the seller's offers ship free.
    return Offer(
        seller_id=state.seller_id, condition=condition_of(listing),
        sub_condition=SUB_CONDITIONS.get(listing.condition, "New"),
        price=listing.prices[market.id], shipping=0, fba=listing.fulfillment == "AFN",
        featured="BUYABLE" in listing.status.get(market.id, ()), rating=98.0,
        feedback_count=1200, ships_from_state=None if listing.fulfillment == "AFN" else "WA",
        mine=True, sku=listing.sku)


def all_offers(state: SellerState, randomness: Randomness, asin: str,
               market: Marketplace) -> list[Offer]:
    """Every offer on the ASIN, cheapest landed price first (FBA, then the seller's own, win
    ties)."""
    mine = my_offers(state, asin, market)
    fallback = min((offer.price for offer in mine), default=1999)
    reference = reference_price(state.catalog.get(asin), market, fallback)
    offers = mine + competitors(randomness, state.seller_id, asin, market, reference,
                                state.offer_moves.get(asin, 0))
    offers.sort(key=lambda o: (o.landed, not o.fba, not o.mine, o.seller_id))
    return offers


def buy_box(offers: list[Offer], condition: str = "New") -> Offer | None:
    """The Buy Box winner of a condition: the cheapest eligible offer (offers come sorted)."""
    return next((o for o in offers if o.featured and o.condition == condition), None)


def lowest(offers: list[Offer]) -> list[Offer]:
    """The cheapest offer per (condition, fulfilled by Amazon), in first-seen order."""
    seen: dict[tuple[str, bool], Offer] = {}
    for offer in offers:
        seen.setdefault((offer.condition, offer.fba), offer)
    return list(seen.values())

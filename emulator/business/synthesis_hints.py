"""What a synthesized answer may know of the calling seller (models/steer.Hints): its
marketplaces with their currencies, its SKUs and ASINs with their titles, its recent order ids
and addresses of each country, and the day its business stands at.

Built from the seller's state on first use and kept until the state changes, so answering
costs a dictionary lookup; the models layer (which synthesizes) never sees the business.
"""

from __future__ import annotations

from collections.abc import Sequence

from emulator.auth.accounts import Seller
from emulator.business import generate
from emulator.business.entities import Address, decimals
from emulator.business.marketplaces import MARKETPLACES, Marketplace
from emulator.business.store import SellerState, StateStore
from emulator.models.steer import Hints, Market, Place, Product
from emulator.runtime.clock import Clock

DAY = 86400.0
# Enough variety for an answer; small enough that building hints stays instant at any scale.
RECENT_ORDERS = 200
PRODUCTS = 300
PLACES_PER_COUNTRY = 40


def market_hint(market: Marketplace) -> Market:
    return Market(id=market.id, country=market.country, currency=market.currency,
                  per_usd=1 / generate.USD_PER_UNIT.get(market.currency, 1.0),
                  decimals=decimals(market.currency))


KNOWN_MARKETS = {m.id: market_hint(m) for m in MARKETPLACES.values()}


def place(address: Address) -> Place:
    return Place(name=address.name, line1=address.line1, line2=address.line2,
                 city=address.city, state=address.state, postal=address.postal_code,
                 country=address.country_code, phone=address.phone)


class SynthesisHints:
    """Hints per seller, rebuilt when the seller's state changes (its version moves)."""

    def __init__(self, store: StateStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[str, tuple[SellerState, int, float, Hints]] = {}
        self._places: dict[tuple[int, str], tuple[Place, ...]] = {}

    def reference(self) -> float:
        """The moment answers are near: the business's day (a fixed scenario anchor keeps
        answers identical on any day), else the start of the emulator clock's day."""
        if self.store.scenario.anchor != "today":
            return self.store.anchor
        now = self.clock.now()
        return now - now % DAY

    def for_seller(self, seller: Seller | None) -> Hints:
        now = self.reference()
        if seller is None:
            return Hints(now=now, known_markets=KNOWN_MARKETS, place_source=self._other_places)
        state = self.store.of(seller)
        hit = self._cache.get(seller.seller_id)
        if hit is not None and hit[0] is state and hit[1] == state.version and hit[2] == now:
            return hit[3]
        hints = self._build(state, now)
        self._cache[seller.seller_id] = (state, state.version, now, hints)
        return hints

    def _build(self, state: SellerState, now: float) -> Hints:
        products = [Product(asin=x.asin, title=x.item_name, sku=x.sku, fnsku=x.fnsku)
                    for x in list(state.listings.values())[:PRODUCTS]]
        listed = {p.asin for p in products}
        products += [Product(asin=item.asin, title=item.title)
                     for item in list(state.catalog.values())[:PRODUCTS]
                     if item.asin not in listed][:max(0, PRODUCTS - len(products))]
        pools = {country: tuple(place(a) for a in people.addresses[:PLACES_PER_COUNTRY])
                 for country, people in state.maker.people.items()}

        def places(country: str) -> Sequence[Place]:
            return pools.get(country) or self._other_places(country)

        return Hints(
            now=now, seller_id=state.seller_id,
            markets=tuple(market_hint(m) for m in state.markets),
            products=tuple(products),
            order_ids=tuple(o.order_id for o in state.order_list[-RECENT_ORDERS:]),
            known_markets=KNOWN_MARKETS, place_source=places,
        )

    def _other_places(self, country: str) -> Sequence[Place]:
        """Addresses of a country none of the seller's buyers live in, made once per seed."""
        key = (self.store.seed, country)
        found = self._places.get(key)
        if found is None:
            rnd = self.store.randomness.derive("synthesis-places", country)
            people = generate._people(rnd, country, PLACES_PER_COUNTRY)
            found = self._places[key] = tuple(place(a) for a in people.addresses)
        return found

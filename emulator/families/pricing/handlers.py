"""Product Pricing API v0: the seller's prices (getPricing), competitive prices
(getCompetitivePricing) and the offers on an item or listing (getItemOffers, getListingOffers
and their batches), from the seller's listings, live, and generated competitors
(emulator/business/offers.py).

Choices where Amazon's behaviour is not pinned down:
- A marketplace the seller does not sell in: 400 InvalidInput "Invalid Input" (the message
  SP-API gives for bad pricing input, docs#2261).
- Asins (Skus) missing for ItemType Asin (Sku): 400 "Required parameter ASIN (SellerSKU) not
  found" (the SellerSKU message is seen on SP-API, sw#77; ASIN's is by analogy).
- An ASIN or SKU the seller's catalog does not know: status ClientError in getPricing and
  getCompetitivePricing; 400 "<sku> is an invalid SKU for marketplace <id>" in the offers
  operations (seen on SP-API, docs#1551), "<asin> is an invalid ASIN ..." by analogy.
- Business buyers (CustomerType Business) see the consumer offers; the seller has no business
  prices, so getPricing with OfferType B2B lists no offers.
"""

from __future__ import annotations

import re
from collections import Counter
from email.utils import formatdate
from typing import Any

from emulator.business import catalog
from emulator.business import offers as offers_of
from emulator.business.entities import Listing
from emulator.business.generate import price_in
from emulator.business.marketplaces import Marketplace
from emulator.business.offers import Offer
from emulator.business.store import SellerState
from emulator.families import ApiContext, common
from emulator.families.common import money
from emulator.gateway.call import Call
from emulator.gateway.errors import InvalidInput, SpApiError
from emulator.gateway.registry import HandlerRegistry
from emulator.gateway.wire import Reply, json_reply

MODEL = "productPricingV0"
MAX_OFFERS = 20  # OfferDetailList maxItems
_ITEM_URI = re.compile(r"^/products/pricing/v0/items/([^/]+)/offers$")
_LISTING_URI = re.compile(r"^/products/pricing/v0/listings/([^/]+)/offers$")


def _price(offer: Offer, currency: str) -> dict[str, Any]:
    return {"LandedPrice": money(offer.landed, currency),
            "ListingPrice": money(offer.price, currency),
            "Shipping": money(offer.shipping, currency)}


def _market(state: SellerState, marketplace_id: str) -> Marketplace:
    market = state.market(marketplace_id)
    if market is None:
        raise InvalidInput("Invalid Input")
    return market


def _listing(state: SellerState, sku: str, market: Marketplace) -> Listing | None:
    listing = state.listings.get(sku)
    return listing if listing is not None and market.id in listing.status else None


def _sales_rankings(state: SellerState, asin: str) -> list[dict[str, Any]]:
    item = state.catalog.get(asin)
    if item is None:
        return []
    leaf = catalog.classification(item)[0]
    return [{"ProductCategoryId": item.display_group, "Rank": item.sales_rank},
            {"ProductCategoryId": leaf.node_id, "Rank": catalog.category_rank(item)}]


class ItemRef:
    """One item of a getPricing/getCompetitivePricing request: an ASIN or a seller SKU."""

    def __init__(self, state: SellerState, market: Marketplace, by_sku: bool,
                 value: str) -> None:
        self.by_sku = by_sku
        self.value = value
        self.listing = _listing(state, value, market) if by_sku else None
        if by_sku:
            self.asin = self.listing.asin if self.listing else None
        else:
            self.asin = value if value in state.catalog else None
        self.market = market
        self.seller_id = state.seller_id

    def entry(self, product: dict[str, Any] | None) -> dict[str, Any]:
        """The Price entry: Success with the product's data, ClientError when unknown."""
        key = "SellerSKU" if self.by_sku else "ASIN"
        identifiers: dict[str, Any] = {"MarketplaceASIN": {
            "MarketplaceId": self.market.id, "ASIN": self.asin or ""}}
        if self.by_sku:
            identifiers["SKUIdentifier"] = {"MarketplaceId": self.market.id,
                                            "SellerId": self.seller_id, "SellerSKU": self.value}
        if self.asin is None:
            return {"status": "ClientError", key: self.value,
                    "Product": {"Identifiers": identifiers}}
        return {"status": "Success", key: self.value,
                "Product": {"Identifiers": identifiers, **(product or {})}}


class ProductPricing:
    def __init__(self, context: ApiContext) -> None:
        self.context = context
        self.store = context.store

    def _refs(self, call: Call) -> tuple[SellerState, Marketplace, list[ItemRef]]:
        params = call.params or {}
        state = common.seller_state(self.store, call)
        market = _market(state, params["MarketplaceId"])
        by_sku = params["ItemType"] == "Sku"
        values = params.get("Skus" if by_sku else "Asins")
        if not values:
            raise InvalidInput(f"Required parameter {'SellerSKU' if by_sku else 'ASIN'} "
                               "not found")
        return state, market, [ItemRef(state, market, by_sku, v) for v in values]

    def _offers(self, state: SellerState, asin: str, market: Marketplace) -> list[Offer]:
        return offers_of.all_offers(state, self.store.randomness, asin, market)

    # -- getPricing ------------------------------------------------------------------------

    async def get_pricing(self, call: Call) -> Reply:
        state, market, refs = self._refs(call)
        params = call.params or {}
        condition = params.get("ItemCondition")
        business = params.get("OfferType") == "B2B"
        payload = []
        for ref in refs:
            listings = [ref.listing] if ref.listing else [
                x for x in state.listings.values()
                if x.asin == ref.asin and market.id in x.status]
            offers = [] if business else [
                self._my_price(state, x, market) for x in listings
                if market.id in x.prices and (not condition
                                              or offers_of.condition_of(x) == condition)]
            payload.append(ref.entry({"Offers": offers}))
        return json_reply(200, {"payload": payload})

    @staticmethod
    def _my_price(state: SellerState, listing: Listing, market: Marketplace) -> dict[str, Any]:
        offer = offers_of.my_offer(state, listing, market)
        return {"offerType": "B2C", "BuyingPrice": _price(offer, market.currency),
                "RegularPrice": money(offer.price, market.currency),
                "FulfillmentChannel": "AMAZON" if offer.fba else "MERCHANT",
                "ItemCondition": offer.condition, "ItemSubCondition": offer.sub_condition,
                "SellerSKU": listing.sku}

    # -- getCompetitivePricing -------------------------------------------------------------

    async def get_competitive_pricing(self, call: Call) -> Reply:
        state, market, refs = self._refs(call)
        payload = []
        for ref in refs:
            product = None
            if ref.asin is not None:
                offers = self._offers(state, ref.asin, market)
                product = {"CompetitivePricing": self._competitive(offers, market),
                           "SalesRankings": _sales_rankings(state, ref.asin)}
            payload.append(ref.entry(product))
        return json_reply(200, {"payload": payload})

    @staticmethod
    def _competitive(offers: list[Offer], market: Marketplace) -> dict[str, Any]:
        prices = []
        for price_id, condition in (("1", "New"), ("2", "Used")):
            box = offers_of.buy_box(offers, condition)
            if box is not None:
                prices.append({"CompetitivePriceId": price_id,
                               "Price": _price(box, market.currency), "condition": condition,
                               "subcondition": box.sub_condition, "offerType": "B2C",
                               "sellerId": box.seller_id, "belongsToRequester": box.mine})
        counts = Counter(offer.condition for offer in offers)
        listings = [{"Count": n, "condition": c} for c, n in sorted(counts.items())]
        listings.append({"Count": len(offers), "condition": "Any"})
        return {"CompetitivePrices": prices, "NumberOfOfferListings": listings}

    # -- getItemOffers / getListingOffers --------------------------------------------------

    def offers_payload(self, state: SellerState, market: Marketplace, condition: str,
                       asin: str | None, sku: str | None) -> dict[str, Any]:
        """GetOffersResult for an ASIN (or the ASIN of a SKU); InvalidInput when unknown."""
        if sku is not None:
            listing = _listing(state, sku, market)
            if listing is None:
                raise InvalidInput(f"{sku} is an invalid SKU for marketplace {market.id}")
            asin = listing.asin
        elif asin not in state.catalog:
            raise InvalidInput(f"{asin} is an invalid ASIN for marketplace {market.id}")
        assert asin is not None
        offers = self._offers(state, asin, market)
        key = {"SKU": sku} if sku is not None else {"ASIN": asin}
        identifier = {"MarketplaceId": market.id, "ItemCondition": condition}
        identifier.update({"SellerSKU": sku} if sku is not None else {"ASIN": asin})
        wanted = [o for o in offers if o.condition == condition][:MAX_OFFERS]
        boxes = {c: offers_of.buy_box(offers, c) for c in ("New", "Used")}
        return {**key, "status": "Success", "ItemCondition": condition, "Identifier": identifier,
                "Summary": self._summary(state, asin, market, offers, boxes),
                "Offers": [self._detail(o, market, any(o is b for b in boxes.values()))
                           for o in wanted],
                "marketplaceId": market.id}

    @staticmethod
    def _summary(state: SellerState, asin: str, market: Marketplace, offers: list[Offer],
                 boxes: dict[str, Offer | None]) -> dict[str, Any]:
        currency = market.currency

        def channel(offer: Offer) -> str:
            return "Amazon" if offer.fba else "Merchant"

        groups = Counter((o.condition.lower(), channel(o)) for o in offers)
        eligible = Counter((o.condition.lower(), channel(o)) for o in offers if o.featured)
        summary: dict[str, Any] = {
            "TotalOfferCount": len(offers),
            "NumberOfOffers": [{"condition": c, "fulfillmentChannel": f, "OfferCount": n}
                               for (c, f), n in groups.items()],
            "LowestPrices": [{"condition": o.condition.lower(), "fulfillmentChannel": channel(o),
                              **_price(o, currency)} for o in offers_of.lowest(offers)],
            "BuyBoxPrices": [{"condition": c.lower(), "offerType": "B2C", **_price(o, currency),
                              "sellerId": o.seller_id}
                             for c, o in boxes.items() if o is not None],
        }
        item = state.catalog.get(asin)
        if item is not None and item.list_price > 0:
            summary["ListPrice"] = money(price_in(item.list_price, market), currency)
        summary["SalesRankings"] = _sales_rankings(state, asin)
        summary["BuyBoxEligibleOffers"] = [
            {"condition": c, "fulfillmentChannel": f, "OfferCount": n}
            for (c, f), n in eligible.items()]
        return summary

    @staticmethod
    def _detail(offer: Offer, market: Marketplace, winner: bool) -> dict[str, Any]:
        currency = market.currency
        ships_from = {"State": offer.ships_from_state} if offer.ships_from_state else {}
        hours = (0, 0) if offer.fba else (24, 48)
        return {
            "MyOffer": offer.mine, "offerType": "B2C", "SubCondition": offer.sub_condition.lower(),
            "SellerId": offer.seller_id,
            "SellerFeedbackRating": {"SellerPositiveFeedbackRating": offer.rating,
                                     "FeedbackCount": offer.feedback_count},
            "ShippingTime": {"minimumHours": hours[0], "maximumHours": hours[1],
                             "availabilityType": "NOW"},
            "ListingPrice": money(offer.price, currency),
            "Shipping": money(offer.shipping, currency),
            "ShipsFrom": {**ships_from, "Country": market.country},
            "IsFulfilledByAmazon": offer.fba,
            "PrimeInformation": {"IsPrime": offer.fba, "IsNationalPrime": offer.fba},
            "IsBuyBoxWinner": winner, "IsFeaturedMerchant": offer.featured,
        }

    async def get_item_offers(self, call: Call) -> Reply:
        return self._offers_reply(call, asin=(call.params or {})["Asin"], sku=None)

    async def get_listing_offers(self, call: Call) -> Reply:
        return self._offers_reply(call, asin=None, sku=(call.params or {})["SellerSKU"])

    def _offers_reply(self, call: Call, asin: str | None, sku: str | None) -> Reply:
        params = call.params or {}
        state = common.seller_state(self.store, call)
        market = _market(state, params["MarketplaceId"])
        payload = self.offers_payload(state, market, params["ItemCondition"], asin, sku)
        return json_reply(200, {"payload": payload})

    # -- batches ---------------------------------------------------------------------------

    def _batch_entry(self, state: SellerState, request: dict[str, Any], by_sku: bool,
                     now: float, request_id: str) -> dict[str, Any]:
        match = (_LISTING_URI if by_sku else _ITEM_URI).match(str(request.get("uri", "")))
        echo = {k: request[k] for k in ("MarketplaceId", "ItemCondition", "CustomerType")
                if k in request}
        try:
            if match is None:
                raise InvalidInput("Invalid Input", details=f"Unexpected uri {request['uri']}.")
            market = _market(state, request["MarketplaceId"])
            payload = self.offers_payload(state, market, request["ItemCondition"],
                                          None if by_sku else match[1],
                                          match[1] if by_sku else None)
            status, body = 200, {"payload": payload}
        except SpApiError as error:
            status, body = error.status, error.body()
        # The request echo names the item (SellerSKU is required there), "" when the uri
        # named none.
        echo["SellerSKU" if by_sku else "Asin"] = match[1] if match else ""
        return {"status": {"statusCode": status, "reasonPhrase": "OK" if status == 200
                           else "Bad Request"},
                "body": body, "headers": {"x-amzn-RequestId": request_id,
                                          "Date": formatdate(now, usegmt=True)},
                "request": echo}

    async def item_offers_batch(self, call: Call) -> Reply:
        return self._batch(call, "getItemOffersBatchRequestBody", by_sku=False)

    async def listing_offers_batch(self, call: Call) -> Reply:
        return self._batch(call, "getListingOffersBatchRequestBody", by_sku=True)

    def _batch(self, call: Call, body_name: str, by_sku: bool) -> Reply:
        state = common.seller_state(self.store, call)
        requests = (call.params or {})[body_name].get("requests") or []
        if not requests:
            # The model lets `requests` be left out, but answers at least one response; a batch
            # of nothing is a bad request (Amazon's exact words for it are not documented).
            raise InvalidInput("The batch must contain from 1 to 20 requests.")
        now = self.context.clock.now()
        return json_reply(200, {"responses": [
            self._batch_entry(state, r, by_sku, now, call.request_id) for r in requests]})


def install(registry: HandlerRegistry, context: ApiContext) -> object:
    api = ProductPricing(context)
    for operation, handler in (
            ("getPricing", api.get_pricing),
            ("getCompetitivePricing", api.get_competitive_pricing),
            ("getItemOffers", api.get_item_offers),
            ("getListingOffers", api.get_listing_offers),
            ("getItemOffersBatch", api.item_offers_batch),
            ("getListingOffersBatch", api.listing_offers_batch)):
        registry.register(f"{MODEL}.{operation}", handler)
    return api

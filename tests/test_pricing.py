"""Product Pricing API v0 over HTTP: the seller's prices, competitive prices and the offers on
an item or listing, live from the listings, with deterministic competitors.

getPricing and getCompetitivePricing are asked about Canada: in the US, Amazon's static
sandbox cases (MarketplaceId + ItemType only) match every request before any handler."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.entities import Listing
from emulator.harness.embedded import Running
from tests.test_listings import (
    CA,
    US,
    Api,
    checked,
    new_listing,
    offer,
    own_emulator,
    seller_client,
    unlisted_asin,
)

MODEL = "productPricingV0"
BASE = "/products/pricing/v0"


class Pricing(Api):
    def ask(self, operation: str, url: str, method: str = "GET",
            **kwargs: Any) -> httpx.Response:
        return checked(self.server, self.client, f"{MODEL}.{operation}", method, url, **kwargs)

    def item_offers(self, asin: str, market: str = US, condition: str = "New") -> httpx.Response:
        return self.ask("getItemOffers", f"{BASE}/items/{asin}/offers",
                        params={"MarketplaceId": market, "ItemCondition": condition})

    def listing_offers(self, sku: str, market: str = US) -> httpx.Response:
        return self.ask("getListingOffers", f"{BASE}/listings/{sku}/offers",
                        params={"MarketplaceId": market, "ItemCondition": "New"})

    def pricing(self, operation: str, **params: Any) -> httpx.Response:
        path = "price" if operation == "getPricing" else "competitivePrice"
        return self.ask(operation, f"{BASE}/{path}", params={"MarketplaceId": CA, **params})


@pytest.fixture
def shared(emulator: Running, client: httpx.Client) -> Pricing:
    return Pricing(emulator, client)


@pytest.fixture(scope="module")
def own(models_dir: Path) -> Iterator[Pricing]:
    with own_emulator(models_dir) as server, seller_client(server) as client:
        yield Pricing(server, client)


def priced(api: Pricing, market: str = US) -> Listing:
    """A listing whose ASIN no other SKU of the seller offers."""
    by_asin: dict[str, int] = {}
    for listing in api.state.listings.values():
        by_asin[listing.asin] = by_asin.get(listing.asin, 0) + 1
    return next(x for x in api.state.listings.values()
                if market in x.prices and by_asin[x.asin] == 1)


def test_item_offers_show_the_sellers_offer_and_the_competition(shared: Pricing) -> None:
    listing = priced(shared)
    payload = shared.item_offers(listing.asin).json()["payload"]
    assert payload["ASIN"] == listing.asin and payload["status"] == "Success"
    assert payload["Identifier"] == {"MarketplaceId": US, "ItemCondition": "New",
                                     "ASIN": listing.asin}
    offers = payload["Offers"]
    mine = [o for o in offers if o["MyOffer"]]
    assert len(mine) == 1 and mine[0]["SellerId"] == shared.seller_id
    assert mine[0]["ListingPrice"]["Amount"] == listing.prices[US] / 100
    assert mine[0]["IsFulfilledByAmazon"] == (listing.fulfillment == "AFN")
    landed = [o["ListingPrice"]["Amount"] + o["Shipping"]["Amount"] for o in offers]
    assert landed == sorted(landed)
    summary = payload["Summary"]
    assert summary["TotalOfferCount"] == sum(n["OfferCount"] for n in summary["NumberOfOffers"])
    new_offers = sum(n["OfferCount"] for n in summary["NumberOfOffers"] if n["condition"] == "new")
    assert len(offers) == new_offers
    winners = [o for o in offers if o["IsBuyBoxWinner"]]
    box = next(b for b in summary["BuyBoxPrices"] if b["condition"] == "new")
    assert len(winners) == 1 and winners[0]["ListingPrice"] == box["ListingPrice"]
    assert winners[0]["IsFeaturedMerchant"]
    eligible = [o["ListingPrice"]["Amount"] + o["Shipping"]["Amount"]
                for o in offers if o["IsFeaturedMerchant"]]
    assert box["LandedPrice"]["Amount"] == min(eligible)


def test_item_offers_are_stable_across_calls(shared: Pricing) -> None:
    asin = priced(shared).asin
    assert shared.item_offers(asin).json() == shared.item_offers(asin).json()


def test_same_seed_gives_the_same_competition(models_dir: Path) -> None:
    answers = []
    for _ in range(2):
        with own_emulator(models_dir, seed=7) as server, seller_client(server) as client:
            api = Pricing(server, client)
            asins = sorted({x.asin for x in api.state.listings.values()})[:5]
            answers.append([api.item_offers(asin).json() for asin in asins])
    assert answers[0] == answers[1]
    with own_emulator(models_dir, seed=8) as server, seller_client(server) as client:
        api = Pricing(server, client)
        asins = sorted({x.asin for x in api.state.listings.values()})[:5]
        assert [api.item_offers(asin).json() for asin in asins] != answers[0]


def test_used_offers_come_with_item_condition_used(shared: Pricing) -> None:
    for listing in shared.state.listings.values():
        payload = shared.item_offers(listing.asin, condition="Used").json()["payload"]
        if payload["Offers"]:
            break
    else:
        pytest.fail("no ASIN with used offers")
    assert all(o["SubCondition"] in ("very good", "good", "acceptable")
               for o in payload["Offers"])
    assert not any(o["MyOffer"] for o in payload["Offers"])  # the seller's offers are new


def test_unknown_asin_and_sku_are_refused(shared: Pricing) -> None:
    response = shared.item_offers("B0UNKNOWN0")
    assert response.status_code == 400
    assert response.json() == {"errors": [{
        "code": "InvalidInput", "message": "B0UNKNOWN0 is an invalid ASIN for marketplace "
        "ATVPDKIKX0DER", "details": ""}]}
    response = shared.listing_offers("NO-SUCH-SKU")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == (
        "NO-SUCH-SKU is an invalid SKU for marketplace ATVPDKIKX0DER")


def test_listing_offers_name_the_sku(shared: Pricing) -> None:
    listing = priced(shared)
    payload = shared.listing_offers(listing.sku).json()["payload"]
    assert payload["SKU"] == listing.sku and "ASIN" not in payload
    assert payload["Identifier"]["SellerSKU"] == listing.sku
    by_asin = shared.item_offers(listing.asin).json()["payload"]
    assert {k: v for k, v in payload.items() if k not in ("SKU", "Identifier")} == {
        k: v for k, v in by_asin.items() if k not in ("ASIN", "Identifier")}


def test_get_pricing_by_sku_and_asin(shared: Pricing) -> None:
    listing = priced(shared, CA)
    body = shared.pricing("getPricing", ItemType="Sku", Skus=f"{listing.sku},NO-SUCH").json()
    found, unknown = body["payload"]
    assert found["status"] == "Success" and found["SellerSKU"] == listing.sku
    product = found["Product"]
    assert product["Identifiers"]["SKUIdentifier"] == {
        "MarketplaceId": CA, "SellerId": shared.seller_id, "SellerSKU": listing.sku}
    price = listing.prices[CA] / 100
    assert product["Offers"] == [{
        "offerType": "B2C", "BuyingPrice": {
            "LandedPrice": {"CurrencyCode": "CAD", "Amount": price},
            "ListingPrice": {"CurrencyCode": "CAD", "Amount": price},
            "Shipping": {"CurrencyCode": "CAD", "Amount": 0.0}},
        "RegularPrice": {"CurrencyCode": "CAD", "Amount": price},
        "FulfillmentChannel": "AMAZON" if listing.fulfillment == "AFN" else "MERCHANT",
        "ItemCondition": "New", "ItemSubCondition": "New", "SellerSKU": listing.sku}]
    assert unknown["status"] == "ClientError" and unknown["SellerSKU"] == "NO-SUCH"
    by_asin = shared.pricing("getPricing", ItemType="Asin", Asins=listing.asin).json()
    assert by_asin["payload"][0]["Product"]["Offers"] == product["Offers"]
    business = shared.pricing("getPricing", ItemType="Asin", Asins=listing.asin,
                              OfferType="B2B").json()
    assert business["payload"][0]["Product"]["Offers"] == []


def test_pricing_request_rules(shared: Pricing) -> None:
    response = shared.pricing("getPricing", ItemType="Asin")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"] == "Required parameter ASIN not found"
    response = shared.pricing("getCompetitivePricing", ItemType="Sku")
    assert response.json()["errors"][0]["message"] == "Required parameter SellerSKU not found"
    many = ",".join(f"B0{n:08d}" for n in range(21))
    assert shared.pricing("getPricing", ItemType="Asin", Asins=many).status_code == 400
    response = shared.ask("getPricing", f"{BASE}/price", params={
        "MarketplaceId": "A1F83G8C2ARO7P", "ItemType": "Asin", "Asins": "B0XXXXXXXX"})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": "InvalidInput", "message": "Invalid Input",
                                           "details": ""}]}


def test_competitive_pricing(shared: Pricing) -> None:
    listing = priced(shared, CA)
    item = shared.state.catalog[listing.asin]
    payload = shared.pricing("getCompetitivePricing", ItemType="Asin",
                             Asins=f"{listing.asin},B0UNKNOWN0").json()["payload"]
    competitive = payload[0]["Product"]["CompetitivePricing"]
    offers = shared.ask("getItemOffers", f"{BASE}/items/{listing.asin}/offers", params={
        "MarketplaceId": CA, "ItemCondition": "New"}).json()["payload"]
    box = next(b for b in offers["Summary"]["BuyBoxPrices"] if b["condition"] == "new")
    new_box = next(p for p in competitive["CompetitivePrices"] if p["CompetitivePriceId"] == "1")
    assert new_box["Price"]["LandedPrice"] == box["LandedPrice"]
    assert new_box["belongsToRequester"] == (box["sellerId"] == shared.seller_id)
    counts = {n["condition"]: n["Count"] for n in competitive["NumberOfOfferListings"]}
    assert counts["Any"] == offers["Summary"]["TotalOfferCount"]
    assert payload[0]["Product"]["SalesRankings"][0] == {
        "ProductCategoryId": item.display_group, "Rank": item.sales_rank}
    assert payload[1]["status"] == "ClientError"


def test_a_price_change_shows_at_once_and_moves_the_buy_box(own: Pricing) -> None:
    asin = unlisted_asin(own)
    assert own.put("PR-BOX", new_listing(asin, price=1.0)).json()["status"] == "ACCEPTED"
    winners = [o for o in own.item_offers(asin).json()["payload"]["Offers"]
               if o["IsBuyBoxWinner"]]
    assert winners[0]["MyOffer"] and winners[0]["ListingPrice"]["Amount"] == 1.0
    own.patch("PR-BOX", [{"op": "replace", "path": "/attributes/purchasable_offer",
                          "value": offer(9999.0)}])
    payload = own.item_offers(asin).json()["payload"]
    mine = next(o for o in payload["Offers"] if o["MyOffer"])
    assert mine["ListingPrice"]["Amount"] == 9999.0
    competitors = [o for o in payload["Offers"] if not o["MyOffer"] and o["IsFeaturedMerchant"]]
    assert competitors and not mine["IsBuyBoxWinner"]
    own.patch("PR-BOX", [{"op": "merge", "path": "/attributes/purchasable_offer",
                          "value": offer(31.5, CA, "CAD")}], market=CA)
    body = own.pricing("getPricing", ItemType="Sku", Skus="PR-BOX").json()
    assert body["payload"][0]["Product"]["Offers"][0]["RegularPrice"] == {
        "CurrencyCode": "CAD", "Amount": 31.5}


def test_item_offers_batch(shared: Pricing) -> None:
    listing = priced(shared)
    requests = [{"uri": f"{BASE}/items/{listing.asin}/offers", "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New", "CustomerType": "Consumer"},
                {"uri": f"{BASE}/items/B0UNKNOWN0/offers", "method": "GET",
                 "MarketplaceId": US, "ItemCondition": "New"}]
    body = shared.ask("getItemOffersBatch", "/batches/products/pricing/v0/itemOffers",
                      method="POST", json={"requests": requests}).json()
    ok, bad = body["responses"]
    assert ok["status"] == {"statusCode": 200, "reasonPhrase": "OK"}
    assert ok["body"] == shared.item_offers(listing.asin).json()
    assert ok["request"] == {"MarketplaceId": US, "ItemCondition": "New",
                             "CustomerType": "Consumer", "Asin": listing.asin}
    assert bad["status"]["statusCode"] == 400
    assert bad["body"]["errors"][0]["code"] == "InvalidInput"
    listings = shared.ask("getListingOffersBatch", "/batches/products/pricing/v0/listingOffers",
                          method="POST", json={"requests": [{
                              "uri": f"{BASE}/listings/{listing.sku}/offers", "method": "GET",
                              "MarketplaceId": US, "ItemCondition": "New"}]}).json()
    assert listings["responses"][0]["body"] == shared.listing_offers(listing.sku).json()

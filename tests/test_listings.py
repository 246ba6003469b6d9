"""Listings Items API 2021-08-01 over HTTP: reads, submissions (put, patch, delete) and their
issues, VALIDATION_PREVIEW, events, and search with paging. Every answer is checked against
the model. Submissions run on an emulator of this module's own, so the shared one keeps its
generated listings."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business.entities import Listing
from emulator.config import Settings
from emulator.harness.embedded import Running, running
from emulator.models.schemas import validator_for
from emulator.runtime import events
from emulator.runtime.events import Event
from tests.conftest import TokenSource

US, CA, MX = "ATVPDKIKX0DER", "A2EUQ1WTGCTBG2", "A1AM78C64UM0Y8"
UK = "A1F83G8C2ARO7P"
MODEL = "listingsItems_2021-08-01"
BASE = "/listings/2021-08-01/items"


# -- helpers shared by the Listings, Catalog, Pricing and Fees tests --------------------------

def checked(server: Running, client: httpx.Client, uid: str, method: str, url: str,
            **kwargs: Any) -> httpx.Response:
    """Send a request; its answer must validate against the schema of its status."""
    response = client.request(method, url, **kwargs)
    operation = server.app.models.operation(uid)
    declared = operation.responses.get(str(response.status_code))
    assert declared is not None, f"{uid}: undeclared {response.status_code} {response.text}"
    schema = declared.get("schema")
    if schema is not None:
        errors = list(validator_for(operation.model, schema).iter_errors(response.json()))
        assert not errors, f"{uid} {response.status_code}: {errors[0].message}"
    return response


@contextmanager
def own_emulator(models_dir: Path, seed: int = 1) -> Iterator[Running]:
    """An emulator of the test's own (small: 10 orders per seller)."""
    with running(Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                          seed=seed)) as server:
        yield server


def seller_client(server: Running, seller_index: int = 0) -> httpx.Client:
    app = server.app
    if seller_index == 0:
        token = TokenSource(server).seller()
    else:
        token = app.tokens.issue_access(app.accounts.apps[0], app.accounts.sellers[seller_index])
    return httpx.Client(base_url=server.base_url, timeout=30,
                        headers={"x-amz-access-token": token})


@dataclass
class Api:
    """One emulator, its default seller's client, and the calls the tests make."""

    server: Running
    client: httpx.Client

    @property
    def seller_id(self) -> str:
        return self.server.app.accounts.sellers[0].seller_id

    @property
    def state(self) -> Any:
        app = self.server.app
        return app.store.of(app.accounts.sellers[0])

    def call(self, operation: str, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return checked(self.server, self.client, f"{MODEL}.{operation}", method, url, **kwargs)

    def get(self, sku: str, market: str = US, **params: Any) -> httpx.Response:
        return self.call("getListingsItem", "GET", f"{BASE}/{self.seller_id}/{sku}",
                         params={"marketplaceIds": market, **params})

    def put(self, sku: str, body: dict[str, Any], market: str = US,
            **params: Any) -> httpx.Response:
        return self.call("putListingsItem", "PUT", f"{BASE}/{self.seller_id}/{sku}",
                         params={"marketplaceIds": market, **params}, json=body)

    def patch(self, sku: str, patches: list[dict[str, Any]], market: str = US,
              **params: Any) -> httpx.Response:
        return self.call("patchListingsItem", "PATCH", f"{BASE}/{self.seller_id}/{sku}",
                         params={"marketplaceIds": market, **params},
                         json={"productType": "PRODUCT", "patches": patches})

    def delete(self, sku: str, market: str = US) -> httpx.Response:
        return self.call("deleteListingsItem", "DELETE", f"{BASE}/{self.seller_id}/{sku}",
                         params={"marketplaceIds": market})

    def search(self, **params: Any) -> httpx.Response:
        return self.call("searchListingsItems", "GET", f"{BASE}/{self.seller_id}",
                         params={"marketplaceIds": US, **params})


def offer(price: Any, market: str = US, currency: str = "USD") -> list[dict[str, Any]]:
    return [{"marketplace_id": market, "currency": currency,
             "our_price": [{"schedule": [{"value_with_tax": price}]}]}]


def new_listing(asin: str | None = None, price: Any = 24.99, quantity: Any = 7,
                name: str = "Quokka Trail Thermos, Teal") -> dict[str, Any]:
    """A LISTING put body; an existing ASIN when given, else a new product."""
    attributes: dict[str, Any] = {
        "item_name": [{"value": name, "language_tag": "en_US"}],
        "brand": [{"value": "Quokka Outfitters", "language_tag": "en_US"}],
        "condition_type": [{"value": "new_new"}],
        "purchasable_offer": offer(price),
        "fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT",
                                      "quantity": quantity}],
    }
    if asin:
        attributes["merchant_suggested_asin"] = [{"value": asin}]
    return {"productType": "KITCHEN", "requirements": "LISTING", "attributes": attributes}


class Recorder:
    """Events of some types, while subscribed."""

    def __init__(self, server: Running, *types: str) -> None:
        self.bus = server.app.events
        self.seen: list[Event] = []
        self.types = types

    def __enter__(self) -> Recorder:
        self.bus.subscribe(self.seen.append, *self.types)
        return self

    def __exit__(self, *exc: object) -> None:
        self.bus.unsubscribe(self.seen.append)


# -- fixtures -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def own(models_dir: Path) -> Iterator[Api]:
    with own_emulator(models_dir) as server, seller_client(server) as client:
        yield Api(server, client)


@pytest.fixture
def shared(emulator: Running, client: httpx.Client) -> Api:
    return Api(emulator, client)


def unlisted_asin(api: Api) -> str:
    """An ASIN of the catalog that no SKU lists yet (each test takes a fresh one)."""
    listed = {x.asin for x in api.state.listings.values()}
    return next(asin for asin in api.state.catalog if asin not in listed)


def some_listing(api: Api, fulfillment: str = "MFN", **want: Any) -> Listing:
    return next(x for x in api.state.listings.values() if x.fulfillment == fulfillment
                and US in x.status and all(getattr(x, k) == v for k, v in want.items()))


# -- reads ----------------------------------------------------------------------------------

def test_get_answers_summaries_by_default(shared: Api) -> None:
    listing = some_listing(shared)
    item = shared.state.catalog[listing.asin]
    body = shared.get(listing.sku).json()
    assert list(body) == ["sku", "summaries"]
    summary = body["summaries"][0]
    assert summary["marketplaceId"] == US and summary["asin"] == listing.asin
    assert summary["productType"] == listing.product_type
    assert summary["conditionType"] == "new_new"
    assert summary["status"] == listing.status[US]
    assert summary["itemName"] == listing.item_name
    assert summary["mainImage"]["link"] == item.images[0]
    assert "fnSku" not in summary  # merchant-fulfilled


def test_get_answers_every_data_set_a_seller_has(shared: Api) -> None:
    listing = some_listing(shared, fulfillment="AFN")
    included = ("summaries,attributes,issues,offers,fulfillmentAvailability,procurement,"
                "relationships,productTypes")
    body = shared.get(listing.sku, includedData=included).json()
    assert list(body) == ["sku", "summaries", "attributes", "issues", "offers",
                          "fulfillmentAvailability", "relationships", "productTypes"]
    assert body["summaries"][0]["fnSku"] == listing.fnsku
    assert body["attributes"] == listing.attributes
    assert body["offers"][0]["price"]["amount"] == f"{listing.prices[US] / 100:.2f}"
    record = shared.state.inventory[listing.sku]
    assert body["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "AMAZON_NA",
                                                "quantity": record.fulfillable}]
    assert body["productTypes"] == [{"marketplaceId": US, "productType": listing.product_type}]


def test_get_of_another_sellers_id_is_refused(shared: Api) -> None:
    listing = some_listing(shared)
    response = shared.call("getListingsItem", "GET", f"{BASE}/A3OTHERSELLER0/{listing.sku}",
                           params={"marketplaceIds": US})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": "InvalidInput",
                                           "message": "Invalid 'sellerId' provided.",
                                           "details": ""}]}


def test_get_in_a_marketplace_the_seller_does_not_sell_in_is_refused(shared: Api) -> None:
    response = shared.get(some_listing(shared).sku, market=UK)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": "InvalidInput",
                                           "message": "Invalid 'marketplaceIds' provided.",
                                           "details": ""}]}


def test_unknown_sku_is_amazons_404(shared: Api) -> None:
    response = shared.get("NO-SUCH-SKU")
    assert response.status_code == 404
    assert response.json() == {"errors": [{
        "code": "NOT_FOUND", "message": "SKU 'NO-SUCH-SKU' not found in marketplace "
        "ATVPDKIKX0DER", "details": ""}]}


# -- put ------------------------------------------------------------------------------------

def test_put_creates_a_listing_that_get_search_and_catalog_show(own: Api) -> None:
    asin = unlisted_asin(own)
    with Recorder(own.server, events.LISTING_CHANGED, events.PRICE_CHANGED) as seen:
        response = own.put("QK-PUT-1", new_listing(asin), includedData="identifiers,issues")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ACCEPTED" and body["issues"] == []
    assert body["identifiers"] == [{"marketplaceId": US, "asin": asin}]
    assert len(body["submissionId"]) == 32
    assert [e.type for e in seen.seen] == [events.LISTING_CHANGED, events.PRICE_CHANGED]
    assert seen.seen[0].data["action"] == "created"
    assert seen.seen[1].data == {"sku": "QK-PUT-1", "asin": asin, "marketplaceId": US,
                                 "currency": "USD", "price": 2499, "previousPrice": None}

    got = own.get("QK-PUT-1", includedData="summaries,attributes,offers,"
                  "fulfillmentAvailability").json()
    assert got["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert got["summaries"][0]["itemName"] == "Quokka Trail Thermos, Teal"
    assert got["offers"][0]["price"] == {"currencyCode": "USD", "amount": "24.99"}
    assert got["fulfillmentAvailability"] == [{"fulfillmentChannelCode": "DEFAULT",
                                               "quantity": 7}]
    # Values come back tagged with the marketplace they were submitted for.
    assert got["attributes"]["brand"] == [{"value": "Quokka Outfitters", "language_tag": "en_US",
                                           "marketplace_id": US}]
    found = own.search(identifiers="QK-PUT-1", identifiersType="SKU").json()
    assert [i["sku"] for i in found["items"]] == ["QK-PUT-1"]
    # Product facts of a LISTING submission reach the ASIN's catalog item.
    catalog = checked(own.server, own.client, "catalogItems_2022-04-01.getCatalogItem", "GET",
                      f"/catalog/2022-04-01/items/{asin}", params={"marketplaceIds": US})
    assert catalog.json()["summaries"][0]["itemName"] == "Quokka Trail Thermos, Teal"
    assert catalog.json()["summaries"][0]["brand"] == "Quokka Outfitters"


def test_put_of_a_new_product_makes_a_new_asin(own: Api) -> None:
    body = new_listing(name="Wombat Lunchbox Deluxe")
    body["attributes"]["externally_assigned_product_identifier"] = [
        {"type": "upc", "value": "123456789012"}]
    response = own.put("QK-NEW-1", body, includedData="identifiers,issues")
    asin = response.json()["identifiers"][0]["asin"]
    assert response.json()["status"] == "ACCEPTED" and asin.startswith("B0")
    item = own.state.catalog[asin]
    assert (item.title, item.brand, item.upc) == ("Wombat Lunchbox Deluxe",
                                                  "Quokka Outfitters", "123456789012")
    found = checked(own.server, own.client, "catalogItems_2022-04-01.searchCatalogItems",
                    "GET", "/catalog/2022-04-01/items",
                    params={"marketplaceIds": US, "keywords": "wombat,lunchbox"}).json()
    assert [i["asin"] for i in found["items"]] == [asin]


def test_put_replaces_a_listings_attributes(own: Api) -> None:
    asin = unlisted_asin(own)
    own.put("QK-REPLACE", new_listing(asin))
    body = new_listing(asin, price=30)
    del body["attributes"]["fulfillment_availability"]
    body["attributes"]["color"] = [{"value": "Teal"}]
    own.put("QK-REPLACE", body)
    got = own.get("QK-REPLACE", includedData="attributes,offers").json()
    assert set(got["attributes"]) == set(body["attributes"])
    assert got["offers"][0]["price"]["amount"] == "30.00"


def invalid_put(api: Api, sku: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    """A put that must be INVALID and leave the listings as they were; its issues."""
    before = copy.deepcopy(api.state.listings.get(sku))
    response = api.put(sku, body, includedData="identifiers,issues")
    answer = response.json()
    assert response.status_code == 200
    assert answer["status"] == "INVALID" and answer["identifiers"] == []
    assert api.state.listings.get(sku) == before
    return list(answer["issues"])


def test_put_missing_required_attributes_is_invalid_and_changes_nothing(own: Api) -> None:
    body = {"productType": "KITCHEN", "requirements": "LISTING",
            "attributes": {"item_name": [{"value": "Half a listing"}]}}
    issues = invalid_put(own, "QK-HALF", body)
    assert issues == [
        {"code": "90220", "message": f"'{name}' is required but not supplied.",
         "severity": "ERROR", "attributeNames": [name],
         "categories": ["MISSING_PRICE" if name == "purchasable_offer" else "MISSING_ATTRIBUTE"],
         "marketplaceIds": [US]}
        for name in ("brand", "condition_type", "purchasable_offer")]
    assert own.get("QK-HALF").status_code == 404


def test_put_invalid_values_are_reported_per_attribute(own: Api) -> None:
    asin = unlisted_asin(own)
    own.put("QK-VALUES", new_listing(asin))
    issues = invalid_put(own, "QK-VALUES", new_listing(asin, price="12.00", quantity=-1))
    assert [(i["code"], i["attributeNames"], i["categories"]) for i in issues] == [
        ("4000001", ["fulfillment_availability"], ["INVALID_ATTRIBUTE"]),
        ("4000001", ["purchasable_offer"], ["INVALID_PRICE"])]
    assert issues[1]["message"] == "The provided value for 'Purchasable Offer' is invalid."
    body = new_listing(asin)
    body["attributes"]["fulfillment_availability"] = [{"quantity": 5}]
    issues = invalid_put(own, "QK-VALUES", body)
    assert issues[0]["code"] == "99022" and issues[0]["message"] == (
        "The field 'fulfillment_channel_code' for the attribute 'fulfillment_availability' "
        "does not have enough values. The required minimum is '1' value(s).")
    body["attributes"]["fulfillment_availability"] = [{"fulfillment_channel_code": "DEFAULT"}]
    body["attributes"]["condition_type"] = [{"value": "brand_new"}]
    assert [i["attributeNames"] for i in invalid_put(own, "QK-VALUES", body)] == [
        ["condition_type"]]


def test_offer_only_put_needs_an_asin_amazon_has(own: Api) -> None:
    attributes = {"condition_type": [{"value": "new_new"}], "purchasable_offer": offer(9.5)}
    issues = invalid_put(own, "QK-OFFER", {"productType": "PRODUCT",
                                           "requirements": "LISTING_OFFER_ONLY",
                                           "attributes": attributes})
    assert [(i["code"], i["attributeNames"]) for i in issues] == [
        ("90220", ["merchant_suggested_asin"])]
    unknown = {**attributes, "merchant_suggested_asin": [{"value": "B0NOTREAL1"}]}
    issues = invalid_put(own, "QK-OFFER", {"productType": "PRODUCT",
                                           "requirements": "LISTING_OFFER_ONLY",
                                           "attributes": unknown})
    assert issues == [{
        "code": "8105", "message": "The data you provided for an attribute is invalid. Please "
        "refer the data definitions and resubmit with a valid value.", "severity": "ERROR",
        "attributeNames": ["merchant_suggested_asin"], "categories": ["INVALID_ATTRIBUTE"],
        "marketplaceIds": [US]}]
    asin = unlisted_asin(own)
    title = own.state.catalog[asin].title
    known = {**attributes, "merchant_suggested_asin": [{"value": asin}],
             "item_name": [{"value": "An offer does not rename the product"}]}
    response = own.put("QK-OFFER", {"productType": "PRODUCT",
                                    "requirements": "LISTING_OFFER_ONLY",
                                    "attributes": known})
    assert response.json()["status"] == "ACCEPTED"
    assert own.state.catalog[asin].title == title
    # An offer without quantity is not buyable (merchant-fulfilled, nothing in stock).
    assert own.get("QK-OFFER").json()["summaries"][0]["status"] == ["DISCOVERABLE"]


def test_validation_preview_validates_and_changes_nothing(own: Api) -> None:
    asin = unlisted_asin(own)
    version = own.state.version
    valid = own.put("QK-PREVIEW", new_listing(asin), mode="VALIDATION_PREVIEW",
                    includedData="identifiers,issues").json()
    assert valid["status"] == "VALID" and valid["issues"] == []
    assert valid["identifiers"] == [{"marketplaceId": US, "asin": asin}]
    invalid = own.put("QK-PREVIEW", new_listing(asin, quantity=-3),
                      mode="VALIDATION_PREVIEW").json()
    assert invalid["status"] == "INVALID"
    assert [i["attributeNames"] for i in invalid["issues"]] == [["fulfillment_availability"]]
    patched = own.patch("QK-PREVIEW", [{"op": "replace", "path": "/attributes/condition_type",
                                        "value": [{"value": "new_new"}]}],
                        mode="VALIDATION_PREVIEW").json()
    assert patched["status"] == "INVALID"  # an unknown SKU's patches make no offer yet
    assert own.state.version == version
    assert own.get("QK-PREVIEW").status_code == 404


# -- patch ----------------------------------------------------------------------------------

@pytest.fixture
def patched_sku(own: Api, request: pytest.FixtureRequest) -> str:
    sku = f"QK-PATCH-{request.node.name[-12:]}"
    asin = unlisted_asin(own)
    assert own.put(sku, new_listing(asin, price=20, quantity=5)).json()["status"] == "ACCEPTED"
    return sku


def test_patch_replace_of_the_price_is_published_and_priced_everywhere(
        own: Api, patched_sku: str) -> None:
    with Recorder(own.server, events.LISTING_CHANGED, events.PRICE_CHANGED) as seen:
        answer = own.patch(patched_sku, [{"op": "replace", "path": "/attributes/purchasable_offer",
                                          "value": offer(17.25)}]).json()
    assert answer["status"] == "ACCEPTED" and answer["issues"] == []
    assert [(e.type, e.data["price"], e.data["previousPrice"]) for e in seen.seen] == [
        (events.PRICE_CHANGED, 1725, 2000)]
    assert own.state.listings[patched_sku].prices[US] == 1725
    offers = checked(own.server, own.client, "productPricingV0.getListingOffers", "GET",
                     f"/products/pricing/v0/listings/{patched_sku}/offers",
                     params={"MarketplaceId": US, "ItemCondition": "New"}).json()
    mine = [o for o in offers["payload"]["Offers"] if o["MyOffer"]]
    assert mine[0]["ListingPrice"] == {"CurrencyCode": "USD", "Amount": 17.25}


def test_patch_of_quantity_moves_status_and_is_published(own: Api, patched_sku: str) -> None:
    with Recorder(own.server, events.LISTING_CHANGED) as seen:
        own.patch(patched_sku, [{"op": "replace", "path": "/attributes/fulfillment_availability",
                                 "value": [{"fulfillment_channel_code": "DEFAULT",
                                            "quantity": 0}]}])
    assert seen.seen[0].data["quantity"] == 0
    assert seen.seen[0].data["status"] == {US: ["DISCOVERABLE"]}
    summary = own.get(patched_sku).json()["summaries"][0]
    assert summary["status"] == ["DISCOVERABLE"]


def test_patch_add_merge_and_delete(own: Api, patched_sku: str) -> None:
    own.patch(patched_sku, [{"op": "add", "path": "/attributes/bullet_point",
                             "value": [{"value": "Keeps tea hot", "language_tag": "en_US"}]}])
    own.patch(patched_sku, [{"op": "merge", "path": "/attributes/item_name",
                             "value": [{"value": "Quokka Thermos XL", "language_tag": "en_US"}]},
                            {"op": "merge", "path": "/attributes/item_name",
                             "value": [{"value": "Termo Quokka", "language_tag": "es_MX",
                                        "marketplace_id": MX}]}])
    attributes = own.get(patched_sku, includedData="attributes").json()["attributes"]
    assert attributes["bullet_point"] == [{"value": "Keeps tea hot", "language_tag": "en_US",
                                           "marketplace_id": US}]
    assert attributes["item_name"] == [
        {"value": "Quokka Thermos XL", "language_tag": "en_US", "marketplace_id": US},
        {"value": "Termo Quokka", "language_tag": "es_MX", "marketplace_id": MX}]
    assert own.get(patched_sku).json()["summaries"][0]["itemName"] == "Quokka Thermos XL"
    own.patch(patched_sku, [{"op": "delete", "path": "/attributes/item_name",
                             "value": [{"marketplace_id": MX, "language_tag": "es_MX"}]},
                            {"op": "delete", "path": "/attributes/purchasable_offer"}])
    got = own.get(patched_sku, includedData="attributes,offers,summaries").json()
    assert [v["value"] for v in got["attributes"]["item_name"]] == ["Quokka Thermos XL"]
    assert "purchasable_offer" not in got["attributes"]
    assert got["offers"] == [] and got["summaries"][0]["status"] == ["DISCOVERABLE"]


def test_patch_invalid_values_change_nothing(own: Api, patched_sku: str) -> None:
    before = copy.deepcopy(own.state.listings[patched_sku])
    answer = own.patch(patched_sku, [{"op": "replace", "path": "/attributes/purchasable_offer",
                                      "value": offer("cheap")}]).json()
    assert answer["status"] == "INVALID"
    assert answer["issues"][0]["categories"] == ["INVALID_PRICE"]
    assert own.state.listings[patched_sku] == before


def test_patch_of_a_nested_path_is_refused(own: Api, patched_sku: str) -> None:
    response = own.patch(patched_sku, [{"op": "replace",
                                        "path": "/attributes/fulfillment_availability/0/quantity",
                                        "value": [{"quantity": 3}]}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_patch_of_an_unknown_sku_creates_a_complete_offer(own: Api) -> None:
    asin = unlisted_asin(own)
    answer = own.patch("QK-UPSERT", [
        {"op": "replace", "path": "/attributes/merchant_suggested_asin",
         "value": [{"value": asin}]},
        {"op": "replace", "path": "/attributes/condition_type", "value": [{"value": "new_new"}]},
        {"op": "replace", "path": "/attributes/purchasable_offer", "value": offer(11)},
        {"op": "replace", "path": "/attributes/fulfillment_availability",
         "value": [{"fulfillment_channel_code": "DEFAULT", "quantity": 2}]}]).json()
    assert answer["status"] == "ACCEPTED"
    assert own.get("QK-UPSERT").json()["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]


# -- delete ---------------------------------------------------------------------------------

def test_delete_then_get_is_404(own: Api) -> None:
    asin = unlisted_asin(own)
    own.put("QK-DELETE", new_listing(asin))
    with Recorder(own.server, events.LISTING_CHANGED) as seen:
        answer = own.delete("QK-DELETE").json()
    assert answer["sku"] == "QK-DELETE" and answer["status"] == "ACCEPTED"
    assert answer["issues"] == []
    assert seen.seen[0].data["action"] == "deleted"
    assert own.get("QK-DELETE").status_code == 404
    assert own.search(identifiers="QK-DELETE", identifiersType="SKU").json() == {
        "numberOfResults": 0, "items": []}
    assert own.delete("QK-DELETE").json()["status"] == "ACCEPTED"  # nothing left to delete


def test_delete_in_one_marketplace_keeps_the_others(own: Api) -> None:
    listing = next(x for x in own.state.listings.values() if CA in x.status)
    own.delete(listing.sku, market=CA)
    assert own.get(listing.sku, market=CA).status_code == 404
    assert own.get(listing.sku, market=US).status_code == 200


# -- search ---------------------------------------------------------------------------------

def test_search_pages_through_every_listing_once(shared: Api) -> None:
    expected = sorted(x.sku for x in shared.state.listings.values() if US in x.status)
    pages: list[list[str]] = []
    params: dict[str, Any] = {"pageSize": 20, "sortBy": "sku", "sortOrder": "ASC"}
    while True:
        body = shared.search(**params).json()
        assert body["numberOfResults"] == len(expected)
        pages.append([item["sku"] for item in body["items"]])
        assert ("previousToken" in body.get("pagination", {})) == (len(pages) > 1)
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            break
        params["pageToken"] = token
    assert [sku for page in pages for sku in page] == expected
    assert len(pages) > 2
    back = shared.search(**params).json()["pagination"]["previousToken"]
    assert [i["sku"] for i in shared.search(**{**params, "pageToken": back}).json()["items"]] \
        == pages[-2]


def test_search_token_of_other_filters_is_refused(shared: Api) -> None:
    token = shared.search(pageSize=5).json()["pagination"]["nextToken"]
    response = shared.search(pageSize=6, pageToken=token)
    assert response.status_code == 400
    assert response.json() == {"errors": [{
        "code": "InvalidInput", "message": "The specified pagination token is invalid or not "
        "compatible with the provided filters in the request input.", "details": ""}]}


def test_search_filters(shared: Api) -> None:
    listings = [x for x in shared.state.listings.values() if US in x.status]
    buyable = shared.search(withStatus="BUYABLE", pageSize=20).json()
    assert buyable["numberOfResults"] == sum("BUYABLE" in x.status[US] for x in listings)
    assert all("BUYABLE" in i["summaries"][0]["status"] for i in buyable["items"])
    flagged = shared.search(withIssueSeverity="ERROR,WARNING", includedData="issues").json()
    assert flagged["numberOfResults"] == sum(bool(x.issues) for x in listings)
    assert all(item["issues"] for item in flagged["items"])
    target = listings[0]
    by_asin = shared.search(identifiers=target.asin, identifiersType="ASIN").json()
    assert target.sku in [i["sku"] for i in by_asin["items"]]
    upc = shared.state.catalog[target.asin].upc
    by_upc = shared.search(identifiers=upc, identifiersType="UPC").json()
    assert [i["sku"] for i in by_upc["items"]] == [target.sku]
    newest = shared.search(sortBy="lastUpdatedDate", pageSize=3).json()["items"]
    dates = [i["summaries"][0]["lastUpdatedDate"] for i in newest]
    assert dates == sorted(dates, reverse=True)


def test_search_identifier_rules(shared: Api) -> None:
    for params in ({"identifiers": "A-SKU"}, {"identifiersType": "SKU"},
                   {"identifiers": "A-SKU", "identifiersType": "SKU",
                    "variationParentSku": "B-SKU"}):
        response = shared.search(**params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["code"] == "InvalidInput"
    assert shared.search(pageSize=21).status_code == 400  # the model's maximum is 20


def test_submissions_survive_a_restart_with_a_state_file(models_dir: Path,
                                                         tmp_path: Path) -> None:
    settings = Settings(models_dir=models_dir, port=0, throttle="off", scale=10,
                        state_file=tmp_path / "state.jsonl")
    with running(settings) as server, seller_client(server) as client:
        api = Api(server, client)
        asin = api.put("QK-SAVED", new_listing(), includedData="identifiers").json()[
            "identifiers"][0]["asin"]
        api.patch("QK-SAVED", [{"op": "replace", "path": "/attributes/purchasable_offer",
                                "value": offer(8.75)}])
        gone = some_listing(api).sku
        api.delete(gone)
    with running(settings) as server, seller_client(server) as client:
        api = Api(server, client)
        got = api.get("QK-SAVED", includedData="summaries,offers").json()
        assert got["summaries"][0]["asin"] == asin
        assert got["offers"][0]["price"]["amount"] == "8.75"
        assert api.state.catalog[asin].title == "Quokka Trail Thermos, Teal"
        assert api.get(gone).status_code == 404

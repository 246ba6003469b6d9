"""Catalog Items API 2022-04-01 over HTTP: the seller's catalog by ASIN, keyword and
identifier, every data set, paging, Amazon's 404 and the search rules, and listing changes
showing in the catalog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from emulator.business import catalog as catalog_rules
from emulator.business.entities import CatalogItem
from emulator.harness.embedded import Running
from tests.test_listings import US, Api, checked, new_listing, own_emulator, seller_client

MODEL = "catalogItems_2022-04-01"
ALL_DATA = ("attributes,classifications,dimensions,identifiers,images,productTypes,"
            "relationships,salesRanks,summaries,vendorDetails")


class Catalog(Api):
    def item(self, asin: str, **params: Any) -> httpx.Response:
        return checked(self.server, self.client, f"{MODEL}.getCatalogItem", "GET",
                       f"/catalog/2022-04-01/items/{asin}",
                       params={"marketplaceIds": US, **params})

    def find(self, **params: Any) -> httpx.Response:
        return checked(self.server, self.client, f"{MODEL}.searchCatalogItems", "GET",
                       "/catalog/2022-04-01/items", params={"marketplaceIds": US, **params})


@pytest.fixture
def shared(emulator: Running, client: httpx.Client) -> Catalog:
    return Catalog(emulator, client)


@pytest.fixture(scope="module")
def own(models_dir: Path) -> Iterator[Catalog]:
    with own_emulator(models_dir) as server, seller_client(server) as client:
        yield Catalog(server, client)


def any_item(api: Catalog, **want: Any) -> CatalogItem:
    return next(i for i in api.state.catalog.values()
                if all(getattr(i, k) == v for k, v in want.items()))


def test_get_answers_summaries_by_default(shared: Catalog) -> None:
    item = next(i for i in shared.state.catalog.values() if i.color and i.size)
    body = shared.item(item.asin).json()
    assert list(body) == ["asin", "summaries"]
    leaf = catalog_rules.classification(item)[0]
    assert body["summaries"] == [{
        "marketplaceId": US, "adultProduct": False, "autographed": False, "brand": item.brand,
        "browseClassification": {"displayName": leaf.name, "classificationId": leaf.node_id},
        "color": item.color, "itemClassification": "BASE_PRODUCT", "itemName": item.title,
        "manufacturer": item.manufacturer, "memorabilia": False,
        "modelNumber": item.model_number, "packageQuantity": 1, "partNumber": item.model_number,
        "releaseDate": item.release_date, "size": item.size, "tradeInEligible": False,
        "websiteDisplayGroup": item.display_group,
        "websiteDisplayGroupName": catalog_rules.DISPLAY_GROUP_NAMES[item.display_group]}]


def test_get_answers_every_data_set_but_vendor_details_to_a_seller(shared: Catalog) -> None:
    item = any_item(shared)
    body = shared.item(item.asin, includedData=ALL_DATA).json()
    assert list(body) == ["asin", "attributes", "classifications", "dimensions", "identifiers",
                          "images", "productTypes", "relationships", "salesRanks", "summaries"]
    assert body["attributes"]["item_name"] == [{"value": item.title, "language_tag": "en_US",
                                                "marketplace_id": US}]
    assert {i["identifierType"]: i["identifier"]
            for i in body["identifiers"][0]["identifiers"]} == {
        "EAN": item.ean, "GTIN": "0" + item.ean, "UPC": item.upc}
    assert [i["link"] for i in body["images"][0]["images"]] == item.images
    assert body["images"][0]["images"][0]["variant"] == "MAIN"
    assert body["productTypes"] == [{"marketplaceId": US, "productType": item.product_type}]
    assert body["dimensions"][0]["item"]["weight"] == {"unit": "pounds",
                                                      "value": item.weight_lb}
    ranks = body["salesRanks"][0]
    assert ranks["displayGroupRanks"][0]["rank"] == item.sales_rank
    assert ranks["classificationRanks"][0]["classificationId"] == item.classification_id
    # The classification chain ends at the root of the browse path.
    node = body["classifications"][0]["classifications"][0]
    names = []
    while node:
        names.append(node["displayName"])
        node = node.get("parent")
    assert " > ".join(reversed(names)) == item.classification_path


def test_vendor_gets_vendor_details(shared: Catalog) -> None:
    app = shared.server.app
    vendor = next(s for s in app.accounts.sellers if s.account_type == "vendor")
    item = next(iter(app.store.of(vendor).catalog.values()))
    token = app.tokens.issue_access(app.accounts.apps[0], vendor)
    with httpx.Client(base_url=shared.server.base_url,
                      headers={"x-amz-access-token": token}) as client:
        response = checked(shared.server, client, f"{MODEL}.getCatalogItem", "GET",
                           f"/catalog/2022-04-01/items/{item.asin}",
                           params={"marketplaceIds": US, "includedData": "vendorDetails"})
    details = response.json()["vendorDetails"][0]
    assert details["marketplaceId"] == US
    assert details["brandCode"] == "".join(c for c in item.brand.upper() if c.isalnum())[:5]


def test_unknown_asin_is_amazons_404(shared: Catalog) -> None:
    response = shared.item("B0NOTHERE1")
    assert response.status_code == 404
    assert response.json() == {"errors": [{
        "code": "NOT_FOUND",
        "message": "Requested item, B0NOTHERE1, not found in marketplace(s) ATVPDKIKX0DER."}]}


def test_marketplace_of_another_region_is_refused(shared: Catalog) -> None:
    response = shared.item(any_item(shared).asin, marketplaceIds="A1F83G8C2ARO7P")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "InvalidInput"


def test_keyword_search_pages_through_all_matches(shared: Catalog) -> None:
    brand = any_item(shared).brand
    keyword = brand.split()[0]
    expected = sorted((i for i in shared.state.catalog.values()
                       if keyword.lower() in catalog_rules.words(i.title + " " + i.brand)),
                      key=lambda i: (i.sales_rank, i.asin))
    assert len(expected) > 5
    seen: list[str] = []
    params: dict[str, Any] = {"keywords": keyword, "pageSize": 5}
    while True:
        body = shared.find(**params).json()
        assert body["numberOfResults"] == len(expected)
        seen += [item["asin"] for item in body["items"]]
        token = body.get("pagination", {}).get("nextToken")
        if token is None:
            break
        params["pageToken"] = token
        assert "previousToken" in shared.find(**params).json()["pagination"]
    assert seen == [i.asin for i in expected]
    refinements = shared.find(keywords=keyword).json()["refinements"]
    assert sum(b["numberOfResults"] for b in refinements["brands"]) == len(expected)


def test_keywords_must_all_match(shared: Catalog) -> None:
    item = next(i for i in shared.state.catalog.values() if i.color)
    body = shared.find(keywords=f"{item.brand.split()[0]},{item.color}", pageSize=20).json()
    assert item.asin in [i["asin"] for i in body["items"]]
    for found in body["items"]:
        name = found["summaries"][0]["itemName"].lower()
        assert item.color.lower() in name
    assert shared.find(keywords=f"{item.color},zyzzyvax").json()["numberOfResults"] == 0


def test_brand_and_classification_filters(shared: Catalog) -> None:
    item = any_item(shared)
    word = item.title.split()[-1].strip(",")
    by_brand = shared.find(keywords=word, brandNames=item.brand, pageSize=20).json()
    assert all(i["summaries"][0]["brand"] == item.brand for i in by_brand["items"])
    assert item.asin in [i["asin"] for i in by_brand["items"]]
    by_node = shared.find(keywords=word, classificationIds=item.classification_id).json()
    assert [i["asin"] for i in by_node["items"]] == [item.asin]


def test_identifier_search(shared: Catalog) -> None:
    items = list(shared.state.catalog.values())[:3]
    by_asin = shared.find(identifiers=",".join(i.asin for i in items), identifiersType="ASIN")
    assert [i["asin"] for i in by_asin.json()["items"]] == [i.asin for i in items]
    by_upc = shared.find(identifiers=items[1].upc, identifiersType="UPC").json()
    assert [i["asin"] for i in by_upc["items"]] == [items[1].asin]
    by_ean = shared.find(identifiers=items[2].ean, identifiersType="EAN").json()
    assert [i["asin"] for i in by_ean["items"]] == [items[2].asin]
    listing = next(iter(shared.state.listings.values()))
    by_sku = shared.find(identifiers=listing.sku, identifiersType="SKU",
                         sellerId=shared.seller_id).json()
    assert [i["asin"] for i in by_sku["items"]] == [listing.asin]


@pytest.mark.parametrize(("params", "message"), [
    ({"keywords": "shirt", "identifiers": "B0XXXXXXXX", "identifiersType": "ASIN"},
     "Invalid combination of 'identifiers' and 'keywords' provided."),
    ({}, "Missing required 'identifiers' or 'keywords'."),
    ({"identifiers": "B0XXXXXXXX"},
     "'identifiersType' is required when 'identifiers' is provided."),
    ({"identifiers": "SKU-1", "identifiersType": "SKU"},
     "'sellerId' is required when 'identifiersType' is SKU."),
    ({"identifiers": "SKU-1", "identifiersType": "SKU", "sellerId": "A3SOMEONEELSE"},
     "Invalid 'sellerId' provided."),
    ({"identifiers": "B0XXXXXXXX", "identifiersType": "ASIN", "brandNames": "Acme"},
     "'brandNames' cannot be used with 'identifiers'."),
])
def test_search_rules(shared: Catalog, params: dict[str, Any], message: str) -> None:
    response = shared.find(**params)
    assert response.status_code == 400
    assert response.json() == {"errors": [{"code": "InvalidInput", "message": message,
                                           "details": ""}]}


def test_search_limits_come_from_the_model(shared: Catalog) -> None:
    assert shared.find(keywords="shirt", pageSize=21).status_code == 400
    many = ",".join(f"B0{n:08d}" for n in range(21))
    assert shared.find(identifiers=many, identifiersType="ASIN").status_code == 400


def test_listing_changes_show_in_the_catalog(own: Catalog) -> None:
    listing = next(iter(own.state.listings.values()))
    answer = own.patch(listing.sku, [{"op": "replace", "path": "/attributes/item_name",
                                      "value": [{"value": "Platypus Patrol Kayak Paddle",
                                                 "language_tag": "en_US"}]}]).json()
    assert answer["status"] == "ACCEPTED"
    summary = own.item(listing.asin).json()["summaries"][0]
    assert summary["itemName"] == "Platypus Patrol Kayak Paddle"
    found = own.find(keywords="platypus,paddle").json()
    assert [i["asin"] for i in found["items"]] == [listing.asin]
    # An offer-only submission leaves the product's facts alone.
    body = new_listing(listing.asin, name="Renamed by an offer")
    body["requirements"] = "LISTING_OFFER_ONLY"
    assert own.put("CAT-OFFER", body).json()["status"] == "ACCEPTED"
    assert own.item(listing.asin).json()["summaries"][0]["itemName"] == (
        "Platypus Patrol Kayak Paddle")

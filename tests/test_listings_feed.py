"""JSON_LISTINGS_FEED end to end over HTTP: upload, createFeed, poll, download the processing
report (valid against Amazon's listings-feed-processing-report schema), and the seller's
listings changed exactly as the messages said, through the same rules, issues and events as
the Listings Items API; documents that break the envelope end FATAL and change nothing.
"""

from __future__ import annotations

import gzip
import json
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator

from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.runtime.events import LISTING_CHANGED, PRICE_CHANGED, Event
from tests.conftest import TokenSource
from tests.test_feeds import (
    JSON_TYPE,
    US,
    Feeds,
    feeds_of,
    own_feeds,
    pristine,
    seller_state,
    skus,
)

__all__ = ["own_feeds", "pristine", "skus"]  # fixtures, shared with test_feeds

FEED = "JSON_LISTINGS_FEED"
REPORT_SCHEMA = "listings-feed-processing-report-schema-v2.json"
ITEMS = "/listings/2021-08-01/items"
BAD_MESSAGE = ("The provided message did not meet the schema validation requirements for a "
               "feed message.")


@pytest.fixture(scope="module")
def report_schema(models_dir: Path) -> Draft7Validator:
    path = models_dir / "schemas" / "feeds" / REPORT_SCHEMA
    return Draft7Validator(json.loads(path.read_text(encoding="utf-8")))


@pytest.fixture
def seller_id(pristine: Running) -> str:
    return pristine.app.accounts.sellers[0].seller_id


def envelope(seller_id: str, messages: list[dict[str, Any]], **header: Any) -> dict[str, Any]:
    return {"header": {"sellerId": seller_id, "version": "2.0", **header}, "messages": messages}


def run(feeds: Feeds, report_schema: Draft7Validator, content: bytes,
        content_type: str = JSON_TYPE) -> tuple[dict[str, Any], dict[str, Any]]:
    """Submit a feed and return (the finished feed, its processing report), the report
    checked against Amazon's schema and naming the feed."""
    feed_id = feeds.submit(FEED, content, content_type)
    feed, raw = feeds.result(feed_id)
    report = json.loads(raw)
    errors = list(report_schema.iter_errors(report))
    assert not errors, errors[0].message
    assert report["header"]["feedId"] == feed_id
    return feed, report


def quantity(value: int) -> dict[str, Any]:
    return {"fulfillment_availability": [{"fulfillment_channel_code": "DEFAULT",
                                          "quantity": value}]}


def price(value: float) -> list[dict[str, Any]]:
    return [{"marketplace_id": US, "currency": "USD",
             "our_price": [{"schedule": [{"value_with_tax": value}]}]}]


def get_item(feeds: Feeds, seller_id: str, sku: str, included: str = "summaries") -> httpx.Response:
    return feeds.http.get(f"{ITEMS}/{seller_id}/{sku}",
                          params={"marketplaceIds": US, "includedData": included})


def unlisted_asin(state: SellerState) -> str:
    listed = {listing.asin for listing in state.listings.values()}
    return next(asin for asin in sorted(state.catalog) if asin not in listed)


# -- end to end -----------------------------------------------------------------------------

def test_messages_change_the_listings_as_the_api_would(own_feeds: Feeds, pristine: Running,
                                                       skus: list[str], seller_id: str,
                                                       report_schema: Draft7Validator) -> None:
    state = seller_state(pristine)
    stocked, repriced, deleted, untouched = skus[10:14]
    kept_quantity = state.listings[untouched].quantity
    asin = unlisted_asin(state)
    new_sku = f"FEED-NEW-{time.monotonic_ns()}"
    messages = [
        {"messageId": 1, "sku": new_sku, "operationType": "UPDATE", "productType": "PRODUCT",
         "requirements": "LISTING_OFFER_ONLY", "attributes": {
             "merchant_suggested_asin": [{"value": asin, "marketplace_id": US}],
             "condition_type": [{"value": "new_new", "marketplace_id": US}],
             "purchasable_offer": price(24.99), **quantity(9)}},
        {"messageId": 2, "sku": stocked, "operationType": "PARTIAL_UPDATE",
         "productType": "PRODUCT", "attributes": quantity(0)},
        {"messageId": 3, "sku": repriced, "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "merge", "path": "/attributes/purchasable_offer",
                      "value": price(31.5)}]},
        {"messageId": 4, "sku": deleted, "operationType": "DELETE"},
        {"messageId": 5, "sku": f"{new_sku}-BAD", "operationType": "UPDATE",
         "productType": "PRODUCT", "attributes": {"item_name": [{"value": "Half a listing"}]}},
        {"messageId": 6, "sku": untouched, "operationType": "PATCH", "productType": "PRODUCT",
         "attributes": quantity(1)},
        {"messageId": 7, "sku": untouched, "operationType": "PATCH", "productType": "PRODUCT",
         "patches": [{"op": "replace", "path": "/attributes/a/b", "value": [{"value": 1}]}]},
        {"messageId": 8, "sku": untouched, "operationType": "PARTIAL_UPDATE",
         "productType": "PRODUCT", "attributes": quantity(-1)},
    ]
    included = ["summaries", "offers", "fulfillmentAvailability", "issues"]
    document = envelope(seller_id, messages,
                        report={"includedData": included, "apiVersion": "2021-08-01"})
    feed, report = run(own_feeds, report_schema, json.dumps(document).encode())
    assert feed["processingStatus"] == "DONE"
    assert report["header"] == {"sellerId": seller_id, "version": "2.0",
                                "feedId": feed["feedId"], "report": document["header"]["report"]}
    assert report["issues"] == [
        *({"messageId": 5, "sku": f"{new_sku}-BAD", "code": "90220", "severity": "ERROR",
           "message": f"'{name}' is required but not supplied.", "attributeName": name}
          for name in ("brand", "condition_type", "purchasable_offer")),
        {"messageId": 6, "sku": untouched, "code": "4002008", "severity": "ERROR",
         "message": BAD_MESSAGE},
        {"messageId": 7, "sku": untouched, "code": "BAD_REQUEST", "severity": "ERROR",
         "message": "Invalid patch path '/attributes/a/b': only top-level attributes "
                    "(/attributes/<name>) can be patched."},
        {"messageId": 8, "sku": untouched, "code": "4000001", "severity": "ERROR",
         "message": "The provided value for 'Fulfillment Availability' is invalid.",
         "attributeName": "fulfillment_availability"},
    ]
    assert report["summary"] == {"errors": 6, "warnings": 0, "messagesProcessed": 8,
                                 "messagesAccepted": 4, "messagesInvalid": 4,
                                 "itemSummary": {"items": 3, "errors": 0, "warnings": 0}}
    items = {item["sku"]: item for item in report["items"]}
    assert list(items) == [new_sku, stocked, repriced]
    assert all(set(item) == {"sku", *included} for item in items.values())
    assert items[new_sku]["summaries"][0]["asin"] == asin
    assert items[new_sku]["summaries"][0]["status"] == ["BUYABLE", "DISCOVERABLE"]
    assert items[new_sku]["offers"][0]["price"] == {"currencyCode": "USD", "amount": "24.99"}
    assert items[new_sku]["fulfillmentAvailability"] == [
        {"fulfillmentChannelCode": "DEFAULT", "quantity": 9}]
    assert items[stocked]["summaries"][0]["status"] == ["DISCOVERABLE"]
    assert items[repriced]["offers"][0]["price"]["amount"] == "31.50"

    # The listings, as the Listings Items API and the store see them.
    created = get_item(own_feeds, seller_id, new_sku, "summaries,offers").json()
    assert created["summaries"][0]["asin"] == asin
    assert state.listings[new_sku].prices[US] == 2499 and state.listings[new_sku].quantity == 9
    assert state.listings[stocked].quantity == 0
    assert state.listings[repriced].prices[US] == 3150
    assert get_item(own_feeds, seller_id, deleted).status_code == 404
    assert US not in state.listings[deleted].status
    assert f"{new_sku}-BAD" not in state.listings
    assert state.listings[untouched].quantity == kept_quantity


def test_feed_and_api_give_the_same_issues(own_feeds: Feeds, seller_id: str,
                                           report_schema: Draft7Validator) -> None:
    sku = f"FEED-PARITY-{time.monotonic_ns()}"
    body = {"productType": "PRODUCT", "requirements": "LISTING",
            "attributes": {"item_name": [{"value": "Incomplete"}],
                           "purchasable_offer": price(-3)}}
    api = own_feeds.http.put(f"{ITEMS}/{seller_id}/{sku}", params={"marketplaceIds": US},
                             json=body)
    assert api.status_code == 200 and api.json()["status"] == "INVALID"
    _, report = run(own_feeds, report_schema, json.dumps(envelope(seller_id, [
        {"messageId": 1, "sku": sku, "operationType": "UPDATE", **body}])).encode())
    assert [(i["code"], i["message"], i["attributeNames"][0]) for i in api.json()["issues"]] == [
        (i["code"], i["message"], i["attributeName"]) for i in report["issues"]]
    assert report["summary"]["messagesInvalid"] == 1
    patch = {"productType": "PRODUCT", "patches": [
        {"op": "delete", "path": "/attributes/x/y"}]}
    refused = own_feeds.http.patch(f"{ITEMS}/{seller_id}/{sku}", params={"marketplaceIds": US},
                                   json=patch)
    assert refused.status_code == 400
    _, patched = run(own_feeds, report_schema, json.dumps(envelope(seller_id, [
        {"messageId": 1, "sku": sku, "operationType": "PATCH", **patch}])).encode())
    assert patched["issues"][0]["message"] == refused.json()["errors"][0]["message"]


def test_feed_changes_publish_the_api_events(own_feeds: Feeds, pristine: Running,
                                             skus: list[str], seller_id: str,
                                             report_schema: Draft7Validator) -> None:
    stocked, repriced = skus[20:22]
    seen: list[Event] = []
    pristine.app.events.subscribe(seen.append, LISTING_CHANGED, PRICE_CHANGED)
    try:
        run(own_feeds, report_schema, json.dumps(envelope(seller_id, [
            {"messageId": 1, "sku": stocked, "operationType": "PARTIAL_UPDATE",
             "productType": "PRODUCT", "attributes": quantity(77)},
            {"messageId": 2, "sku": repriced, "operationType": "PARTIAL_UPDATE",
             "productType": "PRODUCT", "attributes": {"purchasable_offer": price(42)}},
        ])).encode())
    finally:
        pristine.app.events.unsubscribe(seen.append)
    changed = [e for e in seen if e.type == LISTING_CHANGED and e.data["sku"] == stocked]
    assert [(e.data["action"], e.data["quantity"]) for e in changed] == [("updated", 77)]
    prices = [e for e in seen if e.type == PRICE_CHANGED and e.data["sku"] == repriced]
    assert [(e.data["marketplaceId"], e.data["price"]) for e in prices] == [(US, 4200)]


# -- documents ------------------------------------------------------------------------------

def test_gzip_and_declared_charsets_are_read(own_feeds: Feeds, pristine: Running,
                                             skus: list[str], seller_id: str,
                                             report_schema: Draft7Validator) -> None:
    state = seller_state(pristine)
    zipped, renamed = skus[30:32]
    document = envelope(seller_id, [{"messageId": 1, "sku": zipped,
                                     "operationType": "PARTIAL_UPDATE",
                                     "productType": "PRODUCT", "attributes": quantity(11)}])
    _, report = run(own_feeds, report_schema, gzip.compress(json.dumps(document).encode()))
    assert report["summary"]["messagesAccepted"] == 1
    assert state.listings[zipped].quantity == 11
    title = "Café Crème Brûlée Set"
    latin = envelope(seller_id, [{"messageId": 1, "sku": renamed,
                                  "operationType": "PARTIAL_UPDATE", "productType": "PRODUCT",
                                  "attributes": {"item_name": [{"value": title}]}}])
    _, report = run(own_feeds, report_schema,
                    json.dumps(latin, ensure_ascii=False).encode("iso-8859-1"),
                    "application/json; charset=ISO-8859-1")
    assert report["summary"]["messagesAccepted"] == 1
    assert state.listings[renamed].item_name == title
    summary = get_item(own_feeds, seller_id, renamed).json()["summaries"][0]
    assert summary["itemName"] == title


@pytest.mark.parametrize(("content", "code", "message"), [
    (b"this is not JSON", "4002001", "Item 'Feed' cannot be parsed."),
    (b"[1, 2]", "4002001", "Item 'Feed' cannot be parsed."),
    # mtime=0: the same bytes (and test id) in every process, as pytest-xdist requires.
    (gzip.compress(b'{"header": ', mtime=0), "4002001", "Item 'Feed' cannot be parsed."),
    (b"\xff\xfe{}", "4002001", "Item 'Feed' cannot be parsed."),
    # JSON has no NaN, Infinity or numbers past a double, and nothing 1,000 levels deep.
    ('{"header": {"sellerId": "SELLER", "version": "2.0"}, "messages": [MESSAGE], "n": NaN}',
     "4002001", "Item 'Feed' cannot be parsed."),
    ('{"header": {"sellerId": "SELLER", "version": "2.0"}, "messages": [MESSAGE], "n": 1e999}',
     "4002001", "Item 'Feed' cannot be parsed."),
    (b'{"header": ' + b"[" * 1000 + b"]" * 1000 + b"}", "4002001",
     "Item 'Feed' cannot be parsed."),
    ('{"messages": [MESSAGE]}', "4002005", "Attribute 'header' is required, but not present."),
    ('{"header": {"version": "2.0"}, "messages": [MESSAGE]}', "4002005",
     "Attribute 'sellerId' is required, but not present."),
    ('{"header": {"sellerId": "SELLER", "version": "1.0"}, "messages": [MESSAGE]}', "4002006",
     "Attribute 'version' does not match the required value."),
    ('{"header": {"sellerId": "SELLER", "version": "2.0"}, "messages": []}', "4002002",
     "The feed did not meet the schema validation requirements at 'messages': [] should be "
     "non-empty"),
])
def test_a_broken_envelope_ends_fatal_and_changes_nothing(
        own_feeds: Feeds, pristine: Running, skus: list[str], seller_id: str,
        report_schema: Draft7Validator, content: bytes | str, code: str, message: str) -> None:
    sku = skus[40]
    before = seller_state(pristine).listings[sku].quantity
    if isinstance(content, str):
        change = json.dumps({"messageId": 1, "sku": sku, "operationType": "PARTIAL_UPDATE",
                             "productType": "PRODUCT", "attributes": quantity(before + 1)})
        content = content.replace("MESSAGE", change).replace("SELLER", seller_id).encode()
    feed, report = run(own_feeds, report_schema, content)
    assert feed["processingStatus"] == "FATAL"
    assert report == {"header": {"sellerId": seller_id, "version": "2.0",
                                 "feedId": feed["feedId"]},
                      "issues": [{"code": code, "severity": "ERROR", "message": message}],
                      "summary": {"errors": 1, "warnings": 0, "messagesProcessed": 0,
                                  "messagesAccepted": 0, "messagesInvalid": 0}}
    assert seller_state(pristine).listings[sku].quantity == before


def test_another_sellers_header_refuses_every_message(own_feeds: Feeds, pristine: Running,
                                                      skus: list[str],
                                                      report_schema: Draft7Validator) -> None:
    sku = skus[41]
    before = seller_state(pristine).listings[sku].quantity
    other = pristine.app.accounts.sellers[3].seller_id
    feed, report = run(own_feeds, report_schema, json.dumps(envelope(other, [
        {"messageId": 1, "sku": sku, "operationType": "PARTIAL_UPDATE",
         "productType": "PRODUCT", "attributes": quantity(before + 5)},
        {"messageId": 2, "sku": sku, "operationType": "DELETE"}])).encode())
    assert feed["processingStatus"] == "DONE"
    assert report["issues"] == [
        {"messageId": n, "sku": sku, "code": "BAD_REQUEST", "severity": "ERROR",
         "message": "Invalid 'sellerId' provided."} for n in (1, 2)]
    assert report["summary"]["messagesInvalid"] == 2
    assert "items" not in report and "itemSummary" not in report["summary"]
    listing = seller_state(pristine).listings[sku]
    assert listing.quantity == before and US in listing.status


def test_messages_without_a_valid_id_are_reported_without_one(
        own_feeds: Feeds, seller_id: str, report_schema: Draft7Validator) -> None:
    _, report = run(own_feeds, report_schema, json.dumps(envelope(seller_id, [
        {"messageId": 0, "sku": "X", "operationType": "DELETE"},
        {"messageId": 2, "sku": "", "operationType": "DELETE"},
        "not a message"])).encode())
    assert report["issues"] == [
        {"sku": "X", "code": "4002008", "severity": "ERROR", "message": BAD_MESSAGE},
        {"messageId": 2, "code": "4002008", "severity": "ERROR", "message": BAD_MESSAGE},
        {"code": "4002008", "severity": "ERROR", "message": BAD_MESSAGE}]
    assert report["summary"]["messagesProcessed"] == 3


def test_fast_lifecycle_processes_on_the_clock(emulator: Running, tokens: TokenSource) -> None:
    """The session emulator's feeds (`--lifecycle fast`) are processed as its clock moves."""
    for feeds in feeds_of(emulator, tokens.seller()):
        seller = emulator.app.accounts.sellers[0].seller_id
        feed_id = feeds.submit(FEED, json.dumps(envelope(seller, [
            {"messageId": 1, "sku": "NO-SUCH-SKU", "operationType": "DELETE"}])).encode(),
            JSON_TYPE)
        feed, raw = feeds.result(feed_id)
        assert feed["processingStatus"] == "DONE"
        assert json.loads(raw)["summary"]["messagesAccepted"] == 1

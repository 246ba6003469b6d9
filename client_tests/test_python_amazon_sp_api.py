"""python-amazon-sp-api (`sp_api`), unmodified, against the emulator: every call goes through
the library's own API classes, configured only through its extension points (an
AccessTokenClient subclass for the LWA URL, the instance's `endpoint` for SP-API), as the
plugin's `spapi_python_sp_api` factory does."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from sp_api.api import CatalogItems, Feeds, Notifications, Orders, Reports
from sp_api.base import ReportType, SellingApiRequestThrottledException
from sp_api.util import load_all_pages, throttle_retry

from client_tests import support
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.harness.pytest_plugin import SpApiSeller

Make = Callable[..., Any]


def test_lwa_token_is_the_sellers(spapi_python_sp_api: Make, spapi_emulator: Running,
                                  spapi_seller: SpApiSeller) -> None:
    token = spapi_python_sp_api(Orders).auth.access_token
    grant = spapi_emulator.app.tokens.lookup(token)
    assert grant is not None and grant.kind == "seller"
    assert grant.seller is not None and grant.seller.seller_id == spapi_seller.seller_id


def test_get_orders_pages_with_next_token(spapi_python_sp_api: Make, state: SellerState) -> None:
    window = support.order_window(state)
    orders = spapi_python_sp_api(Orders)

    # The library's own paging helper, without its default 2 s pause between pages.
    @load_all_pages(throttle_by_seconds=0)
    def pages(**kwargs: Any) -> Any:
        return orders.get_orders(**kwargs)

    seen = [page.payload["Orders"] for page in pages(
        CreatedAfter=window.created_after, CreatedBefore=window.created_before,
        MaxResultsPerPage=support.PAGE_SIZE)]
    assert len(seen) == window.page_count
    assert all(len(page) == support.PAGE_SIZE for page in seen[:-1])
    assert [o["AmazonOrderId"] for page in seen for o in page] == window.order_ids


def test_get_order_items(spapi_python_sp_api: Make, state: SellerState) -> None:
    order = support.order_window(state).orders[0]
    items = spapi_python_sp_api(Orders).get_order_items(order.order_id).payload
    assert items["AmazonOrderId"] == order.order_id
    assert [(i["OrderItemId"], i["ASIN"], i["QuantityOrdered"]) for i in items["OrderItems"]] == [
        (i.order_item_id, i.asin, i.quantity) for i in order.items]


def test_report_created_polled_and_downloaded(spapi_python_sp_api: Make,
                                              state: SellerState) -> None:
    reports = spapi_python_sp_api(Reports)
    report_id = reports.create_report(
        reportType=ReportType.GET_MERCHANT_LISTINGS_ALL_DATA).payload["reportId"]
    report = reports.get_report(report_id).payload  # instant lifecycle: done when created
    assert report["processingStatus"] == "DONE"
    document = reports.get_report_document(report["reportDocumentId"], download=True).payload
    rows = list(csv.DictReader(io.StringIO(document["document"]), delimiter="\t"))
    assert {row["seller-sku"] for row in rows} == support.listing_skus(state)


def test_feed_uploaded_processed_and_its_report_read(spapi_python_sp_api: Make,
                                                     spapi_seller: SpApiSeller,
                                                     state: SellerState) -> None:
    sku = support.feed_sku(state)
    content = json.dumps(support.listings_feed(spapi_seller.seller_id, sku)).encode()
    feeds = spapi_python_sp_api(Feeds)
    # createFeedDocument, then the library's own PUT of the bytes to the document's URL.
    document = feeds.create_feed_document(io.BytesIO(content), support.FEED_CONTENT_TYPE)
    feed_id = feeds.create_feed(support.FEED_TYPE,
                                document.payload["feedDocumentId"]).payload["feedId"]
    feed = feeds.get_feed(feed_id).payload  # instant lifecycle: done when created
    assert feed["processingStatus"] == "DONE"
    # Downloads, gunzips and decodes the processing report.
    report = json.loads(feeds.get_feed_result_document(feed["resultFeedDocumentId"]))
    support.assert_feed_applied(state, sku, feed_id, report)


def test_restricted_data_token_opens_the_address(spapi_python_sp_api: Make,
                                                 state: SellerState) -> None:
    order = support.order_window(state).addressed_order()
    orders = spapi_python_sp_api(Orders)
    # The library asks for the RDT itself, then calls getOrder with it.
    opened = orders.get_order(order.order_id, RestrictedResources=["shippingAddress"]).payload
    assert opened["ShippingAddress"]["Name"] == order.address.name
    assert opened["ShippingAddress"]["AddressLine1"] == order.address.line1
    plain = orders.get_order(order.order_id).payload
    assert "Name" not in plain["ShippingAddress"]


def test_burst_until_429_then_throttle_retry(spapi_python_sp_api: Make, state: SellerState,
                                             spapi_emulator: Running,
                                             spapi_seller: SpApiSeller) -> None:
    catalog = spapi_python_sp_api(CatalogItems, version="2022-04-01")
    asin = next(iter(state.catalog))
    with pytest.raises(SellingApiRequestThrottledException) as refused:
        for _ in range(10):
            catalog.get_catalog_item(asin)
    assert refused.value.code == 429 and refused.value.amzn_code == "QuotaExceeded"

    # The library's retry decorator; 0.5 s is this operation's restore time (rate 2/s).
    @throttle_retry(tries=5, delay=0.5)
    def get_item() -> Any:
        return catalog.get_catalog_item(asin)

    assert get_item().payload["asin"] == asin
    support.assert_recovered_from_throttling(spapi_emulator, spapi_seller.seller_id)


def test_grantless_notifications(spapi_python_sp_api: Make, spapi_emulator: Running,
                                 spapi_seller: SpApiSeller) -> None:
    notifications = spapi_python_sp_api(Notifications)
    arn = f"arn:aws:sqs:us-east-1:123456789012:python-sp-api-{spapi_seller.seller_id}"
    created = notifications.create_destination(name="python-amazon-sp-api", arn=arn).payload
    listed = notifications.get_destinations().payload
    assert created in listed
    # Both calls went with the app's client-credentials token: no seller behind them.
    assert support.statuses(spapi_emulator, None, "notifications.getDestinations")[-1] == 200
    assert support.statuses(spapi_emulator, spapi_seller.seller_id,
                            "notifications.getDestinations") == []

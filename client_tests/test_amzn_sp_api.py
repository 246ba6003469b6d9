"""amzn-sp-api (Amazon's official Python SDK, `spapi`), unmodified, against the emulator:
`SPAPIClient(config, oauth_endpoint=..., endpoint=...)` as the plugin's `spapi_amzn_client`
builds it, and the SDK's generated API classes on its `api_client`. Every reply is turned into
the SDK's models, which refuse missing required fields and unknown enum values."""

from __future__ import annotations

import csv
import gzip
import io
import json
import time
from collections.abc import Callable
from typing import Any, TypeVar

import urllib3
from spapi import ApiClient, Configuration
from spapi.api.catalogitems_v2022_04_01.catalog_api import CatalogApi
from spapi.api.feeds_v2021_06_30.feeds_api import FeedsApi
from spapi.api.notifications_v1.notifications_api import NotificationsApi
from spapi.api.orders_v0.orders_v0_api import OrdersV0Api
from spapi.api.reports_v2021_06_30.reports_api import ReportsApi
from spapi.api.tokens_v2021_03_01.tokens_api import TokensApi
from spapi.models.feeds_v2021_06_30 import (
    CreateFeedDocumentSpecification,
    CreateFeedSpecification,
)
from spapi.models.notifications_v1 import (
    CreateDestinationRequest,
    DestinationResourceSpecification,
    SqsResource,
)
from spapi.models.reports_v2021_06_30 import CreateReportSpecification
from spapi.models.tokens_v2021_03_01 import CreateRestrictedDataTokenRequest, RestrictedResource
from spapi.rest import ApiException

from client_tests import support
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.harness.pytest_plugin import SpApiCredentials, SpApiSeller

Make = Callable[..., Any]
T = TypeVar("T")


def test_lwa_token_is_the_sellers(spapi_amzn_client: Make, spapi_emulator: Running,
                                  spapi_seller: SpApiSeller) -> None:
    # SPAPIClient fetches the token while it is built, through its AccessTokenCache.
    token = spapi_amzn_client().access_token_cache.get_lwa_access_token()
    grant = spapi_emulator.app.tokens.lookup(token)
    assert grant is not None and grant.kind == "seller"
    assert grant.seller is not None and grant.seller.seller_id == spapi_seller.seller_id


def test_get_orders_pages_with_next_token(spapi_amzn_client: Make, state: SellerState) -> None:
    window = support.order_window(state)
    orders = OrdersV0Api(spapi_amzn_client().api_client)
    page = orders.get_orders(
        marketplace_ids=[support.US], created_after=window.created_after,
        created_before=window.created_before, max_results_per_page=support.PAGE_SIZE).payload
    pages = [page.orders]
    while page.next_token:
        page = orders.get_orders(marketplace_ids=[support.US], next_token=page.next_token).payload
        pages.append(page.orders)
    assert len(pages) == window.page_count
    assert all(len(p) == support.PAGE_SIZE for p in pages[:-1])
    assert [o.amazon_order_id for p in pages for o in p] == window.order_ids


def test_get_order_items(spapi_amzn_client: Make, state: SellerState) -> None:
    order = support.order_window(state).orders[0]
    items = OrdersV0Api(spapi_amzn_client().api_client).get_order_items(order.order_id).payload
    assert items.amazon_order_id == order.order_id
    assert [(i.order_item_id, i.asin, i.quantity_ordered) for i in items.order_items] == [
        (i.order_item_id, i.asin, i.quantity) for i in order.items]


def test_report_created_polled_and_downloaded(spapi_amzn_client: Make,
                                              state: SellerState) -> None:
    reports = ReportsApi(spapi_amzn_client().api_client)
    created = reports.create_report(CreateReportSpecification(
        report_type=support.REPORT_TYPE, marketplace_ids=[support.US]))
    report = reports.get_report(created.report_id)  # instant lifecycle: done when created
    assert report.processing_status == "DONE"
    document = reports.get_report_document(report.report_document_id)
    # The SDK has no download helper: the URL needs no auth, and GZIP is the only compression.
    rows = list(csv.DictReader(io.StringIO(download(document)), delimiter="\t"))
    assert {row["seller-sku"] for row in rows} == support.listing_skus(state)


def download(document: Any) -> str:
    """A report or feed result document (the SDK has no helper): the URL needs no auth, and
    GZIP is the only compression."""
    content = urllib3.request("GET", document.url).data
    if document.compression_algorithm == "GZIP":
        content = gzip.decompress(content)
    return content.decode()


def test_feed_uploaded_processed_and_its_report_read(spapi_amzn_client: Make,
                                                     spapi_seller: SpApiSeller,
                                                     state: SellerState) -> None:
    sku = support.feed_sku(state)
    feeds = FeedsApi(spapi_amzn_client().api_client)
    document = feeds.create_feed_document(
        CreateFeedDocumentSpecification(content_type=support.FEED_CONTENT_TYPE))
    content = json.dumps(support.listings_feed(spapi_seller.seller_id, sku)).encode()
    uploaded = urllib3.request("PUT", document.url, body=content,
                               headers={"Content-Type": support.FEED_CONTENT_TYPE})
    assert uploaded.status == 200
    feed_id = feeds.create_feed(CreateFeedSpecification(
        feed_type=support.FEED_TYPE, marketplace_ids=[support.US],
        input_feed_document_id=document.feed_document_id)).feed_id
    feed = feeds.get_feed(feed_id)  # instant lifecycle: done when created
    assert feed.processing_status == "DONE"
    result = feeds.get_feed_document(feed.result_feed_document_id)
    support.assert_feed_applied(state, sku, feed_id, json.loads(download(result)))


class FixedToken:
    """An access-token cache that always answers one token: how amzn-sp-api sends an RDT
    (its ApiClient rewrites `x-amz-access-token` from the cache before every call)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def get_lwa_access_token(self) -> str:
        return self.token


def restricted_client(endpoint: str, restricted_data_token: str) -> ApiClient:
    configuration = Configuration()
    configuration.host = endpoint
    configuration.access_token_cache = FixedToken(restricted_data_token)
    return ApiClient(configuration)


def test_restricted_data_token_opens_the_address(spapi_amzn_client: Make,
                                                 spapi_credentials: SpApiCredentials,
                                                 state: SellerState) -> None:
    order = support.order_window(state).addressed_order()
    path = f"/orders/v0/orders/{order.order_id}/address"
    rdt = TokensApi(spapi_amzn_client().api_client).create_restricted_data_token(
        CreateRestrictedDataTokenRequest(restricted_resources=[
            RestrictedResource(method="GET", path=path, data_elements=["shippingAddress"])]))
    orders = OrdersV0Api(restricted_client(spapi_credentials.endpoint,
                                           rdt.restricted_data_token))
    address = orders.get_order_address(order.order_id).payload.shipping_address
    assert (address.name, address.address_line1, address.postal_code) == (
        order.address.name, order.address.line1, order.address.postal_code)


def retry_throttled(call: Callable[[], T], *, tries: int = 5, wait: float = 0.5) -> T:
    """The SDK raises ApiException(status=429) and retries nothing itself: wait and retry,
    doubling the wait each time (0.5 s is getCatalogItem's restore time)."""
    for attempt in range(tries):
        try:
            return call()
        except ApiException as error:
            if error.status != 429 or attempt == tries - 1:
                raise
            time.sleep(wait * 2**attempt)
    raise AssertionError("unreachable")


def test_burst_until_429_then_retry(spapi_amzn_client: Make, state: SellerState,
                                    spapi_emulator: Running, spapi_seller: SpApiSeller) -> None:
    catalog = CatalogApi(spapi_amzn_client().api_client)
    asin = next(iter(state.catalog))
    refused = None
    for _ in range(10):
        try:
            catalog.get_catalog_item(asin, marketplace_ids=[support.US])
        except ApiException as error:
            refused = error
            break
    assert refused is not None and refused.status == 429
    assert '"code":"QuotaExceeded"' in refused.body
    item = retry_throttled(lambda: catalog.get_catalog_item(asin, marketplace_ids=[support.US]))
    assert item.asin == asin
    support.assert_recovered_from_throttling(spapi_emulator, spapi_seller.seller_id)


def test_grantless_notifications(spapi_amzn_client: Make, spapi_emulator: Running,
                                 spapi_seller: SpApiSeller) -> None:
    grantless = spapi_amzn_client(scope=support.NOTIFICATIONS_SCOPE)
    notifications = NotificationsApi(grantless.api_client)
    arn = f"arn:aws:sqs:us-east-1:123456789012:amzn-sp-api-{spapi_seller.seller_id}"
    created = notifications.create_destination(CreateDestinationRequest(
        name="amzn-sp-api",
        resource_specification=DestinationResourceSpecification(sqs=SqsResource(arn=arn))))
    listed = notifications.get_destinations().payload
    assert created.payload.destination_id in [d.destination_id for d in listed]
    assert support.statuses(spapi_emulator, None, "notifications.getDestinations")[-1] == 200

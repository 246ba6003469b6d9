"""The Node clients, unmodified, against the emulator: npm `amazon-sp-api` (through its
`https_proxy_agent` option) and `@sp-api-sdk/*` (through Node's `https.globalAgent`).

Each test runs one scenario of amazon_sp_api.mjs or sp_api_sdk.mjs in a Node process with the
test's own seller, and checks what the client returned against the emulator's state and
journal. The packages come from package-lock.json (`npm ci`: see the `node` fixture); without
node or npm the tests are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import pytest

from client_tests import support
from client_tests.support import NODE_DIR
from emulator.business.store import SellerState
from emulator.harness.embedded import Running
from emulator.harness.pytest_plugin import SpApiCredentials, SpApiSeller

CLIENTS = [pytest.param("amazon_sp_api", id="amazon-sp-api"),
           pytest.param("sp_api_sdk", id="sp-api-sdk")]


def run(node: str, client: str, scenario: str, credentials: SpApiCredentials,
        **args: Any) -> Any:
    env = {**os.environ, "SPAPI_ENDPOINT": credentials.endpoint,
           "SPAPI_CLIENT_ID": credentials.client_id,
           "SPAPI_CLIENT_SECRET": credentials.client_secret,
           "SPAPI_REFRESH_TOKEN": credentials.refresh_token}
    done = subprocess.run([node, f"{client}.mjs", scenario, json.dumps(args)], cwd=NODE_DIR,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, f"{client} {scenario} failed:\n{done.stderr}"
    return json.loads(done.stdout)


@pytest.mark.parametrize("client", CLIENTS)
def test_lwa_token_is_the_sellers(node: str, client: str, spapi_credentials: SpApiCredentials,
                                  spapi_emulator: Running) -> None:
    token = run(node, client, "token", spapi_credentials)["accessToken"]
    grant = spapi_emulator.app.tokens.lookup(token)
    assert grant is not None and grant.kind == "seller"
    assert grant.seller is not None and grant.seller.seller_id == spapi_credentials.seller_id


@pytest.mark.parametrize("client", CLIENTS)
def test_get_orders_pages_with_next_token(node: str, client: str,
                                          spapi_credentials: SpApiCredentials,
                                          state: SellerState) -> None:
    window = support.order_window(state)
    pages = run(node, client, "orders", spapi_credentials, createdAfter=window.created_after,
                createdBefore=window.created_before, pageSize=support.PAGE_SIZE)["pages"]
    assert len(pages) == window.page_count
    assert all(len(page) == support.PAGE_SIZE for page in pages[:-1])
    assert [order_id for page in pages for order_id in page] == window.order_ids


@pytest.mark.parametrize("client", CLIENTS)
def test_get_order_items(node: str, client: str, spapi_credentials: SpApiCredentials,
                         state: SellerState) -> None:
    order = support.order_window(state).orders[0]
    answer = run(node, client, "orderItems", spapi_credentials, orderId=order.order_id)
    assert answer["orderId"] == order.order_id
    assert answer["items"] == [[i.order_item_id, i.asin, i.quantity] for i in order.items]


@pytest.mark.parametrize("client", CLIENTS)
def test_report_created_polled_and_downloaded(node: str, client: str,
                                              spapi_credentials: SpApiCredentials,
                                              state: SellerState) -> None:
    skus = run(node, client, "report", spapi_credentials, reportType=support.REPORT_TYPE)["skus"]
    assert len(skus) == len(set(skus))
    assert set(skus) == support.listing_skus(state)


@pytest.mark.parametrize("client", CLIENTS)
def test_feed_uploaded_processed_and_its_report_read(node: str, client: str,
                                                     spapi_credentials: SpApiCredentials,
                                                     state: SellerState) -> None:
    sku = support.feed_sku(state)
    answer = run(node, client, "feed", spapi_credentials,
                 document=support.listings_feed(spapi_credentials.seller_id, sku),
                 contentType=support.FEED_CONTENT_TYPE, feedType=support.FEED_TYPE)
    assert answer["processingStatus"] == "DONE"
    support.assert_feed_applied(state, sku, answer["feedId"], answer["report"])


@pytest.mark.parametrize("client", CLIENTS)
def test_restricted_data_token_opens_the_address(node: str, client: str,
                                                 spapi_credentials: SpApiCredentials,
                                                 state: SellerState) -> None:
    order = support.order_window(state).addressed_order()
    address = run(node, client, "restrictedAddress", spapi_credentials, orderId=order.order_id)
    assert (address["Name"], address["AddressLine1"], address["PostalCode"]) == (
        order.address.name, order.address.line1, order.address.postal_code)


@pytest.mark.parametrize("client", CLIENTS)
def test_burst_until_429_then_retry(node: str, client: str, spapi_credentials: SpApiCredentials,
                                    state: SellerState, spapi_emulator: Running) -> None:
    asin = next(iter(state.catalog))
    answer = run(node, client, "burst", spapi_credentials, asin=asin)
    refused = answer["refused"]
    assert refused is not None, "ten calls in a row were never throttled"
    if client == "amazon_sp_api":  # CustomError(errors[0])
        assert refused["code"] == "QuotaExceeded"
    else:  # SellingPartnerApiError, an AxiosError with the response
        assert refused == {"status": 429, "code": "QuotaExceeded"}
    assert answer["asin"] == asin
    support.assert_recovered_from_throttling(spapi_emulator, spapi_credentials.seller_id)


@pytest.mark.parametrize("client", CLIENTS)
def test_grantless_notifications(node: str, client: str, spapi_credentials: SpApiCredentials,
                                 spapi_seller: SpApiSeller, spapi_emulator: Running) -> None:
    arn = f"arn:aws:sqs:us-east-1:123456789012:{client}-{spapi_seller.seller_id}"
    answer = run(node, client, "grantless", spapi_credentials, arn=arn, name=client)
    assert answer["created"]["resource"]["sqs"]["arn"] == arn
    assert answer["created"] in answer["listed"]
    assert support.statuses(spapi_emulator, None, "notifications.getDestinations")[-1] == 200

"""Flows recorded as cassettes (pytest-recording), so QA can replay them without a network:
`--record-mode=none` (the default) plays fixtures/cassettes/contracts/<target>/test_recorded/,
`--record-mode=once|rewrite` records them against the target, scrubbed of secrets and buyer
PII. Each test starts from a fresh client, so its LWA exchange is part of its cassette; the
assertions hold for scrubbed answers too (no names, tokens or signatures are compared).
"""

from __future__ import annotations

import pytest

from contracts.assertions import assert_envelope
from contracts.flows import MARKETPLACE_US, call, report_lifecycle
from contracts.harness import Api
from emulator.models.sample_requests import ModelRequest

TEST_CASE_200 = "TEST_CASE_200"


def fresh(api: Api) -> Api:
    """A client with no cached token: what it does is all in the cassette."""
    return Api(api.base_url, api.lwa_url, api.credentials, api.rdt_url, api.min_interval)


@pytest.mark.vcr
@pytest.mark.sandbox_verified
def test_lwa_then_orders_with_buyer_data(sandbox_api: Api) -> None:
    api = fresh(sandbox_api)
    orders = call(api, "ordersV0.getOrders", ModelRequest("GET", "/orders/v0/orders", params=[
        ("CreatedAfter", TEST_CASE_200), ("MarketplaceIds", MARKETPLACE_US)]))
    assert orders["payload"]["Orders"][0]["AmazonOrderId"] == "902-1845936-5435065"
    buyer = call(api, "ordersV0.getOrderBuyerInfo",
                 ModelRequest("GET", f"/orders/v0/orders/{TEST_CASE_200}/buyerInfo"))
    assert set(buyer["payload"]) >= {"AmazonOrderId", "BuyerEmail", "BuyerName"}
    address = call(api, "ordersV0.getOrderAddress",
                   ModelRequest("GET", f"/orders/v0/orders/{TEST_CASE_200}/address"))
    assert address["payload"]["ShippingAddress"]["City"] == "SEATTLE"


@pytest.mark.vcr
@pytest.mark.sandbox_verified
def test_refusals_keep_the_envelope(sandbox_api: Api) -> None:
    api = fresh(sandbox_api)
    missing = api.request("GET", "/orders/v0/orders", params={
        "CreatedAfter": TEST_CASE_200, "MarketplaceIds": MARKETPLACE_US})
    assert missing.status_code == 403
    assert assert_envelope(missing)[0]["code"] == "Unauthorized"
    unknown = api.request("GET", "/orders/v0/no-such-resource",
                          headers={"x-amz-access-token": api.seller_token()})
    assert unknown.status_code == 403


@pytest.mark.vcr
@pytest.mark.emulator_only
def test_report_lifecycle_to_a_document(emulator_api: Api) -> None:
    run = report_lifecycle(fresh(emulator_api), "GET_FLAT_FILE_OPEN_LISTINGS_DATA")
    assert run.statuses[-1] == "DONE"
    assert run.download.status_code == 200
    assert run.download.text.startswith("sku\tasin")

"""What only the emulator does (Amazon's sandbox is static and does not throttle per
operation): state that lives across calls, lifecycles on the emulator clock, throttling by the
models' usage plans, token expiry, restricted data behind RDTs."""

from __future__ import annotations

import pytest

from contracts.assertions import assert_envelope, assert_request_id
from contracts.flows import MARKETPLACE_US, REPORTS, call, report_lifecycle
from contracts.harness import Api, Target, load_models
from emulator.models.sample_requests import ModelRequest

pytestmark = pytest.mark.emulator_only

GET_REPORTS = load_models().operation("reports_2021-06-30.getReports")  # rate 0.0222, burst 10
ORDERS_SINCE = ("CreatedAfter", "2020-01-01T00:00:00Z")


def test_report_goes_through_its_lifecycle_to_a_document(emulator_api: Api) -> None:
    run = report_lifecycle(emulator_api, "GET_FLAT_FILE_OPEN_LISTINGS_DATA")
    assert run.statuses[0] == "IN_QUEUE"
    assert run.statuses[-1] == "DONE"
    assert set(run.statuses) <= {"IN_QUEUE", "IN_PROGRESS", "DONE"}
    assert run.download.status_code == 200
    assert run.download.headers["content-type"].startswith("text/plain")
    header = run.download.text.splitlines()[0].split("\t")
    assert header[:2] == ["sku", "asin"]


def test_throttled_request_gets_quota_exceeded(throttled_api: Api, target: Target) -> None:
    request = ModelRequest("GET", f"{REPORTS}/reports", params=[("reportTypes",
                                                                  "GET_MERCHANT_LISTINGS_DATA")])
    answers = [throttled_api.send(request, operation=GET_REPORTS, retry=False)
               for _ in range(11)]
    if target.kind == "url" and all(a.status_code == 200 for a in answers):
        pytest.skip(f"{target.name} does not throttle (served with --throttle off?)")
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    throttled = answers[-1]
    assert assert_envelope(throttled) == [{
        "code": "QuotaExceeded",
        "message": "You exceeded your quota for the requested resource.", "details": ""}]
    assert_request_id(throttled)
    # No Retry-After (urllib3 would retry by itself); the model declares no rate header on
    # this operation's 429.
    assert "retry-after" not in throttled.headers
    assert "x-amzn-RateLimit-Limit" not in throttled.headers
    # One token comes back after 1/rate seconds.
    throttled_api.control("POST", "/_emulator/clock/advance", json={"seconds": 46})
    assert throttled_api.send(request, operation=GET_REPORTS, retry=False).status_code == 200


def test_access_token_expires_after_expires_in(emulator_api: Api) -> None:
    exchanged = emulator_api.exchange(emulator_api.refresh_fields())
    token, lifetime = exchanged.json()["access_token"], exchanged.json()["expires_in"]
    request = ModelRequest("GET", "/sellers/v1/marketplaceParticipations")
    assert emulator_api.send(request, token=token).status_code == 200
    try:
        emulator_api.control("POST", "/_emulator/clock/advance", json={"seconds": lifetime})
        expired = emulator_api.send(request, token=token)
    finally:
        emulator_api.forget_tokens()  # every token cached so far expired with it
    assert expired.status_code == 403
    assert assert_envelope(expired) == [{
        "code": "Unauthorized", "message": "Access to requested resource is denied.",
        "details": "The access token you provided has expired."}]


def test_buyer_address_needs_a_restricted_data_token(emulator_api: Api) -> None:
    orders = call(emulator_api, "ordersV0.getOrders", ModelRequest(
        "GET", "/orders/v0/orders", params=[("MarketplaceIds", MARKETPLACE_US), ORDERS_SINCE,
                                            ("FulfillmentChannels", "MFN")]))
    order_id = orders["payload"]["Orders"][0]["AmazonOrderId"]
    path = f"/orders/v0/orders/{order_id}/address"
    plain = call(emulator_api, "ordersV0.getOrderAddress", ModelRequest("GET", path))
    assert set(plain["payload"]["ShippingAddress"]) <= {"City", "StateOrRegion", "PostalCode",
                                                        "CountryCode"}
    unlocked = call(emulator_api, "ordersV0.getOrderAddress", ModelRequest("GET", path),
                    token=emulator_api.rdt("GET", path))
    assert unlocked["payload"]["ShippingAddress"]["Name"]
    assert unlocked["payload"]["ShippingAddress"]["AddressLine1"]


def test_next_token_pages_through_orders_without_overlap(emulator_api: Api) -> None:
    params = [("MarketplaceIds", MARKETPLACE_US), ORDERS_SINCE, ("MaxResultsPerPage", "10")]
    first = call(emulator_api, "ordersV0.getOrders",
                 ModelRequest("GET", "/orders/v0/orders", params=params))["payload"]
    second = call(emulator_api, "ordersV0.getOrders", ModelRequest(
        "GET", "/orders/v0/orders", params=[("MarketplaceIds", MARKETPLACE_US),
                                            ("NextToken", first["NextToken"])]))["payload"]
    ids = [o["AmazonOrderId"] for o in first["Orders"] + second["Orders"]]
    assert len(first["Orders"]) == 10 and second["Orders"]
    assert len(set(ids)) == len(ids)

"""The headers SP-API puts on its answers, and compact JSON bodies."""

from __future__ import annotations

import re
import uuid

import httpx

SANDBOX_GET = ("/orders/v0/orders", {"MarketplaceIds": "ATVPDKIKX0DER",
                                     "CreatedAfter": "TEST_CASE_200"})


def test_request_ids_on_every_answer(client: httpx.Client) -> None:
    seen = set()
    for response in (client.get(SANDBOX_GET[0], params=SANDBOX_GET[1]),
                     client.get("/orders/v0/orders"), client.get("/nowhere")):
        request_id = response.headers["x-amzn-RequestId"]
        assert uuid.UUID(request_id).version == 4
        assert re.fullmatch(r"[A-Z0-9]{20}", response.headers["x-amz-rid"])
        seen.add(request_id)
    assert len(seen) == 3


def test_rate_limit_header_from_the_usage_plan(client: httpx.Client) -> None:
    ok = client.get(*SANDBOX_GET[:1], params=SANDBOX_GET[1])
    assert ok.headers["x-amzn-RateLimit-Limit"] == "0.0167"  # getOrders: 0.0167/s, burst 20
    bad = client.get("/orders/v0/orders")
    assert bad.status_code == 400 and bad.headers["x-amzn-RateLimit-Limit"] == "0.0167"
    item = client.get("/orders/v0/orders/TEST_CASE_200/orderItems")
    assert item.headers["x-amzn-RateLimit-Limit"] == "0.5"  # getOrderItems: 0.5/s, burst 30
    denied = client.get("/nowhere")
    assert "x-amzn-RateLimit-Limit" not in denied.headers


def test_json_is_compact(client: httpx.Client) -> None:
    response = client.get(SANDBOX_GET[0], params=SANDBOX_GET[1])
    assert response.headers["content-type"] == "application/json"
    assert b": " not in response.content and b"\n" not in response.content
    assert int(response.headers["content-length"]) == len(response.content)


def test_every_answer_says_where_it_came_from(client: httpx.Client,
                                              anonymous: httpx.Client) -> None:
    def source(response: httpx.Response) -> str:
        return response.headers["x-spapi-emulator-source"]

    assert source(client.get(SANDBOX_GET[0], params=SANDBOX_GET[1])) == "sandbox-case"
    stateful = client.get("/orders/v0/orders", params={"MarketplaceIds": "ATVPDKIKX0DER",
                                                       "CreatedAfter": "2020-01-01T00:00:00Z"})
    assert stateful.status_code == 200 and source(stateful) == "stateful"
    refused = client.get("/orders/v0/orders/no-such-order")
    assert refused.status_code == 404 and source(refused) == "stateful"  # the handler's 404
    synthesized = client.get("/sales/v1/orderMetrics", params={
        "marketplaceIds": "ATVPDKIKX0DER", "granularity": "Total",
        "interval": "2026-01-01T00:00:00Z--2026-01-08T00:00:00Z"})
    assert synthesized.status_code == 200 and source(synthesized) == "synthesized"
    # Replies made before any answer was chosen: the model refused, no token, no operation.
    assert source(client.get("/orders/v0/orders")) == "gateway"
    assert source(anonymous.get("/orders/v0/orders")) == "gateway"
    assert source(client.get("/nowhere")) == "gateway"


def test_sandbox_mode_answers_say_sandbox_case(sandbox_client: httpx.Client) -> None:
    matched = sandbox_client.get(SANDBOX_GET[0], params=SANDBOX_GET[1])
    unmatched = sandbox_client.get("/orders/v0/orders", params={
        "MarketplaceIds": "ATVPDKIKX0DER", "CreatedAfter": "2024-01-01"})
    assert matched.headers["x-spapi-emulator-source"] == "sandbox-case"
    assert unmatched.status_code == 400  # the static sandbox's own "Could not match"
    assert unmatched.headers["x-spapi-emulator-source"] == "sandbox-case"
